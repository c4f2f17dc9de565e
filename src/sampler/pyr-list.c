/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pyr-list.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "pyr-elf.h"

#define PF_KTHREAD_FLAG 0x00200000u
#define MAX_CMDLINE     (64u << 10)
#define MAX_MAPS        (64u << 20)
#define MAX_ARGS        512
#define N_VERSION_CACHE 32
#define N_USER_CACHE    64

struct version_cache_entry
{
  dev_t dev;
  ino_t ino;
  char  version[24];
};

struct user_entry
{
  uid_t uid;
  char  name[64];
};

/* What one --list run keeps between processes: buffers, the passwd names, versions per file. */
struct list_state
{
  char   *buf;              /* maps, cmdline, status, cgroup: grown as needed */
  size_t  cap;
  char   *passwd;           /* /etc/passwd, read once */
  struct user_entry users[N_USER_CACHE];
  size_t n_users;
  struct version_cache_entry versions[N_VERSION_CACHE];
  size_t n_versions;
  int     self_nspid_depth;
  uid_t   uid;
  int     ptrace_scope;
  bool    cap_sys_ptrace;
  long    page_size;
};

struct proc_stat
{
  char               comm[64];
  char               state;
  long long          ppid;
  unsigned long long flags;
  unsigned long long cpu_ticks;
  long long          threads;
  unsigned long long start_ticks;
  long long          rss_pages;
};

/* ---- small helpers -------------------------------------------------------------------------- */

static const char *
base_name (const char *path)
{
  const char *s = strrchr (path, '/');
  return s ? s + 1 : path;
}

/* Reads a /proc file into st->buf (NUL-terminated); the length, or -errno. */
static ssize_t
read_file (struct list_state *st,
           int                dir_fd,
           const char        *name,
           size_t             limit)
{
  size_t len = 0;
  int fd = openat (dir_fd, name, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return -errno;
  for (;;)
    {
      ssize_t n;

      if (len + 1 >= st->cap)
        {
          size_t ncap = st->cap * 2;
          char *bigger;

          if (ncap > limit + 1)
            break;          /* truncated: enough for what we read it for */
          if ((bigger = realloc (st->buf, ncap)) == NULL)
            {
              close (fd);
              return -ENOMEM;
            }
          st->buf = bigger;
          st->cap = ncap;
        }
      n = read (fd, st->buf + len, st->cap - len - 1);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int e = errno;
          close (fd);
          return -e;
        }
      if (n == 0)
        break;
      len += (size_t) n;
    }
  close (fd);
  st->buf[len] = '\0';
  return (ssize_t) len;
}

/* The fields of /proc/PID/stat we use; the command name may hold spaces and parentheses. */
static bool
parse_stat (const char       *text,
            struct proc_stat *ps)
{
  const char *open = strchr (text, '(');
  const char *close = strrchr (text, ')');
  unsigned long long utime, stime;
  size_t clen;

  if (open == NULL || close == NULL || close < open)
    return false;
  clen = (size_t) (close - open - 1);
  if (clen >= sizeof ps->comm)
    clen = sizeof ps->comm - 1;
  memcpy (ps->comm, open + 1, clen);
  ps->comm[clen] = '\0';
  /* fields 3.. : state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
   * utime stime cutime cstime priority nice num_threads itrealvalue starttime vsize rss */
  return sscanf (close + 2,
                 "%c %lld %*d %*d %*d %*d %llu %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d "
                 "%lld %*d %llu %*u %lld",
                 &ps->state, &ps->ppid, &ps->flags, &utime, &stime, &ps->threads,
                 &ps->start_ticks, &ps->rss_pages) == 8
         && (ps->cpu_ticks = utime + stime, true);
}

