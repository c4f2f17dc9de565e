/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "pyr-stream-reader.h"
#include "pyr-stream-varint.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* type + length; both may be non-minimal varints */
#define RECORD_HEAD_MAX (2 * PYR_VARINT_MAX_LEN)

struct thread_state
{
  uint32_t *stack;
  uint32_t  depth;
  uint32_t  capacity;
};

struct string_ref
{
  const char *data;
  uint32_t    len;
};

#define STRING_BLOCK_SIZE (64 * 1024)

struct string_block
{
  struct string_block *next;
  size_t               used;
  size_t               capacity;
  char                 data[];
};

struct pyr_stream_reader
{
  pyr_stream_record_func func;
  void                  *user_data;

  uint64_t               offset;        /* bytes consumed: whole records and header bytes */
  int                    error;
  bool                   header_done;
  bool                   saw_end;

  uint8_t                header[PYR_STREAM_HEADER_LEN];
  uint32_t               header_len;

  /* a record split across chunks */
  uint8_t               *partial;
  size_t                 partial_len;
  size_t                 partial_capacity;

  /* strings never move once stored (pointers handed out stay valid): they live in blocks
   * that are only ever appended to */
  struct string_block   *blocks;
  struct string_ref     *strings;
  uint32_t               n_strings;
  uint32_t               strings_capacity;

  /* LOG and END messages, NUL-terminated for the callback's duration */
  char                  *message_buf;
  size_t                 message_buf_capacity;

  uint32_t               n_frames;

  struct thread_state   *threads;
  uint32_t               n_threads;
  uint32_t               threads_capacity;

  uint64_t               time_ns;

  char                   message[320];
};

static int fail (struct pyr_stream_reader *r,
                 int                       ret,
                 uint64_t                  offset,
                 const char               *format,
                 ...) __attribute__ ((format (printf, 4, 5)));

static int
fail (struct pyr_stream_reader *r,
      int                       ret,
      uint64_t                  offset,
      const char               *format,
      ...)
{
  va_list args;
  int n;

  n = snprintf (r->message, sizeof r->message, "byte %" PRIu64 ": ", offset);
  va_start (args, format);
  vsnprintf (r->message + n, sizeof r->message - (size_t) n, format, args);
  va_end (args);
  r->error = ret;
  return ret;
}

static bool
grow (void   **array,
      size_t   element_size,
      size_t  *capacity,
      size_t   needed)
{
  size_t new_capacity = *capacity ? *capacity : 16;
  void *p;

  if (needed <= *capacity)
    return true;
  while (new_capacity < needed)
    new_capacity *= 2;
  if ((p = realloc (*array, new_capacity * element_size)) == NULL)
    return false;
  *array = p;
  *capacity = new_capacity;
  return true;
}

static bool
add_string (struct pyr_stream_reader *r,
            const uint8_t            *data,
            size_t                    len)
{
  size_t strings_capacity = r->strings_capacity;
  struct string_block *block = r->blocks;
  char *copy;

  if (!grow ((void **) &r->strings, sizeof *r->strings, &strings_capacity,
             (size_t) r->n_strings + 1))
    return false;
  r->strings_capacity = (uint32_t) strings_capacity;

  if (block == NULL || block->capacity - block->used < len + 1)
    {
      size_t capacity = len + 1 > STRING_BLOCK_SIZE ? len + 1 : STRING_BLOCK_SIZE;

      if ((block = malloc (sizeof *block + capacity)) == NULL)
        return false;
      block->next = r->blocks;
      block->used = 0;
      block->capacity = capacity;
      r->blocks = block;
    }

  copy = block->data + block->used;
  if (len > 0)
    memcpy (copy, data, len);
  copy[len] = '\0';
  block->used += len + 1;
  r->strings[r->n_strings++] = (struct string_ref) { copy, (uint32_t) len };
  return true;
}

