/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "pyr-application.h"
#include "pyr-flame-graph.h"
#include "pyr-profile-loader.h"
#include "pyr-profile-page.h"
#include "pyr-window.h"

/* One application for the whole run: GApplication registers once per process. */
static PyrApplication *test_app;

static void
iterate_main_loop (void)
{
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

static gboolean
timed_out (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until check() holds; fails after 20 s rather than hanging. */
static void
wait_for (gboolean (*check) (gpointer),
          gpointer  data)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add_seconds (20, timed_out, &expired);

  while (!check (data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (expired);
  g_source_remove (id);
  iterate_main_loop ();
}

static gboolean
pages_settled (gpointer data)
{
  AdwTabView *view = data;

  for (int i = 0; i < adw_tab_view_get_n_pages (view); i++)
    {
      PyrProfilePage *page = PYR_PROFILE_PAGE (adw_tab_page_get_child (adw_tab_view_get_nth_page (view, i)));

      if (pyr_profile_page_get_state (page) == PYR_PROFILE_PAGE_LOADING)
        return FALSE;
      if (pyr_profile_page_get_state (page) == PYR_PROFILE_PAGE_READY &&
          pyr_flame_graph_get_layout_pending (pyr_profile_page_get_flame_graph (page)))
        return FALSE;
    }
  return TRUE;
}

static gboolean
layout_ready (gpointer data)
{
  return !pyr_flame_graph_get_layout_pending (PYR_FLAME_GRAPH (data));
}

/* shown, sized, and laid out for that size */
static gboolean
graph_allocated (gpointer data)
{
  PyrFlameGraph *graph = data;
  PyrFlameLayout *layout = pyr_flame_graph_get_layout (graph);
  int width = gtk_widget_get_width (GTK_WIDGET (graph));

  return width > 0 && !pyr_flame_graph_get_layout_pending (graph) &&
         layout != NULL && (int) layout->width_px == width;
}

static char *
fixture_path (const char *relative)
{
  const char *shared = g_getenv ("PYROMETER_SHARED");

  return g_build_filename (shared ? shared : "../shared", "fixtures", relative, NULL);
}

static PyrWindow *
new_window (void)
{
  PyrWindow *window = pyr_window_new (test_app);

  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  gtk_window_present (GTK_WINDOW (window));
  iterate_main_loop ();
  return window;
}

static void
close_window (PyrWindow *window)
{
  gtk_window_destroy (GTK_WINDOW (window));
  iterate_main_loop ();
}

static PyrProfilePage *
nth_page (PyrWindow *window,
          int        n)
{
  AdwTabView *view = pyr_window_get_tab_view (window);

  return PYR_PROFILE_PAGE (adw_tab_page_get_child (adw_tab_view_get_nth_page (view, n)));
}

/* Opens one fixture in a new window and waits for it and its layout. */
static PyrWindow *
open_fixture (const char      *relative,
              PyrProfilePage **page_out)
{
  g_autofree char *path = fixture_path (relative);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  PyrWindow *window = new_window ();

  pyr_window_open_files (window, &file, 1);
  wait_for (pages_settled, pyr_window_get_tab_view (window));
  *page_out = nth_page (window, 0);
  if (pyr_profile_page_get_state (*page_out) == PYR_PROFILE_PAGE_READY)
    wait_for (graph_allocated, pyr_profile_page_get_flame_graph (*page_out));
  return window;
}

static gboolean
format_readable (const char *path)
{
  g_autofree char *data = NULL;
  gsize len;

  if (!g_file_get_contents (path, &data, &len, NULL))
    return FALSE;
  return pyr_format_can_import (pyr_format_detect (data, len));
}

static void
test_open_every_fixture (void)
{
  static const char *const folders[] = { "folded", "speedscope", "svg", "diff-folded" };
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);
  PyrWindow *window = new_window ();
  AdwTabView *view = pyr_window_get_tab_view (window);
  guint n_ready = 0;

  for (guint f = 0; f < G_N_ELEMENTS (folders); f++)
    {
      g_autofree char *dir_path = fixture_path (folders[f]);
      g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
      const char *name;

      if (dir == NULL)
        continue;
      while ((name = g_dir_read_name (dir)))
        g_ptr_array_add (files, g_file_new_build_filename (dir_path, name, NULL));
    }
  g_assert_cmpuint (files->len, >, 10);

  pyr_window_open_files (window, (GFile **) files->pdata, files->len);
  g_assert_cmpint (adw_tab_view_get_n_pages (view), ==, files->len);
  wait_for (pages_settled, view);

  for (guint i = 0; i < files->len; i++)
    {
      PyrProfilePage *page = nth_page (window, i);
      g_autofree char *path = g_file_get_path (files->pdata[i]);
      g_autofree char *base = g_file_get_basename (files->pdata[i]);
      gboolean invalid = g_str_has_prefix (base, "invalid-");

      g_test_message ("%s: %s", base,
                      pyr_profile_page_get_state (page) == PYR_PROFILE_PAGE_READY
                      ? "opened" : pyr_profile_page_get_error_message (page));
      g_assert_cmpstr (pyr_profile_page_get_title (page), ==, base);

      if (pyr_profile_page_get_state (page) == PYR_PROFILE_PAGE_READY)
        {
          PyrFlameLayout *layout = pyr_flame_graph_get_layout (pyr_profile_page_get_flame_graph (page));

          n_ready++;
          g_assert_false (invalid);
          g_assert_nonnull (layout);
          g_assert_cmpuint (layout->n_rects, >=, 2);  /* "all" and at least one frame */
          g_assert_cmpuint (pyr_functions_view_get_n_rows (pyr_profile_page_get_functions_view (page)), >, 0);
        }
      else
        {
          const char *message = pyr_profile_page_get_error_message (page);

          g_assert_cmpint (pyr_profile_page_get_state (page), ==, PYR_PROFILE_PAGE_ERROR);
          g_assert_nonnull (message);
          /* the loader names the file first, so a person knows which tab says what */
          g_assert_nonnull (strstr (message, base));
          /* a format this build reads must open unless the fixture is broken on purpose */
          if (format_readable (path) && !invalid && !g_str_has_prefix (base, "LICENSE") &&
              !g_str_has_suffix (base, ".md") && strstr (base, "utf16") == NULL &&
              strstr (base, "-diff") == NULL && strstr (base, "results-") == NULL && strcmp (base, "tall.txt") != 0)
            g_error ("%s should have opened: %s", base, message);
        }
    }
  g_assert_cmpuint (n_ready, >=, 8);

  close_window (window);
}

static gboolean
rects_equal (PyrFlameLayout *a,
             PyrFlameLayout *b)
{
  return a->n_rects == b->n_rects && a->n_rows == b->n_rows &&
         memcmp (a->rects, b->rects, sizeof (PyrFlameRect) * a->n_rects) == 0;
}

static PyrFlameLayout *
copy_layout (PyrFlameLayout *layout)
{
  PyrFlameLayout *copy = g_new0 (PyrFlameLayout, 1);

  copy->tree = pyr_flame_tree_ref (layout->tree);
  copy->n_rects = layout->n_rects;
  copy->n_rows = layout->n_rows;
  copy->rects = g_memdup2 (layout->rects, sizeof (PyrFlameRect) * layout->n_rects);
  copy->row_start = g_memdup2 (layout->row_start, sizeof (guint) * (layout->n_rows + 1));
  return copy;
}

static GtkGesture *
find_click_gesture (GtkWidget *widget)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_GESTURE_CLICK (controller) &&
          gtk_gesture_single_get_button (GTK_GESTURE_SINGLE (controller)) == GDK_BUTTON_PRIMARY)
        return GTK_GESTURE (controller);
    }
  return NULL;
}

static void
test_click_zoom_then_back_restores (void)
{
  PyrProfilePage *page;
  PyrWindow *window = open_fixture ("folded/simple.txt", &page);
  PyrFlameGraph *graph = pyr_profile_page_get_flame_graph (page);
  g_autoptr(PyrFlameLayout) before = NULL;
  PyrFlameLayout *zoomed;
  PyrFlameTree *tree;
  const PyrFlameRect *rect;
  const guint32 *children;
  guint n_children;
  graphene_rect_t area;
  guint32 target;
  gboolean handled;

  g_assert_cmpint (pyr_profile_page_get_state (page), ==, PYR_PROFILE_PAGE_READY);
  before = copy_layout (pyr_flame_graph_get_layout (graph));
  tree = pyr_flame_graph_get_tree (graph);

  /* a → b → {d: 4, c: 5}; c is the widest child of b, drawn first */
  children = pyr_flame_tree_get_children (tree, 0, &n_children);
  g_assert_cmpuint (n_children, ==, 1);
  children = pyr_flame_tree_get_children (tree, children[0], &n_children);
  g_assert_cmpuint (n_children, ==, 1);
  children = pyr_flame_tree_get_children (tree, children[0], &n_children);
  g_assert_cmpuint (n_children, ==, 2);
  target = children[1];
  g_assert_cmpstr (pyr_flame_tree_get_name (tree, target), ==, "d");

  g_assert_true (pyr_flame_graph_get_node_area (graph, target, &area));
  g_signal_emit_by_name (find_click_gesture (GTK_WIDGET (graph)), "released", 1,
                         (double) area.origin.x + area.size.width / 2,
                         (double) area.origin.y + area.size.height / 2);
  g_assert_cmpuint (pyr_flame_graph_get_zoom_node (graph), ==, target);
  wait_for (layout_ready, graph);

  zoomed = pyr_flame_graph_get_layout (graph);
  rect = pyr_flame_layout_find_node (zoomed, target);
  g_assert_nonnull (rect);
  g_assert_cmpfloat (rect->x, ==, 0);
  g_assert_cmpfloat (rect->width, ==, 1);
  /* the ancestors stay in view, dimmed, full width */
  g_assert_cmpuint (zoomed->rects[0].flags & PYR_FLAME_RECT_ANCESTOR, !=, 0);
  g_assert_cmpuint (zoomed->rects[0].node, ==, 0);
  g_assert_cmpuint (zoomed->n_rows, ==, 4);
  g_assert_false (rects_equal (before, zoomed));

  /* Back through the page's action, as the toolbar button does */
  handled = gtk_widget_activate_action (GTK_WIDGET (page), "page.back", NULL);
  g_assert_true (handled);
  g_assert_cmpuint (pyr_flame_graph_get_zoom_node (graph), ==, 0);
  wait_for (layout_ready, graph);
  g_assert_true (rects_equal (before, pyr_flame_graph_get_layout (graph)));

  close_window (window);
}

