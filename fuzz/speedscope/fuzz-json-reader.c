/* SPDX-License-Identifier: GPL-3.0-or-later */

/*
 * libFuzzer harness for the JSON reader alone. Beyond "no crash": a string's value is valid
 * UTF-8; an accepted document, written out again from its tokens, reads back as the same
 * tokens; and a value skipped the fast way ends where the strict reader says it ends.
 */

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pyr-error.h"
#include "pyr-json-reader.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
append_escaped (GString    *out,
                const char *s,
                gsize       len)
{
  g_string_append_c (out, '"');
  for (gsize i = 0; i < len; i++)
    {
      guchar c = s[i];

      if (c == '"' || c == '\\')
        g_string_append_printf (out, "\\%c", c);
      else if (c < 0x20)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_c (out, c);
    }
  g_string_append_c (out, '"');
}

/* UTF-8, where U+0000 (from "\u0000") is allowed too */
static gboolean
valid_utf8 (const char *s,
            gsize       len)
{
  const char *end = s + len;

  while (s < end)
    {
      const char *nul = memchr (s, 0, end - s);
      const char *stop = nul ? nul : end;

      if (!g_utf8_validate (s, stop - s, NULL))
        return FALSE;
      s = nul ? nul + 1 : end;
    }
  return TRUE;
}

/* The document's tokens as canonical JSON, or NULL if it is not accepted. */
static GString *
canonical (const char *data,
           gsize       size)
{
  g_autoptr(PyrJsonReader) reader = pyr_json_reader_new (data, size);
  GString *out = g_string_new (NULL);
  gboolean need_comma = FALSE;

  pyr_json_reader_set_max_depth (reader, 10000);

  for (;;)
    {
      PyrJsonToken token = pyr_json_reader_next (reader);
      const char *s;
      gsize len;
      double d;
      gint64 v;
      guint32 u;

      if (token == PYR_JSON_TOKEN_ERROR)
        {
          g_autoptr(GError) error = NULL;

          if (!pyr_json_reader_propagate_error (reader, &error) ||
              error->domain != PYR_IMPORT_ERROR || error->message[0] == 0)
            abort ();
          g_string_free (out, TRUE);
          return NULL;
        }
      if (token == PYR_JSON_TOKEN_EOF)
        return out;

      if (need_comma && token != PYR_JSON_TOKEN_END_ARRAY && token != PYR_JSON_TOKEN_END_OBJECT)
        g_string_append_c (out, ',');
      need_comma = TRUE;

      switch (token)
        {
        case PYR_JSON_TOKEN_BEGIN_OBJECT:
          g_string_append_c (out, '{');
          need_comma = FALSE;
          break;
        case PYR_JSON_TOKEN_BEGIN_ARRAY:
          g_string_append_c (out, '[');
          need_comma = FALSE;
          break;
        case PYR_JSON_TOKEN_END_OBJECT:
          g_string_append_c (out, '}');
          break;
        case PYR_JSON_TOKEN_END_ARRAY:
          g_string_append_c (out, ']');
          break;
        case PYR_JSON_TOKEN_MEMBER:
        case PYR_JSON_TOKEN_STRING:
          s = pyr_json_reader_get_string (reader, &len);
          if (s[len] != 0 || !valid_utf8 (s, len))
            abort ();
          append_escaped (out, s, len);
          if (token == PYR_JSON_TOKEN_MEMBER)
            {
              g_string_append_c (out, ':');
              need_comma = FALSE;
            }
          break;
        case PYR_JSON_TOKEN_NUMBER:
          /* each getter either works or fails cleanly; a failure is sticky, so ask in order */
          if (pyr_json_reader_get_uint32 (reader, &u))
            g_string_append_printf (out, "%u", u);
          else
            {
              g_string_free (out, TRUE);
              (void) pyr_json_reader_get_int64 (reader, &v);
              (void) pyr_json_reader_get_double (reader, &d);
              return NULL;
            }
          break;
        case PYR_JSON_TOKEN_TRUE:
          g_string_append (out, "true");
          break;
        case PYR_JSON_TOKEN_FALSE:
          g_string_append (out, "false");
          break;
        case PYR_JSON_TOKEN_NULL:
          g_string_append (out, "null");
          break;
        default:
          abort ();
        }
    }
}

static void
check_fast_skip (const char *data,
                 gsize       size)
{
  g_autoptr(PyrJsonReader) fast = pyr_json_reader_new (data, size);
  g_autoptr(PyrJsonReader) strict = pyr_json_reader_new (data, size);
  gsize offset;

  pyr_json_reader_set_max_depth (strict, 10000);
  if (pyr_json_reader_next (fast) != PYR_JSON_TOKEN_BEGIN_OBJECT ||
      pyr_json_reader_next (strict) != PYR_JSON_TOKEN_BEGIN_OBJECT)
    return;

  while (pyr_json_reader_next (fast) == PYR_JSON_TOKEN_MEMBER &&
         pyr_json_reader_next (strict) == PYR_JSON_TOKEN_MEMBER)
    {
      PyrJsonToken a, b;

      if (!pyr_json_reader_skip_member_value_fast (fast, &offset) ||
          !pyr_json_reader_skip_value (strict))
        return;
      a = pyr_json_reader_next (fast);
      b = pyr_json_reader_next (strict);
      /* where the strict reader accepts the value, both stand at the same next token */
      if (a != b || (a != PYR_JSON_TOKEN_ERROR &&
                     pyr_json_reader_get_offset (fast) != pyr_json_reader_get_offset (strict)))
        abort ();
      if (a != PYR_JSON_TOKEN_MEMBER)
        return;
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  GString *first = canonical ((const char *) data, size);

  if (first != NULL)
    {
      GString *second = canonical (first->str, first->len);

      if (second == NULL || !g_string_equal (first, second))
        abort ();
      g_string_free (second, TRUE);
      g_string_free (first, TRUE);
    }

  check_fast_skip ((const char *) data, size);
  return 0;
}
