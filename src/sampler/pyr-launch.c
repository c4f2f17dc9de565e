/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "pyr-launch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_DESCENDANTS  256
#define POLL_NS          (5 * 1000000L)

static uint64_t
monotonic_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (uint64_t) ts.tv_sec * 1000000000ull + (uint64_t) ts.tv_nsec;
}

static void
pause_ns (long ns)
{
  struct timespec ts = { 0, ns };

  nanosleep (&ts, NULL);   /* a signal cuts it short: the caller looks at *stop */
}

int
pyr_image_read (pid_t             pid,
                struct pyr_image *image)
{
  char path[64], buf[1024];
  struct stat st;
  const char *p;
  ssize_t n;
  int fd;

  memset (image, 0, sizeof *image);
  snprintf (path, sizeof path, "/proc/%d/exe", (int) pid);
  if (stat (path, &st) < 0)
    return -errno;
  image->dev = (uint64_t) st.st_dev;
  image->ino = (uint64_t) st.st_ino;

  /* startcode (field 26) and startstack (28) move with every exec (address randomisation);
   * they matter when the executable stays the same: a loader-run interpreter, or an
   * interpreter that execs itself */
  snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
  if ((fd = open (path, O_RDONLY | O_CLOEXEC)) < 0)
    return -errno;
  n = read (fd, buf, sizeof buf - 1);
  close (fd);
  if (n <= 0)
    return -EIO;
  buf[n] = '\0';
  if ((p = strrchr (buf, ')')) == NULL)
    return -EIO;
  p++;
  for (int field = 3; field <= 28 && *p != '\0'; field++)
    {
      char *end;
      unsigned long long v;

      while (*p == ' ')
        p++;
      v = strtoull (p, &end, 10);
      if (field == 26)
        image->start_code = v;
      else if (field == 28)
        image->start_stack = v;
      p = end == p ? p + 1 : end;
    }
  return 0;
}

bool
pyr_image_equal (const struct pyr_image *a,
                 const struct pyr_image *b)
{
  return a->dev == b->dev && a->ino == b->ino
         && a->start_code == b->start_code && a->start_stack == b->start_stack;
}

/* In the command's process: become the user who ran pkexec, then exec the command. */
static void
exec_command (char **argv,
              int    report_fd)
{
  const char *pkexec_uid = getenv ("PKEXEC_UID");
  int e;

  signal (SIGPIPE, SIG_DFL);
  if (getuid () == 0 && pkexec_uid != NULL && *pkexec_uid != '\0')
    {
      uid_t uid = (uid_t) strtoul (pkexec_uid, NULL, 10);
      struct passwd *pw = getpwuid (uid);
      gid_t gid = pw ? pw->pw_gid : (gid_t) uid;

      if ((pw ? initgroups (pw->pw_name, gid) : setgroups (0, NULL)) < 0
          || setgid (gid) < 0 || setuid (uid) < 0 || (uid != 0 && setuid (0) == 0))
        {
          e = errno ? errno : EPERM;
          if (write (report_fd, &e, sizeof e) < 0)
            _exit (127);
          _exit (127);
        }
      if (pw != NULL)
        {
          setenv ("HOME", pw->pw_dir, 1);
          setenv ("USER", pw->pw_name, 1);
          setenv ("LOGNAME", pw->pw_name, 1);
        }
    }
  execvp (argv[0], argv);
  e = errno;
  if (write (report_fd, &e, sizeof e) < 0)
    _exit (127);
  _exit (127);
}

int
pyr_launch_start (char           **argv,
                  int              stream_fd,
                  int              command_output_fd,
                  pid_t           *child,
                  struct pyr_err  *err)
{
  int report[2];
  int e = 0;
  ssize_t n;
  pid_t pid;

