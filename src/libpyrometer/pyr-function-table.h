/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pyr-call-tree.h"

G_BEGIN_DECLS

/*
 * Per-function (name + file) or per-line (file + line) self and total weight
 * over a merged call tree. A function that recurses is counted once per sample
 * in its total. In the per-function table, callers and callees are edges with
 * the weight of the samples in which that call happened (also counted once).
 * Rows are in no particular order; pyr_function_table_get_sorted() orders them.
 */

#define PYR_TYPE_FUNCTION_TABLE (pyr_function_table_get_type ())
G_DECLARE_FINAL_TYPE (PyrFunctionTable, pyr_function_table, PYR, FUNCTION_TABLE, GObject)

typedef enum
{
  PYR_FUNCTION_TABLE_BY_FUNCTION,
  PYR_FUNCTION_TABLE_BY_LINE,
} PyrFunctionTableKey;

typedef enum
{
  PYR_FUNCTION_TABLE_SORT_SELF,
  PYR_FUNCTION_TABLE_SORT_TOTAL,
} PyrFunctionTableSort;

typedef struct
{
  guint32 row;     /* the caller (in get_callers) or the callee (in get_callees) */
  double  weight;
} PyrFunctionEdge;

PyrFunctionTable *pyr_function_table_new          (PyrCallTree          *tree,   /* MERGED */
                                                   PyrFunctionTableKey   key);
/* The table of a newer tree of the same profile and filter (a live recording that grew):
 * every row of previous keeps its number (new functions come after), so a row id stays
 * valid from one update to the next; frames previous had seen need no look-up. */
PyrFunctionTable *pyr_function_table_update       (PyrFunctionTable     *previous,
                                                   PyrCallTree          *tree);   /* MERGED */
/* TRUE when self came from older by updates: older's row ids mean the same in self. */
gboolean          pyr_function_table_extends      (PyrFunctionTable     *self,
                                                   PyrFunctionTable     *older);
/* Builds the merged tree and the table on a worker thread. */
void              pyr_function_table_new_async    (PyrProfile           *profile,
                                                   const PyrFilter      *filter,
                                                   PyrFunctionTableKey   key,
                                                   GCancellable         *cancellable,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);
PyrFunctionTable *pyr_function_table_new_finish   (GAsyncResult         *result,
                                                   GError              **error);

PyrCallTree      *pyr_function_table_get_tree     (PyrFunctionTable     *self);
PyrFunctionTableKey pyr_function_table_get_key    (PyrFunctionTable     *self);
double            pyr_function_table_get_total_weight (PyrFunctionTable *self);  /* = the tree's total */
guint             pyr_function_table_get_n_rows   (PyrFunctionTable     *self);
/* Row strings are profile string ids; name is 0 ("") in the per-line table. */
guint32           pyr_function_table_get_name     (PyrFunctionTable     *self,
                                                   guint32               row);
guint32           pyr_function_table_get_file     (PyrFunctionTable     *self,
                                                   guint32               row);
/* per-line: the line; per-function: the smallest line seen (0 = unknown) */
gint32            pyr_function_table_get_line     (PyrFunctionTable     *self,
                                                   guint32               row);
guint32           pyr_function_table_get_frame    (PyrFunctionTable     *self,
                                                   guint32               row);  /* one of its frames */
double            pyr_function_table_get_self     (PyrFunctionTable     *self,
                                                   guint32               row);
double            pyr_function_table_get_total    (PyrFunctionTable     *self,
                                                   guint32               row);
guint32           pyr_function_table_lookup_frame (PyrFunctionTable     *self,
                                                   guint32               frame);  /* PYR_ID_NONE if absent */
const PyrFunctionEdge *pyr_function_table_get_callers (PyrFunctionTable *self,
                                                       guint32           row,
                                                       guint            *n_edges);
const PyrFunctionEdge *pyr_function_table_get_callees (PyrFunctionTable *self,
                                                       guint32           row,
                                                       guint            *n_edges);
/* Rows with a non-zero total, heaviest first; free with g_free(). */
guint32          *pyr_function_table_get_sorted   (PyrFunctionTable     *self,
                                                   PyrFunctionTableSort  sort,
                                                   guint                *n_rows);

G_END_DECLS
