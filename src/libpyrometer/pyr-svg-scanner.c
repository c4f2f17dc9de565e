/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "pyr-svg-scanner.h"

#include <glib/gi18n-lib.h>

#include "pyr-error.h"

/*
 * Measured against GMarkupParseContext on generated flame graphs (bench/bench-svg), this
 * scanner is several times faster: it finds '<' and quotes with memchr, keeps names and
 * values as pointers into the input, resolves references only on request, and counts lines
 * only when it reports an error.
 */

typedef struct
{
  const char *name;
  gsize       name_len;
  gsize       offset;
} OpenElement;

struct _PyrSvgScanner
{
  const char  *data;
  gsize        len;
  gsize        offset;   /* of the construct being handled, for messages */
  guint        depth;
  OpenElement  open[PYR_SVG_MAX_DEPTH];
  PyrSvgAttr   attrs[PYR_SVG_MAX_ATTRIBUTES];
};

enum { C_SPACE = 1 << 0, C_NAME_START = 1 << 1, C_NAME = 1 << 2 };

static guint8 char_class[256];

static void
init_char_class (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      for (guint c = 0; c < 256; c++)
        {
          guint8 k = 0;

          if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
            k |= C_SPACE;
          if (g_ascii_isalpha (c) || c == '_' || c == ':' || c >= 0x80)
            k |= C_NAME_START | C_NAME;
          if (g_ascii_isdigit (c) || c == '.' || c == '-')
            k |= C_NAME;
          char_class[c] = k;
        }
      g_once_init_leave (&initialized, 1);
    }
}

#define IS(c, k) ((char_class[(guint8) (c)] & (k)) != 0)

void
pyr_svg_position (const char *data,
                  gsize       len,
                  gsize       offset,
                  guint      *line,
                  guint      *column)
{
  const char *p = data;
  const char *end = data + MIN (offset, len);
  const char *line_start = data;
  guint n = 1;

  while (p < end)
    {
      const char *nl = memchr (p, '\n', end - p);

      if (nl == NULL)
        break;
      n++;
      p = line_start = nl + 1;
    }

  *line = n;
  /* Columns count characters, not bytes, so editors agree with the message. */
  *column = 1 + (guint) g_utf8_strlen (line_start, end - line_start);
}

gsize
pyr_svg_scanner_get_offset (PyrSvgScanner *scanner)
{
  return scanner->offset;
}

static void
set_error_at (PyrSvgScanner  *scanner,
              gsize           offset,
              GError        **error,
              int             code,
              const char     *message)
{
  guint line, column;

  pyr_svg_position (scanner->data, scanner->len, offset, &line, &column);
  g_set_error (error, PYR_IMPORT_ERROR, code,
               _("line %u, column %u: %s"), line, column, message);
}

void
pyr_svg_scanner_set_error (PyrSvgScanner  *scanner,
                           GError        **error,
                           int             code,
                           const char     *format,
                           ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  set_error_at (scanner, scanner->offset, error, code, message);
}

static gboolean
fail (PyrSvgScanner  *scanner,
      gsize           offset,
      GError        **error,
      int             code,
      const char     *message)
{
  set_error_at (scanner, offset, error, code, message);
  return FALSE;
}

static gboolean
truncated (PyrSvgScanner  *scanner,
           gsize           offset,
           GError        **error,
           const char     *what)
{
  g_autofree char *message = g_strdup_printf (_("the file ends inside %s"), what);

  return fail (scanner, offset, error, PYR_IMPORT_ERROR_TRUNCATED, message);
}

static gsize
skip_space (const char *data,
            gsize       len,
            gsize       p)
{
  while (p < len && IS (data[p], C_SPACE))
    p++;
  return p;
}

/* Returns the end of a name starting at p, or p if there is none. */
static gsize
scan_name (const char *data,
           gsize       len,
           gsize       p)
{
  if (p >= len || !IS (data[p], C_NAME_START))
    return p;
  p++;
  while (p < len && IS (data[p], C_NAME))
    p++;
  return p;
}

