/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "pyr-speedscope.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "pyr-json-reader.h"
#include "pyr-text-writer.h"

/* Deep enough for any speedscope file (which nests 5 levels), shallow enough that a hostile
 * file of brackets ends quickly in an error. */
#define MAX_DEPTH 64

typedef struct
{
  const char *name;
  double      to_model;   /* factor from the file's unit to the model's */
  const char *units;      /* the model's "units" metadata */
  gboolean    is_time;
} UnitInfo;

static const UnitInfo units_table[] = {
  { "none",         1.0, "samples",     FALSE },
  { "nanoseconds",  1.0, "nanoseconds", TRUE },
  { "microseconds", 1e3, "nanoseconds", TRUE },
  { "milliseconds", 1e6, "nanoseconds", TRUE },
  { "seconds",      1e9, "nanoseconds", TRUE },
  { "bytes",        1.0, "bytes",       FALSE },
};

typedef enum
{
  PROFILE_UNKNOWN,
  PROFILE_SAMPLED,
  PROFILE_EVENTED,
} ProfileType;

typedef struct
{
  guint32 node;
  double  start;
  double  length;
} Interval;

/* Samples seen before, by their text: py-spy writes the same stacks over and over, and
 * comparing bytes is much cheaper than reading numbers and walking the stack tree. */
#define SAMPLE_CACHE_BITS 14

/* Small enough to stay in the CPU's cache: the text's place is looked up only on a tag match. */
typedef struct
{
  guint32 tag;
  guint32 node;
} CachedSample;

typedef struct
{
  gsize   offset;
  gsize   len;
} CachedText;

typedef struct
{
  PyrProfile      *profile;
  const char      *data;
  gsize            len;
  PyrProgressFunc  progress;
  gpointer         progress_data;
  double           last_progress;
  GCancellable    *cancellable;
  guint            work;

  /* an error with no place in the JSON (cancellation); the reader's error otherwise */
  GError          *error;

  GArray          *frame_ids;       /* guint32: index in shared.frames → model frame */
  gboolean         have_frames;

  int              time_mode;       /* -1: undecided, 0: no time, 1: time */
  const UnitInfo  *file_unit;       /* the first profile's unit */
  GArray          *threads;         /* guint32: profile index → model thread */
  gint64           active_index;

  /* scratch, reused from one profile to the next */
  GArray          *nodes;
  GArray          *weights;
  GArray          *intervals;
  GArray          *open_frames;     /* guint32 index in shared.frames */
  GArray          *open_nodes;
  GArray          *open_events;
  guint32         *prefix_frames;
  guint32         *prefix_nodes;
  guint            prefix_allocated;
  guint            prefix_len;
  guint32         *scratch;
  guint32         *after;           /* the previous scanned sample: offsets after each comma */
  guint            scratch_allocated;
  const char      *prev_text;       /* the previous scanned sample, whose frames are in scratch */
  gsize            prev_len;
  guint            prev_n;
  CachedSample    *sample_cache;
  CachedText      *sample_texts;
} Import;

typedef struct
{
  guint           index;
  ProfileType     type;
  char           *name;
  const UnitInfo *unit;
  gboolean        has_start;
  gboolean        has_end;
  double          start;
  double          end;
  gboolean        has_samples;
  gboolean        has_weights;
  gboolean        has_events;
} ProfileInfo;

static void
import_clear (Import *imp)
{
  g_clear_error (&imp->error);
  g_clear_pointer (&imp->frame_ids, g_array_unref);
  g_clear_pointer (&imp->threads, g_array_unref);
  g_clear_pointer (&imp->nodes, g_array_unref);
  g_clear_pointer (&imp->weights, g_array_unref);
  g_clear_pointer (&imp->intervals, g_array_unref);
  g_clear_pointer (&imp->open_frames, g_array_unref);
  g_clear_pointer (&imp->open_nodes, g_array_unref);
  g_clear_pointer (&imp->open_events, g_array_unref);
  g_clear_pointer (&imp->prefix_frames, g_free);
  g_clear_pointer (&imp->prefix_nodes, g_free);
  g_clear_pointer (&imp->sample_cache, g_free);
  g_clear_pointer (&imp->sample_texts, g_free);
  g_clear_pointer (&imp->scratch, g_free);
  g_clear_pointer (&imp->after, g_free);
}

static inline guint64
hash_bytes (const char *p,
            gsize       len)
{
  guint64 h = 0x9E3779B97F4A7C15ull ^ len;
  guint64 v = 0;

  for (; len >= 8; p += 8, len -= 8)
    {
      memcpy (&v, p, 8);
      h = (h ^ v) * 0xFF51AFD7ED558CCDull;
      h ^= h >> 32;
    }
  v = 0;
  memcpy (&v, p, len);
  h = (h ^ v) * 0xC4CEB9FE1A85EC53ull;
  return h ^ (h >> 29);
}

gboolean
pyr_speedscope_detect (const char *data,
                       gsize       len)
{
  static const char schema[] = "\"" PYR_SPEEDSCOPE_SCHEMA "\"";
  const gsize window = 64 * 1024;
  gsize i = 0;

  while (i < len && g_ascii_isspace (data[i]))
    i++;
  if (i >= len || data[i] != '{')
    return FALSE;

  /* $schema may be the first member (speedscope, py-spy) or the last (sorted keys) */
  if (memmem (data, MIN (len, window), schema, sizeof schema - 1))
    return TRUE;
  if (len > window && memmem (data + len - window, window, schema, sizeof schema - 1))
    return TRUE;

  return FALSE;
}

static gboolean
tick (Import        *imp,
      PyrJsonReader *reader)
{
  double fraction;

  if (G_LIKELY ((++imp->work & 0x3fff) != 0))
    return TRUE;

  if (g_cancellable_is_cancelled (imp->cancellable))
    {
      g_set_error_literal (&imp->error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_CANCELLED,
                           _("The import was cancelled"));
      return FALSE;
    }

  fraction = imp->len ? (double) pyr_json_reader_get_offset (reader) / imp->len : 1.0;
  if (imp->progress != NULL && fraction >= imp->last_progress + 1.0 / 256)
    {
      imp->last_progress = fraction;
      imp->progress (fraction, imp->progress_data);
    }

  return TRUE;
}

static gboolean
unexpected (PyrJsonReader *reader,
            PyrJsonToken   token,
            const char    *what)
{
  if (token != PYR_JSON_TOKEN_ERROR)
    pyr_json_reader_set_error (reader, PYR_IMPORT_ERROR_INVALID, _("expected %s, found %s"),
                               what, pyr_json_reader_token_name (token));
  return FALSE;
}

