/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Finds the child of a prefix-tree node by its frame, for interning stacks
 * ({parent, frame} -> node id). Most nodes of a profile's tree have one child,
 * so each node's first child is kept beside it (8 bytes a node, in the order
 * nodes were made, so a new path's lookups stay in one cache line); only the
 * later children of a node go into an open-addressing table with the keys
 * inline. Ids must be dense: a node's id is below the count of nodes added.
 *
 * Writer-only: no locking; readers of the tree itself use other storage.
 */

#define PYR_CHILD_INDEX_CHUNK_BITS 14

typedef struct
{
  guint32 child;   /* PYR_ID_NONE: no child yet */
  guint32 frame;
} PyrChildIndexFirst;

typedef struct
{
  guint32 parent;
  guint32 frame;
  guint32 id_plus_one;   /* 0 = empty */
} PyrChildIndexSlot;

typedef struct
{
  PyrChildIndexFirst **chunks;   /* per node: first child and its frame */
  guint                n_chunks;
  guint                n_nodes;  /* nodes covered by chunks so far */
  PyrChildIndexSlot   *slots;    /* later children */
  guint                mask;
  guint                used;
} PyrChildIndex;

void     pyr_child_index_init        (PyrChildIndex       *index);
void     pyr_child_index_copy        (PyrChildIndex       *dest,
                                      const PyrChildIndex *src);
void     pyr_child_index_clear       (PyrChildIndex       *index);
/* The child of parent with frame; when it has none, registers new_id as that
 * child and returns new_id (the caller then makes node new_id). */
guint32  pyr_child_index_find_or_add (PyrChildIndex       *index,
                                      guint32              parent,
                                      guint32              frame,
                                      guint32              new_id);
/* Bytes the index holds, for benchmarks. */
gsize    pyr_child_index_get_size    (const PyrChildIndex *index);

G_END_DECLS
