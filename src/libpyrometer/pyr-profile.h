/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "pyr-error.h"
#include "pyr-progress.h"

G_BEGIN_DECLS

/*
 * PyrProfile: an append-only, columnar profile.
 *
 * - Strings are interned: id 0 is always the empty string "".
 * - Frames {name, file, line, kind} are interned: ids start at 0.
 * - Stacks are nodes of a prefix tree {parent, frame}; PYR_STACK_ROOT (0) is
 *   the empty stack, interned nodes start at 1. A node's parent always has a
 *   smaller id than the node.
 * - Samples are parallel columns: time, thread, stack node (the leaf), weight,
 *   flags.
 * - Threads {pid, tid, name}, processes {pid, command line, Python version},
 *   string metadata and an "approximate" mark.
 *
 * Time: nanoseconds from the start of the profile. Inputs that carry no time
 * (folded stacks, flame graph SVGs, py-spy speedscope) append PYR_TIME_NONE;
 * queries then use the sample index as the time axis. pyr_profile_has_time()
 * says which applies (decided by the first sample).
 *
 * Weight: a double in the unit named by the metadata key "units"
 * ("samples" when unset; also "nanoseconds", "seconds", "bytes", ...).
 *
 * Thread safety: one thread (the "writer") appends and interns. Any number of
 * other threads may read concurrently: every getter reads storage that is never
 * moved or freed once published (chunked columns), and counts are published
 * with release/acquire ordering after the data they cover. A reader takes a
 * snapshot of the counts it needs (e.g. n_samples at query start) and reads
 * only below them. Lookups that go through hash tables
 * (pyr_profile_lookup_string) and metadata may be called from any thread
 * (metadata is under a lock), but the intern functions only from the writer.
 * The running summaries (has_time, end_time, total_weight) are the writer's:
 * read on another thread during appends they may lag by a sample.
 *
 * Queries (pyr-call-tree.h, pyr-function-table.h, pyr-timeline.h, pyr-diff.h)
 * follow this: they snapshot n_samples when they start, run on a GTask
 * thread, and pyr_call_tree_update() resumes from the snapshot.
 */

#define PYR_TYPE_PROFILE (pyr_profile_get_type ())
G_DECLARE_FINAL_TYPE (PyrProfile, pyr_profile, PYR, PROFILE, GObject)

typedef enum
{
  PYR_FRAME_PYTHON,
  PYR_FRAME_NATIVE,
  PYR_FRAME_THREAD,   /* pseudo-frame naming a thread (py-spy --threads) */
  PYR_FRAME_PROCESS,  /* pseudo-frame naming a process (py-spy --subprocesses) */
} PyrFrameKind;

#define PYR_STACK_ROOT 0      /* the empty stack; interned stack node ids start at 1 */
#define PYR_TIME_NONE  (-1)   /* a sample without a timestamp */
#define PYR_ID_NONE    G_MAXUINT32

enum
{
  PYR_SAMPLE_IDLE    = 1 << 0,
  PYR_SAMPLE_HAS_GIL = 1 << 1,
  PYR_SAMPLE_IN_GC   = 1 << 2,
};

PyrProfile   *pyr_profile_new                  (void);

/* Writer side */
guint32       pyr_profile_intern_string        (PyrProfile   *self,
                                                const char   *str,
                                                gssize        len);
guint32       pyr_profile_intern_frame         (PyrProfile   *self,
                                                guint32       name_sid,
                                                guint32       file_sid,
                                                gint32        line,   /* 0 = unknown */
                                                PyrFrameKind  kind);
guint32       pyr_profile_intern_stack         (PyrProfile   *self,
                                                guint32       parent_node,
                                                guint32       frame);
guint32       pyr_profile_add_thread           (PyrProfile   *self,
                                                gint64        pid,
                                                gint64        tid,
                                                const char   *name);
/* A thread learnt its name (or changed it); readers see one name or the other. */
void          pyr_profile_set_thread_name      (PyrProfile   *self,
                                                guint32       thread,
                                                const char   *name);
guint32       pyr_profile_add_process          (PyrProfile   *self,
                                                gint64        pid,
                                                const char   *command_line,
                                                const char   *python_version);
void          pyr_profile_append_sample        (PyrProfile   *self,
                                                gint64        time_ns,
                                                guint32       thread,
                                                guint32       stack_node,
                                                double        weight,
                                                guint32       flags);
void          pyr_profile_set_metadata         (PyrProfile   *self,
                                                const char   *key,
                                                const char   *value);
