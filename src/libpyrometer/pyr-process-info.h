/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/*
 * One Python process of the machine, as `pyrometer-sampler --list` describes it
 * (docs/process-list.md). A PyrProcessList keeps one object per process (pid + start time) and
 * updates its properties in place on every refresh, notifying only what changed.
 */

#define PYR_TYPE_PROCESS_INFO (pyr_process_info_get_type ())
G_DECLARE_FINAL_TYPE (PyrProcessInfo, pyr_process_info, PYR, PROCESS_INFO, GObject)

gint64              pyr_process_info_get_pid                 (PyrProcessInfo *self);
gint64              pyr_process_info_get_parent_pid          (PyrProcessInfo *self);
guint64             pyr_process_info_get_start_ticks         (PyrProcessInfo *self);
gint64              pyr_process_info_get_uid                 (PyrProcessInfo *self);
const char         *pyr_process_info_get_user                (PyrProcessInfo *self);
const char * const *pyr_process_info_get_argv                (PyrProcessInfo *self);
/* "python3.11 -m http.server 8000": the interpreter's name and its arguments (no loader) */
const char         *pyr_process_info_get_command_line        (PyrProcessInfo *self);
/* what the person recognises: "spin.py", "-m http.server", "gunicorn: master [app]" */
const char         *pyr_process_info_get_title               (PyrProcessInfo *self);
const char         *pyr_process_info_get_executable          (PyrProcessInfo *self);
const char         *pyr_process_info_get_python_version      (PyrProcessInfo *self);
double              pyr_process_info_get_cpu_percent         (PyrProcessInfo *self);
guint64             pyr_process_info_get_memory_bytes        (PyrProcessInfo *self);
const char         *pyr_process_info_get_container           (PyrProcessInfo *self);
gboolean            pyr_process_info_get_needs_authorization (PyrProcessInfo *self);
/* why attaching needs authorisation (the sampler's English sentence), or NULL */
const char         *pyr_process_info_get_reason              (PyrProcessInfo *self);

/* The title and command line for an argv as the sampler reports it (exposed for tests). */
void                pyr_process_info_describe_argv           (const char * const *argv,
                                                              char              **title,
                                                              char              **command_line);

G_END_DECLS
