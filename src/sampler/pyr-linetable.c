/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pyr-linetable.h"

/* <= 3.9: (byte increment, line increment) pairs; a line increment is signed since 3.6.  The
 * line is the one in force at the first pair whose cumulative address passes addr. */
static int
lnotab_addr2line (const uint8_t *p,
                  size_t         len,
                  int            line,
                  int64_t        addr)
{
  int64_t a = 0;

  for (size_t i = 0; i + 1 < len; i += 2)
    {
      a += p[i];
      if (a > addr)
        break;
      line += (int8_t) p[i + 1];
    }
  return line;
}

/* 3.10 (PEP 626): (byte delta, line delta) pairs; a line delta of -128 means "no line".
 * Ranges start at -1..0 as in _PyLineTable_InitAddressRange; empty ranges are stepped over. */
static int
linetable310_addr2line (const uint8_t *p,
                        size_t         len,
                        int            firstlineno,
                        int64_t        addr)
{
  int64_t start = -1, end = 0;
  int computed = firstlineno, line = -1;
  size_t i = 0;

  while (end <= addr)
    {
      /* PyLineTable_NextAddressRange: advance, then skip zero-length ranges */
      do
        {
          int ldelta;

          if (i + 1 >= len)
            return -1;
          start = end;
          end += p[i];
          ldelta = (int8_t) p[i + 1];
          i += 2;
          if (ldelta == -128)
            line = -1;
          else
            {
              computed += ldelta;
              line = computed;
            }
        }
      while (start == end);
    }
  (void) start;
  return line;
}

static int
read_varint (const uint8_t *p,
             size_t         len,
             size_t        *i,
             unsigned      *out)
{
  unsigned val = 0, shift = 0, b;

  do
    {
      if (*i >= len || shift > 28)
        return -1;
      b = p[(*i)++];
      val |= (b & 63u) << shift;
      shift += 6;
    }
  while (b & 64);
  *out = val;
  return 0;
}

static int
read_svarint (const uint8_t *p,
              size_t         len,
              size_t        *i,
              int           *out)
{
  unsigned u;

  if (read_varint (p, len, i, &u) < 0)
    return -1;
  *out = (u & 1) ? -(int) (u >> 1) : (int) (u >> 1);
  return 0;
}

/* >= 3.11: location entries.  Each starts with a byte with bit 7 set: bits 3-6 are the code,
 * bits 0-2 the length in code units minus one.  Entry i covers [start, start + length * 2);
 * the answer is the entry with start <= addr < end, as _PyCode_CheckLineNumber finds it. */
static int
locations_addr2line (const uint8_t *p,
                     size_t         len,
                     int            firstlineno,
                     int64_t        addr)
{
  int64_t end = 0;
  int computed = firstlineno;
  size_t i = 0;

  while (i < len)
    {
      uint8_t first = p[i];
      int code = (first >> 3) & 15;
      int64_t start = end;
      int delta = 0;
      size_t payload = i + 1;

      if ((first & 0x80) == 0)
        return -1;
      end = start + (int64_t) ((first & 7) + 1) * 2;
      if (code == 14 || code == 13)
        {
          if (read_svarint (p, len, &payload, &delta) < 0)
            return -1;
        }
      else if (code >= 10 && code <= 12)
        delta = code - 10;
      computed += delta;
      if (addr >= start && addr < end)
        return code == 15 ? -1 : computed;

      /* skip to the next entry start */
      i++;
      while (i < len && (p[i] & 0x80) == 0)
        i++;
    }
  return -1;
}

int
pyr_linetable_addr2line (enum pyr_line_table  kind,
                         const uint8_t       *table,
                         size_t               len,
                         int                  firstlineno,
                         int64_t              addr)
{
  if (addr < 0)
    return firstlineno;
  switch (kind)
    {
    case PYR_LINES_LNOTAB:
      return lnotab_addr2line (table, len, firstlineno, addr);
    case PYR_LINES_LINETABLE_310:
      return linetable310_addr2line (table, len, firstlineno, addr);
    case PYR_LINES_LOCATIONS:
      return locations_addr2line (table, len, firstlineno, addr);
    default:
      return -1;
    }
}
