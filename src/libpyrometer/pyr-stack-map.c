/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "pyr-query-private.h"

enum { FUNC_HIDDEN = 1, FUNC_FOCUS = 2 };

void
pyr_node_tree_init (PyrNodeTree *tree)
{
  guint32 none = PYR_ID_NONE;

  tree->parent = g_array_new (FALSE, FALSE, sizeof (guint32));
  tree->frame = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_array_append_val (tree->parent, none);
  g_array_append_val (tree->frame, none);
  pyr_child_index_init (&tree->children);
}

void
pyr_node_tree_copy (PyrNodeTree       *dest,
                    const PyrNodeTree *src)
{
  dest->parent = g_array_copy (src->parent);
  dest->frame = g_array_copy (src->frame);
  pyr_child_index_copy (&dest->children, &src->children);
}

void
pyr_node_tree_clear (PyrNodeTree *tree)
{
  g_clear_pointer (&tree->parent, g_array_unref);
  g_clear_pointer (&tree->frame, g_array_unref);
  pyr_child_index_clear (&tree->children);
}

guint32
pyr_node_tree_child (PyrNodeTree *tree,
                     guint32      parent,
                     guint32      frame)
{
  guint32 id = pyr_child_index_find_or_add (&tree->children, parent, frame, tree->parent->len);

  if (id == tree->parent->len)
    {
      g_array_append_val (tree->parent, parent);
      g_array_append_val (tree->frame, frame);
    }
  return id;
}

/* ---- stack map ---- */

guint32
pyr_stack_map_func (PyrStackMap *map,
                    guint32      frame)
{
  guint32 func;

  while (frame >= map->func_of_frame->len)
    {
      guint32 none = PYR_ID_NONE;

      g_array_append_val (map->func_of_frame, none);
    }

  func = g_array_index (map->func_of_frame, guint32, frame);
  if (func == PYR_ID_NONE)
    {
      guint64 key = (guint64) pyr_profile_get_frame_name (map->profile, frame) << 32 |
                    pyr_profile_get_frame_file (map->profile, frame);
      gpointer value = g_hash_table_lookup (map->funcs, &key);

      if (value != NULL)
        func = GPOINTER_TO_UINT (value) - 1;
      else
        {
          guint8 zero = 0;

          func = g_hash_table_size (map->funcs);
          g_hash_table_insert (map->funcs, g_memdup2 (&key, sizeof key), GUINT_TO_POINTER (func + 1));
          g_array_append_val (map->func_flags, zero);
          g_array_append_val (map->func_frame, frame);
        }
      g_array_index (map->func_of_frame, guint32, frame) = func;
    }
  return func;
}

static void
refresh_func_flags (PyrStackMap *map)
{
  const PyrFilter *f = map->filter;

  /* hidden and focus frames name functions; mark them (again, as frames come) */
  for (guint i = 0; i < f->hidden->len; i++)
    {
      guint32 frame = g_array_index (f->hidden, guint32, i);

      if (frame < pyr_profile_get_n_frames (map->profile))
        {
          /* (the lookup may grow func_flags: index after it) */
          guint32 func = pyr_stack_map_func (map, frame);

          g_array_index (map->func_flags, guint8, func) |= FUNC_HIDDEN;
        }
    }
  if (f->focus != PYR_ID_NONE && f->focus < pyr_profile_get_n_frames (map->profile))
    {
      guint32 func = pyr_stack_map_func (map, f->focus);

      g_array_index (map->func_flags, guint8, func) |= FUNC_FOCUS;
    }
}

void
pyr_stack_map_init (PyrStackMap     *map,
                    PyrProfile      *profile,
                    const PyrFilter *filter)
{
  g_autoptr(PyrFilter) all = NULL;

  if (filter == NULL)
    filter = all = pyr_filter_new ();

  map->profile = g_object_ref (profile);
  map->filter = pyr_filter_copy (filter);
  map->map = g_array_new (FALSE, FALSE, sizeof (guint32));
  pyr_node_tree_init (&map->tree);
  map->func_of_frame = g_array_new (FALSE, FALSE, sizeof (guint32));
  map->funcs = g_hash_table_new_full (pyr_id_pair_hash, g_int64_equal, g_free, NULL);
  map->func_flags = g_array_new (FALSE, FALSE, sizeof (guint8));
  map->func_frame = g_array_new (FALSE, FALSE, sizeof (guint32));
  map->path_funcs = g_array_new (FALSE, FALSE, sizeof (guint32));
  map->use_time = pyr_profile_has_time (profile);
}

