/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pyr-listen.h"

#include <arpa/inet.h>
#include <limits.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "pyr-stream-writer.h"

#define BACKLOG 4

struct fixed_buffer
{
  char   data[1024];
  size_t len;
};

static int
fixed_buffer_write (void       *user_data,
                    const void *data,
                    size_t      len)
{
  struct fixed_buffer *b = user_data;

  if (len > sizeof b->data - b->len)
    return -ENOSPC;
  memcpy (b->data + b->len, data, len);
  b->len += len;
  return 0;
}

/* A whole stream that only ends: what a client gets instead of a recording. */
static void
end_only_stream (struct fixed_buffer *b,
                 int                  code,
                 const char          *message)
{
  struct pyr_stream_writer *w;

  b->len = 0;
  w = pyr_stream_writer_new_with_func (fixed_buffer_write, b);
  if (w == NULL)
    return;
  if (pyr_stream_writer_end (w, 0, PYR_STREAM_END_ERROR, code, message) < 0)
    b->len = 0;
  pyr_stream_writer_free (w);
}

static int
parse_port (const char *s,
            uint16_t   *port)
{
  char *end;
  unsigned long v;

  if (*s < '0' || *s > '9')
    return -1;
  errno = 0;
  v = strtoul (s, &end, 10);
  if (errno != 0 || *end != '\0' || v > 65535)
    return -1;
  *port = (uint16_t) v;
  return 0;
}

int
pyr_listen_parse (struct pyr_listen *l,
                  const char        *address,
                  struct pyr_err    *err)
{
  memset (&l->addr, 0, sizeof l->addr);
  snprintf (l->where, sizeof l->where, "%s", address);
  if (strncmp (address, "unix:", 5) == 0)
    {
      struct sockaddr_un *un = (struct sockaddr_un *) &l->addr;
      const char *path = address + 5;
      size_t len = strlen (path);

      if (len == 0)
        return pyr_err_set (err, -EINVAL, "--listen unix: needs a path, e.g. unix:/tmp/pyr.sock");
      if (len >= sizeof un->sun_path || len >= sizeof l->path)
        return pyr_err_set (err, -EINVAL, "--listen: the socket path is too long (at most %zu bytes)",
                            sizeof un->sun_path - 1);
      un->sun_family = AF_UNIX;
      memcpy (un->sun_path, path, len + 1);
      memcpy (l->path, path, len + 1);
      l->family = AF_UNIX;
      l->addr_len = (socklen_t) (offsetof (struct sockaddr_un, sun_path) + len + 1);
      return 0;
    }
  if (strncmp (address, "tcp:", 4) == 0)
    {
      const char *hostport = address + 4;
      const char *colon = strrchr (hostport, ':');
      char host[64];
      size_t hlen;
      uint16_t port;

      if (colon == NULL || parse_port (colon + 1, &port) < 0)
        return pyr_err_set (err, -EINVAL, "--listen tcp: needs HOST:PORT with a port from 0 "
                                          "to 65535, e.g. tcp:127.0.0.1:40123");
      hlen = (size_t) (colon - hostport);
      if (hlen >= sizeof host)
        return pyr_err_set (err, -EINVAL, "--listen: the host is too long");
      memcpy (host, hostport, hlen);
      host[hlen] = '\0';
      if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']')
        {
          struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &l->addr;

          host[hlen - 1] = '\0';
          if (inet_pton (AF_INET6, host + 1, &in6->sin6_addr) != 1)
            return pyr_err_set (err, -EINVAL, "--listen: '%s' is not an IPv6 address", host + 1);
          in6->sin6_family = AF_INET6;
          in6->sin6_port = htons (port);
          l->family = AF_INET6;
          l->addr_len = sizeof *in6;
          return 0;
        }
      {
        struct sockaddr_in *in4 = (struct sockaddr_in *) &l->addr;

        if (strchr (host, ':') != NULL)
          return pyr_err_set (err, -EINVAL, "--listen: put an IPv6 address in brackets, "
                                            "e.g. tcp:[::1]:40123");
        if (strcmp (host, "localhost") == 0)
          in4->sin_addr.s_addr = htonl (INADDR_LOOPBACK);
        else if (inet_pton (AF_INET, host, &in4->sin_addr) != 1)
          return pyr_err_set (err, -EINVAL, "--listen: '%s' is not a numeric address; give one "
                                            "such as 127.0.0.1, 0.0.0.0 or [::1]", host);
        in4->sin_family = AF_INET;
        in4->sin_port = htons (port);
        l->family = AF_INET;
        l->addr_len = sizeof *in4;
        return 0;
      }
    }
  return pyr_err_set (err, -EINVAL, "--listen: '%s' is not unix:PATH or tcp:HOST:PORT", address);
}