static void
test_view_zoom_and_pan (void)
{
  PyrProfilePage *page;
  PyrWindow *window = open_fixture ("folded/simple.txt", &page);
  PyrFlameGraph *graph = pyr_profile_page_get_flame_graph (page);
  PyrFlameTree *tree = pyr_flame_graph_get_tree (graph);
  guint32 d = pyr_flame_tree_get_children (tree, pyr_flame_tree_get_children (tree, pyr_flame_tree_get_children (tree, 0, &(guint) { 0 })[0], &(guint) { 0 })[0], &(guint) { 0 })[1];
  graphene_rect_t before, after;
  double center;

  g_assert_cmpstr (pyr_flame_tree_get_name (tree, d), ==, "d");
  g_assert_true (pyr_flame_graph_get_node_area (graph, d, &before));

  /* Ctrl+scroll in by 4 around d's middle: d is 4 times wider and stays under the pointer */
  center = before.origin.x + before.size.width / 2;
  pyr_flame_graph_zoom_view (graph, 4, center);
  wait_for (layout_ready, graph);
  g_assert_cmpfloat_with_epsilon (pyr_flame_graph_get_view_width (graph), 0.25, 1e-9);
  g_assert_true (pyr_flame_graph_get_node_area (graph, d, &after));
  g_assert_cmpfloat_with_epsilon (after.size.width, 4 * before.size.width, 1);
  g_assert_cmpfloat_with_epsilon (after.origin.x + after.size.width / 2, center, 2);
  g_assert_cmpuint (pyr_flame_graph_get_node_at (graph, center, after.origin.y + 2), ==, d);

  /* panning moves it sideways; Home shows everything again */
  pyr_flame_graph_pan_view (graph, 100);
  wait_for (layout_ready, graph);
  g_assert_true (pyr_flame_graph_get_node_area (graph, d, &after));
  g_assert_cmpfloat_with_epsilon (after.origin.x + after.size.width / 2, center - 100, 2);
  pyr_flame_graph_go_home (graph);
  wait_for (layout_ready, graph);
  g_assert_cmpfloat (pyr_flame_graph_get_view_width (graph), ==, 1);
  g_assert_true (pyr_flame_graph_get_node_area (graph, d, &after));
  g_assert_cmpfloat_with_epsilon (after.size.width, before.size.width, 0.5);

  close_window (window);
}

static void
test_search_reports_matched_percentage (void)
{
  PyrProfilePage *page;
  PyrWindow *window = open_fixture ("folded/simple.txt", &page);
  PyrFlameGraph *graph = pyr_profile_page_get_flame_graph (page);

  /* simple.txt: a;b;c 1, a;b;c 1, a;b;d 4, a;b;c 3, a;b 5 — 14 samples, c in 5 of them */
  pyr_profile_page_set_search (page, "c", FALSE);
  g_assert_cmpfloat_with_epsilon (pyr_flame_graph_get_matched_fraction (graph), 5.0 / 14.0, 1e-9);
  g_assert_cmpstr (pyr_profile_page_get_matched_text (page), ==, "Matched: 35.7%");

  /* a and b are nested: every sample counts once, 100%, not 200% */
  pyr_profile_page_set_search (page, "^(a|b)$", TRUE);
  g_assert_cmpfloat_with_epsilon (pyr_flame_graph_get_matched_fraction (graph), 1.0, 1e-9);
  g_assert_cmpstr (pyr_profile_page_get_matched_text (page), ==, "Matched: 100.0%");

  /* c or d: 9 of 14 */
  pyr_profile_page_set_search (page, "[cd]", TRUE);
  g_assert_cmpfloat_with_epsilon (pyr_flame_graph_get_matched_fraction (graph), 9.0 / 14.0, 1e-9);
  /* Enter steps through them left to right, wrapping; Shift+Enter goes back */
  {
    PyrFlameTree *tree = pyr_flame_graph_get_tree (graph);
    guint32 first = pyr_flame_graph_select_match (graph, TRUE);
    guint32 second = pyr_flame_graph_select_match (graph, TRUE);

    g_assert_cmpstr (pyr_flame_tree_get_name (tree, first), ==, "c");
    g_assert_cmpstr (pyr_flame_tree_get_name (tree, second), ==, "d");
    g_assert_cmpuint (pyr_flame_graph_select_match (graph, TRUE), ==, first);
    g_assert_cmpuint (pyr_flame_graph_select_match (graph, FALSE), ==, second);
  }
  /* the functions table shows only the matching functions */
  g_assert_cmpuint (pyr_functions_view_get_n_rows (pyr_profile_page_get_functions_view (page)), ==, 2);

  /* Ctrl+F is the window's find action: it opens the page's search */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.find", NULL));
  iterate_main_loop ();
  {
    GtkWidget *bar = gtk_widget_get_ancestor (gtk_window_get_focus (GTK_WINDOW (window)), GTK_TYPE_SEARCH_BAR);

    g_assert_nonnull (bar);
    g_assert_true (gtk_search_bar_get_search_mode (GTK_SEARCH_BAR (bar)));
  }

  pyr_profile_page_set_search (page, "", FALSE);
  g_assert_false (pyr_flame_graph_get_search_active (graph));
  g_assert_null (pyr_profile_page_get_matched_text (page));
  g_assert_cmpuint (pyr_functions_view_get_n_rows (pyr_profile_page_get_functions_view (page)), ==, 4);

  close_window (window);
}

static void
test_recursion_search_counts_once (void)
{
  PyrProfilePage *page;
  PyrWindow *window = open_fixture ("folded/recursion.txt", &page);
  PyrFlameGraph *graph = pyr_profile_page_get_flame_graph (page);

  /* recursion.txt: 10 samples; b appears in 9 stacks (all but "a;a"), often several times */
  pyr_profile_page_set_search (page, "b", FALSE);
  g_assert_cmpfloat_with_epsilon (pyr_flame_graph_get_matched_fraction (graph), 0.9, 1e-9);

  close_window (window);
}

static const char *
row_name (PyrFunctionTable *table,
          guint32           row)
{
  PyrProfile *profile = pyr_call_tree_get_profile (pyr_function_table_get_tree (table));

  /* a per-line row has no name: its frame has */
  if (pyr_function_table_get_key (table) == PYR_FUNCTION_TABLE_BY_LINE)
    return pyr_profile_get_string (profile, pyr_profile_get_frame_name (profile, pyr_function_table_get_frame (table, row)));
  return pyr_profile_get_string (profile, pyr_function_table_get_name (table, row));
}

static const char *
row_file (PyrFunctionTable *table,
          guint32           row)
{
  PyrProfile *profile = pyr_call_tree_get_profile (pyr_function_table_get_tree (table));

  return pyr_profile_get_string (profile, pyr_function_table_get_file (table, row));
}

static gboolean
table_changed (gpointer data)
{
  gpointer *args = data;

  return pyr_functions_view_get_table (args[0]) != args[1];
}

static void
test_functions_table_hottest_first (void)
{
  PyrProfilePage *page;
  PyrWindow *window;
  PyrFunctionsView *functions;
  PyrFunctionTable *table;
  guint32 top;

  if (!pyr_format_can_import (PYR_FORMAT_FLAMEGRAPH_SVG))
    {
      g_test_skip ("this build's loader does not read flame graph SVGs yet (the SVG importer is not wired)");
      return;
    }

  window = open_fixture ("svg/py-spy-readme-inferno07.svg", &page);
  g_assert_cmpint (pyr_profile_page_get_state (page), ==, PYR_PROFILE_PAGE_READY);
  functions = pyr_profile_page_get_functions_view (page);
  table = pyr_functions_view_get_table (functions);

  /* By hand from the SVG's frames: fit (implicit/als.py) has 1442 of 2893 samples of self
   * time over its lines, ahead of _wrapfunc (numpy/core/fromnumeric.py) with 813. */
  top = pyr_functions_view_get_row_function (functions, 0);
  g_assert_cmpstr (row_name (table, top), ==, "fit");
  g_assert_cmpstr (row_file (table, top), ==, "implicit/als.py");
  top = pyr_functions_view_get_row_function (functions, 1);
  g_assert_cmpstr (row_name (table, top), ==, "_wrapfunc");

  /* per line, numpy's _wrapfunc line 51 (813) beats fit's hottest line, 163 (804) */
  {
    gpointer args[2] = { functions, table };

    pyr_profile_page_set_by_line (page, TRUE);
    wait_for (table_changed, args);
  }
  table = pyr_functions_view_get_table (functions);
  g_assert_cmpint (pyr_function_table_get_key (table), ==, PYR_FUNCTION_TABLE_BY_LINE);
  top = pyr_functions_view_get_row_function (functions, 0);
  g_assert_cmpstr (row_name (table, top), ==, "_wrapfunc");
  g_assert_cmpint (pyr_function_table_get_line (table, top), ==, 51);
  g_assert_cmpfloat (pyr_function_table_get_self (table, top), ==, 813);
  top = pyr_functions_view_get_row_function (functions, 1);
  g_assert_cmpint (pyr_function_table_get_line (table, top), ==, 163);

  close_window (window);
}

static void
test_functions_table_sorted_and_linked (void)
{
  PyrProfilePage *page;
  PyrWindow *window = open_fixture ("folded/simple.txt", &page);
  PyrFunctionsView *functions = pyr_profile_page_get_functions_view (page);
  PyrFunctionTable *table = pyr_functions_view_get_table (functions);
  PyrFlameGraph *graph = pyr_profile_page_get_flame_graph (page);
  PyrFlameTree *tree = pyr_flame_graph_get_tree (graph);
  guint32 fn;

  /* self: b 5, c 5, d 4, a 0 — sorted by self, heaviest first */
  g_assert_cmpuint (pyr_functions_view_get_n_rows (functions), ==, 4);
  fn = pyr_functions_view_get_row_function (functions, 2);
  g_assert_cmpstr (row_name (table, fn), ==, "d");
  g_assert_cmpfloat (pyr_function_table_get_self (table, fn), ==, 4);
  fn = pyr_functions_view_get_row_function (functions, 3);
  g_assert_cmpstr (row_name (table, fn), ==, "a");
  g_assert_cmpfloat (pyr_function_table_get_self (table, fn), ==, 0);
  g_assert_cmpfloat (pyr_function_table_get_total (table, fn), ==, 14);

  /* selecting d in the table selects its frame in the flame graph; b is its one caller */
  fn = pyr_functions_view_get_row_function (functions, 2);
  pyr_functions_view_select_function (functions, fn);
  g_assert_cmpstr (pyr_flame_tree_get_name (tree, pyr_flame_graph_get_selected_node (graph)), ==, "d");
  g_assert_cmpuint (pyr_functions_view_get_n_callers (functions), ==, 1);
  g_assert_cmpuint (pyr_functions_view_get_n_callees (functions), ==, 0);

  /* and the other way round: selecting a frame selects its function's row */
  pyr_flame_graph_set_selected_node (graph, pyr_flame_tree_get_parent (tree, pyr_flame_graph_get_selected_node (graph)));
  fn = pyr_functions_view_get_selected_function (functions);
  g_assert_cmpstr (row_name (table, fn), ==, "b");
  g_assert_cmpuint (pyr_functions_view_get_n_callees (functions), ==, 2);

  close_window (window);
}

static gboolean
tree_changed (gpointer data)
{
  gpointer *args = data;

  return pyr_flame_graph_get_tree (args[0]) != args[1] && !pyr_flame_graph_get_layout_pending (args[0]);
}

