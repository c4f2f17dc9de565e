/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "pyr-call-tree.h"

G_BEGIN_DECLS

/*
 * The merged top-down call tree of a profile, and the flame graph layout of one
 * zoom level of it.
 *
 * A PyrFlameTree wraps a libpyrometer PyrCallTree (merged, or time order for
 * a flame chart) with what drawing needs on top: each node's children in one
 * array and a breadth-first order. Node ids are the call tree's (0 = the root,
 * "all"). Immutable once built; any thread may read it.
 */
typedef struct _PyrFlameTree PyrFlameTree;

#define PYR_TYPE_FLAME_TREE (pyr_flame_tree_get_type ())
GType          pyr_flame_tree_get_type        (void) G_GNUC_CONST;

/* The merged tree of the whole profile (builds a PyrCallTree: call on a worker thread). */
PyrFlameTree  *pyr_flame_tree_new             (PyrProfile    *profile,
                                               GCancellable  *cancellable,
                                               GError       **error);
PyrFlameTree  *pyr_flame_tree_new_for_call_tree (PyrCallTree *call_tree);  /* MERGED or TIME_ORDER */
PyrCallTree   *pyr_flame_tree_get_call_tree   (PyrFlameTree  *tree);
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
/* Children in the call tree's order: widest first when merged, time order in a flame chart. */
const guint32 *pyr_flame_tree_get_children    (PyrFlameTree  *tree,
                                               guint32        node,
                                               guint         *n_children);

/*
 * The node of another tree (e.g. a rebuild of the same profile with more
 * samples) at the same frame path: the same frames from the root down, and
 * among siblings with the same frame the same occurrence (flame charts repeat
 * frames). When the path ends early in `to`, returns the deepest node that
 * matched and sets *exact to FALSE.
 */
guint32        pyr_flame_tree_map_node        (PyrFlameTree  *from,
                                               guint32        node,
                                               PyrFlameTree  *to,
                                               gboolean      *exact);

/* The text to show for a node: the frame's name, or "all" for the root. */
/* TRUE when the tree's filter merged each function's lines (a node's frame line is then
 * only one of its lines, not to be shown as the node's). */
gboolean       pyr_flame_tree_get_lines_merged (PyrFlameTree *tree);
/* "name (file:line)", or "name (file)" when lines are merged; free with g_free(). */
char          *pyr_flame_tree_dup_label       (PyrFlameTree  *tree,
                                               guint32        node);
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
  double        width_px;     /* of the whole zoomed frame: the view's width / view_width */
  double        view_x;       /* the part of the zoomed frame in view, 0..1 */
  double        view_width;
  PyrFlameRect *rects;        /* ordered by depth, then by x */
  guint         n_rects;
  guint         n_rows;       /* deepest depth + 1 */
  guint        *row_start;    /* n_rows + 1 offsets into rects */
} PyrFlameLayout;

/* Lays out the zoomed frame's subtree for a view width_px wide that shows the
 * part [view_x, view_x + view_width) of it (0, 1: all of it); frames outside
 * that part are left out, and so are frames narrower than a pixel (merged
 * into slivers). */
PyrFlameLayout *pyr_flame_layout_compute      (PyrFlameTree  *tree,
                                               guint32        zoom_node,
                                               double         width_px,
                                               double         view_x,
                                               double         view_width);
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
