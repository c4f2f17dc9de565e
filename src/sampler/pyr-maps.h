/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* /proc/PID/maps, parsed once at attach time (allocates; never called while sampling). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pyr-err.h"

struct pyr_map
{
  uint64_t start;
  uint64_t end;
  uint64_t offset;
  bool     readable;
  bool     writable;
  bool     executable;
  char    *path;        /* "" for anonymous mappings; owned by the pyr_maps */
};

struct pyr_maps
{
  struct pyr_map *maps;
  size_t          n;
};

int  pyr_maps_read    (struct pyr_maps *maps,
                       pid_t            pid,
                       struct pyr_err  *err);
/* Parses the text of a maps file (exposed for tests). */
int  pyr_maps_parse   (struct pyr_maps *maps,
                       const char      *text,
                       struct pyr_err  *err);
void pyr_maps_clear   (struct pyr_maps *maps);

/* The mapping holding addr, or NULL. */
const struct pyr_map *pyr_maps_find (const struct pyr_maps *maps,
                                     uint64_t               addr);
/* The lowest mapping of path with file offset 0, or NULL. */
const struct pyr_map *pyr_maps_find_base (const struct pyr_maps *maps,
                                          const char            *path);