void          pyr_profile_set_approximate      (PyrProfile   *self,
                                                gboolean      approximate);

/* Convenience for importers: a frame from its text, e.g. "func (file.py:12)". */
guint32       pyr_profile_intern_frame_label   (PyrProfile   *self,
                                                const char   *label,
                                                gsize         len);

/* Readers */
guint         pyr_profile_get_n_strings        (PyrProfile   *self);
const char   *pyr_profile_get_string           (PyrProfile   *self,
                                                guint32       sid);
guint32       pyr_profile_lookup_string        (PyrProfile   *self,
                                                const char   *str);  /* PYR_ID_NONE if absent */

guint         pyr_profile_get_n_frames         (PyrProfile   *self);
guint32       pyr_profile_get_frame_name       (PyrProfile   *self,
                                                guint32       frame);
guint32       pyr_profile_get_frame_file       (PyrProfile   *self,
                                                guint32       frame);
gint32        pyr_profile_get_frame_line       (PyrProfile   *self,
                                                guint32       frame);
PyrFrameKind  pyr_profile_get_frame_kind       (PyrProfile   *self,
                                                guint32       frame);
/* "name (file:line)", as py-spy writes it; free with g_free() */
char         *pyr_profile_format_frame         (PyrProfile   *self,
                                                guint32       frame);

guint         pyr_profile_get_n_stack_nodes    (PyrProfile   *self);  /* including the root */
guint32       pyr_profile_get_node_parent      (PyrProfile   *self,
                                                guint32       node);
guint32       pyr_profile_get_node_frame       (PyrProfile   *self,
                                                guint32       node);
guint         pyr_profile_get_node_depth       (PyrProfile   *self,
                                                guint32       node);  /* root = 0 */

guint         pyr_profile_get_n_samples        (PyrProfile   *self);
gint64        pyr_profile_get_sample_time      (PyrProfile   *self,
                                                guint         index);
guint32       pyr_profile_get_sample_thread    (PyrProfile   *self,
                                                guint         index);
guint32       pyr_profile_get_sample_stack     (PyrProfile   *self,
                                                guint         index);
double        pyr_profile_get_sample_weight    (PyrProfile   *self,
                                                guint         index);
guint32       pyr_profile_get_sample_flags     (PyrProfile   *self,
                                                guint         index);

/*
 * Bulk access: samples are stored in chunks of PYR_PROFILE_CHUNK_SIZE. For
 * chunk c, fills the column pointers (each may be NULL) and returns how many
 * of its samples are below n_samples (a snapshot the caller took).
 */
#define PYR_PROFILE_CHUNK_SIZE (1u << 14)
guint         pyr_profile_get_sample_chunk     (PyrProfile     *self,
                                                guint           chunk,
                                                guint           n_samples,
                                                const gint64  **times,
                                                const guint32 **threads,
                                                const guint32 **stacks,
                                                const double  **weights,
                                                const guint32 **flags);

gboolean      pyr_profile_has_time             (PyrProfile   *self);
gint64        pyr_profile_get_end_time         (PyrProfile   *self);  /* largest sample time, or PYR_TIME_NONE */
double        pyr_profile_get_total_weight     (PyrProfile   *self);

guint         pyr_profile_get_n_threads        (PyrProfile   *self);
gint64        pyr_profile_get_thread_pid       (PyrProfile   *self,
                                                guint32       thread);
gint64        pyr_profile_get_thread_tid       (PyrProfile   *self,
                                                guint32       thread);
const char   *pyr_profile_get_thread_name      (PyrProfile   *self,
                                                guint32       thread);

guint         pyr_profile_get_n_processes      (PyrProfile   *self);
gint64        pyr_profile_get_process_pid      (PyrProfile   *self,
                                                guint32       process);
const char   *pyr_profile_get_process_command_line (PyrProfile *self,
                                                    guint32     process);
const char   *pyr_profile_get_process_python_version (PyrProfile *self,
                                                      guint32     process);

/* Returns a newly allocated copy, or NULL */
char         *pyr_profile_dup_metadata         (PyrProfile   *self,
                                                const char   *key);
/* Sorted keys; free with g_strfreev() */
char        **pyr_profile_list_metadata        (PyrProfile   *self);
gboolean      pyr_profile_get_approximate      (PyrProfile   *self);

/* Units of the weights ("samples" when the metadata "units" is unset). */
const char   *pyr_profile_get_units            (PyrProfile   *self);

G_END_DECLS
