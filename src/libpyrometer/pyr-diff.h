/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pyr-filter.h"

G_BEGIN_DECLS

/*
 * The difference of two profiles ("before" and "after"):
 * - a merged call tree matched by path (frames compared by name, file and
 *   line), each node with both sides' self and total;
 * - a per-function table (name + file) with both sides' self and total,
 *   sorted by the change of total, largest first.
 * Values are normalised: a fraction (0..1) of that side's total weight, so
 * profiles of different lengths or rates compare. Weights are time when both
 * profiles' units are time, sample counts otherwise (get_normalization()).
 * Node 0 is the root; nodes with both totals zero are not linked.
 */

#define PYR_TYPE_DIFF (pyr_diff_get_type ())
G_DECLARE_FINAL_TYPE (PyrDiff, pyr_diff, PYR, DIFF, GObject)

PyrDiff     *pyr_diff_new                  (PyrProfile          *before,
                                            const PyrFilter     *before_filter,
                                            PyrProfile          *after,
                                            const PyrFilter     *after_filter,
                                            GCancellable        *cancellable,
                                            GError             **error);
void         pyr_diff_new_async            (PyrProfile          *before,
                                            const PyrFilter     *before_filter,
                                            PyrProfile          *after,
                                            const PyrFilter     *after_filter,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
PyrDiff     *pyr_diff_new_finish           (GAsyncResult        *result,
                                            GError             **error);

const char  *pyr_diff_get_normalization    (PyrDiff             *self);  /* "time" or "samples" */
double       pyr_diff_get_before_weight    (PyrDiff             *self);  /* raw totals */
double       pyr_diff_get_after_weight     (PyrDiff             *self);

guint        pyr_diff_get_n_nodes          (PyrDiff             *self);
guint32      pyr_diff_get_parent           (PyrDiff             *self,
                                            guint32              node);
guint32      pyr_diff_get_first_child      (PyrDiff             *self,
                                            guint32              node);
guint32      pyr_diff_get_next_sibling     (PyrDiff             *self,
                                            guint32              node);
guint        pyr_diff_get_depth            (PyrDiff             *self,
                                            guint32              node);
const char  *pyr_diff_get_name             (PyrDiff             *self,
                                            guint32              node);
const char  *pyr_diff_get_file             (PyrDiff             *self,
                                            guint32              node);
gint32       pyr_diff_get_line             (PyrDiff             *self,
                                            guint32              node);
/* "name (file:line)"; free with g_free() */
char        *pyr_diff_format_node          (PyrDiff             *self,
                                            guint32              node);
double       pyr_diff_get_before_total     (PyrDiff             *self,
                                            guint32              node);
double       pyr_diff_get_after_total      (PyrDiff             *self,
                                            guint32              node);
double       pyr_diff_get_before_self      (PyrDiff             *self,
                                            guint32              node);
double       pyr_diff_get_after_self       (PyrDiff             *self,
                                            guint32              node);

guint        pyr_diff_get_n_functions      (PyrDiff             *self);  /* sorted by |change of total| */
const char  *pyr_diff_get_function_name    (PyrDiff             *self,
                                            guint                function);
const char  *pyr_diff_get_function_file    (PyrDiff             *self,
                                            guint                function);
gint32       pyr_diff_get_function_line    (PyrDiff             *self,
                                            guint                function);
double       pyr_diff_get_function_before_self  (PyrDiff        *self,
                                                 guint           function);
double       pyr_diff_get_function_after_self   (PyrDiff        *self,
                                                 guint           function);
double       pyr_diff_get_function_before_total (PyrDiff        *self,
                                                 guint           function);
double       pyr_diff_get_function_after_total  (PyrDiff        *self,
                                                 guint           function);

G_END_DECLS
