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

int
pyr_ptrace_init (struct pyr_ptrace *pt,
                 pid_t              pid,
                 struct pyr_err    *err)
{
  char path[64];

  memset (pt, 0, sizeof *pt);
  pt->pid = pid;
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
      pid_t w = waitpid (tid, &status, __WALL);
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
