/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pyr-record.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pyr-launch.h"
#include "pyr-ptrace.h"
#include "pyr-schedule.h"
#include "pyr-threads.h"

#define THREAD_SLOTS        4096u         /* power of two */
#define FLUSH_INTERVAL_NS   (50 * 1000000ull)   /* a live viewer sees samples this soon */
#define STATS_INTERVAL_NS   (1000 * 1000000ull)
#define EPOCH_INTERVAL_NS   (100 * 1000000ull)
#define NAME_REFRESH_NS     (2000 * 1000000ull)

struct thread_slot
{
  uint64_t ident;
  uint32_t native;
  uint32_t out_id;
  uint32_t name_sid;     /* in py->strings; UINT32_MAX while unknown */
  uint64_t name_checked; /* stream time of the last name lookup */
  bool     used;
};

struct recorder
{
  struct pyr_python         *py;
  struct pyr_stream_writer  *w;
  struct thread_slot        *threads;
  const uint32_t            *frames;     /* the current sample's frames */
  uint32_t                   stack[PYR_MAX_DEPTH];
  /* threads in its last sample read: a round that fails as a whole drops that many stacks */
  uint32_t                   n_threads_seen;
  /* a subprocess's own --blocking / --native state (the root's lives in pyr_record_run) */
  struct pyr_ptrace          pt;
  struct pyr_native         *native;
};

static uint64_t
now_ns (clockid_t clock)
{
  struct timespec ts;
  clock_gettime (clock, &ts);
  return (uint64_t) ts.tv_sec * 1000000000ull + (uint64_t) ts.tv_nsec;
}

static int
out_string (struct recorder *rec,
            uint32_t         sid,
            uint32_t        *out)
{
  struct pyr_string *s = &rec->py->strings.entries[sid];
  int ret;

  if (s->out_id == PYR_OUT_ID_NONE)
    {
      if (s->len == 0)
        s->out_id = PYR_STREAM_STRING_NONE;
      else if ((ret = pyr_stream_writer_add_string (rec->w, rec->py->strings.arena + s->off,
                                                    s->len, &s->out_id)) < 0)
        return ret;
    }
  *out = s->out_id;
  return 0;
}

static int
out_frame (struct recorder *rec,
           uint32_t         fid,
           uint32_t        *out)
{
  struct pyr_frame *f = &rec->py->frames.entries[fid];
  struct pyr_stream_frame sf = { 0 };
  int ret;

  if (f->out_id == PYR_OUT_ID_NONE)
    {
      if ((ret = out_string (rec, f->name, &sf.name)) < 0
          || (ret = out_string (rec, f->file, &sf.file)) < 0)
        return ret;
      sf.line = f->line > 0 ? (uint32_t) f->line : 0;
      sf.first_line = f->first_line > 0 ? (uint32_t) f->first_line : 0;
      sf.kind = f->kind;
      if ((ret = pyr_stream_writer_add_frame (rec->w, &sf, &f->out_id)) < 0)
        return ret;
    }
  *out = f->out_id;
  return 0;
}

static int
thread_name_sid (struct recorder                *rec,
                 const struct pyr_thread_sample *t,
                 uint32_t                       *sid)
{
  char name[256];

  if (pyr_threads_get_name (rec->py, t, rec->frames, name, sizeof name) < 0 || name[0] == '\0')
    return -ENOENT;
  return pyr_strtab_intern (&rec->py->strings, name, strlen (name), sid);
}

