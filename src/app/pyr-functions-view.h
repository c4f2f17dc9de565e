/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "pyr-function-table.h"

G_BEGIN_DECLS

#define PYR_TYPE_FUNCTIONS_VIEW (pyr_functions_view_get_type ())
G_DECLARE_FINAL_TYPE (PyrFunctionsView, pyr_functions_view, PYR, FUNCTIONS_VIEW, GtkWidget)

GtkWidget        *pyr_functions_view_new                   (void);
void              pyr_functions_view_set_table             (PyrFunctionsView  *self,
                                                            PyrFunctionTable  *table);
PyrFunctionTable *pyr_functions_view_get_table             (PyrFunctionsView  *self);
/* A new table of the same profile (e.g. with more samples): the selected function and
 * the scroll position stay. A table updated from the one shown (pyr_function_table_update)
 * changes the rows in place, and only once the view is mapped: hidden, it costs nothing. */
void              pyr_functions_view_replace_table         (PyrFunctionsView  *self,
                                                            PyrFunctionTable  *table);
/* Shows only functions whose name or file contains text (or matches it as a regex). */
void              pyr_functions_view_set_filter            (PyrFunctionsView  *self,
                                                            const char        *text,
                                                            gboolean           regex);
/* PYR_ID_NONE when nothing is selected */
guint32           pyr_functions_view_get_selected_function (PyrFunctionsView  *self);
void              pyr_functions_view_select_function       (PyrFunctionsView  *self,
                                                            guint32            function);
/* The function shown in a row of the sorted, filtered table; PYR_ID_NONE past the end. */
guint32           pyr_functions_view_get_row_function      (PyrFunctionsView  *self,
                                                            guint              row);
guint             pyr_functions_view_get_n_rows            (PyrFunctionsView  *self);
/* The rows as shown (sorted, filtered), without catching up with a deferred update. */
GListModel       *pyr_functions_view_get_model             (PyrFunctionsView  *self);
/* TRUE while a big table is still being sorted or filtered (in slices between frames) */
gboolean          pyr_functions_view_get_pending           (PyrFunctionsView  *self);
guint             pyr_functions_view_get_n_callers         (PyrFunctionsView  *self);
guint             pyr_functions_view_get_n_callees         (PyrFunctionsView  *self);

G_END_DECLS
