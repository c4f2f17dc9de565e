/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/*
 * A read-only, terminal-like pane for what a launched program writes: monospace, follows the
 * end while the person has not scrolled up, and keeps at most "max-chars" characters (the
 * oldest lines go first) so a chatty program cannot grow the app without bound.
 */

#define PYR_OUTPUT_VIEW_DEFAULT_MAX_CHARS (256 * 1024)

#define PYR_TYPE_OUTPUT_VIEW (pyr_output_view_get_type ())
G_DECLARE_FINAL_TYPE (PyrOutputView, pyr_output_view, PYR, OUTPUT_VIEW, AdwBin)

GtkWidget *pyr_output_view_new           (void);
/* Bytes as they arrive: a UTF-8 sequence cut between two calls is joined; invalid bytes show
 * as replacement characters. */
void       pyr_output_view_append_bytes  (PyrOutputView *self,
                                          const char    *data,
                                          gsize          len);
/* A line of the app's own (exit status, notes), set apart from the program's output. */
void       pyr_output_view_append_note   (PyrOutputView *self,
                                          const char    *note);
void       pyr_output_view_set_max_chars (PyrOutputView *self,
                                          guint          max_chars);
char      *pyr_output_view_dup_text      (PyrOutputView *self);
GtkTextView *pyr_output_view_get_text_view (PyrOutputView *self);

G_END_DECLS
