/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "pyr-application.h"
#include "pyr-autosave.h"
#include "pyr-flame-layout.h"
#include "pyr-output-view.h"
#include "pyr-process-picker.h"
#include "pyr-record-dialog.h"
#include "pyr-recording-page.h"
#include "pyr-window.h"

/* Recording from the app, for real: a Python program, the sampler from the build tree, the
 * window's recording tab. Stand-ins replace pkexec and flatpak-spawn where the real ones would
 * ask for a password or need a Flatpak. */

static PyrApplication *test_app;
static char *tmp_dir;
static char *sampler;
static char *python;

static void
iterate (void)
{
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

typedef gboolean (*Condition) (gpointer data);

/* Runs the main loop until cond holds or timeout seconds pass; returns the seconds waited,
 * or -1 on timeout. */
static double
wait_for (Condition cond,
          gpointer  data,
          double    timeout)
{
  gint64 start = g_get_monotonic_time ();
  double waited = -1;

  /* Own the main context throughout, as a running main loop does: PyrRecorder's reader thread
   * hands its end over with g_main_context_invoke(), which runs the callback on the reader
   * thread itself when it can acquire the default context (then joining itself fails). */
  g_main_context_acquire (NULL);
  while (waited < 0)
    {
      if (cond (data))
        waited = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
      else if (g_get_monotonic_time () - start > timeout * G_USEC_PER_SEC)
        break;
      else if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (2000);
    }
  g_main_context_release (NULL);
  return waited;
}

static gboolean
page_finished (gpointer data)
{
  PyrRecordingPage *page = data;

  return pyr_recording_page_get_recorder (page) != NULL && !pyr_recording_page_get_recording (page) &&
         (pyr_recorder_get_state (pyr_recording_page_get_recorder (page)) >= PYR_RECORDER_STATE_FINISHED ||
          pyr_recording_page_get_error (page) != NULL);
}

static gboolean
has_samples (gpointer data)
{
  PyrRecordingPage *page = data;

  return pyr_profile_get_n_samples (pyr_profile_page_get_profile (pyr_recording_page_get_profile_page (page))) >= 20;
}

typedef struct
{
  PyrRecordingPage *page;
  const char       *function;
} FlameQuery;

static gboolean
flame_shows (gpointer data)
{
  FlameQuery *q = data;
  PyrProfilePage *pp = pyr_recording_page_get_profile_page (q->page);
  PyrFlameTree *tree = pyr_flame_graph_get_tree (pyr_profile_page_get_flame_graph (pp));
  PyrProfile *profile;

  if (tree == NULL)
    return FALSE;
  profile = pyr_flame_tree_get_profile (tree);
  for (guint32 n = 0; n < pyr_flame_tree_get_n_nodes (tree); n++)
    {
      guint32 frame = pyr_flame_tree_get_frame (tree, n);

      if (frame != PYR_ID_NONE &&
          g_strcmp0 (pyr_profile_get_string (profile, pyr_profile_get_frame_name (profile, frame)), q->function) == 0)
        return TRUE;
    }
  return FALSE;
}

static char *
write_script (const char *name,
              const char *body)
{
  g_autofree char *path = g_build_filename (tmp_dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, body, -1, &error);
  g_assert_no_error (error);
  g_chmod (path, 0755);
  return g_steal_pointer (&path);
}

static char *
source_path (const char *relative)
{
  return g_build_filename (g_getenv ("PYROMETER_SOURCE_ROOT"), relative, NULL);
}

static PyrWindow *
new_window (void)
{
  PyrWindow *window = pyr_window_new (test_app);

  gtk_window_present (GTK_WINDOW (window));
  iterate ();
  return window;
}

static void
close_window (PyrWindow *window)
{
  gtk_window_destroy (GTK_WINDOW (window));
  iterate ();
}

/* A spinning target we start ourselves (attach mode); killed at the end. */
static GPid
spawn_target (void)
{
  g_autofree char *script = source_path ("tests/targets/spin.py");
  const char *argv[] = { python, script, "--seconds", "60", NULL };
  g_autoptr(GError) error = NULL;
  GPid pid = 0;

  g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, &error);
  g_assert_no_error (error);
  g_usleep (300 * 1000);   /* past the interpreter's start-up */
  return pid;
}

static void
kill_target (GPid pid)
{
  kill (pid, SIGKILL);
  waitpid (pid, NULL, 0);
  g_spawn_close_pid (pid);
}

/* ---- the dialog ---- */

static void
on_record (PyrRecordDialog     *dialog,
           PyrRecordingRequest *request,
           PyrRecordingRequest **out)
{
  *out = pyr_recording_request_copy (request);
}

