/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "pyr-error.h"
#include "pyr-json-reader.h"

/* Reads a whole document; returns its tokens as a compact string ("{m:n,}" style) or NULL with
 * @error set. */
static char *
tokens_of (const char  *text,
           gsize        len,
           GError     **error)
{
  g_autoptr(PyrJsonReader) reader = pyr_json_reader_new (text, len);
  g_autoptr(GString) out = g_string_new (NULL);

  for (;;)
    {
      PyrJsonToken token = pyr_json_reader_next (reader);
      double d;

      switch (token)
        {
        case PYR_JSON_TOKEN_ERROR:
          g_assert_true (pyr_json_reader_propagate_error (reader, error));
          return NULL;
        case PYR_JSON_TOKEN_EOF:
          return g_strdup (out->str);
        case PYR_JSON_TOKEN_BEGIN_OBJECT: g_string_append_c (out, '{'); break;
        case PYR_JSON_TOKEN_END_OBJECT: g_string_append_c (out, '}'); break;
        case PYR_JSON_TOKEN_BEGIN_ARRAY: g_string_append_c (out, '['); break;
        case PYR_JSON_TOKEN_END_ARRAY: g_string_append_c (out, ']'); break;
        case PYR_JSON_TOKEN_MEMBER:
          g_string_append_printf (out, "m(%s)", pyr_json_reader_get_string (reader, NULL));
          break;
        case PYR_JSON_TOKEN_STRING:
          g_string_append_printf (out, "s(%s)", pyr_json_reader_get_string (reader, NULL));
          break;
        case PYR_JSON_TOKEN_NUMBER:
          if (!pyr_json_reader_get_double (reader, &d))
            {
              g_assert_true (pyr_json_reader_propagate_error (reader, error));
              return NULL;
            }
          g_string_append_printf (out, "n(%g)", d);
          break;
        case PYR_JSON_TOKEN_TRUE: g_string_append (out, "T"); break;
        case PYR_JSON_TOKEN_FALSE: g_string_append (out, "F"); break;
        case PYR_JSON_TOKEN_NULL: g_string_append (out, "N"); break;
        default:
          g_assert_not_reached ();
        }
    }
}

static void
assert_tokens (const char *text,
               const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tokens = tokens_of (text, strlen (text), &error);

  g_assert_no_error (error);
  g_assert_cmpstr (tokens, ==, expected);
}

static void
assert_invalid (const char *text,
                gsize       len,
                int         code,
                const char *message_part)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tokens = tokens_of (text, len, &error);

  if (tokens != NULL)
    g_error ("'%s' was accepted as %s", text, tokens);
  g_assert_error (error, PYR_IMPORT_ERROR, code);
  if (message_part != NULL && strstr (error->message, message_part) == NULL)
    g_error ("'%s': message \"%s\" lacks \"%s\"", text, error->message, message_part);
}

static void
test_tokens (void)
{
  assert_tokens ("{\"a\": [1, -2.5, true, false, null, \"x\"], \"b\": {}, \"c\": []}",
                 "{m(a)[n(1)n(-2.5)TFNs(x)]m(b){}m(c)[]}");
  assert_tokens (" \t\r\n[ ] \n", "[]");
  assert_tokens ("\"top\"", "s(top)");
  assert_tokens ("-0", "n(-0)");
  assert_tokens ("\xEF\xBB\xBF{}", "{}");
}

static void
test_strings (void)
{
  assert_tokens ("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]", "[s(\"\\/\b\f\n\r\t)]");
  assert_tokens ("[\"caf\\u00e9 \\u20AC\"]", "[s(café €)]");
  /* U+1F600 as a surrogate pair, and raw */
  assert_tokens ("[\"\\ud83d\\ude00\", \"\xF0\x9F\x98\x80\"]", "[s(\xF0\x9F\x98\x80)s(\xF0\x9F\x98\x80)]");
  assert_tokens ("{\"\\u006b\": 1}", "{m(k)n(1)}");
}

