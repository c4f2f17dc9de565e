/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "pyr-application.h"

G_BEGIN_DECLS

#define PYR_TYPE_WINDOW (pyr_window_get_type ())
G_DECLARE_FINAL_TYPE (PyrWindow, pyr_window, PYR, WINDOW, AdwApplicationWindow)

PyrWindow *pyr_window_new (PyrApplication *application);

G_END_DECLS
