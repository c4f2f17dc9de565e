/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "pyr-profile.h"

static void
test_strings_interned (void)
{
  g_autoptr(PyrProfile) p = pyr_profile_new ();
  guint32 a = pyr_profile_intern_string (p, "main", -1);
  guint32 b = pyr_profile_intern_string (p, "mainly", 4);
  guint32 c = pyr_profile_intern_string (p, "other", -1);

  g_assert_cmpuint (a, ==, b);
  g_assert_cmpuint (a, !=, c);
  g_assert_cmpuint (pyr_profile_intern_string (p, "", 0), ==, 0);
  g_assert_cmpstr (pyr_profile_get_string (p, a), ==, "main");
  g_assert_cmpstr (pyr_profile_get_string (p, 0), ==, "");
  g_assert_cmpuint (pyr_profile_lookup_string (p, "other"), ==, c);
  g_assert_cmpuint (pyr_profile_lookup_string (p, "absent"), ==, PYR_ID_NONE);
  g_assert_cmpuint (pyr_profile_get_n_strings (p), ==, 3);
}

static void
test_strings_many (void)
{
  g_autoptr(PyrProfile) p = pyr_profile_new ();

  /* enough to grow the hash table and the arena several times */
  for (guint i = 0; i < 100000; i++)
    {
      char buf[32];

      g_snprintf (buf, sizeof buf, "function_%u", i);
      g_assert_cmpuint (pyr_profile_intern_string (p, buf, -1), ==, i + 1);
    }
  for (guint i = 0; i < 100000; i += 997)
    {
      char buf[32];

      g_snprintf (buf, sizeof buf, "function_%u", i);
      g_assert_cmpstr (pyr_profile_get_string (p, i + 1), ==, buf);
      g_assert_cmpuint (pyr_profile_intern_string (p, buf, -1), ==, i + 1);
    }
}

static void
test_frames_and_stacks (void)
{
  g_autoptr(PyrProfile) p = pyr_profile_new ();
  guint32 main_s = pyr_profile_intern_string (p, "main", -1);
  guint32 file_s = pyr_profile_intern_string (p, "app.py", -1);
  guint32 f1 = pyr_profile_intern_frame (p, main_s, file_s, 3, PYR_FRAME_PYTHON);
  guint32 f2 = pyr_profile_intern_frame (p, main_s, file_s, 4, PYR_FRAME_PYTHON);
  guint32 n1, n2, n3;

  g_assert_cmpuint (f1, !=, f2);
  g_assert_cmpuint (pyr_profile_intern_frame (p, main_s, file_s, 3, PYR_FRAME_PYTHON), ==, f1);
  g_assert_cmpuint (pyr_profile_intern_frame (p, main_s, file_s, 3, PYR_FRAME_NATIVE), !=, f1);
  g_assert_cmpint (pyr_profile_get_frame_line (p, f2), ==, 4);
  g_assert_cmpuint (pyr_profile_get_frame_file (p, f2), ==, file_s);

  n1 = pyr_profile_intern_stack (p, PYR_STACK_ROOT, f1);
  n2 = pyr_profile_intern_stack (p, n1, f2);
  n3 = pyr_profile_intern_stack (p, PYR_STACK_ROOT, f2);
  g_assert_cmpuint (n1, ==, 1);
  g_assert_cmpuint (n2, !=, n3);
  g_assert_cmpuint (pyr_profile_intern_stack (p, n1, f2), ==, n2);
  g_assert_cmpuint (pyr_profile_get_node_parent (p, n2), ==, n1);
  g_assert_cmpuint (pyr_profile_get_node_frame (p, n2), ==, f2);
  g_assert_cmpuint (pyr_profile_get_node_depth (p, n2), ==, 2);
  g_assert_cmpuint (pyr_profile_get_n_stack_nodes (p), ==, 4);
}

static void
test_frame_labels (void)
{
  g_autoptr(PyrProfile) p = pyr_profile_new ();
  struct {
    const char *label;
    const char *name;
    const char *file;
    gint line;
    PyrFrameKind kind;
  } cases[] = {
    { "calc (lastfm.py:79)", "calc", "lastfm.py", 79, PYR_FRAME_PYTHON },
    { "<module> (pkg/x.py:1)", "<module>", "pkg/x.py", 1, PYR_FRAME_PYTHON },
    { "f (a (b)) (dir/mod.py:12)", "f (a (b))", "dir/mod.py", 12, PYR_FRAME_PYTHON },
    { "run (threading.py)", "run", "threading.py", 0, PYR_FRAME_PYTHON },
    { "plain name", "plain name", "", 0, PYR_FRAME_PYTHON },
    { "foo(int, char)", "foo(int, char)", "", 0, PYR_FRAME_PYTHON },
    { "thread (0x7f3c2a1b2700): MainThread", "thread (0x7f3c2a1b2700): MainThread", "", 0, PYR_FRAME_THREAD },
    { "process 42:\"python x.py\"", "process 42:\"python x.py\"", "", 0, PYR_FRAME_PROCESS },
    { "<frozen importlib._bootstrap>:_find_and_load:1007", "_find_and_load", "<frozen importlib._bootstrap>", 1007, PYR_FRAME_PYTHON },
    { "std::vector<int>::push", "std::vector<int>::push", "", 0, PYR_FRAME_PYTHON },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      guint32 f = pyr_profile_intern_frame_label (p, cases[i].label, strlen (cases[i].label));

      g_assert_cmpstr (pyr_profile_get_string (p, pyr_profile_get_frame_name (p, f)), ==, cases[i].name);
      g_assert_cmpstr (pyr_profile_get_string (p, pyr_profile_get_frame_file (p, f)), ==, cases[i].file);
      g_assert_cmpint (pyr_profile_get_frame_line (p, f), ==, cases[i].line);
      g_assert_cmpint (pyr_profile_get_frame_kind (p, f), ==, cases[i].kind);
    }

  {
    guint32 f = pyr_profile_intern_frame_label (p, "calc (lastfm.py:79)", 19);
    g_autofree char *text = pyr_profile_format_frame (p, f);

    g_assert_cmpstr (text, ==, "calc (lastfm.py:79)");
  }
}

