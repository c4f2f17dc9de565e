/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "pyr-elf.h"
#include "pyr-layout.h"
#include "pyr-maps.h"
#include "pyr-remote.h"

/* A symbol to look for in this very executable. */
volatile uint64_t pyr_test_marker = 0x1234567890abcdefull;

static void
test_maps_parse (void)
{
  struct pyr_maps maps;
  struct pyr_err err = { 0 };
  const char *text =
    "55d0c0a00000-55d0c0a01000 r--p 00000000 08:01 123 /usr/bin/python3.11\n"
    "55d0c0a01000-55d0c0c00000 r-xp 00001000 08:01 123 /usr/bin/python3.11\n"
    "7f0000000000-7f0000021000 rw-p 00000000 00:00 0 \n"
    "7f0000100000-7f0000200000 rw-p 00000000 00:00 0 [heap]\n"
    "7f0000300000-7f0000301000 r--p 00000000 08:01 9 /opt/my dir/libpython3.12.so.1.0 (deleted)\n"
    "garbage line\n";
  const struct pyr_map *m;

  g_assert_cmpint (pyr_maps_parse (&maps, text, &err), ==, 0);
  g_assert_cmpuint (maps.n, ==, 5);
  g_assert_cmpstr (maps.maps[0].path, ==, "/usr/bin/python3.11");
  g_assert_true (maps.maps[1].executable);
  g_assert_cmpuint (maps.maps[1].offset, ==, 0x1000);
  g_assert_cmpstr (maps.maps[2].path, ==, "");
  g_assert_true (maps.maps[2].writable);
  g_assert_cmpstr (maps.maps[4].path, ==, "/opt/my dir/libpython3.12.so.1.0 (deleted)");
  m = pyr_maps_find (&maps, 0x55d0c0a01234);
  g_assert_nonnull (m);
  g_assert_cmpuint (m->start, ==, 0x55d0c0a01000);
  g_assert_null (pyr_maps_find (&maps, 0x10));
  m = pyr_maps_find_base (&maps, "/usr/bin/python3.11");
  g_assert_nonnull (m);
  g_assert_cmpuint (m->start, ==, 0x55d0c0a00000);
  pyr_maps_clear (&maps);
}

/* Symbol + load bias found from ELF and maps lands on the variable itself, and reading it
 * through the remote-memory path gives its value. */
static void
test_find_own_symbol (void)
{
  struct pyr_maps maps;
  struct pyr_elf elf;
  struct pyr_remote r;
  struct pyr_err err = { 0 };
  char exe[4096];
  ssize_t n = readlink ("/proc/self/exe", exe, sizeof exe - 1);
  const struct pyr_map *base;
  uint64_t addr, size, value = 0;

  g_assert_cmpint (n, >, 0);
  exe[n] = '\0';
  g_assert_cmpint (pyr_maps_read (&maps, getpid (), &err), ==, 0);
  base = pyr_maps_find_base (&maps, exe);
  g_assert_nonnull (base);
  g_assert_cmpint (pyr_elf_open (&elf, "/proc/self/exe", &err), ==, 0);
  if (pyr_elf_find_symbol (&elf, "pyr_test_marker", &addr, &size) < 0)
    {
      g_test_skip ("this test executable has no symbol table");
      pyr_elf_close (&elf);
      pyr_maps_clear (&maps);
      return;
    }
  addr += base->start - elf.first_load_vaddr;
  g_assert_cmphex (addr, ==, (uint64_t) (uintptr_t) &pyr_test_marker);
  g_assert_cmpuint (size, ==, 8);
  g_assert_cmpint (pyr_elf_find_symbol (&elf, "no_such_symbol_here", &addr, &size), ==, -ENOENT);

  g_assert_cmpint (pyr_remote_open (&r, getpid (), addr, &err), ==, 0);
  g_assert_cmpint (pyr_remote_read_u64 (&r, addr, &value), ==, 0);
  g_assert_cmphex (value, ==, 0x1234567890abcdefull);
  g_assert_cmpint (pyr_remote_read_u64 (&r, 8, &value), ==, -EFAULT);
  pyr_remote_close (&r);
  pyr_elf_close (&elf);
  pyr_maps_clear (&maps);
}

static void
test_elf_rejects_garbage (void)
{
  struct pyr_elf elf;
  struct pyr_err err = { 0 };
  uint8_t junk[256];

  memset (junk, 0x41, sizeof junk);
  g_assert_cmpint (pyr_elf_open_memory (&elf, junk, sizeof junk, &err), ==, -ENOEXEC);
  memcpy (junk, "\177ELF\002\001\001", 7);   /* right magic, nonsense headers */
  g_assert_cmpint (pyr_elf_open_memory (&elf, junk, sizeof junk, &err), <, 0);
  g_assert_cmpint (pyr_elf_open_memory (&elf, junk, 10, &err), ==, -ENOEXEC);
}

