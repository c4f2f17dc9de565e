/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "pyr-profile.h"

G_BEGIN_DECLS

/*
 * The merged top-down call tree of a profile, and the flame graph layout of one
 * zoom level of it.
 *
 * App-side for now: the profile's stack prefix tree already is the merged
 * top-down tree, so a tree node id is a profile stack node id (0 = the root,
 * "all"). This belongs in libpyrometer as the top-down call tree query once it
 * exists there (with filters); the layout stays in the app.
 *
 * A PyrFlameTree is immutable once built and may be read from any thread.
 */
typedef struct _PyrFlameTree PyrFlameTree;

#define PYR_TYPE_FLAME_TREE (pyr_flame_tree_get_type ())
GType          pyr_flame_tree_get_type        (void) G_GNUC_CONST;

PyrFlameTree  *pyr_flame_tree_new             (PyrProfile    *profile,
                                               GCancellable  *cancellable,
                                               GError       **error);
PyrFlameTree  *pyr_flame_tree_ref             (PyrFlameTree  *tree);
void           pyr_flame_tree_unref           (PyrFlameTree  *tree);

PyrProfile    *pyr_flame_tree_get_profile     (PyrFlameTree  *tree);
guint          pyr_flame_tree_get_n_nodes     (PyrFlameTree  *tree);
guint          pyr_flame_tree_get_max_depth   (PyrFlameTree  *tree);
guint32        pyr_flame_tree_get_parent      (PyrFlameTree  *tree,
                                               guint32        node);  /* PYR_ID_NONE for the root */
guint32        pyr_flame_tree_get_frame       (PyrFlameTree  *tree,
                                               guint32        node);  /* PYR_ID_NONE for the root */
guint          pyr_flame_tree_get_depth       (PyrFlameTree  *tree,
                                               guint32        node);
double         pyr_flame_tree_get_total       (PyrFlameTree  *tree,
                                               guint32        node);
double         pyr_flame_tree_get_self        (PyrFlameTree  *tree,
                                               guint32        node);
guint64        pyr_flame_tree_get_total_samples (PyrFlameTree *tree,
                                                 guint32       node);
guint64        pyr_flame_tree_get_self_samples  (PyrFlameTree *tree,
                                                 guint32       node);
/* Children, widest first (ties by node id, so the order is stable). */
const guint32 *pyr_flame_tree_get_children    (PyrFlameTree  *tree,
                                               guint32        node,
                                               guint         *n_children);

/* The text to show for a node: the frame's name, or "all" for the root. */
const char    *pyr_flame_tree_get_name        (PyrFlameTree  *tree,
                                               guint32        node);
/* The package or module a frame belongs to, for colouring; never NULL. */
char          *pyr_flame_tree_dup_module      (PyrFlameTree  *tree,
                                               guint32        node);

/*
 * Search: marks nodes whose frame name or file matches (a substring, compared
 * case-insensitively, or a regex). Returns a newly allocated array of
 * n_nodes bytes (1 = match), or NULL with error for a bad regex. The matched
 * weight counts every sample once, even under nested matches.
 */
guint8        *pyr_flame_tree_search          (PyrFlameTree  *tree,
                                               const char    *text,
                                               gboolean       regex,
                                               double        *matched_weight,
                                               GError       **error);

typedef enum
{
  PYR_FLAME_RECT_ANCESTOR = 1 << 0,  /* above the zoomed root: drawn full width, dimmed */
  PYR_FLAME_RECT_SLIVER   = 1 << 1,  /* siblings narrower than a pixel, merged */
} PyrFlameRectFlags;

typedef struct
{
  double  x;       /* 0..1 of the view's width */
  double  width;   /* 0..1 */
  guint32 node;    /* the parent's node for a sliver */
  guint16 depth;
  guint16 flags;
} PyrFlameRect;

typedef struct
{
  PyrFlameTree *tree;
  guint32       zoom_node;
  double        width_px;
  PyrFlameRect *rects;        /* ordered by depth, then by x */
  guint         n_rects;
  guint         n_rows;       /* deepest depth + 1 */
  guint        *row_start;    /* n_rows + 1 offsets into rects */
} PyrFlameLayout;

PyrFlameLayout *pyr_flame_layout_compute      (PyrFlameTree  *tree,
                                               guint32        zoom_node,
                                               double         width_px);
void            pyr_flame_layout_free         (PyrFlameLayout *layout);
/* The rectangle at depth and x (0..1), or NULL. */
const PyrFlameRect *pyr_flame_layout_find     (PyrFlameLayout *layout,
                                               guint           depth,
                                               double          x);
/* The rectangle of a node, or NULL when it is not laid out. */
const PyrFlameRect *pyr_flame_layout_find_node (PyrFlameLayout *layout,
                                                guint32         node);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PyrFlameTree, pyr_flame_tree_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PyrFlameLayout, pyr_flame_layout_free)

G_END_DECLS
