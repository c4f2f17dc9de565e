/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "pyr-python.h"

/* The name of a Python thread, or "" when unknown.  The main thread of the main interpreter is
 * "MainThread"; from 3.14 on threading names the OS thread after the Thread (truncated by the
 * kernel to 15 bytes), which /proc/PID/task/TID/comm shows.  Returns 0 or a negative errno.
 * Not for every sample: callers cache the answer per thread and ask again now and then. */
int pyr_threads_get_name (struct pyr_python *py,
                          uint64_t           ident,
                          uint32_t           native_id,
                          uint32_t           interp,
                          char              *buf,
                          size_t             len);
