/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib.h>
#include <stdint.h>

#include "pyr-linetable.h"

struct vector
{
  const char         *version;
  enum pyr_line_table kind;
  int                 firstlineno;
  const uint8_t      *table;
  size_t              table_len;
  const int          *lines;
  size_t              n_lines;
};

#include "linetable-vectors.h"

static void
check_vector (gconstpointer data)
{
  const struct vector *v = data;

  for (size_t i = 0; i < v->n_lines; i++)
    {
      int line = pyr_linetable_addr2line (v->kind, v->table, v->table_len, v->firstlineno,
                                          (int64_t) i * 2);
      if (line != v->lines[i])
        g_error ("CPython %s, offset %zu: got line %d, CPython says %d", v->version, i * 2, line,
                 v->lines[i]);
    }
  /* before the first instruction (a frame that has not started) */
  g_assert_cmpint (pyr_linetable_addr2line (v->kind, v->table, v->table_len, v->firstlineno, -2),
                   ==, v->firstlineno);
}

/* The boundary rule: an address equal to an entry's end belongs to the next entry
 * (start <= addr < end), where py-spy picks the earlier one. */
static void
test_entry_boundary (void)
{
  /* 3.11+ entries: code 13 (line only) with a one-unit length and line deltas +1, +2 */
  static const uint8_t table[] = { 0x80 | (13 << 3) | 0, 2,    /* units 0: line +1 */
                                   0x80 | (13 << 3) | 1, 4,    /* units 1-2: line +2 */
                                   0x80 | (15 << 3) | 0 };     /* unit 3: no line */
  g_assert_cmpint (pyr_linetable_addr2line (PYR_LINES_LOCATIONS, table, sizeof table, 10, 0), ==, 11);
  g_assert_cmpint (pyr_linetable_addr2line (PYR_LINES_LOCATIONS, table, sizeof table, 10, 2), ==, 13);
  g_assert_cmpint (pyr_linetable_addr2line (PYR_LINES_LOCATIONS, table, sizeof table, 10, 4), ==, 13);
  g_assert_cmpint (pyr_linetable_addr2line (PYR_LINES_LOCATIONS, table, sizeof table, 10, 6), ==, -1);
  g_assert_cmpint (pyr_linetable_addr2line (PYR_LINES_LOCATIONS, table, sizeof table, 10, 8), ==, -1);
}

/* Garbage tables end the search cleanly. */
static void
test_garbage (void)
{
  static const uint8_t bad[] = { 0x05, 0x70, 0xf0 };
  static const uint8_t endless_varint[] = { 0x80 | (14 << 3), 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f };

  g_assert_cmpint (pyr_linetable_addr2line (PYR_LINES_LOCATIONS, bad, sizeof bad, 1, 0), ==, -1);
  g_assert_cmpint (pyr_linetable_addr2line (PYR_LINES_LOCATIONS, endless_varint,
                                            sizeof endless_varint, 1, 0), ==, -1);
  g_assert_cmpint (pyr_linetable_addr2line (PYR_LINES_LINETABLE_310, bad, 1, 1, 100), ==, -1);
  g_assert_cmpint (pyr_linetable_addr2line (PYR_LINES_LNOTAB, bad, 0, 7, 100), ==, 7);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/sampler/linetable/cpython-3.9-lnotab", &vector_39, check_vector);
  g_test_add_data_func ("/sampler/linetable/cpython-3.10-linetable", &vector_310, check_vector);
  g_test_add_data_func ("/sampler/linetable/cpython-3.11-locations", &vector_311, check_vector);
  g_test_add_data_func ("/sampler/linetable/cpython-3.12-locations", &vector_312, check_vector);
  g_test_add_data_func ("/sampler/linetable/cpython-3.13-locations", &vector_313, check_vector);
  g_test_add_func ("/sampler/linetable/entry-boundary-start-inclusive", test_entry_boundary);
  g_test_add_func ("/sampler/linetable/garbage-ends-cleanly", test_garbage);
  return g_test_run ();
}
