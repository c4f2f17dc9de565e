/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * pyrometer-sampler against real interpreters: every interpreter `build-aux/pythons list`
 * offers (or, without that script, the ones this machine has), attached and launched, asserting
 * the exact function, file and line of a known stack.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pyr-stream-reader.h"
#include "sampler-testutil.h"

struct interp
{
  char  *name;
  int    minor;     /* 3.minor */
  char **argv;      /* command prefix that runs a script */
};

static GPtrArray *interps;
static char *sampler;
static char *spin_script;
static GHashTable *markers;   /* name -> line */

static int
marker (const char *name)
{
  gpointer v = g_hash_table_lookup (markers, name);
  g_assert_nonnull (v);
  return GPOINTER_TO_INT (v);
}

static void
load_markers (const char *path)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  markers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (int i = 0; lines[i] != NULL; i++)
    {
      const char *m = strstr (lines[i], "# pyrometer-target: ");
      if (m != NULL)
        g_hash_table_insert (markers, g_strstrip (g_strdup (m + 20)), GINT_TO_POINTER (i + 1));
    }
}

static void
add_interp (const char  *name,
            const char  *version,
            char       **argv)
{
  struct interp *in = g_new0 (struct interp, 1);
  in->name = g_strdup (name);
  in->minor = g_str_has_prefix (version, "3.") ? atoi (version + 2) : 0;
  in->argv = argv;
  g_ptr_array_add (interps, in);
}

/* build-aux/pythons list: "name<TAB>version<TAB>argv..." per line. */
static void
find_interpreters (const char *source_root)
{
  g_autofree char *script = g_build_filename (source_root, "build-aux", "pythons", NULL);
  static const char *const local[][2] = {
    { "3.11-static", "/usr/bin/python3.11" },
    { "3.8-pyenv", "/root/.pyenv/versions/3.8.18/bin/python3.8" },
    { "3.9-pyenv", "/root/.pyenv/versions/3.9.18/bin/python3.9" },
    { "3.10-pyenv", "/root/.pyenv/versions/3.10.13/bin/python3.10" },
    { "3.11-pyenv", "/root/.pyenv/versions/3.11.7/bin/python3.11" },
    { "3.12-pyenv", "/root/.pyenv/versions/3.12.1/bin/python3.12" },
    { "3.13-pyenv", "/root/.pyenv/versions/3.13.0/bin/python3.13" },
  };

  interps = g_ptr_array_new ();
  if (g_file_test (script, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_autofree char *out = NULL;
      const char *argv[] = { script, "list", NULL };
      int status = 0;

      if (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out,
                        NULL, &status, NULL) && g_spawn_check_wait_status (status, NULL))
        {
          g_auto(GStrv) lines = g_strsplit (out, "\n", -1);
          for (int i = 0; lines[i] != NULL; i++)
            {
              g_auto(GStrv) f = g_strsplit (lines[i], "\t", -1);
              if (g_strv_length (f) < 3 || f[0][0] == '#')
                continue;
              if (g_strv_length (f) == 3 && strchr (f[2], ' ') != NULL)
                {
                  char **argvp = NULL;
                  if (g_shell_parse_argv (f[2], NULL, &argvp, NULL))
                    add_interp (f[0], f[1], argvp);
                }
              else
                add_interp (f[0], f[1], g_strdupv (f + 2));
            }
        }
    }
  for (size_t i = 0; i < G_N_ELEMENTS (local); i++)
    {
      bool seen = false;
      for (guint k = 0; k < interps->len; k++)
        {
          struct interp *in = interps->pdata[k];
          seen = seen || strcmp (in->argv[0], local[i][1]) == 0;
        }
      if (!seen && g_file_test (local[i][1], G_FILE_TEST_IS_EXECUTABLE))
        {
          char *argv[] = { g_strdup (local[i][1]), NULL };
          add_interp (local[i][0], local[i][0], g_strdupv (argv));
          g_free (argv[0]);
        }
    }
}

struct target
{
  GPid pid;
  int  out_fd;
};

/* Under Yama's ptrace_scope 1 only ancestors may attach; the sampler is the target's sibling.
 * The exception a process grants stays with it across exec. */
/* Starts a script under an interpreter and waits for its "ready" line. */
static gboolean
target_start (const struct interp *in,
              const char          *script,
              const char * const  *args,
              struct target       *t)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  char buf[256];
  size_t len = 0;

  for (int i = 0; in->argv[i] != NULL; i++)
    g_ptr_array_add (argv, in->argv[i]);
  g_ptr_array_add (argv, (char *) script);
  for (int i = 0; args && args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  if (!g_spawn_async_with_pipes (NULL, (char **) argv->pdata, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                 stu_allow_any_tracer, NULL, &t->pid, NULL, &t->out_fd, NULL, &error))
    {
      g_test_message ("cannot start %s: %s", in->name, error->message);
      return FALSE;
    }
  while (len < sizeof buf - 1)
    {
      struct pollfd p = { t->out_fd, POLLIN, 0 };
      ssize_t n;
      if (poll (&p, 1, 30000) <= 0)
        break;
      n = read (t->out_fd, buf + len, sizeof buf - 1 - len);
      if (n <= 0)
        break;
      len += (size_t) n;
      buf[len] = '\0';
      if (strstr (buf, "ready") && strchr (buf, '\n'))
        return TRUE;
    }
  g_test_message ("%s did not get ready", in->name);
  return FALSE;
}

static void
target_stop (struct target *t)
{
  kill (t->pid, SIGKILL);
  waitpid (t->pid, NULL, 0);
  close (t->out_fd);
}

/* Runs the sampler; returns its exit code, with stdout/stderr. */
static int
run_sampler (const char * const *args,
             char              **out,
             char              **err)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  int status = -1;

  g_ptr_array_add (argv, sampler);
  for (int i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, 0, NULL, NULL, out, err,
                               &status, &error));
  g_assert_no_error (error);
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  return 128 + WTERMSIG (status);
}

static char *
expected_spin_stack (void)
{
  return g_strdup_printf ("    spin (%s:%d)\n"
                          "    middle (%s:%d)\n"
                          "    outer (%s:%d)\n"
                          "    main (%s:%d)\n"
                          "    <module> (%s:%d)\n",
                          spin_script, marker ("spin"), spin_script, marker ("middle"),
                          spin_script, marker ("outer"), spin_script, marker ("main"),
                          spin_script, marker ("module"));
}

