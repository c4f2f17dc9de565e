/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Cost of one sample: attaches to PID and reads its stacks N times back to back.
 * Usage: bench-sample PID [N]   Prints CPU and wall time per sample and syscalls per sample. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "pyr-python.h"

static double
now (clockid_t c)
{
  struct timespec ts;
  clock_gettime (c, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main (int    argc,
      char **argv)
{
  static struct pyr_python py;
  static struct pyr_sample sample;
  struct pyr_err err = { 0 };
  long n = argc > 2 ? atol (argv[2]) : 20000;
  long errors = 0, frames = 0;
  double w0, c0, w1, c1;
  uint64_t r0;

  if (argc < 2)
    {
      fprintf (stderr, "usage: bench-sample PID [N]\n");
      return 2;
    }
  if (pyr_python_attach (&py, atoi (argv[1]), &err) < 0)
    {
      fprintf (stderr, "%s\n", err.msg);
      return 1;
    }
  pyr_python_sample (&py, &sample, true);    /* warm the caches */
  r0 = py.mem.reads;
  w0 = now (CLOCK_MONOTONIC);
  c0 = now (CLOCK_PROCESS_CPUTIME_ID);
  for (long i = 0; i < n; i++)
    {
      if (pyr_python_sample (&py, &sample, true) < 0 || sample.n_errors)
        errors++;
      frames += sample.n_frames;
      if (i % 1000 == 0)
        pyr_python_new_epoch (&py);
    }
  c1 = now (CLOCK_PROCESS_CPUTIME_ID);
  w1 = now (CLOCK_MONOTONIC);
  printf ("python %s  samples %ld  frames/sample %.1f  errors %ld  cpu/sample %.2f us  "
          "wall/sample %.2f us  reads/sample %.2f\n",
          py.version, n, (double) frames / n, errors, (c1 - c0) * 1e6 / n, (w1 - w0) * 1e6 / n,
          (double) (py.mem.reads - r0) / n);
  pyr_python_detach (&py);
  return 0;
}