static void
test_dialog_parses_and_remembers (void)
{
  PyrWindow *window = new_window ();
  PyrRecordDialog *dialog = PYR_RECORD_DIALOG (pyr_record_dialog_new (GTK_WINDOW (window)));
  g_autoptr(PyrRecordingRequest) request = NULL;
  g_autoptr(PyrRecordingRequest) emitted = NULL;
  g_autoptr(GError) error = NULL;

  gtk_window_present (GTK_WINDOW (dialog));
  iterate ();

  /* a quote left open: the shell parser's complaint, and no request */
  pyr_record_dialog_set_command_line (dialog, "python3 'app.py");
  request = pyr_record_dialog_dup_request (dialog, &error);
  g_assert_null (request);
  g_assert_error (error, G_SHELL_ERROR, G_SHELL_ERROR_BAD_QUOTING);
  g_clear_error (&error);

  /* environment lines must be NAME=VALUE */
  pyr_record_dialog_set_command_line (dialog, "python3 'my app.py' --port 8000");
  pyr_record_dialog_set_environment (dialog, "NOT AN ASSIGNMENT");
  g_assert_null (pyr_record_dialog_dup_request (dialog, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  pyr_record_dialog_set_environment (dialog, "# comment\nPYTHONHASHSEED=0\n\nAPP_MODE=fast lane\n");
  pyr_record_dialog_set_working_directory (dialog, tmp_dir);
  request = pyr_record_dialog_dup_request (dialog, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (request->argv), ==, 4);
  g_assert_cmpstr (request->argv[1], ==, "my app.py");
  g_assert_cmpuint (g_strv_length (request->environment), ==, 2);
  g_assert_cmpstr (request->environment[1], ==, "APP_MODE=fast lane");
  g_assert_cmpstr (request->working_directory, ==, tmp_dir);

  g_signal_connect (dialog, "record", G_CALLBACK (on_record), &emitted);
  pyr_record_dialog_record (dialog);   /* emits and closes */
  iterate ();
  g_assert_nonnull (emitted);
  g_assert_cmpstr (emitted->argv[0], ==, "python3");

  /* the next dialog starts from what was recorded last */
  dialog = PYR_RECORD_DIALOG (pyr_record_dialog_new (GTK_WINDOW (window)));
  g_clear_pointer (&request, pyr_recording_request_free);
  request = pyr_record_dialog_dup_request (dialog, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (request->argv[1], ==, "my app.py");
  g_assert_cmpstr (request->environment[0], ==, "PYTHONHASHSEED=0");
  gtk_window_destroy (GTK_WINDOW (dialog));
  close_window (window);
}

/* ---- live recording of the demo ---- */

static gboolean
never (gpointer data)
{
  return FALSE;
}

static GtkToggleButton *
find_toggle (GtkWidget *root)
{
  /* the header's Pause View: the first toggle button above the profile page */
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkToggleButton *found;

      if (PYR_IS_PROFILE_PAGE (c))
        continue;
      if (GTK_IS_TOGGLE_BUTTON (c))
        return GTK_TOGGLE_BUTTON (c);
      if ((found = find_toggle (c)))
        return found;
    }
  return NULL;
}

static void
test_demo_live_stop_save_reopen (void)
{
  PyrWindow *window = new_window ();
  g_autoptr(PyrRecordingRequest) request = pyr_recording_request_new ();
  g_autofree char *demo = source_path ("data/demo/pyrometer_demo.py");
  g_autofree char *saved_path = g_build_filename (tmp_dir, "demo.pyrometer", NULL);
  g_autoptr(GFile) saved = g_file_new_for_path (saved_path);
  g_autoptr(GFile) autosave = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  PyrRecordingPage *page;
  PyrProfilePage *reopened;
  FlameQuery q;
  double seen;
  guint n_recorded;
  const char *argv[] = { python, demo, "--seconds", "60", NULL };

  request->argv = g_strdupv ((char **) argv);
  request->rate = 100;
  page = pyr_window_record (window, request);
  g_assert_true (pyr_recording_page_get_recording (page));
  g_assert_true (pyr_window_get_current_recording (window) == page);
  /* the window's actions work on the recording tab */
  g_assert_true (pyr_window_get_current_page (window) == pyr_recording_page_get_profile_page (page));
  g_assert_true (pyr_profile_page_get_live (pyr_recording_page_get_profile_page (page)));
  autosave = g_object_ref (pyr_recording_page_get_file (page));
  g_assert_true (pyr_autosave_contains (autosave));

  /* the hot function shows in the live flame graph */
  q.page = page;
  q.function = "parse_line";
  seen = wait_for (flame_shows, &q, 20);
  g_assert_cmpfloat (seen, >=, 0);
  g_test_message ("parse_line in the live flame graph %.2f s after the start", seen);

  /* Pause view stops the views, not the recording */
  {
    GtkToggleButton *pause = find_toggle (GTK_WIDGET (page));
    guint before;

    g_assert_nonnull (pause);
    gtk_toggle_button_set_active (pause, TRUE);
    g_assert_false (pyr_profile_page_get_live (pyr_recording_page_get_profile_page (page)));
    before = pyr_recorder_get_n_samples (pyr_recording_page_get_recorder (page));
    wait_for (never, NULL, 0.5);
    g_assert_cmpuint (pyr_recorder_get_n_samples (pyr_recording_page_get_recorder (page)), >, before);
    gtk_toggle_button_set_active (pause, FALSE);
    g_assert_true (pyr_profile_page_get_live (pyr_recording_page_get_profile_page (page)));
  }

  pyr_recording_page_stop (page);
  g_assert_cmpfloat (wait_for (page_finished, page, 20), >=, 0);
  g_assert_null (pyr_recording_page_get_error (page));
  g_assert_false (pyr_profile_page_get_live (pyr_recording_page_get_profile_page (page)));
  n_recorded = pyr_profile_get_n_samples (pyr_profile_page_get_profile (pyr_recording_page_get_profile_page (page)));
  g_assert_cmpuint (n_recorded, >, 0);

  /* the demo's banner line and its exit by SIGINT reached the output pane */
  output = pyr_recording_page_dup_output (page);
  g_assert_nonnull (strstr (output, "pyrometer demo running"));

  /* the autosave's lock is gone: a clean end is never offered for reopening */
  {
    g_autofree char *path = g_file_get_path (autosave);
    g_autofree char *lock = g_strconcat (path, ".lock", NULL);

    g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
    g_assert_false (g_file_test (lock, G_FILE_TEST_EXISTS));
  }

  g_assert_true (pyr_recording_page_save (page, saved, &error));
  g_assert_no_error (error);
  /* saved as the stream: the autosave copy has done its job */
  g_assert_null (pyr_recording_page_get_file (page));
  g_assert_false (g_file_query_exists (autosave, NULL));

  reopened = pyr_profile_page_new_for_file (saved);
  g_object_ref_sink (reopened);
  while (pyr_profile_page_get_state (reopened) == PYR_PROFILE_PAGE_LOADING)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (pyr_profile_page_get_state (reopened), ==, PYR_PROFILE_PAGE_READY);
  g_assert_cmpuint (pyr_profile_get_n_samples (pyr_profile_page_get_profile (reopened)), ==, n_recorded);
  g_object_unref (reopened);

  close_window (window);
}

/* ---- the program's output and exit status ---- */

static void
test_output_and_exit_status (void)
{
  PyrWindow *window = new_window ();
  g_autoptr(PyrRecordingRequest) request = pyr_recording_request_new ();
  g_autofree char *output = NULL;
  PyrRecordingPage *page;
  const char *argv[] = {
    python, "-c",
    "import sys, time\n"
    "end = time.time() + 1.0\n"
    "while time.time() < end: pass\n"
    "print('hello from the program', flush=True)\n"
    "print('and its stderr', file=sys.stderr)\n"
    "sys.exit(3)\n",
    NULL
  };

  request->argv = g_strdupv ((char **) argv);
  page = pyr_window_record (window, request);
  g_assert_cmpfloat (wait_for (page_finished, page, 30), >=, 0);

  output = pyr_recording_page_dup_output (page);
  g_assert_nonnull (strstr (output, "hello from the program"));
  g_assert_nonnull (strstr (output, "and its stderr"));
  g_assert_nonnull (strstr (output, "status 3"));
  g_assert_cmpuint (pyr_profile_get_n_samples (pyr_profile_page_get_profile (pyr_recording_page_get_profile_page (page))), >, 0);
  close_window (window);
}

/* Record Command with what people type: a shell running Python as a child.  The program's
 * function reaches the flame graph, its output the pane, and the sampler's word that it
 * follows the child shows as a note, not as the program's output. */
static void
test_command_through_a_wrapper (void)
{
  PyrWindow *window = new_window ();
  g_autoptr(PyrRecordingRequest) request = pyr_recording_request_new ();
  g_autofree char *output = NULL;
  PyrRecordingPage *page;
  FlameQuery q;
  const char *argv[] = {
    "sh", "-c", "echo from-the-shell; \"$0\" -c \"$1\"; exit 4",
    python,
    "import time\n"
    "def wrapped_work():\n"
    "    end = time.time() + 1.5\n"
    "    while time.time() < end: pass\n"
    "wrapped_work()\n"
    "print('from-python', flush=True)\n",
    NULL
  };

  request->argv = g_strdupv ((char **) argv);
  page = pyr_window_record (window, request);
  q.page = page;
  q.function = "wrapped_work";
  g_assert_cmpfloat (wait_for (flame_shows, &q, 30), >=, 0);
  g_assert_cmpfloat (wait_for (page_finished, page, 30), >=, 0);
  g_assert_null (pyr_recording_page_get_error (page));

  output = pyr_recording_page_dup_output (page);
  g_test_message ("%s", output);
  g_assert_nonnull (strstr (output, "from-the-shell\n"));
  g_assert_nonnull (strstr (output, "from-python\n"));
  g_assert_nonnull (strstr (output, "the first Python process the command started"));
  g_assert_null (strstr (output, "pyrometer-sampler:"));
  g_assert_nonnull (strstr (output, "status 4"));
  close_window (window);
}

static void
test_output_is_bounded (void)
{
  PyrOutputView *view = PYR_OUTPUT_VIEW (pyr_output_view_new ());
  g_autofree char *text = NULL;
  const char euro[] = "\xe2\x82\xac";   /* € cut between two chunks */

  g_object_ref_sink (view);
  pyr_output_view_set_max_chars (view, 1000);
  for (guint i = 0; i < 500; i++)
    {
      g_autofree char *line = g_strdup_printf ("line %u\n", i);

      pyr_output_view_append_bytes (view, line, strlen (line));
    }
  pyr_output_view_append_bytes (view, euro, 1);
  pyr_output_view_append_bytes (view, euro + 1, 2);
  text = pyr_output_view_dup_text (view);
  g_assert_cmpuint (g_utf8_strlen (text, -1), <=, 1000);
  g_assert_true (g_str_has_prefix (text, "line "));      /* cut at a line start */
  g_assert_nonnull (strstr (text, "line 499\n\xe2\x82\xac"));
  g_assert_null (strstr (text, "line 1\n"));
  g_object_unref (view);
}

/* ---- attach; the target or the sampler dies ---- */

static void
test_attach_kill_target_keeps_data (void)
{
  PyrWindow *window = new_window ();
  g_autoptr(PyrRecordingRequest) request = pyr_recording_request_new ();
  PyrRecordingPage *page;
  GPid pid = spawn_target ();
  g_autofree char *title = g_strdup_printf ("Process %d", pid);
  FlameQuery q;

  request->pid = pid;
  page = pyr_window_record (window, request);
  g_assert_cmpstr (pyr_recording_page_get_title (page), ==, title);
  q.page = page;
  q.function = "spin";
  g_assert_cmpfloat (wait_for (flame_shows, &q, 20), >=, 0);
  g_assert_cmpfloat (wait_for (has_samples, page, 20), >=, 0);

  kill_target (pid);
  g_assert_cmpfloat (wait_for (page_finished, page, 20), >=, 0);
  /* the target went away: the recording simply ends, with all it got */
  g_assert_cmpuint (pyr_profile_get_n_samples (pyr_profile_page_get_profile (pyr_recording_page_get_profile_page (page))), >=, 20);
  g_assert_true (flame_shows (&q));
  close_window (window);
}

static GtkWindow *
find_toplevel (GType type)
{
  GList *toplevels = gtk_window_list_toplevels ();
  GtkWindow *found = NULL;

  for (GList *l = toplevels; l != NULL && found == NULL; l = l->next)
    if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, type))
      found = l->data;
  g_list_free (toplevels);
  return found;
}

