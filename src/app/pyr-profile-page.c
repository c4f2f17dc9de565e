/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "pyr-profile-page.h"

#include <glib/gi18n.h>

#include "pyr-details-pane.h"
#include "pyr-filter.h"
#include "pyr-function-table.h"
#include "pyr-profile-loader.h"

static void update_frame_actions (PyrProfilePage *self);
static void live_catch_up (PyrProfilePage *self);

/* The function (table row) of a flame graph node; PYR_ID_NONE for the root. */
static guint32
node_function (PyrFunctionTable *table,
               PyrFlameTree     *tree,
               guint32           node)
{
  guint32 frame;

  if (tree == NULL || node == PYR_ID_NONE || node >= pyr_flame_tree_get_n_nodes (tree))
    return PYR_ID_NONE;
  frame = pyr_flame_tree_get_frame (tree, node);
  return frame == PYR_ID_NONE ? PYR_ID_NONE : pyr_function_table_lookup_frame (table, frame);
}

/* The widest node of each function in the merged tree, to select it in the flame graph;
 * computed with the table on the worker thread, as big trees take a while to scan. */
static guint32 *
hottest_nodes (PyrFunctionTable *table,
               PyrFlameTree     *tree)
{
  PyrProfile *profile = pyr_flame_tree_get_profile (tree);
  guint n_frames = pyr_profile_get_n_frames (profile);
  guint n_rows = pyr_function_table_get_n_rows (table);
  g_autofree guint32 *frame_row = g_new (guint32, MAX (n_frames, 1));
  guint32 *best = g_new (guint32, MAX (n_rows, 1));

  for (guint32 frame = 0; frame < n_frames; frame++)
    frame_row[frame] = pyr_function_table_lookup_frame (table, frame);
  for (guint32 row = 0; row < n_rows; row++)
    best[row] = PYR_ID_NONE;
  for (guint32 node = 1; node < pyr_flame_tree_get_n_nodes (tree); node++)
    {
      guint32 frame = pyr_flame_tree_get_frame (tree, node);
      guint32 row = frame < n_frames ? frame_row[frame] : PYR_ID_NONE;

      if (row < n_rows &&
          (best[row] == PYR_ID_NONE || pyr_flame_tree_get_total (tree, node) > pyr_flame_tree_get_total (tree, best[row])))
        best[row] = node;
    }
  return best;
}

struct _PyrProfilePage
{
  AdwBin               parent_instance;

  GtkStack            *stack;
  AdwStatusPage       *loading_page;
  AdwStatusPage       *error_page;
  GtkProgressBar      *progress_bar;
  GtkBox              *breadcrumbs;
  GtkScrolledWindow   *breadcrumbs_scroller;
  GtkLabel            *matched_label;
  GtkToggleButton     *flame_toggle;
  GtkToggleButton     *order_toggle;
  GtkToggleButton     *lines_toggle;
  GtkButton           *filter_button;
  GMenuModel          *frame_menu;
  GCancellable        *views_cancellable;
  PyrFilter           *filter;        /* NULL: everything */
  GtkToggleButton     *search_toggle;
  GtkSearchBar        *search_bar;
  GtkSearchEntry      *search_entry;
  GtkCheckButton      *regex_check;
  AdwViewStack        *view_stack;
  PyrFlameGraph       *flame_graph;
  PyrFunctionsView    *functions_view;
  PyrDetailsPane      *details_pane;
  GtkToggleButton     *details_toggle;
  gboolean             details_chosen;   /* the user toggled the pane: no more showing it for them */
  gboolean             details_showing;  /* the page itself is toggling it */
  GtkBox              *legend_box;
  GSettings           *settings;      /* NULL when the schema is not installed (running from a build) */

  GFile               *file;
  char                *title;
  GCancellable        *cancellable;
  PyrProfile          *profile;
  PyrFunctionTable    *table;
  guint32             *hottest;       /* per table row: its widest node in merged_tree */
  PyrFlameTree        *merged_tree;
  PyrProfilePageState  state;
  double               progress;
  char                *error_message;
  gboolean             syncing_selection;
  gboolean             split_lines;
  char                *legend_shown;  /* what the legend's widgets say, to skip a rebuild */

  /* live mode: the profile grows (a recording); the views follow a few times a second */
  gboolean             live;
  guint                live_timeout;
  gpointer             views_task;         /* the build in flight (not a reference), or NULL */
  guint                built_n_samples;    /* what the views (or the build in flight) cover */
  gboolean             catch_up;           /* one more build once the one in flight is done */
};

/* At most four rebuilds a second while live. */
#define LIVE_INTERVAL_MS 250

enum {
  PROP_0,
  PROP_FILE,
  PROP_TITLE,
  PROP_STATE,
  PROP_LOADING,
  PROP_PROGRESS,
  PROP_LIVE,
  PROP_COLOR_BY,
  PROP_MERGE_RECURSION,
  PROP_SPLIT_LINES,
  N_PROPS
};

enum {
  CANCELLED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (PyrProfilePage, pyr_profile_page, ADW_TYPE_BIN)

PyrProfilePage *
pyr_profile_page_new_for_file (GFile *file)
{
  g_return_val_if_fail (G_IS_FILE (file), NULL);

  return g_object_new (PYR_TYPE_PROFILE_PAGE, "file", file, NULL);
}

static void rebuild_views (PyrProfilePage *self);
static void set_state (PyrProfilePage *self, PyrProfilePageState state);

PyrProfilePage *
pyr_profile_page_new_for_profile (PyrProfile *profile,
                                  const char *title)
{
  PyrProfilePage *self;

  g_return_val_if_fail (PYR_IS_PROFILE (profile), NULL);

  self = g_object_new (PYR_TYPE_PROFILE_PAGE, NULL);
  self->profile = g_object_ref (profile);
  g_free (self->title);
  self->title = g_strdup (title ? title : _("Recording"));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
  /* nothing to load: the views show an empty graph until the first build arrives */
  set_state (self, PYR_PROFILE_PAGE_READY);
  rebuild_views (self);
  return self;
}

static void
set_state (PyrProfilePage      *self,
           PyrProfilePageState  state)
{
  static const char *const names[] = { "loading", "error", "profile" };

  if (self->state == state)
    return;
  self->state = state;
  gtk_stack_set_visible_child_name (self->stack, names[state]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
show_error (PyrProfilePage *self,
            const char     *message)
{
  g_free (self->error_message);
  self->error_message = g_strdup (message);
  adw_status_page_set_description (self->error_page, message);
  set_state (self, PYR_PROFILE_PAGE_ERROR);
}

/* ---- breadcrumbs ---- */

static void
on_crumb_clicked (GtkButton      *button,
                  PyrProfilePage *self)
{
  guint32 node = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "node"));

  pyr_flame_graph_zoom_to (self->flame_graph, node);
}

/* In a narrow window the crumbs scroll: the one zoomed to, at the end, is the one to see. */
static void
on_breadcrumbs_resized (GtkAdjustment *adjustment)
{
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment)
                                        - gtk_adjustment_get_page_size (adjustment));
}

