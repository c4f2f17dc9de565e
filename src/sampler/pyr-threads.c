/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pyr-threads.h"

#include <errno.h>

int
pyr_threads_get_name (struct pyr_python *py,
                      uint64_t           ident,
                      char              *buf,
                      size_t             len)
{
  if (len > 0)
    buf[0] = '\0';
  return -ENOSYS;
}
