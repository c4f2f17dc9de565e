/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pyr-native.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyr-stream-format.h"

#ifndef PYR_HAVE_LIBUNWIND

bool
pyr_native_available (void)
{
  return false;
}

int
pyr_native_new (struct pyr_native **native,
                struct pyr_python  *py,
                struct pyr_err     *err)
{
  (void) py;
  *native = NULL;
  return pyr_err_set (err, -ENOTSUP, "--native is not available: this pyrometer-sampler was "
                      "built without libunwind (meson option -Dnative)");
}

void
pyr_native_free (struct pyr_native *native)
{
  (void) native;
}

void
pyr_native_merge (struct pyr_native *native,
                  struct pyr_python *py,
                  struct pyr_sample *sample)
{
  (void) native;
  (void) py;
  (void) sample;
}

void
pyr_native_get_stats (const struct pyr_native *native,
                      struct pyr_native_stats *stats)
{
  (void) native;
  memset (stats, 0, sizeof *stats);
}

#else /* PYR_HAVE_LIBUNWIND */

#include <libunwind-ptrace.h>
#include <libunwind.h>

#include <elf.h>

#include "pyr-maps.h"

/* libunwind's own search of a binary-search unwind table (what its ptrace accessors use for
 * every object), exported by every version but not declared. */
extern int UNW_OBJ (dwarf_search_unwind_table) (unw_addr_space_t  as,
                                                unw_word_t        ip,
                                                unw_dyn_info_t   *di,
                                                unw_proc_info_t  *pi,
                                                int               need_unwind_info,
                                                void             *arg);

#define IP_CACHE_SIZE      65536u        /* power of two, as py-spy's symbol cache */
#define UPT_SLOTS          256u
#define MAX_NATIVE_DEPTH   1024u
#define MAX_GROUPS         PYR_MAX_DEPTH
#define BLOCK_SHIFT        10u           /* memory read in 1 KiB blocks (stacks: per sample) */
#define BLOCK_SIZE         (1u << BLOCK_SHIFT)
#define BLOCK_SLOTS        512u          /* power of two */
#define FRAME_OWNED_BY_CSTACK 3
#define MAX_OBJECTS        512u
#define GEN_FOREVER        UINT64_MAX
#define FUNCTION_KEY       (1ull << 63)  /* ip cache keys of function entries */

enum frame_class
{
  CLASS_KEEP,         /* a native frame to show */
  CLASS_DROP,         /* interpreter plumbing or thread start */
  CLASS_EVAL,         /* the eval loop: replaced by Python frames */
};

struct ip_entry
{
  uint64_t ip;        /* 0: empty */
  uint32_t fid;
  uint16_t cls;
  uint16_t startup;   /* an unnamed libc function: at the root, the process or thread start */
};

struct upt_slot
{
  pid_t  tid;
  void  *upt;
};

struct mem_block
{
  uint64_t addr;
  uint64_t gen;
  uint8_t  data[BLOCK_SIZE];
};

struct object
{
  unw_dyn_info_t di;  /* start_ip/end_ip: the executable mapping; format 0: no table */
};

struct native_frame
{
  uint64_t sp;        /* the frame's stack pointer: it owns [sp, caller's sp) */
  uint32_t fid;
  uint16_t cls;
  uint16_t startup;
  uint32_t groups;    /* Python frame groups it runs (eval-loop frames) */
};

struct pyr_native
{
  struct pyr_python      *py;
  unw_addr_space_t        as;
  unw_accessors_t         accessors;
  struct upt_slot         upt[UPT_SLOTS];
  struct pyr_maps         maps;
  uint64_t                maps_gen;        /* the sample generation maps were last read in */
  struct ip_entry        *ips;
  uint32_t                n_ips;
  struct mem_block       *blocks;
  uint64_t                gen;             /* bumped per sample: the stack memory changed */
  struct native_frame     frames[MAX_NATIVE_DEPTH];
  uint32_t                groups[MAX_GROUPS];
  uint64_t                shims[MAX_GROUPS];  /* 3.12+: each group's C-stack frame, or 0 */
  uint32_t                out[PYR_MAX_DEPTH];
  struct object           objects[MAX_OBJECTS];
  uint32_t                n_objects;
  struct pyr_native_stats stats;
};

