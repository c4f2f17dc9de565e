/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "pyr-process-picker.h"
#include "pyr-process-picker-private.h"

#include <glib/gi18n.h>
#include <string.h>

struct _PyrProcessPicker
{
  AdwWindow           parent_instance;

  GtkSearchEntry     *search_entry;
  GtkStack           *stack;
  GtkColumnView      *column_view;
  AdwStatusPage      *error_page;
  GtkLabel           *status_label;
  GtkSwitch          *follow_switch;
  GtkWidget          *attach_button;

  PyrProcessList     *list;
  GtkCustomFilter    *roots_filter;
  GtkFilterListModel *roots;
  GtkTreeListModel   *tree;
  GtkSorter          *row_sorter;      /* the column view's sorter, applied to each level */
  GtkSortListModel   *sorted;
  GtkSingleSelection *selection;
  char               *search;          /* lower-case, "" when not searching */
  gboolean            searching;       /* the tree is flat while searching */
  gboolean            loaded;
  GString            *groups;          /* the pids with listed children, as of the tree */
};

G_DEFINE_FINAL_TYPE (PyrProcessPicker, pyr_process_picker, ADW_TYPE_WINDOW)

enum
{
  ATTACH,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- the model ------------------------------------------------------------------------------ */

static gboolean
contains_folded (const char *haystack,
                 const char *needle)
{
  g_autofree char *folded = NULL;

  if (haystack == NULL)
    return FALSE;
  folded = g_utf8_casefold (haystack, -1);
  return strstr (folded, needle) != NULL;
}

static gboolean
matches_search (PyrProcessInfo *info,
                const char     *search)
{
  char pid[24];

  g_snprintf (pid, sizeof pid, "%" G_GINT64_FORMAT, pyr_process_info_get_pid (info));
  return g_str_has_prefix (pid, search)
         || contains_folded (pyr_process_info_get_command_line (info), search)
         || contains_folded (pyr_process_info_get_title (info), search)
         || contains_folded (pyr_process_info_get_user (info), search)
         || contains_folded (pyr_process_info_get_container (info), search);
}

/* Without a search, the top level is the processes whose parent is not a listed Python
 * process: a server's workers sit under their master. */
static gboolean
filter_roots (gpointer item,
              gpointer user_data)
{
  PyrProcessPicker *self = user_data;
  PyrProcessInfo *info = item;

  if (self->searching)
    return matches_search (info, self->search);
  return pyr_process_list_lookup (self->list, pyr_process_info_get_parent_pid (info)) == NULL;
}

static gboolean
filter_children (gpointer item,
                 gpointer user_data)
{
  return pyr_process_info_get_parent_pid (item) == (gint64) GPOINTER_TO_SIZE (user_data);
}

static GListModel *
create_children (gpointer item,
                 gpointer user_data)
{
  PyrProcessPicker *self = user_data;
  gint64 pid = pyr_process_info_get_pid (item);
  GtkCustomFilter *filter;

  if (self->searching || pyr_process_list_count_children (self->list, pid) == 0)
    return NULL;
  filter = gtk_custom_filter_new (filter_children, GSIZE_TO_POINTER ((gsize) pid), NULL);
  return G_LIST_MODEL (gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->list)),
                                                  GTK_FILTER (filter)));
}

static void
build_tree (PyrProcessPicker *self)
{
  g_clear_object (&self->tree);
  self->tree = gtk_tree_list_model_new (g_object_ref (G_LIST_MODEL (self->roots)), FALSE, FALSE,
                                        create_children, self, NULL);
  gtk_sort_list_model_set_model (self->sorted, G_LIST_MODEL (self->tree));
}

static PyrProcessInfo *
selected_info (PyrProcessPicker *self,
               gboolean         *is_group)
{
  GtkTreeListRow *row = gtk_single_selection_get_selected_item (self->selection);

  if (is_group != NULL)
    *is_group = row != NULL && gtk_tree_list_row_is_expandable (row);
  return row != NULL ? gtk_tree_list_row_get_item (row) : NULL;
}

