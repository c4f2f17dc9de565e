/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pyr-dump.h"
#include "pyr-launch.h"
#include "pyr-list.h"
#include "pyr-listen.h"
#include "pyr-python.h"
#include "pyr-record.h"
#include "pyr-stream-writer.h"

/* Exit codes: documented in --help and in the EXIT STATUS section below. */
enum
{
  EXIT_OK           = 0,
  EXIT_ERROR        = 1,
  EXIT_USAGE        = 2,
  EXIT_NO_PROCESS   = 3,
  EXIT_PERMISSION   = 4,
  EXIT_NOT_PYTHON   = 5,
  EXIT_UNSUPPORTED  = 6,
  EXIT_TARGET_EXITED = 7,
  EXIT_OUTPUT       = 8,
  EXIT_EXEC_FAILED  = 127,
};

static volatile sig_atomic_t stop_signal;
/* --listen: the socket, closed (its file removed) at exit whichever way main returns */
static struct pyr_listen listener = PYR_LISTEN_INIT;

static const char usage_text[] =
  "Usage: pyrometer-sampler [OPTION...] (--pid PID | -- COMMAND [ARG...])\n"
  "\n"
  "Samples the call stacks of a running CPython 3.8-3.15 process from outside, without\n"
  "stopping it, and writes them as a Pyrometer stream (the .pyrometer file format).\n"
  "\n"
  "  -p, --pid PID            sample the running process PID (attach mode)\n"
  "  -- COMMAND [ARG...]      run COMMAND and sample it (launch mode)\n"
  "  -r, --rate HZ            mean samples per second (default 100); the gaps between\n"
  "                           samples are random (Poisson) so periodic work is not aliased\n"
  "  -d, --duration SECONDS   stop after this long (default: until stopped or the target ends)\n"
  "  -o, --output FILE|-      write the stream to FILE, or to standard output (-, default)\n"
  "      --listen unix:PATH | tcp:HOST:PORT\n"
  "                           serve the stream to one client of this socket instead:\n"
  "                           print where it listens, wait for a client, then attach or\n"
  "                           launch; HOST is numeric (127.0.0.1, [::1], 0.0.0.0) or\n"
  "                           localhost, port 0 picks a free one; a unix socket gets\n"
  "                           mode 0600 and is removed at exit.  The stream is neither\n"
  "                           authenticated nor encrypted: listen on 127.0.0.1 and\n"
  "                           forward it (ssh -L), or on a socket in a shared folder\n"
  "      --dump               print every thread's current stack once, as text, and exit\n"
  "      --list               print the Python processes of this machine, one JSON object\n"
  "                           a line, and exit (needs no privilege; see process-list.md)\n"
  "      --idle               keep samples of idle threads, flagged as idle (the default)\n"
  "      --no-idle            drop samples of idle threads (like py-spy without --idle)\n"
  "      --gil                keep only the thread holding the GIL\n"
  "      --blocking           stop the target's threads (and its subprocesses') while each\n"
  "                           sample is read: exact stacks, more overhead; they always run\n"
  "                           on afterwards\n"
  "      --startup-timeout S  launch mode: how long to wait for the interpreter to start\n"
  "                           (default 10)\n"
  "      --stop-grace S       launch mode: when the recording ends before the command\n"
  "                           (--duration, a stop signal, the reader gone), the command\n"
  "                           gets SIGINT (SIGHUP when the reader went away), SIGTERM S\n"
  "                           seconds later, SIGKILL S seconds after that (default 5)\n"
  "      --command-output FD  launch mode: the command's standard output and error go to\n"
  "                           the inherited file descriptor FD instead of the sampler's\n"
  "                           standard error, which then carries only its own messages\n"
  "      --subprocesses       also sample the Python processes the target starts\n"
  "                           (multiprocessing, forking servers), found every 100 ms;\n"
  "                           each sample names its process\n"
  "      --native             include native (C) frames, merged with the Python ones;\n"
  "                           implies --blocking\n"
  "  -h, --help               show this help\n"
  "  -V, --version            show the version\n"
  "\n"
  "Idle samples are kept by default because every sample carries an idle flag: a viewer\n"
  "can hide them or show wall-clock time without recording again.\n"
  "\n"
  "Attach mode never stops the target unless --blocking is given, and leaves it running\n"
  "and detached whatever ends the recording: the duration, Ctrl-C, SIGTERM, the reader of\n"
  "the output going away, the target exiting, or an error.  In launch mode Ctrl-C and\n"
  "SIGTERM are passed on to the command (see --stop-grace); the sampler waits for it and\n"
  "exits with its status (128 + N when it was killed by signal N).  The command may be a\n"
  "wrapper (a pyenv shim, env, sh -c, a script, poetry run, uv run): the sampler follows\n"
  "the first Python process among the command and its descendants, and the next one when\n"
  "that process execs or ends while the command runs on.  When run as root through\n"
  "pkexec, the command runs as the invoking user (PKEXEC_UID).\n"
  "\n"
  "EXIT STATUS\n"
  "  0    success (launch mode: the command's own exit status)\n"
  "  1    other error\n"
  "  2    bad usage\n"
  "  3    no such process\n"
  "  4    permission denied: the target's memory cannot be read\n"
  "  5    not a Python process, or its interpreter did not start in time\n"
  "  6    unsupported Python version (the message names it)\n"
  "  7    the target exited before its stacks could be read\n"
  "  8    the output cannot be written (e.g. its reader went away), or --listen\n"
  "       cannot listen there\n"
  "  127  launch mode: the command could not be run\n"
  "\n"
  "PERMISSIONS\n"
  "  Reading another process needs the right to ptrace it.  A command launched by the\n"
  "  sampler is always readable.  To attach to a running process, run the sampler as the\n"
  "  same user with the Yama setting kernel.yama.ptrace_scope at 0, or as root (pkexec\n"
  "  pyrometer-sampler ...), or give it CAP_SYS_PTRACE.  In a Docker container, start it\n"
  "  with --cap-add SYS_PTRACE.\n";

