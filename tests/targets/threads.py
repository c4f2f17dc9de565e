# SPDX-License-Identifier: GPL-3.0-or-later
"""Target: named threads, one sleeping (idle) and one busy, the main thread waiting.

Threads and their leaf frames in this file:
  "MainThread"  main at "join" (blocked in Thread.join, so idle too; the leaf frames are
                in threading.py)
  "sleeper"     sleeper at "sleep" (in time.sleep: idle)
  "busy"        busy at "busy" (spinning: never idle)
Usage: threads.py [--seconds N]
"""
import threading
import time

import pyrometer_target


def sleeper(started):
    started.set()
    while True:
        time.sleep(3600)  # pyrometer-target: sleep


def busy(started):
    started.set()
    x = 0
    while True: x += 1  # pyrometer-target: busy


def main():
    pyrometer_target.parse_args(__doc__)
    threads = []
    for name, function in (("sleeper", sleeper), ("busy", busy)):
        started = threading.Event()
        t = threading.Thread(target=function, args=(started,), name=name, daemon=True)
        t.start()
        started.wait()
        threads.append(t)
    time.sleep(0.05)  # let the sleeper reach time.sleep
    pyrometer_target.ready()
    threads[1].join()  # pyrometer-target: join


main()  # pyrometer-target: module
