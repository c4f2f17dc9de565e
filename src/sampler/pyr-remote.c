/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pyr-remote.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAX_IOV 1024   /* UIO_MAXIOV */

static int
read_mem_fd (struct pyr_remote *r,
             uint64_t           addr,
             void              *buf,
             size_t             len)
{
  size_t done = 0;

  while (done < len)
    {
      ssize_t n = pread (r->mem_fd, (char *) buf + done, len - done, (off_t) (addr + done));

      r->reads++;
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return errno == EIO ? -EFAULT : -errno;
        }
      if (n == 0)
        return kill (r->pid, 0) < 0 && errno == ESRCH ? -ESRCH : -EFAULT;
      done += (size_t) n;
    }
  return 0;
}

int
pyr_remote_read (struct pyr_remote *r,
                 uint64_t           addr,
                 void              *buf,
                 size_t             len)
{
  struct iovec local = { buf, len };
  struct iovec remote = { (void *) (uintptr_t) addr, len };
  ssize_t n;

  if (len == 0)
    return 0;
  if (addr == 0 || addr + len < addr)
    return -EFAULT;
  if (r->use_mem)
    return read_mem_fd (r, addr, buf, len);

  r->reads++;
  n = process_vm_readv (r->pid, &local, 1, &remote, 1, 0);
  if (n < 0)
    return -errno;
  if ((size_t) n != len)
    return -EFAULT;
  return 0;
}

int
pyr_remote_readv (struct pyr_remote           *r,
                  const struct pyr_remote_iov *iov,
                  size_t                       n)
{
  struct iovec local[MAX_IOV];
  struct iovec remote[MAX_IOV];
  size_t total = 0;
  ssize_t got;

  if (r->use_mem || n > MAX_IOV)
    {
      for (size_t i = 0; i < n; i++)
        {
          int ret = pyr_remote_read (r, iov[i].addr, iov[i].buf, iov[i].len);
          if (ret < 0)
            return ret;
        }
      return 0;
    }

  for (size_t i = 0; i < n; i++)
    {
      if (iov[i].addr == 0)
        return -EFAULT;
      local[i].iov_base = iov[i].buf;
      local[i].iov_len = iov[i].len;
      remote[i].iov_base = (void *) (uintptr_t) iov[i].addr;
      remote[i].iov_len = iov[i].len;
      total += iov[i].len;
    }
  r->reads++;
  got = process_vm_readv (r->pid, local, n, remote, n, 0);
  if (got < 0)
    return -errno;
  if ((size_t) got != total)
    return -EFAULT;
  return 0;
}

int
pyr_remote_open (struct pyr_remote *r,
                 pid_t              pid,
                 uint64_t           probe_addr,
                 struct pyr_err    *err)
{
  char path[64];
  uint64_t word;
  int ret;

  memset (r, 0, sizeof *r);
  r->pid = pid;
  r->mem_fd = -1;

  ret = pyr_remote_read (r, probe_addr, &word, sizeof word);
  if (ret == 0)
    return 0;
  if (ret == -ESRCH)
    return pyr_err_set (err, -ESRCH, "process %d exited", (int) pid);
  if (ret != -EPERM && ret != -ENOSYS)
    return pyr_err_set (err, ret, "cannot read the memory of process %d at 0x%llx: %s",
                        (int) pid, (unsigned long long) probe_addr, strerror (-ret));

  /* Some sandboxes refuse process_vm_readv but still allow /proc/PID/mem. */
  snprintf (path, sizeof path, "/proc/%d/mem", (int) pid);
  r->mem_fd = open (path, O_RDONLY | O_CLOEXEC);
  if (r->mem_fd < 0)
    return pyr_err_set (err, -EPERM, "not allowed to read the memory of process %d", (int) pid);
  r->use_mem = true;
  ret = pyr_remote_read (r, probe_addr, &word, sizeof word);
  if (ret < 0)
    {
      pyr_remote_close (r);
      return pyr_err_set (err, ret == -EACCES ? -EPERM : ret,
                          "not allowed to read the memory of process %d", (int) pid);
    }
  return 0;
}

void
pyr_remote_close (struct pyr_remote *r)
{
  if (r->mem_fd >= 0)
    close (r->mem_fd);
  r->mem_fd = -1;
  r->use_mem = false;
}
