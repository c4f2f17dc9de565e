/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Flame graph benchmark: a generated 1,000,000-sample profile about 40 frames
 * deep (the same Markov walk as bench/gen-profile.py: every sample pops a few
 * frames of the previous stack and pushes new ones, so there are millions of
 * distinct stacks — a harder tree than real recordings). Prints a table:
 *
 *   tree build, layout of the whole profile and after zooms (goal ≤ 50 ms),
 *   drawing a 1920×1080 view with cairo (goal ≤ 8 ms per frame), and the
 *   main thread's share of interactions (goal ≤ 16 ms): a click zoom, a
 *   search (matched on a worker thread), a live update of the views.
 *
 * Needs a display for the widget (run under Xvfb). Options: --samples N, --runs N.
 *
 * --open FILE instead opens FILE in a profile page, as the app does, and reports
 * how long until the page is ready and the longest the main loop went without
 * running (a 5 ms timer's largest gap): the page must stay responsive while a
 * big file loads.
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "pyr-filter.h"
#include "pyr-flame-graph.h"
#include "pyr-functions-view.h"
#include "pyr-profile-page.h"

#define N_FUNCTIONS 5000
#define N_FILES     400
#define MEAN_DEPTH  40
#define WIDTH       1920
#define HEIGHT      1080

static double
now_ms (void)
{
  return g_get_monotonic_time () / 1000.0;
}

/* CPU time of this thread: on a busy machine wall time mostly measures the other processes. */
static double
cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
median (double *v,
        guint   n)
{
  qsort (v, n, sizeof (double), (int (*) (const void *, const void *)) compare_double);
  return v[n / 2];
}

static double
gauss (GRand *rand)
{
  double u = g_rand_double (rand), v = g_rand_double (rand);
  return sqrt (-2 * log (MAX (u, 1e-12))) * cos (2 * G_PI * v);
}

static PyrProfile *
generate (guint n_samples)
{
  PyrProfile *profile = pyr_profile_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (1);
  static const char *const names[] = { "run", "handle", "compute", "_inner", "visit", "parse",
                                       "load", "__call__", "<lambda>", "step", "apply", "dispatch" };
  guint32 frames[N_FUNCTIONS];
  guint32 callees[N_FUNCTIONS][6];
  guint n_callees[N_FUNCTIONS];
  guint32 stack[128];
  guint32 nodes[128];
  guint depth = 1;
  guint32 thread;

  for (guint i = 0; i < N_FUNCTIONS; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s_%u", names[g_rand_int_range (rand, 0, G_N_ELEMENTS (names))], i);
      guint f = g_rand_int_range (rand, 0, N_FILES);
      g_autofree char *file = g_strdup_printf ("/usr/lib/python3.12/site-packages/pkg%u/module_%u.py", f % 37, f);

      frames[i] = pyr_profile_intern_frame (profile,
                                            pyr_profile_intern_string (profile, name, -1),
                                            pyr_profile_intern_string (profile, file, -1),
                                            g_rand_int_range (rand, 1, 2000), PYR_FRAME_PYTHON);
      n_callees[i] = g_rand_int_range (rand, 1, 7);
      for (guint c = 0; c < n_callees[i]; c++)
        {
          /* popular callees are shared, Zipf-like */
          if (g_rand_double (rand) < 0.3)
            {
              double zipf = 3 * pow (1 - g_rand_double (rand), -1 / 1.1);

              callees[i][c] = (guint) MIN (zipf, N_FUNCTIONS - 1);
            }
          else
            callees[i][c] = g_rand_int_range (rand, 0, N_FUNCTIONS);
        }
    }

  thread = pyr_profile_add_thread (profile, 1, 1, "MainThread");
  stack[0] = 0;
  nodes[0] = pyr_profile_intern_stack (profile, PYR_STACK_ROOT, frames[0]);
  for (guint s = 0; s < n_samples; s++)
    {
      double expo = -3.0 * log (1 - g_rand_double (rand));
      guint pops = (guint) MIN (depth - 1, expo);
      int target = (int) (MEAN_DEPTH + 6 * gauss (rand));
      guint want = CLAMP (target, 2, 120);

      depth -= pops;
      while (depth < want)
        {
          guint32 top = stack[depth - 1];

          stack[depth] = callees[top][g_rand_int_range (rand, 0, n_callees[top])];
          nodes[depth] = pyr_profile_intern_stack (profile, nodes[depth - 1], frames[stack[depth]]);
          depth++;
        }
      depth = want;
      pyr_profile_append_sample (profile, s * 10000000ll, thread, nodes[depth - 1], 1, 0);
    }
  return profile;
}

static gboolean
layout_ready (PyrFlameGraph *graph)
{
  PyrFlameLayout *layout = pyr_flame_graph_get_layout (graph);

  return !pyr_flame_graph_get_layout_pending (graph) && layout != NULL &&
         (int) layout->width_px == gtk_widget_get_width (GTK_WIDGET (graph));
}

static void
wait_layout (PyrFlameGraph *graph)
{
  double start = now_ms ();

  while (!layout_ready (graph) && now_ms () - start < 30000)
    g_main_context_iteration (NULL, TRUE);
}

static const char *
time_draw (PyrFlameGraph *graph,
           guint          runs,
           gboolean       through_snapshot)
{
  static char result[64];
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, WIDTH, HEIGHT);
  g_autofree double *times = g_new (double, runs);
  g_autofree double *cpu = g_new (double, runs);

  for (guint i = 0; i < runs; i++)
    {
      cairo_t *cr = cairo_create (surface);
      double start = now_ms ();
      double cpu_start = cpu_ms ();

      if (through_snapshot)
        {
          /* what GSK's cairo renderer does with the widget's node each frame */
          GtkSnapshot *snapshot = gtk_snapshot_new ();
          GskRenderNode *node;

          GTK_WIDGET_GET_CLASS (graph)->snapshot (GTK_WIDGET (graph), snapshot);
          node = gtk_snapshot_free_to_node (snapshot);
          if (node != NULL)
            {
              gsk_render_node_draw (node, cr);
              gsk_render_node_unref (node);
            }
        }
      else
        pyr_flame_graph_draw (graph, cr, WIDTH, HEIGHT, 0);
      cairo_surface_flush (surface);
      times[i] = now_ms () - start;
      cpu[i] = cpu_ms () - cpu_start;
      cairo_destroy (cr);
    }
  if (g_getenv ("BENCH_FLAME_PNG"))
    cairo_surface_write_to_png (surface, g_getenv ("BENCH_FLAME_PNG"));
  cairo_surface_destroy (surface);
  g_snprintf (result, sizeof result, "%.2f | %.2f", median (times, runs), median (cpu, runs));
  return result;
}

