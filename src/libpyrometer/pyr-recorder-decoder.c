/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "pyr-recorder-decoder.h"
#include "pyr-stream-reader.h"

typedef struct
{
  guint32  profile_thread;
  GArray  *stream_frames;   /* guint32: the thread's previous stack, stream frame ids */
  GArray  *nodes;           /* guint32: the profile nodes of that stack */
} ThreadStack;

struct _PyrRecorderDecoder
{
  PyrProfile               *profile;
  struct pyr_stream_reader *reader;
  GArray                   *string_map;   /* stream string id -> profile sid */
  GArray                   *frame_map;    /* stream frame id -> profile frame */
  GPtrArray                *threads;      /* stream thread id -> ThreadStack */
  gint64                    origin;
  gboolean                  have_origin;
  gboolean                  untimed;
  gboolean                  failed;
  PyrRecorderDecoderState   state;
};

static void
thread_stack_free (gpointer data)
{
  ThreadStack *ts = data;

  if (ts == NULL)
    return;
  g_array_unref (ts->stream_frames);
  g_array_unref (ts->nodes);
  g_free (ts);
}

static guint32
lookup (GArray  *map,
        guint32  id)
{
  return id < map->len ? g_array_index (map, guint32, id) : PYR_ID_NONE;
}

static void
remember (GArray  *map,
          guint32  id,
          guint32  value)
{
  if (id >= map->len)
    {
      guint old_len = map->len;

      g_array_set_size (map, id + 1);
      for (guint i = old_len; i < map->len; i++)
        g_array_index (map, guint32, i) = PYR_ID_NONE;
    }
  g_array_index (map, guint32, id) = value;
}

static const char *
stream_string (PyrRecorderDecoder *self,
               guint32             id)
{
  guint32 sid = lookup (self->string_map, id);

  return pyr_profile_get_string (self->profile, sid == PYR_ID_NONE ? 0 : sid);
}

static guint32
profile_sid (PyrRecorderDecoder *self,
             guint32             id)
{
  guint32 sid = lookup (self->string_map, id);

  return sid == PYR_ID_NONE ? 0 : sid;
}

static void
set_metadata_u64 (PyrProfile *profile,
                  const char *key,
                  guint64     value)
{
  char buf[32];

  g_snprintf (buf, sizeof buf, "%" G_GUINT64_FORMAT, value);
  pyr_profile_set_metadata (profile, key, buf);
}

static int
add_sample (PyrRecorderDecoder              *self,
            const struct pyr_stream_sample  *s)
{
  ThreadStack *ts = s->thread < self->threads->len ? g_ptr_array_index (self->threads, s->thread) : NULL;
  guint32 node = PYR_STACK_ROOT;
  guint32 flags = 0;
  guint shared = 0;
  gint64 time;

  if (ts == NULL)
    return -EBADMSG;

  /* most stacks repeat most of the thread's previous one: start from the shared prefix */
  while (shared < s->depth && shared < ts->stream_frames->len &&
         g_array_index (ts->stream_frames, guint32, shared) == s->frames[shared])
    shared++;
  g_array_set_size (ts->stream_frames, shared);
  g_array_set_size (ts->nodes, shared);
  if (shared > 0)
    node = g_array_index (ts->nodes, guint32, shared - 1);
  for (guint i = shared; i < s->depth; i++)
    {
      guint32 frame = lookup (self->frame_map, s->frames[i]);

      if (frame == PYR_ID_NONE)
        return -EBADMSG;
      node = pyr_profile_intern_stack (self->profile, node, frame);
      g_array_append_val (ts->stream_frames, s->frames[i]);
      g_array_append_val (ts->nodes, node);
    }

  if (s->flags & PYR_STREAM_SAMPLE_IDLE)
    flags |= PYR_SAMPLE_IDLE;
  if (s->flags & PYR_STREAM_SAMPLE_GIL)
    flags |= PYR_SAMPLE_HAS_GIL;
  if (s->flags & PYR_STREAM_SAMPLE_GC)
    flags |= PYR_SAMPLE_IN_GC;

  if (self->untimed)
    time = PYR_TIME_NONE;
  else
    {
      gint64 t = (gint64) MIN (s->time_ns, (guint64) G_MAXINT64);

      if (!self->have_origin)
        {
          self->origin = t;
          self->have_origin = TRUE;
        }
      time = t - self->origin;
    }
  pyr_profile_append_sample (self->profile, time, ts->profile_thread, node, (double) s->weight, flags);
  self->state.n_samples++;
  return 0;
}