/* Offset just past the terminator, or 0 if it does not occur. */
static gsize
find_after (const char *data,
            gsize       len,
            gsize       from,
            const char *terminator)
{
  gsize tlen = strlen (terminator);
  const char *hit;

  if (from > len)
    return 0;
  hit = memmem (data + from, len - from, terminator, tlen);
  return hit ? (gsize) (hit - data) + tlen : 0;
}

static gboolean
skip_doctype (PyrSvgScanner  *scanner,
              gsize          *pos,
              GError        **error)
{
  const char *data = scanner->data;
  gsize len = scanner->len;
  gsize p = *pos + strlen ("<!DOCTYPE");
  gboolean in_subset = FALSE;

  /* Declarations in an internal subset are skipped, never applied: no entity they define is
   * expanded, and no external identifier is ever fetched. */
  while (p < len)
    {
      char c = data[p];

      if (c == '"' || c == '\'')
        {
          const char *q = memchr (data + p + 1, c, len - p - 1);

          if (q == NULL)
            break;
          p = (gsize) (q - data) + 1;
        }
      else if (in_subset && c == '<' && p + 3 < len && memcmp (data + p, "<!--", 4) == 0)
        {
          gsize after = find_after (data, len, p + 4, "-->");

          if (after == 0)
            break;
          p = after;
        }
      else if (c == '[' || c == ']')
        {
          in_subset = c == '[';
          p++;
        }
      else if (c == '>' && !in_subset)
        {
          *pos = p + 1;
          return TRUE;
        }
      else
        p++;
    }

  return truncated (scanner, *pos, error, _("the DOCTYPE declaration"));
}

static gboolean
scan_start_tag (PyrSvgScanner                 *scanner,
                gsize                         *pos,
                gboolean                      *closed_root,
                const PyrSvgScannerCallbacks  *callbacks,
                gpointer                       user_data,
                GError                       **error)
{
  const char *data = scanner->data;
  gsize len = scanner->len;
  gsize start = *pos;
  gsize p = start + 1;
  gsize name_end = scan_name (data, len, p);
  const char *name = data + p;
  gsize name_len = name_end - p;
  guint n_attrs = 0;
  gboolean self_closing = FALSE;

  if (name_len == 0)
    return fail (scanner, start, error, PYR_IMPORT_ERROR_INVALID,
                 _("'<' is not followed by an element name"));

  p = name_end;
  for (;;)
    {
      gsize after_space = skip_space (data, len, p);
      gsize attr_start, attr_end, value_start;
      const char *close;
      char quote;

      if (after_space >= len)
        return truncated (scanner, start, error, _("a start tag"));

      p = after_space;
      if (data[p] == '>')
        {
          p++;
          break;
        }
      if (data[p] == '/')
        {
          if (p + 1 >= len)
            return truncated (scanner, start, error, _("a start tag"));
          if (data[p + 1] != '>')
            return fail (scanner, p, error, PYR_IMPORT_ERROR_INVALID,
                         _("'/' in a tag is not followed by '>'"));
          p += 2;
          self_closing = TRUE;
          break;
        }

      attr_start = p;
      attr_end = scan_name (data, len, p);
      if (attr_end == attr_start)
        return fail (scanner, p, error, PYR_IMPORT_ERROR_INVALID,
                     _("unexpected character in a tag"));
      if (data[attr_start - 1] != ' ' && !IS (data[attr_start - 1], C_SPACE))
        return fail (scanner, p, error, PYR_IMPORT_ERROR_INVALID,
                     _("attributes must be separated by white space"));

      p = skip_space (data, len, attr_end);
      if (p >= len)
        return truncated (scanner, start, error, _("a start tag"));
      if (data[p] != '=')
        return fail (scanner, p, error, PYR_IMPORT_ERROR_INVALID,
                     _("an attribute name is not followed by '='"));
      p = skip_space (data, len, p + 1);
      if (p >= len)
        return truncated (scanner, start, error, _("a start tag"));
      quote = data[p];
      if (quote != '"' && quote != '\'')
        return fail (scanner, p, error, PYR_IMPORT_ERROR_INVALID,
                     _("an attribute value is not quoted"));
      value_start = p + 1;
      close = memchr (data + value_start, quote, len - value_start);
      if (close == NULL)
        return truncated (scanner, start, error, _("an attribute value"));
      if (memchr (data + value_start, '<', (gsize) (close - data) - value_start) != NULL)
        return fail (scanner, value_start, error, PYR_IMPORT_ERROR_INVALID,
                     _("'<' inside an attribute value"));

      if (n_attrs == PYR_SVG_MAX_ATTRIBUTES)
        return fail (scanner, attr_start, error, PYR_IMPORT_ERROR_TOO_LARGE,
                     _("an element has too many attributes"));

      scanner->attrs[n_attrs].name = data + attr_start;
      scanner->attrs[n_attrs].name_len = attr_end - attr_start;
      scanner->attrs[n_attrs].value = data + value_start;
      scanner->attrs[n_attrs].value_len = (gsize) (close - data) - value_start;
      n_attrs++;
      p = (gsize) (close - data) + 1;
    }

  if (scanner->depth >= PYR_SVG_MAX_DEPTH)
    {
      g_autofree char *message =
        g_strdup_printf (_("elements are nested more than %u deep"), PYR_SVG_MAX_DEPTH);

      return fail (scanner, start, error, PYR_IMPORT_ERROR_TOO_LARGE, message);
    }

  scanner->offset = start;
  if (callbacks->start_element != NULL &&
      !callbacks->start_element (scanner, name, name_len, scanner->attrs, n_attrs, user_data, error))
    return FALSE;

  if (self_closing)
    {
      if (callbacks->end_element != NULL &&
          !callbacks->end_element (scanner, name, name_len, user_data, error))
        return FALSE;
      if (scanner->depth == 0)
        *closed_root = TRUE;
    }
  else
    {
      OpenElement *open = &scanner->open[scanner->depth++];

      open->name = name;
      open->name_len = name_len;
      open->offset = start;
    }

  *pos = p;
  return TRUE;
}

