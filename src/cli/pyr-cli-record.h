/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* pyrometer-cli record: run the sampler, write a recording (or convert it), print a summary. */
int pyr_cli_record (int    argc,
                    char **argv);
/* pyrometer-cli dump: print every thread's current stack of a process. */
int pyr_cli_dump   (int    argc,
                    char **argv);

G_END_DECLS
