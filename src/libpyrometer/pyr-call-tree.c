/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "pyr-call-tree.h"
#include "pyr-query-private.h"

#define CANCEL_CHECK_INTERVAL (1u << 16)

struct _PyrCallTree
{
  GObject          parent_instance;

  PyrProfile      *profile;
  PyrCallTreeKind  kind;
  PyrStackMap      map;          /* MERGED and TIME_ORDER */
  gboolean         have_map;
  PyrCallTree     *base;         /* BOTTOM_UP: the merged tree it inverts */

  guint            n_seen;
  guint            n_passed;
  guint            limit;        /* samples to cover at most (a snapshot shared with another query) */

  /* nodes: for MERGED these are the stack map's filtered tree */
  GArray          *parent;       /* guint32 */
  GArray          *frame;        /* guint32 */
  GArray          *self_weight;  /* double */

  /* TIME_ORDER state, kept for updates: per thread, the filtered-tree nodes of
   * its last stack and the time-order nodes they were merged into */
  GPtrArray       *cursors;      /* Cursor per thread id, or NULL */

  /* derived on build */
  double          *total;
  guint32         *depth;
  guint32         *first_child;
  guint32         *next_sibling;
  guint            max_depth;

  /* BOTTOM_UP, opened node by node: the stacks each node stands for are a range
   * of members (the base node that node has reached, and the stack's weight) */
  GMutex           open_lock;
  GArray          *members;      /* Member */
  guint32         *mstart;       /* per node: its members */
  guint32         *mlen;
  guint            capacity;     /* of the per-node arrays */
  guint32         *frame_stamp;  /* per frame: the opening that last used it */
  guint32         *frame_group;  /* per frame: its group in that opening */
  guint            n_frame_slots;
  guint32          opening;      /* counter for frame_stamp */
  GArray          *groups;       /* scratch of open_node: Group */
  GArray          *sorted;       /* scratch of open_node: Member */
  GArray          *offsets;      /* scratch of open_node: guint32 */
};

/* first_child of a node not opened yet */
#define NOT_OPENED (PYR_ID_NONE - 1)

typedef struct
{
  GArray *dpath;   /* guint32 filtered-tree node per depth */
  GArray *tpath;   /* guint32 time-order node per depth */
} Cursor;

G_DEFINE_FINAL_TYPE (PyrCallTree, pyr_call_tree, G_TYPE_OBJECT)

static void
cursor_free (gpointer data)
{
  Cursor *c = data;

  if (c == NULL)
    return;
  g_array_unref (c->dpath);
  g_array_unref (c->tpath);
  g_free (c);
}

static GPtrArray *
cursors_copy (GPtrArray *cursors)
{
  GPtrArray *copy = g_ptr_array_new_with_free_func (cursor_free);

  for (guint i = 0; i < cursors->len; i++)
    {
      Cursor *c = g_ptr_array_index (cursors, i);
      Cursor *d = NULL;

      if (c != NULL)
        {
          d = g_new0 (Cursor, 1);
          d->dpath = g_array_copy (c->dpath);
          d->tpath = g_array_copy (c->tpath);
        }
      g_ptr_array_add (copy, d);
    }
  return copy;
}

static Cursor *
cursor_for_thread (GPtrArray *cursors,
                   guint32    thread)
{
  Cursor *c;

  while (cursors->len <= thread)
    g_ptr_array_add (cursors, NULL);
  if ((c = g_ptr_array_index (cursors, thread)) == NULL)
    {
      c = g_new0 (Cursor, 1);
      c->dpath = g_array_new (FALSE, FALSE, sizeof (guint32));
      c->tpath = g_array_new (FALSE, FALSE, sizeof (guint32));
      g_ptr_array_index (cursors, thread) = c;
    }
  return c;
}

static void
pyr_call_tree_dispose (GObject *object)
{
  PyrCallTree *self = (PyrCallTree *)object;

  g_clear_object (&self->base);
  G_OBJECT_CLASS (pyr_call_tree_parent_class)->dispose (object);
}

