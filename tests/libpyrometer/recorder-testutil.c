/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "recorder-testutil.h"

#include <glib/gstdio.h>

#include "pyr-call-tree.h"
#include "pyr-function-table.h"

const char *
rtu_find_python (void)
{
  static const char *candidates[] = { "/usr/bin/python3.11", "/usr/bin/python3" };

  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
    if (g_file_test (candidates[i], G_FILE_TEST_IS_EXECUTABLE))
      return candidates[i];
  return NULL;
}

gboolean
rtu_skip_without_python (const char *python)
{
  if (python != NULL)
    return FALSE;
  g_test_skip ("no /usr/bin/python3.11 or /usr/bin/python3 to record");
  return TRUE;
}

typedef struct
{
  gboolean  done;
  GError   *error;
} Waited;

static void
on_waited (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  Waited *w = data;

  pyr_recorder_wait_finish (PYR_RECORDER (source), result, &w->error);
  w->done = TRUE;
}

static gboolean
on_deadline (gpointer data)
{
  g_error ("the recording did not get there in time");
  return G_SOURCE_REMOVE;
}

guint
rtu_add_deadline (guint seconds)
{
  return g_timeout_add_seconds (seconds, on_deadline, NULL);
}

gboolean
rtu_wait (PyrRecorder  *recorder,
          GCancellable *cancellable,
          GError      **error)
{
  Waited w = { FALSE, NULL };
  guint deadline = rtu_add_deadline (60);

  pyr_recorder_wait_async (recorder, cancellable, on_waited, &w);
  while (!w.done)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (deadline);
  if (w.error != NULL)
    {
      g_propagate_error (error, w.error);
      return FALSE;
    }
  return TRUE;
}

char *
rtu_hottest_function (PyrProfile *profile,
                      double     *share)
{
  g_autoptr(PyrCallTree) tree = pyr_call_tree_new (profile, NULL, PYR_CALL_TREE_MERGED, NULL, NULL);
  g_autoptr(PyrFunctionTable) table = pyr_function_table_new (tree, PYR_FUNCTION_TABLE_BY_FUNCTION);
  g_autofree guint32 *order = NULL;
  guint n = 0;
  guint32 frame;

  order = pyr_function_table_get_sorted (table, PYR_FUNCTION_TABLE_SORT_SELF, &n);
  if (n == 0)
    return NULL;
  frame = pyr_function_table_get_frame (table, order[0]);
  *share = pyr_function_table_get_self (table, order[0]) / pyr_function_table_get_total_weight (table);
  return g_strdup (pyr_profile_get_string (profile, pyr_profile_get_frame_name (profile, frame)));
}

void
rtu_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        rtu_remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}
