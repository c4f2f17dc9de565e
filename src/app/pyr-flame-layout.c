/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "pyr-flame-layout.h"

#include <string.h>

struct _PyrFlameTree
{
  gatomicrefcount ref_count;
  PyrCallTree    *call_tree;
  PyrProfile     *profile;
  guint           n_nodes;
  guint           max_depth;
  const double   *total;        /* the call tree's columns */
  const double   *self;
  const guint32  *parent;
  const guint32  *frame;
  guint16        *depth;
  guint32        *order;        /* breadth first: parents before children, siblings together */
  guint32        *child_first;  /* index into order of a node's first child */
  guint32        *child_count;
  gboolean        parents_first; /* every parent id below its children's: id order will do */
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

  g_clear_object (&tree->call_tree);
  g_clear_object (&tree->profile);
  g_free (tree->depth);
  g_free (tree->order);
  g_free (tree->child_first);
  g_free (tree->child_count);
  g_free (tree);
}

PyrFlameTree *
pyr_flame_tree_new_for_call_tree (PyrCallTree *call_tree)
{
  PyrFlameTree *tree;
  guint n_nodes;
  guint head = 0, tail = 0;

  g_return_val_if_fail (PYR_IS_CALL_TREE (call_tree), NULL);
  g_return_val_if_fail (pyr_call_tree_get_kind (call_tree) != PYR_CALL_TREE_BOTTOM_UP, NULL);

  n_nodes = pyr_call_tree_get_n_nodes (call_tree);

  tree = g_new0 (PyrFlameTree, 1);
  g_atomic_ref_count_init (&tree->ref_count);
  tree->call_tree = g_object_ref (call_tree);
  tree->profile = g_object_ref (pyr_call_tree_get_profile (call_tree));
  tree->n_nodes = n_nodes;
  tree->max_depth = pyr_call_tree_get_max_depth (call_tree);
  tree->total = pyr_call_tree_get_totals (call_tree);
  tree->self = pyr_call_tree_get_selfs (call_tree);
  tree->parent = pyr_call_tree_get_parents (call_tree);
  tree->frame = pyr_call_tree_get_frames (call_tree);
  tree->depth = g_new0 (guint16, MAX (n_nodes, 1));
  tree->order = g_new0 (guint32, MAX (n_nodes, 1));
  tree->child_first = g_new0 (guint32, MAX (n_nodes, 1));
  tree->child_count = g_new0 (guint32, MAX (n_nodes, 1));

  if (n_nodes == 0)
    return tree;

  /* Breadth first, so a node's children sit next to each other in the tree's own order:
   * heaviest first when merged, time order for a flame chart. */
  tree->order[tail++] = PYR_CALL_TREE_ROOT;
  while (head < tail)
    {
      guint32 node = tree->order[head++];

      tree->depth[node] = MIN (pyr_call_tree_get_depth (call_tree, node), G_MAXUINT16);
      tree->child_first[node] = tail;
      for (guint32 c = pyr_call_tree_get_first_child (call_tree, node);
           c != PYR_ID_NONE && tail < n_nodes;
           c = pyr_call_tree_get_next_sibling (call_tree, c))
        tree->order[tail++] = c;
      tree->child_count[node] = tail - tree->child_first[node];
    }

  tree->parents_first = TRUE;
  for (guint32 node = 1; node < n_nodes && tree->parents_first; node++)
    tree->parents_first = tree->parent[node] < node;
  return tree;
}

PyrFlameTree *
pyr_flame_tree_new (PyrProfile    *profile,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_autoptr(PyrCallTree) call_tree = NULL;

  g_return_val_if_fail (PYR_IS_PROFILE (profile), NULL);

  if (!(call_tree = pyr_call_tree_new (profile, NULL, PYR_CALL_TREE_MERGED, cancellable, error)))
    return NULL;
  return pyr_flame_tree_new_for_call_tree (call_tree);
}

