/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pyr-call-tree.h"
#include "pyr-cli-record.h"
#include "pyr-cli.h"
#include "pyr-function-table.h"
#include "pyr-recorder.h"

#define HOTTEST_SHOWN 5
#define SAMPLER_PREFIX "pyrometer-sampler: "

typedef struct
{
  GMainLoop  *loop;
  PyrRecorder *recorder;
  GError     *error;
  gboolean    done;
  gboolean    interrupted;
  gboolean    show_progress;
  gboolean    progress_shown;
  /* stderr passthrough: the sampler's own messages are left out (the error says it better) */
  GString    *line;
  gboolean    passthrough;   /* the current partial line is being written as it comes */
  gboolean    in_message;    /* inside a sampler message and its indented advice */
  /* the sampler's notes ("sampling process 123, …"), held until the next progress update so
   * a note that turns out to be the final error is not said twice */
  GPtrArray  *notes;
} RecordRun;

static void
print_notes (RecordRun  *run,
             const char *except)
{
  for (guint i = 0; i < run->notes->len; i++)
    {
      const char *note = g_ptr_array_index (run->notes, i);

      if (except == NULL || strstr (except, note) == NULL)
        fprintf (stderr, _("pyrometer-cli record: note: %s\n"), note);
    }
  g_ptr_array_set_size (run->notes, 0);
}

static void
on_message (PyrRecorder *recorder,
            const char  *message,
            RecordRun   *run)
{
  g_ptr_array_add (run->notes, g_strdup (message));
}

static void
clear_progress (RecordRun *run)
{
  if (run->progress_shown)
    {
      fputs ("\r\033[K", stderr);
      run->progress_shown = FALSE;
    }
}

static gboolean
is_sampler_line (RecordRun  *run,
                 const char *line)
{
  if (g_str_has_prefix (line, SAMPLER_PREFIX))
    {
      run->in_message = TRUE;
      return TRUE;
    }
  if (run->in_message && (g_str_has_prefix (line, "  ") || g_str_has_prefix (line, "To allow it")))
    return TRUE;
  run->in_message = FALSE;
  return FALSE;
}

static void
on_output (PyrRecorder *recorder,
           GBytes      *bytes,
           RecordRun   *run)
{
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  clear_progress (run);
  for (gsize i = 0; i < len; i++)
    {
      if (run->passthrough)
        {
          fputc (data[i], stderr);
          if (data[i] == '\n')
            run->passthrough = FALSE;
          continue;
        }
      g_string_append_c (run->line, data[i]);
      if (data[i] == '\n')
        {
          if (!is_sampler_line (run, run->line->str))
            fputs (run->line->str, stderr);
          g_string_truncate (run->line, 0);
        }
    }
  /* a prompt without a newline must show now; only the sampler's prefix is worth holding */
  if (run->line->len > 0 && !g_str_has_prefix (SAMPLER_PREFIX, run->line->str) &&
      !g_str_has_prefix (run->line->str, SAMPLER_PREFIX) && !g_str_has_prefix (run->line->str, "  "))
    {
      fputs (run->line->str, stderr);
      g_string_truncate (run->line, 0);
      run->passthrough = TRUE;
    }
  fflush (stderr);
}

static void
on_updated (PyrRecorder *recorder,
            RecordRun   *run)
{
  if (run->notes->len > 0)
    {
      clear_progress (run);
      print_notes (run, NULL);
    }
  if (!run->show_progress || pyr_recorder_get_state (recorder) != PYR_RECORDER_STATE_RECORDING)
    return;
  /* The terminal control (back to the line's start, clear it) stays out of the message. */
  fputs ("\r\033[K", stderr);
  fprintf (stderr, _("Recording… %.1f s, samples %u, errors %llu (Ctrl+C to stop)"),
           pyr_recorder_get_elapsed (recorder), pyr_recorder_get_n_samples (recorder),
           (unsigned long long) pyr_recorder_get_n_errors (recorder));
  fflush (stderr);
  run->progress_shown = TRUE;
}

