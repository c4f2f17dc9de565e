/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "pyr-flame-layout.h"

#include <string.h>

struct _PyrFlameTree
{
  gatomicrefcount ref_count;
  PyrProfile     *profile;
  guint           n_nodes;
  guint           max_depth;
  double         *total;
  double         *self;
  guint64        *total_n;
  guint64        *self_n;
  guint32        *parent;
  guint32        *frame;
  guint16        *depth;
  guint32        *child_start;  /* n_nodes + 1 */
  guint32        *children;
};

G_DEFINE_BOXED_TYPE (PyrFlameTree, pyr_flame_tree, pyr_flame_tree_ref, pyr_flame_tree_unref)

PyrFlameTree *
pyr_flame_tree_ref (PyrFlameTree *tree)
{
  g_return_val_if_fail (tree != NULL, NULL);

  g_atomic_ref_count_inc (&tree->ref_count);
  return tree;
}

void
pyr_flame_tree_unref (PyrFlameTree *tree)
{
  g_return_if_fail (tree != NULL);

  if (!g_atomic_ref_count_dec (&tree->ref_count))
    return;

  g_clear_object (&tree->profile);
  g_free (tree->total);
  g_free (tree->self);
  g_free (tree->total_n);
  g_free (tree->self_n);
  g_free (tree->parent);
  g_free (tree->frame);
  g_free (tree->depth);
  g_free (tree->child_start);
  g_free (tree->children);
  g_free (tree);
}

static int
compare_children_r (gconstpointer a,
                    gconstpointer b,
                    gpointer      user_data)
{
  const PyrFlameTree *tree = user_data;
  guint32 na = *(const guint32 *) a;
  guint32 nb = *(const guint32 *) b;
  double ta = tree->total[na];
  double tb = tree->total[nb];

  if (ta != tb)
    return ta > tb ? -1 : 1;
  return na < nb ? -1 : na > nb;
}

PyrFlameTree *
pyr_flame_tree_new (PyrProfile    *profile,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_autoptr(PyrFlameTree) tree = NULL;
  guint n_samples;
  guint n_nodes;
  guint32 *fill;

  g_return_val_if_fail (PYR_IS_PROFILE (profile), NULL);

  /* Nodes are published before the samples that point at them. */
  n_nodes = pyr_profile_get_n_stack_nodes (profile);
  n_samples = pyr_profile_get_n_samples (profile);

  tree = g_new0 (PyrFlameTree, 1);
  g_atomic_ref_count_init (&tree->ref_count);
  tree->profile = g_object_ref (profile);
  tree->n_nodes = n_nodes;
  tree->total = g_new0 (double, n_nodes);
  tree->self = g_new0 (double, n_nodes);
  tree->total_n = g_new0 (guint64, n_nodes);
  tree->self_n = g_new0 (guint64, n_nodes);
  tree->parent = g_new (guint32, n_nodes);
  tree->frame = g_new (guint32, n_nodes);
  tree->depth = g_new (guint16, n_nodes);
  tree->child_start = g_new0 (guint32, n_nodes + 1);
  tree->children = g_new (guint32, MAX (n_nodes, 1));

  for (guint chunk = 0; chunk * PYR_PROFILE_CHUNK_SIZE < n_samples; chunk++)
    {
      const guint32 *stacks;
      const double *weights;
      guint n;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;

      n = pyr_profile_get_sample_chunk (profile, chunk, n_samples, NULL, NULL, &stacks, &weights, NULL);
      for (guint i = 0; i < n; i++)
        {
          guint32 node = stacks[i];

          if G_UNLIKELY (node >= n_nodes)
            continue;
          tree->self[node] += weights[i];
          tree->self_n[node]++;
        }
    }

  tree->parent[0] = PYR_ID_NONE;
  tree->frame[0] = PYR_ID_NONE;
  tree->depth[0] = 0;
  for (guint32 node = 1; node < n_nodes; node++)
    {
      guint depth = pyr_profile_get_node_depth (profile, node);

      tree->parent[node] = pyr_profile_get_node_parent (profile, node);
      tree->frame[node] = pyr_profile_get_node_frame (profile, node);
      tree->depth[node] = MIN (depth, G_MAXUINT16);
      tree->child_start[tree->parent[node]]++;
    }

  memcpy (tree->total, tree->self, sizeof (double) * n_nodes);
  memcpy (tree->total_n, tree->self_n, sizeof (guint64) * n_nodes);
  for (guint32 node = n_nodes; node-- > 1;)
    {
      tree->total[tree->parent[node]] += tree->total[node];
      tree->total_n[tree->parent[node]] += tree->total_n[node];
    }

  for (guint32 node = 0; node < n_nodes; node++)
    if (tree->total_n[node] > 0 && tree->depth[node] > tree->max_depth)
      tree->max_depth = tree->depth[node];

  /* child counts → start offsets */
  {
    guint32 sum = 0;

    for (guint32 node = 0; node <= n_nodes; node++)
      {
        guint32 count = node < n_nodes ? tree->child_start[node] : 0;

        tree->child_start[node] = sum;
        sum += count;
      }
  }
  fill = g_memdup2 (tree->child_start, sizeof (guint32) * (n_nodes + 1));
  for (guint32 node = 1; node < n_nodes; node++)
    tree->children[fill[tree->parent[node]]++] = node;
  g_free (fill);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  for (guint32 node = 0; node < n_nodes; node++)
    {
      guint n = tree->child_start[node + 1] - tree->child_start[node];

      if (n > 1)
        g_qsort_with_data (tree->children + tree->child_start[node], n, sizeof (guint32),
                           compare_children_r, tree);
    }

  return g_steal_pointer (&tree);
}