static void
pyr_call_tree_finalize (GObject *object)
{
  PyrCallTree *self = (PyrCallTree *)object;

  if (self->have_map)
    pyr_stack_map_clear (&self->map);
  if (self->kind != PYR_CALL_TREE_MERGED)
    {
      g_clear_pointer (&self->parent, g_array_unref);
      g_clear_pointer (&self->frame, g_array_unref);
    }
  g_clear_pointer (&self->self_weight, g_array_unref);
  g_clear_pointer (&self->cursors, g_ptr_array_unref);
  g_clear_pointer (&self->total, g_free);
  g_clear_pointer (&self->depth, g_free);
  g_clear_pointer (&self->first_child, g_free);
  g_clear_pointer (&self->next_sibling, g_free);
  g_clear_pointer (&self->members, g_array_unref);
  g_clear_pointer (&self->mstart, g_free);
  g_clear_pointer (&self->mlen, g_free);
  g_clear_pointer (&self->frame_stamp, g_free);
  g_clear_pointer (&self->frame_group, g_free);
  g_clear_pointer (&self->groups, g_array_unref);
  g_clear_pointer (&self->sorted, g_array_unref);
  g_clear_pointer (&self->offsets, g_array_unref);
  g_mutex_clear (&self->open_lock);
  g_clear_object (&self->profile);

  G_OBJECT_CLASS (pyr_call_tree_parent_class)->finalize (object);
}

static void
pyr_call_tree_class_init (PyrCallTreeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pyr_call_tree_dispose;
  object_class->finalize = pyr_call_tree_finalize;
}

static void
pyr_call_tree_init (PyrCallTree *self)
{
  g_mutex_init (&self->open_lock);
}

static void
grow_self (PyrCallTree *self)
{
  guint old = self->self_weight->len;

  if (old < self->parent->len)
    {
      g_array_set_size (self->self_weight, self->parent->len);
      memset (&g_array_index (self->self_weight, double, old), 0,
              sizeof (double) * (self->parent->len - old));
    }
}

/* ---- derived arrays ---- */

static int
compare_heavier_first (gconstpointer a,
                       gconstpointer b,
                       gpointer      user_data)
{
  PyrCallTree *self = user_data;
  guint32 x = *(const guint32 *) a;
  guint32 y = *(const guint32 *) b;
  double tx = self->total[x], ty = self->total[y];

  if (tx != ty)
    return tx > ty ? -1 : 1;
  /* ties (common: many nodes weigh one sample): by frame, cheap and stable for a profile */
  {
    guint32 fx = g_array_index (self->frame, guint32, x);
    guint32 fy = g_array_index (self->frame, guint32, y);

    if (fx != fy)
      return fx < fy ? -1 : 1;
  }
  return x < y ? -1 : x > y;
}

static void
build_derived (PyrCallTree *self)
{
  guint n = self->parent->len;
  const guint32 *parent = (const guint32 *) self->parent->data;
  const double *selfw;
  g_autofree guint32 *count = NULL;
  g_autofree guint32 *order = NULL;
  g_autofree guint32 *offset = NULL;

  grow_self (self);
  selfw = (const double *) self->self_weight->data;

  g_clear_pointer (&self->total, g_free);
  g_clear_pointer (&self->depth, g_free);
  g_clear_pointer (&self->first_child, g_free);
  g_clear_pointer (&self->next_sibling, g_free);

  self->total = g_memdup2 (selfw, sizeof (double) * n);
  self->depth = g_new (guint32, n);
  self->first_child = g_new (guint32, n);
  self->next_sibling = g_new (guint32, n);

  /* parents always have smaller ids than their children */
  for (guint i = n - 1; i > 0; i--)
    self->total[parent[i]] += self->total[i];

  self->depth[0] = 0;
  self->max_depth = 0;
  for (guint i = 1; i < n; i++)
    {
      self->depth[i] = self->depth[parent[i]] + 1;
      if (self->total[i] != 0 && self->depth[i] > self->max_depth)
        self->max_depth = self->depth[i];
    }

  /* group children by parent (counting sort keeps creation = time order) */
  count = g_new0 (guint32, n + 1);
  for (guint i = 1; i < n; i++)
    if (self->total[i] != 0)
      count[parent[i] + 1]++;
  for (guint i = 0; i < n; i++)
    count[i + 1] += count[i];
  offset = g_memdup2 (count, sizeof (guint32) * (n + 1));
  order = g_new (guint32, MAX (count[n], 1));
  for (guint i = 1; i < n; i++)
    if (self->total[i] != 0)
      order[offset[parent[i]]++] = i;

  for (guint p = 0; p < n; p++)
    {
      guint begin = count[p], end = count[p + 1];

      self->first_child[p] = PYR_ID_NONE;
      if (begin == end)
        continue;
      if (self->kind != PYR_CALL_TREE_TIME_ORDER && end - begin > 1)
        g_qsort_with_data (order + begin, end - begin, sizeof (guint32), compare_heavier_first, self);
      self->first_child[p] = order[begin];
      for (guint k = begin; k < end; k++)
        self->next_sibling[order[k]] = k + 1 < end ? order[k + 1] : PYR_ID_NONE;
    }
  self->next_sibling[0] = PYR_ID_NONE;
  for (guint i = 1; i < n; i++)
    if (self->total[i] == 0)
      self->next_sibling[i] = PYR_ID_NONE;
}