struct pyr_stream_reader *
pyr_stream_reader_new (pyr_stream_record_func  func,
                       void                   *user_data)
{
  struct pyr_stream_reader *r;

  if (func == NULL || (r = calloc (1, sizeof *r)) == NULL)
    return NULL;
  r->func = func;
  r->user_data = user_data;
  if (!add_string (r, NULL, 0))
    {
      pyr_stream_reader_free (r);
      return NULL;
    }
  return r;
}

void
pyr_stream_reader_free (struct pyr_stream_reader *r)
{
  if (r == NULL)
    return;
  for (uint32_t i = 0; i < r->n_threads; i++)
    free (r->threads[i].stack);
  free (r->threads);
  while (r->blocks != NULL)
    {
      struct string_block *next = r->blocks->next;

      free (r->blocks);
      r->blocks = next;
    }
  free (r->strings);
  free (r->message_buf);
  free (r->partial);
  free (r);
}

const char *
pyr_stream_reader_error_message (const struct pyr_stream_reader *r)
{
  return r->message;
}

uint64_t
pyr_stream_reader_get_offset (const struct pyr_stream_reader *r)
{
  return r->offset;
}

bool
pyr_stream_reader_saw_end (const struct pyr_stream_reader *r)
{
  return r->saw_end;
}

const char *
pyr_stream_reader_get_string (const struct pyr_stream_reader *r,
                              uint32_t                        id,
                              uint32_t                       *len)
{
  if (id >= r->n_strings)
    return NULL;
  if (len != NULL)
    *len = r->strings[id].len;
  return r->strings[id].data;
}

uint32_t
pyr_stream_reader_get_n_strings (const struct pyr_stream_reader *r)
{
  return r->n_strings;
}

uint32_t
pyr_stream_reader_get_n_frames (const struct pyr_stream_reader *r)
{
  return r->n_frames;
}

uint32_t
pyr_stream_reader_get_n_threads (const struct pyr_stream_reader *r)
{
  return r->n_threads;
}

static const char *
record_name (uint32_t type)
{
  switch (type)
    {
    case PYR_STREAM_RECORD_STRING:   return "STRING";
    case PYR_STREAM_RECORD_FRAME:    return "FRAME";
    case PYR_STREAM_RECORD_THREAD:   return "THREAD";
    case PYR_STREAM_RECORD_PROCESS:  return "PROCESS";
    case PYR_STREAM_RECORD_METADATA: return "METADATA";
    case PYR_STREAM_RECORD_SAMPLE:   return "SAMPLE";
    case PYR_STREAM_RECORD_STATS:    return "STATS";
    case PYR_STREAM_RECORD_END:      return "END";
    case PYR_STREAM_RECORD_LOG:      return "LOG";
    case PYR_STREAM_RECORD_SAMPLE_SAME: return "SAMPLE_SAME";
    default:                         return "unknown";
    }
}

/* Field decoding inside one record's payload, with the record's context for messages. */
struct cursor
{
  struct pyr_stream_reader *r;
  const uint8_t            *p;
  const uint8_t            *start;      /* the record's first byte */
  const uint8_t            *end;        /* end of its payload */
  uint64_t                  offset;     /* stream offset of start */
  uint32_t                  type;
};

static inline uint64_t
cursor_offset (const struct cursor *c,
               const uint8_t       *p)
{
  return c->offset + (uint64_t) (p - c->start);
}

static int
field_error (struct cursor *c,
             const char    *field,
             int            status)
{
  if (status == PYR_VARINT_OVERFLOW)
    return fail (c->r, -EBADMSG, cursor_offset (c, c->p),
                 "%s record: field \"%s\" is a varint longer than 64 bits",
                 record_name (c->type), field);
  return fail (c->r, -EBADMSG, cursor_offset (c, c->p),
               "%s record: ends inside field \"%s\" (record length too short)",
               record_name (c->type), field);
}

