/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pyr-python.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pyr-elf.h"
#include "pyr-linetable.h"
#include "pyr-maps.h"

#define MAX_STRING_CHARS   4096
#define MAX_LINETABLE      (1u << 20)
#define CODE_CACHE_SLOTS   16384u          /* power of two */
#define CODE_ARENA_BYTES   (16u << 20)
#define WINDOW_BYTES       (1u << 20)
#define SCRATCH_BYTES      (64u * 1024)
#define MAX_TASKS          1024
#define PTHREAD_SCAN_BYTES 2048
#define USED_CODES_MAX     4096            /* code objects revalidated in one batch per epoch */

struct pyr_code_entry
{
  uint64_t addr;            /* 0: empty slot */
  uint64_t p_filename;
  uint64_t p_name;
  uint64_t p_linetable;
  int64_t  n_bytes;         /* bytecode size (3.11+), -1 when unknown */
  int64_t  memo_addr;
  int32_t  firstlineno;
  uint32_t epoch;
  uint32_t used_epoch;      /* epoch + 1 of the last use, for pyr_python_new_epoch() */
  uint32_t name_sid;
  uint32_t file_sid;
  uint32_t lt_off;
  uint32_t lt_len;
  uint32_t memo_fid;
};

struct pyr_task
{
  int      tid;
  int      fd;
  uint32_t last_seen;
  char     snapshot_state;   /* from pyr_python_snapshot_idle(), 0 when none */
};

/* ---- helpers ---------------------------------------------------------------------------- */

static inline uint64_t
get_u64 (const uint8_t *p,
         uint64_t       off)
{
  uint64_t v;
  memcpy (&v, p + off, sizeof v);
  return v;
}

static inline int32_t
get_i32 (const uint8_t *p,
         uint64_t       off)
{
  int32_t v;
  memcpy (&v, p + off, sizeof v);
  return v;
}

static const char *
base_name (const char *path)
{
  const char *s = strrchr (path, '/');
  return s ? s + 1 : path;
}

/* "libpython3.12.so.1.0", "python3.9", "libpython3.13d.so" -> minor version, or -1 */
static int
minor_from_name (const char *name)
{
  const char *p = strstr (name, "python3.");
  char *end;
  long minor;

  if (p == NULL)
    return -1;
  minor = strtol (p + 8, &end, 10);
  if (end == p + 8 || minor < 0 || minor > 99)
    return -1;
  return (int) minor;
}

/* ---- remote strings ----------------------------------------------------------------------- */

static size_t
put_utf8 (char     *out,
          uint32_t  c)
{
  if (c < 0x80)
    {
      out[0] = (char) c;
      return 1;
    }
  if (c < 0x800)
    {
      out[0] = (char) (0xc0 | (c >> 6));
      out[1] = (char) (0x80 | (c & 0x3f));
      return 2;
    }
  if (c < 0x10000)
    {
      out[0] = (char) (0xe0 | (c >> 12));
      out[1] = (char) (0x80 | ((c >> 6) & 0x3f));
      out[2] = (char) (0x80 | (c & 0x3f));
      return 3;
    }
  if (c > 0x10ffff)
    c = 0xfffd;
  out[0] = (char) (0xf0 | (c >> 18));
  out[1] = (char) (0x80 | ((c >> 12) & 0x3f));
  out[2] = (char) (0x80 | ((c >> 6) & 0x3f));
  out[3] = (char) (0x80 | (c & 0x3f));
  return 4;
}

/* Reads a str object and interns it as UTF-8. */
static int
read_string (struct pyr_python *py,
             uint64_t           addr,
             uint32_t          *sid)
{
  const struct pyr_layout *l = &py->layout;
  uint8_t header[128];
  uint32_t state, kind;
  int64_t length;
  uint64_t data;
  size_t nbytes, out = 0;
  uint8_t *raw = py->scratch;
  char *utf8 = (char *) py->scratch + MAX_STRING_CHARS * 4;
  int ret;

  if (l->str_compact_size > sizeof header)
    return -PYR_EINCONSISTENT;
  if ((ret = pyr_remote_read (&py->mem, addr, header, l->str_compact_size)) < 0)
    return ret;
  memcpy (&state, header + l->str_state, sizeof state);
  memcpy (&length, header + l->str_length, sizeof length);
  kind = (state >> 2) & 7;
  if (!((state >> 5) & 1) || length < 0 || length > MAX_STRING_CHARS
      || (kind != 1 && kind != 2 && kind != 4))
    return -PYR_EINCONSISTENT;
  data = addr + (((state >> 6) & 1) ? l->str_ascii_size : l->str_compact_size);
  nbytes = (size_t) length * kind;
  if ((ret = pyr_remote_read (&py->mem, data, raw, nbytes)) < 0)
    return ret;

  for (int64_t i = 0; i < length; i++)
    {
      uint32_t c;
      if (kind == 1)
        c = raw[i];
      else if (kind == 2)
        {
          uint16_t c16;
          memcpy (&c16, raw + i * 2, 2);
          c = c16;
        }
      else
        memcpy (&c, raw + i * 4, 4);
      out += put_utf8 (utf8 + out, c);
    }
  return pyr_strtab_intern (&py->strings, utf8, out, sid);
}

int
pyr_python_read_str (struct pyr_python *py,
                     uint64_t           addr,
                     char              *buf,
                     size_t             len)
{
  const struct pyr_layout *l = &py->layout;
  uint8_t header[128];
  uint32_t state, kind;
  int64_t length;
  size_t out = 0;
  uint8_t raw[1024];
  int ret;

  if (len == 0 || l->str_compact_size > sizeof header)
    return -EINVAL;
  buf[0] = '\0';
  if ((ret = pyr_remote_read (&py->mem, addr, header, l->str_compact_size)) < 0)
    return ret;
  memcpy (&state, header + l->str_state, sizeof state);
  memcpy (&length, header + l->str_length, sizeof length);
  kind = (state >> 2) & 7;
  if (!((state >> 5) & 1) || length < 0 || (kind != 1 && kind != 2 && kind != 4))
    return -PYR_EINCONSISTENT;
  if ((size_t) length * kind > sizeof raw)
    length = (int64_t) (sizeof raw / kind);
  if ((ret = pyr_remote_read (&py->mem,
                              addr + (((state >> 6) & 1) ? l->str_ascii_size : l->str_compact_size),
                              raw, (size_t) length * kind)) < 0)
    return ret;
  for (int64_t i = 0; i < length; i++)
    {
      uint32_t c;
      char tmp[4];
      size_t n;
      if (kind == 1)
        c = raw[i];
      else if (kind == 2)
        {
          uint16_t c16;
          memcpy (&c16, raw + i * 2, 2);
          c = c16;
        }
      else
        memcpy (&c, raw + i * 4, 4);
      n = put_utf8 (tmp, c);
      if (out + n >= len)
        break;
      memcpy (buf + out, tmp, n);
      out += n;
    }
  buf[out] = '\0';
  return 0;
}

/* ---- code objects --------------------------------------------------------------------------- */

static int
check_code_type (struct pyr_python *py,
                 uint64_t           type)
{
  uint64_t name_ptr;
  char name[8];
  int ret;

  for (uint32_t i = 0; i < py->type_ok_n; i++)
    if (py->type_ok[i] == type)
      return 0;
  for (uint32_t i = 0; i < py->type_bad_n; i++)
    if (py->type_bad[i] == type)
      return -PYR_EINCONSISTENT;

  if ((ret = pyr_remote_read_u64 (&py->mem, type + py->layout.tp_name, &name_ptr)) < 0)
    return ret;
  if ((ret = pyr_remote_read (&py->mem, name_ptr, name, 5)) < 0)
    return ret;
  if (memcmp (name, "code", 5) == 0)
    {
      py->type_ok[py->type_ok_n++ % 16] = type;
      if (py->type_ok_n > 16)
        py->type_ok_n = 16;
      return 0;
    }
  py->type_bad[py->type_bad_n++ % 16] = type;
  if (py->type_bad_n > 16)
    py->type_bad_n = 16;
  return -PYR_EINCONSISTENT;
}

static void
code_cache_reset (struct pyr_python *py)
{
  memset (py->codes, 0, (size_t) (py->codes_mask + 1) * sizeof *py->codes);
  py->codes_used = 0;
  py->code_arena_len = 0;
  py->n_used_codes = 0;
}

/* Remembers the code objects used in this epoch, for the next epoch's batched check. */
static inline void
note_code_use (struct pyr_python     *py,
               struct pyr_code_entry *e)
{
  if (e->used_epoch != py->epoch + 1 && py->n_used_codes < USED_CODES_MAX)
    {
      e->used_epoch = py->epoch + 1;
      py->used_codes[py->n_used_codes++] = (uint32_t) (e - py->codes);
    }
}