static void
test_time_order (void)
{
  PyrProfilePage *page;
  PyrWindow *window = open_fixture ("folded/alternating.txt", &page);
  PyrFlameGraph *graph = pyr_profile_page_get_flame_graph (page);
  gpointer args[2] = { graph, pyr_flame_graph_get_tree (graph) };
  PyrFlameTree *tree;
  guint n;

  /* merged: a;b and c;d */
  pyr_flame_tree_get_children (args[1], 0, &n);
  g_assert_cmpuint (n, ==, 2);

  /* in time order the file alternates a;b, c;d, ...: one run per line */
  pyr_profile_page_set_time_order (page, TRUE);
  wait_for (tree_changed, args);
  tree = pyr_flame_graph_get_tree (graph);
  g_assert_cmpint (pyr_call_tree_get_kind (pyr_flame_tree_get_call_tree (tree)), ==, PYR_CALL_TREE_TIME_ORDER);
  pyr_flame_tree_get_children (tree, 0, &n);
  g_assert_cmpuint (n, ==, pyr_profile_get_n_samples (pyr_flame_tree_get_profile (tree)));
  g_assert_cmpuint (n, >, 100);
  g_assert_cmpstr (pyr_flame_tree_get_name (tree, pyr_flame_tree_get_children (tree, 0, &n)[0]), ==, "a");
  g_assert_cmpstr (pyr_flame_tree_get_name (tree, pyr_flame_tree_get_children (tree, 0, &n)[1]), ==, "c");
  g_assert_nonnull (pyr_flame_graph_get_layout (graph));

  close_window (window);
}

static GtkWidget *
find_action_row (GtkWidget  *root,
                 const char *title)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (ADW_IS_ACTION_ROW (child) &&
          g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (child)), title) == 0)
        return child;
      if ((found = find_action_row (child, title)))
        return found;
    }
  return NULL;
}

static gboolean
recent_has (gpointer data)
{
  return gtk_recent_manager_has_item (gtk_recent_manager_get_default (), data);
}

static gboolean
window_lists_recent (gpointer data)
{
  return find_action_row (data, "recursion.txt") != NULL;
}

static void
test_recent_profiles_on_empty_page (void)
{
  PyrProfilePage *page;
  PyrWindow *window = open_fixture ("folded/recursion.txt", &page);
  g_autofree char *uri = g_file_get_uri (pyr_profile_page_get_file (page));
  PyrWindow *second;
  GtkWidget *row;

  g_assert_cmpint (pyr_profile_page_get_state (page), ==, PYR_PROFILE_PAGE_READY);
  wait_for (recent_has, uri);
  close_window (window);

  /* a new window offers it on its empty page; activating the row opens it */
  second = new_window ();
  wait_for (window_lists_recent, second);
  row = find_action_row (GTK_WIDGET (second), "recursion.txt");
  g_assert_true (gtk_widget_is_visible (row));
  g_signal_emit_by_name (gtk_widget_get_parent (row), "row-activated", row);
  g_assert_cmpint (adw_tab_view_get_n_pages (pyr_window_get_tab_view (second)), ==, 1);
  wait_for (pages_settled, pyr_window_get_tab_view (second));
  g_assert_cmpstr (pyr_profile_page_get_title (nth_page (second, 0)), ==, "recursion.txt");

  close_window (second);
}

static guint32
child_named (PyrFlameTree *tree,
             guint32       node,
             const char   *name)
{
  guint n;
  const guint32 *children = pyr_flame_tree_get_children (tree, node, &n);

  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (pyr_flame_tree_get_name (tree, children[i]), name) == 0)
      return children[i];
  return PYR_ID_NONE;
}

static void
on_text_read (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  char **text = user_data;

  *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (object), result, NULL);
  if (*text == NULL)
    *text = g_strdup ("");
}

static gboolean
is_set (gpointer data)
{
  return *(char **) data != NULL;
}

static void
test_frame_menu_focus_hide_copy (void)
{
  PyrProfilePage *page;
  PyrWindow *window = open_fixture ("folded/simple.txt", &page);
  PyrFlameGraph *graph = pyr_profile_page_get_flame_graph (page);
  PyrFunctionsView *functions = pyr_profile_page_get_functions_view (page);
  gpointer args[2] = { graph, pyr_flame_graph_get_tree (graph) };
  PyrFlameTree *tree = args[1];
  guint32 a, b, c, d;
  g_autofree char *copied = NULL;
  GtkWidget *popover;

  a = child_named (tree, 0, "a");
  b = child_named (tree, a, "b");
  c = child_named (tree, b, "c");
  g_assert_cmpuint (c, !=, PYR_ID_NONE);

  /* the menu opens on a frame and selects it */
  g_assert_true (pyr_flame_graph_popup_menu (graph, c));
  popover = gtk_widget_get_last_child (GTK_WIDGET (graph));
  g_assert_true (GTK_IS_POPOVER_MENU (popover));
  iterate_main_loop ();
  g_assert_true (gtk_widget_get_visible (popover));
  gtk_popover_popdown (GTK_POPOVER (popover));
  g_assert_cmpuint (pyr_flame_graph_get_selected_node (graph), ==, c);

  /* copy the name */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "page.copy-name", NULL));
  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (GTK_WIDGET (page)), NULL, on_text_read, &copied);
  wait_for (is_set, &copied);
  g_assert_cmpstr (copied, ==, "c");

  /* hide c: its 5 samples go to b, whose self becomes 10 */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "page.hide", NULL));
  wait_for (tree_changed, args);
  tree = args[1] = pyr_flame_graph_get_tree (graph);
  b = child_named (tree, child_named (tree, 0, "a"), "b");
  g_assert_cmpfloat (pyr_flame_tree_get_self (tree, b), ==, 10);
  g_assert_cmpuint (child_named (tree, b, "c"), ==, PYR_ID_NONE);
  g_assert_cmpuint (pyr_functions_view_get_n_rows (functions), ==, 3);

  /* focus on d: only its 4 samples, rooted at d */
  d = child_named (tree, b, "d");
  pyr_flame_graph_set_selected_node (graph, d);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "page.focus", NULL));
  wait_for (tree_changed, args);
  tree = args[1] = pyr_flame_graph_get_tree (graph);
  g_assert_cmpfloat (pyr_flame_tree_get_total (tree, 0), ==, 4);

  /* and back to everything */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "page.show-everything", NULL));
  wait_for (tree_changed, args);
  tree = pyr_flame_graph_get_tree (graph);
  g_assert_cmpfloat (pyr_flame_tree_get_total (tree, 0), ==, 14);
  g_assert_cmpuint (pyr_functions_view_get_n_rows (functions), ==, 4);

  close_window (window);
}

static GtkDropTarget *
find_drop_target (GtkWidget *widget)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_DROP_TARGET (controller))
        return GTK_DROP_TARGET (controller);
    }
  return NULL;
}

static void
test_drop_opens_tabs (void)
{
  PyrWindow *window = new_window ();
  AdwTabView *view = pyr_window_get_tab_view (window);
  g_autofree char *a = fixture_path ("folded/simple.txt");
  g_autofree char *b = fixture_path ("folded/alternating.txt");
  GFile *files[2] = { g_file_new_for_path (a), g_file_new_for_path (b) };
  GdkFileList *list = gdk_file_list_new_from_array (files, 2);
  GtkDropTarget *target = find_drop_target (GTK_WIDGET (window));
  g_auto(GValue) value = G_VALUE_INIT;
  const GType *types;
  gsize n_types;
  gboolean accepted = FALSE;

  g_assert_nonnull (target);
  types = gtk_drop_target_get_gtypes (target, &n_types);
  g_assert_cmpuint (n_types, ==, 1);
  g_assert_true (types[0] == GDK_TYPE_FILE_LIST);

  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&value, list);
  g_signal_emit_by_name (target, "drop", &value, 10.0, 10.0, &accepted);
  g_assert_true (accepted);
  g_assert_cmpint (adw_tab_view_get_n_pages (view), ==, 2);
  wait_for (pages_settled, view);
  g_assert_cmpstr (pyr_profile_page_get_title (nth_page (window, 0)), ==, "simple.txt");
  g_assert_cmpstr (pyr_profile_page_get_title (nth_page (window, 1)), ==, "alternating.txt");
  g_assert_cmpint (pyr_profile_page_get_state (nth_page (window, 1)), ==, PYR_PROFILE_PAGE_READY);
  /* the last dropped file is in front */
  g_assert_true (pyr_window_get_current_page (window) == nth_page (window, 1));

  g_object_unref (files[0]);
  g_object_unref (files[1]);
  close_window (window);
}

static void
test_invalid_file_leaves_other_tabs_alone (void)
{
  PyrWindow *window = new_window ();
  AdwTabView *view = pyr_window_get_tab_view (window);
  g_autofree char *good_path = fixture_path ("folded/simple.txt");
  g_autofree char *bad_path = g_build_filename (g_get_tmp_dir (), "pyrometer-test-not-a-profile.txt", NULL);
  g_autoptr(GFile) good = g_file_new_for_path (good_path);
  g_autoptr(GFile) bad = NULL;
  PyrProfilePage *good_page, *bad_page;
  PyrFlameTree *tree;

  g_assert_true (g_file_set_contents (bad_path, "this is not a profile\n\x01\x02\x03", -1, NULL));
  bad = g_file_new_for_path (bad_path);

  pyr_window_open_files (window, &good, 1);
  wait_for (pages_settled, view);
  good_page = nth_page (window, 0);
  g_assert_cmpint (pyr_profile_page_get_state (good_page), ==, PYR_PROFILE_PAGE_READY);
  tree = pyr_flame_graph_get_tree (pyr_profile_page_get_flame_graph (good_page));

  pyr_window_open_files (window, &bad, 1);
  wait_for (pages_settled, view);
  bad_page = nth_page (window, 1);
  g_assert_cmpint (pyr_profile_page_get_state (bad_page), ==, PYR_PROFILE_PAGE_ERROR);
  g_assert_nonnull (strstr (pyr_profile_page_get_error_message (bad_page), "pyrometer-test-not-a-profile.txt"));
  /* the tab is marked, and the good one is untouched */
  g_assert_nonnull (adw_tab_page_get_indicator_icon (adw_tab_view_get_nth_page (view, 1)));
  g_assert_null (adw_tab_page_get_indicator_icon (adw_tab_view_get_nth_page (view, 0)));
  g_assert_cmpint (adw_tab_view_get_n_pages (view), ==, 2);
  g_assert_cmpint (pyr_profile_page_get_state (good_page), ==, PYR_PROFILE_PAGE_READY);
  g_assert_true (pyr_flame_graph_get_tree (pyr_profile_page_get_flame_graph (good_page)) == tree);

  g_unlink (bad_path);
  close_window (window);
}

static void
test_command_line_files_open_in_tabs (void)
{
  g_autofree char *a = fixture_path ("folded/simple.txt");
  g_autofree char *b = fixture_path ("folded/recursion.txt");
  GFile *files[2] = { g_file_new_for_path (a), g_file_new_for_path (b) };
  GtkWindow *window;
  AdwTabView *view;

  /* what `pyrometer a b` ends in: GApplication::open with both files */
  g_application_open (G_APPLICATION (test_app), files, 2, "");
  window = gtk_application_get_active_window (GTK_APPLICATION (test_app));
  g_assert_true (PYR_IS_WINDOW (window));
  view = pyr_window_get_tab_view (PYR_WINDOW (window));
  g_assert_cmpint (adw_tab_view_get_n_pages (view), ==, 2);
  wait_for (pages_settled, view);
  g_assert_cmpstr (pyr_profile_page_get_title (nth_page (PYR_WINDOW (window), 1)), ==, "recursion.txt");

  g_object_unref (files[0]);
  g_object_unref (files[1]);
  close_window (PYR_WINDOW (window));
}

