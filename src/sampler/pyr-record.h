/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The sampling loop: samples a Python process on a Poisson schedule and writes the Pyrometer
 * stream (src/protocol).  Nothing is allocated per sample. */

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "pyr-err.h"
#include "pyr-native.h"
#include "pyr-python.h"
#include "pyr-stream-writer.h"

struct pyr_record_options
{
  double   rate_hz;          /* mean sampling rate */
  double   duration_s;       /* 0: until stopped */
  bool     keep_idle;        /* keep samples of idle threads (flagged) */
  bool     gil_only;         /* keep only the thread holding the GIL */
  bool     blocking;         /* stop the target (and followed subprocesses) while reading it */
  bool     subprocesses;     /* follow child processes as they appear */
  uint64_t seed;             /* for the schedule's jitter; 0 picks one */
  /* Set asynchronously (signal handler) to stop: the signal number. */
  volatile sig_atomic_t *stop;
  /* Launch mode: the child, whose exit ends the recording with its status.  When the process
   * sampled (the child or a descendant, pyr-launch.h) execs or ends while the child runs on,
   * its next Python process is followed, for up to startup_timeout_s at a time. */
  pid_t    child;
  double   startup_timeout_s;
  /* --native (with blocking): merges each thread's C stack in, while the threads are stopped;
   * replaced when the loop follows an exec */
  struct pyr_native *native;
};

/* What the loop measured (also written as STATS records). */
struct pyr_record_result
{
  uint64_t samples;          /* sampling rounds */
  uint64_t errors;           /* rounds or threads dropped as inconsistent */
  uint64_t late;
  uint64_t lag_max_ns;
  uint64_t lag_sum_ns;
  uint64_t busy_ns;          /* wall time spent reading the target and writing */
  uint64_t cpu_ns;           /* the sampler's own CPU time in the loop */
  uint64_t elapsed_ns;
  uint64_t thread_samples;   /* thread stacks written */
  int      end_reason;       /* PyrStreamEndReason */
  int64_t  end_code;
  int      child_status;     /* launch mode: waitpid status, -1 if not reaped */
};

/* Writes the definitions (process, metadata) and samples until the duration ends, *stop is
 * set, the target exits or the output fails.  Always writes an END record when the output
 * still works.  Returns 0, or a negative errno with err set (e.g. -EPIPE: reader gone). */
int pyr_record_run (struct pyr_python               *py,
                    struct pyr_stream_writer        *w,
                    struct pyr_record_options       *opts,
                    struct pyr_record_result        *result,
                    struct pyr_err                  *err);
