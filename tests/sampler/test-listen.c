/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * pyrometer-sampler --listen against a real target (tests/targets/spin.py on an interpreter of
 * `build-aux/pythons list`): the stream reaches one client over a unix or TCP socket, a second
 * client is turned away, the first one leaving ends the sampler like a closed pipe and leaves
 * the target running, and bad usage is refused.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pyr-stream-reader.h"
#include "sampler-testutil.h"

static char *sampler;
static char *spin_script;
static int spin_line;
static char **python;       /* command prefix running a script */
static char *python_name;

/* ---- the interpreter and the target ---- */

static void
find_python (const char *source_root)
{
  g_autofree char *script = g_build_filename (source_root, "build-aux", "pythons", NULL);
  g_autofree char *out = NULL;
  const char *argv[] = { script, "list", NULL };
  int status = 0;

  /* the host's interpreter when the matrix offers it: the quickest to start */
  if (g_file_test (script, G_FILE_TEST_IS_EXECUTABLE) &&
      g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL,
                    &status, NULL) && g_spawn_check_wait_status (status, NULL))
    {
      g_auto(GStrv) lines = g_strsplit (out, "\n", -1);

      for (int i = 0; lines[i] != NULL; i++)
        {
          g_auto(GStrv) f = g_strsplit (lines[i], "\t", -1);

          if (g_strv_length (f) < 3 || f[0][0] == '#')
            continue;
          if (python == NULL || strcmp (f[0], "3.11-static") == 0)
            {
              g_strfreev (python);
              g_free (python_name);
              python = g_strdupv (f + 2);
              python_name = g_strdup (f[0]);
            }
        }
    }
  if (python == NULL && g_file_test ("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE))
    {
      const char *local[] = { "/usr/bin/python3", NULL };
      python = g_strdupv ((char **) local);
      python_name = g_strdup ("python3");
    }
}

static int
find_marker (const char *path,
             const char *name)
{
  g_autofree char *text = NULL;
  g_autofree char *tag = g_strdup_printf ("# pyrometer-target: %s", name);
  g_auto(GStrv) lines = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (int i = 0; lines[i] != NULL; i++)
    if (g_str_has_suffix (g_strstrip (lines[i]), tag))
      return i + 1;
  g_assert_not_reached ();
}

static gboolean
skip_without_python (void)
{
  if (python == NULL)
    {
      g_test_skip ("no Python: neither build-aux/pythons list nor /usr/bin/python3 offers one");
      return TRUE;
    }
  return FALSE;
}

/* Reads fd until a whole line containing `want` arrived (or timeout); returns what was read. */
static char *
read_until (int         fd,
            const char *want,
            int         timeout_ms)
{
  GString *s = g_string_new (NULL);
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      struct pollfd p = { fd, POLLIN, 0 };
      gint64 left = (deadline - g_get_monotonic_time ()) / 1000;
      char buf[512];
      ssize_t n;
      const char *hit = strstr (s->str, want);

      if (hit != NULL && strchr (hit, '\n') != NULL)
        break;
      if (left <= 0 || poll (&p, 1, (int) left) <= 0)
        break;
      n = read (fd, buf, sizeof buf);
      if (n <= 0)
        break;
      g_string_append_len (s, buf, n);
    }
  return g_string_free (s, FALSE);
}

static GPid
spawn (const char * const *argv,
       int                *out_fd,
       int                *err_fd)
{
  g_autoptr(GError) error = NULL;
  GPid pid;
  /* stdout is TAP: a launched command's output must not land there */
  GSpawnFlags flags = G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH |
                      (out_fd == NULL ? G_SPAWN_STDOUT_TO_DEV_NULL : 0);

  g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv, NULL, flags,
                                           stu_allow_any_tracer, NULL, &pid, NULL, out_fd, err_fd,
                                           &error));
  g_assert_no_error (error);
  return pid;
}

/* Starts spin.py and waits for its "ready" line. */
static GPid
target_start (int *out_fd)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *line = NULL;
  GPid pid;

  for (int i = 0; python[i] != NULL; i++)
    g_ptr_array_add (argv, python[i]);
  g_ptr_array_add (argv, spin_script);
  g_ptr_array_add (argv, "--seconds");
  g_ptr_array_add (argv, "60");
  g_ptr_array_add (argv, NULL);
  pid = spawn ((const char * const *) argv->pdata, out_fd, NULL);
  line = read_until (*out_fd, "ready", 30000);
  g_assert_nonnull (strstr (line, "ready"));
  return pid;
}

