/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pyr-layout.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/*
 * 3.8-3.12: offsets for x86_64 Linux, GIL build, computed with offsetof() over each version's
 * own headers (Include/cpython/pystate.h, Include/internal/pycore_runtime.h,
 * pycore_interp.h, Include/cpython/code.h, Include/cpython/frameobject.h (<= 3.10),
 * Include/internal/pycore_frame.h (>= 3.11), pycore_gil.h (3.12), Include/cpython/unicodeobject.h)
 * compiled with Py_BUILD_CORE, from the releases 3.8.18, 3.9.18, 3.10.13, 3.11.7 and 3.12.1.
 * These structures do not change within a minor series, so any 3.X.Y uses the 3.X table.
 */

static void
set_common_old (struct pyr_layout *l)
{
  l->rt_tstate_current = PYR_NO_OFFSET;
  l->rt_gc_collecting = PYR_NO_OFFSET;
  l->is_gc_collecting = PYR_NO_OFFSET;
  l->is_ceval_gil = PYR_NO_OFFSET;
  l->gil_locked = PYR_NO_OFFSET;
  l->gil_last_holder = PYR_NO_OFFSET;
  l->is_code_generation = PYR_NO_OFFSET;
  l->cframe_current_frame = PYR_NO_OFFSET;
  l->ts_native_thread_id = PYR_NO_OFFSET;
  l->ts_datastack_chunk = PYR_NO_OFFSET;
  l->chunk_size = 8;       /* _PyStackChunk: previous, size, top, data[] */
  l->chunk_data = 24;
  l->fr_lasti = PYR_NO_OFFSET;
  l->fr_instr = PYR_NO_OFFSET;
  l->fr_owner = PYR_NO_OFFSET;
  l->fr_is_entry = PYR_NO_OFFSET;
  l->owner_first_skipped = -1;
  l->co_qualname = PYR_NO_OFFSET;
  l->co_code_adaptive = PYR_NO_OFFSET;
  l->co_ob_size = 16;
  l->ob_type = 8;
  l->tp_name = 24;         /* PyTypeObject: PyVarObject header (24 bytes), then tp_name */
  l->str_length = 16;
  l->str_state = 32;
  l->bytes_size = 16;
  l->bytes_sval = 32;
  l->is_next = 0;
  l->ts_next = 8;
  l->ts_interp = 16;
  /* Include/cpython/object.h (PyTypeObject, PyHeapTypeObject), Include/cpython/dictobject.h */
  l->tp_basicsize = 32;
  l->tp_flags = 168;
  l->tp_dictoffset = 288;
  l->dict_keys = 32;
  l->dict_values = 40;
}

int
pyr_layout_for_version (struct pyr_layout *l,
                        uint32_t           version_hex,
                        struct pyr_err    *err)
{
  int major = (int) (version_hex >> 24), minor = (int) ((version_hex >> 16) & 0xff);
  char v[32];

  memset (l, 0, sizeof *l);
  set_common_old (l);
  l->version_hex = version_hex;
  l->minor = minor;

  if (major != 3 || minor < 8 || minor > 12)
    {
      pyr_version_format (version_hex, v, sizeof v);
      return pyr_err_set (err, -PYR_EVERSION, "Python %s is not supported (3.8 and later are)",
                          v);
    }

  if (minor <= 10)
    {
      /* Include/cpython/pystate.h, Include/cpython/frameobject.h, Include/cpython/code.h */
      l->frames = PYR_FRAMES_OBJECTS;
      l->lines = minor == 10 ? PYR_LINES_LINETABLE_310 : PYR_LINES_LNOTAB;
      l->rt_interpreters_head = 32;
      l->rt_tstate_current = minor == 8 ? 1368 : 568;
      if (minor == 8)
        l->rt_gc_collecting = 544;       /* _PyRuntime.gc.collecting */
      else
        l->is_gc_collecting = 816;       /* interp->gc.collecting */
      l->is_threads_head = 8;            /* tstate_head */
      l->ts_frame = 24;
      l->ts_thread_id = 176;
      l->ts_size = 184;
      l->fr_back = 24;
      l->fr_code = 32;
      l->fr_lasti = minor == 10 ? 96 : 104;
      l->fr_size = l->fr_lasti + 8;
      l->co_firstlineno = 40;
      l->co_filename = 104;
      l->co_name = 112;
      l->co_linetable = 120;             /* co_lnotab (<= 3.9), co_linetable (3.10) */
      l->co_size = 128;
      l->str_ascii_size = 48;
      l->str_compact_size = 72;
      l->fr_localsplus = minor == 10 ? 352 : 360;
      l->ht_cached_keys = minor == 9 ? 864 : 872;
      return 0;
    }