static void
test_dump (gconstpointer data)
{
  const struct interp *in = data;
  struct target t;
  g_autofree char *expected = expected_spin_stack ();
  g_autofree char *sleep_line = g_strdup_printf ("    sleeper (%s:%d)\n", spin_script,
                                                 marker ("sleep"));
  g_autofree char *pid = NULL;
  gboolean ok = FALSE;

  if (!target_start (in, spin_script, NULL, &t))
    {
      g_test_fail ();
      return;
    }
  pid = g_strdup_printf ("%d", (int) t.pid);
  /* a sample is refused when the target changed while being read: try a few times */
  for (int attempt = 0; attempt < 5 && !ok; attempt++)
    {
      g_autofree char *out = NULL, *err = NULL;
      const char *args[] = { "--dump", "--pid", pid, NULL };
      int code = run_sampler (args, &out, &err);

      g_test_message ("exit %d\n%s%s", code, out, err);
      ok = code == 0 && strstr (out, expected) != NULL && strstr (out, sleep_line) != NULL;
      if (ok)
        {
          /* the sleeping thread is idle, the spinning one active */
          const char *sleeper_at = strstr (out, sleep_line);
          const char *header = g_strrstr_len (out, sleeper_at - out, "\nThread ");
          g_assert_nonnull (header);
          g_assert_nonnull (strstr (header, "(idle)"));
          g_assert_true (strstr (header, "(idle)") < sleeper_at);
          g_assert_nonnull (strstr (out, "(active"));
          g_assert_nonnull (strstr (out, ": \"MainThread\"\n    spin ("));
          /* the name given to threading.Thread */
          g_assert_nonnull (strstr (header, ": \"sleepy\""));
          g_assert_true (strstr (header, ": \"sleepy\"") < sleeper_at);
        }
    }
  target_stop (&t);
  g_assert_true (ok);
}

struct stream_check
{
  GHashTable *strings;     /* id -> string */
  GHashTable *frames;      /* id -> "name (file:line)" */
  int         samples;
  int         exact;       /* samples whose stack is exactly the spin stack */
  int         sleeper;     /* samples of the sleeping thread (running when just woken) */
  int         exact_idle;  /* spin-stack samples flagged idle: wrong */
  int         other;       /* anything else: wrong */
  char       *sleeper_leaf;
  int         stats;
  int         main_thread_named;
  gboolean    end;
  int64_t     end_code;
  uint32_t    end_reason;
  char       *expected;
};

static int
on_record (const struct pyr_stream_record *r,
           void                           *user_data)
{
  struct stream_check *c = user_data;

  switch (r->type)
    {
    case PYR_STREAM_RECORD_STRING:
      g_hash_table_insert (c->strings, GUINT_TO_POINTER (r->string.id), g_strdup (r->string.data));
      break;
    case PYR_STREAM_RECORD_FRAME:
      g_hash_table_insert (c->frames, GUINT_TO_POINTER (r->frame.id),
                           g_strdup_printf ("    %s (%s:%u)\n",
                                            (char *) g_hash_table_lookup (c->strings, GUINT_TO_POINTER (r->frame.frame.name)),
                                            (char *) g_hash_table_lookup (c->strings, GUINT_TO_POINTER (r->frame.frame.file)),
                                            r->frame.frame.line));
      break;
    case PYR_STREAM_RECORD_SAMPLE:
      {
        g_autoptr(GString) s = g_string_new (NULL);
        for (uint32_t i = r->sample.depth; i-- > 0;)
          g_string_append (s, g_hash_table_lookup (c->frames, GUINT_TO_POINTER (r->sample.frames[i])));
        c->samples++;
        if (strcmp (s->str, c->expected) == 0)
          {
            c->exact++;
            if (r->sample.flags & PYR_STREAM_SAMPLE_IDLE)
              c->exact_idle++;
          }
        else if (c->sleeper_leaf != NULL && g_str_has_prefix (s->str, c->sleeper_leaf))
          c->sleeper++;
        else
          {
            c->other++;
            if (c->other <= 3)
              g_test_message ("a sample with another stack (thread %u, flags %u):\n%s",
                              r->sample.thread, r->sample.flags, s->str);
          }
      }
      break;
    case PYR_STREAM_RECORD_STATS:
      c->stats++;
      break;
    case PYR_STREAM_RECORD_THREAD:
      if (g_strcmp0 (g_hash_table_lookup (c->strings, GUINT_TO_POINTER (r->thread.thread.name)),
                     "MainThread") == 0)
        c->main_thread_named++;
      break;
    case PYR_STREAM_RECORD_END:
      c->end = TRUE;
      c->end_code = r->end.code;
      c->end_reason = r->end.reason;
      break;
    default:
      break;
    }
  return 0;
}

static void
check_stream (const char          *path,
              struct stream_check *c)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  struct pyr_stream_reader *reader;

  memset (c, 0, sizeof *c);
  c->strings = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  g_hash_table_insert (c->strings, GUINT_TO_POINTER (0), g_strdup (""));
  c->frames = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  c->expected = expected_spin_stack ();
  c->sleeper_leaf = g_strdup_printf ("    sleeper (%s:%d)\n", spin_script, marker ("sleep"));
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  reader = pyr_stream_reader_new (on_record, c);
  g_assert_cmpint (pyr_stream_reader_feed (reader, data, len), ==, 0);
  g_assert_cmpint (pyr_stream_reader_finish (reader), ==, 0);
  pyr_stream_reader_free (reader);
  g_hash_table_unref (c->strings);
  g_hash_table_unref (c->frames);
  g_free (c->expected);
  g_free (c->sleeper_leaf);
}