/* TRUE when a member name comes next; at the object's end or an error, FALSE with token saying which. */
static gboolean
next_member (PyrJsonReader *reader,
             PyrJsonToken  *token)
{
  *token = pyr_json_reader_next (reader);
  return *token == PYR_JSON_TOKEN_MEMBER;
}

/* A member that may appear once per object; seen says whether it did already. */
static gboolean
first_occurrence (PyrJsonReader *reader,
                  gboolean       seen,
                  const char    *member)
{
  if (!seen)
    return TRUE;
  /* Translators: %s is a member name of the JSON file, such as "samples" */
  pyr_json_reader_set_error (reader, PYR_IMPORT_ERROR_INVALID, _("\"%s\" appears twice"), member);
  return FALSE;
}

static gboolean
expect (PyrJsonReader *reader,
        PyrJsonToken   want,
        const char    *what)
{
  PyrJsonToken token = pyr_json_reader_next (reader);

  if (token == want)
    return TRUE;
  return unexpected (reader, token, what);
}

static gboolean
read_number (PyrJsonReader *reader,
             double        *value,
             gboolean      *seen)
{
  if (!expect (reader, PYR_JSON_TOKEN_NUMBER, _("a number")) ||
      !pyr_json_reader_get_double (reader, value))
    return FALSE;
  *seen = TRUE;
  return TRUE;
}

/* A string member value, or NULL for null. */
static gboolean
read_optional_string (PyrJsonReader  *reader,
                      char          **value)
{
  PyrJsonToken token = pyr_json_reader_next (reader);

  g_clear_pointer (value, g_free);
  if (token == PYR_JSON_TOKEN_NULL)
    return TRUE;
  if (token != PYR_JSON_TOKEN_STRING)
    return unexpected (reader, token, _("a string or null"));

  *value = pyr_json_reader_dup_string (reader);
  return TRUE;
}

static const char *
frame_name (Import  *imp,
            guint32  index)
{
  guint32 frame = g_array_index (imp->frame_ids, guint32, index);

  return pyr_profile_get_string (imp->profile, pyr_profile_get_frame_name (imp->profile, frame));
}

static gboolean
parse_frame (Import        *imp,
             PyrJsonReader *reader)
{
  g_autofree char *name = NULL;
  g_autofree char *file = NULL;
  gint64 line = 0;
  guint32 name_sid, file_sid, frame;
  PyrJsonToken token;

  while (next_member (reader, &token))
    {
      if (pyr_json_reader_member_is (reader, "name"))
        {
          if (!read_optional_string (reader, &name))
            return FALSE;
        }
      else if (pyr_json_reader_member_is (reader, "file"))
        {
          if (!read_optional_string (reader, &file))
            return FALSE;
        }
      else if (pyr_json_reader_member_is (reader, "line"))
        {
          token = pyr_json_reader_next (reader);
          if (token == PYR_JSON_TOKEN_NULL)
            line = 0;
          else if (token != PYR_JSON_TOKEN_NUMBER)
            return unexpected (reader, token, _("a line number or null"));
          else if (!pyr_json_reader_get_int64 (reader, &line))
            return FALSE;
          else if (line < 0)
            line = 0;   /* some tools write -1 for "unknown" */
          else if (line > G_MAXINT32)
            {
              pyr_json_reader_set_error (reader, PYR_IMPORT_ERROR_INVALID,
                                         _("line %lld is out of range"), (long long) line);
              return FALSE;
            }
        }
      else if (!pyr_json_reader_skip_value (reader))   /* "col" and anything newer */
        return FALSE;
    }
  if (token != PYR_JSON_TOKEN_END_OBJECT)
    return FALSE;

  /* the schema wants a name, but a nameless frame is still a frame of the stacks */
  name_sid = pyr_profile_intern_string (imp->profile, name ? name : _("(unnamed)"), -1);
  file_sid = file ? pyr_profile_intern_string (imp->profile, file, -1) : 0;
  frame = pyr_profile_intern_frame (imp->profile, name_sid, file_sid, (gint32) line,
                                    PYR_FRAME_PYTHON);
  g_array_append_val (imp->frame_ids, frame);

  return TRUE;
}

static gboolean
parse_shared (Import        *imp,
              PyrJsonReader *reader)
{
  PyrJsonToken token;

  if (!expect (reader, PYR_JSON_TOKEN_BEGIN_OBJECT, _("an object")))
    return FALSE;

  while (next_member (reader, &token))
    {
      if (!pyr_json_reader_member_is (reader, "frames"))
        {
          if (!pyr_json_reader_skip_value (reader))
            return FALSE;
          continue;
        }

      if (!first_occurrence (reader, imp->have_frames, "frames") ||
          !expect (reader, PYR_JSON_TOKEN_BEGIN_ARRAY, _("an array of frames")))
        return FALSE;
      for (;;)
        {
          token = pyr_json_reader_next (reader);
          if (token == PYR_JSON_TOKEN_END_ARRAY)
            break;
          if (token != PYR_JSON_TOKEN_BEGIN_OBJECT)
            return unexpected (reader, token, _("a frame (an object)"));
          if (!parse_frame (imp, reader) || !tick (imp, reader))
            return FALSE;
        }
      imp->have_frames = TRUE;
    }
  if (token != PYR_JSON_TOKEN_END_OBJECT)
    return FALSE;

  if (!imp->have_frames)
    {
      pyr_json_reader_set_error (reader, PYR_IMPORT_ERROR_INVALID,
                                 _("\"shared\" has no \"frames\""));
      return FALSE;
    }

  return TRUE;
}

/* The stack node of a sample, from its frames (model ids, root first). Consecutive samples
 * mostly share their roots: walk the previous stack's path while the frames agree, and hash
 * only from the first difference on. */
static guint32
intern_sample (Import        *imp,
               const guint32 *frames,
               guint          n_frames)
{
  guint32 node = PYR_STACK_ROOT;

  if (n_frames > imp->prefix_allocated)
    {
      imp->prefix_allocated = MAX (n_frames, imp->prefix_allocated * 2);
      imp->prefix_frames = g_renew (guint32, imp->prefix_frames, imp->prefix_allocated);
      imp->prefix_nodes = g_renew (guint32, imp->prefix_nodes, imp->prefix_allocated);
    }

  for (guint depth = 0; depth < n_frames; depth++)
    {
      if (depth < imp->prefix_len && imp->prefix_frames[depth] == frames[depth])
        {
          node = imp->prefix_nodes[depth];
          continue;
        }
      node = pyr_profile_intern_stack (imp->profile, node, frames[depth]);
      imp->prefix_frames[depth] = frames[depth];
      imp->prefix_nodes[depth] = node;
      imp->prefix_len = depth + 1;
    }

  return node;
}

