/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PyrProcessList: the --list output merged into a list model, and real targets through the
 * real sampler. */
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pyr-process-list.h"

static char *source_root;
static GHashTable *target_pipes;   /* pid -> its stdout */

static void
expect_title (const char * const *argv,
              const char         *title,
              const char         *line)
{
  g_autofree char *t = NULL;
  g_autofree char *l = NULL;

  pyr_process_info_describe_argv (argv, &t, &l);
  g_assert_cmpstr (t, ==, title);
  g_assert_cmpstr (l, ==, line);
}

static void
test_describe_argv (void)
{
  const char *module[] = { "/usr/bin/python3", "-u", "-m", "http.server", "8000", NULL };
  const char *script[] = { "/usr/bin/python3.11", "-X", "dev", "/srv/app/manage.py", "runserver", NULL };
  const char *loader[] = { "/lib64/ld-linux-x86-64.so.2", "--library-path", "/opt/lib", "--argv0",
                           "python", "/opt/bin/python3.9", "spin.py", "--seconds", "5", NULL };
  const char *shebang[] = { "/usr/bin/python3", "/usr/bin/gunicorn", "app:wsgi", "-w", "2", NULL };
  const char *retitled[] = { "gunicorn: worker [app:wsgi]", NULL };
  const char *embedded[] = { "/usr/bin/uwsgi", "--ini", "app.ini", NULL };
  const char *command[] = { "python3", "-c", "import time; time.sleep(9)", NULL };
  const char *bare[] = { "python3", NULL };

  expect_title (module, "-m http.server", "python3 -u -m http.server 8000");
  expect_title (script, "manage.py", "python3.11 -X dev /srv/app/manage.py runserver");
  expect_title (loader, "spin.py", "python3.9 spin.py --seconds 5");
  expect_title (shebang, "gunicorn", "python3 /usr/bin/gunicorn app:wsgi -w 2");
  expect_title (retitled, "gunicorn: worker [app:wsgi]", "gunicorn: worker [app:wsgi]");
  expect_title (embedded, "uwsgi", "uwsgi --ini app.ini");
  expect_title (command, "-c …", "python3 -c 'import time; time.sleep(9)'");
  expect_title (bare, "python3", "python3");
}

#define SYSTEM(uptime) "{\"type\":\"system\",\"format\":1,\"clock_ticks_per_second\":100," \
                       "\"uptime_ticks\":" #uptime ",\"uid\":1000,\"sampler_pid\":99}\n"
#define PROC(pid, ppid, start, cpu, extra) \
  "{\"type\":\"process\",\"pid\":" #pid ",\"ppid\":" #ppid ",\"uid\":1000,\"user\":\"ada\"," \
  "\"argv\":[\"python3\",\"app.py\"],\"python\":\"3.12.1\",\"start_ticks\":" #start "," \
  "\"cpu_ticks\":" #cpu ",\"rss_bytes\":4096,\"container\":null,\"future_member\":{\"x\":[1]}," \
  "\"needs_authorization\":false" extra "}\n"

typedef struct
{
  guint removed;
  guint added;
} Changes;

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Changes    *changes)
{
  changes->removed += removed;
  changes->added += added;
}