static GtkWidget *
find_button_with_label (GtkWidget  *root,
                        const char *label)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_BUTTON (child) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (child)), label) == 0)
        return child;
      if ((found = find_button_with_label (child, label)))
        return found;
    }
  return NULL;
}

static gboolean
has_progress (gpointer data)
{
  PyrProfilePage *page = data;

  return pyr_profile_page_get_progress (page) > 0 || pyr_profile_page_get_state (page) != PYR_PROFILE_PAGE_LOADING;
}

static gboolean
no_pages (gpointer data)
{
  return adw_tab_view_get_n_pages (ADW_TAB_VIEW (data)) == 0;
}

static void
test_big_file_shows_progress_and_cancels (void)
{
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "pyrometer-test-big.folded", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GString) text = g_string_new (NULL);
  PyrWindow *window = new_window ();
  AdwTabView *view = pyr_window_get_tab_view (window);
  PyrProfilePage *page;
  GtkWidget *cancel;

  /* ~40 MB of distinct 24-deep stacks: long enough to load that progress shows */
  for (guint i = 0; i < 200000; i++)
    {
      for (guint d = 0; d < 24; d++)
        g_string_append_printf (text, "%sfn_%u_%u", d ? ";" : "", d, (i >> (d % 12)) % 97);
      g_string_append (text, " 1\n");
    }
  g_assert_true (g_file_set_contents (path, text->str, text->len, NULL));

  pyr_window_open_files (window, &file, 1);
  page = nth_page (window, 0);
  g_assert_cmpint (pyr_profile_page_get_state (page), ==, PYR_PROFILE_PAGE_LOADING);
  g_assert_true (adw_tab_page_get_loading (adw_tab_view_get_nth_page (view, 0)));
  cancel = find_button_with_label (GTK_WIDGET (page), "_Cancel");
  g_assert_nonnull (cancel);
  g_assert_true (gtk_widget_is_visible (cancel));

  wait_for (has_progress, page);
  if (pyr_profile_page_get_state (page) == PYR_PROFILE_PAGE_LOADING)
    {
      g_assert_cmpfloat (pyr_profile_page_get_progress (page), >, 0);
      g_assert_cmpfloat (pyr_profile_page_get_progress (page), <=, 1);
      /* Cancel stops the import and closes its tab */
      g_signal_emit_by_name (cancel, "clicked");
      wait_for (no_pages, view);
    }
  else
    g_test_message ("the file loaded before progress was seen; nothing to cancel");

  g_unlink (path);
  close_window (window);
}

/* Presses a key through the widget's own key bindings, as the keyboard would. */
static void
press_key (GtkWidget      *widget,
           guint           keyval,
           GdkModifierType mods)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  /* the class's key bindings live in the widget's shortcut controller */
  for (guint c = 0; c < g_list_model_get_n_items (controllers); c++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, c);
      GListModel *shortcuts;

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      shortcuts = G_LIST_MODEL (controller);
  for (guint i = 0; i < g_list_model_get_n_items (shortcuts); i++)
    {
      g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (shortcuts, i);
      GtkShortcutTrigger *trigger = gtk_shortcut_get_trigger (shortcut);

      if (GTK_IS_KEYVAL_TRIGGER (trigger) &&
          gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (trigger)) == keyval &&
          gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (trigger)) == mods)
        {
          g_assert_true (gtk_shortcut_action_activate (gtk_shortcut_get_action (shortcut), 0, widget,
                                                       gtk_shortcut_get_arguments (shortcut)));
          return;
        }
    }
    }
  g_error ("no key binding for %s", gdk_keyval_name (keyval));
}

static void
test_keyboard_navigation (void)
{
  PyrProfilePage *page;
  PyrWindow *window = open_fixture ("folded/simple.txt", &page);
  PyrFlameGraph *graph = pyr_profile_page_get_flame_graph (page);
  PyrFlameTree *tree = pyr_flame_graph_get_tree (graph);
  GtkWidget *w = GTK_WIDGET (graph);
  guint32 c;

  g_assert_true (gtk_widget_get_focusable (w));
  gtk_widget_grab_focus (w);

  press_key (w, GDK_KEY_Down, 0);          /* nothing selected: the root */
  g_assert_cmpuint (pyr_flame_graph_get_selected_node (graph), ==, 0);
  press_key (w, GDK_KEY_Down, 0);
  press_key (w, GDK_KEY_Down, 0);
  press_key (w, GDK_KEY_Down, 0);          /* all → a → b → c, the widest child */
  c = pyr_flame_graph_get_selected_node (graph);
  g_assert_cmpstr (pyr_flame_tree_get_name (tree, c), ==, "c");
  press_key (w, GDK_KEY_Right, 0);         /* its sibling d */
  g_assert_cmpstr (pyr_flame_tree_get_name (tree, pyr_flame_graph_get_selected_node (graph)), ==, "d");
  press_key (w, GDK_KEY_Left, 0);
  g_assert_cmpuint (pyr_flame_graph_get_selected_node (graph), ==, c);

  press_key (w, GDK_KEY_Return, 0);        /* zoom into c */
  g_assert_cmpuint (pyr_flame_graph_get_zoom_node (graph), ==, c);
  wait_for (layout_ready, graph);
  press_key (w, GDK_KEY_Escape, 0);        /* and back out */
  g_assert_cmpuint (pyr_flame_graph_get_zoom_node (graph), ==, 0);
  wait_for (layout_ready, graph);

  press_key (w, GDK_KEY_plus, 0);          /* one level towards the selection: a */
  g_assert_cmpstr (pyr_flame_tree_get_name (tree, pyr_flame_graph_get_zoom_node (graph)), ==, "a");
  press_key (w, GDK_KEY_plus, 0);
  g_assert_cmpstr (pyr_flame_tree_get_name (tree, pyr_flame_graph_get_zoom_node (graph)), ==, "b");
  press_key (w, GDK_KEY_minus, 0);
  g_assert_cmpstr (pyr_flame_tree_get_name (tree, pyr_flame_graph_get_zoom_node (graph)), ==, "a");
  press_key (w, GDK_KEY_0, 0);
  g_assert_cmpuint (pyr_flame_graph_get_zoom_node (graph), ==, 0);
  wait_for (layout_ready, graph);

  press_key (w, GDK_KEY_Up, 0);            /* from c up to b */
  g_assert_cmpstr (pyr_flame_tree_get_name (tree, pyr_flame_graph_get_selected_node (graph)), ==, "b");

  /* in a flame (root at the bottom) the arrows follow the picture */
  pyr_flame_graph_set_orientation (graph, PYR_FLAME_ORIENTATION_FLAME);
  press_key (w, GDK_KEY_Up, 0);
  g_assert_cmpstr (pyr_flame_tree_get_name (tree, pyr_flame_graph_get_selected_node (graph)), ==, "c");

  close_window (window);
}

static void
test_tooltip_text (void)
{
  PyrProfilePage *page;
  PyrWindow *window = open_fixture ("folded/simple.txt", &page);
  PyrFlameGraph *graph = pyr_profile_page_get_flame_graph (page);
  PyrFlameTree *tree = pyr_flame_graph_get_tree (graph);
  const guint32 *children;
  guint n;
  g_autofree char *markup = NULL;

  children = pyr_flame_tree_get_children (tree, 0, &n);   /* a */
  children = pyr_flame_tree_get_children (tree, children[0], &n);  /* b: total 14, self 5 */
  markup = pyr_flame_graph_dup_node_markup (graph, children[0]);
  g_test_message ("%s", markup);
  g_assert_nonnull (strstr (markup, "<b>b</b>"));
  g_assert_nonnull (strstr (markup, "14 samples"));
  g_assert_nonnull (strstr (markup, "100.00%"));
  g_assert_nonnull (strstr (markup, "5 samples"));
  g_assert_nonnull (strstr (markup, "35.71%"));

  close_window (window);
}

static gboolean
png_size (const char *path,
          int        *width,
          int        *height)
{
  cairo_surface_t *surface = cairo_image_surface_create_from_png (path);
  gboolean ok = cairo_surface_status (surface) == CAIRO_STATUS_SUCCESS;

  *width = cairo_image_surface_get_width (surface);
  *height = cairo_image_surface_get_height (surface);
  cairo_surface_destroy (surface);
  return ok;
}

static void
test_export_pictures (void)
{
  PyrProfilePage *page;
  PyrWindow *window = open_fixture ("folded/recursion.txt", &page);
  PyrFlameGraph *graph = pyr_profile_page_get_flame_graph (page);
  const char *builddir = g_getenv ("G_TEST_BUILDDIR");
  static const char *const names[] = { "flame-recursion.png", "flame-recursion.svg", "flame-recursion.pdf" };
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) bad = g_file_new_for_path ("/tmp/picture.bmp");

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (builddir ? builddir : ".", names[i], NULL);
      g_autoptr(GFile) file = g_file_new_for_path (path);
      g_autofree char *data = NULL;
      gsize len;

      g_assert_true (pyr_flame_graph_export_image (graph, file, &error));
      g_assert_no_error (error);
      g_assert_true (g_file_get_contents (path, &data, &len, NULL));
      g_assert_cmpuint (len, >, 100);
      if (i == 0)
        {
          int width, height;

          g_assert_true (png_size (path, &width, &height));
          g_assert_cmpint (width, ==, gtk_widget_get_width (GTK_WIDGET (graph)));
          /* recursion.txt is 6 frames deep, plus "all" */
          g_assert_cmpint (height, >=, 7 * PYR_FLAME_GRAPH_ROW_HEIGHT);
        }
      else if (i == 1)
        g_assert_nonnull (strstr (data, "<svg"));
      else
        g_assert_true (g_str_has_prefix (data, "%PDF"));
    }

  g_assert_false (pyr_flame_graph_export_image (graph, bad, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME);

  close_window (window);
}

