/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "pyr-json-reader.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "pyr-error.h"

typedef enum
{
  LEVEL_ARRAY,
  LEVEL_OBJECT,
} LevelKind;

typedef struct
{
  guint8      kind;
  guint8      after_member;       /* a member name was returned; ':' and the value come next */
  guint64     count;              /* elements (array) or members (object) started so far */
  const char *key;                /* raw (still escaped) text of the current member name */
  gsize       key_len;
} Level;

struct _PyrJsonReader
{
  const char *data;
  const char *pos;
  const char *end;

  gsize       token_offset;
  PyrJsonToken token;

  Level      *levels;
  guint       depth;
  guint       levels_allocated;
  guint       max_depth;
  gboolean    root_done;
  gboolean    single_value;     /* reader made for one value inside a bigger document */

  char       *path_prefix;

  /* the current string or member name, unescaped and NUL-terminated */
  char       *str;
  gsize       str_len;
  gsize       str_allocated;

  /* the current number */
  const char *num;
  gsize       num_len;
  gboolean    num_is_integer;   /* no fraction or exponent, and fits in gint64 */
  gint64      num_int;

  /* the last number converted by strtod: weights repeat ("0.01", "0.01", ...) */
  char        last_num[32];
  gsize       last_num_len;
  double      last_num_value;

  GError     *error;
};

PyrJsonReader *
pyr_json_reader_new (const char *data,
                     gsize       len)
{
  PyrJsonReader *self;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  self = g_new0 (PyrJsonReader, 1);
  self->data = data ? data : "";
  self->pos = self->data;
  self->end = self->data + len;
  self->max_depth = PYR_JSON_DEFAULT_MAX_DEPTH;
  self->levels_allocated = 16;
  self->levels = g_new0 (Level, self->levels_allocated);
  self->str_allocated = 256;
  self->str = g_malloc (self->str_allocated);
  self->str[0] = 0;
  self->path_prefix = g_strdup ("$");

  /* RFC 8259 lets a parser ignore a UTF-8 byte order mark */
  if (len >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    self->pos += 3;

  return self;
}

/* A reader for the single value at @offset of @data, whose JSON path is @path: used for a
 * second pass over a member that had to wait for another one (speedscope's "profiles" may come
 * before the "shared" frames they refer to). Offsets and lines stay those of the whole @data. */
PyrJsonReader *
pyr_json_reader_new_for_value (const char *data,
                               gsize       len,
                               gsize       offset,
                               const char *path)
{
  PyrJsonReader *self;

  g_return_val_if_fail (offset <= len, NULL);

  self = pyr_json_reader_new (data, len);
  self->pos = self->data + offset;
  self->single_value = TRUE;
  if (path != NULL)
    {
      g_free (self->path_prefix);
      self->path_prefix = g_strdup (path);
    }

  return self;
}

void
pyr_json_reader_free (PyrJsonReader *self)
{
  if (self == NULL)
    return;

  g_clear_error (&self->error);
  g_free (self->levels);
  g_free (self->str);
  g_free (self->path_prefix);
  g_free (self);
}

void
pyr_json_reader_set_max_depth (PyrJsonReader *self,
                               guint          max_depth)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (max_depth > 0);

  self->max_depth = max_depth;
}

gboolean
pyr_json_reader_failed (PyrJsonReader *self)
{
  return self->error != NULL;
}

gsize
pyr_json_reader_get_offset (PyrJsonReader *self)
{
  return self->token_offset;
}

guint
pyr_json_reader_get_depth (PyrJsonReader *self)
{
  return self->depth;
}

const char *
pyr_json_reader_token_name (PyrJsonToken token)
{
  switch (token)
    {
    /* Translators: this and the next ones name what a JSON file had where something else was
     * expected: "expected a number, found <this>". JSON's own words (true, false, null) and
     * brackets stay as they are. */
    case PYR_JSON_TOKEN_ERROR: return _("error");
    case PYR_JSON_TOKEN_EOF: return _("end of data");
    case PYR_JSON_TOKEN_BEGIN_OBJECT: return _("an object");
    case PYR_JSON_TOKEN_END_OBJECT: return "'}'";
    case PYR_JSON_TOKEN_BEGIN_ARRAY: return _("an array");
    case PYR_JSON_TOKEN_END_ARRAY: return "']'";
    case PYR_JSON_TOKEN_MEMBER: return _("a member name");
    case PYR_JSON_TOKEN_STRING: return _("a string");
    case PYR_JSON_TOKEN_NUMBER: return _("a number");
    case PYR_JSON_TOKEN_TRUE: return "true";
    case PYR_JSON_TOKEN_FALSE: return "false";
    case PYR_JSON_TOKEN_NULL: return "null";
    default: return "?";
    }
}

