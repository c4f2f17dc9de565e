/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Benchmarks of the profile model and its importers.
 *
 *   bench-model tree [N_SAMPLES]   build call trees / tables over a synthetic
 *                                  py-spy-like profile (default 1,000,000 samples)
 *   bench-model distinct [N]       the same where nearly every sample is a new stack
 *                                  (default 600,000 samples): interning, bottom-up tree
 *   bench-model load FILE...       load files through the loader (mapping, gzip,
 *                                  detection, import) and report MB/s
 *
 * Prints one table row per measurement; the last line of each run is the
 * process's peak RSS. run-bench.py runs the cases in separate processes so each
 * peak is its own.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

#include "pyr-call-tree.h"
#include "pyr-function-table.h"
#include "pyr-profile-loader.h"
#include "pyr-timeline.h"

#define N_FRAMES 5000
#define N_FILES  400

/* share of functions that always call the same callee: 0 makes nearly every sample a new stack */
static double chain = 0.85;

static double
peak_rss_mb (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0;
}

/* The same kind of walk as gen-profile.py: neighbouring samples share a prefix. */
typedef struct
{
  PyrProfile *p;
  GRand      *rand;
  guint32     frames[N_FRAMES];
  guint32     callees[N_FRAMES][6];
  guint       n_callees[N_FRAMES];
  guint32     threads[4];
  guint32     stack_frames[4][128];
  guint32     stack_nodes[4][128];
  guint       depth[4];
  guint       n;
} Generator;

static Generator *
generator_new (void)
{
  Generator *g = g_new0 (Generator, 1);
  static const char *names[] = { "run", "handle", "compute", "_inner", "visit", "parse", "load",
                                 "__call__", "step", "apply", "dispatch" };

  g->p = pyr_profile_new ();
  g->rand = g_rand_new_with_seed (1);
  for (guint i = 0; i < N_FRAMES; i++)
    {
      char name[64], file[128];

      g_snprintf (name, sizeof name, "%s_%u", names[g_rand_int_range (g->rand, 0, G_N_ELEMENTS (names))], i);
      g_snprintf (file, sizeof file, "/usr/lib/python3.12/site-packages/pkg%u/module_%u.py",
                  i % 37, g_rand_int_range (g->rand, 0, N_FILES));
      g->frames[i] = pyr_profile_intern_frame (g->p, pyr_profile_intern_string (g->p, name, -1),
                                               pyr_profile_intern_string (g->p, file, -1),
                                               g_rand_int_range (g->rand, 1, 2000), PYR_FRAME_PYTHON);
      /* most functions always call the same one (framework chains); some branch */
      g->n_callees[i] = g_rand_double (g->rand) < chain ? 1 : g_rand_int_range (g->rand, 2, 7);
      for (guint k = 0; k < g->n_callees[i]; k++)
        g->callees[i][k] = g_rand_int_range (g->rand, 0, N_FRAMES);
    }
  for (guint t = 0; t < 4; t++)
    {
      char name[32];

      g_snprintf (name, sizeof name, "worker-%u", t);
      g->threads[t] = pyr_profile_add_thread (g->p, 1000, 1000 + t, name);
      g->stack_frames[t][0] = 0;
      g->stack_nodes[t][0] = pyr_profile_intern_stack (g->p, PYR_STACK_ROOT, g->frames[0]);
      g->depth[t] = 1;
    }
  pyr_profile_set_metadata (g->p, "units", "samples");
  return g;
}

static void
generator_free (Generator *g)
{
  g_object_unref (g->p);
  g_rand_free (g->rand);
  g_free (g);
}