  /* the exec's outcome comes back through a close-on-exec pipe: closed = it ran */
  if (pipe2 (report, O_CLOEXEC) < 0)
    return pyr_err_set (err, -errno, "cannot create a pipe: %s", strerror (errno));
  pid = fork ();
  if (pid < 0)
    {
      e = errno;
      close (report[0]);
      close (report[1]);
      return pyr_err_set (err, -e, "cannot start %s: %s", argv[0], strerror (e));
    }
  if (pid == 0)
    {
      close (report[0]);
      if (command_output_fd >= 0)
        {
          if (dup2 (command_output_fd, STDOUT_FILENO) < 0
              || dup2 (command_output_fd, STDERR_FILENO) < 0)
            _exit (127);
          if (command_output_fd > STDERR_FILENO)
            close (command_output_fd);
        }
      else if (stream_fd == STDOUT_FILENO)
        dup2 (STDERR_FILENO, STDOUT_FILENO);
      if (stream_fd > STDERR_FILENO)
        close (stream_fd);
      exec_command (argv, report[1]);
    }
  close (report[1]);
  if (command_output_fd > STDERR_FILENO)
    close (command_output_fd);   /* only the command writes there */
  do
    n = read (report[0], &e, sizeof e);
  while (n < 0 && errno == EINTR);
  close (report[0]);
  if (n == sizeof e)
    {
      waitpid (pid, NULL, 0);
      return pyr_err_set (err, -PYR_EEXEC, "cannot run %s: %s", argv[0], strerror (e));
    }
  *child = pid;
  return 0;
}

static uint32_t
read_children (pid_t     pid,
                        pid_t     tid,
                        pid_t    *out,
                        uint32_t  n,
                        uint32_t  max)
{
  char path[96], buf[4096];
  ssize_t len;
  char *p, *end;
  int fd;

  snprintf (path, sizeof path, "/proc/%d/task/%d/children", (int) pid, (int) tid);
  if ((fd = open (path, O_RDONLY | O_CLOEXEC)) < 0)
    return n;
  len = read (fd, buf, sizeof buf - 1);
  close (fd);
  if (len <= 0)
    return n;
  buf[len] = '\0';
  for (p = buf; n < max; p = end)
    {
      long c = strtol (p, &end, 10);
      if (end == p)
        break;
      if (c > 0)
        out[n++] = (pid_t) c;
    }
  return n;
}

uint32_t
pyr_proc_list_children (pid_t    pid,
               pid_t   *out,
               uint32_t n,
               uint32_t max)
{
  char path[64];
  struct dirent *de;
  DIR *dir;

  snprintf (path, sizeof path, "/proc/%d/task", (int) pid);
  if ((dir = opendir (path)) == NULL)
    return n;
  while ((de = readdir (dir)) != NULL && n < max)
    if (de->d_name[0] != '.')
      n = read_children (pid, (pid_t) atoi (de->d_name), out, n, max);
  closedir (dir);
  return n;
}

static bool
is_permanent (int ret)
{
  return ret == -EPERM || ret == -EACCES || ret == -ENOMEM || ret == -PYR_EVERSION;
}

/* One look at the command's processes, oldest first (breadth first from the command). */
static int
try_attach (struct pyr_python *py,
            pid_t              child,
            struct pyr_err    *err)
{
  pid_t procs[MAX_DESCENDANTS];
  uint32_t n = 1;
  int ret, first_ret;

  procs[0] = child;
  first_ret = ret = pyr_python_attach (py, child, err);
  if (ret == 0 || is_permanent (ret))
    return ret;
  for (uint32_t i = 0; i < n; i++)
    {
      uint32_t before = n;

      n = pyr_proc_list_children (procs[i], procs, n, MAX_DESCENDANTS);
      for (uint32_t k = before; k < n; k++)
        {
          struct pyr_err ignored = { 0 };

          /* a descendant that is not (yet) Python says nothing about the command */
          if (pyr_python_attach (py, procs[k], &ignored) == 0)
            {
              fprintf (stderr, "pyrometer-sampler: sampling process %d, the first Python "
                               "process the command started\n", (int) procs[k]);
              return 0;
            }
        }
    }
  return first_ret;
}