static void
test_apply_keeps_identity (void)
{
  g_autoptr(PyrProcessList) list = pyr_process_list_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PyrProcessInfo) first = NULL;
  g_autoptr(PyrProcessInfo) again = NULL;
  Changes changes = { 0 };
  const char *one = SYSTEM (1000) PROC (20, 1, 500, 100, "") PROC (10, 1, 400, 0, "")
                    PROC (99, 1, 900, 0, "") "{\"type\":\"future\"}\n";
  const char *two = SYSTEM (1100) PROC (20, 1, 500, 150, ",\"container\":\"docker\","
                                         "\"container_id\":\"4f6c9a1b2c3d\"")
                    PROC (10, 1, 1050, 0, ",\"needs_authorization\":true") PROC (30, 20, 1090, 5, "");

  g_signal_connect (list, "items-changed", G_CALLBACK (on_items_changed), &changes);
  g_assert_true (pyr_process_list_apply_output (list, one, strlen (one), &error));
  g_assert_no_error (error);
  /* sorted by pid; the sampler itself (99) left out */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 2);
  first = g_list_model_get_item (G_LIST_MODEL (list), 1);
  g_assert_cmpint (pyr_process_info_get_pid (first), ==, 20);
  g_assert_cmpstr (pyr_process_info_get_title (first), ==, "app.py");
  g_assert_cmpstr (pyr_process_info_get_python_version (first), ==, "3.12.1");
  g_assert_cmpstr (pyr_process_info_get_user (first), ==, "ada");
  /* over its life: 100 ticks of 500 */
  g_assert_cmpfloat_with_epsilon (pyr_process_info_get_cpu_percent (first), 20.0, 1e-9);

  changes = (Changes) { 0 };
  g_assert_true (pyr_process_list_apply_output (list, two, strlen (two), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 3);
  /* pid 10 was restarted (another start time): a new row; 20 kept its object; 30 is new */
  g_assert_cmpuint (changes.removed, ==, 1);
  g_assert_cmpuint (changes.added, ==, 2);
  again = g_list_model_get_item (G_LIST_MODEL (list), 1);
  g_assert_true (again == first);
  /* between the lists: 50 ticks of 100 */
  g_assert_cmpfloat_with_epsilon (pyr_process_info_get_cpu_percent (first), 50.0, 1e-9);
  g_assert_cmpstr (pyr_process_info_get_container (first), ==, "docker 4f6c9a1b2c3d");
  g_assert_true (pyr_process_info_get_needs_authorization (pyr_process_list_lookup (list, 10)));
  g_assert_cmpuint (pyr_process_list_count_children (list, 20), ==, 1);
  g_assert_null (pyr_process_list_lookup (list, 99));
}

static void
test_apply_rejects_garbage (void)
{
  g_autoptr(PyrProcessList) list = pyr_process_list_new ();
  g_autoptr(GError) error = NULL;
  const char *bad = SYSTEM (10) "{\"type\":\"process\",\"pid\":1,\n";

  g_assert_false (pyr_process_list_apply_output (list, bad, strlen (bad), &error));
  g_assert_nonnull (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 0);
}

static void
on_refreshed (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GError **error = user_data;

  pyr_process_list_refresh_finish (PYR_PROCESS_LIST (source), result, error);
  g_main_context_wakeup (NULL);
  *(gboolean *) ((GError **) user_data + 1) = TRUE;
}

static gboolean
refresh (PyrProcessList  *list,
         GError         **error)
{
  struct { GError *error; gboolean done; } state = { NULL, FALSE };

  pyr_process_list_refresh_async (list, NULL, on_refreshed, &state);
  while (!state.done)
    g_main_context_iteration (NULL, TRUE);
  if (state.error != NULL)
    {
      g_propagate_error (error, state.error);
      return FALSE;
    }
  return TRUE;
}

/* Starts spin.py with argv; returns its pid once it printed "ready". */
static GPid
start_spin (const char * const *prefix,
            const char         *module_or_script)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *targets = g_build_filename (source_root, "tests", "targets", NULL);
  g_autoptr(GError) error = NULL;
  GPid pid = 0;
  int out_fd = -1;
  char buf[64] = "";
  ssize_t n;

  for (guint i = 0; prefix[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) prefix[i]);
  if (strcmp (module_or_script, "-m") == 0)
    {
      g_ptr_array_add (argv, "-m");
      g_ptr_array_add (argv, "spin");
    }
  else
    g_ptr_array_add (argv, (char *) module_or_script);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_async_with_pipes (targets, (char **) argv->pdata, NULL,
                                           G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDERR_TO_DEV_NULL,
                                           NULL, NULL, &pid, NULL, &out_fd, NULL, &error));
  g_assert_no_error (error);
  /* the whole line, and the pipe stays open: print() may write the newline separately */
  for (size_t len = 0; strchr (buf, '\n') == NULL && len < sizeof buf - 1; len += (size_t) n)
    {
      n = read (out_fd, buf + len, sizeof buf - 1 - len);
      g_assert_cmpint (n, >, 0);
      buf[len + (size_t) n] = '\0';
    }
  g_assert_true (g_str_has_prefix (buf, "ready "));
  g_hash_table_insert (target_pipes, GINT_TO_POINTER (pid), GINT_TO_POINTER (out_fd));
  return pid;
}

static void
stop (GPid pid)
{
  kill (pid, SIGKILL);
  waitpid (pid, NULL, 0);
  close (GPOINTER_TO_INT (g_hash_table_lookup (target_pipes, GINT_TO_POINTER (pid))));
  g_spawn_close_pid (pid);
}