static void
on_waited (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  RecordRun *run = data;

  pyr_recorder_wait_finish (PYR_RECORDER (source), result, &run->error);
  run->done = TRUE;
  g_main_loop_quit (run->loop);
}

static gboolean
on_interrupt (gpointer data)
{
  RecordRun *run = data;

  run->interrupted = TRUE;
  pyr_recorder_stop (run->recorder);
  return G_SOURCE_CONTINUE;
}

static char *
default_output (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  return g_date_time_format (now, "pyrometer-%Y%m%d-%H%M%S.pyrometer");
}

static void
print_summary (PyrRecorder *recorder,
               const char  *output)
{
  PyrProfile *profile = pyr_recorder_get_profile (recorder);
  guint n_samples = pyr_profile_get_n_samples (profile);
  g_autoptr(PyrCallTree) tree = NULL;
  g_autoptr(PyrFunctionTable) table = NULL;
  g_autofree guint32 *order = NULL;
  double total, span;
  guint n = 0;

  /* the samples' own span: a launched command may run on after sampling stopped (-d) */
  span = pyr_profile_get_end_time (profile) > 0 ? pyr_profile_get_end_time (profile) / 1e9
                                                : pyr_recorder_get_elapsed (recorder);

  /* "N: value" pairs rather than "N samples": the counts may be 1, and this stays grammatical
   * in every language without plural forms for each. */
  printf (_("Recorded %.1f s: samples %u (%.0f Hz achieved), errors %llu, "
            "lag mean %.0f µs / max %.0f µs, threads %u\n"),
          span, n_samples, pyr_recorder_get_achieved_rate (recorder),
          (unsigned long long) pyr_recorder_get_n_errors (recorder), pyr_recorder_get_lag_mean_ns (recorder) / 1e3,
          pyr_recorder_get_lag_max_ns (recorder) / 1e3, pyr_profile_get_n_threads (profile));
  if (output != NULL)
    printf (_("Wrote %s\n"), output);
  if (n_samples == 0)
    return;

  tree = pyr_call_tree_new (profile, NULL, PYR_CALL_TREE_MERGED, NULL, NULL);
  table = pyr_function_table_new (tree, PYR_FUNCTION_TABLE_BY_FUNCTION);
  total = pyr_function_table_get_total_weight (table);
  order = pyr_function_table_get_sorted (table, PYR_FUNCTION_TABLE_SORT_SELF, &n);
  printf (_("\nHottest functions (own time):\n"));
  for (guint i = 0; i < MIN (n, HOTTEST_SHOWN); i++)
    {
      guint32 frame = pyr_function_table_get_frame (table, order[i]);
      g_autofree char *label = pyr_profile_format_frame (profile, frame);
      double self = pyr_function_table_get_self (table, order[i]);

      if (self <= 0)
        break;
      printf ("  %5.1f%%  %s\n", total > 0 ? 100 * self / total : 0, label);
    }
}

static gboolean
save_output (PyrRecorder  *recorder,
             const char   *output,
             PyrFormat     format,
             GError      **error)
{
  g_autoptr(GFile) file = NULL;

  if (format == PYR_FORMAT_PYROMETER)
    return TRUE;   /* the recorder wrote it as the stream arrived */
  file = g_file_new_for_commandline_arg (output);
  return pyr_profile_save_file (pyr_recorder_get_profile (recorder), format, file, NULL, error);
}

