/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Benchmark of the recorder (meson test --benchmark recorder): prints tables, asserts nothing.
 *
 * 1. Decoding: a synthetic stream (8 threads, 40-frame stacks, leaves changing) fed to the live
 *    decoder in 64 KiB chunks, as the reader thread does, against the whole-file importer.
 * 2. Live recording of a real Python program (8 busy threads) at 100 and 1000 Hz: what the
 *    recording costs the caller's main thread (where the app draws) and the reader thread,
 *    and how soon the first samples arrive.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "pyr-recorder-decoder.h"
#include "pyr-recorder.h"
#include "pyr-recording.h"
#include "pyr-stream-writer.h"

#define N_THREADS 8
#define DEPTH     40

static int
append_bytes (void       *user_data,
              const void *data,
              size_t      len)
{
  g_byte_array_append (user_data, data, (guint) len);
  return 0;
}

static GByteArray *
make_stream (guint n_samples)
{
  GByteArray *bytes = g_byte_array_new ();
  struct pyr_stream_writer *w = pyr_stream_writer_new_with_func (append_bytes, bytes);
  guint32 frames[64], threads[N_THREADS], stack[DEPTH];
  char name[64];

  for (guint i = 0; i < G_N_ELEMENTS (frames); i++)
    {
      struct pyr_stream_frame f = { 0 };

      g_snprintf (name, sizeof name, "function_%u", i);
      pyr_stream_writer_add_string (w, name, strlen (name), &f.name);
      pyr_stream_writer_add_string (w, "/srv/app/module.py", 18, &f.file);
      f.line = 10 + i;
      pyr_stream_writer_add_frame (w, &f, &frames[i]);
    }
  for (guint t = 0; t < N_THREADS; t++)
    {
      struct pyr_stream_thread th = { .pid = 1000, .native_id = 1000 + t, .python_id = t + 1 };

      g_snprintf (name, sizeof name, "worker-%u", t);
      pyr_stream_writer_add_string (w, name, strlen (name), &th.name);
      pyr_stream_writer_add_thread (w, &th, &threads[t]);
    }
  for (guint i = 0; i < n_samples; i++)
    {
      guint t = i % N_THREADS;

      for (guint d = 0; d < DEPTH; d++)
        stack[d] = frames[(d + t) % 32];
      /* the leaf moves every sample, the middle now and then: a busy program's shape */
      stack[DEPTH - 1] = frames[32 + (i * 7 + t) % 16];
      stack[DEPTH / 2] = frames[48 + (i / 50) % 16];
      pyr_stream_writer_sample (w, (guint64) i * 1000000 / N_THREADS, threads[t], 0, 1, stack, DEPTH);
    }
  pyr_stream_writer_end (w, (guint64) n_samples * 1000000 / N_THREADS, PYR_STREAM_END_COMPLETE, 0, NULL);
  pyr_stream_writer_free (w);
  return bytes;
}

