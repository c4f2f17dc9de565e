/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pyr-recorder.h"

/*
 * The real refusal, no stand-in: a sampler running as an ordinary user (pyrtest or nobody,
 * through setpriv) asked to attach to a process of root's. The kernel refuses; the recorder
 * must say so as PERMISSION_DENIED with what to do, which is what makes the app offer
 * "Authorize and Retry". Needs root (to start the target as root and drop to that user),
 * setpriv, python3 and a build tree that user can reach; skips saying which is missing.
 */

static void
on_waited (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  GError **error = data;

  if (pyr_recorder_wait_finish (PYR_RECORDER (source), result, error))
    *error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "no error");
}

static void
test_unprivileged_attach_refused (void)
{
  g_autofree char *tmp = NULL;
  g_autofree char *wrapper = NULL;
  g_autofree char *body = NULL;
  g_autofree char *sampler = NULL;
  g_autofree char *setpriv = g_find_program_in_path ("setpriv");
  g_autoptr(PyrRecorder) recorder = NULL;
  g_autoptr(GError) error = NULL;
  const char *python = g_file_test ("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE) ? "/usr/bin/python3" : NULL;
  const char *argv[] = { python, "-c", "import time\nwhile True: time.sleep(0.01)\n", NULL };
  GPid target = 0;
  struct passwd *user;

  if (geteuid () != 0)
    {
      g_test_skip ("needs root: the target runs as root and the sampler drops to an ordinary user");
      return;
    }
  /* pyrtest where a developer made it (useradd -M pyrtest), else nobody, which every Debian
   * system has */
  if ((user = getpwnam ("pyrtest")) == NULL && (user = getpwnam ("nobody")) == NULL)
    {
      g_test_skip ("needs an unprivileged user: pyrtest or nobody");
      return;
    }
  if (setpriv == NULL || python == NULL)
    {
      g_test_skip ("needs setpriv (util-linux) and /usr/bin/python3");
      return;
    }

  sampler = g_build_filename (g_getenv ("PYROMETER_BUILD_ROOT"), "src", "sampler", "pyrometer-sampler", NULL);
  tmp = g_dir_make_tmp ("pyrometer-unprivileged-XXXXXX", NULL);
  g_chmod (tmp, 0755);
  wrapper = g_build_filename (tmp, "sampler-as-user", NULL);
  body = g_strdup_printf ("#!/bin/sh\nexec '%s' --reuid %u --regid %u --clear-groups '%s' \"$@\"\n",
                          setpriv, (unsigned) user->pw_uid, (unsigned) user->pw_gid, sampler);
  g_assert_true (g_file_set_contents (wrapper, body, -1, NULL));
  g_chmod (wrapper, 0755);

  {
    const char *version[] = { wrapper, "--version", NULL };
    int status = -1;

    if (!g_spawn_sync (NULL, (char **) version, NULL, G_SPAWN_STDOUT_TO_DEV_NULL
                       | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, NULL)
        || !g_spawn_check_wait_status (status, NULL))
      {
        g_test_skip_printf ("the sampler in the build tree cannot be run as %s", user->pw_name);
        g_unlink (wrapper);
        g_rmdir (tmp);
        return;
      }
  }

  g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &target, &error);
  g_assert_no_error (error);
  g_usleep (200 * 1000);

  g_setenv ("PYROMETER_SAMPLER", wrapper, TRUE);
  recorder = pyr_recorder_new ();
  pyr_recorder_set_pid (recorder, target);
  g_assert_true (pyr_recorder_start (recorder, &error));
  g_assert_no_error (error);
  pyr_recorder_wait_async (recorder, NULL, on_waited, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_unsetenv ("PYROMETER_SAMPLER");

  g_test_message ("%s", error->message);
  g_assert_error (error, PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_PERMISSION_DENIED);
  /* the message names the process and says what to do */
  {
    g_autofree char *pid_text = g_strdup_printf ("%d", target);

    g_assert_nonnull (strstr (error->message, pid_text));
  }
  g_assert_cmpuint (pyr_profile_get_n_samples (pyr_recorder_get_profile (recorder)), ==, 0);
  /* and the target was left alone */
  g_assert_cmpint (kill (target, 0), ==, 0);

  kill (target, SIGKILL);
  waitpid (target, NULL, 0);
  g_spawn_close_pid (target);
  g_unlink (wrapper);
  g_rmdir (tmp);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/recorder/unprivileged-attach-refused", test_unprivileged_attach_refused);
  return g_test_run ();
}