/* Ctrl+N opens the picker; its ::attach (what a double click on the row emits) starts a
 * recording tab on that process with the picker's choices. */
static void
test_attach_through_picker (void)
{
  PyrWindow *window = new_window ();
  GPid pid = spawn_target ();
  GtkWindow *picker;
  PyrRecordingPage *page;
  FlameQuery q;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.attach", NULL));
  iterate ();
  picker = find_toplevel (PYR_TYPE_PROCESS_PICKER);
  g_assert_nonnull (picker);
  g_assert_true (gtk_window_get_transient_for (picker) == GTK_WINDOW (window));
  g_signal_emit_by_name (picker, "attach", (gint64) pid, TRUE, FALSE);
  iterate ();
  if (find_toplevel (PYR_TYPE_PROCESS_PICKER) != NULL)
    gtk_window_destroy (picker);   /* the picker closes itself after the real click */

  page = pyr_window_get_current_recording (window);
  g_assert_nonnull (page);
  g_assert_cmpint (pyr_recording_page_get_request (page)->pid, ==, pid);
  g_assert_true (pyr_recording_page_get_request (page)->subprocesses);
  g_assert_false (pyr_recording_page_get_request (page)->privileged);
  q.page = page;
  q.function = "spin";
  g_assert_cmpfloat (wait_for (flame_shows, &q, 20), >=, 0);
  {
    /* stopped through its accelerator: the action Shift+F5 names, on this window */
    g_auto(GStrv) actions = gtk_application_get_actions_for_accel (GTK_APPLICATION (test_app), "<Shift>F5");

    g_assert_nonnull (actions);
    g_assert_cmpstr (actions[0], ==, "win.stop-recording");
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), actions[0], NULL));
  }
  g_assert_cmpfloat (wait_for (page_finished, page, 20), >=, 0);
  g_assert_null (pyr_recording_page_get_error (page));
  close_window (window);
  kill_target (pid);
}

