/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pyr-filter.h"

G_BEGIN_DECLS

/*
 * Per-thread activity bins for a timeline lane of `width` pixels covering
 * [begin, end) of the profile's time axis (nanoseconds, or the sample index
 * when the profile has no time; end < 0 = to the end). The filter's threads,
 * idle setting, focus and hidden functions apply; its time range does not (the
 * timeline shows the whole range the selection is made on).
 */

#define PYR_TYPE_TIMELINE (pyr_timeline_get_type ())
G_DECLARE_FINAL_TYPE (PyrTimeline, pyr_timeline, PYR, TIMELINE, GObject)

PyrTimeline  *pyr_timeline_new           (PyrProfile          *profile,
                                          const PyrFilter     *filter,
                                          gint64               begin,
                                          gint64               end,
                                          guint                width,
                                          GCancellable        *cancellable,
                                          GError             **error);
void          pyr_timeline_new_async     (PyrProfile          *profile,
                                          const PyrFilter     *filter,
                                          gint64               begin,
                                          gint64               end,
                                          guint                width,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
PyrTimeline  *pyr_timeline_new_finish    (GAsyncResult        *result,
                                          GError             **error);

guint         pyr_timeline_get_width     (PyrTimeline         *self);
gint64        pyr_timeline_get_begin     (PyrTimeline         *self);
gint64        pyr_timeline_get_end       (PyrTimeline         *self);  /* resolved, > begin */
gboolean      pyr_timeline_uses_time     (PyrTimeline         *self);  /* FALSE: sample index axis */
guint         pyr_timeline_get_n_threads (PyrTimeline         *self);
/* width bins of summed weight: samples not flagged idle, and idle ones */
const double *pyr_timeline_get_active    (PyrTimeline         *self,
                                          guint32              thread);
const double *pyr_timeline_get_idle      (PyrTimeline         *self,
                                          guint32              thread);
const guint32 *pyr_timeline_get_counts   (PyrTimeline         *self,
                                          guint32              thread);  /* samples per bin */
double        pyr_timeline_get_max       (PyrTimeline         *self);  /* largest active + idle bin */

G_END_DECLS
