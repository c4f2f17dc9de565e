# SPDX-License-Identifier: GPL-3.0-or-later
"""Target: two functions splitting the CPU time 70/30.

The main thread repeats: seventy() then thirty().  Both run the same loop body, so
their cost is proportional to their iterations, 7 : 3 per round (20,000
iterations a round).  The split is set by the work done, not by a clock, so it holds
at any sampling rate and on any machine.  Expected shares of samples:
  seventy at "seventy" (caller main at "call-seventy")  70 %
  thirty at "thirty"   (caller main at "call-thirty")   30 %
--verify S measures the split for S seconds with time.thread_time (CPU time of this
thread, so it does not depend on the machine's load), prints
"seventy PERCENT thirty PERCENT" and exits, without printing "ready".
Usage: split_70_30.py [--seconds N] [--verify S]
"""
import time

import pyrometer_target

ROUND = 2000  # loop iterations per tenth of a round


def seventy(tenths):
    x = 0
    for i in range(tenths * ROUND): x += i  # pyrometer-target: seventy
    return x


def thirty(tenths):
    x = 0
    for i in range(tenths * ROUND): x += i  # pyrometer-target: thirty
    return x


def verify(seconds, rounds=10):
    # Blocks of rounds keep the cost of reading the clock out of the measure.
    spent = [0.0, 0.0]
    clock = time.thread_time
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t0 = clock()
        for _ in range(rounds):
            seventy(7)
        t1 = clock()
        for _ in range(rounds):
            thirty(3)
        t2 = clock()
        spent[0] += t1 - t0
        spent[1] += t2 - t1
    total = spent[0] + spent[1]
    print("seventy %.2f thirty %.2f" % (100 * spent[0] / total, 100 * spent[1] / total), flush=True)


def main():
    args = pyrometer_target.parse_args(__doc__, lambda p: p.add_argument(
        "--verify", type=float, default=None, metavar="S", help="measure the split and exit"))
    if args.verify is not None:
        verify(args.verify)
        return
    pyrometer_target.ready()
    while True:
        seventy(7)  # pyrometer-target: call-seventy
        thirty(3)  # pyrometer-target: call-thirty


main()  # pyrometer-target: module
