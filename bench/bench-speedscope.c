/* SPDX-License-Identifier: GPL-3.0-or-later */

/*
 * One measurement of speedscope import, for bench-speedscope.py: maps FILE, imports it, and
 * prints one line "seconds peak_rss_bytes samples threads stack_nodes cpu_seconds". With --json-glib, parses
 * it with json-glib's tree parser instead, for comparison. The CPU seconds (user + system) of
 * the parse come last: on a busy machine they say more than the wall clock. One run per process, so the peak
 * RSS belongs to that run alone.
 */

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#ifdef HAVE_JSON_GLIB
#include <json-glib/json-glib.h>
#endif

#include "pyr-speedscope.h"

static double
cpu_seconds (const struct rusage *u)
{
  return u->ru_utime.tv_sec + u->ru_utime.tv_usec / 1e6 + u->ru_stime.tv_sec + u->ru_stime.tv_usec / 1e6;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GError) error = NULL;
  gboolean json_glib = argc == 3 && strcmp (argv[1], "--json-glib") == 0;
  const char *path = argv[argc - 1];
  guint n_samples = 0, n_threads = 0, n_nodes = 0;
  struct rusage usage, before;
  gint64 start, end;

  if (argc < 2)
    {
      fprintf (stderr, "usage: bench-speedscope [--json-glib] FILE\n");
      return 2;
    }

  if (!(mapped = g_mapped_file_new (path, FALSE, &error)))
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }

  getrusage (RUSAGE_SELF, &before);
  start = g_get_monotonic_time ();
  if (json_glib)
    {
#ifdef HAVE_JSON_GLIB
      g_autoptr(JsonParser) parser = json_parser_new_immutable ();

      if (!json_parser_load_from_data (parser, g_mapped_file_get_contents (mapped),
                                       g_mapped_file_get_length (mapped), &error))
        {
          fprintf (stderr, "%s\n", error->message);
          return 1;
        }
      end = g_get_monotonic_time ();
#else
      fprintf (stderr, "built without json-glib\n");
      return 77;
#endif
    }
  else
    {
      g_autoptr(PyrProfile) profile = pyr_profile_new ();

      if (!pyr_speedscope_import (profile, g_mapped_file_get_contents (mapped),
                                  g_mapped_file_get_length (mapped), NULL, NULL, NULL, &error))
        {
          fprintf (stderr, "%s\n", error->message);
          return 1;
        }
      end = g_get_monotonic_time ();
      n_samples = pyr_profile_get_n_samples (profile);
      n_threads = pyr_profile_get_n_threads (profile);
      n_nodes = pyr_profile_get_n_stack_nodes (profile);
    }

  getrusage (RUSAGE_SELF, &usage);
  printf ("%.6f %ld %u %u %u %.6f\n", (end - start) / 1e6, usage.ru_maxrss * 1024L,
          n_samples, n_threads, n_nodes, cpu_seconds (&usage) - cpu_seconds (&before));
  return 0;
}