static void
update_breadcrumbs (PyrProfilePage *self)
{
  PyrFlameTree *tree = pyr_flame_graph_get_tree (self->flame_graph);
  g_autoptr(GArray) path = g_array_new (FALSE, FALSE, sizeof (guint32));
  GtkWidget *child;
  guint first;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->breadcrumbs))))
    gtk_box_remove (self->breadcrumbs, child);

  if (tree == NULL)
    return;

  for (guint32 n = pyr_flame_graph_get_zoom_node (self->flame_graph); n != PYR_ID_NONE;
       n = pyr_flame_tree_get_parent (tree, n))
    g_array_prepend_val (path, n);

  /* the root and the last few levels: a deep zoom would not fit otherwise */
  first = path->len > 6 ? path->len - 5 : 1;
  for (guint i = 0; i < path->len; i++)
    {
      guint32 node = g_array_index (path, guint32, i);
      GtkWidget *button;
      GtkWidget *label;

      if (i != 0 && i < first)
        {
          if (i == 1)
            gtk_box_append (self->breadcrumbs, gtk_label_new ("…"));
          continue;
        }
      if (i > 0)
        {
          GtkWidget *sep = gtk_label_new ("›");

          gtk_widget_add_css_class (sep, "dim-label");
          gtk_box_append (self->breadcrumbs, sep);
        }

      label = gtk_label_new (node == 0 ? _("All") : pyr_flame_tree_get_name (tree, node));
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
      gtk_label_set_max_width_chars (GTK_LABEL (label), 24);
      button = gtk_button_new ();
      gtk_button_set_child (GTK_BUTTON (button), label);
      gtk_widget_add_css_class (button, "flat");
      g_object_set_data (G_OBJECT (button), "node", GUINT_TO_POINTER (node));
      g_signal_connect (button, "clicked", G_CALLBACK (on_crumb_clicked), self);
      gtk_box_append (self->breadcrumbs, button);
    }
}

static void
on_zoom_changed (PyrProfilePage *self)
{
  PyrFlameGraph *graph = self->flame_graph;
  guint32 zoom = pyr_flame_graph_get_zoom_node (graph);

  update_breadcrumbs (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "page.home", zoom != 0);
  /* Back also undoes Home, so it stays available once there is a graph */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "page.back", pyr_flame_graph_get_tree (graph) != NULL);
}

/* ---- selection shared by the two views ---- */

static void
highlight_function (PyrProfilePage *self,
                    guint32         function)
{
  g_autoptr(GArray) frames = g_array_new (FALSE, FALSE, sizeof (guint32));

  /* every line of the function */
  if (function != PYR_ID_NONE && self->table != NULL)
    for (guint32 frame = 0; frame < pyr_profile_get_n_frames (self->profile); frame++)
      if (pyr_function_table_lookup_frame (self->table, frame) == function)
        g_array_append_val (frames, frame);
  pyr_flame_graph_set_highlighted_frames (self->flame_graph, (const guint32 *) (gpointer) frames->data, frames->len);
}

static void
update_details (PyrProfilePage *self)
{
  /* a hidden pane catches up when shown (live updates come four times a second) */
  if (!gtk_widget_get_visible (GTK_WIDGET (self->details_pane)))
    return;
  pyr_details_pane_set_node (self->details_pane, pyr_flame_graph_get_tree (self->flame_graph), self->table,
                             pyr_flame_graph_get_selected_node (self->flame_graph));
}

/* The pane starts hidden (the graph gets the width) and shows itself on the first selection,
 * unless the user has chosen with its button or F9. */
static void
on_details_toggled (PyrProfilePage *self)
{
  if (!self->details_showing)
    self->details_chosen = TRUE;
}

static void
on_flame_selection_changed (PyrProfilePage *self)
{
  guint32 node = pyr_flame_graph_get_selected_node (self->flame_graph);
  guint32 function;

  if (node != PYR_ID_NONE && !self->details_chosen && !gtk_toggle_button_get_active (self->details_toggle))
    {
      self->details_showing = TRUE;
      gtk_toggle_button_set_active (self->details_toggle, TRUE);
      self->details_showing = FALSE;
    }
  update_frame_actions (self);
  update_details (self);
  if (self->syncing_selection || self->table == NULL)
    return;
  function = node_function (self->table, pyr_flame_graph_get_tree (self->flame_graph), node);
  self->syncing_selection = TRUE;
  pyr_functions_view_select_function (self->functions_view, function);
  highlight_function (self, function);
  self->syncing_selection = FALSE;
}

static void
on_table_selection_changed (PyrProfilePage *self)
{
  guint32 function = pyr_functions_view_get_selected_function (self->functions_view);

  if (self->syncing_selection || self->table == NULL)
    return;
  self->syncing_selection = TRUE;
  highlight_function (self, function);
  if (function != PYR_ID_NONE)
    {
      guint32 node = self->hottest[function];

      /* in a flame chart the merged tree's node ids mean nothing: find the frame there */
      if (pyr_flame_graph_get_tree (self->flame_graph) != self->merged_tree)
        {
          PyrFlameTree *tree = pyr_flame_graph_get_tree (self->flame_graph);

          node = PYR_ID_NONE;
          for (guint32 n = 1; n < pyr_flame_tree_get_n_nodes (tree); n++)
            if (node_function (self->table, tree, n) == function &&
                (node == PYR_ID_NONE || pyr_flame_tree_get_total (tree, n) > pyr_flame_tree_get_total (tree, node)))
              node = n;
        }
      pyr_flame_graph_set_selected_node (self->flame_graph, node);
    }
  self->syncing_selection = FALSE;
}

/* ---- the details pane navigates ---- */

static gboolean
zoom_shows_node (PyrProfilePage *self,
                 guint32         node)
{
  PyrFlameTree *tree = pyr_flame_graph_get_tree (self->flame_graph);
  guint32 zoom = pyr_flame_graph_get_zoom_node (self->flame_graph);

  /* the zoomed frame's subtree, and its ancestors (drawn dimmed above it) */
  for (guint32 n = node; n != PYR_ID_NONE; n = pyr_flame_tree_get_parent (tree, n))
    if (n == zoom)
      return TRUE;
  for (guint32 n = zoom; n != PYR_ID_NONE; n = pyr_flame_tree_get_parent (tree, n))
    if (n == node)
      return TRUE;
  return FALSE;
}

static void
on_details_node_activated (PyrProfilePage *self,
                           guint           node)
{
  pyr_flame_graph_set_selected_node (self->flame_graph, node);
  gtk_widget_grab_focus (GTK_WIDGET (self->flame_graph));
}

static void
on_details_function_activated (PyrProfilePage *self,
                               guint           function)
{
  guint32 node;

  /* as if picked in the functions table: its widest call gets selected */
  pyr_functions_view_select_function (self->functions_view, function);
  node = pyr_flame_graph_get_selected_node (self->flame_graph);
  if (node != PYR_ID_NONE && !zoom_shows_node (self, node))
    pyr_flame_graph_go_home (self->flame_graph);
}

