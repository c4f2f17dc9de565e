# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared plumbing of the target programs in tests/targets (not a target itself).

Every target accepts --seconds N (exit with status 0 N seconds after it is ready;
default: run until killed) and prints "ready PID" on stdout, flushed, once it has
reached its steady state.  Nothing here is on a target's stack in that state: the time limit
is a SIGALRM timer, not a thread or a check inside the measured loops.
Runs on CPython 3.9 and later.
"""
import argparse
import os
import signal
import sys

_seconds = None  # --seconds, armed by ready()


def parse_args(description, add_arguments=None, argv=None):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--seconds", type=float, default=None,
                        help="exit with status 0 this many seconds after printing ready "
                             "(default: run until killed)")
    if add_arguments:
        add_arguments(parser)
    args = parser.parse_args(argv)
    global _seconds
    _seconds = args.seconds
    return args


def exit_after(seconds, status):
    """Exit with status after seconds, whatever the main thread is doing."""
    def on_alarm(signum, frame):
        sys.stdout.flush()
        os._exit(status)

    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))


def ready(*extra):
    """Announce the steady state; from now on --seconds counts."""
    if _seconds is not None:
        exit_after(_seconds, 0)
    print(" ".join(["ready", str(os.getpid())] + [str(e) for e in extra]), flush=True)