static void
test_string_embedded_nul (void)
{
  static const char text[] = "[\"a\\u0000b\"]";
  g_autoptr(PyrJsonReader) reader = pyr_json_reader_new (text, sizeof text - 1);
  const char *s;
  gsize len;

  g_assert_cmpint (pyr_json_reader_next (reader), ==, PYR_JSON_TOKEN_BEGIN_ARRAY);
  g_assert_cmpint (pyr_json_reader_next (reader), ==, PYR_JSON_TOKEN_STRING);
  s = pyr_json_reader_get_string (reader, &len);
  g_assert_cmpuint (len, ==, 3);
  g_assert_cmpmem (s, len, "a\0b", 3);
}

static void
test_bad_strings (void)
{
  assert_invalid ("[\"\\ud83d\"]", 10, PYR_IMPORT_ERROR_INVALID, "surrogate");
  assert_invalid ("[\"\\ud83dx\"]", 11, PYR_IMPORT_ERROR_INVALID, "surrogate");
  assert_invalid ("[\"\\ud83d\\u0041\"]", 16, PYR_IMPORT_ERROR_INVALID, "surrogate");
  assert_invalid ("[\"\\ude00\"]", 10, PYR_IMPORT_ERROR_INVALID, "low surrogate");
  assert_invalid ("[\"\\u12g4\"]", 10, PYR_IMPORT_ERROR_INVALID, "hexadecimal");
  assert_invalid ("[\"\\x41\"]", 8, PYR_IMPORT_ERROR_INVALID, "escape");
  assert_invalid ("[\"a\nb\"]", 7, PYR_IMPORT_ERROR_INVALID, "control character");
  assert_invalid ("[\"\xFF\"]", 5, PYR_IMPORT_ERROR_INVALID, "UTF-8");
  assert_invalid ("[\"\xC0\xAF\"]", 6, PYR_IMPORT_ERROR_INVALID, "UTF-8");        /* overlong '/' */
  assert_invalid ("[\"\xED\xA0\x80\"]", 7, PYR_IMPORT_ERROR_INVALID, "UTF-8");    /* a surrogate */
  assert_invalid ("[\"\xF4\x90\x80\x80\"]", 8, PYR_IMPORT_ERROR_INVALID, "UTF-8"); /* > U+10FFFF */
  assert_invalid ("[\"\xE2\x82\"]", 6, PYR_IMPORT_ERROR_INVALID, "UTF-8");        /* cut short */
  assert_invalid ("['a']", 5, PYR_IMPORT_ERROR_INVALID, "expected a value");
  assert_invalid ("[\"abc", 5, PYR_IMPORT_ERROR_TRUNCATED, "unterminated string");
}

static void
test_numbers (void)
{
  assert_tokens ("[0, -0, 1, -1, 1.5, 1e3, 1E-2, 2.5e+1, 123456789]",
                 "[n(0)n(-0)n(1)n(-1)n(1.5)n(1000)n(0.01)n(25)n(1.23457e+08)]");

  assert_invalid ("[01]", 4, PYR_IMPORT_ERROR_INVALID, "leading zeros");
  assert_invalid ("[-01]", 5, PYR_IMPORT_ERROR_INVALID, "leading zeros");
  assert_invalid ("[-]", 3, PYR_IMPORT_ERROR_INVALID, "digit");
  assert_invalid ("[1.]", 4, PYR_IMPORT_ERROR_INVALID, "decimal point");
  assert_invalid ("[.5]", 4, PYR_IMPORT_ERROR_INVALID, "expected a value");
  assert_invalid ("[+1]", 4, PYR_IMPORT_ERROR_INVALID, "expected a value");
  assert_invalid ("[1e]", 4, PYR_IMPORT_ERROR_INVALID, "exponent");
  assert_invalid ("[1e+]", 5, PYR_IMPORT_ERROR_INVALID, "exponent");
  assert_invalid ("[0x10]", 6, PYR_IMPORT_ERROR_INVALID, "expected ',' or ']'");
  assert_invalid ("[NaN]", 5, PYR_IMPORT_ERROR_INVALID, "expected a value");
  assert_invalid ("[Infinity]", 10, PYR_IMPORT_ERROR_INVALID, "expected a value");
  assert_invalid ("[-Infinity]", 11, PYR_IMPORT_ERROR_INVALID, "digit");
  assert_invalid ("[1e400]", 7, PYR_IMPORT_ERROR_INVALID, "too large");
  assert_invalid ("[-1e400]", 8, PYR_IMPORT_ERROR_INVALID, "too large");
}

