/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "pyr-recording.h"
#include "pyr-recorder-decoder.h"
#include "pyr-stream-writer.h"

#define FEED_CHUNK (4u << 20)

gboolean
pyr_recording_detect (const char *data,
                      gsize       len)
{
  return len >= PYR_STREAM_MAGIC_LEN && memcmp (data, PYR_STREAM_MAGIC, PYR_STREAM_MAGIC_LEN) == 0;
}

/* The whole buffer through the same incremental decoder a live recording uses, so a file and
 * the recording it was written by agree sample for sample. */
gboolean
pyr_recording_import (PyrProfile       *profile,
                      const char       *data,
                      gsize             len,
                      PyrProgressFunc   progress,
                      gpointer          progress_data,
                      GCancellable     *cancellable,
                      GError          **error)
{
  g_autoptr(PyrRecorderDecoder) decoder = NULL;
  gsize pos = 0;

  g_return_val_if_fail (PYR_IS_PROFILE (profile), FALSE);

  if (!pyr_recording_detect (data, len))
    {
      g_set_error_literal (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_INVALID,
                           _("byte 0: not a Pyrometer recording (wrong magic bytes)"));
      return FALSE;
    }

  decoder = pyr_recorder_decoder_new (profile);
  while (pos < len)
    {
      gsize n = MIN (FEED_CHUNK, len - pos);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (!pyr_recorder_decoder_feed (decoder, data + pos, n, error))
        return FALSE;
      pos += n;
      if (progress != NULL)
        progress ((double) pos / len, progress_data);
    }

  return pyr_recorder_decoder_finish (decoder, error);
}

/* ---- export ---- */

typedef struct
{
  GOutputStream *out;
  GCancellable  *cancellable;
  GError        *error;
} WriteData;

static int
write_to_stream (void       *user_data,
                 const void *data,
                 size_t      len)
{
  WriteData *wd = user_data;

  if (wd->error != NULL)
    return -EIO;
  if (!g_output_stream_write_all (wd->out, data, len, NULL, wd->cancellable, &wd->error))
    return -EIO;
  return 0;
}

static double
units_to_ns (const char *units)
{
  if (g_str_equal (units, "seconds"))
    return 1e9;
  if (g_str_equal (units, "milliseconds"))
    return 1e6;
  if (g_str_equal (units, "microseconds"))
    return 1e3;
  if (g_str_equal (units, "nanoseconds"))
    return 1;
  return 0;
}

