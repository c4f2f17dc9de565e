/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pyr-filter.h"
#include "pyr-profile.h"

G_BEGIN_DECLS

/*
 * A call tree over a filtered profile, in flat arrays (node 0 is the root,
 * whose frame is PYR_ID_NONE). Immutable once built, so any thread may read it.
 *
 * - MERGED: top-down, equal stacks merged; children "left heavy" (by total,
 *   heaviest first).
 * - TIME_ORDER: top-down, children in time order; a thread's consecutive
 *   samples that share a prefix share its nodes (a flame chart). Each thread
 *   continues its own chain; for one flame chart per thread, filter to one.
 * - BOTTOM_UP: inverted: roots are the functions that ran (self time), their
 *   children their callers. self of a node = weight of the stacks that are
 *   exactly that path reversed; total = the weight of stacks ending in it.
 *   Built lazily: a node gets its children when pyr_call_tree_get_first_child()
 *   first asks for them, so a profile of millions of distinct stacks costs
 *   only what is looked at. Until pyr_call_tree_open_all() has run, the node
 *   count grows as nodes are opened, and the direct views below cover the
 *   nodes opened so far (valid until the next opening); read such a tree from
 *   one thread at a time, or open it all first.
 *
 * Incremental: pyr_call_tree_update() returns a new tree that also covers the
 * samples appended to the profile since this one was built, resuming from the
 * last sample index instead of starting over.
 */

#define PYR_TYPE_CALL_TREE (pyr_call_tree_get_type ())
G_DECLARE_FINAL_TYPE (PyrCallTree, pyr_call_tree, PYR, CALL_TREE, GObject)

typedef enum
{
  PYR_CALL_TREE_MERGED,
  PYR_CALL_TREE_TIME_ORDER,
  PYR_CALL_TREE_BOTTOM_UP,
} PyrCallTreeKind;

#define PYR_CALL_TREE_ROOT 0

PyrCallTree     *pyr_call_tree_new               (PyrProfile          *profile,
                                                  const PyrFilter     *filter,    /* NULL: everything */
                                                  PyrCallTreeKind      kind,
                                                  GCancellable        *cancellable,
                                                  GError             **error);
/* The same over the profile's first n_samples samples only (or all published, if fewer): two
 * queries over one live profile given the same count agree on what they saw. */
PyrCallTree     *pyr_call_tree_new_limited       (PyrProfile          *profile,
                                                  const PyrFilter     *filter,
                                                  PyrCallTreeKind      kind,
                                                  guint                n_samples,
                                                  GCancellable        *cancellable,
                                                  GError             **error);
PyrCallTree     *pyr_call_tree_update            (PyrCallTree         *previous,
                                                  GCancellable        *cancellable,
                                                  GError             **error);
/* Both run on a worker thread; finish both with pyr_call_tree_new_finish(). */
void             pyr_call_tree_new_async         (PyrProfile          *profile,
                                                  const PyrFilter     *filter,
                                                  PyrCallTreeKind      kind,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
void             pyr_call_tree_update_async      (PyrCallTree         *previous,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
PyrCallTree     *pyr_call_tree_new_finish        (GAsyncResult        *result,
                                                  GError             **error);

/* BOTTOM_UP: give every node its children now (a no-op for the other kinds). */
void             pyr_call_tree_open_all          (PyrCallTree         *self);

PyrProfile      *pyr_call_tree_get_profile       (PyrCallTree         *self);
PyrCallTreeKind  pyr_call_tree_get_kind          (PyrCallTree         *self);
const PyrFilter *pyr_call_tree_get_filter        (PyrCallTree         *self);
guint            pyr_call_tree_get_n_samples_seen (PyrCallTree        *self);  /* profile samples covered */
guint            pyr_call_tree_get_n_samples     (PyrCallTree         *self);  /* of those, how many passed the filter */
double           pyr_call_tree_get_total         (PyrCallTree         *self);  /* weight of the root */

guint            pyr_call_tree_get_n_nodes       (PyrCallTree         *self);
guint            pyr_call_tree_get_max_depth     (PyrCallTree         *self);
guint32          pyr_call_tree_get_parent        (PyrCallTree         *self,
                                                  guint32              node);
guint32          pyr_call_tree_get_frame         (PyrCallTree         *self,
                                                  guint32              node);
guint            pyr_call_tree_get_depth         (PyrCallTree         *self,
                                                  guint32              node);
guint32          pyr_call_tree_get_first_child   (PyrCallTree         *self,
                                                  guint32              node);  /* PYR_ID_NONE if none */
guint32          pyr_call_tree_get_next_sibling  (PyrCallTree         *self,
                                                  guint32              node);  /* PYR_ID_NONE if last */
double           pyr_call_tree_get_self          (PyrCallTree         *self,
                                                  guint32              node);
double           pyr_call_tree_get_node_total    (PyrCallTree         *self,
                                                  guint32              node);

/* Direct views of the columns (n_nodes entries each), for drawing code. */
const guint32   *pyr_call_tree_get_parents       (PyrCallTree         *self);
const guint32   *pyr_call_tree_get_frames        (PyrCallTree         *self);
const double    *pyr_call_tree_get_totals        (PyrCallTree         *self);
const double    *pyr_call_tree_get_selfs         (PyrCallTree         *self);

G_END_DECLS
