/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Progress of a long operation (import, load, query), fraction in [0, 1].
 * Importers call it from the thread they run on, at most a few hundred times
 * per file; the async loader forwards it to the caller's main context.
 */
typedef void (*PyrProgressFunc) (double   fraction,
                                 gpointer user_data);

G_END_DECLS
