/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pyr-function-table.h"
#include "pyr-profile-loader.h"
#include "pyr-recorder.h"
#include "recorder-testutil.h"
#include "pyr-sampler-launcher.h"

/* A target whose hot function and file are known; it prints "ready" once it spins. */
static const char target_source[] =
  "import sys, time\n"
  "def hot_spin(deadline):\n"
  "    n = 0\n"
  "    while time.monotonic() < deadline:\n"
  "        n += 1\n"
  "    return n\n"
  "def main():\n"
  "    print('ready', flush=True)\n"
  "    hot_spin(time.monotonic() + float(sys.argv[1]))\n"
  "main()\n"
  "sys.exit(int(sys.argv[2]) if len(sys.argv) > 2 else 0)\n";

typedef struct
{
  char        *dir;
  char        *script;
  const char  *python;
} Fixture;

typedef struct
{
  PyrRecorder *recorder;
  GError      *error;
  guint        n_updates;
  guint        live_samples;   /* samples seen while still recording */
  GString     *output;
} Run;

static void
fixture_setup (Fixture       *fx,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fx->python = rtu_find_python ();
  fx->dir = g_dir_make_tmp ("pyr-recorder-XXXXXX", &error);
  g_assert_no_error (error);
  fx->script = g_build_filename (fx->dir, "spin_target.py", NULL);
  g_file_set_contents (fx->script, target_source, -1, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *fx,
                  gconstpointer  data)
{
  rtu_remove_tree (fx->dir);
  g_free (fx->dir);
  g_free (fx->script);
}

static void
on_updated (PyrRecorder *recorder,
            Run         *run)
{
  run->n_updates++;
  if (pyr_recorder_get_state (recorder) == PYR_RECORDER_STATE_RECORDING && run->live_samples == 0)
    run->live_samples = pyr_recorder_get_n_samples (recorder);
}

static void
on_output (PyrRecorder *recorder,
           GBytes      *bytes,
           Run         *run)
{
  g_string_append_len (run->output, g_bytes_get_data (bytes, NULL), (gssize) g_bytes_get_size (bytes));
}

static void
run_init (Run         *run,
          PyrRecorder *recorder)
{
  run->recorder = recorder;
  run->output = g_string_new (NULL);
  g_signal_connect (recorder, "updated", G_CALLBACK (on_updated), run);
  g_signal_connect (recorder, "output", G_CALLBACK (on_output), run);
}

static void
run_clear (Run *run)
{
  g_signal_handlers_disconnect_by_data (run->recorder, run);
  g_clear_error (&run->error);
  g_string_free (run->output, TRUE);
}

static void
run_wait (Run *run)
{
  rtu_wait (run->recorder, NULL, &run->error);
}

static gboolean
on_quit_timeout (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop for a while (the recorder works on it). */
static void
spin_main_loop (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, on_quit_timeout, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* A target running the script for `seconds`, ready (spinning) when this returns. */
static GSubprocess *
start_target (Fixture    *fx,
              const char *seconds)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autofree char *line = NULL;
  GSubprocess *target;

  target = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, fx->python, fx->script, seconds, NULL);
  g_assert_no_error (error);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (target));
  line = g_data_input_stream_read_line (lines, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, "ready");
  return target;
}

static gint64
target_pid (GSubprocess *target)
{
  return g_ascii_strtoll (g_subprocess_get_identifier (target), NULL, 10);
}

static guint
reimported_samples (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(PyrProfile) profile = pyr_profile_load_file (file, NULL, NULL, NULL, &error);

  g_assert_no_error (error);
  return pyr_profile_get_n_samples (profile);
}

static void
on_message (PyrRecorder *recorder,
            const char  *message,
            GString     *messages)
{
  g_string_append_printf (messages, "%s\n", message);
}

/* Through a wrapper that runs Python as a child: the program's output arrives as "output",
 * the sampler's note that it follows the child as a "message", neither in the other. */
static void
test_launch_output_apart (Fixture       *fx,
                          gconstpointer  data)
{
  g_autoptr(PyrRecorder) recorder = pyr_recorder_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) messages = g_string_new (NULL);
  Run run = { 0 };

  if (rtu_skip_without_python (fx->python))
    return;

  pyr_recorder_set_command (recorder, (const char *[]) {
    "sh", "-c", "echo program-line; echo program-error >&2; \"$0\" \"$1\" 0.5 0; true",
    fx->python, fx->script, NULL });
  pyr_recorder_set_rate (recorder, 200);
  run_init (&run, recorder);
  g_signal_connect (recorder, "message", G_CALLBACK (on_message), messages);
  pyr_recorder_start (recorder, &error);
  g_assert_no_error (error);
  run_wait (&run);
  g_assert_no_error (run.error);
  g_test_message ("output: %s", run.output->str);
  g_test_message ("messages: %s", messages->str);
  g_assert_nonnull (strstr (run.output->str, "program-line\n"));
  g_assert_nonnull (strstr (run.output->str, "program-error\n"));
  g_assert_nonnull (strstr (run.output->str, "ready"));
  g_assert_null (strstr (run.output->str, "pyrometer-sampler"));
  g_assert_null (strstr (run.output->str, "Python process"));
  g_assert_true (g_str_has_prefix (messages->str, "sampling process "));
  g_assert_nonnull (strstr (messages->str, "the first Python process the command started"));
  g_assert_null (strstr (messages->str, "program-"));
  g_assert_cmpint (pyr_recorder_get_exit_status (recorder), ==, 0);
  g_assert_cmpuint (pyr_recorder_get_n_samples (recorder), >, 0);
  run_clear (&run);
}