/* "python", "python3", "python3.12", "python3.13d", "python3.11-embed"; not "python_foo.so" */
static bool
is_python_name (const char *name,
                int        *minor)
{
  const char *p = name + 6;

  *minor = -1;
  if (strncmp (name, "python", 6) != 0 || strstr (name, ".so") != NULL)
    return false;
  if (p[0] == '3' && p[1] == '.' && isdigit ((unsigned char) p[2]))
    {
      *minor = atoi (p + 2);
      p += 2;
      while (isdigit ((unsigned char) *p))
        p++;
    }
  else if (p[0] == '3' || p[0] == '2')
    p++;
  while (*p == 'd' || *p == 'm' || *p == 'u' || *p == 't')
    p++;
  if (name[6] == '2' || (*p == '.' && *minor < 0))
    return false;
  /* "python3.11-embed", but not "python-notes.txt" */
  return *p == '\0' || ((*p == '-' || *p == '_') && p > name + 6);
}

/* "libpython3.12.so.1.0", "libpython3.13d.so": 3.minor; "libpython3.so" (the stable ABI stub) */
static bool
is_libpython_name (const char *name,
                   int        *minor)
{
  *minor = -1;
  if (strncmp (name, "libpython3", 10) != 0)
    return false;
  if (name[10] == '.' && isdigit ((unsigned char) name[11]))
    *minor = atoi (name + 11);
  return strstr (name, ".so") != NULL;
}

static bool
is_loader_name (const char *name)
{
  return (strncmp (name, "ld-linux", 8) == 0 || strncmp (name, "ld-musl", 7) == 0
          || strcmp (name, "ld.so") == 0)
         && strstr (name, ".so") != NULL;
}

enum pyr_list_detect
pyr_list_classify_maps (const char *maps_text,
                        char       *image,
                        size_t      image_size,
                        int        *minor)
{
  const char *line = maps_text;
  int best_rank = 99;

  *minor = -1;
  if (image_size > 0)
    image[0] = '\0';
  /* almost every process on a desktop says no here, without parsing a line */
  if (strstr (maps_text, "python") == NULL)
    return PYR_LIST_NOT_PYTHON;
  while (*line != '\0')
    {
      const char *eol = strchr (line, '\n');
      size_t len = eol ? (size_t) (eol - line) : strlen (line);
      const char *path = memchr (line, '/', len);
      char name[256];
      int m = -1, rank = 99;

      if (path != NULL && memmem (path, len - (size_t) (path - line), "python", 6) != NULL)
        {
          size_t plen = len - (size_t) (path - line);
          const char *b = path + plen;

          while (b > path && b[-1] != '/')
            b--;
          snprintf (name, sizeof name, "%.*s", (int) (path + plen - b), b);
          if (is_libpython_name (name, &m))
            rank = m >= 0 ? 0 : 2;
          else if (is_python_name (name, &m))
            rank = m >= 0 ? 1 : 3;
          if (rank < best_rank)
            {
              best_rank = rank;
              *minor = m;
              if (image_size > 0)
                snprintf (image, image_size, "%.*s", (int) plen, path);
            }
        }
      line += len;
      if (*line == '\n')
        line++;
    }
  return best_rank < 99 ? PYR_LIST_BY_MAPS : PYR_LIST_NOT_PYTHON;
}

enum pyr_list_detect
pyr_list_classify_command (const char * const *argv,
                           size_t              argc,
                           const char         *comm,
                           int                *minor)
{
  static const char *const embedders[] = { "uwsgi", "gunicorn", "celery" };
  const char *first = argc > 0 ? base_name (argv[0]) : "";

  *minor = -1;
  if (argc > 0 && is_python_name (first, minor))
    return PYR_LIST_BY_COMMAND;
  /* ld-linux-x86-64.so.2 [--library-path DIR] [--argv0 NAME] /path/python3.X script.py */
  if (argc > 0 && is_loader_name (first))
    {
      for (size_t i = 1; i < argc && i < 8; i++)
        {
          if (strcmp (argv[i], "--library-path") == 0 || strcmp (argv[i], "--argv0") == 0
              || strcmp (argv[i], "--preload") == 0 || strcmp (argv[i], "--audit") == 0)
            {
              i++;
              continue;
            }
          if (argv[i][0] == '-')
            continue;
          return is_python_name (base_name (argv[i]), minor) ? PYR_LIST_BY_COMMAND
                                                             : PYR_LIST_NOT_PYTHON;
        }
      return PYR_LIST_NOT_PYTHON;
    }
  if (comm != NULL && is_python_name (comm, minor))
    return PYR_LIST_BY_COMMAND;
  for (size_t k = 0; k < sizeof embedders / sizeof embedders[0]; k++)
    if (strncmp (first, embedders[k], strlen (embedders[k])) == 0
        || (comm != NULL && strncmp (comm, embedders[k], strlen (embedders[k])) == 0))
      return PYR_LIST_BY_COMMAND;
  return PYR_LIST_NOT_PYTHON;
}