static void
target_stop (GPid pid,
             int  out_fd)
{
  kill (pid, SIGKILL);
  waitpid (pid, NULL, 0);
  close (out_fd);
}

static int
wait_exit (GPid pid,
           int  timeout_s)
{
  int status = 0;

  for (int i = 0; i < timeout_s * 100; i++)
    {
      if (waitpid (pid, &status, WNOHANG) == pid)
        return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
      g_usleep (10000);
    }
  kill (pid, SIGKILL);
  waitpid (pid, NULL, 0);
  g_assert_not_reached ();
}

/* The sampler, listening; returns once it said where (the address, e.g. tcp:127.0.0.1:40123). */
static GPid
sampler_listen (const char * const *args,
                int                *err_fd,
                char              **where)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *text = NULL;
  const char *prefix = "pyrometer-sampler: listening on ";
  const char *p;
  GPid pid;

  g_ptr_array_add (argv, sampler);
  for (int i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  pid = spawn ((const char * const *) argv->pdata, NULL, err_fd);
  text = read_until (*err_fd, prefix, 10000);
  p = strstr (text, prefix);
  g_assert_nonnull (p);
  *where = g_strndup (p + strlen (prefix), strcspn (p + strlen (prefix), "\n"));
  return pid;
}

static int
connect_to (const char *where)
{
  int fd;

  if (g_str_has_prefix (where, "unix:"))
    {
      struct sockaddr_un un = { .sun_family = AF_UNIX };

      g_strlcpy (un.sun_path, where + 5, sizeof un.sun_path);
      fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      g_assert_cmpint (connect (fd, (struct sockaddr *) &un, sizeof un), ==, 0);
    }
  else if (g_str_has_prefix (where, "tcp:[::1]:"))
    {
      struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };

      in6.sin6_port = htons ((uint16_t) atoi (strrchr (where, ':') + 1));
      fd = socket (AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
      g_assert_cmpint (connect (fd, (struct sockaddr *) &in6, sizeof in6), ==, 0);
    }
  else
    {
      struct sockaddr_in in = { .sin_family = AF_INET };
      const char *colon = strrchr (where, ':');

      g_assert_true (g_str_has_prefix (where, "tcp:127.0.0.1:"));
      in.sin_port = htons ((uint16_t) atoi (colon + 1));
      in.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
      fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      g_assert_cmpint (connect (fd, (struct sockaddr *) &in, sizeof in), ==, 0);
    }
  return fd;
}

/* Reads for up to timeout_ms, or to end of file. */
static GByteArray *
receive (int fd,
         int timeout_ms)
{
  GByteArray *data = g_byte_array_new ();
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      struct pollfd p = { fd, POLLIN, 0 };
      gint64 left = (deadline - g_get_monotonic_time ()) / 1000;
      guint8 buf[65536];
      ssize_t n;

      if (left <= 0 || poll (&p, 1, (int) left) <= 0)
        break;
      n = read (fd, buf, sizeof buf);
      if (n <= 0)
        break;
      g_byte_array_append (data, buf, (guint) n);
    }
  return data;
}

/* ---- the stream ---- */

typedef struct
{
  GHashTable *strings;       /* id -> char* */
  GHashTable *spin_frames;   /* frame ids of spin() at its marked line */
  guint       samples;
  guint       spin_leaf;
  gboolean    end;
  guint32     end_reason;
  int64_t     end_code;
  char       *end_message;
} Stream;

static int
on_record (const struct pyr_stream_record *r,
           void                           *user_data)
{
  Stream *s = user_data;

  switch (r->type)
    {
    case PYR_STREAM_RECORD_STRING:
      g_hash_table_insert (s->strings, GUINT_TO_POINTER (r->string.id), g_strdup (r->string.data));
      break;
    case PYR_STREAM_RECORD_FRAME:
      {
        const char *name = g_hash_table_lookup (s->strings, GUINT_TO_POINTER (r->frame.frame.name));
        const char *file = g_hash_table_lookup (s->strings, GUINT_TO_POINTER (r->frame.frame.file));

        if (g_strcmp0 (name, "spin") == 0 && g_strcmp0 (file, spin_script) == 0 &&
            r->frame.frame.line == (uint32_t) spin_line)
          g_hash_table_add (s->spin_frames, GUINT_TO_POINTER (r->frame.id));
      }
      break;
    case PYR_STREAM_RECORD_SAMPLE:
      s->samples++;
      if (r->sample.depth > 0 &&
          g_hash_table_contains (s->spin_frames, GUINT_TO_POINTER (r->sample.frames[r->sample.depth - 1])))
        s->spin_leaf++;
      break;
    case PYR_STREAM_RECORD_END:
      s->end = TRUE;
      s->end_reason = r->end.reason;
      s->end_code = r->end.code;
      s->end_message = g_strndup (r->end.message, r->end.message_len);
      break;
    default:
      break;
    }
  return 0;
}