static void
test_save_profile_round_trip (void)
{
  PyrProfilePage *page;
  PyrWindow *window = open_fixture ("folded/simple.txt", &page);
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "pyrometer-test-saved.folded", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(PyrProfile) again = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (pyr_format_can_export (PYR_FORMAT_FOLDED));
  g_assert_true (pyr_profile_save_file (pyr_profile_page_get_profile (page), PYR_FORMAT_FOLDED, file, NULL, &error));
  g_assert_no_error (error);
  again = pyr_profile_load_file (file, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (pyr_profile_get_total_weight (again), ==, 14);

  g_unlink (path);
  close_window (window);
}

static gboolean
window_drawn (gpointer data)
{
  GtkWidget *window = data;

  return gtk_widget_get_mapped (window) && gtk_widget_get_width (window) > 0;
}

static void
write_window_png (GtkWidget  *window,
                  const char *name)
{
  const char *builddir = g_getenv ("G_TEST_BUILDDIR");
  g_autofree char *path = g_build_filename (builddir ? builddir : ".", name, NULL);
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (window);
  int width = gtk_widget_get_width (window);
  int height = gtk_widget_get_height (window);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  GskRenderNode *node;
  cairo_surface_t *surface;
  cairo_t *cr;

  wait_for (window_drawn, window);
  /* the paintable has nothing until the window's first frame is done: retry for a while */
  for (guint attempt = 0; ; attempt++)
    {
      width = gtk_widget_get_width (window);
      height = gtk_widget_get_height (window);
      gdk_paintable_snapshot (paintable, snapshot, width, height);
      node = gtk_snapshot_free_to_node (snapshot);
      if (node != NULL || attempt == 200)
        break;
      snapshot = gtk_snapshot_new ();
      g_usleep (10000);
      iterate_main_loop ();
    }
  g_assert_nonnull (node);
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cr = cairo_create (surface);
  gsk_render_node_draw (node, cr);
  cairo_destroy (cr);
  g_assert_cmpint (cairo_surface_write_to_png (surface, path), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (surface);
  gsk_render_node_unref (node);
  g_test_message ("wrote %s", path);
}

/* Pictures of the page for a person to look at: zoomed with a search, the table, dark style. */
static void
test_render_page_pictures (void)
{
  PyrProfilePage *page;
  PyrWindow *window;
  PyrFlameGraph *graph;
  PyrFunctionsView *functions;
  PyrFlameTree *tree;
  const guint32 *children;
  guint n;

  if (!pyr_format_can_import (PYR_FORMAT_FLAMEGRAPH_SVG))
    {
      g_test_skip ("this build's loader does not read flame graph SVGs yet");
      return;
    }

  window = open_fixture ("svg/py-spy-readme-inferno07.svg", &page);
  graph = pyr_profile_page_get_flame_graph (page);
  functions = pyr_profile_page_get_functions_view (page);
  tree = pyr_flame_graph_get_tree (graph);

  children = pyr_flame_tree_get_children (tree, 0, &n);
  children = pyr_flame_tree_get_children (tree, children[0], &n);   /* <module> → calculate_similar_artists */
  g_assert_cmpuint (n, >, 0);
  pyr_flame_graph_zoom_to (graph, children[0]);
  pyr_flame_graph_set_selected_node (graph, children[0]);
  pyr_profile_page_set_search (page, "fit", FALSE);
  wait_for (layout_ready, graph);
  iterate_main_loop ();
  write_window_png (GTK_WIDGET (window), "page-zoomed-search.png");

  pyr_profile_page_set_search (page, "", FALSE);
  pyr_profile_page_show_view (page, "functions");
  pyr_functions_view_select_function (functions, pyr_functions_view_get_row_function (functions, 0));
  iterate_main_loop ();
  g_assert_cmpuint (pyr_functions_view_get_n_callers (functions), >, 0);
  write_window_png (GTK_WIDGET (window), "page-functions.png");

  pyr_profile_page_show_view (page, "flame");
  pyr_flame_graph_go_home (graph);
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  wait_for (layout_ready, graph);
  iterate_main_loop ();
  write_window_png (GTK_WIDGET (window), "page-dark.png");

  /* heat in the dark style, with a frame selected for the details pane */
  pyr_profile_page_set_color_by (page, "heat");
  pyr_flame_graph_set_selected_node (graph, children[0]);
  iterate_main_loop ();
  write_window_png (GTK_WIDGET (window), "page-heat-dark.png");
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
  pyr_profile_page_set_color_by (page, "file");
  iterate_main_loop ();
  write_window_png (GTK_WIDGET (window), "page-file.png");
  pyr_profile_page_set_color_by (page, "heat");
  iterate_main_loop ();
  write_window_png (GTK_WIDGET (window), "page-heat.png");
  pyr_profile_page_set_color_by (page, "module");

  close_window (window);
}

/* ---- live mode ---- */

typedef struct
{
  PyrProfile *profile;
  guint32     thread;
  gint64      time;
  guint       n_added;
} LiveFeed;

/* Appends n samples of a stack written "a;b;c", as a recorder would. */
static void
live_append (LiveFeed   *feed,
             const char *path,
             guint       n)
{
  g_auto(GStrv) names = g_strsplit (path, ";", -1);
  guint32 file = pyr_profile_intern_string (feed->profile, "live.py", -1);
  guint32 node = PYR_STACK_ROOT;

  /* "name@file.py" gives a frame its own file */
  for (guint i = 0; names[i] != NULL; i++)
    {
      char *at = strchr (names[i], '@');
      guint32 name, frame;

      if (at != NULL)
        *at = '\0';
      name = pyr_profile_intern_string (feed->profile, names[i], -1);
      frame = pyr_profile_intern_frame (feed->profile, name,
                                        at ? pyr_profile_intern_string (feed->profile, at + 1, -1) : file,
                                        0, PYR_FRAME_PYTHON);

      node = pyr_profile_intern_stack (feed->profile, node, frame);
    }
  for (guint i = 0; i < n; i++)
    {
      feed->time += 10000000;
      pyr_profile_append_sample (feed->profile, feed->time, feed->thread, node, 1, 0);
    }
  feed->n_added += n;
}

static gboolean
live_feed_tick (gpointer user_data)
{
  live_append (user_data, "main;work;inner", 1);
  return G_SOURCE_CONTINUE;
}

typedef struct
{
  PyrProfilePage *page;
  double          total;
} LiveWait;

static gboolean
live_shows (gpointer data)
{
  LiveWait *wait = data;
  PyrFlameGraph *graph = pyr_profile_page_get_flame_graph (wait->page);
  PyrFlameTree *tree = pyr_flame_graph_get_tree (graph);

  return tree != NULL && !pyr_profile_page_get_views_pending (wait->page) &&
         !pyr_flame_graph_get_layout_pending (graph) &&
         pyr_flame_tree_get_total (tree, 0) == wait->total;
}

static void
run_main_loop_for (guint ms)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add (ms, timed_out, &expired);

  while (!expired)
    g_main_context_iteration (NULL, TRUE);
  (void) id;
}

static void
count_notify (guint *counter)
{
  (*counter)++;
}

static const char *
function_name (PyrFunctionsView *view,
               PyrProfile       *profile)
{
  PyrFunctionTable *table = pyr_functions_view_get_table (view);
  guint32 function = pyr_functions_view_get_selected_function (view);

  if (function == PYR_ID_NONE)
    return NULL;
  return pyr_profile_get_string (profile, pyr_function_table_get_name (table, function));
}

static void
test_live_mode_keeps_view_state (void)
{
  g_autoptr(PyrProfile) profile = pyr_profile_new ();
  LiveFeed feed = { profile, 0, 0, 0 };
  PyrProfilePage *page;
  PyrFlameGraph *graph;
  PyrFunctionsView *functions;
  PyrFlameTree *tree;
  GtkWidget *window;
  guint32 work, inner;
  guint rebuilds = 0, feeder;
  LiveWait wait;

  feed.thread = pyr_profile_add_thread (profile, 1, 1, "MainThread");
  live_append (&feed, "main;work;inner", 10);
  live_append (&feed, "main;other", 5);

  page = pyr_profile_page_new_for_profile (profile, "Live");
  g_assert_cmpint (pyr_profile_page_get_state (page), ==, PYR_PROFILE_PAGE_READY);
  g_assert_null (pyr_profile_page_get_file (page));
  g_assert_cmpstr (pyr_profile_page_get_title (page), ==, "Live");
  g_assert_true (pyr_profile_page_get_profile (page) == profile);
  graph = pyr_profile_page_get_flame_graph (page);
  functions = pyr_profile_page_get_functions_view (page);

  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 600);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (page));
  gtk_window_present (GTK_WINDOW (window));

  pyr_profile_page_set_live (page, TRUE);
  g_assert_true (pyr_profile_page_get_live (page));
  wait = (LiveWait) { page, 15 };
  wait_for (live_shows, &wait);
  wait_for (graph_allocated, graph);

  /* the person zooms into work, selects inner and searches for it */
  tree = pyr_flame_graph_get_tree (graph);
  work = child_named (tree, child_named (tree, 0, "main"), "work");
  inner = child_named (tree, work, "inner");
  g_assert_cmpuint (inner, !=, PYR_ID_NONE);
  pyr_flame_graph_zoom_to (graph, work);
  pyr_flame_graph_set_selected_node (graph, inner);
  pyr_profile_page_set_search (page, "inner", FALSE);
  g_assert_cmpstr (function_name (functions, profile), ==, "inner");
  g_assert_cmpfloat_with_epsilon (pyr_flame_graph_get_matched_fraction (graph), 10.0 / 15, 1e-9);

  /* the recording goes on: other overtakes work, so the tree's order changes */
  g_signal_connect_swapped (graph, "notify::tree", G_CALLBACK (count_notify), &rebuilds);
  live_append (&feed, "main;other;x", 20);
  live_append (&feed, "main;work;inner", 5);
  wait = (LiveWait) { page, 40 };
  wait_for (live_shows, &wait);
  g_assert_cmpuint (rebuilds, >=, 1);

  tree = pyr_flame_graph_get_tree (graph);
  work = pyr_flame_graph_get_zoom_node (graph);
  g_assert_cmpstr (pyr_flame_tree_get_name (tree, work), ==, "work");
  g_assert_cmpstr (pyr_flame_tree_get_name (tree, pyr_flame_tree_get_parent (tree, work)), ==, "main");
  g_assert_cmpfloat (pyr_flame_tree_get_total (tree, work), ==, 15);
  g_assert_cmpuint (pyr_flame_graph_get_selected_node (graph), !=, PYR_ID_NONE);
  g_assert_cmpstr (pyr_flame_tree_get_name (tree, pyr_flame_graph_get_selected_node (graph)), ==, "inner");
  g_assert_true (pyr_flame_graph_get_search_active (graph));
  g_assert_cmpfloat_with_epsilon (pyr_flame_graph_get_matched_fraction (graph), 15.0 / 40, 1e-9);
  g_assert_cmpstr (pyr_profile_page_get_matched_text (page), ==, "Matched: 37.5%");
  g_assert_cmpstr (function_name (functions, profile), ==, "inner");
  g_assert_cmpuint (pyr_functions_view_get_n_rows (functions), ==, 1);  /* the search filters the table */

  /* samples every 10 ms for 1.5 s: at most four rebuilds a second */
  rebuilds = 0;
  feeder = g_timeout_add (10, live_feed_tick, &feed);
  run_main_loop_for (1500);
  g_source_remove (feeder);
  g_test_message ("%u rebuilds in 1.5 s of samples every 10 ms", rebuilds);
  g_assert_cmpuint (rebuilds, >=, 2);
  g_assert_cmpuint (rebuilds, <=, 7);

  /* no new samples: no rebuild */
  wait = (LiveWait) { page, feed.n_added };
  wait_for (live_shows, &wait);
  rebuilds = 0;
  run_main_loop_for (800);
  g_assert_cmpuint (rebuilds, ==, 0);

  /* Pause view: one last rebuild with what came, then the views stay as they are */
  live_append (&feed, "main;work;inner", 7);
  pyr_profile_page_set_live (page, FALSE);
  g_assert_false (pyr_profile_page_get_live (page));
  wait = (LiveWait) { page, feed.n_added };
  wait_for (live_shows, &wait);
  g_assert_cmpuint (rebuilds, ==, 1);
  live_append (&feed, "main;work;inner", 3);
  run_main_loop_for (600);
  g_assert_cmpuint (rebuilds, ==, 1);
  tree = pyr_flame_graph_get_tree (graph);
  g_assert_cmpfloat (pyr_flame_tree_get_total (tree, 0), ==, feed.n_added - 3);
  g_assert_cmpstr (pyr_flame_tree_get_name (tree, pyr_flame_graph_get_zoom_node (graph)), ==, "work");

  g_signal_handlers_disconnect_by_func (graph, count_notify, &rebuilds);
  gtk_window_destroy (GTK_WINDOW (window));
  iterate_main_loop ();
}

