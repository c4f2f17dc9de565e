/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Unsigned LEB128 and zigzag, shared by the writer and the reader.  Internal to src/protocol. */

#include <stdint.h>

#define PYR_VARINT_MAX_LEN 10

enum
{
  PYR_VARINT_OK       = 0,
  PYR_VARINT_SHORT    = -1,  /* input ended inside the varint */
  PYR_VARINT_OVERFLOW = -2,  /* more than 64 bits */
};

static inline uint8_t *
pyr_varint_put (uint8_t  *p,
                uint64_t  v)
{
  while (v >= 0x80)
    {
      *p++ = (uint8_t) (v | 0x80);
      v >>= 7;
    }
  *p++ = (uint8_t) v;
  return p;
}

static inline unsigned
pyr_varint_size (uint64_t v)
{
  unsigned n = 1;

  while (v >= 0x80)
    {
      v >>= 7;
      n++;
    }
  return n;
}

/* Non-minimal encodings are accepted as long as they fit in 10 bytes and 64 bits. */
static inline int
pyr_varint_get (const uint8_t **pp,
                const uint8_t  *end,
                uint64_t       *out)
{
  const uint8_t *p = *pp;
  uint64_t v = 0;

  if (p < end && *p < 0x80)
    {
      *out = *p;
      *pp = p + 1;
      return PYR_VARINT_OK;
    }

  for (unsigned i = 0; i < PYR_VARINT_MAX_LEN; i++)
    {
      uint8_t b;

      if (p >= end)
        return PYR_VARINT_SHORT;
      b = *p++;
      /* the 10th byte carries bit 63 only */
      if (i == PYR_VARINT_MAX_LEN - 1 && b > 1)
        return PYR_VARINT_OVERFLOW;
      v |= (uint64_t) (b & 0x7f) << (7 * i);
      if (!(b & 0x80))
        {
          *out = v;
          *pp = p;
          return PYR_VARINT_OK;
        }
    }

  return PYR_VARINT_OVERFLOW;
}

static inline uint64_t
pyr_zigzag_encode (int64_t v)
{
  return ((uint64_t) v << 1) ^ (uint64_t) (v >> 63);
}

static inline int64_t
pyr_zigzag_decode (uint64_t v)
{
  return (int64_t) (v >> 1) ^ -(int64_t) (v & 1);
}