static int
on_record (const struct pyr_stream_record *record,
           void                           *user_data)
{
  PyrRecorderDecoder *self = user_data;

  switch (record->type)
    {
    case PYR_STREAM_RECORD_STRING:
      remember (self->string_map, record->string.id,
                pyr_profile_intern_string (self->profile, record->string.data, record->string.len));
      break;

    case PYR_STREAM_RECORD_FRAME:
      {
        const struct pyr_stream_frame *f = &record->frame.frame;
        PyrFrameKind kind = f->kind <= PYR_STREAM_FRAME_PROCESS ? (PyrFrameKind) f->kind : PYR_FRAME_NATIVE;

        remember (self->frame_map, record->frame.id,
                  pyr_profile_intern_frame (self->profile, profile_sid (self, f->name),
                                            profile_sid (self, f->file),
                                            (gint32) MIN (f->line, (guint32) G_MAXINT32), kind));
      }
      break;

    case PYR_STREAM_RECORD_THREAD:
      {
        const struct pyr_stream_thread *t = &record->thread.thread;
        gint64 tid = t->native_id ? (gint64) t->native_id : (gint64) t->python_id;
        ThreadStack *ts;

        while (self->threads->len <= record->thread.id)
          g_ptr_array_add (self->threads, NULL);
        ts = g_ptr_array_index (self->threads, record->thread.id);
        if (ts == NULL)
          {
            ts = g_new0 (ThreadStack, 1);
            ts->stream_frames = g_array_new (FALSE, FALSE, sizeof (guint32));
            ts->nodes = g_array_new (FALSE, FALSE, sizeof (guint32));
            g_ptr_array_index (self->threads, record->thread.id) = ts;
            ts->profile_thread = pyr_profile_add_thread (self->profile, t->pid, tid,
                                                         stream_string (self, t->name));
          }
        else if (pyr_profile_get_thread_pid (self->profile, ts->profile_thread) == t->pid &&
                 pyr_profile_get_thread_tid (self->profile, ts->profile_thread) == tid)
          /* redefined, as the importer does it: the thread usually just learnt its name */
          pyr_profile_set_thread_name (self->profile, ts->profile_thread, stream_string (self, t->name));
        else
          ts->profile_thread = pyr_profile_add_thread (self->profile, t->pid, tid,
                                                       stream_string (self, t->name));
      }
      break;

    case PYR_STREAM_RECORD_PROCESS:
      pyr_profile_add_process (self->profile, record->process.pid,
                               stream_string (self, record->process.command_line),
                               stream_string (self, record->process.python_version));
      break;

    case PYR_STREAM_RECORD_METADATA:
      {
        const char *key = stream_string (self, record->metadata.key);
        const char *value = stream_string (self, record->metadata.value);

        pyr_profile_set_metadata (self->profile, key, value);
        if (g_str_equal (key, "has-time") && g_str_equal (value, "false"))
          self->untimed = TRUE;
      }
      break;

    case PYR_STREAM_RECORD_SAMPLE:
      return add_sample (self, &record->sample);

    case PYR_STREAM_RECORD_STATS:
      self->state.stats = record->stats;
      self->state.have_stats = TRUE;
      set_metadata_u64 (self->profile, "sampler-errors", record->stats.errors);
      set_metadata_u64 (self->profile, "sampler-late", record->stats.late);
      break;

    case PYR_STREAM_RECORD_END:
      {
        static const char *reasons[] = { "complete", "signal", "target-exited", "error" };
        char code[32];

        self->state.have_end = TRUE;
        self->state.end_reason = record->end.reason;
        self->state.end_code = record->end.code;
        g_free (self->state.end_message);
        self->state.end_message = record->end.message_len > 0 ? g_strdup (record->end.message) : NULL;

        pyr_profile_set_metadata (self->profile, "end-reason",
                                  record->end.reason < G_N_ELEMENTS (reasons) ? reasons[record->end.reason] : "unknown");
        g_snprintf (code, sizeof code, "%" G_GINT64_FORMAT, (gint64) record->end.code);
        pyr_profile_set_metadata (self->profile, "end-code", code);
        if (record->end.message_len > 0)
          pyr_profile_set_metadata (self->profile, "end-message", record->end.message);
      }
      break;

    case PYR_STREAM_RECORD_HEADER:
    case PYR_STREAM_RECORD_LOG:
    case PYR_STREAM_RECORD_SAMPLE_SAME:
    case PYR_STREAM_RECORD_UNKNOWN:
    default:
      break;
    }
  return 0;
}