/* ---- building ---- */

static gboolean
add_samples (PyrCallTree   *self,
             GCancellable  *cancellable,
             GError       **error)
{
  guint n_samples = MIN (pyr_profile_get_n_samples (self->profile), self->limit);
  /* read after n_samples: every node a published sample uses is below it */
  guint n_nodes = pyr_profile_get_n_stack_nodes (self->profile);
  const PyrFilter *f;
  gboolean trivial;
  const guint32 *map;
  guint next_check;
  GArray *path = NULL;
  g_autofree guint32 *ddepth = NULL;   /* TIME_ORDER: depth of each filtered-tree node */

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  pyr_stack_map_update (&self->map, n_nodes);
  f = self->map.filter;
  trivial = f->begin == G_MININT64 && f->end < 0 && f->include_idle && f->threads->len == 0;
  map = (const guint32 *) self->map.map->data;
  next_check = self->n_seen + CANCEL_CHECK_INTERVAL;

  if (self->kind == PYR_CALL_TREE_MERGED)
    grow_self (self);
  else
    {
      guint n_d = pyr_node_tree_size (&self->map.tree);
      const guint32 *dpar = (const guint32 *) self->map.tree.parent->data;

      path = g_array_new (FALSE, FALSE, sizeof (guint32));
      ddepth = g_new (guint32, n_d);
      ddepth[0] = 0;
      for (guint n = 1; n < n_d; n++)
        ddepth[n] = ddepth[dpar[n]] + 1;
    }

  for (guint c = self->n_seen / PYR_PROFILE_CHUNK_SIZE; c * PYR_PROFILE_CHUNK_SIZE < n_samples; c++)
    {
      const gint64 *times;
      const guint32 *threads, *stacks, *flags;
      const double *weights;
      guint len = pyr_profile_get_sample_chunk (self->profile, c, n_samples,
                                                &times, &threads, &stacks, &weights, &flags);
      guint base = c * PYR_PROFILE_CHUNK_SIZE;
      guint i = self->n_seen > base ? self->n_seen - base : 0;

      if (base + len >= next_check)
        {
          next_check = base + len + CANCEL_CHECK_INTERVAL;
          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            {
              g_clear_pointer (&path, g_array_unref);
              return FALSE;
            }
        }

      if (self->kind == PYR_CALL_TREE_MERGED)
        {
          double *selfw = (double *) self->self_weight->data;

          for (; i < len; i++)
            {
              guint32 d;

              if (!trivial && !pyr_stack_map_sample_passes (&self->map, base + i, times[i], threads[i], flags[i]))
                continue;
              d = map[stacks[i]];
              if (d == PYR_ID_NONE)
                continue;
              selfw[d] += weights[i];
              self->n_passed++;
            }
        }
      else
        {
          const guint32 *dparent = (const guint32 *) self->map.tree.parent->data;
          const guint32 *dframe = (const guint32 *) self->map.tree.frame->data;

          for (; i < len; i++)
            {
              Cursor *cur;
              guint32 *dp, *tp, *path_nodes;
              guint32 d, parent_t;
              guint depth, k, first_new;

              if (!trivial && !pyr_stack_map_sample_passes (&self->map, base + i, times[i], threads[i], flags[i]))
                continue;
              d = map[stacks[i]];
              if (d == PYR_ID_NONE)
                continue;
              self->n_passed++;

              cur = cursor_for_thread (self->cursors, threads[i]);
              if (d == 0)
                {
                  /* an empty stack: the root's own time; the thread's chain ends */
                  g_array_set_size (cur->dpath, 0);
                  g_array_set_size (cur->tpath, 0);
                  g_array_index (self->self_weight, double, 0) += weights[i];
                  continue;
                }
              if (cur->dpath->len > 0 && g_array_index (cur->dpath, guint32, cur->dpath->len - 1) == d)
                {
                  /* same stack as this thread's previous sample */
                  g_array_index (self->self_weight, double, g_array_index (cur->tpath, guint32, cur->tpath->len - 1)) += weights[i];
                  continue;
                }

              /* walk up from the new leaf only until the thread's last stack:
               * what is above is shared, and its time-order nodes continue */
              {
                guint32 m = d;
                guint n_up = 0;
                guint dlen = cur->dpath->len;

                dp = (guint32 *) cur->dpath->data;
                while (m != 0 && !(ddepth[m] <= dlen && dp[ddepth[m] - 1] == m))
                  {
                    if (n_up == path->len)
                      g_array_set_size (path, MAX (64, path->len * 2));
                    ((guint32 *) path->data)[n_up++] = m;
                    m = dparent[m];
                  }
                k = m == 0 ? 0 : ddepth[m];
                depth = k + n_up;
              }
              /* path holds the new part leaf first: depth j (>= k) is at depth - 1 - j */
              path_nodes = (guint32 *) path->data;

              g_array_set_size (cur->dpath, depth);
              g_array_set_size (cur->tpath, depth);
              dp = (guint32 *) cur->dpath->data;
              tp = (guint32 *) cur->tpath->data;
              parent_t = k > 0 ? tp[k - 1] : 0;

              first_new = self->parent->len;
              g_array_set_size (self->parent, first_new + (depth - k));
              g_array_set_size (self->frame, first_new + (depth - k));
              g_array_set_size (self->self_weight, first_new + (depth - k));
              {
                guint32 *tparent = (guint32 *) self->parent->data;
                guint32 *tframe = (guint32 *) self->frame->data;
                double *tself = (double *) self->self_weight->data;

                for (guint j = k; j < depth; j++)
                  {
                    guint32 id = first_new + (j - k);
                    guint32 dnode = path_nodes[depth - 1 - j];   /* j >= k, so < depth - k entries */

                    tparent[id] = parent_t;
                    tframe[id] = dframe[dnode];
                    tself[id] = 0;
                    dp[j] = dnode;
                    tp[j] = id;
                    parent_t = id;
                  }
                tself[tp[depth - 1]] += weights[i];
              }
            }
        }
    }

  g_clear_pointer (&path, g_array_unref);
  self->n_seen = n_samples;
  return TRUE;
}