  l->frames = PYR_FRAMES_INTERPRETER;
  l->lines = PYR_LINES_LOCATIONS;
  l->rt_interpreters_head = 40;
  l->co_qualname = 128;
  l->co_linetable = 136;
  l->co_filename = 112;
  l->co_name = 120;
  l->co_size = 144;
  l->fr_localsplus = 72;
  l->ht_cached_keys = minor == 11 ? 872 : 880;
  if (minor == 11)
    {
      /* Include/cpython/pystate.h (_PyCFrame), Include/internal/pycore_frame.h (3.11) */
      l->rt_tstate_current = 576;
      l->is_gc_collecting = 848;
      l->is_threads_head = 16;
      l->ts_frame = 56;                  /* cframe */
      l->cframe_current_frame = 8;
      l->ts_thread_id = 152;
      l->ts_native_thread_id = 160;
      l->ts_datastack_chunk = 296;
      l->ts_size = 304;
      l->fr_code = 32;
      l->fr_back = 48;
      l->fr_instr = 56;                  /* prev_instr */
      l->fr_is_entry = 68;
      l->fr_owner = 69;
      l->fr_size = 72;
      l->co_firstlineno = 72;
      l->co_code_adaptive = 184;
      l->str_ascii_size = 48;
      l->str_compact_size = 72;
    }
  else
    {
      /* 3.12: Include/cpython/pystate.h, Include/internal/pycore_frame.h, pycore_interp.h,
       * pycore_gil.h (struct _gil_runtime_state: last_holder 8, locked 16) */
      l->is_gc_collecting = 312;
      l->is_threads_head = 72;
      l->is_ceval_gil = 384;
      l->gil_last_holder = 8;
      l->gil_locked = 16;
      l->ts_frame = 56;                  /* cframe */
      l->cframe_current_frame = 0;
      l->ts_thread_id = 136;
      l->ts_native_thread_id = 144;
      l->ts_datastack_chunk = 232;
      l->ts_size = 240;
      l->fr_code = 0;
      l->fr_back = 8;
      l->fr_instr = 56;                  /* prev_instr */
      l->fr_owner = 70;
      l->fr_size = 72;
      l->owner_first_skipped = 3;        /* FRAME_OWNED_BY_CSTACK: shim frames */
      l->co_firstlineno = 68;
      l->co_code_adaptive = 192;
      l->str_ascii_size = 40;
      l->str_compact_size = 56;
    }
  return 0;
}

/*
 * _Py_DebugOffsets, as declared in CPython's Include/internal/pycore_runtime.h (3.13) and
 * Include/internal/pycore_debug_offsets.h (3.14; 3.15 below).  Every member after the 8-byte cookie is a
 * uint64_t, so a layout is the list of member names in order.  The struct changes between
 * minor versions only; a version newer than the last listed here is read with the last layout,
 * and the size checks below refuse it when the fields moved.
 */
