/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Cost of one sample: attaches to PID and reads its stacks N times back to back.
 * Usage: bench-sample PID [N]   Prints CPU and wall time per sample and syscalls per sample.
 *        bench-sample PID --shares RATE SECONDS FUNC...
 *        samples at RATE on a Poisson schedule and prints each FUNC's share of the samples
 *        whose innermost frame is one of them (for the 70/30 accuracy check). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pyr-python.h"

static int
shares (struct pyr_python *py,
        struct pyr_sample *sample,
        double             rate,
        double             seconds,
        int                nfunc,
        char             **funcs)
{
  long counts[16] = { 0 }, total = 0;
  struct timespec next;
  unsigned seed = 12345;
  double end;

  clock_gettime (CLOCK_MONOTONIC, &next);
  end = next.tv_sec + next.tv_nsec / 1e9 + seconds;
  for (;;)
    {
      double gap = -log ((rand_r (&seed) + 1.0) / (RAND_MAX + 2.0)) / rate;
      long ns = next.tv_nsec + (long) (gap * 1e9);
      next.tv_sec += ns / 1000000000L;
      next.tv_nsec = ns % 1000000000L;
      if (next.tv_sec + next.tv_nsec / 1e9 > end)
        break;
      clock_nanosleep (CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
      if (pyr_python_sample (py, sample, false) < 0)
        continue;
      for (uint32_t t = 0; t < sample->n_threads; t++)
        {
          const struct pyr_thread_sample *th = &sample->threads[t];
          const char *leaf;
          if (th->depth == 0)
            continue;
          leaf = pyr_strtab_get (&py->strings,
                                 py->frames.entries[sample->frames[th->first + th->depth - 1]].name);
          for (int f = 0; f < nfunc && f < 16; f++)
            if (strcmp (leaf, funcs[f]) == 0)
              {
                counts[f]++;
                total++;
              }
        }
    }
  for (int f = 0; f < nfunc && f < 16; f++)
    printf ("%s %.2f ", funcs[f], total ? 100.0 * counts[f] / total : 0.0);
  printf ("samples %ld\n", total);
  return 0;
}

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
  if (argc > 5 && strcmp (argv[2], "--shares") == 0)
    return shares (&py, &sample, atof (argv[3]), atof (argv[4]), argc - 5, argv + 5);
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