/* Reads "[1, 2, 3]" (from '[' to the ']' at @end) into model frame ids in imp->scratch, or
 * returns -1 for anything unusual (a big or bad number, an unknown frame): the tokenizer then
 * reads the sample again, and explains what is wrong with it.
 *
 * Neighbouring samples share their roots, and so the start of their text: the frames of the
 * elements the previous sample's text has in common with this one are still in imp->scratch,
 * and only the rest is read. */
static gssize
scan_flat_sample (Import     *imp,
                  const char *p,
                  const char *end)
{
  const guint32 *frame_ids = (const guint32 *) imp->frame_ids->data;
  guint32 n_frames = imp->frame_ids->len;
  const char *start = p;
  gsize len = end + 1 - start;
  guint n = 0;

#define SKIP_WS() while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') p++

  if (imp->prev_text != NULL && imp->prev_n > 1)
    {
      gsize limit = MIN (imp->prev_len, len);
      gsize common = 0;

      while (common + 8 <= limit && memcmp (imp->prev_text + common, start + common, 8) == 0)
        common += 8;
      while (common < limit && imp->prev_text[common] == start[common])
        common++;
      /* element i and the comma after it end at after[i] */
      while (n + 1 < imp->prev_n && imp->after[n] <= common)
        n++;
      if (n > 0)
        p = start + imp->after[n - 1];
    }
  imp->prev_text = NULL;

  if (n == 0)
    {
      p++;
      SKIP_WS ();
      if (p == end)
        return 0;
    }
  else
    SKIP_WS ();

  for (;;)
    {
      guint64 value;

      if (*p == '0')
        {
          value = 0;
          p++;
        }
      else if (*p >= '1' && *p <= '9')
        {
          const char *digits = p;

          value = 0;
          while (*p >= '0' && *p <= '9' && p - digits < 10)
            value = value * 10 + (*p++ - '0');
        }
      else
        return -1;
      if (value >= n_frames || (*p >= '0' && *p <= '9'))
        return -1;

      if (n == imp->scratch_allocated)
        {
          imp->scratch_allocated = MAX (64, imp->scratch_allocated * 2);
          imp->scratch = g_renew (guint32, imp->scratch, imp->scratch_allocated);
          imp->after = g_renew (guint32, imp->after, imp->scratch_allocated);
        }
      imp->scratch[n++] = frame_ids[value];

      SKIP_WS ();
      if (p == end)
        break;
      if (*p != ',')
        return -1;
      p++;
      imp->after[n - 1] = p - start;
      SKIP_WS ();
    }

#undef SKIP_WS

  if (len <= G_MAXUINT32)
    {
      imp->prev_text = start;
      imp->prev_len = len;
      imp->prev_n = n;
    }
  return n;
}

static gboolean
parse_samples (Import        *imp,
               PyrJsonReader *reader,
               ProfileInfo   *info)
{
  const guint32 *frame_ids = (const guint32 *) imp->frame_ids->data;
  guint32 n_frames = imp->frame_ids->len;
  PyrJsonToken token;

  if (!expect (reader, PYR_JSON_TOKEN_BEGIN_ARRAY, _("an array of samples")))
    return FALSE;

  g_array_set_size (imp->nodes, 0);
  if (imp->sample_cache == NULL)
    {
      imp->sample_cache = g_new0 (CachedSample, 1 << SAMPLE_CACHE_BITS);
      imp->sample_texts = g_new0 (CachedText, 1 << SAMPLE_CACHE_BITS);
    }

  for (;;)
    {
      guint32 node;
      guint depth = 0;
      CachedSample *cached = NULL;
      CachedText *cached_text = NULL;
      guint64 hash = 0;
      guint32 tag = 0;
      gsize text_len = 0;
      const char *text = pyr_json_reader_peek_flat_array (reader, &text_len);
      gssize n;

      if (text != NULL)
        {
          gsize slot;

          hash = hash_bytes (text, text_len);
          slot = hash & ((1 << SAMPLE_CACHE_BITS) - 1);
          tag = (guint32) (hash >> 32) | 1;   /* 0 is an empty slot */
          cached = &imp->sample_cache[slot];
          cached_text = &imp->sample_texts[slot];
          if (cached->tag == tag && cached_text->len == text_len &&
              memcmp (imp->data + cached_text->offset, text, text_len) == 0)
            {
              node = cached->node;
              pyr_json_reader_skip_flat_array (reader, text, text_len);
              goto append;
            }

          if ((n = scan_flat_sample (imp, text, text + text_len - 1)) >= 0)
            {
              node = intern_sample (imp, imp->scratch, n);
              pyr_json_reader_skip_flat_array (reader, text, text_len);
              goto remember;
            }
        }

      /* the slow way, which says what is wrong */
      imp->prev_text = NULL;
      token = pyr_json_reader_next (reader);
      if (token == PYR_JSON_TOKEN_END_ARRAY)
        break;
      if (token != PYR_JSON_TOKEN_BEGIN_ARRAY)
        return unexpected (reader, token, _("a sample (an array of frame indices)"));

      while ((token = pyr_json_reader_next (reader)) == PYR_JSON_TOKEN_NUMBER)
        {
          guint32 index;

          if (!pyr_json_reader_get_uint32 (reader, &index))
            return FALSE;
          if (index >= n_frames)
            {
              pyr_json_reader_set_error (reader, PYR_IMPORT_ERROR_INVALID,
                                         _("profile %u sample %u: frame %u does not exist "
                                           "(shared.frames has %u)"),
                                         info->index, imp->nodes->len, index, n_frames);
              return FALSE;
            }
          if (depth == imp->scratch_allocated)
            {
              imp->scratch_allocated = MAX (64, imp->scratch_allocated * 2);
              imp->scratch = g_renew (guint32, imp->scratch, imp->scratch_allocated);
              imp->after = g_renew (guint32, imp->after, imp->scratch_allocated);
            }
          imp->scratch[depth++] = frame_ids[index];
        }
      if (token != PYR_JSON_TOKEN_END_ARRAY)
        return unexpected (reader, token, _("a frame index"));
      node = intern_sample (imp, imp->scratch, depth);

    remember:
      if (cached != NULL)
        {
          cached->tag = tag;
          cached->node = node;
          cached_text->offset = text - imp->data;
          cached_text->len = text_len;
        }

    append:
      g_array_append_val (imp->nodes, node);
      if (!tick (imp, reader))
        return FALSE;
    }

  info->has_samples = TRUE;
  return TRUE;
}