static inline int
get_u64 (struct cursor *c,
         const char    *field,
         uint64_t      *out)
{
  int status = pyr_varint_get (&c->p, c->end, out);

  if (__builtin_expect (status != PYR_VARINT_OK, 0))
    {
      *out = 0;
      return field_error (c, field, status);
    }
  return 0;
}

static inline int
get_u32 (struct cursor *c,
         const char    *field,
         uint32_t      *out)
{
  const uint8_t *at = c->p;
  uint64_t v;
  int ret;

  *out = 0;
  if ((ret = get_u64 (c, field, &v)) < 0)
    return ret;
  if (__builtin_expect (v > UINT32_MAX, 0))
    return fail (c->r, -EBADMSG, cursor_offset (c, at),
                 "%s record: field \"%s\" is %" PRIu64 ", more than 32 bits",
                 record_name (c->type), field, v);
  *out = (uint32_t) v;
  return 0;
}

/* An optional trailing field: absent if the payload ends before it. */
static inline int
get_u32_optional (struct cursor *c,
                  const char    *field,
                  uint32_t      *out,
                  uint32_t       fallback)
{
  if (c->p == c->end)
    {
      *out = fallback;
      return 0;
    }
  return get_u32 (c, field, out);
}

static int
get_string_ref (struct cursor *c,
                const char    *field,
                uint32_t      *out)
{
  const uint8_t *at = c->p;
  int ret;

  if ((ret = get_u32 (c, field, out)) < 0)
    return ret;
  if (*out >= c->r->n_strings)
    return fail (c->r, -EBADMSG, cursor_offset (c, at),
                 "%s record: field \"%s\" refers to string %u, which is not defined "
                 "(%u strings defined)",
                 record_name (c->type), field, *out, c->r->n_strings);
  return 0;
}

static int
get_bytes (struct cursor  *c,
           const char     *field,
           const uint8_t **data,
           uint32_t       *len,
           uint32_t        limit)
{
  const uint8_t *at = c->p;
  uint32_t n;
  int ret;

  if ((ret = get_u32 (c, field, &n)) < 0)
    return ret;
  if (n > limit)
    return fail (c->r, -EBADMSG, cursor_offset (c, at),
                 "%s record: field \"%s\" is %u bytes long, more than the limit (%u)",
                 record_name (c->type), field, n, limit);
  if (n > (size_t) (c->end - c->p))
    return fail (c->r, -EBADMSG, cursor_offset (c, at),
                 "%s record: field \"%s\" is %u bytes long but only %zu bytes are left "
                 "in the record", record_name (c->type), field, n, (size_t) (c->end - c->p));
  *data = c->p;
  *len = n;
  c->p += n;
  return 0;
}

static int
decode_string (struct cursor            *c,
               struct pyr_stream_record *rec)
{
  struct pyr_stream_reader *r = c->r;
  const uint8_t *at = c->p;
  const uint8_t *data;
  uint32_t id, len;
  int ret;

  if ((ret = get_u32 (c, "id", &id)) < 0)
    return ret;
  if (id != r->n_strings)
    return fail (r, -EBADMSG, cursor_offset (c, at),
                 "STRING record: id %u out of sequence (expected %u)", id, r->n_strings);
  if (r->n_strings >= PYR_STREAM_MAX_STRINGS)
    return fail (r, -EBADMSG, cursor_offset (c, at),
                 "STRING record: more strings than the limit (%u)", PYR_STREAM_MAX_STRINGS);
  if ((ret = get_bytes (c, "bytes", &data, &len, PYR_STREAM_MAX_STRING_LEN)) < 0)
    return ret;
  if (!add_string (r, data, len))
    return fail (r, -ENOMEM, c->offset, "out of memory");

  rec->string.id = id;
  rec->string.data = pyr_stream_reader_get_string (r, id, NULL);
  rec->string.len = len;
  return 0;
}

static int
decode_frame (struct cursor            *c,
              struct pyr_stream_record *rec)
{
  struct pyr_stream_reader *r = c->r;
  struct pyr_stream_frame *f = &rec->frame.frame;
  const uint8_t *at = c->p;
  uint32_t id;
  int ret;