/* The accessors get only the address space and the UPT handle: the memory reader finds its
 * process here (the sampler is single-threaded). */
static struct pyr_native *current;

bool
pyr_native_available (void)
{
  return true;
}

/* Memory through process_vm_readv in cached blocks, instead of one PTRACE_PEEKDATA per word:
 * the threads are stopped, so nothing changes while one sample is unwound. */
static int
access_mem (unw_addr_space_t as,
            unw_word_t       addr,
            unw_word_t      *val,
            int              write,
            void            *arg)
{
  struct pyr_native *n = current;
  uint64_t base = addr & ~(uint64_t) (BLOCK_SIZE - 1);
  struct mem_block *b;

  if (write || n == NULL || (addr & 7) != 0)
    return _UPT_accessors.access_mem (as, addr, val, write, arg);
  b = &n->blocks[(base >> BLOCK_SHIFT) & (BLOCK_SLOTS - 1)];
  if ((b->gen != n->gen && b->gen != GEN_FOREVER) || b->addr != base)
    {
      const struct pyr_map *m = pyr_maps_find (&n->maps, base);
      if (pyr_remote_read (&n->py->mem, base, b->data, BLOCK_SIZE) < 0)
        {
          b->gen = 0;
          /* the block crosses the end of a mapping: the word alone */
          return pyr_remote_read (&n->py->mem, addr, val, sizeof *val) < 0 ? -UNW_EINVAL : 0;
        }
      b->addr = base;
      /* read-only memory (unwind tables, code) stays valid; stacks change between samples */
      b->gen = m != NULL && !m->writable && base + BLOCK_SIZE <= m->end ? GEN_FOREVER : n->gen;
    }
  memcpy (val, b->data + (addr - base), sizeof *val);
  return 0;
}

/* The unwind table of the object whose ELF header is mapped at base, covering [lo, hi): its
 * eh_frame_hdr, found through the program headers, all read from the target's memory.  The
 * vDSO has no file for libunwind to open; for the others this spares libunwind's ptrace
 * accessors re-reading /proc/PID/maps and mapping the file whenever the unwinding moves from
 * one object to another. */
