/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "pyr-recording-page.h"

G_BEGIN_DECLS

/*
 * "Record Command…": the command line (with a file chooser for the script), working folder,
 * environment additions (NAME=VALUE lines) and the sampler's options, remembered in GSettings.
 * Record emits ::record with a PyrRecordingRequest and closes the dialog; whoever shows it
 * starts the recording. A command line that does not parse shows why under it and keeps
 * Record insensitive.
 */

#define PYR_TYPE_RECORD_DIALOG (pyr_record_dialog_get_type ())
G_DECLARE_FINAL_TYPE (PyrRecordDialog, pyr_record_dialog, PYR, RECORD_DIALOG, AdwWindow)

GtkWidget           *pyr_record_dialog_new              (GtkWindow       *parent);
void                 pyr_record_dialog_set_command_line (PyrRecordDialog *self,
                                                         const char      *command_line);
void                 pyr_record_dialog_set_working_directory (PyrRecordDialog *self,
                                                              const char      *path);
/* One NAME=VALUE per line. */
void                 pyr_record_dialog_set_environment  (PyrRecordDialog *self,
                                                         const char      *text);
/* What Record would start; NULL with the reason when the fields do not make one. */
PyrRecordingRequest *pyr_record_dialog_dup_request      (PyrRecordDialog *self,
                                                         GError         **error);
/* As clicking Record. */
void                 pyr_record_dialog_record           (PyrRecordDialog *self);

G_END_DECLS
