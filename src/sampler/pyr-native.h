/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* --native: the C stacks of a stopped target, unwound with libunwind (ptrace accessors, our
 * own memory reads) and merged with the Python stacks of the same sample.
 *
 * The caller stops the threads (pyr-ptrace), reads the Python sample, calls
 * pyr_native_merge() and resumes them: the merge only reads registers and memory of threads
 * that are stopped, and never stops or resumes anything itself.
 *
 * Merge rule (py-spy's): native frames are read leaf to root; each frame of the eval loop
 * (_PyEval_EvalFrameDefault) is replaced by the Python frames it runs (one each up to 3.10;
 * 3.11: the frames from one entry frame inwards; 3.12+: the frames above one shim frame).
 * From 3.11 the eval frame is found by address, not name: the eval loop keeps the shim frame
 * (3.12+) or its _PyCFrame (3.11) in its own C stack frame, so it is found even where PGO
 * builds leave parts of _PyEval_EvalFrameDefault unnamed.  Other
 * frames inside the interpreter's own binary or libpython are dropped, except those whose
 * name starts with a module's prefix (time, sys, gc, os, unicode, thread, stringio, sre,
 * PyGilState, PyThread, lock) and `main`; thread-start frames (clone, start_thread,
 * __libc_start_main, _start, and unnamed libc functions at the root) are dropped.  When the counts do not match (one extra eval frame
 * is tolerated), the thread keeps its Python stack and the mismatch is counted.
 *
 * Unwinding: one libunwind address space with the ptrace accessors, except that memory is
 * read with process_vm_readv in cached blocks and each object's unwind table (its
 * eh_frame_hdr, the vDSO's too) is found from the target's memory, once.  Names come from
 * libunwind (_UPT_get_proc_name), cached per address and per function; a name that does not
 * start at the function's unwind entry (a stripped object's nearest export) is replaced by
 * the function's offset in its object, "0x1a2b0".  Frames are kind 1 (native), file = the
 * object's path as the target maps it. */

#include <stdbool.h>
#include <stdint.h>

#include "pyr-err.h"
#include "pyr-python.h"

struct pyr_native;

struct pyr_native_stats
{
  uint64_t threads;          /* thread stacks merged */
  uint64_t unwind_failed;    /* no native stack (libunwind refused the thread) */
  uint64_t mismatched;       /* eval-loop frames and Python frame groups did not match */
  uint64_t native_frames;    /* frames (native and Python) in the merged stacks */
  uint64_t symbol_misses;    /* functions whose name was looked up (the caches' misses) */
};

/* Whether this build can unwind native stacks (libunwind was found at build time). */
bool pyr_native_available (void);

/* Prepares unwinding in py's process.  -ENOTSUP with a message when the build has no
 * libunwind. */
int  pyr_native_new   (struct pyr_native **native,
                       struct pyr_python  *py,
                       struct pyr_err     *err);
void pyr_native_free  (struct pyr_native  *native);

/* Unwinds every thread of sample (their native_id) and replaces each one's Python stack with
 * the merged stack (new frame ids appended to sample->frames).  Threads whose unwinding fails
 * keep their Python stack.  The threads must be ptrace-stopped by the caller. */
void pyr_native_merge (struct pyr_native  *native,
                       struct pyr_python  *py,
                       struct pyr_sample  *sample);

void pyr_native_get_stats (const struct pyr_native *native,
                           struct pyr_native_stats *stats);