static inline uint32_t
code_slot (uint64_t addr,
           uint32_t mask)
{
  return (uint32_t) ((addr >> 4) * 0x9e3779b97f4a7c15ull >> 40) & mask;
}

/* Reads the code object at addr into entry (not yet in the table). */
static int
load_code (struct pyr_python     *py,
           uint64_t               addr,
           struct pyr_code_entry *e)
{
  const struct pyr_layout *l = &py->layout;
  uint8_t co[512];
  uint8_t bh[64];
  uint64_t name_ptr;
  int64_t lt_len;
  int ret;

  if (l->co_size > sizeof co || l->bytes_sval + 8 > sizeof bh)
    return -PYR_EINCONSISTENT;
  if ((ret = pyr_remote_read (&py->mem, addr, co, l->co_size)) < 0)
    return ret;
  if ((ret = check_code_type (py, get_u64 (co, l->ob_type))) < 0)
    return ret;

  memset (e, 0, sizeof *e);
  e->addr = addr;
  e->p_filename = get_u64 (co, l->co_filename);
  name_ptr = l->co_qualname != PYR_NO_OFFSET ? get_u64 (co, l->co_qualname)
                                             : get_u64 (co, l->co_name);
  e->p_name = name_ptr;
  e->p_linetable = get_u64 (co, l->co_linetable);
  e->firstlineno = get_i32 (co, l->co_firstlineno);
  e->n_bytes = l->frames == PYR_FRAMES_INTERPRETER ? (int64_t) get_u64 (co, l->co_ob_size) * 2 : -1;
  e->epoch = py->epoch;
  e->memo_addr = INT64_MIN;

  if (e->firstlineno < 0 || e->n_bytes > (1ll << 30))
    return -PYR_EINCONSISTENT;
  if ((ret = read_string (py, e->p_filename, &e->file_sid)) < 0)
    return ret;
  if ((ret = read_string (py, e->p_name, &e->name_sid)) < 0)
    return ret;

  if ((ret = pyr_remote_read (&py->mem, e->p_linetable, bh, l->bytes_sval)) < 0)
    return ret;
  memcpy (&lt_len, bh + l->bytes_size, sizeof lt_len);
  if (lt_len < 0 || lt_len > MAX_LINETABLE)
    return -PYR_EINCONSISTENT;
  if ((size_t) lt_len > py->code_arena_cap - py->code_arena_len)
    code_cache_reset (py);
  if ((size_t) lt_len > py->code_arena_cap)
    return -ENOSPC;
  if ((ret = pyr_remote_read (&py->mem, e->p_linetable + l->bytes_sval,
                              py->code_arena + py->code_arena_len, (size_t) lt_len)) < 0)
    return ret;
  e->lt_off = (uint32_t) py->code_arena_len;
  e->lt_len = (uint32_t) lt_len;
  py->code_arena_len += (size_t) lt_len;
  return 0;
}

/* Is the cached entry still the code object at its address?  Code objects die and their
 * memory is reused (exec, lambdas, reloads); the pointers to name, file and table change. */
static int
revalidate_code (struct pyr_python     *py,
                 struct pyr_code_entry *e)
{
  const struct pyr_layout *l = &py->layout;
  uint8_t co[512];
  uint64_t name_ptr;
  int ret;

  if ((ret = pyr_remote_read (&py->mem, e->addr, co, l->co_size)) < 0)
    return ret;
  name_ptr = l->co_qualname != PYR_NO_OFFSET ? get_u64 (co, l->co_qualname)
                                             : get_u64 (co, l->co_name);
  if (get_u64 (co, l->co_filename) != e->p_filename || name_ptr != e->p_name
      || get_u64 (co, l->co_linetable) != e->p_linetable
      || get_i32 (co, l->co_firstlineno) != e->firstlineno)
    return 1;
  e->epoch = py->epoch;
  return 0;
}

static int
lookup_code (struct pyr_python      *py,
             uint64_t                addr,
             struct pyr_code_entry **out)
{
  uint32_t slot = code_slot (addr, py->codes_mask);
  struct pyr_code_entry fresh;
  int ret;

  for (uint32_t probe = 0; probe <= py->codes_mask; probe++)
    {
      struct pyr_code_entry *e = &py->codes[slot];

      if (e->addr == addr)
        {
          if (e->epoch != py->epoch)
            {
              ret = revalidate_code (py, e);
              if (ret < 0)
                return ret;
              if (ret > 0)
                {
                  if ((ret = load_code (py, addr, &fresh)) < 0)
                    return ret;
                  *e = fresh;
                }
            }
          note_code_use (py, e);
          *out = e;
          return 0;
        }
      if (e->addr == 0)
        break;
      slot = (slot + 1) & py->codes_mask;
    }

  if (py->codes_used * 2 > py->codes_mask)
    code_cache_reset (py);
  if ((ret = load_code (py, addr, &fresh)) < 0)
    return ret;
  /* load_code may have reset the cache to make room: probe again */
  slot = code_slot (addr, py->codes_mask);
  while (py->codes[slot].addr != 0)
    slot = (slot + 1) & py->codes_mask;
  py->codes[slot] = fresh;
  py->codes_used++;
  note_code_use (py, &py->codes[slot]);
  *out = &py->codes[slot];
  return 0;
}

static int
frame_id_for (struct pyr_python     *py,
              struct pyr_code_entry *e,
              int64_t                addr,
              uint32_t              *fid)
{
  struct pyr_frame f;
  int line;
  int ret;

  if (e->memo_addr == addr)
    {
      *fid = e->memo_fid;
      return 0;
    }
  line = pyr_linetable_addr2line (py->layout.lines, py->code_arena + e->lt_off, e->lt_len,
                                  e->firstlineno, addr);
  f.name = e->name_sid;
  f.file = e->file_sid;
  f.line = line < 0 ? 0 : line;
  f.first_line = e->firstlineno;
  f.kind = 0;
  f.out_id = 0;
  if ((ret = pyr_frametab_intern (&py->frames, &f, fid)) < 0)
    return ret;
  e->memo_addr = addr;
  e->memo_fid = *fid;
  return 0;
}

/* ---- threads: idle state and native ids ------------------------------------------------ */