static void
test_launch_live (Fixture       *fx,
                  gconstpointer  data)
{
  g_autoptr(PyrRecorder) recorder = pyr_recorder_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *recording = g_build_filename (fx->dir, "launch.pyrometer", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (recording);
  g_autofree char *hot = NULL;
  PyrProfile *profile;
  double share = 0;
  Run run = { 0 };

  if (rtu_skip_without_python (fx->python))
    return;

  pyr_recorder_set_command (recorder, (const char *[]) { fx->python, fx->script, "1.5", "3", NULL });
  pyr_recorder_set_rate (recorder, 200);
  pyr_recorder_set_output_file (recorder, file);
  run_init (&run, recorder);
  pyr_recorder_start (recorder, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pyr_recorder_get_state (recorder), ==, PYR_RECORDER_STATE_RECORDING);
  run_wait (&run);

  g_assert_no_error (run.error);
  g_assert_cmpint (pyr_recorder_get_state (recorder), ==, PYR_RECORDER_STATE_FINISHED);
  {
    PyrRecorderState state;
    guint n_samples;

    g_object_get (recorder, "state", &state, "n-samples", &n_samples, NULL);
    g_assert_cmpint (state, ==, PYR_RECORDER_STATE_FINISHED);
    g_assert_cmpuint (n_samples, ==, pyr_recorder_get_n_samples (recorder));
  }
  /* samples arrived while the program ran, not only at the end */
  g_assert_cmpuint (run.live_samples, >, 0);
  g_assert_cmpuint (run.n_updates, >=, 3);
  /* the command's own exit status comes through */
  g_assert_cmpint (pyr_recorder_get_exit_status (recorder), ==, 3);
  g_assert_true (g_str_has_prefix (run.output->str, "ready"));

  profile = pyr_recorder_get_profile (recorder);
  g_assert_cmpuint (pyr_profile_get_n_samples (profile), ==, pyr_recorder_get_n_samples (recorder));
  g_assert_cmpuint (pyr_profile_get_n_samples (profile), >, 50);   /* ~300 expected; the machine may be loaded */
  hot = rtu_hottest_function (profile, &share);
  g_assert_cmpstr (hot, ==, "hot_spin");
  g_assert_cmpfloat (share, >, 0.5);
  g_assert_cmpfloat (pyr_recorder_get_achieved_rate (recorder), >, 20);

  /* the file is the stream as it arrived: it loads to the same samples */
  g_assert_cmpuint (reimported_samples (recording), ==, pyr_profile_get_n_samples (profile));
  run_clear (&run);
}

/* Attaches recorder to a new 60 s target, recording into file, and lets it record for ms:
 * the target, for the test to end. */
static GSubprocess *
attach_and_record (Fixture     *fx,
                   PyrRecorder *recorder,
                   GFile       *file,
                   Run         *run,
                   guint        ms)
{
  g_autoptr(GError) error = NULL;
  GSubprocess *target = start_target (fx, "60");

  pyr_recorder_set_pid (recorder, target_pid (target));
  pyr_recorder_set_output_file (recorder, file);
  run_init (run, recorder);
  pyr_recorder_start (recorder, &error);
  g_assert_no_error (error);
  spin_main_loop (ms);
  g_assert_cmpuint (pyr_recorder_get_n_samples (recorder), >, 0);
  return target;
}

static void
test_attach_stop (Fixture       *fx,
                  gconstpointer  data)
{
  g_autoptr(PyrRecorder) recorder = pyr_recorder_new ();
  g_autoptr(GSubprocess) target = NULL;
  g_autofree char *recording = g_build_filename (fx->dir, "attach.pyrometer", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (recording);
  g_autofree char *hot = NULL;
  g_autofree char *end_reason = NULL;
  double share = 0;
  Run run = { 0 };

  if (rtu_skip_without_python (fx->python))
    return;

  target = attach_and_record (fx, recorder, file, &run, 1000);
  g_assert_cmpuint (pyr_recorder_get_n_samples (recorder), >, 0);
  pyr_recorder_stop (recorder);
  run_wait (&run);

  g_assert_no_error (run.error);
  g_assert_cmpint (pyr_recorder_get_exit_status (recorder), ==, -1);
  hot = rtu_hottest_function (pyr_recorder_get_profile (recorder), &share);
  g_assert_cmpstr (hot, ==, "hot_spin");
  end_reason = pyr_profile_dup_metadata (pyr_recorder_get_profile (recorder), "end-reason");
  g_assert_cmpstr (end_reason, ==, "signal");
  g_assert_cmpuint (reimported_samples (recording), ==, pyr_recorder_get_n_samples (recorder));

  /* the target was left running */
  g_assert_cmpint (kill ((pid_t) target_pid (target), 0), ==, 0);
  g_subprocess_force_exit (target);
  g_subprocess_wait (target, NULL, NULL);
  run_clear (&run);
}

static void
test_target_killed (Fixture       *fx,
                    gconstpointer  data)
{
  g_autoptr(PyrRecorder) recorder = pyr_recorder_new ();
  g_autoptr(GSubprocess) target = NULL;
  g_autofree char *recording = g_build_filename (fx->dir, "killed-target.pyrometer", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (recording);
  g_autofree char *end_reason = NULL;
  guint before;
  Run run = { 0 };

  if (rtu_skip_without_python (fx->python))
    return;

  target = attach_and_record (fx, recorder, file, &run, 800);
  before = pyr_recorder_get_n_samples (recorder);
  g_assert_cmpuint (before, >, 0);
  g_subprocess_force_exit (target);
  run_wait (&run);

  /* the target's exit ends the recording; nothing recorded is lost */
  g_assert_no_error (run.error);
  g_assert_cmpuint (pyr_recorder_get_n_samples (recorder), >=, before);
  end_reason = pyr_profile_dup_metadata (pyr_recorder_get_profile (recorder), "end-reason");
  g_assert_cmpstr (end_reason, ==, "target-exited");
  g_assert_cmpuint (reimported_samples (recording), ==, pyr_recorder_get_n_samples (recorder));
  g_subprocess_wait (target, NULL, NULL);
  run_clear (&run);
}

static void
test_sampler_killed (Fixture       *fx,
                     gconstpointer  data)
{
  g_autoptr(PyrRecorder) recorder = pyr_recorder_new ();
  g_autoptr(GSubprocess) target = NULL;
  g_autofree char *recording = g_build_filename (fx->dir, "killed-sampler.pyrometer", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (recording);
  guint before;
  GPid sampler;
  Run run = { 0 };

  if (rtu_skip_without_python (fx->python))
    return;

  target = attach_and_record (fx, recorder, file, &run, 800);
  before = pyr_recorder_get_n_samples (recorder);
  g_assert_cmpuint (before, >, 0);
  sampler = pyr_recorder_get_sampler_pid (recorder);
  g_assert_cmpint (sampler, >, 0);
  g_assert_cmpint (kill (sampler, SIGKILL), ==, 0);
  run_wait (&run);

  g_assert_error (run.error, PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_SAMPLER_CRASHED);
  g_assert_nonnull (strstr (run.error->message, "signal 9"));
  g_assert_cmpint (pyr_recorder_get_state (recorder), ==, PYR_RECORDER_STATE_FAILED);
  /* what arrived is kept, in the profile and in the file (a valid recording cut short) */
  g_assert_cmpuint (pyr_recorder_get_n_samples (recorder), >=, before);
  g_assert_cmpuint (reimported_samples (recording), ==, pyr_recorder_get_n_samples (recorder));
  /* the target goes on */
  g_assert_cmpint (kill ((pid_t) target_pid (target), 0), ==, 0);
  g_subprocess_force_exit (target);
  g_subprocess_wait (target, NULL, NULL);
  run_clear (&run);
}

/* Starts a recording expected to fail and returns its error. */
static GError *
record_expecting_error (PyrRecorder *recorder,
                        Run         *run)
{
  g_autoptr(GError) error = NULL;

  run_init (run, recorder);
  pyr_recorder_start (recorder, &error);
  g_assert_no_error (error);
  run_wait (run);
  g_assert_nonnull (run->error);
  g_assert_cmpint (pyr_recorder_get_state (recorder), ==, PYR_RECORDER_STATE_FAILED);
  return g_error_copy (run->error);
}

static void
test_no_such_process (Fixture       *fx,
                      gconstpointer  data)
{
  g_autoptr(PyrRecorder) recorder = pyr_recorder_new ();
  g_autoptr(GSubprocess) gone = NULL;
  g_autoptr(GError) error = NULL;
  Run run = { 0 };
  gint64 pid;

  /* a pid that surely existed and is gone now */
  gone = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "sleep", "30", NULL);
  g_assert_no_error (error);
  pid = target_pid (gone);
  g_subprocess_force_exit (gone);
  g_subprocess_wait (gone, NULL, &error);
  g_assert_no_error (error);

  pyr_recorder_set_pid (recorder, pid);
  error = record_expecting_error (recorder, &run);
  g_assert_error (error, PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_NO_SUCH_PROCESS);
  g_assert_nonnull (strstr (error->message, "process"));
  g_assert_cmpuint (pyr_recorder_get_n_samples (recorder), ==, 0);
  run_clear (&run);
}

static void
test_not_python (Fixture       *fx,
                 gconstpointer  data)
{
  g_autoptr(PyrRecorder) recorder = pyr_recorder_new ();
  g_autoptr(GSubprocess) sleeper = NULL;
  g_autoptr(GError) error = NULL;
  Run run = { 0 };

  sleeper = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "sleep", "30", NULL);
  g_assert_no_error (error);
  pyr_recorder_set_pid (recorder, target_pid (sleeper));
  error = record_expecting_error (recorder, &run);
  g_assert_error (error, PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_NOT_PYTHON);
  g_assert_nonnull (strstr (error->message, "not running Python"));
  g_subprocess_force_exit (sleeper);
  g_subprocess_wait (sleeper, NULL, NULL);
  run_clear (&run);
}

static void
test_command_not_found (Fixture       *fx,
                        gconstpointer  data)
{
  g_autoptr(PyrRecorder) recorder = pyr_recorder_new ();
  g_autoptr(GError) error = NULL;
  Run run = { 0 };

  pyr_recorder_set_command (recorder, (const char *[]) { "/nonexistent/pyrometer-test-program", NULL });
  error = record_expecting_error (recorder, &run);
  g_assert_error (error, PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_COMMAND_FAILED);
  g_assert_nonnull (strstr (error->message, "/nonexistent/pyrometer-test-program"));
  run_clear (&run);
}

static char *
write_script (const char *dir,
              const char *name,
              const char *body)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);

  g_file_set_contents (path, body, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, 0755), ==, 0);
  return path;
}

