/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * Incremental (push) decoder of the Pyrometer stream (docs/stream-format.md).
 *
 * Feed it bytes in chunks of any size as they arrive; it calls back once per complete record,
 * in stream order, and keeps a partial record until the rest arrives.  A whole file can be fed
 * as one chunk (e.g. a mapping): records are then decoded in place, without copying.
 *
 *   struct pyr_stream_reader *r = pyr_stream_reader_new (on_record, data);
 *   while ((n = read (fd, buf, sizeof buf)) > 0)
 *     if ((ret = pyr_stream_reader_feed (r, buf, n)) < 0)
 *       -> pyr_stream_reader_error_message (r): e.g. "byte 1234: SAMPLE: thread 9 is not defined"
 *   ret = pyr_stream_reader_finish (r);  -> 0, or PYR_STREAM_TRUNCATED, or < 0
 *
 * Input is untrusted: every length, id, count and depth is checked against the definitions so
 * far and the limits of pyr-stream-format.h.  The first violation stops the reader with -EBADMSG
 * (every whole record before it was delivered); later calls return the same error.
 * Samples are delivered with their full stack (prefix sharing undone).  Nothing is allocated
 * per record: memory grows only with new definitions (strings are kept, see
 * pyr_stream_reader_get_string()), deeper stacks, and partial records split across chunks.
 */

#include "pyr-stream-format.h"

#ifdef __cplusplus
extern "C" {
#endif

/* pyr_stream_reader_finish(): the stream stopped inside the header or a record (a recording cut
 * short).  Every whole record before the cut was delivered; this is not an error. */
#define PYR_STREAM_TRUNCATED 1

struct pyr_stream_reader;

struct pyr_stream_sample
{
  uint64_t        time_ns;    /* absolute on the stream's clock; non-decreasing */
  uint32_t        thread;     /* thread id */
  uint32_t        flags;      /* PYR_STREAM_SAMPLE_* bits, unknown bits kept */
  uint64_t        weight;     /* 1 unless the writer said otherwise */
  uint32_t        depth;      /* frames in the stack, 0 for an empty stack */
  const uint32_t *frames;     /* frame ids, root first; valid during the callback only */
};

struct pyr_stream_record
{
  PyrStreamRecordType type;       /* never SAMPLE_SAME: that is reported as SAMPLE */
  uint32_t            wire_type;  /* the type number on the wire (useful for UNKNOWN) */
  uint64_t            offset;     /* byte offset of the record's first byte in the stream */
  union
  {
    struct { uint32_t major, minor, flags; } header;
    /* data is NUL-terminated and kept: valid until the reader is freed */
    struct { uint32_t id; const char *data; uint32_t len; } string;
    struct { uint32_t id; struct pyr_stream_frame frame; } frame;
    struct { uint32_t id; bool redefined; struct pyr_stream_thread thread; } thread;
    struct pyr_stream_process process;
    struct { uint32_t key, value; } metadata;                        /* string ids */
    struct pyr_stream_sample sample;
    struct pyr_stream_stats stats;
    struct { uint64_t time_ns; uint32_t reason; int64_t code;
             const char *message; uint32_t message_len; } end;        /* message NUL-terminated */
    struct { uint64_t time_ns; uint32_t level;
             const char *message; uint32_t message_len; } log;        /* message NUL-terminated */
    struct { const uint8_t *payload; uint32_t len; } unknown;        /* during the callback */
  };
};

/* Return 0 to go on, or a negative errno to stop: pyr_stream_reader_feed() then returns it. */
typedef int (*pyr_stream_record_func) (const struct pyr_stream_record *record,
                                       void                           *user_data);

/* Returns NULL only when out of memory. */
struct pyr_stream_reader *pyr_stream_reader_new     (pyr_stream_record_func     func,
                                                     void                      *user_data);
void                      pyr_stream_reader_free    (struct pyr_stream_reader  *r);

/* 0, -EBADMSG (garbage; see the message), -ENOMEM, or the callback's negative return. */
int  pyr_stream_reader_feed          (struct pyr_stream_reader        *r,
                                      const void                      *data,
                                      size_t                           len);
/* End of input: 0 if it ended between records (or after END), PYR_STREAM_TRUNCATED if it
 * ended inside one (the message says where), or the error feed() returned. */
int  pyr_stream_reader_finish        (struct pyr_stream_reader        *r);

const char *pyr_stream_reader_error_message (const struct pyr_stream_reader *r);
/* Bytes consumed so far (= offset of the next record once whole records were delivered). */
uint64_t    pyr_stream_reader_get_offset    (const struct pyr_stream_reader *r);
bool        pyr_stream_reader_saw_end       (const struct pyr_stream_reader *r);

/* A string defined so far (id 0 is ""), NUL-terminated, valid until the reader is freed;
 * NULL if not defined.  len may be NULL. */
const char *pyr_stream_reader_get_string    (const struct pyr_stream_reader *r,
                                             uint32_t                        id,
                                             uint32_t                       *len);
uint32_t    pyr_stream_reader_get_n_strings (const struct pyr_stream_reader *r);
uint32_t    pyr_stream_reader_get_n_frames  (const struct pyr_stream_reader *r);
uint32_t    pyr_stream_reader_get_n_threads (const struct pyr_stream_reader *r);

#ifdef __cplusplus
}
#endif
