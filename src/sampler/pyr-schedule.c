/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pyr-schedule.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

/* Polling is cheaper than a wake-up (~10-20 µs of CPU on a VM) for gaps below this. */
#define SPIN_BELOW_NS  (15 * 1000ull)

uint64_t
pyr_schedule_now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (uint64_t) ts.tv_sec * 1000000000ull + (uint64_t) ts.tv_nsec;
}

/* xorshift64*: a fast generator for the jitter; quality needs are modest. */
static double
next_uniform (uint64_t *state)
{
  uint64_t x = *state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *state = x;
  return ((double) ((x * 0x2545F4914F6CDD1Dull) >> 11) + 0.5) / 9007199254740992.0;
}

/* Poisson sampling: exponential gaps, capped so a rare huge gap does not leave a hole. */
static uint64_t
next_gap (struct pyr_schedule *s)
{
  double interval = -log (next_uniform (&s->rng)) * s->mean_ns;
  if (interval > 10 * s->mean_ns)
    interval = 10 * s->mean_ns;
  return (uint64_t) interval;
}

static int
arm (struct pyr_schedule *s,
     int                  k,
     uint64_t             when)
{
  struct itimerspec its = { { 0, 0 }, { (time_t) (when / 1000000000ull),
                                        (long) (when % 1000000000ull) } };

  if (timerfd_settime (s->fd[k], TFD_TIMER_ABSTIME, &its, NULL) < 0)
    return -errno;
  s->armed[k] = when;
  return 0;
}

static void
disarm (struct pyr_schedule *s,
        int                  k)
{
  struct itimerspec its = { { 0, 0 }, { 0, 0 } };

  if (s->armed[k] != 0)
    timerfd_settime (s->fd[k], 0, &its, NULL);
  s->armed[k] = 0;
}

static int
fd_armed_for (const struct pyr_schedule *s,
              uint64_t                   when)
{
  for (int k = 0; k < 2; k++)
    if (s->armed[k] == when)
      return k;
  return -1;
}

static int
free_fd (const struct pyr_schedule *s)
{
  for (int k = 0; k < 2; k++)
    if (s->armed[k] == 0)
      return k;
  return -1;
}

int
pyr_schedule_init (struct pyr_schedule   *s,
                   enum pyr_schedule_mode mode,
                   double                 rate_hz,
                   uint64_t               seed,
                   uint64_t               start_ns,
                   uint64_t               deadline_ns)
{
  memset (s, 0, sizeof *s);
  s->fd[0] = s->fd[1] = -1;
  if (!(rate_hz > 0))
    return -EINVAL;
  s->mode = mode;
  s->mean_ns = 1e9 / rate_hz;
  s->rng = seed ? seed : (start_ns | 1);
  s->deadline = deadline_ns;
  s->spin_below_ns = SPIN_BELOW_NS;
  if (mode == PYR_SCHEDULE_TIMERFD)
    {
      s->fd[0] = timerfd_create (CLOCK_MONOTONIC, TFD_CLOEXEC);
      s->fd[1] = s->fd[0] >= 0 ? timerfd_create (CLOCK_MONOTONIC, TFD_CLOEXEC) : -1;
      if (s->fd[1] < 0)
        {
          pyr_schedule_clear (s);
          s->mode = PYR_SCHEDULE_NANOSLEEP;
        }
    }
  pyr_schedule_resync (s, start_ns);
  return 0;
}

void
pyr_schedule_clear (struct pyr_schedule *s)
{
  for (int k = 0; k < 2; k++)
    {
      if (s->fd[k] >= 0)
        close (s->fd[k]);
      s->fd[k] = -1;
      s->armed[k] = 0;
    }
}

void
pyr_schedule_resync (struct pyr_schedule *s,
                     uint64_t             now_ns)
{
  if (s->mode == PYR_SCHEDULE_TIMERFD)
    {
      disarm (s, 0);
      disarm (s, 1);
    }
  s->queue[0] = now_ns + next_gap (s);
  s->queue[1] = s->queue[0] + next_gap (s);
}

static bool
wait_nanosleep (uint64_t                     when,
                volatile const sig_atomic_t *stop)
{
  struct timespec ts = { (time_t) (when / 1000000000ull), (long) (when % 1000000000ull) };

  while (clock_nanosleep (CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
    if (*stop)
      return false;
  return true;
}

uint64_t
pyr_schedule_wait (struct pyr_schedule          *s,
                   volatile const sig_atomic_t  *stop)
{
  uint64_t when = s->queue[0], after = s->queue[1], now;
  int k = -1;

  if (when >= s->deadline || *stop)
    return 0;
  s->queue[0] = after;
  s->queue[1] = after + next_gap (s);

  now = pyr_schedule_now ();
  if (when <= now)
    {
      /* behind: catch up without a system call.  A timer armed for this sample has expired
       * and is not read; arming its fd again resets it. */
      if ((k = fd_armed_for (s, when)) >= 0)
        s->armed[k] = 0;
      s->spins++;
      return when;
    }
  if (s->mode == PYR_SCHEDULE_TIMERFD)
    {
      k = fd_armed_for (s, when);
      if (k < 0 && when > now + s->spin_below_ns && (k = free_fd (s)) >= 0
          && arm (s, k, when) < 0)
        k = -1;
      /* the following sample's timer, armed while this one is pending: it queues behind it
       * without touching the timer device */
      if (after < s->deadline && after - when >= s->spin_below_ns
          && fd_armed_for (s, after) < 0)
        {
          int j = free_fd (s);
          if (j >= 0 && j != k)
            arm (s, j, after);
        }
      if (k >= 0)
        {
          uint64_t expirations;
          ssize_t n;

          s->wakeups++;
          while ((n = read (s->fd[k], &expirations, sizeof expirations)) < 0 && errno == EINTR)
            if (*stop)
              return 0;
          s->armed[k] = 0;
          if (n >= 0)
            return when;
          /* cannot happen with a valid fd: poll below rather than run early */
        }
    }
  else if (when > now + s->spin_below_ns)
    {
      s->wakeups++;
      return wait_nanosleep (when, stop) ? when : 0;
    }

  s->spins++;
  while (pyr_schedule_now () < when)
    if (*stop)
      return 0;
  return when;
}
