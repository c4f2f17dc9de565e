/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "pyr-details-pane.h"

#include <glib/gi18n.h>

#include "pyr-flame-graph.h"

/* A function called from hundreds of places lists its heaviest callers only. */
#define MAX_LINKS 100

struct _PyrDetailsPane
{
  GtkWidget         parent_instance;

  GtkWidget        *scroller;
  GtkLabel         *hint;
  GtkWidget        *content;
  GtkLabel         *name_label;
  GtkLabel         *location_label;
  GtkLabel         *weight_label;
  GtkListBox       *lists[3];
  GtkWidget        *headings[3];

  PyrFlameTree     *tree;
  PyrFunctionTable *table;
  guint32           node;
  GArray           *entries[3];   /* guint32: stack nodes, caller rows, callee rows */
};

enum {
  NODE_ACTIVATED,
  FUNCTION_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (PyrDetailsPane, pyr_details_pane, GTK_TYPE_WIDGET)

GtkWidget *
pyr_details_pane_new (void)
{
  return g_object_new (PYR_TYPE_DETAILS_PANE, NULL);
}

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))))
    gtk_list_box_remove (list, child);
}

static void
add_entry (PyrDetailsPane    *self,
           PyrDetailsSection  section,
           guint32            id,
           const char        *name,
           const char        *figure,
           const char        *tooltip,
           gboolean           current)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *name_label = gtk_label_new (name);
  GtkWidget *row = gtk_list_box_row_new ();

  gtk_label_set_xalign (GTK_LABEL (name_label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name_label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_set_hexpand (name_label, TRUE);
  if (current)
    gtk_widget_add_css_class (name_label, "heading");
  gtk_box_append (GTK_BOX (box), name_label);
  if (figure != NULL)
    {
      GtkWidget *figure_label = gtk_label_new (figure);

      gtk_widget_add_css_class (figure_label, "dim-label");
      gtk_widget_add_css_class (figure_label, "numeric");
      gtk_box_append (GTK_BOX (box), figure_label);
    }
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_widget_set_tooltip_text (row, tooltip);
  gtk_list_box_append (self->lists[section], row);
  g_array_append_val (self->entries[section], id);
}

static int
heavier_first (gconstpointer a,
               gconstpointer b)
{
  const PyrFunctionEdge *ea = a, *eb = b;

  return ea->weight < eb->weight ? 1 : ea->weight > eb->weight ? -1 : 0;
}

static const char *
row_name (PyrFunctionTable *table,
          guint32           row)
{
  PyrProfile *profile = pyr_call_tree_get_profile (pyr_function_table_get_tree (table));

  /* per-line rows have no name of their own */
  if (pyr_function_table_get_key (table) == PYR_FUNCTION_TABLE_BY_LINE)
    return pyr_profile_get_string (profile,
                                   pyr_profile_get_frame_name (profile, pyr_function_table_get_frame (table, row)));
  return pyr_profile_get_string (profile, pyr_function_table_get_name (table, row));
}

static void
fill_links (PyrDetailsPane    *self,
            PyrDetailsSection  section,
            const PyrFunctionEdge *edges,
            guint              n_edges)
{
  g_autofree PyrFunctionEdge *sorted = NULL;
  double all = pyr_function_table_get_total_weight (self->table);

  gtk_widget_set_visible (self->headings[section], TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->lists[section]), n_edges > 0);
  if (n_edges == 0)
    return;
  sorted = g_memdup2 (edges, sizeof *edges * n_edges);
  qsort (sorted, n_edges, sizeof *sorted, heavier_first);
  for (guint i = 0; i < MIN (n_edges, MAX_LINKS); i++)
    {
      g_autofree char *figure = g_strdup_printf ("%.1f %%", all > 0 ? 100 * sorted[i].weight / all : 0);
      PyrProfile *profile = pyr_call_tree_get_profile (pyr_function_table_get_tree (self->table));
      const char *file = pyr_profile_get_string (profile, pyr_function_table_get_file (self->table, sorted[i].row));

      add_entry (self, section, sorted[i].row, row_name (self->table, sorted[i].row), figure, file, FALSE);
    }
}

