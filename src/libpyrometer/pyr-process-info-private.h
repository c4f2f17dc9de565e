/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pyr-process-info.h"

G_BEGIN_DECLS

/* What one --list line says; PyrProcessList fills it and hands it to update(). */
typedef struct
{
  gint64   pid;
  gint64   ppid;
  gint64   uid;
  char    *user;
  char   **argv;
  char    *executable;
  char    *python;
  guint64  start_ticks;
  guint64  cpu_ticks;
  guint64  rss_bytes;
  char    *container;
  char    *container_id;
  gboolean needs_authorization;
  char    *reason;
} PyrProcessRecord;

void            pyr_process_record_clear  (PyrProcessRecord       *record);

PyrProcessInfo *pyr_process_info_new      (const PyrProcessRecord *record);
/* Takes the record's values, notifying the properties that change; cpu_percent computed by
 * the caller from two lists. */
void            pyr_process_info_update   (PyrProcessInfo         *self,
                                           const PyrProcessRecord *record,
                                           double                  cpu_percent);
guint64         pyr_process_info_get_cpu_ticks (PyrProcessInfo    *self);

G_END_DECLS