/* The socket file's path with its folder resolved, as another process may have bound it. */
static void
resolve_path (const char *path,
              char       *out,
              size_t      len)
{
  char dir[PATH_MAX], resolved[PATH_MAX];
  const char *slash = strrchr (path, '/');
  const char *base = slash != NULL ? slash + 1 : path;

  if (slash == NULL)
    snprintf (dir, sizeof dir, ".");
  else if (slash == path)
    snprintf (dir, sizeof dir, "/");
  else
    snprintf (dir, sizeof dir, "%.*s", (int) (slash - path), path);
  if (realpath (dir, resolved) == NULL)
    snprintf (out, len, "%s", path);
  else if ((size_t) snprintf (out, len, "%s%s%s", resolved, strcmp (resolved, "/") == 0 ? "" : "/",
                              base) >= len)
    snprintf (out, len, "%s", path);
}

/* Whether a socket of this network namespace listens on the path (/proc/net/unix): 1 yes,
 * 0 no, -1 cannot tell.  Asking by connecting would make a sampler still waiting for its
 * first client take the probe for that client. */
static int
listening_here (const char *path)
{
  char resolved[2 * PATH_MAX + 2], line[PATH_MAX + 128];
  FILE *f = fopen ("/proc/net/unix", "re");
  int found = 0;

  if (f == NULL)
    return -1;
  resolve_path (path, resolved, sizeof resolved);
  if (fgets (line, sizeof line, f) == NULL)   /* the header */
    found = -1;
  while (found == 0 && fgets (line, sizeof line, f) != NULL)
    {
      unsigned long flags;
      int pos = -1;

      line[strcspn (line, "\n")] = '\0';
      if (sscanf (line, "%*s %*s %*s %lx %*s %*s %*s %n", &flags, &pos) < 1 || pos < 0)
        continue;
      /* __SO_ACCEPTCON: the socket listens */
      if ((flags & 0x10000) && (strcmp (line + pos, path) == 0 || strcmp (line + pos, resolved) == 0))
        found = 1;
    }
  fclose (f);
  return found;
}

/* A socket file left by a sampler that died can be replaced; a live one or another file not. */
static int
clear_stale_socket (struct pyr_listen *l,
                    struct pyr_err    *err)
{
  struct stat st;
  int fd, ret, here;

  if (lstat (l->path, &st) < 0)
    return errno == ENOENT ? 0 : pyr_err_set (err, -errno, "cannot use %s: %s", l->path,
                                              strerror (errno));
  if (!S_ISSOCK (st.st_mode))
    return pyr_err_set (err, -EEXIST, "%s exists and is not a socket: give another path", l->path);
  here = listening_here (l->path);
  if (here == 1)
    return pyr_err_set (err, -EADDRINUSE, "%s is in use: another sampler listens there", l->path);
  if (here < 0)
    {
      fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd < 0)
        return pyr_err_set (err, -errno, "socket: %s", strerror (errno));
      ret = connect (fd, (struct sockaddr *) &l->addr, l->addr_len);
      close (fd);
      if (ret == 0)
        return pyr_err_set (err, -EADDRINUSE, "%s is in use: another sampler listens there", l->path);
    }
  if (unlink (l->path) < 0 && errno != ENOENT)
    return pyr_err_set (err, -errno, "cannot replace the old socket %s: %s", l->path,
                        strerror (errno));
  return 0;
}

/* Run through sudo or pkexec, the socket belongs to the person who asked for it. */
static void
give_socket_to_invoker (const char *path)
{
  const char *uid = getenv ("PKEXEC_UID");

  if (getuid () != 0)
    return;
  if (uid == NULL || *uid == '\0')
    uid = getenv ("SUDO_UID");
  if (uid != NULL && *uid != '\0')
    {
      char *end;
      unsigned long v = strtoul (uid, &end, 10);
      const char *gid = getenv ("SUDO_GID");
      unsigned long g = gid != NULL && *gid != '\0' ? strtoul (gid, NULL, 10) : (unsigned long) -1;

      if (*end == '\0' && lchown (path, (uid_t) v, (gid_t) g) < 0)
        fprintf (stderr, "pyrometer-sampler: cannot give %s to user %lu: %s\n", path, v,
                 strerror (errno));
    }
}