/* Decodes data; a cut at the end (the client left mid-record) is allowed. */
static void
decode (GByteArray *data,
        Stream     *s)
{
  struct pyr_stream_reader *reader;
  int ret;

  memset (s, 0, sizeof *s);
  s->strings = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  s->spin_frames = g_hash_table_new (NULL, NULL);
  reader = pyr_stream_reader_new (on_record, s);
  g_assert_cmpint (pyr_stream_reader_feed (reader, data->data, data->len), ==, 0);
  ret = pyr_stream_reader_finish (reader);
  g_assert_true (ret == 0 || ret == PYR_STREAM_TRUNCATED);
  pyr_stream_reader_free (reader);
}

static void
stream_clear (Stream *s)
{
  g_hash_table_unref (s->strings);
  g_hash_table_unref (s->spin_frames);
  g_free (s->end_message);
}

/* ---- tests ---- */

/* unix socket, attach mode: 0600 while it waits, samples of spin(), the client leaving ends the
 * sampler with the closed-pipe status (8), the target runs on, the socket file is gone. */
static void
test_unix_attach (void)
{
  g_autofree char *dir = NULL, *sock = NULL, *address = NULL, *pid = NULL, *where = NULL;
  g_autoptr(GByteArray) data = NULL;
  struct stat st;
  GPid target, sp;
  int target_out, err_fd, fd;
  Stream s;

  if (skip_without_python ())
    return;
  dir = g_dir_make_tmp ("pyr-listen-XXXXXX", NULL);
  sock = g_build_filename (dir, "pyr.sock", NULL);
  address = g_strconcat ("unix:", sock, NULL);
  target = target_start (&target_out);
  pid = g_strdup_printf ("%d", (int) target);
  {
    const char *args[] = { "--listen", address, "--pid", pid, "--rate", "200", NULL };
    sp = sampler_listen (args, &err_fd, &where);
  }
  g_assert_cmpstr (where, ==, address);
  g_assert_cmpint (lstat (sock, &st), ==, 0);
  g_assert_true (S_ISSOCK (st.st_mode));
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  fd = connect_to (where);
  data = receive (fd, 1500);
  close (fd);
  decode (data, &s);
  g_test_message ("%s: %u bytes, %u samples, %u in spin()", python_name, data->len, s.samples,
                  s.spin_leaf);
  g_assert_cmpuint (s.samples, >=, 50);
  g_assert_cmpuint (s.spin_leaf, >=, s.samples * 8 / 10);
  g_assert_false (s.end);

  g_assert_cmpint (wait_exit (sp, 10), ==, 8);
  stu_assert_target_running_free (target);
  g_assert_cmpint (lstat (sock, &st), <, 0);
  g_assert_cmpint (errno, ==, ENOENT);
  stream_clear (&s);
  close (err_fd);
  target_stop (target, target_out);
  g_rmdir (dir);
}

/* TCP on a port the sampler picks, launch mode: nothing runs before the client connects; the
 * recording ends with the command, whose status is the sampler's. */