PyrProfile *
pyr_flame_tree_get_profile (PyrFlameTree *tree)
{
  return tree->profile;
}

guint
pyr_flame_tree_get_n_nodes (PyrFlameTree *tree)
{
  return tree->n_nodes;
}

guint
pyr_flame_tree_get_max_depth (PyrFlameTree *tree)
{
  return tree->max_depth;
}

guint32
pyr_flame_tree_get_parent (PyrFlameTree *tree,
                           guint32       node)
{
  g_return_val_if_fail (node < tree->n_nodes, PYR_ID_NONE);
  return tree->parent[node];
}

guint32
pyr_flame_tree_get_frame (PyrFlameTree *tree,
                          guint32       node)
{
  g_return_val_if_fail (node < tree->n_nodes, PYR_ID_NONE);
  return tree->frame[node];
}

guint
pyr_flame_tree_get_depth (PyrFlameTree *tree,
                          guint32       node)
{
  g_return_val_if_fail (node < tree->n_nodes, 0);
  return tree->depth[node];
}

double
pyr_flame_tree_get_total (PyrFlameTree *tree,
                          guint32       node)
{
  g_return_val_if_fail (node < tree->n_nodes, 0);
  return tree->total[node];
}

double
pyr_flame_tree_get_self (PyrFlameTree *tree,
                         guint32       node)
{
  g_return_val_if_fail (node < tree->n_nodes, 0);
  return tree->self[node];
}

guint64
pyr_flame_tree_get_total_samples (PyrFlameTree *tree,
                                  guint32       node)
{
  g_return_val_if_fail (node < tree->n_nodes, 0);
  return tree->total_n[node];
}

guint64
pyr_flame_tree_get_self_samples (PyrFlameTree *tree,
                                 guint32       node)
{
  g_return_val_if_fail (node < tree->n_nodes, 0);
  return tree->self_n[node];
}

const guint32 *
pyr_flame_tree_get_children (PyrFlameTree *tree,
                             guint32       node,
                             guint        *n_children)
{
  g_return_val_if_fail (node < tree->n_nodes, NULL);

  *n_children = tree->child_start[node + 1] - tree->child_start[node];
  return tree->children + tree->child_start[node];
}

const char *
pyr_flame_tree_get_name (PyrFlameTree *tree,
                         guint32       node)
{
  g_return_val_if_fail (node < tree->n_nodes, "");

  if (node == 0)
    return "all";
  return pyr_profile_get_string (tree->profile,
                                 pyr_profile_get_frame_name (tree->profile, tree->frame[node]));
}

static char *
module_from_file (const char *file)
{
  static const char *const roots[] = { "site-packages/", "dist-packages/", "/lib/python" };
  const char *base;
  const char *end;

  for (guint i = 0; i < G_N_ELEMENTS (roots); i++)
    {
      const char *p = strstr (file, roots[i]);

      if (p == NULL)
        continue;
      p += strlen (roots[i]);
      if (i == 2)
        {
          /* skip "3.12/" of the standard library's folder */
          if (!(p = strchr (p, '/')))
            break;
          p++;
        }
      end = p + strcspn (p, "/.");
      if (end > p)
        return g_strndup (p, end - p);
    }

  base = strrchr (file, '/');
  base = base ? base + 1 : file;
  end = strrchr (base, '.');
  return end && end > base ? g_strndup (base, end - base) : g_strdup (base);
}

