/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * PyrRecorder connected to a `pyrometer-sampler --listen` (a real sampler attached to
 * tests/targets/spin.py): samples arrive live, stop closes the connection and keeps them, a
 * refused connection and a sampler's own error come back as messages a person can act on.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pyr-function-table.h"
#include "pyr-profile-loader.h"
#include "pyr-recorder.h"
#include "recorder-testutil.h"

typedef struct
{
  char        *dir;
  char        *sampler;
  char        *spin_script;
  const char  *python;
  GPid         target;
  int          target_out;
  GPid         sampler_pid;
  int          sampler_err;
  char        *where;      /* what the sampler says it listens on */
} Fixture;

typedef struct
{
  GError      *error;
  guint        live_samples;
} Run;

static void
fixture_setup (Fixture       *fx,
               gconstpointer  data)
{
  fx->python = rtu_find_python ();
  fx->dir = g_dir_make_tmp ("pyr-recorder-connect-XXXXXX", NULL);
  g_assert_nonnull (fx->dir);
  fx->sampler = g_build_filename (g_getenv ("PYROMETER_BUILD_ROOT"), "src", "sampler",
                                  "pyrometer-sampler", NULL);
  fx->spin_script = g_build_filename (g_getenv ("PYROMETER_SOURCE_ROOT"), "tests", "targets",
                                      "spin.py", NULL);
  fx->target_out = fx->sampler_err = -1;
}

static void
fixture_teardown (Fixture       *fx,
                  gconstpointer  data)
{
  g_autoptr(GDir) dir = g_dir_open (fx->dir, 0, NULL);
  const char *name;

  if (fx->sampler_pid > 0)
    {
      kill (fx->sampler_pid, SIGKILL);
      waitpid (fx->sampler_pid, NULL, 0);
    }
  if (fx->target > 0)
    {
      kill (fx->target, SIGKILL);
      waitpid (fx->target, NULL, 0);
    }
  if (fx->target_out >= 0)
    close (fx->target_out);
  if (fx->sampler_err >= 0)
    close (fx->sampler_err);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (fx->dir, name, NULL);
      g_unlink (child);
    }
  g_rmdir (fx->dir);
  g_free (fx->dir);
  g_free (fx->sampler);
  g_free (fx->spin_script);
  g_free (fx->where);
}

static void
allow_any_tracer (gpointer user_data)
{
#ifdef PR_SET_PTRACER
  prctl (PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
#endif
}

static char *
read_line_with (int         fd,
                const char *want)
{
  GString *s = g_string_new (NULL);
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (!(strstr (s->str, want) && strchr (strstr (s->str, want), '\n')))
    {
      struct pollfd p = { fd, POLLIN, 0 };
      gint64 left = (deadline - g_get_monotonic_time ()) / 1000;
      char buf[256];
      gssize n;

      if (left <= 0 || poll (&p, 1, (int) left) <= 0 || (n = read (fd, buf, sizeof buf)) <= 0)
        break;
      g_string_append_len (s, buf, n);
    }
  return g_string_free (s, FALSE);
}

static void
start_target (Fixture *fx)
{
  const char *argv[] = { fx->python, fx->spin_script, "--seconds", "60", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                           allow_any_tracer, NULL, &fx->target, NULL,
                                           &fx->target_out, NULL, &error));
  g_assert_no_error (error);
  line = read_line_with (fx->target_out, "ready");
  g_assert_nonnull (strstr (line, "ready"));
}

/* pyrometer-sampler --listen ADDRESS --pid PID; returns once it listens (fx->where). */
static void
start_sampler (Fixture    *fx,
               const char *address,
               GPid        pid)
{
  g_autofree char *pid_text = g_strdup_printf ("%d", (int) pid);
  const char *argv[] = { fx->sampler, "--listen", address, "--pid", pid_text, "--rate", "200", NULL };
  const char *prefix = "pyrometer-sampler: listening on ";
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  const char *p;

  g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                           NULL, NULL, &fx->sampler_pid, NULL, NULL,
                                           &fx->sampler_err, &error));
  g_assert_no_error (error);
  text = read_line_with (fx->sampler_err, prefix);
  p = strstr (text, prefix);
  g_assert_nonnull (p);
  fx->where = g_strndup (p + strlen (prefix), strcspn (p + strlen (prefix), "\n"));
}

static int
wait_sampler (Fixture *fx)
{
  int status = 0;

  for (int i = 0; i < 1000; i++)
    if (waitpid (fx->sampler_pid, &status, WNOHANG) == fx->sampler_pid)
      {
        fx->sampler_pid = 0;
        return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
      }
    else
      g_usleep (10000);
  g_assert_not_reached ();
}

