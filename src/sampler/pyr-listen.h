/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * --listen: the stream goes to one client of a listening socket instead of standard output.
 *
 * The sampler binds ("unix:PATH" or "tcp:HOST:PORT"), waits for one client, and only then
 * attaches or launches.  While it records, further clients are accepted and closed at once by
 * a small thread, after a stream that only says why (END, reason error): one recording, one
 * reader.  The client going away is a write error like a closed pipe (-EPIPE).
 *
 * TCP addresses are numeric (127.0.0.1, [::1], 0.0.0.0, [::]) or "localhost": no name
 * service, so a statically linked sampler copied into any container behaves the same.
 * The stream is neither authenticated nor encrypted.
 */

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "pyr-err.h"

struct pyr_listen
{
  int                     listen_fd;
  int                     client_fd;     /* owned by the caller once the stream began */
  int                     family;        /* AF_UNIX, AF_INET or AF_INET6 */
  struct sockaddr_storage addr;
  socklen_t               addr_len;
  char                    path[108];     /* unix: the socket file, removed by close */
  dev_t                   path_dev;
  ino_t                   path_ino;
  char                    where[160];    /* "tcp:127.0.0.1:40123" as bound, for people */
  bool                    streaming;
  bool                    guard_running;
  pthread_t               guard;
  int                     guard_wake[2];
  unsigned long           refused;       /* clients turned away while recording */
  volatile sig_atomic_t  *stop;          /* from accept: a stop request ends a stalled send */
};

#define PYR_LISTEN_INIT { .listen_fd = -1, .client_fd = -1, .guard_wake = { -1, -1 } }

/* Checks the address's syntax (no system call): 0 or -EINVAL with a message. */
int  pyr_listen_parse        (struct pyr_listen      *l,
                              const char             *address,
                              struct pyr_err         *err);
/* Binds and listens (unix: mode 0600, a stale socket file is replaced).  Fills l->where. */
int  pyr_listen_open         (struct pyr_listen      *l,
                              struct pyr_err         *err);
/* Waits for the one client; -EINTR when *stop became set (a signal) meanwhile. */
int  pyr_listen_accept       (struct pyr_listen      *l,
                              volatile sig_atomic_t  *stop,
                              struct pyr_err         *err);
/* From now on the stream is the client's and later clients are refused. */
int  pyr_listen_begin_stream (struct pyr_listen      *l,
                              struct pyr_err         *err);
/* A pyr_stream_write_func writing to the client: -EPIPE once it is gone (also for a reset). */
int  pyr_listen_write        (void                   *user_data,
                              const void             *data,
                              size_t                  len);
/* Before the stream began: sends the client a stream that only ends, with err's message, so
 * it learns why nothing comes (e.g. permission denied).  Does nothing afterwards. */
void pyr_listen_report_error (struct pyr_listen      *l,
                              const struct pyr_err   *err);
/* Stops refusing, closes the sockets (not the client once the stream began) and removes
 * the socket file.  Safe to call more than once. */
void pyr_listen_close        (struct pyr_listen      *l);
