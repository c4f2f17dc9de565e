/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "pyr-call-tree.h"
#include "pyr-diff.h"
#include "pyr-folded.h"
#include "pyr-function-table.h"
#include "pyr-timeline.h"

static PyrProfile *
folded (const char *text)
{
  g_autoptr(PyrProfile) p = pyr_profile_new ();
  g_autoptr(GError) error = NULL;

  pyr_folded_import (p, text, strlen (text), NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&p);
}

static const char *
node_name (PyrCallTree *tree,
           guint32      node)
{
  PyrProfile *p = pyr_call_tree_get_profile (tree);

  return pyr_profile_get_string (p, pyr_profile_get_frame_name (p, pyr_call_tree_get_frame (tree, node)));
}

/* "a(5)[b(3)[c(3)] d(2)]" style dump of the linked tree, children in order */
static void
dump (PyrCallTree *tree,
      guint32      node,
      GString     *out)
{
  gboolean first = TRUE;

  for (guint32 c = pyr_call_tree_get_first_child (tree, node); c != PYR_ID_NONE;
       c = pyr_call_tree_get_next_sibling (tree, c))
    {
      if (!first)
        g_string_append_c (out, ' ');
      first = FALSE;
      g_string_append_printf (out, "%s(%g)", node_name (tree, c), pyr_call_tree_get_node_total (tree, c));
      if (pyr_call_tree_get_first_child (tree, c) != PYR_ID_NONE)
        {
          g_string_append_c (out, '[');
          dump (tree, c, out);
          g_string_append_c (out, ']');
        }
    }
}

static char *
tree_text (PyrProfile      *p,
           const PyrFilter *filter,
           PyrCallTreeKind  kind)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PyrCallTree) tree = pyr_call_tree_new (p, filter, kind, NULL, &error);
  GString *out = g_string_new (NULL);

  g_assert_no_error (error);
  dump (tree, PYR_CALL_TREE_ROOT, out);
  return g_string_free (out, FALSE);
}

static guint32
frame_named (PyrProfile *p,
             const char *name)
{
  for (guint32 f = 0; f < pyr_profile_get_n_frames (p); f++)
    if (g_str_equal (pyr_profile_get_string (p, pyr_profile_get_frame_name (p, f)), name))
      return f;
  g_assert_not_reached ();
}

static void
test_merged_left_heavy (void)
{
  g_autoptr(PyrProfile) p = folded ("a;b;c 1\na;d 2\na;b;c 2\ne 1\na;b 1\n");
  g_autofree char *text = tree_text (p, NULL, PYR_CALL_TREE_MERGED);

  g_assert_cmpstr (text, ==, "a(6)[b(4)[c(3)] d(2)] e(1)");
}

static void
test_time_order (void)
{
  g_autoptr(PyrProfile) p = folded ("a;b 1\na;b 1\na;c 1\na;b 1\nd 1\na 1\n");
  g_autofree char *text = tree_text (p, NULL, PYR_CALL_TREE_TIME_ORDER);

  /* consecutive equal prefixes merge, a later return to b is a new node */
  g_assert_cmpstr (text, ==, "a(4)[b(2) c(1) b(1)] d(1) a(1)");
}

static void
test_bottom_up (void)
{
  g_autoptr(PyrProfile) p = folded ("a;b;c 3\nx;c 2\na;b 1\n");
  g_autofree char *text = tree_text (p, NULL, PYR_CALL_TREE_BOTTOM_UP);

  g_assert_cmpstr (text, ==, "c(5)[b(3)[a(3)] x(2)] b(1)[a(1)]");
}

/* Every inverted path with its total and self, "c<b<a" style, by walking the opened tree. */
static void
collect_paths (PyrCallTree *tree,
               guint32      node,
               const char  *prefix,
               GHashTable  *out)
{
  for (guint32 c = pyr_call_tree_get_first_child (tree, node); c != PYR_ID_NONE;
       c = pyr_call_tree_get_next_sibling (tree, c))
    {
      g_autofree char *path = prefix ? g_strdup_printf ("%s<%s", prefix, node_name (tree, c)) : g_strdup (node_name (tree, c));

      /* siblings come heaviest first */
      if (pyr_call_tree_get_next_sibling (tree, c) != PYR_ID_NONE)
        g_assert_cmpfloat (pyr_call_tree_get_node_total (tree, c), >=,
                           pyr_call_tree_get_node_total (tree, pyr_call_tree_get_next_sibling (tree, c)));
      g_assert_cmpuint (pyr_call_tree_get_parent (tree, c), ==, node);
      g_assert_cmpuint (pyr_call_tree_get_depth (tree, c), ==, pyr_call_tree_get_depth (tree, node) + 1);
      g_hash_table_insert (out, g_strdup (path),
                           g_strdup_printf ("%g/%g", pyr_call_tree_get_node_total (tree, c), pyr_call_tree_get_self (tree, c)));
      collect_paths (tree, c, path, out);
    }
}