static void
count_items_changed (GListModel *model,
                     guint       position,
                     guint       removed,
                     guint       added,
                     guint      *counter)
{
  (*counter)++;
}

static gboolean
layout_of_tree (gpointer data)
{
  PyrFlameLayout *layout = pyr_flame_graph_get_layout (data);

  return layout != NULL && layout->tree == pyr_flame_graph_get_tree (data) &&
         !pyr_flame_graph_get_layout_pending (data);
}

/* The row object showing a function (the model keeps it alive), or NULL. */
static gpointer
row_of (PyrFunctionsView *view,
        guint32           function)
{
  GListModel *model = pyr_functions_view_get_model (view);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    if (pyr_functions_view_get_row_function (view, i) == function)
      {
        g_autoptr(GObject) row = g_list_model_get_item (model, i);

        return row;
      }
  return NULL;
}

/* Live updates leave a hidden Functions table alone; shown, it catches up; while shown, the
 * same function keeps its row object and new functions are added to the rows. */
static void
test_live_functions_table_in_place (void)
{
  g_autoptr(PyrProfile) profile = pyr_profile_new ();
  LiveFeed feed = { profile, 0, 0, 0 };
  PyrProfilePage *page;
  PyrFunctionsView *functions;
  PyrFunctionTable *table;
  GListModel *model;
  GtkWidget *window;
  guint changes = 0;
  guint32 inner;
  gpointer inner_row;
  LiveWait wait;

  feed.thread = pyr_profile_add_thread (profile, 1, 1, "MainThread");
  live_append (&feed, "main;work;inner", 10);
  page = pyr_profile_page_new_for_profile (profile, "Live");
  functions = pyr_profile_page_get_functions_view (page);
  model = pyr_functions_view_get_model (functions);
  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 600);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (page));
  gtk_window_present (GTK_WINDOW (window));
  pyr_profile_page_set_live (page, TRUE);
  wait = (LiveWait) { page, 10 };
  wait_for (live_shows, &wait);
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (functions)));  /* the flame graph is shown */
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 3);

  /* hidden: live updates do not touch the rows */
  g_signal_connect (model, "items-changed", G_CALLBACK (count_items_changed), &changes);
  live_append (&feed, "main;other", 5);
  wait = (LiveWait) { page, 15 };
  wait_for (live_shows, &wait);
  live_append (&feed, "main;work;inner", 5);
  wait = (LiveWait) { page, 20 };
  wait_for (live_shows, &wait);
  g_assert_cmpuint (changes, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 3);

  /* shown: it catches up, the new function appended */
  pyr_profile_page_show_view (page, "functions");
  iterate_main_loop ();
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (functions)));
  g_assert_cmpuint (changes, >, 0);
  g_assert_cmpuint (pyr_functions_view_get_n_rows (functions), ==, 4);
  table = pyr_functions_view_get_table (functions);
  inner = pyr_functions_view_get_row_function (functions, 0);
  g_assert_cmpstr (pyr_profile_get_string (profile, pyr_function_table_get_name (table, inner)), ==, "inner");
  g_assert_cmpfloat (pyr_function_table_get_self (table, inner), ==, 15);
  pyr_functions_view_select_function (functions, inner);
  inner_row = row_of (functions, inner);
  g_assert_nonnull (inner_row);

  /* visible: updated in place, the same row object with the new figures, still selected */
  live_append (&feed, "main;work;inner", 5);
  live_append (&feed, "main;third", 1);
  wait = (LiveWait) { page, 26 };
  wait_for (live_shows, &wait);
  iterate_main_loop ();
  table = pyr_functions_view_get_table (functions);
  g_assert_true (row_of (functions, inner) == inner_row);
  g_assert_cmpfloat (pyr_function_table_get_self (table, inner), ==, 20);
  g_assert_cmpuint (pyr_functions_view_get_selected_function (functions), ==, inner);
  g_assert_cmpuint (pyr_functions_view_get_n_rows (functions), ==, 5);
  g_assert_cmpuint (pyr_functions_view_get_n_callers (functions), ==, 1);

  /* the hidden flame graph has the new tree but lays it out only once shown again */
  {
    PyrFlameGraph *graph = pyr_profile_page_get_flame_graph (page);

    g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (graph)));
    g_assert_nonnull (pyr_flame_graph_get_layout (graph));
    g_assert_true (pyr_flame_graph_get_layout (graph)->tree != pyr_flame_graph_get_tree (graph));
    pyr_profile_page_show_view (page, "flame");
    wait_for (layout_of_tree, graph);
  }

  g_signal_handlers_disconnect_by_func (model, count_items_changed, &changes);
  gtk_window_destroy (GTK_WINDOW (window));
  iterate_main_loop ();
}

static guint
count_children_named (PyrFlameTree *tree,
                      guint32       node,
                      const char   *name)
{
  guint n, count = 0;
  const guint32 *children = pyr_flame_tree_get_children (tree, node, &n);

  for (guint i = 0; i < n; i++)
    count += g_strcmp0 (pyr_flame_tree_get_name (tree, children[i]), name) == 0;
  return count;
}

/* Stacks that differ only by the line run was on: one run box under main by default (its
 * tooltip lists the lines with their shares), one per line with Split by Line. */
static void
test_merged_by_function (void)
{
  g_autoptr(PyrProfile) profile = pyr_profile_new ();
  guint32 thread = pyr_profile_add_thread (profile, 1, 1, "MainThread");
  guint32 file = pyr_profile_intern_string (profile, "demo.py", -1);
  guint32 main_frame = pyr_profile_intern_frame (profile, pyr_profile_intern_string (profile, "main", -1), file, 1, PYR_FRAME_PYTHON);
  guint32 leaf = pyr_profile_intern_frame (profile, pyr_profile_intern_string (profile, "leaf", -1), file, 40, PYR_FRAME_PYTHON);
  guint32 main_node = pyr_profile_intern_stack (profile, PYR_STACK_ROOT, main_frame);
  const gint32 lines[] = { 10, 11, 12 };
  const guint counts[] = { 6, 3, 1 };
  g_autoptr(GArray) shares = NULL;
  g_autofree char *markup = NULL;
  PyrProfilePage *page;
  PyrFlameGraph *graph;
  PyrFlameTree *tree;
  GtkWidget *window;
  guint32 run;
  gint64 time = 0;
  LiveWait wait;

  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    {
      guint32 frame = pyr_profile_intern_frame (profile, pyr_profile_intern_string (profile, "run", -1), file,
                                                lines[i], PYR_FRAME_PYTHON);
      guint32 node = pyr_profile_intern_stack (profile, main_node, frame);

      /* the first line calls leaf: the stacks below run merge too */
      if (i == 0)
        node = pyr_profile_intern_stack (profile, node, leaf);
      for (guint k = 0; k < counts[i]; k++)
        pyr_profile_append_sample (profile, (time += 10000000), thread, node, 1, 0);
    }

  page = pyr_profile_page_new_for_profile (profile, NULL);
  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 600);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (page));
  gtk_window_present (GTK_WINDOW (window));
  wait = (LiveWait) { page, 10 };
  wait_for (live_shows, &wait);
  graph = pyr_profile_page_get_flame_graph (page);

  /* merged by default */
  g_assert_false (pyr_profile_page_get_split_lines (page));
  tree = pyr_flame_graph_get_tree (graph);
  g_assert_cmpuint (count_children_named (tree, child_named (tree, 0, "main"), "run"), ==, 1);
  run = child_named (tree, child_named (tree, 0, "main"), "run");
  g_assert_cmpfloat (pyr_flame_tree_get_total (tree, run), ==, 10);
  g_assert_cmpuint (child_named (tree, run, "leaf"), !=, PYR_ID_NONE);
  shares = pyr_flame_graph_get_line_shares (graph, run);
  g_assert_nonnull (shares);
  g_assert_cmpuint (shares->len, ==, 3);
  g_assert_cmpint (g_array_index (shares, PyrFlameLineShare, 0).line, ==, 10);
  g_assert_cmpfloat (g_array_index (shares, PyrFlameLineShare, 0).weight, ==, 6);
  g_assert_cmpint (g_array_index (shares, PyrFlameLineShare, 2).line, ==, 12);
  markup = pyr_flame_graph_dup_node_markup (graph, run);
  g_test_message ("%s", markup);
  g_assert_nonnull (strstr (markup, "10: 60.0%"));
  g_assert_nonnull (strstr (markup, "11: 30.0%"));
  g_assert_null (strstr (markup, "demo.py:10"));  /* not the line of one of them */
  /* the table, the selection and the details still find run's row from the merged box */
  pyr_flame_graph_set_selected_node (graph, run);
  g_assert_cmpstr (pyr_profile_get_string (profile,
                                           pyr_function_table_get_name (pyr_functions_view_get_table (pyr_profile_page_get_functions_view (page)),
                                                                        pyr_functions_view_get_selected_function (pyr_profile_page_get_functions_view (page)))),
                   ==, "run");

  wait_for (layout_ready, graph);
  iterate_main_loop ();
  write_window_png (window, "page-merged-lines.png");

  /* Split by Line, through the view menu's action */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "page.split-lines", NULL));
  g_assert_true (pyr_profile_page_get_split_lines (page));
  wait_for (live_shows, &wait);
  tree = pyr_flame_graph_get_tree (graph);
  g_assert_cmpuint (count_children_named (tree, child_named (tree, 0, "main"), "run"), ==, 3);
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  wait_for (layout_ready, graph);
  iterate_main_loop ();
  write_window_png (window, "page-split-lines-dark.png");
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
  g_clear_pointer (&shares, g_array_unref);
  g_assert_null (pyr_flame_graph_get_line_shares (graph, child_named (tree, child_named (tree, 0, "main"), "run")));

  pyr_profile_page_set_split_lines (page, FALSE);
  wait_for (live_shows, &wait);
  tree = pyr_flame_graph_get_tree (graph);
  g_assert_cmpuint (count_children_named (tree, child_named (tree, 0, "main"), "run"), ==, 1);

  gtk_window_destroy (GTK_WINDOW (window));
  iterate_main_loop ();
}

/* A page on a small profile built here, shown in a window and laid out. */
static PyrProfilePage *
page_for_stacks (const char *const *stacks,
                 const guint       *counts,
                 GtkWidget        **window_out)
{
  g_autoptr(PyrProfile) profile = pyr_profile_new ();
  LiveFeed feed = { profile, 0, 0, 0 };
  PyrProfilePage *page;
  LiveWait wait;

  feed.thread = pyr_profile_add_thread (profile, 1, 1, "MainThread");
  for (guint i = 0; stacks[i] != NULL; i++)
    live_append (&feed, stacks[i], counts[i]);
  page = pyr_profile_page_new_for_profile (profile, NULL);
  *window_out = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (*window_out), 1000, 600);
  gtk_window_set_child (GTK_WINDOW (*window_out), GTK_WIDGET (page));
  gtk_window_present (GTK_WINDOW (*window_out));
  wait = (LiveWait) { page, feed.n_added };
  wait_for (live_shows, &wait);
  wait_for (graph_allocated, pyr_profile_page_get_flame_graph (page));
  return page;
}