static void
bench_decoding (void)
{
  const guint n = 400000;
  g_autoptr(GByteArray) stream = make_stream (n);
  g_autoptr(PyrProfile) live = pyr_profile_new ();
  g_autoptr(PyrProfile) whole = pyr_profile_new ();
  g_autoptr(PyrRecorderDecoder) decoder = pyr_recorder_decoder_new (live);
  g_autoptr(GError) error = NULL;
  gint64 t0, t1, t2;

  t0 = g_get_monotonic_time ();
  for (guint off = 0; off < stream->len; off += 65536)
    pyr_recorder_decoder_feed (decoder, stream->data + off, MIN (65536u, stream->len - off), &error);
  pyr_recorder_decoder_finish (decoder, &error);
  g_assert_no_error (error);
  t1 = g_get_monotonic_time ();
  pyr_recording_import (whole, (const char *) stream->data, stream->len, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  t2 = g_get_monotonic_time ();

  printf ("Decoding %u samples (%d threads, %d frames), %.1f MB, %.1f bytes/sample\n",
          n, N_THREADS, DEPTH, stream->len / 1e6, (double) stream->len / n);
  printf ("| decoder                          | ns/sample | MB/s  | samples |\n");
  printf ("|----------------------------------|-----------|-------|---------|\n");
  printf ("| live decoder, 64 KiB chunks      | %9.0f | %5.0f | %7u |\n",
          (t1 - t0) * 1e3 / n, stream->len / (double) (t1 - t0), pyr_profile_get_n_samples (live));
  printf ("| pyr_recording_import, whole file | %9.0f | %5.0f | %7u |\n\n",
          (t2 - t1) * 1e3 / n, stream->len / (double) (t2 - t1), pyr_profile_get_n_samples (whole));
}

static const char busy_threads[] =
  "import sys, threading, time\n"
  "def leaf(n):\n"
  "    return sum(i * i for i in range(n))\n"
  "def work(stop):\n"
  "    while time.monotonic() < stop:\n"
  "        leaf(500)\n"
  "stop = time.monotonic() + float(sys.argv[1])\n"
  "ts = [threading.Thread(target=work, args=(stop,)) for _ in range(8)]\n"
  "[t.start() for t in ts]\n"
  "[t.join() for t in ts]\n";

typedef struct
{
  gboolean done;
  gint64   first_sample_us;
  gint64   start_us;
  guint    n_updates;
} LiveRun;

static void
on_updated (PyrRecorder *recorder,
            LiveRun     *run)
{
  run->n_updates++;
  if (run->first_sample_us == 0 && pyr_recorder_get_n_samples (recorder) > 0)
    run->first_sample_us = g_get_monotonic_time () - run->start_us;
}

static void
on_waited (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  g_autoptr(GError) error = NULL;

  if (!pyr_recorder_wait_finish (PYR_RECORDER (source), result, &error))
    printf ("recording failed: %s\n", error->message);
  ((LiveRun *) data)->done = TRUE;
}

static double
thread_cpu_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
process_cpu_s (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void
bench_live (const char *python,
            const char *script,
            double      rate)
{
  g_autoptr(PyrRecorder) recorder = pyr_recorder_new ();
  g_autoptr(GError) error = NULL;
  const double seconds = 3;
  char secs[16];
  LiveRun run = { 0 };
  double main0, proc0, main_cpu, proc_cpu, wall;

  g_snprintf (secs, sizeof secs, "%g", seconds);
  pyr_recorder_set_command (recorder, (const char *[]) { python, script, secs, NULL });
  pyr_recorder_set_rate (recorder, rate);
  g_signal_connect (recorder, "updated", G_CALLBACK (on_updated), &run);

  main0 = thread_cpu_s ();
  proc0 = process_cpu_s ();
  run.start_us = g_get_monotonic_time ();
  if (!pyr_recorder_start (recorder, &error))
    g_error ("%s", error->message);
  pyr_recorder_wait_async (recorder, NULL, on_waited, &run);
  while (!run.done)
    g_main_context_iteration (NULL, TRUE);
  wall = (g_get_monotonic_time () - run.start_us) / 1e6;
  main_cpu = thread_cpu_s () - main0;
  proc_cpu = process_cpu_s () - proc0;

  printf ("| %6.0f Hz | %7u | %8.0f | %7.1f | %10.2f%% | %12.2f%% | %6.0f ms | %3.1f/s |\n",
          rate, pyr_recorder_get_n_samples (recorder),
          pyr_recorder_get_n_bytes (recorder) / wall, pyr_recorder_get_n_samples (recorder) / wall,
          100 * main_cpu / wall, 100 * (proc_cpu - main_cpu) / wall, run.first_sample_us / 1e3,
          run.n_updates / wall);
}

int
main (int    argc,
      char **argv)
{
  const char *python = g_file_test ("/usr/bin/python3.11", G_FILE_TEST_IS_EXECUTABLE) ? "/usr/bin/python3.11" : NULL;
  g_autofree char *dir = NULL;
  g_autofree char *script = NULL;

  bench_decoding ();

  if (python == NULL)
    {
      printf ("no /usr/bin/python3.11: live recording not measured\n");
      return 0;
    }
  dir = g_dir_make_tmp ("pyr-recorder-bench-XXXXXX", NULL);
  script = g_build_filename (dir, "busy_threads.py", NULL);
  g_file_set_contents (script, busy_threads, -1, NULL);

  printf ("Live recording, %s, 8 busy threads, 3 s (thread samples, stream bytes/s, CPU as %% of one core)\n", python);
  printf ("|    rate   | samples | bytes/s  | samp/s  | main thread | reader thread | 1st sample | updates |\n");
  printf ("|-----------|---------|----------|---------|-------------|---------------|------------|---------|\n");
  bench_live (python, script, 100);
  bench_live (python, script, 1000);
  bench_live (python, script, 10000);

  g_unlink (script);
  g_rmdir (dir);
  return 0;
}
