/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "pyr-autosave.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#define SUFFIX ".pyrometer"
#define LOCK_SUFFIX ".lock"

GFile *
pyr_autosave_get_dir (void)
{
  return g_file_new_build_filename (g_get_user_state_dir (), "pyrometer", "recordings", NULL);
}

/* Field 22 of /proc/PID/stat, so a process id reused after a reboot or a long run does not
 * pass for the app that wrote the marker. 0 when unknown. */
static guint64
process_start_time (gint64 pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%" G_GINT64_FORMAT "/stat", pid);
  g_autofree char *contents = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after_name;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return 0;
  /* the command name may hold spaces and parentheses: fields start after the last ')' */
  if (!(after_name = strrchr (contents, ')')))
    return 0;
  fields = g_strsplit (after_name + 2, " ", 0);
  /* after the name, the state is field 3; start time is field 22 */
  if (g_strv_length (fields) < 20)
    return 0;
  return g_ascii_strtoull (fields[19], NULL, 10);
}

static char *
lock_path (GFile *file)
{
  g_autofree char *path = g_file_get_path (file);

  return g_strconcat (path, LOCK_SUFFIX, NULL);
}

GFile *
pyr_autosave_create (GError **error)
{
  g_autoptr(GFile) dir = pyr_autosave_get_dir ();
  g_autofree char *dir_path = g_file_get_path (dir);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  gint64 pid = getpid ();

  if (g_mkdir_with_parents (dir_path, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot create the folder for recordings “%s”: %s. Free some space or fix its permissions."),
                   dir_path, g_strerror (saved));
      return NULL;
    }

  for (guint n = 0; n < 1000; n++)
    {
      g_autofree char *name = g_strdup_printf ("recording-%s-%" G_GINT64_FORMAT "-%03u" SUFFIX, stamp, pid, n);
      g_autofree char *path = g_build_filename (dir_path, name, NULL);
      g_autofree char *lock = g_strconcat (path, LOCK_SUFFIX, NULL);
      g_autofree char *lock_text = g_strdup_printf ("%" G_GINT64_FORMAT " %" G_GUINT64_FORMAT "\n",
                                                    pid, process_start_time (pid));
      int fd;

      if ((fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
        {
          int saved = errno;

          if (saved == EEXIST)
            continue;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       _("Cannot create the recording file “%s”: %s"), path, g_strerror (saved));
          return NULL;
        }
      close (fd);
      /* the marker goes second: a marker without its file is never taken for a recording */
      if (!g_file_set_contents (lock, lock_text, -1, error))
        {
          g_unlink (path);
          return NULL;
        }
      return g_file_new_for_path (path);
    }

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
               _("Cannot create a recording file in “%s”: too many recordings started this second"), dir_path);
  return NULL;
}

void
pyr_autosave_release (GFile *file)
{
  g_autofree char *lock = NULL;

  g_return_if_fail (G_IS_FILE (file));

  lock = lock_path (file);
  g_unlink (lock);
}

void
pyr_autosave_discard (GFile *file)
{
  g_autofree char *path = NULL;

  g_return_if_fail (G_IS_FILE (file));

  path = g_file_get_path (file);
  g_unlink (path);
  pyr_autosave_release (file);
}

gboolean
pyr_autosave_contains (GFile *file)
{
  g_autoptr(GFile) dir = pyr_autosave_get_dir ();
  g_autoptr(GFile) parent = NULL;

  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  parent = g_file_get_parent (file);
  return parent != NULL && g_file_equal (parent, dir);
}

static gboolean
lock_is_stale (const char *lock)
{
  g_autofree char *text = NULL;
  g_autofree char *proc = NULL;
  char *end = NULL;
  gint64 pid;
  guint64 start;

  if (!g_file_get_contents (lock, &text, NULL, NULL))
    return FALSE;   /* unreadable: not ours to judge */
  pid = g_ascii_strtoll (text, &end, 10);
  if (pid <= 0 || end == text)
    return TRUE;
  start = g_ascii_strtoull (end, NULL, 10);
  proc = g_strdup_printf ("/proc/%" G_GINT64_FORMAT, pid);
  if (access (proc, F_OK) != 0)
    return TRUE;
  return start != 0 && process_start_time (pid) != start;
}

typedef struct
{
  GFile  *file;
  guint64 mtime;
} Entry;

static void
entry_clear (gpointer data)
{
  Entry *e = data;

  g_clear_object (&e->file);
}

static int
compare_newest_first (gconstpointer a,
                      gconstpointer b)
{
  const Entry *ea = a, *eb = b;

  g_autofree char *na = NULL;
  g_autofree char *nb = NULL;

  if (ea->mtime != eb->mtime)
    return ea->mtime < eb->mtime ? 1 : -1;
  /* same second: the names carry the start time and a counter */
  na = g_file_get_basename (ea->file);
  nb = g_file_get_basename (eb->file);
  return -g_strcmp0 (na, nb);
}

/* Recordings in the folder, newest first; locked: with a marker (stale or not) or without. */
static GArray *
list_recordings (gboolean with_lock)
{
  g_autoptr(GFile) dir = pyr_autosave_get_dir ();
  g_autofree char *dir_path = g_file_get_path (dir);
  g_autoptr(GDir) d = g_dir_open (dir_path, 0, NULL);
  GArray *entries = g_array_new (FALSE, TRUE, sizeof (Entry));
  const char *name;

  g_array_set_clear_func (entries, entry_clear);
  if (d == NULL)
    return entries;

  while ((name = g_dir_read_name (d)))
    {
      g_autofree char *path = NULL;
      g_autofree char *lock = NULL;
      GStatBuf st;
      Entry e;

      if (!g_str_has_prefix (name, "recording-") || !g_str_has_suffix (name, SUFFIX))
        continue;
      path = g_build_filename (dir_path, name, NULL);
      lock = g_strconcat (path, LOCK_SUFFIX, NULL);
      if (g_file_test (lock, G_FILE_TEST_EXISTS) != with_lock || g_stat (path, &st) != 0)
        continue;
      e.file = g_file_new_for_path (path);
      e.mtime = (guint64) st.st_mtim.tv_sec * G_GUINT64_CONSTANT (1000000000) + (guint64) st.st_mtim.tv_nsec;
      g_array_append_val (entries, e);
    }
  g_array_sort (entries, compare_newest_first);
  return entries;
}

GPtrArray *
pyr_autosave_list_interrupted (void)
{
  g_autoptr(GArray) locked = list_recordings (TRUE);
  GPtrArray *result = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < locked->len; i++)
    {
      Entry *e = &g_array_index (locked, Entry, i);
      g_autofree char *path = g_file_get_path (e->file);
      g_autofree char *lock = lock_path (e->file);
      GStatBuf st;

      if (!lock_is_stale (lock))
        continue;   /* still recording, in this app or another running one */
      if (g_stat (path, &st) == 0 && st.st_size == 0)
        {
          /* killed before the sampler wrote a byte: nothing to offer */
          pyr_autosave_discard (e->file);
          continue;
        }
      g_ptr_array_add (result, g_object_ref (e->file));
    }
  return result;
}

guint
pyr_autosave_prune (guint keep)
{
  g_autoptr(GArray) released = list_recordings (FALSE);
  guint removed = 0;

  for (guint i = keep; i < released->len; i++)
    {
      pyr_autosave_discard (g_array_index (released, Entry, i).file);
      removed++;
    }
  return removed;
}
