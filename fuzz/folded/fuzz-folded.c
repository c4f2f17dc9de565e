/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libFuzzer harness for the folded-stacks and .pyrometer importers: any input
 * ends in a clean GError or a profile, and a profile the folded importer made
 * exports and imports again with the same total weight and stacks.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pyr-folded.h"
#include "pyr-recording.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  return 0;
}

static void
check_error (const GError *error)
{
  if (error == NULL || error->domain != PYR_IMPORT_ERROR || error->message == NULL ||
      !g_utf8_validate (error->message, -1, NULL))
    abort ();
}

/* Does the first stack line end in two numbers ("... 12 34")? */
static gboolean
looks_differential (const char *text,
                    gsize       len)
{
  const char *nl;
  const char *end;
  int numbers = 0;

  while (len > 0 && text[0] == '#')
    {
      nl = memchr (text, '\n', len);
      if (nl == NULL)
        return FALSE;
      len -= nl + 1 - text;
      text = nl + 1;
    }
  nl = memchr (text, '\n', len);
  end = nl ? nl : text + len;
  while (end > text && numbers < 2)
    {
      const char *tok_end = end;

      while (end > text && (g_ascii_isdigit (end[-1]) || end[-1] == '.' || end[-1] == 'e' ||
                            end[-1] == 'E' || end[-1] == '+' || end[-1] == '-'))
        end--;
      if (end == tok_end || end == text || (end[-1] != ' ' && end[-1] != '\t'))
        break;
      numbers++;
      while (end > text && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    }
  return numbers >= 2;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(PyrProfile) profile = pyr_profile_new ();
  g_autoptr(PyrProfile) recording = pyr_profile_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) rec_error = NULL;

  if (!pyr_recording_import (recording, (const char *) data, size, NULL, NULL, NULL, &rec_error))
    check_error (rec_error);

  if (!pyr_folded_import (profile, (const char *) data, size, NULL, NULL, NULL, &error))
    {
      check_error (error);
      return 0;
    }

  {
    g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
    g_autoptr(PyrProfile) again = pyr_profile_new ();
    g_autoptr(GError) export_error = NULL;
    g_autoptr(GError) import_error = NULL;
    double a, b;

    if (!pyr_folded_export (profile, out, NULL, &export_error))
      abort ();
    g_output_stream_close (out, NULL, NULL);
    if (g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)) == 0)
      return 0;   /* every weight was zero */
    if (looks_differential (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                            g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out))))
      return 0;   /* a leaf named like a number: the format cannot tell it from a differential file */
    if (!pyr_folded_import (again,
                            g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                            g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)),
                            NULL, NULL, NULL, &import_error))
      {
        g_printerr ("our own export did not import: %s\n", import_error->message);
        abort ();
      }
    a = pyr_profile_get_total_weight (profile);
    b = pyr_profile_get_total_weight (again);
    if (fabs (a - b) > 1e-9 * MAX (fabs (a), 1))
      {
        g_printerr ("total weight %.17g became %.17g\n", a, b);
        abort ();
      }
  }
  return 0;
}