char *
pyr_flame_tree_dup_module (PyrFlameTree *tree,
                           guint32       node)
{
  guint32 frame;
  const char *file;
  const char *name;
  gsize len;

  g_return_val_if_fail (node < tree->n_nodes, g_strdup (""));

  if (node == 0)
    return g_strdup ("");

  frame = tree->frame[node];
  file = pyr_profile_get_string (tree->profile, pyr_profile_get_frame_file (tree->profile, frame));
  if (file != NULL && *file != '\0')
    return module_from_file (file);

  /* Without a file, a qualified name says the module: "pkg.mod.func", "lib.so`sym", "ns::f". */
  name = pyr_profile_get_string (tree->profile, pyr_profile_get_frame_name (tree->profile, frame));
  if (name == NULL)
    return g_strdup ("");
  len = strcspn (name, ".`:/ (");
  return g_strndup (name, len > 0 ? len : strlen (name));
}

guint8 *
pyr_flame_tree_search (PyrFlameTree  *tree,
                       const char    *text,
                       gboolean       regex,
                       double        *matched_weight,
                       GError       **error)
{
  g_autoptr(GRegex) re = NULL;
  g_autofree char *needle = NULL;
  g_autofree guint8 *frame_match = NULL;
  g_autofree guint8 *covered = NULL;
  guint8 *match;
  guint n_frames;
  double matched = 0;

  g_return_val_if_fail (tree != NULL, NULL);
  g_return_val_if_fail (text != NULL, NULL);

  if (regex)
    {
      if (!(re = g_regex_new (text, G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, error)))
        return NULL;
    }
  else
    needle = g_utf8_casefold (text, -1);

  n_frames = pyr_profile_get_n_frames (tree->profile);
  frame_match = g_new0 (guint8, n_frames);
  for (guint32 frame = 0; frame < n_frames; frame++)
    {
      const char *fields[2] = {
        pyr_profile_get_string (tree->profile, pyr_profile_get_frame_name (tree->profile, frame)),
        pyr_profile_get_string (tree->profile, pyr_profile_get_frame_file (tree->profile, frame)),
      };

      for (guint f = 0; f < 2 && !frame_match[frame]; f++)
        {
          if (fields[f] == NULL || *fields[f] == '\0')
            continue;
          if (re != NULL)
            frame_match[frame] = g_regex_match (re, fields[f], 0, NULL);
          else
            {
              g_autofree char *folded = g_utf8_casefold (fields[f], -1);

              frame_match[frame] = strstr (folded, needle) != NULL;
            }
        }
    }

  match = g_new0 (guint8, MAX (tree->n_nodes, 1));
  covered = g_new0 (guint8, MAX (tree->n_nodes, 1));
  for (guint32 node = 1; node < tree->n_nodes; node++)
    {
      guint32 parent = tree->parent[node];

      match[node] = tree->frame[node] < n_frames && frame_match[tree->frame[node]];
      covered[node] = covered[parent] || match[parent];
      if (match[node] && !covered[node])
        matched += tree->total[node];
    }

  if (matched_weight != NULL)
    *matched_weight = matched;
  return match;
}

/* ---- layout ---- */

typedef struct
{
  guint32 node;
  guint16 flags;
  double  x;
  double  width;
} Pending;