static gboolean
parse_weights (Import        *imp,
               PyrJsonReader *reader,
               ProfileInfo   *info)
{
  PyrJsonToken token;

  if (!expect (reader, PYR_JSON_TOKEN_BEGIN_ARRAY, _("an array of weights")))
    return FALSE;

  g_array_set_size (imp->weights, 0);

  for (;;)
    {
      double weight;

      token = pyr_json_reader_next (reader);
      if (token == PYR_JSON_TOKEN_END_ARRAY)
        break;
      if (token != PYR_JSON_TOKEN_NUMBER)
        return unexpected (reader, token, _("a weight (a number)"));
      if (!pyr_json_reader_get_double (reader, &weight))
        return FALSE;
      if (weight < 0)
        {
          pyr_json_reader_set_error (reader, PYR_IMPORT_ERROR_INVALID,
                                     _("profile %u sample %u: weight %g is negative"),
                                     info->index, imp->weights->len, weight);
          return FALSE;
        }
      g_array_append_val (imp->weights, weight);
      if (!tick (imp, reader))
        return FALSE;
    }

  info->has_weights = TRUE;
  return TRUE;
}

static gboolean
parse_events (Import        *imp,
              PyrJsonReader *reader,
              ProfileInfo   *info)
{
  const guint32 *frame_ids = (const guint32 *) imp->frame_ids->data;
  guint32 n_frames = imp->frame_ids->len;
  double last_at = 0;
  guint n_events = 0;
  PyrJsonToken token;

  if (!expect (reader, PYR_JSON_TOKEN_BEGIN_ARRAY, _("an array of events")))
    return FALSE;

  g_array_set_size (imp->intervals, 0);
  g_array_set_size (imp->open_frames, 0);
  g_array_set_size (imp->open_nodes, 0);
  g_array_set_size (imp->open_events, 0);

  for (;; n_events++)
    {
      char type = 0;
      gboolean has_frame = FALSE, has_at = FALSE;
      guint32 index = 0;
      double at = 0;
      guint n_open = imp->open_frames->len;

      token = pyr_json_reader_next (reader);
      if (token == PYR_JSON_TOKEN_END_ARRAY)
        break;
      if (token != PYR_JSON_TOKEN_BEGIN_OBJECT)
        return unexpected (reader, token, _("an event (an object)"));

      while (next_member (reader, &token))
        {
          if (pyr_json_reader_member_is (reader, "type"))
            {
              const char *s;
              gsize len;

              if (!expect (reader, PYR_JSON_TOKEN_STRING, _("an event type (\"O\" or \"C\")")))
                return FALSE;
              s = pyr_json_reader_get_string (reader, &len);
              if (len != 1 || (s[0] != 'O' && s[0] != 'C'))
                {
                  pyr_json_reader_set_error (reader, PYR_IMPORT_ERROR_INVALID,
                                             _("event type must be \"O\" or \"C\", not \"%.20s\""),
                                             s);
                  return FALSE;
                }
              type = s[0];
            }
          else if (pyr_json_reader_member_is (reader, "frame"))
            {
              if (!expect (reader, PYR_JSON_TOKEN_NUMBER, _("a frame index")) ||
                  !pyr_json_reader_get_uint32 (reader, &index))
                return FALSE;
              if (index >= n_frames)
                {
                  pyr_json_reader_set_error (reader, PYR_IMPORT_ERROR_INVALID,
                                             _("profile %u event %u: frame %u does not exist "
                                               "(shared.frames has %u)"),
                                             info->index, n_events, index, n_frames);
                  return FALSE;
                }
              has_frame = TRUE;
            }
          else if (pyr_json_reader_member_is (reader, "at"))
            {
              if (!expect (reader, PYR_JSON_TOKEN_NUMBER, _("a time (a number)")) ||
                  !pyr_json_reader_get_double (reader, &at))
                return FALSE;
              has_at = TRUE;
            }
          else if (!pyr_json_reader_skip_value (reader))
            return FALSE;
        }
      if (token != PYR_JSON_TOKEN_END_OBJECT)
        return FALSE;

      if (type == 0 || !has_frame || !has_at)
        {
          pyr_json_reader_set_error (reader, PYR_IMPORT_ERROR_INVALID,
                                     _("profile %u event %u has no \"%s\""),
                                     info->index, n_events,
                                     type == 0 ? "type" : !has_frame ? "frame" : "at");
          return FALSE;
        }

      if (n_events > 0 && at < last_at)
        {
          pyr_json_reader_set_error (reader, PYR_IMPORT_ERROR_INVALID,
                                     _("profile %u event %u: time %g is before the previous "
                                       "event's %g; events must be in time order"),
                                     info->index, n_events, at, last_at);
          return FALSE;
        }

      if (n_open > 0 && at > last_at)
        {
          Interval iv = {
            g_array_index (imp->open_nodes, guint32, n_open - 1),
            last_at,
            at - last_at,
          };

          g_array_append_val (imp->intervals, iv);
        }

      if (type == 'O')
        {
          guint32 parent = n_open ? g_array_index (imp->open_nodes, guint32, n_open - 1)
                                  : PYR_STACK_ROOT;
          guint32 node = pyr_profile_intern_stack (imp->profile, parent, frame_ids[index]);

          g_array_append_val (imp->open_frames, index);
          g_array_append_val (imp->open_nodes, node);
          g_array_append_val (imp->open_events, n_events);
        }
      else
        {
          guint32 top;

          if (n_open == 0)
            {
              pyr_json_reader_set_error (reader, PYR_IMPORT_ERROR_INVALID,
                                         _("profile %u event %u: closing frame %u “%s” but no "
                                           "frame is open"),
                                         info->index, n_events, index, frame_name (imp, index));
              return FALSE;
            }
          top = g_array_index (imp->open_frames, guint32, n_open - 1);
          if (top != index)
            {
              pyr_json_reader_set_error (reader, PYR_IMPORT_ERROR_INVALID,
                                         _("profile %u event %u: closing frame %u “%s” but "
                                           "frame %u “%s” is open"),
                                         info->index, n_events, index, frame_name (imp, index),
                                         top, frame_name (imp, top));
              return FALSE;
            }
          g_array_set_size (imp->open_frames, n_open - 1);
          g_array_set_size (imp->open_nodes, n_open - 1);
          g_array_set_size (imp->open_events, n_open - 1);
        }

      last_at = at;
      if (!tick (imp, reader))
        return FALSE;
    }

  if (imp->open_frames->len > 0)
    {
      guint32 index = g_array_index (imp->open_frames, guint32, imp->open_frames->len - 1);
      guint event = g_array_index (imp->open_events, guint, imp->open_events->len - 1);

      pyr_json_reader_set_error (reader, PYR_IMPORT_ERROR_INVALID,
                                 _("profile %u: frame %u “%s”, opened by event %u, is never "
                                   "closed (%u frames still open at the end)"),
                                 info->index, index, frame_name (imp, index), event,
                                 imp->open_frames->len);
      return FALSE;
    }

  info->has_events = TRUE;
  return TRUE;
}

