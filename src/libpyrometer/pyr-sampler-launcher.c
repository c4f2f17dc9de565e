/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <signal.h>
#include <string.h>

#include "pyr-sampler-launcher.h"

#define SAMPLER_NAME "pyrometer-sampler"
#define MESSAGE_PREFIX SAMPLER_NAME ": "

/* The sampler's exit statuses (pyrometer-sampler --help, EXIT STATUS). */
enum
{
  SAMPLER_EXIT_ERROR = 1,
  SAMPLER_EXIT_USAGE = 2,
  SAMPLER_EXIT_NO_PROCESS = 3,
  SAMPLER_EXIT_PERMISSION = 4,
  SAMPLER_EXIT_NOT_PYTHON = 5,
  SAMPLER_EXIT_UNSUPPORTED = 6,
  SAMPLER_EXIT_TARGET_EXITED = 7,
  SAMPLER_EXIT_OUTPUT = 8,
  SAMPLER_EXIT_EXEC_FAILED = 127,
};

/* pkexec(1): 126 when the authentication dialog was dismissed, 127 when not authorised. */
enum
{
  PKEXEC_DISMISSED = 126,
  PKEXEC_NOT_AUTHORIZED = 127,
};

G_DEFINE_QUARK (pyr-recorder-error-quark, pyr_recorder_error)

static const char *
env_or (const char *name,
        const char *fallback)
{
  const char *value = g_getenv (name);

  return value != NULL && *value != '\0' ? value : fallback;
}

char *
pyr_sampler_find (GError **error)
{
  const char *env = g_getenv ("PYROMETER_SAMPLER");
  g_autofree char *exe = NULL;
  g_autofree char *installed = NULL;

  if (env != NULL && *env != '\0')
    {
      if (!g_file_test (env, G_FILE_TEST_IS_EXECUTABLE))
        {
          g_set_error (error, PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_SAMPLER_NOT_FOUND,
                       _("The sampler named by PYROMETER_SAMPLER, “%s”, is not an executable file."), env);
          return NULL;
        }
      return g_strdup (env);
    }

  /* in the build tree the sampler is not installed yet: find it where meson builds it */
  if ((exe = g_file_read_link ("/proc/self/exe", NULL)) != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (exe);
      const char *relative[] = {
        SAMPLER_NAME,
        "../sampler/" SAMPLER_NAME,
        "../../src/sampler/" SAMPLER_NAME,
        "../src/sampler/" SAMPLER_NAME,
      };

      for (guint i = 0; i < G_N_ELEMENTS (relative); i++)
        {
          g_autofree char *path = g_build_filename (dir, relative[i], NULL);

          if (g_file_test (path, G_FILE_TEST_IS_EXECUTABLE) && !g_file_test (path, G_FILE_TEST_IS_DIR))
            return g_canonicalize_filename (path, NULL);
        }
    }

  installed = g_build_filename (BINDIR, SAMPLER_NAME, NULL);
  if (g_file_test (installed, G_FILE_TEST_IS_EXECUTABLE))
    return g_steal_pointer (&installed);

  g_set_error (error, PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_SAMPLER_NOT_FOUND,
               _("Cannot find pyrometer-sampler (looked next to this program and in %s). "
                 "Reinstall Pyrometer, or set PYROMETER_SAMPLER to the sampler’s path."), BINDIR);
  return NULL;
}

gboolean
pyr_sampler_in_flatpak (char **app_path)
{
  const char *info_path = env_or ("PYROMETER_FLATPAK_INFO", "/.flatpak-info");
  g_autoptr(GKeyFile) info = NULL;

  if (app_path != NULL)
    *app_path = NULL;
  if (!g_file_test (info_path, G_FILE_TEST_EXISTS))
    return FALSE;
  info = g_key_file_new ();
  if (app_path != NULL && g_key_file_load_from_file (info, info_path, G_KEY_FILE_NONE, NULL))
    *app_path = g_key_file_get_string (info, "Instance", "app-path", NULL);
  return TRUE;
}

