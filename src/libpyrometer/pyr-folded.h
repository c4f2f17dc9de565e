/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pyr-profile.h"

G_BEGIN_DECLS

/*
 * Folded ("collapsed") stacks: "root;...;leaf COUNT" per line, as flamegraph.pl,
 * inferno, py-spy --format raw and Austin 3 write them. UTF-8 or UTF-16 with a
 * BOM, LF or CRLF, fractional counts, '#' comment lines. Lines that do not parse
 * are skipped and counted in the metadata "skipped-lines" (and the first one in
 * "first-skipped-line"); a file with no valid line is an error.
 */
gboolean pyr_folded_detect (const char       *data,
                            gsize             len);
gboolean pyr_folded_import (PyrProfile       *profile,
                            const char       *data,
                            gsize             len,
                            PyrProgressFunc   progress,
                            gpointer          progress_data,
                            GCancellable     *cancellable,
                            GError          **error);
/* One line per distinct stack (merged over threads and time), frames as
 * "name (file:line)"; counts are integers when every weight is one. */
gboolean pyr_folded_export (PyrProfile       *profile,
                            GOutputStream    *out,
                            GCancellable     *cancellable,
                            GError          **error);

G_END_DECLS
