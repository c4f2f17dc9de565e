# SPDX-License-Identifier: GPL-3.0-or-later
"""Target: one thread spinning at one known line under a known call chain.

Stack, root first: <module> -> main -> outer -> middle -> spin, all in this file;
the leaf is always the line marked "spin".  Only the main thread runs.
Usage: spin.py [--seconds N]
"""
import pyrometer_target


def spin():
    x = 0
    while True: x += 1  # pyrometer-target: spin


def middle():
    spin()  # pyrometer-target: middle


def outer():
    middle()  # pyrometer-target: outer


def main():
    pyrometer_target.parse_args(__doc__)
    pyrometer_target.ready()
    outer()  # pyrometer-target: main


main()  # pyrometer-target: module
