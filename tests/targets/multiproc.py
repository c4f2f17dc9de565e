# SPDX-License-Identifier: GPL-3.0-or-later
"""Target: a multiprocessing child doing known busy work.

The parent starts one child with the given start method (fork or spawn; default
fork; not forkserver, whose server outlives a killed parent), waits until it runs, prints "ready PARENT_PID child CHILD_PID" and
waits in Process.join:
  parent: main at "join" (then multiprocessing internals)
  child:  child_work at "child" (its callers are multiprocessing internals; with fork
          they include main at "start" of the parent's copied stack)
The child dies with the parent (PR_SET_PDEATHSIG), so killing the parent is enough.
Usage: multiproc.py [--seconds N] [--start-method fork|spawn]
"""
import ctypes
import multiprocessing
import os
import signal

import pyrometer_target

PR_SET_PDEATHSIG = 1


def child_work(started, parent):
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(0)  # the parent died before the request above took effect
    started.send(True)
    started.close()
    x = 0
    while True: x += 1  # pyrometer-target: child


def main():
    args = pyrometer_target.parse_args(__doc__, lambda p: p.add_argument(
        "--start-method", choices=("fork", "spawn"), default="fork"))
    context = multiprocessing.get_context(args.start_method)
    ready_r, started = context.Pipe(duplex=False)
    child = context.Process(target=child_work, name="busy-child", args=(started, os.getpid()))
    child.start()  # pyrometer-target: start
    if not ready_r.poll(60) or not ready_r.recv():
        raise SystemExit("the child did not start")
    pyrometer_target.ready("child", child.pid)
    child.join()  # pyrometer-target: join


if __name__ == "__main__":
    main()  # pyrometer-target: module