typedef struct
{
  guint32 base_node;   /* where this stack has got to, walking toward the root */
  double  weight;
} Member;

typedef struct
{
  guint32 frame;
  guint32 count;       /* members that go on */
  double  total;
  double  self;        /* of stacks that end in it */
} Group;

static void
lazy_reserve (PyrCallTree *self,
              guint        n)
{
  guint capacity = self->capacity;

  if (n <= capacity)
    return;
  while (capacity < n)
    capacity = MAX (64, capacity * 2);
  self->total = g_renew (double, self->total, capacity);
  self->depth = g_renew (guint32, self->depth, capacity);
  self->first_child = g_renew (guint32, self->first_child, capacity);
  self->next_sibling = g_renew (guint32, self->next_sibling, capacity);
  self->mstart = g_renew (guint32, self->mstart, capacity);
  self->mlen = g_renew (guint32, self->mlen, capacity);
  self->capacity = capacity;
}

static int
compare_groups (gconstpointer a,
                gconstpointer b)
{
  const Group *x = a, *y = b;

  if (x->total != y->total)
    return x->total > y->total ? -1 : 1;
  return x->frame < y->frame ? -1 : x->frame > y->frame;
}

/*
 * Gives node its children: its members step one frame toward the root (the
 * root's members are the leaves themselves), those that go on are grouped by
 * that frame, one child a group, heaviest first. A table indexed by frame finds
 * the groups; the members are reordered in place, so a child's are a sub-range.
 */