static void
update (PyrDetailsPane *self)
{
  PyrFlameTree *tree = self->tree;
  PyrProfile *profile;
  g_autoptr(GArray) path = NULL;
  g_autofree char *total_text = NULL;
  g_autofree char *self_text = NULL;
  g_autofree char *weights = NULL;
  guint32 frame, file_sid, function = PYR_ID_NONE;
  gint32 line;
  double all, total, self_weight;
  const char *file;

  for (guint s = 0; s < 3; s++)
    {
      clear_list (self->lists[s]);
      g_array_set_size (self->entries[s], 0);
      gtk_widget_set_visible (self->headings[s], FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->lists[s]), FALSE);
    }

  if (tree == NULL || self->node == PYR_ID_NONE || self->node == 0 ||
      self->node >= pyr_flame_tree_get_n_nodes (tree))
    {
      gtk_widget_set_visible (self->content, FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->hint), TRUE);
      return;
    }
  gtk_widget_set_visible (self->content, TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->hint), FALSE);

  profile = pyr_flame_tree_get_profile (tree);
  frame = pyr_flame_tree_get_frame (tree, self->node);
  file_sid = pyr_profile_get_frame_file (profile, frame);
  file = pyr_profile_get_string (profile, file_sid);
  /* a box of a function whose lines were merged is on none of them in particular */
  line = pyr_flame_tree_get_lines_merged (tree) ? 0 : pyr_profile_get_frame_line (profile, frame);
  gtk_label_set_text (self->name_label, pyr_flame_tree_get_name (tree, self->node));
  if (file != NULL && *file != '\0')
    {
      g_autofree char *location = line > 0 ? g_strdup_printf ("%s:%d", file, line) : g_strdup (file);

      gtk_label_set_text (self->location_label, location);
    }
  else
    gtk_label_set_text (self->location_label, "");
  gtk_widget_set_visible (GTK_WIDGET (self->location_label), file != NULL && *file != '\0');

  all = pyr_flame_tree_get_total (tree, 0);
  total = pyr_flame_tree_get_total (tree, self->node);
  self_weight = pyr_flame_tree_get_self (tree, self->node);
  total_text = pyr_flame_graph_format_weight (profile, total);
  self_text = pyr_flame_graph_format_weight (profile, self_weight);
  weights = g_strdup_printf ("%s %s (%.1f %%)\n%s %s (%.1f %%)",
                             _("Total:"), total_text, all > 0 ? 100 * total / all : 0,
                             _("Self:"), self_text, all > 0 ? 100 * self_weight / all : 0);
  gtk_label_set_text (self->weight_label, weights);

  /* the stack, root first, ending at the frame */
  path = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (guint32 n = self->node; n != 0 && n != PYR_ID_NONE; n = pyr_flame_tree_get_parent (tree, n))
    g_array_prepend_val (path, n);
  for (guint i = 0; i < path->len; i++)
    {
      guint32 n = g_array_index (path, guint32, i);
      g_autofree char *figure = g_strdup_printf ("%.1f %%", all > 0 ? 100 * pyr_flame_tree_get_total (tree, n) / all : 0);
      g_autofree char *location = pyr_flame_tree_dup_label (tree, n);

      add_entry (self, PYR_DETAILS_STACK, n, pyr_flame_tree_get_name (tree, n), figure,
                 location, n == self->node);
    }
  gtk_widget_set_visible (self->headings[PYR_DETAILS_STACK], TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->lists[PYR_DETAILS_STACK]), TRUE);

  if (self->table != NULL)
    function = pyr_function_table_lookup_frame (self->table, frame);
  if (function != PYR_ID_NONE)
    {
      const PyrFunctionEdge *edges;
      guint n_edges;

      edges = pyr_function_table_get_callers (self->table, function, &n_edges);
      fill_links (self, PYR_DETAILS_CALLERS, edges, n_edges);
      edges = pyr_function_table_get_callees (self->table, function, &n_edges);
      fill_links (self, PYR_DETAILS_CALLEES, edges, n_edges);
    }
}

void
pyr_details_pane_set_node (PyrDetailsPane   *self,
                           PyrFlameTree     *tree,
                           PyrFunctionTable *table,
                           guint32           node)
{
  g_return_if_fail (PYR_IS_DETAILS_PANE (self));

  if (tree != self->tree)
    {
      g_clear_pointer (&self->tree, pyr_flame_tree_unref);
      self->tree = tree ? pyr_flame_tree_ref (tree) : NULL;
    }
  g_set_object (&self->table, table);
  self->node = node;
  update (self);
}

guint32
pyr_details_pane_get_node (PyrDetailsPane *self)
{
  g_return_val_if_fail (PYR_IS_DETAILS_PANE (self), PYR_ID_NONE);
  return self->node;
}

guint
pyr_details_pane_get_n_entries (PyrDetailsPane    *self,
                                PyrDetailsSection  section)
{
  g_return_val_if_fail (PYR_IS_DETAILS_PANE (self), 0);
  g_return_val_if_fail (section <= PYR_DETAILS_CALLEES, 0);
  return self->entries[section]->len;
}

guint32
pyr_details_pane_get_entry (PyrDetailsPane    *self,
                            PyrDetailsSection  section,
                            guint              index)
{
  g_return_val_if_fail (PYR_IS_DETAILS_PANE (self), PYR_ID_NONE);
  g_return_val_if_fail (section <= PYR_DETAILS_CALLEES, PYR_ID_NONE);

  if (index >= self->entries[section]->len)
    return PYR_ID_NONE;
  return g_array_index (self->entries[section], guint32, index);
}