static void
test_bottom_up_lazy_matches_stacks (void)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GHashTable) want = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) want_self = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) got = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  g_autoptr(PyrProfile) p = NULL;
  g_autoptr(PyrCallTree) tree = NULL;
  GHashTableIter iter;
  gpointer key, value;
  guint n_opened;

  /* random stacks over few frames (so paths share and recurse), with their counts */
  for (guint i = 0; i < 400; i++)
    {
      guint depth = g_rand_int_range (rand, 1, 7);
      guint count = g_rand_int_range (rand, 1, 5);
      g_autoptr(GPtrArray) frames = g_ptr_array_new ();
      g_autoptr(GString) path = g_string_new (NULL);

      for (guint d = 0; d < depth; d++)
        {
          static const char *names[] = { "a", "b", "c", "d", "e" };

          g_ptr_array_add (frames, (gpointer) names[g_rand_int_range (rand, 0, 5)]);
          g_string_append_printf (text, "%s%s", d ? ";" : "", (const char *) frames->pdata[d]);
        }
      g_string_append_printf (text, " %u\n", count);
      /* the inverted paths this stack adds to: leaf first */
      for (guint d = depth; d-- > 0;)
        {
          double *w;

          g_string_append_printf (path, "%s%s", d + 1 < depth ? "<" : "", (const char *) frames->pdata[d]);
          if (!(w = g_hash_table_lookup (want, path->str)))
            g_hash_table_insert (want, g_strdup (path->str), (w = g_new0 (double, 1)));
          *w += count;
        }
      {
        double *w;

        if (!(w = g_hash_table_lookup (want_self, path->str)))
          g_hash_table_insert (want_self, g_strdup (path->str), (w = g_new0 (double, 1)));
        *w += count;
      }
    }

  p = folded (text->str);
  tree = pyr_call_tree_new (p, NULL, PYR_CALL_TREE_BOTTOM_UP, NULL, NULL);
  g_assert_cmpuint (pyr_call_tree_get_n_nodes (tree), ==, 1);   /* nothing opened yet */
  g_assert_cmpfloat (pyr_call_tree_get_total (tree), ==, pyr_profile_get_total_weight (p));

  collect_paths (tree, PYR_CALL_TREE_ROOT, NULL, got);
  n_opened = pyr_call_tree_get_n_nodes (tree);
  g_assert_cmpuint (n_opened, ==, g_hash_table_size (want) + 1);
  g_assert_cmpuint (g_hash_table_size (got), ==, g_hash_table_size (want));
  g_hash_table_iter_init (&iter, want);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      double *self = g_hash_table_lookup (want_self, key);
      g_autofree char *expected = g_strdup_printf ("%g/%g", *(double *) value, self ? *self : 0);

      g_assert_cmpstr (g_hash_table_lookup (got, key), ==, expected);
    }
  g_assert_cmpuint (pyr_call_tree_get_max_depth (tree), ==, 6);

  /* opening all of it afterwards adds nothing; a fresh tree opened at once has the same count */
  pyr_call_tree_open_all (tree);
  g_assert_cmpuint (pyr_call_tree_get_n_nodes (tree), ==, n_opened);
  {
    g_autoptr(PyrCallTree) all = pyr_call_tree_new (p, NULL, PYR_CALL_TREE_BOTTOM_UP, NULL, NULL);

    pyr_call_tree_open_all (all);
    g_assert_cmpuint (pyr_call_tree_get_n_nodes (all), ==, n_opened);
  }
}

static void
test_limited (void)
{
  g_autoptr(PyrProfile) p = folded ("a;b 1\na;c 2\nd 4\n");
  g_autoptr(PyrCallTree) two = pyr_call_tree_new_limited (p, NULL, PYR_CALL_TREE_MERGED, 2, NULL, NULL);
  g_autoptr(PyrCallTree) more = pyr_call_tree_new_limited (p, NULL, PYR_CALL_TREE_MERGED, 99, NULL, NULL);
  g_autoptr(PyrCallTree) inverted = pyr_call_tree_new_limited (p, NULL, PYR_CALL_TREE_BOTTOM_UP, 1, NULL, NULL);
  g_autoptr(PyrCallTree) rest = NULL;

  g_assert_cmpuint (pyr_profile_get_n_samples (p), ==, 3);
  g_assert_cmpuint (pyr_call_tree_get_n_samples_seen (two), ==, 2);
  g_assert_cmpfloat (pyr_call_tree_get_total (two), ==, 3);
  g_assert_cmpuint (pyr_call_tree_get_n_samples_seen (more), ==, 3);   /* only what there is */
  g_assert_cmpfloat (pyr_call_tree_get_total (more), ==, 7);
  g_assert_cmpfloat (pyr_call_tree_get_total (inverted), ==, 1);
  /* an update goes on to the end */
  rest = pyr_call_tree_update (two, NULL, NULL);
  g_assert_cmpfloat (pyr_call_tree_get_total (rest), ==, 7);
}

static void
test_filter_hidden_and_focus (void)
{
  g_autoptr(PyrProfile) p = folded ("main;lib;work 3\nmain;lib;other;work 2\nmain;idle 5\n");
  g_autoptr(PyrFilter) f = pyr_filter_new ();
  g_autofree char *hidden = NULL;
  g_autofree char *focused = NULL;

  pyr_filter_add_hidden_frame (f, frame_named (p, "lib"));
  hidden = tree_text (p, f, PYR_CALL_TREE_MERGED);
  g_assert_cmpstr (hidden, ==, "main(10)[idle(5) work(3) other(2)[work(2)]]");

  pyr_filter_clear_hidden_frames (f);
  pyr_filter_set_focus_frame (f, frame_named (p, "lib"));
  focused = tree_text (p, f, PYR_CALL_TREE_MERGED);
  g_assert_cmpstr (focused, ==, "lib(5)[work(3) other(2)[work(2)]]");
}

