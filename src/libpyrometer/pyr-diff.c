/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include "pyr-call-tree.h"
#include "pyr-diff.h"
#include "pyr-function-table.h"
#include "pyr-query-private.h"

typedef struct
{
  double before_self;
  double before_total;
  double after_self;
  double after_total;
} Values;

typedef struct
{
  guint32 name;   /* string ids in self->keys */
  guint32 file;
  gint32  line;
  Values  v;
} Function;

struct _PyrDiff
{
  GObject     parent_instance;

  /* Frames of both sides interned by text in one profile, so paths match;
   * its stack nodes are the diff tree's nodes. */
  PyrProfile *keys;
  GArray     *values;        /* Values per node */
  guint32    *first_child;
  guint32    *next_sibling;
  GArray     *functions;     /* Function */
  double      before_weight;
  double      after_weight;
  gboolean    by_time;
};

G_DEFINE_FINAL_TYPE (PyrDiff, pyr_diff, G_TYPE_OBJECT)

static void
pyr_diff_finalize (GObject *object)
{
  PyrDiff *self = (PyrDiff *)object;

  g_clear_object (&self->keys);
  g_clear_pointer (&self->values, g_array_unref);
  g_clear_pointer (&self->first_child, g_free);
  g_clear_pointer (&self->next_sibling, g_free);
  g_clear_pointer (&self->functions, g_array_unref);
  G_OBJECT_CLASS (pyr_diff_parent_class)->finalize (object);
}

static void
pyr_diff_class_init (PyrDiffClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pyr_diff_finalize;
}

static void
pyr_diff_init (PyrDiff *self)
{
}

static gboolean
units_are_time (PyrProfile *profile)
{
  const char *units = pyr_profile_get_units (profile);

  return g_str_equal (units, "nanoseconds") || g_str_equal (units, "microseconds") ||
         g_str_equal (units, "milliseconds") || g_str_equal (units, "seconds");
}

static Values *
values_at (PyrDiff *self,
           guint32  node)
{
  if (node >= self->values->len)
    g_array_set_size (self->values, node + 1);
  return &g_array_index (self->values, Values, node);
}

static guint32
key_frame (PyrDiff    *self,
           PyrProfile *profile,
           guint32     frame)
{
  return pyr_profile_intern_frame (self->keys,
                                   pyr_profile_intern_string (self->keys, pyr_profile_get_string (profile, pyr_profile_get_frame_name (profile, frame)), -1),
                                   pyr_profile_intern_string (self->keys, pyr_profile_get_string (profile, pyr_profile_get_frame_file (profile, frame)), -1),
                                   pyr_profile_get_frame_line (profile, frame),
                                   pyr_profile_get_frame_kind (profile, frame));
}

static void
add_tree (PyrDiff     *self,
          PyrCallTree *tree,
          gboolean     after)
{
  PyrProfile *profile = pyr_call_tree_get_profile (tree);
  guint n = pyr_call_tree_get_n_nodes (tree);
  const guint32 *parents = pyr_call_tree_get_parents (tree);
  const guint32 *frames = pyr_call_tree_get_frames (tree);
  const double *totals = pyr_call_tree_get_totals (tree);
  const double *selfs = pyr_call_tree_get_selfs (tree);
  double total = totals[0];
  g_autofree guint32 *node_map = g_new (guint32, n);

  node_map[0] = PYR_STACK_ROOT;
  for (guint32 i = 1; i < n; i++)
    {
      Values *v;

      if (totals[i] == 0)
        {
          node_map[i] = PYR_ID_NONE;
          continue;
        }
      node_map[i] = pyr_profile_intern_stack (self->keys, node_map[parents[i]], key_frame (self, profile, frames[i]));
      v = values_at (self, node_map[i]);
      if (after)
        {
          v->after_self = total > 0 ? selfs[i] / total : 0;
          v->after_total = total > 0 ? totals[i] / total : 0;
        }
      else
        {
          v->before_self = total > 0 ? selfs[i] / total : 0;
          v->before_total = total > 0 ? totals[i] / total : 0;
        }
    }
  {
    Values *root = values_at (self, 0);

    if (after)
      root->after_total = total > 0 ? 1 : 0;
    else
      root->before_total = total > 0 ? 1 : 0;
  }
}