static gboolean
scan_end_tag (PyrSvgScanner                 *scanner,
              gsize                         *pos,
              gboolean                      *closed_root,
              const PyrSvgScannerCallbacks  *callbacks,
              gpointer                       user_data,
              GError                       **error)
{
  const char *data = scanner->data;
  gsize len = scanner->len;
  gsize start = *pos;
  gsize name_end = scan_name (data, len, start + 2);
  gsize name_len = name_end - (start + 2);
  OpenElement *open;
  gsize p;

  if (name_len == 0)
    {
      if (name_end >= len)
        return truncated (scanner, start, error, _("an end tag"));
      return fail (scanner, start, error, PYR_IMPORT_ERROR_INVALID,
                   _("'</' is not followed by an element name"));
    }

  p = skip_space (data, len, name_end);
  if (p >= len)
    return truncated (scanner, start, error, _("an end tag"));
  if (data[p] != '>')
    return fail (scanner, p, error, PYR_IMPORT_ERROR_INVALID,
                 _("unexpected character in an end tag"));

  if (scanner->depth == 0)
    return fail (scanner, start, error, PYR_IMPORT_ERROR_INVALID,
                 _("an end tag without a matching start tag"));

  open = &scanner->open[scanner->depth - 1];
  if (open->name_len != name_len || memcmp (open->name, data + start + 2, name_len) != 0)
    {
      g_autofree char *expected = g_utf8_make_valid (open->name, MIN (open->name_len, 64));
      g_autofree char *message = NULL;
      guint line, column;

      pyr_svg_position (data, len, open->offset, &line, &column);
      message = g_strdup_printf (_("the end tag does not match <%s> opened on line %u"),
                                 expected, line);
      return fail (scanner, start, error, PYR_IMPORT_ERROR_INVALID, message);
    }

  scanner->offset = start;
  if (callbacks->end_element != NULL &&
      !callbacks->end_element (scanner, open->name, open->name_len, user_data, error))
    return FALSE;

  if (--scanner->depth == 0)
    *closed_root = TRUE;

  *pos = p + 1;
  return TRUE;
}