static void
test_real_targets (void)
{
  const char *python[] = { "/usr/bin/python3.11", NULL };
  g_autoptr(PyrProcessList) list = pyr_process_list_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PyrProcessInfo) held = NULL;
  PyrProcessInfo *info, *module_info;
  GPid script, module;

  if (!g_file_test (python[0], G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("no /usr/bin/python3.11 here");
      return;
    }
  script = start_spin (python, "spin.py");
  module = start_spin (python, "-m");

  g_assert_true (refresh (list, &error));
  g_assert_no_error (error);
  g_assert_null (pyr_process_list_get_error (list));
  info = pyr_process_list_lookup (list, script);
  g_assert_nonnull (info);
  held = g_object_ref (info);
  g_assert_cmpstr (pyr_process_info_get_title (info), ==, "spin.py");
  g_assert_cmpstr (pyr_process_info_get_python_version (info), ==, "3.11.2");
  g_assert_cmpint (pyr_process_info_get_parent_pid (info), ==, getpid ());
  g_assert_cmpuint (pyr_process_info_get_memory_bytes (info), >, 1 << 20);
  g_assert_false (pyr_process_info_get_needs_authorization (info));
  module_info = pyr_process_list_lookup (list, module);
  g_assert_nonnull (module_info);
  g_assert_cmpstr (pyr_process_info_get_title (module_info), ==, "-m spin");
  g_assert_cmpstr (pyr_process_info_get_command_line (module_info), ==, "python3.11 -m spin");

  g_usleep (G_USEC_PER_SEC);
  g_assert_true (refresh (list, &error));
  /* the same row, its CPU % between the two lists: it spins */
  g_assert_true (pyr_process_list_lookup (list, script) == held);
  g_assert_cmpfloat (pyr_process_info_get_cpu_percent (held), >, 10.0);

  stop (script);
  g_assert_true (refresh (list, &error));
  g_assert_null (pyr_process_list_lookup (list, script));
  g_assert_nonnull (pyr_process_list_lookup (list, module));
  stop (module);
}

