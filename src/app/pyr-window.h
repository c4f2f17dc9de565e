/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "pyr-application.h"
#include "pyr-profile-page.h"
#include "pyr-recording-page.h"

G_BEGIN_DECLS

#define PYR_TYPE_WINDOW (pyr_window_get_type ())
G_DECLARE_FINAL_TYPE (PyrWindow, pyr_window, PYR, WINDOW, AdwApplicationWindow)

PyrWindow      *pyr_window_new              (PyrApplication  *application);
/* Opens each file in a tab of its own and selects the last one. */
void            pyr_window_open_files       (PyrWindow       *self,
                                             GFile          **files,
                                             guint            n_files);
AdwTabView     *pyr_window_get_tab_view     (PyrWindow       *self);
/* The selected tab's profile page (for a recording tab, the one inside it). */
PyrProfilePage *pyr_window_get_current_page (PyrWindow       *self);
/* The selected tab when it is a recording, else NULL. */
PyrRecordingPage *pyr_window_get_current_recording (PyrWindow *self);
/* Opens a recording tab for request and starts it (a failure shows in the tab). */
PyrRecordingPage *pyr_window_record         (PyrWindow                 *self,
                                             const PyrRecordingRequest *request);

G_END_DECLS
