/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "pyr-profile-loader.h"
#include "pyr-recording.h"
#include "pyr-stream-writer.h"

static int
append_bytes (void       *user_data,
              const void *data,
              size_t      len)
{
  g_byte_array_append (user_data, data, len);
  return 0;
}

static guint32
str (struct pyr_stream_writer *w,
     const char               *s)
{
  guint32 id;

  g_assert_cmpint (pyr_stream_writer_add_string (w, s, strlen (s), &id), ==, 0);
  return id;
}

/* two threads; main: 3 samples of main;work (one idle), worker: 1 sample of run */
static GByteArray *
make_stream (gboolean end)
{
  GByteArray *bytes = g_byte_array_new ();
  struct pyr_stream_writer *w = pyr_stream_writer_new_with_func (append_bytes, bytes);
  struct pyr_stream_frame fmain = { str (w, "main"), str (w, "app.py"), 3, PYR_STREAM_FRAME_PYTHON, 1 };
  struct pyr_stream_frame fwork = { str (w, "work"), str (w, "lib.py"), 10, PYR_STREAM_FRAME_PYTHON, 9 };
  struct pyr_stream_frame frun = { str (w, "run"), str (w, "threading.py"), 99, PYR_STREAM_FRAME_PYTHON, 0 };
  struct pyr_stream_thread t0 = { 42, 1, 100, str (w, "MainThread") };
  struct pyr_stream_thread t1 = { 42, 2, 101, str (w, "worker") };
  guint32 ids[3], th0, th1;
  guint32 stack[2];

  g_assert_cmpint (pyr_stream_writer_add_metadata_str (w, "rate", "100"), ==, 0);
  g_assert_cmpint (pyr_stream_writer_add_frame (w, &fmain, &ids[0]), ==, 0);
  g_assert_cmpint (pyr_stream_writer_add_frame (w, &fwork, &ids[1]), ==, 0);
  g_assert_cmpint (pyr_stream_writer_add_frame (w, &frun, &ids[2]), ==, 0);
  g_assert_cmpint (pyr_stream_writer_add_thread (w, &t0, &th0), ==, 0);
  g_assert_cmpint (pyr_stream_writer_add_thread (w, &t1, &th1), ==, 0);
  stack[0] = ids[0];
  stack[1] = ids[1];
  g_assert_cmpint (pyr_stream_writer_sample (w, 5000000, th0, 0, 1, stack, 2), ==, 0);
  g_assert_cmpint (pyr_stream_writer_sample (w, 15000000, th0, PYR_STREAM_SAMPLE_IDLE, 1, stack, 2), ==, 0);
  g_assert_cmpint (pyr_stream_writer_sample (w, 15000000, th1, PYR_STREAM_SAMPLE_GIL, 1, &ids[2], 1), ==, 0);
  g_assert_cmpint (pyr_stream_writer_sample (w, 25000000, th0, 0, 1, stack, 2), ==, 0);
  if (end)
    g_assert_cmpint (pyr_stream_writer_end (w, 30000000, PYR_STREAM_END_TARGET_EXITED, 0, NULL), ==, 0);
  g_assert_cmpint (pyr_stream_writer_flush (w), ==, 0);
  pyr_stream_writer_free (w);
  return bytes;
}

static void
check_profile (PyrProfile *p)
{
  guint32 leaf;

  g_assert_cmpuint (pyr_profile_get_n_samples (p), ==, 4);
  g_assert_cmpuint (pyr_profile_get_n_threads (p), ==, 2);
  g_assert_cmpstr (pyr_profile_get_thread_name (p, 1), ==, "worker");
  g_assert_true (pyr_profile_has_time (p));
  g_assert_cmpint (pyr_profile_get_sample_time (p, 0), ==, 0);
  g_assert_cmpint (pyr_profile_get_sample_time (p, 3), ==, 20000000);
  g_assert_cmpuint (pyr_profile_get_sample_flags (p, 1), ==, PYR_SAMPLE_IDLE);
  g_assert_cmpuint (pyr_profile_get_sample_flags (p, 2), ==, PYR_SAMPLE_HAS_GIL);
  g_assert_cmpuint (pyr_profile_get_sample_stack (p, 0), ==, pyr_profile_get_sample_stack (p, 3));
  leaf = pyr_profile_get_sample_stack (p, 0);
  g_assert_cmpstr (pyr_profile_get_string (p, pyr_profile_get_frame_name (p, pyr_profile_get_node_frame (p, leaf))), ==, "work");
  g_assert_cmpint (pyr_profile_get_frame_line (p, pyr_profile_get_node_frame (p, leaf)), ==, 10);
  g_assert_cmpuint (pyr_profile_get_node_depth (p, leaf), ==, 2);
}

