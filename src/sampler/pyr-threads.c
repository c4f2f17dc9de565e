/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pyr-threads.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MAX_ATTRIBUTES 128

/* From 3.14 threading names the OS thread: the kernel keeps it (15 bytes at most). */
static int
name_from_comm (struct pyr_python *py,
                uint32_t           native_id,
                char              *buf,
                size_t             len)
{
  char path[64];
  ssize_t n;
  int fd;

  snprintf (path, sizeof path, "/proc/%d/task/%u/comm", (int) py->pid, native_id);
  if ((fd = open (path, O_RDONLY | O_CLOEXEC)) < 0)
    return -errno;
  n = read (fd, buf, len - 1);
  close (fd);
  if (n <= 0)
    return -ENOENT;
  buf[n] = '\0';
  if (buf[n - 1] == '\n')
    buf[n - 1] = '\0';
  return 0;
}

/*
 * Looks up a str-keyed entry in a dict's keys, the way the entries are laid out
 * (Objects/dict-common.h before 3.11, Include/internal/pycore_dict.h from 3.11):
 * <= 3.10: dk_size at 8, dk_nentries at 32, indices at 40, sized by dk_size; entries
 *          {hash, key, value};
 * >= 3.11: dk_log2_size at 8, dk_log2_index_bytes at 9, dk_kind at 10, dk_nentries at 24,
 *          indices at 32; entries {hash, key, value} (general) or {key, value} (str keys).
 * A split table keeps the values apart (values + values_off, one pointer per entry).
 */
static int
lookup_in_keys (struct pyr_python *py,
                uint64_t           keys,
                uint64_t           values,
                uint64_t           values_off,
                const char        *name,
                uint64_t          *out)
{
  const struct pyr_layout *l = &py->layout;
  uint8_t header[48];
  uint64_t entries, nentries;
  size_t entry_size, key_off, value_off;
  uint64_t buf[MAX_ATTRIBUTES * 3];
  int ret;

  if ((ret = pyr_remote_read (&py->mem, keys, header, sizeof header)) < 0)
    return ret;
  if (l->minor <= 10)
    {
      uint64_t size, ix;
      memcpy (&size, header + 8, 8);
      memcpy (&nentries, header + 32, 8);
      if (size == 0 || size > (1u << 20) || (size & (size - 1)) != 0)
        return -PYR_EINCONSISTENT;
      ix = size <= 0xff ? 1 : size <= 0xffff ? 2 : 4;
      entries = keys + 40 + size * ix;
      entry_size = 24;
      key_off = 8;
      value_off = 16;
    }
  else
    {
      uint8_t log2_index_bytes = header[9], kind = header[10];
      memcpy (&nentries, header + 24, 8);
      if (log2_index_bytes > 24 || kind > 2)
        return -PYR_EINCONSISTENT;
      entries = keys + 32 + (1ull << log2_index_bytes);
      entry_size = kind == 0 ? 24 : 16;
      key_off = kind == 0 ? 8 : 0;
      value_off = kind == 0 ? 16 : 8;
    }
  if (nentries > MAX_ATTRIBUTES)
    nentries = MAX_ATTRIBUTES;
  if ((ret = pyr_remote_read (&py->mem, entries, buf, nentries * entry_size)) < 0)
    return ret;

  for (uint64_t i = 0; i < nentries; i++)
    {
      const uint8_t *e = (const uint8_t *) buf + i * entry_size;
      uint64_t key, value;
      char kname[64];

      memcpy (&key, e + key_off, 8);
      if (key == 0 || pyr_python_read_str (py, key, kname, sizeof kname) < 0
          || strcmp (kname, name) != 0)
        continue;
      if (values != 0)
        {
          if ((ret = pyr_remote_read_u64 (&py->mem, values + values_off + i * 8, &value)) < 0)
            return ret;
        }
      else
        memcpy (&value, e + value_off, 8);
      if (value == 0)
        return -ENOENT;
      *out = value;
      return 0;
    }
  return -ENOENT;
}

/* PyDictValues: the values start after a 4-byte header (8 with padding) from 3.13. */
static uint64_t
values_offset (const struct pyr_layout *l)
{
  return l->minor >= 13 ? 8 : 0;
}

static int
lookup_in_dict (struct pyr_python *py,
                uint64_t           dict,
                const char        *name,
                uint64_t          *out)
{
  const struct pyr_layout *l = &py->layout;
  uint64_t keys, values;
  int ret;

  if ((ret = pyr_remote_read_u64 (&py->mem, dict + l->dict_keys, &keys)) < 0
      || (ret = pyr_remote_read_u64 (&py->mem, dict + l->dict_values, &values)) < 0)
    return ret;
  return lookup_in_keys (py, keys, values, values_offset (l), name, out);
}

/* An instance attribute stored in the instance's __dict__ or, from 3.11, in its managed
 * dict / values (Include/internal/pycore_object.h of each version). */