static const char *const debug_offsets_3_13[] = {
  "cookie", "version", "free_threaded",
  "runtime_state.size", "runtime_state.finalizing", "runtime_state.interpreters_head",
  "interpreter_state.size", "interpreter_state.id", "interpreter_state.next",
  "interpreter_state.threads_head", "interpreter_state.gc", "interpreter_state.imports_modules",
  "interpreter_state.sysdict", "interpreter_state.builtins", "interpreter_state.ceval_gil",
  "interpreter_state.gil_runtime_state", "interpreter_state.gil_runtime_state_enabled",
  "interpreter_state.gil_runtime_state_locked", "interpreter_state.gil_runtime_state_holder",
  "thread_state.size", "thread_state.prev", "thread_state.next", "thread_state.interp",
  "thread_state.current_frame", "thread_state.thread_id", "thread_state.native_thread_id",
  "thread_state.datastack_chunk", "thread_state.status",
  "interpreter_frame.size", "interpreter_frame.previous", "interpreter_frame.executable",
  "interpreter_frame.instr_ptr", "interpreter_frame.localsplus", "interpreter_frame.owner",
  "code_object.size", "code_object.filename", "code_object.name", "code_object.qualname",
  "code_object.linetable", "code_object.firstlineno", "code_object.argcount",
  "code_object.localsplusnames", "code_object.localspluskinds", "code_object.co_code_adaptive",
  "pyobject.size", "pyobject.ob_type",
  "type_object.size", "type_object.tp_name", "type_object.tp_repr", "type_object.tp_flags",
  "tuple_object.size", "tuple_object.ob_item", "tuple_object.ob_size",
  "list_object.size", "list_object.ob_item", "list_object.ob_size",
  "dict_object.size", "dict_object.ma_keys", "dict_object.ma_values",
  "float_object.size", "float_object.ob_fval",
  "long_object.size", "long_object.lv_tag", "long_object.ob_digit",
  "bytes_object.size", "bytes_object.ob_size", "bytes_object.ob_sval",
  "unicode_object.size", "unicode_object.state", "unicode_object.length",
  "unicode_object.asciiobject_size",
  "gc.size", "gc.collecting",
  NULL
};

static const char *const debug_offsets_3_14[] = {
  "cookie", "version", "free_threaded",
  "runtime_state.size", "runtime_state.finalizing", "runtime_state.interpreters_head",
  "interpreter_state.size", "interpreter_state.id", "interpreter_state.next",
  "interpreter_state.threads_head", "interpreter_state.threads_main", "interpreter_state.gc",
  "interpreter_state.imports_modules", "interpreter_state.sysdict", "interpreter_state.builtins",
  "interpreter_state.ceval_gil", "interpreter_state.gil_runtime_state",
  "interpreter_state.gil_runtime_state_enabled", "interpreter_state.gil_runtime_state_locked",
  "interpreter_state.gil_runtime_state_holder", "interpreter_state.code_object_generation",
  "interpreter_state.tlbc_generation",
  "thread_state.size", "thread_state.prev", "thread_state.next", "thread_state.interp",
  "thread_state.current_frame", "thread_state.thread_id", "thread_state.native_thread_id",
  "thread_state.datastack_chunk", "thread_state.status",
  "interpreter_frame.size", "interpreter_frame.previous", "interpreter_frame.executable",
  "interpreter_frame.instr_ptr", "interpreter_frame.localsplus", "interpreter_frame.owner",
  "interpreter_frame.stackpointer", "interpreter_frame.tlbc_index",
  "code_object.size", "code_object.filename", "code_object.name", "code_object.qualname",
  "code_object.linetable", "code_object.firstlineno", "code_object.argcount",
  "code_object.localsplusnames", "code_object.localspluskinds", "code_object.co_code_adaptive",
  "code_object.co_tlbc",
  "pyobject.size", "pyobject.ob_type",
  "type_object.size", "type_object.tp_name", "type_object.tp_repr", "type_object.tp_flags",
  "tuple_object.size", "tuple_object.ob_item", "tuple_object.ob_size",
  "list_object.size", "list_object.ob_item", "list_object.ob_size",
  "set_object.size", "set_object.used", "set_object.table", "set_object.mask",
  "dict_object.size", "dict_object.ma_keys", "dict_object.ma_values",
  "float_object.size", "float_object.ob_fval",
  "long_object.size", "long_object.lv_tag", "long_object.ob_digit",
  "bytes_object.size", "bytes_object.ob_size", "bytes_object.ob_sval",
  "unicode_object.size", "unicode_object.state", "unicode_object.length",
  "unicode_object.asciiobject_size",
  "gc.size", "gc.collecting",
  "gen_object.size", "gen_object.gi_name", "gen_object.gi_iframe", "gen_object.gi_frame_state",
  "llist_node.next", "llist_node.prev",
  "debugger_support.eval_breaker", "debugger_support.remote_debugger_support",
  "debugger_support.remote_debugging_enabled", "debugger_support.debugger_pending_call",
  "debugger_support.debugger_script_path", "debugger_support.debugger_script_path_size",
  NULL
};