static void
test_import (void)
{
  g_autoptr(GByteArray) bytes = make_stream (TRUE);
  g_autoptr(PyrProfile) p = pyr_profile_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *rate = NULL;
  g_autofree char *reason = NULL;

  g_assert_true (pyr_recording_detect ((const char *) bytes->data, bytes->len));
  g_assert_cmpint (pyr_format_detect ((const char *) bytes->data, bytes->len), ==, PYR_FORMAT_PYROMETER);
  g_assert_true (pyr_recording_import (p, (const char *) bytes->data, bytes->len, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  check_profile (p);
  rate = pyr_profile_dup_metadata (p, "rate");
  reason = pyr_profile_dup_metadata (p, "end-reason");
  g_assert_cmpstr (rate, ==, "100");
  g_assert_cmpstr (reason, ==, "target-exited");
}

static void
test_truncated_loads_whole_records (void)
{
  g_autoptr(GByteArray) bytes = make_stream (FALSE);

  /* cut at every byte: never an error past the header, never more samples than written */
  for (guint cut = 12; cut < bytes->len; cut++)
    {
      g_autoptr(PyrProfile) p = pyr_profile_new ();
      g_autoptr(GError) error = NULL;

      g_assert_true (pyr_recording_import (p, (const char *) bytes->data, cut, NULL, NULL, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (pyr_profile_get_n_samples (p), <=, 4);
    }
  {
    g_autoptr(PyrProfile) p = pyr_profile_new ();
    g_autofree char *truncated = NULL;

    g_assert_true (pyr_recording_import (p, (const char *) bytes->data, bytes->len - 1, NULL, NULL, NULL, NULL));
    truncated = pyr_profile_dup_metadata (p, "truncated");
    g_assert_nonnull (truncated);
    g_assert_cmpuint (pyr_profile_get_n_samples (p), ==, 3);
  }
}

static void
test_garbage (void)
{
  g_autoptr(GByteArray) bytes = make_stream (TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(PyrProfile) p = pyr_profile_new ();

  /* keep the header; a record length no varint reader accepts */
  for (guint i = 12; i < bytes->len; i++)
    bytes->data[i] = 0xff;
  g_assert_false (pyr_recording_import (p, (const char *) bytes->data, bytes->len, NULL, NULL, NULL, &error));
  g_assert_error (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "byte"));
}

static void
test_export_round_trip (void)
{
  g_autoptr(GByteArray) bytes = make_stream (TRUE);
  g_autoptr(PyrProfile) p = pyr_profile_new ();
  g_autoptr(PyrProfile) q = pyr_profile_new ();
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;

  g_assert_true (pyr_recording_import (p, (const char *) bytes->data, bytes->len, NULL, NULL, NULL, &error));
  g_assert_true (pyr_recording_export (p, out, NULL, &error));
  g_assert_no_error (error);
  g_output_stream_close (out, NULL, NULL);
  g_assert_true (pyr_recording_import (q, g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                                       g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)),
                                       NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  check_profile (q);
}

static void
test_export_untimed_fractional (void)
{
  g_autoptr(PyrProfile) p = pyr_profile_new ();
  g_autoptr(PyrProfile) q = pyr_profile_new ();
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;
  guint32 t = pyr_profile_add_thread (p, 1, 1, "t");
  guint32 n = pyr_profile_intern_stack (p, PYR_STACK_ROOT, pyr_profile_intern_frame_label (p, "f (a.py:1)", 10));

  pyr_profile_set_metadata (p, "units", "seconds");
  pyr_profile_append_sample (p, PYR_TIME_NONE, t, n, 0.01, 0);
  pyr_profile_append_sample (p, PYR_TIME_NONE, t, n, 0.25, 0);
  g_assert_true (pyr_recording_export (p, out, NULL, &error));
  g_output_stream_close (out, NULL, NULL);
  g_assert_true (pyr_recording_import (q, g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                                       g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)),
                                       NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (pyr_profile_has_time (q));
  g_assert_cmpstr (pyr_profile_get_units (q), ==, "nanoseconds");
  g_assert_cmpfloat (pyr_profile_get_total_weight (q), ==, 260000000.0);
}

/* written by pyrometer-sampler -r 200 from a script whose worker thread runs fib() */
static void
test_sampler_file (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "recording", "two-threads.pyrometer", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(PyrProfile) p = pyr_profile_load_file (file, NULL, NULL, NULL, &error);
  g_autofree char *rate = NULL;
  g_autofree char *format = NULL;
  double fib = 0;
  guint32 fib_thread = PYR_ID_NONE;

  g_assert_no_error (error);
  format = pyr_profile_dup_metadata (p, "source-format");
  rate = pyr_profile_dup_metadata (p, "rate");
  g_assert_cmpstr (format, ==, "pyrometer");
  g_assert_nonnull (rate);
  g_assert_cmpuint (pyr_profile_get_n_samples (p), ==, 260);
  g_assert_cmpuint (pyr_profile_get_n_threads (p), ==, 2);
  g_assert_true (pyr_profile_has_time (p));
  g_assert_cmpint (pyr_profile_get_thread_pid (p, 0), ==, pyr_profile_get_thread_pid (p, 1));
  for (guint i = 0; i < pyr_profile_get_n_samples (p); i++)
    {
      guint32 node = pyr_profile_get_sample_stack (p, i);
      guint32 leaf;

      if (i > 0)
        g_assert_cmpint (pyr_profile_get_sample_time (p, i), >=, pyr_profile_get_sample_time (p, i - 1));
      if (node == PYR_STACK_ROOT)
        continue;   /* a thread caught with no Python frame */
      leaf = pyr_profile_get_node_frame (p, node);
      if (g_str_equal (pyr_profile_get_string (p, pyr_profile_get_frame_name (p, leaf)), "fib"))
        {
          g_assert_true (g_str_has_suffix (pyr_profile_get_string (p, pyr_profile_get_frame_file (p, leaf)), "work2.py"));
          fib += pyr_profile_get_sample_weight (p, i);
          fib_thread = pyr_profile_get_sample_thread (p, i);
        }
    }
  /* fib ran in the worker only, for about 0.6 s at 200 Hz */
  g_assert_cmpfloat (fib, ==, 118);
  g_assert_cmpuint (fib_thread, ==, 1);
  g_assert_cmpstr (pyr_profile_get_thread_name (p, 0), ==, "MainThread");
}

static void
test_thread_renamed (void)
{
  GByteArray *bytes = g_byte_array_new ();
  struct pyr_stream_writer *w = pyr_stream_writer_new_with_func (append_bytes, bytes);
  struct pyr_stream_frame f = { str (w, "run"), str (w, "t.py"), 1, PYR_STREAM_FRAME_PYTHON, 0 };
  struct pyr_stream_thread t = { 7, 0, 70, PYR_STREAM_STRING_NONE };
  g_autoptr(PyrProfile) p = pyr_profile_new ();
  guint32 fid, tid;

  g_assert_cmpint (pyr_stream_writer_add_frame (w, &f, &fid), ==, 0);
  g_assert_cmpint (pyr_stream_writer_add_thread (w, &t, &tid), ==, 0);
  g_assert_cmpint (pyr_stream_writer_sample (w, 1, tid, 0, 1, &fid, 1), ==, 0);
  t.name = str (w, "worker");
  g_assert_cmpint (pyr_stream_writer_update_thread (w, tid, &t), ==, 0);
  g_assert_cmpint (pyr_stream_writer_sample (w, 2, tid, 0, 1, &fid, 1), ==, 0);
  g_assert_cmpint (pyr_stream_writer_flush (w), ==, 0);
  pyr_stream_writer_free (w);

  g_assert_true (pyr_recording_import (p, (const char *) bytes->data, bytes->len, NULL, NULL, NULL, NULL));
  g_assert_cmpuint (pyr_profile_get_n_threads (p), ==, 1);
  g_assert_cmpstr (pyr_profile_get_thread_name (p, 0), ==, "worker");
  g_assert_cmpuint (pyr_profile_get_sample_thread (p, 1), ==, 0);
  g_byte_array_unref (bytes);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/recording/import", test_import);
  g_test_add_func ("/recording/truncated-loads-whole-records", test_truncated_loads_whole_records);
  g_test_add_func ("/recording/garbage-is-an-error", test_garbage);
  g_test_add_func ("/recording/export-round-trip", test_export_round_trip);
  g_test_add_func ("/recording/export-untimed-fractional", test_export_untimed_fractional);
  g_test_add_func ("/recording/sampler-file", test_sampler_file);
  g_test_add_func ("/recording/thread-renamed", test_thread_renamed);

  return g_test_run ();
}