static void
test_record_attached (gconstpointer data)
{
  const struct interp *in = data;
  struct target t;
  g_autofree char *pid = NULL, *out = NULL, *err = NULL;
  g_autofree char *dir = g_dir_make_tmp ("pyrometer-sampler-XXXXXX", NULL);
  g_autofree char *file = g_build_filename (dir, "spin.pyrometer", NULL);
  struct stream_check c;
  int code;

  if (!target_start (in, spin_script, NULL, &t))
    {
      g_test_fail ();
      return;
    }
  pid = g_strdup_printf ("%d", (int) t.pid);
  {
    const char *args[] = { "--pid", pid, "--rate", "200", "--duration", "1", "--no-idle",
                           "--output", file, NULL };
    code = run_sampler (args, &out, &err);
  }
  /* attach mode leaves the target running */
  g_assert_cmpint (kill (t.pid, 0), ==, 0);
  g_assert_cmpint (waitpid (t.pid, NULL, WNOHANG), ==, 0);
  target_stop (&t);
  g_test_message ("%s", err);
  g_assert_cmpint (code, ==, 0);
  check_stream (file, &c);
  g_test_message ("%d samples, %d exact, %d of the sleeper", c.samples, c.exact, c.sleeper);
  /* idle samples were dropped: the busy thread, and the sleeper only while it runs */
  g_assert_cmpint (c.samples, >=, 100);
  g_assert_cmpint (c.other, ==, 0);
  g_assert_cmpint (c.exact, >=, c.samples * 80 / 100);
  g_assert_cmpint (c.stats, >=, 1);
  g_assert_cmpint (c.main_thread_named, ==, 1);
  g_assert_true (c.end);
  g_assert_cmpuint (c.end_reason, ==, PYR_STREAM_END_COMPLETE);
  g_unlink (file);
  g_rmdir (dir);
}

static void
test_launch (gconstpointer data)
{
  const struct interp *in = data;
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *dir = g_dir_make_tmp ("pyrometer-sampler-XXXXXX", NULL);
  g_autofree char *file = g_build_filename (dir, "launch.pyrometer", NULL);
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  struct stream_check c;
  int code;

  g_ptr_array_add (args, "--rate");
  g_ptr_array_add (args, "200");
  g_ptr_array_add (args, "--output");
  g_ptr_array_add (args, file);
  g_ptr_array_add (args, "--");
  for (int i = 0; in->argv[i] != NULL; i++)
    g_ptr_array_add (args, in->argv[i]);
  g_ptr_array_add (args, spin_script);
  g_ptr_array_add (args, "1.5");
  g_ptr_array_add (args, "42");
  g_ptr_array_add (args, NULL);
  code = run_sampler ((const char * const *) args->pdata, &out, &err);
  g_test_message ("%s%s", out, err);
  /* the command's exit status is passed on */
  g_assert_cmpint (code, ==, 42);
  check_stream (file, &c);
  g_test_message ("%d samples, %d exact", c.samples, c.exact);
  g_assert_cmpint (c.exact, >=, 50);
  g_assert_true (c.end);
  g_assert_cmpuint (c.end_reason, ==, PYR_STREAM_END_TARGET_EXITED);
  g_assert_cmpint (c.end_code, ==, 42);
  g_unlink (file);
  g_rmdir (dir);
}


/* Starts the sampler attached to pid writing to a pipe; returns its pid and the read end. */
static GPid
start_sampler_async (const char * const *args,
                     int                *out_fd)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  GPid pid;

  g_ptr_array_add (argv, sampler);
  for (int i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv->pdata, NULL,
                                           G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, NULL,
                                           out_fd, NULL, &error));
  g_assert_no_error (error);
  return pid;
}

/* Reads fd for up to timeout_ms in all, or until end of file. */
static size_t
drain (int   fd,
       int   timeout_ms,
       char *keep,
       size_t keep_len)
{
  size_t total = 0;
  char buf[65536];
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      struct pollfd p = { fd, POLLIN, 0 };
      gint64 left = (deadline - g_get_monotonic_time ()) / 1000;
      ssize_t n;
      if (left <= 0 || poll (&p, 1, (int) left) <= 0)
        break;
      n = read (fd, buf, sizeof buf);
      if (n <= 0)
        break;
      if (keep != NULL && total < keep_len)
        memcpy (keep + total, buf, MIN ((size_t) n, keep_len - total));
      total += (size_t) n;
    }
  return total;
}

