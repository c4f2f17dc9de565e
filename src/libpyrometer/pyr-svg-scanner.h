/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <string.h>

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * A small, non-validating XML scanner for untrusted SVG files.
 *
 * It never reads anything but the buffer it is given: no network, no external entities,
 * no DTD processing (a DOCTYPE, internal subset included, is skipped), and no entity
 * expansion beyond the five predefined entities and numeric character references.
 * Nesting depth, attribute count and input size are bounded. Errors are in
 * PYR_IMPORT_ERROR and name the line and column.
 *
 * Names, attribute values and text are handed to the callbacks raw (pointers into the
 * input, not NUL-terminated); pyr_svg_decode() resolves references where a caller needs
 * the text, so the bulk of a document (scripts, styles, labels nobody reads) is never
 * copied.
 */

#define PYR_SVG_MAX_DEPTH      256
#define PYR_SVG_MAX_ATTRIBUTES 64
#define PYR_SVG_MAX_SIZE       ((gsize) G_MAXUINT32)

typedef struct _PyrSvgScanner PyrSvgScanner;

typedef struct
{
  const char *name;
  gsize       name_len;
  const char *value;      /* raw: references not yet resolved */
  gsize       value_len;
} PyrSvgAttr;

typedef struct
{
  gboolean (*start_element) (PyrSvgScanner     *scanner,
                             const char        *name,
                             gsize              name_len,
                             const PyrSvgAttr  *attrs,
                             guint              n_attrs,
                             gpointer           user_data,
                             GError           **error);
  gboolean (*end_element)   (PyrSvgScanner     *scanner,
                             const char        *name,
                             gsize              name_len,
                             gpointer           user_data,
                             GError           **error);
  /* Character data (raw) or a CDATA section (is_cdata, literal); may come in pieces. */
  gboolean (*text)          (PyrSvgScanner     *scanner,
                             const char        *text,
                             gsize              len,
                             gboolean           is_cdata,
                             gpointer           user_data,
                             GError           **error);
} PyrSvgScannerCallbacks;

gboolean pyr_svg_scan            (const char                   *data,
                                  gsize                         len,
                                  const PyrSvgScannerCallbacks *callbacks,
                                  gpointer                      user_data,
                                  GCancellable                 *cancellable,
                                  GError                      **error);

/* Byte offset of the construct being reported (for messages). */
gsize    pyr_svg_scanner_get_offset (PyrSvgScanner *scanner);

/* 1-based line and column of a byte offset in data. */
void     pyr_svg_position        (const char *data,
                                  gsize       len,
                                  gsize       offset,
                                  guint      *line,
                                  guint      *column);

/* Sets error to "line L, column C: <message>" in PYR_IMPORT_ERROR. */
void     pyr_svg_scanner_set_error (PyrSvgScanner *scanner,
                                    GError       **error,
                                    int            code,
                                    const char    *format,
                                    ...) G_GNUC_PRINTF (4, 5);

/*
 * Appends raw to out with references resolved. Fails on an unknown entity, a malformed
 * or out-of-range character reference, or a NUL byte. The result is not checked for UTF-8.
 */
gboolean pyr_svg_decode          (const char  *raw,
                                  gsize        len,
                                  GString     *out,
                                  GError     **error);

/* TRUE if raw equals the NUL-terminated literal (no references in either). */
static inline gboolean
pyr_svg_name_is (const char *raw,
                 gsize       len,
                 const char *literal)
{
  return strlen (literal) == len && memcmp (raw, literal, len) == 0;
}

G_END_DECLS
