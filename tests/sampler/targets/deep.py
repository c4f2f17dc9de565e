# SPDX-License-Identifier: GPL-3.0-or-later
# A 50-frame stack spinning at the bottom, for the sampler's cost benchmark.
# Usage: deep.py [DEPTH]   (default 50 frames in all, counting <module> and main)
import os
import sys


def recurse(n):
    if n > 0:
        recurse(n - 1)  # pyrometer-target: recurse
    else:
        x = 0
        while True: x += 1  # pyrometer-target: bottom


def main():
    depth = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    print("ready", os.getpid(), flush=True)
    recurse(depth - 3)  # pyrometer-target: main


main()  # pyrometer-target: module