static void
update_state (PyrProcessPicker *self)
{
  const GError *error = pyr_process_list_get_error (self->list);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->list));
  g_autoptr(PyrProcessInfo) info = selected_info (self, NULL);

  if (error != NULL && n == 0)
    {
      adw_status_page_set_description (self->error_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "error");
    }
  else if (!self->loaded)
    gtk_stack_set_visible_child_name (self->stack, "loading");
  else if (n == 0)
    gtk_stack_set_visible_child_name (self->stack, "empty");
  else
    gtk_stack_set_visible_child_name (self->stack, "list");

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "picker.attach", info != NULL);
  if (info != NULL && pyr_process_info_get_needs_authorization (info))
    {
      g_autofree char *text = NULL;
      /* the reason is the sampler's, in English: the system's words for a system setting */
      text = g_strdup_printf (_("Attaching needs authorisation: you will be asked for an "
                                "administrator’s password (%s)."),
                              pyr_process_info_get_reason (info) ? pyr_process_info_get_reason (info) : "");
      gtk_label_set_text (self->status_label, text);
    }
  else if (error != NULL)
    gtk_label_set_text (self->status_label, error->message);
  else if (self->searching)
    {
      guint shown = g_list_model_get_n_items (G_LIST_MODEL (self->selection));
      /* TRANSLATORS: while filtering: processes shown, of all Python processes listed */
      g_autofree char *text = g_strdup_printf (_("Showing %u of %u"), shown, n);
      gtk_label_set_text (self->status_label, text);
    }
  else
    {
      g_autofree char *text = g_strdup_printf (ngettext ("%u Python process", "%u Python processes", n), n);
      gtk_label_set_text (self->status_label, text);
    }
}

/* Whether a row can be expanded is decided when the tree creates it: when the groups change,
 * the tree is built anew, keeping the selected process selected. */
static gint
compare_pids (gconstpointer a,
              gconstpointer b)
{
  gint64 pa = *(const gint64 *) a, pb = *(const gint64 *) b;
  return pa < pb ? -1 : pa > pb;
}

static PyrProcessInfo *
row_info (GListModel *rows,
          guint       position,
          gboolean   *expanded)
{
  g_autoptr(GtkTreeListRow) row = g_list_model_get_item (rows, position);

  if (expanded != NULL)
    *expanded = gtk_tree_list_row_get_expanded (row);
  return gtk_tree_list_row_get_item (row);
}

static void
rebuild_if_groups_changed (PyrProcessPicker *self)
{
  g_autoptr(GString) groups = g_string_new (NULL);
  g_autoptr(GArray) parents = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GHashTable) expanded = g_hash_table_new (NULL, NULL);
  GListModel *list = G_LIST_MODEL (self->list);
  GListModel *rows = G_LIST_MODEL (self->selection);
  g_autoptr(PyrProcessInfo) selected = NULL;
  gint64 last = -1;

  /* the set of pids with listed children, in order, once each */
  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr(PyrProcessInfo) info = g_list_model_get_item (list, i);
      gint64 ppid = pyr_process_info_get_parent_pid (info);
      if (pyr_process_list_lookup (self->list, ppid) != NULL)
        g_array_append_val (parents, ppid);
    }
  g_array_sort (parents, compare_pids);
  for (guint i = 0; i < parents->len; i++)
    if (g_array_index (parents, gint64, i) != last)
      {
        last = g_array_index (parents, gint64, i);
        g_string_append_printf (groups, "%" G_GINT64_FORMAT ",", last);
      }
  if (strcmp (groups->str, self->groups->str) == 0)
    return;
  g_string_assign (self->groups, groups->str);

  /* a new tree, with the same groups open and the same process selected */
  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      gboolean open = FALSE;
      g_autoptr(PyrProcessInfo) info = row_info (rows, i, &open);
      if (open)
        g_hash_table_add (expanded, info);     /* the list keeps it alive */
    }
  selected = selected_info (self, NULL);
  build_tree (self);
  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr(PyrProcessInfo) info = row_info (rows, i, NULL);
      if (g_hash_table_contains (expanded, info))
        {
          g_autoptr(GtkTreeListRow) row = g_list_model_get_item (rows, i);
          gtk_tree_list_row_set_expanded (row, TRUE);
        }
    }
  for (guint i = 0; selected != NULL && i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr(PyrProcessInfo) info = row_info (rows, i, NULL);
      if (info == selected)
        {
          gtk_single_selection_set_selected (self->selection, i);
          break;
        }
    }
}

