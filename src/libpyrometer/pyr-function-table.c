/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "pyr-function-table.h"
#include "pyr-query-private.h"

typedef struct
{
  guint32 name;
  guint32 file;
  gint32  line;
  guint32 frame;
  double  self;
  double  total;
} Row;

typedef struct
{
  guint32 caller;
  guint32 callee;
  double  weight;
} Edge;

struct _PyrFunctionTable
{
  GObject              parent_instance;

  PyrCallTree         *tree;
  PyrProfile          *profile;
  PyrFunctionTableKey  key;
  guint                lineage;       /* shared by a table and those updated from it */

  GArray              *rows;          /* Row */
  GArray              *row_of_frame;  /* guint32 per profile frame */
  GHashTable          *rows_by_key;   /* row_key () -> row + 1 */

  PyrFunctionEdge     *callers;
  guint32             *callers_offset;
  PyrFunctionEdge     *callees;
  guint32             *callees_offset;
};

G_DEFINE_FINAL_TYPE (PyrFunctionTable, pyr_function_table, G_TYPE_OBJECT)

static void
pyr_function_table_finalize (GObject *object)
{
  PyrFunctionTable *self = (PyrFunctionTable *)object;

  g_clear_object (&self->tree);
  g_clear_object (&self->profile);
  g_clear_pointer (&self->rows, g_array_unref);
  g_clear_pointer (&self->row_of_frame, g_array_unref);
  g_clear_pointer (&self->rows_by_key, g_hash_table_unref);
  g_clear_pointer (&self->callers, g_free);
  g_clear_pointer (&self->callers_offset, g_free);
  g_clear_pointer (&self->callees, g_free);
  g_clear_pointer (&self->callees_offset, g_free);

  G_OBJECT_CLASS (pyr_function_table_parent_class)->finalize (object);
}

static void
pyr_function_table_class_init (PyrFunctionTableClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pyr_function_table_finalize;
}

static void
pyr_function_table_init (PyrFunctionTable *self)
{
}

static guint32
row_for_frame (PyrFunctionTable *self,
               GHashTable       *rows_by_key,
               guint32           frame)
{
  guint32 row = g_array_index (self->row_of_frame, guint32, frame);
  guint64 key;
  gpointer value;
  gint32 line;

  if (row != PYR_ID_NONE)
    return row;

  line = pyr_profile_get_frame_line (self->profile, frame);
  if (self->key == PYR_FUNCTION_TABLE_BY_FUNCTION)
    key = (guint64) pyr_profile_get_frame_name (self->profile, frame) << 32 |
          pyr_profile_get_frame_file (self->profile, frame);
  else
    key = (guint64) pyr_profile_get_frame_file (self->profile, frame) << 32 | (guint32) line;

  if ((value = g_hash_table_lookup (rows_by_key, &key)))
    {
      Row *r;

      row = GPOINTER_TO_UINT (value) - 1;
      r = &g_array_index (self->rows, Row, row);
      if (line > 0 && (r->line <= 0 || line < r->line))
        r->line = line;
    }
  else
    {
      Row r = { 0 };

      r.name = self->key == PYR_FUNCTION_TABLE_BY_FUNCTION ? pyr_profile_get_frame_name (self->profile, frame) : 0;
      r.file = pyr_profile_get_frame_file (self->profile, frame);
      r.line = line;
      r.frame = frame;
      row = self->rows->len;
      g_array_append_val (self->rows, r);
      g_hash_table_insert (rows_by_key, g_memdup2 (&key, sizeof key), GUINT_TO_POINTER (row + 1));
    }
  g_array_index (self->row_of_frame, guint32, frame) = row;
  return row;
}

static int
compare_edges_desc (gconstpointer a,
                    gconstpointer b)
{
  const PyrFunctionEdge *x = a, *y = b;

  if (x->weight != y->weight)
    return x->weight > y->weight ? -1 : 1;
  return x->row < y->row ? -1 : x->row > y->row;
}

