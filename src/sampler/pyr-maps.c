/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pyr-maps.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_MAPS_TEXT (64u << 20)

static char *
read_whole (const char *path,
            int        *out_errno)
{
  size_t cap = 65536, len = 0;
  char *buf;
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    {
      *out_errno = errno;
      return NULL;
    }
  buf = malloc (cap);
  while (buf != NULL)
    {
      ssize_t n;

      if (len + 1 >= cap)
        {
          char *bigger = cap < MAX_MAPS_TEXT ? realloc (buf, cap * 2) : NULL;
          if (bigger == NULL)
            {
              free (buf);
              buf = NULL;
              *out_errno = ENOMEM;
              break;
            }
          buf = bigger;
          cap *= 2;
        }
      n = read (fd, buf + len, cap - len - 1);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          *out_errno = errno;
          free (buf);
          buf = NULL;
          break;
        }
      if (n == 0)
        {
          buf[len] = '\0';
          break;
        }
      len += (size_t) n;
    }
  close (fd);
  return buf;
}

int
pyr_maps_parse (struct pyr_maps *maps,
                const char      *text,
                struct pyr_err  *err)
{
  size_t cap = 0;
  const char *line = text;

  memset (maps, 0, sizeof *maps);
  while (*line != '\0')
    {
      const char *eol = strchr (line, '\n');
      size_t len = eol ? (size_t) (eol - line) : strlen (line);
      unsigned long long start, end, offset;
      char perms[8];
      int path_at = -1;
      char tmp[1024];
      size_t tl = len < sizeof tmp - 1 ? len : sizeof tmp - 1;

      memcpy (tmp, line, tl);
      tmp[tl] = '\0';
      if (sscanf (tmp, "%llx-%llx %7s %llx %*s %*s %n", &start, &end, perms, &offset, &path_at) >= 4
          && strlen (perms) >= 3 && end > start)
        {
          struct pyr_map *m;
          const char *p = path_at > 0 && (size_t) path_at <= len ? line + path_at : line + len;
          size_t plen = (size_t) (line + len - p);

          if (maps->n == cap)
            {
              size_t ncap = cap ? cap * 2 : 256;
              struct pyr_map *bigger = realloc (maps->maps, ncap * sizeof *bigger);
              if (bigger == NULL)
                {
                  pyr_maps_clear (maps);
                  return pyr_err_set (err, -ENOMEM, "out of memory reading the memory map");
                }
              maps->maps = bigger;
              cap = ncap;
            }
          m = &maps->maps[maps->n];
          m->start = start;
          m->end = end;
          m->offset = offset;
          m->readable = perms[0] == 'r';
          m->writable = perms[1] == 'w';
          m->executable = perms[2] == 'x';
          m->path = strndup (p, plen);
          if (m->path == NULL)
            {
              pyr_maps_clear (maps);
              return pyr_err_set (err, -ENOMEM, "out of memory reading the memory map");
            }
          maps->n++;
        }
      line += len;
      if (*line == '\n')
        line++;
    }
  return 0;
}

int
pyr_maps_read (struct pyr_maps *maps,
               pid_t            pid,
               struct pyr_err  *err)
{
  char path[64];
  int e = 0;
  char *text;
  int ret;

  snprintf (path, sizeof path, "/proc/%d/maps", (int) pid);
  text = read_whole (path, &e);
  if (text == NULL)
    {
      memset (maps, 0, sizeof *maps);
      if (e == ENOENT || e == ESRCH)
        return pyr_err_set (err, -ESRCH, "no process with id %d", (int) pid);
      if (e == EACCES || e == EPERM)
        return pyr_err_set (err, -EPERM, "not allowed to read the memory map of process %d",
                            (int) pid);
      return pyr_err_set (err, -e, "cannot read %s: %s", path, strerror (e));
    }
  ret = pyr_maps_parse (maps, text, err);
  free (text);
  if (ret == 0 && maps->n == 0)
    return pyr_err_set (err, -ESRCH, "process %d has no memory map (a zombie, or exited)",
                        (int) pid);
  return ret;
}

void
pyr_maps_clear (struct pyr_maps *maps)
{
  for (size_t i = 0; i < maps->n; i++)
    free (maps->maps[i].path);
  free (maps->maps);
  memset (maps, 0, sizeof *maps);
}

const struct pyr_map *
pyr_maps_find (const struct pyr_maps *maps,
               uint64_t               addr)
{
  for (size_t i = 0; i < maps->n; i++)
    if (addr >= maps->maps[i].start && addr < maps->maps[i].end)
      return &maps->maps[i];
  return NULL;
}

const struct pyr_map *
pyr_maps_find_base (const struct pyr_maps *maps,
                    const char            *path)
{
  const struct pyr_map *best = NULL;

  for (size_t i = 0; i < maps->n; i++)
    {
      const struct pyr_map *m = &maps->maps[i];
      if (m->offset == 0 && strcmp (m->path, path) == 0 && (best == NULL || m->start < best->start))
        best = m;
    }
  return best;
}
