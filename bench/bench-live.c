/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench-live: what live recording costs the app. Records for real from a recording tab (the
 * sampler from this build, a real python3) and prints a table:
 *
 *   cpu      the app's CPU time (all its threads; not the sampler's) per second of wall time
 *            while recording the demo workload at 100 Hz; goal < 5 % of one core.
 *   latency  a target with 8 busy threads at 1 kHz; while the views rebuild live, a zoom step
 *            is made every 100 ms and the time from it to the end of the next painted frame
 *            is measured (wall clock, and the main thread's CPU time in it: the difference is
 *            time spent waiting for a CPU), as is the lateness of a 5 ms main-loop timer (a stall of the main
 *            thread shows there whatever caused it); goal: every interaction < 16 ms.
 *   shots DIR  screenshots of the Record Command dialog and of a live recording.
 *
 * Needs a display (Xvfb). Usage: bench-live [cpu|latency|shots DIR] [--seconds N]
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "pyr-application.h"
#include "pyr-record-dialog.h"
#include "pyr-recording-page.h"
#include "pyr-window.h"

static const char threads_target[] =
  "import threading, time\n"
  "def leaf(n):\n"
  "    x = 0\n"
  "    for i in range(n): x += i\n"
  "    return x\n"
  "def level(d, n):\n"
  "    return leaf(n) if d == 0 else level(d - 1, n)\n"
  "def worker(k):\n"
  "    while True:\n"
  "        level(k % 5 + 3, 2000 + 300 * k)\n"
  "ts = [threading.Thread(target=worker, args=(k,), name=f'worker-{k}', daemon=True) for k in range(8)]\n"
  "for t in ts: t.start()\n"
  "time.sleep(3600)\n";

static char *python;
static double seconds = 10;

static gboolean
set_flag (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
iterate_for (double s)
{
  gboolean done = FALSE;

  /* owning the context throughout, as a running main loop does (see tests/app/test-recording.c);
   * and sleeping in poll as it does (polling every millisecond cost ~1 % of a core itself) */
  g_main_context_acquire (NULL);
  g_timeout_add_full (G_PRIORITY_HIGH, (guint) (s * 1000), set_flag, &done, NULL);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  g_main_context_release (NULL);
}

static guint n_frames;

static void
count_frame (GdkFrameClock *clock,
             gpointer       data)
{
  n_frames++;
}

static double
cpu_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static PyrRecordingPage *
record (PyrWindow  *window,
        const char *const *argv,
        double      rate,
        gboolean    idle)
{
  g_autoptr(PyrRecordingRequest) request = pyr_recording_request_new ();

  request->argv = g_strdupv ((char **) argv);
  request->rate = rate;
  request->idle = idle;
  return pyr_window_record (window, request);
}

static void
stop_and_wait (PyrRecordingPage *page)
{
  pyr_recording_page_stop (page);
  while (pyr_recording_page_get_recording (page))
    g_main_context_iteration (NULL, TRUE);
}

static int
compare_double (const void *a,
                const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
percentile (GArray *values,
            double  p)
{
  if (values->len == 0)
    return 0;
  qsort (values->data, values->len, sizeof (double), compare_double);
  return g_array_index (values, double, MIN (values->len - 1, (guint) ceil (p * values->len) - (p > 0)));
}

/* ---- cpu ---- */

static void
bench_cpu (PyrWindow *window,
           gboolean   paused)
{
  g_autofree char *demo = g_build_filename (g_getenv ("PYROMETER_SOURCE_ROOT"), "data", "demo", "pyrometer_demo.py", NULL);
  const char *argv[] = { python, demo, "--quiet", NULL };
  PyrRecordingPage *page = record (window, argv, 100, FALSE);
  double cpu0, wall0, cpu, wall;
  guint n0, n1;
  PyrProfile *profile;

  iterate_for (2);   /* start-up and the first views */
  if (paused)
    pyr_profile_page_set_live (pyr_recording_page_get_profile_page (page), FALSE);
  profile = pyr_profile_page_get_profile (pyr_recording_page_get_profile_page (page));
  n0 = pyr_profile_get_n_samples (profile);
  n_frames = 0;
  g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (window)), "after-paint", G_CALLBACK (count_frame), NULL);
  cpu0 = cpu_seconds ();
  wall0 = g_get_monotonic_time () / 1e6;
  iterate_for (seconds);
  cpu = cpu_seconds () - cpu0;
  g_signal_handlers_disconnect_by_func (gtk_widget_get_frame_clock (GTK_WIDGET (window)), count_frame, NULL);
  if (g_getenv ("BENCH_LIVE_DEBUG"))
    {
      PyrProfilePage *pp = pyr_recording_page_get_profile_page (page);
      PyrFlameGraph *fg = pyr_profile_page_get_flame_graph (pp);

      g_printerr ("views pending %d, layout pending %d, labels pending %d\n",
                  pyr_profile_page_get_views_pending (pp), pyr_flame_graph_get_layout_pending (fg),
                  pyr_flame_graph_get_labels_pending (fg));
    }
  wall = g_get_monotonic_time () / 1e6 - wall0;
  n1 = pyr_profile_get_n_samples (profile);
  stop_and_wait (page);

  g_print ("| %s 100 Hz, demo workload | %.1f s | %u samples/s, %.0f frames/s | app CPU %.2f %% of one core |\n",
           paused ? "views paused," : "live", wall, (guint) ((n1 - n0) / wall), n_frames / wall, 100 * cpu / wall);
}