/* The stream id of a thread, defining it (or its new name) when needed. */
static int
out_thread (struct recorder                *rec,
            const struct pyr_thread_sample *t,
            uint64_t                        time_ns,
            uint32_t                       *out)
{
  uint64_t key = t->thread_id ^ ((uint64_t) t->native_id * 0x9e3779b97f4a7c15ull);
  uint32_t slot = (uint32_t) (key >> 20) & (THREAD_SLOTS - 1);
  struct thread_slot *s;
  struct pyr_stream_thread st = { 0 };
  uint32_t sid;
  int ret;

  for (uint32_t probe = 0; probe < THREAD_SLOTS; probe++)
    {
      s = &rec->threads[slot];
      if (!s->used || (s->ident == t->thread_id && s->native == t->native_id))
        break;
      slot = (slot + 1) & (THREAD_SLOTS - 1);
    }
  if (s->used && s->ident == t->thread_id && s->native == t->native_id)
    {
      /* names are set after a thread starts, and can change: look again now and then */
      if (time_ns - s->name_checked > NAME_REFRESH_NS)
        {
          s->name_checked = time_ns;
          if (thread_name_sid (rec, t, &sid) == 0 && sid != s->name_sid)
            {
              s->name_sid = sid;
              st.pid = (uint32_t) rec->py->pid;
              st.python_id = t->thread_id;
              st.native_id = t->native_id;
              if ((ret = out_string (rec, sid, &st.name)) < 0
                  || (ret = pyr_stream_writer_update_thread (rec->w, s->out_id, &st)) < 0)
                return ret;
            }
        }
      *out = s->out_id;
      return 0;
    }
  if (s->used)
    return -ENOSPC;

  s->used = true;
  s->ident = t->thread_id;
  s->native = t->native_id;
  s->name_sid = UINT32_MAX;
  s->name_checked = time_ns;
  st.pid = (uint32_t) rec->py->pid;
  st.python_id = t->thread_id;
  st.native_id = t->native_id;
  st.name = PYR_STREAM_STRING_NONE;
  if (thread_name_sid (rec, t, &sid) == 0)
    {
      s->name_sid = sid;
      if ((ret = out_string (rec, sid, &st.name)) < 0)
        return ret;
    }
  if ((ret = pyr_stream_writer_add_thread (rec->w, &st, &s->out_id)) < 0)
    return ret;
  *out = s->out_id;
  return 0;
}

static int
write_sample (struct recorder                 *rec,
              const struct pyr_record_options *opts,
              const struct pyr_sample         *sample,
              uint64_t                         time_ns,
              struct pyr_record_result        *res)
{
  rec->frames = sample->frames;
  for (uint32_t i = 0; i < sample->n_threads; i++)
    {
      const struct pyr_thread_sample *t = &sample->threads[i];
      uint32_t tid;
      int ret;

      if (!opts->keep_idle && (t->flags & PYR_THREAD_IDLE))
        continue;
      if (opts->gil_only && !(t->flags & PYR_THREAD_GIL))
        continue;
      if ((ret = out_thread (rec, t, time_ns, &tid)) < 0)
        return ret;
      for (uint32_t k = 0; k < t->depth; k++)
        if ((ret = out_frame (rec, sample->frames[t->first + k], &rec->stack[k])) < 0)
          return ret;
      if ((ret = pyr_stream_writer_sample (rec->w, time_ns, tid, t->flags, 1, rec->stack,
                                           t->depth)) < 0)
        return ret;
      res->thread_samples++;
    }
  return 0;
}

static int
write_stats (struct pyr_stream_writer       *w,
             const struct pyr_record_result *res,
             uint64_t                        time_ns)
{
  struct pyr_stream_stats st = { 0 };

  st.time_ns = time_ns;
  st.samples = res->samples;
  st.errors = res->errors;
  st.late = res->late;
  st.lag_max_ns = res->lag_max_ns;
  st.lag_mean_ns = res->samples ? res->lag_sum_ns / res->samples : 0;
  st.saturation_ppm = time_ns ? (uint32_t) (res->busy_ns * 1000000.0 / (double) time_ns) : 0;
  return pyr_stream_writer_stats (w, &st);
}

static void
read_cmdline (pid_t   pid,
              char   *cmdline,
              size_t  len)
{
  char path[64];
  ssize_t n;
  int fd;

  cmdline[0] = '\0';
  snprintf (path, sizeof path, "/proc/%d/cmdline", (int) pid);
  if ((fd = open (path, O_RDONLY | O_CLOEXEC)) >= 0)
    {
      n = read (fd, cmdline, len - 1);
      close (fd);
      if (n > 0)
        {
          cmdline[n] = '\0';
          for (ssize_t i = 0; i < n - 1; i++)
            if (cmdline[i] == '\0')
              cmdline[i] = ' ';
        }
    }
}

