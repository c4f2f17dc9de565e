/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "pyr-cli-record.h"
#include "pyr-cli.h"
#include "pyr-sampler-launcher.h"

int
pyr_cli_dump (int    argc,
              char **argv)
{
  gint64 pid = 0;
  gboolean privileged = FALSE;
  const GOptionEntry entries[] = {
    { "pid", 'p', 0, G_OPTION_ARG_INT64, &pid, N_("The process to look at"), N_("PID") },
    { "privileged", 0, 0, G_OPTION_ARG_NONE, &privileged, N_("Run the sampler as administrator through pkexec"), NULL },
    { NULL },
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) sampler = NULL;
  g_autofree char *err_text = NULL;
  g_auto(GStrv) sampler_argv = NULL;
  char pid_text[32];
  const char *args[] = { "--dump", "--pid", pid_text, NULL };
  PyrSamplerExit exit_info = { 0 };

  context = g_option_context_new (_("-p PID — print every thread’s current stack (for a hung program)"));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      pyr_cli_print_error ("dump", error);
      return 2;
    }
  if (pid <= 0 || argc > 1)
    {
      fprintf (stderr, _("pyrometer-cli dump: give the process as -p PID\n"));
      return 2;
    }

  g_snprintf (pid_text, sizeof pid_text, "%" G_GINT64_FORMAT, pid);
  if (!(sampler_argv = pyr_sampler_build_argv (args, privileged, NULL, NULL, &error)) ||
      !(sampler = g_subprocess_newv ((const char * const *) sampler_argv, G_SUBPROCESS_FLAGS_STDERR_PIPE, &error)) ||
      !g_subprocess_communicate_utf8 (sampler, NULL, NULL, NULL, &err_text, &error))
    {
      pyr_cli_print_error ("dump", error);
      return 1;
    }

  exit_info.signaled = g_subprocess_get_if_signaled (sampler);
  exit_info.code = exit_info.signaled ? g_subprocess_get_term_sig (sampler) : g_subprocess_get_exit_status (sampler);
  exit_info.privileged = privileged;
  exit_info.pid = pid;
  exit_info.sampler_stderr = err_text;
  if ((error = pyr_sampler_exit_to_error (&exit_info)) != NULL)
    {
      pyr_cli_print_error ("dump", error);
      if (g_error_matches (error, PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_PERMISSION_DENIED) && !privileged)
        fprintf (stderr, _("Try: pyrometer-cli dump --privileged -p %lld\n"), (long long) pid);
      return 1;
    }
  if (err_text != NULL)
    fputs (err_text, stderr);
  return 0;
}