static int
wait_exit (GPid pid)
{
  int status;
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

/* Ctrl-C and SIGTERM end a recording cleanly (END record) and leave the target running. */
static void
test_stop_signals (gconstpointer data)
{
  const struct interp *in = data;
  static const int sigs[] = { SIGINT, SIGTERM };

  for (size_t i = 0; i < G_N_ELEMENTS (sigs); i++)
    {
      struct target t;
      g_autofree char *pid = NULL;
      GPid sp;
      int fd, code;
      static char stream[1 << 20];
      size_t len;

      if (!target_start (in, spin_script, NULL, &t))
        {
          g_test_fail ();
          return;
        }
      pid = g_strdup_printf ("%d", (int) t.pid);
      {
        const char *args[] = { "--pid", pid, "--rate", "500", NULL };
        sp = start_sampler_async (args, &fd);
      }
      len = drain (fd, 700, stream, sizeof stream);   /* let it sample a while */
      kill (sp, sigs[i]);
      len += drain (fd, 5000, stream + MIN (len, sizeof stream), sizeof stream - MIN (len, sizeof stream));
      code = wait_exit (sp);
      close (fd);
      g_assert_cmpint (code, ==, 0);
      g_assert_cmpuint (len, >, 100);
      stu_assert_target_running_free (t.pid);
      target_stop (&t);
    }
}

/* A reader that goes away (SIGPIPE) ends the sampler with status 8; the target runs on. */
static void
test_reader_gone (gconstpointer data)
{
  const struct interp *in = data;
  struct target t;
  g_autofree char *pid = NULL;
  GPid sp;
  int fd;

  if (!target_start (in, spin_script, NULL, &t))
    {
      g_test_fail ();
      return;
    }
  pid = g_strdup_printf ("%d", (int) t.pid);
  {
    const char *args[] = { "--pid", pid, "--rate", "1000", NULL };
    sp = start_sampler_async (args, &fd);
  }
  drain (fd, 300, NULL, 0);
  close (fd);
  g_assert_cmpint (wait_exit (sp), ==, 8);
  stu_assert_target_running_free (t.pid);
  target_stop (&t);
}

/* --blocking stops the threads for each sample and always lets them go. */
static void
test_blocking (gconstpointer data)
{
  const struct interp *in = data;
  struct target t;
  g_autofree char *pid = NULL, *out = NULL, *err = NULL;
  g_autofree char *dir = g_dir_make_tmp ("pyrometer-sampler-XXXXXX", NULL);
  g_autofree char *file = g_build_filename (dir, "blocking.pyrometer", NULL);
  struct stream_check c;
  int code;

  if (!target_start (in, spin_script, NULL, &t))
    {
      g_test_fail ();
      return;
    }
  pid = g_strdup_printf ("%d", (int) t.pid);
  {
    const char *args[] = { "--pid", pid, "--rate", "200", "--duration", "1", "--blocking",
                           "--gil", "--output", file, NULL };
    code = run_sampler (args, &out, &err);
  }
  g_test_message ("%s", err);
  stu_assert_target_running_free (t.pid);
  target_stop (&t);
  g_assert_cmpint (code, ==, 0);
  check_stream (file, &c);
  g_test_message ("%d samples, %d exact", c.samples, c.exact);
  /* stopped threads give exact stacks; --gil keeps the spinning thread only */
  g_assert_cmpint (c.samples, >=, 50);
  g_assert_cmpint (c.exact, ==, c.samples);
  g_assert_cmpint (c.exact_idle, ==, 0);

  /* every thread: the stopped spinning thread still counts as running, the sleeper as idle */
  if (!target_start (in, spin_script, NULL, &t))
    {
      g_test_fail ();
      return;
    }
  g_free (pid);
  pid = g_strdup_printf ("%d", (int) t.pid);
  {
    g_autofree char *out2 = NULL, *err2 = NULL;
    const char *args[] = { "--pid", pid, "--rate", "200", "--duration", "1", "--blocking",
                           "--output", file, NULL };
    code = run_sampler (args, &out2, &err2);
  }
  stu_assert_target_running_free (t.pid);
  target_stop (&t);
  g_assert_cmpint (code, ==, 0);
  check_stream (file, &c);
  g_test_message ("%d samples, %d exact, %d of them idle", c.samples, c.exact, c.exact_idle);
  g_assert_cmpint (c.exact, >=, 50);
  g_assert_cmpint (c.exact_idle, <=, c.exact / 20);
  g_unlink (file);
  g_rmdir (dir);
}

/* Run through pkexec as root, launched commands run as the invoking user (PKEXEC_UID). */
static void
test_launch_drops_to_pkexec_uid (gconstpointer data)
{
  const struct interp *in = data;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL;
  g_auto(GStrv) env = g_get_environ ();
  int status = -1;

  if (getuid () != 0)
    {
      g_test_skip ("needs root");
      return;
    }
  env = g_environ_setenv (env, "PKEXEC_UID", "65534", TRUE);
  g_ptr_array_add (argv, sampler);
  g_ptr_array_add (argv, "--output");
  g_ptr_array_add (argv, "/dev/null");
  g_ptr_array_add (argv, "--");
  for (int i = 0; in->argv[i] != NULL; i++)
    g_ptr_array_add (argv, in->argv[i]);
  g_ptr_array_add (argv, "-c");
  g_ptr_array_add (argv, "import os, sys, time; time.sleep(1); sys.exit(os.getuid() % 256)");
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, env, 0, NULL, NULL, &out, &err,
                               &status, &error));
  g_assert_no_error (error);
  g_test_message ("%s%s", out, err);
  /* the command's own exit status: its uid, 65534 % 256 */
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 65534 % 256);
}


/* A target that exits mid-recording ends it with TARGET_EXITED, and the sampler with 0. */
static void
test_target_exits (gconstpointer data)
{
  const struct interp *in = data;
  struct target t;
  const char *exit_args[] = { "1", "0", NULL };
  g_autofree char *pid = NULL, *out = NULL, *err = NULL;
  g_autofree char *dir = g_dir_make_tmp ("pyrometer-sampler-XXXXXX", NULL);
  g_autofree char *file = g_build_filename (dir, "exits.pyrometer", NULL);
  struct stream_check c;
  int code;

  if (!target_start (in, spin_script, exit_args, &t))
    {
      g_test_fail ();
      return;
    }
  pid = g_strdup_printf ("%d", (int) t.pid);
  {
    const char *args[] = { "--pid", pid, "--rate", "200", "--duration", "30", "--output", file,
                           NULL };
    code = run_sampler (args, &out, &err);
  }
  target_stop (&t);
  g_test_message ("%s", err);
  g_assert_cmpint (code, ==, 0);
  check_stream (file, &c);
  g_assert_true (c.end);
  g_assert_cmpuint (c.end_reason, ==, PYR_STREAM_END_TARGET_EXITED);
  /* the spinning thread; idle ones (sleeper, the exit timer) are in the stream too */
  g_assert_cmpint (c.exact, >=, 20);
  g_unlink (file);
  g_rmdir (dir);
}


struct target_case
{
  const struct interp *in;
  char                *script;     /* tests/targets/NAME.py */
};

/* Frames of the dump that lie in file, per thread name, root first: "func:line;..." */
static GHashTable *
parse_dump (const char *out,
            const char *file)
{
  GHashTable *threads = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);
  g_autofree char *suffix = g_strdup_printf (" (%s:", file);
  GPtrArray *cur = NULL;
  char *cur_name = NULL;

  for (int i = 0;; i++)
    {
      const char *line = lines[i];
      if (line == NULL || g_str_has_prefix (line, "Thread "))
        {
          if (cur != NULL)
            {
              GString *joined = g_string_new (NULL);
              for (guint k = cur->len; k-- > 0;)
                g_string_append_printf (joined, "%s;", (char *) cur->pdata[k]);
              g_hash_table_insert (threads, cur_name, g_string_free (joined, FALSE));
              g_ptr_array_unref (cur);
              cur = NULL;
            }
          if (line == NULL)
            break;
          {
            const char *q = strstr (line, ": \"");
            if (q != NULL)
              {
                cur_name = g_strndup (q + 3, strlen (q + 3) - 1);
                cur = g_ptr_array_new_with_free_func (g_free);
              }
          }
          continue;
        }
      if (cur != NULL && g_str_has_prefix (line, "    "))
        {
          const char *at = strstr (line, suffix);
          if (at != NULL)
            g_ptr_array_add (cur, g_strdup_printf ("%.*s:%d", (int) (at - line - 4), line + 4,
                                                   atoi (at + strlen (suffix))));
        }
    }
  return threads;
}

/* The interpreter's own view (tests/targets/stackcheck.py: sys._current_frames()) against the
 * sampler's --dump, thread by thread, for the frames in the target's file. */
