/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "pyr-function-table.h"

typedef struct
{
  guint32  name_sid;
  guint32  file_sid;
  double   self;
  double   total;
  guint64  samples;
  guint32  hottest_node;
  GArray  *frames;  /* guint32 */
} Function;

struct _PyrFunctionTable
{
  gatomicrefcount  ref_count;
  PyrFlameTree    *tree;
  GArray          *functions;     /* Function */
  guint32         *node_function; /* per node */
  guint8          *outermost;     /* per node: no ancestor is the same function */
};

G_DEFINE_BOXED_TYPE (PyrFunctionTable, pyr_function_table, pyr_function_table_ref, pyr_function_table_unref)

PyrFunctionTable *
pyr_function_table_ref (PyrFunctionTable *table)
{
  g_return_val_if_fail (table != NULL, NULL);
  g_atomic_ref_count_inc (&table->ref_count);
  return table;
}

void
pyr_function_table_unref (PyrFunctionTable *table)
{
  g_return_if_fail (table != NULL);

  if (!g_atomic_ref_count_dec (&table->ref_count))
    return;
  for (guint i = 0; i < table->functions->len; i++)
    g_array_unref (g_array_index (table->functions, Function, i).frames);
  g_array_unref (table->functions);
  g_free (table->node_function);
  g_free (table->outermost);
  pyr_flame_tree_unref (table->tree);
  g_free (table);
}

typedef struct
{
  guint32 node;
  guint   next_child;
} Visit;

PyrFunctionTable *
pyr_function_table_new (PyrFlameTree *tree)
{
  PyrFunctionTable *table;
  PyrProfile *profile;
  g_autoptr(GHashTable) by_key = NULL;
  g_autoptr(GArray) stack = NULL;
  g_autofree guint32 *frame_function = NULL;
  g_autofree guint32 *on_stack = NULL;
  guint n_nodes, n_frames;

  g_return_val_if_fail (tree != NULL, NULL);

  profile = pyr_flame_tree_get_profile (tree);
  n_nodes = pyr_flame_tree_get_n_nodes (tree);
  n_frames = pyr_profile_get_n_frames (profile);

  table = g_new0 (PyrFunctionTable, 1);
  g_atomic_ref_count_init (&table->ref_count);
  table->tree = pyr_flame_tree_ref (tree);
  table->functions = g_array_new (FALSE, TRUE, sizeof (Function));
  table->node_function = g_new (guint32, MAX (n_nodes, 1));
  table->outermost = g_new0 (guint8, MAX (n_nodes, 1));

  by_key = g_hash_table_new (g_int64_hash, g_int64_equal);
  frame_function = g_new (guint32, MAX (n_frames, 1));
  for (guint32 frame = 0; frame < n_frames; frame++)
    {
      gint64 key = ((gint64) pyr_profile_get_frame_name (profile, frame) << 32) |
                   pyr_profile_get_frame_file (profile, frame);
      gpointer found;

      if (g_hash_table_lookup_extended (by_key, &key, NULL, &found))
        frame_function[frame] = GPOINTER_TO_UINT (found);
      else
        {
          Function f = { 0 };
          gint64 *stored = g_new (gint64, 1);

          f.name_sid = pyr_profile_get_frame_name (profile, frame);
          f.file_sid = pyr_profile_get_frame_file (profile, frame);
          f.hottest_node = PYR_ID_NONE;
          f.frames = g_array_new (FALSE, FALSE, sizeof (guint32));
          frame_function[frame] = table->functions->len;
          g_array_append_val (table->functions, f);
          *stored = key;
          g_hash_table_insert (by_key, stored, GUINT_TO_POINTER (frame_function[frame]));
        }
      g_array_append_val (g_array_index (table->functions, Function, frame_function[frame]).frames, frame);
    }
  /* keys were allocated one by one */
  {
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init (&iter, by_key);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      g_free (key);
  }

  table->node_function[0] = PYR_ID_NONE;
  for (guint32 node = 1; node < n_nodes; node++)
    {
      guint32 frame = pyr_flame_tree_get_frame (tree, node);

      table->node_function[node] = frame < n_frames ? frame_function[frame] : PYR_ID_NONE;
    }

  /* Depth-first with a count of each function on the current path, so recursion counts once. */
  on_stack = g_new0 (guint32, MAX (table->functions->len, 1));
  stack = g_array_new (FALSE, FALSE, sizeof (Visit));
  if (n_nodes > 0)
    g_array_append_val (stack, ((Visit) { 0, 0 }));
  while (stack->len > 0)
    {
      Visit *v = &g_array_index (stack, Visit, stack->len - 1);
      guint32 node = v->node;
      guint32 fn = table->node_function[node];
      const guint32 *children;
      guint n_children;

      if (v->next_child == 0 && fn != PYR_ID_NONE)
        {
          Function *f = &g_array_index (table->functions, Function, fn);

          f->self += pyr_flame_tree_get_self (tree, node);
          if (on_stack[fn] == 0)
            {
              table->outermost[node] = 1;
              f->total += pyr_flame_tree_get_total (tree, node);
              f->samples += pyr_flame_tree_get_total_samples (tree, node);
            }
          if (f->hottest_node == PYR_ID_NONE ||
              pyr_flame_tree_get_total (tree, node) > pyr_flame_tree_get_total (tree, f->hottest_node))
            f->hottest_node = node;
          on_stack[fn]++;
        }

      children = pyr_flame_tree_get_children (tree, node, &n_children);
      if (v->next_child < n_children)
        {
          guint32 child = children[v->next_child++];

          if (pyr_flame_tree_get_total_samples (tree, child) > 0)
            g_array_append_val (stack, ((Visit) { child, 0 }));
        }
      else
        {
          if (fn != PYR_ID_NONE)
            on_stack[fn]--;
          g_array_set_size (stack, stack->len - 1);
        }
    }

  return table;
}

