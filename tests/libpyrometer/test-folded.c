/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "pyr-folded.h"

static PyrProfile *
import_string (const char  *text,
               gsize        len,
               GError     **error)
{
  g_autoptr(PyrProfile) p = pyr_profile_new ();

  if (!pyr_folded_import (p, text, len, NULL, NULL, NULL, error))
    return NULL;
  return g_steal_pointer (&p);
}

static PyrProfile *
import_data_file (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "folded", name, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize len;
  PyrProfile *p;

  g_assert_true (g_file_get_contents (path, &contents, &len, &error));
  g_assert_no_error (error);
  p = import_string (contents, len, &error);
  g_assert_no_error (error);
  return p;
}

/* "a;b;c" for a stack node, to compare with the file */
static char *
stack_text (PyrProfile *p,
            guint32     node)
{
  GString *s = g_string_new (NULL);
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);

  for (guint32 n = node; n != PYR_STACK_ROOT; n = pyr_profile_get_node_parent (p, n))
    g_ptr_array_insert (parts, 0, pyr_profile_format_frame (p, pyr_profile_get_node_frame (p, n)));
  for (guint i = 0; i < parts->len; i++)
    {
      if (i)
        g_string_append_c (s, ';');
      g_string_append (s, parts->pdata[i]);
    }
  return g_string_free (s, FALSE);
}

/* stack text -> summed weight */
static GHashTable *
stack_weights (PyrProfile *p)
{
  GHashTable *h = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  for (guint i = 0; i < pyr_profile_get_n_samples (p); i++)
    {
      char *key = stack_text (p, pyr_profile_get_sample_stack (p, i));
      double *w = g_hash_table_lookup (h, key);

      if (w == NULL)
        {
          w = g_new0 (double, 1);
          g_hash_table_insert (h, key, w);
        }
      else
        g_free (key);
      *w += pyr_profile_get_sample_weight (p, i);
    }
  return h;
}

static double
weight_of (GHashTable *h,
           const char *stack)
{
  double *w = g_hash_table_lookup (h, stack);

  return w ? *w : 0;
}

static void
check_simple (PyrProfile *p)
{
  g_autoptr(GHashTable) h = stack_weights (p);

  /* simple.txt: a;b;c 1+1+3, a;b;d 4, a;b 5 */
  g_assert_cmpuint (pyr_profile_get_n_samples (p), ==, 5);
  g_assert_cmpfloat (pyr_profile_get_total_weight (p), ==, 14);
  g_assert_cmpuint (g_hash_table_size (h), ==, 3);
  g_assert_cmpfloat (weight_of (h, "a;b;c"), ==, 5);
  g_assert_cmpfloat (weight_of (h, "a;b;d"), ==, 4);
  g_assert_cmpfloat (weight_of (h, "a;b"), ==, 5);
}

static void
test_simple (void)
{
  g_autoptr(PyrProfile) p = import_data_file ("simple.txt");
  g_autofree char *skipped = pyr_profile_dup_metadata (p, "skipped-lines");

  check_simple (p);
  g_assert_cmpstr (skipped, ==, "0");
  g_assert_cmpstr (pyr_profile_get_units (p), ==, "samples");
  /* the shared prefix a;b is one node */
  g_assert_cmpuint (pyr_profile_get_n_stack_nodes (p), ==, 5);
}

static void
test_crlf (void)
{
  g_autoptr(PyrProfile) p = import_data_file ("simple-crlf.txt");

  check_simple (p);
}

static void
test_utf16 (void)
{
  g_autoptr(PyrProfile) le = import_data_file ("simple-utf16-le.txt");
  g_autoptr(PyrProfile) be = import_data_file ("simple-utf16-be.txt");

  check_simple (le);
  check_simple (be);
}

static void
test_invalid_lines_counted (void)
{
  g_autoptr(PyrProfile) p = import_data_file ("simple-with-invalids.txt");
  g_autofree char *skipped = pyr_profile_dup_metadata (p, "skipped-lines");
  g_autofree char *first = pyr_profile_dup_metadata (p, "first-skipped-line");

  check_simple (p);
  /* "// some other comment" and "invalid line"; the '#' line is a comment */
  g_assert_cmpstr (skipped, ==, "2");
  g_assert_cmpstr (first, ==, "2");
}