static void
test_tcp_launch (void)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GByteArray) data = NULL;
  g_autofree char *where = NULL, *children_path = NULL, *children = NULL;
  GPid sp;
  int err_fd, fd;
  Stream s;

  if (skip_without_python ())
    return;
  g_ptr_array_add (args, "--listen");
  g_ptr_array_add (args, "tcp:127.0.0.1:0");
  g_ptr_array_add (args, "--rate");
  g_ptr_array_add (args, "200");
  g_ptr_array_add (args, "--");
  for (int i = 0; python[i] != NULL; i++)
    g_ptr_array_add (args, python[i]);
  g_ptr_array_add (args, spin_script);
  g_ptr_array_add (args, "--seconds");
  g_ptr_array_add (args, "1.5");
  g_ptr_array_add (args, NULL);
  sp = sampler_listen ((const char * const *) args->pdata, &err_fd, &where);
  g_assert_true (g_str_has_prefix (where, "tcp:127.0.0.1:"));
  g_assert_cmpint (atoi (strrchr (where, ':') + 1), >, 0);

  /* still waiting for its client: the command has not been started */
  g_usleep (200000);
  children_path = g_strdup_printf ("/proc/%d/task/%d/children", (int) sp, (int) sp);
  g_assert_true (g_file_get_contents (children_path, &children, NULL, NULL));
  g_assert_cmpstr (g_strstrip (children), ==, "");

  fd = connect_to (where);
  data = receive (fd, 30000);    /* to the end: the command exits after 1.5 s */
  close (fd);
  decode (data, &s);
  g_test_message ("%s: %u bytes, %u samples, %u in spin()", python_name, data->len, s.samples,
                  s.spin_leaf);
  g_assert_true (s.end);
  g_assert_cmpuint (s.end_reason, ==, PYR_STREAM_END_TARGET_EXITED);
  g_assert_cmpint (s.end_code, ==, 0);
  g_assert_cmpuint (s.spin_leaf, >=, 50);
  g_assert_cmpint (wait_exit (sp, 10), ==, 0);
  stream_clear (&s);
  close (err_fd);
}