static void
add_functions (PyrDiff          *self,
               PyrFunctionTable *table,
               GHashTable       *by_key,
               gboolean          after)
{
  PyrProfile *profile = pyr_call_tree_get_profile (pyr_function_table_get_tree (table));
  double total = pyr_function_table_get_total_weight (table);

  for (guint32 r = 0; r < pyr_function_table_get_n_rows (table); r++)
    {
      guint32 name = pyr_profile_intern_string (self->keys, pyr_profile_get_string (profile, pyr_function_table_get_name (table, r)), -1);
      guint32 file = pyr_profile_intern_string (self->keys, pyr_profile_get_string (profile, pyr_function_table_get_file (table, r)), -1);
      guint64 key = (guint64) name << 32 | file;
      gpointer value = g_hash_table_lookup (by_key, &key);
      Function *fn;
      gint32 line = pyr_function_table_get_line (table, r);

      if (pyr_function_table_get_total (table, r) == 0 || total <= 0)
        continue;
      if (value == NULL)
        {
          Function zero = { name, file, line, { 0 } };

          g_array_append_val (self->functions, zero);
          g_hash_table_insert (by_key, g_memdup2 (&key, sizeof key), GUINT_TO_POINTER (self->functions->len));
          fn = &g_array_index (self->functions, Function, self->functions->len - 1);
        }
      else
        fn = &g_array_index (self->functions, Function, GPOINTER_TO_UINT (value) - 1);

      if (line > 0 && (fn->line <= 0 || line < fn->line))
        fn->line = line;
      if (after)
        {
          fn->v.after_self = pyr_function_table_get_self (table, r) / total;
          fn->v.after_total = pyr_function_table_get_total (table, r) / total;
        }
      else
        {
          fn->v.before_self = pyr_function_table_get_self (table, r) / total;
          fn->v.before_total = pyr_function_table_get_total (table, r) / total;
        }
    }
}

static int
compare_functions (gconstpointer a,
                   gconstpointer b)
{
  const Function *x = a, *y = b;
  double dx = fabs (x->v.after_total - x->v.before_total);
  double dy = fabs (y->v.after_total - y->v.before_total);

  if (dx != dy)
    return dx > dy ? -1 : 1;
  dx = fabs (x->v.after_self - x->v.before_self);
  dy = fabs (y->v.after_self - y->v.before_self);
  if (dx != dy)
    return dx > dy ? -1 : 1;
  return x->name < y->name ? -1 : x->name > y->name;
}

static int
compare_nodes (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  PyrDiff *self = user_data;
  const Values *x = &g_array_index (self->values, Values, *(const guint32 *) a);
  const Values *y = &g_array_index (self->values, Values, *(const guint32 *) b);
  double kx = MAX (x->before_total, x->after_total);
  double ky = MAX (y->before_total, y->after_total);

  if (kx != ky)
    return kx > ky ? -1 : 1;
  return *(const guint32 *) a < *(const guint32 *) b ? -1 : 1;
}

static void
link_children (PyrDiff *self)
{
  guint n = pyr_profile_get_n_stack_nodes (self->keys);
  g_autofree guint32 *count = g_new0 (guint32, n + 1);
  g_autofree guint32 *fill = NULL;
  g_autofree guint32 *order = NULL;

  values_at (self, n - 1);
  self->first_child = g_new (guint32, n);
  self->next_sibling = g_new (guint32, n);
  for (guint i = 1; i < n; i++)
    count[pyr_profile_get_node_parent (self->keys, i) + 1]++;
  for (guint i = 0; i < n; i++)
    count[i + 1] += count[i];
  fill = g_memdup2 (count, sizeof (guint32) * (n + 1));
  order = g_new (guint32, MAX (n, 1));
  for (guint i = 1; i < n; i++)
    order[fill[pyr_profile_get_node_parent (self->keys, i)]++] = i;
  for (guint p = 0; p < n; p++)
    {
      guint b = count[p], e = count[p + 1];

      self->first_child[p] = b < e ? order[b] : PYR_ID_NONE;
      if (e - b > 1)
        g_qsort_with_data (order + b, e - b, sizeof (guint32), compare_nodes, self);
      if (b < e)
        self->first_child[p] = order[b];
      for (guint k = b; k < e; k++)
        self->next_sibling[order[k]] = k + 1 < e ? order[k + 1] : PYR_ID_NONE;
    }
  self->next_sibling[0] = PYR_ID_NONE;
}