static void
test_pkexec_dismissed (Fixture       *fx,
                       gconstpointer  data)
{
  g_autoptr(PyrRecorder) recorder = pyr_recorder_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *bin = g_build_filename (fx->dir, "bin", NULL);
  g_autofree char *args_file = g_build_filename (fx->dir, "pkexec-args", NULL);
  g_autofree char *body = g_strdup_printf ("#!/bin/sh\n"
                                           "printf '%%s\\n' \"$@\" > '%s'\n"
                                           "exit 126\n", args_file);
  g_autofree char *fake = NULL;
  g_autofree char *old_path = g_strdup (g_getenv ("PATH"));
  g_autofree char *new_path = g_strdup_printf ("%s:%s", bin, old_path);
  g_autofree char *args = NULL;
  g_auto(GStrv) lines = NULL;
  char pid_text[32];
  Run run = { 0 };

  g_snprintf (pid_text, sizeof pid_text, "%d", (int) getpid ());
  g_assert_cmpint (g_mkdir (bin, 0755), ==, 0);
  fake = write_script (bin, "pkexec", body);
  g_setenv ("PATH", new_path, TRUE);

  pyr_recorder_set_pid (recorder, getpid ());
  pyr_recorder_set_privileged (recorder, TRUE);
  error = record_expecting_error (recorder, &run);
  g_setenv ("PATH", old_path, TRUE);

  g_assert_error (error, PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_AUTHORIZATION_DISMISSED);
  g_assert_nonnull (strstr (error->message, "Authorisation was dismissed"));
  /* pkexec was asked to run the sampler on this process */
  g_file_get_contents (args_file, &args, NULL, NULL);
  g_assert_nonnull (args);
  lines = g_strsplit (args, "\n", -1);
  g_assert_true (g_str_has_suffix (lines[0], "/pyrometer-sampler"));
  g_assert_true (g_strv_contains ((const char * const *) lines, "--pid"));
  g_assert_true (g_strv_contains ((const char * const *) lines, pid_text));
  run_clear (&run);
}

