/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pyr-elf.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define PAGE_MASK_4K (~(uint64_t) 0xfff)

static const Elf64_Shdr *
section_header (const struct pyr_elf *elf,
                size_t                i)
{
  const Elf64_Ehdr *eh = (const Elf64_Ehdr *) elf->data;
  uint64_t off = eh->e_shoff + (uint64_t) i * sizeof (Elf64_Shdr);

  if (i >= eh->e_shnum || off + sizeof (Elf64_Shdr) > elf->size || off < eh->e_shoff)
    return NULL;
  return (const Elf64_Shdr *) (elf->data + off);
}

/* A NUL-terminated string at offset within section strtab, or NULL. */
static const char *
string_at (const struct pyr_elf *elf,
           const Elf64_Shdr     *strtab,
           uint64_t              offset)
{
  const char *s;

  if (strtab->sh_type == SHT_NOBITS || strtab->sh_offset > elf->size
      || strtab->sh_size > elf->size - strtab->sh_offset || offset >= strtab->sh_size)
    return NULL;
  s = (const char *) elf->data + strtab->sh_offset + offset;
  if (memchr (s, '\0', strtab->sh_size - offset) == NULL)
    return NULL;
  return s;
}

int
pyr_elf_open_memory (struct pyr_elf *elf,
                     const void     *data,
                     size_t          size,
                     struct pyr_err *err)
{
  const Elf64_Ehdr *eh = data;
  bool found = false;

  memset (elf, 0, sizeof *elf);
  if (size < sizeof *eh || memcmp (eh->e_ident, ELFMAG, SELFMAG) != 0)
    return pyr_err_set (err, -ENOEXEC, "not an ELF file");
  if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB)
    return pyr_err_set (err, -ENOEXEC, "not a 64-bit little-endian ELF file");
  if (eh->e_shentsize != 0 && eh->e_shentsize != sizeof (Elf64_Shdr))
    return pyr_err_set (err, -ENOEXEC, "unexpected ELF section header size");
  if (eh->e_phentsize != sizeof (Elf64_Phdr))
    return pyr_err_set (err, -ENOEXEC, "unexpected ELF program header size");

  elf->data = data;
  elf->size = size;
  elf->type = eh->e_type;

  for (size_t i = 0; i < eh->e_phnum; i++)
    {
      uint64_t off = eh->e_phoff + i * sizeof (Elf64_Phdr);
      const Elf64_Phdr *ph;

      if (off + sizeof *ph > size || off < eh->e_phoff)
        break;
      ph = (const Elf64_Phdr *) ((const uint8_t *) data + off);
      if (ph->p_type == PT_LOAD && (ph->p_offset & PAGE_MASK_4K) == 0)
        {
          elf->first_load_vaddr = ph->p_vaddr & PAGE_MASK_4K;
          found = true;
          break;
        }
    }
  if (!found)
    return pyr_err_set (err, -ENOEXEC, "ELF file without a loadable segment at offset 0");
  return 0;
}

int
pyr_elf_open (struct pyr_elf *elf,
              const char     *path,
              struct pyr_err *err)
{
  struct stat st;
  void *data;
  int fd, ret;

  memset (elf, 0, sizeof *elf);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return pyr_err_set (err, -errno, "cannot open %s: %s", path, strerror (errno));
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode) || st.st_size < (off_t) sizeof (Elf64_Ehdr))
    {
      close (fd);
      return pyr_err_set (err, -ENOEXEC, "%s is not an ELF file", path);
    }
  data = mmap (NULL, (size_t) st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  close (fd);
  if (data == MAP_FAILED)
    return pyr_err_set (err, -errno, "cannot map %s: %s", path, strerror (errno));
  ret = pyr_elf_open_memory (elf, data, (size_t) st.st_size, err);
  if (ret < 0)
    {
      munmap (data, (size_t) st.st_size);
      memset (elf, 0, sizeof *elf);
      return pyr_err_prefix (err, ret, "%s", path);
    }
  return 0;
}

