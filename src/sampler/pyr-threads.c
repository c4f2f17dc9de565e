/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pyr-threads.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
pyr_threads_get_name (struct pyr_python *py,
                      uint64_t           ident,
                      uint32_t           native_id,
                      uint32_t           interp,
                      char              *buf,
                      size_t             len)
{
  char path[64];
  ssize_t n;
  int fd;

  if (len == 0)
    return -EINVAL;
  buf[0] = '\0';
  if (native_id != 0 && native_id == (uint32_t) py->pid && interp == 0)
    {
      snprintf (buf, len, "MainThread");
      return 0;
    }
  if (py->layout.minor < 14 || native_id == 0)
    return -ENOENT;

  snprintf (path, sizeof path, "/proc/%d/task/%u/comm", (int) py->pid, native_id);
  if ((fd = open (path, O_RDONLY | O_CLOEXEC)) < 0)
    return -errno;
  n = read (fd, buf, len - 1);
  close (fd);
  if (n <= 0)
    {
      buf[0] = '\0';
      return -ENOENT;
    }
  buf[n] = '\0';
  if (buf[n - 1] == '\n')
    buf[n - 1] = '\0';
  (void) ident;
  return 0;
}
