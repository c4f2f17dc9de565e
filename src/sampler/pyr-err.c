/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pyr-err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int
pyr_err_set (struct pyr_err *err,
             int             code,
             const char     *fmt,
             ...)
{
  va_list ap;

  if (err == NULL)
    return code;

  err->code = code;
  va_start (ap, fmt);
  vsnprintf (err->msg, sizeof err->msg, fmt, ap);
  va_end (ap);
  return code;
}

int
pyr_err_prefix (struct pyr_err *err,
                int             code,
                const char     *fmt,
                ...)
{
  char prefix[256];
  char old[sizeof err->msg];
  va_list ap;

  if (err == NULL)
    return code;

  va_start (ap, fmt);
  vsnprintf (prefix, sizeof prefix, fmt, ap);
  va_end (ap);
  memcpy (old, err->msg, sizeof old);
  old[sizeof old - 1] = '\0';
  err->code = code;
  snprintf (err->msg, sizeof err->msg, "%.200s: %.300s", prefix, old);
  return code;
}
