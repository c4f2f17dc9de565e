/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pyr-profile.h"

G_BEGIN_DECLS

#define PYR_SPEEDSCOPE_SCHEMA "https://www.speedscope.app/file-format-schema.json"

/*
 * speedscope JSON (https://www.speedscope.app/file-format-schema.json), as speedscope and
 * py-spy write it.
 *
 * Import: every profile ("sampled" or "evented") becomes a thread named after the profile
 * (py-spy's `Thread 0x7F… "name"` / `Process P Thread 0x…` names also give the pid and tid).
 * Evented profiles become one sample per interval between events, weighted by its length and
 * stamped with its start; sampled profiles carry no timestamps (PYR_TIME_NONE), unless the
 * first profile of the file was evented with a time unit, in which case their cumulative
 * weight is their time. Time units are converted to nanoseconds (metadata "units" =
 * "nanoseconds"), "bytes" stays "bytes" and "none" becomes "samples"; one file has one kind of
 * unit. Zero weights are skipped, as speedscope does. Metadata: "name", "exporter",
 * "active-thread" (the thread of activeProfileIndex) and, per profile N,
 * "speedscope.profile.N.unit", ".start-value" and ".end-value". Frame columns ("col") are
 * not kept.
 *
 * Export: one "sampled" profile per thread, frames from the model, weights in the profile's
 * unit (nanoseconds, bytes, or "none" for sample counts).
 */
gboolean pyr_speedscope_detect (const char       *data,
                                gsize             len);
gboolean pyr_speedscope_import (PyrProfile       *profile,
                                const char       *data,
                                gsize             len,
                                PyrProgressFunc   progress,
                                gpointer          progress_data,
                                GCancellable     *cancellable,
                                GError          **error);
gboolean pyr_speedscope_export (PyrProfile       *profile,
                                GOutputStream    *out,
                                GCancellable     *cancellable,
                                GError          **error);

G_END_DECLS