/* ---- search ---- */

static void
on_search_changed (PyrProfilePage *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  gboolean regex = gtk_check_button_get_active (self->regex_check);
  g_autoptr(GError) error = NULL;

  if (!pyr_flame_graph_set_search (self->flame_graph, text, regex, &error))
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->search_entry), "error");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->search_entry), error->message);
      return;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (self->search_entry), "error");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->search_entry), NULL);
  pyr_functions_view_set_filter (self->functions_view, text, regex);
}

static void
on_matched_changed (PyrProfilePage *self)
{
  gboolean active = pyr_flame_graph_get_search_active (self->flame_graph);

  if (active && pyr_flame_graph_get_search_pending (self->flame_graph))
    gtk_label_set_text (self->matched_label, _("Searching…"));
  else if (active)
    {
      g_autofree char *text = NULL;

      /* Translators: the share of samples in frames that match the search */
      text = g_strdup_printf (_("Matched: %.1f%%"), 100 * pyr_flame_graph_get_matched_fraction (self->flame_graph));
      gtk_label_set_text (self->matched_label, text);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->matched_label), active);
}

static void
on_next_match (PyrProfilePage *self)
{
  pyr_flame_graph_select_match (self->flame_graph, TRUE);
}

static void
on_previous_match (PyrProfilePage *self)
{
  pyr_flame_graph_select_match (self->flame_graph, FALSE);
}

static gboolean
previous_match_shortcut (GtkWidget *widget,
                         GVariant  *args,
                         gpointer   user_data)
{
  on_previous_match (user_data);
  return TRUE;
}

void
pyr_profile_page_set_search (PyrProfilePage *self,
                             const char     *text,
                             gboolean        regex)
{
  g_return_if_fail (PYR_IS_PROFILE_PAGE (self));

  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_check_button_set_active (self->regex_check, regex);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text);
  /* apply now rather than after the entry's typing delay */
  on_search_changed (self);
}

const char *
pyr_profile_page_get_matched_text (PyrProfilePage *self)
{
  g_return_val_if_fail (PYR_IS_PROFILE_PAGE (self), NULL);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->matched_label)))
    return NULL;
  return gtk_label_get_text (self->matched_label);
}

void
pyr_profile_page_start_search (PyrProfilePage *self)
{
  g_return_if_fail (PYR_IS_PROFILE_PAGE (self));

  if (self->state != PYR_PROFILE_PAGE_READY)
    return;
  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

/* ---- loading ---- */

typedef struct
{
  PyrProfile      *profile;
  PyrFilter       *filter;   /* NULL: everything */
  PyrCallTreeKind  kind;
  PyrFunctionTableKey key;
  PyrCallTree     *previous_merged;  /* to resume from (live), or NULL */
  PyrCallTree     *previous_shown;
  PyrFunctionTable *previous_table; /* its rows keep their numbers (live), or NULL */
  PyrFilter       *lines_filter;     /* merged lines: the same without, for the table; else NULL */
  gboolean         keep_state;       /* a live update: zoom, selection and scroll stay */
  guint            n_samples;
} ViewsJob;

typedef struct
{
  PyrFlameTree     *tree;     /* what the flame graph shows */
  PyrFlameTree     *merged;   /* what the table counts */
  PyrFunctionTable *table;
  guint32          *hottest;
} Views;

static void
views_job_free (ViewsJob *job)
{
  g_clear_object (&job->profile);
  g_clear_pointer (&job->filter, pyr_filter_free);
  g_clear_object (&job->previous_merged);
  g_clear_object (&job->previous_shown);
  g_clear_object (&job->previous_table);
  g_clear_pointer (&job->lines_filter, pyr_filter_free);
  g_free (job);
}

static void
views_free (Views *views)
{
  g_clear_pointer (&views->tree, pyr_flame_tree_unref);
  g_clear_pointer (&views->merged, pyr_flame_tree_unref);
  g_clear_object (&views->table);
  g_free (views->hottest);
  g_free (views);
}

static void
build_views_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  ViewsJob *job = task_data;
  g_autoptr(PyrCallTree) merged = NULL;
  GError *error = NULL;
  Views *views;

  /* a live update resumes from the trees on screen: only the new samples are read */
  if (job->previous_merged != NULL)
    merged = pyr_call_tree_update (job->previous_merged, cancellable, &error);
  else
    merged = pyr_call_tree_new (job->profile, job->filter, PYR_CALL_TREE_MERGED, cancellable, &error);
  if (merged == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  views = g_new0 (Views, 1);
  views->merged = pyr_flame_tree_new_for_call_tree (merged);
  if (job->kind == PYR_CALL_TREE_MERGED)
    views->tree = pyr_flame_tree_ref (views->merged);
  else
    {
      g_autoptr(PyrCallTree) shown = NULL;

      if (job->previous_shown != NULL)
        shown = pyr_call_tree_update (job->previous_shown, cancellable, &error);
      else
        shown = pyr_call_tree_new (job->profile, job->filter, job->kind, cancellable, &error);

      if (shown == NULL)
        {
          views_free (views);
          g_task_return_error (task, error);
          return;
        }
      views->tree = pyr_flame_tree_new_for_call_tree (shown);
    }
  /* with lines merged, the table (per line, or each function's lines for the tooltip)
   * counts a tree of its own that keeps them apart */
  if (job->lines_filter != NULL)
    {
      g_autoptr(PyrCallTree) lines = NULL;

      if (job->previous_table != NULL)
        lines = pyr_call_tree_update (pyr_function_table_get_tree (job->previous_table), cancellable, &error);
      else
        lines = pyr_call_tree_new (job->profile, job->lines_filter, PYR_CALL_TREE_MERGED, cancellable, &error);
      if (lines == NULL)
        {
          views_free (views);
          g_task_return_error (task, error);
          return;
        }
      if (job->previous_table != NULL)
        views->table = pyr_function_table_update (job->previous_table, lines);
      else
        views->table = pyr_function_table_new (lines, job->key);
    }
  else if (job->previous_table != NULL)
    views->table = pyr_function_table_update (job->previous_table, merged);
  else
    views->table = pyr_function_table_new (merged, job->key);
  views->hottest = hottest_nodes (views->table, views->merged);
  g_task_return_pointer (task, views, (GDestroyNotify) views_free);
}

static void
views_built (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  PyrProfilePage *self = PYR_PROFILE_PAGE (object);
  ViewsJob *job = g_task_get_task_data (G_TASK (result));
  gboolean keep_state = job->keep_state;
  gboolean is_current = (gpointer) result == self->views_task;
  g_autoptr(GError) error = NULL;
  Views *views;

  if (is_current)
    self->views_task = NULL;
  if (!(views = g_task_propagate_pointer (G_TASK (result), &error)))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && self->state == PYR_PROFILE_PAGE_LOADING)
        show_error (self, error->message);
      if (is_current)
        live_catch_up (self);
      return;
    }
  if (!is_current)
    {
      /* superseded (a filter or order change started another build) */
      views_free (views);
      return;
    }

  g_clear_object (&self->table);
  g_clear_pointer (&self->hottest, g_free);
  g_clear_pointer (&self->merged_tree, pyr_flame_tree_unref);
  self->table = g_object_ref (views->table);
  pyr_flame_graph_set_lines_tree (self->flame_graph,
                                  job->lines_filter != NULL ? pyr_function_table_get_tree (views->table) : NULL);
  self->hottest = g_steal_pointer (&views->hottest);
  self->merged_tree = pyr_flame_tree_ref (views->merged);
  self->built_n_samples = pyr_call_tree_get_n_samples_seen (pyr_flame_tree_get_call_tree (views->merged));
  if (keep_state)
    {
      guint32 function;

      /* the flame graph keeps its own selection (mapped by frame path); the table follows it */
      self->syncing_selection = TRUE;
      pyr_flame_graph_replace_tree (self->flame_graph, views->tree);
      pyr_functions_view_replace_table (self->functions_view, views->table);
      self->syncing_selection = FALSE;
      function = pyr_functions_view_get_selected_function (self->functions_view);
      highlight_function (self, function);
    }
  else
    {
      pyr_flame_graph_set_tree (self->flame_graph, views->tree);
      pyr_functions_view_set_table (self->functions_view, views->table);
    }
  views_free (views);
  update_details (self);

  set_state (self, PYR_PROFILE_PAGE_READY);
  if (!keep_state)
    {
      /* a new tree starts without a search: carry the current one over */
      on_search_changed (self);
    }
  on_zoom_changed (self);
  gtk_widget_set_visible (GTK_WIDGET (self->filter_button), self->filter != NULL);
  update_frame_actions (self);
  live_catch_up (self);
}

