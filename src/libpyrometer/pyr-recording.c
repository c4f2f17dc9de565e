/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "pyr-recording.h"
#include "pyr-stream-reader.h"
#include "pyr-stream-writer.h"

#define FEED_CHUNK (4u << 20)

typedef struct
{
  guint32  profile_thread;
  GArray  *frames;   /* guint32 stream frame ids of the previous stack */
  GArray  *nodes;    /* guint32 profile nodes of the previous stack */
} ThreadState;

typedef struct
{
  PyrProfile   *profile;
  struct pyr_stream_reader *reader;
  GArray       *strings;    /* stream string id -> profile sid */
  GArray       *frames;     /* stream frame id -> profile frame */
  GPtrArray    *threads;    /* stream thread id -> ThreadState */
  gint64        origin;
  gboolean      have_origin;
  gboolean      no_time;
  guint64       n_samples;
} Importer;

gboolean
pyr_recording_detect (const char *data,
                      gsize       len)
{
  return len >= PYR_STREAM_MAGIC_LEN && memcmp (data, PYR_STREAM_MAGIC, PYR_STREAM_MAGIC_LEN) == 0;
}

static void
thread_state_free (gpointer data)
{
  ThreadState *ts = data;

  if (ts == NULL)
    return;
  g_array_unref (ts->frames);
  g_array_unref (ts->nodes);
  g_free (ts);
}

static guint32
map_id (GArray  *array,
        guint32  id)
{
  return id < array->len ? g_array_index (array, guint32, id) : PYR_ID_NONE;
}

static void
set_id (GArray  *array,
        guint32  id,
        guint32  value)
{
  if (id >= array->len)
    {
      guint old = array->len;

      g_array_set_size (array, id + 1);
      memset (&g_array_index (array, guint32, old), 0xff, sizeof (guint32) * (array->len - old));
    }
  g_array_index (array, guint32, id) = value;
}

static guint32
sid (Importer *imp,
     guint32   id)
{
  guint32 s = map_id (imp->strings, id);

  return s == PYR_ID_NONE ? 0 : s;
}

static const char *
string (Importer *imp,
        guint32   id)
{
  return pyr_profile_get_string (imp->profile, sid (imp, id));
}

static int
on_record (const struct pyr_stream_record *record,
           void                           *user_data)
{
  Importer *imp = user_data;

  switch (record->type)
    {
    case PYR_STREAM_RECORD_STRING:
      set_id (imp->strings, record->string.id,
              pyr_profile_intern_string (imp->profile, record->string.data, record->string.len));
      break;

    case PYR_STREAM_RECORD_FRAME:
      {
        const struct pyr_stream_frame *f = &record->frame.frame;
        PyrFrameKind kind = f->kind <= PYR_STREAM_FRAME_PROCESS ? (PyrFrameKind) f->kind : PYR_FRAME_NATIVE;

        set_id (imp->frames, record->frame.id,
                pyr_profile_intern_frame (imp->profile, sid (imp, f->name), sid (imp, f->file),
                                          (gint32) MIN (f->line, (guint32) G_MAXINT32), kind));
      }
      break;

    case PYR_STREAM_RECORD_THREAD:
      {
        const struct pyr_stream_thread *t = &record->thread.thread;
        ThreadState *ts;
        gint64 tid = t->native_id ? (gint64) t->native_id : (gint64) t->python_id;

        while (imp->threads->len <= record->thread.id)
          g_ptr_array_add (imp->threads, NULL);
        ts = g_ptr_array_index (imp->threads, record->thread.id);
        if (ts == NULL)
          {
            ts = g_new0 (ThreadState, 1);
            ts->frames = g_array_new (FALSE, FALSE, sizeof (guint32));
            ts->nodes = g_array_new (FALSE, FALSE, sizeof (guint32));
            g_ptr_array_index (imp->threads, record->thread.id) = ts;
            ts->profile_thread = pyr_profile_add_thread (imp->profile, t->pid, tid, string (imp, t->name));
          }
        else if (pyr_profile_get_thread_pid (imp->profile, ts->profile_thread) == t->pid &&
                 pyr_profile_get_thread_tid (imp->profile, ts->profile_thread) == tid)
          /* redefined: usually the thread got its name */
          pyr_profile_set_thread_name (imp->profile, ts->profile_thread, string (imp, t->name));
        else
          ts->profile_thread = pyr_profile_add_thread (imp->profile, t->pid, tid, string (imp, t->name));
      }
      break;

    case PYR_STREAM_RECORD_PROCESS:
      pyr_profile_add_process (imp->profile, record->process.pid,
                               string (imp, record->process.command_line),
                               string (imp, record->process.python_version));
      break;

    case PYR_STREAM_RECORD_METADATA:
      pyr_profile_set_metadata (imp->profile, string (imp, record->metadata.key),
                                string (imp, record->metadata.value));
      if (g_str_equal (string (imp, record->metadata.key), "has-time") &&
          g_str_equal (string (imp, record->metadata.value), "false"))
        imp->no_time = TRUE;
      break;

    case PYR_STREAM_RECORD_SAMPLE:
      {
        const struct pyr_stream_sample *s = &record->sample;
        ThreadState *ts = s->thread < imp->threads->len ? g_ptr_array_index (imp->threads, s->thread) : NULL;
        guint32 node = PYR_STACK_ROOT;
        guint32 flags = 0;
        guint same = 0;
        gint64 time;

        if (ts == NULL)
          return -EBADMSG;   /* the reader checks this; be safe anyway */

        /* reuse the nodes of the prefix this stack shares with the thread's previous one */
        while (same < s->depth && same < ts->frames->len &&
               g_array_index (ts->frames, guint32, same) == s->frames[same])
          same++;
        g_array_set_size (ts->frames, same);
        g_array_set_size (ts->nodes, same);
        if (same > 0)
          node = g_array_index (ts->nodes, guint32, same - 1);
        for (guint i = same; i < s->depth; i++)
          {
            guint32 frame = map_id (imp->frames, s->frames[i]);

            if (frame == PYR_ID_NONE)
              return -EBADMSG;
            node = pyr_profile_intern_stack (imp->profile, node, frame);
            g_array_append_val (ts->frames, s->frames[i]);
            g_array_append_val (ts->nodes, node);
          }

        if (s->flags & PYR_STREAM_SAMPLE_IDLE)
          flags |= PYR_SAMPLE_IDLE;
        if (s->flags & PYR_STREAM_SAMPLE_GIL)
          flags |= PYR_SAMPLE_HAS_GIL;
        if (s->flags & PYR_STREAM_SAMPLE_GC)
          flags |= PYR_SAMPLE_IN_GC;

        if (imp->no_time)
          time = PYR_TIME_NONE;
        else
          {
            if (!imp->have_origin)
              {
                imp->origin = (gint64) MIN (s->time_ns, (guint64) G_MAXINT64);
                imp->have_origin = TRUE;
              }
            time = (gint64) MIN (s->time_ns, (guint64) G_MAXINT64) - imp->origin;
          }
        pyr_profile_append_sample (imp->profile, time, ts->profile_thread, node, (double) s->weight, flags);
        imp->n_samples++;
      }
      break;

    case PYR_STREAM_RECORD_END:
      {
        static const char *reasons[] = { "complete", "signal", "target-exited", "error" };
        char code[32];

        pyr_profile_set_metadata (imp->profile, "end-reason",
                                  record->end.reason < G_N_ELEMENTS (reasons) ? reasons[record->end.reason] : "unknown");
        g_snprintf (code, sizeof code, "%" G_GINT64_FORMAT, (gint64) record->end.code);
        pyr_profile_set_metadata (imp->profile, "end-code", code);
        if (record->end.message_len > 0)
          pyr_profile_set_metadata (imp->profile, "end-message", record->end.message);
      }
      break;

    case PYR_STREAM_RECORD_STATS:
      {
        char buf[32];

        g_snprintf (buf, sizeof buf, "%" G_GUINT64_FORMAT, (guint64) record->stats.errors);
        pyr_profile_set_metadata (imp->profile, "sampler-errors", buf);
        g_snprintf (buf, sizeof buf, "%" G_GUINT64_FORMAT, (guint64) record->stats.late);
        pyr_profile_set_metadata (imp->profile, "sampler-late", buf);
      }
      break;

    case PYR_STREAM_RECORD_HEADER:
    case PYR_STREAM_RECORD_LOG:
    case PYR_STREAM_RECORD_UNKNOWN:
    default:
      break;
    }
  return 0;
}