static const char *
entry_function_name (PyrProfilePage    *page,
                     PyrDetailsSection  section,
                     guint              index)
{
  PyrFunctionTable *table = pyr_functions_view_get_table (pyr_profile_page_get_functions_view (page));
  PyrProfile *profile = pyr_profile_page_get_profile (page);
  guint32 row = pyr_details_pane_get_entry (pyr_profile_page_get_details_pane (page), section, index);

  return pyr_profile_get_string (profile, pyr_function_table_get_name (table, row));
}

static void
test_details_pane_stack_and_callers (void)
{
  static const char *const stacks[] = { "main;load;parse;read", "main;compute;parse;read", "main;compute;mul", NULL };
  static const guint counts[] = { 3, 5, 8 };
  GtkWidget *window;
  PyrProfilePage *page = page_for_stacks (stacks, counts, &window);
  PyrFlameGraph *graph = pyr_profile_page_get_flame_graph (page);
  PyrDetailsPane *pane = pyr_profile_page_get_details_pane (page);
  PyrFlameTree *tree = pyr_flame_graph_get_tree (graph);
  guint32 main_node, compute, parse;
  guint32 selected;

  /* hidden until something is selected: the graph has the width */
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (pane)));
  g_assert_cmpuint (pyr_details_pane_get_node (pane), ==, PYR_ID_NONE);

  main_node = child_named (tree, 0, "main");
  compute = child_named (tree, main_node, "compute");
  parse = child_named (tree, compute, "parse");
  /* a click selects (and zooms) */
  {
    graphene_rect_t area;

    g_assert_true (pyr_flame_graph_get_node_area (graph, parse, &area));
    pyr_flame_graph_set_selected_node (graph, parse);
  }
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (pane)));
  g_assert_cmpuint (pyr_details_pane_get_node (pane), ==, parse);

  /* the stack, root → frame */
  g_assert_cmpuint (pyr_details_pane_get_n_entries (pane, PYR_DETAILS_STACK), ==, 3);
  g_assert_cmpuint (pyr_details_pane_get_entry (pane, PYR_DETAILS_STACK, 0), ==, main_node);
  g_assert_cmpuint (pyr_details_pane_get_entry (pane, PYR_DETAILS_STACK, 1), ==, compute);
  g_assert_cmpuint (pyr_details_pane_get_entry (pane, PYR_DETAILS_STACK, 2), ==, parse);

  /* the function across the profile: called from load and compute, calls read */
  g_assert_cmpuint (pyr_details_pane_get_n_entries (pane, PYR_DETAILS_CALLERS), ==, 2);
  g_assert_cmpstr (entry_function_name (page, PYR_DETAILS_CALLERS, 0), ==, "compute");  /* heavier first */
  g_assert_cmpstr (entry_function_name (page, PYR_DETAILS_CALLERS, 1), ==, "load");
  g_assert_cmpuint (pyr_details_pane_get_n_entries (pane, PYR_DETAILS_CALLEES), ==, 1);
  g_assert_cmpstr (entry_function_name (page, PYR_DETAILS_CALLEES, 0), ==, "read");

  /* navigating: a stack entry selects that frame */
  pyr_details_pane_activate (pane, PYR_DETAILS_STACK, 1);
  g_assert_cmpuint (pyr_flame_graph_get_selected_node (graph), ==, compute);
  g_assert_cmpuint (pyr_details_pane_get_node (pane), ==, compute);
  g_assert_cmpuint (pyr_details_pane_get_n_entries (pane, PYR_DETAILS_CALLEES), ==, 2);

  /* a callee selects that function's widest call */
  g_assert_cmpstr (entry_function_name (page, PYR_DETAILS_CALLEES, 0), ==, "mul");
  pyr_details_pane_activate (pane, PYR_DETAILS_CALLEES, 0);
  selected = pyr_flame_graph_get_selected_node (graph);
  g_assert_cmpuint (selected, !=, PYR_ID_NONE);
  g_assert_cmpstr (pyr_flame_tree_get_name (tree, selected), ==, "mul");
  g_assert_cmpuint (pyr_details_pane_get_node (pane), ==, selected);
  g_assert_cmpuint (pyr_functions_view_get_selected_function (pyr_profile_page_get_functions_view (page)), !=, PYR_ID_NONE);

  /* F9 hides and shows the pane; hidden, it catches up when shown again */
  gtk_widget_activate_action (GTK_WIDGET (page), "page.toggle-details", NULL);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (pane)));
  pyr_flame_graph_set_selected_node (graph, compute);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (pane)));   /* the user's choice holds */
  g_assert_cmpuint (pyr_details_pane_get_node (pane), ==, selected);
  gtk_widget_activate_action (GTK_WIDGET (page), "page.toggle-details", NULL);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (pane)));
  g_assert_cmpuint (pyr_details_pane_get_node (pane), ==, compute);

  gtk_window_destroy (GTK_WINDOW (window));
  iterate_main_loop ();
}

static gboolean
crumbs_at_end (gpointer data)
{
  GtkAdjustment *adj = data;

  return gtk_adjustment_get_upper (adj) > gtk_adjustment_get_page_size (adj) + 1 &&
         gtk_adjustment_get_value (adj) >= gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj) - 0.5;
}

/* Zoomed deep in a narrow window, the breadcrumbs scroll to show the crumb zoomed to. */
static void
test_breadcrumbs_show_the_zoomed_frame (void)
{
  static const char *const stacks[] = {
    "a_rather_long_function_name_one;a_rather_long_function_name_two;a_rather_long_function_name_three;"
    "a_rather_long_function_name_four;a_rather_long_function_name_five;a_rather_long_function_name_six;"
    "a_rather_long_function_name_seven", NULL };
  static const guint counts[] = { 10 };
  GtkWidget *window;
  PyrProfilePage *page = page_for_stacks (stacks, counts, &window);
  PyrFlameGraph *graph = pyr_profile_page_get_flame_graph (page);
  PyrFlameTree *tree = pyr_flame_graph_get_tree (graph);
  GtkScrolledWindow *scroller = GTK_SCROLLED_WINDOW (gtk_widget_get_template_child (GTK_WIDGET (page),
                                                                                   PYR_TYPE_PROFILE_PAGE,
                                                                                   "breadcrumbs_scroller"));
  const guint32 *children;
  guint32 node = 0;
  guint n;

  gtk_window_set_default_size (GTK_WINDOW (window), 700, 500);
  while ((children = pyr_flame_tree_get_children (tree, node, &n)) != NULL && n > 0)
    node = children[0];
  pyr_flame_graph_zoom_to (graph, node);
  wait_for (crumbs_at_end, gtk_scrolled_window_get_hadjustment (scroller));
  gtk_window_destroy (GTK_WINDOW (window));
  iterate_main_loop ();
}

static gboolean
same_colour (PyrRgb a,
             PyrRgb b)
{
  return fabs (a.r - b.r) < 1e-9 && fabs (a.g - b.g) < 1e-9 && fabs (a.b - b.b) < 1e-9;
}

static void
test_colours_legend_recursion_orientation (void)
{
  static const char *const stacks[] = {
    "main@app/main.py;load@lib/site-packages/yaml/composer.py;parse@lib/site-packages/yaml/parser.py",
    "main@app/main.py;compute@app/calc.py;f@app/calc.py;g@app/calc.py;f@app/calc.py;g@app/calc.py",
    NULL
  };
  static const guint counts[] = { 2, 8 };
  GtkWidget *window;
  PyrProfilePage *page = page_for_stacks (stacks, counts, &window);
  PyrFlameGraph *graph = pyr_profile_page_get_flame_graph (page);
  PyrFlameTree *tree = pyr_flame_graph_get_tree (graph);
  g_autoptr(GSettings) settings = g_settings_new ("io.github.pyrometer.Pyrometer");
  g_autoptr(GPtrArray) legend = NULL;
  guint32 main_node, load, compute, parse, deepest;
  LiveWait wait;

  main_node = child_named (tree, 0, "main");
  load = child_named (tree, main_node, "load");
  compute = child_named (tree, main_node, "compute");
  parse = child_named (tree, load, "parse");
  deepest = compute;
  while (pyr_flame_tree_get_n_nodes (tree) > 0)
    {
      guint n;
      const guint32 *children = pyr_flame_tree_get_children (tree, deepest, &n);

      if (n == 0)
        break;
      deepest = children[0];
    }

  /* by module: yaml's two files share one colour */
  g_assert_cmpstr (pyr_profile_page_get_color_by (page), ==, "module");
  g_assert_true (same_colour (pyr_flame_graph_get_frame_colour (graph, load),
                              pyr_flame_graph_get_frame_colour (graph, parse)));
  g_assert_false (same_colour (pyr_flame_graph_get_frame_colour (graph, load),
                               pyr_flame_graph_get_frame_colour (graph, compute)));
  legend = pyr_flame_graph_dup_legend (graph, 8);
  g_assert_cmpuint (legend->len, ==, 3);
  g_assert_cmpstr (((PyrFlameLegendEntry *) legend->pdata[0])->label, ==, "calc");  /* most self time */
  g_assert_cmpstr (((PyrFlameLegendEntry *) legend->pdata[1])->label, ==, "yaml");
  g_clear_pointer (&legend, g_ptr_array_unref);

  /* by file: composer.py and parser.py differ now; remembered */
  gtk_widget_activate_action (GTK_WIDGET (page), "page.color-by", "s", "file");
  g_assert_cmpstr (pyr_profile_page_get_color_by (page), ==, "file");
  g_assert_cmpint (g_settings_get_enum (settings, "flame-color-mode"), ==, PYR_FLAME_COLOR_FILE);
  g_assert_false (same_colour (pyr_flame_graph_get_frame_colour (graph, load),
                               pyr_flame_graph_get_frame_colour (graph, parse)));
  legend = pyr_flame_graph_dup_legend (graph, 8);
  g_assert_cmpuint (legend->len, ==, 4);
  g_assert_cmpstr (((PyrFlameLegendEntry *) legend->pdata[0])->label, ==, "calc.py");
  g_clear_pointer (&legend, g_ptr_array_unref);

  /* by self time: g (all 8 samples' self) is the hottest, load (no self time) the coldest */
  pyr_profile_page_set_color_by (page, "heat");
  {
    PyrRgb hot = pyr_flame_graph_get_frame_colour (graph, deepest);
    PyrRgb cold = pyr_flame_graph_get_frame_colour (graph, load);

    g_assert_cmpstr (pyr_flame_tree_get_name (tree, deepest), ==, "g");
    /* red against pale yellow: less green, darker */
    g_assert_cmpfloat (hot.g, <, cold.g - 0.2);
    g_assert_cmpfloat (hot.r + hot.g + hot.b, <, cold.r + cold.g + cold.b);
  }
  legend = pyr_flame_graph_dup_legend (graph, 8);
  g_assert_cmpuint (legend->len, ==, 5);
  g_clear_pointer (&legend, g_ptr_array_unref);
  g_assert_nonnull (gtk_widget_get_first_child (GTK_WIDGET (pyr_profile_page_get_details_pane (page))));
  g_settings_set_enum (settings, "flame-color-mode", PYR_FLAME_COLOR_MODULE);
  g_assert_cmpstr (pyr_profile_page_get_color_by (page), ==, "module");

  /* collapse recursion, page-wide: f;g;f;g becomes f;g */
  g_assert_cmpuint (pyr_flame_tree_get_depth (tree, deepest), ==, 6);
  gtk_widget_activate_action (GTK_WIDGET (page), "page.merge-recursion", NULL);
  g_assert_true (pyr_profile_page_get_merge_recursion (page));
  wait = (LiveWait) { page, 10 };
  wait_for (live_shows, &wait);
  tree = pyr_flame_graph_get_tree (graph);
  g_assert_cmpuint (pyr_flame_tree_get_max_depth (tree), ==, 4);
  gtk_widget_activate_action (GTK_WIDGET (page), "page.show-everything", NULL);
  g_assert_false (pyr_profile_page_get_merge_recursion (page));
  wait_for (live_shows, &wait);
  g_assert_cmpuint (pyr_flame_tree_get_max_depth (pyr_flame_graph_get_tree (graph)), ==, 6);

  /* the orientation follows the setting and is written when switched */
  pyr_profile_page_set_flame_orientation (page, PYR_FLAME_ORIENTATION_FLAME);
  g_assert_cmpint (pyr_flame_graph_get_orientation (graph), ==, PYR_FLAME_ORIENTATION_FLAME);
  g_assert_cmpint (g_settings_get_enum (settings, "flame-orientation"), ==, PYR_FLAME_ORIENTATION_FLAME);
  g_settings_set_enum (settings, "flame-orientation", PYR_FLAME_ORIENTATION_ICICLE);
  g_assert_cmpint (pyr_flame_graph_get_orientation (graph), ==, PYR_FLAME_ORIENTATION_ICICLE);

  /* drag to pan: in a view zoomed with Ctrl+scroll the content follows the pointer */
  pyr_flame_graph_zoom_view (graph, 4, 0);
  g_assert_cmpfloat (pyr_flame_graph_get_view_x (graph), ==, 0);
  pyr_flame_graph_drag_by (graph, -200, 0);
  g_assert_cmpfloat (pyr_flame_graph_get_view_x (graph), >, 0);
  pyr_flame_graph_drag_by (graph, 10000, 0);
  g_assert_cmpfloat (pyr_flame_graph_get_view_x (graph), ==, 0);

  gtk_window_destroy (GTK_WINDOW (window));
  iterate_main_loop ();
}

