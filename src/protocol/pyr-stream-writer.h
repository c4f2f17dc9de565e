/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * Writer of the Pyrometer stream (docs/stream-format.md).
 *
 * Records go into a fixed buffer and reach the output only on pyr_stream_writer_flush() or when
 * the buffer fills: the caller flushes at a bounded interval so a live reader sees samples soon.
 * Nothing is allocated per sample; the only allocations after creation happen when a thread is
 * defined or its stack is deeper than any of its stacks before.
 *
 * Ids are handed out by the writer in definition order (0, 1, 2... for frames and threads;
 * 1, 2, 3... for strings since string 0 is the predefined empty string).  The writer does not
 * deduplicate: the caller keeps its own cache (e.g. by remote address).
 *
 * Every function returns 0 or a negative errno.  After an output error (e.g. -EPIPE: the reader
 * went away) the writer is failed: every later call returns that same error and writes nothing.
 * -EINVAL / -E2BIG say the caller passed something the format cannot hold; they do not fail the
 * writer.  pyr_stream_writer_error_message() says what in either case.
 *
 * Writing to a pipe or socket whose reader is gone raises SIGPIPE: the program must ignore or
 * handle SIGPIPE to get -EPIPE instead of dying.
 */

#include "pyr-stream-format.h"

#ifdef __cplusplus
extern "C" {
#endif

struct pyr_stream_writer;

/* A custom output: write all of len bytes or return a negative errno. */
typedef int (*pyr_stream_write_func) (void       *user_data,
                                      const void *data,
                                      size_t      len);

/* Writes to fd (not closed by the writer); handles EINTR and partial writes.  The header is
 * queued at once.  Returns NULL only when out of memory. */
struct pyr_stream_writer *pyr_stream_writer_new            (int                        fd);
struct pyr_stream_writer *pyr_stream_writer_new_with_func  (pyr_stream_write_func      func,
                                                            void                      *user_data);
/* Does not flush: call pyr_stream_writer_flush() first if the tail matters. */
void                      pyr_stream_writer_free           (struct pyr_stream_writer  *w);

int  pyr_stream_writer_flush           (struct pyr_stream_writer        *w);
/* Bytes accepted so far (header included), written out or still buffered. */
uint64_t pyr_stream_writer_get_offset  (const struct pyr_stream_writer  *w);
/* Bytes buffered and not yet written out. */
size_t pyr_stream_writer_get_pending   (const struct pyr_stream_writer  *w);
const char *pyr_stream_writer_error_message (const struct pyr_stream_writer *w);

/* Definitions.  data need not be NUL-terminated and may be any bytes; UTF-8 is expected. */
int  pyr_stream_writer_add_string      (struct pyr_stream_writer        *w,
                                        const char                      *data,
                                        size_t                           len,
                                        uint32_t                        *out_id);
int  pyr_stream_writer_add_frame       (struct pyr_stream_writer        *w,
                                        const struct pyr_stream_frame   *frame,
                                        uint32_t                        *out_id);
int  pyr_stream_writer_add_thread      (struct pyr_stream_writer        *w,
                                        const struct pyr_stream_thread  *thread,
                                        uint32_t                        *out_id);
/* A thread's name (or any field) changed: the id, and its stack for prefix sharing, stay. */
int  pyr_stream_writer_update_thread   (struct pyr_stream_writer        *w,
                                        uint32_t                         thread_id,
                                        const struct pyr_stream_thread  *thread);
/* Defines or redefines (same pid, e.g. after exec) a process. */
int  pyr_stream_writer_add_process     (struct pyr_stream_writer        *w,
                                        const struct pyr_stream_process *process);
/* key and value are string ids.  Conventional keys are listed in docs/stream-format.md. */
int  pyr_stream_writer_add_metadata    (struct pyr_stream_writer        *w,
                                        uint32_t                         key,
                                        uint32_t                         value);
/* Convenience: interns key and value (NUL-terminated) and writes the METADATA record. */
int  pyr_stream_writer_add_metadata_str (struct pyr_stream_writer       *w,
                                         const char                     *key,
                                         const char                     *value);

/*
 * One sample.  time_ns is absolute on the stream's clock (ns since the recording's origin,
 * e.g. CLOCK_MONOTONIC minus its value at start); a time earlier than the previous sample's is
 * written as equal to it, so readers always see non-decreasing times.  frames[] is the full
 * stack, root first, depth <= PYR_STREAM_MAX_DEPTH (else -E2BIG: truncate, keeping the leaf, and
 * set PYR_STREAM_SAMPLE_TRUNCATED).  weight is normally 1 (then it costs nothing).
 * The writer sends only what differs from this thread's previous stack.
 */
int  pyr_stream_writer_sample          (struct pyr_stream_writer        *w,
                                        uint64_t                         time_ns,
                                        uint32_t                         thread_id,
                                        uint32_t                         flags,
                                        uint64_t                         weight,
                                        const uint32_t                  *frames,
                                        uint32_t                         depth);

/* Counters are cumulative since the start of the recording. */
int  pyr_stream_writer_stats           (struct pyr_stream_writer        *w,
                                        const struct pyr_stream_stats   *stats);
/* level is a PyrStreamLogLevel; message is NUL-terminated plain English (cut at 64 KiB). */
int  pyr_stream_writer_log             (struct pyr_stream_writer        *w,
                                        uint64_t                         time_ns,
                                        uint32_t                         level,
                                        const char                      *message);
/* The last record: reason is a PyrStreamEndReason, code as documented there, message may be
 * NULL (cut at 64 KiB).  Flushes.  Later calls other than free return -EINVAL. */
int  pyr_stream_writer_end             (struct pyr_stream_writer        *w,
                                        uint64_t                         time_ns,
                                        uint32_t                         reason,
                                        int64_t                          code,
                                        const char                      *message);

#ifdef __cplusplus
}
#endif
