/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "pyr-cli.h"

static void
test_text_width (void)
{
  g_assert_cmpuint (pyr_cli_text_width (""), ==, 0);
  g_assert_cmpuint (pyr_cli_text_width ("Total"), ==, 5);
  /* bytes are not columns: "Änderung" is 9 bytes, 8 columns; an arrow is 3 bytes, 1 column */
  g_assert_cmpuint (pyr_cli_text_width ("Änderung"), ==, 8);
  g_assert_cmpuint (pyr_cli_text_width ("→"), ==, 1);
  /* wide (CJK) characters take two columns, combining marks none */
  g_assert_cmpuint (pyr_cli_text_width ("合計"), ==, 4);
  g_assert_cmpuint (pyr_cli_text_width ("e\xcc\x81"), ==, 1);
  /* a stray byte still shows as something */
  g_assert_cmpuint (pyr_cli_text_width ("a\xff"), ==, 2);
}

static void
test_padded (void)
{
  g_autoptr(GString) out = g_string_new (NULL);

  pyr_cli_append_padded (out, "Änderung", 10, FALSE);
  g_assert_cmpstr (out->str, ==, "  Änderung");
  g_string_truncate (out, 0);
  pyr_cli_append_padded (out, "合計", 6, TRUE);
  g_assert_cmpstr (out->str, ==, "合計  ");
  g_string_truncate (out, 0);
  /* wider than the column: nothing cut */
  pyr_cli_append_padded (out, "Gesamtzeit", 6, FALSE);
  g_assert_cmpstr (out->str, ==, "Gesamtzeit");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cli/text-width-counts-columns", test_text_width);
  g_test_add_func ("/cli/padded-to-columns", test_padded);

  return g_test_run ();
}
