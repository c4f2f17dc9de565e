/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Reading another process's memory without stopping it.  Everything read is untrusted: a short
 * read is an error, never a partial result. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pyr-err.h"

struct pyr_remote
{
  pid_t    pid;
  int      mem_fd;     /* /proc/PID/mem, opened only when process_vm_readv is refused */
  bool     use_mem;
  uint64_t reads;      /* system calls made, for statistics */
  uint8_t *bounce;     /* PYR_REMOTE_BOUNCE_BYTES: nearby regions are read into it as one */
};

#define PYR_REMOTE_BOUNCE_BYTES  (128u * 1024)

struct pyr_remote_iov
{
  uint64_t addr;
  void    *buf;
  size_t   len;
};

/* Probes that memory can be read (at probe_addr, e.g. the interpreter's runtime) and picks
 * process_vm_readv or /proc/PID/mem.  Fails with -EPERM/-ESRCH and a message. */
int  pyr_remote_open   (struct pyr_remote *r,
                        pid_t              pid,
                        uint64_t           probe_addr,
                        struct pyr_err    *err);
void pyr_remote_close  (struct pyr_remote *r);

/* Reads exactly len bytes at addr.  Returns 0, -EFAULT (unmapped or short), -ESRCH (gone),
 * -EPERM.  No message: this is the hot path. */
int  pyr_remote_read   (struct pyr_remote *r,
                        uint64_t           addr,
                        void              *buf,
                        size_t             len);

/* Several regions in one system call where possible; all or nothing. */
int  pyr_remote_readv  (struct pyr_remote           *r,
                        const struct pyr_remote_iov *iov,
                        size_t                       n);

/* Reads a pointer-sized value. */
static inline int
pyr_remote_read_u64 (struct pyr_remote *r,
                     uint64_t           addr,
                     uint64_t          *out)
{
  return pyr_remote_read (r, addr, out, sizeof *out);
}