/* 3.15: inferred from the _Py_DebugOffsets of the 3.15.2 release (Debian's python3.15, whose
 * .PyRuntime section carries the initial values) by matching every group against 3.14's and
 * against a live process: thread_state gained base_frame, last_profiled_frame and GIL/exception
 * fields, err_stackitem is new, and groups whose names are not needed here ("unnamed") sit
 * after type_object and after unicode_object.  The gc group grew: {size, collecting, frame,
 * generation_stats_size, generation_stats}; its sizes were checked against the interpreter
 * state (gc ends where the next member starts) and `collecting` against a live process, 1
 * while gc.collect() runs and 0 otherwise (test-attach's /attach/NAME/gc-flag).  Only named
 * fields are used. */
static const char *const debug_offsets_3_15[] = {
  "cookie", "version", "free_threaded",
  "runtime_state.size", "runtime_state.finalizing", "runtime_state.interpreters_head",
  "interpreter_state.size", "interpreter_state.id", "interpreter_state.next",
  "interpreter_state.threads_head", "interpreter_state.threads_main", "interpreter_state.gc",
  "interpreter_state.imports_modules", "interpreter_state.sysdict", "interpreter_state.builtins",
  "interpreter_state.ceval_gil", "interpreter_state.gil_runtime_state",
  "interpreter_state.gil_runtime_state_enabled", "interpreter_state.gil_runtime_state_locked",
  "interpreter_state.gil_runtime_state_holder", "interpreter_state.code_object_generation",
  "interpreter_state.tlbc_generation",
  "thread_state.size", "thread_state.prev", "thread_state.next", "thread_state.interp",
  "thread_state.current_frame", "thread_state.base_frame", "thread_state.last_profiled_frame",
  "thread_state.unnamed_7", "thread_state.thread_id", "thread_state.native_thread_id",
  "thread_state.datastack_chunk", "thread_state.status", "thread_state.holds_gil",
  "thread_state.gil_requested", "thread_state.current_exception", "thread_state.exc_state",
  "err_stackitem.exc_value",
  "interpreter_frame.size", "interpreter_frame.previous", "interpreter_frame.executable",
  "interpreter_frame.instr_ptr", "interpreter_frame.localsplus", "interpreter_frame.owner",
  "interpreter_frame.stackpointer", "interpreter_frame.tlbc_index",
  "code_object.size", "code_object.filename", "code_object.name", "code_object.qualname",
  "code_object.linetable", "code_object.firstlineno", "code_object.argcount",
  "code_object.localsplusnames", "code_object.localspluskinds", "code_object.co_code_adaptive",
  "code_object.co_tlbc",
  "pyobject.size", "pyobject.ob_type",
  "type_object.size", "type_object.tp_name", "type_object.tp_repr", "type_object.tp_flags",
  "unnamed_a.0", "unnamed_a.1", "unnamed_a.2", "unnamed_a.3",
  "tuple_object.size", "tuple_object.ob_item", "tuple_object.ob_size",
  "list_object.size", "list_object.ob_item", "list_object.ob_size",
  "set_object.size", "set_object.used", "set_object.table", "set_object.mask",
  "dict_object.size", "dict_object.ma_keys", "dict_object.ma_values",
  "float_object.size", "float_object.ob_fval",
  "long_object.size", "long_object.lv_tag", "long_object.ob_digit",
  "bytes_object.size", "bytes_object.ob_size", "bytes_object.ob_sval",
  "unicode_object.size", "unicode_object.state", "unicode_object.length",
  "unicode_object.asciiobject_size",
  "unnamed_b.0",
  "gc.size", "gc.collecting", "gc.frame", "gc.generation_stats_size", "gc.generation_stats",
  "gen_object.size", "gen_object.gi_name", "gen_object.gi_iframe", "gen_object.gi_frame_state",
  "llist_node.next", "llist_node.prev",
  "debugger_support.eval_breaker", "debugger_support.remote_debugger_support",
  "debugger_support.remote_debugging_enabled", "debugger_support.debugger_pending_call",
  "debugger_support.debugger_script_path", "debugger_support.debugger_script_path_size",
  NULL
};