  if ((ret = get_u32 (c, "id", &id)) < 0)
    return ret;
  if (id != r->n_frames)
    return fail (r, -EBADMSG, cursor_offset (c, at),
                 "FRAME record: id %u out of sequence (expected %u)", id, r->n_frames);
  if (r->n_frames >= PYR_STREAM_MAX_FRAMES)
    return fail (r, -EBADMSG, cursor_offset (c, at),
                 "FRAME record: more frames than the limit (%u)", PYR_STREAM_MAX_FRAMES);
  if ((ret = get_u32 (c, "kind", &f->kind)) < 0 ||
      (ret = get_string_ref (c, "name", &f->name)) < 0 ||
      (ret = get_string_ref (c, "file", &f->file)) < 0 ||
      (ret = get_u32 (c, "line", &f->line)) < 0 ||
      (ret = get_u32_optional (c, "first_line", &f->first_line, 0)) < 0)
    return ret;

  r->n_frames++;
  rec->frame.id = id;
  return 0;
}

static int
decode_thread (struct cursor            *c,
               struct pyr_stream_record *rec)
{
  struct pyr_stream_reader *r = c->r;
  struct pyr_stream_thread *t = &rec->thread.thread;
  const uint8_t *at = c->p;
  uint32_t id;
  int ret;

  if ((ret = get_u32 (c, "id", &id)) < 0)
    return ret;
  if (id > r->n_threads)
    return fail (r, -EBADMSG, cursor_offset (c, at),
                 "THREAD record: id %u out of sequence (expected %u, or a defined thread "
                 "to redefine it)", id, r->n_threads);
  if (id == r->n_threads && r->n_threads >= PYR_STREAM_MAX_THREADS)
    return fail (r, -EBADMSG, cursor_offset (c, at),
                 "THREAD record: more threads than the limit (%u)", PYR_STREAM_MAX_THREADS);
  if ((ret = get_u32 (c, "pid", &t->pid)) < 0 ||
      (ret = get_u64 (c, "python_id", &t->python_id)) < 0 ||
      (ret = get_u32 (c, "native_id", &t->native_id)) < 0 ||
      (ret = get_string_ref (c, "name", &t->name)) < 0)
    return ret;

  rec->thread.id = id;
  rec->thread.redefined = id < r->n_threads;
  if (id == r->n_threads)
    {
      size_t capacity = r->threads_capacity;

      if (!grow ((void **) &r->threads, sizeof *r->threads, &capacity, (size_t) id + 1))
        return fail (r, -ENOMEM, c->offset, "out of memory");
      r->threads_capacity = (uint32_t) capacity;
      r->threads[id] = (struct thread_state) { 0 };
      r->n_threads++;
    }
  return 0;
}

static int
decode_process (struct cursor            *c,
                struct pyr_stream_record *rec)
{
  struct pyr_stream_process *p = &rec->process;
  int ret;

  if ((ret = get_u32 (c, "pid", &p->pid)) < 0 ||
      (ret = get_u32 (c, "parent_pid", &p->parent_pid)) < 0 ||
      (ret = get_string_ref (c, "command_line", &p->command_line)) < 0 ||
      (ret = get_string_ref (c, "python_version", &p->python_version)) < 0)
    return ret;
  return 0;
}

static int
decode_metadata (struct cursor            *c,
                 struct pyr_stream_record *rec)
{
  int ret;

  if ((ret = get_string_ref (c, "key", &rec->metadata.key)) < 0 ||
      (ret = get_string_ref (c, "value", &rec->metadata.value)) < 0)
    return ret;
  return 0;
}