static void
parse_thread_name (const char *name,
                   guint       index,
                   gint64     *pid,
                   gint64     *tid)
{
  const char *p = name;
  char *end;

  /* py-spy: `Thread 0x7F12 "MainThread"`, or `Process 42 Thread 0x7F12 "MainThread"` */
  *pid = 0;
  *tid = index;

  if (g_str_has_prefix (p, "Process "))
    {
      gint64 v = g_ascii_strtoll (p + 8, &end, 10);

      if (end == p + 8 || *end != ' ')
        return;
      *pid = v;
      p = end + 1;
    }

  if (g_str_has_prefix (p, "Thread 0x"))
    {
      guint64 v = g_ascii_strtoull (p + 9, &end, 16);

      if (end != p + 9 && (*end == 0 || *end == ' ') && v <= G_MAXINT64)
        *tid = (gint64) v;
    }
}

static void
set_profile_metadata (Import      *imp,
                      ProfileInfo *info)
{
  char key[64];
  char value[G_ASCII_DTOSTR_BUF_SIZE];

  g_snprintf (key, sizeof key, "speedscope.profile.%u.unit", info->index);
  pyr_profile_set_metadata (imp->profile, key, info->unit->name);
  if (info->has_start)
    {
      g_snprintf (key, sizeof key, "speedscope.profile.%u.start-value", info->index);
      pyr_profile_set_metadata (imp->profile, key,
                                g_ascii_dtostr (value, sizeof value, info->start));
    }
  if (info->has_end)
    {
      g_snprintf (key, sizeof key, "speedscope.profile.%u.end-value", info->index);
      pyr_profile_set_metadata (imp->profile, key,
                                g_ascii_dtostr (value, sizeof value, info->end));
    }
}

static gboolean
to_time (PyrJsonReader *reader,
         ProfileInfo   *info,
         double         value,
         gint64        *time_ns)
{
  double t = value * info->unit->to_model;

  if (t < 0)
    t = 0;
  if (t >= 9.2e18)
    {
      pyr_json_reader_set_error (reader, PYR_IMPORT_ERROR_INVALID,
                                 _("profile %u: time %g %s is out of range"),
                                 info->index, value, info->unit->name);
      return FALSE;
    }

  *time_ns = (gint64) llround (t);
  return TRUE;
}

static gboolean
weight_too_large (PyrJsonReader *reader,
                  ProfileInfo   *info,
                  double         value)
{
  pyr_json_reader_set_error (reader, PYR_IMPORT_ERROR_INVALID,
                             _("profile %u: a weight of %g %s is too large"),
                             info->index, value, info->unit->name);
  return FALSE;
}

/* Appends what a profile object held, once all its members (in any order) have been read. */
static gboolean
finish_profile (Import        *imp,
                PyrJsonReader *reader,
                ProfileInfo   *info)
{
  const char *missing = NULL;
  g_autofree char *name = NULL;
  gint64 pid, tid;
  guint32 thread;
  double factor;

  if (info->type == PROFILE_UNKNOWN)
    missing = "type";
  else if (info->type == PROFILE_SAMPLED && !info->has_samples)
    missing = "samples";
  else if (info->type == PROFILE_SAMPLED && !info->has_weights)
    missing = "weights";
  else if (info->type == PROFILE_EVENTED && !info->has_events)
    missing = "events";
  if (missing != NULL)
    {
      pyr_json_reader_set_error (reader, PYR_IMPORT_ERROR_INVALID,
                                 _("profile %u has no \"%s\""), info->index, missing);
      return FALSE;
    }

  if (info->unit == NULL)
    info->unit = &units_table[0];

  if (imp->file_unit == NULL)
    imp->file_unit = info->unit;
  else if (strcmp (imp->file_unit->units, info->unit->units) != 0)
    {
      pyr_json_reader_set_error (reader, PYR_IMPORT_ERROR_UNSUPPORTED,
                                 _("profile %u is in %s but an earlier profile in %s; "
                                   "all profiles of a file must measure the same thing"),
                                 info->index, info->unit->name, imp->file_unit->name);
      return FALSE;
    }

  if (imp->time_mode < 0)
    imp->time_mode = info->type == PROFILE_EVENTED && info->unit->is_time;

  if (info->type == PROFILE_SAMPLED && imp->nodes->len != imp->weights->len)
    {
      pyr_json_reader_set_error (reader, PYR_IMPORT_ERROR_INVALID,
                                 _("profile %u has %u samples but %u weights"),
                                 info->index, imp->nodes->len, imp->weights->len);
      return FALSE;
    }

  name = info->name ? g_strdup (info->name) : g_strdup_printf (_("Profile %u"), info->index);
  parse_thread_name (name, info->index, &pid, &tid);
  thread = pyr_profile_add_thread (imp->profile, pid, tid, name);
  g_array_append_val (imp->threads, thread);
  set_profile_metadata (imp, info);

  factor = info->unit->to_model;

  if (info->type == PROFILE_SAMPLED)
    {
      const guint32 *nodes = (const guint32 *) imp->nodes->data;
      const double *weights = (const double *) imp->weights->data;
      double elapsed = 0;

      for (guint i = 0; i < imp->nodes->len; i++)
        {
          gint64 time_ns = PYR_TIME_NONE;

          /* speedscope skips them too: they would show nowhere */
          if (weights[i] == 0)
            continue;
          if (imp->time_mode == 1 &&
              !to_time (reader, info, elapsed, &time_ns))
            return FALSE;
          if (!isfinite (weights[i] * factor))
            return weight_too_large (reader, info, weights[i]);
          pyr_profile_append_sample (imp->profile, time_ns, thread, nodes[i],
                                     weights[i] * factor, 0);
          elapsed += weights[i];
        }
    }
  else
    {
      const Interval *intervals = (const Interval *) imp->intervals->data;
      double start = 0;

      if (info->has_start)
        start = info->start;
      else if (imp->intervals->len > 0)
        start = intervals[0].start;

      for (guint i = 0; i < imp->intervals->len; i++)
        {
          gint64 time_ns = PYR_TIME_NONE;

          if (imp->time_mode == 1 && !to_time (reader, info, intervals[i].start - start, &time_ns))
            return FALSE;
          if (!isfinite (intervals[i].length * factor))
            return weight_too_large (reader, info, intervals[i].length);
          pyr_profile_append_sample (imp->profile, time_ns, thread, intervals[i].node,
                                     intervals[i].length * factor, 0);
        }
    }

  return TRUE;
}

