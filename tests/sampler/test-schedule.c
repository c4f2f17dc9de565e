/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The sampling schedule (pyr-schedule.c): Poisson gaps on an absolute schedule, both ways of
 * waiting, the deadline, stopping, catching up. */
#include <glib.h>
#include <errno.h>
#include <math.h>
#include <signal.h>

#include "pyr-schedule.h"

static volatile sig_atomic_t no_stop = 0;

static void
check_mode (enum pyr_schedule_mode mode)
{
  struct pyr_schedule s;
  uint64_t t0 = pyr_schedule_now (), prev = t0, when, n = 0;
  double rate = 2000, seconds = 0.5, sum_sq = 0;

  g_assert_cmpint (pyr_schedule_init (&s, mode, rate, 42, t0,
                                      t0 + (uint64_t) (seconds * 1e9)), ==, 0);
  while ((when = pyr_schedule_wait (&s, &no_stop)) != 0)
    {
      double gap = (double) (when - prev);
      /* never early, always later than the previous one */
      g_assert_cmpuint (pyr_schedule_now (), >=, when);
      g_assert_cmpuint (when, >, prev);
      g_assert_cmpfloat (gap, <=, 10 * 1e9 / rate + 1);
      sum_sq += gap * gap;
      prev = when;
      n++;
    }
  /* the deadline ends it, with about rate * seconds samples (Poisson: ±5 sigma) */
  g_assert_cmpuint (prev, <, t0 + (uint64_t) (seconds * 1e9));
  g_assert_cmpfloat (fabs ((double) n - rate * seconds), <, 5 * sqrt (rate * seconds));
  /* exponential gaps: the mean square is twice the squared mean (capped tail: a bit less) */
  {
    double mean = (double) (prev - t0) / (double) n;
    double ratio = sum_sq / (double) n / (mean * mean);
    g_test_message ("%lu samples, E[gap²]/E[gap]² = %.2f", (unsigned long) n, ratio);
    g_assert_cmpfloat (ratio, >, 1.6);
    g_assert_cmpfloat (ratio, <, 2.4);
  }
  pyr_schedule_clear (&s);
}

static void
test_timerfd (void)
{
  check_mode (PYR_SCHEDULE_TIMERFD);
}

static void
test_nanosleep (void)
{
  check_mode (PYR_SCHEDULE_NANOSLEEP);
}

/* A schedule that fell behind returns the missed times at once, in order, then waits again. */
static void
test_catches_up (void)
{
  struct pyr_schedule s;
  uint64_t t0 = pyr_schedule_now (), when, prev = 0, burst = 0;

  pyr_schedule_init (&s, PYR_SCHEDULE_TIMERFD, 1000, 7, t0, UINT64_MAX);
  g_usleep (50000);
  while ((when = pyr_schedule_wait (&s, &no_stop)) < t0 + 50000000ull)
    {
      g_assert_cmpuint (when, >, prev);
      prev = when;
      burst++;
    }
  g_test_message ("%lu samples caught up", (unsigned long) burst);
  g_assert_cmpuint (burst, >, 20);
  g_assert_cmpuint (pyr_schedule_now () - when, <, 50000000ull);
  pyr_schedule_resync (&s, pyr_schedule_now ());
  g_assert_cmpuint (pyr_schedule_wait (&s, &no_stop), >, when);
  pyr_schedule_clear (&s);
}

static void
test_stop (void)
{
  static volatile sig_atomic_t stop = SIGINT;
  struct pyr_schedule s;

  pyr_schedule_init (&s, PYR_SCHEDULE_TIMERFD, 100, 1, pyr_schedule_now (), UINT64_MAX);
  g_assert_cmpuint (pyr_schedule_wait (&s, &stop), ==, 0);
  pyr_schedule_clear (&s);
  g_assert_cmpint (pyr_schedule_init (&s, PYR_SCHEDULE_TIMERFD, 0, 1, 0, UINT64_MAX), ==,
                   -EINVAL);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/schedule/timerfd/poisson-absolute-deadline", test_timerfd);
  g_test_add_func ("/schedule/nanosleep/poisson-absolute-deadline", test_nanosleep);
  g_test_add_func ("/schedule/behind-catches-up", test_catches_up);
  g_test_add_func ("/schedule/stop-and-bad-rate", test_stop);
  return g_test_run ();
}