static void
on_updated (PyrRecorder *recorder,
            Run         *run)
{
  /* every update while recording: the first one may come with only a few samples (load) */
  if (pyr_recorder_get_state (recorder) == PYR_RECORDER_STATE_RECORDING)
    run->live_samples = pyr_recorder_get_n_samples (recorder);
}

static void
run_wait (Run         *run,
          PyrRecorder *recorder)
{
  rtu_wait (recorder, NULL, &run->error);
}

/* Over a unix socket: live samples, stop, the file loads to the same samples; the sampler ends
 * as when its reader goes away (8) and the target runs on. */
static void
test_unix_live_stop (Fixture       *fx,
                     gconstpointer  data)
{
  g_autoptr(PyrRecorder) recorder = pyr_recorder_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *sock = g_build_filename (fx->dir, "pyr.sock", NULL);
  g_autofree char *address = g_strconcat ("unix:", sock, NULL);
  g_autofree char *recording = g_build_filename (fx->dir, "connect.pyrometer", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (recording);
  g_autoptr(PyrProfile) reloaded = NULL;
  g_autofree char *hot = NULL;
  double share = 0;
  Run run = { 0 };
  guint deadline;

  if (rtu_skip_without_python (fx->python))
    return;
  start_target (fx);
  start_sampler (fx, address, fx->target);
  g_assert_cmpstr (fx->where, ==, address);

  pyr_recorder_set_connect_address (recorder, address);
  g_assert_cmpstr (pyr_recorder_get_connect_address (recorder), ==, address);
  pyr_recorder_set_output_file (recorder, file);
  g_signal_connect (recorder, "updated", G_CALLBACK (on_updated), &run);
  g_assert_true (pyr_recorder_start (recorder, &error));
  g_assert_no_error (error);
  g_assert_cmpint (pyr_recorder_get_sampler_pid (recorder), ==, 0);   /* none of ours */

  deadline = rtu_add_deadline (60);
  while (run.live_samples < 20)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (deadline);
  pyr_recorder_stop (recorder);
  run_wait (&run, recorder);

  g_assert_no_error (run.error);
  g_assert_cmpint (pyr_recorder_get_state (recorder), ==, PYR_RECORDER_STATE_FINISHED);
  g_assert_cmpuint (pyr_recorder_get_n_samples (recorder), >=, run.live_samples);
  hot = rtu_hottest_function (pyr_recorder_get_profile (recorder), &share);
  g_assert_cmpstr (hot, ==, "spin");
  g_assert_cmpfloat (share, >, 0.8);

  reloaded = pyr_profile_load_file (file, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pyr_profile_get_n_samples (reloaded), ==,
                    pyr_profile_get_n_samples (pyr_recorder_get_profile (recorder)));

  g_assert_cmpint (wait_sampler (fx), ==, 8);
  g_assert_cmpint (kill (fx->target, 0), ==, 0);
  g_assert_cmpint (waitpid (fx->target, NULL, WNOHANG), ==, 0);
  g_signal_handlers_disconnect_by_data (recorder, &run);
}

/* Over TCP with a duration: the recorder stops by itself. */
static void
test_tcp_duration (Fixture       *fx,
                   gconstpointer  data)
{
  g_autoptr(PyrRecorder) recorder = pyr_recorder_new ();
  g_autoptr(GError) error = NULL;
  Run run = { 0 };
  gint64 start;

  if (rtu_skip_without_python (fx->python))
    return;
  start_target (fx);
  start_sampler (fx, "tcp:127.0.0.1:0", fx->target);

  pyr_recorder_set_connect_address (recorder, fx->where);
  pyr_recorder_set_duration (recorder, 1);
  start = g_get_monotonic_time ();
  g_assert_true (pyr_recorder_start (recorder, &error));
  run_wait (&run, recorder);
  g_assert_no_error (run.error);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 900 * 1000);
  g_assert_cmpuint (pyr_recorder_get_n_samples (recorder), >, 20);
  g_assert_cmpint (wait_sampler (fx), ==, 8);
}

/* Nobody listens: the message names the address and says what to check. */
static void
test_refused (Fixture       *fx,
              gconstpointer  data)
{
  g_autoptr(PyrRecorder) recorder = pyr_recorder_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL, *expected = NULL;
  g_autofree char *recording = g_build_filename (fx->dir, "refused.pyrometer", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (recording);
  struct sockaddr_in in = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof in;
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  Run run = { 0 };

  /* a port that was free a moment ago and has no listener now */
  g_assert_cmpint (bind (fd, (struct sockaddr *) &in, sizeof in), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &in, &len), ==, 0);
  close (fd);
  address = g_strdup_printf ("tcp:127.0.0.1:%u", (unsigned) ntohs (in.sin_port));

  pyr_recorder_set_connect_address (recorder, address);
  pyr_recorder_set_output_file (recorder, file);
  g_assert_true (pyr_recorder_start (recorder, &error));
  run_wait (&run, recorder);
  g_assert_error (run.error, PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_FAILED);
  expected = g_strdup_printf ("Could not connect to %s: Connection refused. Is pyrometer-sampler "
                              "--listen running there?", address);
  g_assert_cmpstr (run.error->message, ==, expected);
  g_assert_cmpint (pyr_recorder_get_state (recorder), ==, PYR_RECORDER_STATE_FAILED);
  g_assert_cmpuint (pyr_recorder_get_n_samples (recorder), ==, 0);
  g_clear_error (&run.error);
}

