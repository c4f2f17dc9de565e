/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "pyr-flame-layout.h"
#include "pyr-function-table.h"

G_BEGIN_DECLS

/*
 * The selected frame of the flame graph in detail: its stack from the root
 * down to it, and its function's callers and callees across the whole
 * profile (from the functions table). Activating an entry emits
 * "node-activated" (a stack entry: a node of the tree) or
 * "function-activated" (a caller or callee: a row of the table).
 */
#define PYR_TYPE_DETAILS_PANE (pyr_details_pane_get_type ())
G_DECLARE_FINAL_TYPE (PyrDetailsPane, pyr_details_pane, PYR, DETAILS_PANE, GtkWidget)

typedef enum
{
  PYR_DETAILS_STACK,
  PYR_DETAILS_CALLERS,
  PYR_DETAILS_CALLEES,
} PyrDetailsSection;

GtkWidget *pyr_details_pane_new           (void);
/* node PYR_ID_NONE (or the root) shows a hint; table may be NULL (no callers/callees). */
void       pyr_details_pane_set_node      (PyrDetailsPane    *self,
                                           PyrFlameTree      *tree,
                                           PyrFunctionTable  *table,
                                           guint32            node);
guint32    pyr_details_pane_get_node      (PyrDetailsPane    *self);
guint      pyr_details_pane_get_n_entries (PyrDetailsPane    *self,
                                           PyrDetailsSection  section);
/* A stack entry's node, or a caller's / callee's table row; PYR_ID_NONE past the end. */
guint32    pyr_details_pane_get_entry     (PyrDetailsPane    *self,
                                           PyrDetailsSection  section,
                                           guint              index);
/* As a click on the entry does. */
void       pyr_details_pane_activate      (PyrDetailsPane    *self,
                                           PyrDetailsSection  section,
                                           guint              index);

G_END_DECLS