static void
build_csr (guint             n_rows,
           const Edge       *edges,
           guint             n_edges,
           gboolean          by_callee,
           PyrFunctionEdge **out_edges,
           guint32         **out_offset)
{
  guint32 *offset = g_new0 (guint32, n_rows + 1);
  g_autofree guint32 *fill = NULL;
  PyrFunctionEdge *list = g_new (PyrFunctionEdge, MAX (n_edges, 1));

  for (guint i = 0; i < n_edges; i++)
    offset[(by_callee ? edges[i].callee : edges[i].caller) + 1]++;
  for (guint i = 0; i < n_rows; i++)
    offset[i + 1] += offset[i];
  fill = g_memdup2 (offset, sizeof (guint32) * (n_rows + 1));
  for (guint i = 0; i < n_edges; i++)
    {
      guint32 owner = by_callee ? edges[i].callee : edges[i].caller;
      PyrFunctionEdge *e = &list[fill[owner]++];

      e->row = by_callee ? edges[i].caller : edges[i].callee;
      e->weight = edges[i].weight;
    }
  for (guint r = 0; r < n_rows; r++)
    if (offset[r + 1] - offset[r] > 1)
      qsort (list + offset[r], offset[r + 1] - offset[r], sizeof (PyrFunctionEdge), compare_edges_desc);
  *out_edges = list;
  *out_offset = offset;
}

static guint64
row_key (PyrFunctionTableKey  key,
         const Row           *r)
{
  if (key == PYR_FUNCTION_TABLE_BY_FUNCTION)
    return (guint64) r->name << 32 | r->file;
  return (guint64) r->file << 32 | (guint32) r->line;
}