static void
test_recursion_and_tall (void)
{
  g_autoptr(PyrProfile) r = import_data_file ("recursion.txt");
  g_autoptr(PyrProfile) t = import_data_file ("tall.txt");
  g_autoptr(GHashTable) h = stack_weights (r);

  g_assert_cmpfloat (pyr_profile_get_total_weight (r), ==, 10);
  g_assert_cmpfloat (weight_of (h, "a;b;a;b"), ==, 2);
  g_assert_cmpfloat (weight_of (h, "a;a"), ==, 1);
  g_assert_cmpuint (pyr_profile_get_n_samples (t), ==, 1);
  g_assert_cmpuint (pyr_profile_get_node_depth (t, pyr_profile_get_sample_stack (t, 0)), ==, 26);
}

static void
test_alternating (void)
{
  g_autoptr(PyrProfile) p = import_data_file ("alternating.txt");
  g_autoptr(GHashTable) h = stack_weights (p);

  g_assert_cmpfloat (pyr_profile_get_total_weight (p), ==, 182);
  g_assert_cmpfloat (weight_of (h, "a;b") + weight_of (h, "c;d"), ==, 182);
}

static void
test_austin (void)
{
  g_autoptr(PyrProfile) p = import_data_file ("inferno-austin-flames.txt");
  g_autofree char *mode = pyr_profile_dup_metadata (p, "austin-mode");
  guint32 leaf;

  g_assert_cmpfloat (pyr_profile_get_total_weight (p), ==, 291);
  g_assert_cmpstr (mode, ==, "wall");
  g_assert_cmpstr (pyr_profile_get_units (p), ==, "microseconds");
  g_assert_cmpuint (pyr_profile_get_n_threads (p), ==, 1);
  g_assert_cmpint (pyr_profile_get_thread_pid (p, 0), ==, 6360);
  /* P and T are the thread, not frames; frames are file:function:line */
  leaf = pyr_profile_get_sample_stack (p, 0);
  while (pyr_profile_get_node_parent (p, leaf) != PYR_STACK_ROOT)
    leaf = pyr_profile_get_node_parent (p, leaf);
  {
    guint32 f = pyr_profile_get_node_frame (p, leaf);

    g_assert_cmpstr (pyr_profile_get_string (p, pyr_profile_get_frame_name (p, f)), ==, "_install_external_importers");
    g_assert_cmpstr (pyr_profile_get_string (p, pyr_profile_get_frame_file (p, f)), ==, "<frozen importlib._bootstrap>");
    g_assert_cmpint (pyr_profile_get_frame_line (p, f), ==, 1187);
  }
}

static void
test_inferno_inputs (void)
{
  g_autoptr(PyrProfile) chart = import_data_file ("inferno-flamechart-flames.txt");
  g_autoptr(PyrProfile) narrow = import_data_file ("inferno-narrow-blocks-narrow-blocks.txt");

  g_assert_cmpuint (pyr_profile_get_n_samples (chart), ==, 427);
  g_assert_cmpfloat (pyr_profile_get_total_weight (chart), ==, 598400);
  g_assert_cmpfloat (pyr_profile_get_total_weight (narrow), ==, 386001);
}

static void
test_py_spy_labels (void)
{
  const char *text =
    "thread (0x7f00): MainThread;<module> (app.py:10);work (lib/x y.py:3) 7\n"
    "thread (0x7f00): MainThread;<module> (app.py:10) 2.5\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(PyrProfile) p = import_string (text, strlen (text), &error);
  guint32 leaf, f;

  g_assert_no_error (error);
  g_assert_cmpfloat (pyr_profile_get_total_weight (p), ==, 9.5);
  leaf = pyr_profile_get_sample_stack (p, 0);
  f = pyr_profile_get_node_frame (p, leaf);
  g_assert_cmpstr (pyr_profile_get_string (p, pyr_profile_get_frame_name (p, f)), ==, "work");
  g_assert_cmpstr (pyr_profile_get_string (p, pyr_profile_get_frame_file (p, f)), ==, "lib/x y.py");
  g_assert_cmpint (pyr_profile_get_frame_line (p, f), ==, 3);
  /* the second line's stack is a prefix of the first */
  g_assert_cmpuint (pyr_profile_get_node_parent (p, leaf), ==, pyr_profile_get_sample_stack (p, 1));
  f = pyr_profile_get_node_frame (p, pyr_profile_get_node_parent (p, pyr_profile_get_sample_stack (p, 1)));
  g_assert_cmpint (pyr_profile_get_frame_kind (p, f), ==, PYR_FRAME_THREAD);
}

