/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdio.h>

#include "pyr-profile-loader.h"

G_BEGIN_DECLS

int         pyr_cli_report          (int          argc,
                                     char       **argv);
int         pyr_cli_convert         (int          argc,
                                     char       **argv);
int         pyr_cli_diff            (int          argc,
                                     char       **argv);

/* Loads a profile; on failure prints one line naming the file, the format and the problem. */
PyrProfile *pyr_cli_load            (const char  *command,
                                     const char  *path);
void        pyr_cli_print_error     (const char  *command,
                                     const GError *error);
/* "1.25s", "340ms", "12", "1.5 MB": a weight in the profile's units */
char       *pyr_cli_format_weight   (double       weight,
                                     const char  *units);
/* Columns a terminal gives the text (wide characters count two): for tables whose headers
 * are translated, so widths come from the words, not from English. */
guint       pyr_cli_text_width      (const char  *text);
/* text padded with spaces to width columns, on the right (align_left) or on the left */
void        pyr_cli_append_padded   (GString     *out,
                                     const char  *text,
                                     guint        width,
                                     gboolean     align_left);
/* A JSON string literal, quotes included */
void        pyr_cli_append_json_string (GString  *out,
                                        const char *str);

G_END_DECLS