static void
next_number (PyrJsonReader *reader)
{
  g_assert_cmpint (pyr_json_reader_next (reader), ==, PYR_JSON_TOKEN_NUMBER);
}

static void
test_integers (void)
{
  static const char text[] =
    "[9223372036854775807, -9223372036854775808, 9223372036854775808, 2e3, 1.5, "
    "4294967295, 4294967296, -1, 1e400]";
  g_autoptr(PyrJsonReader) reader = pyr_json_reader_new (text, sizeof text - 1);
  g_autoptr(GError) error = NULL;
  gint64 v;
  guint32 u;
  double d;

  g_assert_cmpint (pyr_json_reader_next (reader), ==, PYR_JSON_TOKEN_BEGIN_ARRAY);
  next_number (reader);
  g_assert_true (pyr_json_reader_get_int64 (reader, &v));
  g_assert_cmpint (v, ==, G_MAXINT64);
  next_number (reader);
  g_assert_true (pyr_json_reader_get_int64 (reader, &v));
  g_assert_cmpint (v, ==, G_MININT64);
  next_number (reader);
  g_assert_true (pyr_json_reader_get_double (reader, &d));   /* fine as a double */
  g_assert_cmpfloat (d, ==, 9223372036854775808.0);
  next_number (reader);
  g_assert_true (pyr_json_reader_get_int64 (reader, &v));    /* integral, written as a double */
  g_assert_cmpint (v, ==, 2000);
  next_number (reader);
  g_assert_false (pyr_json_reader_failed (reader));
  next_number (reader);
  g_assert_true (pyr_json_reader_get_uint32 (reader, &u));
  g_assert_cmpuint (u, ==, G_MAXUINT32);
  next_number (reader);
  g_assert_false (pyr_json_reader_get_uint32 (reader, &u));
  g_assert_true (pyr_json_reader_propagate_error (reader, &error));
  g_assert_error (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "4294967296 is out of range"));
  g_assert_nonnull (strstr (error->message, "$[6]"));
}

static void
test_integer_errors (void)
{
  static const char *const cases[][2] = {
    { "[9223372036854775808]", "expected an integer" },
    { "[99999999999999999999999]", "expected an integer" },
    { "[1.5]", "expected an integer" },
    { "[1e400]", "too large" },
    { "[\"1\"]", "expected an integer, found a string" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(PyrJsonReader) reader = pyr_json_reader_new (cases[i][0], strlen (cases[i][0]));
      g_autoptr(GError) error = NULL;
      gint64 v;

      g_assert_cmpint (pyr_json_reader_next (reader), ==, PYR_JSON_TOKEN_BEGIN_ARRAY);
      pyr_json_reader_next (reader);
      g_assert_false (pyr_json_reader_get_int64 (reader, &v));
      g_assert_true (pyr_json_reader_propagate_error (reader, &error));
      g_assert_error (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, cases[i][1]));
      /* errors are sticky */
      g_assert_cmpint (pyr_json_reader_next (reader), ==, PYR_JSON_TOKEN_ERROR);
    }
}