static PyrFunctionTable *
build_table (PyrCallTree         *tree,
             PyrFunctionTableKey  key,
             PyrFunctionTable    *previous)
{
  PyrFunctionTable *self;
  GHashTable *rows_by_key;
  g_autoptr(GHashTable) edges_by_key = NULL;
  g_autoptr(GArray) edges = NULL;
  g_autofree guint32 *occ = NULL;
  g_autofree guint32 *edge_occ = NULL;
  g_autofree guint32 *node_row = NULL;
  g_autofree guint32 *node_edge = NULL;
  const guint32 *parents, *frames;
  const double *totals, *selfs;
  guint n_nodes;
  guint32 max_frame = 0;
  guint32 n;
  static gint lineages;

  self = g_object_new (PYR_TYPE_FUNCTION_TABLE, NULL);
  self->tree = g_object_ref (tree);
  self->profile = g_object_ref (pyr_call_tree_get_profile (tree));
  self->key = key;
  self->rows = g_array_new (FALSE, FALSE, sizeof (Row));

  n_nodes = pyr_call_tree_get_n_nodes (tree);
  parents = pyr_call_tree_get_parents (tree);
  frames = pyr_call_tree_get_frames (tree);
  totals = pyr_call_tree_get_totals (tree);
  selfs = pyr_call_tree_get_selfs (tree);

  for (guint i = 1; i < n_nodes; i++)
    max_frame = MAX (max_frame, frames[i] + 1);
  rows_by_key = self->rows_by_key = g_hash_table_new_full (pyr_id_pair_hash, g_int64_equal, g_free, NULL);
  if (previous != NULL)
    {
      guint old = previous->row_of_frame->len;

      /* the same functions keep their row numbers (new ones come after), and the frames
       * already seen need no look-up */
      self->lineage = previous->lineage;
      max_frame = MAX (max_frame, old);
      self->row_of_frame = g_array_sized_new (FALSE, FALSE, sizeof (guint32), max_frame);
      g_array_set_size (self->row_of_frame, max_frame);
      if (old > 0)
        memcpy (self->row_of_frame->data, previous->row_of_frame->data, sizeof (guint32) * old);
      if (max_frame > old)
        memset (&g_array_index (self->row_of_frame, guint32, old), 0xff, sizeof (guint32) * (max_frame - old));
      for (guint r = 0; r < previous->rows->len; r++)
        {
          Row row = g_array_index (previous->rows, Row, r);
          guint64 k = row_key (key, &row);

          row.self = row.total = 0;
          g_array_append_val (self->rows, row);
          g_hash_table_insert (rows_by_key, g_memdup2 (&k, sizeof k), GUINT_TO_POINTER (r + 1));
        }
    }
  else
    {
      self->lineage = (guint) g_atomic_int_add (&lineages, 1) + 1;
      self->row_of_frame = g_array_sized_new (FALSE, FALSE, sizeof (guint32), max_frame);
      g_array_set_size (self->row_of_frame, max_frame);
      /* an empty profile has no frames, and no array data to fill */
      if (max_frame > 0)
        memset (self->row_of_frame->data, 0xff, sizeof (guint32) * max_frame);
    }
  edges_by_key = g_hash_table_new_full (pyr_id_pair_hash, g_int64_equal, g_free, NULL);
  edges = g_array_new (FALSE, FALSE, sizeof (Edge));
  node_row = g_new (guint32, n_nodes);
  node_edge = g_new (guint32, n_nodes);

  /* rows first, so the occurrence arrays can be sized */
  for (guint i = 1; i < n_nodes; i++)
    node_row[i] = totals[i] != 0 ? row_for_frame (self, rows_by_key, frames[i]) : PYR_ID_NONE;
  occ = g_new0 (guint32, MAX (self->rows->len, 1));

  /* Depth-first over the linked nodes, keeping how often each row (and each
   * caller->callee edge) is on the current path: a row's total takes a node's
   * total only at its outermost occurrence, so recursion counts once. */
  n = pyr_call_tree_get_first_child (tree, PYR_CALL_TREE_ROOT);
  while (n != PYR_ID_NONE)
    {
      guint32 r = node_row[n];
      Row *row = &g_array_index (self->rows, Row, r);
      guint32 p = parents[n];

      row->self += selfs[n];
      if (occ[r]++ == 0)
        row->total += totals[n];

      node_edge[n] = PYR_ID_NONE;
      if (p != PYR_CALL_TREE_ROOT && key == PYR_FUNCTION_TABLE_BY_FUNCTION)
        {
          guint64 ek = (guint64) node_row[p] << 32 | r;
          gpointer value = g_hash_table_lookup (edges_by_key, &ek);
          guint32 e;

          if (value != NULL)
            e = GPOINTER_TO_UINT (value) - 1;
          else
            {
              Edge edge = { node_row[p], r, 0 };

              e = edges->len;
              g_array_append_val (edges, edge);
              g_hash_table_insert (edges_by_key, g_memdup2 (&ek, sizeof ek), GUINT_TO_POINTER (e + 1));
              edge_occ = g_renew (guint32, edge_occ, edges->len);
              edge_occ[e] = 0;
            }
          if (edge_occ[e]++ == 0)
            g_array_index (edges, Edge, e).weight += totals[n];
          node_edge[n] = e;
        }

      if (pyr_call_tree_get_first_child (tree, n) != PYR_ID_NONE)
        {
          n = pyr_call_tree_get_first_child (tree, n);
          continue;
        }

      /* leave n and the ancestors it was the last child of */
      while (n != PYR_ID_NONE)
        {
          guint32 next;

          occ[node_row[n]]--;
          if (node_edge[n] != PYR_ID_NONE)
            edge_occ[node_edge[n]]--;
          if ((next = pyr_call_tree_get_next_sibling (tree, n)) != PYR_ID_NONE)
            {
              n = next;
              break;
            }
          n = parents[n];
          if (n == PYR_CALL_TREE_ROOT)
            n = PYR_ID_NONE;
        }
    }

  g_free (edge_occ);
  edge_occ = NULL;

  build_csr (self->rows->len, (const Edge *) edges->data, edges->len, TRUE,
             &self->callers, &self->callers_offset);
  build_csr (self->rows->len, (const Edge *) edges->data, edges->len, FALSE,
             &self->callees, &self->callees_offset);
  return self;
}

PyrFunctionTable *
pyr_function_table_new (PyrCallTree         *tree,
                        PyrFunctionTableKey  key)
{
  g_return_val_if_fail (PYR_IS_CALL_TREE (tree), NULL);
  g_return_val_if_fail (pyr_call_tree_get_kind (tree) == PYR_CALL_TREE_MERGED, NULL);

  return build_table (tree, key, NULL);
}