/* An IPv6 literal in brackets: bound as given, printed the same way. */
static void
test_tcp_ipv6 (void)
{
  g_autofree char *pid = NULL, *where = NULL;
  g_autoptr(GByteArray) data = NULL;
  int probe = socket (AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in6 any = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
  GPid target, sp;
  int target_out, err_fd, fd;
  Stream s;

  if (skip_without_python ())
    return;
  if (probe < 0 || bind (probe, (struct sockaddr *) &any, sizeof any) < 0)
    {
      if (probe >= 0)
        close (probe);
      g_test_skip ("no IPv6 loopback here");
      return;
    }
  close (probe);
  target = target_start (&target_out);
  pid = g_strdup_printf ("%d", (int) target);
  {
    const char *args[] = { "--listen", "tcp:[::1]:0", "--pid", pid, "--rate", "200", NULL };
    sp = sampler_listen (args, &err_fd, &where);
  }
  g_assert_true (g_str_has_prefix (where, "tcp:[::1]:"));
  fd = connect_to (where);
  data = receive (fd, 700);
  close (fd);
  decode (data, &s);
  g_assert_cmpuint (s.spin_leaf, >, 0);
  g_assert_cmpint (wait_exit (sp, 10), ==, 8);
  stream_clear (&s);
  close (err_fd);
  target_stop (target, target_out);
}

/* While one client records, another gets a stream that only ends, saying why. */
static void
test_second_client_refused (void)
{
  g_autofree char *pid = NULL, *where = NULL;
  g_autoptr(GByteArray) first = NULL;
  g_autoptr(GByteArray) second = NULL;
  GPid target, sp;
  int target_out, err_fd, fd1, fd2;
  Stream s1, s2;

  if (skip_without_python ())
    return;
  target = target_start (&target_out);
  pid = g_strdup_printf ("%d", (int) target);
  {
    const char *args[] = { "--listen", "tcp:127.0.0.1:0", "--pid", pid, "--rate", "200", NULL };
    sp = sampler_listen (args, &err_fd, &where);
  }
  fd1 = connect_to (where);
  first = receive (fd1, 300);   /* recording */
  fd2 = connect_to (where);
  second = receive (fd2, 5000);
  close (fd2);
  decode (second, &s2);
  g_assert_true (s2.end);
  g_assert_cmpuint (s2.end_reason, ==, PYR_STREAM_END_ERROR);
  g_assert_cmpint (s2.end_code, ==, -EBUSY);
  g_assert_nonnull (strstr (s2.end_message, "another client"));
  g_assert_cmpuint (s2.samples, ==, 0);

  /* the first client is still served */
  {
    g_autoptr(GByteArray) more = receive (fd1, 500);
    g_assert_cmpuint (more->len, >, 0);
    g_byte_array_append (first, more->data, more->len);
  }
  close (fd1);
  decode (first, &s1);
  g_assert_cmpuint (s1.samples, >, 0);
  g_assert_cmpint (wait_exit (sp, 10), ==, 8);
  stu_assert_target_running_free (target);
  stream_clear (&s1);
  stream_clear (&s2);
  close (err_fd);
  target_stop (target, target_out);
}

/* A failure after the client connected reaches it as the stream's END message. */
static void
test_error_reaches_client (void)
{
  g_autofree char *dir = g_dir_make_tmp ("pyr-listen-XXXXXX", NULL);
  g_autofree char *sock = g_build_filename (dir, "pyr.sock", NULL);
  g_autofree char *address = g_strconcat ("unix:", sock, NULL);
  g_autofree char *pid = NULL, *where = NULL;
  g_autoptr(GByteArray) data = NULL;
  const char *sleep_argv[] = { "sleep", "30", NULL };
  GPid not_python, sp;
  int err_fd, fd;
  Stream s;

  not_python = spawn (sleep_argv, NULL, NULL);
  pid = g_strdup_printf ("%d", (int) not_python);
  {
    const char *args[] = { "--listen", address, "--pid", pid, NULL };
    sp = sampler_listen (args, &err_fd, &where);
  }
  fd = connect_to (where);
  data = receive (fd, 10000);
  close (fd);
  decode (data, &s);
  g_assert_true (s.end);
  g_assert_cmpuint (s.end_reason, ==, PYR_STREAM_END_ERROR);
  g_assert_nonnull (strstr (s.end_message, "not a Python"));
  g_assert_cmpint (wait_exit (sp, 10), ==, 5);
  g_assert_false (g_file_test (sock, G_FILE_TEST_EXISTS));
  stream_clear (&s);
  close (err_fd);
  kill (not_python, SIGKILL);
  waitpid (not_python, NULL, 0);
  g_rmdir (dir);
}

static int run_sampler (const char * const *args,
                        char              **err);

/* Ctrl-C while waiting for a client ends the sampler (status 0) and removes the socket. */
static void
test_interrupted_while_waiting (void)
{
  g_autofree char *dir = g_dir_make_tmp ("pyr-listen-XXXXXX", NULL);
  g_autofree char *sock = g_build_filename (dir, "pyr.sock", NULL);
  g_autofree char *address = g_strconcat ("unix:", sock, NULL);
  g_autofree char *where = NULL;
  GPid sp;
  int err_fd;

  {
    const char *args[] = { "--listen", address, "--pid", "1", NULL };
    sp = sampler_listen (args, &err_fd, &where);
  }
  g_assert_true (g_file_test (sock, G_FILE_TEST_EXISTS));

  /* a second sampler on the same path is refused, and does not take the first one's place */
  {
    g_autofree char *err = NULL;
    const char *args[] = { "--listen", address, "--pid", "1", NULL };

    g_assert_cmpint (run_sampler (args, &err), ==, 8);
    g_assert_nonnull (strstr (err, "in use"));
  }
  g_usleep (100000);
  g_assert_cmpint (waitpid (sp, NULL, WNOHANG), ==, 0);   /* still waiting for its client */
  g_assert_true (g_file_test (sock, G_FILE_TEST_EXISTS));

  kill (sp, SIGINT);
  g_assert_cmpint (wait_exit (sp, 10), ==, 0);
  g_assert_false (g_file_test (sock, G_FILE_TEST_EXISTS));
  close (err_fd);
  g_rmdir (dir);
}

/* A socket file left by a sampler that was killed is replaced. */
static void
test_stale_socket_replaced (void)
{
  g_autofree char *dir = g_dir_make_tmp ("pyr-listen-XXXXXX", NULL);
  g_autofree char *sock = g_build_filename (dir, "pyr.sock", NULL);
  g_autofree char *address = g_strconcat ("unix:", sock, NULL);
  g_autofree char *where = NULL;
  struct sockaddr_un un = { .sun_family = AF_UNIX };
  int stale = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  GPid sp;
  int err_fd;

  g_strlcpy (un.sun_path, sock, sizeof un.sun_path);
  g_assert_cmpint (bind (stale, (struct sockaddr *) &un, sizeof un), ==, 0);
  close (stale);   /* the file stays, nobody listens */
  {
    const char *args[] = { "--listen", address, "--pid", "1", NULL };
    sp = sampler_listen (args, &err_fd, &where);
  }
  g_assert_cmpstr (where, ==, address);
  kill (sp, SIGINT);
  g_assert_cmpint (wait_exit (sp, 10), ==, 0);
  g_assert_false (g_file_test (sock, G_FILE_TEST_EXISTS));
  close (err_fd);
  g_rmdir (dir);
}

static int
run_sampler (const char * const *args,
             char              **err)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  int status = -1;

  g_ptr_array_add (argv, sampler);
  for (int i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                               NULL, NULL, err, &status, &error));
  g_assert_no_error (error);
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