PyrCallTree *
pyr_flame_tree_get_call_tree (PyrFlameTree *tree)
{
  return tree->call_tree;
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

const guint32 *
pyr_flame_tree_get_children (PyrFlameTree *tree,
                             guint32       node,
                             guint        *n_children)
{
  g_return_val_if_fail (node < tree->n_nodes, NULL);

  *n_children = tree->child_count[node];
  return tree->order + tree->child_first[node];
}

/* Which of its parent's children with the same frame a node is (0 for the first). */
static guint
same_frame_rank (PyrFlameTree *tree,
                 guint32       node)
{
  const guint32 *siblings;
  guint n, rank = 0;

  siblings = pyr_flame_tree_get_children (tree, tree->parent[node], &n);
  for (guint i = 0; i < n && siblings[i] != node; i++)
    if (tree->frame[siblings[i]] == tree->frame[node])
      rank++;
  return rank;
}

guint32
pyr_flame_tree_map_node (PyrFlameTree *from,
                         guint32       node,
                         PyrFlameTree *to,
                         gboolean     *exact)
{
  g_autoptr(GArray) path = NULL;
  guint32 here = 0;

  g_return_val_if_fail (from != NULL && to != NULL, 0);

  if (exact != NULL)
    *exact = node < from->n_nodes;
  if (node == 0 || node >= from->n_nodes)
    return 0;
  if (from == to)
    return node;

  path = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (guint32 n = node; n != 0 && n != PYR_ID_NONE; n = from->parent[n])
    g_array_append_val (path, n);

  for (guint i = path->len; i-- > 0;)
    {
      guint32 step = g_array_index (path, guint32, i);
      guint32 frame = from->frame[step];
      guint rank = same_frame_rank (from, step);
      const guint32 *children;
      guint n_children;
      guint32 next = PYR_ID_NONE;

      children = pyr_flame_tree_get_children (to, here, &n_children);
      for (guint c = 0; c < n_children; c++)
        if (to->frame[children[c]] == frame && rank-- == 0)
          {
            next = children[c];
            break;
          }
      if (next == PYR_ID_NONE)
        {
          if (exact != NULL)
            *exact = FALSE;
          return here;
        }
      here = next;
    }
  return here;
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

gboolean
pyr_flame_tree_get_lines_merged (PyrFlameTree *tree)
{
  const PyrFilter *filter = pyr_call_tree_get_filter (tree->call_tree);

  return filter != NULL && pyr_filter_get_merge_lines (filter);
}

char *
pyr_flame_tree_dup_label (PyrFlameTree *tree,
                          guint32       node)
{
  guint32 frame;
  const char *file;

  g_return_val_if_fail (node < tree->n_nodes, NULL);

  if (node == 0)
    return g_strdup (pyr_flame_tree_get_name (tree, node));
  frame = tree->frame[node];
  file = pyr_profile_get_string (tree->profile, pyr_profile_get_frame_file (tree->profile, frame));
  if (pyr_flame_tree_get_lines_merged (tree) && file != NULL && *file != '\0')
    return g_strdup_printf ("%s (%s)", pyr_flame_tree_get_name (tree, node), file);
  return pyr_profile_format_frame (tree->profile, frame);
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
  /* parents before children; sequential ids read memory in order, far faster on big trees */
  for (guint i = 1; i < tree->n_nodes; i++)
    {
      guint32 node = tree->parents_first ? i : tree->order[i];
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
                          double        width_px,
                          double        view_x,
                          double        view_width)
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
  view_width = CLAMP (view_width, 1e-9, 1);
  view_x = CLAMP (view_x, 0, 1 - view_width);
  /* a pixel of the view is a smaller share of the frame when the view shows part of it */
  width_px = MAX (width_px, 1.0) / view_width;

  layout = g_new0 (PyrFlameLayout, 1);
  layout->tree = pyr_flame_tree_ref (tree);
  layout->zoom_node = zoom_node;
  layout->width_px = width_px;
  layout->view_x = view_x;
  layout->view_width = view_width;

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
          for (guint c = 0; c < n_children;)
            {
              double w = tree->total[children[c]] / zoom_total;
              double rest = 0;
              double start = x;

              if (w * width_px >= 1.0)
                {
                  /* out of view: skip it and everything below it */
                  if (x + w > view_x && x < view_x + view_width)
                    g_array_append_val (next, ((Pending) { children[c], 0, x, w }));
                  x += w;
                  c++;
                  continue;
                }

              /* a run of siblings narrower than a pixel becomes one sliver (merged trees put
               * them all at the end, heaviest first; a flame chart has runs anywhere) */
              for (; c < n_children; c++)
                {
                  double cw = tree->total[children[c]] / zoom_total;

                  if (cw * width_px >= 1.0)
                    break;
                  rest += cw;
                }
              x += rest;
              if (rest * width_px >= 0.5 && x > view_x && start < view_x + view_width)
                g_array_append_val (next, ((Pending) { p->node, PYR_FLAME_RECT_SLIVER, start, rest }));
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