/* ---- containers ----------------------------------------------------------------------------- */

static size_t
span_of (const char *s,
         const char *accept_extra)
{
  size_t n = 0;
  while (s[n] != '\0' && (isalnum ((unsigned char) s[n]) || strchr (accept_extra, s[n]) != NULL))
    n++;
  return n;
}

static bool
all_hex (const char *s,
         size_t      n)
{
  for (size_t i = 0; i < n; i++)
    if (!isxdigit ((unsigned char) s[i]))
      return false;
  return n > 0;
}

static void
put_id (char       *id,
        size_t      id_size,
        const char *s,
        size_t      n)
{
  if (n >= 32 && all_hex (s, n))
    n = 12;     /* as `docker ps` and `podman ps` show it */
  if (id_size > 0)
    snprintf (id, id_size, "%.*s", (int) n, s);
}

bool
pyr_list_container_from_cgroup (const char *cgroup_text,
                                char       *kind,
                                size_t      kind_size,
                                char       *id,
                                size_t      id_size)
{
  /* prefix in a path component -> runtime; the id follows the prefix */
  static const struct { const char *prefix; const char *kind; } scopes[] = {
    { "docker-", "docker" },
    { "/docker/", "docker" },
    { "libpod-conmon-", NULL },          /* podman's monitor, not the container */
    { "libpod-", "podman" },
    { "/libpod_parent/libpod-", "podman" },
    { "cri-containerd-", "containerd" },
    { "crio-conmon-", NULL },
    { "crio-", "cri-o" },
    { "/lxc.payload.", "lxc" },
    { "/lxc/", "lxc" },
    { "/machine.slice/machine-", "nspawn" },
    { "app-flatpak-", "flatpak" },
  };
  const char *line = cgroup_text;

  if (kind_size > 0)
    kind[0] = '\0';
  if (id_size > 0)
    id[0] = '\0';
  while (line != NULL && *line != '\0')
    {
      const char *eol = strchr (line, '\n');
      const char *path = strstr (line, ":/");
      size_t len = eol ? (size_t) (eol - line) : strlen (line);
      char buf[1024];

      snprintf (buf, sizeof buf, "%.*s", (int) len, line);
      path = strstr (buf, ":/");
      for (size_t k = 0; path != NULL && k < sizeof scopes / sizeof scopes[0]; k++)
        {
          const char *at = strstr (path, scopes[k].prefix);
          const char *s;
          size_t n;

          if (at == NULL)
            continue;
          if (scopes[k].kind == NULL)
            break;
          s = at + strlen (scopes[k].prefix);
          if (strcmp (scopes[k].kind, "flatpak") == 0)
            {
              /* app-flatpak-org.example.App-12345.scope */
              const char *dash;
              n = span_of (s, "._-");
              dash = memrchr (s, '-', n);
              if (dash != NULL)
                n = (size_t) (dash - s);
            }
          else if (strcmp (scopes[k].kind, "nspawn") == 0 || strcmp (scopes[k].kind, "lxc") == 0)
            {
              n = span_of (s, "._-\\");
              if (n > 6 && strncmp (s + n - 6, ".scope", 6) == 0)
                n -= 6;
            }
          else
            n = span_of (s, "");
          if (n == 0)
            continue;
          if (kind_size > 0)
            snprintf (kind, kind_size, "%s", scopes[k].kind);
          put_id (id, id_size, s, n);
          return true;
        }
      if (path != NULL && strstr (path, "/kubepods") != NULL)
        {
          /* .../kubepods-burstable-pod<uid>.slice/<runtime>-<id>.scope or /kubepods/.../<id> */
          const char *last = strrchr (path, '/');
          const char *s = last ? last + 1 : path;
          const char *dash = strrchr (s, '-');
          size_t n;
          if (dash != NULL)
            s = dash + 1;
          n = span_of (s, "");
          if (kind_size > 0)
            snprintf (kind, kind_size, "kubernetes");
          put_id (id, id_size, s, n);
          return true;
        }
      line = eol ? eol + 1 : NULL;
    }
  return false;
}