static void
open_node (PyrCallTree *self,
           guint32      node)
{
  PyrCallTree *base = self->base;
  const guint32 *bparent = (const guint32 *) base->parent->data;
  const guint32 *bframe = (const guint32 *) base->frame->data;
  Member *members = (Member *) self->members->data + self->mstart[node];
  guint n_members = self->mlen[node];
  GArray *groups = self->groups;
  guint32 *filled, *offset;
  Member *sorted;
  guint n_sorted = 0;
  guint32 first;

  g_array_set_size (groups, 0);

  if (++self->opening == 0)
    {
      memset (self->frame_stamp, 0, sizeof (guint32) * self->n_frame_slots);
      self->opening = 1;
    }

  /* step toward the root, count the groups */
  for (guint i = 0; i < n_members; i++)
    {
      guint32 b = node == PYR_CALL_TREE_ROOT ? members[i].base_node : bparent[members[i].base_node];
      guint32 f;
      Group *g;

      members[i].base_node = b;
      if (b == 0)
        continue;   /* the stack ended at node */
      f = bframe[b];
      if (self->frame_stamp[f] != self->opening)
        {
          Group empty = { f, 0, 0, 0 };

          self->frame_stamp[f] = self->opening;
          self->frame_group[f] = groups->len;
          g_array_append_val (groups, empty);
        }
      g = &g_array_index (groups, Group, self->frame_group[f]);
      g->total += members[i].weight;
      if (bparent[b] == 0)
        g->self += members[i].weight;
      else
        g->count++;
      n_sorted++;
    }

  if (groups->len == 0)
    {
      self->first_child[node] = PYR_ID_NONE;
      return;
    }

  g_array_sort (groups, compare_groups);
  g_array_set_size (self->offsets, 2 * groups->len + 1);
  filled = (guint32 *) self->offsets->data;
  offset = filled + groups->len;
  offset[0] = 0;
  for (guint k = 0; k < groups->len; k++)
    {
      const Group *g = &g_array_index (groups, Group, k);

      filled[k] = 0;
      self->frame_group[g->frame] = k;
      offset[k + 1] = offset[k] + g->count;
    }

  /* children's members, group by group: the ones that go on past the child */
  g_array_set_size (self->sorted, n_sorted);
  sorted = (Member *) self->sorted->data;
  for (guint i = 0; i < n_members; i++)
    {
      guint32 b = members[i].base_node;

      if (b != 0 && bparent[b] != 0)
        {
          guint32 k = self->frame_group[bframe[b]];

          sorted[offset[k] + filled[k]++] = members[i];
        }
    }
  memcpy (members, sorted, sizeof (Member) * offset[groups->len]);

  first = self->parent->len;
  lazy_reserve (self, first + groups->len);
  g_array_set_size (self->parent, first + groups->len);
  g_array_set_size (self->frame, first + groups->len);
  g_array_set_size (self->self_weight, first + groups->len);
  for (guint k = 0; k < groups->len; k++)
    {
      const Group *g = &g_array_index (groups, Group, k);
      guint32 child = first + k;

      g_array_index (self->parent, guint32, child) = node;
      g_array_index (self->frame, guint32, child) = g->frame;
      g_array_index (self->self_weight, double, child) = g->self;
      self->total[child] = g->total;
      self->depth[child] = self->depth[node] + 1;
      self->first_child[child] = g->count > 0 ? NOT_OPENED : PYR_ID_NONE;
      self->next_sibling[child] = k + 1 < groups->len ? child + 1 : PYR_ID_NONE;
      self->mstart[child] = self->mstart[node] + offset[k];
      self->mlen[child] = g->count;
    }
  self->mlen[node] = 0;
  self->first_child[node] = first;
}