/* A _Py_DebugOffsets table as 3.13 lays it out (Include/internal/pycore_runtime.h),
 * with the values of the 3.13.0 release build (its .PyRuntime section). */
static void
fill_313 (uint64_t *t)
{
  static const uint64_t v[] = {
    0, 0x030d00f0, 0,
    /* runtime */ 283320, 608, 632,
    /* interp */ 194968, 7272, 7264, 7344, 7400, 7656, 7640, 7648, 16, 7752, 0, 7768, 7760,
    /* thread */ 304, 0, 8, 16, 72, 152, 160, 232, 32,
    /* frame */ 80, 8, 0, 56, 72, 70,
    /* code */ 208, 112, 120, 128, 136, 68, 52, 96, 104, 200,
    /* pyobject */ 16, 8,
    /* type */ 416, 24, 88, 168,
    /* tuple */ 32, 24, 16, /* list */ 40, 24, 16, /* dict */ 48, 32, 40,
    /* float */ 24, 16, /* long */ 32, 16, 24, /* bytes */ 40, 16, 32,
    /* unicode */ 64, 32, 16, 40, /* gc */ 240, 200,
  };
  memcpy (t, v, sizeof v);
  memcpy (t, "xdebugpy", 8);
}

static void
test_debug_offsets (void)
{
  uint64_t t[PYR_DEBUG_OFFSETS_MAX / 8] = { 0 };
  struct pyr_layout l;
  struct pyr_err err = { 0 };

  fill_313 (t);
  g_assert_cmpint (pyr_layout_from_debug_offsets (&l, t, sizeof t, &err), ==, 0);
  g_assert_cmphex (l.version_hex, ==, 0x030d00f0);
  g_assert_cmpuint (l.rt_interpreters_head, ==, 632);
  g_assert_cmpuint (l.is_threads_head, ==, 7344);
  g_assert_cmpuint (l.ts_frame, ==, 72);
  g_assert_cmpuint (l.ts_native_thread_id, ==, 160);
  g_assert_cmpuint (l.fr_instr, ==, 56);
  g_assert_cmpuint (l.fr_owner, ==, 70);
  g_assert_cmpuint (l.co_qualname, ==, 128);
  g_assert_cmpuint (l.co_code_adaptive, ==, 200);
  g_assert_cmpuint (l.is_gc_collecting, ==, 7400 + 200);
  g_assert_cmpuint (l.is_ceval_gil, ==, 16);
  g_assert_cmpuint (l.gil_locked, ==, 16);
  g_assert_cmpuint (l.gil_last_holder, ==, 8);
  g_assert_cmpuint (l.str_compact_size, ==, 56);
  g_assert_false (l.fr_code_tagged);

  /* a field outside its structure: refused, naming the version */
  fill_313 (t);
  t[28] = 40;   /* interpreter_frame.size smaller than the owner offset */
  g_assert_cmpint (pyr_layout_from_debug_offsets (&l, t, sizeof t, &err), ==, -PYR_EVERSION);
  g_assert_nonnull (strstr (err.msg, "3.13.0"));

  fill_313 (t);
  t[2] = 1;     /* free-threaded */
  g_assert_cmpint (pyr_layout_from_debug_offsets (&l, t, sizeof t, &err), ==, -PYR_EVERSION);
  g_assert_nonnull (strstr (err.msg, "free-threaded"));

  fill_313 (t);
  memcpy (t, "xdebugpz", 8);
  g_assert_cmpint (pyr_layout_from_debug_offsets (&l, t, sizeof t, &err), ==, -PYR_EVERSION);
}

static void
test_static_layouts (void)
{
  struct pyr_layout l;
  struct pyr_err err = { 0 };

  g_assert_cmpint (pyr_layout_for_version (&l, 0x030b02f0, &err), ==, 0);
  g_assert_cmpint (l.frames, ==, PYR_FRAMES_INTERPRETER);
  g_assert_cmpuint (l.cframe_current_frame, ==, 8);
  g_assert_cmpint (pyr_layout_for_version (&l, 0x030908f0, &err), ==, 0);
  g_assert_cmpint (l.lines, ==, PYR_LINES_LNOTAB);
  g_assert_cmpint (pyr_layout_for_version (&l, 0x030700f0, &err), ==, -PYR_EVERSION);
  g_assert_nonnull (strstr (err.msg, "3.7.0"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sampler/maps/parse", test_maps_parse);
  g_test_add_func ("/sampler/elf/own-symbol-and-bias", test_find_own_symbol);
  g_test_add_func ("/sampler/elf/rejects-garbage", test_elf_rejects_garbage);
  g_test_add_func ("/sampler/layout/debug-offsets-3.13", test_debug_offsets);
  g_test_add_func ("/sampler/layout/static-tables", test_static_layouts);
  return g_test_run ();
}
