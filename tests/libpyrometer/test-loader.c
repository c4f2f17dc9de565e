/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "pyr-profile-loader.h"

static GFile *
data_file (const char *dir,
           const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", dir, name, NULL);

  return g_file_new_for_path (path);
}

static GFile *
write_temp (const char *contents,
            gsize       len,
            const char *name)
{
  g_autofree char *dir = g_dir_make_tmp ("pyr-loader-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, contents, len, NULL));
  return g_file_new_for_path (path);
}

static void
test_detect (void)
{
  g_assert_cmpint (pyr_format_detect ("a;b 1\n", 6), ==, PYR_FORMAT_FOLDED);
  g_assert_cmpint (pyr_format_detect ("  {\"$schema\": 1}", 16), ==, PYR_FORMAT_SPEEDSCOPE);
  g_assert_cmpint (pyr_format_detect ("<?xml version=\"1.0\"?><svg>", 26), ==, PYR_FORMAT_FLAMEGRAPH_SVG);
  g_assert_cmpint (pyr_format_detect ("\x7f" "ELF\x02", 5), ==, PYR_FORMAT_UNKNOWN);
  g_assert_cmpint (pyr_format_detect ("<module> (a.py:1);f 3\n", 22), ==, PYR_FORMAT_FOLDED);
  g_assert_cmpint (pyr_format_from_file_name ("x.speedscope.json"), ==, PYR_FORMAT_SPEEDSCOPE);
  g_assert_cmpint (pyr_format_from_file_name ("x.SVG.gz"), ==, PYR_FORMAT_FLAMEGRAPH_SVG);
  g_assert_cmpint (pyr_format_from_file_name ("x.folded"), ==, PYR_FORMAT_FOLDED);
  g_assert_cmpint (pyr_format_from_name ("speedscope"), ==, PYR_FORMAT_SPEEDSCOPE);
  g_assert_cmpstr (pyr_format_get_name (PYR_FORMAT_FOLDED), ==, "folded");
}

static void
progress_cb (double   fraction,
             gpointer user_data)
{
  double *last = user_data;

  g_assert_cmpfloat (fraction, >=, *last);
  *last = fraction;
}

static void
test_load_by_content (void)
{
  /* a folded file with a misleading name */
  g_autoptr(GFile) file = write_temp ("a;b;c 2\na;b 3\n", 14, "profile.svg");
  g_autoptr(GError) error = NULL;
  g_autoptr(PyrProfile) p = NULL;
  g_autofree char *format = NULL;
  double last = 0;

  p = pyr_profile_load_file (file, progress_cb, &last, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (pyr_profile_get_total_weight (p), ==, 5);
  format = pyr_profile_dup_metadata (p, "source-format");
  g_assert_cmpstr (format, ==, "folded");
  g_assert_cmpfloat (last, ==, 1.0);
}

static void
test_load_gzip (void)
{
  g_autoptr(GFile) src = data_file ("folded", "simple.txt");
  g_autoptr(GBytes) plain = g_file_load_bytes (src, NULL, NULL, NULL);
  g_autoptr(GZlibCompressor) comp = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6);
  g_autoptr(GOutputStream) mem = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) gz = g_converter_output_stream_new (mem, G_CONVERTER (comp));
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PyrProfile) p = NULL;

  g_assert_nonnull (plain);
  g_assert_true (g_output_stream_write_all (gz, g_bytes_get_data (plain, NULL), g_bytes_get_size (plain), NULL, NULL, NULL));
  g_assert_true (g_output_stream_close (gz, NULL, NULL));
  file = write_temp (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (mem)),
                     g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (mem)),
                     "simple.dat");
  p = pyr_profile_load_file (file, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (pyr_profile_get_total_weight (p), ==, 14);
}

static void
test_errors_name_file_and_format (void)
{
  g_autoptr(GFile) bad = write_temp ("just some words\nand more\n", 25, "bad.txt");
  g_autoptr(GFile) empty = write_temp ("", 0, "empty.txt");
  g_autoptr(GFile) binary = write_temp ("\x7f" "ELF\x02\x01\x01\0\0\0", 10, "binary");
  g_autoptr(GFile) missing = g_file_new_for_path ("/nonexistent/pyrometer/file.json");
  g_autoptr(GFile) badgz = write_temp ("\x1f\x8b\x08\0garbage", 11, "bad.gz");
  g_autoptr(GError) error = NULL;
  g_autoptr(PyrProfile) p = NULL;

  p = pyr_profile_load_file (bad, NULL, NULL, NULL, &error);
  g_assert_null (p);
  g_assert_error (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "bad.txt: "));
  g_clear_error (&error);

  p = pyr_profile_load_file (empty, NULL, NULL, NULL, &error);
  g_assert_error (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_EMPTY);
  g_assert_nonnull (strstr (error->message, "empty.txt"));
  g_clear_error (&error);

  p = pyr_profile_load_file (binary, NULL, NULL, NULL, &error);
  g_assert_error (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_UNSUPPORTED);
  g_clear_error (&error);

  p = pyr_profile_load_file (missing, NULL, NULL, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "file.json"));
  g_clear_error (&error);

  p = pyr_profile_load_file (badgz, NULL, NULL, NULL, &error);
  g_assert_null (p);
  g_assert_nonnull (error);
}