static void
test_target_matches_interpreter (gconstpointer data)
{
  const struct target_case *tc = data;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *check = g_build_filename (g_getenv ("PYROMETER_SOURCE_ROOT"), "tests",
                                             "targets", "stackcheck.py", NULL);
  g_autofree char *json = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(GStrv) jlines = NULL;
  const char *last = NULL;
  JsonObject *expected;
  GList *names;
  struct target t;
  gboolean ok = FALSE;
  int status = 0;

  for (int i = 0; tc->in->argv[i] != NULL; i++)
    g_ptr_array_add (argv, tc->in->argv[i]);
  g_ptr_array_add (argv, check);
  g_ptr_array_add (argv, tc->script);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, 0, NULL, NULL, &json, NULL,
                               &status, &error));
  g_assert_no_error (error);
  jlines = g_strsplit (json, "\n", -1);
  for (int i = 0; jlines[i] != NULL; i++)
    if (jlines[i][0] == '{')
      last = jlines[i];
  if (last == NULL)
    {
      g_test_skip ("stackcheck.py gave no stacks on this interpreter");
      return;
    }
  g_assert_true (json_parser_load_from_data (parser, last, -1, &error));
  expected = json_node_get_object (json_parser_get_root (parser));

  if (!target_start (tc->in, tc->script, NULL, &t))
    {
      g_test_fail ();
      return;
    }
  for (int attempt = 0; attempt < 5 && !ok; attempt++)
    {
      g_autofree char *out = NULL, *err = NULL;
      g_autofree char *pid = g_strdup_printf ("%d", (int) t.pid);
      const char *args[] = { "--dump", "--pid", pid, NULL };
      g_autoptr(GHashTable) got = NULL;

      /* "ready" is printed just before the target enters its steady state */
      g_usleep (200000 * (attempt + 1));
      if (run_sampler (args, &out, &err) != 0)
        continue;
      got = parse_dump (out, tc->script);
      ok = TRUE;
      names = json_object_get_members (expected);
      for (GList *l = names; l != NULL; l = l->next)
        {
          JsonArray *frames = json_object_get_array_member (expected, l->data);
          g_autoptr(GString) want = g_string_new (NULL);
          const char *have = g_hash_table_lookup (got, l->data);
          for (guint k = 0; k < json_array_get_length (frames); k++)
            {
              JsonArray *f = json_array_get_array_element (frames, k);
              g_string_append_printf (want, "%s:%d;", json_array_get_string_element (f, 0),
                                      (int) json_array_get_int_element (f, 1));
            }
          if (g_strcmp0 (have, want->str) != 0)
            {
              g_test_message ("thread \"%s\": interpreter says %.300s, sampler %.300s",
                              (char *) l->data, want->str, have ? have : "(no such thread)");
              ok = FALSE;
            }
        }
      g_list_free (names);
    }
  target_stop (&t);
  g_assert_true (ok);
}


struct mp_check
{
  GHashTable *strings;
  GHashTable *frames;        /* id -> "name (file:line)" */
  GHashTable *thread_pid;    /* thread id -> pid */
  GHashTable *processes;     /* pid -> parent pid */
  uint32_t    child;
  char       *child_leaf;
  int         child_samples;
};

static int
on_mp_record (const struct pyr_stream_record *r,
              void                           *user_data)
{
  struct mp_check *c = user_data;

  switch (r->type)
    {
    case PYR_STREAM_RECORD_STRING:
      g_hash_table_insert (c->strings, GUINT_TO_POINTER (r->string.id), g_strdup (r->string.data));
      break;
    case PYR_STREAM_RECORD_FRAME:
      g_hash_table_insert (c->frames, GUINT_TO_POINTER (r->frame.id),
                           g_strdup_printf ("%s (%s:%u)",
                                            (char *) g_hash_table_lookup (c->strings, GUINT_TO_POINTER (r->frame.frame.name)),
                                            (char *) g_hash_table_lookup (c->strings, GUINT_TO_POINTER (r->frame.frame.file)),
                                            r->frame.frame.line));
      break;
    case PYR_STREAM_RECORD_THREAD:
      g_hash_table_insert (c->thread_pid, GUINT_TO_POINTER (r->thread.id),
                           GUINT_TO_POINTER (r->thread.thread.pid));
      break;
    case PYR_STREAM_RECORD_PROCESS:
      g_hash_table_insert (c->processes, GUINT_TO_POINTER (r->process.pid),
                           GUINT_TO_POINTER (r->process.parent_pid));
      break;
    case PYR_STREAM_RECORD_SAMPLE:
      if (GPOINTER_TO_UINT (g_hash_table_lookup (c->thread_pid, GUINT_TO_POINTER (r->sample.thread))) == c->child
          && r->sample.depth > 0
          && g_strcmp0 (g_hash_table_lookup (c->frames, GUINT_TO_POINTER (r->sample.frames[r->sample.depth - 1])),
                        c->child_leaf) == 0)
        c->child_samples++;
      break;
    default:
      break;
    }
  return 0;
}