void
pyr_json_offset_to_line_column (const char *data,
                                gsize       len,
                                gsize       offset,
                                guint      *line,
                                guint      *column)
{
  const char *p = data;
  const char *stop = data + MIN (offset, len);
  const char *line_start = data;
  guint n_lines = 1;
  guint n_columns = 1;

  while (p < stop)
    {
      const char *nl = memchr (p, '\n', stop - p);

      if (nl == NULL)
        break;
      n_lines++;
      p = line_start = nl + 1;
    }

  /* columns count characters, not bytes: skip UTF-8 continuation bytes */
  for (p = line_start; p < stop; p++)
    if (((guchar) *p & 0xC0) != 0x80)
      n_columns++;

  *line = n_lines;
  *column = n_columns;
}

static void
append_key (GString    *out,
            const char *key,
            gsize       len)
{
  gboolean plain = len > 0;

  for (gsize i = 0; i < len && plain; i++)
    plain = g_ascii_isalnum (key[i]) || key[i] == '_' || key[i] == '$';

  if (plain)
    {
      g_string_append_c (out, '.');
      g_string_append_len (out, key, len);
    }
  else
    {
      /* the raw text is still JSON-escaped, which is also how a path quotes it */
      g_string_append (out, "[\"");
      g_string_append_len (out, key, MIN (len, 64));
      if (len > 64)
        g_string_append (out, "…");
      g_string_append (out, "\"]");
    }
}

char *
pyr_json_reader_dup_path (PyrJsonReader *self)
{
  GString *out = g_string_new (self->path_prefix);

  for (guint i = 0; i < self->depth; i++)
    {
      const Level *level = &self->levels[i];

      if (level->count == 0)
        continue;
      if (level->kind == LEVEL_ARRAY)
        g_string_append_printf (out, "[%" G_GUINT64_FORMAT "]", level->count - 1);
      else if (level->key != NULL)
        append_key (out, level->key, level->key_len);
    }

  return g_string_free (out, FALSE);
}

static void set_error_valist (PyrJsonReader *self,
                              gsize          offset,
                              int            code,
                              const char    *format,
                              va_list        args) G_GNUC_PRINTF (4, 0);

static void
set_error_valist (PyrJsonReader *self,
                  gsize          offset,
                  int            code,
                  const char    *format,
                  va_list        args)
{
  g_autofree char *message = NULL;
  g_autofree char *path = NULL;
  guint line, column;

  if (self->error != NULL)
    return;

  message = g_strdup_vprintf (format, args);
  path = pyr_json_reader_dup_path (self);
  pyr_json_offset_to_line_column (self->data, self->end - self->data, offset, &line, &column);
  self->token = PYR_JSON_TOKEN_ERROR;
  self->error = g_error_new (PYR_IMPORT_ERROR, code,
                             /* Translators: message, JSON path, line, column, byte offset */
                             _("%s (at %s, line %u column %u, byte %zu)"),
                             message, path, line, column, (size_t) offset);
}

void
pyr_json_reader_set_error (PyrJsonReader *self,
                           int            code,
                           const char    *format,
                           ...)
{
  va_list args;

  va_start (args, format);
  set_error_valist (self, self->token_offset, code, format, args);
  va_end (args);
}

void
pyr_json_reader_set_error_at (PyrJsonReader *self,
                              gsize          offset,
                              int            code,
                              const char    *format,
                              ...)
{
  va_list args;

  va_start (args, format);
  set_error_valist (self, offset, code, format, args);
  va_end (args);
}

gboolean
pyr_json_reader_propagate_error (PyrJsonReader  *self,
                                 GError        **error)
{
  if (self->error == NULL)
    return FALSE;

  g_propagate_error (error, g_error_copy (self->error));
  return TRUE;
}