static void
test_prefix_reuse_edges (void)
{
  /* lines share byte prefixes that are not whole frames */
  const char *text = "ab;cd 1\nab;c 1\nab 1\nab;cd;e 1\nabc 1\nab;cd 1\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(PyrProfile) p = import_string (text, strlen (text), &error);
  g_autoptr(GHashTable) h = NULL;

  g_assert_no_error (error);
  h = stack_weights (p);
  g_assert_cmpfloat (weight_of (h, "ab;cd"), ==, 2);
  g_assert_cmpfloat (weight_of (h, "ab;c"), ==, 1);
  g_assert_cmpfloat (weight_of (h, "ab"), ==, 1);
  g_assert_cmpfloat (weight_of (h, "ab;cd;e"), ==, 1);
  g_assert_cmpfloat (weight_of (h, "abc"), ==, 1);
}

static void
test_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PyrProfile) p = NULL;

  p = import_string ("no count here\nnor here\n", 23, &error);
  g_assert_null (p);
  g_assert_error (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "line 1"));
  g_clear_error (&error);

  p = import_string ("", 0, &error);
  g_assert_error (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_EMPTY);
  g_clear_error (&error);

  p = import_string ("\xFF\xFE\x61", 3, &error);
  g_assert_null (p);
  g_assert_nonnull (error);
  g_clear_error (&error);

  p = import_string ("a;b -3\na;b 1e999\n", 17, &error);
  g_assert_error (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_INVALID);
  g_clear_error (&error);

  /* binary junk with NULs */
  p = import_string ("a\0b;c 1\n", 8, &error);
  g_assert_error (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_INVALID);
}

static void
test_round_trip (void)
{
  const char *text =
    "main (app.py:1);f (a (b)) (app.py:7);g (m.py) 3\n"
    "main (app.py:1);h 0.25\n"
    "main (app.py:1) 10\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(PyrProfile) p = import_string (text, strlen (text), &error);
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(PyrProfile) q = NULL;
  g_autoptr(GHashTable) hp = NULL;
  g_autoptr(GHashTable) hq = NULL;
  GHashTableIter iter;
  gpointer key, value;
  const char *data;
  gsize len;

  g_assert_no_error (error);
  g_assert_true (pyr_folded_export (p, out, NULL, &error));
  g_assert_no_error (error);
  g_output_stream_close (out, NULL, NULL);
  data = g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out));
  len = g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out));
  g_assert_nonnull (g_strstr_len (data, len, "main (app.py:1);h 0.25\n"));

  q = import_string (data, len, &error);
  g_assert_no_error (error);
  hp = stack_weights (p);
  hq = stack_weights (q);
  g_assert_cmpuint (g_hash_table_size (hp), ==, g_hash_table_size (hq));
  g_hash_table_iter_init (&iter, hp);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_assert_cmpfloat (weight_of (hq, key), ==, *(double *) value);
}

/* what the fuzzer checks, on every input it ever crashed on */
static void
test_fuzz_crashes (void)
{
  g_autofree char *dir_path = g_test_build_filename (G_TEST_DIST, "data", "folded", "crashes", NULL);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;
  guint n = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)))
    {
      g_autofree char *path = g_build_filename (dir_path, name, NULL);
      g_autofree char *contents = NULL;
      g_autoptr(PyrProfile) p = pyr_profile_new ();
      g_autoptr(PyrProfile) q = pyr_profile_new ();
      g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
      g_autoptr(GError) error = NULL;
      gsize len;

      g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
      n++;
      if (!pyr_folded_import (p, contents, len, NULL, NULL, NULL, &error))
        {
          g_assert_nonnull (error);
          continue;
        }
      g_assert_true (pyr_folded_export (p, out, NULL, NULL));
      g_output_stream_close (out, NULL, NULL);
      g_assert_true (pyr_folded_import (q, g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                                        g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)),
                                        NULL, NULL, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpfloat (pyr_profile_get_total_weight (q), ==, pyr_profile_get_total_weight (p));
    }
  g_assert_cmpuint (n, >, 0);
}

