# SPDX-License-Identifier: GPL-3.0-or-later
"""Target: a generator and an asyncio coroutine on the stack while busy.

Stack, root first: <module> ("module") -> main ("main") -> asyncio's event loop
(asyncio.run ... Task step, in the standard library) -> consume, an async def
coroutine running as a Task ("consume", the line of its for loop) -> produce, a
generator ("produce", spinning inside its second next()).
Usage: generators.py [--seconds N]
"""
import asyncio

import pyrometer_target


def produce():
    yield 0
    x = 0
    while True: x += 1  # pyrometer-target: produce


async def consume():
    await asyncio.sleep(0)  # from here on the coroutine runs inside the event loop
    pyrometer_target.ready()
    for _ in produce():  # pyrometer-target: consume
        pass


def main():
    pyrometer_target.parse_args(__doc__)
    asyncio.run(consume())  # pyrometer-target: main


main()  # pyrometer-target: module
