/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Errors of importers, exporters and the loader. Messages name the problem and
 * where it is (line, byte offset or JSON path), e.g.
 * "line 12: no sample count after the stack".
 */
#define PYR_IMPORT_ERROR (pyr_import_error_quark ())

typedef enum
{
  PYR_IMPORT_ERROR_INVALID,      /* malformed input */
  PYR_IMPORT_ERROR_TRUNCATED,    /* input ends early */
  PYR_IMPORT_ERROR_UNSUPPORTED,  /* valid, but a format or version we do not read */
  PYR_IMPORT_ERROR_CANCELLED,    /* the GCancellable fired (G_IO_ERROR_CANCELLED is also accepted) */
  PYR_IMPORT_ERROR_TOO_LARGE,    /* a limit (size, depth, count) was exceeded */
  PYR_IMPORT_ERROR_EMPTY,        /* no samples at all */
} PyrImportError;

GQuark pyr_import_error_quark (void);

G_END_DECLS