/* ---- versions ------------------------------------------------------------------------------- */

/* The bytes at a link-time address, from the section that holds it. */
static const uint8_t *
bytes_at (const struct pyr_elf *elf,
          const char           *section,
          uint64_t              addr,
          size_t                len)
{
  uint64_t sec_addr = 0, sec_size = 0;
  const uint8_t *data;
  size_t size;

  if (pyr_elf_find_section (elf, section, &sec_addr, &sec_size) < 0
      || pyr_elf_section_data (elf, section, &data, &size) < 0
      || addr < sec_addr || addr - sec_addr + len > size)
    return NULL;
  return data + (addr - sec_addr);
}

int
pyr_list_version_from_file (const char *path,
                            int         minor,
                            char       *out,
                            size_t      out_size)
{
  struct pyr_elf elf;
  uint64_t addr = 0, size = 0;
  const uint8_t *p;
  size_t rodata_size = 0;
  int ret = -ENOENT;

  if (pyr_elf_open (&elf, path, NULL) < 0)
    return -EIO;
  /* const unsigned long Py_Version = PY_VERSION_HEX, exported since 3.11 */
  if (pyr_elf_find_symbol (&elf, "Py_Version", &addr, &size) == 0 && size >= 4
      && (p = bytes_at (&elf, ".rodata", addr, 4)) != NULL)
    {
      uint32_t hex;
      memcpy (&hex, p, 4);
      if ((hex >> 24) == 3 && (minor < 0 || (int) ((hex >> 16) & 0xff) == minor))
        {
          snprintf (out, out_size, "3.%u.%u", (hex >> 16) & 0xff, (hex >> 8) & 0xff);
          ret = 0;
        }
    }
  /* older ones: PY_VERSION is a string literal, "3.9.2" (or "3.9.2+", "3.10.0rc1") */
  if (ret < 0 && minor >= 0
      && pyr_elf_section_data (&elf, ".rodata", &p, &rodata_size) == 0)
    {
      char needle[16];
      int nlen = snprintf (needle, sizeof needle, "%c3.%d.", '\0', minor);
      const uint8_t *at = p, *end = p + rodata_size;

      while (at < end && (at = memmem (at, (size_t) (end - at), needle, (size_t) nlen)) != NULL)
        {
          const uint8_t *q = at + nlen;
          size_t digits = 0;

          while (q < end && isdigit (*q) && digits < 3)
            q++, digits++;
          while (q < end && (isalnum (*q) || *q == '+') && q - at < 20)
            q++;
          if (digits > 0 && q < end && *q == '\0')
            {
              snprintf (out, out_size, "%.*s", (int) (q - at - 1), (const char *) at + 1);
              ret = 0;
              break;
            }
          at++;
        }
    }
  pyr_elf_close (&elf);
  return ret;
}