static void
on_stop_signal (int sig)
{
  stop_signal = sig;
}

static int
exit_code_for (int code)
{
  switch (code)
    {
    case -ESRCH:
    case -ENOENT:
      return EXIT_NO_PROCESS;
    case -EPERM:
    case -EACCES:
      return EXIT_PERMISSION;
    case -PYR_ENOTPYTHON:
      return EXIT_NOT_PYTHON;
    case -PYR_EVERSION:
      return EXIT_UNSUPPORTED;
    case -PYR_EEXITED:
      return EXIT_TARGET_EXITED;
    case -EPIPE:
      return EXIT_OUTPUT;
    case -PYR_EEXEC:
      return EXIT_EXEC_FAILED;
    default:
      return EXIT_ERROR;
    }
}

static void
close_listener (void)
{
  pyr_listen_close (&listener);
}

static void
print_error (const struct pyr_err *err)
{
  fprintf (stderr, "pyrometer-sampler: %s\n", err->msg);
  pyr_listen_report_error (&listener, err);   /* a client waiting for a stream learns why */
  if (err->code == -EPERM || err->code == -EACCES)
    {
      int scope = -1;
      FILE *f = fopen ("/proc/sys/kernel/yama/ptrace_scope", "re");
      if (f != NULL)
        {
          if (fscanf (f, "%d", &scope) != 1)
            scope = -1;
          fclose (f);
        }
      fprintf (stderr,
               "To allow it, do one of:\n"
               "  - run it as root: pkexec pyrometer-sampler ... (or sudo)\n"
               "  - give the sampler the capability: setcap cap_sys_ptrace+ep pyrometer-sampler\n"
               "  - launch the program through the sampler instead: pyrometer-sampler -- COMMAND\n");
      if (scope > 0)
        fprintf (stderr, "  - allow ptrace between processes of one user: "
                         "sysctl kernel.yama.ptrace_scope=0 (it is %d now)\n", scope);
      fprintf (stderr, "  - in a Docker container: docker run --cap-add SYS_PTRACE ...\n");
    }
}