static guint32
widest_at_depth (PyrFlameTree *tree,
                 guint         depth)
{
  guint32 node = 0;

  for (guint d = 0; d < depth; d++)
    {
      guint n;
      const guint32 *children = pyr_flame_tree_get_children (tree, node, &n);

      if (n == 0)
        break;
      node = children[0];
    }
  return node;
}

typedef struct
{
  gint64 last;
  gint64 worst;
  double last_cpu;
  double worst_cpu;
  double worst_cpu_later;  /* after the first tick: the new tab's widgets are built and drawn */
  guint  ticks;
  PyrProfilePage *page;
  char   worst_when[96];
} Stall;

static gboolean
tick (gpointer data)
{
  Stall *stall = data;
  gint64 now = g_get_monotonic_time ();
  double cpu = cpu_ms ();

  /* wall gaps include waiting for a CPU on a busy machine; CPU gaps are the main thread's own work */
  if (stall->last != 0)
    {
      stall->worst = MAX (stall->worst, now - stall->last);
      if (cpu - stall->last_cpu > stall->worst_cpu && stall->page != NULL)
        g_snprintf (stall->worst_when, sizeof stall->worst_when, "%s, progress %.0f%%",
                    pyr_profile_page_get_state (stall->page) == PYR_PROFILE_PAGE_LOADING ? "loading"
                    : pyr_flame_graph_get_layout_pending (pyr_profile_page_get_flame_graph (stall->page))
                    ? "views built, layout pending" : "ready",
                    100 * pyr_profile_page_get_progress (stall->page));
      stall->worst_cpu = MAX (stall->worst_cpu, cpu - stall->last_cpu);
      if (stall->ticks >= 2)
        stall->worst_cpu_later = MAX (stall->worst_cpu_later, cpu - stall->last_cpu);
    }
  stall->last = now;
  stall->last_cpu = cpu;
  stall->ticks++;
  return G_SOURCE_CONTINUE;
}

