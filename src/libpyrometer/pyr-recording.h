/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pyr-profile.h"

G_BEGIN_DECLS

/*
 * The Pyrometer recording (.pyrometer): the sampler's stream, read and written
 * through src/protocol. A recording cut short loads up to its last whole record
 * (metadata "truncated" = the reader's message). Sample times become relative
 * to the first sample. Stream metadata is copied; the end record goes to
 * "end-reason", "end-code" and "end-message".
 *
 * Export writes a stream any reader of the format accepts. The stream's weights
 * are integers: fractional weights in a time unit are written in nanoseconds
 * (and "units" says so); other fractional weights are rounded.
 */
gboolean pyr_recording_detect (const char       *data,
                               gsize             len);
gboolean pyr_recording_import (PyrProfile       *profile,
                               const char       *data,
                               gsize             len,
                               PyrProgressFunc   progress,
                               gpointer          progress_data,
                               GCancellable     *cancellable,
                               GError          **error);
gboolean pyr_recording_export (PyrProfile       *profile,
                               GOutputStream    *out,
                               GCancellable     *cancellable,
                               GError          **error);

G_END_DECLS
