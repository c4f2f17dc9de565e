# SPDX-License-Identifier: GPL-3.0-or-later
"""Target: a stack of exactly 50 Python frames spinning at the bottom (sampler cost benchmark).

Stack, root first: <module> (marker "module") -> main ("main") -> 48 x recurse
("recurse", the innermost at "bottom").  --depth changes the total frame count.
Usage: deep50.py [--seconds N] [--depth FRAMES]
"""
import pyrometer_target


def recurse(n):
    if n > 1:
        recurse(n - 1)  # pyrometer-target: recurse
    else:
        x = 0
        while True: x += 1  # pyrometer-target: bottom


def main():
    args = pyrometer_target.parse_args(__doc__, lambda p: p.add_argument(
        "--depth", type=int, default=50, help="total Python frames, <module> and main included"))
    pyrometer_target.ready()
    recurse(args.depth - 2)  # pyrometer-target: main


main()  # pyrometer-target: module