static gboolean
parse_profile (Import        *imp,
               PyrJsonReader *reader,
               guint          index)
{
  ProfileInfo info = { .index = index };
  g_autofree char *type = NULL;
  g_autofree char *unit = NULL;
  PyrJsonToken token;
  gboolean ok = FALSE;

  while (next_member (reader, &token))
    {
      if (pyr_json_reader_member_is (reader, "type"))
        {
          if (!expect (reader, PYR_JSON_TOKEN_STRING, _("a profile type")))
            goto out;
          g_free (type);
          type = pyr_json_reader_dup_string (reader);
          if (strcmp (type, "sampled") == 0)
            info.type = PROFILE_SAMPLED;
          else if (strcmp (type, "evented") == 0)
            info.type = PROFILE_EVENTED;
          else
            {
              pyr_json_reader_set_error (reader, PYR_IMPORT_ERROR_UNSUPPORTED,
                                         _("profile %u has type \"%.40s\"; only \"sampled\" and "
                                           "\"evented\" exist"), index, type);
              goto out;
            }
        }
      else if (pyr_json_reader_member_is (reader, "name"))
        {
          if (!read_optional_string (reader, &info.name))
            goto out;
        }
      else if (pyr_json_reader_member_is (reader, "unit"))
        {
          if (!expect (reader, PYR_JSON_TOKEN_STRING, _("a unit")))
            goto out;
          g_free (unit);
          unit = pyr_json_reader_dup_string (reader);
          info.unit = NULL;
          for (guint i = 0; i < G_N_ELEMENTS (units_table); i++)
            if (strcmp (unit, units_table[i].name) == 0)
              info.unit = &units_table[i];
          if (info.unit == NULL)
            {
              pyr_json_reader_set_error (reader, PYR_IMPORT_ERROR_UNSUPPORTED,
                                         _("profile %u has unit \"%.40s\"; speedscope knows "
                                           "none, nanoseconds, microseconds, milliseconds, "
                                           "seconds and bytes"), index, unit);
              goto out;
            }
        }
      else if (pyr_json_reader_member_is (reader, "startValue"))
        {
          if (!read_number (reader, &info.start, &info.has_start))
            goto out;
        }
      else if (pyr_json_reader_member_is (reader, "endValue"))
        {
          if (!read_number (reader, &info.end, &info.has_end))
            goto out;
        }
      else if (pyr_json_reader_member_is (reader, "samples"))
        {
          if (!first_occurrence (reader, info.has_samples, "samples") || !parse_samples (imp, reader, &info))
            goto out;
        }
      else if (pyr_json_reader_member_is (reader, "weights"))
        {
          if (!first_occurrence (reader, info.has_weights, "weights") || !parse_weights (imp, reader, &info))
            goto out;
        }
      else if (pyr_json_reader_member_is (reader, "events"))
        {
          if (!first_occurrence (reader, info.has_events, "events") || !parse_events (imp, reader, &info))
            goto out;
        }
      else if (!pyr_json_reader_skip_value (reader))
        goto out;
    }
  if (token != PYR_JSON_TOKEN_END_OBJECT)
    goto out;

  ok = finish_profile (imp, reader, &info);

out:
  g_free (info.name);
  return ok;
}

static gboolean
parse_profiles (Import        *imp,
                PyrJsonReader *reader)
{
  PyrJsonToken token;
  guint index = 0;

  if (!expect (reader, PYR_JSON_TOKEN_BEGIN_ARRAY, _("an array of profiles")))
    return FALSE;

  for (;; index++)
    {
      token = pyr_json_reader_next (reader);
      if (token == PYR_JSON_TOKEN_END_ARRAY)
        break;
      if (token != PYR_JSON_TOKEN_BEGIN_OBJECT)
        return unexpected (reader, token, _("a profile (an object)"));
      if (!parse_profile (imp, reader, index))
        return FALSE;
    }

  if (index == 0)
    {
      pyr_json_reader_set_error (reader, PYR_IMPORT_ERROR_EMPTY, _("\"profiles\" is empty"));
      return FALSE;
    }

  return TRUE;
}

static gboolean
fail (Import         *imp,
      PyrJsonReader  *reader,
      GError        **error)
{
  if (imp->error != NULL)
    g_propagate_error (error, g_steal_pointer (&imp->error));
  else if (!pyr_json_reader_propagate_error (reader, error))
    g_set_error_literal (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_INVALID,
                         _("Not a speedscope file"));
  return FALSE;
}

static gboolean
import_document (Import        *imp,
                 PyrJsonReader *reader)
{
  gboolean have_schema = FALSE;
  gboolean have_profiles = FALSE;
  gboolean have_shared = FALSE;
  gsize deferred_profiles = G_MAXSIZE;
  g_autofree char *name = NULL;
  g_autofree char *exporter = NULL;
  PyrJsonToken token;

  token = pyr_json_reader_next (reader);
  if (token != PYR_JSON_TOKEN_BEGIN_OBJECT)
    return unexpected (reader, token, _("an object (a speedscope file)"));

  while (next_member (reader, &token))
    {
      if (pyr_json_reader_member_is (reader, "$schema"))
        {
          const char *s;

          if (!expect (reader, PYR_JSON_TOKEN_STRING, _("the schema's address")))
            return FALSE;
          s = pyr_json_reader_get_string (reader, NULL);
          if (strcmp (s, PYR_SPEEDSCOPE_SCHEMA) != 0)
            {
              pyr_json_reader_set_error (reader, PYR_IMPORT_ERROR_UNSUPPORTED,
                                         _("$schema is \"%.80s\", not speedscope's"), s);
              return FALSE;
            }
          have_schema = TRUE;
        }
      else if (pyr_json_reader_member_is (reader, "shared"))
        {
          if (!first_occurrence (reader, have_shared, "shared"))
            return FALSE;
          if (!parse_shared (imp, reader))
            return FALSE;
          have_shared = TRUE;
        }
      else if (pyr_json_reader_member_is (reader, "profiles"))
        {
          if (!first_occurrence (reader, have_profiles, "profiles"))
            return FALSE;
          have_profiles = TRUE;
          /* py-spy writes the profiles before the frames they use: come back for them */
          if (!imp->have_frames)
            {
              if (!pyr_json_reader_skip_member_value_fast (reader, &deferred_profiles))
                return FALSE;
            }
          else if (!parse_profiles (imp, reader))
            return FALSE;
        }
      else if (pyr_json_reader_member_is (reader, "name"))
        {
          if (!read_optional_string (reader, &name))
            return FALSE;
        }
      else if (pyr_json_reader_member_is (reader, "exporter"))
        {
          if (!read_optional_string (reader, &exporter))
            return FALSE;
        }
      else if (pyr_json_reader_member_is (reader, "activeProfileIndex"))
        {
          token = pyr_json_reader_next (reader);
          if (token == PYR_JSON_TOKEN_NUMBER)
            {
              if (!pyr_json_reader_get_int64 (reader, &imp->active_index))
                return FALSE;
            }
          else if (token != PYR_JSON_TOKEN_NULL)
            return unexpected (reader, token, _("a profile index or null"));
        }
      else if (!pyr_json_reader_skip_value (reader))
        return FALSE;
    }
  if (token != PYR_JSON_TOKEN_END_OBJECT)
    return FALSE;

  token = pyr_json_reader_next (reader);
  if (token != PYR_JSON_TOKEN_EOF)
    return FALSE;

  if (!have_schema || !have_shared || !have_profiles)
    {
      pyr_json_reader_set_error (reader, PYR_IMPORT_ERROR_INVALID,
                                 _("not a speedscope file: \"%s\" is missing"),
                                 !have_schema ? "$schema" : !have_shared ? "shared" : "profiles");
      return FALSE;
    }

  if (deferred_profiles != G_MAXSIZE)
    {
      g_autoptr(PyrJsonReader) second = NULL;

      second = pyr_json_reader_new_for_value (imp->data, imp->len, deferred_profiles,
                                              "$.profiles");
      pyr_json_reader_set_max_depth (second, MAX_DEPTH);
      if (!parse_profiles (imp, second))
        {
          /* report the second reader's error through the first */
          if (imp->error == NULL)
            pyr_json_reader_propagate_error (second, &imp->error);
          return FALSE;
        }
    }

  if (name != NULL)
    pyr_profile_set_metadata (imp->profile, "name", name);
  if (exporter != NULL)
    pyr_profile_set_metadata (imp->profile, "exporter", exporter);
  if (imp->active_index >= 0 && imp->active_index < (gint64) imp->threads->len)
    {
      char value[32];

      g_snprintf (value, sizeof value, "%u",
                  g_array_index (imp->threads, guint32, imp->active_index));
      pyr_profile_set_metadata (imp->profile, "active-thread", value);
    }
  pyr_profile_set_metadata (imp->profile, "units", imp->file_unit->units);

  return TRUE;
}