static gboolean
file_unlocked (gpointer data)
{
  g_autofree char *path = g_file_get_path (data);
  g_autofree char *lock = g_strconcat (path, ".lock", NULL);

  return !g_file_test (lock, G_FILE_TEST_EXISTS);
}

/* Closing the tab stops the recording; the recorded file stays (released, not offered as
 * interrupted) and nothing touches the gone widgets. */
static void
test_close_tab_while_recording (void)
{
  PyrWindow *window = new_window ();
  g_autoptr(PyrRecordingRequest) request = pyr_recording_request_new ();
  g_autoptr(PyrRecorder) recorder = NULL;
  g_autoptr(GFile) file = NULL;
  PyrRecordingPage *page;
  AdwTabView *view = pyr_window_get_tab_view (window);
  GPid pid = spawn_target ();

  request->pid = pid;
  page = pyr_window_record (window, request);
  g_assert_cmpfloat (wait_for (has_samples, page, 20), >=, 0);
  recorder = g_object_ref (pyr_recording_page_get_recorder (page));
  file = g_object_ref (pyr_recording_page_get_file (page));

  adw_tab_view_close_page (view, adw_tab_view_get_selected_page (view));
  iterate ();
  g_assert_cmpint (adw_tab_view_get_n_pages (view), ==, 0);
  g_assert_cmpfloat (wait_for (file_unlocked, file, 20), >=, 0);
  g_assert_cmpint (pyr_recorder_get_state (recorder), >=, PYR_RECORDER_STATE_FINISHED);
  g_assert_true (g_file_query_exists (file, NULL));
  /* the target keeps running: stopping a recording never stops the program */
  g_assert_cmpint (kill (pid, 0), ==, 0);
  close_window (window);
  kill_target (pid);
}