static PyrJsonToken
fail_at (PyrJsonReader *self,
         const char    *where,
         const char    *message)
{
  gsize offset = where - self->data;

  if (where >= self->end)
    pyr_json_reader_set_error_at (self, self->end - self->data, PYR_IMPORT_ERROR_TRUNCATED,
                                  _("unexpected end of data: %s"), message);
  else
    pyr_json_reader_set_error_at (self, offset, PYR_IMPORT_ERROR_INVALID, "%s", message);

  return PYR_JSON_TOKEN_ERROR;
}

static PyrJsonToken
fail_unexpected (PyrJsonReader *self,
                 const char    *where,
                 const char    *expected)
{
  g_autofree char *message = NULL;
  guchar c;

  if (where >= self->end)
    return fail_at (self, where, expected);

  c = *where;
  if (c >= 0x20 && c < 0x7F)
    message = g_strdup_printf (_("%s, found '%c'"), expected, c);
  else
    message = g_strdup_printf (_("%s, found byte 0x%02X"), expected, c);

  return fail_at (self, where, message);
}

static inline const char *
skip_whitespace (const char *p,
                 const char *end)
{
  while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
    p++;
  return p;
}

static inline void
str_reserve (PyrJsonReader *self,
             gsize          extra)
{
  if (self->str_len + extra + 1 > self->str_allocated)
    {
      while (self->str_len + extra + 1 > self->str_allocated)
        self->str_allocated *= 2;
      self->str = g_realloc (self->str, self->str_allocated);
    }
}

static inline void
str_append (PyrJsonReader *self,
            const char    *s,
            gsize          len)
{
  str_reserve (self, len);
  memcpy (self->str + self->str_len, s, len);
  self->str_len += len;
}

