/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "pyr-functions-view.h"

#include <glib/gi18n.h>
#include <string.h>

/* ---- a row: one function of the table (and, for callers/callees, the weight through it) ---- */

#define PYR_TYPE_FUNCTION_ROW (pyr_function_row_get_type ())
G_DECLARE_FINAL_TYPE (PyrFunctionRow, pyr_function_row, PYR, FUNCTION_ROW, GObject)

struct _PyrFunctionRow
{
  GObject           parent_instance;
  PyrFunctionTable *table;
  guint32           function;
  double            link_weight;
};

G_DEFINE_FINAL_TYPE (PyrFunctionRow, pyr_function_row, G_TYPE_OBJECT)

/* "changed": a live update gave the row new figures (its function stays) */
static guint row_changed_signal;

static void
pyr_function_row_finalize (GObject *object)
{
  PyrFunctionRow *self = PYR_FUNCTION_ROW (object);

  g_clear_object (&self->table);
  G_OBJECT_CLASS (pyr_function_row_parent_class)->finalize (object);
}

static void
pyr_function_row_class_init (PyrFunctionRowClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pyr_function_row_finalize;
  row_changed_signal = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                     0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
pyr_function_row_init (PyrFunctionRow *self)
{
}

static PyrFunctionRow *
pyr_function_row_new (PyrFunctionTable *table,
                      guint32           function,
                      double            link_weight)
{
  PyrFunctionRow *row = g_object_new (PYR_TYPE_FUNCTION_ROW, NULL);

  row->table = g_object_ref (table);
  row->function = function;
  row->link_weight = link_weight;
  return row;
}

static PyrProfile *
table_profile (PyrFunctionTable *table)
{
  return pyr_call_tree_get_profile (pyr_function_table_get_tree (table));
}

/* A per-line row has no name of its own: it takes its function's from one of its frames. */
static const char *
row_name (PyrFunctionRow *row)
{
  PyrProfile *profile = table_profile (row->table);

  if (pyr_function_table_get_key (row->table) == PYR_FUNCTION_TABLE_BY_LINE)
    return pyr_profile_get_string (profile,
                                   pyr_profile_get_frame_name (profile,
                                                               pyr_function_table_get_frame (row->table, row->function)));
  return pyr_profile_get_string (profile, pyr_function_table_get_name (row->table, row->function));
}

/* "file", or "file:line" per line; free with g_free() */
static char *
row_file (PyrFunctionRow *row)
{
  const char *file = pyr_profile_get_string (table_profile (row->table),
                                             pyr_function_table_get_file (row->table, row->function));
  gint32 line = pyr_function_table_get_line (row->table, row->function);

  if (pyr_function_table_get_key (row->table) == PYR_FUNCTION_TABLE_BY_LINE && line > 0)
    return g_strdup_printf ("%s:%d", file ? file : "", line);
  return g_strdup (file ? file : "");
}

/* ---- columns ---- */

typedef enum
{
  FIELD_NAME,
  FIELD_FILE,
  FIELD_SELF,
  FIELD_TOTAL,
  FIELD_SELF_PERCENT,
  FIELD_TOTAL_PERCENT,
  FIELD_SAMPLES,
  FIELD_LINK,
  FIELD_LINK_PERCENT,
} Field;

static double
row_number (PyrFunctionRow *row,
            Field           field)
{
  double all = pyr_function_table_get_total_weight (row->table);

  switch (field)
    {
    case FIELD_SELF:
      return pyr_function_table_get_self (row->table, row->function);
    case FIELD_TOTAL:
      return pyr_function_table_get_total (row->table, row->function);
    case FIELD_SELF_PERCENT:
      return all > 0 ? 100 * pyr_function_table_get_self (row->table, row->function) / all : 0;
    case FIELD_TOTAL_PERCENT:
      return all > 0 ? 100 * pyr_function_table_get_total (row->table, row->function) / all : 0;
    case FIELD_SAMPLES:
      /* shown only when weights are sample counts (see set_table) */
      return pyr_function_table_get_total (row->table, row->function);
    case FIELD_LINK:
      return row->link_weight;
    case FIELD_LINK_PERCENT:
      return all > 0 ? 100 * row->link_weight / all : 0;
    case FIELD_NAME:
    case FIELD_FILE:
    default:
      return 0;
    }
}

static char *
row_text (PyrFunctionRow *row,
          Field           field)
{
  switch (field)
    {
    case FIELD_NAME:
      return g_strdup (row_name (row));
    case FIELD_FILE:
      return row_file (row);
    case FIELD_SELF_PERCENT:
    case FIELD_TOTAL_PERCENT:
    case FIELD_LINK_PERCENT:
      return g_strdup_printf ("%.2f %%", row_number (row, field));
    case FIELD_SAMPLES:
      return g_strdup_printf ("%.0f", row_number (row, field));
    case FIELD_SELF:
    case FIELD_TOTAL:
    case FIELD_LINK:
    default:
      return g_strdup_printf ("%.6g", row_number (row, field));
    }
}

static void
setup_cell (GtkSignalListItemFactory *factory,
            GtkListItem              *item,
            gpointer                  user_data)
{
  Field field = GPOINTER_TO_UINT (user_data);
  GtkWidget *label = gtk_label_new (NULL);

  if (field == FIELD_NAME || field == FIELD_FILE)
    {
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_ellipsize (GTK_LABEL (label), field == FIELD_FILE ? PANGO_ELLIPSIZE_START
                                                                      : PANGO_ELLIPSIZE_MIDDLE);
    }
  else
    {
      gtk_label_set_xalign (GTK_LABEL (label), 1);
      gtk_widget_add_css_class (label, "numeric");
    }
  gtk_list_item_set_child (item, label);
}

static void
update_cell (GtkListItem *item)
{
  PyrFunctionRow *row = gtk_list_item_get_item (item);
  Field field = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (item), "pyr-field"));
  g_autofree char *text = row_text (row, field);

  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)), text);
}

