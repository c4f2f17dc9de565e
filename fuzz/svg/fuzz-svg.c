/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libFuzzer harness for the flame graph SVG importer (and, on what it accepts, the exporter):
 * any input must end in a clean GError or a profile, and a profile it produced must export
 * and import again.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "pyr-flamegraph-svg.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  /* a g_return_if_fail() tripping is a bug too */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(PyrProfile) profile = pyr_profile_new ();
  g_autoptr(GError) error = NULL;

  if (!pyr_flamegraph_svg_import (profile, (const char *) data, size, NULL, NULL, NULL, &error))
    {
      if (error == NULL || error->domain != PYR_IMPORT_ERROR || error->message == NULL ||
          !g_utf8_validate (error->message, -1, NULL))
        abort ();
      return 0;
    }

  {
    g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
    g_autoptr(PyrProfile) again = pyr_profile_new ();
    g_autoptr(GError) export_error = NULL;
    g_autoptr(GError) import_error = NULL;

    if (!pyr_flamegraph_svg_export (profile, out, NULL, &export_error))
      {
        /* only a profile without weight has nothing to draw */
        if (!g_error_matches (export_error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_EMPTY))
          abort ();
        return 0;
      }
    g_output_stream_close (out, NULL, NULL);
    if (!pyr_flamegraph_svg_import (again,
                                    g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                                    g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)),
                                    NULL, NULL, NULL, &import_error))
      {
        g_printerr ("our own export did not import: %s\n", import_error->message);
        abort ();
      }
  }

  return 0;
}