static void
on_refreshed (PyrProcessPicker *self)
{
  self->loaded = TRUE;
  /* whether a process is a root depends on the others */
  gtk_filter_changed (GTK_FILTER (self->roots_filter), GTK_FILTER_CHANGE_DIFFERENT);
  if (!self->searching)
    rebuild_if_groups_changed (self);
  /* CPU and memory changed in place: a sorted column sorts again */
  if (gtk_sorter_get_order (gtk_column_view_get_sorter (self->column_view)) != GTK_SORTER_ORDER_NONE)
    gtk_sorter_changed (self->row_sorter, GTK_SORTER_CHANGE_DIFFERENT);
  if (gtk_single_selection_get_selected (self->selection) == GTK_INVALID_LIST_POSITION
      && g_list_model_get_n_items (G_LIST_MODEL (self->tree)) > 0)
    gtk_single_selection_set_selected (self->selection, 0);
  update_state (self);
}

static void
on_error_changed (PyrProcessPicker *self)
{
  if (pyr_process_list_get_error (self->list) != NULL)
    self->loaded = TRUE;
  update_state (self);
}

static void
on_search_changed (PyrProcessPicker *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  gboolean searching;

  g_free (self->search);
  self->search = g_utf8_casefold (g_strstrip (g_strdup (text)), -1);
  searching = self->search[0] != '\0';
  if (searching != self->searching)
    {
      self->searching = searching;
      gtk_filter_changed (GTK_FILTER (self->roots_filter), GTK_FILTER_CHANGE_DIFFERENT);
      build_tree (self);     /* groups while browsing, a flat list of matches while searching */
    }
  else
    gtk_filter_changed (GTK_FILTER (self->roots_filter), GTK_FILTER_CHANGE_DIFFERENT);
  if (g_list_model_get_n_items (G_LIST_MODEL (self->tree)) > 0)
    gtk_single_selection_set_selected (self->selection, 0);
  update_state (self);
}

static void
on_selection_changed (PyrProcessPicker *self)
{
  gboolean is_group = FALSE;
  g_autoptr(PyrProcessInfo) info = selected_info (self, &is_group);

  /* a group (a server and its workers) is usually wanted whole */
  if (info != NULL)
    gtk_switch_set_active (self->follow_switch, is_group);
  update_state (self);
}

/* ---- attaching ------------------------------------------------------------------------------ */

void
pyr_process_picker_activate_selected (PyrProcessPicker *self)
{
  g_autoptr(PyrProcessInfo) info = NULL;

  g_return_if_fail (PYR_IS_PROCESS_PICKER (self));

  if ((info = selected_info (self, NULL)) == NULL)
    return;
  g_object_ref (self);
  g_signal_emit (self, signals[ATTACH], 0, pyr_process_info_get_pid (info),
                 gtk_switch_get_active (self->follow_switch),
                 pyr_process_info_get_needs_authorization (info));
  gtk_window_close (GTK_WINDOW (self));
  g_object_unref (self);
}

static void
attach_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  pyr_process_picker_activate_selected (PYR_PROCESS_PICKER (widget));
}

static void
on_activate (PyrProcessPicker *self,
             guint             position)
{
  gtk_single_selection_set_selected (self->selection, position);
  pyr_process_picker_activate_selected (self);
}

static void
on_search_activate (PyrProcessPicker *self)
{
  pyr_process_picker_activate_selected (self);
}

/* ---- cells ---------------------------------------------------------------------------------- */

typedef void (*CellUpdate) (GtkWidget      *cell,
                            PyrProcessInfo *info);

static PyrProcessInfo *
cell_info (GtkListItem *item)
{
  GtkTreeListRow *row = gtk_list_item_get_item (item);
  PyrProcessInfo *info;

  if (row == NULL || (info = gtk_tree_list_row_get_item (row)) == NULL)
    return NULL;
  g_object_unref (info);      /* the row keeps it */
  return info;
}

static void
update_command (GtkWidget      *cell,
                PyrProcessInfo *info)
{
  GtkWidget *box = gtk_tree_expander_get_child (GTK_TREE_EXPANDER (cell));
  GtkWidget *title = gtk_widget_get_first_child (box);
  GtkWidget *line = gtk_widget_get_next_sibling (title);

  gtk_label_set_text (GTK_LABEL (title), pyr_process_info_get_title (info));
  gtk_label_set_text (GTK_LABEL (line), pyr_process_info_get_command_line (info));
  gtk_widget_set_tooltip_text (line, pyr_process_info_get_command_line (info));
}

static void
update_pid (GtkWidget      *cell,
            PyrProcessInfo *info)
{
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, pyr_process_info_get_pid (info));
  gtk_label_set_text (GTK_LABEL (cell), text);
}