void
pyr_details_pane_activate (PyrDetailsPane    *self,
                           PyrDetailsSection  section,
                           guint              index)
{
  guint32 id;

  g_return_if_fail (PYR_IS_DETAILS_PANE (self));

  if ((id = pyr_details_pane_get_entry (self, section, index)) == PYR_ID_NONE)
    return;
  if (section == PYR_DETAILS_STACK)
    g_signal_emit (self, signals[NODE_ACTIVATED], 0, id);
  else
    g_signal_emit (self, signals[FUNCTION_ACTIVATED], 0, id);
}

static void
on_row_activated (GtkListBox     *list,
                  GtkListBoxRow  *row,
                  PyrDetailsPane *self)
{
  for (guint s = 0; s < 3; s++)
    if (self->lists[s] == list)
      pyr_details_pane_activate (self, s, gtk_list_box_row_get_index (row));
}

static GtkWidget *
heading (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "heading");
  gtk_widget_set_margin_top (label, 12);
  return label;
}

static void
pyr_details_pane_dispose (GObject *object)
{
  PyrDetailsPane *self = PYR_DETAILS_PANE (object);

  g_clear_pointer (&self->scroller, gtk_widget_unparent);
  g_clear_pointer (&self->tree, pyr_flame_tree_unref);
  g_clear_object (&self->table);

  G_OBJECT_CLASS (pyr_details_pane_parent_class)->dispose (object);
}

static void
pyr_details_pane_finalize (GObject *object)
{
  PyrDetailsPane *self = PYR_DETAILS_PANE (object);

  for (guint s = 0; s < 3; s++)
    g_array_unref (self->entries[s]);

  G_OBJECT_CLASS (pyr_details_pane_parent_class)->finalize (object);
}

static void
pyr_details_pane_class_init (PyrDetailsPaneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pyr_details_pane_dispose;
  object_class->finalize = pyr_details_pane_finalize;

  signals[NODE_ACTIVATED] = g_signal_new ("node-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  signals[FUNCTION_ACTIVATED] = g_signal_new ("function-activated", G_TYPE_FROM_CLASS (klass),
                                              G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                              G_TYPE_NONE, 1, G_TYPE_UINT);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "detailspane");
}

static void
pyr_details_pane_init (PyrDetailsPane *self)
{
  static const char *const titles[] = { N_("Stack"), N_("Callers"), N_("Callees") };
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);

  self->node = PYR_ID_NONE;

  self->hint = GTK_LABEL (gtk_label_new (_("Click a frame to see its stack, callers and callees.")));
  gtk_label_set_wrap (self->hint, TRUE);
  gtk_label_set_justify (self->hint, GTK_JUSTIFY_CENTER);
  gtk_widget_add_css_class (GTK_WIDGET (self->hint), "dim-label");
  gtk_widget_set_vexpand (GTK_WIDGET (self->hint), TRUE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->hint));

  self->content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_visible (self->content, FALSE);
  self->name_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->name_label, TRUE);
  gtk_label_set_wrap_mode (self->name_label, PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (self->name_label, 0);
  gtk_label_set_selectable (self->name_label, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->name_label), "title-4");
  gtk_box_append (GTK_BOX (self->content), GTK_WIDGET (self->name_label));
  self->location_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->location_label, TRUE);
  gtk_label_set_wrap_mode (self->location_label, PANGO_WRAP_CHAR);
  gtk_label_set_xalign (self->location_label, 0);
  gtk_label_set_selectable (self->location_label, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->location_label), "dim-label");
  gtk_box_append (GTK_BOX (self->content), GTK_WIDGET (self->location_label));
  self->weight_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->weight_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->weight_label), "numeric");
  gtk_box_append (GTK_BOX (self->content), GTK_WIDGET (self->weight_label));

  for (guint s = 0; s < 3; s++)
    {
      self->entries[s] = g_array_new (FALSE, FALSE, sizeof (guint32));
      self->headings[s] = heading (_(titles[s]));
      self->lists[s] = GTK_LIST_BOX (gtk_list_box_new ());
      gtk_list_box_set_selection_mode (self->lists[s], GTK_SELECTION_NONE);
      gtk_list_box_set_activate_on_single_click (self->lists[s], TRUE);
      gtk_widget_add_css_class (GTK_WIDGET (self->lists[s]), "boxed-list");
      g_signal_connect (self->lists[s], "row-activated", G_CALLBACK (on_row_activated), self);
      gtk_box_append (GTK_BOX (self->content), self->headings[s]);
      gtk_box_append (GTK_BOX (self->content), GTK_WIDGET (self->lists[s]));
    }
  gtk_box_append (GTK_BOX (box), self->content);

  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 12);
  gtk_widget_set_margin_bottom (box, 12);

  self->scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (self->scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (self->scroller), box);
  gtk_widget_set_parent (self->scroller, GTK_WIDGET (self));
  update (self);
}
