/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "pyr-flame-layout.h"

G_BEGIN_DECLS

/*
 * How the flame graph colours frames, and the legend that explains it.
 * Colours depend on a stable hash of their key, so the same module (or file)
 * has the same colour in every profile; heat depends on the function's share
 * of self time in this profile.
 */
typedef enum
{
  PYR_FLAME_COLOR_MODULE,  /* by package / module */
  PYR_FLAME_COLOR_FILE,    /* by source file */
  PYR_FLAME_COLOR_HEAT,    /* by self time: pale (little) to red (most) */
} PyrFlameColorMode;

#define PYR_TYPE_FLAME_COLOR_MODE (pyr_flame_color_mode_get_type ())
GType pyr_flame_color_mode_get_type (void) G_GNUC_CONST;

typedef struct
{
  double r, g, b;
} PyrRgb;

typedef struct
{
  char   *label;    /* module, file name, or a heat level; NULL for an unlabelled heat step */
  char   *tooltip;  /* the full key (a file's path) */
  PyrRgb  colour;
  double  weight;   /* self weight of its frames */
} PyrFlameLegendEntry;

/* One colour per frame of the tree's profile, and the root's last (n_frames + 1 entries). */
PyrRgb    *pyr_flame_colors_compute (PyrFlameTree      *tree,
                                     PyrFlameColorMode  mode,
                                     gboolean           dark,
                                     guint             *n_frames);
/* The heaviest keys (at most max_entries), heaviest first; heat: a scale of steps.
 * A GPtrArray of PyrFlameLegendEntry, freed with it. */
GPtrArray *pyr_flame_colors_legend  (PyrFlameTree      *tree,
                                     PyrFlameColorMode  mode,
                                     gboolean           dark,
                                     guint              max_entries);
/* Both at once, in one pass over the tree (what a new tree needs): the colours, and the
 * legend in *legend (when not NULL). */
PyrRgb    *pyr_flame_colors_compute_all (PyrFlameTree      *tree,
                                         PyrFlameColorMode  mode,
                                         gboolean           dark,
                                         guint              max_entries,
                                         guint             *n_frames,
                                         GPtrArray        **legend);

G_END_DECLS