/* ---- latency ---- */

/* CPU time of the calling (main) thread: an interaction that took long on the wall clock but
 * little here waited for a CPU (the target's threads, other processes), not for the app. */
static double
thread_cpu_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

typedef struct
{
  GtkWidget *flame;
  GArray    *interaction_ms;
  GArray    *timer_late_ms;
  GArray    *interaction_cpu_ms;  /* of the main thread, from the step to its painted frame */
  gint64     pending_since;   /* a zoom step waiting for its frame */
  gint64     frame_began;     /* when the frame clock began the frame that paints it */
  GArray    *slot_wait_ms;    /* step → that frame's start: the frame clock's pacing */
  GArray    *frame_ms;        /* that frame's start → painted: the app's part */
  gint64     last_paint;      /* the end of the last frame, any frame */
  double     since_paint_ms;  /* for the pending step: the last frame ended this long before */
  double     worst_slot_ms, worst_since_paint_ms;
  double     pending_cpu;
  gint64     timer_expected;
  double     direction;
  guint      n_steps;
} Latency;

/* GTK paces frames to the display: a step right after a frame waits for the next slot
 * (up to one refresh interval) whatever the app does; measured apart from the frame itself. */
static void
on_before_paint (GdkFrameClock *clock,
                 Latency       *l)
{
  if (l->pending_since != 0 && l->frame_began == 0)
    l->frame_began = g_get_monotonic_time ();
}

static void
on_after_paint (GdkFrameClock *clock,
                Latency       *l)
{
  gint64 painted = g_get_monotonic_time ();

  if (l->pending_since == 0)
    l->last_paint = painted;
  else
    {
      gint64 now = g_get_monotonic_time ();
      double ms = (now - l->pending_since) / 1e3;
      gint64 began = l->frame_began != 0 ? l->frame_began : l->pending_since;
      double slot = (began - l->pending_since) / 1e3;
      double frame = (now - began) / 1e3;

      g_array_append_val (l->slot_wait_ms, slot);
      if (slot > l->worst_slot_ms)
        {
          l->worst_slot_ms = slot;
          l->worst_since_paint_ms = l->since_paint_ms;
        }
      g_array_append_val (l->frame_ms, frame);
      l->frame_began = 0;
      l->last_paint = painted;

      double cpu_ms = (thread_cpu_seconds () - l->pending_cpu) * 1e3;

      g_array_append_val (l->interaction_ms, ms);
      g_array_append_val (l->interaction_cpu_ms, cpu_ms);
      l->pending_since = 0;
    }
}

