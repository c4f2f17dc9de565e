/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The floor under the sampler's CPU per sample: the same schedule as pyrometer-sampler's loop
 * (pyr-schedule.c) with no sampling at all, so what it costs is the waiting alone.
 * Usage: bench-wakeup [RATE_HZ [SECONDS]]   Prints, per way of waiting, the CPU time per
 * wake-up (the thread's exact runtime from /proc/thread-self/schedstat) and the late share. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "pyr-schedule.h"

static uint64_t
runtime_ns (void)
{
  char buf[128];
  ssize_t n;
  int fd = open ("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return 0;
  n = read (fd, buf, sizeof buf - 1);
  close (fd);
  buf[n > 0 ? n : 0] = '\0';
  return strtoull (buf, NULL, 10);
}

static void
run (const char            *label,
     enum pyr_schedule_mode mode,
     uint64_t               spin_below_ns,
     double                 rate,
     double                 seconds)
{
  static volatile sig_atomic_t stop = 0;
  struct pyr_schedule s;
  uint64_t t0 = pyr_schedule_now (), cpu0 = runtime_ns (), n = 0, late = 0, lag_sum = 0, when;
  double mean_ns = 1e9 / rate;

  pyr_schedule_init (&s, mode, rate, 12345, t0, t0 + (uint64_t) (seconds * 1e9));
  s.spin_below_ns = spin_below_ns;
  while ((when = pyr_schedule_wait (&s, &stop)) != 0)
    {
      uint64_t lag = pyr_schedule_now () - when;
      n++;
      lag_sum += lag;
      late += (double) lag > mean_ns;
    }
  printf ("%-34s %6.0f Hz  %7.2f µs CPU per sample  (%lu blocking waits, %lu polled)  "
          "late %5.2f %%  mean lag %6.1f µs\n", label, rate,
          n ? (double) (runtime_ns () - cpu0) / 1e3 / (double) n : 0.0,
          (unsigned long) s.wakeups, (unsigned long) s.spins,
          n ? 100.0 * (double) late / (double) n : 0.0, n ? (double) lag_sum / 1e3 / (double) n : 0.0);
  pyr_schedule_clear (&s);
}

int
main (int    argc,
      char **argv)
{
  double rate = argc > 1 ? atof (argv[1]) : 1000;
  double seconds = argc > 2 ? atof (argv[2]) : 3;

  if (!(rate > 0) || !(seconds > 0))
    {
      fprintf (stderr, "usage: bench-wakeup [RATE_HZ [SECONDS]]\n");
      return 2;
    }
  prctl (PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);   /* as the sampler does */
  run ("clock_nanosleep, always", PYR_SCHEDULE_NANOSLEEP, 0, rate, seconds);
  run ("two timerfds, always", PYR_SCHEDULE_TIMERFD, 0, rate, seconds);
  run ("two timerfds, poll gaps < 15 µs (the sampler)", PYR_SCHEDULE_TIMERFD, 15000, rate,
       seconds);
  return 0;
}