gboolean
pyr_recording_export (PyrProfile     *profile,
                      GOutputStream  *out,
                      GCancellable   *cancellable,
                      GError        **error)
{
  WriteData wd = { out, cancellable, NULL };
  struct pyr_stream_writer *w;
  guint n_samples = pyr_profile_get_n_samples (profile);
  guint n_strings = pyr_profile_get_n_strings (profile);
  guint n_frames = pyr_profile_get_n_frames (profile);
  guint n_threads = pyr_profile_get_n_threads (profile);
  g_autofree guint32 *string_ids = NULL;
  g_autofree guint32 *frame_ids = NULL;
  g_autofree guint32 *thread_ids = NULL;
  g_autoptr(GArray) stack = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_auto(GStrv) keys = NULL;
  gboolean fractional = FALSE;
  double scale = 1;
  gboolean has_time = pyr_profile_has_time (profile);
  const char *units = pyr_profile_get_units (profile);
  gint64 last_time = 0;
  int rc = 0;

  g_return_val_if_fail (PYR_IS_PROFILE (profile), FALSE);

  for (guint i = 0; i < n_samples && !fractional; i++)
    {
      double wt = pyr_profile_get_sample_weight (profile, i);

      fractional = wt != floor (wt) || wt < 0;
    }
  if (fractional && units_to_ns (units) > 0)
    scale = units_to_ns (units);

  if (!(w = pyr_stream_writer_new_with_func (write_to_stream, &wd)))
    g_error ("out of memory");

  string_ids = g_new (guint32, n_strings);
  string_ids[0] = PYR_STREAM_STRING_NONE;
  for (guint32 s = 1; s < n_strings && rc == 0; s++)
    {
      const char *str = pyr_profile_get_string (profile, s);

      rc = pyr_stream_writer_add_string (w, str, strlen (str), &string_ids[s]);
    }

  keys = pyr_profile_list_metadata (profile);
  for (guint i = 0; keys[i] != NULL && rc == 0; i++)
    {
      g_autofree char *value = pyr_profile_dup_metadata (profile, keys[i]);

      if (g_str_equal (keys[i], "units") && scale != 1)
        continue;
      if (g_str_equal (keys[i], "has-time") || g_str_equal (keys[i], "source-file") || g_str_equal (keys[i], "source-format"))
        continue;
      rc = pyr_stream_writer_add_metadata_str (w, keys[i], value);
    }
  if (rc == 0 && scale != 1)
    rc = pyr_stream_writer_add_metadata_str (w, "units", "nanoseconds");
  if (rc == 0 && !has_time)
    rc = pyr_stream_writer_add_metadata_str (w, "has-time", "false");

  for (guint32 p = 0; p < pyr_profile_get_n_processes (profile) && rc == 0; p++)
    {
      struct pyr_stream_process proc = { 0 };
      const char *cmd = pyr_profile_get_process_command_line (profile, p);
      const char *ver = pyr_profile_get_process_python_version (profile, p);

      proc.pid = (uint32_t) pyr_profile_get_process_pid (profile, p);
      rc = pyr_stream_writer_add_string (w, cmd, strlen (cmd), &proc.command_line);
      if (rc == 0)
        rc = pyr_stream_writer_add_string (w, ver, strlen (ver), &proc.python_version);
      if (rc == 0)
        rc = pyr_stream_writer_add_process (w, &proc);
    }

  frame_ids = g_new (guint32, MAX (n_frames, 1));
  for (guint32 f = 0; f < n_frames && rc == 0; f++)
    {
      struct pyr_stream_frame frame = { 0 };
      gint32 line = pyr_profile_get_frame_line (profile, f);

      frame.name = string_ids[pyr_profile_get_frame_name (profile, f)];
      frame.file = string_ids[pyr_profile_get_frame_file (profile, f)];
      frame.line = line > 0 ? (guint32) line : 0;
      frame.kind = pyr_profile_get_frame_kind (profile, f);
      rc = pyr_stream_writer_add_frame (w, &frame, &frame_ids[f]);
    }

  thread_ids = g_new (guint32, MAX (n_threads, 1));
  for (guint32 t = 0; t < n_threads && rc == 0; t++)
    {
      struct pyr_stream_thread thread = { 0 };
      const char *name = pyr_profile_get_thread_name (profile, t);
      gint64 tid = pyr_profile_get_thread_tid (profile, t);

      thread.pid = (uint32_t) pyr_profile_get_thread_pid (profile, t);
      thread.native_id = tid >= 0 && tid <= G_MAXUINT32 ? (uint32_t) tid : 0;
      thread.python_id = tid > G_MAXUINT32 ? (uint64_t) tid : 0;
      rc = pyr_stream_writer_add_string (w, name, strlen (name), &thread.name);
      if (rc == 0)
        rc = pyr_stream_writer_add_thread (w, &thread, &thread_ids[t]);
    }

  for (guint i = 0; i < n_samples && rc == 0; i++)
    {
      guint32 node = pyr_profile_get_sample_stack (profile, i);
      guint32 thread = pyr_profile_get_sample_thread (profile, i);
      guint32 pflags = pyr_profile_get_sample_flags (profile, i);
      guint32 flags = 0;
      gint64 time = pyr_profile_get_sample_time (profile, i);
      double wt = pyr_profile_get_sample_weight (profile, i) * scale;
      guint depth = pyr_profile_get_node_depth (profile, node);

      if (thread >= n_threads)
        continue;
      if (i % 65536 == 65535 && g_cancellable_set_error_if_cancelled (cancellable, &wd.error))
        {
          rc = -ECANCELED;
          break;
        }
      g_array_set_size (stack, depth);
      for (guint d = depth; d > 0; d--)
        {
          g_array_index (stack, guint32, d - 1) = frame_ids[pyr_profile_get_node_frame (profile, node)];
          node = pyr_profile_get_node_parent (profile, node);
        }
      if (pflags & PYR_SAMPLE_IDLE)
        flags |= PYR_STREAM_SAMPLE_IDLE;
      if (pflags & PYR_SAMPLE_HAS_GIL)
        flags |= PYR_STREAM_SAMPLE_GIL;
      if (pflags & PYR_SAMPLE_IN_GC)
        flags |= PYR_STREAM_SAMPLE_GC;
      if (has_time && time > last_time)
        last_time = time;

      if (depth > PYR_STREAM_MAX_DEPTH)
        {
          /* keep the leaf end, as the format asks */
          rc = pyr_stream_writer_sample (w, last_time, thread_ids[thread], flags | PYR_STREAM_SAMPLE_TRUNCATED,
                                         (uint64_t) MAX (0, llround (wt)),
                                         (const uint32_t *) stack->data + (depth - PYR_STREAM_MAX_DEPTH),
                                         PYR_STREAM_MAX_DEPTH);
        }
      else
        rc = pyr_stream_writer_sample (w, last_time, thread_ids[thread], flags,
                                       (uint64_t) MAX (0, llround (wt)),
                                       (const uint32_t *) stack->data, depth);
    }

  if (rc == 0)
    rc = pyr_stream_writer_end (w, (uint64_t) last_time, PYR_STREAM_END_COMPLETE, 0, NULL);
  if (rc == 0)
    rc = pyr_stream_writer_flush (w);

  if (rc < 0)
    {
      if (wd.error != NULL)
        g_propagate_error (error, g_steal_pointer (&wd.error));
      else
        g_set_error (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_UNSUPPORTED,
                     _("cannot write the recording: %s"), pyr_stream_writer_error_message (w));
      pyr_stream_writer_free (w);
      return FALSE;
    }
  pyr_stream_writer_free (w);
  g_clear_error (&wd.error);
  return TRUE;
}
