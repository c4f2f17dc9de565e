/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pyr-profile.h"

G_BEGIN_DECLS

/*
 * Flame graph SVGs, every generation: flamegraph.pl (2013 `func_g` groups, 2018+
 * `<g id="frames">`), inferno 0.7 (pixel positions), 0.8 (percent positions) and 0.10.4+
 * (`fg:x`/`fg:w`, `total_samples`); upright and inverted graphs, flame charts and
 * differential graphs.
 *
 * The importer rebuilds stacks and counts from the geometry: a frame's parent is the frame
 * one level toward the root whose span holds the frame's middle, its self count is its count
 * minus its children's, and counts come from the titles ("N samples, P%"), else from the
 * widths. Frames too narrow to draw were pruned by the tool that wrote the file, so the
 * profile is marked approximate — except for files this exporter wrote with nothing pruned.
 *
 * Metadata set: "format" ("flamegraph-svg"), "generator" (the generation recognised),
 * "units" (the title's count name when it is not "samples"), "title", "flamechart"
 * ("true" for flame charts: samples keep their left-to-right order), and for differential
 * graphs "differential" ("true") and "differential-deltas": one line per frame whose delta
 * is not zero, "root;...;frame DELTA" with DELTA the signed percentage the title shows
 * (inferno's --negate flips that sign; the file does not say whether it was used).
 * Samples carry no time (PYR_TIME_NONE) and belong to one thread.
 *
 * The exporter writes inferno's current structure (<svg id="frames" total_samples>, frames
 * as <g><title/><rect fg:x fg:w/><text/></g>) plus two attributes other readers ignore:
 * data-pruned-frames on the frames container (0: nothing was dropped, so the import is exact,
 * not approximate) and data-kind on non-Python frames (the label carries name, file and line,
 * not the kind).
 */

gboolean pyr_flamegraph_svg_probe   (const char  *data,
                                     gsize        len);

gboolean pyr_flamegraph_svg_import  (PyrProfile       *profile,
                                     const char       *data,
                                     gsize             len,
                                     PyrProgressFunc   progress,
                                     gpointer          progress_data,
                                     GCancellable     *cancellable,
                                     GError          **error);

typedef struct
{
  gboolean    inverted;     /* icicle: root on top (py-spy's default) */
  gboolean    flamechart;   /* keep sample order instead of merging siblings by name */
  double      min_width;    /* in pixels of a 1200-pixel-wide graph: narrower frames (and what they
                             * call) are left out and counted; 0 keeps every frame */
  const char *title;        /* NULL: "Flame Graph" / "Flame Chart" / "Differential Flame Graph" */
  guint       width;        /* 0: 1200 */
} PyrFlamegraphSvgOptions;

/* flamegraph.pl's default: frames under a tenth of a pixel are not drawn */
#define PYR_FLAMEGRAPH_SVG_DEFAULT_MIN_WIDTH 0.1

/* Icicle, 1200 pixels, min_width PYR_FLAMEGRAPH_SVG_DEFAULT_MIN_WIDTH. */
void     pyr_flamegraph_svg_options_init (PyrFlamegraphSvgOptions *options);
/* The same, but a flame chart or upright graph that was imported is written back as one. */
void     pyr_flamegraph_svg_options_init_for_profile (PyrFlamegraphSvgOptions *options,
                                                      PyrProfile              *profile);

/* An icicle graph with the default options (flame chart or upright when the profile was imported
 * as one). Frames under min_width are left out, their number in data-pruned-frames, and an
 * import of the file marks the profile approximate; _full() with min_width 0 keeps every frame. */
gboolean pyr_flamegraph_svg_export  (PyrProfile                     *profile,
                                     GOutputStream                  *out,
                                     GCancellable                   *cancellable,
                                     GError                        **error);

gboolean pyr_flamegraph_svg_export_full (PyrProfile                     *profile,
                                         const PyrFlamegraphSvgOptions  *options,
                                         GOutputStream                  *out,
                                         GCancellable                   *cancellable,
                                         GError                        **error);

/*
 * A differential flame graph: the shapes are AFTER's; a frame is red where its self weight
 * grew from BEFORE to AFTER and blue where it shrank, after normalising BEFORE to AFTER's
 * total. Titles carry the delta as inferno writes it ("; +1.23%").
 */
gboolean pyr_flamegraph_svg_export_diff (PyrProfile                     *before,
                                         PyrProfile                     *after,
                                         const PyrFlamegraphSvgOptions  *options,
                                         GOutputStream                  *out,
                                         GCancellable                   *cancellable,
                                         GError                        **error);

G_END_DECLS