/* --subprocesses follows a multiprocessing child (fork and spawn) and names its process. */
static void
test_subprocesses (gconstpointer data)
{
  const struct interp *in = data;
  g_autofree char *script = g_build_filename (g_getenv ("PYROMETER_SOURCE_ROOT"), "tests",
                                              "targets", "multiproc.py", NULL);
  static const char *const methods[] = { "fork", "spawn" };

  if (!g_file_test (script, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("tests/targets/multiproc.py is missing");
      return;
    }
  for (size_t m = 0; m < G_N_ELEMENTS (methods); m++)
    {
      const char *args[] = { "--start-method", methods[m], NULL };
      g_autofree char *dir = g_dir_make_tmp ("pyrometer-sampler-XXXXXX", NULL);
      g_autofree char *file = g_build_filename (dir, "mp.pyrometer", NULL);
      g_autofree char *pid = NULL, *out = NULL, *err = NULL, *data_ = NULL, *text = NULL;
      g_auto(GStrv) lines = NULL;
      struct mp_check c = { 0 };
      struct pyr_stream_reader *reader;
      struct target t;
      gsize len;
      int line = 0;

      if (!target_start (in, script, args, &t))
        {
          g_test_fail ();
          return;
        }
      g_assert_true (g_file_get_contents (script, &text, NULL, NULL));
      lines = g_strsplit (text, "\n", -1);
      for (int i = 0; lines[i] != NULL; i++)
        if (strstr (lines[i], "# pyrometer-target: child") != NULL)
          line = i + 1;
      g_assert_cmpint (line, >, 0);
      pid = g_strdup_printf ("%d", (int) t.pid);
      {
        const char *sargs[] = { "--pid", pid, "--rate", "200", "--duration", "1.5",
                                "--subprocesses", "--output", file, NULL };
        g_assert_cmpint (run_sampler (sargs, &out, &err), ==, 0);
      }
      target_stop (&t);

      c.strings = g_hash_table_new_full (NULL, NULL, NULL, g_free);
      g_hash_table_insert (c.strings, GUINT_TO_POINTER (0), g_strdup (""));
      c.frames = g_hash_table_new_full (NULL, NULL, NULL, g_free);
      c.thread_pid = g_hash_table_new (NULL, NULL);
      c.processes = g_hash_table_new (NULL, NULL);
      c.child_leaf = g_strdup_printf ("child_work (%s:%d)", script, line);
      g_assert_true (g_file_get_contents (file, &data_, &len, NULL));
      /* first pass: find the child process (the one whose parent is the target) */
      reader = pyr_stream_reader_new (on_mp_record, &c);
      g_assert_cmpint (pyr_stream_reader_feed (reader, data_, len), ==, 0);
      pyr_stream_reader_free (reader);
      {
        GHashTableIter it;
        gpointer k, v;
        g_hash_table_iter_init (&it, c.processes);
        while (g_hash_table_iter_next (&it, &k, &v))
          if (GPOINTER_TO_UINT (v) == (guint) t.pid)
            {
              /* with spawn, the resource tracker is a child too: take the one with samples */
              struct mp_check c2 = c;
              c2.child = GPOINTER_TO_UINT (k);
              c2.child_samples = 0;
              reader = pyr_stream_reader_new (on_mp_record, &c2);
              g_assert_cmpint (pyr_stream_reader_feed (reader, data_, len), ==, 0);
              pyr_stream_reader_free (reader);
              if (c2.child_samples > c.child_samples)
                {
                  c.child = c2.child;
                  c.child_samples = c2.child_samples;
                }
            }
      }
      g_test_message ("%s: child %u, %d samples at child_work", methods[m], c.child,
                      c.child_samples);
      g_assert_cmpint (c.child_samples, >=, 50);
      g_hash_table_unref (c.strings);
      g_hash_table_unref (c.frames);
      g_hash_table_unref (c.thread_pid);
      g_hash_table_unref (c.processes);
      g_free (c.child_leaf);
      g_unlink (file);
      g_rmdir (dir);
    }
}


/* Launch mode with a command that cannot run, or that is not Python. */
static void
test_launch_errors (void)
{
  g_autofree char *out = NULL, *err = NULL, *out2 = NULL, *err2 = NULL;
  const char *missing[] = { "--output", "/dev/null", "--", "/nonexistent/python3", NULL };
  const char *not_python[] = { "--output", "/dev/null", "--startup-timeout", "0.5", "--",
                               "sleep", "30", NULL };
  gint64 start;

  g_assert_cmpint (run_sampler (missing, &out, &err), ==, 127);
  g_assert_nonnull (strstr (err, "cannot run /nonexistent/python3"));

  start = g_get_monotonic_time ();
  g_assert_cmpint (run_sampler (not_python, &out2, &err2), ==, 5);
  g_assert_nonnull (strstr (err2, "no Python interpreter started within 0.5 s"));
  /* the command was stopped, not waited for */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
}

static void
test_no_such_process (void)
{
  g_autofree char *out = NULL, *err = NULL;
  const char *args[] = { "--dump", "--pid", "1073741000", NULL };

  g_assert_cmpint (run_sampler (args, &out, &err), ==, 3);
  g_assert_nonnull (strstr (err, "no process with id 1073741000"));
}

static void
test_not_python (void)
{
  g_autofree char *out = NULL, *err = NULL, *pid = NULL;
  const char *argv[] = { "sleep", "30", NULL };
  GPid child;
  int code = -1;

  g_assert_true (g_spawn_async (NULL, (char **) argv, NULL,
                                G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                &child, NULL));
  pid = g_strdup_printf ("%d", (int) child);
  /* wait for the exec to have happened */
  for (int i = 0; i < 200; i++)
    {
      g_autofree char *link = g_strdup_printf ("/proc/%d/exe", (int) child);
      g_autofree char *target = g_file_read_link (link, NULL);
      if (target != NULL && g_str_has_suffix (target, "sleep"))
        break;
      g_usleep (10000);
    }
  {
    const char *args[] = { "--dump", "--pid", pid, NULL };
    code = run_sampler (args, &out, &err);
  }
  kill (child, SIGKILL);
  waitpid (child, NULL, 0);
  g_assert_cmpint (code, ==, 5);
  g_assert_nonnull (strstr (err, "is not a Python interpreter"));
}

static void
test_permission_denied (void)
{
  g_autofree char *out = NULL, *err = NULL, *pid = NULL;
  const char *argv[] = { "sleep", "30", NULL };
  GPid child;
  int code;

  if (getuid () != 0)
    {
      g_test_skip ("needs root to run the sampler as another user (setpriv)");
      return;
    }
  if (!g_file_test ("/usr/bin/setpriv", G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("setpriv is not installed");
      return;
    }
  g_assert_true (g_spawn_async (NULL, (char **) argv, NULL,
                                G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                &child, NULL));
  pid = g_strdup_printf ("%d", (int) child);
  {
    const char *args[] = { "/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                           "--clear-groups", sampler, "--dump", "--pid", pid, NULL };
    g_autoptr(GError) error = NULL;
    int status = -1;
    g_assert_true (g_spawn_sync (NULL, (char **) args, NULL, 0, NULL, NULL, &out, &err, &status,
                                 &error));
    code = WIFEXITED (status) ? WEXITSTATUS (status) : -1;
  }
  kill (child, SIGKILL);
  waitpid (child, NULL, 0);
  g_test_message ("%s", err);
  if (code == 126 || code == 127)
    {
      g_test_skip ("the build directory is not reachable by user nobody");
      return;
    }
  g_assert_cmpint (code, ==, 4);
  g_assert_nonnull (strstr (err, "not allowed"));
  g_assert_nonnull (strstr (err, "pkexec"));
  g_assert_nonnull (strstr (err, "SYS_PTRACE"));
}

/* ---- as an ordinary user -------------------------------------------------------------- */

/* The user the unprivileged tests run as: pyrtest when it exists (useradd -M pyrtest), else
 * nobody.  NULL with a reason when they cannot run here. */
static const char *
unprivileged_user (uid_t       *uid,
                   const char **why)
{
  g_autofree char *out = NULL;
  const char *user = "nobody";
  int status = -1;

  if (getuid () != 0)
    return *why = "needs root to run the sampler as another user (setpriv)", NULL;
  if (!g_file_test ("/usr/bin/setpriv", G_FILE_TEST_IS_EXECUTABLE))
    return *why = "setpriv is not installed", NULL;
  {
    const char *argv[] = { "/usr/bin/id", "-u", "pyrtest", NULL };
    if (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out,
                      NULL, &status, NULL) && g_spawn_check_wait_status (status, NULL))
      user = "pyrtest";
  }
  *uid = g_strcmp0 (user, "pyrtest") == 0 ? (uid_t) atoi (out) : 65534;
  /* the build directory and the interpreter must be reachable by that user */
  {
    g_autofree char *ru = g_strdup_printf ("--reuid=%u", (unsigned) *uid);
    g_autofree char *rg = g_strdup_printf ("--regid=%u", (unsigned) *uid);
    const char *argv[] = { "/usr/bin/setpriv", ru, rg, "--clear-groups", sampler, "--version",
                           NULL };
    if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL
                       | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, NULL)
        || !g_spawn_check_wait_status (status, NULL))
      return *why = "the build directory is not reachable by an unprivileged user", NULL;
  }
  if (!g_file_test ("/usr/bin/python3.11", G_FILE_TEST_IS_EXECUTABLE))
    return *why = "needs /usr/bin/python3.11 (the interpreters under /root are not reachable)",
           NULL;
  return user;
}

