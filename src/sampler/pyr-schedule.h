/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* When to take the next sample: Poisson-distributed gaps on an absolute schedule (a late
 * sample does not push the later ones back), and the cheapest way this machine has to sleep
 * until then.
 *
 * Sleeping costs more than sampling on virtual machines: every clock_nanosleep() arms a timer
 * that is the earliest on its CPU, and reprogramming the CPU's timer device is a trap to the
 * hypervisor, paid by the sleeper (measured on the 2-core VM of 2026-11: ~6 µs of the ~20 µs
 * one sleep-and-wake costs; tests/sampler/bench-wakeup).  So two timerfds alternate: while
 * waiting for sample k the timer of sample k+1 is already armed, behind k's, so arming it
 * reprograms nothing, and the timer interrupt that wakes us for k programs the device for
 * k+1 as it returns (which it does for whatever timer is next anyway).  Gaps shorter than a
 * wake-up are waited for by polling the clock (vDSO, no system call). */

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

enum pyr_schedule_mode
{
  PYR_SCHEDULE_TIMERFD,      /* two alternating timerfds (the default) */
  PYR_SCHEDULE_NANOSLEEP,    /* clock_nanosleep(TIMER_ABSTIME), one timer armed per sample */
};

struct pyr_schedule
{
  enum pyr_schedule_mode mode;
  double   mean_ns;
  uint64_t rng;
  uint64_t deadline;       /* no sample at or after this (UINT64_MAX: none) */
  uint64_t spin_below_ns;  /* gaps shorter than this are polled for */
  uint64_t queue[2];       /* the next sample time and the one after it */
  int      fd[2];
  uint64_t armed[2];       /* the time each fd is armed for, 0 when disarmed */
  uint64_t wakeups;        /* blocking waits, for statistics */
  uint64_t spins;
};

/* Prepares the schedule starting at start_ns (CLOCK_MONOTONIC).  Falls back to
 * clock_nanosleep when timerfds are not available.  Returns 0 or a negative errno. */
int      pyr_schedule_init   (struct pyr_schedule   *s,
                              enum pyr_schedule_mode mode,
                              double                 rate_hz,
                              uint64_t               seed,
                              uint64_t               start_ns,
                              uint64_t               deadline_ns);
void     pyr_schedule_clear  (struct pyr_schedule *s);

/* Waits for the next sample time and returns it; 0 when the deadline is reached or *stop got
 * set (a signal interrupts the wait). */
uint64_t pyr_schedule_wait   (struct pyr_schedule          *s,
                              volatile const sig_atomic_t  *stop);

/* Hopelessly behind (a suspended machine): starts again from now_ns. */
void     pyr_schedule_resync (struct pyr_schedule *s,
                              uint64_t             now_ns);

uint64_t pyr_schedule_now    (void);