static void
version_for (struct list_state *st,
             pid_t              pid,
             const char        *image,
             int                minor,
             char              *out,
             size_t             out_size)
{
  char path[PATH_MAX + 64];
  struct stat sb;

  if (minor >= 0)
    snprintf (out, out_size, "3.%d", minor);
  else
    out[0] = '\0';
  if (image[0] != '/')
    return;
  /* through the process's root, so a container's files are the container's */
  snprintf (path, sizeof path, "/proc/%d/root%s", (int) pid, image);
  if (stat (path, &sb) < 0)
    return;
  for (size_t i = 0; i < st->n_versions; i++)
    if (st->versions[i].dev == sb.st_dev && st->versions[i].ino == sb.st_ino)
      {
        if (st->versions[i].version[0] != '\0')
          snprintf (out, out_size, "%s", st->versions[i].version);
        return;
      }
  if (st->n_versions < N_VERSION_CACHE)
    {
      struct version_cache_entry *e = &st->versions[st->n_versions++];
      e->dev = sb.st_dev;
      e->ino = sb.st_ino;
      if (pyr_list_version_from_file (path, minor, e->version, sizeof e->version) < 0)
        e->version[0] = '\0';
      else
        snprintf (out, out_size, "%s", e->version);
    }
}

/* ---- users ---------------------------------------------------------------------------------- */

/* /etc/passwd first: a statically linked sampler on a Flatpak's host has no NSS modules to load */
static const char *
user_name (struct list_state *st,
           uid_t              uid)
{
  struct user_entry *e;
  char key[32];
  const char *line;

  for (size_t i = 0; i < st->n_users; i++)
    if (st->users[i].uid == uid)
      return st->users[i].name;
  if (st->n_users == N_USER_CACHE)
    st->n_users = 0;
  e = &st->users[st->n_users++];
  e->uid = uid;
  snprintf (e->name, sizeof e->name, "%u", (unsigned) uid);
  if (st->passwd == NULL)
    {
      int fd = open ("/etc/passwd", O_RDONLY | O_CLOEXEC);
      size_t cap = 1 << 16, len = 0;
      ssize_t n;

      st->passwd = calloc (1, cap);
      if (fd >= 0 && st->passwd != NULL)
        {
          while (len + 1 < cap && (n = read (fd, st->passwd + len, cap - len - 1)) > 0)
            len += (size_t) n;
          st->passwd[len] = '\0';
        }
      if (fd >= 0)
        close (fd);
      if (st->passwd == NULL)
        return e->name;
    }
  /* name:x:uid:... */
  snprintf (key, sizeof key, ":%u:", (unsigned) uid);
  for (line = st->passwd; *line != '\0';)
    {
      const char *eol = strchr (line, '\n');
      const char *colon = strchr (line, ':');
      const char *second = colon ? strchr (colon + 1, ':') : NULL;

      if (second != NULL && (eol == NULL || second < eol)
          && strncmp (second, key, strlen (key)) == 0)
        {
          snprintf (e->name, sizeof e->name, "%.*s", (int) (colon - line), line);
          return e->name;
        }
      if (eol == NULL)
        break;
      line = eol + 1;
    }
  {
    struct passwd *pw = getpwuid (uid);
    if (pw != NULL)
      snprintf (e->name, sizeof e->name, "%s", pw->pw_name);
  }
  return e->name;
}

/* ---- JSON ----------------------------------------------------------------------------------- */

void
pyr_list_json_string (FILE       *out,
                      const char *s,
                      size_t      len)
{
  const unsigned char *p = (const unsigned char *) s, *end = p + len;

  putc ('"', out);
  while (p < end)
    {
      unsigned char c = *p;
      size_t n = 0;

      if (c == '"' || c == '\\')
        {
          putc ('\\', out);
          putc (c, out);
          p++;
          continue;
        }
      if (c < 0x20 || c == 0x7f)
        {
          fprintf (out, "\\u%04x", c);
          p++;
          continue;
        }
      if (c < 0x80)
        {
          putc (c, out);
          p++;
          continue;
        }
      /* a well-formed UTF-8 sequence passes; anything else is one U+FFFD per byte */
      if (c >= 0xc2 && c <= 0xdf)
        n = 2;
      else if (c >= 0xe0 && c <= 0xef)
        n = 3;
      else if (c >= 0xf0 && c <= 0xf4)
        n = 4;
      if (n > 0 && (size_t) (end - p) >= n)
        {
          bool ok = true;
          for (size_t k = 1; k < n; k++)
            ok = ok && (p[k] & 0xc0) == 0x80;
          if (ok && n == 3 && ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0)))
            ok = false;
          if (ok && n == 4 && ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90)))
            ok = false;
          if (ok)
            {
              fwrite (p, 1, n, out);
              p += n;
              continue;
            }
        }
      fputs ("\xef\xbf\xbd", out);
      p++;
    }
  putc ('"', out);
}

