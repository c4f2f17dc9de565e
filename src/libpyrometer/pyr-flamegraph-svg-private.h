/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The interactive part of exported flame graphs: zoom, search, reset (plain JS, no deps). */
extern const char pyr_flamegraph_svg_script[];

G_END_DECLS
