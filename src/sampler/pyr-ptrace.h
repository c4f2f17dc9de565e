/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* --blocking: stop every thread of a process for the time of one sample (PTRACE_SEIZE +
 * PTRACE_INTERRUPT), then let them go.  No allocation; thread ids come from getdents64 on a
 * directory fd opened once. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "pyr-err.h"

#define PYR_PTRACE_MAX_THREADS 1024

struct pyr_ptrace
{
  pid_t    pid;
  bool     pid_is_child;  /* the sampler launched it: its exit status is main.c's to collect */
  int      task_dir_fd;
  pid_t    stopped[PYR_PTRACE_MAX_THREADS];
  uint32_t n_stopped;
};

int  pyr_ptrace_init    (struct pyr_ptrace *pt,
                         pid_t              pid,
                         struct pyr_err    *err);
void pyr_ptrace_clear   (struct pyr_ptrace *pt);
/* Stops all threads; on failure every thread already stopped is released again. */
int  pyr_ptrace_stop    (struct pyr_ptrace *pt);
/* Releases every stopped thread (detaches).  Safe to call when nothing is stopped. */
void pyr_ptrace_release (struct pyr_ptrace *pt);
