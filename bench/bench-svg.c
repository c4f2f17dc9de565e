/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Flame graph SVG benchmark.
 *
 *   bench-svg generate FILE [MB]   a py-spy-like profile (~40 deep, thousands of distinct
 *                                  frames) exported as an SVG of about MB megabytes
 *   bench-svg import FILE          import it; prints MB/s and peak memory
 *   bench-svg parsers FILE         XML reading alone: our scanner against GMarkupParseContext
 *
 * bench/bench-svg.sh builds this and prints the table.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyr-flamegraph-svg.h"
#include "pyr-svg-scanner.h"

#include <time.h>

static double
now (void)
{
  return g_get_monotonic_time () / 1e6;
}

/* CPU time of this thread: steadier than wall time on a shared, loaded machine. */
static double
cpu_now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Peak resident memory of this process so far, in bytes (VmHWM). */
static guint64
peak_rss (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  line = strstr (status, "VmHWM:");
  return line ? g_ascii_strtoull (line + 6, NULL, 10) * 1024 : 0;
}

static int
generate (const char *path,
          double      megabytes)
{
  g_autoptr(PyrProfile) profile = pyr_profile_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (1234);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileOutputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  guint32 thread = pyr_profile_add_thread (profile, 1, 1, "MainThread");
  const guint n_functions = 5000;
  /* an exported frame takes about 220 bytes */
  guint target_nodes = (guint) (megabytes * 1e6 / 220);
  g_autofree guint32 *frames = g_new (guint32, n_functions);
  guint n_samples = 0;
  PyrFlamegraphSvgOptions options;
  double t0;

  for (guint i = 0; i < n_functions; i++)
    {
      g_autofree char *label = g_strdup_printf ("function_%u (package/module_%u.py:%u)", i, i % 97, 10 + i % 500);

      frames[i] = pyr_profile_intern_frame_label (profile, label, strlen (label));
    }

  /* Stacks share long prefixes, as real programs do: each level picks one of a few callees
   * fixed by the caller, with an occasional rare one, so distinct stacks keep appearing. */
  while (pyr_profile_get_n_stack_nodes (profile) < target_nodes)
    {
      guint depth = 30 + g_rand_int_range (rand, 0, 20);
      guint32 node = PYR_STACK_ROOT;
      guint32 f = 0;

      for (guint d = 0; d < depth; d++)
        {
          guint choice = g_rand_int_range (rand, 0, 100) < 97 ? g_rand_int_range (rand, 0, 3)
                                                              : g_rand_int_range (rand, 0, 1000);

          f = (f * 2654435761u + choice * 40503u + d) % n_functions;
          node = pyr_profile_intern_stack (profile, node, frames[f]);
        }
      pyr_profile_append_sample (profile, PYR_TIME_NONE, thread, node, 1 + g_rand_int_range (rand, 0, 5), 0);
      n_samples++;
    }

  out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &error);
  if (out == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  pyr_flamegraph_svg_options_init (&options);
  t0 = cpu_now ();
  if (!pyr_flamegraph_svg_export_full (profile, &options, G_OUTPUT_STREAM (out), NULL, &error) ||
      !g_output_stream_close (G_OUTPUT_STREAM (out), NULL, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  {
    g_autoptr(GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE, 0, NULL, NULL);
    double mb = info ? g_file_info_get_size (info) / 1e6 : 0;
    double t = cpu_now () - t0;

    printf ("generated\t%s\t%.1f MB\t%u samples\t%u stack nodes\n", path, mb, n_samples,
            pyr_profile_get_n_stack_nodes (profile));
    printf ("export\t%.2f s CPU\t%.0f MB/s\n", t, mb / t);
  }
  return 0;
}

static GMappedFile *
map_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  GMappedFile *mapped = g_mapped_file_new (path, FALSE, &error);

  if (mapped == NULL)
    {
      g_printerr ("%s\n", error->message);
      exit (1);
    }
  /* touch every page so that the timings below do not include reading the disk */
  {
    const volatile char *data = g_mapped_file_get_contents (mapped);
    gsize len = g_mapped_file_get_length (mapped);
    char sum = 0;

    for (gsize i = 0; i < len; i += 4096)
      sum ^= data[i];
    (void) sum;
  }
  return mapped;
}

static int
import (const char *path)
{
  g_autoptr(GMappedFile) mapped = map_file (path);
  const char *data = g_mapped_file_get_contents (mapped);
  gsize len = g_mapped_file_get_length (mapped);
  g_autoptr(PyrProfile) profile = pyr_profile_new ();
  g_autoptr(GError) error = NULL;
  guint64 before = peak_rss ();
  double t0 = now (), c0 = cpu_now (), t, c;

  if (!pyr_flamegraph_svg_import (profile, data, len, NULL, NULL, NULL, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  t = now () - t0;
  c = cpu_now () - c0;

  printf ("import\t%.2f s wall\t%.0f MB/s wall\t%.2f s CPU\t%.0f MB/s CPU\t%u samples, %u stack nodes\n",
          t, len / 1e6 / t, c, len / 1e6 / c,
          pyr_profile_get_n_samples (profile), pyr_profile_get_n_stack_nodes (profile));
  printf ("peak memory\t%.0f MB\t%.2f x file\t(mapped file %.0f MB; import added %.0f MB = %.2f x file)\n",
          peak_rss () / 1e6, peak_rss () / (double) len, len / 1e6,
          (peak_rss () - before) / 1e6, (peak_rss () - before) / (double) len);
  return 0;
}

static gboolean
count_start (PyrSvgScanner     *scanner,
             const char        *name,
             gsize              name_len,
             const PyrSvgAttr  *attrs,
             guint              n_attrs,
             gpointer           user_data,
             GError           **error)
{
  (*(guint *) user_data)++;
  return TRUE;
}

static void
markup_start (GMarkupParseContext  *context,
              const char           *name,
              const char          **attribute_names,
              const char          **attribute_values,
              gpointer              user_data,
              GError              **error)
{
  (*(guint *) user_data)++;
}

static int
parsers (const char *path)
{
  g_autoptr(GMappedFile) mapped = map_file (path);
  const char *data = g_mapped_file_get_contents (mapped);
  gsize len = g_mapped_file_get_length (mapped);
  static const PyrSvgScannerCallbacks scanner_callbacks = { count_start, NULL, NULL };
  static const GMarkupParser markup_parser = { markup_start, NULL, NULL, NULL, NULL };
  g_autoptr(GError) error = NULL;
  guint n_scanner = 0, n_markup = 0;
  double t0, t_scanner, t_markup;

  t0 = cpu_now ();
  if (!pyr_svg_scan (data, len, &scanner_callbacks, &n_scanner, NULL, &error))
    {
      g_printerr ("scanner: %s\n", error->message);
      return 1;
    }
  t_scanner = cpu_now () - t0;

  t0 = cpu_now ();
  {
    g_autoptr(GMarkupParseContext) context = g_markup_parse_context_new (&markup_parser, 0, &n_markup, NULL);

    /* fed in 1 MiB pieces, as a streaming reader would */
    for (gsize off = 0; off < len; off += 1 << 20)
      if (!g_markup_parse_context_parse (context, data + off, MIN ((gsize) 1 << 20, len - off), &error))
        break;
    if (error == NULL)
      g_markup_parse_context_end_parse (context, &error);
  }
  t_markup = cpu_now () - t0;
  if (error != NULL)
    {
      g_printerr ("GMarkup: %s\n", error->message);
      return 1;
    }

  printf ("XML reading alone, CPU time (elements seen: %u / %u)\n", n_scanner, n_markup);
  printf ("  pyr_svg_scan\t%.2f s\t%.0f MB/s\n", t_scanner, len / 1e6 / t_scanner);
  printf ("  GMarkupParseContext\t%.2f s\t%.0f MB/s\n", t_markup, len / 1e6 / t_markup);
  return 0;
}

int
main (int   argc,
      char *argv[])
{
  if (argc >= 3 && strcmp (argv[1], "generate") == 0)
    return generate (argv[2], argc >= 4 ? g_ascii_strtod (argv[3], NULL) : 120);
  if (argc == 3 && strcmp (argv[1], "import") == 0)
    return import (argv[2]);
  if (argc == 3 && strcmp (argv[1], "parsers") == 0)
    return parsers (argv[2]);

  g_printerr ("usage: bench-svg generate FILE [MB] | import FILE | parsers FILE\n");
  return 2;
}
