/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Autosaved recordings. Every recording the app makes streams into a file of its own in
 * $XDG_STATE_HOME/pyrometer/recordings/ (g_get_user_state_dir(): data that should outlive a
 * restart but is not a document the person chose to keep; unlike the cache folder, nothing
 * cleans it behind our back while a recording is the only copy).
 *
 * Beside "NAME.pyrometer" a lock marker "NAME.pyrometer.lock" holds the recording app's
 * process id while it records. A marker whose process is gone means the app was killed (or the
 * machine went down) mid-recording: pyr_autosave_list_interrupted() finds those so the next
 * start can offer them. An END record is not the test: a sampler that is killed leaves none
 * either, and then the app, still running, keeps the data and ends the recording itself.
 *
 * Recordings that ended (lock released) and were not saved elsewhere stay until
 * pyr_autosave_prune() keeps only the newest PYR_AUTOSAVE_KEEP of them.
 */

#define PYR_AUTOSAVE_KEEP 10

/* The folder (created on demand by pyr_autosave_create()). */
GFile     *pyr_autosave_get_dir             (void);
/* A new, empty recording file with its lock marker in place. */
GFile     *pyr_autosave_create              (GError   **error);
/* The recording ended cleanly (or was reopened after a crash): remove the lock marker. */
void       pyr_autosave_release             (GFile     *file);
/* Delete the recording and its marker (saved elsewhere, or discarded). */
void       pyr_autosave_discard             (GFile     *file);
/* Whether file lives in the autosave folder. */
gboolean   pyr_autosave_contains            (GFile     *file);
/* Recordings whose lock marker names a process that no longer runs, newest first
 * (GFile elements). Empty ones are discarded on the way. */
GPtrArray *pyr_autosave_list_interrupted    (void);
/* Deletes released recordings beyond the newest keep ones; returns how many went. */
guint      pyr_autosave_prune               (guint      keep);

G_END_DECLS
