/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Launch mode: the command the sampler runs.  Real commands rarely are the interpreter
 * itself: a pyenv shim or `env` execs it, `sh -c`, `uv run` or a shell script start it as a
 * child, `poetry run` is a Python that execs another one.  So the sampler follows the
 * command's first Python process (the command itself or a descendant), again after an exec
 * or when that process ends while the command runs on; and when the recording ends before
 * the command does, it stops the command step by step instead of waiting for it forever. */

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "pyr-err.h"
#include "pyr-python.h"

/* What identifies one program image of a process: it changes on exec (the executable, or the
 * addresses the kernel picked for it) while the pid stays. */
struct pyr_image
{
  uint64_t dev;
  uint64_t ino;
  uint64_t start_code;
  uint64_t start_stack;
};

int  pyr_image_read  (pid_t             pid,
                      struct pyr_image *image);
bool pyr_image_equal (const struct pyr_image *a,
                      const struct pyr_image *b);

/* Forks and execs argv (PATH searched).  The command's standard output goes where
 * command_output_fd points (its standard error too), or, when that is -1, stays the
 * sampler's unless stream_fd is standard output: then it goes to standard error, so the
 * command cannot write into the stream.  stream_fd (if not standard output) and
 * command_output_fd are closed in the command.  -PYR_EEXEC with a message when the command
 * cannot be run. */
int  pyr_launch_start  (char           **argv,
                        int              stream_fd,
                        int              command_output_fd,
                        pid_t           *child,
                        struct pyr_err  *err);

/* Attaches py to the first Python process of the launched command: the command itself once
 * its interpreter is up, else its oldest Python descendant.  Errors that come from catching
 * a process mid-exec or mid-start are retried until timeout_s (deadline_ns of CLOCK_MONOTONIC
 * too, 0 for none) has passed.  -PYR_EEXITED (child_status set) when the command ended
 * first, -EINTR when *stop was set. */
int  pyr_launch_attach (struct pyr_python            *py,
                        pid_t                         child,
                        double                        timeout_s,
                        uint64_t                      deadline_ns,
                        volatile sig_atomic_t        *stop,
                        int                          *child_status,
                        struct pyr_err               *err);

/* Ends the command after the recording: sends first_signal (0: none, the command is ending
 * by itself), then SIGTERM after grace_s, then SIGKILL after grace_s more, each step skipped
 * at once when *stop is set again.  Returns the command's exit code (128 + signal when a
 * signal ended it), or -1 when it could not be waited for. */
int  pyr_launch_finish (pid_t                  child,
                        int                    first_signal,
                        double                 grace_s,
                        volatile sig_atomic_t *stop);

/* Appends the children of process pid, whichever of its threads started them, to
 * out[n..max) (from /proc/PID/task/TID/children); returns the new count. */
uint32_t pyr_proc_list_children (pid_t     pid,
                                 pid_t    *out,
                                 uint32_t  n,
                                 uint32_t  max);

/* The exit code for a waitpid status: the code, or 128 + the signal. */
int  pyr_launch_exit_code (int status);