static void
json_cstring_or_null (FILE       *out,
                      const char *s)
{
  if (s == NULL || s[0] == '\0')
    fputs ("null", out);
  else
    pyr_list_json_string (out, s, strlen (s));
}

/* ---- one process ---------------------------------------------------------------------------- */

static int
nspid_depth (const char *status_text)
{
  const char *p = strstr (status_text, "\nNSpid:");
  int depth = 0;

  if (p == NULL)
    return 1;
  p += 7;
  while (*p != '\0' && *p != '\n')
    {
      while (*p == ' ' || *p == '\t')
        p++;
      if (isdigit ((unsigned char) *p))
        depth++;
      while (isdigit ((unsigned char) *p))
        p++;
    }
  return depth > 0 ? depth : 1;
}

static bool
status_uid (const char *status_text,
            uid_t      *uid)
{
  const char *p = strstr (status_text, "\nUid:");
  unsigned long v;

  if (p == NULL || sscanf (p + 5, "%lu", &v) != 1)
    return false;
  *uid = (uid_t) v;
  return true;
}

/* The first readable file mapping: where a one-byte process_vm_readv asks the kernel whether
 * we may read this process, the same question the sampler asks when it attaches. */
static uint64_t
first_readable (const char *maps_text)
{
  const char *line = maps_text;

  while (*line != '\0')
    {
      unsigned long long start, end;
      char perms[8];
      const char *eol = strchr (line, '\n');

      if (sscanf (line, "%llx-%llx %7s", &start, &end, perms) == 3 && perms[0] == 'r'
          && strchr (line, '/') != NULL && (eol == NULL || strchr (line, '/') < eol))
        return start;
      if (eol == NULL)
        break;
      line = eol + 1;
    }
  return 0;
}

static bool
may_read_memory (pid_t    pid,
                 uint64_t addr)
{
  char byte;
  struct iovec local = { &byte, 1 }, remote = { (void *) (uintptr_t) addr, 1 };

  if (addr == 0)
    return false;
  if (process_vm_readv (pid, &local, 1, &remote, 1, 0) == 1)
    return true;
  return errno != EPERM && errno != EACCES;
}