struct debug_table
{
  const char *const *names;
  const uint64_t    *values;
  size_t             count;
  bool               ok;
  const char        *missing;
};

static uint64_t
dt_get (struct debug_table *t,
        const char         *name)
{
  for (size_t i = 0; i < t->count && t->names[i] != NULL; i++)
    if (strcmp (t->names[i], name) == 0)
      return t->values[i];
  t->ok = false;
  t->missing = name;
  return 0;
}

/* A field at offset `off` of a struct of `size` bytes, `width` bytes wide, must fit. */
static bool
fits (uint64_t off,
      uint64_t width,
      uint64_t size)
{
  return size < (1u << 20) && off < size && width <= size - off;
}

static uint64_t
max_end (const uint64_t *offs,
         size_t          n)
{
  uint64_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (offs[i] != PYR_NO_OFFSET && offs[i] + 8 > m)
      m = offs[i] + 8;
  return m;
}

bool
pyr_layout_has_debug_offsets (const void *data,
                              size_t      len,
                              uint32_t   *version_hex)
{
  uint64_t v;

  if (len < 16 || memcmp (data, "xdebugpy", 8) != 0)
    return false;
  memcpy (&v, (const char *) data + 8, sizeof v);
  if ((v >> 24) != 3 || ((v >> 16) & 0xff) < 13 || v > UINT32_MAX)
    return false;
  *version_hex = (uint32_t) v;
  return true;
}

int
pyr_layout_from_debug_offsets (struct pyr_layout *l,
                               const void        *data,
                               size_t             len,
                               struct pyr_err    *err)
{
  uint64_t values[PYR_DEBUG_OFFSETS_MAX / 8];
  struct debug_table t = { 0 };
  uint32_t version_hex;
  char v[32];
  uint64_t rt_size, is_size, ts_size, fr_size, co_size, gc_size, str_size, bytes_size;
  uint64_t gil, gil_locked, gil_holder, gc, gc_collecting;

  memset (l, 0, sizeof *l);
  if (!pyr_layout_has_debug_offsets (data, len, &version_hex))
    return pyr_err_set (err, -PYR_EVERSION, "no valid _Py_DebugOffsets at the start of _PyRuntime");
  pyr_version_format (version_hex, v, sizeof v);

  switch ((version_hex >> 16) & 0xff)
    {
    case 13:
      t.names = debug_offsets_3_13;
      break;
    case 14:
      t.names = debug_offsets_3_14;
      break;
    default:
      /* 3.15, and later versions until their table changes (then the checks below refuse) */
      t.names = debug_offsets_3_15;
      break;
    }
  while (t.names[t.count] != NULL)
    t.count++;
  if (t.count * 8 > len || len > sizeof values)
    return pyr_err_set (err, -PYR_EVERSION, "Python %s: _Py_DebugOffsets is shorter than expected",
                        v);
  memcpy (values, data, t.count * 8);
  t.values = values;
  t.ok = true;

  if (dt_get (&t, "free_threaded") != 0)
    return pyr_err_set (err, -PYR_EVERSION,
                        "Python %s is a free-threaded build, which is not supported yet", v);

  l->version_hex = version_hex;
  l->minor = (int) ((version_hex >> 16) & 0xff);
  l->from_debug_offsets = true;
  l->frames = PYR_FRAMES_INTERPRETER;
  l->lines = PYR_LINES_LOCATIONS;

  rt_size = dt_get (&t, "runtime_state.size");
  l->rt_interpreters_head = dt_get (&t, "runtime_state.interpreters_head");
  l->rt_tstate_current = PYR_NO_OFFSET;
  l->rt_gc_collecting = PYR_NO_OFFSET;

