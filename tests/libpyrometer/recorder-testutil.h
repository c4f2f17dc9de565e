/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What the PyrRecorder tests (launched, attached, connected, unprivileged) share. */

#include "pyr-profile.h"
#include "pyr-recorder.h"

G_BEGIN_DECLS

/* The interpreter the tests record: /usr/bin/python3.11, else /usr/bin/python3; NULL when
 * neither is there. */
const char *rtu_find_python         (void);

/* TRUE (and the test is marked skipped, saying why) when python is NULL. */
gboolean    rtu_skip_without_python (const char *python);

/* A source that aborts the test after seconds unless it is removed first. */
guint       rtu_add_deadline        (guint         seconds);

/* Waits, iterating the default main context, until the recording ends; aborts the test
 * after 60 s.  FALSE with error when it ended in an error. */
gboolean    rtu_wait                (PyrRecorder  *recorder,
                                     GCancellable *cancellable,
                                     GError      **error);

/* The name of the function with the most self weight, and that weight's share (0..1). */
char       *rtu_hottest_function    (PyrProfile   *profile,
                                     double       *share);

/* Removes a directory and everything under it. */
void        rtu_remove_tree         (const char   *path);

G_END_DECLS