static int
bench_open (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  GtkWidget *window = gtk_window_new ();
  PyrProfilePage *page;
  Stall stall = { 0 };
  double start, loaded = 0, ready;
  double last_progress = -1;
  double build_cpu, first_build_cpu;
  guint n_progress = 0;
  guint id;
  GStatBuf st;

  /* the window's own first frame is not the file's doing: show it before opening */
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  start = now_ms ();
  while (!gtk_widget_get_mapped (window) || now_ms () - start < 300)
    g_main_context_iteration (NULL, FALSE);

  {
    /* the first page of a process also initialises the classes and parses the templates,
     * once: measured apart from the cost every further tab pays */
    double c0 = cpu_ms ();
    GtkWidget *first = GTK_WIDGET (g_object_ref_sink (pyr_profile_page_new_for_file (file)));

    first_build_cpu = cpu_ms () - c0;
    g_object_unref (first);
  }
  start = now_ms ();
  build_cpu = cpu_ms ();
  page = pyr_profile_page_new_for_file (file);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (page));
  build_cpu = cpu_ms () - build_cpu;
  stall.page = page;
  id = g_timeout_add (5, tick, &stall);

  while (pyr_profile_page_get_state (page) == PYR_PROFILE_PAGE_LOADING ||
         (pyr_profile_page_get_state (page) == PYR_PROFILE_PAGE_READY &&
          pyr_flame_graph_get_layout_pending (pyr_profile_page_get_flame_graph (page))))
    {
      g_main_context_iteration (NULL, TRUE);
      if (pyr_profile_page_get_progress (page) != last_progress)
        {
          last_progress = pyr_profile_page_get_progress (page);
          n_progress++;
          if (last_progress >= 1 && loaded == 0)
            loaded = now_ms () - start;
        }
    }
  ready = now_ms () - start;
  g_source_remove (id);

  if (g_stat (path, &st) != 0)
    st.st_size = 0;
  g_print ("| step | value |\n|---|---:|\n");
  g_print ("| file | %.0f MB |\n", st.st_size / 1e6);
  g_print ("| outcome | %s |\n", pyr_profile_page_get_state (page) == PYR_PROFILE_PAGE_READY
                                  ? "opened" : pyr_profile_page_get_error_message (page));
  g_print ("| progress updates shown | %u |\n", n_progress);
  g_print ("| import done (progress 100%%) | %.0f ms |\n", loaded);
  g_print ("| page ready (tree, table, layout) | %.0f ms |\n", ready);
  g_print ("| building the first tab's widgets (classes, templates), main-thread CPU (goal ≤ 16 ms) | %.1f ms |\n",
           first_build_cpu);
  g_print ("| building a further tab's widgets, main-thread CPU (goal ≤ 16 ms) | %.1f ms |\n", build_cpu);
  g_print ("| longest gap of a 5 ms main-loop timer, wall clock | %.1f ms |\n", stall.worst / 1000.0);
  g_print ("| most main-thread CPU time between two ticks (goal ≤ 16 ms) | %.1f ms |\n", stall.worst_cpu);
  g_print ("| … that gap ended while | %s |\n", stall.worst_when);
  g_print ("| most main-thread CPU time between two ticks once the tab is shown (goal ≤ 16 ms) | %.1f ms |\n",
           stall.worst_cpu_later);
  gtk_window_destroy (GTK_WINDOW (window));
  return 0;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(PyrProfile) profile = NULL;
  g_autoptr(PyrFlameTree) tree = NULL;
  PyrFlameGraph *graph;
  GtkWidget *window, *scrolled;
  guint n_samples = 1000000;
  guint runs = 15;
  double t0, t_gen, t_tree;
  static const guint zoom_depths[] = { 0, 1, 3, 8, 20 };

  for (int i = 1; i + 1 < argc; i++)
    {
      if (g_str_equal (argv[i], "--samples"))
        n_samples = atoi (argv[++i]);
      else if (g_str_equal (argv[i], "--runs"))
        {
          int r = atoi (argv[++i]);

          runs = MAX (r, 1);
        }
    }

  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_printerr ("bench-flame needs a display: run it under Xvfb\n");
      return 77;
    }

  gtk_init ();
  adw_init ();

  for (int i = 1; i + 1 < argc; i++)
    if (g_str_equal (argv[i], "--open"))
      return bench_open (argv[i + 1]);

  t0 = now_ms ();
  profile = generate (n_samples);
  t_gen = now_ms () - t0;

  t0 = now_ms ();
  tree = pyr_flame_tree_new (profile, NULL, NULL);
  t_tree = now_ms () - t0;

  g_print ("profile: %u samples, %u stack nodes, deepest %u, %u frames\n",
           pyr_profile_get_n_samples (profile), pyr_profile_get_n_stack_nodes (profile),
           pyr_flame_tree_get_max_depth (tree), pyr_profile_get_n_frames (profile));
  g_print ("\n| step | wall (ms) | CPU (ms) | goal (ms) |\n|---|---:|---:|---|\n");
  g_print ("| generate the profile | %.0f | | — |\n", t_gen);
  g_print ("| build the merged tree (once per profile or filter, worker thread) | %.0f | | — |\n", t_tree);

  for (guint z = 0; z < G_N_ELEMENTS (zoom_depths); z++)
    {
      guint32 node = widest_at_depth (tree, zoom_depths[z]);
      g_autofree double *times = g_new (double, runs);
      g_autofree double *cpu = g_new (double, runs);
      guint n_rects = 0;

      for (guint r = 0; r < runs; r++)
        {
          PyrFlameLayout *layout;

          double c0 = cpu_ms ();

          t0 = now_ms ();
          layout = pyr_flame_layout_compute (tree, node, WIDTH, 0, 1);
          times[r] = now_ms () - t0;
          cpu[r] = cpu_ms () - c0;
          n_rects = layout->n_rects;
          pyr_flame_layout_free (layout);
        }
      g_print ("| layout, zoomed to depth %u (%.1f%% of samples), %u rects | %.2f | %.2f | ≤ 50 |\n",
               pyr_flame_tree_get_depth (tree, node),
               100 * pyr_flame_tree_get_total (tree, node) / pyr_flame_tree_get_total (tree, 0),
               n_rects, median (times, runs), median (cpu, runs));
    }

  /* a filter change: the tree is rebuilt on a worker thread, then laid out */
  {
    g_autoptr(PyrFilter) filter = pyr_filter_new ();
    g_autoptr(PyrCallTree) filtered = NULL;
    g_autoptr(PyrFlameTree) filtered_tree = NULL;
    PyrFlameLayout *layout;
    double c0;

    pyr_filter_set_merge_recursion (filter, TRUE);
    t0 = now_ms ();
    filtered = pyr_call_tree_new (profile, filter, PYR_CALL_TREE_MERGED, NULL, NULL);
    filtered_tree = pyr_flame_tree_new_for_call_tree (filtered);
    g_print ("| filter \"collapse recursion\": rebuild the tree (worker thread), %u nodes | %.0f | | — |\n",
             pyr_flame_tree_get_n_nodes (filtered_tree), now_ms () - t0);
    c0 = cpu_ms ();
    t0 = now_ms ();
    layout = pyr_flame_layout_compute (filtered_tree, 0, WIDTH, 0, 1);
    g_print ("| layout after that filter change, %u rects | %.2f | %.2f | ≤ 50 |\n",
             layout->n_rects, now_ms () - t0, cpu_ms () - c0);
    pyr_flame_layout_free (layout);
  }

  for (PyrFlameColorMode mode = PYR_FLAME_COLOR_MODULE; mode <= PYR_FLAME_COLOR_HEAT; mode++)
    {
      static const char *const names[] = { "module", "file", "heat" };
      guint n_frames;
      double c0 = cpu_ms ();
      g_autofree PyrRgb *colours = NULL;
      g_autoptr(GPtrArray) legend = NULL;

      t0 = now_ms ();
      colours = pyr_flame_colors_compute_all (tree, mode, FALSE, 8, &n_frames, &legend);
      g_print ("| colours and legend by %s for a new tree (worker thread, one pass) | %.2f | %.2f | — |\n",
               names[mode], now_ms () - t0, cpu_ms () - c0);
    }

  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), WIDTH, HEIGHT);
  gtk_window_set_decorated (GTK_WINDOW (window), FALSE);
  scrolled = gtk_scrolled_window_new ();
  graph = PYR_FLAME_GRAPH (pyr_flame_graph_new ());
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), GTK_WIDGET (graph));
  gtk_window_set_child (GTK_WINDOW (window), scrolled);
  gtk_window_present (GTK_WINDOW (window));
  pyr_flame_graph_set_tree (graph, tree);
  wait_layout (graph);

  g_print ("| draw %d×%d, whole profile (pyr_flame_graph_draw) | %s | ≤ 8 |\n",
           gtk_widget_get_width (GTK_WIDGET (graph)), HEIGHT, time_draw (graph, runs * 2, FALSE));
  g_print ("| draw %d×%d, whole profile (snapshot → cairo render node) | %s | ≤ 8 |\n",
           gtk_widget_get_width (GTK_WIDGET (graph)), HEIGHT, time_draw (graph, runs * 2, TRUE));

  {
    double c0 = cpu_ms ();
    guint frames = 1;

    t0 = now_ms ();
    pyr_flame_graph_zoom_to (graph, widest_at_depth (tree, 3));
    g_print ("| click zoom to depth 3: main-thread part (layout runs on a worker) | %.2f | %.2f | ≤ 16 |\n",
             now_ms () - t0, cpu_ms () - c0);
    wait_layout (graph);
    /* the first frame after a zoom shapes labels for the new widths, 2.5 ms at most */
    g_print ("| first draw after a zoom to depth 3, labels not yet shaped (snapshot → cairo render node) | %s | ≤ 8 |\n",
             time_draw (graph, 1, TRUE));
    while (pyr_flame_graph_get_labels_pending (graph) && frames < 50)
      {
        g_print ("| … frame %u after the zoom, the labels left over | %s | ≤ 8 |\n", frames + 1, time_draw (graph, 1, TRUE));
        frames++;
      }
  }
  g_print ("| draw %d×%d, zoomed to depth 3 (snapshot → cairo render node) | %s | ≤ 8 |\n",
           gtk_widget_get_width (GTK_WIDGET (graph)), HEIGHT, time_draw (graph, runs * 2, TRUE));

  {
    double c0 = cpu_ms ();
    double t_main, c_main;

    t0 = now_ms ();
    pyr_flame_graph_set_search (graph, "parse", FALSE, NULL);
    t_main = now_ms () - t0;
    c_main = cpu_ms () - c0;
    while (pyr_flame_graph_get_search_pending (graph))
      g_main_context_iteration (NULL, TRUE);
    g_print ("| search \"parse\": main-thread part | %.2f | %.2f | ≤ 16 |\n", t_main, c_main);
    g_print ("| search \"parse\": until the matches are shown (worker thread), %.1f%% matched | %.2f | | — |\n",
             100 * pyr_flame_graph_get_matched_fraction (graph), now_ms () - t0);
    {
      double matched_async = pyr_flame_graph_get_matched_fraction (graph);
      double matched_sync = 0;
      g_autofree guint8 *match = pyr_flame_tree_search (tree, "parse", FALSE, &matched_sync, NULL);

      /* the same figure as matching on the spot */
      if (fabs (matched_async - matched_sync / pyr_flame_tree_get_total (tree, 0)) > 1e-12)
        g_printerr ("matched fraction differs: %g vs %g\n", matched_async, matched_sync / pyr_flame_tree_get_total (tree, 0));
    }
  }
  g_print ("| draw with the search highlighted (snapshot → cairo render node) | %s | ≤ 8 |\n",
           time_draw (graph, runs * 2, TRUE));

  /* a live update: the views get a new tree of the same profile; zoom, selection and search move over */
  {
    g_autoptr(PyrFlameTree) again = pyr_flame_tree_new_for_call_tree (pyr_flame_tree_get_call_tree (tree));
    g_autoptr(PyrFunctionTable) table = pyr_function_table_new (pyr_flame_tree_get_call_tree (tree),
                                                                 PYR_FUNCTION_TABLE_BY_FUNCTION);
    g_autoptr(PyrFunctionTable) table2 = pyr_function_table_new (pyr_flame_tree_get_call_tree (tree),
                                                                  PYR_FUNCTION_TABLE_BY_FUNCTION);
    PyrFunctionsView *functions = PYR_FUNCTIONS_VIEW (pyr_functions_view_new ());
    double c0 = cpu_ms ();

    g_object_ref_sink (functions);
    pyr_flame_graph_set_selected_node (graph, widest_at_depth (tree, 6));
    t0 = now_ms ();
    pyr_flame_graph_replace_tree (graph, again);
    g_print ("| live update: flame graph takes a new tree (zoom, selection, search mapped; main thread) | %.2f | %.2f | ≤ 16 |\n",
             now_ms () - t0, cpu_ms () - c0);
    while (pyr_flame_graph_get_search_pending (graph))
      g_main_context_iteration (NULL, TRUE);
    wait_layout (graph);

    pyr_functions_view_set_table (functions, table);
    pyr_functions_view_select_function (functions, pyr_functions_view_get_row_function (functions, 3));
    c0 = cpu_ms ();
    t0 = now_ms ();
    pyr_functions_view_replace_table (functions, table2);
    g_print ("| live update: functions table takes a new table of %u functions (main thread) | %.2f | %.2f | ≤ 16 |\n",
             pyr_function_table_get_n_rows (table2), now_ms () - t0, cpu_ms () - c0);
    g_object_unref (functions);
  }

  gtk_window_destroy (GTK_WINDOW (window));
  return 0;
}