static void
list_one (struct list_state *st,
          FILE              *out,
          int                proc_fd,
          pid_t              pid)
{
  char name[32];
  int dir_fd;
  ssize_t n;
  struct proc_stat ps = { 0 };
  enum pyr_list_detect how = PYR_LIST_NOT_PYTHON;
  char image[PATH_MAX] = "";
  char exe[PATH_MAX] = "";
  char version[32] = "";
  char kind[32] = "", id[128] = "";
  const char *args[MAX_ARGS];
  size_t argc = 0;
  char *cmdline = NULL;
  size_t cmdline_len = 0;
  int minor = -1;
  uint64_t probe_addr = 0;
  bool maps_readable, can_attach;
  const char *reason = NULL;
  uid_t uid = (uid_t) -1;
  int depth = 1;
  struct stat sb;

  snprintf (name, sizeof name, "%d", (int) pid);
  if ((dir_fd = openat (proc_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    return;
  if (read_file (st, dir_fd, "stat", 4096) <= 0 || !parse_stat (st->buf, &ps)
      || (ps.flags & PF_KTHREAD_FLAG) != 0 || ps.state == 'Z' || ps.state == 'X')
    goto out;

  n = read_file (st, dir_fd, "maps", MAX_MAPS);
  maps_readable = n >= 0;
  if (maps_readable)
    {
      if (n == 0)
        goto out;                 /* exiting */
      how = pyr_list_classify_maps (st->buf, image, sizeof image, &minor);
      if (how == PYR_LIST_NOT_PYTHON)
        goto out;
      probe_addr = first_readable (st->buf);
    }

  if ((n = read_file (st, dir_fd, "cmdline", MAX_CMDLINE)) < 0)
    goto out;
  cmdline_len = (size_t) n;
  if ((cmdline = malloc (cmdline_len + 1)) == NULL)
    goto out;
  memcpy (cmdline, st->buf, cmdline_len);
  cmdline[cmdline_len] = '\0';
  for (size_t i = 0; i < cmdline_len && argc < MAX_ARGS; i += strlen (cmdline + i) + 1)
    args[argc++] = cmdline + i;

  if (!maps_readable)
    {
      how = pyr_list_classify_command (args, argc, ps.comm, &minor);
      if (how == PYR_LIST_NOT_PYTHON)
        goto out;
      if (minor >= 0)
        snprintf (version, sizeof version, "3.%d", minor);
    }
  else
    version_for (st, pid, image, minor, version, sizeof version);

  if ((n = readlinkat (dir_fd, "exe", exe, sizeof exe - 1)) > 0)
    exe[n] = '\0';
  else
    exe[0] = '\0';

  if (read_file (st, dir_fd, "status", 16384) > 0)
    {
      depth = nspid_depth (st->buf);
      if (!status_uid (st->buf, &uid) && fstat (dir_fd, &sb) == 0)
        uid = sb.st_uid;
    }
  else if (fstat (dir_fd, &sb) == 0)
    uid = sb.st_uid;

  if (read_file (st, dir_fd, "cgroup", 65536) > 0)
    pyr_list_container_from_cgroup (st->buf, kind, sizeof kind, id, sizeof id);
  if (kind[0] == '\0' && depth > st->self_nspid_depth)
    snprintf (kind, sizeof kind, "container");

  can_attach = maps_readable && may_read_memory (pid, probe_addr);
  if (!can_attach)
    {
      if (!maps_readable && uid != st->uid)
        reason = "another user's process";
      else if (!maps_readable)
        reason = "the process is not dumpable (it changed its privileges)";
      else if (st->ptrace_scope >= 3)
        reason = "kernel.yama.ptrace_scope is 3: no process may be read";
      else if (st->ptrace_scope >= 1)
        reason = st->ptrace_scope == 1
                 ? "kernel.yama.ptrace_scope is 1: only a parent may read its children"
                 : "kernel.yama.ptrace_scope is 2: reading needs CAP_SYS_PTRACE";
      else
        reason = "the kernel refused to let this user read the process";
    }

  fprintf (out, "{\"type\":\"process\",\"pid\":%d,\"ppid\":%lld,\"uid\":%ld,\"user\":",
           (int) pid, ps.ppid, uid == (uid_t) -1 ? -1L : (long) uid);
  json_cstring_or_null (out, uid == (uid_t) -1 ? NULL : user_name (st, uid));
  fputs (",\"comm\":", out);
  json_cstring_or_null (out, ps.comm);
  fputs (",\"argv\":[", out);
  for (size_t i = 0; i < argc; i++)
    {
      if (i > 0)
        putc (',', out);
      pyr_list_json_string (out, args[i], strlen (args[i]));
    }
  fputs ("],\"executable\":", out);
  json_cstring_or_null (out, exe);
  fputs (",\"image\":", out);
  json_cstring_or_null (out, image);
  fputs (",\"python\":", out);
  json_cstring_or_null (out, version);
  fprintf (out, ",\"detected_by\":\"%s\"", how == PYR_LIST_BY_MAPS ? "maps" : "command");
  fprintf (out, ",\"start_ticks\":%llu,\"cpu_ticks\":%llu,\"threads\":%lld,\"rss_bytes\":%lld",
           ps.start_ticks, ps.cpu_ticks, ps.threads, ps.rss_pages * st->page_size);
  fputs (",\"container\":", out);
  json_cstring_or_null (out, kind);
  fputs (",\"container_id\":", out);
  json_cstring_or_null (out, id);
  fprintf (out, ",\"can_attach\":%s,\"needs_authorization\":%s,\"reason\":",
           can_attach ? "true" : "false", can_attach ? "false" : "true");
  json_cstring_or_null (out, reason);
  fputs ("}\n", out);

out:
  free (cmdline);
  close (dir_fd);
}

/* ---- the run -------------------------------------------------------------------------------- */

static int
read_int_file (const char *path,
               int         fallback)
{
  FILE *f = fopen (path, "re");
  int v = fallback;

  if (f != NULL)
    {
      if (fscanf (f, "%d", &v) != 1)
        v = fallback;
      fclose (f);
    }
  return v;
}

static bool
has_cap_sys_ptrace (const char *status_text)
{
  const char *p = strstr (status_text, "\nCapEff:");
  unsigned long long caps;

  return p != NULL && sscanf (p + 8, "%llx", &caps) == 1 && (caps & (1ull << 19)) != 0;
}

int
pyr_list_write (FILE                          *out,
                const struct pyr_list_options *options,
                struct pyr_err                *err)
{
  struct list_state st = { 0 };
  int proc_fd, self_fd;
  DIR *dir;
  struct dirent *de;
  double uptime = 0;
  long hz = sysconf (_SC_CLK_TCK);
  pid_t self = getpid ();
  FILE *f;

  st.cap = 1 << 16;
  if ((st.buf = malloc (st.cap)) == NULL)
    return pyr_err_set (err, -ENOMEM, "out of memory");
  st.uid = getuid ();
  st.page_size = sysconf (_SC_PAGESIZE);
  st.ptrace_scope = read_int_file ("/proc/sys/kernel/yama/ptrace_scope", 0);
  st.self_nspid_depth = 1;
  if ((self_fd = open ("/proc/self", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0)
    {
      if (read_file (&st, self_fd, "status", 16384) > 0)
        {
          st.self_nspid_depth = nspid_depth (st.buf);
          st.cap_sys_ptrace = has_cap_sys_ptrace (st.buf);
        }
      close (self_fd);
    }
  if ((f = fopen ("/proc/uptime", "re")) != NULL)
    {
      if (fscanf (f, "%lf", &uptime) != 1)
        uptime = 0;
      fclose (f);
    }

  proc_fd = open ("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (proc_fd < 0 || (dir = fdopendir (proc_fd)) == NULL)
    {
      int e = errno;
      if (proc_fd >= 0)
        close (proc_fd);
      free (st.buf);
      return pyr_err_set (err, -e, "cannot read /proc: %s", strerror (e));
    }

  fprintf (out, "{\"type\":\"system\",\"format\":1,\"clock_ticks_per_second\":%ld,"
                "\"uptime_ticks\":%llu,\"uid\":%ld,\"ptrace_scope\":%d,\"cap_sys_ptrace\":%s,"
                "\"sampler_pid\":%d}\n",
           hz, (unsigned long long) (uptime * (double) hz), (long) st.uid, st.ptrace_scope,
           st.cap_sys_ptrace ? "true" : "false", (int) self);

  while ((de = readdir (dir)) != NULL)
    {
      char *end;
      long pid;

      if (!isdigit ((unsigned char) de->d_name[0]))
        continue;
      pid = strtol (de->d_name, &end, 10);
      if (*end != '\0' || pid <= 0 || pid == self
          || (options != NULL && pid == options->exclude_pid))
        continue;
      list_one (&st, out, proc_fd, (pid_t) pid);
    }
  closedir (dir);
  free (st.buf);
  free (st.passwd);
  if (fflush (out) != 0 || ferror (out))
    return pyr_err_set (err, -EPIPE, "cannot write the list");
  return 0;
}
