/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pyr-child-index.h"
#include "pyr-filter-private.h"
#include "pyr-profile-private.h"

G_BEGIN_DECLS

/* For GHashTables keyed by two ids in a guint64: g_int64_hash folds the halves
 * together (a ^ b), so (a, b) and (b, a) and every pair with the same xor collide. */
static inline guint
pyr_id_pair_hash (gconstpointer key)
{
  return (guint) ((*(const guint64 *) key * 0x9E3779B97F4A7C15ull) >> 32);
}

/*
 * A prefix tree of (parent, frame) -> node id, in flat arrays; node 0 is the
 * root. Used for the filtered stacks, bottom-up trees and diffs.
 */
typedef struct
{
  GArray        *parent;   /* guint32 */
  GArray        *frame;    /* guint32 */
  PyrChildIndex  children;
} PyrNodeTree;

void     pyr_node_tree_init  (PyrNodeTree       *tree);
void     pyr_node_tree_copy  (PyrNodeTree       *dest,
                              const PyrNodeTree *src);
void     pyr_node_tree_clear (PyrNodeTree       *tree);
guint32  pyr_node_tree_child (PyrNodeTree       *tree,
                              guint32            parent,
                              guint32            frame);
static inline guint
pyr_node_tree_size (const PyrNodeTree *tree)
{
  return tree->parent->len;
}

/*
 * The filter's stack transforms (focus, hidden, merged recursion) applied to
 * every stack node of the profile, memoised: map[node] is the node of the
 * filtered tree, or PYR_ID_NONE when the filter drops the stack. Extended when
 * the profile grows. The filtered tree's frames are the profile's frames.
 */
typedef struct
{
  PyrProfile  *profile;
  PyrFilter   *filter;
  GArray      *map;            /* guint32 per profile node */
  PyrNodeTree  tree;
  GArray      *func_of_frame;  /* guint32 per profile frame */
  GHashTable  *funcs;          /* (name << 32 | file) -> func id + 1 */
  GArray      *func_flags;     /* guint8 per func: 1 hidden, 2 focus */
  GArray      *func_frame;     /* guint32 per func: its first frame seen (merged lines) */
  GArray      *path_funcs;     /* scratch */
  gboolean     use_time;
} PyrStackMap;

void     pyr_stack_map_init   (PyrStackMap       *map,
                               PyrProfile        *profile,
                               const PyrFilter   *filter);
void     pyr_stack_map_copy   (PyrStackMap       *dest,
                               const PyrStackMap *src);
void     pyr_stack_map_clear  (PyrStackMap       *map);
/* Maps every profile node below n_nodes. */
void     pyr_stack_map_update (PyrStackMap       *map,
                               guint              n_nodes);
guint32  pyr_stack_map_func   (PyrStackMap       *map,
                               guint32            frame);

/* Does a sample pass the time, thread and idle parts of the filter? */
static inline gboolean
pyr_stack_map_sample_passes (const PyrStackMap *map,
                             guint              index,
                             gint64             time,
                             guint32            thread,
                             guint32            flags)
{
  const PyrFilter *f = map->filter;
  gint64 t = map->use_time ? time : (gint64) index;

  if (t < f->begin || (f->end >= 0 && t >= f->end))
    return FALSE;
  if (!f->include_idle && (flags & PYR_SAMPLE_IDLE))
    return FALSE;
  if (f->threads->len > 0)
    {
      const guint32 *ts = (const guint32 *) f->threads->data;
      gboolean found = FALSE;

      for (guint i = 0; i < f->threads->len; i++)
        if (ts[i] == thread)
          {
            found = TRUE;
            break;
          }
      if (!found)
        return FALSE;
    }
  return TRUE;
}

G_END_DECLS