gboolean
pyr_speedscope_import (PyrProfile       *profile,
                       const char       *data,
                       gsize             len,
                       PyrProgressFunc   progress,
                       gpointer          progress_data,
                       GCancellable     *cancellable,
                       GError          **error)
{
  g_autoptr(PyrJsonReader) reader = NULL;
  Import imp = { 0 };
  gboolean ok;

  g_return_val_if_fail (PYR_IS_PROFILE (profile), FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  imp.profile = profile;
  imp.data = data;
  imp.len = len;
  imp.progress = progress;
  imp.progress_data = progress_data;
  imp.cancellable = cancellable;
  imp.time_mode = -1;
  imp.active_index = -1;
  imp.frame_ids = g_array_new (FALSE, FALSE, sizeof (guint32));
  imp.threads = g_array_new (FALSE, FALSE, sizeof (guint32));
  imp.nodes = g_array_new (FALSE, FALSE, sizeof (guint32));
  imp.weights = g_array_new (FALSE, FALSE, sizeof (double));
  imp.intervals = g_array_new (FALSE, FALSE, sizeof (Interval));
  imp.open_frames = g_array_new (FALSE, FALSE, sizeof (guint32));
  imp.open_nodes = g_array_new (FALSE, FALSE, sizeof (guint32));
  imp.open_events = g_array_new (FALSE, FALSE, sizeof (guint));

  reader = pyr_json_reader_new (data, len);
  pyr_json_reader_set_max_depth (reader, MAX_DEPTH);

  if (g_cancellable_is_cancelled (cancellable))
    g_set_error_literal (&imp.error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_CANCELLED,
                         _("The import was cancelled"));

  ok = imp.error == NULL && import_document (&imp, reader);
  if (!ok)
    fail (&imp, reader, error);
  else if (progress != NULL)
    progress (1.0, progress_data);

  import_clear (&imp);
  return ok;
}

/* Export */

static void
append_json_string (GString    *out,
                    const char *str)
{
  g_autofree char *valid = NULL;

  /* the model's strings should be UTF-8 already; a JSON file must be */
  if (!g_utf8_validate (str, -1, NULL))
    str = valid = g_utf8_make_valid (str, -1);

  g_string_append_c (out, '"');
  for (const char *p = str; *p; p++)
    {
      guchar c = *p;

      switch (c)
        {
        case '"': g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        default:
          if (c < 0x20)
            g_string_append_printf (out, "\\u%04x", c);
          else
            g_string_append_c (out, c);
        }
    }
  g_string_append_c (out, '"');
}

/* The shortest text that reads back as the same double. */
static void
append_double (GString *out,
               double   value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (value == floor (value) && fabs (value) < 1e15)
    {
      g_string_append_printf (out, "%" G_GINT64_FORMAT, (gint64) value);
      return;
    }

  g_ascii_formatd (buf, sizeof buf, "%.15g", value);
  if (g_ascii_strtod (buf, NULL) != value)
    g_ascii_formatd (buf, sizeof buf, "%.17g", value);
  g_string_append (out, buf);
}

static inline void
append_uint (GString *out,
             guint64  value)
{
  char buf[24];
  char *p = buf + sizeof buf;

  do
    *--p = '0' + value % 10;
  while ((value /= 10) != 0);
  g_string_append_len (out, p, buf + sizeof buf - p);
}

/* append_double() for a column whose values repeat (every py-spy weight is 1/rate) */
typedef struct
{
  double value;
  char   text[G_ASCII_DTOSTR_BUF_SIZE];
  gsize  len;
} DoubleCache;

static void
append_double_cached (GString     *out,
                      DoubleCache *cache,
                      double       value)
{
  if (cache->len == 0 || cache->value != value || signbit (cache->value) != signbit (value))
    {
      g_autoptr(GString) text = g_string_new (NULL);

      append_double (text, value);
      if (text->len >= sizeof cache->text)
        {
          g_string_append_len (out, text->str, text->len);
          return;
        }
      memcpy (cache->text, text->str, text->len);
      cache->len = text->len;
      cache->value = value;
    }
  g_string_append_len (out, cache->text, cache->len);
}

static const char *
export_unit (PyrProfile *profile)
{
  static const char *const time_units[] = {
    "nanoseconds", "microseconds", "milliseconds", "seconds", "bytes",
  };
  const char *units = pyr_profile_get_units (profile);

  for (guint i = 0; i < G_N_ELEMENTS (time_units); i++)
    if (g_strcmp0 (units, time_units[i]) == 0)
      return time_units[i];

  return "none";
}

gboolean
pyr_speedscope_export (PyrProfile     *profile,
                       GOutputStream  *out,
                       GCancellable   *cancellable,
                       GError        **error)
{
  g_autoptr(GString) buf = g_string_sized_new (512 * 1024);
  g_autoptr(GString) last_stack = g_string_new (NULL);
  g_autoptr(GArray) stack = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GPtrArray) per_thread = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  g_autofree char *name = NULL;
  g_autofree char *active = NULL;
  PyrTextWriter w = { out, cancellable, buf };
  DoubleCache weight_text = { 0 };
  const char *unit = export_unit (profile);
  guint n_samples, n_frames, n_threads, n_profiles;
  guint active_index = 0;

  g_return_val_if_fail (PYR_IS_PROFILE (profile), FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (out), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  n_samples = pyr_profile_get_n_samples (profile);
  n_frames = pyr_profile_get_n_frames (profile);
  n_threads = pyr_profile_get_n_threads (profile);

  /* group the samples by thread, keeping their order */
  for (guint i = 0; i < n_threads; i++)
    g_ptr_array_add (per_thread, g_array_new (FALSE, FALSE, sizeof (guint)));
  for (guint i = 0; i < n_samples; i++)
    {
      guint32 thread = pyr_profile_get_sample_thread (profile, i);
      double weight = pyr_profile_get_sample_weight (profile, i);

      if (!isfinite (weight) || weight < 0)
        {
          g_set_error (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_UNSUPPORTED,
                       _("Sample %u has weight %g; speedscope only takes positive weights"),
                       i, weight);
          return FALSE;
        }
      /* speedscope skips them, and so does the importer: keep the round trip exact */
      if (weight == 0)
        continue;
      /* samples of unknown threads (there should be none) share one extra profile */
      if (thread >= n_threads)
        thread = n_threads;
      if (thread >= per_thread->len)
        g_ptr_array_add (per_thread, g_array_new (FALSE, FALSE, sizeof (guint)));
      g_array_append_val (g_ptr_array_index (per_thread, thread), i);
    }
  /* speedscope cannot open a file without a profile */
  if (per_thread->len == 0)
    g_ptr_array_add (per_thread, g_array_new (FALSE, FALSE, sizeof (guint)));
  n_profiles = per_thread->len;

  name = pyr_profile_dup_metadata (profile, "name");
  if (name == NULL)
    {
      g_autofree char *source = pyr_profile_dup_metadata (profile, "source-file");

      name = source ? g_path_get_basename (source) : g_strdup ("pyrometer profile");
    }
  active = pyr_profile_dup_metadata (profile, "active-thread");
  if (active != NULL)
    {
      guint64 v;

      if (g_ascii_string_to_unsigned (active, 10, 0, n_profiles - 1, &v, NULL))
        active_index = (guint) v;
    }

  g_string_append (buf, "{\"$schema\":\"" PYR_SPEEDSCOPE_SCHEMA "\",\"exporter\":\"pyrometer@"
                   PACKAGE_VERSION "\",\"name\":");
  append_json_string (buf, name);
  g_string_append_printf (buf, ",\"activeProfileIndex\":%u,\"shared\":{\"frames\":[",
                          active_index);

  for (guint32 f = 0; f < n_frames; f++)
    {
      const char *fname = pyr_profile_get_string (profile, pyr_profile_get_frame_name (profile, f));
      const char *file = pyr_profile_get_string (profile, pyr_profile_get_frame_file (profile, f));
      gint32 line = pyr_profile_get_frame_line (profile, f);

      if (f > 0)
        g_string_append_c (buf, ',');
      g_string_append (buf, "{\"name\":");
      append_json_string (buf, fname ? fname : "");
      if (file != NULL && file[0] != 0)
        {
          g_string_append (buf, ",\"file\":");
          append_json_string (buf, file);
        }
      if (line > 0)
        g_string_append_printf (buf, ",\"line\":%d", line);
      g_string_append_c (buf, '}');
      if (!pyr_text_writer_flush (&w, FALSE, error))
        return FALSE;
    }
  g_string_append (buf, "]},\"profiles\":[");

  for (guint t = 0; t < n_profiles; t++)
    {
      GArray *indices = g_ptr_array_index (per_thread, t);
      const char *thread_name = NULL;
      g_autofree char *fallback = NULL;
      double total = 0;
      guint32 last_node = G_MAXUINT32;

      if (t < n_threads)
        thread_name = pyr_profile_get_thread_name (profile, t);
      if (thread_name == NULL || thread_name[0] == 0)
        thread_name = fallback = g_strdup_printf ("Thread %u", t);

      for (guint i = 0; i < indices->len; i++)
        total += pyr_profile_get_sample_weight (profile, g_array_index (indices, guint, i));

      if (t > 0)
        g_string_append_c (buf, ',');
      g_string_append (buf, "{\"type\":\"sampled\",\"name\":");
      append_json_string (buf, thread_name);
      g_string_append_printf (buf, ",\"unit\":\"%s\",\"startValue\":0,\"endValue\":", unit);
      append_double (buf, total);
      g_string_append (buf, ",\"samples\":[");

      for (guint i = 0; i < indices->len; i++)
        {
          guint32 node = pyr_profile_get_sample_stack (profile, g_array_index (indices, guint, i));

          if (i > 0)
            g_string_append_c (buf, ',');

          if (node != last_node)
            {
              g_array_set_size (stack, 0);
              for (guint32 n = node; n != PYR_STACK_ROOT; n = pyr_profile_get_node_parent (profile, n))
                {
                  guint32 frame = pyr_profile_get_node_frame (profile, n);

                  g_array_append_val (stack, frame);
                }
              g_string_truncate (last_stack, 0);
              g_string_append_c (last_stack, '[');
              for (guint d = stack->len; d > 0; d--)
                {
                  if (d != stack->len)
                    g_string_append_c (last_stack, ',');
                  append_uint (last_stack, g_array_index (stack, guint32, d - 1));
                }
              g_string_append_c (last_stack, ']');
              last_node = node;
            }
          g_string_append_len (buf, last_stack->str, last_stack->len);

          if (!pyr_text_writer_flush (&w, FALSE, error))
            return FALSE;
        }

      g_string_append (buf, "],\"weights\":[");
      for (guint i = 0; i < indices->len; i++)
        {
          if (i > 0)
            g_string_append_c (buf, ',');
          append_double_cached (buf, &weight_text,
                                pyr_profile_get_sample_weight (profile,
                                                               g_array_index (indices, guint, i)));
          if (!pyr_text_writer_flush (&w, FALSE, error))
            return FALSE;
        }
      g_string_append (buf, "]}");

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
    }

  g_string_append (buf, "]}\n");

  return pyr_text_writer_flush (&w, TRUE, error);
}
