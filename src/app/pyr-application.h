/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define PYR_TYPE_APPLICATION (pyr_application_get_type ())
G_DECLARE_FINAL_TYPE (PyrApplication, pyr_application, PYR, APPLICATION, AdwApplication)

PyrApplication *pyr_application_new (void);

G_END_DECLS