/* Builds the trees and the table for the current filter and order on a worker thread.
 * keep_state: a live update of the same views, resumed from the ones on screen. */
static void
start_views_build (PyrProfilePage *self,
                   gboolean        keep_state)
{
  g_autoptr(GTask) task = NULL;
  ViewsJob *job;

  if (self->profile == NULL)
    return;
  if (self->views_cancellable != NULL)
    g_cancellable_cancel (self->views_cancellable);
  g_clear_object (&self->views_cancellable);
  self->views_cancellable = g_cancellable_new ();

  job = g_new0 (ViewsJob, 1);
  job->profile = g_object_ref (self->profile);
  job->filter = self->filter ? pyr_filter_copy (self->filter) : NULL;
  if (!self->split_lines)
    {
      job->lines_filter = job->filter;
      job->filter = job->lines_filter ? pyr_filter_copy (job->lines_filter) : pyr_filter_new ();
      pyr_filter_set_merge_lines (job->filter, TRUE);
      if (job->lines_filter == NULL)
        job->lines_filter = pyr_filter_new ();
    }
  job->kind = gtk_toggle_button_get_active (self->order_toggle) ? PYR_CALL_TREE_TIME_ORDER
                                                                 : PYR_CALL_TREE_MERGED;
  job->key = gtk_toggle_button_get_active (self->lines_toggle) ? PYR_FUNCTION_TABLE_BY_LINE
                                                               : PYR_FUNCTION_TABLE_BY_FUNCTION;
  job->keep_state = keep_state && self->merged_tree != NULL;
  if (job->keep_state)
    {
      PyrFlameTree *shown = pyr_flame_graph_get_tree (self->flame_graph);

      job->previous_merged = g_object_ref (pyr_flame_tree_get_call_tree (self->merged_tree));
      if (shown != NULL && shown != self->merged_tree)
        job->previous_shown = g_object_ref (pyr_flame_tree_get_call_tree (shown));
      if (self->table != NULL && pyr_function_table_get_key (self->table) == job->key)
        job->previous_table = g_object_ref (self->table);
    }
  /* what the build will cover at least: it snapshots the count when it starts, a little later */
  job->n_samples = pyr_profile_get_n_samples (self->profile);
  self->built_n_samples = job->n_samples;

  task = g_task_new (self, self->views_cancellable, views_built, NULL);
  g_task_set_source_tag (task, start_views_build);
  g_task_set_task_data (task, job, (GDestroyNotify) views_job_free);
  self->views_task = task;
  g_task_run_in_thread (task, build_views_thread);
}

static void
rebuild_views (PyrProfilePage *self)
{
  start_views_build (self, FALSE);
}

/* ---- live mode ---- */

/* One live update, unless one is in flight or nothing was added since the last. */
static void
live_update (PyrProfilePage *self)
{
  if (self->profile == NULL)
    return;
  if (self->views_task != NULL)
    {
      self->catch_up = TRUE;
      return;
    }
  if (pyr_profile_get_n_samples (self->profile) == self->built_n_samples && self->merged_tree != NULL)
    return;
  start_views_build (self, TRUE);
}

/* After a build: the samples that came while it ran, when live ended meanwhile (the last
 * rebuild) — while live, the next tick picks them up. */
static void
live_catch_up (PyrProfilePage *self)
{
  if (!self->catch_up || self->views_task != NULL)
    return;
  self->catch_up = FALSE;
  if (!self->live)
    live_update (self);
}

static gboolean
live_tick (gpointer user_data)
{
  PyrProfilePage *self = user_data;

  live_update (self);
  return G_SOURCE_CONTINUE;
}

void
pyr_profile_page_set_live (PyrProfilePage *self,
                           gboolean        live)
{
  g_return_if_fail (PYR_IS_PROFILE_PAGE (self));

  live = !!live;
  if (self->live == live)
    return;
  self->live = live;
  if (live)
    {
      self->live_timeout = g_timeout_add_full (G_PRIORITY_DEFAULT_IDLE, LIVE_INTERVAL_MS, live_tick, self, NULL);
      g_source_set_name_by_id (self->live_timeout, "[pyrometer] live profile page");
    }
  else
    {
      g_clear_handle_id (&self->live_timeout, g_source_remove);
      /* the last samples: now, or when the build in flight is done */
      self->catch_up = FALSE;
      live_update (self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LIVE]);
}

gboolean
pyr_profile_page_get_live (PyrProfilePage *self)
{
  g_return_val_if_fail (PYR_IS_PROFILE_PAGE (self), FALSE);
  return self->live;
}

/* TRUE while views are being built (the first ones, a filter change or a live update). */
gboolean
pyr_profile_page_get_views_pending (PyrProfilePage *self)
{
  g_return_val_if_fail (PYR_IS_PROFILE_PAGE (self), FALSE);
  return self->views_task != NULL || self->catch_up;
}

static void
on_progress (double   fraction,
             gpointer user_data)
{
  PyrProfilePage *self = user_data;

  if (self->state != PYR_PROFILE_PAGE_LOADING)
    return;
  self->progress = CLAMP (fraction, 0, 1);
  gtk_progress_bar_set_fraction (self->progress_bar, self->progress);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);
}