PyrFunctionTable *
pyr_function_table_update (PyrFunctionTable *previous,
                           PyrCallTree      *tree)
{
  g_return_val_if_fail (PYR_IS_FUNCTION_TABLE (previous), NULL);
  g_return_val_if_fail (PYR_IS_CALL_TREE (tree), NULL);
  g_return_val_if_fail (pyr_call_tree_get_kind (tree) == PYR_CALL_TREE_MERGED, NULL);
  g_return_val_if_fail (pyr_call_tree_get_profile (tree) == previous->profile, NULL);

  return build_table (tree, previous->key, previous);
}

gboolean
pyr_function_table_extends (PyrFunctionTable *self,
                            PyrFunctionTable *older)
{
  g_return_val_if_fail (PYR_IS_FUNCTION_TABLE (self), FALSE);
  g_return_val_if_fail (PYR_IS_FUNCTION_TABLE (older), FALSE);

  return self->lineage == older->lineage && self->rows->len >= older->rows->len;
}

/* ---- async ---- */

typedef struct
{
  PyrProfile          *profile;
  PyrFilter           *filter;
  PyrFunctionTableKey  key;
} TableData;

static void
table_data_free (TableData *data)
{
  g_clear_object (&data->profile);
  g_clear_pointer (&data->filter, pyr_filter_free);
  g_free (data);
}

static void
table_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  TableData *data = task_data;
  g_autoptr(PyrCallTree) tree = NULL;
  GError *error = NULL;

  tree = pyr_call_tree_new (data->profile, data->filter, PYR_CALL_TREE_MERGED, cancellable, &error);
  if (tree == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, pyr_function_table_new (tree, data->key), g_object_unref);
}

void
pyr_function_table_new_async (PyrProfile           *profile,
                              const PyrFilter      *filter,
                              PyrFunctionTableKey   key,
                              GCancellable         *cancellable,
                              GAsyncReadyCallback   callback,
                              gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  TableData *data;

  g_return_if_fail (PYR_IS_PROFILE (profile));

  data = g_new0 (TableData, 1);
  data->profile = g_object_ref (profile);
  data->filter = filter ? pyr_filter_copy (filter) : NULL;
  data->key = key;
  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, pyr_function_table_new_async);
  g_task_set_task_data (task, data, (GDestroyNotify) table_data_free);
  g_task_run_in_thread (task, table_thread);
}

