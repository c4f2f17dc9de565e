/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/*
 * "Attach to Process…": a modal window listing the machine's Python processes (refreshed every
 * 2 s while shown, process trees collapsed into groups), with a search entry and a "Follow
 * subprocesses" switch. Attach (the button, Enter or a double click on a row) emits
 * "attach" (gint64 pid, gboolean follow_subprocesses, gboolean needs_authorization) and
 * closes the window; Cancel or Escape closes it without a signal.
 */

#define PYR_TYPE_PROCESS_PICKER (pyr_process_picker_get_type ())
G_DECLARE_FINAL_TYPE (PyrProcessPicker, pyr_process_picker, PYR, PROCESS_PICKER, AdwWindow)

GtkWidget *pyr_process_picker_new (GtkWindow *parent);

G_END_DECLS
