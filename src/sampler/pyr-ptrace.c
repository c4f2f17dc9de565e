/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pyr-ptrace.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct linux_dirent64
{
  uint64_t       d_ino;
  int64_t        d_off;
  unsigned short d_reclen;
  unsigned char  d_type;
  char           d_name[];
};

static bool
is_child_of_self (pid_t pid)
{
  char path[64], buf[512];
  const char *close_paren;
  int fd, ppid = 0;
  ssize_t n;

  snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
  if ((fd = open (path, O_RDONLY | O_CLOEXEC)) < 0)
    return false;
  n = read (fd, buf, sizeof buf - 1);
  close (fd);
  if (n <= 0)
    return false;
  buf[n] = '\0';
  /* "pid (comm) state ppid ...": comm may hold anything, so parse after the last ')' */
  if ((close_paren = strrchr (buf, ')')) == NULL || sscanf (close_paren + 1, " %*c %d", &ppid) != 1)
    return false;
  return ppid == (int) getpid ();
}

int
pyr_ptrace_init (struct pyr_ptrace *pt,
                 pid_t              pid,
                 struct pyr_err    *err)
{
  char path[64];

  memset (pt, 0, sizeof *pt);
  pt->pid = pid;
  pt->pid_is_child = is_child_of_self (pid);
  snprintf (path, sizeof path, "/proc/%d/task", (int) pid);
  pt->task_dir_fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (pt->task_dir_fd < 0)
    return pyr_err_set (err, -errno, "cannot list the threads of process %d: %s", (int) pid,
                        strerror (errno));
  return 0;
}

void
pyr_ptrace_clear (struct pyr_ptrace *pt)
{
  pyr_ptrace_release (pt);
  if (pt->task_dir_fd >= 0)
    close (pt->task_dir_fd);
  pt->task_dir_fd = -1;
}

static bool
is_stopped (const struct pyr_ptrace *pt,
            pid_t                    tid)
{
  for (uint32_t i = 0; i < pt->n_stopped; i++)
    if (pt->stopped[i] == tid)
      return true;
  return false;
}

/* Stops tid and waits for the event stop; foreign signals are passed on. */
static int
stop_one (struct pyr_ptrace *pt,
          pid_t              tid)
{
  int status;

  if (ptrace (PTRACE_SEIZE, tid, 0, 0) < 0)
    return errno == ESRCH ? 0 : -errno;   /* a thread that just exited is not an error */
  pt->stopped[pt->n_stopped++] = tid;
  if (ptrace (PTRACE_INTERRUPT, tid, 0, 0) < 0)
    return 0;
  for (;;)
    {
      siginfo_t info;
      pid_t w;

      /* Peek before reaping: when the launched command exits now, its exit status must stay
       * for main.c's waitpid (the sampler is both its parent and its tracer). */
      memset (&info, 0, sizeof info);
      if (waitid (P_PID, (id_t) tid, &info, WEXITED | WSTOPPED | __WALL | WNOWAIT) < 0)
        {
          if (errno == EINTR)
            continue;
          return 0;
        }
      if (info.si_code == CLD_EXITED || info.si_code == CLD_KILLED || info.si_code == CLD_DUMPED)
        {
          pt->n_stopped--;
          if (tid != pt->pid || !pt->pid_is_child)
            waitpid (tid, &status, __WALL);   /* only the tracer's notice: ours to collect */
          return 0;
        }
      w = waitpid (tid, &status, __WALL);
      if (w < 0)
        {
          if (errno == EINTR)
            continue;
          return 0;
        }
      if (WIFEXITED (status) || WIFSIGNALED (status))
        {
          pt->n_stopped--;
          return 0;
        }
      if (WIFSTOPPED (status))
        {
          int sig = WSTOPSIG (status);
          if ((status >> 16) == PTRACE_EVENT_STOP)
            return 0;
          /* a real signal arrived first: deliver it and wait for our interrupt */
          ptrace (PTRACE_CONT, tid, 0, (void *) (intptr_t) sig);
        }
    }
}

int
pyr_ptrace_stop (struct pyr_ptrace *pt)
{
  char buf[4096];
  bool again = true;

  pt->n_stopped = 0;
  /* New threads may start while we stop the others: list until nothing new appears. */
  for (int round = 0; again && round < 8; round++)
    {
      again = false;
      lseek (pt->task_dir_fd, 0, SEEK_SET);
      for (;;)
        {
          long n = syscall (SYS_getdents64, pt->task_dir_fd, buf, sizeof buf);
          if (n <= 0)
            break;
          for (long off = 0; off < n;)
            {
              struct linux_dirent64 *d = (struct linux_dirent64 *) (buf + off);
              pid_t tid = (pid_t) atoi (d->d_name);
              off += d->d_reclen;
              if (tid <= 0 || is_stopped (pt, tid))
                continue;
              if (pt->n_stopped == PYR_PTRACE_MAX_THREADS)
                break;
              int ret = stop_one (pt, tid);
              if (ret < 0)
                {
                  pyr_ptrace_release (pt);
                  return ret;
                }
              again = true;
            }
        }
    }
  return 0;
}

void
pyr_ptrace_release (struct pyr_ptrace *pt)
{
  for (uint32_t i = 0; i < pt->n_stopped; i++)
    ptrace (PTRACE_DETACH, pt->stopped[i], 0, 0);
  pt->n_stopped = 0;
}