PyrFunctionTable *
pyr_function_table_new_finish (GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- getters ---- */

PyrCallTree *
pyr_function_table_get_tree (PyrFunctionTable *self)
{
  g_return_val_if_fail (PYR_IS_FUNCTION_TABLE (self), NULL);
  return self->tree;
}

PyrFunctionTableKey
pyr_function_table_get_key (PyrFunctionTable *self)
{
  g_return_val_if_fail (PYR_IS_FUNCTION_TABLE (self), 0);
  return self->key;
}

double
pyr_function_table_get_total_weight (PyrFunctionTable *self)
{
  g_return_val_if_fail (PYR_IS_FUNCTION_TABLE (self), 0);
  return pyr_call_tree_get_total (self->tree);
}

guint
pyr_function_table_get_n_rows (PyrFunctionTable *self)
{
  g_return_val_if_fail (PYR_IS_FUNCTION_TABLE (self), 0);
  return self->rows->len;
}

#define ROW(row, val) \
  g_return_val_if_fail (PYR_IS_FUNCTION_TABLE (self), val); \
  g_return_val_if_fail (row < self->rows->len, val)

guint32
pyr_function_table_get_name (PyrFunctionTable *self,
                             guint32           row)
{
  ROW (row, 0);
  return g_array_index (self->rows, Row, row).name;
}

guint32
pyr_function_table_get_file (PyrFunctionTable *self,
                             guint32           row)
{
  ROW (row, 0);
  return g_array_index (self->rows, Row, row).file;
}

gint32
pyr_function_table_get_line (PyrFunctionTable *self,
                             guint32           row)
{
  ROW (row, 0);
  return g_array_index (self->rows, Row, row).line;
}

guint32
pyr_function_table_get_frame (PyrFunctionTable *self,
                              guint32           row)
{
  ROW (row, PYR_ID_NONE);
  return g_array_index (self->rows, Row, row).frame;
}

double
pyr_function_table_get_self (PyrFunctionTable *self,
                             guint32           row)
{
  ROW (row, 0);
  return g_array_index (self->rows, Row, row).self;
}

double
pyr_function_table_get_total (PyrFunctionTable *self,
                              guint32           row)
{
  ROW (row, 0);
  return g_array_index (self->rows, Row, row).total;
}

guint32
pyr_function_table_lookup_frame (PyrFunctionTable *self,
                                 guint32           frame)
{
  guint32 row = PYR_ID_NONE;

  g_return_val_if_fail (PYR_IS_FUNCTION_TABLE (self), PYR_ID_NONE);
  if (frame < self->row_of_frame->len)
    row = g_array_index (self->row_of_frame, guint32, frame);
  /* a frame no node of the tree has (another line of a function whose lines a filter merged
   * into one frame) still belongs to its function's row */
  if (row == PYR_ID_NONE && frame < pyr_profile_get_n_frames (self->profile))
    {
      Row r = { 0 };
      guint64 k;
      gpointer value;

      r.name = pyr_profile_get_frame_name (self->profile, frame);
      r.file = pyr_profile_get_frame_file (self->profile, frame);
      r.line = pyr_profile_get_frame_line (self->profile, frame);
      k = row_key (self->key, &r);
      if ((value = g_hash_table_lookup (self->rows_by_key, &k)))
        row = GPOINTER_TO_UINT (value) - 1;
    }
  return row;
}

const PyrFunctionEdge *
pyr_function_table_get_callers (PyrFunctionTable *self,
                                guint32           row,
                                guint            *n_edges)
{
  ROW (row, NULL);
  *n_edges = self->callers_offset[row + 1] - self->callers_offset[row];
  return self->callers + self->callers_offset[row];
}

const PyrFunctionEdge *
pyr_function_table_get_callees (PyrFunctionTable *self,
                                guint32           row,
                                guint            *n_edges)
{
  ROW (row, NULL);
  *n_edges = self->callees_offset[row + 1] - self->callees_offset[row];
  return self->callees + self->callees_offset[row];
}

static int
compare_rows (gconstpointer a,
              gconstpointer b,
              gpointer      user_data)
{
  gpointer *ctx = user_data;
  PyrFunctionTable *self = ctx[0];
  PyrFunctionTableSort sort = GPOINTER_TO_UINT (ctx[1]);
  const Row *x = &g_array_index (self->rows, Row, *(const guint32 *) a);
  const Row *y = &g_array_index (self->rows, Row, *(const guint32 *) b);
  double kx = sort == PYR_FUNCTION_TABLE_SORT_SELF ? x->self : x->total;
  double ky = sort == PYR_FUNCTION_TABLE_SORT_SELF ? y->self : y->total;

  if (kx != ky)
    return kx > ky ? -1 : 1;
  kx = sort == PYR_FUNCTION_TABLE_SORT_SELF ? x->total : x->self;
  ky = sort == PYR_FUNCTION_TABLE_SORT_SELF ? y->total : y->self;
  if (kx != ky)
    return kx > ky ? -1 : 1;
  {
    int c = strcmp (pyr_profile_get_string (self->profile, x->name),
                    pyr_profile_get_string (self->profile, y->name));
    if (c != 0)
      return c;
  }
  return x->line - y->line;
}

guint32 *
pyr_function_table_get_sorted (PyrFunctionTable     *self,
                               PyrFunctionTableSort  sort,
                               guint                *n_rows)
{
  guint32 *order;
  guint n = 0;
  gpointer ctx[2];

  g_return_val_if_fail (PYR_IS_FUNCTION_TABLE (self), NULL);

  order = g_new (guint32, MAX (self->rows->len, 1));
  for (guint i = 0; i < self->rows->len; i++)
    if (g_array_index (self->rows, Row, i).total != 0)
      order[n++] = i;
  ctx[0] = self;
  ctx[1] = GUINT_TO_POINTER (sort);
  g_qsort_with_data (order, n, sizeof (guint32), compare_rows, ctx);
  if (n_rows)
    *n_rows = n;
  return order;
}