static void
test_filter_merge_recursion (void)
{
  g_autoptr(PyrProfile) p = folded ("a;b;a;c 2\na;b;a;b 1\n");
  g_autoptr(PyrFilter) f = pyr_filter_new ();
  g_autofree char *text = NULL;

  pyr_filter_set_merge_recursion (f, TRUE);
  text = tree_text (p, f, PYR_CALL_TREE_MERGED);
  g_assert_cmpstr (text, ==, "a(3)[b(3)[c(2)]]");
}

static PyrProfile *
timed_profile (void)
{
  g_autoptr(PyrProfile) p = pyr_profile_new ();
  guint32 t0 = pyr_profile_add_thread (p, 1, 1, "main");
  guint32 t1 = pyr_profile_add_thread (p, 1, 2, "worker");
  guint32 fa = pyr_profile_intern_frame_label (p, "a", 1);
  guint32 fb = pyr_profile_intern_frame_label (p, "b", 1);
  guint32 na = pyr_profile_intern_stack (p, PYR_STACK_ROOT, fa);
  guint32 nb = pyr_profile_intern_stack (p, na, fb);

  /* 10 samples, 1 ms apart, alternating threads; every third is idle */
  for (guint i = 0; i < 10; i++)
    pyr_profile_append_sample (p, i * 1000000, i % 2 ? t1 : t0, i < 5 ? na : nb, 1,
                               i % 3 == 0 ? PYR_SAMPLE_IDLE : 0);
  return g_steal_pointer (&p);
}

static void
test_filter_time_thread_idle (void)
{
  g_autoptr(PyrProfile) p = timed_profile ();
  g_autoptr(PyrFilter) f = pyr_filter_new ();
  g_autoptr(PyrCallTree) t = NULL;

  pyr_filter_set_time_range (f, 2000000, 8000000);  /* samples 2..7 */
  t = pyr_call_tree_new (p, f, PYR_CALL_TREE_MERGED, NULL, NULL);
  g_assert_cmpfloat (pyr_call_tree_get_total (t), ==, 6);
  g_clear_object (&t);

  pyr_filter_add_thread (f, 1);                       /* 3, 5, 7 */
  t = pyr_call_tree_new (p, f, PYR_CALL_TREE_MERGED, NULL, NULL);
  g_assert_cmpfloat (pyr_call_tree_get_total (t), ==, 3);
  g_clear_object (&t);

  pyr_filter_set_include_idle (f, FALSE);             /* 3 is idle */
  t = pyr_call_tree_new (p, f, PYR_CALL_TREE_MERGED, NULL, NULL);
  g_assert_cmpfloat (pyr_call_tree_get_total (t), ==, 2);
  g_assert_cmpuint (pyr_call_tree_get_n_samples (t), ==, 2);
}

static void
test_incremental_update (void)
{
  g_autoptr(PyrProfile) p = folded ("a;b 1\na;c 2\n");
  g_autoptr(PyrCallTree) t1 = pyr_call_tree_new (p, NULL, PYR_CALL_TREE_MERGED, NULL, NULL);
  g_autoptr(PyrCallTree) o1 = pyr_call_tree_new (p, NULL, PYR_CALL_TREE_TIME_ORDER, NULL, NULL);
  g_autoptr(PyrCallTree) b1 = pyr_call_tree_new (p, NULL, PYR_CALL_TREE_BOTTOM_UP, NULL, NULL);
  g_autoptr(PyrCallTree) t2 = NULL;
  g_autoptr(PyrCallTree) o2 = NULL;
  g_autoptr(PyrCallTree) b2 = NULL;
  g_autoptr(PyrCallTree) fresh = NULL;
  GString *a = g_string_new (NULL), *b = g_string_new (NULL);
  guint32 fa = frame_named (p, "a"), fc = frame_named (p, "c");
  guint32 nd;

  nd = pyr_profile_intern_stack (p, pyr_profile_intern_stack (p, PYR_STACK_ROOT, fa),
                                 pyr_profile_intern_frame_label (p, "d", 1));
  pyr_profile_append_sample (p, PYR_TIME_NONE, 0, nd, 4, 0);
  pyr_profile_append_sample (p, PYR_TIME_NONE, 0, pyr_profile_intern_stack (p, PYR_STACK_ROOT, fc), 1, 0);

  t2 = pyr_call_tree_update (t1, NULL, NULL);
  o2 = pyr_call_tree_update (o1, NULL, NULL);
  b2 = pyr_call_tree_update (b1, NULL, NULL);
  g_assert_cmpuint (pyr_call_tree_get_n_samples_seen (t1), ==, 2);
  g_assert_cmpuint (pyr_call_tree_get_n_samples_seen (t2), ==, 4);
  g_assert_cmpfloat (pyr_call_tree_get_total (t1), ==, 3);   /* old tree untouched */
  g_assert_cmpfloat (pyr_call_tree_get_total (t2), ==, 8);

  fresh = pyr_call_tree_new (p, NULL, PYR_CALL_TREE_MERGED, NULL, NULL);
  dump (t2, 0, a);
  dump (fresh, 0, b);
  g_assert_cmpstr (a->str, ==, b->str);
  g_assert_cmpstr (a->str, ==, "a(7)[d(4) c(2) b(1)] c(1)");

  g_string_truncate (a, 0);
  dump (o2, 0, a);
  g_assert_cmpstr (a->str, ==, "a(7)[b(1) c(2) d(4)] c(1)");
  g_string_truncate (a, 0);
  dump (b2, 0, a);
  g_assert_cmpstr (a->str, ==, "d(4)[a(4)] c(3)[a(2)] b(1)[a(1)]");

  /* nothing new: the same tree back */
  g_assert_true (pyr_call_tree_update (t2, NULL, NULL) == t2);
  g_object_unref (t2);
  g_string_free (a, TRUE);
  g_string_free (b, TRUE);
}