static void
test_structure_errors (void)
{
  assert_invalid ("[1,]", 4, PYR_IMPORT_ERROR_INVALID, "expected a value");
  assert_invalid ("[,1]", 4, PYR_IMPORT_ERROR_INVALID, "expected a value");
  assert_invalid ("[1 2]", 5, PYR_IMPORT_ERROR_INVALID, "expected ',' or ']'");
  assert_invalid ("{\"a\" 1}", 7, PYR_IMPORT_ERROR_INVALID, "expected ':'");
  assert_invalid ("{\"a\":1,}", 8, PYR_IMPORT_ERROR_INVALID, "member name");
  assert_invalid ("{1:2}", 5, PYR_IMPORT_ERROR_INVALID, "member name");
  assert_invalid ("{\"a\":1]", 7, PYR_IMPORT_ERROR_INVALID, "expected ',' or '}'");
  assert_invalid ("[1}", 3, PYR_IMPORT_ERROR_INVALID, "expected ',' or ']'");
  assert_invalid ("]", 1, PYR_IMPORT_ERROR_INVALID, "expected a value");
  assert_invalid ("{} x", 4, PYR_IMPORT_ERROR_INVALID, "after the end");
  assert_invalid ("{}{}", 4, PYR_IMPORT_ERROR_INVALID, "after the end");
  assert_invalid ("tru", 3, PYR_IMPORT_ERROR_TRUNCATED, NULL);
  assert_invalid ("nul!", 4, PYR_IMPORT_ERROR_INVALID, "expected a value");
  assert_invalid ("", 0, PYR_IMPORT_ERROR_EMPTY, "empty");
  assert_invalid (" \n\t ", 4, PYR_IMPORT_ERROR_EMPTY, "empty");
  assert_invalid ("[1]\0", 4, PYR_IMPORT_ERROR_INVALID, "after the end");
}

static void
test_binary (void)
{
  guint8 junk[4096];
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);

  for (guint round = 0; round < 200; round++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *tokens = NULL;
      gsize len = g_rand_int_range (rand, 1, sizeof junk);

      for (gsize i = 0; i < len; i++)
        junk[i] = g_rand_int (rand);
      /* a JSON value can't start with a byte outside these, so random bytes must fail */
      junk[0] = round % 2 ? 0x80 + round % 0x40 : '[';
      tokens = tokens_of ((const char *) junk, len, &error);
      g_assert_null (tokens);
      g_assert_true (error->domain == PYR_IMPORT_ERROR);
    }
}

static void
test_deep_nesting (void)
{
  const gsize depth = 100000;
  g_autofree char *text = g_malloc (2 * depth);
  g_autoptr(GError) error = NULL;
  g_autofree char *tokens = NULL;

  memset (text, '[', depth);
  memset (text + depth, ']', depth);

  tokens = tokens_of (text, 2 * depth, &error);
  g_assert_null (tokens);
  g_assert_error (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "nesting deeper than 512 levels"));
  g_assert_nonnull (strstr (error->message, "byte 512"));
  g_clear_error (&error);

  /* a raised limit holds the whole thing, without recursion */
  {
    g_autoptr(PyrJsonReader) reader = pyr_json_reader_new (text, 2 * depth);
    guint n = 0;

    pyr_json_reader_set_max_depth (reader, depth);
    while (pyr_json_reader_next (reader) == PYR_JSON_TOKEN_BEGIN_ARRAY)
      n++;
    g_assert_cmpuint (n, ==, depth);
    g_assert_cmpuint (pyr_json_reader_get_depth (reader), ==, depth - 1);
    g_assert_false (pyr_json_reader_failed (reader));
  }

  /* and only opening brackets end in a truncation, not a crash */
  tokens = tokens_of (text, depth, &error);
  g_assert_null (tokens);
  g_assert_true (error->domain == PYR_IMPORT_ERROR);
}

static void
test_truncated_every_byte (void)
{
  static const char text[] =
    "{\"a\":[1,-2.5e3,true,false,null],\"s\":\"x\\n\\u00e9\\ud83d\\ude00\xC3\xA9\","
    "\"o\":{\"k\":{}}}";
  gsize len = sizeof text - 1;

  for (gsize cut = 0; cut < len; cut++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *tokens = tokens_of (text, cut, &error);

      g_assert_null (tokens);
      g_assert_true (error->domain == PYR_IMPORT_ERROR);
      if (cut == 0)
        g_assert_cmpint (error->code, ==, PYR_IMPORT_ERROR_EMPTY);
      else if (error->code != PYR_IMPORT_ERROR_TRUNCATED)
        g_error ("cut at %" G_GSIZE_FORMAT ": %s", cut, error->message);
    }
}