  is_size = dt_get (&t, "interpreter_state.size");
  l->is_next = dt_get (&t, "interpreter_state.next");
  l->is_threads_head = dt_get (&t, "interpreter_state.threads_head");
  gc = dt_get (&t, "interpreter_state.gc");
  l->is_ceval_gil = dt_get (&t, "interpreter_state.ceval_gil");
  gil = dt_get (&t, "interpreter_state.gil_runtime_state");
  gil_locked = dt_get (&t, "interpreter_state.gil_runtime_state_locked");
  gil_holder = dt_get (&t, "interpreter_state.gil_runtime_state_holder");
  l->is_code_generation = l->minor >= 14 ? dt_get (&t, "interpreter_state.code_object_generation")
                                         : PYR_NO_OFFSET;

  ts_size = dt_get (&t, "thread_state.size");
  l->ts_next = dt_get (&t, "thread_state.next");
  l->ts_interp = dt_get (&t, "thread_state.interp");
  l->ts_frame = dt_get (&t, "thread_state.current_frame");
  l->cframe_current_frame = PYR_NO_OFFSET;
  l->ts_thread_id = dt_get (&t, "thread_state.thread_id");
  l->ts_native_thread_id = dt_get (&t, "thread_state.native_thread_id");
  l->ts_datastack_chunk = dt_get (&t, "thread_state.datastack_chunk");
  l->chunk_size = 8;
  l->chunk_data = 24;

  fr_size = dt_get (&t, "interpreter_frame.size");
  l->fr_back = dt_get (&t, "interpreter_frame.previous");
  l->fr_code = dt_get (&t, "interpreter_frame.executable");
  l->fr_instr = dt_get (&t, "interpreter_frame.instr_ptr");
  l->fr_owner = dt_get (&t, "interpreter_frame.owner");
  l->fr_lasti = PYR_NO_OFFSET;
  l->fr_is_entry = PYR_NO_OFFSET;
  /* 3.14 made f_executable a tagged _PyStackRef and renumbered the owner enum
   * (Include/internal/pycore_frame.h, pycore_stackref.h): THREAD 0, GENERATOR 1,
   * FRAME_OBJECT 2, INTERPRETER 3, CSTACK 4.  In 3.13 CSTACK is 3. */
  l->fr_code_tagged = l->minor >= 14;
  l->fr_localsplus = dt_get (&t, "interpreter_frame.localsplus");
  /* not in the table; the same in 3.13 as in 3.12 (Include/cpython/object.h) */
  l->tp_basicsize = 32;
  l->tp_dictoffset = 288;
  l->ht_cached_keys = 880;
  l->tp_flags = dt_get (&t, "type_object.tp_flags");
  l->dict_keys = dt_get (&t, "dict_object.ma_keys");
  l->dict_values = dt_get (&t, "dict_object.ma_values");
  l->owner_first_skipped = 3;

  co_size = dt_get (&t, "code_object.size");
  l->co_filename = dt_get (&t, "code_object.filename");
  l->co_name = dt_get (&t, "code_object.name");
  l->co_qualname = dt_get (&t, "code_object.qualname");
  l->co_linetable = dt_get (&t, "code_object.linetable");
  l->co_firstlineno = dt_get (&t, "code_object.firstlineno");
  l->co_code_adaptive = dt_get (&t, "code_object.co_code_adaptive");

  l->ob_type = dt_get (&t, "pyobject.ob_type");
  l->tp_name = dt_get (&t, "type_object.tp_name");
  l->co_ob_size = dt_get (&t, "tuple_object.ob_size");   /* PyVarObject.ob_size */
  bytes_size = dt_get (&t, "bytes_object.size");
  l->bytes_size = dt_get (&t, "bytes_object.ob_size");
  l->bytes_sval = dt_get (&t, "bytes_object.ob_sval");
  str_size = dt_get (&t, "unicode_object.size");
  l->str_state = dt_get (&t, "unicode_object.state");
  l->str_length = dt_get (&t, "unicode_object.length");
  l->str_ascii_size = dt_get (&t, "unicode_object.asciiobject_size");
  gc_size = dt_get (&t, "gc.size");
  gc_collecting = dt_get (&t, "gc.collecting");

  if (!t.ok)
    return pyr_err_set (err, -PYR_EVERSION, "Python %s: _Py_DebugOffsets lacks %s", v, t.missing);

