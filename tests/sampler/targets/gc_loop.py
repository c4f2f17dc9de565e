# SPDX-License-Identifier: GPL-3.0-or-later
# The garbage collector's flag for the sampler tests.  Prints "ready PID", then:
#   gc_loop.py collect   calls gc.collect() over and over on a large live heap, so the
#                        interpreter is collecting nearly all the time
#   gc_loop.py quiet     spins on integers (nothing tracked by the GC: it never runs)
import gc
import os
import sys


class Node:
    pass


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "collect"
    keep = [[Node() for _ in range(50)] for _ in range(2000)]   # makes each collection long
    print("ready", os.getpid(), flush=True)
    if mode == "collect":
        while True:
            gc.collect()
    x = 0
    while True:
        x += 1
    return keep


main()