static void
bind_cell (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           gpointer                  user_data)
{
  PyrFunctionRow *row = gtk_list_item_get_item (item);

  g_object_set_data (G_OBJECT (item), "pyr-field", user_data);
  update_cell (item);
  /* a live update changes the figures of the same row object: only the cells on screen redraw */
  if (user_data != GUINT_TO_POINTER (FIELD_NAME) && user_data != GUINT_TO_POINTER (FIELD_FILE))
    g_signal_connect_object (row, "changed", G_CALLBACK (update_cell), item, G_CONNECT_SWAPPED);
}

static void
unbind_cell (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             gpointer                  user_data)
{
  PyrFunctionRow *row = gtk_list_item_get_item (item);

  if (row != NULL)
    g_signal_handlers_disconnect_by_func (row, update_cell, item);
}

static int
compare_rows (gconstpointer a,
              gconstpointer b,
              gpointer      user_data)
{
  Field field = GPOINTER_TO_UINT (user_data);
  PyrFunctionRow *ra = (PyrFunctionRow *) a;
  PyrFunctionRow *rb = (PyrFunctionRow *) b;

  if (field == FIELD_NAME || field == FIELD_FILE)
    {
      g_autofree char *ta = row_text (ra, field);
      g_autofree char *tb = row_text (rb, field);

      return g_utf8_collate (ta, tb);
    }
  else
    {
      double na = row_number (ra, field);
      double nb = row_number (rb, field);

      return na < nb ? GTK_ORDERING_SMALLER : na > nb ? GTK_ORDERING_LARGER : GTK_ORDERING_EQUAL;
    }
}

