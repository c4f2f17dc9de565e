/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "pyr-stream-writer.h"
#include "pyr-stream-varint.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Large enough for the largest record, so a record is always encoded in one piece; flushed
 * well before it fills so a live reader is never far behind. */
#define BUFFER_CAPACITY   (PYR_STREAM_MAX_RECORD_LEN + 32)
#define FLUSH_THRESHOLD   (64 * 1024)
/* type (1 byte for every type defined) + length (at most 3 bytes: lengths are < 2^21) */
#define RECORD_HEAD_MAX   (1 + 3)
#define MAX_MESSAGE_LEN   (64 * 1024)

struct thread_state
{
  uint32_t *stack;
  uint32_t  depth;
  uint32_t  capacity;
};

struct pyr_stream_writer
{
  pyr_stream_write_func func;
  void                 *user_data;
  int                   fd;

  uint8_t              *buf;
  size_t                len;
  uint64_t              written;

  int                   error;
  bool                  ended;

  uint32_t              n_strings;
  uint32_t              n_frames;
  uint32_t              n_threads;
  uint32_t              threads_capacity;
  struct thread_state  *threads;

  uint64_t              last_time_ns;

  char                  message[256];
};

static int set_message (struct pyr_stream_writer *w,
                        int                       ret,
                        const char               *format,
                        ...) __attribute__ ((format (printf, 3, 4)));

static int
set_message (struct pyr_stream_writer *w,
             int                       ret,
             const char               *format,
             ...)
{
  va_list args;

  va_start (args, format);
  vsnprintf (w->message, sizeof w->message, format, args);
  va_end (args);
  return ret;
}

static int
write_fd (void       *user_data,
          const void *data,
          size_t      len)
{
  int fd = *(const int *) user_data;
  const uint8_t *p = data;

  while (len > 0)
    {
      ssize_t n = write (fd, p, len);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          if (errno == EAGAIN || errno == EWOULDBLOCK)
            {
              struct pollfd pfd = { .fd = fd, .events = POLLOUT };

              /* a non-blocking fd: wait until it drains rather than drop records */
              if (poll (&pfd, 1, -1) < 0 && errno != EINTR)
                return -errno;
              continue;
            }
          return -errno;
        }
      if (n == 0)
        return -EIO;
      p += n;
      len -= (size_t) n;
    }
  return 0;
}

static struct pyr_stream_writer *
writer_new (void)
{
  struct pyr_stream_writer *w = calloc (1, sizeof *w);

  if (w == NULL)
    return NULL;
  if ((w->buf = malloc (BUFFER_CAPACITY)) == NULL)
    {
      free (w);
      return NULL;
    }

  memcpy (w->buf, PYR_STREAM_MAGIC, PYR_STREAM_MAGIC_LEN);
  w->buf[8] = PYR_STREAM_VERSION_MAJOR;
  w->buf[9] = PYR_STREAM_VERSION_MINOR;
  w->buf[10] = 0;   /* flags, little-endian */
  w->buf[11] = 0;
  w->len = PYR_STREAM_HEADER_LEN;
  w->n_strings = 1; /* id 0 is the predefined empty string */
  w->fd = -1;
  return w;
}

struct pyr_stream_writer *
pyr_stream_writer_new (int fd)
{
  struct pyr_stream_writer *w = writer_new ();

  if (w == NULL)
    return NULL;
  w->fd = fd;
  w->func = write_fd;
  w->user_data = &w->fd;
  return w;
}

struct pyr_stream_writer *
pyr_stream_writer_new_with_func (pyr_stream_write_func  func,
                                 void                  *user_data)
{
  struct pyr_stream_writer *w;

  if (func == NULL || (w = writer_new ()) == NULL)
    return NULL;
  w->func = func;
  w->user_data = user_data;
  return w;
}

void
pyr_stream_writer_free (struct pyr_stream_writer *w)
{
  if (w == NULL)
    return;
  for (uint32_t i = 0; i < w->n_threads; i++)
    free (w->threads[i].stack);
  free (w->threads);
  free (w->buf);
  free (w);
}

int
pyr_stream_writer_flush (struct pyr_stream_writer *w)
{
  int ret;

  if (w->error)
    return w->error;
  if (w->len == 0)
    return 0;

  if ((ret = w->func (w->user_data, w->buf, w->len)) < 0)
    {
      w->error = ret;
      return set_message (w, ret, "writing the stream failed: %s", strerror (-ret));
    }
  w->written += w->len;
  w->len = 0;
  return 0;
}

uint64_t
pyr_stream_writer_get_offset (const struct pyr_stream_writer *w)
{
  return w->written + w->len;
}