/* The remote sampler cannot record (not a Python process): its reason comes through. */
static void
test_sampler_error (Fixture       *fx,
                    gconstpointer  data)
{
  g_autoptr(PyrRecorder) recorder = pyr_recorder_new ();
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "/bin/sleep", "30", NULL };
  Run run = { 0 };

  g_assert_true (g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                &fx->target, &error));
  start_sampler (fx, "tcp:127.0.0.1:0", fx->target);
  pyr_recorder_set_connect_address (recorder, fx->where);
  g_assert_true (pyr_recorder_start (recorder, &error));
  run_wait (&run, recorder);
  g_assert_nonnull (run.error);
  g_test_message ("%s", run.error->message);
  g_assert_nonnull (strstr (run.error->message, "not a Python interpreter"));
  g_assert_cmpint (wait_sampler (fx), ==, 5);
  g_clear_error (&run.error);
}

/* Stop while nothing answers yet, and a malformed address refused at start. */
static void
test_stop_before_stream_and_bad_address (Fixture       *fx,
                                         gconstpointer  data)
{
  static const char *const bad[] = { "tcp:127.0.0.1", "tcp:", "unix:", "udp:1.2.3.4:5", "localhost:80" };
  g_autofree char *sock = g_build_filename (fx->dir, "quiet.sock", NULL);
  g_autofree char *address = g_strconcat ("unix:", sock, NULL);
  g_autoptr(GSocketAddress) sa = g_unix_socket_address_new (sock);
  g_autoptr(GSocket) quiet = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(PyrRecorder) recorder = pyr_recorder_new ();
      g_autoptr(GError) e = NULL;

      g_assert_false (pyr_recorder_check_connect_address (bad[i], NULL));
      pyr_recorder_set_connect_address (recorder, bad[i]);
      g_assert_false (pyr_recorder_start (recorder, &e));
      g_assert_error (e, PYR_RECORDER_ERROR, PYR_RECORDER_ERROR_USAGE);
      g_assert_cmpint (pyr_recorder_get_state (recorder), ==, PYR_RECORDER_STATE_READY);
    }
  g_assert_true (pyr_recorder_check_connect_address ("tcp:[::1]:40123", NULL));
  g_assert_true (pyr_recorder_check_connect_address ("tcp:example.org:40123", NULL));
  g_assert_true (pyr_recorder_check_connect_address ("unix:/tmp/pyr.sock", NULL));

  /* a listener that accepts and never sends: stop must still end the recording, cleanly */
  quiet = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (quiet, sa, FALSE, &error));
  g_assert_true (g_socket_listen (quiet, &error));
  {
    g_autoptr(PyrRecorder) recorder = pyr_recorder_new ();
    Run run = { 0 };

    pyr_recorder_set_connect_address (recorder, address);
    g_assert_true (pyr_recorder_start (recorder, &error));
    for (int i = 0; i < 5; i++)
      g_main_context_iteration (NULL, FALSE);
    g_usleep (200000);
    pyr_recorder_stop (recorder);
    run_wait (&run, recorder);
    g_assert_no_error (run.error);
    g_assert_cmpint (pyr_recorder_get_state (recorder), ==, PYR_RECORDER_STATE_FINISHED);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (g_getenv ("PYROMETER_BUILD_ROOT") == NULL || g_getenv ("PYROMETER_SOURCE_ROOT") == NULL)
    {
      g_printerr ("run through meson test (PYROMETER_BUILD_ROOT/SOURCE_ROOT unset)\n");
      return 77;
    }
  signal (SIGPIPE, SIG_IGN);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/recorder/connect/unix-live-stop-keeps-samples", test_unix_live_stop);
  ADD ("/recorder/connect/tcp-duration-stops", test_tcp_duration);
  ADD ("/recorder/connect/refused-says-what-to-check", test_refused);
  ADD ("/recorder/connect/sampler-error-comes-through", test_sampler_error);
  ADD ("/recorder/connect/stop-before-stream-and-bad-addresses", test_stop_before_stream_and_bad_address);
#undef ADD
  return g_test_run ();
}