/* Length of the well-formed UTF-8 sequence at @p (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF), or 0. */
static inline gsize
utf8_sequence_length (const guchar *p,
                      const guchar *end)
{
  guchar c = p[0];

  if (c >= 0xC2 && c <= 0xDF)
    return (end - p >= 2 && (p[1] & 0xC0) == 0x80) ? 2 : 0;

  if (c >= 0xE0 && c <= 0xEF)
    {
      guchar lo = 0x80, hi = 0xBF;

      if (c == 0xE0)
        lo = 0xA0;
      else if (c == 0xED)
        hi = 0x9F;
      if (end - p < 3 || p[1] < lo || p[1] > hi || (p[2] & 0xC0) != 0x80)
        return 0;
      return 3;
    }

  if (c >= 0xF0 && c <= 0xF4)
    {
      guchar lo = 0x80, hi = 0xBF;

      if (c == 0xF0)
        lo = 0x90;
      else if (c == 0xF4)
        hi = 0x8F;
      if (end - p < 4 || p[1] < lo || p[1] > hi ||
          (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
        return 0;
      return 4;
    }

  return 0;
}

static inline int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static gboolean
read_hex4 (PyrJsonReader *self,
           const char    *p,
           guint         *value)
{
  guint v = 0;

  for (guint i = 0; i < 4; i++)
    {
      int h;

      if (p + i >= self->end)
        {
          fail_at (self, self->end, _("incomplete \\u escape"));
          return FALSE;
        }
      if ((h = hex_value (p[i])) < 0)
        {
          fail_at (self, p + i, _("\\u must be followed by four hexadecimal digits"));
          return FALSE;
        }
      v = (v << 4) | h;
    }

  *value = v;
  return TRUE;
}

/* @p is just after the opening quote. Leaves the unescaped text in self->str and returns the
 * position after the closing quote, or NULL on error. */
static const char *
read_string (PyrJsonReader *self,
             const char    *p)
{
  const char *end = self->end;

  self->str_len = 0;

  for (;;)
    {
      const char *run = p;

      while (p < end)
        {
          guchar c = *p;

          if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80)
            break;
          p++;
        }
      if (p > run)
        str_append (self, run, p - run);

      if (p >= end)
        {
          fail_at (self, end, _("unterminated string"));
          return NULL;
        }

      switch ((guchar) *p)
        {
        case '"':
          self->str[self->str_len] = 0;
          return p + 1;

        case '\\':
          {
            char out;

            if (p + 1 >= end)
              {
                fail_at (self, end, _("unterminated escape in string"));
                return NULL;
              }
            switch (p[1])
              {
              case '"': out = '"'; break;
              case '\\': out = '\\'; break;
              case '/': out = '/'; break;
              case 'b': out = '\b'; break;
              case 'f': out = '\f'; break;
              case 'n': out = '\n'; break;
              case 'r': out = '\r'; break;
              case 't': out = '\t'; break;
              case 'u':
                {
                  guint cp, lo;
                  char utf8[8];
                  int n;

                  if (!read_hex4 (self, p + 2, &cp))
                    return NULL;
                  if (cp >= 0xDC00 && cp <= 0xDFFF)
                    {
                      fail_at (self, p, _("lone low surrogate in \\u escape"));
                      return NULL;
                    }
                  if (cp >= 0xD800 && cp <= 0xDBFF)
                    {
                      if (p + 7 >= end)
                        {
                          fail_at (self, end, _("high surrogate without its low half"));
                          return NULL;
                        }
                      if (p[6] != '\\' || p[7] != 'u')
                        {
                          fail_at (self, p, _("high surrogate not followed by a low surrogate"));
                          return NULL;
                        }
                      if (!read_hex4 (self, p + 8, &lo))
                        return NULL;
                      if (lo < 0xDC00 || lo > 0xDFFF)
                        {
                          fail_at (self, p + 6, _("high surrogate not followed by a low surrogate"));
                          return NULL;
                        }
                      cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                      p += 6;
                    }
                  n = g_unichar_to_utf8 (cp, utf8);
                  str_append (self, utf8, n);
                  p += 6;
                  continue;
                }
              default:
                fail_unexpected (self, p + 1, _("invalid escape in string"));
                return NULL;
              }
            str_append (self, &out, 1);
            p += 2;
            continue;
          }

        default:
          {
            gsize n;

            if ((guchar) *p < 0x20)
              {
                fail_at (self, p, _("control character in string (must be escaped)"));
                return NULL;
              }
            n = utf8_sequence_length ((const guchar *) p, (const guchar *) end);
            if (n == 0)
              {
                guchar lead = *p;
                gsize want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;

                if (lead >= 0xC2 && lead <= 0xF4 && (gsize) (end - p) < want)
                  {
                    fail_at (self, end, _("character cut short"));
                    return NULL;
                  }
                fail_at (self, p, _("invalid UTF-8 in string"));
                return NULL;
              }
            str_append (self, p, n);
            p += n;
          }
        }
    }
}

/* @p is at '-' or a digit. */
static const char *
read_number (PyrJsonReader *self,
             const char    *p)
{
  const char *end = self->end;
  const char *start = p;
  gboolean negative = FALSE;
  guint64 magnitude = 0;
  gboolean overflow = FALSE;
  gboolean integer = TRUE;

  if (*p == '-')
    {
      negative = TRUE;
      p++;
      if (p >= end)
        {
          fail_at (self, end, _("incomplete number"));
          return NULL;
        }
    }

  if (*p == '0')
    {
      p++;
      if (p < end && *p >= '0' && *p <= '9')
        {
          fail_at (self, p, _("numbers must not have leading zeros"));
          return NULL;
        }
    }
  else if (*p >= '1' && *p <= '9')
    {
      while (p < end && *p >= '0' && *p <= '9')
        {
          guint d = *p - '0';

          if (magnitude > (G_MAXUINT64 - d) / 10)
            overflow = TRUE;
          else
            magnitude = magnitude * 10 + d;
          p++;
        }
    }
  else
    {
      fail_unexpected (self, p, _("expected a digit after '-'"));
      return NULL;
    }

  if (p < end && *p == '.')
    {
      integer = FALSE;
      p++;
      if (p >= end || *p < '0' || *p > '9')
        {
          fail_unexpected (self, p, _("expected a digit after the decimal point"));
          return NULL;
        }
      while (p < end && *p >= '0' && *p <= '9')
        p++;
    }

  if (p < end && (*p == 'e' || *p == 'E'))
    {
      integer = FALSE;
      p++;
      if (p < end && (*p == '+' || *p == '-'))
        p++;
      if (p >= end || *p < '0' || *p > '9')
        {
          fail_unexpected (self, p, _("expected a digit in the exponent"));
          return NULL;
        }
      while (p < end && *p >= '0' && *p <= '9')
        p++;
    }

  self->num = start;
  self->num_len = p - start;
  self->num_is_integer = FALSE;

  if (integer && !overflow)
    {
      if (!negative && magnitude <= G_MAXINT64)
        {
          self->num_int = (gint64) magnitude;
          self->num_is_integer = TRUE;
        }
      else if (negative && magnitude <= (guint64) G_MAXINT64 + 1)
        {
          self->num_int = magnitude == (guint64) G_MAXINT64 + 1 ? G_MININT64 : -(gint64) magnitude;
          self->num_is_integer = TRUE;
        }
    }

  return p;
}

static const char *
read_literal (PyrJsonReader *self,
              const char    *p,
              const char    *word,
              gsize          len)
{
  for (gsize i = 0; i < len; i++)
    {
      if (p + i >= self->end)
        {
          fail_at (self, self->end, _("incomplete literal"));
          return NULL;
        }
      if (p[i] != word[i])
        {
          fail_unexpected (self, p, _("expected a value"));
          return NULL;
        }
    }

  return p + len;
}

static gboolean
push_level (PyrJsonReader *self,
            LevelKind      kind,
            const char    *where)
{
  Level *level;

  if (self->depth >= self->max_depth)
    {
      g_autofree char *message = g_strdup_printf (_("nesting deeper than %u levels"),
                                                  self->max_depth);
      fail_at (self, where, message);
      return FALSE;
    }

  if (self->depth == self->levels_allocated)
    {
      self->levels_allocated *= 2;
      self->levels = g_renew (Level, self->levels, self->levels_allocated);
    }

  level = &self->levels[self->depth++];
  level->kind = kind;
  level->after_member = FALSE;
  level->count = 0;
  level->key = NULL;
  level->key_len = 0;

  return TRUE;
}

static inline void
value_done (PyrJsonReader *self)
{
  if (self->depth == 0)
    self->root_done = TRUE;
}

static PyrJsonToken
read_value (PyrJsonReader *self,
            const char    *p)
{
  const char *next;

  self->token_offset = p - self->data;

  if (p >= self->end)
    return fail_at (self, p, _("expected a value"));

  switch (*p)
    {
    case '{':
      if (!push_level (self, LEVEL_OBJECT, p))
        return PYR_JSON_TOKEN_ERROR;
      self->pos = p + 1;
      return self->token = PYR_JSON_TOKEN_BEGIN_OBJECT;

    case '[':
      if (!push_level (self, LEVEL_ARRAY, p))
        return PYR_JSON_TOKEN_ERROR;
      self->pos = p + 1;
      return self->token = PYR_JSON_TOKEN_BEGIN_ARRAY;

    case '"':
      if (!(next = read_string (self, p + 1)))
        return PYR_JSON_TOKEN_ERROR;
      self->pos = next;
      value_done (self);
      return self->token = PYR_JSON_TOKEN_STRING;

    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      if (!(next = read_number (self, p)))
        return PYR_JSON_TOKEN_ERROR;
      self->pos = next;
      value_done (self);
      return self->token = PYR_JSON_TOKEN_NUMBER;

    case 't':
      if (!(next = read_literal (self, p, "true", 4)))
        return PYR_JSON_TOKEN_ERROR;
      self->pos = next;
      value_done (self);
      return self->token = PYR_JSON_TOKEN_TRUE;

    case 'f':
      if (!(next = read_literal (self, p, "false", 5)))
        return PYR_JSON_TOKEN_ERROR;
      self->pos = next;
      value_done (self);
      return self->token = PYR_JSON_TOKEN_FALSE;

    case 'n':
      if (!(next = read_literal (self, p, "null", 4)))
        return PYR_JSON_TOKEN_ERROR;
      self->pos = next;
      value_done (self);
      return self->token = PYR_JSON_TOKEN_NULL;

    default:
      return fail_unexpected (self, p, _("expected a value"));
    }
}

static PyrJsonToken
close_level (PyrJsonReader *self,
             const char    *p,
             PyrJsonToken   token)
{
  self->token_offset = p - self->data;
  self->depth--;
  self->pos = p + 1;
  value_done (self);
  return self->token = token;
}

PyrJsonToken
pyr_json_reader_next (PyrJsonReader *self)
{
  const char *p;
  const char *end = self->end;
  Level *level;

  if (self->error != NULL)
    return PYR_JSON_TOKEN_ERROR;

  p = skip_whitespace (self->pos, end);

  if (self->depth == 0)
    {
      if (!self->root_done)
        {
          if (p >= end && !self->single_value)
            {
              pyr_json_reader_set_error_at (self, p - self->data, PYR_IMPORT_ERROR_EMPTY,
                                            _("the document is empty"));
              return PYR_JSON_TOKEN_ERROR;
            }
          return read_value (self, p);
        }
      self->token_offset = p - self->data;
      self->pos = p;
      if (p < end && !self->single_value)
        return fail_unexpected (self, p, _("unexpected data after the end of the document"));
      return self->token = PYR_JSON_TOKEN_EOF;
    }

  level = &self->levels[self->depth - 1];

  if (level->kind == LEVEL_ARRAY)
    {
      if (p < end && *p == ']')
        return close_level (self, p, PYR_JSON_TOKEN_END_ARRAY);
      if (level->count > 0)
        {
          if (p >= end || *p != ',')
            return fail_unexpected (self, p, _("expected ',' or ']'"));
          p = skip_whitespace (p + 1, end);
        }
      level->count++;
      return read_value (self, p);
    }

  if (level->after_member)
    {
      if (p >= end || *p != ':')
        return fail_unexpected (self, p, _("expected ':' after the member name"));
      level->after_member = FALSE;
      return read_value (self, skip_whitespace (p + 1, end));
    }

  if (p < end && *p == '}')
    return close_level (self, p, PYR_JSON_TOKEN_END_OBJECT);
  if (level->count > 0)
    {
      if (p >= end || *p != ',')
        return fail_unexpected (self, p, _("expected ',' or '}'"));
      p = skip_whitespace (p + 1, end);
    }
  if (p >= end || *p != '"')
    return fail_unexpected (self, p, _("expected a member name in double quotes"));

  self->token_offset = p - self->data;
  {
    const char *next = read_string (self, p + 1);

    if (next == NULL)
      return PYR_JSON_TOKEN_ERROR;
    level->count++;
    level->key = p + 1;
    level->key_len = next - p - 2;
    level->after_member = TRUE;
    self->pos = next;
  }

  return self->token = PYR_JSON_TOKEN_MEMBER;
}

/* Skips the value the last token began (or the member value after a MEMBER token), strictly. */
gboolean
pyr_json_reader_skip_value (PyrJsonReader *self)
{
  PyrJsonToken token = self->token;
  guint depth;

  if (token == PYR_JSON_TOKEN_MEMBER)
    token = pyr_json_reader_next (self);

  if (token != PYR_JSON_TOKEN_BEGIN_OBJECT && token != PYR_JSON_TOKEN_BEGIN_ARRAY)
    return token != PYR_JSON_TOKEN_ERROR;

  depth = self->depth;
  while (self->depth >= depth)
    if (pyr_json_reader_next (self) == PYR_JSON_TOKEN_ERROR)
      return FALSE;

  return TRUE;
}

/* After a MEMBER token: finds the end of its value by matching brackets and strings only, and
 * returns where the value starts. Much faster than tokenizing, and not a validation: whoever
 * skips a value this way must read it later with pyr_json_reader_new_for_value(). */
gboolean
pyr_json_reader_skip_member_value_fast (PyrJsonReader *self,
                                        gsize         *value_offset)
{
  const char *end = self->end;
  const char *p;
  Level *level;
  gsize nesting = 0;

  g_return_val_if_fail (self->token == PYR_JSON_TOKEN_MEMBER, FALSE);

  level = &self->levels[self->depth - 1];
  p = skip_whitespace (self->pos, end);
  if (p >= end || *p != ':')
    {
      fail_unexpected (self, p, _("expected ':' after the member name"));
      return FALSE;
    }
  level->after_member = FALSE;
  p = skip_whitespace (p + 1, end);
  self->token_offset = p - self->data;
  *value_offset = p - self->data;

  if (p >= end)
    {
      fail_at (self, p, _("expected a value"));
      return FALSE;
    }

  if (*p != '[' && *p != '{' && *p != '"')
    {
      /* a number or a literal: small, so read it the strict way */
      if (*p == '-' || (*p >= '0' && *p <= '9'))
        p = read_number (self, p);
      else if (*p == 't')
        p = read_literal (self, p, "true", 4);
      else if (*p == 'f')
        p = read_literal (self, p, "false", 5);
      else if (*p == 'n')
        p = read_literal (self, p, "null", 4);
      else
        {
          fail_unexpected (self, p, _("expected a value"));
          return FALSE;
        }
      if (p == NULL)
        return FALSE;
      goto done;
    }

  do
    {
#ifdef __SSE2__
      /* most of a big value is digits and commas: step over 16 of them at a time */
      while (end - p >= 16)
        {
          __m128i block = _mm_loadu_si128 ((const __m128i *) p);
          __m128i hits = _mm_or_si128 (_mm_or_si128 (_mm_cmpeq_epi8 (block, _mm_set1_epi8 ('[')),
                                                     _mm_cmpeq_epi8 (block, _mm_set1_epi8 (']'))),
                                       _mm_or_si128 (_mm_cmpeq_epi8 (block, _mm_set1_epi8 ('{')),
                                                     _mm_cmpeq_epi8 (block, _mm_set1_epi8 ('}'))));
          int mask;

          hits = _mm_or_si128 (hits, _mm_cmpeq_epi8 (block, _mm_set1_epi8 ('"')));
          mask = _mm_movemask_epi8 (hits);
          if (mask != 0)
            {
              p += __builtin_ctz (mask);
              break;
            }
          p += 16;
        }
      if (p >= end)
        break;
#endif
      switch (*p)
        {
        case '[':
        case '{':
          nesting++;
          p++;
          break;

        case ']':
        case '}':
          nesting--;
          p++;
          break;

        case '"':
          for (p++; p < end && *p != '"'; p++)
            if (*p == '\\')
              p++;
          if (p >= end)
            {
              fail_at (self, end, _("unterminated string"));
              return FALSE;
            }
          p++;
          break;

        default:
          p++;
          break;
        }
    }
  while (p < end && nesting > 0);

  if (nesting > 0)
    {
      fail_at (self, end, _("unterminated array or object"));
      return FALSE;
    }

done:
  self->pos = p;
  self->token = PYR_JSON_TOKEN_NULL;
  return TRUE;
}

/*
 * In an array, the raw text of the next element if it is an array with no array, object or
 * string inside ("[1,2,3]"), without consuming it; NULL otherwise, or when anything looks
 * wrong (the ordinary pyr_json_reader_next() then reports it). The text is not validated: a
 * caller that has already read the same bytes with pyr_json_reader_next() knows what they
 * mean, and can step over them with pyr_json_reader_skip_flat_array().
 */
const char *
pyr_json_reader_peek_flat_array (PyrJsonReader *self,
                                 gsize         *len)
{
  const char *end = self->end;
  const char *p;
  const char *close;
  Level *level;

  if (self->error != NULL || self->depth == 0)
    return NULL;
  level = &self->levels[self->depth - 1];
  if (level->kind != LEVEL_ARRAY)
    return NULL;

  p = skip_whitespace (self->pos, end);
  if (level->count > 0)
    {
      if (p >= end || *p != ',')
        return NULL;
      p = skip_whitespace (p + 1, end);
    }
  if (p >= end || *p != '[')
    return NULL;

  close = memchr (p + 1, ']', end - p - 1);
  if (close == NULL)
    return NULL;

  *len = close + 1 - p;
  return p;
}

/* Steps over @array, which pyr_json_reader_peek_flat_array() has just returned. */
void
pyr_json_reader_skip_flat_array (PyrJsonReader *self,
                                 const char    *array,
                                 gsize          len)
{
  Level *level = &self->levels[self->depth - 1];

  g_assert (array >= self->pos && array + len <= self->end);

  level->count++;
  self->token_offset = array + len - 1 - self->data;
  self->pos = array + len;
  self->token = PYR_JSON_TOKEN_END_ARRAY;
}

const char *
pyr_json_reader_get_string (PyrJsonReader *self,
                            gsize         *len)
{
  g_return_val_if_fail (self->token == PYR_JSON_TOKEN_STRING ||
                        self->token == PYR_JSON_TOKEN_MEMBER, NULL);

  if (len != NULL)
    *len = self->str_len;
  return self->str;
}

char *
pyr_json_reader_dup_string (PyrJsonReader *self)
{
  g_return_val_if_fail (self->token == PYR_JSON_TOKEN_STRING ||
                        self->token == PYR_JSON_TOKEN_MEMBER, NULL);

  return g_strndup (self->str, self->str_len);
}

gboolean
pyr_json_reader_member_is (PyrJsonReader *self,
                           const char    *name)
{
  gsize len = strlen (name);

  return self->token == PYR_JSON_TOKEN_MEMBER &&
         self->str_len == len &&
         memcmp (self->str, name, len) == 0;
}

static gboolean
number_to_double (PyrJsonReader *self,
                  double        *value)
{
  char stack_buf[64];
  g_autofree char *heap_buf = NULL;
  char *buf = stack_buf;
  double v;

  if (self->num_is_integer)
    {
      *value = self->num_int == 0 && self->num[0] == '-' ? -0.0 : (double) self->num_int;
      return TRUE;
    }

  if (self->num_len == self->last_num_len && memcmp (self->num, self->last_num, self->num_len) == 0)
    {
      *value = self->last_num_value;
      return TRUE;
    }

  /* the mapping is not NUL-terminated, so hand strtod a terminated copy */
  if (self->num_len >= sizeof stack_buf)
    buf = heap_buf = g_malloc (self->num_len + 1);
  memcpy (buf, self->num, self->num_len);
  buf[self->num_len] = 0;

  v = g_ascii_strtod (buf, NULL);
  if (!isfinite (v))
    {
      pyr_json_reader_set_error (self, PYR_IMPORT_ERROR_INVALID,
                                 _("number %.*s is too large"),
                                 (int) MIN (self->num_len, 40), self->num);
      return FALSE;
    }

  if (self->num_len < sizeof self->last_num)
    {
      memcpy (self->last_num, self->num, self->num_len);
      self->last_num_len = self->num_len;
      self->last_num_value = v;
    }

  *value = v;
  return TRUE;
}

gboolean
pyr_json_reader_get_double (PyrJsonReader *self,
                            double        *value)
{
  if (self->token != PYR_JSON_TOKEN_NUMBER)
    {
      pyr_json_reader_set_error (self, PYR_IMPORT_ERROR_INVALID, _("expected a number, found %s"),
                                 pyr_json_reader_token_name (self->token));
      return FALSE;
    }

  return number_to_double (self, value);
}

gboolean
pyr_json_reader_get_int64 (PyrJsonReader *self,
                           gint64        *value)
{
  double d;

  if (self->token != PYR_JSON_TOKEN_NUMBER)
    {
      pyr_json_reader_set_error (self, PYR_IMPORT_ERROR_INVALID,
                                 _("expected an integer, found %s"),
                                 pyr_json_reader_token_name (self->token));
      return FALSE;
    }

  if (G_LIKELY (self->num_is_integer))
    {
      *value = self->num_int;
      return TRUE;
    }

  /* 1e3 or 2.0 are integers too; what does not fit is an error, not a wrapped value */
  if (!number_to_double (self, &d))
    return FALSE;
  if (d != floor (d) || d < -9223372036854775808.0 || d >= 9223372036854775808.0)
    {
      pyr_json_reader_set_error (self, PYR_IMPORT_ERROR_INVALID,
                                 _("expected an integer, found %.*s"),
                                 (int) MIN (self->num_len, 40), self->num);
      return FALSE;
    }

  *value = (gint64) d;
  return TRUE;
}

gboolean
pyr_json_reader_get_uint32 (PyrJsonReader *self,
                            guint32       *value)
{
  gint64 v;

  if (G_LIKELY (self->token == PYR_JSON_TOKEN_NUMBER && self->num_is_integer &&
                self->num_int >= 0 && self->num_int <= G_MAXUINT32))
    {
      *value = (guint32) self->num_int;
      return TRUE;
    }

  if (!pyr_json_reader_get_int64 (self, &v))
    return FALSE;
  if (v < 0 || v > G_MAXUINT32)
    {
      pyr_json_reader_set_error (self, PYR_IMPORT_ERROR_INVALID,
                                 _("%.*s is out of range (0 to %u)"),
                                 (int) MIN (self->num_len, 40), self->num, G_MAXUINT32);
      return FALSE;
    }

  *value = (guint32) v;
  return TRUE;
}