static void
test_error_location (void)
{
  static const char text[] = "{\n  \"list\": [1, 2,, 3],\n}";
  g_autoptr(GError) error = NULL;
  g_autofree char *tokens = tokens_of (text, sizeof text - 1, &error);

  g_assert_null (tokens);
  g_assert_error (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_INVALID);
  /* the third element of "list", at its byte, line and column */
  g_assert_nonnull (strstr (error->message, "$.list[2]"));
  g_assert_nonnull (strstr (error->message, "line 2 column 17"));
  g_assert_nonnull (strstr (error->message, "byte 18"));
}

static void
test_path_quoting (void)
{
  static const char text[] = "{\"odd key\": {\"ok\": [true, x]}}";
  g_autoptr(GError) error = NULL;
  g_autofree char *tokens = tokens_of (text, sizeof text - 1, &error);

  g_assert_null (tokens);
  g_assert_nonnull (strstr (error->message, "$[\"odd key\"].ok[1]"));
}

static void
test_skip_value (void)
{
  static const char text[] = "{\"skip\": {\"a\": [1, {\"b\": [[]]}], \"c\": \"]\"}, \"keep\": 7}";
  g_autoptr(PyrJsonReader) reader = pyr_json_reader_new (text, sizeof text - 1);
  gint64 v;

  g_assert_cmpint (pyr_json_reader_next (reader), ==, PYR_JSON_TOKEN_BEGIN_OBJECT);
  g_assert_cmpint (pyr_json_reader_next (reader), ==, PYR_JSON_TOKEN_MEMBER);
  g_assert_true (pyr_json_reader_member_is (reader, "skip"));
  g_assert_true (pyr_json_reader_skip_value (reader));
  g_assert_cmpint (pyr_json_reader_next (reader), ==, PYR_JSON_TOKEN_MEMBER);
  g_assert_true (pyr_json_reader_member_is (reader, "keep"));
  g_assert_cmpint (pyr_json_reader_next (reader), ==, PYR_JSON_TOKEN_NUMBER);
  g_assert_true (pyr_json_reader_get_int64 (reader, &v));
  g_assert_cmpint (v, ==, 7);
  g_assert_cmpint (pyr_json_reader_next (reader), ==, PYR_JSON_TOKEN_END_OBJECT);
  g_assert_cmpint (pyr_json_reader_next (reader), ==, PYR_JSON_TOKEN_EOF);
}

static void
test_fast_skip_and_second_pass (void)
{
  static const char text[] =
    "{\"later\": [[1, 2], {\"s\": \"]}\\\"\"}, [3, oops]], \"now\": 1, \"tail\": 2.5}";
  g_autoptr(PyrJsonReader) reader = pyr_json_reader_new (text, sizeof text - 1);
  g_autoptr(PyrJsonReader) second = NULL;
  g_autoptr(GError) error = NULL;
  gsize offset = 0;
  guint n = 0;

  g_assert_cmpint (pyr_json_reader_next (reader), ==, PYR_JSON_TOKEN_BEGIN_OBJECT);
  g_assert_cmpint (pyr_json_reader_next (reader), ==, PYR_JSON_TOKEN_MEMBER);
  g_assert_true (pyr_json_reader_skip_member_value_fast (reader, &offset));
  g_assert_cmpuint (offset, ==, 10);
  g_assert_cmpint (pyr_json_reader_next (reader), ==, PYR_JSON_TOKEN_MEMBER);
  g_assert_true (pyr_json_reader_member_is (reader, "now"));
  g_assert_true (pyr_json_reader_skip_value (reader));
  g_assert_cmpint (pyr_json_reader_next (reader), ==, PYR_JSON_TOKEN_MEMBER);
  g_assert_true (pyr_json_reader_skip_value (reader));
  g_assert_cmpint (pyr_json_reader_next (reader), ==, PYR_JSON_TOKEN_END_OBJECT);
  g_assert_cmpint (pyr_json_reader_next (reader), ==, PYR_JSON_TOKEN_EOF);

  /* the skipped value, read strictly: its error has the right place */
  second = pyr_json_reader_new_for_value (text, sizeof text - 1, offset, "$.later");
  while (pyr_json_reader_next (second) != PYR_JSON_TOKEN_ERROR)
    g_assert_cmpuint (++n, <, 100);
  g_assert_true (pyr_json_reader_propagate_error (second, &error));
  g_assert_nonnull (strstr (error->message, "$.later[2][1]"));
  g_assert_nonnull (strstr (error->message, "byte 38"));
}