static Function *
get (PyrFunctionTable *table,
     guint             function)
{
  g_assert (function < table->functions->len);
  return &g_array_index (table->functions, Function, function);
}

PyrFlameTree *
pyr_function_table_get_tree (PyrFunctionTable *table)
{
  return table->tree;
}

guint
pyr_function_table_get_n_functions (PyrFunctionTable *table)
{
  return table->functions->len;
}

const char *
pyr_function_table_get_name (PyrFunctionTable *table,
                             guint             function)
{
  return pyr_profile_get_string (pyr_flame_tree_get_profile (table->tree), get (table, function)->name_sid);
}

const char *
pyr_function_table_get_file (PyrFunctionTable *table,
                             guint             function)
{
  return pyr_profile_get_string (pyr_flame_tree_get_profile (table->tree), get (table, function)->file_sid);
}

double
pyr_function_table_get_self (PyrFunctionTable *table,
                             guint             function)
{
  return get (table, function)->self;
}

double
pyr_function_table_get_total (PyrFunctionTable *table,
                              guint             function)
{
  return get (table, function)->total;
}

guint64
pyr_function_table_get_samples (PyrFunctionTable *table,
                                guint             function)
{
  return get (table, function)->samples;
}

double
pyr_function_table_get_all (PyrFunctionTable *table)
{
  return pyr_flame_tree_get_n_nodes (table->tree) > 0 ? pyr_flame_tree_get_total (table->tree, 0) : 0;
}

guint32
pyr_function_table_get_node_function (PyrFunctionTable *table,
                                      guint32           node)
{
  if (node >= pyr_flame_tree_get_n_nodes (table->tree))
    return PYR_ID_NONE;
  return table->node_function[node];
}

const guint32 *
pyr_function_table_get_frames (PyrFunctionTable *table,
                               guint             function,
                               guint            *n_frames)
{
  GArray *frames = get (table, function)->frames;

  *n_frames = frames->len;
  return (const guint32 *) (gpointer) frames->data;
}

guint32
pyr_function_table_get_hottest_node (PyrFunctionTable *table,
                                     guint             function)
{
  return get (table, function)->hottest_node;
}

static int
compare_links (gconstpointer a,
               gconstpointer b)
{
  const PyrFunctionLink *la = a;
  const PyrFunctionLink *lb = b;

  if (la->weight != lb->weight)
    return la->weight > lb->weight ? -1 : 1;
  return la->function < lb->function ? -1 : la->function > lb->function;
}

static GArray *
links_from_table (GHashTable *weights)
{
  GArray *links = g_array_new (FALSE, FALSE, sizeof (PyrFunctionLink));
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, weights);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      PyrFunctionLink link = { GPOINTER_TO_UINT (key) - 1, *(double *) value };

      g_array_append_val (links, link);
    }
  g_array_sort (links, compare_links);
  return links;
}

static void
add_weight (GHashTable *weights,
            guint32     function,
            double      weight)
{
  double *w = g_hash_table_lookup (weights, GUINT_TO_POINTER (function + 1));

  if (w == NULL)
    {
      w = g_new0 (double, 1);
      g_hash_table_insert (weights, GUINT_TO_POINTER (function + 1), w);
    }
  *w += weight;
}

GArray *
pyr_function_table_get_callers (PyrFunctionTable *table,
                                guint             function)
{
  g_autoptr(GHashTable) weights = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  guint n_nodes = pyr_flame_tree_get_n_nodes (table->tree);

  g_return_val_if_fail (function < table->functions->len, NULL);

  for (guint32 node = 1; node < n_nodes; node++)
    {
      guint32 parent;

      if (table->node_function[node] != function || !table->outermost[node])
        continue;
      parent = pyr_flame_tree_get_parent (table->tree, node);
      if (parent != 0 && parent != PYR_ID_NONE)
        add_weight (weights, table->node_function[parent], pyr_flame_tree_get_total (table->tree, node));
    }
  return links_from_table (weights);
}

GArray *
pyr_function_table_get_callees (PyrFunctionTable *table,
                                guint             function)
{
  g_autoptr(GHashTable) weights = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  guint n_nodes = pyr_flame_tree_get_n_nodes (table->tree);

  g_return_val_if_fail (function < table->functions->len, NULL);

  for (guint32 node = 1; node < n_nodes; node++)
    {
      const guint32 *children;
      guint n_children;

      if (table->node_function[node] != function)
        continue;
      children = pyr_flame_tree_get_children (table->tree, node, &n_children);
      for (guint c = 0; c < n_children; c++)
        if (table->node_function[children[c]] != function)
          add_weight (weights, table->node_function[children[c]],
                      pyr_flame_tree_get_total (table->tree, children[c]));
    }
  return links_from_table (weights);
}
