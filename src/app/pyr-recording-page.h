/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "pyr-profile-page.h"
#include "pyr-recorder.h"

G_BEGIN_DECLS

/*
 * What to record, kept so a recording can be started again (Authorize and Retry): a process
 * (pid), a command (argv), or a listening sampler (connect_address), and the sampler's options.
 */
typedef struct
{
  gint64   pid;
  char   **argv;
  char    *working_directory;
  char   **environment;        /* NAME=VALUE additions */
  char    *connect_address;
  double   rate;
  double   duration;           /* 0: until stopped */
  gboolean idle;
  gboolean gil_only;
  gboolean subprocesses;
  gboolean native;
  gboolean privileged;         /* through pkexec */
} PyrRecordingRequest;

#define PYR_TYPE_RECORDING_REQUEST (pyr_recording_request_get_type ())
GType                pyr_recording_request_get_type (void) G_GNUC_CONST;
PyrRecordingRequest *pyr_recording_request_new      (void);
PyrRecordingRequest *pyr_recording_request_copy     (const PyrRecordingRequest *request);
void                 pyr_recording_request_free     (PyrRecordingRequest       *request);
/* A recorder set up as the request says (not started). */
PyrRecorder         *pyr_recording_request_create_recorder (const PyrRecordingRequest *request);
/* "demo.py", "PID 1234", "tcp:host:1234": a tab title. */
char                *pyr_recording_request_dup_title (const PyrRecordingRequest *request);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PyrRecordingRequest, pyr_recording_request_free)

/*
 * A recording tab: a header with the live figures (elapsed time, samples, achieved rate,
 * errors, lag) and Pause view / Stop, the live profile page, and the launched program's
 * output. The sampler streams into an autosave file (pyr-autosave.h) as well as the profile.
 * When the recording ends (Stop, the program exits, the sampler fails) everything recorded
 * stays and the page reads as an ordinary profile; a failure shows the recorder's message in a
 * banner, with "Authorize and Retry" when the sampler was refused permission.
 */

#define PYR_TYPE_RECORDING_PAGE (pyr_recording_page_get_type ())
G_DECLARE_FINAL_TYPE (PyrRecordingPage, pyr_recording_page, PYR, RECORDING_PAGE, AdwBin)

PyrRecordingPage *pyr_recording_page_new              (const PyrRecordingRequest *request);
/* Starts recording into a new autosave file; FALSE with error when it cannot start at all
 * (the page then shows the error too). */
gboolean          pyr_recording_page_start            (PyrRecordingPage *self,
                                                       GError          **error);
void              pyr_recording_page_stop             (PyrRecordingPage *self);
/* Starts again with the same request through pkexec (after PERMISSION_DENIED). */
gboolean          pyr_recording_page_retry_privileged (PyrRecordingPage *self,
                                                       GError          **error);
gboolean          pyr_recording_page_get_recording    (PyrRecordingPage *self);
/* The recorder of the current attempt (NULL before the start). */
PyrRecorder      *pyr_recording_page_get_recorder     (PyrRecordingPage *self);
const PyrRecordingRequest *pyr_recording_page_get_request (PyrRecordingPage *self);
PyrProfilePage   *pyr_recording_page_get_profile_page (PyrRecordingPage *self);
/* The autosave file the stream goes to; NULL once saved elsewhere or discarded. */
GFile            *pyr_recording_page_get_file         (PyrRecordingPage *self);
const char       *pyr_recording_page_get_title        (PyrRecordingPage *self);
/* The recorder's error once the recording failed, or NULL. */
const GError     *pyr_recording_page_get_error        (PyrRecordingPage *self);
/* Text of the output pane (for tests). */
char             *pyr_recording_page_dup_output       (PyrRecordingPage *self);
/* Save to file: a copy of the recorded stream for .pyrometer, else an export. The autosave
 * copy is deleted once a .pyrometer copy exists. */
gboolean          pyr_recording_page_save             (PyrRecordingPage *self,
                                                       GFile            *file,
                                                       GError          **error);

G_END_DECLS
