# SPDX-License-Identifier: GPL-3.0-or-later
# A known stack for the sampler tests: main -> outer -> middle -> spin, spinning on one line,
# plus a thread named "sleepy" that sleeps.  Prints "ready PID" once both run.
# Usage: spin.py [SECONDS EXIT_CODE]  (exit with EXIT_CODE after SECONDS; default: run forever)
import os
import sys
import threading
import time


def spin():
    x = 0
    while True: x += 1  # pyrometer-target: spin


def middle():
    spin()  # pyrometer-target: middle


def outer():
    middle()  # pyrometer-target: outer


def sleeper():
    while True:
        time.sleep(1)  # pyrometer-target: sleep


def main():
    t = threading.Thread(target=sleeper, name="sleepy", daemon=True)
    t.start()
    if len(sys.argv) > 2:
        threading.Timer(float(sys.argv[1]), os._exit, (int(sys.argv[2]),)).start()
    print("ready", os.getpid(), flush=True)
    outer()  # pyrometer-target: main


main()  # pyrometer-target: module