static int
write_process (struct pyr_python        *py,
               struct pyr_stream_writer *w,
               pid_t                     parent)
{
  struct pyr_stream_process proc = { 0 };
  char cmdline[4096];
  uint32_t sid;
  int ret;

  read_cmdline (py->pid, cmdline, sizeof cmdline);
  proc.pid = (uint32_t) py->pid;
  proc.parent_pid = (uint32_t) parent;
  if ((ret = pyr_stream_writer_add_string (w, cmdline, strlen (cmdline), &sid)) < 0)
    return ret;
  proc.command_line = sid;
  if ((ret = pyr_stream_writer_add_string (w, py->version, strlen (py->version), &sid)) < 0)
    return ret;
  proc.python_version = sid;
  return pyr_stream_writer_add_process (w, &proc);
}

static int
write_header (struct pyr_python               *py,
              struct pyr_stream_writer        *w,
              const struct pyr_record_options *opts)
{
  char cmdline[4096] = "";
  char rate[32];
  int ret;

  read_cmdline (py->pid, cmdline, sizeof cmdline);
  if ((ret = write_process (py, w, 0)) < 0)
    return ret;

  snprintf (rate, sizeof rate, "%g", opts->rate_hz);
  if ((ret = pyr_stream_writer_add_metadata_str (w, "origin", "pyrometer-sampler")) < 0
      || (ret = pyr_stream_writer_add_metadata_str (w, "rate", rate)) < 0
      || (ret = pyr_stream_writer_add_metadata_str (w, "command", cmdline)) < 0
      || (ret = pyr_stream_writer_add_metadata_str (w, "units", "samples")) < 0
      || (ret = pyr_stream_writer_add_metadata_str (w, "mode",
                                                    opts->blocking ? "blocking" : "nonblocking")) < 0
      || (opts->subprocesses
          && (ret = pyr_stream_writer_add_metadata_str (w, "subprocesses", "yes")) < 0))
    return ret;
  {
    char start[64];
    time_t t = time (NULL);
    struct tm tm;
    gmtime_r (&t, &tm);
    strftime (start, sizeof start, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if ((ret = pyr_stream_writer_add_metadata_str (w, "start-time", start)) < 0)
      return ret;
  }
  return pyr_stream_writer_flush (w);
}

/*
 * --subprocesses: every 100 ms the children of each process followed so far are listed
 * (/proc/PID/task/TID/children of its Python threads) and each new one is attached as soon as
 * its interpreter is up.  Attaching allocates; sampling the children does not.
 */
#define MAX_CHILDREN        64
#define CHILD_SCAN_NS       (100 * 1000000ull)
#define MAX_PENDING         128
#define ATTACH_TRIES        30

struct pending
{
  pid_t pid;
  pid_t parent;
  int   tries;
};

struct children
{
  struct recorder *rec[MAX_CHILDREN];
  uint32_t         n;
  struct pending   pending[MAX_PENDING];
  uint32_t         n_pending;
};

static bool
is_followed (const struct recorder *root,
             const struct children *ch,
             pid_t                  pid)
{
  if (root->py->pid == pid)
    return true;
  for (uint32_t i = 0; i < ch->n; i++)
    if (ch->rec[i]->py->pid == pid)
      return true;
  return false;
}

static void
note_pending (struct children *ch,
              pid_t            pid,
              pid_t            parent)
{
  for (uint32_t i = 0; i < ch->n_pending; i++)
    if (ch->pending[i].pid == pid)
      return;
  if (ch->n_pending < MAX_PENDING)
    ch->pending[ch->n_pending++] = (struct pending) { pid, parent, 0 };
}

/* Notes the children of rec's process that are not followed yet, whichever thread started
 * them (multiprocessing from a worker thread). */
static void
scan_children (struct recorder       *rec,
               struct children       *ch,
               const struct recorder *root)
{
  pid_t children[256];
  uint32_t n = pyr_proc_list_children (rec->py->pid, children, 0, 256);

  for (uint32_t i = 0; i < n; i++)
    if (!is_followed (root, ch, children[i]))
      note_pending (ch, children[i], rec->py->pid);
}

static void
free_recorder (struct recorder *rec)
{
  pyr_ptrace_clear (&rec->pt);
  pyr_native_free (rec->native);
  pyr_python_detach (rec->py);
  free (rec->py);
  free (rec->threads);
  free (rec);
}

/* Tries to attach to the pending children; gives up on one after ATTACH_TRIES scans. */
static int
attach_pending (struct children                 *ch,
                struct pyr_stream_writer        *w,
                const struct pyr_record_options *opts)
{
  uint32_t kept = 0;
  int ret = 0;

  for (uint32_t i = 0; i < ch->n_pending; i++)
    {
      struct pending *p = &ch->pending[i];
      struct recorder *rec;
      struct pyr_err err = { 0 };

      if (ch->n == MAX_CHILDREN)
        break;
      rec = calloc (1, sizeof *rec);
      if (rec != NULL)
        {
          rec->py = malloc (sizeof *rec->py);
          rec->threads = calloc (THREAD_SLOTS, sizeof *rec->threads);
          rec->w = w;
        }
      if (rec == NULL || rec->py == NULL || rec->threads == NULL)
        {
          if (rec != NULL)
            {
              free (rec->py);
              free (rec->threads);
              free (rec);
            }
          return -ENOMEM;
        }
      ret = pyr_python_attach (rec->py, p->pid, &err);
      rec->pt.task_dir_fd = -1;
      if (ret == 0 && opts->blocking)
        {
          /* a subprocess is stopped (and unwound) as the root is; one that cannot be traced
           * is sampled without stopping rather than not at all */
          struct pyr_err ignored = { 0 };

          if (pyr_ptrace_init (&rec->pt, p->pid, &ignored) == 0 && opts->native != NULL
              && pyr_native_new (&rec->native, rec->py, &ignored) < 0)
            rec->native = NULL;
        }
      if (ret == 0)
        {
          ch->rec[ch->n++] = rec;
          if ((ret = write_process (rec->py, w, p->parent)) < 0)
            return ret;
          continue;
        }
      free (rec->py);
      free (rec->threads);
      free (rec);
      /* not Python yet (a fork about to exec, an interpreter starting): try again later */
      if ((ret == -PYR_ENOTPYTHON || ret == -EFAULT) && ++p->tries < ATTACH_TRIES
          && kill (p->pid, 0) == 0)
        ch->pending[kept++] = *p;
    }
  ch->n_pending = kept;
  return 0;
}

static bool
child_exited (pid_t  child,
              int   *status)
{
  pid_t r;

  if (child <= 0)
    return false;
  do
    r = waitpid (child, status, WNOHANG);
  while (r < 0 && errno == EINTR);
  return r == child;
}

static bool
waitpid_blocking (pid_t  child,
                  int   *status)
{
  pid_t r;

  do
    r = waitpid (child, status, 0);
  while (r < 0 && errno == EINTR);
  return r == child;
}

static bool
target_gone (pid_t pid)
{
  char path[64], buf[256];
  int fd;
  ssize_t n;
  char *paren;

  if (kill (pid, 0) < 0 && errno == ESRCH)
    return true;
  snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
  if ((fd = open (path, O_RDONLY | O_CLOEXEC)) < 0)
    return true;
  n = read (fd, buf, sizeof buf - 1);
  close (fd);
  if (n <= 0)
    return true;
  buf[n] = '\0';
  paren = strrchr (buf, ')');
  return paren != NULL && (paren[2] == 'Z' || paren[2] == 'X');
}

/* Launch mode, after a failed sample: whether the process sampled has gone while the command
 * runs on (a descendant ended), or execed.  The image is compared at most every 20 ms. */
static bool
command_moved_on (struct pyr_python      *py,
                  pid_t                   child,
                  const struct pyr_image *image,
                  uint64_t                now,
                  uint64_t               *last_check)
{
  struct pyr_image current;

  if (py->pid != child && target_gone (py->pid))
    return true;
  if (now - *last_check < 20 * 1000000ull)
    return false;
  *last_check = now;
  return pyr_image_read (py->pid, &current) == 0 && !pyr_image_equal (&current, image);
}

/* Launch mode: the process sampled execed (its image changed) or ended while the command
 * runs on: detach, then attach to the command's next Python process.  Returns 0 when sampling
 * can go on, else 1 with res->end_reason set (the command ended, the duration is over, a stop
 * request) or a negative errno with err set. */
static int
follow_command (struct recorder           *rec,
                struct pyr_record_options *opts,
                struct pyr_ptrace         *pt,
                struct pyr_image          *image,
                uint64_t                   deadline,
                struct pyr_record_result  *res,
                struct pyr_err            *err)
{
  struct pyr_python *py = rec->py;
  pid_t before = py->pid;
  bool native = opts->native != NULL;
  int ret;

  if (opts->blocking)
    pyr_ptrace_clear (pt);
  pyr_native_free (opts->native);
  opts->native = NULL;
  pyr_python_detach (py);
  ret = pyr_launch_attach (py, opts->child,
                           opts->startup_timeout_s > 0 ? opts->startup_timeout_s : 10,
                           deadline == UINT64_MAX ? 0 : deadline, opts->stop,
                           &res->child_status, err);
  if (ret == -PYR_EEXITED)
    {
      res->end_reason = PYR_STREAM_END_TARGET_EXITED;
      res->end_code = WIFEXITED (res->child_status) ? WEXITSTATUS (res->child_status)
                                                    : -(int64_t) WTERMSIG (res->child_status);
      return 1;
    }
  if (ret == -EINTR || (ret < 0 && deadline != UINT64_MAX && now_ns (CLOCK_MONOTONIC) >= deadline))
    {
      res->end_reason = *opts->stop ? PYR_STREAM_END_SIGNAL : PYR_STREAM_END_COMPLETE;
      res->end_code = *opts->stop;
      return 1;
    }
  if (ret < 0)
    return pyr_err_prefix (err, ret, "lost the command's Python process %d", (int) before);
  if (py->pid == before)
    fprintf (stderr, "pyrometer-sampler: process %d started a new program: sampling it\n",
             (int) py->pid);
  else if ((ret = write_process (py, rec->w, opts->child)) < 0)
    return ret;
  pyr_image_read (py->pid, image);
  if (opts->blocking && (ret = pyr_ptrace_init (pt, py->pid, err)) < 0)
    return ret;
  if (native && (ret = pyr_native_new (&opts->native, py, err)) < 0)
    return ret;
  return 0;
}

int
pyr_record_run (struct pyr_python               *py,
                struct pyr_stream_writer        *w,
                struct pyr_record_options       *opts,
                struct pyr_record_result        *res,
                struct pyr_err                  *err)
{
  struct recorder rec = { py, w, NULL, NULL, { 0 } };
  struct children *ch = NULL;
  uint64_t last_scan = 0;
  struct pyr_sample *sample;
  struct pyr_ptrace pt = { .task_dir_fd = -1 };
  double mean_ns = 1e9 / opts->rate_hz;
  struct pyr_schedule sched = { .fd = { -1, -1 } };
  const char *schedule_env = getenv ("PYROMETER_SAMPLER_SCHEDULE");
  uint64_t t0, next, last_flush, last_stats, last_epoch, cpu0, deadline;
  int ret = 0;
  const char *end_message = "";
  struct pyr_image image = { 0 };
  uint64_t last_image_check = 0;

  memset (res, 0, sizeof *res);
  res->child_status = -1;
  res->end_reason = PYR_STREAM_END_COMPLETE;

  sample = malloc (sizeof *sample);
  rec.threads = calloc (THREAD_SLOTS, sizeof *rec.threads);
  if (opts->subprocesses)
    ch = calloc (1, sizeof *ch);
  if (sample == NULL || rec.threads == NULL || (opts->subprocesses && ch == NULL))
    {
      free (sample);
      free (rec.threads);
      free (ch);
      return pyr_err_set (err, -ENOMEM, "out of memory");
    }
  if (opts->blocking && (ret = pyr_ptrace_init (&pt, py->pid, err)) < 0)
    {
      free (sample);
      free (rec.threads);
      return ret;
    }
  if ((ret = write_header (py, w, opts)) < 0)
    goto out_error;
  if (opts->child > 0)
    pyr_image_read (py->pid, &image);

  /* wake up on time: the default 50 us of timer slack is a lot at high rates */
  prctl (PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);

  t0 = now_ns (CLOCK_MONOTONIC);
  cpu0 = now_ns (CLOCK_PROCESS_CPUTIME_ID);
  last_flush = last_stats = last_epoch = t0;
  deadline = opts->duration_s > 0 ? t0 + (uint64_t) (opts->duration_s * 1e9) : UINT64_MAX;
  /* benchmarks compare with the one-timer-per-sample sleep: PYROMETER_SAMPLER_SCHEDULE=nanosleep */
  pyr_schedule_init (&sched, schedule_env != NULL && strcmp (schedule_env, "nanosleep") == 0
                               ? PYR_SCHEDULE_NANOSLEEP : PYR_SCHEDULE_TIMERFD,
                     opts->rate_hz, opts->seed ? opts->seed : now_ns (CLOCK_REALTIME) | 1, t0,
                     deadline);

  for (;;)
    {
      uint64_t woke, done, lag;

      /* Poisson sampling on an absolute schedule, so delays are caught up (pyr-schedule.h) */
      next = pyr_schedule_wait (&sched, opts->stop);
      if (next == 0 && !*opts->stop)
        break;
      if (*opts->stop)
        {
          res->end_reason = PYR_STREAM_END_SIGNAL;
          res->end_code = *opts->stop;
          break;
        }
      if (child_exited (opts->child, &res->child_status))
        {
          res->end_reason = PYR_STREAM_END_TARGET_EXITED;
          res->end_code = WIFEXITED (res->child_status) ? WEXITSTATUS (res->child_status)
                                                        : -(int64_t) WTERMSIG (res->child_status);
          break;
        }

      woke = now_ns (CLOCK_MONOTONIC);
      lag = woke > next ? woke - next : 0;
      res->samples++;
      res->lag_sum_ns += lag;
      if (lag > res->lag_max_ns)
        res->lag_max_ns = lag;
      if ((double) lag > mean_ns)
        res->late++;
      /* hopelessly behind (the machine was suspended, or the rate is too high): resync */
      if ((double) lag > 100 * mean_ns && lag > 1000000000ull)
        pyr_schedule_resync (&sched, woke);

      if (woke - last_epoch > EPOCH_INTERVAL_NS)
        {
          pyr_python_new_epoch (py);
          last_epoch = woke;
          /* an exec into the same non-PIE interpreter keeps its addresses readable: only the
           * image tells that the code objects cached are someone else's now */
          if (opts->child > 0
              && command_moved_on (py, opts->child, &image, woke, &last_image_check))
            goto follow;
        }

      if (opts->blocking)
        pyr_python_snapshot_idle (py);
      if (opts->blocking && pyr_ptrace_stop (&pt) < 0)
        {
          if (opts->child > 0 && command_moved_on (py, opts->child, &image, woke, &last_image_check))
            goto follow;
          res->errors += rec.n_threads_seen > 0 ? rec.n_threads_seen : 1;
          if (target_gone (py->pid))
            {
              res->end_reason = PYR_STREAM_END_TARGET_EXITED;
              res->end_code = INT64_MIN;
              break;
            }
          continue;
        }
      ret = pyr_python_sample (py, sample, true);
      if (opts->native != NULL && ret == 0)
        pyr_native_merge (opts->native, py, sample);
      if (opts->blocking)
        pyr_ptrace_release (&pt);

      /* (a descendant exiting reads as ESRCH before its state says so) */
      if (opts->child > 0 && ret < 0 && ret != -EPERM
          && ((ret == -ESRCH && py->pid != opts->child)
              || command_moved_on (py, opts->child, &image, woke, &last_image_check)))
        goto follow;
      if (ret == -ESRCH || (ret < 0 && target_gone (py->pid)))
        {
          res->end_reason = PYR_STREAM_END_TARGET_EXITED;
          res->end_code = INT64_MIN;
          /* a launched command whose memory is gone is exiting: collect its status */
          if (opts->child > 0 && waitpid_blocking (opts->child, &res->child_status))
            res->end_code = WIFEXITED (res->child_status) ? WEXITSTATUS (res->child_status)
                                                          : -(int64_t) WTERMSIG (res->child_status);
          break;
        }
      if (ret == -EPERM)
        {
          res->end_reason = PYR_STREAM_END_ERROR;
          res->end_code = ret;
          end_message = "lost permission to read the target's memory";
          break;
        }
      if (ret < 0)
        res->errors += rec.n_threads_seen > 0 ? rec.n_threads_seen : 1;
      else
        {
          rec.n_threads_seen = sample->n_threads + sample->n_errors;
          res->errors += sample->n_errors;
          if ((ret = write_sample (&rec, opts, sample, woke - t0, res)) < 0)
            goto out_error;
        }

      if (ch != NULL)
        {
          /* the children, at the same instant; one that went away is forgotten */
          for (uint32_t i = 0; i < ch->n;)
            {
              struct recorder *c = ch->rec[i];
              bool stopped;
              int cret;

              if (c->pt.task_dir_fd >= 0)
                pyr_python_snapshot_idle (c->py);
              stopped = c->pt.task_dir_fd >= 0 && pyr_ptrace_stop (&c->pt) == 0;
              cret = pyr_python_sample (c->py, sample, true);
              if (stopped && cret == 0 && c->native != NULL)
                pyr_native_merge (c->native, c->py, sample);
              if (stopped)
                pyr_ptrace_release (&c->pt);
              if (cret == -ESRCH || cret == -EPERM || (cret < 0 && target_gone (ch->rec[i]->py->pid)))
                {
                  free_recorder (ch->rec[i]);
                  ch->rec[i] = ch->rec[--ch->n];
                  continue;
                }
              if (cret < 0)
                res->errors += c->n_threads_seen > 0 ? c->n_threads_seen : 1;
              else
                {
                  c->n_threads_seen = sample->n_threads + sample->n_errors;
                  res->errors += sample->n_errors;
                  if ((ret = write_sample (ch->rec[i], opts, sample, woke - t0, res)) < 0)
                    goto out_error;
                }
              i++;
            }
          if (woke - last_scan > CHILD_SCAN_NS)
            {
              last_scan = woke;
              scan_children (&rec, ch, &rec);
              for (uint32_t i = 0; i < ch->n; i++)
                scan_children (ch->rec[i], ch, &rec);
              if ((ret = attach_pending (ch, w, opts)) < 0)
                goto out_error;
            }
        }

      done = now_ns (CLOCK_MONOTONIC);
      res->busy_ns += done - woke;
      if (done - last_stats > STATS_INTERVAL_NS)
        {
          if ((ret = write_stats (w, res, done - t0)) < 0)
            goto out_error;
          last_stats = done;
        }
      if (done - last_flush > FLUSH_INTERVAL_NS && pyr_stream_writer_get_pending (w) > 0)
        {
          if ((ret = pyr_stream_writer_flush (w)) < 0)
            goto out_error;
          last_flush = done;
        }
      continue;

    follow:
      /* samples pause while the command has no Python process to read */
      if ((ret = pyr_stream_writer_flush (w)) < 0)
        goto out_error;
      ret = follow_command (&rec, opts, &pt, &image, deadline, res, err);
      if (ret < 0)
        {
          res->end_reason = PYR_STREAM_END_ERROR;
          res->end_code = ret;
          end_message = err->msg;
          fprintf (stderr, "pyrometer-sampler: %s\n", err->msg);
          ret = 0;
          break;
        }
      if (ret > 0)
        {
          ret = 0;
          break;
        }
      pyr_schedule_resync (&sched, now_ns (CLOCK_MONOTONIC));
    }

  res->elapsed_ns = now_ns (CLOCK_MONOTONIC) - t0;
  res->cpu_ns = now_ns (CLOCK_PROCESS_CPUTIME_ID) - cpu0;
  pyr_schedule_clear (&sched);
  if ((ret = write_stats (w, res, res->elapsed_ns)) < 0
      || (ret = pyr_stream_writer_end (w, res->elapsed_ns, (uint32_t) res->end_reason,
                                       res->end_code, end_message)) < 0)
    goto out_error;
  if (opts->blocking)
    pyr_ptrace_clear (&pt);
  free (sample);
  free (rec.threads);
  if (ch != NULL)
    for (uint32_t i = 0; i < ch->n; i++)
      free_recorder (ch->rec[i]);
  free (ch);
  return 0;

out_error:
  pyr_schedule_clear (&sched);
  if (opts->blocking)
    pyr_ptrace_clear (&pt);
  free (sample);
  free (rec.threads);
  if (ch != NULL)
    for (uint32_t i = 0; i < ch->n; i++)
      free_recorder (ch->rec[i]);
  free (ch);
  res->end_reason = PYR_STREAM_END_ERROR;
  if (ret == -EPIPE)
    return pyr_err_set (err, ret, "the reader of the output went away");
  return pyr_err_set (err, ret, "cannot write the output: %s",
                      pyr_stream_writer_error_message (w) ? pyr_stream_writer_error_message (w)
                                                          : strerror (-ret));
}
