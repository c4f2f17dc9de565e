/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "pyr-python.h"

/* The name of a Python thread (as sampled in t, whose frames are in frames[]), or "" when
 * unknown.  The main thread of the main interpreter is "MainThread"; from 3.14 threading names
 * the OS thread after the Thread (the kernel keeps 15 bytes), which /proc/PID/task/TID/comm
 * shows; before, a thread started by threading has Thread._bootstrap(self) at its root and the
 * name is self._name.  Returns 0 or a negative errno.  A few reads: callers cache the answer
 * per thread and ask again now and then, not at every sample. */
int pyr_threads_get_name (struct pyr_python              *py,
                          const struct pyr_thread_sample *t,
                          const uint32_t                 *frames,
                          char                           *buf,
                          size_t                          len);