static bool
table_from_memory (struct pyr_native *n,
                   uint64_t           base,
                   uint64_t           lo,
                   uint64_t           hi,
                   unw_dyn_info_t    *di)
{
  Elf64_Ehdr eh;
  Elf64_Phdr ph[64];
  uint64_t first_load = UINT64_MAX, hdr_vaddr = 0, hdr;
  uint8_t head[12];
  uint32_t fde_count;

  memset (di, 0, sizeof *di);
  if (pyr_remote_read (&n->py->mem, base, &eh, sizeof eh) < 0
      || memcmp (eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64
      || eh.e_phentsize != sizeof (Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum > 64
      || eh.e_phoff > 65536
      || pyr_remote_read (&n->py->mem, base + eh.e_phoff, ph, eh.e_phnum * sizeof ph[0]) < 0)
    return false;
  for (uint32_t i = 0; i < eh.e_phnum; i++)
    {
      if (ph[i].p_type == PT_LOAD && ph[i].p_vaddr < first_load)
        first_load = ph[i].p_vaddr;
      if (ph[i].p_type == PT_GNU_EH_FRAME)
        hdr_vaddr = ph[i].p_vaddr;
    }
  if (first_load == UINT64_MAX || hdr_vaddr == 0)
    return false;
  hdr = base - (first_load & ~(uint64_t) 4095) + hdr_vaddr;
  /* version 1, fde_count as udata4, a table of datarel sdata4 pairs */
  if (pyr_remote_read (&n->py->mem, hdr, head, sizeof head) < 0 || head[0] != 1
      || head[2] != 0x03 || head[3] != 0x3b)
    return false;
  memcpy (&fde_count, head + 8, 4);
  di->start_ip = lo;
  di->end_ip = hi;
  di->format = UNW_INFO_FORMAT_REMOTE_TABLE;
  di->u.rti.segbase = hdr;
  di->u.rti.table_data = hdr + 12;
  di->u.rti.table_len = (uint64_t) fde_count * 8 / sizeof (unw_word_t);
  return true;
}

/* The object holding ip, its table read on first use; NULL when ip is in no object. */
static const struct object *
object_for (struct pyr_native *n,
            uint64_t           ip)
{
  const struct pyr_map *m, *base;
  struct object *o;

  for (uint32_t i = 0; i < n->n_objects; i++)
    if (ip >= n->objects[i].di.start_ip && ip < n->objects[i].di.end_ip)
      return &n->objects[i];
  m = pyr_maps_find (&n->maps, ip);
  if (m == NULL || m->path[0] == '\0' || !m->executable)
    return NULL;
  if (n->n_objects == MAX_OBJECTS)
    n->n_objects = 0;   /* many objects came and went: start over */
  o = &n->objects[n->n_objects];
  base = strcmp (m->path, "[vdso]") == 0 ? m : pyr_maps_find_base (&n->maps, m->path);
  if (base == NULL || !table_from_memory (n, base->start, m->start, m->end, &o->di))
    {
      /* no table: libunwind's own accessors try (and the range is remembered as such) */
      memset (&o->di, 0, sizeof o->di);
      o->di.start_ip = m->start;
      o->di.end_ip = m->end;
    }
  n->n_objects++;
  return o;
}

static int
find_proc_info (unw_addr_space_t  as,
                unw_word_t        ip,
                unw_proc_info_t  *pi,
                int               need_unwind_info,
                void             *arg)
{
  struct pyr_native *n = current;
  const struct object *o = n != NULL ? object_for (n, ip) : NULL;

  if (o != NULL && o->di.format == UNW_INFO_FORMAT_REMOTE_TABLE)
    {
      unw_dyn_info_t di = o->di;
      return UNW_OBJ (dwarf_search_unwind_table) (as, ip, &di, pi, need_unwind_info, arg);
    }
  return _UPT_accessors.find_proc_info (as, ip, pi, need_unwind_info, arg);
}

int
pyr_native_new (struct pyr_native **native,
                struct pyr_python  *py,
                struct pyr_err     *err)
{
  struct pyr_native *n;
  int ret;

  *native = NULL;
  n = calloc (1, sizeof *n);
  if (n == NULL)
    return pyr_err_set (err, -ENOMEM, "out of memory");
  n->py = py;
  n->gen = 1;
  n->ips = calloc (IP_CACHE_SIZE, sizeof *n->ips);
  n->blocks = calloc (BLOCK_SLOTS, sizeof *n->blocks);
  if (n->ips == NULL || n->blocks == NULL)
    {
      pyr_native_free (n);
      return pyr_err_set (err, -ENOMEM, "out of memory");
    }
  if ((ret = pyr_maps_read (&n->maps, py->pid, err)) < 0)
    {
      pyr_native_free (n);
      return ret;
    }
  n->accessors = _UPT_accessors;
  n->accessors.access_mem = access_mem;
  n->accessors.find_proc_info = find_proc_info;
  n->as = unw_create_addr_space (&n->accessors, 0);
  if (n->as == NULL)
    {
      pyr_native_free (n);
      return pyr_err_set (err, -ENOMEM, "libunwind could not create an address space");
    }
  /* the sampler unwinds from one thread: the per-thread cache takes no lock (the global one
   * blocks and restores signals around every look-up) */
  unw_set_caching_policy (n->as, UNW_CACHE_PER_THREAD);
  *native = n;
  return 0;
}

static void
drop_upts (struct pyr_native *n)
{
  for (uint32_t i = 0; i < UPT_SLOTS; i++)
    if (n->upt[i].upt != NULL)
      {
        _UPT_destroy (n->upt[i].upt);
        n->upt[i].upt = NULL;
        n->upt[i].tid = 0;
      }
}

void
pyr_native_free (struct pyr_native *n)
{
  if (n == NULL)
    return;
  if (getenv ("PYROMETER_SAMPLER_REPORT") != NULL)
    fprintf (stderr, "native: threads %llu, unwind failed %llu, mismatched %llu, frames %llu, "
             "symbols resolved %llu\n", (unsigned long long) n->stats.threads,
             (unsigned long long) n->stats.unwind_failed, (unsigned long long) n->stats.mismatched,
             (unsigned long long) n->stats.native_frames,
             (unsigned long long) n->stats.symbol_misses);
  drop_upts (n);
  if (n->as != NULL)
    unw_destroy_addr_space (n->as);
  pyr_maps_clear (&n->maps);
  free (n->ips);
  free (n->blocks);
  free (n);
  current = NULL;
}

void
pyr_native_get_stats (const struct pyr_native *n,
                      struct pyr_native_stats *stats)
{
  *stats = n->stats;
}

/* One UPT handle per thread, kept across samples (it caches the last object's unwind table). */
static void *
upt_for (struct pyr_native *n,
         pid_t              tid)
{
  uint32_t h = ((uint32_t) tid * 2654435761u) & (UPT_SLOTS - 1);

  for (uint32_t k = 0; k < UPT_SLOTS; k++)
    {
      struct upt_slot *s = &n->upt[(h + k) & (UPT_SLOTS - 1)];
      if (s->tid == tid && s->upt != NULL)
        return s->upt;
      if (s->upt == NULL)
        {
          s->upt = _UPT_create (tid);
          s->tid = s->upt != NULL ? tid : 0;
          return s->upt;
        }
    }
  /* full (many threads came and went): start over */
  drop_upts (n);
  return upt_for (n, tid);
}

static const char *
base_name (const char *path)
{
  const char *slash = strrchr (path, '/');
  return slash != NULL ? slash + 1 : path;
}

static bool
is_interpreter_file (const struct pyr_native *n,
                     const char              *path)
{
  const char *b = base_name (path);

  if (strcmp (path, n->py->image) == 0)
    return true;
  return strncmp (b, "python", 6) == 0 || strncmp (b, "libpython", 9) == 0;
}

/* py-spy's rule for frames inside the interpreter: the eval loop is replaced, a few modules'
 * functions are kept, the rest is plumbing. */
static enum frame_class
classify (const struct pyr_native *n,
          const char              *name,
          const char              *path)
{
  static const char *const start[] = {
    "clone", "__clone", "clone3", "__clone3", "__clone_internal", "start_thread",
    "__libc_start_main", "__libc_start_call_main", "_start",
    "__libc_init_first",   /* what a stripped libc calls __libc_start_call_main */
  };
  static const char *const kept[] = {
    "time", "sys", "gc", "os", "unicode", "thread", "stringio", "sre", "PyGilState",
    "PyThread", "lock",
  };
  const char *tok = name;
  size_t len;

  if (name[0] == '\0')
    return is_interpreter_file (n, path) ? CLASS_DROP : CLASS_KEEP;
  for (size_t i = 0; i < sizeof start / sizeof start[0]; i++)
    if (strcmp (name, start[i]) == 0)
      return CLASS_DROP;
  if (strncmp (name, "_PyEval_EvalFrameDefault", 24) == 0 && (name[24] == '\0' || name[24] == '.'))
    return CLASS_EVAL;
  if (!is_interpreter_file (n, path))
    return CLASS_KEEP;
  if (strcmp (name, "main") == 0)
    return CLASS_KEEP;
  while (*tok == '_' || *tok == '.')
    tok++;
  len = strcspn (tok, "_.");
  for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
    if (len >= strlen (kept[i]) && strncmp (tok, kept[i], strlen (kept[i])) == 0)
      return CLASS_KEEP;
  return CLASS_DROP;
}

/* The entry of key, or the empty slot where it goes. */
static struct ip_entry *
slot_for (struct pyr_native *n,
          uint64_t           key)
{
  uint32_t h = (uint32_t) ((key * 0x9e3779b97f4a7c15ull) >> 48) & (IP_CACHE_SIZE - 1);

  for (uint32_t k = 0;; k++)
    {
      struct ip_entry *e = &n->ips[(h + k) & (IP_CACHE_SIZE - 1)];
      if (e->ip == key || e->ip == 0)
        return e;
    }
}

static int
resolve (struct pyr_native *n,
         unw_cursor_t      *cursor,
         uint64_t           ip,
         struct ip_entry   *e)
{
  struct pyr_python *py = n->py;
  const struct pyr_map *m = pyr_maps_find (&n->maps, ip);
  char name[512];
  unw_word_t off = 0;
  unw_proc_info_t pi;
  bool have_pi;
  struct ip_entry *fe = NULL;
  struct pyr_frame f = { 0 };
  const char *path;
  int ret;

  /* a library loaded since the maps were read: read them again (once per sample at most) */
  if ((m == NULL || m->path[0] == '\0') && n->maps_gen != n->gen)
    {
      struct pyr_maps fresh = { 0 };
      struct pyr_err err;
      n->maps_gen = n->gen;
      if (pyr_maps_read (&fresh, py->pid, &err) == 0)
        {
          pyr_maps_clear (&n->maps);
          n->maps = fresh;
          n->n_objects = 0;
          memset (n->blocks, 0, BLOCK_SLOTS * sizeof *n->blocks);
          unw_flush_cache (n->as, 0, 0);
          m = pyr_maps_find (&n->maps, ip);
        }
    }
  path = m != NULL && m->path[0] != '\0' ? m->path : "";
  name[0] = '\0';
  memset (&pi, 0, sizeof pi);
  have_pi = unw_get_proc_info (cursor, &pi) == 0 && pi.start_ip != 0;
  /* a leaf's address is any instruction of its function: the function's entry is kept too
   * (FUNCTION_KEY), and a new address in a known function costs no symbol look-up */
  e->ip = ip;
  if (have_pi)
    {
      fe = slot_for (n, pi.start_ip | FUNCTION_KEY);
      if (fe->ip != 0)
        {
          e->fid = fe->fid;
          e->cls = fe->cls;
          e->startup = fe->startup;
          return 0;
        }
    }
  n->stats.symbol_misses++;
  if (unw_get_proc_name (cursor, name, sizeof name, &off) < 0)
    name[0] = '\0';
  name[sizeof name - 1] = '\0';
  /* a stripped object names every address after the nearest exported symbol: a name whose
   * start is not the start of the function (its unwind entry) belongs to another one */
  if (name[0] != '\0' && have_pi && ip - off != pi.start_ip)
    name[0] = '\0';
  e->cls = classify (n, name, path);
  e->startup = name[0] == '\0' && strncmp (base_name (path), "libc.so", 7) == 0;
  if (name[0] == '\0')
    {
      /* unnamed: the function's start, relative to its object */
      uint64_t start = have_pi ? pi.start_ip : ip;
      if (m != NULL && start >= m->start)
        start = start - m->start + m->offset;
      snprintf (name, sizeof name, "0x%llx", (unsigned long long) start);
    }
  if ((ret = pyr_strtab_intern (&py->strings, name, strlen (name), &f.name)) < 0
      || (ret = pyr_strtab_intern (&py->strings, path, strlen (path), &f.file)) < 0)
    return ret;
  f.kind = PYR_STREAM_FRAME_NATIVE;
  if ((ret = pyr_frametab_intern (&py->frames, &f, &e->fid)) < 0)
    return ret;
  if (fe != NULL)
    {
      *fe = *e;
      fe->ip = pi.start_ip | FUNCTION_KEY;
      n->n_ips++;
    }
  return 0;
}

static const struct ip_entry *
lookup_ip (struct pyr_native *n,
           unw_cursor_t      *cursor,
           uint64_t           ip)
{
  struct ip_entry *e = slot_for (n, ip);

  if (e->ip == ip)
    return e;
  if (n->n_ips >= IP_CACHE_SIZE / 2)
    {
      /* full: forget everything (the frames stay interned) */
      memset (n->ips, 0, IP_CACHE_SIZE * sizeof *n->ips);
      n->n_ips = 0;
      e = slot_for (n, ip);
    }
  if (resolve (n, cursor, ip, e) < 0)
    {
      e->ip = 0;
      return NULL;
    }
  n->n_ips++;
  return e;
}

/* The native stack of tid, leaf first.  Returns the number of frames, or -1. */
static int
unwind (struct pyr_native *n,
        pid_t              tid)
{
  void *upt = upt_for (n, tid);
  unw_cursor_t cursor;
  uint32_t depth = 0;
  uint64_t prev_ip = 0, prev_sp = 0;

  if (upt == NULL || unw_init_remote (&cursor, n->as, upt) != 0)
    return -1;
  do
    {
      unw_word_t ip = 0, sp = 0;
      const struct ip_entry *e;

      if (unw_get_reg (&cursor, UNW_REG_IP, &ip) != 0 || ip == 0)
        break;
      unw_get_reg (&cursor, UNW_REG_SP, &sp);
      if (depth > 0 && ip == prev_ip && sp == prev_sp)
        break;      /* no progress */
      prev_ip = ip;
      prev_sp = sp;
      if ((e = lookup_ip (n, &cursor, ip)) == NULL)
        break;
      n->frames[depth].sp = sp;
      n->frames[depth].fid = e->fid;
      n->frames[depth].cls = e->cls;
      n->frames[depth].startup = e->startup;
      depth++;
    }
  while (depth < MAX_NATIVE_DEPTH && unw_step (&cursor) > 0);
  return depth > 0 ? (int) depth : -1;
}

/* 3.11 has no shim frames, but each eval-loop call keeps a _PyCFrame on its C stack, linked
 * from tstate->cframe through `previous` (right after current_frame) down to the thread
 * state's own root_cframe.  When there is one per group of frames, their addresses serve as
 * the groups' shims, so the eval frames are found without their names (PGO builds split
 * _PyEval_EvalFrameDefault into unnamed parts).  Otherwise the names decide. */
static void
cframes_as_shims (struct pyr_native              *n,
                  const struct pyr_thread_sample *t,
                  uint32_t                        n_groups)
{
  struct pyr_python *py = n->py;
  const struct pyr_layout *l = &py->layout;
  uint64_t cframe = 0, link[2];
  uint32_t k = 0;

  if (pyr_remote_read_u64 (&py->mem, t->tstate + l->ts_frame, &cframe) < 0)
    return;
  while (cframe != 0)
    {
      if (pyr_remote_read (&py->mem, cframe + l->cframe_current_frame, link, sizeof link) < 0)
        break;
      if (link[1] == 0)
        {
          /* the root cframe, in the thread state: every group had its own */
          if (k == n_groups)
            return;
          break;
        }
      if (k == n_groups || (k > 0 && cframe <= n->shims[k - 1]))
        break;
      n->shims[k++] = cframe;
      cframe = link[1];
    }
  for (uint32_t i = 0; i < n_groups; i++)
    n->shims[i] = 0;
}

/* The sizes of the groups of Python frames each eval-loop call runs, innermost first (3.11+:
 * from an entry frame, or up to a C-stack shim frame).  Returns the number of groups, or -1
 * when the chain cannot be read. */
static int
python_groups (struct pyr_native              *n,
               const struct pyr_thread_sample *t)
{
  struct pyr_python *py = n->py;
  const struct pyr_layout *l = &py->layout;
  uint64_t frame = 0;
  uint32_t n_groups = 0, cur = 0, total = 0, steps = 0;
  uint8_t buf[256];

  if (l->frames == PYR_FRAMES_OBJECTS)
    {
      /* up to 3.10 every Python frame is one call of the eval loop */
      if (t->depth > MAX_GROUPS)
        return -1;
      for (uint32_t i = 0; i < t->depth; i++)
        {
          n->groups[i] = 1;
          n->shims[i] = 0;
        }
      return (int) t->depth;
    }
  if (l->fr_size > sizeof buf
      || pyr_remote_read_u64 (&py->mem, t->tstate + l->ts_frame, &frame) < 0)
    return -1;
  if (l->cframe_current_frame != PYR_NO_OFFSET && frame != 0
      && pyr_remote_read_u64 (&py->mem, frame + l->cframe_current_frame, &frame) < 0)
    return -1;
  while (frame != 0)
    {
      uint64_t code;
      int owner = 0;
      bool python;

      if (++steps > PYR_MAX_DEPTH * 4 || pyr_remote_read (&py->mem, frame, buf, l->fr_size) < 0)
        return -1;
      memcpy (&code, buf + l->fr_code, 8);
      if (l->fr_code_tagged)
        code &= ~(uint64_t) 3;
      if (l->fr_owner != PYR_NO_OFFSET)
        owner = buf[l->fr_owner];
      python = (l->owner_first_skipped < 0 || owner < l->owner_first_skipped) && code != 0;
      if (l->fr_is_entry != PYR_NO_OFFSET)
        {
          /* 3.11: the entry frame is the outermost one of its eval-loop call */
          if (python)
            {
              cur++;
              total++;
              if (buf[l->fr_is_entry])
                {
                  if (n_groups == MAX_GROUPS)
                    return -1;
                  n->shims[n_groups] = 0;
                  n->groups[n_groups++] = cur;
                  cur = 0;
                }
            }
        }
      else if (owner == FRAME_OWNED_BY_CSTACK)
        {
          /* 3.12+: every eval-loop call starts with a shim frame on the C stack */
          if (n_groups == MAX_GROUPS)
            return -1;
          n->shims[n_groups] = frame;
          n->groups[n_groups++] = cur;
          cur = 0;
        }
      else if (python)
        {
          cur++;
          total++;
        }
      uint64_t prev;
      memcpy (&prev, buf + l->fr_back, 8);
      if (prev == frame)
        return -1;
      frame = prev;
    }
  if (cur > 0)
    {
      if (n_groups == MAX_GROUPS)
        return -1;
      n->shims[n_groups] = 0;
      n->groups[n_groups++] = cur;
    }
  if (total != t->depth)
    return -1;
  if (l->fr_is_entry != PYR_NO_OFFSET && l->cframe_current_frame != PYR_NO_OFFSET)
    cframes_as_shims (n, t, n_groups);
  return (int) n_groups;
}

/* Which native frames run which groups of Python frames (n->frames[].groups).  3.12 and
 * later: the eval loop keeps each call's shim frame in its own C stack frame, so the shim's
 * address says which native frame it is, named or not (release builds split the eval loop
 * into unnamed parts).  Before: the frames named _PyEval_EvalFrameDefault, one group each,
 * the innermost one left out when there is one more of them than groups (a call that has not
 * pushed its frame yet).  Returns false when the counts do not match. */
static bool
assign_groups (struct pyr_native *n,
               uint32_t           n_native,
               uint32_t           n_groups)
{
  uint32_t n_eval = 0, k = 0;
  bool by_shim = n_groups > 0 && n->shims[0] != 0;

  for (uint32_t i = 0; i < n_native; i++)
    n->frames[i].groups = 0;
  if (by_shim)
    {
      for (uint32_t i = 0; i < n_native && k < n_groups; i++)
        {
          uint64_t end = i + 1 < n_native ? n->frames[i + 1].sp : UINT64_MAX;
          /* shims of a frame that is not ours to see (below the innermost native frame) */
          while (k < n_groups && n->shims[k] != 0 && n->shims[k] < n->frames[i].sp)
            k++;
          while (k < n_groups && n->shims[k] != 0 && n->shims[k] < end)
            {
              n->frames[i].groups++;
              n->frames[i].cls = CLASS_EVAL;
              k++;
            }
          if (n->frames[i].groups == 0 && n->frames[i].cls == CLASS_EVAL)
            n->frames[i].cls = CLASS_DROP;   /* entered, shim not pushed yet */
        }
      for (uint32_t i = 0; i < n_native; i++)
        if (n->frames[i].groups == 0 && n->frames[i].cls == CLASS_EVAL)
          n->frames[i].cls = CLASS_DROP;
      return true;
    }
  for (uint32_t i = 0; i < n_native; i++)
    if (n->frames[i].cls == CLASS_EVAL)
      n_eval++;
  if (n_eval != 0 && n_eval != n_groups && n_eval != n_groups + 1)
    return false;
  for (uint32_t i = 0; i < n_native; i++)
    if (n->frames[i].cls == CLASS_EVAL)
      {
        if (n_eval == n_groups + 1)
          {
            n->frames[i].cls = CLASS_DROP;
            n_eval--;
            continue;
          }
        n->frames[i].groups = 1;
      }
  return true;
}

/* Merges thread t's native frames (n->frames, leaf first) with its Python frames; the result
 * goes to n->out, leaf first.  Python frames no native frame took (the unwinding stopped
 * early) go at the root.  Returns the depth, or -1 when it does not fit. */
static int
merge_thread (struct pyr_native              *n,
              const struct pyr_sample        *sample,
              const struct pyr_thread_sample *t,
              uint32_t                        n_native,
              uint32_t                        n_groups)
{
  const uint32_t *py_frames = sample->frames + t->first;   /* root first */
  uint32_t depth = 0, py_left = t->depth, group = 0;

  /* __libc_start_call_main, start_thread, clone3: unnamed in a stripped libc, and no news at
   * the root of every stack */
  while (n_native > 0 && n->frames[n_native - 1].groups == 0
         && (n->frames[n_native - 1].startup || n->frames[n_native - 1].cls != CLASS_KEEP))
    n_native--;

  for (uint32_t i = 0; i < n_native; i++)
    {
      const struct native_frame *f = &n->frames[i];

      if (f->cls == CLASS_KEEP)
        {
          if (depth == PYR_MAX_DEPTH)
            return -1;
          n->out[depth++] = f->fid;
        }
      for (uint32_t g = 0; g < f->groups && group < n_groups; g++, group++)
        for (uint32_t k = 0; k < n->groups[group]; k++)
          {
            if (depth == PYR_MAX_DEPTH || py_left == 0)
              return -1;
            n->out[depth++] = py_frames[--py_left];
          }
    }
  while (py_left > 0)
    {
      if (depth == PYR_MAX_DEPTH)
        return -1;
      n->out[depth++] = py_frames[--py_left];
    }
  return (int) depth;
}

void
pyr_native_merge (struct pyr_native *n,
                  struct pyr_python *py,
                  struct pyr_sample *sample)
{
  (void) py;
  current = n;
  n->gen++;
  for (uint32_t i = 0; i < sample->n_threads; i++)
    {
      struct pyr_thread_sample *t = &sample->threads[i];
      int n_native, n_groups, depth;

      if (t->native_id == 0 || (t->flags & PYR_THREAD_TRUNCATED))
        continue;
      if ((n_native = unwind (n, (pid_t) t->native_id)) < 0)
        {
          n->stats.unwind_failed++;
          continue;
        }
      if ((n_groups = python_groups (n, t)) < 0
          || !assign_groups (n, (uint32_t) n_native, (uint32_t) n_groups)
          || (depth = merge_thread (n, sample, t, (uint32_t) n_native, (uint32_t) n_groups)) < 0)
        {
          n->stats.mismatched++;
          continue;
        }
      if ((uint32_t) depth > PYR_MAX_FRAMES_PER_SAMPLE - sample->n_frames)
        continue;
      /* appended root first; the thread's old frames stay unused in the array */
      t->first = sample->n_frames;
      t->depth = (uint32_t) depth;
      for (int k = 0; k < depth; k++)
        sample->frames[sample->n_frames++] = n->out[depth - 1 - k];
      n->stats.threads++;
      n->stats.native_frames += (uint64_t) depth;
    }
  current = NULL;
}

#endif /* PYR_HAVE_LIBUNWIND */
