/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Just enough of ELF64 to find the interpreter's symbols and sections.  The file is mapped
 * read-only and every offset in it is checked against its size: it is untrusted input. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pyr-err.h"

struct pyr_elf
{
  const uint8_t *data;
  size_t         size;
  uint64_t       first_load_vaddr;   /* page-aligned p_vaddr of the PT_LOAD with offset 0 */
  uint16_t       type;               /* ET_EXEC, ET_DYN */
};

int  pyr_elf_open           (struct pyr_elf *elf,
                             const char     *path,
                             struct pyr_err *err);
/* Parses an ELF image already in memory (not copied; for tests). */
int  pyr_elf_open_memory    (struct pyr_elf *elf,
                             const void     *data,
                             size_t          size,
                             struct pyr_err *err);
void pyr_elf_close          (struct pyr_elf *elf);

/* A defined symbol's link-time address from .dynsym or .symtab; -ENOENT when absent. */
int  pyr_elf_find_symbol    (const struct pyr_elf *elf,
                             const char           *name,
                             uint64_t             *addr,
                             uint64_t             *size);
/* A section's bytes in the file (not for SHT_NOBITS); -ENOENT when absent. */
int  pyr_elf_section_data   (const struct pyr_elf *elf,
                             const char           *name,
                             const uint8_t       **data,
                             size_t               *size);
/* A section's link-time address and size; -ENOENT when absent. */
int  pyr_elf_find_section   (const struct pyr_elf *elf,
                             const char           *name,
                             uint64_t             *addr,
                             uint64_t             *size);
