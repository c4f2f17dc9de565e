/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "pyr-process-info.h"

G_BEGIN_DECLS

/*
 * The Python processes of the machine as a GListModel of PyrProcessInfo, sorted by pid, from
 * `pyrometer-sampler --list` (run through pyr_sampler_build_argv(): inside a Flatpak the list
 * is the host's). While active it refreshes every 2 seconds; a process that is still there
 * (same pid and start time) keeps its object, whose properties change in place. The app's own
 * process and the sampler are never in the list.
 */

#define PYR_TYPE_PROCESS_LIST (pyr_process_list_get_type ())
G_DECLARE_FINAL_TYPE (PyrProcessList, pyr_process_list, PYR, PROCESS_LIST, GObject)

#define PYR_PROCESS_LIST_INTERVAL_MS 2000
/* a list still running after this long is stopped */
#define PYR_PROCESS_LIST_TIMEOUT_MS  10000

PyrProcessList *pyr_process_list_new            (void);
void            pyr_process_list_set_active     (PyrProcessList       *self,
                                                 gboolean              active);
gboolean        pyr_process_list_get_active     (PyrProcessList       *self);
void            pyr_process_list_refresh_async  (PyrProcessList       *self,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
gboolean        pyr_process_list_refresh_finish (PyrProcessList       *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);
/* Why the last refresh failed (the sampler could not be run, or said why), or NULL. */
const GError   *pyr_process_list_get_error      (PyrProcessList       *self);
/* The process with this pid, or NULL (not a new reference). */
PyrProcessInfo *pyr_process_list_lookup         (PyrProcessList       *self,
                                                 gint64                pid);
/* How many listed processes have pid as their parent. */
guint           pyr_process_list_count_children (PyrProcessList       *self,
                                                 gint64                pid);

/* Replaces the contents from --list output, as a refresh does (for tests and benchmarks). */
gboolean        pyr_process_list_apply_output   (PyrProcessList       *self,
                                                 const char           *output,
                                                 gsize                 len,
                                                 GError              **error);

G_END_DECLS
