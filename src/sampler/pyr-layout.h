/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Where things are inside one CPython version's structures (x86_64, release or debug build
 * with the GIL).  3.8-3.12 come from compiled-in tables (pyr-layout.c says which header each
 * comes from); 3.13 and later from the _Py_DebugOffsets table the interpreter carries at the
 * start of _PyRuntime. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pyr-err.h"

#define PYR_NO_OFFSET UINT64_MAX

enum pyr_frame_model
{
  PYR_FRAMES_OBJECTS,       /* <= 3.10: PyFrameObject chain through f_back */
  PYR_FRAMES_INTERPRETER,   /* >= 3.11: _PyInterpreterFrame chain through previous */
};

enum pyr_line_table
{
  PYR_LINES_LNOTAB,         /* <= 3.9: co_lnotab byte pairs; f_lasti counts bytes */
  PYR_LINES_LINETABLE_310,  /* 3.10: co_linetable byte pairs; f_lasti counts code units */
  PYR_LINES_LOCATIONS,      /* >= 3.11: co_linetable location entries */
};

struct pyr_layout
{
  uint32_t version_hex;              /* PY_VERSION_HEX */
  int      minor;
  bool     from_debug_offsets;
  enum pyr_frame_model frames;
  enum pyr_line_table  lines;

  /* _PyRuntimeState */
  uint64_t rt_interpreters_head;
  uint64_t rt_tstate_current;        /* gilstate.tstate_current (<= 3.11), else NO_OFFSET */
  uint64_t rt_gc_collecting;         /* 3.8 only, else NO_OFFSET */

  /* PyInterpreterState */
  uint64_t is_next;
  uint64_t is_threads_head;
  uint64_t is_gc_collecting;         /* >= 3.9 */
  uint64_t is_ceval_gil;             /* >= 3.12: pointer to struct _gil_runtime_state */
  uint64_t gil_locked;               /* within struct _gil_runtime_state */
  uint64_t gil_last_holder;
  uint64_t is_code_generation;       /* >= 3.14: bumped when code objects die, else NO_OFFSET */

  /* PyThreadState */
  uint64_t ts_size;                  /* bytes read per thread state (covers every field used) */
  uint64_t ts_next;
  uint64_t ts_interp;
  uint64_t ts_frame;                 /* frame (<= 3.10), cframe (3.11/3.12), current_frame */
  uint64_t cframe_current_frame;     /* 3.11/3.12: offset in _PyCFrame, else NO_OFFSET */
  uint64_t ts_thread_id;
  uint64_t ts_native_thread_id;      /* >= 3.11, else NO_OFFSET */
  uint64_t ts_datastack_chunk;       /* >= 3.11, else NO_OFFSET */

  /* _PyStackChunk (3.11+; the same in every version so far) */
  uint64_t chunk_size;
  uint64_t chunk_data;

  /* PyFrameObject (<= 3.10) or _PyInterpreterFrame (>= 3.11) */
  uint64_t fr_size;                  /* bytes read per frame */
  uint64_t fr_back;                  /* f_back or previous */
  uint64_t fr_code;                  /* f_code, f_executable */
  uint64_t fr_lasti;                 /* f_lasti (int), <= 3.10 */
  uint64_t fr_instr;                 /* prev_instr / instr_ptr (pointer), >= 3.11 */
  uint64_t fr_owner;                 /* >= 3.11 (char) */
  uint64_t fr_is_entry;              /* 3.11 only */
  bool     fr_code_tagged;           /* >= 3.14: f_executable is a _PyStackRef */
  int      owner_first_skipped;      /* owners >= this are not Python frames; -1 for none */

  /* PyCodeObject */
  uint64_t co_size;                  /* bytes read per code object (header part) */
  uint64_t co_ob_size;               /* PyVarObject ob_size: code units (>= 3.11) */
  uint64_t co_filename;
  uint64_t co_name;
  uint64_t co_qualname;              /* >= 3.11, else NO_OFFSET */
  uint64_t co_firstlineno;           /* int */
  uint64_t co_linetable;             /* co_lnotab or co_linetable (bytes) */
  uint64_t co_code_adaptive;         /* >= 3.11 */

  /* PyObject, PyTypeObject, str, bytes */
  uint64_t ob_type;
  uint64_t tp_name;
  uint64_t str_length;
  uint64_t str_state;
  uint64_t str_ascii_size;           /* sizeof (PyASCIIObject): ASCII data follows */
  uint64_t str_compact_size;         /* sizeof (PyCompactUnicodeObject): other data follows */
  uint64_t bytes_size;
  uint64_t bytes_sval;

  /* For thread names before 3.14 (threading.Thread._name, read from the instance):
   * the first local of a frame, and what instance attributes hang off. */
  uint64_t fr_localsplus;            /* f_localsplus or localsplus */
  uint64_t tp_basicsize;
  uint64_t tp_flags;
  uint64_t tp_dictoffset;
  uint64_t ht_cached_keys;           /* PyHeapTypeObject */
  uint64_t dict_keys;                /* PyDictObject.ma_keys */
  uint64_t dict_values;              /* PyDictObject.ma_values */
};

/* The compiled-in layout of minor version 3.minor (8-12); -ENOENT for others. */
int  pyr_layout_for_version   (struct pyr_layout *layout,
                               uint32_t           version_hex,
                               struct pyr_err    *err);

/* Bytes of _PyRuntime to read for pyr_layout_from_debug_offsets(). */
#define PYR_DEBUG_OFFSETS_MAX 1024

/* Builds the layout from a copy of _Py_DebugOffsets (data, len bytes from the start of
 * _PyRuntime); validates cookie, version and sizes.  -PYR_EVERSION with a message naming the
 * version when it cannot be used. */
int  pyr_layout_from_debug_offsets (struct pyr_layout *layout,
                                    const void        *data,
                                    size_t             len,
                                    struct pyr_err    *err);

/* True when data starts with the "xdebugpy" cookie; sets version_hex. */
bool pyr_layout_has_debug_offsets (const void *data,
                                   size_t      len,
                                   uint32_t   *version_hex);

/* "3.12.1", "3.13.0rc2" */
void pyr_version_format (uint32_t version_hex,
                         char    *buf,
                         size_t   len);