int
pyr_cli_record (int    argc,
                char **argv)
{
  double rate = 100, duration = 0;
  gint64 pid = 0;
  g_autofree char *output = NULL;
  g_autofree char *connect = NULL;
  gboolean idle = FALSE, gil = FALSE, subprocesses = FALSE, native = FALSE, blocking = FALSE;
  gboolean privileged = FALSE;
  const GOptionEntry entries[] = {
    { "rate", 'r', 0, G_OPTION_ARG_DOUBLE, &rate, N_("Samples per second (default 100)"), N_("HZ") },
    { "duration", 'd', 0, G_OPTION_ARG_DOUBLE, &duration, N_("Stop sampling after this many seconds (a launched command still runs to its end)"), N_("S") },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      N_("Write here: .pyrometer, or speedscope (.json), flame graph (.svg) or folded stacks (.txt) by the "
         "extension (default: pyrometer-DATE-TIME.pyrometer)"),
      N_("FILE") },
    { "pid", 'p', 0, G_OPTION_ARG_INT64, &pid, N_("Record the running process PID"), N_("PID") },
    { "connect", 'c', 0, G_OPTION_ARG_STRING, &connect,
      N_("Record from a sampler started elsewhere with --listen (in a container, on a server): "
         "unix:PATH or tcp:HOST:PORT"),
      N_("ADDRESS") },
    { "idle", 0, 0, G_OPTION_ARG_NONE, &idle, N_("Keep samples of idle (sleeping, waiting) threads"), NULL },
    { "gil", 0, 0, G_OPTION_ARG_NONE, &gil, N_("Only the thread holding the GIL"), NULL },
    { "subprocesses", 0, 0, G_OPTION_ARG_NONE, &subprocesses, N_("Follow child processes"), NULL },
    { "native", 0, 0, G_OPTION_ARG_NONE, &native, N_("Include native (C) frames"), NULL },
    { "blocking", 0, 0, G_OPTION_ARG_NONE, &blocking, N_("Pause the target while reading each sample (exact stacks)"), NULL },
    { "privileged", 0, 0, G_OPTION_ARG_NONE, &privileged, N_("Run the sampler as administrator through pkexec"), NULL },
    { NULL },
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PyrRecorder) recorder = NULL;
  g_autoptr(GPtrArray) options = g_ptr_array_new ();
  g_autoptr(GFile) recording = NULL;
  char **command = NULL;
  char **parse_argv;
  int parse_argc;
  PyrFormat format;
  RecordRun run = { 0 };
  guint sigint, sigterm;
  int status = 0;

  /* everything after "--" is the command, options and all */
  for (int i = 0; i < argc; i++)
    {
      if (i > 0 && strcmp (argv[i], "--") == 0)
        {
          command = argv + i + 1;
          break;
        }
      g_ptr_array_add (options, argv[i]);
    }
  g_ptr_array_add (options, NULL);
  parse_argc = (int) options->len - 1;
  parse_argv = (char **) options->pdata;

  context = g_option_context_new (_("(-p PID | --connect ADDRESS | -- COMMAND [ARG…]) — record a Python program’s stacks"));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_description (context,
    _("Launching a command needs no privileges; attaching to a running process may "
      "(--privileged asks through pkexec). Ctrl+C stops the recording and still writes the file. "
      "The exit status is the command’s own when one was launched."));
  if (!g_option_context_parse (context, &parse_argc, &parse_argv, &error))
    {
      pyr_cli_print_error ("record", error);
      return 2;
    }
  if (parse_argc > 1)
    {
      fprintf (stderr, _("pyrometer-cli record: unexpected “%s”; put the command after “--”\n"), parse_argv[1]);
      return 2;
    }
  if ((pid > 0) + (command != NULL && command[0] != NULL) + (connect != NULL) != 1)
    {
      fprintf (stderr, _("pyrometer-cli record: give one of -p PID, --connect ADDRESS or -- COMMAND\n"));
      return 2;
    }
  if (connect != NULL && !pyr_recorder_check_connect_address (connect, &error))
    {
      pyr_cli_print_error ("record", error);
      return 2;
    }
  if (output == NULL)
    output = default_output ();
  format = pyr_format_from_file_name (output);
  if (format == PYR_FORMAT_UNKNOWN)
    {
      fprintf (stderr, _("pyrometer-cli record: cannot tell the format from “%s”: name it .pyrometer, "
                         ".json (speedscope), .svg or .txt (folded)\n"), output);
      return 2;
    }

  recorder = pyr_recorder_new ();
  if (connect != NULL)
    pyr_recorder_set_connect_address (recorder, connect);
  else if (pid > 0)
    pyr_recorder_set_pid (recorder, pid);
  else
    pyr_recorder_set_command (recorder, (const char * const *) command);
  pyr_recorder_set_rate (recorder, rate);
  pyr_recorder_set_duration (recorder, duration);
  pyr_recorder_set_idle (recorder, idle);
  pyr_recorder_set_gil_only (recorder, gil);
  pyr_recorder_set_subprocesses (recorder, subprocesses);
  pyr_recorder_set_native (recorder, native);
  pyr_recorder_set_blocking (recorder, blocking);
  pyr_recorder_set_privileged (recorder, privileged);
  pyr_recorder_set_inherit_stdin (recorder, TRUE);
  if (format == PYR_FORMAT_PYROMETER)
    {
      recording = g_file_new_for_commandline_arg (output);
      pyr_recorder_set_output_file (recorder, recording);
    }

  run.loop = g_main_loop_new (NULL, FALSE);
  run.recorder = recorder;
  run.line = g_string_new (NULL);
  run.notes = g_ptr_array_new_with_free_func (g_free);
  run.show_progress = (pid > 0 || connect != NULL) && isatty (STDERR_FILENO);
  g_signal_connect (recorder, "output", G_CALLBACK (on_output), &run);
  g_signal_connect (recorder, "updated", G_CALLBACK (on_updated), &run);
  g_signal_connect (recorder, "message", G_CALLBACK (on_message), &run);

  if (!pyr_recorder_start (recorder, &error))
    {
      pyr_cli_print_error ("record", error);
      g_main_loop_unref (run.loop);
      g_string_free (run.line, TRUE);
      g_ptr_array_unref (run.notes);
      return 1;
    }
  sigint = g_unix_signal_add (SIGINT, on_interrupt, &run);
  sigterm = g_unix_signal_add (SIGTERM, on_interrupt, &run);
  pyr_recorder_wait_async (recorder, NULL, on_waited, &run);
  if (!run.done)
    g_main_loop_run (run.loop);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  clear_progress (&run);
  if (run.line->len > 0 && !is_sampler_line (&run, run.line->str))
    fputs (run.line->str, stderr);
  g_signal_handlers_disconnect_by_data (recorder, &run);
  print_notes (&run, run.error != NULL ? run.error->message : NULL);

  if (run.error != NULL)
    {
      pyr_cli_print_error ("record", run.error);
      if (g_error_matches (run.error, PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_PERMISSION_DENIED) && !privileged &&
          connect == NULL)
        fprintf (stderr, _("Try: pyrometer-cli record --privileged -p %lld\n"), (long long) pid);
      status = 1;
    }
  if (pyr_profile_get_n_samples (pyr_recorder_get_profile (recorder)) > 0 || run.error == NULL)
    {
      if (!save_output (recorder, output, format, &error))
        {
          g_prefix_error (&error, "%s: ", output);
          pyr_cli_print_error ("record", error);
          status = 1;
        }
      else
        print_summary (recorder, output);
    }
  else if (format == PYR_FORMAT_PYROMETER && recording != NULL &&
           pyr_recorder_get_n_bytes (recorder) == 0)
    g_file_delete (recording, NULL, NULL);   /* nothing came: leave no empty file behind */

  if (status == 0 && pyr_recorder_get_exit_status (recorder) >= 0)
    status = pyr_recorder_get_exit_status (recorder);

  g_clear_error (&run.error);
  g_main_loop_unref (run.loop);
  g_string_free (run.line, TRUE);
  g_ptr_array_unref (run.notes);
  return status;
}
