/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "pyr-child-index.h"

#define CHUNK_SIZE (1u << PYR_CHILD_INDEX_CHUNK_BITS)
#define CHUNK_MASK (CHUNK_SIZE - 1)
#define NONE       G_MAXUINT32

static inline guint32
hash_pair (guint32 parent,
           guint32 frame)
{
  guint64 h = ((guint64) parent << 32 | frame) * 0x9E3779B97F4A7C15ull;

  return (guint32) (h >> 32);
}

void
pyr_child_index_init (PyrChildIndex *index)
{
  memset (index, 0, sizeof *index);
  index->mask = 255;
  index->slots = g_new0 (PyrChildIndexSlot, index->mask + 1);
}

void
pyr_child_index_copy (PyrChildIndex       *dest,
                      const PyrChildIndex *src)
{
  *dest = *src;
  dest->chunks = g_new (PyrChildIndexFirst *, MAX (src->n_chunks, 1));
  for (guint c = 0; c < src->n_chunks; c++)
    dest->chunks[c] = g_memdup2 (src->chunks[c], sizeof (PyrChildIndexFirst) * CHUNK_SIZE);
  dest->slots = g_memdup2 (src->slots, sizeof (PyrChildIndexSlot) * (src->mask + 1));
}

void
pyr_child_index_clear (PyrChildIndex *index)
{
  for (guint c = 0; c < index->n_chunks; c++)
    g_free (index->chunks[c]);
  g_clear_pointer (&index->chunks, g_free);
  g_clear_pointer (&index->slots, g_free);
  index->n_chunks = index->n_nodes = index->used = 0;
}

static PyrChildIndexFirst *
first_of (PyrChildIndex *index,
          guint32        node)
{
  while (node >= index->n_nodes)
    {
      /* chunks, not one array: growing never copies (or doubles the memory of) what is there */
      if ((index->n_chunks & (index->n_chunks - 1)) == 0)
        index->chunks = g_renew (PyrChildIndexFirst *, index->chunks, MAX (index->n_chunks * 2, 1));
      index->chunks[index->n_chunks] = g_new (PyrChildIndexFirst, CHUNK_SIZE);
      memset (index->chunks[index->n_chunks], 0xff, sizeof (PyrChildIndexFirst) * CHUNK_SIZE);
      index->n_chunks++;
      index->n_nodes += CHUNK_SIZE;
    }
  return &index->chunks[node >> PYR_CHILD_INDEX_CHUNK_BITS][node & CHUNK_MASK];
}

static void
grow (PyrChildIndex *index)
{
  guint mask = index->mask * 2 + 1;
  PyrChildIndexSlot *slots = g_new0 (PyrChildIndexSlot, mask + 1);

  for (guint i = 0; i <= index->mask; i++)
    {
      PyrChildIndexSlot s = index->slots[i];
      guint pos;

      if (s.id_plus_one == 0)
        continue;
      for (pos = hash_pair (s.parent, s.frame) & mask; slots[pos].id_plus_one != 0; pos = (pos + 1) & mask)
        ;
      slots[pos] = s;
    }
  g_free (index->slots);
  index->slots = slots;
  index->mask = mask;
}

guint32
pyr_child_index_find_or_add (PyrChildIndex *index,
                             guint32        parent,
                             guint32        frame,
                             guint32        new_id)
{
  PyrChildIndexFirst *first = first_of (index, parent);
  PyrChildIndexSlot *slot;
  guint pos;

  if (first->child == NONE)
    {
      first->child = new_id;
      first->frame = frame;
      return new_id;
    }
  if (first->frame == frame)
    return first->child;

  for (pos = hash_pair (parent, frame) & index->mask;
       (slot = &index->slots[pos])->id_plus_one != 0;
       pos = (pos + 1) & index->mask)
    if (slot->parent == parent && slot->frame == frame)
      return slot->id_plus_one - 1;

  slot->parent = parent;
  slot->frame = frame;
  slot->id_plus_one = new_id + 1;
  /* at most 5/8 full: linear probing stays short */
  if (++index->used * 8 > (index->mask + 1) * 5)
    grow (index);
  return new_id;
}

gsize
pyr_child_index_get_size (const PyrChildIndex *index)
{
  return (gsize) index->n_chunks * CHUNK_SIZE * sizeof (PyrChildIndexFirst) +
         (gsize) (index->mask + 1) * sizeof (PyrChildIndexSlot);
}