/* Yama's ptrace_scope, or -1 without Yama. */
static int
yama_scope (void)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents ("/proc/sys/kernel/yama/ptrace_scope", &text, NULL, NULL))
    return -1;
  return atoi (text);
}

static int
run_as (uid_t               uid,
        const char * const *cmd,
        char              **out,
        char              **err)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  int status = -1;

  g_ptr_array_add (argv, g_strdup ("/usr/bin/setpriv"));
  g_ptr_array_add (argv, g_strdup_printf ("--reuid=%u", (unsigned) uid));
  g_ptr_array_add (argv, g_strdup_printf ("--regid=%u", (unsigned) uid));
  g_ptr_array_add (argv, g_strdup ("--clear-groups"));
  for (int i = 0; cmd[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (cmd[i]));
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync ("/", (char **) argv->pdata, NULL, 0, NULL, NULL, out, err,
                               &status, &error));
  g_assert_no_error (error);
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

/* Launch mode as an ordinary user: no privilege needed for one's own child. */
static void
test_unprivileged_launch (void)
{
  const char *why = NULL;
  uid_t uid = 0;
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *dir = NULL, *file = NULL;
  struct stream_check c;
  int code;

  if (unprivileged_user (&uid, &why) == NULL)
    {
      g_test_skip (why);
      return;
    }
  dir = g_dir_make_tmp ("pyrometer-sampler-XXXXXX", NULL);
  file = g_build_filename (dir, "launch.pyrometer", NULL);
  g_assert_cmpint (chown (dir, uid, uid), ==, 0);
  {
    const char *cmd[] = { sampler, "--rate", "200", "--output", file, "--",
                          "/usr/bin/python3.11", spin_script, "1.5", "42", NULL };
    code = run_as (uid, cmd, &out, &err);
  }
  g_test_message ("%s%s", out, err);
  g_assert_cmpint (code, ==, 42);
  check_stream (file, &c);
  g_test_message ("%d samples, %d exact", c.samples, c.exact);
  g_assert_cmpint (c.exact, >=, 50);
  g_assert_true (c.end);
  g_assert_cmpuint (c.end_reason, ==, PYR_STREAM_END_TARGET_EXITED);
  g_unlink (file);
  g_rmdir (dir);
}

/* Attaching as an ordinary user to a process of the same user.  With Yama's ptrace_scope 1
 * only an ancestor may attach, so the sampler is made the target's parent: a shell starts the
 * target, waits for its "ready" line and then becomes the sampler (exec keeps the pid). */
static void
test_unprivileged_attach_own (void)
{
  const char *why = NULL;
  uid_t uid = 0;
  g_autofree char *out = NULL, *err = NULL, *expected = NULL, *script = NULL;
  int scope = yama_scope (), code;

  if (unprivileged_user (&uid, &why) == NULL)
    {
      g_test_skip (why);
      return;
    }
  if (scope >= 2)
    {
      g_test_skip ("Yama's ptrace_scope is 2 or 3: only CAP_SYS_PTRACE may attach");
      return;
    }
  /* fifo: the shell reads the ready line without being in a pipeline with the target */
  script = g_strdup_printf ("d=$(mktemp -d) && mkfifo \"$d/f\" && "
                            "{ /usr/bin/python3.11 '%s' 3 0 > \"$d/f\" & } && "
                            "exec 4< \"$d/f\" && read r p <&4 && rm -r \"$d\" && "
                            "exec '%s' --dump --pid \"$p\"", spin_script, sampler);
  {
    const char *cmd[] = { "/bin/sh", "-c", script, NULL };
    code = run_as (uid, cmd, &out, &err);
  }
  g_test_message ("Yama ptrace_scope %d\n%s%s", scope, out, err);
  g_assert_cmpint (code, ==, 0);
  expected = expected_spin_stack ();
  g_assert_nonnull (strstr (out, expected));
}