PyrDiff *
pyr_diff_new (PyrProfile       *before,
              const PyrFilter  *before_filter,
              PyrProfile       *after,
              const PyrFilter  *after_filter,
              GCancellable     *cancellable,
              GError          **error)
{
  g_autoptr(PyrDiff) self = NULL;
  g_autoptr(PyrCallTree) tb = NULL;
  g_autoptr(PyrCallTree) ta = NULL;
  g_autoptr(PyrFunctionTable) fb = NULL;
  g_autoptr(PyrFunctionTable) fa = NULL;
  g_autoptr(GHashTable) by_key = NULL;

  g_return_val_if_fail (PYR_IS_PROFILE (before), NULL);
  g_return_val_if_fail (PYR_IS_PROFILE (after), NULL);

  /* A live profile against itself: one snapshot for both sides, or the samples appended between
   * two snapshots would show up as a change. */
  if (before == after)
    {
      guint n_samples = pyr_profile_get_n_samples (before);

      if (!(tb = pyr_call_tree_new_limited (before, before_filter, PYR_CALL_TREE_MERGED, n_samples, cancellable, error)))
        return NULL;
      if (pyr_filter_equal (before_filter, after_filter))
        ta = g_object_ref (tb);
      else if (!(ta = pyr_call_tree_new_limited (after, after_filter, PYR_CALL_TREE_MERGED, n_samples, cancellable, error)))
        return NULL;
    }
  else if (!(tb = pyr_call_tree_new (before, before_filter, PYR_CALL_TREE_MERGED, cancellable, error)) ||
           !(ta = pyr_call_tree_new (after, after_filter, PYR_CALL_TREE_MERGED, cancellable, error)))
    return NULL;

  self = g_object_new (PYR_TYPE_DIFF, NULL);
  self->keys = pyr_profile_new ();
  self->values = g_array_new (FALSE, TRUE, sizeof (Values));
  self->functions = g_array_new (FALSE, FALSE, sizeof (Function));
  self->before_weight = pyr_call_tree_get_total (tb);
  self->after_weight = pyr_call_tree_get_total (ta);
  self->by_time = units_are_time (before) && units_are_time (after);

  add_tree (self, tb, FALSE);
  add_tree (self, ta, TRUE);
  link_children (self);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  fb = pyr_function_table_new (tb, PYR_FUNCTION_TABLE_BY_FUNCTION);
  fa = pyr_function_table_new (ta, PYR_FUNCTION_TABLE_BY_FUNCTION);
  by_key = g_hash_table_new_full (pyr_id_pair_hash, g_int64_equal, g_free, NULL);
  add_functions (self, fb, by_key, FALSE);
  add_functions (self, fa, by_key, TRUE);
  g_array_sort (self->functions, compare_functions);

  return g_steal_pointer (&self);
}

typedef struct
{
  PyrProfile *before;
  PyrProfile *after;
  PyrFilter  *before_filter;
  PyrFilter  *after_filter;
} DiffData;

static void
diff_data_free (DiffData *data)
{
  g_clear_object (&data->before);
  g_clear_object (&data->after);
  g_clear_pointer (&data->before_filter, pyr_filter_free);
  g_clear_pointer (&data->after_filter, pyr_filter_free);
  g_free (data);
}

static void
diff_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  DiffData *data = task_data;
  GError *error = NULL;
  PyrDiff *diff = pyr_diff_new (data->before, data->before_filter, data->after, data->after_filter,
                                cancellable, &error);

  if (diff == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, diff, g_object_unref);
}

void
pyr_diff_new_async (PyrProfile          *before,
                    const PyrFilter     *before_filter,
                    PyrProfile          *after,
                    const PyrFilter     *after_filter,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  DiffData *data;

  g_return_if_fail (PYR_IS_PROFILE (before));
  g_return_if_fail (PYR_IS_PROFILE (after));

  data = g_new0 (DiffData, 1);
  data->before = g_object_ref (before);
  data->after = g_object_ref (after);
  data->before_filter = before_filter ? pyr_filter_copy (before_filter) : NULL;
  data->after_filter = after_filter ? pyr_filter_copy (after_filter) : NULL;
  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, pyr_diff_new_async);
  g_task_set_task_data (task, data, (GDestroyNotify) diff_data_free);
  g_task_run_in_thread (task, diff_thread);
}