static gboolean
search_settled (gpointer data)
{
  return !pyr_flame_graph_get_search_pending (PYR_FLAME_GRAPH (data));
}

static void
test_search_off_main_thread (void)
{
  g_autoptr(PyrProfile) profile = pyr_profile_new ();
  LiveFeed feed = { profile, 0, 0, 0 };
  PyrProfilePage *page;
  PyrFlameGraph *graph;
  GtkWidget *window;
  LiveWait wait;

  /* 12,000 distinct stacks: a tree big enough to be searched on a worker thread */
  feed.thread = pyr_profile_add_thread (profile, 1, 1, "MainThread");
  for (guint i = 0; i < 12000; i++)
    {
      g_autofree char *stack = g_strdup_printf ("main;f_%u", i);

      live_append (&feed, stack, 1);
    }
  page = pyr_profile_page_new_for_profile (profile, NULL);
  graph = pyr_profile_page_get_flame_graph (page);
  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 600);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (page));
  gtk_window_present (GTK_WINDOW (window));
  wait = (LiveWait) { page, feed.n_added };
  wait_for (live_shows, &wait);

  pyr_profile_page_set_search (page, "f_1", FALSE);
  g_assert_true (pyr_flame_graph_get_search_active (graph));
  g_assert_true (pyr_flame_graph_get_search_pending (graph));
  g_assert_cmpstr (pyr_profile_page_get_matched_text (page), ==, "Searching…");
  wait_for (search_settled, graph);
  /* f_1, f_10…f_19, f_100…f_199, f_1000…f_1999, f_10000…f_11999 */
  g_assert_cmpfloat_with_epsilon (pyr_flame_graph_get_matched_fraction (graph), 3111.0 / 12000, 1e-12);
  g_assert_cmpstr (pyr_profile_page_get_matched_text (page), ==, "Matched: 25.9%");

  /* a new search supersedes one in flight; nested matches count once */
  pyr_profile_page_set_search (page, "f_", FALSE);
  pyr_profile_page_set_search (page, "main|f_7", TRUE);
  wait_for (search_settled, graph);
  g_assert_cmpfloat_with_epsilon (pyr_flame_graph_get_matched_fraction (graph), 1.0, 1e-12);

  pyr_profile_page_set_search (page, "", FALSE);
  g_assert_false (pyr_flame_graph_get_search_active (graph));
  g_assert_false (pyr_flame_graph_get_search_pending (graph));
  g_assert_null (pyr_profile_page_get_matched_text (page));

  gtk_window_destroy (GTK_WINDOW (window));
  iterate_main_loop ();
}

static char *
deep_stack (const char *leaf,
            guint       depth)
{
  GString *stack = g_string_new ("main");

  for (guint i = 0; i < depth; i++)
    g_string_append_printf (stack, ";level_%u", i);
  g_string_append_printf (stack, ";%s", leaf);
  return g_string_free (stack, FALSE);
}

static void
test_live_mode_keeps_scroll (void)
{
  g_autofree char *deep = deep_stack ("work", 60);
  g_autofree char *deeper = deep_stack ("more", 80);
  const char *stacks[] = { deep, "main;other", NULL };
  static const guint counts[] = { 5, 5 };
  GtkWidget *window;
  PyrProfilePage *page = page_for_stacks (stacks, counts, &window);
  PyrFlameGraph *graph = pyr_profile_page_get_flame_graph (page);
  GtkAdjustment *vadjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (graph));
  PyrProfile *profile = pyr_profile_page_get_profile (page);
  LiveFeed feed = { profile, 0, 1000000000, 10 };
  LiveWait wait;
  double from_bottom;

  pyr_profile_page_set_live (page, TRUE);
  g_assert_cmpfloat (gtk_adjustment_get_upper (vadjustment), >, gtk_adjustment_get_page_size (vadjustment) + 300);
  gtk_adjustment_set_value (vadjustment, 300);

  live_append (&feed, deep, 5);
  wait = (LiveWait) { page, 15 };
  wait_for (live_shows, &wait);
  g_assert_cmpfloat (gtk_adjustment_get_value (vadjustment), ==, 300);

  /* root at the bottom: the rows on screen stay put while the flame grows upwards */
  pyr_flame_graph_set_orientation (graph, PYR_FLAME_ORIENTATION_FLAME);
  gtk_adjustment_set_value (vadjustment, gtk_adjustment_get_upper (vadjustment) -
                                         gtk_adjustment_get_page_size (vadjustment) - 200);
  from_bottom = gtk_adjustment_get_upper (vadjustment) - gtk_adjustment_get_value (vadjustment);
  live_append (&feed, deeper, 5);
  wait = (LiveWait) { page, 20 };
  wait_for (live_shows, &wait);
  g_assert_cmpuint (pyr_flame_tree_get_max_depth (pyr_flame_graph_get_tree (graph)), >=, 82);
  g_assert_cmpfloat (gtk_adjustment_get_upper (vadjustment) - gtk_adjustment_get_value (vadjustment), ==, from_bottom);

  pyr_profile_page_set_live (page, FALSE);
  gtk_window_destroy (GTK_WINDOW (window));
  iterate_main_loop ();
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *data_home = NULL;
  int ret;

  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_test_init (&argc, &argv, NULL);
      g_test_skip ("no display: run the UI tests under Xvfb (xvfb-run meson test)");
      return g_test_run ();
    }

  /* recent files go to a scratch folder, not the user's list */
  data_home = g_dir_make_tmp ("pyrometer-test-XXXXXX", NULL);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  /* renders show the page at rest, not a search bar half-way through its reveal */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  test_app = pyr_application_new ();
  g_application_set_flags (G_APPLICATION (test_app), G_APPLICATION_NON_UNIQUE | G_APPLICATION_HANDLES_OPEN);
  if (!g_application_register (G_APPLICATION (test_app), NULL, NULL))
    g_error ("could not register the application");

  g_test_add_func ("/page/open-every-fixture", test_open_every_fixture);
  g_test_add_func ("/page/click-zoom-then-back-restores", test_click_zoom_then_back_restores);
  g_test_add_func ("/page/view-zoom-and-pan", test_view_zoom_and_pan);
  g_test_add_func ("/page/search-reports-matched-percentage", test_search_reports_matched_percentage);
  g_test_add_func ("/page/search-counts-recursion-once", test_recursion_search_counts_once);
  g_test_add_func ("/page/functions-table-hottest-first", test_functions_table_hottest_first);
  g_test_add_func ("/page/functions-table-sorted-and-linked", test_functions_table_sorted_and_linked);
  g_test_add_func ("/page/keyboard-navigation", test_keyboard_navigation);
  g_test_add_func ("/page/tooltip-text", test_tooltip_text);
  g_test_add_func ("/page/export-pictures", test_export_pictures);
  g_test_add_func ("/page/save-profile-round-trip", test_save_profile_round_trip);
  g_test_add_func ("/page/render-pictures", test_render_page_pictures);
  g_test_add_func ("/page/time-order", test_time_order);
  g_test_add_func ("/page/frame-menu-focus-hide-copy", test_frame_menu_focus_hide_copy);
  g_test_add_func ("/page/live-mode-keeps-view-state", test_live_mode_keeps_view_state);
  g_test_add_func ("/page/live-functions-table-in-place", test_live_functions_table_in_place);
  g_test_add_func ("/page/merged-by-function", test_merged_by_function);
  g_test_add_func ("/page/details-pane-stack-and-callers", test_details_pane_stack_and_callers);
  g_test_add_func ("/page/breadcrumbs-show-the-zoomed-frame", test_breadcrumbs_show_the_zoomed_frame);
  g_test_add_func ("/page/colours-legend-recursion-orientation", test_colours_legend_recursion_orientation);
  g_test_add_func ("/page/search-off-main-thread", test_search_off_main_thread);
  g_test_add_func ("/page/live-mode-keeps-scroll", test_live_mode_keeps_scroll);
  g_test_add_func ("/window/drop-opens-tabs", test_drop_opens_tabs);
  g_test_add_func ("/window/recent-profiles-on-empty-page", test_recent_profiles_on_empty_page);
  g_test_add_func ("/window/big-file-shows-progress-and-cancels", test_big_file_shows_progress_and_cancels);
  g_test_add_func ("/window/invalid-file-leaves-other-tabs-alone", test_invalid_file_leaves_other_tabs_alone);
  g_test_add_func ("/window/command-line-files-open-in-tabs", test_command_line_files_open_in_tabs);

  ret = g_test_run ();
  g_clear_object (&test_app);
  {
    g_autofree char *xbel = g_build_filename (data_home, "recently-used.xbel", NULL);

    g_unlink (xbel);
    g_rmdir (data_home);
  }
  return ret;
}