gboolean
pyr_svg_scan (const char                    *data,
              gsize                          len,
              const PyrSvgScannerCallbacks  *callbacks,
              gpointer                       user_data,
              GCancellable                  *cancellable,
              GError                       **error)
{
  g_autofree PyrSvgScanner *scanner = NULL;
  gboolean seen_root = FALSE;
  gboolean closed_root = FALSE;
  guint until_cancel_check = 0;
  gsize pos = 0;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (callbacks != NULL, FALSE);

  init_char_class ();

  scanner = g_new0 (PyrSvgScanner, 1);
  scanner->data = data;
  scanner->len = len;

  if (len > PYR_SVG_MAX_SIZE)
    return fail (scanner, 0, error, PYR_IMPORT_ERROR_TOO_LARGE,
                 _("the file is larger than 4 GiB"));

  if (len >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    pos = 3;
  else if (len >= 2 && ((guint8) data[0] == 0xFF || (guint8) data[0] == 0xFE) &&
           ((guint8) data[1] == 0xFF || (guint8) data[1] == 0xFE))
    return fail (scanner, 0, error, PYR_IMPORT_ERROR_UNSUPPORTED,
                 _("UTF-16 SVG files are not supported; convert the file to UTF-8"));

  while (pos < len)
    {
      const char *data_pos = data + pos;

      if (until_cancel_check-- == 0)
        {
          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            return FALSE;
          until_cancel_check = 4096;
        }

      if (*data_pos != '<')
        {
          const char *lt = memchr (data_pos, '<', len - pos);
          gsize end = lt ? (gsize) (lt - data) : len;

          if (scanner->depth > 0)
            {
              scanner->offset = pos;
              if (callbacks->text != NULL &&
                  !callbacks->text (scanner, data_pos, end - pos, FALSE, user_data, error))
                return FALSE;
            }
          else if (skip_space (data, end, pos) != end)
            return fail (scanner, skip_space (data, end, pos), error, PYR_IMPORT_ERROR_INVALID,
                         seen_root ? _("text after the root element")
                                   : _("text before the root element; this is not an XML file"));
          pos = end;
          continue;
        }

      if (pos + 1 >= len)
        return truncated (scanner, pos, error, _("a tag"));

      switch (data_pos[1])
        {
        case '/':
          if (!scan_end_tag (scanner, &pos, &closed_root, callbacks, user_data, error))
            return FALSE;
          break;

        case '?':
          {
            gsize after = find_after (data, len, pos + 2, "?>");

            if (after == 0)
              return truncated (scanner, pos, error, _("a processing instruction"));
            pos = after;
          }
          break;

        case '!':
          if (len - pos >= 4 && memcmp (data_pos, "<!--", 4) == 0)
            {
              gsize after = find_after (data, len, pos + 4, "-->");

              if (after == 0)
                return truncated (scanner, pos, error, _("a comment"));
              pos = after;
            }
          else if (len - pos >= 9 && memcmp (data_pos, "<![CDATA[", 9) == 0)
            {
              gsize after = find_after (data, len, pos + 9, "]]>");

              if (after == 0)
                return truncated (scanner, pos, error, _("a CDATA section"));
              if (scanner->depth == 0)
                return fail (scanner, pos, error, PYR_IMPORT_ERROR_INVALID,
                             _("a CDATA section outside the root element"));
              scanner->offset = pos;
              if (callbacks->text != NULL &&
                  !callbacks->text (scanner, data_pos + 9, after - 3 - (pos + 9), TRUE,
                                    user_data, error))
                return FALSE;
              pos = after;
            }
          else if (len - pos >= 9 && memcmp (data_pos, "<!DOCTYPE", 9) == 0)
            {
              if (seen_root)
                return fail (scanner, pos, error, PYR_IMPORT_ERROR_INVALID,
                             _("a DOCTYPE after the root element started"));
              if (!skip_doctype (scanner, &pos, error))
                return FALSE;
            }
          else if (len - pos < 9)
            return truncated (scanner, pos, error, _("a markup declaration"));
          else
            return fail (scanner, pos, error, PYR_IMPORT_ERROR_INVALID,
                         _("unknown markup declaration"));
          break;

        default:
          if (closed_root)
            return fail (scanner, pos, error, PYR_IMPORT_ERROR_INVALID,
                         _("a second root element"));
          seen_root = TRUE;
          if (!scan_start_tag (scanner, &pos, &closed_root, callbacks, user_data, error))
            return FALSE;
          break;
        }
    }

  if (scanner->depth > 0)
    {
      const OpenElement *open = &scanner->open[scanner->depth - 1];
      g_autofree char *name = g_utf8_make_valid (open->name, MIN (open->name_len, 64));
      g_autofree char *message = NULL;
      guint line, column;

      pyr_svg_position (data, len, open->offset, &line, &column);
      message = g_strdup_printf (_("the file ends before <%s> (line %u) is closed"), name, line);
      return fail (scanner, len, error, PYR_IMPORT_ERROR_TRUNCATED, message);
    }

  if (!seen_root)
    return fail (scanner, len, error, len == 0 ? PYR_IMPORT_ERROR_EMPTY : PYR_IMPORT_ERROR_INVALID,
                 len == 0 ? _("the file is empty") : _("the file has no XML element"));

  return TRUE;
}

/* The reference is quoted, cut to a few bytes, so a message never carries a whole file. */
#define DECODE_FAIL(format, ref, ref_len)                                            \
  G_STMT_START {                                                                     \
    g_autofree char *shown_ = g_utf8_make_valid ((ref), MIN ((gsize) (ref_len), 16)); \
    g_set_error (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_INVALID, format, shown_); \
    return FALSE;                                                                    \
  } G_STMT_END

gboolean
pyr_svg_decode (const char  *raw,
                gsize        len,
                GString     *out,
                GError     **error)
{
  const char *p = raw;
  const char *end = raw + len;

  if (memchr (raw, '\0', len) != NULL)
    {
      g_set_error_literal (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_INVALID,
                           _("a NUL byte in text"));
      return FALSE;
    }

  while (p < end)
    {
      const char *amp = memchr (p, '&', end - p);
      const char *semi;
      gsize ref_len;

      if (amp == NULL)
        {
          g_string_append_len (out, p, end - p);
          break;
        }
      g_string_append_len (out, p, amp - p);

      semi = memchr (amp, ';', MIN ((gsize) (end - amp), 12));
      if (semi == NULL)
        DECODE_FAIL (_("'&' does not start a reference: “%s”"), amp, end - amp);
      ref_len = semi - amp + 1;

      if (amp[1] == '#')
        {
          gboolean hex = amp[2] == 'x';
          const char *d = amp + (hex ? 3 : 2);
          guint32 code = 0;

          if (d == semi)
            DECODE_FAIL (_("malformed character reference “%s”"), amp, ref_len);
          for (; d < semi; d++)
            {
              int digit = hex ? g_ascii_xdigit_value (*d) : g_ascii_digit_value (*d);

              if (digit < 0)
                DECODE_FAIL (_("malformed character reference “%s”"), amp, ref_len);
              code = code * (hex ? 16 : 10) + (guint32) digit;
              if (code > 0x10FFFF)
                DECODE_FAIL (_("character reference “%s” is out of range"), amp, ref_len);
            }
          if ((code < 0x20 && code != '\t' && code != '\n' && code != '\r') ||
              (code >= 0xD800 && code <= 0xDFFF) || code == 0xFFFE || code == 0xFFFF)
            DECODE_FAIL (_("character reference “%s” is not a valid XML character"), amp, ref_len);
          g_string_append_unichar (out, code);
        }
      else if (ref_len == 4 && memcmp (amp, "&lt;", 4) == 0)
        g_string_append_c (out, '<');
      else if (ref_len == 4 && memcmp (amp, "&gt;", 4) == 0)
        g_string_append_c (out, '>');
      else if (ref_len == 5 && memcmp (amp, "&amp;", 5) == 0)
        g_string_append_c (out, '&');
      else if (ref_len == 6 && memcmp (amp, "&quot;", 6) == 0)
        g_string_append_c (out, '"');
      else if (ref_len == 6 && memcmp (amp, "&apos;", 6) == 0)
        g_string_append_c (out, '\'');
      else
        DECODE_FAIL (_("unknown entity “%s”; only the five XML entities are read"), amp, ref_len);

      p = semi + 1;
    }

  return TRUE;
}