static void
test_sampler_fails (void)
{
  g_autoptr(PyrProcessList) list = pyr_process_list_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *saved = g_strdup (g_getenv ("PYROMETER_SAMPLER"));

  g_setenv ("PYROMETER_SAMPLER", "/bin/false", TRUE);
  g_assert_false (refresh (list, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (pyr_process_list_get_error (list));
  g_assert_nonnull (strstr (pyr_process_list_get_error (list)->message, "exit status 1"));
  if (saved != NULL)
    g_setenv ("PYROMETER_SAMPLER", saved, TRUE);
  else
    g_unsetenv ("PYROMETER_SAMPLER");
}

/* A sampler that never finishes (reading /proc can block) is stopped and reported, and the
 * list goes on being refreshed. */
static void
test_stuck_sampler_is_stopped (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("pyr-stuck-XXXXXX", NULL);
  g_autofree char *script = g_build_filename (tmp, "pyrometer-sampler", NULL);
  g_autofree char *saved = g_strdup (g_getenv ("PYROMETER_SAMPLER"));
  g_autoptr(PyrProcessList) list = NULL;
  gint64 start, end;

  if (!g_test_slow ())
    {
      g_test_skip ("takes the list's timeout (10 s); run with -m slow");
      return;
    }
  g_assert_true (g_file_set_contents (script, "#!/bin/sh\nexec sleep 60\n", -1, NULL));
  g_assert_cmpint (g_chmod (script, 0755), ==, 0);
  g_setenv ("PYROMETER_SAMPLER", script, TRUE);

  list = pyr_process_list_new ();
  start = g_get_monotonic_time ();
  end = start + 30 * G_USEC_PER_SEC;
  pyr_process_list_set_active (list, TRUE);
  while (pyr_process_list_get_error (list) == NULL && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (pyr_process_list_get_error (list));
  g_assert_nonnull (strstr (pyr_process_list_get_error (list)->message, "too long"));
  g_assert_cmpint (g_get_monotonic_time () - start, >=, PYR_PROCESS_LIST_TIMEOUT_MS * 1000);
  pyr_process_list_set_active (list, FALSE);

  if (saved != NULL)
    g_setenv ("PYROMETER_SAMPLER", saved, TRUE);
  else
    g_unsetenv ("PYROMETER_SAMPLER");
  g_remove (script);
  g_rmdir (tmp);
}

/* Inside a Flatpak the list is the host's: the sampler runs through flatpak-spawn --host, from
 * the app's folder as the host sees it (here a stand-in that records its arguments). */
static void
test_flatpak_lists_the_host (void)
{
  const char *python[] = { "/usr/bin/python3.11", NULL };
  g_autofree char *tmp = g_dir_make_tmp ("pyr-flatpak-XXXXXX", NULL);
  g_autofree char *bin = g_build_filename (tmp, "app", "bin", NULL);
  g_autofree char *sampler_link = g_build_filename (bin, "pyrometer-sampler", NULL);
  g_autofree char *info_path = g_build_filename (tmp, "flatpak-info", NULL);
  g_autofree char *spawn_path = g_build_filename (tmp, "flatpak-spawn", NULL);
  g_autofree char *args_path = g_build_filename (tmp, "args", NULL);
  g_autofree char *info_text = g_strdup_printf ("[Application]\nname=io.github.pyrometer.Pyrometer\n\n"
                                                "[Instance]\napp-path=%s/app\n", tmp);
  g_autofree char *args = NULL;
  g_autofree char *expected = NULL;
  const char *spawn_text =
    "#!/bin/sh\n"
    "echo \"$@\" > \"$(dirname \"$0\")/args\"\n"
    "while [ $# -gt 0 ]; do case \"$1\" in --*) shift;; *) break;; esac; done\n"
    "exec \"$@\"\n";
  g_autoptr(PyrProcessList) list = NULL;
  g_autoptr(GError) error = NULL;
  GPid spin;

  if (!g_file_test (python[0], G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("no /usr/bin/python3.11 here");
      return;
    }
  g_assert_cmpint (g_mkdir_with_parents (bin, 0755), ==, 0);
  g_assert_cmpint (symlink (g_getenv ("PYROMETER_SAMPLER"), sampler_link), ==, 0);
  g_assert_true (g_file_set_contents (info_path, info_text, -1, NULL));
  g_assert_true (g_file_set_contents (spawn_path, spawn_text, -1, NULL));
  g_assert_cmpint (g_chmod (spawn_path, 0755), ==, 0);
  g_setenv ("PYROMETER_FLATPAK_INFO", info_path, TRUE);
  g_setenv ("PYROMETER_FLATPAK_SPAWN", spawn_path, TRUE);

  spin = start_spin (python, "spin.py");
  list = pyr_process_list_new ();
  g_assert_true (refresh (list, &error));
  g_assert_no_error (error);
  g_assert_nonnull (pyr_process_list_lookup (list, spin));
  g_assert_true (g_file_get_contents (args_path, &args, NULL, NULL));
  expected = g_strdup_printf ("--host --watch-bus %s --list\n", sampler_link);
  g_assert_cmpstr (args, ==, expected);

  stop (spin);
  g_unsetenv ("PYROMETER_FLATPAK_INFO");
  g_unsetenv ("PYROMETER_FLATPAK_SPAWN");
  g_remove (args_path);
  g_remove (spawn_path);
  g_remove (info_path);
  g_remove (sampler_link);
  g_rmdir (bin);
  {
    g_autofree char *app = g_build_filename (tmp, "app", NULL);
    g_rmdir (app);
  }
  g_rmdir (tmp);
}

int
main (int    argc,
      char **argv)
{
  const char *build_root = g_getenv ("PYROMETER_BUILD_ROOT");

  g_test_init (&argc, &argv, NULL);
  source_root = g_strdup (g_getenv ("PYROMETER_SOURCE_ROOT"));
  target_pipes = g_hash_table_new (NULL, NULL);
  if (build_root != NULL && g_getenv ("PYROMETER_SAMPLER") == NULL)
    {
      g_autofree char *sampler = g_build_filename (build_root, "src", "sampler", "pyrometer-sampler", NULL);
      g_setenv ("PYROMETER_SAMPLER", sampler, TRUE);
    }
  g_test_add_func ("/process-list/describe-argv", test_describe_argv);
  g_test_add_func ("/process-list/apply-keeps-identity", test_apply_keeps_identity);
  g_test_add_func ("/process-list/apply-rejects-garbage", test_apply_rejects_garbage);
  g_test_add_func ("/process-list/real-targets", test_real_targets);
  g_test_add_func ("/process-list/sampler-fails", test_sampler_fails);
  g_test_add_func ("/process-list/flatpak-lists-the-host", test_flatpak_lists_the_host);
  g_test_add_func ("/process-list/stuck-sampler-is-stopped", test_stuck_sampler_is_stopped);
  return g_test_run ();
}
