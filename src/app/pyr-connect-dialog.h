/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/*
 * "Connect to Sampler…": asks for the address of a `pyrometer-sampler --listen` (unix:PATH or
 * tcp:HOST:PORT), says where one comes from, and allows Connect only for a well-formed
 * address. Clicking Connect (or Enter in the entry) emits ::connect with the address; the
 * dialog then closes. Whoever shows it starts the recording (a PyrRecorder with
 * pyr_recorder_set_connect_address()).
 */

#define PYR_TYPE_CONNECT_DIALOG (pyr_connect_dialog_get_type ())
G_DECLARE_FINAL_TYPE (PyrConnectDialog, pyr_connect_dialog, PYR, CONNECT_DIALOG, AdwMessageDialog)

GtkWidget  *pyr_connect_dialog_new         (GtkWindow        *parent);
/* Pre-fills the entry (e.g. the address used last time). */
void        pyr_connect_dialog_set_address (PyrConnectDialog *self,
                                            const char       *address);
/* The address as typed, spaces around it removed. */
char       *pyr_connect_dialog_dup_address (PyrConnectDialog *self);

G_END_DECLS