static void
test_fast_skip_unterminated (void)
{
  static const char text[] = "{\"later\": [[1, 2], \"abc";
  g_autoptr(PyrJsonReader) reader = pyr_json_reader_new (text, sizeof text - 1);
  g_autoptr(GError) error = NULL;
  gsize offset;

  g_assert_cmpint (pyr_json_reader_next (reader), ==, PYR_JSON_TOKEN_BEGIN_OBJECT);
  g_assert_cmpint (pyr_json_reader_next (reader), ==, PYR_JSON_TOKEN_MEMBER);
  g_assert_false (pyr_json_reader_skip_member_value_fast (reader, &offset));
  g_assert_true (pyr_json_reader_propagate_error (reader, &error));
  g_assert_error (error, PYR_IMPORT_ERROR, PYR_IMPORT_ERROR_TRUNCATED);
}

static void
test_fast_skip_scalars (void)
{
  /* a scalar ends where the strict reader ends it (found by fuzz/speedscope/fuzz-json-reader) */
  static const char *const texts[] = {
    "{\"a\": 0?x, \"b\": 1}",
    "{\"a\": 429496729001true6, \"b\": 1}",
    "{\"a\": 1e5e5}",
    "{\"a\": nulls}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(PyrJsonReader) fast = pyr_json_reader_new (texts[i], strlen (texts[i]));
      g_autoptr(PyrJsonReader) strict = pyr_json_reader_new (texts[i], strlen (texts[i]));
      gsize offset;

      g_assert_cmpint (pyr_json_reader_next (fast), ==, PYR_JSON_TOKEN_BEGIN_OBJECT);
      g_assert_cmpint (pyr_json_reader_next (fast), ==, PYR_JSON_TOKEN_MEMBER);
      g_assert_cmpint (pyr_json_reader_next (strict), ==, PYR_JSON_TOKEN_BEGIN_OBJECT);
      g_assert_cmpint (pyr_json_reader_next (strict), ==, PYR_JSON_TOKEN_MEMBER);
      if (pyr_json_reader_skip_member_value_fast (fast, &offset))
        g_assert_cmpint (pyr_json_reader_next (fast), ==, PYR_JSON_TOKEN_ERROR);
      if (pyr_json_reader_skip_value (strict))
        g_assert_cmpint (pyr_json_reader_next (strict), ==, PYR_JSON_TOKEN_ERROR);
      g_assert_true (pyr_json_reader_failed (fast));
      g_assert_true (pyr_json_reader_failed (strict));
    }
}