/* The inverted tree starts as its root alone, whose members are the stacks with self weight. */
static void
build_inverted (PyrCallTree *self)
{
  PyrCallTree *base = self->base;
  const guint32 *bframe = (const guint32 *) base->frame->data;
  const double *bself = (const double *) base->self_weight->data;
  guint n_base = base->self_weight->len;
  guint32 none = PYR_ID_NONE;
  double total = n_base > 0 ? bself[0] : 0;

  self->parent = g_array_new (FALSE, FALSE, sizeof (guint32));
  self->frame = g_array_new (FALSE, FALSE, sizeof (guint32));
  self->self_weight = g_array_new (FALSE, FALSE, sizeof (double));
  self->members = g_array_new (FALSE, FALSE, sizeof (Member));
  self->groups = g_array_new (FALSE, FALSE, sizeof (Group));
  self->sorted = g_array_new (FALSE, FALSE, sizeof (Member));
  self->offsets = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_array_append_val (self->parent, none);
  g_array_append_val (self->frame, none);
  g_array_append_val (self->self_weight, total);

  self->n_frame_slots = 1;
  for (guint32 n = 1; n < n_base; n++)
    {
      if (bframe[n] != PYR_ID_NONE && bframe[n] + 1 > self->n_frame_slots)
        self->n_frame_slots = bframe[n] + 1;
      if (bself[n] != 0)
        {
          Member m = { n, bself[n] };

          g_array_append_val (self->members, m);
          total += bself[n];
        }
    }
  self->frame_stamp = g_new0 (guint32, self->n_frame_slots);
  self->frame_group = g_new (guint32, self->n_frame_slots);

  lazy_reserve (self, 1);
  self->total[0] = total;
  self->depth[0] = 0;
  self->next_sibling[0] = PYR_ID_NONE;
  self->mstart[0] = 0;
  self->mlen[0] = self->members->len;
  self->first_child[0] = self->members->len > 0 ? NOT_OPENED : PYR_ID_NONE;
  /* an inverted path is a stack read backwards: as deep as the deepest stack */
  self->max_depth = base->max_depth;

  self->n_seen = base->n_seen;
  self->n_passed = base->n_passed;
}

static guint32
first_child_of (PyrCallTree *self,
                guint32      node)
{
  guint32 child = self->first_child[node];

  if (G_UNLIKELY (child == NOT_OPENED))
    {
      g_mutex_lock (&self->open_lock);
      if (self->first_child[node] == NOT_OPENED)
        open_node (self, node);
      child = self->first_child[node];
      g_mutex_unlock (&self->open_lock);
    }
  return child;
}

void
pyr_call_tree_open_all (PyrCallTree *self)
{
  g_return_if_fail (PYR_IS_CALL_TREE (self));

  /* children get higher ids than their parent: one pass opens everything */
  for (guint32 n = 0; n < self->parent->len; n++)
    first_child_of (self, n);
}

static PyrCallTree *
call_tree_new_empty (PyrProfile      *profile,
                     PyrCallTreeKind  kind)
{
  PyrCallTree *self = g_object_new (PYR_TYPE_CALL_TREE, NULL);

  self->profile = g_object_ref (profile);
  self->kind = kind;
  self->limit = G_MAXUINT;
  return self;
}

PyrCallTree *
pyr_call_tree_new (PyrProfile       *profile,
                   const PyrFilter  *filter,
                   PyrCallTreeKind   kind,
                   GCancellable     *cancellable,
                   GError          **error)
{
  return pyr_call_tree_new_limited (profile, filter, kind, G_MAXUINT, cancellable, error);
}