PyrDiff *
pyr_diff_new_finish (GAsyncResult  *result,
                     GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

const char *
pyr_diff_get_normalization (PyrDiff *self)
{
  g_return_val_if_fail (PYR_IS_DIFF (self), NULL);
  return self->by_time ? "time" : "samples";
}

double
pyr_diff_get_before_weight (PyrDiff *self)
{
  g_return_val_if_fail (PYR_IS_DIFF (self), 0);
  return self->before_weight;
}

double
pyr_diff_get_after_weight (PyrDiff *self)
{
  g_return_val_if_fail (PYR_IS_DIFF (self), 0);
  return self->after_weight;
}

guint
pyr_diff_get_n_nodes (PyrDiff *self)
{
  g_return_val_if_fail (PYR_IS_DIFF (self), 0);
  return pyr_profile_get_n_stack_nodes (self->keys);
}

#define NODE(node, val) \
  g_return_val_if_fail (PYR_IS_DIFF (self), val); \
  g_return_val_if_fail (node < pyr_profile_get_n_stack_nodes (self->keys), val)

guint32
pyr_diff_get_parent (PyrDiff *self,
                     guint32  node)
{
  NODE (node, PYR_ID_NONE);
  return pyr_profile_get_node_parent (self->keys, node);
}

guint32
pyr_diff_get_first_child (PyrDiff *self,
                          guint32  node)
{
  NODE (node, PYR_ID_NONE);
  return self->first_child[node];
}

guint32
pyr_diff_get_next_sibling (PyrDiff *self,
                           guint32  node)
{
  NODE (node, PYR_ID_NONE);
  return self->next_sibling[node];
}

guint
pyr_diff_get_depth (PyrDiff *self,
                    guint32  node)
{
  NODE (node, 0);
  return pyr_profile_get_node_depth (self->keys, node);
}

const char *
pyr_diff_get_name (PyrDiff *self,
                   guint32  node)
{
  NODE (node, "");
  if (node == 0)
    return "";
  return pyr_profile_get_string (self->keys, pyr_profile_get_frame_name (self->keys, pyr_profile_get_node_frame (self->keys, node)));
}

const char *
pyr_diff_get_file (PyrDiff *self,
                   guint32  node)
{
  NODE (node, "");
  if (node == 0)
    return "";
  return pyr_profile_get_string (self->keys, pyr_profile_get_frame_file (self->keys, pyr_profile_get_node_frame (self->keys, node)));
}

gint32
pyr_diff_get_line (PyrDiff *self,
                   guint32  node)
{
  NODE (node, 0);
  if (node == 0)
    return 0;
  return pyr_profile_get_frame_line (self->keys, pyr_profile_get_node_frame (self->keys, node));
}

char *
pyr_diff_format_node (PyrDiff *self,
                      guint32  node)
{
  NODE (node, NULL);
  if (node == 0)
    return g_strdup ("all");
  return pyr_profile_format_frame (self->keys, pyr_profile_get_node_frame (self->keys, node));
}

double
pyr_diff_get_before_total (PyrDiff *self,
                           guint32  node)
{
  NODE (node, 0);
  return g_array_index (self->values, Values, node).before_total;
}

double
pyr_diff_get_after_total (PyrDiff *self,
                          guint32  node)
{
  NODE (node, 0);
  return g_array_index (self->values, Values, node).after_total;
}

double
pyr_diff_get_before_self (PyrDiff *self,
                          guint32  node)
{
  NODE (node, 0);
  return g_array_index (self->values, Values, node).before_self;
}

double
pyr_diff_get_after_self (PyrDiff *self,
                         guint32  node)
{
  NODE (node, 0);
  return g_array_index (self->values, Values, node).after_self;
}

guint
pyr_diff_get_n_functions (PyrDiff *self)
{
  g_return_val_if_fail (PYR_IS_DIFF (self), 0);
  return self->functions->len;
}

#define FUNC(fn, val) \
  g_return_val_if_fail (PYR_IS_DIFF (self), val); \
  g_return_val_if_fail (fn < self->functions->len, val)

const char *
pyr_diff_get_function_name (PyrDiff *self,
                            guint    function)
{
  FUNC (function, "");
  return pyr_profile_get_string (self->keys, g_array_index (self->functions, Function, function).name);
}

const char *
pyr_diff_get_function_file (PyrDiff *self,
                            guint    function)
{
  FUNC (function, "");
  return pyr_profile_get_string (self->keys, g_array_index (self->functions, Function, function).file);
}

gint32
pyr_diff_get_function_line (PyrDiff *self,
                            guint    function)
{
  FUNC (function, 0);
  return g_array_index (self->functions, Function, function).line;
}

double
pyr_diff_get_function_before_self (PyrDiff *self,
                                   guint    function)
{
  FUNC (function, 0);
  return g_array_index (self->functions, Function, function).v.before_self;
}

double
pyr_diff_get_function_after_self (PyrDiff *self,
                                  guint    function)
{
  FUNC (function, 0);
  return g_array_index (self->functions, Function, function).v.after_self;
}

double
pyr_diff_get_function_before_total (PyrDiff *self,
                                    guint    function)
{
  FUNC (function, 0);
  return g_array_index (self->functions, Function, function).v.before_total;
}

double
pyr_diff_get_function_after_total (PyrDiff *self,
                                   guint    function)
{
  FUNC (function, 0);
  return g_array_index (self->functions, Function, function).v.after_total;
}