static gboolean
on_step (gpointer data)
{
  Latency *l = data;

  if (l->pending_since != 0)
    return G_SOURCE_CONTINUE;
  l->since_paint_ms = l->last_paint != 0 ? (g_get_monotonic_time () - l->last_paint) / 1e3 : -1;
  /* in and out again, around the middle, as Ctrl+scroll does */
  l->direction = (l->n_steps++ / 10) % 2 == 0 ? 1.25 : 0.8;
  l->pending_since = g_get_monotonic_time ();
  l->pending_cpu = thread_cpu_seconds ();
  pyr_flame_graph_zoom_view (PYR_FLAME_GRAPH (l->flame), l->direction,
                             gtk_widget_get_width (l->flame) / 2.0);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_timer (gpointer data)
{
  Latency *l = data;
  gint64 now = g_get_monotonic_time ();
  double late = (now - l->timer_expected) / 1e3;

  g_array_append_val (l->timer_late_ms, late);
  l->timer_expected = now + 5000;
  return G_SOURCE_CONTINUE;
}

static void
bench_latency (PyrWindow *window)
{
  const char *argv[] = { python, "-c", threads_target, NULL };
  /* idle samples kept: all 9 threads in every round, whoever holds the GIL */
  PyrRecordingPage *page = record (window, argv, 1000, TRUE);
  Latency l = { 0 };
  GdkFrameClock *clock;
  gulong paint_id, before_id;
  guint step_id, timer_id;
  double cpu0, wall0, cpu, wall;
  PyrProfile *profile;
  guint n0;

  l.interaction_ms = g_array_new (FALSE, FALSE, sizeof (double));
  l.timer_late_ms = g_array_new (FALSE, FALSE, sizeof (double));
  l.interaction_cpu_ms = g_array_new (FALSE, FALSE, sizeof (double));
  l.slot_wait_ms = g_array_new (FALSE, FALSE, sizeof (double));
  l.frame_ms = g_array_new (FALSE, FALSE, sizeof (double));
  iterate_for (2);
  l.flame = GTK_WIDGET (pyr_profile_page_get_flame_graph (pyr_recording_page_get_profile_page (page)));
  clock = gtk_widget_get_frame_clock (l.flame);
  paint_id = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), &l);
  before_id = g_signal_connect (clock, "before-paint", G_CALLBACK (on_before_paint), &l);
  profile = pyr_profile_page_get_profile (pyr_recording_page_get_profile_page (page));
  n0 = pyr_profile_get_n_samples (profile);
  cpu0 = cpu_seconds ();
  wall0 = g_get_monotonic_time () / 1e6;
  l.timer_expected = g_get_monotonic_time () + 5000;
  timer_id = g_timeout_add (5, on_timer, &l);
  step_id = g_timeout_add (100, on_step, &l);
  iterate_for (seconds);
  g_source_remove (step_id);
  g_source_remove (timer_id);
  g_signal_handler_disconnect (clock, paint_id);
  g_signal_handler_disconnect (clock, before_id);
  cpu = cpu_seconds () - cpu0;
  wall = g_get_monotonic_time () / 1e6 - wall0;

  g_print ("| live 1 kHz, 8 busy threads | %.1f s | %u samples/s, %u threads | app CPU %.1f %% of one core |\n",
           wall, (guint) ((pyr_profile_get_n_samples (profile) - n0) / wall), pyr_profile_get_n_threads (profile),
           100 * cpu / wall);
  {
    double longest = 0, longest_cpu = 0;

    for (guint i = 0; i < l.interaction_ms->len; i++)
      if (g_array_index (l.interaction_ms, double, i) > longest)
        {
          longest = g_array_index (l.interaction_ms, double, i);
          longest_cpu = g_array_index (l.interaction_cpu_ms, double, i);
        }
    g_print ("| main-thread CPU in a zoom step | %u steps | median %.1f ms, the longest step %.1f ms | max %.1f ms |\n",
             l.interaction_cpu_ms->len, percentile (l.interaction_cpu_ms, 0.5), longest_cpu,
             percentile (l.interaction_cpu_ms, 1.0));
  }
  g_print ("| zoom step → painted frame | %u steps | median %.1f ms, p99 %.1f ms | max %.1f ms |\n",
           l.interaction_ms->len, percentile (l.interaction_ms, 0.5), percentile (l.interaction_ms, 0.99),
           percentile (l.interaction_ms, 1.0));
  g_print ("| … of it waiting for the frame clock's next slot (display pacing) | %u steps | median %.1f ms, p99 %.1f ms | max %.1f ms |\n",
           l.slot_wait_ms->len, percentile (l.slot_wait_ms, 0.5), percentile (l.slot_wait_ms, 0.99),
           percentile (l.slot_wait_ms, 1.0));
  g_print ("| … the step that waited longest for its slot | %.1f ms | the frame before it ended %.1f ms before the step | |\n",
           l.worst_slot_ms, l.worst_since_paint_ms);
  g_print ("| … the frame itself: its start → painted (the app's part) | %u steps | median %.1f ms, p99 %.1f ms | max %.1f ms |\n",
           l.frame_ms->len, percentile (l.frame_ms, 0.5), percentile (l.frame_ms, 0.99),
           percentile (l.frame_ms, 1.0));
  g_print ("| 5 ms main-loop timer lateness | %u ticks | median %.1f ms, p99 %.1f ms | max %.1f ms |\n",
           l.timer_late_ms->len, percentile (l.timer_late_ms, 0.5), percentile (l.timer_late_ms, 0.99),
           percentile (l.timer_late_ms, 1.0));
  stop_and_wait (page);
  g_array_unref (l.interaction_ms);
  g_array_unref (l.timer_late_ms);
  g_array_unref (l.interaction_cpu_ms);
  g_array_unref (l.slot_wait_ms);
  g_array_unref (l.frame_ms);
}

/* ---- screenshots ---- */

static void
shoot (GtkWidget  *widget,
       const char *path)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);

  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  gdk_texture_save_to_png (texture, path);
  g_print ("wrote %s (%d×%d)\n", path, w, h);
}

