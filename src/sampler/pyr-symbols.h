/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Strings and frames interned by content, with fixed capacity chosen up front so that
 * interning never allocates while sampling.  Each entry carries an out_id slot for the output
 * (the stream writer's id), filled by whoever emits the definition. */

#include <stddef.h>
#include <stdint.h>

#include "pyr-err.h"

#define PYR_OUT_ID_NONE UINT32_MAX

struct pyr_string
{
  uint32_t off;
  uint32_t len;
  uint32_t hash;
  uint32_t out_id;
};

struct pyr_strtab
{
  char              *arena;
  size_t             arena_len;
  size_t             arena_cap;
  struct pyr_string *entries;
  uint32_t           n;
  uint32_t           cap;
  uint32_t          *index;       /* open addressing: entry + 1, 0 = empty */
  uint32_t           index_mask;
};

int  pyr_strtab_init    (struct pyr_strtab *st,
                         uint32_t           max_strings,
                         size_t             arena_bytes);
void pyr_strtab_clear   (struct pyr_strtab *st);
/* -ENOSPC when full. */
int  pyr_strtab_intern  (struct pyr_strtab *st,
                         const char        *s,
                         size_t             len,
                         uint32_t          *id);
static inline const char *
pyr_strtab_get (const struct pyr_strtab *st,
                uint32_t                 id)
{
  return st->arena + st->entries[id].off;    /* NUL-terminated */
}

struct pyr_frame
{
  uint32_t name;         /* string ids */
  uint32_t file;
  int32_t  line;         /* 0 when unknown */
  int32_t  first_line;
  uint32_t kind;         /* PyrStreamFrameKind values */
  uint32_t out_id;
};

struct pyr_frametab
{
  struct pyr_frame *entries;
  uint32_t          n;
  uint32_t          cap;
  uint32_t         *index;
  uint32_t          index_mask;
};

int  pyr_frametab_init   (struct pyr_frametab *ft,
                          uint32_t             max_frames);
void pyr_frametab_clear  (struct pyr_frametab *ft);
int  pyr_frametab_intern (struct pyr_frametab    *ft,
                          const struct pyr_frame *frame,
                          uint32_t               *id);