static int
decode_sample (struct cursor            *c,
               struct pyr_stream_record *rec,
               bool                      same)
{
  struct pyr_stream_reader *r = c->r;
  struct pyr_stream_sample *s = &rec->sample;
  struct thread_state *ts;
  const uint8_t *at;
  uint64_t delta;
  uint32_t keep, count, depth;
  int ret;

  if ((ret = get_u64 (c, "time_delta", &delta)) < 0)
    return ret;
  at = c->p;
  if ((ret = get_u32 (c, "thread", &s->thread)) < 0)
    return ret;
  if (s->thread >= r->n_threads)
    return fail (r, -EBADMSG, cursor_offset (c, at),
                 "%s record: thread %u is not defined (%u threads defined)",
                 record_name (c->type), s->thread, r->n_threads);
  if ((ret = get_u32 (c, "flags", &s->flags)) < 0)
    return ret;
  ts = &r->threads[s->thread];

  if (!same)
    {
      at = c->p;
      if ((ret = get_u32 (c, "keep", &keep)) < 0)
        return ret;
      if (keep > ts->depth)
        return fail (r, -EBADMSG, cursor_offset (c, at),
                     "SAMPLE record: keeps %u frames of thread %u's previous stack, which has %u",
                     keep, s->thread, ts->depth);
      at = c->p;
      if ((ret = get_u32 (c, "count", &count)) < 0)
        return ret;
      if (count > PYR_STREAM_MAX_DEPTH - keep)
        return fail (r, -EBADMSG, cursor_offset (c, at),
                     "SAMPLE record: stack of %" PRIu64 " frames is deeper than the limit (%u)",
                     (uint64_t) keep + count, PYR_STREAM_MAX_DEPTH);
      if (count > (size_t) (c->end - c->p))
        return fail (r, -EBADMSG, cursor_offset (c, at),
                     "SAMPLE record: %u new frames cannot fit in the %zu bytes left in the record",
                     count, (size_t) (c->end - c->p));

      depth = keep + count;
      if (depth > ts->capacity)
        {
          size_t capacity = ts->capacity;

          if (!grow ((void **) &ts->stack, sizeof *ts->stack, &capacity, depth))
            return fail (r, -ENOMEM, c->offset, "out of memory");
          ts->capacity = (uint32_t) capacity;
        }

      for (uint32_t i = keep; i < depth; i++)
        {
          uint32_t frame;

          at = c->p;
          /* one-byte ids are the common case in small profiles */
          if (c->p < c->end && *c->p < 0x80)
            frame = *c->p++;
          else if ((ret = get_u32 (c, "frame", &frame)) < 0)
            return ret;
          if (frame >= r->n_frames)
            return fail (r, -EBADMSG, cursor_offset (c, at),
                         "SAMPLE record: frame %u is not defined (%u frames defined)",
                         frame, r->n_frames);
          ts->stack[i] = frame;
        }
      ts->depth = depth;
    }

  if (c->p == c->end)
    s->weight = 1;
  else if ((ret = get_u64 (c, "weight", &s->weight)) < 0)
    return ret;

  if (delta > UINT64_MAX - r->time_ns)
    return fail (r, -EBADMSG, c->offset,
                 "%s record: time overflows 64 bits (delta %" PRIu64 ")",
                 record_name (c->type), delta);
  r->time_ns += delta;
  s->time_ns = r->time_ns;
  s->depth = ts->depth;
  s->frames = ts->stack;
  return 0;
}

static int
decode_stats (struct cursor            *c,
              struct pyr_stream_record *rec)
{
  struct pyr_stream_stats *s = &rec->stats;
  int ret;

  if ((ret = get_u64 (c, "time_ns", &s->time_ns)) < 0 ||
      (ret = get_u64 (c, "samples", &s->samples)) < 0 ||
      (ret = get_u64 (c, "errors", &s->errors)) < 0 ||
      (ret = get_u64 (c, "late", &s->late)) < 0 ||
      (ret = get_u64 (c, "lag_max_ns", &s->lag_max_ns)) < 0 ||
      (ret = get_u64 (c, "lag_mean_ns", &s->lag_mean_ns)) < 0 ||
      (ret = get_u32 (c, "saturation_ppm", &s->saturation_ppm)) < 0)
    return ret;
  return 0;
}