PyrFlameLayout *
pyr_flame_layout_compute (PyrFlameTree *tree,
                          guint32       zoom_node,
                          double        width_px)
{
  PyrFlameLayout *layout;
  g_autoptr(GArray) rects = NULL;
  g_autoptr(GArray) rows = NULL;
  g_autoptr(GArray) level = NULL;
  g_autoptr(GArray) next = NULL;
  g_autoptr(GArray) path = NULL;
  double zoom_total;
  guint depth;

  g_return_val_if_fail (tree != NULL, NULL);

  if (zoom_node >= tree->n_nodes)
    zoom_node = 0;
  width_px = MAX (width_px, 1.0);

  layout = g_new0 (PyrFlameLayout, 1);
  layout->tree = pyr_flame_tree_ref (tree);
  layout->zoom_node = zoom_node;
  layout->width_px = width_px;

  rects = g_array_new (FALSE, FALSE, sizeof (PyrFlameRect));
  rows = g_array_new (FALSE, FALSE, sizeof (guint));
  level = g_array_new (FALSE, FALSE, sizeof (Pending));
  next = g_array_new (FALSE, FALSE, sizeof (Pending));
  path = g_array_new (FALSE, FALSE, sizeof (guint32));

  if (tree->n_nodes == 0)
    goto done;

  for (guint32 a = tree->parent[zoom_node]; a != PYR_ID_NONE; a = tree->parent[a])
    g_array_prepend_val (path, a);
  for (guint i = 0; i < path->len; i++)
    {
      PyrFlameRect r = { 0, 1, g_array_index (path, guint32, i), i, PYR_FLAME_RECT_ANCESTOR };

      g_array_append_val (rows, rects->len);
      g_array_append_val (rects, r);
    }

  zoom_total = tree->total[zoom_node];
  if (zoom_total <= 0)
    zoom_total = 1;

  g_array_append_val (level, ((Pending) { zoom_node, 0, 0, 1 }));
  for (depth = tree->depth[zoom_node]; level->len > 0 && depth <= G_MAXUINT16; depth++)
    {
      GArray *tmp;

      g_array_append_val (rows, rects->len);
      g_array_set_size (next, 0);

      for (guint i = 0; i < level->len; i++)
        {
          const Pending *p = &g_array_index (level, Pending, i);
          PyrFlameRect r = { p->x, p->width, p->node, depth, p->flags };
          const guint32 *children;
          guint n_children;
          double x = p->x;

          g_array_append_val (rects, r);
          if (p->flags & PYR_FLAME_RECT_SLIVER)
            continue;

          children = pyr_flame_tree_get_children (tree, p->node, &n_children);
          for (guint c = 0; c < n_children; c++)
            {
              double w = tree->total[children[c]] / zoom_total;

              if (w <= 0)
                break;
              if (w * width_px < 1.0)
                {
                  /* widest first: every sibling from here on is narrower too */
                  double rest = 0;

                  for (; c < n_children; c++)
                    rest += tree->total[children[c]];
                  rest /= zoom_total;
                  if (rest * width_px >= 0.5)
                    g_array_append_val (next, ((Pending) { p->node, PYR_FLAME_RECT_SLIVER, x, rest }));
                  break;
                }
              g_array_append_val (next, ((Pending) { children[c], 0, x, w }));
              x += w;
            }
        }

      tmp = level;
      level = next;
      next = tmp;
    }

done:
  layout->n_rects = rects->len;
  layout->n_rows = rows->len;
  g_array_append_val (rows, rects->len);
  layout->row_start = (guint *) g_array_free (g_steal_pointer (&rows), FALSE);
  layout->rects = (PyrFlameRect *) g_array_free (g_steal_pointer (&rects), FALSE);
  return layout;
}

void
pyr_flame_layout_free (PyrFlameLayout *layout)
{
  if (layout == NULL)
    return;
  g_clear_pointer (&layout->tree, pyr_flame_tree_unref);
  g_free (layout->rects);
  g_free (layout->row_start);
  g_free (layout);
}

const PyrFlameRect *
pyr_flame_layout_find (PyrFlameLayout *layout,
                       guint           depth,
                       double          x)
{
  guint lo, hi;

  g_return_val_if_fail (layout != NULL, NULL);

  if (depth >= layout->n_rows)
    return NULL;

  lo = layout->row_start[depth];
  hi = layout->row_start[depth + 1];
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      const PyrFlameRect *r = &layout->rects[mid];

      if (x < r->x)
        hi = mid;
      else if (x >= r->x + r->width)
        lo = mid + 1;
      else
        return r;
    }
  return NULL;
}

const PyrFlameRect *
pyr_flame_layout_find_node (PyrFlameLayout *layout,
                            guint32         node)
{
  guint depth;

  g_return_val_if_fail (layout != NULL, NULL);

  if (node >= layout->tree->n_nodes)
    return NULL;
  depth = layout->tree->depth[node];
  if (depth >= layout->n_rows)
    return NULL;
  for (guint i = layout->row_start[depth]; i < layout->row_start[depth + 1]; i++)
    if (layout->rects[i].node == node && !(layout->rects[i].flags & PYR_FLAME_RECT_SLIVER))
      return &layout->rects[i];
  return NULL;
}