char **
pyr_sampler_build_argv (const char * const  *sampler_args,
                        gboolean             privileged,
                        const char          *cwd,
                        const char * const  *env,
                        GError             **error)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *app_path = NULL;
  g_autofree char *sampler = NULL;

  if (pyr_sampler_in_flatpak (&app_path))
    {
      if (app_path == NULL)
        {
          g_set_error (error, PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_SAMPLER_NOT_FOUND,
                       _("Running in a Flatpak, but its instance information names no app folder: "
                         "cannot start the sampler on the host."));
          return NULL;
        }
      /* the sandbox's own /app is not the host's: the host sees the app under app-path */
      sampler = g_build_filename (app_path, "bin", SAMPLER_NAME, NULL);
      g_ptr_array_add (argv, g_strdup (env_or ("PYROMETER_FLATPAK_SPAWN", "flatpak-spawn")));
      g_ptr_array_add (argv, g_strdup ("--host"));
      /* if the app dies, the sampler on the host goes too (and leaves the target detached) */
      g_ptr_array_add (argv, g_strdup ("--watch-bus"));
      if (cwd != NULL)
        g_ptr_array_add (argv, g_strdup_printf ("--directory=%s", cwd));
      for (guint i = 0; env != NULL && env[i] != NULL; i++)
        g_ptr_array_add (argv, g_strdup_printf ("--env=%s", env[i]));
      /* a descriptor handed to the sampler must cross to the host too */
      for (guint i = 0; sampler_args != NULL && sampler_args[i] != NULL && sampler_args[i + 1] != NULL; i++)
        if (g_str_equal (sampler_args[i], "--command-output"))
          g_ptr_array_add (argv, g_strdup_printf ("--forward-fd=%s", sampler_args[i + 1]));
    }
  else if (privileged && g_getenv ("PYROMETER_SAMPLER") == NULL &&
           g_file_test (BINDIR "/" SAMPLER_NAME, G_FILE_TEST_IS_EXECUTABLE))
    {
      /* the polkit action names the installed path: only that one gets its message and policy */
      sampler = g_strdup (BINDIR "/" SAMPLER_NAME);
    }
  else if ((sampler = pyr_sampler_find (error)) == NULL)
    return NULL;

  if (privileged)
    g_ptr_array_add (argv, g_strdup (env_or ("PYROMETER_PKEXEC", "pkexec")));
  g_ptr_array_add (argv, g_steal_pointer (&sampler));
  for (guint i = 0; sampler_args != NULL && sampler_args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (sampler_args[i]));
  g_ptr_array_add (argv, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&argv), FALSE);
}

char *
pyr_sampler_find_message (const char *sampler_stderr)
{
  g_autoptr(GString) message = NULL;
  g_auto(GStrv) lines = NULL;

  if (sampler_stderr == NULL)
    return NULL;
  lines = g_strsplit (sampler_stderr, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (!g_str_has_prefix (lines[i], MESSAGE_PREFIX))
        continue;
      if (message == NULL)
        message = g_string_new (NULL);
      else
        g_string_append (message, " ");
      g_string_append (message, lines[i] + strlen (MESSAGE_PREFIX));
    }
  return message != NULL ? g_string_free (g_steal_pointer (&message), FALSE) : NULL;
}

static char *
describe_target (const PyrSamplerExit *e)
{
  if (e->launch)
    return g_strdup_printf (_("“%s”"), e->command != NULL ? e->command : "");
  return g_strdup_printf (_("process %lld"), (long long) e->pid);
}