static void
on_loaded (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(PyrProfilePage) self = user_data;
  g_autoptr(GError) error = NULL;
  PyrProfile *profile;

  if (!(profile = pyr_profile_load_file_finish (result, &error)))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
          g_error_matches (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_CANCELLED))
        show_error (self, _("Opening was cancelled."));
      else
        show_error (self, error->message);
      return;
    }

  self->profile = profile;
  gtk_progress_bar_set_fraction (self->progress_bar, 1);
  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  rebuild_views (self);
}

static void
on_cancel_clicked (PyrProfilePage *self)
{
  pyr_profile_page_cancel (self);
  g_signal_emit (self, signals[CANCELLED], 0);
}

void
pyr_profile_page_cancel (PyrProfilePage *self)
{
  g_return_if_fail (PYR_IS_PROFILE_PAGE (self));

  if (self->state == PYR_PROFILE_PAGE_LOADING)
    g_cancellable_cancel (self->cancellable);
}

static void
start_loading (PyrProfilePage *self)
{
  g_autofree char *name = g_file_get_parse_name (self->file);

  adw_status_page_set_description (self->loading_page, name);
  pyr_profile_load_file_async (self->file,
                               on_progress, g_object_ref (self), g_object_unref,
                               self->cancellable,
                               on_loaded, g_object_ref (self));
}

/* ---- accessors ---- */

GFile *
pyr_profile_page_get_file (PyrProfilePage *self)
{
  g_return_val_if_fail (PYR_IS_PROFILE_PAGE (self), NULL);
  return self->file;
}

const char *
pyr_profile_page_get_title (PyrProfilePage *self)
{
  g_return_val_if_fail (PYR_IS_PROFILE_PAGE (self), NULL);
  return self->title;
}

PyrProfilePageState
pyr_profile_page_get_state (PyrProfilePage *self)
{
  g_return_val_if_fail (PYR_IS_PROFILE_PAGE (self), PYR_PROFILE_PAGE_ERROR);
  return self->state;
}

double
pyr_profile_page_get_progress (PyrProfilePage *self)
{
  g_return_val_if_fail (PYR_IS_PROFILE_PAGE (self), 0);
  return self->progress;
}

const char *
pyr_profile_page_get_error_message (PyrProfilePage *self)
{
  g_return_val_if_fail (PYR_IS_PROFILE_PAGE (self), NULL);
  return self->error_message;
}

PyrProfile *
pyr_profile_page_get_profile (PyrProfilePage *self)
{
  g_return_val_if_fail (PYR_IS_PROFILE_PAGE (self), NULL);
  return self->state == PYR_PROFILE_PAGE_READY ? self->profile : NULL;
}

PyrFlameGraph *
pyr_profile_page_get_flame_graph (PyrProfilePage *self)
{
  g_return_val_if_fail (PYR_IS_PROFILE_PAGE (self), NULL);
  return self->flame_graph;
}

PyrFunctionsView *
pyr_profile_page_get_functions_view (PyrProfilePage *self)
{
  g_return_val_if_fail (PYR_IS_PROFILE_PAGE (self), NULL);
  return self->functions_view;
}

PyrDetailsPane *
pyr_profile_page_get_details_pane (PyrProfilePage *self)
{
  g_return_val_if_fail (PYR_IS_PROFILE_PAGE (self), NULL);
  return self->details_pane;
}

void
pyr_profile_page_show_view (PyrProfilePage *self,
                            const char     *name)
{
  g_return_if_fail (PYR_IS_PROFILE_PAGE (self));
  adw_view_stack_set_visible_child_name (self->view_stack, name);
}

/* ---- actions ---- */

static void
action_back (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  pyr_flame_graph_go_back (PYR_PROFILE_PAGE (widget)->flame_graph);
}

static void
action_home (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  pyr_flame_graph_go_home (PYR_PROFILE_PAGE (widget)->flame_graph);
}

static void
action_search (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  pyr_profile_page_start_search (PYR_PROFILE_PAGE (widget));
}

static void
action_toggle_details (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  PyrProfilePage *self = PYR_PROFILE_PAGE (widget);

  gtk_toggle_button_set_active (self->details_toggle, !gtk_toggle_button_get_active (self->details_toggle));
}

static void
on_flame_toggled (PyrProfilePage *self)
{
  PyrFlameOrientation orientation = gtk_toggle_button_get_active (self->flame_toggle)
                                    ? PYR_FLAME_ORIENTATION_FLAME : PYR_FLAME_ORIENTATION_ICICLE;

  pyr_flame_graph_set_orientation (self->flame_graph, orientation);
  /* the person's choice holds for the next profile too */
  if (self->settings != NULL && g_settings_get_enum (self->settings, "flame-orientation") != (int) orientation)
    g_settings_set_enum (self->settings, "flame-orientation", orientation);
}

/* ---- merged or time order ---- */

static void
on_order_toggled (PyrProfilePage *self)
{
  rebuild_views (self);
}

/* ---- the frame menu: copy, focus, hide ---- */

static guint32
selected_frame (PyrProfilePage *self)
{
  PyrFlameTree *tree = pyr_flame_graph_get_tree (self->flame_graph);
  guint32 node = pyr_flame_graph_get_selected_node (self->flame_graph);

  if (tree == NULL || node == PYR_ID_NONE || node == 0 || node >= pyr_flame_tree_get_n_nodes (tree))
    return PYR_ID_NONE;
  return pyr_flame_tree_get_frame (tree, node);
}

static void
update_frame_actions (PyrProfilePage *self)
{
  gboolean has_frame = selected_frame (self) != PYR_ID_NONE;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "page.copy-name", has_frame);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "page.copy-location", has_frame);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "page.focus", has_frame);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "page.hide", has_frame);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "page.show-everything", self->filter != NULL);
}

static void
action_copy (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  PyrProfilePage *self = PYR_PROFILE_PAGE (widget);
  guint32 frame = selected_frame (self);
  g_autofree char *text = NULL;

  if (frame == PYR_ID_NONE)
    return;
  if (g_str_equal (action_name, "page.copy-name"))
    text = g_strdup (pyr_profile_get_string (self->profile, pyr_profile_get_frame_name (self->profile, frame)));
  else
    {
      const char *file = pyr_profile_get_string (self->profile, pyr_profile_get_frame_file (self->profile, frame));
      gint32 line = pyr_profile_get_frame_line (self->profile, frame);

      text = line > 0 ? g_strdup_printf ("%s:%d", file, line) : g_strdup (file);
    }
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), text);
}

static void
action_filter (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  PyrProfilePage *self = PYR_PROFILE_PAGE (widget);
  guint32 frame = selected_frame (self);

  if (g_str_equal (action_name, "page.show-everything"))
    {
      gboolean merged = pyr_profile_page_get_merge_recursion (self);

      g_clear_pointer (&self->filter, pyr_filter_free);
      if (merged)
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MERGE_RECURSION]);
    }
  else
    {
      if (frame == PYR_ID_NONE)
        return;
      if (self->filter == NULL)
        self->filter = pyr_filter_new ();
      /* both act on every line of the function, as the library's filter does */
      if (g_str_equal (action_name, "page.focus"))
        pyr_filter_set_focus_frame (self->filter, frame);
      else
        pyr_filter_add_hidden_frame (self->filter, frame);
    }
  rebuild_views (self);
}