static int
instance_attribute (struct pyr_python *py,
                    uint64_t           obj,
                    const char        *name,
                    uint64_t          *out)
{
  const struct pyr_layout *l = &py->layout;
  uint64_t type, basicsize, flags, dictoffset, cached_keys, w3, w4, dict;
  int ret;

  if ((ret = pyr_remote_read_u64 (&py->mem, obj + l->ob_type, &type)) < 0
      || (ret = pyr_remote_read_u64 (&py->mem, type + l->tp_basicsize, &basicsize)) < 0
      || (ret = pyr_remote_read_u64 (&py->mem, type + l->tp_flags, &flags)) < 0
      || (ret = pyr_remote_read_u64 (&py->mem, type + l->tp_dictoffset, &dictoffset)) < 0
      || (ret = pyr_remote_read_u64 (&py->mem, type + l->ht_cached_keys, &cached_keys)) < 0)
    return ret;

  if (l->minor <= 10)
    {
      if ((int64_t) dictoffset <= 0 || dictoffset > 4096)
        return -ENOENT;
      if ((ret = pyr_remote_read_u64 (&py->mem, obj + dictoffset, &dict)) < 0)
        return ret;
      return dict != 0 ? lookup_in_dict (py, dict, name, out) : -ENOENT;
    }

  /* Py_TPFLAGS_MANAGED_DICT: the dict (or values) sit just before the object */
  if (!(flags & (1u << 4)))
    return -ENOENT;
  if ((ret = pyr_remote_read_u64 (&py->mem, obj - 24, &w3)) < 0)
    return ret;
  if (l->minor == 11)
    {
      if (w3 != 0)
        return lookup_in_dict (py, w3, name, out);
      if ((ret = pyr_remote_read_u64 (&py->mem, obj - 32, &w4)) < 0)
        return ret;
      return w4 != 0 ? lookup_in_keys (py, cached_keys, w4, 0, name, out) : -ENOENT;
    }
  if (l->minor == 12)
    {
      /* PyDictOrValues: a values pointer stored minus one (so odd), or a dict */
      if (w3 & 1)
        return lookup_in_keys (py, cached_keys, w3 + 1, 0, name, out);
      return w3 != 0 ? lookup_in_dict (py, w3, name, out) : -ENOENT;
    }
  /* 3.13: a materialised dict wins; else Py_TPFLAGS_INLINE_VALUES after the object */
  if (w3 != 0)
    return lookup_in_dict (py, w3, name, out);
  if (flags & (1u << 2))
    {
      uint8_t valid;
      if ((ret = pyr_remote_read (&py->mem, obj + basicsize + 3, &valid, 1)) < 0)
        return ret;
      if (valid)
        return lookup_in_keys (py, cached_keys, obj + basicsize, 8, name, out);
    }
  return -ENOENT;
}

/* Before 3.14: a thread started by threading has Thread._bootstrap(self) at its root; read
 * self._name. */
static int
name_from_bootstrap (struct pyr_python              *py,
                     const struct pyr_thread_sample *t,
                     const uint32_t                 *frames,
                     char                           *buf,
                     size_t                          len)
{
  const struct pyr_frame *root;
  const char *fname, *file;
  uint64_t self, name;
  size_t flen;
  int ret;

  if (t->depth == 0 || t->root_frame == 0 || frames == NULL)
    return -ENOENT;
  root = &py->frames.entries[frames[t->first]];
  fname = pyr_strtab_get (&py->strings, root->name);
  file = pyr_strtab_get (&py->strings, root->file);
  flen = strlen (file);
  if ((strcmp (fname, "_bootstrap") != 0 && strcmp (fname, "Thread._bootstrap") != 0)
      || flen < 12 || strcmp (file + flen - 12, "threading.py") != 0)
    return -ENOENT;
  if ((ret = pyr_remote_read_u64 (&py->mem, t->root_frame + py->layout.fr_localsplus, &self)) < 0)
    return ret;
  if (self == 0 || (ret = instance_attribute (py, self, "_name", &name)) < 0)
    return ret < 0 ? ret : -ENOENT;
  return pyr_python_read_str (py, name, buf, len);
}

int
pyr_threads_get_name (struct pyr_python              *py,
                      const struct pyr_thread_sample *t,
                      const uint32_t                 *frames,
                      char                           *buf,
                      size_t                          len)
{
  if (len == 0)
    return -EINVAL;
  buf[0] = '\0';
  if (t->native_id != 0 && t->native_id == (uint32_t) py->pid && t->interp == 0)
    {
      snprintf (buf, len, "MainThread");
      return 0;
    }
  if (py->layout.minor >= 14)
    return t->native_id != 0 ? name_from_comm (py, t->native_id, buf, len) : -ENOENT;
  return name_from_bootstrap (py, t, frames, buf, len);
}
