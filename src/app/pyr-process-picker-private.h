/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* For tests: the picker's parts. */

#include "pyr-process-picker.h"
#include "pyr-process-list.h"

G_BEGIN_DECLS

PyrProcessList *pyr_process_picker_get_process_list (PyrProcessPicker *self);
GtkEditable    *pyr_process_picker_get_search       (PyrProcessPicker *self);
/* the rows as shown (GtkTreeListRow items of PyrProcessInfo) */
GListModel     *pyr_process_picker_get_rows         (PyrProcessPicker *self);
/* selects the row at position, as a click would */
void            pyr_process_picker_select           (PyrProcessPicker *self,
                                                     guint             position);
gboolean        pyr_process_picker_get_follow       (PyrProcessPicker *self);
GtkColumnView  *pyr_process_picker_get_column_view  (PyrProcessPicker *self);
/* what Enter or a double click on the selected row does */
void            pyr_process_picker_activate_selected (PyrProcessPicker *self);

G_END_DECLS