static void
test_deep_and_huge (void)
{
  GString *deep = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PyrProfile) p = NULL;

  /* 100,000 frames on one line: skipped (over the depth limit), a clean error */
  for (guint i = 0; i < 100000; i++)
    g_string_append (deep, "f;");
  g_string_append (deep, "g 1\n");
  p = import_string (deep->str, deep->len, &error);
  g_assert_null (p);
  g_assert_error (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_INVALID);
  g_clear_error (&error);

  /* the same with a good line after it: imported, the deep one counted as skipped */
  g_string_append (deep, "ok 2\n");
  p = import_string (deep->str, deep->len, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (pyr_profile_get_total_weight (p), ==, 2);
  g_clear_object (&p);
  g_string_free (deep, TRUE);

  /* counts beyond 64 bits are doubles; beyond a double they are skipped */
  p = import_string ("a 123456789012345678901234567890\nb 1e400\n", 42, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pyr_profile_get_n_samples (p), ==, 1);
  g_assert_cmpfloat (pyr_profile_get_total_weight (p), >, 1e29);
  g_clear_object (&p);

  /* a differential file is told by its first line; elsewhere a leaf may end in a number */
  p = import_string ("a;b 3 5\nc 1 2\n", 14, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (pyr_profile_get_total_weight (p), ==, 7);
  g_assert_cmpuint (pyr_profile_get_node_depth (p, pyr_profile_get_sample_stack (p, 0)), ==, 2);
  g_clear_object (&p);
  p = import_string ("a;b 3\nc 1 2\n", 12, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (pyr_profile_get_total_weight (p), ==, 5);
  g_assert_cmpstr (pyr_profile_get_string (p, pyr_profile_get_frame_name (p, pyr_profile_get_node_frame (p, pyr_profile_get_sample_stack (p, 1)))), ==, "c 1");
  g_clear_object (&p);

  /* a stack of only separators has no frame to charge: skipped */
  p = import_string ("a;b 3\n;; 2\n", 11, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (pyr_profile_get_total_weight (p), ==, 3);
}

static void
test_detect (void)
{
  g_assert_true (pyr_folded_detect ("# x\na;b 1\n", 10));
  g_assert_true (pyr_folded_detect ("\xFF\xFE" "a\0", 4));
  g_assert_false (pyr_folded_detect ("{\"a\": 1}", 8));
  g_assert_false (pyr_folded_detect ("<svg>", 5));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/folded/simple", test_simple);
  g_test_add_func ("/folded/crlf", test_crlf);
  g_test_add_func ("/folded/utf16-bom", test_utf16);
  g_test_add_func ("/folded/invalid-lines-skipped-and-counted", test_invalid_lines_counted);
  g_test_add_func ("/folded/recursion-and-tall", test_recursion_and_tall);
  g_test_add_func ("/folded/alternating", test_alternating);
  g_test_add_func ("/folded/austin-collapsed", test_austin);
  g_test_add_func ("/folded/inferno-inputs-totals", test_inferno_inputs);
  g_test_add_func ("/folded/py-spy-labels", test_py_spy_labels);
  g_test_add_func ("/folded/prefix-reuse-edges", test_prefix_reuse_edges);
  g_test_add_func ("/folded/errors", test_errors);
  g_test_add_func ("/folded/round-trip", test_round_trip);
  g_test_add_func ("/folded/detect", test_detect);
  g_test_add_func ("/folded/fuzz-crashes", test_fuzz_crashes);
  g_test_add_func ("/folded/deep-and-huge", test_deep_and_huge);

  return g_test_run ();
}