/* Ctrl+Q while recording: the windows close, the recording stops, and its file ends whole
 * with the lock released, so the next start does not offer it as interrupted. */
static void
test_quit_while_recording (void)
{
  PyrWindow *window = new_window ();
  g_autoptr(PyrRecordingRequest) request = pyr_recording_request_new ();
  g_autoptr(GFile) file = NULL;
  PyrRecordingPage *page;
  GPid pid = spawn_target ();

  request->pid = pid;
  page = pyr_window_record (window, request);
  g_assert_cmpfloat (wait_for (has_samples, page, 20), >=, 0);
  file = g_object_ref (pyr_recording_page_get_file (page));

  g_action_group_activate_action (G_ACTION_GROUP (test_app), "quit", NULL);
  iterate ();
  g_assert_null (gtk_application_get_windows (GTK_APPLICATION (test_app)));
  g_assert_cmpfloat (wait_for (file_unlocked, file, 20), >=, 0);
  g_assert_true (g_file_query_exists (file, NULL));
  {
    g_autoptr(GPtrArray) interrupted = pyr_autosave_list_interrupted ();

    g_assert_cmpuint (interrupted->len, ==, 0);
  }
  kill_target (pid);
}

static void
test_kill_sampler_shows_message (void)
{
  PyrWindow *window = new_window ();
  g_autoptr(PyrRecordingRequest) request = pyr_recording_request_new ();
  PyrRecordingPage *page;
  GPid pid = spawn_target ();
  const GError *error;

  request->pid = pid;
  page = pyr_window_record (window, request);
  g_assert_cmpfloat (wait_for (has_samples, page, 20), >=, 0);

  kill (pyr_recorder_get_sampler_pid (pyr_recording_page_get_recorder (page)), SIGKILL);
  g_assert_cmpfloat (wait_for (page_finished, page, 20), >=, 0);
  error = pyr_recording_page_get_error (page);
  g_assert_nonnull (error);
  g_test_message ("sampler killed: %s", error->message);
  g_assert_true (g_error_matches (error, PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_SAMPLER_CRASHED));
  g_assert_cmpuint (pyr_profile_get_n_samples (pyr_profile_page_get_profile (pyr_recording_page_get_profile_page (page))), >=, 20);
  /* the tab says so too */
  g_assert_nonnull (adw_tab_page_get_indicator_icon (adw_tab_view_get_selected_page (pyr_window_get_tab_view (window))));
  close_window (window);
  kill_target (pid);
}

/* ---- privilege ---- */