  /* Everything read later must lie inside the structure it belongs to; a table that was
   * parsed with the wrong field list fails here rather than reading garbage. */
  if (!fits (l->rt_interpreters_head, 8, rt_size) || rt_size < 64
      || !fits (l->is_next, 8, is_size) || !fits (l->is_threads_head, 8, is_size)
      || !fits (gc, gc_size, is_size) || !fits (gc_collecting, 4, gc_size)
      || !fits (l->is_ceval_gil, 8, is_size) || !fits (gil_locked, 4, is_size)
      || !fits (gil_holder, 8, is_size) || gil_locked < gil || gil_holder < gil
      || (l->is_code_generation != PYR_NO_OFFSET && !fits (l->is_code_generation, 8, is_size))
      || !fits (l->ts_next, 8, ts_size) || !fits (l->ts_interp, 8, ts_size)
      || !fits (l->ts_frame, 8, ts_size) || !fits (l->ts_thread_id, 8, ts_size)
      || !fits (l->ts_native_thread_id, 8, ts_size) || !fits (l->ts_datastack_chunk, 8, ts_size)
      || !fits (l->fr_back, 8, fr_size) || !fits (l->fr_code, 8, fr_size)
      || !fits (l->fr_instr, 8, fr_size) || !fits (l->fr_owner, 1, fr_size)
      || !fits (l->co_filename, 8, co_size) || !fits (l->co_name, 8, co_size)
      || !fits (l->co_qualname, 8, co_size) || !fits (l->co_linetable, 8, co_size)
      || !fits (l->co_firstlineno, 4, co_size) || l->co_code_adaptive > co_size
      || l->co_code_adaptive < 64
      || l->ob_type != 8 || l->co_ob_size != 16 || l->tp_name >= 4096
      || !fits (l->bytes_sval, 1, bytes_size) || !fits (l->bytes_size, 8, bytes_size)
      || !fits (l->str_state, 4, str_size) || !fits (l->str_length, 8, str_size)
      || l->str_ascii_size >= str_size || str_size < 16)
    return pyr_err_set (err, -PYR_EVERSION,
                        "Python %s describes a layout this sampler cannot read "
                        "(its _Py_DebugOffsets table is not the one of 3.%d)",
                        v, l->minor >= 15 ? 15 : l->minor);

  l->is_gc_collecting = gc + gc_collecting;
  l->gil_locked = gil_locked - gil;
  l->gil_last_holder = gil_holder - gil;
  /* PyUnicodeObject is PyCompactUnicodeObject plus the data pointer. */
  l->str_compact_size = str_size - 8;

  {
    uint64_t ts[] = { l->ts_next, l->ts_interp, l->ts_frame, l->ts_thread_id,
                      l->ts_native_thread_id, l->ts_datastack_chunk };
    uint64_t fr[] = { l->fr_back, l->fr_code, l->fr_instr, l->fr_owner };
    uint64_t co[] = { l->co_filename, l->co_name, l->co_qualname, l->co_linetable,
                      l->co_firstlineno, l->co_ob_size };
    l->ts_size = max_end (ts, 6);
    l->fr_size = max_end (fr, 4);
    if (l->fr_size > fr_size)
      l->fr_size = fr_size;
    l->co_size = max_end (co, 6);
  }
  /* the sampler's fixed buffers */
  if (l->fr_size > 256 || l->co_size > 512 || l->ts_size > 1024 || l->str_compact_size > 128)
    return pyr_err_set (err, -PYR_EVERSION,
                        "Python %s has structures larger than this sampler expects", v);
  return 0;
}

void
pyr_version_format (uint32_t version_hex,
                    char    *buf,
                    size_t   len)
{
  unsigned level = (version_hex >> 4) & 0xf, serial = version_hex & 0xf;
  const char *lv = level == 0xa ? "a" : level == 0xb ? "b" : level == 0xc ? "rc" : "";

  if (level == 0xf || *lv == '\0')
    snprintf (buf, len, "%u.%u.%u", version_hex >> 24, (version_hex >> 16) & 0xff,
              (version_hex >> 8) & 0xff);
  else
    snprintf (buf, len, "%u.%u.%u%s%u", version_hex >> 24, (version_hex >> 16) & 0xff,
              (version_hex >> 8) & 0xff, lv, serial);
}
