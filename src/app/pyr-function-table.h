/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pyr-flame-layout.h"

G_BEGIN_DECLS

/*
 * Functions of a profile with self and total weight, callers and callees.
 *
 * App-side until libpyrometer has its function table query; then this file
 * should become a thin adapter over it. A function is a (name, file) pair, so
 * py-spy's per-line frames of one function are merged. A function's total
 * counts each sample once, however deep it recurses.
 */
typedef struct _PyrFunctionTable PyrFunctionTable;

#define PYR_TYPE_FUNCTION_TABLE (pyr_function_table_get_type ())
GType              pyr_function_table_get_type           (void) G_GNUC_CONST;

PyrFunctionTable  *pyr_function_table_new                (PyrFlameTree      *tree);
PyrFunctionTable  *pyr_function_table_ref                (PyrFunctionTable  *table);
void               pyr_function_table_unref              (PyrFunctionTable  *table);

PyrFlameTree      *pyr_function_table_get_tree           (PyrFunctionTable  *table);
guint              pyr_function_table_get_n_functions    (PyrFunctionTable  *table);
const char        *pyr_function_table_get_name           (PyrFunctionTable  *table,
                                                          guint              function);
const char        *pyr_function_table_get_file           (PyrFunctionTable  *table,
                                                          guint              function);
double             pyr_function_table_get_self           (PyrFunctionTable  *table,
                                                          guint              function);
double             pyr_function_table_get_total          (PyrFunctionTable  *table,
                                                          guint              function);
guint64            pyr_function_table_get_samples        (PyrFunctionTable  *table,
                                                          guint              function);  /* total, as counted */
double             pyr_function_table_get_all            (PyrFunctionTable  *table);     /* the root's total */

/* PYR_ID_NONE for the root */
guint32            pyr_function_table_get_node_function  (PyrFunctionTable  *table,
                                                          guint32            node);
/* The profile frames (lines) that make up a function. */
const guint32     *pyr_function_table_get_frames         (PyrFunctionTable  *table,
                                                          guint              function,
                                                          guint             *n_frames);
/* The function's first node in the tree, widest first; PYR_ID_NONE if none. */
guint32            pyr_function_table_get_hottest_node   (PyrFunctionTable  *table,
                                                          guint              function);

typedef struct
{
  guint32 function;
  double  weight;
} PyrFunctionLink;

/* Direct callers / callees with the weight that flows through them, heaviest first. */
GArray            *pyr_function_table_get_callers        (PyrFunctionTable  *table,
                                                          guint              function);
GArray            *pyr_function_table_get_callees        (PyrFunctionTable  *table,
                                                          guint              function);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PyrFunctionTable, pyr_function_table_unref)

G_END_DECLS