static void
test_pkexec_dismissed_explains (void)
{
  PyrWindow *window = new_window ();
  g_autoptr(PyrRecordingRequest) request = pyr_recording_request_new ();
  g_autofree char *args_file = g_build_filename (tmp_dir, "pkexec-dismissed-args", NULL);
  g_autofree char *body = g_strdup_printf ("#!/bin/sh\necho \"$@\" > '%s'\nexit 126\n", args_file);
  g_autofree char *pkexec = write_script ("pkexec-dismissed", body);
  g_autofree char *args = NULL;
  g_autofree char *expected = NULL;
  PyrRecordingPage *page;
  const GError *error;

  g_setenv ("PYROMETER_PKEXEC", pkexec, TRUE);
  request->pid = 4242;
  request->privileged = TRUE;
  page = pyr_window_record (window, request);
  g_assert_cmpfloat (wait_for (page_finished, page, 20), >=, 0);
  g_unsetenv ("PYROMETER_PKEXEC");

  error = pyr_recording_page_get_error (page);
  g_assert_true (g_error_matches (error, PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_AUTHORIZATION_DISMISSED));
  g_test_message ("dismissed: %s", error->message);
  g_assert_true (g_file_get_contents (args_file, &args, NULL, NULL));
  g_test_message ("pkexec %s", args);
  expected = g_strdup_printf ("%s ", sampler);
  g_assert_true (g_str_has_prefix (args, expected));
  g_assert_nonnull (strstr (args, "--pid 4242"));
  close_window (window);
}

static gboolean
retry_offered (PyrRecordingPage *page)
{
  /* the banner's button is the only suggested-action button in the page */
  for (GtkWidget *w = GTK_WIDGET (page); w != NULL; )
    {
      if (GTK_IS_BUTTON (w) && gtk_widget_has_css_class (w, "suggested-action"))
        return gtk_widget_get_visible (w);
      if (gtk_widget_get_first_child (w))
        w = gtk_widget_get_first_child (w);
      else
        {
          while (w != NULL && gtk_widget_get_next_sibling (w) == NULL)
            w = w == GTK_WIDGET (page) ? NULL : gtk_widget_get_parent (w);
          if (w == GTK_WIDGET (page) || w == NULL)
            return FALSE;
          w = gtk_widget_get_next_sibling (w);
        }
    }
  return FALSE;
}

static void
test_permission_denied_then_authorize (void)
{
  PyrWindow *window = new_window ();
  g_autoptr(PyrRecordingRequest) request = pyr_recording_request_new ();
  g_autofree char *args_file = g_build_filename (tmp_dir, "pkexec-args", NULL);
  g_autofree char *sampler_body = g_strdup_printf (
    "#!/bin/sh\n"
    "[ -n \"$PYR_TEST_AUTHORIZED\" ] && exec '%s' \"$@\"\n"
    "echo 'pyrometer-sampler: cannot read the memory of process 1: Operation not permitted' >&2\n"
    "exit 4\n", sampler);
  g_autofree char *pkexec_body = g_strdup_printf (
    "#!/bin/sh\necho \"$@\" > '%s'\nPYR_TEST_AUTHORIZED=1 exec \"$@\"\n", args_file);
  g_autofree char *stub = write_script ("sampler-refused", sampler_body);
  g_autofree char *pkexec = write_script ("pkexec-ok", pkexec_body);
  g_autofree char *args = NULL;
  PyrRecordingPage *page;
  GPid pid = spawn_target ();
  g_autoptr(GError) error = NULL;

  g_setenv ("PYROMETER_SAMPLER", stub, TRUE);
  g_setenv ("PYROMETER_PKEXEC", pkexec, TRUE);
  request->pid = pid;
  page = pyr_window_record (window, request);
  g_assert_cmpfloat (wait_for (page_finished, page, 20), >=, 0);
  g_assert_true (g_error_matches (pyr_recording_page_get_error (page), PYR_RECORDER_ERROR,
                                  PYR_RECORDER_ERROR_PERMISSION_DENIED));
  g_assert_true (retry_offered (page));

  /* Authorize and Retry: the same recording through pkexec, in the same tab */
  g_assert_true (pyr_recording_page_retry_privileged (page, &error));
  g_assert_no_error (error);
  g_assert_true (pyr_recording_page_get_request (page)->privileged);
  g_assert_cmpfloat (wait_for (has_samples, page, 20), >=, 0);
  g_assert_true (g_file_get_contents (args_file, &args, NULL, NULL));
  g_assert_nonnull (strstr (args, stub));
  g_assert_nonnull (strstr (args, "--pid"));
  pyr_recording_page_stop (page);
  g_assert_cmpfloat (wait_for (page_finished, page, 20), >=, 0);
  g_assert_null (pyr_recording_page_get_error (page));

  g_setenv ("PYROMETER_SAMPLER", sampler, TRUE);
  g_unsetenv ("PYROMETER_PKEXEC");
  close_window (window);
  kill_target (pid);
}