/* Copied so it can be handed out NUL-terminated without writing into the caller's chunk. */
static int
get_message (struct cursor  *c,
             const char    **message,
             uint32_t       *message_len)
{
  struct pyr_stream_reader *r = c->r;
  const uint8_t *data;
  uint32_t len;
  int ret;

  if ((ret = get_bytes (c, "message", &data, &len, PYR_STREAM_MAX_STRING_LEN)) < 0)
    return ret;
  if (!grow ((void **) &r->message_buf, 1, &r->message_buf_capacity, (size_t) len + 1))
    return fail (r, -ENOMEM, c->offset, "out of memory");
  if (len > 0)
    memcpy (r->message_buf, data, len);
  r->message_buf[len] = '\0';
  *message = r->message_buf;
  *message_len = len;
  return 0;
}

static int
decode_end (struct cursor            *c,
            struct pyr_stream_record *rec)
{
  uint64_t code;
  int ret;

  if ((ret = get_u64 (c, "time_ns", &rec->end.time_ns)) < 0 ||
      (ret = get_u32 (c, "reason", &rec->end.reason)) < 0 ||
      (ret = get_u64 (c, "code", &code)) < 0 ||
      (ret = get_message (c, &rec->end.message, &rec->end.message_len)) < 0)
    return ret;
  rec->end.code = pyr_zigzag_decode (code);
  return 0;
}

static int
decode_log (struct cursor            *c,
            struct pyr_stream_record *rec)
{
  int ret;

  if ((ret = get_u64 (c, "time_ns", &rec->log.time_ns)) < 0 ||
      (ret = get_u32 (c, "level", &rec->log.level)) < 0 ||
      (ret = get_message (c, &rec->log.message, &rec->log.message_len)) < 0)
    return ret;
  return 0;
}

/*
 * Parses a record's head at p.  Returns 1 with *total (head + payload bytes) when the head is
 * whole, 0 if more bytes are needed to know, or a negative errno for garbage.
 */
static int
parse_head (struct pyr_stream_reader *r,
            const uint8_t            *p,
            const uint8_t            *end,
            uint32_t                 *type,
            size_t                   *total)
{
  const uint8_t *start = p;
  uint64_t t, len;
  int status;

  if ((status = pyr_varint_get (&p, end, &t)) != PYR_VARINT_OK)
    {
      if (status == PYR_VARINT_SHORT)
        return 0;
      return fail (r, -EBADMSG, r->offset, "record type is a varint longer than 64 bits");
    }
  if (t == 0 || t > UINT32_MAX)
    return fail (r, -EBADMSG, r->offset, "invalid record type %" PRIu64, t);
  if ((status = pyr_varint_get (&p, end, &len)) != PYR_VARINT_OK)
    {
      if (status == PYR_VARINT_SHORT)
        return 0;
      return fail (r, -EBADMSG, r->offset, "%s record: length is a varint longer than 64 bits",
                   record_name ((uint32_t) t));
    }
  if (len > PYR_STREAM_MAX_RECORD_LEN)
    return fail (r, -EBADMSG, r->offset,
                 "%s record (type %" PRIu64 "): length %" PRIu64 " exceeds the limit (%u)",
                 record_name ((uint32_t) t), t, len, PYR_STREAM_MAX_RECORD_LEN);
  *type = (uint32_t) t;
  *total = (size_t) (p - start) + (size_t) len;
  return 1;
}

