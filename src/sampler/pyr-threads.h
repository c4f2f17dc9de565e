/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "pyr-python.h"

/* The name threading gave the thread with this ident (threading._active[ident]._name), or ""
 * when unknown.  Returns 0 or a negative errno. */
int pyr_threads_get_name (struct pyr_python *py,
                          uint64_t           ident,
                          char              *buf,
                          size_t             len);
