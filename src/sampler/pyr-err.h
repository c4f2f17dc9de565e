/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Error reporting for the sampler: functions return 0 or a negative errno and, when given a
 * struct pyr_err, leave a sentence a person can act on in it. */

#include <errno.h>

/* Sampler-specific failures, beyond errno values (negated like them). */
enum
{
  PYR_ENOTPYTHON  = 1000,  /* the process is not a Python interpreter (or not initialised) */
  PYR_EVERSION    = 1001,  /* a Python we cannot read (version named in the message) */
  PYR_EINCONSISTENT = 1002,/* a torn or garbage read: drop this sample */
  PYR_EEXITED     = 1003,  /* the target exited */
  PYR_EEXEC       = 1004,  /* launch mode: the command could not be run */
};

struct pyr_err
{
  int  code;
  char msg[512];
};

/* Sets err (if not NULL) and returns code (a negative number), so callers can write
 * `return pyr_err_set (err, -ENOENT, "...")`. */
int pyr_err_set (struct pyr_err *err,
                 int             code,
                 const char     *fmt,
                 ...) __attribute__ ((format (printf, 3, 4)));

/* Prepends context: "context: previous message". */
int pyr_err_prefix (struct pyr_err *err,
                    int             code,
                    const char     *fmt,
                    ...) __attribute__ ((format (printf, 3, 4)));