static void
generate (Generator *g,
          guint      n_samples)
{
  for (guint i = 0; i < n_samples; i++, g->n++)
    {
      guint t = g->n % 4;
      guint want = (guint) (-3.0 * log (1 - g_rand_double (g->rand)));
      guint pops = MIN (g->depth[t] - 1, want);
      gint target = (gint) (40 + 6 * sqrt (-2 * log (1 - g_rand_double (g->rand))) * cos (2 * G_PI * g_rand_double (g->rand)));

      target = CLAMP (target, 2, 120);
      g->depth[t] -= pops;
      while ((gint) g->depth[t] > target)
        g->depth[t]--;
      while ((gint) g->depth[t] < target)
        {
          guint d = g->depth[t];
          guint32 caller = g->stack_frames[t][d - 1];
          double u = g_rand_double (g->rand);
          guint32 f = g->callees[caller][(guint) (g->n_callees[caller] * u * u)];

          g->stack_frames[t][d] = f;
          g->stack_nodes[t][d] = pyr_profile_intern_stack (g->p, g->stack_nodes[t][d - 1], g->frames[f]);
          g->depth[t]++;
        }
      pyr_profile_append_sample (g->p, (gint64) (g->n / 4) * 10000000, g->threads[t],
                                 g->stack_nodes[t][g->depth[t] - 1], 1,
                                 g_rand_double (g->rand) < 0.1 ? PYR_SAMPLE_IDLE : 0);
    }
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

#define REPEAT 5

/* CPU time of this thread: the machine may be shared, and the queries are single-threaded */
static double
cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

#define MEASURE(label, expr, unit_note) \
  G_STMT_START { \
    double cpu[REPEAT], wall[REPEAT]; \
    for (guint r = 0; r < REPEAT; r++) \
      { \
        gint64 m0 = g_get_monotonic_time (); \
        double c0 = cpu_ms (); \
        expr; \
        cpu[r] = cpu_ms () - c0; \
        wall[r] = (g_get_monotonic_time () - m0) / 1000.0; \
      } \
    qsort (cpu, REPEAT, sizeof (double), compare_double); \
    qsort (wall, REPEAT, sizeof (double), compare_double); \
    printf ("| %-44s | %9.1f ms | %9.1f ms | %s\n", label, cpu[REPEAT / 2], wall[REPEAT / 2], unit_note); \
  } G_STMT_END

static int
bench_tree (guint n_samples)
{
  Generator *g = generator_new ();
  PyrProfile *p = g->p;
  gint64 t0 = g_get_monotonic_time ();
  g_autoptr(PyrFilter) focus = pyr_filter_new ();
  g_autoptr(PyrFilter) ranged = pyr_filter_new ();
  g_autoptr(PyrCallTree) base = NULL;
  g_autoptr(PyrCallTree) live = NULL;

  generate (g, n_samples);
  {
    g_autofree guint8 *used = g_new0 (guint8, pyr_profile_get_n_frames (p));
    guint n_used = 0;

    for (guint32 n = 1; n < pyr_profile_get_n_stack_nodes (p); n++)
      if (!used[pyr_profile_get_node_frame (p, n)]++)
        n_used++;
    printf ("synthetic profile: %u samples, %u stack nodes, %u of %u frames used, max depth 120\n",
            pyr_profile_get_n_samples (p), pyr_profile_get_n_stack_nodes (p), n_used, pyr_profile_get_n_frames (p));
  }
  printf ("built in %.0f ms, peak RSS %.0f MB\n\n",
          (g_get_monotonic_time () - t0) / 1000.0, peak_rss_mb ());
  printf ("| %-44s | %12s | %12s |\n", "query (median of 5)", "CPU", "wall");
  printf ("|%s|%s|%s|\n", "----------------------------------------------", "--------------", "--------------");

  MEASURE ("merged call tree (left heavy)", g_object_unref (pyr_call_tree_new (p, NULL, PYR_CALL_TREE_MERGED, NULL, NULL)), "goal <= 150 ms");
  MEASURE ("time-order call tree", g_object_unref (pyr_call_tree_new (p, NULL, PYR_CALL_TREE_TIME_ORDER, NULL, NULL)), "");
  MEASURE ("bottom-up call tree", g_object_unref (pyr_call_tree_new (p, NULL, PYR_CALL_TREE_BOTTOM_UP, NULL, NULL)), "");

  pyr_filter_set_include_idle (ranged, FALSE);
  pyr_filter_set_time_range (ranged, 0, pyr_profile_get_end_time (p) / 2);
  pyr_filter_add_thread (ranged, 1);
  MEASURE ("merged tree, half range + 1 thread + no idle", g_object_unref (pyr_call_tree_new (p, ranged, PYR_CALL_TREE_MERGED, NULL, NULL)), "");
  pyr_filter_set_merge_recursion (focus, TRUE);
  pyr_filter_set_focus_frame (focus, pyr_profile_get_node_frame (p, 1));
  MEASURE ("merged tree, focus + merged recursion", g_object_unref (pyr_call_tree_new (p, focus, PYR_CALL_TREE_MERGED, NULL, NULL)), "");

  base = pyr_call_tree_new (p, NULL, PYR_CALL_TREE_MERGED, NULL, NULL);
  MEASURE ("function table (from merged tree)", g_object_unref (pyr_function_table_new (base, PYR_FUNCTION_TABLE_BY_FUNCTION)), "");
  MEASURE ("line table (from merged tree)", g_object_unref (pyr_function_table_new (base, PYR_FUNCTION_TABLE_BY_LINE)), "");
  MEASURE ("timeline, 4 threads x 2000 px", g_object_unref (pyr_timeline_new (p, NULL, 0, -1, 2000, NULL, NULL)), "");

  /* a live recording: append 1% more, then update the previous tree */
  live = pyr_call_tree_new (p, NULL, PYR_CALL_TREE_MERGED, NULL, NULL);
  {
    double cpu[REPEAT], wall[REPEAT];

    for (guint r = 0; r < REPEAT; r++)
      {
        PyrCallTree *next;
        gint64 t1;
        double c1;

        generate (g, n_samples / 100);
        t1 = g_get_monotonic_time ();
        c1 = cpu_ms ();
        next = pyr_call_tree_update (live, NULL, NULL);
        cpu[r] = cpu_ms () - c1;
        wall[r] = (g_get_monotonic_time () - t1) / 1000.0;
        g_object_unref (live);
        live = next;
      }
    qsort (cpu, REPEAT, sizeof (double), compare_double);
    qsort (wall, REPEAT, sizeof (double), compare_double);
    printf ("| %-44s | %9.1f ms | %9.1f ms | %s\n", "merged tree update after +1% samples", cpu[REPEAT / 2], wall[REPEAT / 2],
            "incremental (copies O(nodes) state)");
  }

  printf ("\npeak RSS %.0f MB\n", peak_rss_mb ());
  generator_free (g);
  return 0;
}

/* Where nearly every sample is a new stack (issue 3's caveat): interning and the bottom-up tree. */
static int
bench_distinct (guint n_samples)
{
  Generator *g;
  gint64 t0;
  double start_cpu, build_ms, build_cpu;
  guint n_nodes;

  chain = 0;
  g = generator_new ();
  t0 = g_get_monotonic_time ();
  start_cpu = cpu_ms ();
  generate (g, n_samples);
  build_cpu = cpu_ms () - start_cpu;
  build_ms = (g_get_monotonic_time () - t0) / 1000.0;
  n_nodes = pyr_profile_get_n_stack_nodes (g->p);
  printf ("distinct stacks: %u samples, %u stack nodes; interning took %.0f ms CPU, %.0f ms wall "
          "(%.0f ns a node), peak RSS %.0f MB\n\n", pyr_profile_get_n_samples (g->p), n_nodes, build_cpu, build_ms,
          build_cpu * 1e6 / n_nodes, peak_rss_mb ());
  printf ("| %-44s | %12s | %12s |\n", "query (median of 5)", "CPU", "wall");
  printf ("|%s|%s|%s|\n", "----------------------------------------------", "--------------", "--------------");
  MEASURE ("merged call tree", g_object_unref (pyr_call_tree_new (g->p, NULL, PYR_CALL_TREE_MERGED, NULL, NULL)), "");
  {
    g_autoptr(PyrCallTree) merged = pyr_call_tree_new (g->p, NULL, PYR_CALL_TREE_MERGED, NULL, NULL);

    MEASURE ("function table (from merged tree)", g_object_unref (pyr_function_table_new (merged, PYR_FUNCTION_TABLE_BY_FUNCTION)), "");
  }
  MEASURE ("bottom-up call tree: roots",
           {
             PyrCallTree *t = pyr_call_tree_new (g->p, NULL, PYR_CALL_TREE_BOTTOM_UP, NULL, NULL);

             pyr_call_tree_get_first_child (t, PYR_CALL_TREE_ROOT);
             g_object_unref (t);
           }, "what a view shows first");
  MEASURE ("bottom-up: roots + heaviest path opened",
           {
             PyrCallTree *t = pyr_call_tree_new (g->p, NULL, PYR_CALL_TREE_BOTTOM_UP, NULL, NULL);

             for (guint32 n = pyr_call_tree_get_first_child (t, PYR_CALL_TREE_ROOT); n != PYR_ID_NONE;
                  n = pyr_call_tree_get_first_child (t, n))
               ;
             g_object_unref (t);
           }, "");
  MEASURE ("bottom-up: every node opened",
           {
             PyrCallTree *t = pyr_call_tree_new (g->p, NULL, PYR_CALL_TREE_BOTTOM_UP, NULL, NULL);
             guint32 n = PYR_CALL_TREE_ROOT;
             guint count = 0;

             /* depth first, as a tree view expanding everything would */
             while (n != PYR_ID_NONE)
               {
                 guint32 next = pyr_call_tree_get_first_child (t, n);

                 count++;
                 while (next == PYR_ID_NONE && n != PYR_ID_NONE)
                   {
                     next = pyr_call_tree_get_next_sibling (t, n);
                     if (next == PYR_ID_NONE)
                       n = pyr_call_tree_get_parent (t, n);
                   }
                 n = next;
               }
             g_object_unref (t);
           }, "");
  printf ("\npeak RSS %.0f MB\n", peak_rss_mb ());
  generator_free (g);
  return 0;
}

static int
bench_load (int    argc,
            char **argv)
{
  printf ("| %-40s | %9s | %9s | %9s | %10s | %8s | %9s | %11s |\n", "file", "MB", "seconds", "MB/s", "samples", "format",
          "CPU s", "MB/CPU s");
  for (int i = 0; i < argc; i++)
    {
      g_autoptr(GFile) file = g_file_new_for_path (argv[i]);
      g_autoptr(GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE, 0, NULL, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(PyrProfile) p = NULL;
      g_autofree char *base = g_path_get_basename (argv[i]);
      g_autofree char *format = NULL;
      double mb = info ? g_file_info_get_size (info) / 1e6 : 0;
      gint64 t0 = g_get_monotonic_time ();
      double c0 = cpu_ms ();
      double secs, cpu;

      p = pyr_profile_load_file (file, NULL, NULL, NULL, &error);
      secs = (g_get_monotonic_time () - t0) / 1e6;
      cpu = (cpu_ms () - c0) / 1e3;
      if (p == NULL)
        {
          printf ("| %-40s | error: %s\n", base, error->message);
          continue;
        }
      format = pyr_profile_dup_metadata (p, "source-format");
      printf ("| %-40s | %9.1f | %9.3f | %9.1f | %10u | %8s | %9.3f | %11.1f |\n", base, mb, secs, mb / secs,
              pyr_profile_get_n_samples (p), format, cpu, mb / cpu);
    }
  printf ("peak RSS %.0f MB\n", peak_rss_mb ());
  return 0;
}

int
main (int    argc,
      char **argv)
{
  if (argc >= 2 && g_str_equal (argv[1], "tree"))
    return bench_tree (argc >= 3 ? (guint) g_ascii_strtoull (argv[2], NULL, 10) : 1000000);
  if (argc >= 2 && g_str_equal (argv[1], "distinct"))
    return bench_distinct (argc >= 3 ? (guint) g_ascii_strtoull (argv[2], NULL, 10) : 600000);
  if (argc >= 3 && g_str_equal (argv[1], "load"))
    return bench_load (argc - 2, argv + 2);
  fprintf (stderr, "usage: bench-model tree [N] | bench-model distinct [N] | bench-model load FILE...\n");
  return 2;
}