static void
test_flatpak_spawn (Fixture       *fx,
                    gconstpointer  data)
{
  g_autoptr(PyrRecorder) recorder = pyr_recorder_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *bin = g_build_filename (fx->dir, "bin", NULL);
  g_autofree char *app = g_build_filename (fx->dir, "app", NULL);
  g_autofree char *app_bin = g_build_filename (app, "bin", NULL);
  g_autofree char *host_sampler = g_build_filename (app_bin, "pyrometer-sampler", NULL);
  g_autofree char *info = g_build_filename (fx->dir, "flatpak-info", NULL);
  g_autofree char *info_text = g_strdup_printf ("[Application]\nname=io.github.pyrometer.Pyrometer\n\n"
                                                "[Instance]\napp-path=%s\n", app);
  g_autofree char *args_file = g_build_filename (fx->dir, "flatpak-spawn-args", NULL);
  /* records its arguments, drops its own options, runs the rest (the host is this machine) */
  g_autofree char *body = g_strdup_printf ("#!/bin/sh\n"
                                           "printf '%%s\\n' \"$@\" > '%s'\n"
                                           "while [ $# -gt 0 ]; do\n"
                                           "  case \"$1\" in --*) shift ;; *) break ;; esac\n"
                                           "done\n"
                                           "exec \"$@\"\n", args_file);
  g_autofree char *real_sampler = NULL;
  g_autofree char *fake = NULL;
  g_autofree char *old_path = g_strdup (g_getenv ("PATH"));
  g_autofree char *new_path = g_strdup_printf ("%s:%s", bin, old_path);
  g_autofree char *args = NULL;
  g_auto(GStrv) lines = NULL;
  Run run = { 0 };

  if (rtu_skip_without_python (fx->python))
    return;

  real_sampler = pyr_sampler_find (&error);
  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir (bin, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (app_bin, 0755), ==, 0);
  g_assert_cmpint (symlink (real_sampler, host_sampler), ==, 0);
  g_file_set_contents (info, info_text, -1, &error);
  g_assert_no_error (error);
  fake = write_script (bin, "flatpak-spawn", body);

  g_setenv ("PATH", new_path, TRUE);
  g_setenv ("PYROMETER_FLATPAK_INFO", info, TRUE);
  g_assert_true (pyr_sampler_in_flatpak (NULL));

  pyr_recorder_set_command (recorder, (const char *[]) { fx->python, fx->script, "0.8", NULL });
  pyr_recorder_set_working_directory (recorder, fx->dir);
  run_init (&run, recorder);
  pyr_recorder_start (recorder, &error);
  g_setenv ("PATH", old_path, TRUE);
  g_unsetenv ("PYROMETER_FLATPAK_INFO");
  g_assert_no_error (error);
  run_wait (&run);

  g_assert_no_error (run.error);
  g_assert_cmpuint (pyr_recorder_get_n_samples (recorder), >, 0);
  g_file_get_contents (args_file, &args, NULL, NULL);
  g_assert_nonnull (args);
  lines = g_strsplit (args, "\n", -1);
  g_assert_cmpstr (lines[0], ==, "--host");
  g_assert_true (g_strv_contains ((const char * const *) lines, host_sampler));
  g_assert_nonnull (strstr (args, "--directory="));
  g_assert_true (g_strv_contains ((const char * const *) lines, fx->script));
  run_clear (&run);
}

