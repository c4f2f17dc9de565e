# SPDX-License-Identifier: GPL-3.0-or-later
"""Target: recursion 500 frames deep, then spinning at the bottom.

Stack, root first: <module> ("module") -> main ("main") -> 500 x descend: the outer
499 at "descend", the innermost at "bottom".  --depth changes the number of descend
frames (the recursion limit is raised to fit).
Usage: recursion.py [--seconds N] [--depth N]
"""
import sys

import pyrometer_target


def descend(n):
    if n > 1:
        descend(n - 1)  # pyrometer-target: descend
    else:
        x = 0
        while True: x += 1  # pyrometer-target: bottom


def main():
    args = pyrometer_target.parse_args(__doc__, lambda p: p.add_argument(
        "--depth", type=int, default=500, help="number of descend frames"))
    sys.setrecursionlimit(max(sys.getrecursionlimit(), args.depth + 100))
    pyrometer_target.ready()
    descend(args.depth)  # pyrometer-target: main


main()  # pyrometer-target: module