static void
test_flat_array_peek (void)
{
  static const char text[] = "[[1,2,3] , [4], [[5]], 6]";
  g_autoptr(PyrJsonReader) reader = pyr_json_reader_new (text, sizeof text - 1);
  const char *flat;
  gsize len = 0;

  g_assert_cmpint (pyr_json_reader_next (reader), ==, PYR_JSON_TOKEN_BEGIN_ARRAY);
  flat = pyr_json_reader_peek_flat_array (reader, &len);
  g_assert_nonnull (flat);
  g_assert_cmpmem (flat, len, "[1,2,3]", 7);
  pyr_json_reader_skip_flat_array (reader, flat, len);

  flat = pyr_json_reader_peek_flat_array (reader, &len);
  g_assert_cmpmem (flat, len, "[4]", 3);
  /* not consumed by peeking: the tokenizer reads it just the same */
  g_assert_cmpint (pyr_json_reader_next (reader), ==, PYR_JSON_TOKEN_BEGIN_ARRAY);
  g_assert_cmpint (pyr_json_reader_next (reader), ==, PYR_JSON_TOKEN_NUMBER);
  g_assert_cmpint (pyr_json_reader_next (reader), ==, PYR_JSON_TOKEN_END_ARRAY);

  g_assert_cmpint (pyr_json_reader_next (reader), ==, PYR_JSON_TOKEN_BEGIN_ARRAY);
  g_assert_cmpint (pyr_json_reader_next (reader), ==, PYR_JSON_TOKEN_BEGIN_ARRAY);
  g_assert_cmpint (pyr_json_reader_next (reader), ==, PYR_JSON_TOKEN_NUMBER);
  g_assert_cmpint (pyr_json_reader_next (reader), ==, PYR_JSON_TOKEN_END_ARRAY);
  g_assert_cmpint (pyr_json_reader_next (reader), ==, PYR_JSON_TOKEN_END_ARRAY);
  g_assert_null (pyr_json_reader_peek_flat_array (reader, &len));   /* "6" is no array */
  g_assert_cmpint (pyr_json_reader_next (reader), ==, PYR_JSON_TOKEN_NUMBER);
  g_assert_cmpint (pyr_json_reader_next (reader), ==, PYR_JSON_TOKEN_END_ARRAY);
  g_assert_cmpint (pyr_json_reader_next (reader), ==, PYR_JSON_TOKEN_EOF);
}

static void
test_line_column (void)
{
  static const char text[] = "ab\ncd\n\xC3\xA9x";
  guint line, column;

  pyr_json_offset_to_line_column (text, sizeof text - 1, 0, &line, &column);
  g_assert_cmpuint (line, ==, 1);
  g_assert_cmpuint (column, ==, 1);
  pyr_json_offset_to_line_column (text, sizeof text - 1, 4, &line, &column);
  g_assert_cmpuint (line, ==, 2);
  g_assert_cmpuint (column, ==, 2);
  /* columns count characters: 'x' follows a two-byte 'é' */
  pyr_json_offset_to_line_column (text, sizeof text - 1, 8, &line, &column);
  g_assert_cmpuint (line, ==, 3);
  g_assert_cmpuint (column, ==, 2);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/json-reader/tokens", test_tokens);
  g_test_add_func ("/json-reader/strings/escapes", test_strings);
  g_test_add_func ("/json-reader/strings/embedded-nul", test_string_embedded_nul);
  g_test_add_func ("/json-reader/strings/invalid", test_bad_strings);
  g_test_add_func ("/json-reader/numbers/grammar", test_numbers);
  g_test_add_func ("/json-reader/numbers/integers", test_integers);
  g_test_add_func ("/json-reader/numbers/integer-errors", test_integer_errors);
  g_test_add_func ("/json-reader/structure-errors", test_structure_errors);
  g_test_add_func ("/json-reader/binary-garbage", test_binary);
  g_test_add_func ("/json-reader/deep-nesting", test_deep_nesting);
  g_test_add_func ("/json-reader/truncated-at-every-byte", test_truncated_every_byte);
  g_test_add_func ("/json-reader/error-location", test_error_location);
  g_test_add_func ("/json-reader/error-path-quoting", test_path_quoting);
  g_test_add_func ("/json-reader/skip-value", test_skip_value);
  g_test_add_func ("/json-reader/fast-skip-then-second-pass", test_fast_skip_and_second_pass);
  g_test_add_func ("/json-reader/fast-skip-unterminated", test_fast_skip_unterminated);
  g_test_add_func ("/json-reader/fast-skip-scalars", test_fast_skip_scalars);
  g_test_add_func ("/json-reader/flat-array-peek", test_flat_array_peek);
  g_test_add_func ("/json-reader/line-column", test_line_column);

  return g_test_run ();
}