void
pyr_elf_close (struct pyr_elf *elf)
{
  if (elf->data != NULL)
    munmap ((void *) elf->data, elf->size);
  memset (elf, 0, sizeof *elf);
}

static int
find_in_symtab (const struct pyr_elf *elf,
                uint32_t              type,
                const char           *name,
                uint64_t             *addr,
                uint64_t             *size)
{
  const Elf64_Ehdr *eh = (const Elf64_Ehdr *) elf->data;

  for (size_t i = 0; i < eh->e_shnum; i++)
    {
      const Elf64_Shdr *sh = section_header (elf, i);
      const Elf64_Shdr *strtab;
      size_t count;

      if (sh == NULL || sh->sh_type != type || sh->sh_entsize != sizeof (Elf64_Sym))
        continue;
      if (sh->sh_offset > elf->size || sh->sh_size > elf->size - sh->sh_offset)
        continue;
      strtab = section_header (elf, sh->sh_link);
      if (strtab == NULL)
        continue;
      count = sh->sh_size / sizeof (Elf64_Sym);
      for (size_t j = 0; j < count; j++)
        {
          const Elf64_Sym *sym = (const Elf64_Sym *) (elf->data + sh->sh_offset) + j;
          const char *sname;

          if (sym->st_shndx == SHN_UNDEF || sym->st_value == 0)
            continue;
          sname = string_at (elf, strtab, sym->st_name);
          if (sname != NULL && strcmp (sname, name) == 0)
            {
              *addr = sym->st_value;
              if (size != NULL)
                *size = sym->st_size;
              return 0;
            }
        }
    }
  return -ENOENT;
}

int
pyr_elf_find_symbol (const struct pyr_elf *elf,
                     const char           *name,
                     uint64_t             *addr,
                     uint64_t             *size)
{
  if (find_in_symtab (elf, SHT_DYNSYM, name, addr, size) == 0)
    return 0;
  return find_in_symtab (elf, SHT_SYMTAB, name, addr, size);
}

static const Elf64_Shdr *
find_section_header (const struct pyr_elf *elf,
                     const char           *name)
{
  const Elf64_Ehdr *eh = (const Elf64_Ehdr *) elf->data;
  const Elf64_Shdr *shstr = section_header (elf, eh->e_shstrndx);

  if (shstr == NULL)
    return NULL;
  for (size_t i = 0; i < eh->e_shnum; i++)
    {
      const Elf64_Shdr *sh = section_header (elf, i);
      const char *sname = sh ? string_at (elf, shstr, sh->sh_name) : NULL;

      if (sname != NULL && strcmp (sname, name) == 0)
        return sh;
    }
  return NULL;
}

int
pyr_elf_section_data (const struct pyr_elf *elf,
                      const char           *name,
                      const uint8_t       **data,
                      size_t               *size)
{
  const Elf64_Shdr *sh = find_section_header (elf, name);

  if (sh == NULL || sh->sh_type == SHT_NOBITS || sh->sh_offset > elf->size
      || sh->sh_size > elf->size - sh->sh_offset)
    return -ENOENT;
  *data = elf->data + sh->sh_offset;
  *size = sh->sh_size;
  return 0;
}

int
pyr_elf_find_section (const struct pyr_elf *elf,
                      const char           *name,
                      uint64_t             *addr,
                      uint64_t             *size)
{
  const Elf64_Ehdr *eh = (const Elf64_Ehdr *) elf->data;
  const Elf64_Shdr *shstr = section_header (elf, eh->e_shstrndx);

  if (shstr == NULL)
    return -ENOENT;
  for (size_t i = 0; i < eh->e_shnum; i++)
    {
      const Elf64_Shdr *sh = section_header (elf, i);
      const char *sname = sh ? string_at (elf, shstr, sh->sh_name) : NULL;

      if (sname != NULL && strcmp (sname, name) == 0)
        {
          *addr = sh->sh_addr;
          *size = sh->sh_size;
          return 0;
        }
    }
  return -ENOENT;
}