static void
update_user (GtkWidget      *cell,
             PyrProcessInfo *info)
{
  gtk_label_set_text (GTK_LABEL (cell), pyr_process_info_get_user (info));
}

static void
update_cpu (GtkWidget      *cell,
            PyrProcessInfo *info)
{
  g_autofree char *text = g_strdup_printf ("%.1f", pyr_process_info_get_cpu_percent (info));
  gtk_label_set_text (GTK_LABEL (cell), text);
}

static void
update_memory (GtkWidget      *cell,
               PyrProcessInfo *info)
{
  g_autofree char *text = g_format_size (pyr_process_info_get_memory_bytes (info));
  gtk_label_set_text (GTK_LABEL (cell), text);
}

static void
update_python (GtkWidget      *cell,
               PyrProcessInfo *info)
{
  const char *version = pyr_process_info_get_python_version (info);
  gtk_label_set_text (GTK_LABEL (cell), version != NULL ? version : "—");
}

static void
update_container (GtkWidget      *cell,
                  PyrProcessInfo *info)
{
  gtk_label_set_text (GTK_LABEL (cell), pyr_process_info_get_container (info));
}

static void
update_lock (GtkWidget      *cell,
             PyrProcessInfo *info)
{
  gboolean locked = pyr_process_info_get_needs_authorization (info);

  gtk_widget_set_visible (cell, locked);
  if (locked)
    {
      g_autofree char *tooltip = g_strdup_printf ("%s\n%s", _("Attaching needs authorisation"),
                                                  pyr_process_info_get_reason (info)
                                                  ? pyr_process_info_get_reason (info) : "");
      gtk_widget_set_tooltip_text (cell, tooltip);
    }
}

static void
on_info_notify (PyrProcessInfo *info,
                GParamSpec     *pspec,
                GtkListItem    *item)
{
  CellUpdate update = g_object_get_data (G_OBJECT (item), "pyr-update");
  GtkWidget *cell = gtk_list_item_get_child (item);

  if (cell != NULL)
    update (cell, info);
}

static void
bind_cell (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           gpointer                  user_data)
{
  CellUpdate update = user_data;
  PyrProcessInfo *info = cell_info (item);
  GtkWidget *cell = gtk_list_item_get_child (item);

  if (info == NULL)
    return;
  if (GTK_IS_TREE_EXPANDER (cell))
    gtk_tree_expander_set_list_row (GTK_TREE_EXPANDER (cell), gtk_list_item_get_item (item));
  g_object_set_data (G_OBJECT (item), "pyr-update", update);
  update (cell, info);
  /* rows keep their object across refreshes, so the cells follow its properties */
  g_signal_connect_object (info, "notify", G_CALLBACK (on_info_notify), item, 0);
}

static void
unbind_cell (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             gpointer                  user_data)
{
  PyrProcessInfo *info = cell_info (item);
  GtkWidget *cell = gtk_list_item_get_child (item);

  if (info != NULL)
    g_signal_handlers_disconnect_by_func (info, on_info_notify, item);
  if (GTK_IS_TREE_EXPANDER (cell))
    gtk_tree_expander_set_list_row (GTK_TREE_EXPANDER (cell), NULL);
}

static void
setup_label (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             gpointer                  user_data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), GPOINTER_TO_INT (user_data) ? 1.0f : 0.0f);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  if (GPOINTER_TO_INT (user_data))
    gtk_widget_add_css_class (label, "numeric");
  gtk_list_item_set_child (item, label);
}

static void
setup_command (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  GtkWidget *expander = gtk_tree_expander_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *title = gtk_label_new (NULL);
  GtkWidget *line = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (title), 0.0f);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (title, "heading");
  gtk_label_set_xalign (GTK_LABEL (line), 0.0f);
  gtk_label_set_ellipsize (GTK_LABEL (line), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_add_css_class (line, "dim-label");
  gtk_widget_add_css_class (line, "caption");
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), line);
  gtk_tree_expander_set_child (GTK_TREE_EXPANDER (expander), box);
  gtk_list_item_set_child (item, expander);
}