static void
loaded_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  PyrProfile **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = pyr_profile_load_file_finish (result, &error);
  g_assert_no_error (error);
}

static void
test_load_async (void)
{
  g_autoptr(GFile) file = data_file ("folded", "inferno-flamechart-flames.txt");
  PyrProfile *p = NULL;

  pyr_profile_load_file_async (file, NULL, NULL, NULL, NULL, loaded_cb, &p);
  while (p == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpfloat (pyr_profile_get_total_weight (p), ==, 598400);
  g_object_unref (p);
}

typedef struct
{
  guint   calls;
  double  last;
  GThread *thread;
} ProgressSeen;

static void
progress_on_main (double   fraction,
                  gpointer user_data)
{
  ProgressSeen *seen = user_data;

  /* delivered on the caller's main context, not the worker */
  g_assert_true (g_thread_self () == seen->thread);
  g_assert_cmpfloat (fraction, >=, seen->last);
  seen->last = fraction;
  seen->calls++;
}

static void
test_load_async_progress (void)
{
  GString *big = g_string_new (NULL);
  g_autoptr(GFile) file = NULL;
  ProgressSeen seen = { 0, 0, g_thread_self () };
  PyrProfile *p = NULL;

  for (guint i = 0; big->len < (12u << 20); i++)
    g_string_append_printf (big, "main;work_%u;leaf %u\n", i % 1000, 1 + i % 3);
  file = write_temp (big->str, big->len, "big.folded");
  g_string_free (big, TRUE);

  pyr_profile_load_file_async (file, progress_on_main, &seen, NULL, NULL, loaded_cb, &p);
  while (p == NULL)
    g_main_context_iteration (NULL, TRUE);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (seen.calls, >, 0);
  g_assert_cmpfloat (seen.last, ==, 1.0);
  g_object_unref (p);
}

static void
test_load_cancelled (void)
{
  GString *big = g_string_new (NULL);
  g_autoptr(GFile) file = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PyrProfile) p = NULL;

  while (big->len < (10u << 20))
    g_string_append (big, "main;work;more work 1\n");
  file = write_temp (big->str, big->len, "big.txt");
  g_string_free (big, TRUE);
  g_cancellable_cancel (cancellable);
  p = pyr_profile_load_file (file, NULL, NULL, cancellable, &error);
  g_assert_null (p);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_save_round_trip (void)
{
  g_autoptr(GFile) in = data_file ("folded", "recursion.txt");
  g_autofree char *dir = g_dir_make_tmp ("pyr-save-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "out.folded", NULL);
  g_autoptr(GFile) out = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(PyrProfile) p = pyr_profile_load_file (in, NULL, NULL, NULL, &error);
  g_autoptr(PyrProfile) q = NULL;

  g_assert_no_error (error);
  g_assert_true (pyr_profile_save_file (p, PYR_FORMAT_FOLDED, out, NULL, &error));
  g_assert_no_error (error);
  q = pyr_profile_load_file (out, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (pyr_profile_get_total_weight (q), ==, 10);
  g_assert_cmpuint (pyr_profile_get_n_stack_nodes (q), ==, pyr_profile_get_n_stack_nodes (p));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/loader/detect", test_detect);
  g_test_add_func ("/loader/by-content-not-name", test_load_by_content);
  g_test_add_func ("/loader/gzip", test_load_gzip);
  g_test_add_func ("/loader/errors-name-file-and-format", test_errors_name_file_and_format);
  g_test_add_func ("/loader/async", test_load_async);
  g_test_add_func ("/loader/async-progress-on-main", test_load_async_progress);
  g_test_add_func ("/loader/cancelled", test_load_cancelled);
  g_test_add_func ("/loader/save-round-trip", test_save_round_trip);

  return g_test_run ();
}
