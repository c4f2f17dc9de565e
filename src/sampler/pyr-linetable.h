/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Line numbers from a code object's line table, decoded the way CPython's PyCode_Addr2Line
 * does for each format (Objects/codeobject.c of 3.9, 3.10 and 3.11+). */

#include <stddef.h>
#include <stdint.h>

#include "pyr-layout.h"

/* The line of the instruction at byte offset addr (already converted to bytes: f_lasti for
 * 3.9, 2 * f_lasti for 3.10, instruction pointer minus co_code_adaptive for 3.11+), or -1 when
 * the instruction has no line.  A negative addr gives firstlineno, as in CPython. */
int pyr_linetable_addr2line (enum pyr_line_table  kind,
                             const uint8_t       *table,
                             size_t               len,
                             int                  firstlineno,
                             int64_t              addr);