void
pyr_profile_page_set_by_line (PyrProfilePage *self,
                              gboolean        by_line)
{
  g_return_if_fail (PYR_IS_PROFILE_PAGE (self));
  gtk_toggle_button_set_active (self->lines_toggle, by_line);
}

void
pyr_profile_page_set_flame_orientation (PyrProfilePage      *self,
                                        PyrFlameOrientation  orientation)
{
  g_return_if_fail (PYR_IS_PROFILE_PAGE (self));
  gtk_toggle_button_set_active (self->flame_toggle, orientation == PYR_FLAME_ORIENTATION_FLAME);
}

void
pyr_profile_page_set_time_order (PyrProfilePage *self,
                                 gboolean        time_order)
{
  g_return_if_fail (PYR_IS_PROFILE_PAGE (self));
  gtk_toggle_button_set_active (self->order_toggle, time_order);
}

/* ---- colours and their legend ---- */

#define LEGEND_ENTRIES 12

static void
draw_swatch (GtkDrawingArea *area,
             cairo_t        *cr,
             int             width,
             int             height,
             gpointer        user_data)
{
  const PyrRgb *colour = g_object_get_data (G_OBJECT (area), "colour");

  cairo_rectangle (cr, 0.5, 0.5, width - 1, height - 1);
  cairo_set_source_rgb (cr, colour->r, colour->g, colour->b);
  cairo_fill_preserve (cr);
  cairo_set_source_rgba (cr, 0.5, 0.5, 0.5, 0.6);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
}

static void
update_legend (PyrProfilePage *self)
{
  g_autoptr(GPtrArray) entries = NULL;
  gboolean heat;
  double all = 0;
  GtkWidget *child;

  /* the template's children go first when the page is disposed */
  if (self->flame_graph == NULL || self->legend_box == NULL)
    return;
  entries = pyr_flame_graph_dup_legend (self->flame_graph, LEGEND_ENTRIES);
  heat = pyr_flame_graph_get_color_mode (self->flame_graph) == PYR_FLAME_COLOR_HEAT;
  if (pyr_flame_graph_get_tree (self->flame_graph) != NULL)
    all = pyr_flame_tree_get_total (pyr_flame_graph_get_tree (self->flame_graph), 0);

  /* live updates ask four times a second; the rounded shares seldom change */
  {
    GString *shown = g_string_new (heat ? "heat" : "shares");

    for (guint i = 0; i < entries->len; i++)
      {
        PyrFlameLegendEntry *entry = g_ptr_array_index (entries, i);

        g_string_append_printf (shown, "\n%g %g %g|%s|%s|%.0f", entry->colour.r, entry->colour.g, entry->colour.b,
                                entry->label ? entry->label : "", entry->tooltip ? entry->tooltip : "",
                                all > 0 ? 100 * entry->weight / all : 0);
      }
    if (g_strcmp0 (shown->str, self->legend_shown) == 0)
      {
        g_string_free (shown, TRUE);
        return;
      }
    g_free (self->legend_shown);
    self->legend_shown = g_string_free (shown, FALSE);
  }

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->legend_box))))
    gtk_box_remove (self->legend_box, child);
  for (guint i = 0; i < entries->len; i++)
    {
      PyrFlameLegendEntry *entry = g_ptr_array_index (entries, i);
      GtkWidget *item = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
      GtkWidget *swatch = gtk_drawing_area_new ();
      PyrRgb *colour = g_new (PyrRgb, 1);

      *colour = entry->colour;
      g_object_set_data_full (G_OBJECT (swatch), "colour", colour, g_free);
      gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (swatch), heat ? 22 : 14);
      gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (swatch), 14);
      gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (swatch), draw_swatch, NULL, NULL);
      gtk_widget_set_valign (swatch, GTK_ALIGN_CENTER);
      gtk_box_append (GTK_BOX (item), swatch);
      if (entry->label != NULL)
        {
          g_autofree char *text = NULL;
          GtkWidget *label;

          /* heat steps are a scale, not shares */
          if (heat)
            text = g_strdup (entry->label);
          else
            text = g_strdup_printf ("%s %.0f%%", entry->label, all > 0 ? 100 * entry->weight / all : 0);
          /* whole names: the legend scrolls sideways when they do not fit */
          label = gtk_label_new (text);
          gtk_widget_add_css_class (label, "caption");
          if (heat)
            {
              gtk_widget_set_margin_start (label, 4);
              gtk_widget_set_margin_end (label, 4);
            }
          gtk_box_append (GTK_BOX (item), label);
        }
      gtk_widget_set_tooltip_text (item, entry->tooltip);
      /* heat steps sit next to each other as one bar */
      if (heat)
        gtk_box_set_spacing (self->legend_box, 0);
      else
        gtk_box_set_spacing (self->legend_box, 12);
      gtk_box_append (self->legend_box, item);
    }
}

static const char *
color_by_name (PyrFlameColorMode mode)
{
  static const char *const names[] = { "module", "file", "heat" };

  return names[MIN (mode, G_N_ELEMENTS (names) - 1)];
}

static PyrFlameColorMode
color_by_mode (const char *name)
{
  if (g_strcmp0 (name, "file") == 0)
    return PYR_FLAME_COLOR_FILE;
  if (g_strcmp0 (name, "heat") == 0)
    return PYR_FLAME_COLOR_HEAT;
  return PYR_FLAME_COLOR_MODULE;
}

void
pyr_profile_page_set_color_by (PyrProfilePage *self,
                               const char     *name)
{
  PyrFlameColorMode mode = color_by_mode (name);

  g_return_if_fail (PYR_IS_PROFILE_PAGE (self));

  if (pyr_flame_graph_get_color_mode (self->flame_graph) == mode)
    return;
  pyr_flame_graph_set_color_mode (self->flame_graph, mode);
  if (self->settings != NULL)
    g_settings_set_enum (self->settings, "flame-color-mode", mode);
  /* the legend follows when the new colours arrive ("legend-changed") */
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COLOR_BY]);
}

const char *
pyr_profile_page_get_color_by (PyrProfilePage *self)
{
  g_return_val_if_fail (PYR_IS_PROFILE_PAGE (self), NULL);
  /* the property action asks before the template is built */
  if (self->flame_graph == NULL)
    return color_by_name (PYR_FLAME_COLOR_MODULE);
  return color_by_name (pyr_flame_graph_get_color_mode (self->flame_graph));
}

/* ---- split by line: in the view menu, remembered ---- */

gboolean
pyr_profile_page_get_split_lines (PyrProfilePage *self)
{
  g_return_val_if_fail (PYR_IS_PROFILE_PAGE (self), FALSE);
  return self->split_lines;
}