static void
test_flatpak_runs_sampler_on_host (void)
{
  PyrWindow *window = new_window ();
  g_autoptr(PyrRecordingRequest) request = pyr_recording_request_new ();
  g_autofree char *info = g_build_filename (tmp_dir, "flatpak-info", NULL);
  g_autofree char *args_file = g_build_filename (tmp_dir, "flatpak-spawn-args", NULL);
  g_autofree char *body = g_strdup_printf ("#!/bin/sh\necho \"$@\" > '%s'\nexit 1\n", args_file);
  g_autofree char *spawn = write_script ("flatpak-spawn", body);
  g_autofree char *args = NULL;
  PyrRecordingPage *page;

  g_file_set_contents (info, "[Application]\nname=io.github.pyrometer.Pyrometer\n\n"
                             "[Instance]\napp-path=/var/lib/flatpak/app/io.github.pyrometer.Pyrometer/current/active/files\n",
                       -1, NULL);
  g_setenv ("PYROMETER_FLATPAK_INFO", info, TRUE);
  g_setenv ("PYROMETER_FLATPAK_SPAWN", spawn, TRUE);
  g_unsetenv ("PYROMETER_SAMPLER");
  request->pid = 4242;
  page = pyr_window_record (window, request);
  g_assert_cmpfloat (wait_for (page_finished, page, 20), >=, 0);
  g_unsetenv ("PYROMETER_FLATPAK_INFO");
  g_unsetenv ("PYROMETER_FLATPAK_SPAWN");
  g_setenv ("PYROMETER_SAMPLER", sampler, TRUE);

  g_assert_true (g_file_get_contents (args_file, &args, NULL, NULL));
  g_test_message ("flatpak-spawn %s", args);
  g_assert_true (g_str_has_prefix (args, "--host"));
  g_assert_nonnull (strstr (args, " /var/lib/flatpak/app/io.github.pyrometer.Pyrometer/current/active/files/bin/pyrometer-sampler "));
  g_assert_nonnull (strstr (args, "--pid 4242"));
  g_assert_nonnull (pyr_recording_page_get_error (page));
  close_window (window);
}

/* ---- autosave ---- */

static GFile *
fake_interrupted (const char *name,
                  const char *contents,
                  gsize       len)
{
  g_autoptr(GFile) dir = pyr_autosave_get_dir ();
  g_autofree char *dir_path = g_file_get_path (dir);
  g_autofree char *path = g_build_filename (dir_path, name, NULL);
  g_autofree char *lock = g_strconcat (path, ".lock", NULL);

  g_mkdir_with_parents (dir_path, 0700);
  g_assert_true (g_file_set_contents (path, contents, len, NULL));
  /* a process id no process has */
  g_assert_true (g_file_set_contents (lock, "2147483646 1\n", -1, NULL));
  return g_file_new_for_path (path);
}

static GtkListBox *
find_interrupted_list (GtkWidget *root)
{
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkListBox *found;

      if (GTK_IS_LIST_BOX (c) && gtk_widget_get_first_child (c) != NULL &&
          g_object_get_data (G_OBJECT (gtk_widget_get_first_child (c)), "file") != NULL)
        return GTK_LIST_BOX (c);
      if ((found = find_interrupted_list (c)))
        return found;
    }
  return NULL;
}

static GtkButton *
find_button (GtkWidget  *root,
             const char *label)
{
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkButton *found;

      if (GTK_IS_BUTTON (c) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (c)), label) == 0)
        return GTK_BUTTON (c);
      if ((found = find_button (c, label)))
        return found;
    }
  return NULL;
}