static GtkColumnViewColumn *
add_column (GtkColumnView *view,
            const char    *title,
            Field          field,
            gboolean       expand)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *column;
  GtkSorter *sorter;

  g_signal_connect (factory, "setup", G_CALLBACK (setup_cell), GUINT_TO_POINTER (field));
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cell), GUINT_TO_POINTER (field));
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cell), GUINT_TO_POINTER (field));
  column = gtk_column_view_column_new (title, factory);
  sorter = GTK_SORTER (gtk_custom_sorter_new (compare_rows, GUINT_TO_POINTER (field), NULL));
  gtk_column_view_column_set_sorter (column, sorter);
  g_object_unref (sorter);
  gtk_column_view_column_set_resizable (column, TRUE);
  gtk_column_view_column_set_expand (column, expand);
  gtk_column_view_append_column (view, column);
  g_object_unref (column);
  return column;
}

/* ---- the view ---- */

struct _PyrFunctionsView
{
  GtkWidget           parent_instance;

  GtkWidget          *paned;
  GtkColumnView      *table_view;
  GtkScrolledWindow  *table_scroller;
  GtkColumnView      *callers_view;
  GtkColumnView      *callees_view;
  GListStore         *store;
  GtkFilterListModel *filter_model;
  GtkSortListModel   *sort_model;
  GtkSingleSelection *selection;
  GListStore         *callers;
  GListStore         *callees;
  GtkCustomFilter    *filter;
  GtkColumnViewColumn *samples_column;

  PyrFunctionTable   *table;
  PyrFunctionTable   *pending;        /* a live update that came while unmapped */
  GArray             *in_store;       /* guint8 per table row: has a row object in store */
  char               *filter_text;
  GRegex             *filter_regex;
};

enum {
  PROP_0,
  PROP_SELECTED_FUNCTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (PyrFunctionsView, pyr_functions_view, GTK_TYPE_WIDGET)

GtkWidget *
pyr_functions_view_new (void)
{
  return g_object_new (PYR_TYPE_FUNCTIONS_VIEW, NULL);
}

static gboolean
filter_row (gpointer item,
            gpointer user_data)
{
  PyrFunctionsView *self = user_data;
  PyrFunctionRow *row = item;
  g_autofree char *file = NULL;
  const char *fields[2];

  if (self->filter_text == NULL && self->filter_regex == NULL)
    return TRUE;

  fields[0] = row_name (row);
  fields[1] = file = row_file (row);
  for (guint i = 0; i < 2; i++)
    {
      if (fields[i] == NULL)
        continue;
      if (self->filter_regex != NULL)
        {
          if (g_regex_match (self->filter_regex, fields[i], 0, NULL))
            return TRUE;
        }
      else
        {
          g_autofree char *folded = g_utf8_casefold (fields[i], -1);

          if (strstr (folded, self->filter_text) != NULL)
            return TRUE;
        }
    }
  return FALSE;
}

static void
fill_links (PyrFunctionsView      *self,
            GListStore            *store,
            const PyrFunctionEdge *edges,
            guint                  n_edges)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < n_edges; i++)
    g_ptr_array_add (rows, pyr_function_row_new (self->table, edges[i].row, edges[i].weight));
  g_list_store_splice (store, 0, g_list_model_get_n_items (G_LIST_MODEL (store)), rows->pdata, rows->len);
}

static void
on_selection_changed (PyrFunctionsView *self)
{
  guint32 function = pyr_functions_view_get_selected_function (self);
  const PyrFunctionEdge *callers = NULL, *callees = NULL;
  guint n_callers = 0, n_callees = 0;

  if (function != PYR_ID_NONE && self->table != NULL)
    {
      callers = pyr_function_table_get_callers (self->table, function, &n_callers);
      callees = pyr_function_table_get_callees (self->table, function, &n_callees);
    }
  fill_links (self, self->callers, callers, n_callers);
  fill_links (self, self->callees, callees, n_callees);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_FUNCTION]);
}

static void
on_link_activate (GtkColumnView    *view,
                  guint             position,
                  PyrFunctionsView *self)
{
  g_autoptr(PyrFunctionRow) row = g_list_model_get_item (G_LIST_MODEL (gtk_column_view_get_model (view)), position);

  if (row != NULL)
    pyr_functions_view_select_function (self, row->function);
}