size_t
pyr_stream_writer_get_pending (const struct pyr_stream_writer *w)
{
  return w->len;
}

const char *
pyr_stream_writer_error_message (const struct pyr_stream_writer *w)
{
  return w->message;
}

/* Returns where the payload goes, with room for max_payload bytes, or NULL (see w->error). */
static inline uint8_t *
record_begin (struct pyr_stream_writer *w,
              size_t                    max_payload)
{
  if (w->len + RECORD_HEAD_MAX + max_payload > BUFFER_CAPACITY && pyr_stream_writer_flush (w) < 0)
    return NULL;
  return w->buf + w->len + RECORD_HEAD_MAX;
}

static inline int
record_end (struct pyr_stream_writer *w,
            PyrStreamRecordType       type,
            uint8_t                  *payload_end)
{
  uint8_t *head = w->buf + w->len;
  uint8_t *payload = head + RECORD_HEAD_MAX;
  size_t payload_len = (size_t) (payload_end - payload);
  uint8_t *p;

  p = pyr_varint_put (head, (uint64_t) type);
  p = pyr_varint_put (p, payload_len);
  if (p != payload)
    memmove (p, payload, payload_len);
  w->len = (size_t) (p - w->buf) + payload_len;

  if (w->len >= FLUSH_THRESHOLD)
    return pyr_stream_writer_flush (w);
  return 0;
}

static inline int
check_usable (struct pyr_stream_writer *w)
{
  if (w->error)
    return w->error;
  if (w->ended)
    return set_message (w, -EINVAL, "the stream was already ended");
  return 0;
}

static int
check_string (struct pyr_stream_writer *w,
              const char               *what,
              uint32_t                  id)
{
  if (id >= w->n_strings)
    return set_message (w, -EINVAL, "%s: string %u is not defined", what, id);
  return 0;
}

int
pyr_stream_writer_add_string (struct pyr_stream_writer *w,
                              const char               *data,
                              size_t                    len,
                              uint32_t                 *out_id)
{
  uint8_t *p;
  int ret;

  if ((ret = check_usable (w)) < 0)
    return ret;
  if (len > PYR_STREAM_MAX_STRING_LEN)
    return set_message (w, -E2BIG, "string of %zu bytes is longer than the limit (%u)",
                        len, PYR_STREAM_MAX_STRING_LEN);
  if (w->n_strings >= PYR_STREAM_MAX_STRINGS)
    return set_message (w, -E2BIG, "too many strings (limit %u)", PYR_STREAM_MAX_STRINGS);

  if ((p = record_begin (w, 2 * PYR_VARINT_MAX_LEN + len)) == NULL)
    return w->error;
  p = pyr_varint_put (p, w->n_strings);
  p = pyr_varint_put (p, len);
  if (len > 0)
    memcpy (p, data, len);
  p += len;
  *out_id = w->n_strings++;
  return record_end (w, PYR_STREAM_RECORD_STRING, p);
}

int
pyr_stream_writer_add_frame (struct pyr_stream_writer      *w,
                             const struct pyr_stream_frame *frame,
                             uint32_t                      *out_id)
{
  uint8_t *p;
  int ret;

  if ((ret = check_usable (w)) < 0 ||
      (ret = check_string (w, "frame name", frame->name)) < 0 ||
      (ret = check_string (w, "frame file", frame->file)) < 0)
    return ret;
  if (w->n_frames >= PYR_STREAM_MAX_FRAMES)
    return set_message (w, -E2BIG, "too many frames (limit %u)", PYR_STREAM_MAX_FRAMES);

  if ((p = record_begin (w, 6 * PYR_VARINT_MAX_LEN)) == NULL)
    return w->error;
  p = pyr_varint_put (p, w->n_frames);
  p = pyr_varint_put (p, frame->kind);
  p = pyr_varint_put (p, frame->name);
  p = pyr_varint_put (p, frame->file);
  p = pyr_varint_put (p, frame->line);
  if (frame->first_line != 0)
    p = pyr_varint_put (p, frame->first_line);
  *out_id = w->n_frames++;
  return record_end (w, PYR_STREAM_RECORD_FRAME, p);
}

static int
write_thread (struct pyr_stream_writer       *w,
              uint32_t                        id,
              const struct pyr_stream_thread *thread)
{
  uint8_t *p;

  if ((p = record_begin (w, 5 * PYR_VARINT_MAX_LEN)) == NULL)
    return w->error;
  p = pyr_varint_put (p, id);
  p = pyr_varint_put (p, thread->pid);
  p = pyr_varint_put (p, thread->python_id);
  p = pyr_varint_put (p, thread->native_id);
  p = pyr_varint_put (p, thread->name);
  return record_end (w, PYR_STREAM_RECORD_THREAD, p);
}

