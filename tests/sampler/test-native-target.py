# SPDX-License-Identifier: GPL-3.0-or-later
"""Target for test-native.py: known Python and native stacks.

  sleep   main -> <module> -> outer -> sleeper -> time.sleep (a native sleep at the leaf)
  qsort   <module> -> sort_them -> libc qsort (C) -> compare (Python callback, via ctypes)
  clock   <module> -> ticker -> spin -> time.monotonic -> clock_gettime -> the vDSO
  fork    the clock loop, and a forked child running the sleep loop (for --subprocesses);
          the child dies with its parent

Prints "ready PID" once in its loop; --seconds N exits with status 0 N seconds later.
"""
import ctypes
import ctypes.util
import os
import signal
import sys
import time

PR_SET_PTRACER = 0x59616d61
PR_SET_PTRACER_ANY = -1
PR_SET_PDEATHSIG = 1


def compare(a, b):
    x = 0
    for i in range(300):
        x += i
    return a[0] - b[0]


def sort_them(libc, cmp):
    arr = (ctypes.c_int * 32)(*range(32, 0, -1))
    libc.qsort(arr, 32, ctypes.sizeof(ctypes.c_int), cmp)


def spin():
    while True:
        time.monotonic()


def ticker():
    spin()


def sleeper():
    while True:
        time.sleep(0.02)


def outer():
    sleeper()


def main():
    mode = sys.argv[1]
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    # Yama ptrace_scope 1: let any process of this user trace us
    libc.prctl(PR_SET_PTRACER, ctypes.c_long(PR_SET_PTRACER_ANY), 0, 0, 0)
    if len(sys.argv) > 3 and sys.argv[2] == "--seconds":
        signal.signal(signal.SIGALRM, lambda *a: os._exit(0))
        signal.setitimer(signal.ITIMER_REAL, float(sys.argv[3]))
    print("ready", os.getpid(), flush=True)
    if mode == "fork" and os.fork() == 0:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() == 1:
            os._exit(0)
        outer()
    if mode == "sleep":
        outer()
    elif mode in ("clock", "fork"):
        ticker()
    else:
        CMP = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_int),
                               ctypes.POINTER(ctypes.c_int))
        cmp = CMP(compare)
        while True:
            sort_them(libc, cmp)


main()