void
pyr_functions_view_set_table (PyrFunctionsView *self,
                              PyrFunctionTable *table)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree guint32 *sorted = NULL;
  guint n = 0;

  g_return_if_fail (PYR_IS_FUNCTIONS_VIEW (self));

  g_clear_object (&self->pending);
  if (self->table == table)
    return;
  g_set_object (&self->table, table);

  if (table != NULL)
    sorted = pyr_function_table_get_sorted (table, PYR_FUNCTION_TABLE_SORT_SELF, &n);
  g_array_set_size (self->in_store, 0);
  g_array_set_size (self->in_store, table != NULL ? pyr_function_table_get_n_rows (table) : 0);
  for (guint i = 0; i < n; i++)
    g_array_index (self->in_store, guint8, sorted[i]) = 1;
  /* thousands of functions: sort and filter in slices between frames, not in one go
   * (a 300 MB profile's table took 90 ms of one frame otherwise) */
  gtk_sort_list_model_set_incremental (self->sort_model, n > 1000);
  gtk_filter_list_model_set_incremental (self->filter_model, n > 1000);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (rows, pyr_function_row_new (table, sorted[i], 0));
  /* the weights are sample counts for folded stacks and flame graph SVGs; time units have no counts */
  gtk_column_view_column_set_visible (self->samples_column,
                                      table != NULL &&
                                      g_strcmp0 (pyr_profile_get_units (table_profile (table)), "samples") == 0);
  g_list_store_splice (self->store, 0, g_list_model_get_n_items (G_LIST_MODEL (self->store)),
                       rows->pdata, rows->len);
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  on_selection_changed (self);
}

/* A table that extends the one shown: the row objects stay, take the new figures (cells on
 * screen are told), functions seen for the first time are appended, and the sort model
 * re-sorts; nothing else is rebuilt. */
static void
update_in_place (PyrFunctionsView *self,
                 PyrFunctionTable *table)
{
  g_autoptr(GPtrArray) added = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(PyrFunctionTable) old = g_steal_pointer (&self->table);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  guint n_rows = pyr_function_table_get_n_rows (table);
  gboolean changed = FALSE;

  self->table = g_object_ref (table);
  for (guint i = 0; i < n; i++)
    {
      PyrFunctionRow *row = g_list_model_get_item (G_LIST_MODEL (self->store), i);
      gboolean same = pyr_function_table_get_self (old, row->function) == pyr_function_table_get_self (table, row->function) &&
                      pyr_function_table_get_total (old, row->function) == pyr_function_table_get_total (table, row->function);

      g_set_object (&row->table, table);
      /* the percentages change with the whole even when the row's own figures do not */
      g_signal_emit (row, row_changed_signal, 0);
      changed |= !same;
      g_object_unref (row);
    }
  g_array_set_size (self->in_store, n_rows);
  for (guint32 f = 0; f < n_rows; f++)
    if (!g_array_index (self->in_store, guint8, f) && pyr_function_table_get_total (table, f) != 0)
      {
        g_array_index (self->in_store, guint8, f) = 1;
        g_ptr_array_add (added, pyr_function_row_new (table, f, 0));
      }
  if (added->len > 0)
    g_list_store_splice (self->store, n, 0, added->pdata, added->len);
  if (changed)
    gtk_sorter_changed (gtk_column_view_get_sorter (self->table_view), GTK_SORTER_CHANGE_DIFFERENT);
  /* the selected function's callers and callees, with the new weights */
  {
    guint32 function = pyr_functions_view_get_selected_function (self);
    const PyrFunctionEdge *callers = NULL, *callees = NULL;
    guint n_callers = 0, n_callees = 0;

    if (function != PYR_ID_NONE)
      {
        callers = pyr_function_table_get_callers (table, function, &n_callers);
        callees = pyr_function_table_get_callees (table, function, &n_callees);
      }
    fill_links (self, self->callers, callers, n_callers);
    fill_links (self, self->callees, callees, n_callees);
  }
}

/* A live update deferred while unmapped, applied now (shown again, or asked about). */
static void
catch_up (PyrFunctionsView *self)
{
  g_autoptr(PyrFunctionTable) pending = g_steal_pointer (&self->pending);

  if (pending != NULL)
    update_in_place (self, pending);
}