int
pyr_stream_writer_add_thread (struct pyr_stream_writer       *w,
                              const struct pyr_stream_thread *thread,
                              uint32_t                       *out_id)
{
  int ret;

  if ((ret = check_usable (w)) < 0 ||
      (ret = check_string (w, "thread name", thread->name)) < 0)
    return ret;
  if (w->n_threads >= PYR_STREAM_MAX_THREADS)
    return set_message (w, -E2BIG, "too many threads (limit %u)", PYR_STREAM_MAX_THREADS);

  if (w->n_threads == w->threads_capacity)
    {
      uint32_t capacity = w->threads_capacity ? 2 * w->threads_capacity : 16;
      struct thread_state *threads = realloc (w->threads, capacity * sizeof *threads);

      if (threads == NULL)
        return set_message (w, -ENOMEM, "out of memory");
      w->threads = threads;
      w->threads_capacity = capacity;
    }

  if ((ret = write_thread (w, w->n_threads, thread)) < 0)
    return ret;
  w->threads[w->n_threads] = (struct thread_state) { 0 };
  *out_id = w->n_threads++;
  return 0;
}

int
pyr_stream_writer_update_thread (struct pyr_stream_writer       *w,
                                 uint32_t                        thread_id,
                                 const struct pyr_stream_thread *thread)
{
  int ret;

  if ((ret = check_usable (w)) < 0 ||
      (ret = check_string (w, "thread name", thread->name)) < 0)
    return ret;
  if (thread_id >= w->n_threads)
    return set_message (w, -EINVAL, "thread %u is not defined", thread_id);
  return write_thread (w, thread_id, thread);
}

int
pyr_stream_writer_add_process (struct pyr_stream_writer        *w,
                               const struct pyr_stream_process *process)
{
  uint8_t *p;
  int ret;

  if ((ret = check_usable (w)) < 0 ||
      (ret = check_string (w, "process command line", process->command_line)) < 0 ||
      (ret = check_string (w, "process Python version", process->python_version)) < 0)
    return ret;

  if ((p = record_begin (w, 4 * PYR_VARINT_MAX_LEN)) == NULL)
    return w->error;
  p = pyr_varint_put (p, process->pid);
  p = pyr_varint_put (p, process->parent_pid);
  p = pyr_varint_put (p, process->command_line);
  p = pyr_varint_put (p, process->python_version);
  return record_end (w, PYR_STREAM_RECORD_PROCESS, p);
}

int
pyr_stream_writer_add_metadata (struct pyr_stream_writer *w,
                                uint32_t                  key,
                                uint32_t                  value)
{
  uint8_t *p;
  int ret;

  if ((ret = check_usable (w)) < 0 ||
      (ret = check_string (w, "metadata key", key)) < 0 ||
      (ret = check_string (w, "metadata value", value)) < 0)
    return ret;

  if ((p = record_begin (w, 2 * PYR_VARINT_MAX_LEN)) == NULL)
    return w->error;
  p = pyr_varint_put (p, key);
  p = pyr_varint_put (p, value);
  return record_end (w, PYR_STREAM_RECORD_METADATA, p);
}

int
pyr_stream_writer_add_metadata_str (struct pyr_stream_writer *w,
                                    const char               *key,
                                    const char               *value)
{
  uint32_t key_id, value_id;
  int ret;

  if ((ret = pyr_stream_writer_add_string (w, key, strlen (key), &key_id)) < 0 ||
      (ret = pyr_stream_writer_add_string (w, value, strlen (value), &value_id)) < 0)
    return ret;
  return pyr_stream_writer_add_metadata (w, key_id, value_id);
}