static struct pyr_task *
task_for (struct pyr_python *py,
          int                tid)
{
  char path[32];
  int fd;
  struct pyr_task *t;

  for (uint32_t i = 0; i < py->n_tasks; i++)
    if (py->tasks[i].tid == tid)
      return &py->tasks[i];

  if (py->stat_dir_fd < 0)
    return NULL;
  if (py->n_tasks == MAX_TASKS)
    {
      /* forget tasks not seen recently (threads come and go in thread pools) */
      uint32_t kept = 0;
      for (uint32_t i = 0; i < py->n_tasks; i++)
        {
          if (py->epoch - py->tasks[i].last_seen <= 1)
            py->tasks[kept++] = py->tasks[i];
          else
            close (py->tasks[i].fd);
        }
      py->n_tasks = kept;
      if (kept == MAX_TASKS)
        return NULL;
    }
  snprintf (path, sizeof path, "%d/stat", tid);
  fd = openat (py->stat_dir_fd, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return NULL;
  t = &py->tasks[py->n_tasks++];
  t->tid = tid;
  t->fd = fd;
  t->last_seen = py->epoch;
  return t;
}

/* Idle unless the kernel says the thread is running (R); unknown counts as not idle. */
static char
read_task_state (struct pyr_task *t)
{
  char buf[512];
  ssize_t n;
  char *paren;

  n = pread (t->fd, buf, sizeof buf - 1, 0);
  if (n <= 0)
    return 0;
  buf[n] = '\0';
  paren = strrchr (buf, ')');
  if (paren == NULL || paren[1] != ' ')
    return 0;
  return paren[2];
}

void
pyr_python_snapshot_idle (struct pyr_python *py)
{
  for (uint32_t i = 0; i < py->n_tasks; i++)
    py->tasks[i].snapshot_state = read_task_state (&py->tasks[i]);
  py->idle_from_snapshot = true;
}

static bool
task_is_idle (struct pyr_python *py,
              int                tid)
{
  struct pyr_task *t = task_for (py, tid);
  char buf[512];
  ssize_t n;
  char *paren;

  if (t == NULL)
    return false;
  t->last_seen = py->epoch;
  /* --blocking: the states from before the threads were stopped (stopped reads as idle) */
  if (py->idle_from_snapshot && t->snapshot_state != 0)
    return t->snapshot_state != 'R';
  n = pread (t->fd, buf, sizeof buf - 1, 0);
  if (n <= 0)
    return false;
  buf[n] = '\0';
  paren = strrchr (buf, ')');
  if (paren == NULL || paren[1] != ' ')
    return false;
  return paren[2] != 'R';
}

/* <= 3.10 keeps only the pthread_t; glibc stores the kernel tid inside struct pthread.  Find
 * that offset once by matching the threads' structures against /proc/PID/task. */
static void
find_pthread_tid_offset (struct pyr_python *py,
                         const uint64_t    *pthreads,
                         uint32_t           n)
{
  char path[64];
  int tids[MAX_TASKS];
  uint32_t ntids = 0;
  DIR *dir;
  struct dirent *de;
  uint8_t buf[PTHREAD_SCAN_BYTES];
  uint32_t votes[PTHREAD_SCAN_BYTES / 4] = { 0 };
  uint32_t best = 0;

  py->pthread_tid_offset = -1;
  snprintf (path, sizeof path, "/proc/%d/task", (int) py->pid);
  if ((dir = opendir (path)) == NULL)
    return;
  while ((de = readdir (dir)) != NULL && ntids < MAX_TASKS)
    if (isdigit ((unsigned char) de->d_name[0]))
      tids[ntids++] = atoi (de->d_name);
  closedir (dir);

  for (uint32_t i = 0; i < n; i++)
    {
      if (pyr_remote_read (&py->mem, pthreads[i], buf, sizeof buf) < 0)
        continue;
      for (uint32_t off = 0; off < sizeof buf; off += 4)
        {
          int32_t v = get_i32 (buf, off);
          for (uint32_t k = 0; k < ntids; k++)
            if (v == tids[k])
              {
                votes[off / 4]++;
                break;
              }
        }
    }
  for (uint32_t i = 0; i < PTHREAD_SCAN_BYTES / 4; i++)
    if (votes[i] > best)
      {
        best = votes[i];
        py->pthread_tid_offset = (int64_t) i * 4;
      }
}

/* ---- the walk ---------------------------------------------------------------------------- */

/*
 * Speculation: a program's threads, their datastack chunks and (<= 3.10) their frame objects
 * mostly stay where they were at the previous sample.  So one process_vm_readv fetches, at the
 * same instant, the runtime's interpreter pointer, the interpreter's fields, and for every thread
 * seen last time its PyThreadState, its current-frame slot (3.11/3.12 _PyCFrame) and either its
 * chunk up to a bit past the last frame (3.11+) or its frame objects (<= 3.10).  Everything is
 * then checked against what it should link to; whatever does not match is read again the slow
 * way, so a wrong guess costs time, never correctness.
 */

struct frame_source
{
  const uint8_t *window;      /* a copy of [win_start, win_end) */
  uint64_t       win_start;
  uint64_t       win_end;
  const uint64_t *pf_addr;    /* <= 3.10: prefetched frame objects, in walk order */
  const uint8_t  *pf_data;
  uint32_t        pf_n;
  uint64_t        chunk;      /* the chunk the window was cut from (3.11+) */
  uint64_t        chain_prev; /* that chunk's previous chunk, when the window holds its header */
};

struct walk
{
  uint32_t *out;       /* leaf first */
  uint32_t  cap;
  uint32_t  depth;
  bool      truncated;
  uint64_t  top;       /* end of the innermost frame (3.11+), for the next window */
  uint64_t  chunk;
  uint64_t  chunk_size;
  uint64_t  root;      /* the last frame pushed */
  uint64_t *objs;      /* frame addresses read outside the chunk copy, for the next prefetch */
  uint32_t  n_objs;
  uint32_t  objs_cap;
};

static int
push_frame (struct walk *w,
            uint32_t     fid)
{
  if (w->depth == w->cap)
    {
      w->truncated = true;
      return 1;
    }
  w->out[w->depth++] = fid;
  return 0;
}

/* No user-space address is this high (x86-64 and arm64 with 5-level / 52-bit tables stay
 * below 2^57). */
#define USER_ADDRESS_LIMIT  (1ull << 57)

/* The fr_size bytes of the frame at addr: from the window, the prefetch, or a read. */
static const uint8_t *
frame_bytes (struct pyr_python         *py,
             const struct frame_source *src,
             uint64_t                   addr,
             uint32_t                   index,
             uint8_t                   *local,
             int                       *ret)
{
  uint64_t size = py->layout.fr_size;

  if (src->window != NULL && addr >= src->win_start && addr + size <= src->win_end
      && addr + size > addr)
    return src->window + (addr - src->win_start);
  if (index < src->pf_n && src->pf_addr[index] == addr)
    return src->pf_data + (size_t) index * size;
  *ret = pyr_remote_read (&py->mem, addr, local, size);
  return *ret < 0 ? NULL : local;
}

static int
walk_frame_objects (struct pyr_python         *py,
                    uint64_t                   frame,
                    const struct frame_source *src,
                    struct walk               *w)
{
  const struct pyr_layout *l = &py->layout;
  uint8_t local[256];
  uint32_t n = 0;
  int ret = 0;

  while (frame != 0)
    {
      struct pyr_code_entry *e;
      const uint8_t *f;
      uint32_t fid;
      int64_t addr;

      if (n >= PYR_MAX_DEPTH * 4)
        return -PYR_EINCONSISTENT;
      if ((f = frame_bytes (py, src, frame, n, local, &ret)) == NULL)
        return ret;
      if (w->n_objs < w->objs_cap)
        w->objs[w->n_objs++] = frame;
      n++;
      if ((ret = lookup_code (py, get_u64 (f, l->fr_code), &e)) < 0)
        return ret;
      addr = get_i32 (f, l->fr_lasti);
      if (l->lines == PYR_LINES_LINETABLE_310 && addr >= 0)
        addr *= 2;
      if ((ret = frame_id_for (py, e, addr, &fid)) < 0)
        return ret;
      if (push_frame (w, fid) > 0)
        return 0;
      w->root = frame;
      if (get_u64 (f, l->fr_back) == frame)
        return -PYR_EINCONSISTENT;
      frame = get_u64 (f, l->fr_back);
    }
  return 0;
}

static int
walk_interpreter_frames (struct pyr_python         *py,
                         uint64_t                   frame,
                         struct frame_source       *src,
                         struct walk               *w)
{
  const struct pyr_layout *l = &py->layout;
  uint8_t local[256];
  uint32_t n = 0;
  int ret = 0;

  w->top = frame != 0 ? frame + l->fr_size : 0;
  while (frame != 0)
    {
      const uint8_t *f;
      uint64_t code, prev;
      int owner = 0;

      if (++n > PYR_MAX_DEPTH * 4)
        return -PYR_EINCONSISTENT;
      /* a torn read (the target exec'ing, a frame being popped) can bring any value; the
       * window tests below add fr_size and must not wrap around */
      if (frame >= USER_ADDRESS_LIMIT)
        return -PYR_EINCONSISTENT;
      /* a deep stack continues in older chunks: copy the next one down to its start at once */
      if ((src->window == NULL || frame < src->win_start || frame + l->fr_size > src->win_end)
          && src->chain_prev != 0 && frame > src->chain_prev
          && frame + l->fr_size - src->chain_prev <= py->window_cap
          && pyr_remote_read (&py->mem, src->chain_prev, py->window2,
                              frame + l->fr_size - src->chain_prev) == 0)
        {
          src->window = py->window2;
          src->win_start = src->chain_prev;
          src->win_end = frame + l->fr_size;
          src->chain_prev = get_u64 (py->window2, 0);
        }
      /* frames outside the chunk copies (generators, 3.12+ shim frames on the C stack) are
       * remembered in walk order for the next prefetch */
      if (src->window == NULL || frame < src->win_start || frame + l->fr_size > src->win_end)
        {
          uint32_t k = w->n_objs;
          if (w->n_objs < w->objs_cap)
            w->objs[w->n_objs++] = frame;
          if ((f = frame_bytes (py, src, frame, k, local, &ret)) == NULL)
            return ret;
        }
      else
        f = src->window + (frame - src->win_start);
      code = get_u64 (f, l->fr_code);
      prev = get_u64 (f, l->fr_back);
      if (l->fr_owner != PYR_NO_OFFSET)
        owner = f[l->fr_owner];
      if (l->fr_code_tagged)
        code &= ~(uint64_t) 3;

      if ((l->owner_first_skipped < 0 || owner < l->owner_first_skipped) && code != 0)
        {
          struct pyr_code_entry *e;
          uint32_t fid;
          int64_t addr;

          if ((ret = lookup_code (py, code, &e)) < 0)
            return ret;
          addr = (int64_t) (get_u64 (f, l->fr_instr) - (code + l->co_code_adaptive));
          /* 3.11/3.12 frames that have not started point one unit before the code */
          if (addr < -2 || (e->n_bytes >= 0 && addr >= e->n_bytes))
            return -PYR_EINCONSISTENT;
          if ((ret = frame_id_for (py, e, addr, &fid)) < 0)
            return ret;
          if (push_frame (w, fid) > 0)
            return 0;
          w->root = frame;
        }
      if (prev == frame)
        return -PYR_EINCONSISTENT;
      frame = prev;
    }
  return 0;
}

/* Reads the start of the chunk up to the innermost frame (3.11+), when the speculative read
 * did not already bring it. */
static void
read_window (struct pyr_python   *py,
             uint64_t             frame,
             uint64_t             chunk,
             struct frame_source *src,
             struct walk         *w)
{
  const struct pyr_layout *l = &py->layout;
  uint64_t end = frame + l->fr_size;
  uint64_t start = chunk;

  if (chunk == 0 || frame <= chunk || frame - chunk > (64u << 20))
    return;
  if (end - start > py->window_cap)
    start = end - py->window_cap;
  if (pyr_remote_read (&py->mem, start, py->window, end - start) == 0)
    {
      src->window = py->window;
      src->win_start = start;
      src->win_end = end;
      src->chunk = chunk;
      if (start == chunk)
        {
          w->chunk_size = get_u64 (py->window, l->chunk_size);
          src->chain_prev = get_u64 (py->window, 0);
        }
    }
}

/* Reads thread state tstate again into ts (l->ts_size bytes) and its innermost frame. */
static int
retry_thread (struct pyr_python *py,
              uint64_t           tstate,
              uint8_t           *ts,
              uint64_t          *cframe,
              uint64_t          *frame)
{
  const struct pyr_layout *l = &py->layout;
  int ret;

  if ((ret = pyr_remote_read (&py->mem, tstate, ts, l->ts_size)) < 0)
    return ret;
  *frame = get_u64 (ts, l->ts_frame);
  *cframe = 0;
  if (l->cframe_current_frame != PYR_NO_OFFSET && *frame != 0)
    {
      *cframe = *frame;
      return pyr_remote_read_u64 (&py->mem, *cframe + l->cframe_current_frame, frame);
    }
  return 0;
}

static int
sample_thread (struct pyr_python         *py,
               const uint8_t             *ts,
               uint64_t                   frame,
               struct frame_source       *src,
               struct walk               *w)
{
  const struct pyr_layout *l = &py->layout;

  if (l->frames == PYR_FRAMES_OBJECTS)
    return walk_frame_objects (py, frame, src, w);

  w->chunk = get_u64 (ts, l->ts_datastack_chunk);
  if (frame != 0 && (src->window == NULL || src->chunk != w->chunk || frame < src->win_start
                     || frame + l->fr_size > src->win_end))
    {
      src->window = NULL;
      read_window (py, frame, w->chunk, src, w);
    }
  else if (src->window != NULL && src->win_start == w->chunk)
    {
      w->chunk_size = get_u64 (src->window, l->chunk_size);
      src->chain_prev = get_u64 (src->window, 0);
    }
  return walk_interpreter_frames (py, frame, src, w);
}

/* Plans the speculative read: iov entries for everything the last sample suggests. */
static size_t
plan_speculation (struct pyr_python     *py,
                  struct pyr_remote_iov *iov,
                  size_t                 max,
                  struct pyr_spec_read  *sr)
{
  const struct pyr_layout *l = &py->layout;
  size_t n = 0;
  size_t win_used = 0;

  iov[n++] = (struct pyr_remote_iov) { py->runtime + l->rt_interpreters_head, &sr->interp, 8 };
  if (py->spec_interp == 0)
    return n;
  iov[n++] = (struct pyr_remote_iov) { py->spec_interp + l->is_threads_head, &sr->head, 8 };
  iov[n++] = (struct pyr_remote_iov) { py->spec_interp + l->is_next, &sr->next, 8 };
  if (l->is_gc_collecting != PYR_NO_OFFSET)
    iov[n++] = (struct pyr_remote_iov) { py->spec_interp + l->is_gc_collecting, &sr->gc, 4 };
  else if (l->rt_gc_collecting != PYR_NO_OFFSET)
    iov[n++] = (struct pyr_remote_iov) { py->runtime + l->rt_gc_collecting, &sr->gc, 4 };
  if (l->rt_tstate_current != PYR_NO_OFFSET)
    iov[n++] = (struct pyr_remote_iov) { py->runtime + l->rt_tstate_current, &sr->holder, 8 };
  else if (py->spec_gil != 0)
    {
      iov[n++] = (struct pyr_remote_iov) { py->spec_gil + l->gil_locked, &sr->gil_locked, 4 };
      iov[n++] = (struct pyr_remote_iov) { py->spec_gil + l->gil_last_holder, &sr->holder, 8 };
    }
  /* 3.14+ counts code objects going away: a change means cached ones may be stale */
  if (l->is_code_generation != PYR_NO_OFFSET)
    iov[n++] = (struct pyr_remote_iov) { py->spec_interp + l->is_code_generation,
                                         &sr->code_generation, 8 };
  sr->n_fixed = n;

  for (uint32_t i = 0; i < py->n_spec_threads; i++)
    {
      struct pyr_spec_thread *t = &py->spec_threads[i];
      uint8_t *ts = py->spec_ts + (size_t) i * PYR_SPEC_TS_BYTES;

      if (n + 3 > max || l->ts_size > PYR_SPEC_TS_BYTES)
        break;
      iov[n++] = (struct pyr_remote_iov) { t->tstate, ts, l->ts_size };
      if (l->cframe_current_frame != PYR_NO_OFFSET && t->cframe != 0)
        iov[n++] = (struct pyr_remote_iov) { t->cframe + l->cframe_current_frame,
                                             &t->spec_frame, 8 };
      t->win_len = 0;
      t->pf_n = 0;
      if (l->frames == PYR_FRAMES_INTERPRETER && t->chunk != 0 && t->top > t->chunk)
        {
          uint64_t len = t->top - t->chunk + 2048;
          if (t->chunk_size != 0 && len > t->chunk_size)
            len = t->chunk_size;
          if (len <= PYR_SPEC_WINDOW_BYTES
              && win_used + len <= (size_t) PYR_SPEC_THREADS * PYR_SPEC_WINDOW_BYTES)
            {
              t->win_off = win_used;
              t->win_len = len;
              win_used += len;
              iov[n++] = (struct pyr_remote_iov) { t->chunk, py->spec_window + t->win_off, len };
            }
        }
      if (l->frames == PYR_FRAMES_OBJECTS || t->n_objs > 0)
        {
          uint32_t k;
          for (k = 0; k < t->n_objs && n < max; k++)
            iov[n++] = (struct pyr_remote_iov) {
              t->objs[k], py->spec_frames + ((size_t) i * PYR_SPEC_FRAMES + k) * l->fr_size,
              l->fr_size };
          t->pf_n = k;
        }
      sr->n_threads = i + 1;
    }
  return n;
}

int
pyr_python_sample (struct pyr_python *py,
                   struct pyr_sample *sample,
                   bool               read_idle)
{
  const struct pyr_layout *l = &py->layout;
  struct pyr_remote_iov iov[PYR_SPEC_IOV];
  struct pyr_spec_read sr = { 0 };
  size_t niov;
  uint64_t interp;
  uint32_t n_interp = 0, n_spec_next = 0;
  bool spec_ok, any_ok = false;
  int last_err = 0;
  int ret;

  sample->n_threads = 0;
  sample->n_errors = 0;
  sample->n_frames = 0;

  niov = plan_speculation (py, iov, PYR_SPEC_IOV, &sr);
  ret = pyr_remote_readv (&py->mem, iov, niov);
  spec_ok = ret == 0 && niov > 1 && sr.interp == py->spec_interp;
  if (ret < 0 && niov > 1)
    ret = pyr_remote_readv (&py->mem, iov, 1);   /* the guesses failed: just the head */
  if (ret < 0)
    return ret == -EFAULT && kill (py->pid, 0) < 0 && errno == ESRCH ? -ESRCH : ret;
  interp = sr.interp;
  if (spec_ok && l->is_code_generation != PYR_NO_OFFSET
      && sr.code_generation != py->code_generation)
    {
      py->code_generation = sr.code_generation;
      py->epoch++;   /* check every cached code object again at its next use */
    }

  while (interp != 0 && n_interp < PYR_MAX_INTERPRETERS)
    {
      uint64_t head = 0, next = 0, holder = 0, tstate;
      int32_t gc = 0;
      uint32_t n_threads = 0;
      bool spec_here = spec_ok && n_interp == 0;

      if (spec_here)
        {
          head = sr.head;
          next = sr.next;
          gc = sr.gc;
          holder = l->rt_tstate_current != PYR_NO_OFFSET || sr.gil_locked ? sr.holder : 0;
        }
      else
        {
          struct pyr_remote_iov fiov[5];
          size_t nf = 0;
          uint64_t ceval_gil = 0;
          struct
          {
            int32_t  locked;
            uint64_t last_holder;
          } g = { 0, 0 };

          fiov[nf++] = (struct pyr_remote_iov) { interp + l->is_threads_head, &head, 8 };
          fiov[nf++] = (struct pyr_remote_iov) { interp + l->is_next, &next, 8 };
          if (l->is_gc_collecting != PYR_NO_OFFSET)
            fiov[nf++] = (struct pyr_remote_iov) { interp + l->is_gc_collecting, &gc, 4 };
          else if (l->rt_gc_collecting != PYR_NO_OFFSET)
            fiov[nf++] = (struct pyr_remote_iov) { py->runtime + l->rt_gc_collecting, &gc, 4 };
          if (l->rt_tstate_current != PYR_NO_OFFSET)
            fiov[nf++] = (struct pyr_remote_iov) { py->runtime + l->rt_tstate_current, &holder, 8 };
          if (l->is_ceval_gil != PYR_NO_OFFSET)
            fiov[nf++] = (struct pyr_remote_iov) { interp + l->is_ceval_gil, &ceval_gil, 8 };
          if ((ret = pyr_remote_readv (&py->mem, fiov, nf)) < 0)
            return ret;
          if (ceval_gil != 0)
            {
              struct pyr_remote_iov giov[2] = {
                { ceval_gil + l->gil_locked, &g.locked, sizeof g.locked },
                { ceval_gil + l->gil_last_holder, &g.last_holder, sizeof g.last_holder },
              };
              if (pyr_remote_readv (&py->mem, giov, 2) == 0 && g.locked)
                holder = g.last_holder;
            }
          if (n_interp == 0)
            {
              py->spec_interp = interp;
              py->spec_gil = ceval_gil;
            }
        }

      for (tstate = head; tstate != 0 && n_threads < PYR_MAX_THREADS; n_threads++)
        {
          uint8_t ts_local[4096];
          const uint8_t *ts = NULL;
          struct pyr_thread_sample *t;
          struct pyr_spec_thread *spec = NULL;
          struct frame_source src = { 0 };
          struct walk w = { 0 };
          uint64_t frame, cframe = 0;

          if (sample->n_threads == PYR_MAX_THREADS || l->ts_size > sizeof ts_local)
            break;
          if (spec_here && n_threads < sr.n_threads
              && py->spec_threads[n_threads].tstate == tstate)
            {
              spec = &py->spec_threads[n_threads];
              ts = py->spec_ts + (size_t) n_threads * PYR_SPEC_TS_BYTES;
            }
          else
            {
              if ((ret = pyr_remote_read (&py->mem, tstate, ts_local, l->ts_size)) < 0)
                {
                  sample->n_errors++;
                  last_err = ret;
                  break;
                }
              ts = ts_local;
            }

          t = &sample->threads[sample->n_threads];
          memset (t, 0, sizeof *t);
          t->tstate = tstate;
          t->thread_id = get_u64 (ts, l->ts_thread_id);
          t->interp = n_interp;
          if (l->ts_native_thread_id != PYR_NO_OFFSET)
            t->native_id = (uint32_t) get_u64 (ts, l->ts_native_thread_id);
          else if (spec != NULL && spec->ident == t->thread_id && spec->native_id != 0)
            t->native_id = spec->native_id;
          else if (py->pthread_tid_offset >= 0 && t->thread_id != 0)
            {
              int32_t tid = 0;
              if (pyr_remote_read (&py->mem, t->thread_id + (uint64_t) py->pthread_tid_offset,
                                   &tid, sizeof tid) == 0 && tid > 0)
                t->native_id = (uint32_t) tid;
            }
          if (holder != 0 && holder == tstate)
            t->flags |= PYR_THREAD_GIL;
          /* the GIL holder is running Python: no need to ask the kernel */
          else if (read_idle && t->native_id != 0 && task_is_idle (py, (int) t->native_id))
            t->flags |= PYR_THREAD_IDLE;
          if (gc != 0)
            t->flags |= PYR_THREAD_GC;

          /* the innermost frame */
          frame = get_u64 (ts, l->ts_frame);
          if (l->cframe_current_frame != PYR_NO_OFFSET && frame != 0)
            {
              cframe = frame;
              if (spec != NULL && spec->cframe == cframe)
                frame = spec->spec_frame;
              else if ((ret = pyr_remote_read_u64 (&py->mem, cframe + l->cframe_current_frame,
                                                   &frame)) < 0)
                {
                  sample->n_errors++;
                  last_err = ret;
                  goto next_thread;
                }
            }
          if (spec != NULL && spec->win_len > 0)
            {
              src.window = py->spec_window + spec->win_off;
              src.win_start = spec->chunk;
              src.win_end = spec->chunk + spec->win_len;
              src.chunk = spec->chunk;
            }
          if (spec != NULL && spec->pf_n > 0)
            {
              src.pf_addr = spec->objs;
              src.pf_data = py->spec_frames + (size_t) n_threads * PYR_SPEC_FRAMES * l->fr_size;
              src.pf_n = spec->pf_n;
            }

          w.out = sample->frames + sample->n_frames;
          w.cap = PYR_MAX_FRAMES_PER_SAMPLE - sample->n_frames;
          if (w.cap > PYR_MAX_DEPTH)
            w.cap = PYR_MAX_DEPTH;
          if (n_interp == 0 && n_spec_next < PYR_SPEC_THREADS)
            {
              w.objs = py->spec_objs_next;
              w.objs_cap = PYR_SPEC_FRAMES;
            }
          ret = sample_thread (py, ts, frame, &src, &w);
          /* A torn read (the stack changed while it was read) gets one more try from fresh
           * reads: torn reads hit fast-changing stacks most, and dropping those would bias
           * the profile against them. */
          if (ret < 0 && ret != -ESRCH && ret != -EPERM
              && retry_thread (py, tstate, ts_local, &cframe, &frame) == 0)
            {
              struct walk again = { .out = w.out, .cap = w.cap, .objs = w.objs,
                                    .objs_cap = w.objs_cap };
              struct frame_source fresh = { 0 };

              ts = ts_local;
              w = again;
              src = fresh;
              ret = sample_thread (py, ts, frame, &src, &w);
              py->retries++;
            }
          if (ret < 0)
            {
              sample->n_errors++;
              last_err = ret;
            }
          else
            {
              /* root first */
              for (uint32_t i = 0, j = w.depth ? w.depth - 1 : 0; i < j; i++, j--)
                {
                  uint32_t tmp = w.out[i];
                  w.out[i] = w.out[j];
                  w.out[j] = tmp;
                }
              t->first = sample->n_frames;
              t->depth = w.depth;
              t->root_frame = w.root;
              if (w.truncated)
                t->flags |= PYR_THREAD_TRUNCATED;
              sample->n_frames += w.depth;
              sample->n_threads++;
              any_ok = true;
            }

          /* remember where this thread was, for the next sample's speculative read */
          if (n_interp == 0 && n_spec_next < PYR_SPEC_THREADS && n_spec_next == n_threads)
            {
              struct pyr_spec_thread *nt = &py->spec_threads_next[n_spec_next++];
              nt->tstate = tstate;
              nt->ident = t->thread_id;
              nt->native_id = t->native_id;
              nt->cframe = cframe;
              nt->chunk = ret == 0 ? w.chunk : 0;
              nt->chunk_size = w.chunk_size;
              nt->top = ret == 0 ? w.top : 0;
              nt->n_objs = ret == 0 ? w.n_objs : 0;
              memcpy (nt->objs, w.objs, (size_t) nt->n_objs * sizeof *nt->objs);
            }

        next_thread:
          if (get_u64 (ts, l->ts_next) == tstate)
            break;
          tstate = get_u64 (ts, l->ts_next);
        }
      interp = next;
      n_interp++;
    }

  py->idle_from_snapshot = false;
  for (uint32_t i = 0; i < py->n_tasks; i++)
    py->tasks[i].snapshot_state = 0;

  /* the plan for the next sample */
  {
    struct pyr_spec_thread *tmp = py->spec_threads;
    py->spec_threads = py->spec_threads_next;
    py->spec_threads_next = tmp;
    py->n_spec_threads = n_spec_next;
  }
  if (sr.interp != py->spec_interp)
    py->spec_interp = 0;

  if (!any_ok && sample->n_errors > 0)
    {
      if (kill (py->pid, 0) < 0 && errno == ESRCH)
        return -ESRCH;
      return last_err < 0 ? last_err : -PYR_EINCONSISTENT;
    }
  return 0;
}

/* The code objects used in the epoch that ends are checked against reuse all at once, with
 * one system call per 1024 of them rather than one each at their next use (for a 50-frame
 * stack, 50 reads of ~3-7 µs every 100 ms: at 100 Hz that is every 10th sample).  What does
 * not match, or cannot be read, is left to the check at its next use. */
static void
revalidate_used_codes (struct pyr_python *py)
{
  const struct pyr_layout *l = &py->layout;
  struct pyr_remote_iov iov[PYR_SPEC_IOV];
  uint32_t done = 0;
  size_t per = l->co_size;

  if (per == 0 || per > 512 || (size_t) PYR_SPEC_IOV * per > py->window_cap)
    return;
  while (done < py->n_used_codes)
    {
      uint32_t n = py->n_used_codes - done < PYR_SPEC_IOV ? py->n_used_codes - done : PYR_SPEC_IOV;

      for (uint32_t i = 0; i < n; i++)
        iov[i] = (struct pyr_remote_iov) { py->codes[py->used_codes[done + i]].addr,
                                           py->window + (size_t) i * per, per };
      if (pyr_remote_readv (&py->mem, iov, n) == 0)
        for (uint32_t i = 0; i < n; i++)
          {
            struct pyr_code_entry *e = &py->codes[py->used_codes[done + i]];
            const uint8_t *co = py->window + (size_t) i * per;
            uint64_t name_ptr = l->co_qualname != PYR_NO_OFFSET ? get_u64 (co, l->co_qualname)
                                                                : get_u64 (co, l->co_name);
            if (e->addr != 0 && e->epoch + 1 == py->epoch
                && get_u64 (co, l->co_filename) == e->p_filename && name_ptr == e->p_name
                && get_u64 (co, l->co_linetable) == e->p_linetable
                && get_i32 (co, l->co_firstlineno) == e->firstlineno)
              e->epoch = py->epoch;
          }
      done += n;
    }
  py->n_used_codes = 0;
}

void
pyr_python_new_epoch (struct pyr_python *py)
{
  py->epoch++;
  revalidate_used_codes (py);
  /* read the interpreter's fields (GIL pointer...) the slow way once per epoch */
  py->spec_interp = 0;
}

int
pyr_python_intern_frame (struct pyr_python *py,
                         const char        *name,
                         const char        *file,
                         int                line,
                         uint32_t          *id)
{
  struct pyr_frame f = { 0 };
  int ret;

  if ((ret = pyr_strtab_intern (&py->strings, name, strlen (name), &f.name)) < 0
      || (ret = pyr_strtab_intern (&py->strings, file, strlen (file), &f.file)) < 0)
    return ret;
  f.line = line;
  return pyr_frametab_intern (&py->frames, &f, id);
}

/* ---- finding the interpreter ------------------------------------------------------------- */

struct candidate
{
  const char *path;      /* as in maps */
  int         rank;
};

static int
open_image (pid_t                 pid,
            const struct pyr_map *base,
            const char           *exe,
            struct pyr_elf       *elf,
            struct pyr_err       *err)
{
  char path[PATH_MAX + 64];
  size_t plen = strlen (base->path);
  const char *deleted = " (deleted)";

  if (exe != NULL && strcmp (base->path, exe) == 0)
    snprintf (path, sizeof path, "/proc/%d/exe", (int) pid);
  else if (plen > strlen (deleted) && strcmp (base->path + plen - strlen (deleted), deleted) == 0)
    snprintf (path, sizeof path, "/proc/%d/map_files/%llx-%llx", (int) pid,
              (unsigned long long) base->start, (unsigned long long) base->end);
  else
    snprintf (path, sizeof path, "/proc/%d/root%s", (int) pid, base->path);
  return pyr_elf_open (elf, path, err);
}

/* Scans writable mappings of the image for the 3.13+ "xdebugpy" cookie: for binaries whose
 * symbols and sections were stripped. */
static uint64_t
scan_for_cookie (struct pyr_python     *py,
                 const struct pyr_maps *maps,
                 const char            *path)
{
  uint8_t buf[65536];

  for (size_t i = 0; i < maps->n; i++)
    {
      const struct pyr_map *m = &maps->maps[i];
      if (!m->writable || !m->readable || strcmp (m->path, path) != 0)
        continue;
      for (uint64_t a = m->start; a < m->end; a += sizeof buf)
        {
          size_t len = m->end - a < sizeof buf ? m->end - a : sizeof buf;
          uint32_t v;
          if (pyr_remote_read (&py->mem, a, buf, len) < 0)
            break;
          for (size_t off = 0; off + 16 <= len; off += 8)
            if (pyr_layout_has_debug_offsets (buf + off, len - off, &v))
              return a + off;
        }
    }
  return 0;
}

/* Before 3.11 there is no Py_Version: PY_VERSION ("3.9.18") sits in .rodata as a string of its
 * own.  Only the micro number is taken from it; the minor comes from the file name. */
static uint32_t
micro_from_rodata (const struct pyr_elf *elf,
                   int                   minor)
{
  const uint8_t *data, *p, *end;
  size_t size;
  char prefix[16];
  int plen = snprintf (prefix, sizeof prefix, "%c3.%d.", '\0', minor);

  if (pyr_elf_section_data (elf, ".rodata", &data, &size) < 0)
    return 0;
  end = data + size;
  for (p = data; (p = memmem (p, (size_t) (end - p), prefix, (size_t) plen)) != NULL; p++)
    {
      const uint8_t *q = p + plen;
      unsigned micro = 0;
      int digits = 0;
      while (q < end && *q >= '0' && *q <= '9' && digits < 3)
        micro = micro * 10 + (unsigned) (*q++ - '0'), digits++;
      if (digits > 0 && q < end && (*q == '\0' || *q == '+'))
        return micro > 255 ? 0 : micro;
    }
  return 0;
}

/* Failing that, Py_GetVersion() formats "3.9.18 (default, ...)" into a static buffer at
 * start-up: look for it in the image's .bss (as py-spy does). */
static uint32_t
micro_from_bss (struct pyr_python    *py,
                const struct pyr_elf *elf,
                uint64_t              bias,
                int                   minor)
{
  uint64_t addr, size;
  char prefix[16];
  int plen = snprintf (prefix, sizeof prefix, "3.%d.", minor);
  uint8_t *buf = py->window;
  size_t chunk = py->window_cap / 2;

  if (pyr_elf_find_section (elf, ".bss", &addr, &size) < 0)
    return 0;
  if (size > (8u << 20))
    size = 8u << 20;
  for (uint64_t off = 0; off < size; off += chunk - 64)
    {
      size_t len = size - off < chunk ? (size_t) (size - off) : chunk;
      const uint8_t *p;

      if (pyr_remote_read (&py->mem, bias + addr + off, buf, len) < 0)
        return 0;
      for (p = buf; (p = memmem (p, len - (size_t) (p - buf), prefix, (size_t) plen)) != NULL; p++)
        {
          const uint8_t *q = p + plen, *end = buf + len;
          unsigned micro = 0;
          int digits = 0;
          if (p > buf && p[-1] != '\0')
            continue;
          while (q < end && *q >= '0' && *q <= '9' && digits < 3)
            micro = micro * 10 + (unsigned) (*q++ - '0'), digits++;
          if (digits > 0 && q + 1 < end && q[0] == ' ' && q[1] == '(')
            return micro > 255 ? 0 : micro;
        }
      if (len < chunk)
        break;
    }
  return 0;
}

static int
detect_layout (struct pyr_python    *py,
               const struct pyr_elf *elf,
               uint64_t              bias,
               const char           *image_name,
               struct pyr_err       *err)
{
  uint8_t head[PYR_DEBUG_OFFSETS_MAX];
  uint64_t sym, size;
  uint32_t version_hex = 0;
  int ret;

  if ((ret = pyr_remote_read (&py->mem, py->runtime, head, sizeof head)) < 0)
    return pyr_err_set (err, ret, "cannot read _PyRuntime of process %d: %s", (int) py->pid,
                        strerror (-ret));
  if (pyr_layout_has_debug_offsets (head, sizeof head, &version_hex))
    return pyr_layout_from_debug_offsets (&py->layout, head, sizeof head, err);

  if (elf != NULL && pyr_elf_find_symbol (elf, "Py_Version", &sym, &size) == 0
      && pyr_remote_read (&py->mem, bias + sym, &version_hex, 4) == 0
      && (version_hex >> 24) == 3)
    return pyr_layout_for_version (&py->layout, version_hex, err);

  {
    int minor = minor_from_name (base_name (image_name));
    if (minor >= 0)
      {
        uint32_t micro = elf != NULL ? micro_from_rodata (elf, minor) : 0;
        if (micro == 0 && elf != NULL)
          micro = micro_from_bss (py, elf, bias, minor);
        return pyr_layout_for_version (&py->layout,
                                       (3u << 24) | ((uint32_t) minor << 16) | (micro << 8) | 0xf0,
                                       err);
      }
  }
  return pyr_err_set (err, -PYR_ENOTPYTHON, "cannot tell which Python version %s is", image_name);
}

/* Does a _PyRuntime of layout l start at addr?  Its interpreter list must lead to an
 * interpreter state whose first thread state points back to it, every pointer inside a
 * readable mapping. */
static bool
runtime_validates (struct pyr_python       *py,
                   const struct pyr_layout *l,
                   const struct pyr_maps   *maps,
                   uint64_t                 interp)
{
  const struct pyr_map *m;
  uint64_t tstate = 0, back = 0;

  if (interp == 0 || (interp & 7) != 0 || (m = pyr_maps_find (maps, interp)) == NULL
      || !m->readable || !m->writable)
    return false;
  if (pyr_remote_read_u64 (&py->mem, interp + l->is_threads_head, &tstate) < 0 || tstate == 0
      || (tstate & 7) != 0 || (m = pyr_maps_find (maps, tstate)) == NULL || !m->writable)
    return false;
  return pyr_remote_read_u64 (&py->mem, tstate + l->ts_interp, &back) == 0 && back == interp;
}

/*
 * A binary without _PyRuntime in .dynsym, .symtab or a .PyRuntime section (stripped, before
 * 3.13 brought the debug cookie): the runtime is found by its structure.  The layout comes from
 * the version (file name, PY_VERSION in .rodata); then every 8-byte-aligned spot of the image's
 * writable data (its file-backed mappings and the anonymous .bss right after them) is tried as
 * the start of _PyRuntime, and the one whose interpreter list validates (runtime_validates)
 * wins.  With several (a copy in a static buffer), the lowest address is kept, the first
 * definition in .data/.bss order.
 */
static uint64_t
scan_for_runtime (struct pyr_python     *py,
                  const struct pyr_maps *maps,
                  const struct pyr_elf  *elf,
                  uint64_t               bias,
                  const char            *path)
{
  struct pyr_layout l;
  struct pyr_err ignored = { 0 };
  int minor = minor_from_name (base_name (path));
  uint32_t micro, version_hex;
  uint64_t image_end = 0;
  uint8_t *buf = py->window;
  size_t chunk = py->window_cap;

  if (minor < 0 || minor >= 13)
    return 0;
  micro = micro_from_rodata (elf, minor);
  version_hex = (3u << 24) | ((uint32_t) minor << 16) | (micro << 8) | 0xf0;
  {
    uint64_t sym, size;
    if (pyr_elf_find_symbol (elf, "Py_Version", &sym, &size) == 0)
      pyr_remote_read (&py->mem, bias + sym, &version_hex, 4);
  }
  if (pyr_layout_for_version (&l, version_hex, &ignored) < 0 || l.from_debug_offsets)
    return 0;

  for (size_t i = 0; i < maps->n; i++)
    {
      const struct pyr_map *m = &maps->maps[i];
      bool bss = m->path[0] == '\0' && image_end != 0 && m->start == image_end;

      if (strcmp (m->path, path) == 0)
        image_end = m->end;
      else if (!bss)
        continue;
      if (!m->writable || !m->readable)
        continue;
      for (uint64_t a = m->start; a < m->end; a += chunk - 64)
        {
          size_t len = m->end - a < chunk ? (size_t) (m->end - a) : chunk;

          if (pyr_remote_read (&py->mem, a, buf, len) < 0)
            break;
          /* _PyRuntime.interpreters is {mutex, head, main, next_id} in 3.8-3.12 (Include/
           * internal/pycore_runtime.h): head and main both validate, and are the same
           * interpreter unless subinterpreters exist */
          for (size_t off = 0; off + l.rt_interpreters_head + 16 <= len; off += 8)
            {
              uint64_t head = get_u64 (buf, off + l.rt_interpreters_head);
              uint64_t main_interp = get_u64 (buf, off + l.rt_interpreters_head + 8);
              if (head != 0 && main_interp != 0 && runtime_validates (py, &l, maps, head)
                  && (main_interp == head || runtime_validates (py, &l, maps, main_interp))
                  /* 3.11 and 3.12 keep the main interpreter inside _PyRuntime
                   * (_main_interpreter): other structures pointing at it do not */
                  && (minor < 11 || (main_interp > a + off && main_interp - (a + off) < (4u << 20))))
                return a + off;
            }
          if (len < chunk)
            break;
        }
    }
  return 0;
}

static int
validate_runtime (struct pyr_python *py,
                  struct pyr_err    *err)
{
  const struct pyr_layout *l = &py->layout;
  uint64_t interp, tstate, back;
  int ret;

  if ((ret = pyr_remote_read_u64 (&py->mem, py->runtime + l->rt_interpreters_head, &interp)) < 0)
    return pyr_err_set (err, ret, "cannot read the interpreter list of process %d", (int) py->pid);
  if (interp == 0)
    return pyr_err_set (err, -PYR_ENOTPYTHON,
                        "Python %s in process %d is not initialised yet (or is shutting down)",
                        py->version, (int) py->pid);
  if ((ret = pyr_remote_read_u64 (&py->mem, interp + l->is_threads_head, &tstate)) < 0)
    return pyr_err_set (err, -PYR_ENOTPYTHON,
                        "process %d: the interpreter state is unreadable (%s): not the Python "
                        "%s layout this sampler expects", (int) py->pid, strerror (-ret),
                        py->version);
  if (tstate == 0)
    return pyr_err_set (err, -PYR_ENOTPYTHON, "Python in process %d has no thread yet",
                        (int) py->pid);
  if ((ret = pyr_remote_read_u64 (&py->mem, tstate + l->ts_interp, &back)) < 0 || back != interp)
    return pyr_err_set (err, -PYR_ENOTPYTHON,
                        "process %d: the thread state does not point back to its interpreter: "
                        "not the Python %s layout this sampler expects", (int) py->pid,
                        py->version);
  return 0;
}

static int
alloc_caches (struct pyr_python *py)
{
  if (pyr_strtab_init (&py->strings, 1u << 18, 32u << 20) < 0
      || pyr_frametab_init (&py->frames, 1u << 20) < 0)
    return -ENOMEM;
  py->codes = calloc (CODE_CACHE_SLOTS, sizeof *py->codes);
  py->code_arena = malloc (CODE_ARENA_BYTES);
  py->window = malloc (WINDOW_BYTES);
  py->window2 = malloc (WINDOW_BYTES);
  py->scratch = malloc (SCRATCH_BYTES);
  py->tasks = calloc (MAX_TASKS, sizeof *py->tasks);
  py->spec_threads = calloc (PYR_SPEC_THREADS, sizeof *py->spec_threads);
  py->spec_threads_next = calloc (PYR_SPEC_THREADS, sizeof *py->spec_threads);
  py->spec_ts = malloc ((size_t) PYR_SPEC_THREADS * PYR_SPEC_TS_BYTES);
  py->spec_window = malloc ((size_t) PYR_SPEC_THREADS * PYR_SPEC_WINDOW_BYTES);
  py->spec_frames = malloc ((size_t) PYR_SPEC_THREADS * PYR_SPEC_FRAMES * 256);
  py->spec_objs_next = calloc (PYR_SPEC_FRAMES, sizeof *py->spec_objs_next);
  py->used_codes = calloc (USED_CODES_MAX, sizeof *py->used_codes);
  if (py->used_codes == NULL)
    return -ENOMEM;
  if (py->spec_threads == NULL || py->spec_threads_next == NULL || py->spec_ts == NULL
      || py->spec_window == NULL || py->spec_frames == NULL || py->spec_objs_next == NULL)
    return -ENOMEM;
  if (py->codes == NULL || py->code_arena == NULL || py->window == NULL || py->window2 == NULL
      || py->scratch == NULL
      || py->tasks == NULL)
    return -ENOMEM;
  py->codes_mask = CODE_CACHE_SLOTS - 1;
  py->code_arena_cap = CODE_ARENA_BYTES;
  py->window_cap = WINDOW_BYTES;
  py->scratch_cap = SCRATCH_BYTES;
  /* scratch holds MAX_STRING_CHARS * 4 raw bytes, then up to 4 UTF-8 bytes per character */
  _Static_assert (MAX_STRING_CHARS * 8 <= SCRATCH_BYTES, "scratch too small");
  return pyr_strtab_intern (&py->strings, "<unknown>", 9, &py->string_unknown);
}

static int
rank_of (const char *path,
         const char *exe)
{
  const char *b = base_name (path);

  if (path[0] != '/')
    return -1;
  if (strncmp (b, "libpython3", 10) == 0)
    return 0;
  if (exe != NULL && strcmp (path, exe) == 0)
    return 1;
  if (strncmp (b, "python", 6) == 0)
    return 2;
  return -1;
}

int
pyr_python_attach (struct pyr_python *py,
                   pid_t              pid,
                   struct pyr_err    *err)
{
  struct pyr_maps maps = { 0 };
  struct candidate cands[16];
  size_t n_cands = 0;
  char exe[PATH_MAX] = "";
  char path[64];
  ssize_t n;
  int ret;
  bool found = false;
  bool remote_open = false;
  struct pyr_err inner = { 0 };
  /* for tests only: ignore the symbol tables, as for a stripped binary (test-attach) */
  bool force_scan = getenv ("PYROMETER_SAMPLER_FORCE_RUNTIME_SCAN") != NULL;

  memset (py, 0, sizeof *py);
  py->pid = pid;
  py->stat_dir_fd = -1;
  py->mem.mem_fd = -1;
  py->pthread_tid_offset = -1;

  if (pid <= 0)
    return pyr_err_set (err, -ESRCH, "no process with id %d", (int) pid);
  if (kill (pid, 0) < 0 && errno == ESRCH)
    return pyr_err_set (err, -ESRCH, "no process with id %d", (int) pid);

  snprintf (path, sizeof path, "/proc/%d/exe", (int) pid);
  n = readlink (path, exe, sizeof exe - 1);
  if (n < 0)
    {
      if (errno == EACCES || errno == EPERM)
        return pyr_err_set (err, -EPERM, "not allowed to inspect process %d", (int) pid);
      if (errno == ENOENT)
        {
          /* kernel threads have no executable */
          if (kill (pid, 0) < 0 && errno == ESRCH)
            return pyr_err_set (err, -ESRCH, "no process with id %d", (int) pid);
          return pyr_err_set (err, -PYR_ENOTPYTHON, "process %d has no executable: not Python",
                              (int) pid);
        }
      exe[0] = '\0';
    }
  else
    exe[n] = '\0';

  if ((ret = pyr_maps_read (&maps, pid, err)) < 0)
    return ret;

  for (size_t i = 0; i < maps.n && n_cands < 16; i++)
    {
      int rank = rank_of (maps.maps[i].path, exe[0] ? exe : NULL);
      bool dup = false;
      if (rank < 0)
        continue;
      for (size_t k = 0; k < n_cands; k++)
        dup = dup || strcmp (cands[k].path, maps.maps[i].path) == 0;
      if (!dup)
        cands[n_cands++] = (struct candidate) { maps.maps[i].path, rank };
    }

  if ((ret = alloc_caches (py)) < 0)
    {
      pyr_maps_clear (&maps);
      pyr_python_detach (py);
      return pyr_err_set (err, -ENOMEM, "out of memory");
    }

  for (int rank = 0; rank <= 2 && !found; rank++)
    for (size_t k = 0; k < n_cands && !found; k++)
      {
        const struct pyr_map *base;
        struct pyr_elf elf;
        uint64_t addr = 0, size = 0, bias;

        if (cands[k].rank != rank || (base = pyr_maps_find_base (&maps, cands[k].path)) == NULL)
          continue;
        if (open_image (pid, base, exe[0] ? exe : NULL, &elf, &inner) < 0)
          {
            if (inner.code == -EACCES || inner.code == -EPERM)
              {
                pyr_maps_clear (&maps);
                pyr_python_detach (py);
                return pyr_err_set (err, -EPERM, "not allowed to inspect process %d", (int) pid);
              }
            continue;
          }
        bias = base->start - elf.first_load_vaddr;
        if (force_scan
            || (pyr_elf_find_symbol (&elf, "_PyRuntime", &addr, &size) < 0
                && pyr_elf_find_section (&elf, ".PyRuntime", &addr, &size) < 0))
          addr = 0;

        if (!remote_open)
          {
            ret = pyr_remote_open (&py->mem, pid, addr ? bias + addr : base->start, err);
            if (ret < 0)
              {
                pyr_elf_close (&elf);
                pyr_maps_clear (&maps);
                pyr_python_detach (py);
                return ret;
              }
            remote_open = true;
          }
        if (addr == 0)
          {
            uint64_t cookie = scan_for_cookie (py, &maps, cands[k].path);
            if (cookie == 0)
              cookie = scan_for_runtime (py, &maps, &elf, bias, cands[k].path);
            if (cookie != 0)
              {
                addr = cookie;
                bias = 0;
              }
          }
        if (addr != 0)
          {
            py->runtime = bias + addr;
            snprintf (py->image, sizeof py->image, "%s", cands[k].path);
            ret = detect_layout (py, &elf, bias, cands[k].path, err);
            pyr_elf_close (&elf);
            if (ret < 0)
              {
                pyr_maps_clear (&maps);
                pyr_python_detach (py);
                return ret;
              }
            found = true;
          }
        else
          pyr_elf_close (&elf);
      }
  pyr_maps_clear (&maps);

  if (!found)
    {
      pyr_python_detach (py);
      return pyr_err_set (err, -PYR_ENOTPYTHON,
                          "process %d (%s) is not a Python interpreter: no python or libpython "
                          "with a _PyRuntime is mapped", (int) pid,
                          exe[0] ? base_name (exe) : "?");
    }

  pyr_version_format (py->layout.version_hex, py->version, sizeof py->version);
  if ((ret = validate_runtime (py, err)) < 0)
    {
      pyr_python_detach (py);
      return ret;
    }

  snprintf (path, sizeof path, "/proc/%d/task", (int) pid);
  py->stat_dir_fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (py->layout.ts_native_thread_id == PYR_NO_OFFSET)
    {
      uint64_t pthreads[64];
      uint32_t np = 0;
      uint64_t interp = 0, tstate = 0;
      const struct pyr_layout *l = &py->layout;

      pyr_remote_read_u64 (&py->mem, py->runtime + l->rt_interpreters_head, &interp);
      if (interp != 0)
        pyr_remote_read_u64 (&py->mem, interp + l->is_threads_head, &tstate);
      while (tstate != 0 && np < 64)
        {
          uint64_t tid = 0, next = 0;
          if (pyr_remote_read_u64 (&py->mem, tstate + l->ts_thread_id, &tid) < 0
              || pyr_remote_read_u64 (&py->mem, tstate + l->ts_next, &next) < 0)
            break;
          if (tid != 0)
            pthreads[np++] = tid;
          if (next == tstate)
            break;
          tstate = next;
        }
      find_pthread_tid_offset (py, pthreads, np);
    }
  py->reads_at_start = py->mem.reads;
  return 0;
}

void
pyr_python_detach (struct pyr_python *py)
{
  pyr_remote_close (&py->mem);
  if (py->tasks != NULL)
    for (uint32_t i = 0; i < py->n_tasks; i++)
      close (py->tasks[i].fd);
  if (py->stat_dir_fd >= 0)
    close (py->stat_dir_fd);
  py->stat_dir_fd = -1;
  free (py->codes);
  free (py->code_arena);
  free (py->window);
  free (py->window2);
  free (py->scratch);
  free (py->tasks);
  free (py->spec_threads);
  free (py->spec_threads_next);
  free (py->spec_ts);
  free (py->spec_window);
  free (py->spec_frames);
  free (py->spec_objs_next);
  free (py->used_codes);
  py->used_codes = NULL;
  py->n_used_codes = 0;
  py->spec_threads = py->spec_threads_next = NULL;
  py->spec_ts = py->spec_window = py->spec_frames = NULL;
  py->spec_objs_next = NULL;
  py->codes = NULL;
  py->code_arena = NULL;
  py->window = NULL;
  py->window2 = NULL;
  py->scratch = NULL;
  py->tasks = NULL;
  py->n_tasks = 0;
  pyr_strtab_clear (&py->strings);
  pyr_frametab_clear (&py->frames);
}