static void
test_autosave_offers_interrupted (void)
{
  g_autoptr(GFile) a = NULL;
  g_autoptr(GFile) b = NULL;
  g_autoptr(GFile) recording = NULL;
  g_autofree char *bytes = NULL;
  gsize len;
  PyrWindow *window;
  GtkListBox *list;
  GtkWidget *row;

  /* a real recording's bytes, cut short as a killed app leaves them */
  {
    g_autofree char *demo = g_build_filename (tmp_dir, "demo.pyrometer", NULL);

    if (!g_file_get_contents (demo, &bytes, &len, NULL))
      {
        g_test_skip ("needs the file the demo recording test saves");
        return;
      }
  }
  a = fake_interrupted ("recording-20260101-100000-1-0.pyrometer", bytes, len);
  b = fake_interrupted ("recording-20260101-110000-1-0.pyrometer", bytes, len);
  /* a crash before any byte arrived is not worth offering */
  g_object_unref (fake_interrupted ("recording-20260101-120000-1-0.pyrometer", "", 0));

  window = new_window ();
  list = find_interrupted_list (GTK_WIDGET (window));
  g_assert_nonnull (list);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (list)));
  row = gtk_widget_get_first_child (GTK_WIDGET (list));
  g_assert_nonnull (gtk_widget_get_next_sibling (row));
  g_assert_null (gtk_widget_get_next_sibling (gtk_widget_get_next_sibling (row)));

  /* Discard deletes the file and its marker */
  {
    GFile *file = g_object_ref (g_object_get_data (G_OBJECT (row), "file"));

    g_signal_emit_by_name (find_button (row, "_Discard"), "clicked");
    iterate ();
    g_assert_false (g_file_query_exists (file, NULL));
    g_object_unref (file);
  }

  /* Reopen opens it in a tab and it stops counting as interrupted */
  row = gtk_widget_get_first_child (GTK_WIDGET (list));
  recording = g_object_ref (g_object_get_data (G_OBJECT (row), "file"));
  g_signal_emit_by_name (find_button (row, "_Reopen"), "clicked");
  iterate ();
  g_assert_cmpint (adw_tab_view_get_n_pages (pyr_window_get_tab_view (window)), ==, 1);
  while (pyr_profile_page_get_state (pyr_window_get_current_page (window)) == PYR_PROFILE_PAGE_LOADING)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (pyr_profile_page_get_state (pyr_window_get_current_page (window)), ==, PYR_PROFILE_PAGE_READY);
  g_assert_cmpuint (pyr_profile_get_n_samples (pyr_profile_page_get_profile (pyr_window_get_current_page (window))), >, 0);
  {
    g_autoptr(GPtrArray) left = pyr_autosave_list_interrupted ();

    g_assert_cmpuint (left->len, ==, 0);
  }
  close_window (window);

  /* finished recordings beyond the last PYR_AUTOSAVE_KEEP go, the oldest first; one still
   * recording (locked by a live process) stays whatever its age */
  pyr_autosave_prune (0);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GFile) live = pyr_autosave_create (&error);
    g_autoptr(GFile) newest = NULL;

    g_assert_no_error (error);
    for (guint i = 0; i < PYR_AUTOSAVE_KEEP + 3; i++)
      {
        g_autoptr(GFile) f = pyr_autosave_create (&error);

        g_assert_no_error (error);
        pyr_autosave_release (f);
        g_set_object (&newest, f);
      }
    g_assert_cmpuint (pyr_autosave_prune (PYR_AUTOSAVE_KEEP), ==, 3);
    g_assert_cmpuint (pyr_autosave_prune (PYR_AUTOSAVE_KEEP), ==, 0);
    g_assert_true (g_file_query_exists (live, NULL));
    g_assert_true (g_file_query_exists (newest, NULL));
    pyr_autosave_discard (live);
  }
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *state = NULL;
  int status;

  tmp_dir = g_dir_make_tmp ("pyrometer-recording-XXXXXX", NULL);
  /* before GLib caches it: autosaves go to the test's own folder */
  state = g_build_filename (tmp_dir, "state", NULL);
  g_setenv ("XDG_STATE_HOME", state, TRUE);
  g_setenv ("XDG_DATA_HOME", tmp_dir, TRUE);

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  sampler = g_build_filename (g_getenv ("PYROMETER_BUILD_ROOT"), "src", "sampler", "pyrometer-sampler", NULL);
  g_setenv ("PYROMETER_SAMPLER", sampler, TRUE);
  /* the system interpreter: version managers put shell-script shims first on PATH */
  python = g_file_test ("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE) ? g_strdup ("/usr/bin/python3")
                                                                     : g_find_program_in_path ("python3");

  test_app = pyr_application_new ();
  g_application_register (G_APPLICATION (test_app), NULL, NULL);

  g_test_add_func ("/record-dialog/parses-and-remembers", test_dialog_parses_and_remembers);
  g_test_add_func ("/output-view/bounded-and-utf8", test_output_is_bounded);
  if (python == NULL || !g_file_test (sampler, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_printerr ("no python3 or sampler: only the tests that need neither run\n");
    }
  else
    {
      g_test_add_func ("/recording/demo-live-stop-save-reopen", test_demo_live_stop_save_reopen);
      g_test_add_func ("/recording/output-and-exit-status", test_output_and_exit_status);
      g_test_add_func ("/recording/command-through-a-wrapper", test_command_through_a_wrapper);
      g_test_add_func ("/recording/attach-kill-target-keeps-data", test_attach_kill_target_keeps_data);
      g_test_add_func ("/recording/attach-through-picker", test_attach_through_picker);
      g_test_add_func ("/recording/close-tab-while-recording", test_close_tab_while_recording);
      g_test_add_func ("/recording/quit-while-recording", test_quit_while_recording);
      g_test_add_func ("/recording/kill-sampler-shows-message", test_kill_sampler_shows_message);
      g_test_add_func ("/recording/pkexec-dismissed-explains", test_pkexec_dismissed_explains);
      g_test_add_func ("/recording/permission-denied-then-authorize", test_permission_denied_then_authorize);
      g_test_add_func ("/recording/flatpak-runs-sampler-on-host", test_flatpak_runs_sampler_on_host);
      g_test_add_func ("/autosave/offers-interrupted", test_autosave_offers_interrupted);
    }

  status = g_test_run ();
  g_object_unref (test_app);
  /* the temporary folder stays on failure, for a look at what was recorded */
  if (status == 0)
    {
      g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmp_dir);

      (void) system (cmd);
    }
  return status;
}