/* An ordinary user attaching to another ordinary user's process is refused with the fixes. */
static void
test_unprivileged_other_user (void)
{
  const char *why = NULL;
  uid_t uid = 0;
  g_autofree char *out = NULL, *err = NULL, *pid = NULL;
  g_autofree char *target_uid = NULL, *target_gid = NULL;
  const char *target[] = { "/usr/bin/setpriv", NULL, NULL, "--clear-groups", "sleep", "30", NULL };
  unsigned other;
  GPid child;
  int code;

  if (unprivileged_user (&uid, &why) == NULL)
    {
      g_test_skip (why);
      return;
    }
  /* the other user needs no account: setpriv takes a bare number (65533 is nobody's
   * neighbour, unused on Debian) */
  other = uid == 65534 ? 65533u : 65534u;
  target[1] = target_uid = g_strdup_printf ("--reuid=%u", other);
  target[2] = target_gid = g_strdup_printf ("--regid=%u", other);
  g_assert_true (g_spawn_async (NULL, (char **) target, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                                NULL, &child, NULL));
  for (int i = 0; i < 200; i++)
    {
      g_autofree char *link = g_strdup_printf ("/proc/%d/exe", (int) child);
      g_autofree char *exe = g_file_read_link (link, NULL);
      if (exe != NULL && g_str_has_suffix (exe, "sleep"))
        break;
      g_usleep (10000);
    }
  pid = g_strdup_printf ("%d", (int) child);
  {
    const char *cmd[] = { sampler, "--dump", "--pid", pid, NULL };
    code = run_as (uid, cmd, &out, &err);
  }
  kill (child, SIGKILL);
  waitpid (child, NULL, 0);
  g_test_message ("%s", err);
  g_assert_cmpint (code, ==, 4);
  g_assert_nonnull (strstr (err, "not allowed"));
  g_assert_nonnull (strstr (err, "pkexec"));
  g_assert_nonnull (strstr (err, "SYS_PTRACE"));
}

static void
test_help_and_version (void)
{
  g_autofree char *out = NULL, *err = NULL, *out2 = NULL, *err2 = NULL;
  const char *help[] = { "--help", NULL };
  const char *version[] = { "--version", NULL };

  g_assert_cmpint (run_sampler (help, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "EXIT STATUS"));
  g_assert_nonnull (strstr (out, "ptrace_scope"));
  g_assert_cmpint (run_sampler (version, &out2, &err2), ==, 0);
  g_assert_true (g_str_has_prefix (out2, "pyrometer-sampler "));
}

int
main (int    argc,
      char **argv)
{
  const char *build = g_getenv ("PYROMETER_BUILD_ROOT");
  const char *source = g_getenv ("PYROMETER_SOURCE_ROOT");

  g_test_init (&argc, &argv, NULL);
  if (build == NULL || source == NULL)
    {
      g_printerr ("run through meson test (PYROMETER_BUILD_ROOT/SOURCE_ROOT unset)\n");
      return 77;
    }
  sampler = g_build_filename (build, "src", "sampler", "pyrometer-sampler", NULL);
  spin_script = g_build_filename (source, "tests", "sampler", "targets", "spin.py", NULL);
  load_markers (spin_script);
  find_interpreters (source);

  g_test_add_func ("/sampler/cli/help-and-version", test_help_and_version);
  g_test_add_func ("/sampler/errors/no-such-process", test_no_such_process);
  g_test_add_func ("/sampler/errors/not-python", test_not_python);
  g_test_add_func ("/sampler/errors/permission-denied", test_permission_denied);
  g_test_add_func ("/sampler/errors/launch-not-runnable-or-not-python", test_launch_errors);
  g_test_add_func ("/sampler/unprivileged/launch", test_unprivileged_launch);
  g_test_add_func ("/sampler/unprivileged/attach-own-process", test_unprivileged_attach_own);
  g_test_add_func ("/sampler/unprivileged/refused-for-another-users-process",
                   test_unprivileged_other_user);
  for (guint i = 0; i < interps->len; i++)
    {
      struct interp *in = interps->pdata[i];
      g_autofree char *p1 = g_strdup_printf ("/sampler/python/%s/dump-exact-stack", in->name);
      g_autofree char *p2 = g_strdup_printf ("/sampler/python/%s/record-attached", in->name);
      g_autofree char *p3 = g_strdup_printf ("/sampler/python/%s/launch-forwards-exit", in->name);
      g_test_add_data_func (p1, in, test_dump);
      g_test_add_data_func (p2, in, test_record_attached);
      g_test_add_data_func (p3, in, test_launch);
    }
  /* the exit paths, once on the oldest and once on the newest interpreter */
  if (interps->len > 0)
    {
      struct interp *first = interps->pdata[0];
      g_test_add_data_func ("/sampler/attach/stop-signals-leave-target-running", first,
                            test_stop_signals);
      g_test_add_data_func ("/sampler/attach/reader-gone-leaves-target-running", first,
                            test_reader_gone);
      g_test_add_data_func ("/sampler/attach/blocking-gil-exact-and-released", first,
                            test_blocking);
      g_test_add_data_func ("/sampler/attach/target-exits-mid-recording", first,
                            test_target_exits);
      g_test_add_data_func ("/sampler/attach/subprocesses-follow-multiprocessing", first,
                            test_subprocesses);
      /* an interpreter that user nobody may run (not one unpacked under /root) */
      for (guint i = 0; i < interps->len; i++)
        {
          struct interp *in = interps->pdata[i];
          bool reachable = true;
          for (int k = 0; in->argv[k] != NULL; k++)
            reachable = reachable && strstr (in->argv[k], "/root/") == NULL;
          if (reachable)
            {
              g_test_add_data_func ("/sampler/launch/runs-as-pkexec-uid", in,
                                    test_launch_drops_to_pkexec_uid);
              break;
            }
        }
    }
  /* the shared targets (tests/targets), where they exist */
  for (guint i = 0; i < interps->len; i++)
    {
      static const char *const names[] = { "threads", "recursion", "generators" };
      for (size_t k = 0; k < G_N_ELEMENTS (names); k++)
        {
          g_autofree char *file = g_strdup_printf ("%s.py", names[k]);
          char *script = g_build_filename (source, "tests", "targets", file, NULL);
          struct target_case *tc;
          g_autofree char *path = NULL;

          if (!g_file_test (script, G_FILE_TEST_EXISTS))
            {
              g_free (script);
              continue;
            }
          tc = g_new0 (struct target_case, 1);
          tc->in = interps->pdata[i];
          tc->script = script;
          path = g_strdup_printf ("/sampler/python/%s/target-%s-as-interpreter-sees-it",
                                  tc->in->name, names[k]);
          g_test_add_data_func (path, tc, test_target_matches_interpreter);
        }
    }
  if (interps->len == 0)
    g_test_message ("no Python interpreter found: real-interpreter tests skipped");
  return g_test_run ();
}