static void
test_samples_columns (void)
{
  g_autoptr(PyrProfile) p = pyr_profile_new ();
  guint32 t = pyr_profile_add_thread (p, 10, 11, "MainThread");
  guint32 f = pyr_profile_intern_frame (p, pyr_profile_intern_string (p, "x", -1), 0, 0, PYR_FRAME_PYTHON);
  guint32 n = pyr_profile_intern_stack (p, PYR_STACK_ROOT, f);
  guint total = 3 * PYR_PROFILE_CHUNK_SIZE + 17;
  guint seen = 0;

  g_assert_false (pyr_profile_has_time (p));
  for (guint i = 0; i < total; i++)
    pyr_profile_append_sample (p, i * 1000, t, n, 1.5, i % 2 ? PYR_SAMPLE_IDLE : 0);

  g_assert_true (pyr_profile_has_time (p));
  g_assert_cmpuint (pyr_profile_get_n_samples (p), ==, total);
  g_assert_cmpint (pyr_profile_get_sample_time (p, 40000), ==, 40000000);
  g_assert_cmpuint (pyr_profile_get_sample_flags (p, 3), ==, PYR_SAMPLE_IDLE);
  g_assert_cmpfloat (pyr_profile_get_sample_weight (p, total - 1), ==, 1.5);
  g_assert_cmpfloat (pyr_profile_get_total_weight (p), ==, 1.5 * total);
  g_assert_cmpint (pyr_profile_get_end_time (p), ==, (gint64) (total - 1) * 1000);
  g_assert_cmpstr (pyr_profile_get_thread_name (p, t), ==, "MainThread");
  g_assert_cmpint (pyr_profile_get_thread_tid (p, t), ==, 11);

  for (guint c = 0;; c++)
    {
      const gint64 *times;
      const guint32 *stacks;
      guint len = pyr_profile_get_sample_chunk (p, c, total, &times, NULL, &stacks, NULL, NULL);

      if (len == 0)
        break;
      for (guint i = 0; i < len; i++)
        {
          g_assert_cmpint (times[i], ==, (gint64) (seen + i) * 1000);
          g_assert_cmpuint (stacks[i], ==, n);
        }
      seen += len;
    }
  g_assert_cmpuint (seen, ==, total);
}

static void
test_metadata (void)
{
  g_autoptr(PyrProfile) p = pyr_profile_new ();
  g_auto(GStrv) keys = NULL;
  g_autofree char *rate = NULL;

  g_assert_cmpstr (pyr_profile_get_units (p), ==, "samples");
  pyr_profile_set_metadata (p, "units", "nanoseconds");
  pyr_profile_set_metadata (p, "rate", "100");
  pyr_profile_set_metadata (p, "rate", "250");
  rate = pyr_profile_dup_metadata (p, "rate");
  g_assert_cmpstr (rate, ==, "250");
  g_assert_cmpstr (pyr_profile_get_units (p), ==, "nanoseconds");
  keys = pyr_profile_list_metadata (p);
  g_assert_cmpuint (g_strv_length (keys), ==, 2);
  g_assert_cmpstr (keys[0], ==, "rate");
  g_assert_false (pyr_profile_get_approximate (p));
  pyr_profile_set_approximate (p, TRUE);
  g_assert_true (pyr_profile_get_approximate (p));

  pyr_profile_add_process (p, 42, "python app.py", "3.12.1");
  g_assert_cmpuint (pyr_profile_get_n_processes (p), ==, 1);
  g_assert_cmpstr (pyr_profile_get_process_python_version (p, 0), ==, "3.12.1");
}

typedef struct
{
  PyrProfile *profile;
  gint        done;
  guint64     checked;
} ReaderData;

