/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pyr-profile.h"

G_BEGIN_DECLS

/*
 * An append-only column stored in fixed-size chunks: elements never move once
 * written, so readers on other threads can read below a published count while
 * the writer appends. The chunk directory is replaced (not realloc'ed) when it
 * grows, and old directories are kept until the column is cleared.
 */
#define PYR_COLUMN_CHUNK_BITS 14
#define PYR_COLUMN_CHUNK_SIZE (1u << PYR_COLUMN_CHUNK_BITS)
#define PYR_COLUMN_CHUNK_MASK (PYR_COLUMN_CHUNK_SIZE - 1)

typedef struct
{
  guint8    **dir;
  guint       dir_capacity;
  guint       n_chunks;
  guint       elt_size;
  guint       len;       /* writer's count */
  GPtrArray  *retired;
} PyrColumn;

void     pyr_column_init   (PyrColumn *col,
                            guint      elt_size);
void     pyr_column_clear  (PyrColumn *col);
gpointer pyr_column_append (PyrColumn *col);

static inline gconstpointer
pyr_column_get (const PyrColumn *col,
                guint            index)
{
  guint8 **dir = g_atomic_pointer_get ((guint8 ***) &col->dir);

  return dir[index >> PYR_COLUMN_CHUNK_BITS] + (gsize) (index & PYR_COLUMN_CHUNK_MASK) * col->elt_size;
}

/* A stack node as stored; for hot loops inside the library (read below a published count). */
typedef struct
{
  guint32 parent;
  guint32 frame;
  guint32 depth;
} PyrProfileNode;

const PyrColumn *pyr_profile_get_node_column (PyrProfile *self);

static inline const PyrProfileNode *
pyr_profile_peek_node (const PyrColumn *nodes,
                       guint32          node)
{
  return (const PyrProfileNode *) pyr_column_get (nodes, node);
}

/* Parts of a frame label such as "func (file.py:12)" or Austin's "file.py:func:12". */
typedef struct
{
  gsize        name_start;
  gsize        name_len;
  gsize        file_start;
  gsize        file_len;
  gint32       line;
  PyrFrameKind kind;
} PyrFrameLabel;

void     pyr_frame_label_parse (const char    *label,
                                gsize          len,
                                PyrFrameLabel *out);

G_END_DECLS