PyrCallTree *
pyr_call_tree_new_limited (PyrProfile       *profile,
                           const PyrFilter  *filter,
                           PyrCallTreeKind   kind,
                           guint             n_samples,
                           GCancellable     *cancellable,
                           GError          **error)
{
  g_autoptr(PyrCallTree) self = NULL;

  g_return_val_if_fail (PYR_IS_PROFILE (profile), NULL);
  g_return_val_if_fail (kind <= PYR_CALL_TREE_BOTTOM_UP, NULL);

  self = call_tree_new_empty (profile, kind);
  self->limit = n_samples;

  if (kind == PYR_CALL_TREE_BOTTOM_UP)
    {
      if (!(self->base = pyr_call_tree_new_limited (profile, filter, PYR_CALL_TREE_MERGED, n_samples,
                                                    cancellable, error)))
        return NULL;
      build_inverted (self);
      return g_steal_pointer (&self);
    }

  pyr_stack_map_init (&self->map, profile, filter);
  self->have_map = TRUE;
  self->self_weight = g_array_new (FALSE, TRUE, sizeof (double));
  if (kind == PYR_CALL_TREE_MERGED)
    {
      self->parent = self->map.tree.parent;
      self->frame = self->map.tree.frame;
    }
  else
    {
      guint32 none = PYR_ID_NONE;
      double zero = 0;

      self->parent = g_array_new (FALSE, FALSE, sizeof (guint32));
      self->frame = g_array_new (FALSE, FALSE, sizeof (guint32));
      self->cursors = g_ptr_array_new_with_free_func (cursor_free);
      g_array_append_val (self->parent, none);
      g_array_append_val (self->frame, none);
      g_array_append_val (self->self_weight, zero);
    }

  if (!add_samples (self, cancellable, error))
    return NULL;
  build_derived (self);
  return g_steal_pointer (&self);
}

PyrCallTree *
pyr_call_tree_update (PyrCallTree   *previous,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_autoptr(PyrCallTree) self = NULL;

  g_return_val_if_fail (PYR_IS_CALL_TREE (previous), NULL);

  if (pyr_profile_get_n_samples (previous->profile) == previous->n_seen)
    return g_object_ref (previous);

  self = call_tree_new_empty (previous->profile, previous->kind);

  if (previous->kind == PYR_CALL_TREE_BOTTOM_UP)
    {
      if (!(self->base = pyr_call_tree_update (previous->base, cancellable, error)))
        return NULL;
      build_inverted (self);
      return g_steal_pointer (&self);
    }

  /* copy the state (O(nodes)), then resume from the last sample seen */
  pyr_stack_map_copy (&self->map, &previous->map);
  self->have_map = TRUE;
  self->self_weight = g_array_copy (previous->self_weight);
  self->n_seen = previous->n_seen;
  self->n_passed = previous->n_passed;
  if (self->kind == PYR_CALL_TREE_MERGED)
    {
      self->parent = self->map.tree.parent;
      self->frame = self->map.tree.frame;
    }
  else
    {
      self->parent = g_array_copy (previous->parent);
      self->frame = g_array_copy (previous->frame);
      self->cursors = cursors_copy (previous->cursors);
    }

  if (!add_samples (self, cancellable, error))
    return NULL;
  build_derived (self);
  return g_steal_pointer (&self);
}

/* ---- async ---- */

typedef struct
{
  PyrProfile      *profile;
  PyrFilter       *filter;
  PyrCallTreeKind  kind;
  PyrCallTree     *previous;
} BuildData;

static void
build_data_free (BuildData *data)
{
  g_clear_object (&data->profile);
  g_clear_pointer (&data->filter, pyr_filter_free);
  g_clear_object (&data->previous);
  g_free (data);
}

static void
build_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  BuildData *data = task_data;
  GError *error = NULL;
  PyrCallTree *tree;

  if (data->previous != NULL)
    tree = pyr_call_tree_update (data->previous, cancellable, &error);
  else
    tree = pyr_call_tree_new (data->profile, data->filter, data->kind, cancellable, &error);

  if (tree == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, tree, g_object_unref);
}

void
pyr_call_tree_new_async (PyrProfile          *profile,
                         const PyrFilter     *filter,
                         PyrCallTreeKind      kind,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  BuildData *data;

  g_return_if_fail (PYR_IS_PROFILE (profile));

  data = g_new0 (BuildData, 1);
  data->profile = g_object_ref (profile);
  data->filter = filter ? pyr_filter_copy (filter) : NULL;
  data->kind = kind;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, pyr_call_tree_new_async);
  g_task_set_task_data (task, data, (GDestroyNotify) build_data_free);
  g_task_run_in_thread (task, build_thread);
}

void
pyr_call_tree_update_async (PyrCallTree         *previous,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  BuildData *data;

  g_return_if_fail (PYR_IS_CALL_TREE (previous));

  data = g_new0 (BuildData, 1);
  data->previous = g_object_ref (previous);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, pyr_call_tree_new_async);
  g_task_set_task_data (task, data, (GDestroyNotify) build_data_free);
  g_task_run_in_thread (task, build_thread);
}