void
pyr_profile_page_set_split_lines (PyrProfilePage *self,
                                  gboolean        split)
{
  g_return_if_fail (PYR_IS_PROFILE_PAGE (self));

  split = !!split;
  if (self->split_lines == split)
    return;
  self->split_lines = split;
  if (self->settings != NULL && g_settings_get_boolean (self->settings, "flame-split-lines") != split)
    g_settings_set_boolean (self->settings, "flame-split-lines", split);
  rebuild_views (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPLIT_LINES]);
}

static void
on_split_setting_changed (PyrProfilePage *self)
{
  pyr_profile_page_set_split_lines (self, g_settings_get_boolean (self->settings, "flame-split-lines"));
}

/* ---- collapse recursion: page-wide, in the view menu and the frame menu ---- */

gboolean
pyr_profile_page_get_merge_recursion (PyrProfilePage *self)
{
  g_return_val_if_fail (PYR_IS_PROFILE_PAGE (self), FALSE);
  return self->filter != NULL && pyr_filter_get_merge_recursion (self->filter);
}

void
pyr_profile_page_set_merge_recursion (PyrProfilePage *self,
                                      gboolean        merge)
{
  g_return_if_fail (PYR_IS_PROFILE_PAGE (self));

  if (pyr_profile_page_get_merge_recursion (self) == !!merge)
    return;
  if (self->filter == NULL)
    self->filter = pyr_filter_new ();
  pyr_filter_set_merge_recursion (self->filter, merge);
  /* back to no filter at all when nothing else is set, so Show Everything hides again */
  {
    g_autoptr(PyrFilter) plain = pyr_filter_new ();

    if (pyr_filter_equal (self->filter, plain))
      g_clear_pointer (&self->filter, pyr_filter_free);
  }
  rebuild_views (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MERGE_RECURSION]);
}

/* ---- remembered choices ---- */

static void
on_orientation_setting_changed (PyrProfilePage *self)
{
  gtk_toggle_button_set_active (self->flame_toggle,
                                g_settings_get_enum (self->settings, "flame-orientation") == PYR_FLAME_ORIENTATION_FLAME);
}

static void
on_color_setting_changed (PyrProfilePage *self)
{
  pyr_profile_page_set_color_by (self, color_by_name (g_settings_get_enum (self->settings, "flame-color-mode")));
}

static void
setup_settings (PyrProfilePage *self)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source == NULL || !(schema = g_settings_schema_source_lookup (source, APPLICATION_ID, TRUE)) ||
      !g_settings_schema_has_key (schema, "flame-color-mode"))
    return;
  self->settings = g_settings_new (APPLICATION_ID);
  on_orientation_setting_changed (self);
  on_color_setting_changed (self);
  g_signal_connect_object (self->settings, "changed::flame-orientation",
                           G_CALLBACK (on_orientation_setting_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::flame-color-mode",
                           G_CALLBACK (on_color_setting_changed), self, G_CONNECT_SWAPPED);
  /* (a schema installed before the key came has no such key) */
  if (g_settings_schema_has_key (schema, "flame-split-lines"))
    {
      on_split_setting_changed (self);
      g_signal_connect_object (self->settings, "changed::flame-split-lines",
                               G_CALLBACK (on_split_setting_changed), self, G_CONNECT_SWAPPED);
    }
}

/* ---- GObject ---- */

static void
pyr_profile_page_constructed (GObject *object)
{
  PyrProfilePage *self = PYR_PROFILE_PAGE (object);

  G_OBJECT_CLASS (pyr_profile_page_parent_class)->constructed (object);

  if (self->file != NULL)
    start_loading (self);
}

static void
pyr_profile_page_dispose (GObject *object)
{
  PyrProfilePage *self = PYR_PROFILE_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->live_timeout, g_source_remove);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  if (self->views_cancellable != NULL)
    g_cancellable_cancel (self->views_cancellable);
  g_clear_object (&self->views_cancellable);
  g_clear_pointer (&self->filter, pyr_filter_free);
  g_clear_object (&self->profile);
  g_clear_object (&self->table);
  g_clear_pointer (&self->hottest, g_free);
  g_clear_pointer (&self->merged_tree, pyr_flame_tree_unref);

  G_OBJECT_CLASS (pyr_profile_page_parent_class)->dispose (object);
}

static void
pyr_profile_page_finalize (GObject *object)
{
  PyrProfilePage *self = PYR_PROFILE_PAGE (object);

  g_clear_object (&self->file);
  g_clear_object (&self->cancellable);
  g_free (self->title);
  g_free (self->error_message);
  g_free (self->legend_shown);

  G_OBJECT_CLASS (pyr_profile_page_parent_class)->finalize (object);
}