/* Decodes and delivers the whole record [start, start + total). */
static int
decode_record (struct pyr_stream_reader *r,
               const uint8_t            *start,
               size_t                    total,
               uint32_t                  type)
{
  struct pyr_stream_record rec;
  struct cursor c;
  uint64_t len;
  int ret;

  if (r->saw_end)
    return fail (r, -EBADMSG, r->offset, "data after the END record");

  c.r = r;
  c.start = start;
  c.end = start + total;
  c.offset = r->offset;
  c.type = type;
  c.p = start;
  /* the head was validated by parse_head() */
  pyr_varint_get (&c.p, c.end, &len);
  pyr_varint_get (&c.p, c.end, &len);

  rec.wire_type = type;
  rec.offset = r->offset;

  switch (type)
    {
    case PYR_STREAM_RECORD_SAMPLE:   ret = decode_sample (&c, &rec, false); break;
    case PYR_STREAM_RECORD_SAMPLE_SAME:
      ret = decode_sample (&c, &rec, true);
      type = PYR_STREAM_RECORD_SAMPLE;
      break;
    case PYR_STREAM_RECORD_STRING:   ret = decode_string (&c, &rec); break;
    case PYR_STREAM_RECORD_FRAME:    ret = decode_frame (&c, &rec); break;
    case PYR_STREAM_RECORD_THREAD:   ret = decode_thread (&c, &rec); break;
    case PYR_STREAM_RECORD_PROCESS:  ret = decode_process (&c, &rec); break;
    case PYR_STREAM_RECORD_METADATA: ret = decode_metadata (&c, &rec); break;
    case PYR_STREAM_RECORD_STATS:    ret = decode_stats (&c, &rec); break;
    case PYR_STREAM_RECORD_END:      ret = decode_end (&c, &rec); break;
    case PYR_STREAM_RECORD_LOG:      ret = decode_log (&c, &rec); break;
    default:
      rec.unknown.payload = c.p;
      rec.unknown.len = (uint32_t) (c.end - c.p);
      type = (uint32_t) PYR_STREAM_RECORD_UNKNOWN;
      ret = 0;
      break;
    }
  if (ret < 0)
    return ret;

  rec.type = (PyrStreamRecordType) type;
  if (type == PYR_STREAM_RECORD_END)
    r->saw_end = true;
  r->offset += total;

  if ((ret = r->func (&rec, r->user_data)) < 0)
    {
      snprintf (r->message, sizeof r->message, "stopped by the consumer: %s", strerror (-ret));
      r->error = ret;
      return ret;
    }
  return 0;
}

static int
feed_header (struct pyr_stream_reader  *r,
             const uint8_t            **pp,
             const uint8_t             *end)
{
  const uint8_t *p = *pp;
  struct pyr_stream_record rec;
  uint32_t flags;
  int ret;

  while (p < end && r->header_len < PYR_STREAM_HEADER_LEN)
    {
      uint32_t i = r->header_len;

      /* check the magic byte by byte so garbage is refused as early as possible */
      if (i < PYR_STREAM_MAGIC_LEN && *p != (uint8_t) PYR_STREAM_MAGIC[i])
        return fail (r, -EBADMSG, i, "not a Pyrometer stream (bad magic bytes)");
      r->header[r->header_len++] = *p++;
      r->offset++;
    }
  *pp = p;
  if (r->header_len < PYR_STREAM_HEADER_LEN)
    return 0;

  if (r->header[8] != PYR_STREAM_VERSION_MAJOR)
    return fail (r, -EBADMSG, 8,
                 "unsupported stream format version %u.%u (this reader reads %u.x)",
                 r->header[8], r->header[9], PYR_STREAM_VERSION_MAJOR);
  flags = (uint32_t) r->header[10] | (uint32_t) r->header[11] << 8;
  if (flags & PYR_STREAM_HEADER_FLAGS_MUST_UNDERSTAND)
    return fail (r, -EBADMSG, 10, "stream uses features this reader does not know (flags 0x%04x)",
                 flags);

  r->header_done = true;
  rec.type = PYR_STREAM_RECORD_HEADER;
  rec.wire_type = 0;
  rec.offset = 0;
  rec.header.major = r->header[8];
  rec.header.minor = r->header[9];
  rec.header.flags = flags;
  if ((ret = r->func (&rec, r->user_data)) < 0)
    {
      snprintf (r->message, sizeof r->message, "stopped by the consumer: %s", strerror (-ret));
      r->error = ret;
      return ret;
    }
  return 0;
}

