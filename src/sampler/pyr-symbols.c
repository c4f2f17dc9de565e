/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pyr-symbols.h"

#include <stdlib.h>
#include <string.h>

static uint32_t
hash_bytes (const void *data,
            size_t      len,
            uint32_t    h)
{
  const uint8_t *p = data;

  for (size_t i = 0; i < len; i++)
    h = (h ^ p[i]) * 16777619u;
  return h;
}

static uint32_t
index_size_for (uint32_t n)
{
  uint32_t size = 16;
  while (size < n * 2)
    size <<= 1;
  return size;
}

int
pyr_strtab_init (struct pyr_strtab *st,
                 uint32_t           max_strings,
                 size_t             arena_bytes)
{
  uint32_t isize = index_size_for (max_strings);

  memset (st, 0, sizeof *st);
  st->arena = malloc (arena_bytes);
  st->entries = calloc (max_strings, sizeof *st->entries);
  st->index = calloc (isize, sizeof *st->index);
  if (st->arena == NULL || st->entries == NULL || st->index == NULL)
    {
      pyr_strtab_clear (st);
      return -ENOMEM;
    }
  st->arena_cap = arena_bytes;
  st->cap = max_strings;
  st->index_mask = isize - 1;
  return 0;
}

void
pyr_strtab_clear (struct pyr_strtab *st)
{
  free (st->arena);
  free (st->entries);
  free (st->index);
  memset (st, 0, sizeof *st);
}

int
pyr_strtab_intern (struct pyr_strtab *st,
                   const char        *s,
                   size_t             len,
                   uint32_t          *id)
{
  uint32_t h = hash_bytes (s, len, 2166136261u);
  uint32_t slot = h & st->index_mask;
  struct pyr_string *e;

  for (;;)
    {
      uint32_t v = st->index[slot];
      if (v == 0)
        break;
      e = &st->entries[v - 1];
      if (e->hash == h && e->len == len && memcmp (st->arena + e->off, s, len) == 0)
        {
          *id = v - 1;
          return 0;
        }
      slot = (slot + 1) & st->index_mask;
    }
  if (st->n >= st->cap || len >= st->arena_cap - st->arena_len || len > UINT32_MAX / 2)
    return -ENOSPC;
  e = &st->entries[st->n];
  e->off = (uint32_t) st->arena_len;
  e->len = (uint32_t) len;
  e->hash = h;
  e->out_id = PYR_OUT_ID_NONE;
  memcpy (st->arena + st->arena_len, s, len);
  st->arena[st->arena_len + len] = '\0';
  st->arena_len += len + 1;
  st->index[slot] = ++st->n;
  *id = st->n - 1;
  return 0;
}

int
pyr_frametab_init (struct pyr_frametab *ft,
                   uint32_t             max_frames)
{
  uint32_t isize = index_size_for (max_frames);

  memset (ft, 0, sizeof *ft);
  ft->entries = calloc (max_frames, sizeof *ft->entries);
  ft->index = calloc (isize, sizeof *ft->index);
  if (ft->entries == NULL || ft->index == NULL)
    {
      pyr_frametab_clear (ft);
      return -ENOMEM;
    }
  ft->cap = max_frames;
  ft->index_mask = isize - 1;
  return 0;
}

void
pyr_frametab_clear (struct pyr_frametab *ft)
{
  free (ft->entries);
  free (ft->index);
  memset (ft, 0, sizeof *ft);
}

int
pyr_frametab_intern (struct pyr_frametab    *ft,
                     const struct pyr_frame *frame,
                     uint32_t               *id)
{
  uint32_t key[5] = { frame->name, frame->file, (uint32_t) frame->line,
                      (uint32_t) frame->first_line, frame->kind };
  uint32_t h = hash_bytes (key, sizeof key, 2166136261u);
  uint32_t slot = h & ft->index_mask;
  struct pyr_frame *e;

  for (;;)
    {
      uint32_t v = ft->index[slot];
      if (v == 0)
        break;
      e = &ft->entries[v - 1];
      if (e->name == frame->name && e->file == frame->file && e->line == frame->line
          && e->first_line == frame->first_line && e->kind == frame->kind)
        {
          *id = v - 1;
          return 0;
        }
      slot = (slot + 1) & ft->index_mask;
    }
  if (ft->n >= ft->cap)
    return -ENOSPC;
  e = &ft->entries[ft->n];
  *e = *frame;
  e->out_id = PYR_OUT_ID_NONE;
  ft->index[slot] = ++ft->n;
  *id = ft->n - 1;
  return 0;
}