static void
built_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  PyrCallTree **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = pyr_call_tree_new_finish (result, &error);
  g_assert_no_error (error);
}

static void
test_async_and_cancel (void)
{
  g_autoptr(PyrProfile) p = folded ("a;b 1\na;c 2\n");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  PyrCallTree *tree = NULL;

  pyr_call_tree_new_async (p, NULL, PYR_CALL_TREE_MERGED, NULL, built_cb, &tree);
  while (tree == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpfloat (pyr_call_tree_get_total (tree), ==, 3);
  g_object_unref (tree);

  g_cancellable_cancel (cancellable);
  g_assert_null (pyr_call_tree_new (p, NULL, PYR_CALL_TREE_MERGED, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_function_table_recursion_once (void)
{
  g_autoptr(PyrProfile) p = folded ("main (m.py:1);f (m.py:5);g (m.py:9);f (m.py:6) 4\n"
                                    "main (m.py:1);f (m.py:5) 1\n"
                                    "main (m.py:1);g (m.py:9) 2\n");
  g_autoptr(PyrCallTree) tree = pyr_call_tree_new (p, NULL, PYR_CALL_TREE_MERGED, NULL, NULL);
  g_autoptr(PyrFunctionTable) table = pyr_function_table_new (tree, PYR_FUNCTION_TABLE_BY_FUNCTION);
  g_autofree guint32 *order = NULL;
  guint32 f_row, g_row, main_row;
  const PyrFunctionEdge *edges;
  guint n;

  f_row = pyr_function_table_lookup_frame (table, frame_named (p, "f"));
  g_row = pyr_function_table_lookup_frame (table, frame_named (p, "g"));
  main_row = pyr_function_table_lookup_frame (table, frame_named (p, "main"));
  g_assert_cmpuint (pyr_function_table_get_n_rows (table), ==, 3);
  /* f at lines 5 and 6 is one function; counted once per sample */
  g_assert_cmpfloat (pyr_function_table_get_total (table, f_row), ==, 5);
  g_assert_cmpfloat (pyr_function_table_get_self (table, f_row), ==, 5);
  g_assert_cmpint (pyr_function_table_get_line (table, f_row), ==, 5);
  g_assert_cmpfloat (pyr_function_table_get_total (table, g_row), ==, 6);
  g_assert_cmpfloat (pyr_function_table_get_self (table, g_row), ==, 2);
  g_assert_cmpfloat (pyr_function_table_get_total (table, main_row), ==, 7);

  order = pyr_function_table_get_sorted (table, PYR_FUNCTION_TABLE_SORT_SELF, &n);
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpuint (order[0], ==, f_row);

  /* callers of f: main (5) and g (4) */
  edges = pyr_function_table_get_callers (table, f_row, &n);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpuint (edges[0].row, ==, main_row);
  g_assert_cmpfloat (edges[0].weight, ==, 5);
  g_assert_cmpuint (edges[1].row, ==, g_row);
  g_assert_cmpfloat (edges[1].weight, ==, 4);
  edges = pyr_function_table_get_callees (table, main_row, &n);
  g_assert_cmpuint (n, ==, 2);
}

static void
test_line_table (void)
{
  g_autoptr(PyrProfile) p = folded ("main (m.py:1);f (m.py:5) 4\n"
                                    "main (m.py:1);f (m.py:6) 1\n"
                                    "main (m.py:2) 2\n");
  g_autoptr(PyrCallTree) tree = pyr_call_tree_new (p, NULL, PYR_CALL_TREE_MERGED, NULL, NULL);
  g_autoptr(PyrFunctionTable) table = pyr_function_table_new (tree, PYR_FUNCTION_TABLE_BY_LINE);
  guint32 r5 = PYR_ID_NONE, r1 = PYR_ID_NONE;

  g_assert_cmpuint (pyr_function_table_get_n_rows (table), ==, 4);
  for (guint32 r = 0; r < pyr_function_table_get_n_rows (table); r++)
    {
      if (pyr_function_table_get_line (table, r) == 5)
        r5 = r;
      if (pyr_function_table_get_line (table, r) == 1)
        r1 = r;
      g_assert_cmpstr (pyr_profile_get_string (p, pyr_function_table_get_file (table, r)), ==, "m.py");
    }
  g_assert_cmpfloat (pyr_function_table_get_self (table, r5), ==, 4);
  g_assert_cmpfloat (pyr_function_table_get_total (table, r1), ==, 5);
  g_assert_cmpfloat (pyr_function_table_get_self (table, r1), ==, 0);
}

/* Stacks that differ only by the line of one frame: one node per function when lines are
 * merged, one per line otherwise; the function table is the same either way. */
static void
test_filter_merge_lines (void)
{
  g_autoptr(PyrProfile) p = folded ("main (m.py:1);run (m.py:10);a (m.py:20) 3\n"
                                    "main (m.py:1);run (m.py:11);a (m.py:20) 2\n"
                                    "main (m.py:1);run (m.py:12) 1\n"
                                    "main (m.py:1);other (o.py:3) 1\n");
  g_autoptr(PyrFilter) filter = pyr_filter_new ();
  g_autoptr(PyrFilter) copy = NULL;
  g_autofree char *split = tree_text (p, NULL, PYR_CALL_TREE_MERGED);
  g_autofree char *merged = NULL;
  g_autofree char *bottom_up = NULL;
  g_autoptr(PyrCallTree) tree = NULL;
  g_autoptr(PyrFunctionTable) table = NULL;
  guint32 run;

  g_assert_cmpstr (split, ==, "main(7)[run(3)[a(3)] run(2)[a(2)] run(1) other(1)]");
  pyr_filter_set_merge_lines (filter, TRUE);
  g_assert_true (pyr_filter_get_merge_lines (filter));
  copy = pyr_filter_copy (filter);
  g_assert_true (pyr_filter_equal (filter, copy));
  pyr_filter_set_merge_lines (copy, FALSE);
  g_assert_false (pyr_filter_equal (filter, copy));
  merged = tree_text (p, filter, PYR_CALL_TREE_MERGED);
  g_assert_cmpstr (merged, ==, "main(7)[run(6)[a(5)] other(1)]");
  bottom_up = tree_text (p, filter, PYR_CALL_TREE_BOTTOM_UP);
  g_assert_cmpstr (bottom_up, ==, "a(5)[run(5)[main(5)]] run(1)[main(1)] other(1)[main(1)]");

  /* the table of the merged tree counts run once, and finds it by any of its frames */
  tree = pyr_call_tree_new (p, filter, PYR_CALL_TREE_MERGED, NULL, NULL);
  table = pyr_function_table_new (tree, PYR_FUNCTION_TABLE_BY_FUNCTION);
  g_assert_cmpuint (pyr_function_table_get_n_rows (table), ==, 4);
  run = pyr_function_table_lookup_frame (table, frame_named (p, "run"));
  g_assert_cmpfloat (pyr_function_table_get_total (table, run), ==, 6);
  for (guint32 f = 0; f < pyr_profile_get_n_frames (p); f++)
    if (g_str_equal (pyr_profile_get_string (p, pyr_profile_get_frame_name (p, f)), "run"))
      g_assert_cmpuint (pyr_function_table_lookup_frame (table, f), ==, run);
}

/* A live table updated from the previous one: the same function keeps its row, new ones come
 * after, and the figures are those of a table built afresh. */
static void
test_function_table_update (void)
{
  g_autoptr(PyrProfile) p = folded ("main;a;b 3\n"
                                    "main;c 2\n"
                                    "main;a;d 4\n"
                                    "main;e;a 1\n");
  g_autoptr(PyrCallTree) first = pyr_call_tree_new_limited (p, NULL, PYR_CALL_TREE_MERGED, 2, NULL, NULL);
  g_autoptr(PyrCallTree) all = pyr_call_tree_update (first, NULL, NULL);
  g_autoptr(PyrFunctionTable) t1 = pyr_function_table_new (first, PYR_FUNCTION_TABLE_BY_FUNCTION);
  g_autoptr(PyrFunctionTable) t2 = pyr_function_table_update (t1, all);
  g_autoptr(PyrFunctionTable) fresh = pyr_function_table_new (all, PYR_FUNCTION_TABLE_BY_FUNCTION);

  g_assert_cmpuint (pyr_function_table_get_n_rows (t1), ==, 4);
  g_assert_cmpuint (pyr_function_table_get_n_rows (t2), ==, 6);
  g_assert_cmpuint (pyr_function_table_get_n_rows (fresh), ==, 6);
  g_assert_true (pyr_function_table_extends (t2, t1));
  g_assert_false (pyr_function_table_extends (t1, t2));
  g_assert_false (pyr_function_table_extends (fresh, t1));
  for (guint32 r = 0; r < pyr_function_table_get_n_rows (t2); r++)
    {
      guint32 frame = pyr_function_table_get_frame (t2, r);
      guint32 f = pyr_function_table_lookup_frame (fresh, frame);
      guint n2, nf;

      if (r < pyr_function_table_get_n_rows (t1))
        g_assert_cmpuint (pyr_function_table_get_name (t2, r), ==, pyr_function_table_get_name (t1, r));
      g_assert_cmpuint (pyr_function_table_lookup_frame (t2, frame), ==, r);
      g_assert_cmpuint (f, !=, PYR_ID_NONE);
      g_assert_cmpfloat (pyr_function_table_get_self (t2, r), ==, pyr_function_table_get_self (fresh, f));
      g_assert_cmpfloat (pyr_function_table_get_total (t2, r), ==, pyr_function_table_get_total (fresh, f));
      pyr_function_table_get_callers (t2, r, &n2);
      pyr_function_table_get_callers (fresh, f, &nf);
      g_assert_cmpuint (n2, ==, nf);
    }
  g_assert_cmpfloat (pyr_function_table_get_total (t2, pyr_function_table_lookup_frame (t2, frame_named (p, "a"))), ==, 8);
}

/* an empty profile (a recording before its first sample) has no frames at all */
static void
test_function_table_empty (void)
{
  g_autoptr(PyrProfile) p = pyr_profile_new ();
  g_autoptr(PyrCallTree) tree = pyr_call_tree_new (p, NULL, PYR_CALL_TREE_MERGED, NULL, NULL);
  g_autoptr(PyrFunctionTable) table = pyr_function_table_new (tree, PYR_FUNCTION_TABLE_BY_FUNCTION);
  g_autoptr(PyrFunctionTable) lines = pyr_function_table_new (tree, PYR_FUNCTION_TABLE_BY_LINE);
  g_autofree guint32 *sorted = NULL;
  guint n = 1;

  g_assert_cmpuint (pyr_function_table_get_n_rows (table), ==, 0);
  g_assert_cmpuint (pyr_function_table_get_n_rows (lines), ==, 0);
  g_assert_cmpfloat (pyr_function_table_get_total_weight (table), ==, 0);
  g_assert_cmpuint (pyr_function_table_lookup_frame (table, 0), ==, PYR_ID_NONE);
  sorted = pyr_function_table_get_sorted (table, PYR_FUNCTION_TABLE_SORT_SELF, &n);
  g_assert_cmpuint (n, ==, 0);
}

static void
test_timeline_bins (void)
{
  g_autoptr(PyrProfile) p = timed_profile ();
  g_autoptr(PyrTimeline) tl = pyr_timeline_new (p, NULL, 0, 10000000, 5, NULL, NULL);
  const double *active0, *idle0, *active1;

  g_assert_true (pyr_timeline_uses_time (tl));
  g_assert_cmpuint (pyr_timeline_get_n_threads (tl), ==, 2);
  active0 = pyr_timeline_get_active (tl, 0);
  idle0 = pyr_timeline_get_idle (tl, 0);
  active1 = pyr_timeline_get_active (tl, 1);
  /* bin k holds samples 2k (thread 0) and 2k+1 (thread 1); idle: 0, 3, 6, 9 */
  g_assert_cmpfloat (idle0[0], ==, 1);
  g_assert_cmpfloat (active0[0], ==, 0);
  g_assert_cmpfloat (active0[1], ==, 1);
  g_assert_cmpfloat (idle0[3], ==, 1);
  g_assert_cmpfloat (active1[1], ==, 0);
  g_assert_cmpfloat (active1[2], ==, 1);
  g_assert_cmpfloat (pyr_timeline_get_max (tl), ==, 1);

  {
    g_autoptr(PyrProfile) untimed = folded ("a 1\nb 2\nc 3\nd 4\n");
    g_autoptr(PyrTimeline) t2 = pyr_timeline_new (untimed, NULL, 0, -1, 2, NULL, NULL);

    g_assert_false (pyr_timeline_uses_time (t2));
    g_assert_cmpfloat (pyr_timeline_get_active (t2, 0)[0], ==, 3);
    g_assert_cmpfloat (pyr_timeline_get_active (t2, 0)[1], ==, 7);
  }
}

static void
test_diff (void)
{
  g_autoptr(PyrProfile) before = folded ("main;slow 6\nmain;fast 2\nmain 2\n");
  g_autoptr(PyrProfile) after = folded ("main;slow 2\nmain;fast 2\nmain;new 4\nmain 12\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(PyrDiff) diff = pyr_diff_new (before, NULL, after, NULL, NULL, &error);
  guint32 main_node, child;
  gboolean saw_new = FALSE;

  g_assert_no_error (error);
  g_assert_cmpstr (pyr_diff_get_normalization (diff), ==, "samples");
  g_assert_cmpfloat (pyr_diff_get_before_weight (diff), ==, 10);
  g_assert_cmpfloat (pyr_diff_get_after_weight (diff), ==, 20);

  main_node = pyr_diff_get_first_child (diff, 0);
  g_assert_cmpstr (pyr_diff_get_name (diff, main_node), ==, "main");
  g_assert_cmpfloat (pyr_diff_get_before_total (diff, main_node), ==, 1.0);
  g_assert_cmpfloat_with_epsilon (pyr_diff_get_after_self (diff, main_node), 0.6, 1e-9);
  for (child = pyr_diff_get_first_child (diff, main_node); child != PYR_ID_NONE;
       child = pyr_diff_get_next_sibling (diff, child))
    {
      if (g_str_equal (pyr_diff_get_name (diff, child), "slow"))
        {
          g_assert_cmpfloat_with_epsilon (pyr_diff_get_before_total (diff, child), 0.6, 1e-9);
          g_assert_cmpfloat_with_epsilon (pyr_diff_get_after_total (diff, child), 0.1, 1e-9);
        }
      if (g_str_equal (pyr_diff_get_name (diff, child), "new"))
        {
          saw_new = TRUE;
          g_assert_cmpfloat (pyr_diff_get_before_total (diff, child), ==, 0);
          g_assert_cmpfloat_with_epsilon (pyr_diff_get_after_total (diff, child), 0.2, 1e-9);
        }
    }
  g_assert_true (saw_new);

  /* functions by change of total: slow -0.5, new +0.2, fast -0.1, main 0 */
  g_assert_cmpuint (pyr_diff_get_n_functions (diff), ==, 4);
  g_assert_cmpstr (pyr_diff_get_function_name (diff, 0), ==, "slow");
  g_assert_cmpstr (pyr_diff_get_function_name (diff, 1), ==, "new");
  g_assert_cmpstr (pyr_diff_get_function_name (diff, 2), ==, "fast");
}

/* a tree updated after appends equals one built from scratch, for every kind and filter */
static void
test_update_equals_fresh (void)
{
  GRand *rand = g_rand_new_with_seed (42);

  for (guint round = 0; round < 40; round++)
    {
      g_autoptr(PyrProfile) p = pyr_profile_new ();
      g_autoptr(PyrFilter) f = pyr_filter_new ();
      guint32 frames[6];
      guint32 threads[3];
      guint n = 200 + g_rand_int_range (rand, 0, 400);

      for (guint i = 0; i < G_N_ELEMENTS (frames); i++)
        {
          char name[8];

          g_snprintf (name, sizeof name, "f%u", i);
          frames[i] = pyr_profile_intern_frame_label (p, name, strlen (name));
        }
      for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
        threads[i] = pyr_profile_add_thread (p, 1, i, "t");

      switch (round % 5)
        {
        case 1: pyr_filter_set_merge_recursion (f, TRUE); break;
        case 2: pyr_filter_set_focus_frame (f, frames[1]); break;
        case 3: pyr_filter_add_hidden_frame (f, frames[2]); pyr_filter_add_thread (f, threads[1]); break;
        case 4: pyr_filter_set_time_range (f, 100, 400); pyr_filter_set_include_idle (f, FALSE); break;
        default: break;
        }

      for (PyrCallTreeKind kind = PYR_CALL_TREE_MERGED; kind <= PYR_CALL_TREE_BOTTOM_UP; kind++)
        {
          g_autoptr(PyrCallTree) before = NULL;
          g_autoptr(PyrCallTree) updated = NULL;
          g_autoptr(PyrCallTree) fresh = NULL;
          g_autoptr(PyrProfile) q = pyr_profile_new ();
          GString *a = g_string_new (NULL), *b = g_string_new (NULL);
          guint32 qframes[6], qthreads[3];

          /* the same samples into q, in two halves */
          for (guint i = 0; i < 6; i++)
            {
              char name[8];

              g_snprintf (name, sizeof name, "f%u", i);
              qframes[i] = pyr_profile_intern_frame_label (q, name, strlen (name));
            }
          for (guint i = 0; i < 3; i++)
            qthreads[i] = pyr_profile_add_thread (q, 1, i, "t");
          g_rand_set_seed (rand, round * 7 + kind);
          for (guint i = 0; i < n; i++)
            {
              guint32 node = PYR_STACK_ROOT;
              guint depth = g_rand_int_range (rand, 0, 6);

              if (i == n / 2)
                before = pyr_call_tree_new (q, f, kind, NULL, NULL);
              for (guint d = 0; d < depth; d++)
                node = pyr_profile_intern_stack (q, node, qframes[g_rand_int_range (rand, 0, 6)]);
              pyr_profile_append_sample (q, i, qthreads[g_rand_int_range (rand, 0, 3)], node,
                                         g_rand_int_range (rand, 1, 4), g_rand_boolean (rand) ? PYR_SAMPLE_IDLE : 0);
            }
          updated = pyr_call_tree_update (before, NULL, NULL);
          fresh = pyr_call_tree_new (q, f, kind, NULL, NULL);
          dump (updated, 0, a);
          dump (fresh, 0, b);
          g_assert_cmpstr (a->str, ==, b->str);
          g_assert_cmpfloat (pyr_call_tree_get_total (updated), ==, pyr_call_tree_get_total (fresh));
          g_string_free (a, TRUE);
          g_string_free (b, TRUE);
        }
      (void) p;
    }
  g_rand_free (rand);
}

static void
got_result (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

/* queries run on workers while the writer keeps appending (a live recording) */
static void
test_async_while_appending (void)
{
  g_autoptr(PyrProfile) p = pyr_profile_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PyrCallTree) tree = NULL;
  g_autoptr(PyrCallTree) updated = NULL;
  GAsyncResult *r_tree = NULL, *r_table = NULL, *r_timeline = NULL, *r_diff = NULL, *r_update = NULL;
  GAsyncResult *r_diff_filtered = NULL;
  g_autoptr(PyrFilter) no_idle = pyr_filter_new ();
  guint32 t = pyr_profile_add_thread (p, 1, 1, "main");
  guint32 frames[8];
  guint total = 0;

  for (guint i = 0; i < G_N_ELEMENTS (frames); i++)
    {
      char name[8];

      g_snprintf (name, sizeof name, "f%u", i);
      frames[i] = pyr_profile_intern_frame_label (p, name, strlen (name));
    }

  for (guint round = 0; round < 4; round++)
    {
      if (round == 1)
        {
          pyr_call_tree_new_async (p, NULL, PYR_CALL_TREE_MERGED, NULL, got_result, &r_tree);
          pyr_function_table_new_async (p, NULL, PYR_FUNCTION_TABLE_BY_FUNCTION, NULL, got_result, &r_table);
          pyr_timeline_new_async (p, NULL, 0, -1, 100, NULL, got_result, &r_timeline);
          pyr_diff_new_async (p, NULL, p, NULL, NULL, got_result, &r_diff);
          /* another filter (that drops nothing here): still one snapshot for both sides */
          pyr_filter_set_include_idle (no_idle, FALSE);
          pyr_diff_new_async (p, NULL, p, no_idle, NULL, got_result, &r_diff_filtered);
        }
      /* the writer goes on while the workers read */
      for (guint i = 0; i < 50000; i++, total++)
        {
          guint32 node = PYR_STACK_ROOT;

          for (guint d = 0; d < 1 + total % 7; d++)
            node = pyr_profile_intern_stack (p, node, frames[(total / 100 + d) % 8]);
          pyr_profile_append_sample (p, (gint64) total * 1000, t, node, 1, 0);
        }
    }

  tree = pyr_call_tree_new_finish (wait_for (&r_tree), &error);
  g_assert_no_error (error);
  /* a snapshot: whatever was published when it started, consistent in itself */
  g_assert_cmpfloat (pyr_call_tree_get_total (tree), ==, pyr_call_tree_get_n_samples_seen (tree));
  g_assert_cmpuint (pyr_call_tree_get_n_samples_seen (tree), >=, 50000);

  {
    g_autoptr(PyrFunctionTable) table = pyr_function_table_new_finish (wait_for (&r_table), &error);
    g_autoptr(PyrTimeline) timeline = pyr_timeline_new_finish (wait_for (&r_timeline), &error);
    g_autoptr(PyrDiff) diff = pyr_diff_new_finish (wait_for (&r_diff), &error);

    g_assert_no_error (error);
    g_assert_cmpuint (pyr_function_table_get_n_rows (table), ==, 8);
    g_assert_cmpuint (pyr_timeline_get_width (timeline), ==, 100);
    /* a profile against itself: no function changed */
    for (guint i = 0; i < pyr_diff_get_n_functions (diff); i++)
      g_assert_cmpfloat_with_epsilon (pyr_diff_get_function_after_total (diff, i),
                                      pyr_diff_get_function_before_total (diff, i), 1e-12);
  }
  {
    g_autoptr(PyrDiff) diff = pyr_diff_new_finish (wait_for (&r_diff_filtered), &error);

    g_assert_no_error (error);
    g_assert_cmpfloat (pyr_diff_get_before_weight (diff), ==, pyr_diff_get_after_weight (diff));
    g_assert_cmpfloat (pyr_diff_get_before_weight (diff), >=, 50000);
  }

  /* the update takes the tree to everything appended since */
  pyr_call_tree_update_async (tree, NULL, got_result, &r_update);
  updated = pyr_call_tree_new_finish (wait_for (&r_update), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pyr_call_tree_get_n_samples_seen (updated), ==, total);
  g_assert_cmpfloat (pyr_call_tree_get_total (updated), ==, total);

  g_object_unref (r_tree);
  g_object_unref (r_diff_filtered);
  g_object_unref (r_table);
  g_object_unref (r_timeline);
  g_object_unref (r_diff);
  g_object_unref (r_update);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/call-tree/merged-left-heavy", test_merged_left_heavy);
  g_test_add_func ("/call-tree/time-order", test_time_order);
  g_test_add_func ("/call-tree/bottom-up", test_bottom_up);
  g_test_add_func ("/call-tree/limited-to-a-snapshot", test_limited);
  g_test_add_func ("/call-tree/bottom-up-lazy-matches-stacks", test_bottom_up_lazy_matches_stacks);
  g_test_add_func ("/call-tree/filter-hidden-and-focus", test_filter_hidden_and_focus);
  g_test_add_func ("/call-tree/filter-merge-recursion", test_filter_merge_recursion);
  g_test_add_func ("/call-tree/filter-merge-lines", test_filter_merge_lines);
  g_test_add_func ("/call-tree/filter-time-thread-idle", test_filter_time_thread_idle);
  g_test_add_func ("/call-tree/incremental-update", test_incremental_update);
  g_test_add_func ("/call-tree/async-and-cancel", test_async_and_cancel);
  g_test_add_func ("/call-tree/update-equals-fresh", test_update_equals_fresh);
  g_test_add_func ("/function-table/recursion-counts-once", test_function_table_recursion_once);
  g_test_add_func ("/function-table/lines", test_line_table);
  g_test_add_func ("/function-table/empty-profile", test_function_table_empty);
  g_test_add_func ("/function-table/update-keeps-rows", test_function_table_update);
  g_test_add_func ("/timeline/bins", test_timeline_bins);
  g_test_add_func ("/diff/normalised-and-sorted", test_diff);
  g_test_add_func ("/queries/async-while-appending", test_async_while_appending);

  return g_test_run ();
}