static void
setup_lock (GtkSignalListItemFactory *factory,
            GtkListItem              *item,
            gpointer                  user_data)
{
  GtkWidget *image = gtk_image_new_from_icon_name ("channel-secure-symbolic");

  gtk_accessible_update_property (GTK_ACCESSIBLE (image), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Attaching needs authorisation"), -1);
  gtk_list_item_set_child (item, image);
}

static void
add_column (PyrProcessPicker *self,
            const char       *title,
            GCallback         setup,
            gpointer          setup_data,
            CellUpdate        update,
            gboolean          expand,
            int               fixed_width,
            const char       *sort_property,
            gboolean          numeric)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *column;

  g_signal_connect (factory, "setup", setup, setup_data);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cell), update);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cell), update);
  column = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_expand (column, expand);
  gtk_column_view_column_set_resizable (column, TRUE);
  if (fixed_width > 0)
    gtk_column_view_column_set_fixed_width (column, fixed_width);
  if (sort_property != NULL)
    {
      GtkExpression *expression = gtk_property_expression_new (PYR_TYPE_PROCESS_INFO, NULL,
                                                               sort_property);
      g_autoptr(GtkSorter) sorter = numeric ? GTK_SORTER (gtk_numeric_sorter_new (expression))
                                            : GTK_SORTER (gtk_string_sorter_new (expression));
      gtk_column_view_column_set_sorter (column, sorter);
    }
  gtk_column_view_append_column (self->column_view, column);
  g_object_unref (column);
}

/* ---- the window ----------------------------------------------------------------------------- */

GtkWidget *
pyr_process_picker_new (GtkWindow *parent)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);

  return g_object_new (PYR_TYPE_PROCESS_PICKER, "transient-for", parent, NULL);
}

static void
pyr_process_picker_map (GtkWidget *widget)
{
  PyrProcessPicker *self = PYR_PROCESS_PICKER (widget);

  GTK_WIDGET_CLASS (pyr_process_picker_parent_class)->map (widget);
  pyr_process_list_set_active (self->list, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
pyr_process_picker_unmap (GtkWidget *widget)
{
  PyrProcessPicker *self = PYR_PROCESS_PICKER (widget);

  pyr_process_list_set_active (self->list, FALSE);
  GTK_WIDGET_CLASS (pyr_process_picker_parent_class)->unmap (widget);
}

static void
pyr_process_picker_dispose (GObject *object)
{
  PyrProcessPicker *self = PYR_PROCESS_PICKER (object);

  if (self->list != NULL)
    {
      pyr_process_list_set_active (self->list, FALSE);
      g_signal_handlers_disconnect_by_data (self->list, self);
    }
  if (self->column_view != NULL)
    gtk_column_view_set_model (self->column_view, NULL);
  g_clear_object (&self->selection);
  g_clear_object (&self->sorted);
  g_clear_object (&self->row_sorter);
  g_clear_object (&self->tree);
  g_clear_object (&self->roots);
  g_clear_object (&self->roots_filter);
  g_clear_object (&self->list);
  gtk_widget_dispose_template (GTK_WIDGET (self), PYR_TYPE_PROCESS_PICKER);
  G_OBJECT_CLASS (pyr_process_picker_parent_class)->dispose (object);
}

static void
pyr_process_picker_finalize (GObject *object)
{
  PyrProcessPicker *self = PYR_PROCESS_PICKER (object);

  g_free (self->search);
  g_string_free (self->groups, TRUE);
  G_OBJECT_CLASS (pyr_process_picker_parent_class)->finalize (object);
}

static void
pyr_process_picker_class_init (PyrProcessPickerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pyr_process_picker_dispose;
  object_class->finalize = pyr_process_picker_finalize;
  widget_class->map = pyr_process_picker_map;
  widget_class->unmap = pyr_process_picker_unmap;

  /**
   * PyrProcessPicker::attach:
   * @pid: the process to record
   * @follow_subprocesses: record the Python processes it starts too
   * @needs_authorization: the sampler must run through pkexec
   */
  signals[ATTACH] = g_signal_new ("attach", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                  NULL, NULL, NULL, G_TYPE_NONE, 3,
                                  G_TYPE_INT64, G_TYPE_BOOLEAN, G_TYPE_BOOLEAN);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/pyrometer/Pyrometer/pyr-process-picker.ui");
  gtk_widget_class_bind_template_child (widget_class, PyrProcessPicker, search_entry);
  gtk_widget_class_bind_template_child (widget_class, PyrProcessPicker, stack);
  gtk_widget_class_bind_template_child (widget_class, PyrProcessPicker, column_view);
  gtk_widget_class_bind_template_child (widget_class, PyrProcessPicker, error_page);
  gtk_widget_class_bind_template_child (widget_class, PyrProcessPicker, status_label);
  gtk_widget_class_bind_template_child (widget_class, PyrProcessPicker, follow_switch);
  gtk_widget_class_bind_template_child (widget_class, PyrProcessPicker, attach_button);

  gtk_widget_class_install_action (widget_class, "picker.attach", NULL, attach_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
pyr_process_picker_init (PyrProcessPicker *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->search = g_strdup ("");
  self->groups = g_string_new (NULL);
  self->list = pyr_process_list_new ();
  self->roots_filter = gtk_custom_filter_new (filter_roots, self, NULL);
  self->roots = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->list)),
                                           g_object_ref (GTK_FILTER (self->roots_filter)));
  self->row_sorter = GTK_SORTER (gtk_tree_list_row_sorter_new (
    g_object_ref (gtk_column_view_get_sorter (self->column_view))));
  self->sorted = gtk_sort_list_model_new (NULL, g_object_ref (self->row_sorter));
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->sorted)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, FALSE);
  build_tree (self);
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->selection));

  add_column (self, _("Command"), G_CALLBACK (setup_command), NULL, update_command, TRUE, -1, "title", FALSE);
  add_column (self, "", G_CALLBACK (setup_lock), NULL, update_lock, FALSE, 32, "needs-authorization", TRUE);
  add_column (self, _("PID"), G_CALLBACK (setup_label), GINT_TO_POINTER (TRUE), update_pid, FALSE, 80, "pid", TRUE);
  add_column (self, _("User"), G_CALLBACK (setup_label), GINT_TO_POINTER (FALSE), update_user, FALSE, 90, "user", FALSE);
  add_column (self, _("CPU %"), G_CALLBACK (setup_label), GINT_TO_POINTER (TRUE), update_cpu, FALSE, 70, "cpu-percent", TRUE);
  add_column (self, _("Memory"), G_CALLBACK (setup_label), GINT_TO_POINTER (TRUE), update_memory, FALSE, 90, "memory-bytes", TRUE);
  add_column (self, _("Python"), G_CALLBACK (setup_label), GINT_TO_POINTER (FALSE), update_python, FALSE, 80, "python-version", FALSE);
  add_column (self, _("Container"), G_CALLBACK (setup_label), GINT_TO_POINTER (FALSE), update_container, FALSE, 170, "container", FALSE);

  g_signal_connect_swapped (self->list, "refreshed", G_CALLBACK (on_refreshed), self);
  g_signal_connect_swapped (self->list, "notify::error", G_CALLBACK (on_error_changed), self);
  g_signal_connect_swapped (self->selection, "notify::selected-item",
                            G_CALLBACK (on_selection_changed), self);
  g_signal_connect_swapped (self->search_entry, "search-changed", G_CALLBACK (on_search_changed), self);
  g_signal_connect_swapped (self->search_entry, "activate", G_CALLBACK (on_search_activate), self);
  g_signal_connect_swapped (self->column_view, "activate", G_CALLBACK (on_activate), self);
  /* type anywhere to filter */
  gtk_search_entry_set_key_capture_widget (self->search_entry, GTK_WIDGET (self));
  update_state (self);
}