static gboolean
profile_has_function (PyrProfile *profile,
                      const char *name)
{
  guint32 sid = pyr_profile_lookup_string (profile, name);
  guint n_samples = pyr_profile_get_n_samples (profile);

  if (sid == PYR_ID_NONE)
    return FALSE;
  for (guint i = 0; i < n_samples; i++)
    for (guint32 node = pyr_profile_get_sample_stack (profile, i); node != PYR_STACK_ROOT;
         node = pyr_profile_get_node_parent (profile, node))
      if (pyr_profile_get_frame_name (profile, pyr_profile_get_node_frame (profile, node)) == sid)
        return TRUE;
  return FALSE;
}

static void
test_demo_live (Fixture       *fx,
                gconstpointer  data)
{
  g_autoptr(PyrRecorder) recorder = pyr_recorder_new ();
  g_autoptr(GError) error = NULL;
  const char *root = g_getenv ("PYROMETER_SOURCE_ROOT");
  g_autofree char *demo = g_build_filename (root != NULL ? root : ".", "data", "demo", "pyrometer_demo.py", NULL);
  g_autofree char *recording = g_build_filename (fx->dir, "demo.pyrometer", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (recording);
  PyrProfile *profile;
  Run run = { 0 };

  if (rtu_skip_without_python (fx->python))
    return;
  if (!g_file_test (demo, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("the demo workload is not found (PYROMETER_SOURCE_ROOT unset)");
      return;
    }

  pyr_recorder_set_command (recorder, (const char *[]) { fx->python, demo, "--seconds", "1.5", "--quiet", NULL });
  pyr_recorder_set_rate (recorder, 250);
  pyr_recorder_set_output_file (recorder, file);
  run_init (&run, recorder);
  pyr_recorder_start (recorder, &error);
  g_assert_no_error (error);
  run_wait (&run);

  g_assert_no_error (run.error);
  g_assert_cmpuint (run.live_samples, >, 0);
  g_assert_cmpint (pyr_recorder_get_exit_status (recorder), ==, 0);
  profile = pyr_recorder_get_profile (recorder);
  /* the demo's hot spots, and its two threads */
  g_assert_true (profile_has_function (profile, "parse_line"));
  g_assert_true (profile_has_function (profile, "run"));
  g_assert_cmpuint (pyr_profile_get_n_threads (profile), >=, 2);
  g_assert_cmpuint (reimported_samples (recording), ==, pyr_profile_get_n_samples (profile));
  run_clear (&run);
}

static void
on_cancel_later (GCancellable *cancellable)
{
  g_cancellable_cancel (cancellable);
}

static gboolean
cancel_later (gpointer data)
{
  on_cancel_later (data);
  return G_SOURCE_REMOVE;
}

static void
test_launch_stop_by_cancelling (Fixture       *fx,
                                gconstpointer  data)
{
  g_autoptr(PyrRecorder) recorder = pyr_recorder_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  Run run = { 0 };

  if (rtu_skip_without_python (fx->python))
    return;

  pyr_recorder_set_command (recorder, (const char *[]) { fx->python, fx->script, "60", NULL });
  run_init (&run, recorder);
  pyr_recorder_start (recorder, &error);
  g_assert_no_error (error);
  /* cancelling the wait stops the recording: the sampler passes SIGINT on to the command */
  g_timeout_add (1000, cancel_later, cancellable);
  rtu_wait (recorder, cancellable, &run.error);

  g_assert_no_error (run.error);
  g_assert_cmpuint (pyr_recorder_get_n_samples (recorder), >, 0);
  g_assert_cmpfloat (pyr_recorder_get_elapsed (recorder), <, 30);
  /* Python dies of the SIGINT it does not catch outside the main thread's handler: not 0 */
  g_assert_cmpint (pyr_recorder_get_exit_status (recorder), >, 0);
  run_clear (&run);
}

static void
test_stop_at_once (Fixture       *fx,
                   gconstpointer  data)
{
  g_autoptr(PyrRecorder) recorder = pyr_recorder_new ();
  g_autoptr(GError) error = NULL;
  Run run = { 0 };

  if (rtu_skip_without_python (fx->python))
    return;

  /* stopping before the sampler even attached is not an error: nothing was recorded */
  pyr_recorder_set_command (recorder, (const char *[]) { fx->python, fx->script, "60", NULL });
  run_init (&run, recorder);
  pyr_recorder_start (recorder, &error);
  g_assert_no_error (error);
  pyr_recorder_stop (recorder);
  g_assert_cmpint (pyr_recorder_get_state (recorder), ==, PYR_RECORDER_STATE_STOPPING);
  run_wait (&run);
  g_assert_no_error (run.error);
  g_assert_cmpint (pyr_recorder_get_state (recorder), ==, PYR_RECORDER_STATE_FINISHED);
  run_clear (&run);
}

static void
test_argv (Fixture       *fx,
           gconstpointer  data)
{
  g_autoptr(PyrRecorder) recorder = pyr_recorder_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *info = g_build_filename (fx->dir, "flatpak-info", NULL);
  g_auto(GStrv) argv = NULL;
  g_auto(GStrv) none = NULL;
  g_autofree char *joined = NULL;

  /* nothing to record */
  none = pyr_recorder_build_argv (recorder, &error);
  g_assert_null (none);
  g_assert_error (error, PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_USAGE);
  g_clear_error (&error);

  /* attach, privileged, inside a Flatpak: pkexec runs on the host, on the host's sampler */
  g_file_set_contents (info, "[Instance]\napp-path=/var/lib/flatpak/app/x/current/active/files\n", -1, &error);
  g_assert_no_error (error);
  g_setenv ("PYROMETER_FLATPAK_INFO", info, TRUE);
  g_setenv ("PYROMETER_PKEXEC", "/usr/bin/pkexec", TRUE);
  pyr_recorder_set_pid (recorder, 1234);
  pyr_recorder_set_rate (recorder, 250);
  pyr_recorder_set_duration (recorder, 2.5);
  pyr_recorder_set_idle (recorder, FALSE);
  pyr_recorder_set_gil_only (recorder, TRUE);
  pyr_recorder_set_blocking (recorder, TRUE);
  pyr_recorder_set_privileged (recorder, TRUE);
  argv = pyr_recorder_build_argv (recorder, &error);
  {
    /* the launched command's output descriptor crosses to the host with it */
    const char *launch[] = { "--command-output", "3", "--", "python3", NULL };
    g_auto(GStrv) spawned = pyr_sampler_build_argv (launch, FALSE, NULL, NULL, &error);
    g_autofree char *spawned_line = NULL;

    g_assert_no_error (error);
    spawned_line = g_strjoinv (" ", spawned);
    g_assert_cmpstr (spawned_line, ==, "flatpak-spawn --host --watch-bus --forward-fd=3 "
                     "/var/lib/flatpak/app/x/current/active/files/bin/pyrometer-sampler "
                     "--command-output 3 -- python3");
  }
  g_unsetenv ("PYROMETER_FLATPAK_INFO");
  g_unsetenv ("PYROMETER_PKEXEC");
  g_assert_no_error (error);
  joined = g_strjoinv (" ", argv);
  g_assert_cmpstr (joined, ==,
                   "flatpak-spawn --host --watch-bus /usr/bin/pkexec "
                   "/var/lib/flatpak/app/x/current/active/files/bin/pyrometer-sampler "
                   "--rate 250 --duration 2.5 --no-idle --gil --blocking --pid 1234");
}

static void
test_sampler_not_found (Fixture       *fx,
                        gconstpointer  data)
{
  g_autoptr(PyrRecorder) recorder = pyr_recorder_new ();
  g_autoptr(GError) error = NULL;
  gboolean ok;

  g_setenv ("PYROMETER_SAMPLER", "/nonexistent/pyrometer-sampler", TRUE);
  pyr_recorder_set_pid (recorder, getpid ());
  ok = pyr_recorder_start (recorder, &error);
  g_unsetenv ("PYROMETER_SAMPLER");
  g_assert_false (ok);
  g_assert_error (error, PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_SAMPLER_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "PYROMETER_SAMPLER"));
  g_assert_cmpint (pyr_recorder_get_state (recorder), ==, PYR_RECORDER_STATE_READY);
}

static void
test_stop_kills_stuck_sampler (Fixture       *fx,
                               gconstpointer  data)
{
  g_autoptr(PyrRecorder) recorder = pyr_recorder_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *stuck = write_script (fx->dir, "stuck-sampler", "#!/bin/sh\ntrap '' INT\nexec sleep 60\n");
  gint64 stop_time;
  Run run = { 0 };

  /* a sampler that ignores SIGINT is killed once the stop timeout passes */
  g_setenv ("PYROMETER_SAMPLER", stuck, TRUE);
  pyr_recorder_set_pid (recorder, getpid ());
  pyr_recorder_set_stop_timeout (recorder, 0.5);
  run_init (&run, recorder);
  pyr_recorder_start (recorder, &error);
  g_unsetenv ("PYROMETER_SAMPLER");
  g_assert_no_error (error);
  spin_main_loop (300);
  g_assert_cmpint (pyr_recorder_get_state (recorder), ==, PYR_RECORDER_STATE_RECORDING);
  stop_time = g_get_monotonic_time ();
  pyr_recorder_stop (recorder);
  run_wait (&run);

  g_assert_no_error (run.error);
  g_assert_cmpint (pyr_recorder_get_state (recorder), ==, PYR_RECORDER_STATE_FINISHED);
  g_assert_cmpint (g_get_monotonic_time () - stop_time, >=, 400000);
  g_assert_cmpint (g_get_monotonic_time () - stop_time, <, 30 * G_USEC_PER_SEC);
  run_clear (&run);
}

static char *
target_path (const char *name)
{
  const char *root = g_getenv ("PYROMETER_SOURCE_ROOT");

  return g_build_filename (root != NULL ? root : ".", "tests", "targets", name, NULL);
}

/* The line of `path` that carries the comment "# pyrometer-target: MARKER". */
static gint32
marker_line (const char *path,
             const char *marker)
{
  g_autofree char *text = NULL;
  g_autofree char *tag = g_strdup_printf ("# pyrometer-target: %s", marker);
  g_auto(GStrv) lines = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_suffix (g_strstrip (lines[i]), tag))
      return (gint32) i + 1;
  g_error ("no marker %s in %s", marker, path);
  return 0;
}