gboolean
pyr_recording_import (PyrProfile       *profile,
                      const char       *data,
                      gsize             len,
                      PyrProgressFunc   progress,
                      gpointer          progress_data,
                      GCancellable     *cancellable,
                      GError          **error)
{
  Importer imp = { 0 };
  gboolean ret = FALSE;
  gsize pos = 0;
  int rc = 0;

  g_return_val_if_fail (PYR_IS_PROFILE (profile), FALSE);

  if (!pyr_recording_detect (data, len))
    {
      g_set_error_literal (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_INVALID,
                           _("byte 0: not a Pyrometer recording (wrong magic bytes)"));
      return FALSE;
    }

  imp.profile = profile;
  imp.strings = g_array_new (FALSE, FALSE, sizeof (guint32));
  imp.frames = g_array_new (FALSE, FALSE, sizeof (guint32));
  imp.threads = g_ptr_array_new_with_free_func (thread_state_free);
  imp.reader = pyr_stream_reader_new (on_record, &imp);
  if (imp.reader == NULL)
    g_error ("out of memory");

  while (pos < len)
    {
      gsize n = MIN (FEED_CHUNK, len - pos);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        goto out;
      rc = pyr_stream_reader_feed (imp.reader, data + pos, n);
      if (rc < 0)
        break;
      pos += n;
      if (progress != NULL)
        progress ((double) pos / len, progress_data);
    }

  if (rc >= 0)
    rc = pyr_stream_reader_finish (imp.reader);

  if (rc < 0)
    {
      g_set_error (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_INVALID, "%s",
                   pyr_stream_reader_error_message (imp.reader) ?: g_strerror (-rc));
      goto out;
    }
  if (rc == PYR_STREAM_TRUNCATED)
    pyr_profile_set_metadata (profile, "truncated", pyr_stream_reader_error_message (imp.reader) ?: "true");

  {
    g_autofree char *origin = pyr_profile_dup_metadata (profile, "origin");
    g_autofree char *units = pyr_profile_dup_metadata (profile, "units");

    if (origin == NULL)
      pyr_profile_set_metadata (profile, "origin", "pyrometer");
    if (units == NULL)
      pyr_profile_set_metadata (profile, "units", "samples");
  }
  ret = TRUE;

out:
  pyr_stream_reader_free (imp.reader);
  g_array_unref (imp.strings);
  g_array_unref (imp.frames);
  g_ptr_array_unref (imp.threads);
  return ret;
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