static void
bench_shots (PyrWindow  *window,
             const char *dir)
{
  g_autofree char *demo = g_build_filename (g_getenv ("PYROMETER_SOURCE_ROOT"), "data", "demo", "pyrometer_demo.py", NULL);
  g_autofree char *dialog_png = g_build_filename (dir, "record-dialog.png", NULL);
  g_autofree char *live_png = g_build_filename (dir, "live-recording.png", NULL);
  g_autofree char *command = g_strdup_printf ("python3 %s --seconds 60", demo);
  const char *argv[] = { python, demo, "--seconds", "60", NULL };
  PyrRecordDialog *dialog = PYR_RECORD_DIALOG (pyr_record_dialog_new (GTK_WINDOW (window)));
  PyrRecordingPage *page;

  pyr_record_dialog_set_command_line (dialog, command);
  pyr_record_dialog_set_environment (dialog, "PYTHONHASHSEED=0");
  gtk_window_present (GTK_WINDOW (dialog));
  iterate_for (1);
  shoot (GTK_WIDGET (dialog), dialog_png);
  gtk_window_destroy (GTK_WINDOW (dialog));

  page = record (window, argv, 100, FALSE);
  iterate_for (5);
  shoot (GTK_WIDGET (window), live_png);
  stop_and_wait (page);

  /* a refusal: the sampler run unprivileged on a process it may not read */
  {
    g_autofree char *refused_png = g_build_filename (dir, "refused.png", NULL);
    g_autofree char *stub = g_build_filename (dir, "sampler-refused", NULL);
    g_autoptr(PyrRecordingRequest) request = pyr_recording_request_new ();
    g_autofree char *old = g_strdup (g_getenv ("PYROMETER_SAMPLER"));

    g_file_set_contents (stub, "#!/bin/sh\necho 'pyrometer-sampler: not allowed to inspect process 1' >&2\nexit 4\n", -1, NULL);
    g_chmod (stub, 0755);
    g_setenv ("PYROMETER_SAMPLER", stub, TRUE);
    request->pid = 1;
    page = pyr_window_record (window, request);
    while (pyr_recording_page_get_recording (page) || pyr_recording_page_get_error (page) == NULL)
      g_main_context_iteration (NULL, TRUE);
    iterate_for (1);
    shoot (GTK_WIDGET (window), refused_png);
    g_setenv ("PYROMETER_SAMPLER", old, TRUE);
  }
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *tmp = g_dir_make_tmp ("pyrometer-bench-live-XXXXXX", NULL);
  g_autofree char *state = g_build_filename (tmp, "state", NULL);
  const char *mode = argc > 1 ? argv[1] : "all";
  PyrApplication *app;
  PyrWindow *window;

  for (int i = 1; i + 1 < argc; i++)
    if (strcmp (argv[i], "--seconds") == 0)
      seconds = g_ascii_strtod (argv[i + 1], NULL);

  /* recordings of the bench go to a folder of their own */
  g_setenv ("XDG_STATE_HOME", state, TRUE);
  gtk_init ();
  adw_init ();
  if (gdk_display_get_default () == NULL)
    {
      g_printerr ("bench-live needs a display: run it under Xvfb\n");
      return 77;
    }
  if (g_getenv ("PYROMETER_SAMPLER") == NULL && g_getenv ("PYROMETER_BUILD_ROOT") != NULL)
    {
      g_autofree char *sampler = g_build_filename (g_getenv ("PYROMETER_BUILD_ROOT"), "src", "sampler", "pyrometer-sampler", NULL);

      g_setenv ("PYROMETER_SAMPLER", sampler, TRUE);
    }
  python = g_file_test ("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE) ? g_strdup ("/usr/bin/python3")
                                                                     : g_find_program_in_path ("python3");
  if (python == NULL)
    {
      g_printerr ("bench-live needs python3\n");
      return 77;
    }

  app = pyr_application_new ();
  g_application_register (G_APPLICATION (app), NULL, NULL);
  window = pyr_window_new (app);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  iterate_for (0.5);

  if (strcmp (mode, "shots") == 0)
    bench_shots (window, argc > 2 ? argv[2] : ".");
  else
    {
      g_print ("| what | time | load | result |\n|---|---|---|---|\n");
      if (strcmp (mode, "cpu") == 0 || strcmp (mode, "all") == 0)
        bench_cpu (window, FALSE);
      if (strcmp (mode, "cpu") == 0 || strcmp (mode, "all") == 0)
        bench_cpu (window, TRUE);
      if (strcmp (mode, "latency") == 0 || strcmp (mode, "all") == 0)
        bench_latency (window);
    }

  gtk_window_destroy (GTK_WINDOW (window));
  iterate_for (0.2);
  g_object_unref (app);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmp);

    (void) system (cmd);
  }
  return 0;
}