/* ---- for tests ------------------------------------------------------------------------------ */

PyrProcessList *
pyr_process_picker_get_process_list (PyrProcessPicker *self)
{
  g_return_val_if_fail (PYR_IS_PROCESS_PICKER (self), NULL);
  return self->list;
}

GtkEditable *
pyr_process_picker_get_search (PyrProcessPicker *self)
{
  g_return_val_if_fail (PYR_IS_PROCESS_PICKER (self), NULL);
  return GTK_EDITABLE (self->search_entry);
}

GListModel *
pyr_process_picker_get_rows (PyrProcessPicker *self)
{
  g_return_val_if_fail (PYR_IS_PROCESS_PICKER (self), NULL);
  return G_LIST_MODEL (self->selection);
}

void
pyr_process_picker_select (PyrProcessPicker *self,
                           guint             position)
{
  g_return_if_fail (PYR_IS_PROCESS_PICKER (self));
  gtk_single_selection_set_selected (self->selection, position);
}

gboolean
pyr_process_picker_get_follow (PyrProcessPicker *self)
{
  g_return_val_if_fail (PYR_IS_PROCESS_PICKER (self), FALSE);
  return gtk_switch_get_active (self->follow_switch);
}

GtkColumnView *
pyr_process_picker_get_column_view (PyrProcessPicker *self)
{
  g_return_val_if_fail (PYR_IS_PROCESS_PICKER (self), NULL);
  return self->column_view;
}