int
pyr_launch_attach (struct pyr_python     *py,
                   pid_t                  child,
                   double                 timeout_s,
                   uint64_t               deadline_ns,
                   volatile sig_atomic_t *stop,
                   int                   *child_status,
                   struct pyr_err        *err)
{
  uint64_t start = monotonic_ns ();
  uint64_t limit = start + (uint64_t) (timeout_s * 1e9);
  /* why a Python that was there could not be read, for the message if the command ends */
  struct pyr_err unreadable = { 0 };
  int ret;

  if (deadline_ns != 0 && deadline_ns < limit)
    limit = deadline_ns;
  for (;;)
    {
      ret = try_attach (py, child, err);
      if (ret == 0)
        return 0;
      if (ret != -ESRCH && ret != -PYR_ENOTPYTHON)
        unreadable = *err;
      if (waitpid (child, child_status, WNOHANG) == child)
        {
          if (unreadable.code != 0)
            return pyr_err_set (err, -PYR_EEXITED, "the command exited before its Python "
                                "could be read (%s)", unreadable.msg);
          return pyr_err_set (err, -PYR_EEXITED, "the command exited before Python started");
        }
      if (is_permanent (ret))
        return ret;
      if (*stop)
        return pyr_err_set (err, -EINTR, "interrupted");
      if (monotonic_ns () > limit)
        {
          if (ret == -PYR_EINCONSISTENT || ret == -EFAULT || ret == -EIO)
            return pyr_err_set (err, ret, "no Python interpreter could be read in the "
                                          "command's processes within %g s", timeout_s);
          return pyr_err_prefix (err, ret, "no Python interpreter started within %g s",
                                 timeout_s);
        }
      /* quick at first (short scripts), gentler once the command takes its time */
      pause_ns (monotonic_ns () - start < 1000000000ull ? POLL_NS : 4 * POLL_NS);
    }
}

int
pyr_launch_exit_code (int status)
{
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return -1;
}

/* Waits up to grace_s (< 0: for ever) for the command: 1 when it ended (status set), 0 when
 * the time is up, minus the signal when a stop request came (the request is consumed). */
static int
wait_for (pid_t                  child,
          double                 grace_s,
          volatile sig_atomic_t *stop,
          int                   *status)
{
  uint64_t limit = grace_s < 0 ? UINT64_MAX : monotonic_ns () + (uint64_t) (grace_s * 1e9);

  for (;;)
    {
      pid_t r = waitpid (child, status, WNOHANG);
      int sig = *stop;

      if (r == child)
        return 1;
      if (r < 0 && errno != EINTR)
        return 0;
      if (sig != 0)
        {
          *stop = 0;
          return -sig;
        }
      if (monotonic_ns () > limit)
        return 0;
      pause_ns (10 * 1000000L);
    }
}

int
pyr_launch_finish (pid_t                  child,
                   int                    first_signal,
                   double                 grace_s,
                   volatile sig_atomic_t *stop)
{
  int status, r;
  pid_t w;

  *stop = 0;
  if (first_signal == 0)
    {
      /* ending by itself; a stop request from now on is passed on and escalated */
      r = wait_for (child, -1, stop, &status);
      if (r == 1)
        return pyr_launch_exit_code (status);
      if (r == 0)
        return -1;
      first_signal = -r;
    }
  kill (child, first_signal);
  if ((r = wait_for (child, grace_s, stop, &status)) == 1)
    return pyr_launch_exit_code (status);
  fprintf (stderr, "pyrometer-sampler: the command is still running: sending it SIGTERM\n");
  kill (child, SIGTERM);
  if ((r = wait_for (child, grace_s, stop, &status)) == 1)
    return pyr_launch_exit_code (status);
  fprintf (stderr, "pyrometer-sampler: the command is still running: sending it SIGKILL\n");
  kill (child, SIGKILL);
  do
    w = waitpid (child, &status, 0);
  while (w < 0 && errno == EINTR);
  return w == child ? pyr_launch_exit_code (status) : -1;
}
