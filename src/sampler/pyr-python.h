/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* A Python process seen from outside: finding its interpreter, then reading every thread's
 * stack without stopping it.  Everything is sized at attach time; pyr_python_sample() does
 * not allocate. */

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "pyr-err.h"
#include "pyr-layout.h"
#include "pyr-remote.h"
#include "pyr-symbols.h"

#define PYR_MAX_THREADS            512
#define PYR_MAX_INTERPRETERS       64
#define PYR_MAX_DEPTH              4096
#define PYR_MAX_FRAMES_PER_SAMPLE  (1u << 17)

/* Flags, the same bits as the stream's sample flags. */
#define PYR_THREAD_IDLE        (1u << 0)
#define PYR_THREAD_GIL         (1u << 1)
#define PYR_THREAD_GC          (1u << 2)
#define PYR_THREAD_TRUNCATED   (1u << 3)

struct pyr_thread_sample
{
  uint64_t tstate;          /* remote PyThreadState address */
  uint64_t thread_id;       /* threading.get_ident() */
  uint32_t native_id;       /* kernel tid, 0 if unknown */
  uint32_t interp;          /* index of the interpreter, 0 = main */
  uint32_t flags;
  uint32_t first;           /* frames[first .. first + depth), root first */
  uint32_t depth;
  uint64_t root_frame;      /* remote address of the outermost Python frame */
};

struct pyr_sample
{
  struct pyr_thread_sample threads[PYR_MAX_THREADS];
  uint32_t n_threads;
  uint32_t n_errors;        /* threads dropped because they could not be read consistently */
  uint32_t frames[PYR_MAX_FRAMES_PER_SAMPLE];   /* ids in pyr_python.frames */
  uint32_t n_frames;
};

struct pyr_code_entry;
struct pyr_task;

/* Speculative reads (see pyr-python.c): how much is guessed per sample. */
#define PYR_SPEC_THREADS       16
#define PYR_SPEC_FRAMES        1000       /* frames read one by one, per thread */
#define PYR_SPEC_TS_BYTES      1024       /* thread state bytes per thread */
#define PYR_SPEC_WINDOW_BYTES  (64u * 1024) /* chunk bytes per thread */
#define PYR_SPEC_IOV           1024

struct pyr_spec_thread
{
  uint64_t tstate;
  uint64_t ident;           /* thread_id, and the native id found for it (<= 3.10) */
  uint32_t native_id;
  uint64_t cframe;          /* 3.11/3.12 */
  uint64_t spec_frame;      /* current_frame read through cframe */
  uint64_t chunk;
  uint64_t chunk_size;
  uint64_t top;             /* end of the innermost frame */
  uint64_t win_off;         /* where this thread's chunk copy lands in spec_window */
  uint64_t win_len;
  uint32_t n_objs;
  uint32_t pf_n;
  uint64_t objs[PYR_SPEC_FRAMES];
};

struct pyr_spec_read
{
  uint64_t interp;
  uint64_t head;
  uint64_t next;
  uint64_t holder;
  uint64_t code_generation;
  int32_t  gc;
  int32_t  gil_locked;
  size_t   n_fixed;
  uint32_t n_threads;
};

struct pyr_python
{
  pid_t              pid;
  struct pyr_remote  mem;
  struct pyr_layout  layout;
  uint64_t           runtime;          /* remote address of _PyRuntime */
  char               version[32];      /* "3.12.1" */
  char               image[PATH_MAX];  /* the file holding the interpreter, as the target sees it */
  int                stat_dir_fd;      /* /proc/PID/task */

  struct pyr_strtab   strings;
  struct pyr_frametab frames;

  /* caches, sized at attach */
  struct pyr_code_entry *codes;
  uint32_t               codes_mask;
  uint32_t               codes_used;
  uint8_t               *code_arena;
  size_t                 code_arena_len;
  size_t                 code_arena_cap;
  uint32_t               epoch;
  uint32_t              *used_codes;      /* cache slots used this epoch (pyr_python_new_epoch) */
  uint32_t               n_used_codes;
  uint64_t               retries;       /* threads read twice after a torn read */
  uint64_t               type_ok[16];     /* type addresses known to be `code` */
  uint64_t               type_bad[16];
  uint32_t               type_ok_n, type_bad_n;

  struct pyr_task       *tasks;           /* native tid -> open /proc/PID/task/TID/stat */
  uint32_t               n_tasks;
  int64_t                pthread_tid_offset;   /* <= 3.10: where glibc keeps the tid in struct pthread */
  bool                   idle_from_snapshot;

  uint8_t               *window;          /* a copy of the current datastack chunk (3.11+) */
  uint8_t               *window2;         /* a copy of an older chunk, while walking into it */
  size_t                 window_cap;
  uint8_t               *scratch;         /* strings, code objects */
  size_t                 scratch_cap;

  /* what the last sample found, to guess the next one's reads */
  uint64_t                spec_interp;
  uint64_t                spec_gil;
  uint64_t                code_generation;  /* 3.14+: interp->_code_object_generation */
  struct pyr_spec_thread *spec_threads;
  struct pyr_spec_thread *spec_threads_next;
  uint32_t                n_spec_threads;
  uint8_t                *spec_ts;
  uint8_t                *spec_window;
  uint8_t                *spec_frames;
  uint64_t               *spec_objs_next;

  uint32_t               string_unknown;  /* "<unknown>" */
  uint64_t               reads_at_start;
};

struct pyr_python_options
{
  bool want_idle;   /* read /proc/PID/task/TID/stat (needed for the idle flag) */
};

/* Finds the interpreter in process pid and prepares to sample it.  Errors: -ESRCH (no such
 * process, or exited), -EPERM (not allowed; the message says how to fix it),
 * -PYR_ENOTPYTHON (not Python, or not initialised yet), -PYR_EVERSION (unsupported version). */
int  pyr_python_attach  (struct pyr_python *py,
                         pid_t              pid,
                         struct pyr_err    *err);
void pyr_python_detach  (struct pyr_python *py);

/* Reads every thread of every interpreter.  Returns 0 (sample->n_errors may count threads
 * that were dropped), -ESRCH when the process has gone, or another negative errno when no
 * thread could be read at all. */
int  pyr_python_sample  (struct pyr_python  *py,
                         struct pyr_sample  *sample,
                         bool                read_idle);

/* Reads the threads' scheduler states now, for the next pyr_python_sample() to use: --blocking
 * calls it before stopping the threads, since a stopped thread always looks idle. */
void pyr_python_snapshot_idle (struct pyr_python *py);

/* Starts a new validation epoch: cached code objects are checked against reuse again at their
 * next use.  The sampling loop calls it every ~100 ms. */
void pyr_python_new_epoch (struct pyr_python *py);

/* Reads a str object as UTF-8 into buf (NUL-terminated, truncated to len - 1 bytes). */
int  pyr_python_read_str (struct pyr_python *py,
                          uint64_t           addr,
                          char              *buf,
                          size_t             len);

/* Appends a frame built from strings (pseudo-frames, e.g. for tests). */
int  pyr_python_intern_frame (struct pyr_python *py,
                              const char        *name,
                              const char        *file,
                              int                line,
                              uint32_t          *id);
