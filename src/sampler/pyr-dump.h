/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdio.h>

#include "pyr-python.h"

/* Prints every thread's current stack once, innermost frame first, like `py-spy dump`:
 *
 *   Thread 4242 (active+gil): "MainThread"
 *       spin (/path/spin.py:12)
 *       main (/path/spin.py:20)
 */
int pyr_dump_print (struct pyr_python *py,
                    struct pyr_sample *sample,
                    FILE              *out,
                    struct pyr_err    *err);
