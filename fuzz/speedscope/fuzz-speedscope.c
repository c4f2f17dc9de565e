/* SPDX-License-Identifier: GPL-3.0-or-later */

/*
 * libFuzzer harness for the speedscope importer (and so the JSON reader under it). Besides "no
 * crash, no sanitizer report", it holds the importer to its promises: a failure is a GError in
 * PYR_IMPORT_ERROR with a message; a success exports to speedscope and imports back with the
 * same threads, samples and weights.
 */

#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "pyr-speedscope.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  /* a g_return_if_fail() in the model means the importer misused it: make that a crash */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(PyrProfile) profile = pyr_profile_new ();
  g_autoptr(GError) error = NULL;

  if (pyr_speedscope_import (profile, (const char *) data, size, NULL, NULL, NULL, &error))
    {
      g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
      g_autoptr(PyrProfile) back = pyr_profile_new ();
      g_autoptr(GError) round_trip_error = NULL;
      GMemoryOutputStream *mem = G_MEMORY_OUTPUT_STREAM (out);
      guint n = pyr_profile_get_n_samples (profile);

      if (!pyr_speedscope_export (profile, out, NULL, &round_trip_error) ||
          !g_output_stream_close (out, NULL, &round_trip_error) ||
          !pyr_speedscope_import (back, g_memory_output_stream_get_data (mem),
                                  g_memory_output_stream_get_data_size (mem),
                                  NULL, NULL, NULL, &round_trip_error))
        g_error ("round trip failed: %s", round_trip_error->message);

      if (pyr_profile_get_n_samples (back) != n ||
          MAX (pyr_profile_get_n_threads (profile), 1) != pyr_profile_get_n_threads (back))
        g_error ("round trip changed the counts");
      for (guint i = 0; i < n; i++)
        if (pyr_profile_get_sample_weight (back, i) != pyr_profile_get_sample_weight (profile, i) ||
            pyr_profile_get_node_depth (back, pyr_profile_get_sample_stack (back, i)) !=
            pyr_profile_get_node_depth (profile, pyr_profile_get_sample_stack (profile, i)))
          g_error ("round trip changed sample %u", i);   /* profiles, so threads, come in order */
    }
  else if (error == NULL || error->domain != PYR_IMPORT_ERROR || error->message[0] == 0)
    abort ();

  return 0;
}