int
pyr_stream_writer_sample (struct pyr_stream_writer *w,
                          uint64_t                  time_ns,
                          uint32_t                  thread_id,
                          uint32_t                  flags,
                          uint64_t                  weight,
                          const uint32_t           *frames,
                          uint32_t                  depth)
{
  struct thread_state *ts;
  uint32_t keep;
  uint8_t *p;
  int ret;

  if ((ret = check_usable (w)) < 0)
    return ret;
  if (thread_id >= w->n_threads)
    return set_message (w, -EINVAL, "sample: thread %u is not defined", thread_id);
  if (depth > PYR_STREAM_MAX_DEPTH)
    return set_message (w, -E2BIG, "sample: stack of %u frames is deeper than the limit (%u)",
                        depth, PYR_STREAM_MAX_DEPTH);
  for (uint32_t i = 0; i < depth; i++)
    if (frames[i] >= w->n_frames)
      return set_message (w, -EINVAL, "sample: frame %u is not defined", frames[i]);

  ts = &w->threads[thread_id];
  if (depth > ts->capacity)
    {
      uint32_t capacity = ts->capacity ? ts->capacity : 64;
      uint32_t *stack;

      while (capacity < depth)
        capacity *= 2;
      if ((stack = realloc (ts->stack, capacity * sizeof *stack)) == NULL)
        return set_message (w, -ENOMEM, "out of memory");
      ts->stack = stack;
      ts->capacity = capacity;
    }

  keep = 0;
  while (keep < depth && keep < ts->depth && ts->stack[keep] == frames[keep])
    keep++;

  if ((p = record_begin (w, (5 + depth) * PYR_VARINT_MAX_LEN)) == NULL)
    return w->error;

  if (time_ns < w->last_time_ns)
    time_ns = w->last_time_ns;
  p = pyr_varint_put (p, time_ns - w->last_time_ns);
  p = pyr_varint_put (p, thread_id);
  p = pyr_varint_put (p, flags);
  w->last_time_ns = time_ns;

  /* the commonest sample of all (a thread still where it was) gets the shortest record */
  if (keep == depth && depth == ts->depth)
    {
      if (weight != 1)
        p = pyr_varint_put (p, weight);
      return record_end (w, PYR_STREAM_RECORD_SAMPLE_SAME, p);
    }

  p = pyr_varint_put (p, keep);
  p = pyr_varint_put (p, depth - keep);
  for (uint32_t i = keep; i < depth; i++)
    p = pyr_varint_put (p, frames[i]);
  if (weight != 1)
    p = pyr_varint_put (p, weight);

  if (depth > keep)
    memcpy (ts->stack + keep, frames + keep, (depth - keep) * sizeof *frames);
  ts->depth = depth;
  return record_end (w, PYR_STREAM_RECORD_SAMPLE, p);
}

int
pyr_stream_writer_stats (struct pyr_stream_writer      *w,
                         const struct pyr_stream_stats *stats)
{
  uint8_t *p;
  int ret;

  if ((ret = check_usable (w)) < 0)
    return ret;

  if ((p = record_begin (w, 7 * PYR_VARINT_MAX_LEN)) == NULL)
    return w->error;
  p = pyr_varint_put (p, stats->time_ns);
  p = pyr_varint_put (p, stats->samples);
  p = pyr_varint_put (p, stats->errors);
  p = pyr_varint_put (p, stats->late);
  p = pyr_varint_put (p, stats->lag_max_ns);
  p = pyr_varint_put (p, stats->lag_mean_ns);
  p = pyr_varint_put (p, stats->saturation_ppm);
  return record_end (w, PYR_STREAM_RECORD_STATS, p);
}

static uint8_t *
put_message (uint8_t    *p,
             const char *message)
{
  size_t len = message ? strnlen (message, MAX_MESSAGE_LEN) : 0;

  p = pyr_varint_put (p, len);
  if (len > 0)
    memcpy (p, message, len);
  return p + len;
}

int
pyr_stream_writer_log (struct pyr_stream_writer *w,
                       uint64_t                  time_ns,
                       uint32_t                  level,
                       const char               *message)
{
  uint8_t *p;
  int ret;

  if ((ret = check_usable (w)) < 0)
    return ret;

  if ((p = record_begin (w, 3 * PYR_VARINT_MAX_LEN + MAX_MESSAGE_LEN)) == NULL)
    return w->error;
  p = pyr_varint_put (p, time_ns);
  p = pyr_varint_put (p, level);
  p = put_message (p, message);
  return record_end (w, PYR_STREAM_RECORD_LOG, p);
}

int
pyr_stream_writer_end (struct pyr_stream_writer *w,
                       uint64_t                  time_ns,
                       uint32_t                  reason,
                       int64_t                   code,
                       const char               *message)
{
  uint8_t *p;
  int ret;

  if ((ret = check_usable (w)) < 0)
    return ret;

  if ((p = record_begin (w, 4 * PYR_VARINT_MAX_LEN + MAX_MESSAGE_LEN)) == NULL)
    return w->error;
  p = pyr_varint_put (p, time_ns);
  p = pyr_varint_put (p, reason);
  p = pyr_varint_put (p, pyr_zigzag_encode (code));
  p = put_message (p, message);
  if ((ret = record_end (w, PYR_STREAM_RECORD_END, p)) < 0)
    return ret;
  w->ended = true;
  return pyr_stream_writer_flush (w);
}