PyrCallTree *
pyr_call_tree_new_finish (GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- getters ---- */

PyrProfile *
pyr_call_tree_get_profile (PyrCallTree *self)
{
  g_return_val_if_fail (PYR_IS_CALL_TREE (self), NULL);
  return self->profile;
}

PyrCallTreeKind
pyr_call_tree_get_kind (PyrCallTree *self)
{
  g_return_val_if_fail (PYR_IS_CALL_TREE (self), 0);
  return self->kind;
}

const PyrFilter *
pyr_call_tree_get_filter (PyrCallTree *self)
{
  g_return_val_if_fail (PYR_IS_CALL_TREE (self), NULL);
  return self->base ? pyr_call_tree_get_filter (self->base) : self->map.filter;
}

guint
pyr_call_tree_get_n_samples_seen (PyrCallTree *self)
{
  g_return_val_if_fail (PYR_IS_CALL_TREE (self), 0);
  return self->n_seen;
}

guint
pyr_call_tree_get_n_samples (PyrCallTree *self)
{
  g_return_val_if_fail (PYR_IS_CALL_TREE (self), 0);
  return self->n_passed;
}

double
pyr_call_tree_get_total (PyrCallTree *self)
{
  g_return_val_if_fail (PYR_IS_CALL_TREE (self), 0);
  return self->total[0];
}

guint
pyr_call_tree_get_n_nodes (PyrCallTree *self)
{
  g_return_val_if_fail (PYR_IS_CALL_TREE (self), 0);
  return self->parent->len;
}

guint
pyr_call_tree_get_max_depth (PyrCallTree *self)
{
  g_return_val_if_fail (PYR_IS_CALL_TREE (self), 0);
  return self->max_depth;
}

#define CHECK_NODE(node, val) \
  g_return_val_if_fail (PYR_IS_CALL_TREE (self), val); \
  g_return_val_if_fail (node < self->parent->len, val)

guint32
pyr_call_tree_get_parent (PyrCallTree *self,
                          guint32      node)
{
  CHECK_NODE (node, PYR_ID_NONE);
  return g_array_index (self->parent, guint32, node);
}

guint32
pyr_call_tree_get_frame (PyrCallTree *self,
                         guint32      node)
{
  CHECK_NODE (node, PYR_ID_NONE);
  return g_array_index (self->frame, guint32, node);
}

guint
pyr_call_tree_get_depth (PyrCallTree *self,
                         guint32      node)
{
  CHECK_NODE (node, 0);
  return self->depth[node];
}

guint32
pyr_call_tree_get_first_child (PyrCallTree *self,
                               guint32      node)
{
  CHECK_NODE (node, PYR_ID_NONE);
  return first_child_of (self, node);
}

guint32
pyr_call_tree_get_next_sibling (PyrCallTree *self,
                                guint32      node)
{
  CHECK_NODE (node, PYR_ID_NONE);
  return self->next_sibling[node];
}

double
pyr_call_tree_get_self (PyrCallTree *self,
                        guint32      node)
{
  CHECK_NODE (node, 0);
  return g_array_index (self->self_weight, double, node);
}

double
pyr_call_tree_get_node_total (PyrCallTree *self,
                              guint32      node)
{
  CHECK_NODE (node, 0);
  return self->total[node];
}

const guint32 *
pyr_call_tree_get_parents (PyrCallTree *self)
{
  g_return_val_if_fail (PYR_IS_CALL_TREE (self), NULL);
  return (const guint32 *) self->parent->data;
}

const guint32 *
pyr_call_tree_get_frames (PyrCallTree *self)
{
  g_return_val_if_fail (PYR_IS_CALL_TREE (self), NULL);
  return (const guint32 *) self->frame->data;
}

const double *
pyr_call_tree_get_totals (PyrCallTree *self)
{
  g_return_val_if_fail (PYR_IS_CALL_TREE (self), NULL);
  return self->total;
}

const double *
pyr_call_tree_get_selfs (PyrCallTree *self)
{
  g_return_val_if_fail (PYR_IS_CALL_TREE (self), NULL);
  return (const double *) self->self_weight->data;
}