static gpointer
reader_thread (gpointer data)
{
  ReaderData *rd = data;

  while (!g_atomic_int_get (&rd->done))
    {
      guint n = pyr_profile_get_n_samples (rd->profile);

      for (guint i = 0; i < n; i += 7)
        {
          guint32 node = pyr_profile_get_sample_stack (rd->profile, i);
          guint depth = 0;

          /* every published sample points at a published, consistent stack */
          g_assert_cmpuint (node, <, pyr_profile_get_n_stack_nodes (rd->profile));
          for (guint32 m = node; m != PYR_STACK_ROOT; m = pyr_profile_get_node_parent (rd->profile, m))
            depth++;
          g_assert_cmpuint (depth, ==, pyr_profile_get_node_depth (rd->profile, node));
          g_assert_cmpint (pyr_profile_get_sample_time (rd->profile, i), ==, (gint64) i);
          rd->checked++;
        }
    }
  return NULL;
}

static void
test_concurrent_reader (void)
{
  g_autoptr(PyrProfile) p = pyr_profile_new ();
  ReaderData rd = { p, 0, 0 };
  GThread *reader;
  guint32 frames[50];

  for (guint i = 0; i < G_N_ELEMENTS (frames); i++)
    {
      char buf[16];

      g_snprintf (buf, sizeof buf, "f%u", i);
      frames[i] = pyr_profile_intern_frame (p, pyr_profile_intern_string (p, buf, -1), 0, 0, PYR_FRAME_PYTHON);
    }

  reader = g_thread_new ("reader", reader_thread, &rd);
  for (guint i = 0; i < 300000; i++)
    {
      guint32 node = PYR_STACK_ROOT;
      guint depth = 1 + (i * 7919) % 40;

      for (guint d = 0; d < depth; d++)
        node = pyr_profile_intern_stack (p, node, frames[(i / 1000 + d * 3) % 50]);
      pyr_profile_append_sample (p, i, 0, node, 1, 0);
    }
  g_atomic_int_set (&rd.done, 1);
  g_thread_join (reader);
  g_assert_cmpuint (rd.checked, >, 0);
}

static guint
hash_key (gconstpointer key)
{
  /* g_int64_hash folds the halves together: parent ^ frame collides everywhere */
  return (guint) ((*(const guint64 *) key * 0x9E3779B97F4A7C15ull) >> 32);
}

/* Nodes with one child, with thousands, and chains, mixed: every (parent, frame) gets one id,
 * the same on every later lookup, whichever way the index stored it. */
static void
test_stacks_many_children (void)
{
  g_autoptr(PyrProfile) p = pyr_profile_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new_full (hash_key, g_int64_equal, g_free, NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  guint32 frames[3000];
  static guint64 keys[200000];

  for (guint i = 0; i < G_N_ELEMENTS (frames); i++)
    {
      g_autofree char *name = g_strdup_printf ("f%u", i);

      frames[i] = pyr_profile_intern_frame (p, pyr_profile_intern_string (p, name, -1), 0, 0, PYR_FRAME_PYTHON);
    }

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      guint n = pyr_profile_get_n_stack_nodes (p);
      /* the root and a hub get many children; other parents one or two */
      guint32 parent = i % 7 == 0 ? 0 : i % 11 == 0 ? 1 : (guint32) g_rand_int_range (rand, 0, (gint) n);
      guint32 frame = frames[i % 5 == 0 ? g_rand_int_range (rand, 0, 3000) : g_rand_int_range (rand, 0, 2)];
      guint64 key = (guint64) parent << 32 | frame;
      gpointer known = g_hash_table_lookup (seen, &key);
      guint32 node = pyr_profile_intern_stack (p, parent, frame);

      if (known != NULL)
        g_assert_cmpuint (node, ==, GPOINTER_TO_UINT (known) - 1);
      else
        {
          g_assert_cmpuint (node, ==, n);
          g_hash_table_insert (seen, g_memdup2 (&key, sizeof key), GUINT_TO_POINTER (node + 1));
        }
      keys[i] = key;
    }
  /* again, in another order: nothing new */
  for (guint i = G_N_ELEMENTS (keys); i-- > 0;)
    {
      guint32 parent = keys[i] >> 32, frame = (guint32) keys[i];
      guint32 node = pyr_profile_intern_stack (p, parent, frame);

      g_assert_cmpuint (node, ==, GPOINTER_TO_UINT (g_hash_table_lookup (seen, &keys[i])) - 1);
      g_assert_cmpuint (pyr_profile_get_node_parent (p, node), ==, parent);
      g_assert_cmpuint (pyr_profile_get_node_frame (p, node), ==, frame);
    }
  g_assert_cmpuint (pyr_profile_get_n_stack_nodes (p), ==, g_hash_table_size (seen) + 1);
  g_assert_cmpuint (g_hash_table_size (seen), >, 50000);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/profile/strings-interned", test_strings_interned);
  g_test_add_func ("/profile/strings-many", test_strings_many);
  g_test_add_func ("/profile/frames-and-stacks", test_frames_and_stacks);
  g_test_add_func ("/profile/stacks-many-children", test_stacks_many_children);
  g_test_add_func ("/profile/frame-labels", test_frame_labels);
  g_test_add_func ("/profile/samples-columns", test_samples_columns);
  g_test_add_func ("/profile/metadata", test_metadata);
  g_test_add_func ("/profile/concurrent-reader", test_concurrent_reader);

  return g_test_run ();
}