static void
pyr_profile_page_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  PyrProfilePage *self = PYR_PROFILE_PAGE (object);

  switch (prop_id)
    {
    case PROP_FILE:
      g_value_set_object (value, self->file);
      break;
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, self->state == PYR_PROFILE_PAGE_LOADING);
      break;
    case PROP_PROGRESS:
      g_value_set_double (value, self->progress);
      break;
    case PROP_LIVE:
      g_value_set_boolean (value, self->live);
      break;
    case PROP_COLOR_BY:
      g_value_set_string (value, pyr_profile_page_get_color_by (self));
      break;
    case PROP_MERGE_RECURSION:
      g_value_set_boolean (value, pyr_profile_page_get_merge_recursion (self));
      break;
    case PROP_SPLIT_LINES:
      g_value_set_boolean (value, self->split_lines);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pyr_profile_page_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  PyrProfilePage *self = PYR_PROFILE_PAGE (object);

  switch (prop_id)
    {
    case PROP_FILE:
      g_set_object (&self->file, g_value_get_object (value));
      if (self->file != NULL)
        {
          g_free (self->title);
          self->title = g_file_get_basename (self->file);
        }
      break;
    case PROP_LIVE:
      pyr_profile_page_set_live (self, g_value_get_boolean (value));
      break;
    case PROP_COLOR_BY:
      pyr_profile_page_set_color_by (self, g_value_get_string (value));
      break;
    case PROP_MERGE_RECURSION:
      pyr_profile_page_set_merge_recursion (self, g_value_get_boolean (value));
      break;
    case PROP_SPLIT_LINES:
      pyr_profile_page_set_split_lines (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pyr_profile_page_class_init (PyrProfilePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = pyr_profile_page_constructed;
  object_class->dispose = pyr_profile_page_dispose;
  object_class->finalize = pyr_profile_page_finalize;
  object_class->get_property = pyr_profile_page_get_property;
  object_class->set_property = pyr_profile_page_set_property;

  properties[PROP_FILE] =
    g_param_spec_object ("file", NULL, NULL, G_TYPE_FILE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL, PYR_PROFILE_PAGE_LOADING, PYR_PROFILE_PAGE_READY,
                      PYR_PROFILE_PAGE_LOADING, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, TRUE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_PROGRESS] =
    g_param_spec_double ("progress", NULL, NULL, 0, 1, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_COLOR_BY] =
    g_param_spec_string ("color-by", NULL, NULL, "module",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MERGE_RECURSION] =
    g_param_spec_boolean ("merge-recursion", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SPLIT_LINES] =
    g_param_spec_boolean ("split-lines", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LIVE] =
    g_param_spec_boolean ("live", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[CANCELLED] = g_signal_new ("cancelled", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                     0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  g_type_ensure (PYR_TYPE_FLAME_GRAPH);
  g_type_ensure (PYR_TYPE_FUNCTIONS_VIEW);
  g_type_ensure (PYR_TYPE_DETAILS_PANE);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/pyr-profile-page.ui");
  gtk_widget_class_bind_template_child (widget_class, PyrProfilePage, stack);
  gtk_widget_class_bind_template_child (widget_class, PyrProfilePage, loading_page);
  gtk_widget_class_bind_template_child (widget_class, PyrProfilePage, error_page);
  gtk_widget_class_bind_template_child (widget_class, PyrProfilePage, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, PyrProfilePage, breadcrumbs);
  gtk_widget_class_bind_template_child (widget_class, PyrProfilePage, breadcrumbs_scroller);
  gtk_widget_class_bind_template_child (widget_class, PyrProfilePage, matched_label);
  gtk_widget_class_bind_template_child (widget_class, PyrProfilePage, flame_toggle);
  gtk_widget_class_bind_template_child (widget_class, PyrProfilePage, order_toggle);
  gtk_widget_class_bind_template_child (widget_class, PyrProfilePage, lines_toggle);
  gtk_widget_class_bind_template_child (widget_class, PyrProfilePage, filter_button);
  gtk_widget_class_bind_template_child (widget_class, PyrProfilePage, frame_menu);
  gtk_widget_class_bind_template_child (widget_class, PyrProfilePage, search_toggle);
  gtk_widget_class_bind_template_child (widget_class, PyrProfilePage, search_bar);
  gtk_widget_class_bind_template_child (widget_class, PyrProfilePage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, PyrProfilePage, regex_check);
  gtk_widget_class_bind_template_child (widget_class, PyrProfilePage, view_stack);
  gtk_widget_class_bind_template_child (widget_class, PyrProfilePage, flame_graph);
  gtk_widget_class_bind_template_child (widget_class, PyrProfilePage, functions_view);
  gtk_widget_class_bind_template_child (widget_class, PyrProfilePage, details_pane);
  gtk_widget_class_bind_template_child (widget_class, PyrProfilePage, details_toggle);
  gtk_widget_class_bind_template_child (widget_class, PyrProfilePage, legend_box);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);

  gtk_widget_class_install_action (widget_class, "page.back", NULL, action_back);
  gtk_widget_class_install_action (widget_class, "page.home", NULL, action_home);
  gtk_widget_class_install_action (widget_class, "page.search", NULL, action_search);
  gtk_widget_class_install_action (widget_class, "page.copy-name", NULL, action_copy);
  gtk_widget_class_install_action (widget_class, "page.copy-location", NULL, action_copy);
  gtk_widget_class_install_action (widget_class, "page.focus", NULL, action_filter);
  gtk_widget_class_install_action (widget_class, "page.hide", NULL, action_filter);
  gtk_widget_class_install_action (widget_class, "page.show-everything", NULL, action_filter);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "page.search", NULL);
  gtk_widget_class_install_action (widget_class, "page.toggle-details", NULL, action_toggle_details);
  gtk_widget_class_install_property_action (widget_class, "page.color-by", "color-by");
  gtk_widget_class_install_property_action (widget_class, "page.merge-recursion", "merge-recursion");
  gtk_widget_class_install_property_action (widget_class, "page.split-lines", "split-lines");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F9, 0, "page.toggle-details", NULL);
}

static void
pyr_profile_page_init (PyrProfilePage *self)
{
  self->cancellable = g_cancellable_new ();
  self->state = PYR_PROFILE_PAGE_LOADING;

  gtk_widget_init_template (GTK_WIDGET (self));

  g_object_bind_property (self->search_toggle, "active", self->search_bar, "search-mode-enabled",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  /* Enter and Shift+Enter (and Ctrl+G, Ctrl+Shift+G) step through the matches */
  g_signal_connect_swapped (self->search_entry, "activate", G_CALLBACK (on_next_match), self);
  g_signal_connect_swapped (self->search_entry, "next-match", G_CALLBACK (on_next_match), self);
  g_signal_connect_swapped (self->search_entry, "previous-match", G_CALLBACK (on_previous_match), self);
  {
    GtkEventController *shortcuts = gtk_shortcut_controller_new ();

    gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                          gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Return, GDK_SHIFT_MASK),
                                                            gtk_callback_action_new (previous_match_shortcut, self, NULL)));
    gtk_widget_add_controller (GTK_WIDGET (self->search_entry), shortcuts);
  }
  g_signal_connect_swapped (self->flame_toggle, "toggled", G_CALLBACK (on_flame_toggled), self);
  g_signal_connect (gtk_scrolled_window_get_hadjustment (self->breadcrumbs_scroller), "changed",
                    G_CALLBACK (on_breadcrumbs_resized), NULL);
  g_object_bind_property (self->details_toggle, "active", self->details_pane, "visible", G_BINDING_SYNC_CREATE);
  g_signal_connect_swapped (self->details_toggle, "toggled", G_CALLBACK (on_details_toggled), self);
  g_signal_connect_swapped (self->details_pane, "notify::visible", G_CALLBACK (update_details), self);
  g_signal_connect_swapped (self->details_pane, "node-activated", G_CALLBACK (on_details_node_activated), self);
  g_signal_connect_swapped (self->details_pane, "function-activated",
                            G_CALLBACK (on_details_function_activated), self);
  g_signal_connect_swapped (self->order_toggle, "toggled", G_CALLBACK (on_order_toggled), self);
  g_signal_connect_swapped (self->lines_toggle, "toggled", G_CALLBACK (on_order_toggled), self);
  g_signal_connect_swapped (self->flame_graph, "notify::zoom-node", G_CALLBACK (on_zoom_changed), self);
  g_signal_connect_swapped (self->flame_graph, "notify::selected-node",
                            G_CALLBACK (on_flame_selection_changed), self);
  g_signal_connect_swapped (self->flame_graph, "notify::matched-fraction",
                            G_CALLBACK (on_matched_changed), self);
  g_signal_connect_swapped (self->flame_graph, "notify::search-pending",
                            G_CALLBACK (on_matched_changed), self);
  g_signal_connect_swapped (self->flame_graph, "notify::search-active",
                            G_CALLBACK (on_matched_changed), self);
  g_signal_connect_swapped (self->functions_view, "notify::selected-function",
                            G_CALLBACK (on_table_selection_changed), self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "page.back", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "page.home", FALSE);
  update_frame_actions (self);
  pyr_flame_graph_set_context_menu (self->flame_graph, self->frame_menu);
  g_signal_connect_swapped (self->flame_graph, "legend-changed", G_CALLBACK (update_legend), self);
  setup_settings (self);
}