static void
test_target_spin_exact_stack (Fixture       *fx,
                              gconstpointer  data)
{
  g_autoptr(PyrRecorder) recorder = pyr_recorder_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) leaves = g_hash_table_new (NULL, NULL);
  g_autofree char *spin = target_path ("spin.py");
  const char *chain[] = { "spin", "middle", "outer", "main", "<module>" };
  const char *markers[] = { "spin", "middle", "outer", "main", "module" };
  PyrProfile *profile;
  gpointer key, value;
  GHashTableIter iter;
  guint32 hot = 0, node;
  guint best = 0, n;
  Run run = { 0 };

  if (rtu_skip_without_python (fx->python))
    return;
  if (!g_file_test (spin, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("tests/targets/spin.py not found (PYROMETER_SOURCE_ROOT unset)");
      return;
    }

  pyr_recorder_set_command (recorder, (const char *[]) { fx->python, spin, "--seconds", "1.5", NULL });
  pyr_recorder_set_rate (recorder, 200);
  run_init (&run, recorder);
  pyr_recorder_start (recorder, &error);
  g_assert_no_error (error);
  run_wait (&run);
  g_assert_no_error (run.error);
  g_assert_cmpint (pyr_recorder_get_exit_status (recorder), ==, 0);

  /* the most frequent stack is the documented one, line for line */
  profile = pyr_recorder_get_profile (recorder);
  n = pyr_profile_get_n_samples (profile);
  for (guint i = 0; i < n; i++)
    {
      gpointer leaf = GUINT_TO_POINTER (pyr_profile_get_sample_stack (profile, i));

      g_hash_table_insert (leaves, leaf, GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (leaves, leaf)) + 1));
    }
  g_hash_table_iter_init (&iter, leaves);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (GPOINTER_TO_UINT (value) > best)
      {
        best = GPOINTER_TO_UINT (value);
        hot = GPOINTER_TO_UINT (key);
      }
  g_assert_cmpuint (best, >, n / 2);
  g_assert_cmpuint (pyr_profile_get_node_depth (profile, hot), ==, G_N_ELEMENTS (chain));
  node = hot;
  for (guint d = 0; d < G_N_ELEMENTS (chain); d++, node = pyr_profile_get_node_parent (profile, node))
    {
      guint32 frame = pyr_profile_get_node_frame (profile, node);

      g_assert_cmpstr (pyr_profile_get_string (profile, pyr_profile_get_frame_name (profile, frame)), ==, chain[d]);
      g_assert_cmpstr (pyr_profile_get_string (profile, pyr_profile_get_frame_file (profile, frame)), ==, spin);
      g_assert_cmpint (pyr_profile_get_frame_line (profile, frame), ==, marker_line (spin, markers[d]));
    }
  run_clear (&run);
}