static int
parse_double (const char *s,
              double     *out)
{
  char *end;
  errno = 0;
  *out = strtod (s, &end);
  return errno == 0 && end != s && *end == '\0' ? 0 : -1;
}

int
main (int    argc,
      char **argv)
{
  static const struct option longopts[] = {
    { "pid", required_argument, NULL, 'p' },
    { "rate", required_argument, NULL, 'r' },
    { "duration", required_argument, NULL, 'd' },
    { "output", required_argument, NULL, 'o' },
    { "listen", required_argument, NULL, 'L' },
    { "dump", no_argument, NULL, 'D' },
    { "list", no_argument, NULL, 'l' },
    { "idle", no_argument, NULL, 'i' },
    { "no-idle", no_argument, NULL, 'I' },
    { "gil", no_argument, NULL, 'g' },
    { "blocking", no_argument, NULL, 'b' },
    { "startup-timeout", required_argument, NULL, 'T' },
    { "stop-grace", required_argument, NULL, 'G' },
    { "command-output", required_argument, NULL, 'O' },
    { "subprocesses", no_argument, NULL, 's' },
    { "native", no_argument, NULL, 'n' },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
    { NULL, 0, NULL, 0 },
  };
  struct pyr_record_options ropts = { .rate_hz = 100, .keep_idle = true };
  struct pyr_err err = { 0 };
  static struct pyr_python py;
  const char *output = "-";
  const char *listen_address = NULL;
  bool output_given = false;
  double startup_timeout = 10;
  double stop_grace = 5;
  int command_output_fd = -1;
  bool dump = false;
  bool list = false;
  bool native = false;
  long pid = 0;
  char **command = NULL;
  pid_t child = 0;
  int child_status = -1;
  int opt, ret, out_fd = STDOUT_FILENO, exit_code = EXIT_OK;
  struct sigaction sa;

  while ((opt = getopt_long (argc, argv, "+p:r:d:o:hV", longopts, NULL)) != -1)
    {
      switch (opt)
        {
        case 'p':
          {
            char *end;
            errno = 0;
            pid = strtol (optarg, &end, 0);
            if (errno != 0 || *end != '\0' || pid <= 0 || pid > 0x3fffffff)
              {
                fprintf (stderr, "pyrometer-sampler: invalid process id '%s'\n", optarg);
                return EXIT_USAGE;
              }
          }
          break;
        case 'r':
          if (parse_double (optarg, &ropts.rate_hz) < 0 || !(ropts.rate_hz > 0)
              || ropts.rate_hz > 1e6)
            {
              fprintf (stderr, "pyrometer-sampler: invalid rate '%s' (1 to 1000000 Hz)\n", optarg);
              return EXIT_USAGE;
            }
          break;
        case 'd':
          if (parse_double (optarg, &ropts.duration_s) < 0 || !(ropts.duration_s > 0)
              || ropts.duration_s > 1e9)
            {
              fprintf (stderr, "pyrometer-sampler: invalid duration '%s'\n", optarg);
              return EXIT_USAGE;
            }
          break;
        case 'T':
          if (parse_double (optarg, &startup_timeout) < 0 || !(startup_timeout >= 0))
            {
              fprintf (stderr, "pyrometer-sampler: invalid start-up timeout '%s'\n", optarg);
              return EXIT_USAGE;
            }
          break;
        case 'G':
          if (parse_double (optarg, &stop_grace) < 0 || !(stop_grace >= 0) || stop_grace > 1e6)
            {
              fprintf (stderr, "pyrometer-sampler: invalid stop grace '%s'\n", optarg);
              return EXIT_USAGE;
            }
          break;
        case 'O':
          {
            char *end;
            long fd;

            errno = 0;
            fd = strtol (optarg, &end, 10);
            if (errno != 0 || *end != '\0' || end == optarg || fd < 0 || fd > 65535
                || fcntl ((int) fd, F_GETFD) < 0)
              {
                fprintf (stderr, "pyrometer-sampler: --command-output: '%s' is not an open file "
                                 "descriptor\n", optarg);
                return EXIT_USAGE;
              }
            command_output_fd = (int) fd;
          }
          break;
        case 'o':
          output = optarg;
          output_given = true;
          break;
        case 'D':
          dump = true;
          break;
        case 'l':
          list = true;
          break;
        case 'L':
          if (pyr_listen_parse (&listener, optarg, &err) < 0)
            {
              fprintf (stderr, "pyrometer-sampler: %s\n", err.msg);
              return EXIT_USAGE;
            }
          listen_address = optarg;
          break;
        case 'i':
          ropts.keep_idle = true;
          break;
        case 'I':
          ropts.keep_idle = false;
          break;
        case 'g':
          ropts.gil_only = true;
          break;
        case 'b':
          ropts.blocking = true;
          break;
        case 's':
          ropts.subprocesses = true;
          break;
        case 'n':
          if (!pyr_native_available ())
            {
              fprintf (stderr, "pyrometer-sampler: --native is not available: this build has "
                               "no libunwind (meson option -Dnative)\n");
              return EXIT_USAGE;
            }
          native = true;
          ropts.blocking = true;   /* the threads are stopped while they are unwound */
          break;
        case 'h':
          fputs (usage_text, stdout);
          return EXIT_OK;
        case 'V':
          printf ("pyrometer-sampler %s\n", PACKAGE_VERSION);
          return EXIT_OK;
        default:
          fprintf (stderr, "Try 'pyrometer-sampler --help' for more information.\n");
          return EXIT_USAGE;
        }
    }
  if (list)
    {
      if (pyr_list_write (stdout, NULL, &err) < 0)
        {
          fprintf (stderr, "pyrometer-sampler: %s\n", err.msg);
          return EXIT_ERROR;
        }
      return EXIT_OK;
    }
  if (optind < argc)
    command = argv + optind;
  if (command_output_fd >= 0 && command == NULL)
    {
      fprintf (stderr, "pyrometer-sampler: --command-output is for launch mode (-- COMMAND)\n");
      return EXIT_USAGE;
    }
  if ((pid != 0) == (command != NULL))
    {
      fprintf (stderr, "pyrometer-sampler: give either --pid PID or -- COMMAND\n"
                       "Try 'pyrometer-sampler --help' for more information.\n");
      return EXIT_USAGE;
    }

  memset (&sa, 0, sizeof sa);
  sa.sa_handler = on_stop_signal;
  sigemptyset (&sa.sa_mask);
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGHUP, &sa, NULL);
  signal (SIGPIPE, SIG_IGN);     /* a vanished reader is -EPIPE from the writer */
  ropts.stop = &stop_signal;

  if (listen_address != NULL && (output_given || dump))
    {
      fprintf (stderr, "pyrometer-sampler: --listen sends the stream to a client: it cannot be "
                       "combined with %s\n", dump ? "--dump" : "--output");
      return EXIT_USAGE;
    }
  if (listen_address != NULL)
    {
      atexit (close_listener);
      if (pyr_listen_open (&listener, &err) < 0)
        {
          print_error (&err);
          return EXIT_OUTPUT;
        }
      fprintf (stderr, "pyrometer-sampler: listening on %s\n", listener.where);
      if ((ret = pyr_listen_accept (&listener, &stop_signal, &err)) < 0)
        {
          if (ret == -EINTR)
            return EXIT_OK;
          print_error (&err);
          return EXIT_OUTPUT;
        }
      out_fd = listener.client_fd;
    }
  else if (!dump && strcmp (output, "-") != 0)
    {
      out_fd = open (output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (out_fd < 0)
        {
          fprintf (stderr, "pyrometer-sampler: cannot write %s: %s\n", output, strerror (errno));
          return EXIT_OUTPUT;
        }
    }
  else if (!dump && isatty (STDOUT_FILENO))
    {
      fprintf (stderr, "pyrometer-sampler: the stream is binary; give --output FILE or send "
                       "standard output to a pipe or file\n");
      return EXIT_USAGE;
    }

  if (command != NULL)
    {
      if (pyr_launch_start (command, dump ? -1 : out_fd, command_output_fd, &child, &err) < 0)
        {
          print_error (&err);
          return exit_code_for (err.code);
        }
      command_output_fd = -1;   /* the command's now */
      ropts.child = child;
      ropts.startup_timeout_s = startup_timeout;
      ret = pyr_launch_attach (&py, child, startup_timeout, 0, &stop_signal, &child_status, &err);
      if (ret == -PYR_EEXITED)
        {
          print_error (&err);
          return pyr_launch_exit_code (child_status);
        }
      if (ret < 0)
        {
          int code;

          if (ret != -EINTR)
            print_error (&err);
          /* the command was started only to be profiled: do not leave it behind */
          code = pyr_launch_finish (child, ret == -EINTR ? (int) stop_signal : SIGTERM,
                                    stop_grace, &stop_signal);
          return ret == -EINTR && code >= 0 ? code : exit_code_for (ret);
        }
    }
  else
    {
      ret = pyr_python_attach (&py, (pid_t) pid, &err);
      if (ret < 0)
        {
          print_error (&err);
          return exit_code_for (ret);
        }
    }

  if (dump)
    {
      static struct pyr_sample sample;
      ret = pyr_dump_print (&py, &sample, stdout, &err);
      if (ret < 0)
        {
          print_error (&err);
          exit_code = exit_code_for (ret);
        }
      pyr_python_detach (&py);
      if (child > 0)
        pyr_launch_finish (child, SIGTERM, stop_grace, &stop_signal);
      return exit_code;
    }

  {
    struct pyr_stream_writer *w;
    struct pyr_record_result res;

    if (listener.client_fd >= 0 && pyr_listen_begin_stream (&listener, &err) < 0)
      print_error (&err);   /* later clients wait in the queue instead of being refused */
    w = listener.client_fd >= 0 ? pyr_stream_writer_new_with_func (pyr_listen_write, &listener)
                                : pyr_stream_writer_new (out_fd);

    if (w == NULL)
      {
        fprintf (stderr, "pyrometer-sampler: out of memory\n");
        pyr_python_detach (&py);
        return EXIT_ERROR;
      }
    memset (&res, 0, sizeof res);
    res.child_status = -1;
    ret = native ? pyr_native_new (&ropts.native, &py, &err) : 0;
    if (ret == 0)
      ret = pyr_record_run (&py, w, &ropts, &res, &err);
    pyr_native_free (ropts.native);
    pyr_stream_writer_free (w);
    pyr_python_detach (&py);
    if (out_fd != STDOUT_FILENO)
      close (out_fd);
    if (ret < 0)
      {
        print_error (&err);
        exit_code = exit_code_for (ret);
      }
    if (getenv ("PYROMETER_SAMPLER_REPORT") != NULL && res.samples > 0)
      fprintf (stderr, "samples %llu, errors %llu (after %llu retries), late %llu, lag max %.1f us, "
               "cpu per sample %.2f us, busy per sample %.2f us\n",
               (unsigned long long) res.samples, (unsigned long long) res.errors,
               (unsigned long long) py.retries,
               (unsigned long long) res.late, res.lag_max_ns / 1e3,
               res.cpu_ns / 1e3 / (double) res.samples, res.busy_ns / 1e3 / (double) res.samples);

    if (child > 0)
      {
        int first_signal, code;

        if (res.child_status >= 0)
          return ret < 0 ? exit_code : pyr_launch_exit_code (res.child_status);
        /* the recording ended before the command: the command ends too, gently first */
        if (ret == -EPIPE)
          first_signal = SIGHUP;         /* its viewer went away, like a closed terminal */
        else if (res.end_reason == PYR_STREAM_END_SIGNAL)
          first_signal = (int) res.end_code;
        else if (res.end_reason == PYR_STREAM_END_TARGET_EXITED)
          first_signal = 0;              /* it is ending by itself */
        else
          first_signal = SIGINT;         /* --duration is over, or the sampler failed */
        code = pyr_launch_finish (child, first_signal, stop_grace, &stop_signal);
        return exit_code != EXIT_OK ? exit_code : code < 0 ? EXIT_ERROR : code;
      }
  }
  return exit_code;
}