static void
pyr_functions_view_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (pyr_functions_view_parent_class)->map (widget);
  catch_up (PYR_FUNCTIONS_VIEW (widget));
}

void
pyr_functions_view_replace_table (PyrFunctionsView *self,
                                  PyrFunctionTable *table)
{
  GtkAdjustment *vadjustment;
  guint32 function, frame = PYR_ID_NONE;
  double scroll;

  g_return_if_fail (PYR_IS_FUNCTIONS_VIEW (self));

  if (self->table == table || (self->pending != NULL && self->pending == table))
    return;
  if (table != NULL && self->table != NULL && pyr_function_table_extends (table, self->table))
    {
      /* a live update: row ids keep their meaning, so the selection stays as it is; a view
       * nobody sees waits until it is shown */
      if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
        g_set_object (&self->pending, table);
      else
        {
          g_clear_object (&self->pending);
          update_in_place (self, table);
        }
      return;
    }
  catch_up (self);
  /* rows are numbered anew in every table: a function is found again by one of its frames */
  function = pyr_functions_view_get_selected_function (self);
  if (function != PYR_ID_NONE && self->table != NULL)
    frame = pyr_function_table_get_frame (self->table, function);
  vadjustment = gtk_scrolled_window_get_vadjustment (self->table_scroller);
  scroll = gtk_adjustment_get_value (vadjustment);

  pyr_functions_view_set_table (self, table);

  if (frame != PYR_ID_NONE && table != NULL)
    {
      function = pyr_function_table_lookup_frame (table, frame);
      if (function != PYR_ID_NONE)
        {
          guint n = g_list_model_get_n_items (G_LIST_MODEL (self->selection));

          for (guint i = 0; i < n; i++)
            {
              g_autoptr(PyrFunctionRow) row = g_list_model_get_item (G_LIST_MODEL (self->selection), i);

              if (row->function == function)
                {
                  gtk_single_selection_set_selected (self->selection, i);
                  break;
                }
            }
        }
    }
  /* the rows are new but the person's place in the list is not */
  gtk_adjustment_set_value (vadjustment, scroll);
}

PyrFunctionTable *
pyr_functions_view_get_table (PyrFunctionsView *self)
{
  g_return_val_if_fail (PYR_IS_FUNCTIONS_VIEW (self), NULL);
  return self->pending != NULL ? self->pending : self->table;
}

void
pyr_functions_view_set_filter (PyrFunctionsView *self,
                               const char       *text,
                               gboolean          regex)
{
  g_return_if_fail (PYR_IS_FUNCTIONS_VIEW (self));

  g_clear_pointer (&self->filter_text, g_free);
  g_clear_pointer (&self->filter_regex, g_regex_unref);
  if (text != NULL && *text != '\0')
    {
      if (regex)
        self->filter_regex = g_regex_new (text, G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL);
      /* a regex still being typed falls back to plain text */
      if (self->filter_regex == NULL)
        self->filter_text = g_utf8_casefold (text, -1);
    }
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
}

guint32
pyr_functions_view_get_selected_function (PyrFunctionsView *self)
{
  PyrFunctionRow *row;

  g_return_val_if_fail (PYR_IS_FUNCTIONS_VIEW (self), PYR_ID_NONE);

  row = gtk_single_selection_get_selected_item (self->selection);
  return row ? row->function : PYR_ID_NONE;
}

void
pyr_functions_view_select_function (PyrFunctionsView *self,
                                    guint32           function)
{
  GListModel *model;
  guint n;

  g_return_if_fail (PYR_IS_FUNCTIONS_VIEW (self));

  catch_up (self);
  if (function == pyr_functions_view_get_selected_function (self))
    return;

  model = G_LIST_MODEL (self->selection);
  n = g_list_model_get_n_items (model);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PyrFunctionRow) row = g_list_model_get_item (model, i);

      if (row->function == function)
        {
          gtk_single_selection_set_selected (self->selection, i);
          gtk_widget_activate_action (GTK_WIDGET (self->table_view), "list.scroll-to-item", "u", i);
          return;
        }
    }
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
}