PyrRecorderDecoder *
pyr_recorder_decoder_new (PyrProfile *profile)
{
  PyrRecorderDecoder *self;

  g_return_val_if_fail (PYR_IS_PROFILE (profile), NULL);

  self = g_new0 (PyrRecorderDecoder, 1);
  self->profile = g_object_ref (profile);
  self->string_map = g_array_new (FALSE, FALSE, sizeof (guint32));
  self->frame_map = g_array_new (FALSE, FALSE, sizeof (guint32));
  self->threads = g_ptr_array_new_with_free_func (thread_stack_free);
  self->reader = pyr_stream_reader_new (on_record, self);
  if (self->reader == NULL)
    g_error ("out of memory");
  return self;
}

void
pyr_recorder_decoder_free (PyrRecorderDecoder *self)
{
  if (self == NULL)
    return;
  pyr_stream_reader_free (self->reader);
  g_array_unref (self->string_map);
  g_array_unref (self->frame_map);
  g_ptr_array_unref (self->threads);
  g_free (self->state.end_message);
  g_object_unref (self->profile);
  g_free (self);
}

static void
set_stream_error (PyrRecorderDecoder *self,
                  int                 rc,
                  GError            **error)
{
  const char *message = pyr_stream_reader_error_message (self->reader);

  self->failed = TRUE;
  g_set_error_literal (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_INVALID,
                       message != NULL ? message : g_strerror (-rc));
}

gboolean
pyr_recorder_decoder_feed (PyrRecorderDecoder  *self,
                           const void          *data,
                           gsize                len,
                           GError             **error)
{
  int rc;

  g_return_val_if_fail (self != NULL, FALSE);

  if (self->failed)
    {
      set_stream_error (self, -EBADMSG, error);
      return FALSE;
    }
  self->state.n_bytes += len;
  rc = pyr_stream_reader_feed (self->reader, data, len);
  if (rc < 0)
    {
      set_stream_error (self, rc, error);
      return FALSE;
    }
  return TRUE;
}

gboolean
pyr_recorder_decoder_finish (PyrRecorderDecoder  *self,
                             GError             **error)
{
  g_autofree char *origin = NULL;
  g_autofree char *units = NULL;
  int rc;

  g_return_val_if_fail (self != NULL, FALSE);

  if (self->failed)
    {
      set_stream_error (self, -EBADMSG, error);
      return FALSE;
    }
  rc = pyr_stream_reader_finish (self->reader);
  if (rc < 0)
    {
      set_stream_error (self, rc, error);
      return FALSE;
    }
  if (rc == PYR_STREAM_TRUNCATED && self->state.n_bytes > 0)
    {
      const char *message = pyr_stream_reader_error_message (self->reader);

      pyr_profile_set_metadata (self->profile, "truncated", message != NULL ? message : "true");
    }

  origin = pyr_profile_dup_metadata (self->profile, "origin");
  units = pyr_profile_dup_metadata (self->profile, "units");
  if (origin == NULL)
    pyr_profile_set_metadata (self->profile, "origin", "pyrometer");
  if (units == NULL)
    pyr_profile_set_metadata (self->profile, "units", "samples");
  return TRUE;
}

const PyrRecorderDecoderState *
pyr_recorder_decoder_get_state (PyrRecorderDecoder *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return &self->state;
}