GError *
pyr_sampler_exit_to_error (const PyrSamplerExit *e)
{
  g_autofree char *said = pyr_sampler_find_message (e->sampler_stderr);
  g_autofree char *target = describe_target (e);
  g_autofree char *target_cap = g_strconcat ((char []) { g_ascii_toupper (target[0]), '\0' }, target + 1, NULL);
  g_autofree char *detail = said != NULL ? g_strdup_printf (_(" (The sampler said: %s)"), said) : g_strdup ("");

  g_return_val_if_fail (e != NULL, NULL);

  if (e->signaled)
    {
      if (e->stop_requested && (e->code == SIGINT || e->code == SIGTERM || e->code == SIGKILL))
        return NULL;
      return g_error_new (PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_SAMPLER_CRASHED,
                          _("The sampler stopped unexpectedly: it was killed by signal %d (%s). "
                            "The samples recorded until then are kept.%s"),
                          e->code, g_strsignal (e->code), detail);
    }

  if (e->code == 0)
    return NULL;
  /* stopped before it attached: nothing recorded, nothing wrong */
  if (e->stop_requested && !e->got_stream && e->code == SAMPLER_EXIT_ERROR)
    return NULL;

  if (e->privileged && !e->got_stream && said == NULL)
    {
      if (e->code == PKEXEC_DISMISSED)
        return g_error_new (PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_AUTHORIZATION_DISMISSED,
                            _("Authorisation was dismissed, so %s cannot be profiled. Reading another "
                              "process needs administrator rights: try again and authenticate, or "
                              "launch the program from Pyrometer instead, which needs none."), target);
      if (e->code == PKEXEC_NOT_AUTHORIZED)
        return g_error_new (PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_AUTHORIZATION_FAILED,
                            _("Not authorised to profile %s: authentication failed or the system’s "
                              "policy does not allow it (polkit action io.github.pyrometer.Pyrometer.attach). "
                              "Ask an administrator, or launch the program from Pyrometer instead."), target);
    }

  /* in launch mode the sampler exits with the command's status; only its own message says
   * that it, not the command, failed */
  if (e->launch && said == NULL)
    return NULL;

  switch (e->code)
    {
    case SAMPLER_EXIT_USAGE:
      return g_error_new (PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_USAGE,
                          _("The sampler refused its options.%s"), detail);
    case SAMPLER_EXIT_NO_PROCESS:
      return g_error_new (PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_NO_SUCH_PROCESS,
                          _("There is no %s: it may have exited. Pick the process again.%s"),
                          target, detail);
    case SAMPLER_EXIT_PERMISSION:
      return g_error_new (PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_PERMISSION_DENIED,
                          _("Not allowed to read the memory of %s. Record it with administrator "
                            "rights (through pkexec), give the sampler the capability "
                            "(setcap cap_sys_ptrace+ep pyrometer-sampler), allow tracing between "
                            "your own processes (sysctl kernel.yama.ptrace_scope=0), or in a "
                            "container add --cap-add SYS_PTRACE. Launching the program from "
                            "Pyrometer needs no privileges.%s"), target, detail);
    case SAMPLER_EXIT_NOT_PYTHON:
      return g_error_new (PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_NOT_PYTHON,
                          _("%s is not running Python, or its interpreter did not start in time. "
                            "Pick a Python process (CPython 3.8 or later).%s"), target_cap, detail);
    case SAMPLER_EXIT_UNSUPPORTED:
      return g_error_new (PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_UNSUPPORTED_VERSION,
                          _("The Python version of %s is not supported: Pyrometer reads CPython 3.8 "
                            "to 3.15.%s"), target, detail);
    case SAMPLER_EXIT_TARGET_EXITED:
      return g_error_new (PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_TARGET_EXITED,
                          _("%s exited before its stacks could be read.%s"), target_cap, detail);
    case SAMPLER_EXIT_OUTPUT:
      if (e->stop_requested)
        return NULL;   /* we closed the stream to stop it */
      return g_error_new (PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_FAILED,
                          _("The sampler could not write its output.%s"), detail);
    case SAMPLER_EXIT_EXEC_FAILED:
      if (e->launch)
        return g_error_new (PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_COMMAND_FAILED,
                            _("Cannot run %s. Check the command and the working folder.%s"),
                            target, detail);
      break;
    default:
      break;
    }

  if (e->launch && said != NULL && strstr (said, "exited") != NULL)
    return g_error_new (PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_TARGET_EXITED,
                        _("%s exited before Python started, so nothing was recorded.%s"), target_cap, detail);
  if (said != NULL)
    return g_error_new (PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_FAILED,
                        _("Recording %s failed: %s"), target, said);
  return g_error_new (PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_SAMPLER_CRASHED,
                      _("The sampler stopped with status %d and no explanation while recording %s. "
                        "The samples recorded until then are kept."), e->code, target);
}