guint32
pyr_functions_view_get_row_function (PyrFunctionsView *self,
                                     guint             position)
{
  g_autoptr(PyrFunctionRow) row = NULL;

  g_return_val_if_fail (PYR_IS_FUNCTIONS_VIEW (self), PYR_ID_NONE);

  catch_up (self);
  row = g_list_model_get_item (G_LIST_MODEL (self->selection), position);
  return row ? row->function : PYR_ID_NONE;
}

guint
pyr_functions_view_get_n_rows (PyrFunctionsView *self)
{
  g_return_val_if_fail (PYR_IS_FUNCTIONS_VIEW (self), 0);
  catch_up (self);
  return g_list_model_get_n_items (G_LIST_MODEL (self->selection));
}

GListModel *
pyr_functions_view_get_model (PyrFunctionsView *self)
{
  g_return_val_if_fail (PYR_IS_FUNCTIONS_VIEW (self), NULL);
  return G_LIST_MODEL (self->selection);
}

gboolean
pyr_functions_view_get_pending (PyrFunctionsView *self)
{
  g_return_val_if_fail (PYR_IS_FUNCTIONS_VIEW (self), FALSE);
  return gtk_sort_list_model_get_pending (self->sort_model) > 0 ||
         gtk_filter_list_model_get_pending (self->filter_model) > 0;
}

guint
pyr_functions_view_get_n_callers (PyrFunctionsView *self)
{
  catch_up (self);
  return g_list_model_get_n_items (G_LIST_MODEL (self->callers));
}

guint
pyr_functions_view_get_n_callees (PyrFunctionsView *self)
{
  catch_up (self);
  return g_list_model_get_n_items (G_LIST_MODEL (self->callees));
}

static GtkWidget *
scrolled (GtkWidget *child)
{
  GtkWidget *sw = gtk_scrolled_window_new ();

  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (sw), child);
  gtk_widget_set_vexpand (sw, TRUE);
  gtk_widget_set_hexpand (sw, TRUE);
  return sw;
}

static GtkColumnView *
link_view (PyrFunctionsView *self,
           GListStore       *store,
           const char       *title)
{
  GtkNoSelection *selection = gtk_no_selection_new (G_LIST_MODEL (g_object_ref (store)));
  GtkColumnView *view = GTK_COLUMN_VIEW (gtk_column_view_new (GTK_SELECTION_MODEL (selection)));

  gtk_column_view_set_single_click_activate (view, FALSE);
  add_column (view, title, FIELD_NAME, TRUE);
  add_column (view, _("Weight"), FIELD_LINK, FALSE);
  add_column (view, _("Of All"), FIELD_LINK_PERCENT, FALSE);
  gtk_widget_add_css_class (GTK_WIDGET (view), "data-table");
  g_signal_connect (view, "activate", G_CALLBACK (on_link_activate), self);
  return view;
}

static void
pyr_functions_view_dispose (GObject *object)
{
  PyrFunctionsView *self = PYR_FUNCTIONS_VIEW (object);

  g_clear_pointer (&self->paned, gtk_widget_unparent);
  g_clear_object (&self->store);
  g_clear_object (&self->callers);
  g_clear_object (&self->callees);
  g_clear_object (&self->table);
  g_clear_object (&self->pending);

  G_OBJECT_CLASS (pyr_functions_view_parent_class)->dispose (object);
}

static void
pyr_functions_view_finalize (GObject *object)
{
  PyrFunctionsView *self = PYR_FUNCTIONS_VIEW (object);

  g_free (self->filter_text);
  g_clear_pointer (&self->filter_regex, g_regex_unref);
  g_clear_pointer (&self->in_store, g_array_unref);
  G_OBJECT_CLASS (pyr_functions_view_parent_class)->finalize (object);
}

