# SPDX-License-Identifier: GPL-3.0-or-later
"""Target: busy for a given time, then exits with a given status (or dies by a signal).

Stack while busy: <module> ("module") -> main ("main") -> work ("work").
After --seconds (default 1) it calls sys.exit(--status) (default 3), or with
--signal NAME (e.g. TERM) kills itself with that signal instead.
Usage: exits.py [--seconds S] [--status N] [--signal NAME]
"""
import argparse
import os
import signal
import sys
import time

import pyrometer_target


def work(until):
    x = 0
    while time.monotonic() < until: x += 1  # pyrometer-target: work


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=1.0, help="busy time before exiting")
    parser.add_argument("--status", type=int, default=3, help="exit status")
    parser.add_argument("--signal", default=None, help="die by this signal instead (TERM, KILL...)")
    args = parser.parse_args()
    pyrometer_target.ready()
    work(time.monotonic() + args.seconds)  # pyrometer-target: main
    sys.stdout.flush()
    if args.signal:
        os.kill(os.getpid(), getattr(signal, "SIG" + args.signal.upper().replace("SIG", "", 1)))
    sys.exit(args.status)


main()  # pyrometer-target: module
