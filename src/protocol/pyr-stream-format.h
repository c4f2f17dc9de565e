/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * The Pyrometer stream: what pyrometer-sampler writes and what a `.pyrometer` file holds.
 * docs/stream-format.md is the specification; this header carries its constants and the
 * decoded shapes of its records, shared by the writer and the reader.
 *
 * Plain C11 + libc: compiled into the sampler (no GLib) and into libpyrometer.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* File header: 8 magic bytes, then major, minor (one byte each), then flags (uint16,
 * little-endian).  12 bytes in all. */
#define PYR_STREAM_MAGIC        "\x89PYR\r\n\x1a\n"
#define PYR_STREAM_MAGIC_LEN    8
#define PYR_STREAM_HEADER_LEN   12
#define PYR_STREAM_VERSION_MAJOR 1
#define PYR_STREAM_VERSION_MINOR 0

/* Header flag bits 0-7 may be ignored by a reader that does not know them; a reader must
 * refuse a stream with an unknown bit among 8-15.  No flag is defined in 1.0. */
#define PYR_STREAM_HEADER_FLAGS_MUST_UNDERSTAND 0xff00u

/* Limits.  A writer never produces more; a reader rejects more (input is untrusted). */
#define PYR_STREAM_MAX_RECORD_LEN   (1u << 20)          /* payload bytes of one record */
#define PYR_STREAM_MAX_STRING_LEN   ((1u << 20) - 16)   /* bytes of one string */
#define PYR_STREAM_MAX_DEPTH        4096u               /* frames in one stack */
#define PYR_STREAM_MAX_THREADS      (1u << 20)          /* thread ids 0 .. MAX-1 */
#define PYR_STREAM_MAX_STRINGS      (1u << 28)          /* string ids, including the implicit 0 */
#define PYR_STREAM_MAX_FRAMES       (1u << 28)          /* frame ids */

/* Record types, as written on the wire (a varint before each record's length).
 * 0 is never valid on the wire (a zero-filled tail is garbage, not a record). */
typedef enum
{
  PYR_STREAM_RECORD_HEADER   = 0,   /* not on the wire: the reader's report of the file header */
  PYR_STREAM_RECORD_STRING   = 1,
  PYR_STREAM_RECORD_FRAME    = 2,
  PYR_STREAM_RECORD_THREAD   = 3,
  PYR_STREAM_RECORD_PROCESS  = 4,
  PYR_STREAM_RECORD_METADATA = 5,
  PYR_STREAM_RECORD_SAMPLE   = 6,
  PYR_STREAM_RECORD_STATS    = 7,
  PYR_STREAM_RECORD_END      = 8,
  PYR_STREAM_RECORD_LOG      = 9,
  PYR_STREAM_RECORD_SAMPLE_SAME = 10, /* on the wire only: a SAMPLE whose stack is the thread's
                                       * previous one; readers report it as SAMPLE */
  PYR_STREAM_RECORD_UNKNOWN  = -1,  /* a type this reader does not know; skipped, reported */
} PyrStreamRecordType;

/* Frame kinds.  A reader passes an unknown kind through unchanged; treat it as native. */
typedef enum
{
  PYR_STREAM_FRAME_PYTHON  = 0,
  PYR_STREAM_FRAME_NATIVE  = 1,
  PYR_STREAM_FRAME_THREAD  = 2,   /* pseudo-frame naming a thread, e.g. at the root of a stack */
  PYR_STREAM_FRAME_PROCESS = 3,   /* pseudo-frame naming a process */
} PyrStreamFrameKind;

/* Sample flags.  Unknown bits are passed through by readers. */
#define PYR_STREAM_SAMPLE_IDLE       (1u << 0)  /* thread was not running (sleeping, waiting) */
#define PYR_STREAM_SAMPLE_GIL        (1u << 1)  /* thread held the GIL */
#define PYR_STREAM_SAMPLE_GC         (1u << 2)  /* a garbage collection was running */
#define PYR_STREAM_SAMPLE_TRUNCATED  (1u << 3)  /* stack was deeper than recorded; root frames lost */

/* END reasons.  Unknown reasons are passed through by readers. */
typedef enum
{
  PYR_STREAM_END_COMPLETE      = 0,  /* duration reached, or stopped by the reader's request */
  PYR_STREAM_END_SIGNAL        = 1,  /* sampler stopped by a signal; code = signal number */
  PYR_STREAM_END_TARGET_EXITED = 2,  /* code = exit status (0-255), -N if killed by signal N,
                                      * or INT64_MIN if unknown (attached process) */
  PYR_STREAM_END_ERROR         = 3,  /* code = negative errno or 0; message says what */
} PyrStreamEndReason;

/* LOG levels. */
typedef enum
{
  PYR_STREAM_LOG_DEBUG   = 0,
  PYR_STREAM_LOG_INFO    = 1,
  PYR_STREAM_LOG_WARNING = 2,
  PYR_STREAM_LOG_ERROR   = 3,
} PyrStreamLogLevel;

/* String id 0 is always defined as the empty string: "no name", "no file". */
#define PYR_STREAM_STRING_NONE 0u

struct pyr_stream_frame
{
  uint32_t name;        /* string id: function name (qualified where known) */
  uint32_t file;        /* string id: file path (Python) or module/object path (native) */
  uint32_t line;        /* 1-based line, 0 if unknown */
  uint32_t kind;        /* PyrStreamFrameKind */
  uint32_t first_line;  /* line of the `def`, 0 if unknown (optional on the wire) */
};

struct pyr_stream_thread
{
  uint32_t pid;         /* process the thread belongs to */
  uint64_t python_id;   /* threading.get_ident() value, 0 if unknown */
  uint32_t native_id;   /* kernel tid, 0 if unknown */
  uint32_t name;        /* string id of the thread's name (PYR_STREAM_STRING_NONE if unknown) */
};

struct pyr_stream_process
{
  uint32_t pid;
  uint32_t parent_pid;      /* 0 if unknown */
  uint32_t command_line;    /* string id: arguments joined by spaces, for display */
  uint32_t python_version;  /* string id, e.g. "3.12.3", NONE if not Python */
};

struct pyr_stream_stats
{
  uint64_t time_ns;       /* stream time the figures were taken at */
  uint64_t samples;       /* cumulative since the start: sampling rounds attempted */
  uint64_t errors;        /* cumulative: thread stacks dropped because they could not be read
                           * (a round unreadable as a whole counts its last known threads) */
  uint64_t late;          /* cumulative: samples taken later than one interval after schedule */
  uint64_t lag_max_ns;    /* largest lag behind schedule so far */
  uint64_t lag_mean_ns;   /* mean lag behind schedule so far */
  uint32_t saturation_ppm;/* share of wall time spent sampling, parts per million */
};

#ifdef __cplusplus
}
#endif