static void
pyr_functions_view_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  PyrFunctionsView *self = PYR_FUNCTIONS_VIEW (object);

  switch (prop_id)
    {
    case PROP_SELECTED_FUNCTION:
      g_value_set_uint (value, pyr_functions_view_get_selected_function (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pyr_functions_view_class_init (PyrFunctionsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pyr_functions_view_dispose;
  object_class->finalize = pyr_functions_view_finalize;
  object_class->get_property = pyr_functions_view_get_property;
  widget_class->map = pyr_functions_view_map;

  properties[PROP_SELECTED_FUNCTION] =
    g_param_spec_uint ("selected-function", NULL, NULL, 0, G_MAXUINT32, PYR_ID_NONE,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "functionsview");
}

static void
pyr_functions_view_init (PyrFunctionsView *self)
{
  GtkWidget *bottom;
  GtkColumnViewColumn *self_column;

  self->store = g_list_store_new (PYR_TYPE_FUNCTION_ROW);
  self->in_store = g_array_new (FALSE, TRUE, sizeof (guint8));
  self->callers = g_list_store_new (PYR_TYPE_FUNCTION_ROW);
  self->callees = g_list_store_new (PYR_TYPE_FUNCTION_ROW);
  self->filter = gtk_custom_filter_new (filter_row, self, NULL);
  self->filter_model = gtk_filter_list_model_new (G_LIST_MODEL (g_object_ref (self->store)),
                                                  GTK_FILTER (self->filter));
  self->sort_model = gtk_sort_list_model_new (G_LIST_MODEL (self->filter_model), NULL);

  self->selection = gtk_single_selection_new (G_LIST_MODEL (self->sort_model));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  g_signal_connect_swapped (self->selection, "notify::selected", G_CALLBACK (on_selection_changed), self);

  self->table_view = GTK_COLUMN_VIEW (gtk_column_view_new (GTK_SELECTION_MODEL (self->selection)));
  gtk_widget_add_css_class (GTK_WIDGET (self->table_view), "data-table");
  add_column (self->table_view, _("Function"), FIELD_NAME, TRUE);
  add_column (self->table_view, _("File"), FIELD_FILE, TRUE);
  self_column = add_column (self->table_view, _("Self"), FIELD_SELF, FALSE);
  add_column (self->table_view, _("Total"), FIELD_TOTAL, FALSE);
  add_column (self->table_view, _("Self %"), FIELD_SELF_PERCENT, FALSE);
  add_column (self->table_view, _("Total %"), FIELD_TOTAL_PERCENT, FALSE);
  self->samples_column = add_column (self->table_view, _("Samples"), FIELD_SAMPLES, FALSE);
  gtk_sort_list_model_set_sorter (self->sort_model, gtk_column_view_get_sorter (self->table_view));
  /* the hottest function first, as a person looking for the slow part expects */
  gtk_column_view_sort_by_column (self->table_view, self_column, GTK_SORT_DESCENDING);

  self->callers_view = link_view (self, self->callers, _("Callers"));
  self->callees_view = link_view (self, self->callees, _("Callees"));

  bottom = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_box_append (GTK_BOX (bottom), scrolled (GTK_WIDGET (self->callers_view)));
  gtk_box_append (GTK_BOX (bottom), gtk_separator_new (GTK_ORIENTATION_VERTICAL));
  gtk_box_append (GTK_BOX (bottom), scrolled (GTK_WIDGET (self->callees_view)));

  self->paned = gtk_paned_new (GTK_ORIENTATION_VERTICAL);
  self->table_scroller = GTK_SCROLLED_WINDOW (scrolled (GTK_WIDGET (self->table_view)));
  gtk_paned_set_start_child (GTK_PANED (self->paned), GTK_WIDGET (self->table_scroller));
  gtk_paned_set_end_child (GTK_PANED (self->paned), bottom);
  gtk_paned_set_resize_end_child (GTK_PANED (self->paned), FALSE);
  gtk_paned_set_position (GTK_PANED (self->paned), 360);
  gtk_widget_set_parent (self->paned, GTK_WIDGET (self));
}