static void
test_usage_errors (void)
{
  static const struct { const char *args[8]; const char *says; } cases[] = {
    { { "--listen", "tcp:127.0.0.1:0", "--output", "x.pyrometer", "--pid", "1" }, "--output" },
    { { "--listen", "tcp:127.0.0.1:0", "--dump", "--pid", "1" }, "--dump" },
    { { "--listen", "udp:1.2.3.4:5", "--pid", "1" }, "unix:PATH or tcp:HOST:PORT" },
    { { "--listen", "unix:", "--pid", "1" }, "needs a path" },
    { { "--listen", "tcp:127.0.0.1", "--pid", "1" }, "HOST:PORT" },
    { { "--listen", "tcp:127.0.0.1:65536", "--pid", "1" }, "HOST:PORT" },
    { { "--listen", "tcp:::1:40123", "--pid", "1" }, "brackets" },
    { { "--listen", "tcp:example.org:40123", "--pid", "1" }, "numeric" },
  };

  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *err = NULL;

      g_assert_cmpint (run_sampler (cases[i].args, &err), ==, 2);
      g_test_message ("%s", err);
      g_assert_nonnull (strstr (err, cases[i].says));
    }
}

/* A port that is taken: exit 8, saying where. */
static void
test_port_in_use (void)
{
  struct sockaddr_in in = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof in;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_autofree char *address = NULL, *err = NULL;

  g_assert_cmpint (bind (fd, (struct sockaddr *) &in, sizeof in), ==, 0);
  g_assert_cmpint (listen (fd, 1), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &in, &len), ==, 0);
  address = g_strdup_printf ("tcp:127.0.0.1:%u", (unsigned) ntohs (in.sin_port));
  {
    const char *args[] = { "--listen", address, "--pid", "1", NULL };
    g_assert_cmpint (run_sampler (args, &err), ==, 8);
  }
  g_assert_nonnull (strstr (err, address));
  g_assert_nonnull (strstr (err, "in use"));
  close (fd);
}

static void
test_help (void)
{
  g_autofree char *out = NULL;
  const char *argv[] = { sampler, "--help", NULL };
  int status;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, 0, NULL, NULL, &out, NULL, &status, NULL));
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (out, "--listen unix:PATH | tcp:HOST:PORT"));
  g_assert_nonnull (strstr (out, "authenticated nor encrypted"));
}

int
main (int    argc,
      char **argv)
{
  const char *build = g_getenv ("PYROMETER_BUILD_ROOT");
  const char *source = g_getenv ("PYROMETER_SOURCE_ROOT");
  int ret;

  g_test_init (&argc, &argv, NULL);
  if (build == NULL || source == NULL)
    {
      g_printerr ("run through meson test (PYROMETER_BUILD_ROOT/SOURCE_ROOT unset)\n");
      return 77;
    }
  signal (SIGPIPE, SIG_IGN);
  sampler = g_build_filename (build, "src", "sampler", "pyrometer-sampler", NULL);
  spin_script = g_build_filename (source, "tests", "targets", "spin.py", NULL);
  spin_line = find_marker (spin_script, "spin");
  find_python (source);

  g_test_add_func ("/sampler/listen/unix-attach-client-leaves", test_unix_attach);
  g_test_add_func ("/sampler/listen/tcp-launch-waits-for-client", test_tcp_launch);
  g_test_add_func ("/sampler/listen/tcp-ipv6-literal", test_tcp_ipv6);
  g_test_add_func ("/sampler/listen/second-client-refused", test_second_client_refused);
  g_test_add_func ("/sampler/listen/error-reaches-client", test_error_reaches_client);
  g_test_add_func ("/sampler/listen/interrupted-while-waiting-path-in-use", test_interrupted_while_waiting);
  g_test_add_func ("/sampler/listen/stale-socket-replaced", test_stale_socket_replaced);
  g_test_add_func ("/sampler/listen/usage-errors", test_usage_errors);
  g_test_add_func ("/sampler/listen/port-in-use", test_port_in_use);
  g_test_add_func ("/sampler/listen/help", test_help);
  ret = g_test_run ();
  g_free (sampler);
  g_free (spin_script);
  g_strfreev (python);
  g_free (python_name);
  return ret;
}