void
pyr_stack_map_copy (PyrStackMap       *dest,
                    const PyrStackMap *src)
{
  GHashTableIter iter;
  gpointer key, value;

  dest->profile = g_object_ref (src->profile);
  dest->filter = pyr_filter_copy (src->filter);
  dest->map = g_array_copy (src->map);
  pyr_node_tree_copy (&dest->tree, &src->tree);
  dest->func_of_frame = g_array_copy (src->func_of_frame);
  dest->funcs = g_hash_table_new_full (pyr_id_pair_hash, g_int64_equal, g_free, NULL);
  g_hash_table_iter_init (&iter, src->funcs);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (dest->funcs, g_memdup2 (key, sizeof (guint64)), value);
  dest->func_flags = g_array_copy (src->func_flags);
  dest->func_frame = g_array_copy (src->func_frame);
  dest->path_funcs = g_array_new (FALSE, FALSE, sizeof (guint32));
  dest->use_time = src->use_time;
}

void
pyr_stack_map_clear (PyrStackMap *map)
{
  g_clear_object (&map->profile);
  g_clear_pointer (&map->filter, pyr_filter_free);
  g_clear_pointer (&map->map, g_array_unref);
  pyr_node_tree_clear (&map->tree);
  g_clear_pointer (&map->func_of_frame, g_array_unref);
  g_clear_pointer (&map->funcs, g_hash_table_unref);
  g_clear_pointer (&map->func_flags, g_array_unref);
  g_clear_pointer (&map->func_frame, g_array_unref);
  g_clear_pointer (&map->path_funcs, g_array_unref);
}

static gboolean
func_on_path (PyrStackMap *map,
              guint32      dnode,
              guint32      func)
{
  const guint32 *parents = (const guint32 *) map->tree.parent->data;
  const guint32 *frames = (const guint32 *) map->tree.frame->data;

  for (guint32 n = dnode; n != 0; n = parents[n])
    if (pyr_stack_map_func (map, frames[n]) == func)
      return TRUE;
  return FALSE;
}

void
pyr_stack_map_update (PyrStackMap *map,
                      guint        n_nodes)
{
  const PyrFilter *f = map->filter;
  gboolean focus = f->focus != PYR_ID_NONE;
  gboolean simple = !focus && f->hidden->len == 0 && !f->merge_recursion && !f->merge_lines;
  guint first = map->map->len;
  const PyrColumn *nodes;

  if (first >= n_nodes)
    return;

  /* the time axis is decided by the first sample, which may come after init */
  if (!map->use_time && pyr_profile_get_n_samples (map->profile) > 0)
    map->use_time = pyr_profile_has_time (map->profile);

  refresh_func_flags (map);
  g_array_set_size (map->map, n_nodes);
  nodes = pyr_profile_get_node_column (map->profile);

  for (guint32 node = first; node < n_nodes; node++)
    {
      guint32 *out = &g_array_index (map->map, guint32, node);
      guint32 parent, frame, dparent;
      guint8 flags;
      guint32 func;

      if (node == PYR_STACK_ROOT)
        {
          *out = focus ? PYR_ID_NONE : 0;
          continue;
        }

      {
        const PyrProfileNode *pn = pyr_profile_peek_node (nodes, node);

        parent = pn->parent;
        frame = pn->frame;
      }
      dparent = g_array_index (map->map, guint32, parent);

      if (simple)
        {
          /* nothing to transform: the filtered tree is the profile's, same ids */
          g_assert (pyr_node_tree_size (&map->tree) == node);
          g_array_append_val (map->tree.parent, dparent);
          g_array_append_val (map->tree.frame, frame);
          *out = node;
          continue;
        }

      func = pyr_stack_map_func (map, frame);
      flags = g_array_index (map->func_flags, guint8, func);
      /* one node per function on a path, whatever line each frame was on */
      if (f->merge_lines)
        frame = g_array_index (map->func_frame, guint32, func);

      if (dparent == PYR_ID_NONE)
        {
          /* above the focused function: dropped until it appears */
          *out = (flags & FUNC_FOCUS) ? pyr_node_tree_child (&map->tree, 0, frame) : PYR_ID_NONE;
          continue;
        }
      if (flags & FUNC_HIDDEN)
        {
          *out = dparent;
          continue;
        }
      if (f->merge_recursion && func_on_path (map, dparent, func))
        {
          *out = dparent;
          continue;
        }
      *out = pyr_node_tree_child (&map->tree, dparent, frame);
    }
}
