/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pyr-profile.h"

G_BEGIN_DECLS

/*
 * What a query looks at. A plain boxed struct: copy it into a query, change it
 * freely afterwards.
 *
 * - time range [begin, end) on the profile's time axis: nanoseconds, or the
 *   sample index when the profile has no time (pyr_profile_has_time());
 *   end < 0 means "to the end";
 * - a set of thread ids (empty = all threads);
 * - idle samples included or not (included by default);
 * - focus: only samples whose stack holds the focused function, re-rooted at
 *   its outermost call;
 * - hidden functions: removed from stacks, their time goes to their caller;
 * - merged recursion: a function already on the stack is not repeated deeper
 *   (a;b;a;c becomes a;b;c).
 * - merged lines: frames of one function (same name and file) that differ only
 *   by their line are one frame, so a call path has one node per function, not
 *   one per line it was on (off by default: a node per frame). The merged node's
 *   frame is one of them (the first seen).
 * Focus and hidden frames match every frame of the same function (same name
 * and file, any line).
 */
typedef struct _PyrFilter PyrFilter;

#define PYR_TYPE_FILTER (pyr_filter_get_type ())

GType       pyr_filter_get_type            (void) G_GNUC_CONST;
PyrFilter  *pyr_filter_new                 (void);
PyrFilter  *pyr_filter_copy                (const PyrFilter *self);
void        pyr_filter_free                (PyrFilter       *self);
gboolean    pyr_filter_equal               (const PyrFilter *a,
                                            const PyrFilter *b);

void        pyr_filter_set_time_range      (PyrFilter       *self,
                                            gint64           begin,
                                            gint64           end);
void        pyr_filter_get_time_range      (const PyrFilter *self,
                                            gint64          *begin,
                                            gint64          *end);
void        pyr_filter_set_threads         (PyrFilter       *self,
                                            const guint32   *threads,
                                            guint            n_threads);
void        pyr_filter_add_thread          (PyrFilter       *self,
                                            guint32          thread);
gboolean    pyr_filter_has_thread          (const PyrFilter *self,
                                            guint32          thread);  /* TRUE when the set is empty */
void        pyr_filter_set_include_idle    (PyrFilter       *self,
                                            gboolean         include_idle);
gboolean    pyr_filter_get_include_idle    (const PyrFilter *self);
void        pyr_filter_set_focus_frame     (PyrFilter       *self,
                                            guint32          frame);   /* PYR_ID_NONE: no focus */
guint32     pyr_filter_get_focus_frame     (const PyrFilter *self);
void        pyr_filter_add_hidden_frame    (PyrFilter       *self,
                                            guint32          frame);
void        pyr_filter_clear_hidden_frames (PyrFilter       *self);
const guint32 *pyr_filter_get_hidden_frames (const PyrFilter *self,
                                             guint           *n_frames);
void        pyr_filter_set_merge_recursion (PyrFilter       *self,
                                            gboolean         merge_recursion);
gboolean    pyr_filter_get_merge_recursion (const PyrFilter *self);
void        pyr_filter_set_merge_lines     (PyrFilter       *self,
                                            gboolean         merge_lines);
gboolean    pyr_filter_get_merge_lines     (const PyrFilter *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PyrFilter, pyr_filter_free)

G_END_DECLS