static void
describe_bound (struct pyr_listen *l)
{
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  char host[INET6_ADDRSTRLEN];

  if (l->family == AF_UNIX)
    {
      snprintf (l->where, sizeof l->where, "unix:%s", l->path);
      return;
    }
  if (getsockname (l->listen_fd, (struct sockaddr *) &ss, &len) < 0)
    ss = l->addr;
  if (ss.ss_family == AF_INET6)
    {
      struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &ss;
      inet_ntop (AF_INET6, &in6->sin6_addr, host, sizeof host);
      snprintf (l->where, sizeof l->where, "tcp:[%s]:%u", host, (unsigned) ntohs (in6->sin6_port));
    }
  else
    {
      struct sockaddr_in *in4 = (struct sockaddr_in *) &ss;
      inet_ntop (AF_INET, &in4->sin_addr, host, sizeof host);
      snprintf (l->where, sizeof l->where, "tcp:%s:%u", host, (unsigned) ntohs (in4->sin_port));
    }
}

int
pyr_listen_open (struct pyr_listen *l,
                 struct pyr_err    *err)
{
  int fd, ret, one = 1;

  if (l->family == AF_UNIX && (ret = clear_stale_socket (l, err)) < 0)
    return ret;
  fd = socket (l->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return pyr_err_set (err, -errno, "socket: %s", strerror (errno));
  if (l->family != AF_UNIX)
    {
      setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (l->family == AF_INET6)
        setsockopt (fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    }
  if (l->family == AF_UNIX)
    {
      /* the socket file is created by bind with the umask's mode: never readable by others */
      mode_t old = umask (0177);
      ret = bind (fd, (struct sockaddr *) &l->addr, l->addr_len);
      umask (old);
    }
  else
    ret = bind (fd, (struct sockaddr *) &l->addr, l->addr_len);
  if (ret < 0)
    {
      int e = errno;
      close (fd);
      return pyr_err_set (err, -e, "cannot listen on %s: %s", l->where, strerror (e));
    }
  l->listen_fd = fd;
  if (l->family == AF_UNIX)
    {
      struct stat st;

      chmod (l->path, 0600);
      give_socket_to_invoker (l->path);
      if (lstat (l->path, &st) == 0)
        {
          l->path_dev = st.st_dev;
          l->path_ino = st.st_ino;
        }
    }
  else
    l->path[0] = '\0';
  if (listen (fd, BACKLOG) < 0)
    {
      int e = errno;
      pyr_listen_close (l);
      return pyr_err_set (err, -e, "listen: %s", strerror (e));
    }
  describe_bound (l);
  return 0;
}

int
pyr_listen_accept (struct pyr_listen     *l,
                   volatile sig_atomic_t *stop,
                   struct pyr_err        *err)
{
  sigset_t stops, old;
  int ret = 0;

  /* A stop signal that lands between the check of *stop and the wait must still end the
   * wait: the signals stay blocked except inside ppoll, which unblocks them atomically. */
  l->stop = stop;
  sigemptyset (&stops);
  sigaddset (&stops, SIGINT);
  sigaddset (&stops, SIGTERM);
  sigaddset (&stops, SIGHUP);
  sigprocmask (SIG_BLOCK, &stops, &old);
  for (;;)
    {
      struct pollfd p = { .fd = l->listen_fd, .events = POLLIN };
      int fd;

      if (stop != NULL && *stop)
        {
          ret = pyr_err_set (err, -EINTR, "interrupted while waiting for a client");
          break;
        }
      if (ppoll (&p, 1, NULL, &old) < 0)
        {
          if (errno == EINTR)
            continue;
          ret = pyr_err_set (err, -errno, "waiting for a client: %s", strerror (errno));
          break;
        }
      fd = accept4 (l->listen_fd, NULL, NULL, SOCK_CLOEXEC);
      if (fd >= 0)
        {
          int one = 1;

          if (l->family != AF_UNIX)
            setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);   /* live: no batching */
          l->client_fd = fd;
          break;
        }
      if (errno != EINTR && errno != ECONNABORTED && errno != EAGAIN)
        {
          ret = pyr_err_set (err, -errno, "accept: %s", strerror (errno));
          break;
        }
    }
  sigprocmask (SIG_SETMASK, &old, NULL);
  return ret;
}

static void *
guard_thread (void *data)
{
  struct pyr_listen *l = data;
  struct fixed_buffer busy;

  end_only_stream (&busy, -EBUSY, "another client is already connected to this sampler; it "
                                  "serves one at a time");
  for (;;)
    {
      struct pollfd fds[2] = {
        { .fd = l->listen_fd, .events = POLLIN },
        { .fd = l->guard_wake[0], .events = POLLIN },
      };

      if (poll (fds, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      if (fds[1].revents != 0)
        break;
      if (fds[0].revents & POLLIN)
        {
          int fd = accept4 (l->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

          if (fd >= 0)
            {
              if (send (fd, busy.data, busy.len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
                { /* it went already: nothing to tell */ }
              close (fd);
              l->refused++;
            }
        }
      else if (fds[0].revents & (POLLERR | POLLNVAL))
        break;
    }
  return NULL;
}

int
pyr_listen_begin_stream (struct pyr_listen *l,
                         struct pyr_err    *err)
{
  sigset_t all, old;
  int ret;

  if (l->client_fd < 0 || l->streaming)
    return 0;
  l->streaming = true;
  if (pipe2 (l->guard_wake, O_CLOEXEC) < 0)
    return pyr_err_set (err, -errno, "pipe: %s", strerror (errno));
  /* signals stay with the main thread: its sleeps and waits are what they must interrupt */
  sigfillset (&all);
  pthread_sigmask (SIG_SETMASK, &all, &old);
  ret = pthread_create (&l->guard, NULL, guard_thread, l);
  pthread_sigmask (SIG_SETMASK, &old, NULL);
  if (ret != 0)
    return pyr_err_set (err, -ret, "cannot start a thread: %s", strerror (ret));
  l->guard_running = true;
  return 0;
}

int
pyr_listen_write (void       *user_data,
                  const void *data,
                  size_t      len)
{
  struct pyr_listen *l = user_data;
  const char *p = data;

  while (len > 0)
    {
      ssize_t n = send (l->client_fd, p, len, MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR && l->stop != NULL && *l->stop)
        return -EPIPE;   /* blocked on a client that does not read: give up on it */
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        /* a client that closed shows as a reset as often as a broken pipe: both mean gone */
        return errno == ECONNRESET || errno == ENOTCONN ? -EPIPE : -errno;
      p += n;
      len -= (size_t) n;
    }
  return 0;
}

void
pyr_listen_report_error (struct pyr_listen    *l,
                         const struct pyr_err *err)
{
  struct fixed_buffer b;

  if (l->client_fd < 0 || l->streaming)
    return;
  /* the END code is an errno; the sampler's own codes (not Python, ...) are not */
  end_only_stream (&b, err->code < 0 && err->code > -PYR_ENOTPYTHON ? err->code : 0, err->msg);
  if (b.len > 0 && pyr_listen_write (l, b.data, b.len) < 0)
    { /* the client is gone: nobody to tell */ }
  l->streaming = true;    /* the stream is over: nothing else may follow END */
  close (l->client_fd);
  l->client_fd = -1;
}

void
pyr_listen_close (struct pyr_listen *l)
{
  if (l->guard_running)
    {
      char c = 'x';
      if (write (l->guard_wake[1], &c, 1) < 0)
        { /* the pipe cannot be full: one byte, once */ }
      pthread_join (l->guard, NULL);
      l->guard_running = false;
    }
  for (int i = 0; i < 2; i++)
    if (l->guard_wake[i] >= 0)
      {
        close (l->guard_wake[i]);
        l->guard_wake[i] = -1;
      }
  if (l->listen_fd >= 0)
    {
      close (l->listen_fd);
      l->listen_fd = -1;
    }
  if (!l->streaming && l->client_fd >= 0)
    {
      close (l->client_fd);
      l->client_fd = -1;
    }
  if (l->family == AF_UNIX && l->path[0] != '\0')
    {
      struct stat st;

      /* only our own socket: a later sampler may have taken the path over */
      if (lstat (l->path, &st) == 0 && st.st_dev == l->path_dev && st.st_ino == l->path_ino)
        unlink (l->path);
      l->path[0] = '\0';
    }
}