static bool
partial_reserve (struct pyr_stream_reader *r,
                 size_t                    needed)
{
  return grow ((void **) &r->partial, 1, &r->partial_capacity, needed);
}

int
pyr_stream_reader_feed (struct pyr_stream_reader *r,
                        const void               *data,
                        size_t                    len)
{
  const uint8_t *p = data;
  const uint8_t *end = p + len;
  uint32_t type;
  size_t total;
  int ret;

  if (r->error)
    return r->error;
  if (len == 0)
    return 0;

  if (!r->header_done)
    {
      if ((ret = feed_header (r, &p, end)) < 0)
        return ret;
      if (!r->header_done)
        return 0;
    }

  /* finish a record begun in an earlier chunk */
  while (r->partial_len > 0 && p < end)
    {
      size_t take;

      if (r->saw_end)
        return fail (r, -EBADMSG, r->offset, "data after the END record");

      ret = parse_head (r, r->partial, r->partial + r->partial_len, &type, &total);
      if (ret < 0)
        return ret;
      if (ret == 0)
        {
          /* the head itself is split: take what may belong to it and try again; bytes beyond
           * the head are given back below once the total is known */
          take = RECORD_HEAD_MAX - r->partial_len;
          if (take > (size_t) (end - p))
            take = (size_t) (end - p);
          if (!partial_reserve (r, r->partial_len + take))
            return fail (r, -ENOMEM, r->offset, "out of memory");
          memcpy (r->partial + r->partial_len, p, take);
          r->partial_len += take;
          p += take;

          ret = parse_head (r, r->partial, r->partial + r->partial_len, &type, &total);
          if (ret < 0)
            return ret;
          if (ret == 0)
            {
              if (r->partial_len >= RECORD_HEAD_MAX)
                return fail (r, -EBADMSG, r->offset, "record head is not valid");
              continue;
            }
          if (r->partial_len > total)
            {
              p -= r->partial_len - total;
              r->partial_len = total;
            }
        }

      take = total - r->partial_len;
      if (take > (size_t) (end - p))
        take = (size_t) (end - p);
      if (!partial_reserve (r, r->partial_len + take))
        return fail (r, -ENOMEM, r->offset, "out of memory");
      memcpy (r->partial + r->partial_len, p, take);
      r->partial_len += take;
      p += take;
      if (r->partial_len < total)
        return 0;

      r->partial_len = 0;
      if ((ret = decode_record (r, r->partial, total, type)) < 0)
        return ret;
    }

  /* whole records straight from the caller's chunk */
  while (p < end)
    {
      ret = parse_head (r, p, end, &type, &total);
      if (ret < 0)
        return ret;
      if (ret == 0 || total > (size_t) (end - p))
        break;
      if ((ret = decode_record (r, p, total, type)) < 0)
        return ret;
      p += total;
    }

  if (p < end)
    {
      size_t rest = (size_t) (end - p);

      if (r->saw_end)
        return fail (r, -EBADMSG, r->offset, "data after the END record");
      if (!partial_reserve (r, rest))
        return fail (r, -ENOMEM, r->offset, "out of memory");
      memcpy (r->partial, p, rest);
      r->partial_len = rest;
    }
  return 0;
}

int
pyr_stream_reader_finish (struct pyr_stream_reader *r)
{
  if (r->error)
    return r->error;
  if (!r->header_done)
    {
      snprintf (r->message, sizeof r->message,
                "byte %" PRIu64 ": stream ends inside the file header", r->offset);
      return PYR_STREAM_TRUNCATED;
    }
  if (r->partial_len > 0)
    {
      snprintf (r->message, sizeof r->message,
                "byte %" PRIu64 ": stream ends inside a record (%zu bytes of it dropped)",
                r->offset, r->partial_len);
      return PYR_STREAM_TRUNCATED;
    }
  return 0;
}
