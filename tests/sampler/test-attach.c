/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Finding the interpreter and reading its flags, in-process through the sampler's own
 * functions, against every interpreter of `build-aux/pythons list`:
 *   /attach/NAME/runtime-found-by-scan   _PyRuntime found with the symbol tables ignored
 *                                        (PYROMETER_SAMPLER_FORCE_RUNTIME_SCAN, as for a
 *                                        stripped binary) is the one the symbols name
 *   /attach/NAME/gc-flag                 the GC flag is set in most samples of a process that
 *                                        runs gc.collect() in a loop, and in none of one that
 *                                        never collects
 */
#include <glib.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pyr-python.h"
#include "sampler-testutil.h"

struct interp
{
  char  *name;
  int    minor;
  char **argv;
};

static GPtrArray *interps;
static char *gc_script;
static char *spin_script;

static void
find_interpreters (const char *source_root)
{
  g_autofree char *script = g_build_filename (source_root, "build-aux", "pythons", NULL);
  g_autofree char *out = NULL;
  const char *argv[] = { script, "list", NULL };
  int status = 0;

  interps = g_ptr_array_new ();
  if (g_file_test (script, G_FILE_TEST_IS_EXECUTABLE)
      && g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out,
                       NULL, &status, NULL) && g_spawn_check_wait_status (status, NULL))
    {
      g_auto(GStrv) lines = g_strsplit (out, "\n", -1);
      for (int i = 0; lines[i] != NULL; i++)
        {
          g_auto(GStrv) f = g_strsplit (lines[i], "\t", -1);
          struct interp *in;
          if (g_strv_length (f) < 3)
            continue;
          in = g_new0 (struct interp, 1);
          in->name = g_strdup (f[0]);
          in->minor = g_str_has_prefix (f[1], "3.") ? atoi (f[1] + 2) : 0;
          in->argv = g_strdupv (f + 2);
          g_ptr_array_add (interps, in);
        }
    }
  if (interps->len == 0 && g_file_test ("/usr/bin/python3.11", G_FILE_TEST_IS_EXECUTABLE))
    {
      struct interp *in = g_new0 (struct interp, 1);
      char *a[] = { (char *) "/usr/bin/python3.11", NULL };
      in->name = g_strdup ("3.11-static");
      in->minor = 11;
      in->argv = g_strdupv (a);
      g_ptr_array_add (interps, in);
    }
}

/* Starts script with one argument; returns its pid once it printed "ready", or 0. */
static GPid
start (const struct interp *in,
       const char          *script,
       const char          *arg,
       int                 *out_fd)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  GPid pid = 0;
  char buf[256];
  size_t len = 0;

  for (int i = 0; in->argv[i] != NULL; i++)
    g_ptr_array_add (argv, in->argv[i]);
  g_ptr_array_add (argv, (char *) script);
  if (arg != NULL)
    g_ptr_array_add (argv, (char *) arg);
  g_ptr_array_add (argv, NULL);
  if (!g_spawn_async_with_pipes (NULL, (char **) argv->pdata, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                 stu_allow_any_tracer, NULL, &pid, NULL, out_fd, NULL, NULL))
    return 0;
  while (len < sizeof buf - 1)
    {
      struct pollfd p = { *out_fd, POLLIN, 0 };
      ssize_t n;
      if (poll (&p, 1, 30000) <= 0 || (n = read (*out_fd, buf + len, sizeof buf - 1 - len)) <= 0)
        break;
      len += (size_t) n;
      buf[len] = '\0';
      if (strstr (buf, "ready") && strchr (buf, '\n'))
        return pid;
    }
  kill (pid, SIGKILL);
  waitpid (pid, NULL, 0);
  close (*out_fd);
  return 0;
}

static void
stop (GPid pid,
      int  fd)
{
  kill (pid, SIGKILL);
  waitpid (pid, NULL, 0);
  close (fd);
}

static void
test_runtime_scan (gconstpointer data)
{
  const struct interp *in = data;
  struct pyr_python *py = g_new0 (struct pyr_python, 1);
  struct pyr_err err = { 0 };
  uint64_t by_symbol;
  int fd = -1;
  GPid pid = start (in, spin_script, NULL, &fd);

  g_assert_cmpint (pid, >, 0);
  g_assert_cmpint (pyr_python_attach (py, pid, &err), ==, 0);
  by_symbol = py->runtime;
  pyr_python_detach (py);

  g_setenv ("PYROMETER_SAMPLER_FORCE_RUNTIME_SCAN", "1", TRUE);
  memset (&err, 0, sizeof err);
  if (pyr_python_attach (py, pid, &err) < 0)
    g_test_message ("forced scan: %s", err.msg);
  g_unsetenv ("PYROMETER_SAMPLER_FORCE_RUNTIME_SCAN");
  g_assert_cmpstr (err.msg, ==, "");
  g_assert_cmphex (py->runtime, ==, by_symbol);
  g_assert_cmpint (py->layout.minor, ==, in->minor);
  pyr_python_detach (py);
  g_free (py);
  stop (pid, fd);
}

/* The share of samples of the main thread with the GC flag, over about a second. */
static double
gc_share (const struct interp *in,
          const char          *mode)
{
  struct pyr_python *py = g_new0 (struct pyr_python, 1);
  struct pyr_sample *sample = g_new0 (struct pyr_sample, 1);
  struct pyr_err err = { 0 };
  unsigned n = 0, flagged = 0;
  int fd = -1;
  GPid pid = start (in, gc_script, mode, &fd);

  g_assert_cmpint (pid, >, 0);
  g_assert_cmpint (pyr_python_attach (py, pid, &err), ==, 0);
  for (int i = 0; i < 1000; i++)
    {
      struct timespec ts = { 0, 1000000 };
      if (pyr_python_sample (py, sample, false) == 0 && sample->n_threads > 0)
        {
          n++;
          flagged += (sample->threads[0].flags & PYR_THREAD_GC) != 0;
        }
      nanosleep (&ts, NULL);
    }
  pyr_python_detach (py);
  g_free (py);
  g_free (sample);
  stop (pid, fd);
  g_assert_cmpuint (n, >, 500);
  g_test_message ("%s %s: GC flag in %u of %u samples", in->name, mode, flagged, n);
  return (double) flagged / n;
}

static void
test_gc_flag (gconstpointer data)
{
  const struct interp *in = data;

  g_assert_cmpfloat (gc_share (in, "collect"), >, 0.5);
  g_assert_cmpfloat (gc_share (in, "quiet"), ==, 0.0);
}

int
main (int    argc,
      char **argv)
{
  const char *source = g_getenv ("PYROMETER_SOURCE_ROOT");

  g_test_init (&argc, &argv, NULL);
  if (source == NULL)
    {
      g_printerr ("run through meson test (PYROMETER_SOURCE_ROOT unset)\n");
      return 77;
    }
  gc_script = g_build_filename (source, "tests", "sampler", "targets", "gc_loop.py", NULL);
  spin_script = g_build_filename (source, "tests", "sampler", "targets", "spin.py", NULL);
  find_interpreters (source);
  for (guint i = 0; i < interps->len; i++)
    {
      struct interp *in = interps->pdata[i];
      g_autofree char *p1 = g_strdup_printf ("/attach/%s/runtime-found-by-scan", in->name);
      g_autofree char *p2 = g_strdup_printf ("/attach/%s/gc-flag", in->name);
      g_test_add_data_func (p1, in, test_runtime_scan);
      g_test_add_data_func (p2, in, test_gc_flag);
    }
  if (interps->len == 0)
    g_test_message ("no Python interpreter found: nothing to test");
  return g_test_run ();
}