static void
test_target_dies_by_signal (Fixture       *fx,
                            gconstpointer  data)
{
  g_autoptr(PyrRecorder) recorder = pyr_recorder_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *exits = target_path ("exits.py");
  g_autofree char *end_reason = NULL;
  Run run = { 0 };

  if (rtu_skip_without_python (fx->python))
    return;
  if (!g_file_test (exits, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("tests/targets/exits.py not found (PYROMETER_SOURCE_ROOT unset)");
      return;
    }

  /* the program ending under the recording is its end, not an error; its status comes through */
  pyr_recorder_set_command (recorder, (const char *[]) { fx->python, exits, "--seconds", "1", "--signal", "TERM", NULL });
  run_init (&run, recorder);
  pyr_recorder_start (recorder, &error);
  g_assert_no_error (error);
  run_wait (&run);
  g_assert_no_error (run.error);
  g_assert_cmpint (pyr_recorder_get_exit_status (recorder), ==, 128 + SIGTERM);
  g_assert_cmpuint (pyr_recorder_get_n_samples (recorder), >, 10);
  end_reason = pyr_profile_dup_metadata (pyr_recorder_get_profile (recorder), "end-reason");
  g_assert_cmpstr (end_reason, ==, "target-exited");
  g_assert_true (profile_has_function (pyr_recorder_get_profile (recorder), "work"));
  run_clear (&run);
}

static void
test_exit_errors (void)
{
  struct
  {
    PyrSamplerExit exit;
    int            code;   /* -1: no error */
  } cases[] = {
    { { .code = 0 }, -1 },
    { { .code = 3, .pid = 42 }, PYR_RECORDER_ERROR_NO_SUCH_PROCESS },
    { { .code = 4, .pid = 42 }, PYR_RECORDER_ERROR_PERMISSION_DENIED },
    { { .code = 5, .pid = 42 }, PYR_RECORDER_ERROR_NOT_PYTHON },
    { { .code = 6, .pid = 42, .sampler_stderr = "pyrometer-sampler: Python 3.7 is not supported\n" },
      PYR_RECORDER_ERROR_UNSUPPORTED_VERSION },
    { { .code = 7, .pid = 42 }, PYR_RECORDER_ERROR_TARGET_EXITED },
    { { .code = 8, .stop_requested = TRUE }, -1 },
    { { .code = 126, .privileged = TRUE }, PYR_RECORDER_ERROR_AUTHORIZATION_DISMISSED },
    { { .code = 127, .privileged = TRUE }, PYR_RECORDER_ERROR_AUTHORIZATION_FAILED },
    /* launch mode: the command's own failure is not the recorder's */
    { { .code = 3, .launch = TRUE, .command = "python3" }, -1 },
    { { .code = 127, .launch = TRUE, .command = "nope",
        .sampler_stderr = "pyrometer-sampler: cannot run nope: No such file or directory\n" },
      PYR_RECORDER_ERROR_COMMAND_FAILED },
    { { .signaled = TRUE, .code = SIGKILL }, PYR_RECORDER_ERROR_SAMPLER_CRASHED },
    { { .signaled = TRUE, .code = SIGKILL, .stop_requested = TRUE }, -1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = pyr_sampler_exit_to_error (&cases[i].exit);

      if (cases[i].code < 0)
        g_assert_no_error (error);
      else
        g_assert_error (error, PYR_RECORDER_ERROR, cases[i].code);
    }

  {
    PyrSamplerExit e = { .code = 4, .pid = 42 };
    g_autoptr(GError) error = pyr_sampler_exit_to_error (&e);

    /* the fix is in the message */
    g_assert_nonnull (strstr (error->message, "process 42"));
    g_assert_nonnull (strstr (error->message, "pkexec"));
    g_assert_nonnull (strstr (error->message, "ptrace_scope"));
    g_assert_nonnull (strstr (error->message, "SYS_PTRACE"));
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/recorder/launch-live-samples-and-exit-status", test_launch_live);
  ADD ("/recorder/launch-output-apart-from-messages", test_launch_output_apart);
  ADD ("/recorder/attach-then-stop-leaves-target-running", test_attach_stop);
  ADD ("/recorder/target-killed-keeps-data", test_target_killed);
  ADD ("/recorder/sampler-killed-is-a-clear-error", test_sampler_killed);
  ADD ("/recorder/no-such-process", test_no_such_process);
  ADD ("/recorder/not-python", test_not_python);
  ADD ("/recorder/command-not-found", test_command_not_found);
  ADD ("/recorder/pkexec-dismissed", test_pkexec_dismissed);
  ADD ("/recorder/flatpak-spawn-host", test_flatpak_spawn);
  ADD ("/recorder/demo-workload-live", test_demo_live);
  ADD ("/recorder/launch-stop-by-cancelling", test_launch_stop_by_cancelling);
  ADD ("/recorder/stop-at-once-is-not-an-error", test_stop_at_once);
  ADD ("/recorder/command-line", test_argv);
  ADD ("/recorder/sampler-not-found", test_sampler_not_found);
  ADD ("/recorder/stop-kills-a-stuck-sampler", test_stop_kills_stuck_sampler);
  ADD ("/recorder/target-spin-exact-stack", test_target_spin_exact_stack);
  ADD ("/recorder/target-dies-by-signal", test_target_dies_by_signal);
#undef ADD
  g_test_add_func ("/recorder/exit-status-errors", test_exit_errors);

  return g_test_run ();
}
