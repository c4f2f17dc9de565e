# SPDX-License-Identifier: GPL-3.0-or-later
"""Print the stacks a target program really has once it is ready (not a target itself).

usage: PYTHON stackcheck.py TARGET [ARGS...]

Runs TARGET as __main__ in this process, waits for its "ready" line, then reads every
thread's stack with sys._current_frames() a few times and prints one JSON object per
line: {"THREAD NAME": [[FUNCTION, LINE], ...root first], ...}, keeping only the frames
of TARGET's file.  Then it exits with status 0.  check-targets compares this with what
each target's docstring and markers promise, on every interpreter.  Not usable with
multiproc.py's spawn method (the child would re-run this file).
"""
import json
import os
import runpy
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SNAPSHOTS = 5


def stacks(target, me):
    names = {t.ident: t.name for t in threading.enumerate()}
    out = {}
    for ident, frame in sys._current_frames().items():
        if ident == me:
            continue
        chain = []
        while frame is not None:
            code = frame.f_code
            if code.co_filename == target:
                chain.append([getattr(code, "co_qualname", code.co_name), frame.f_lineno])
            frame = frame.f_back
        out[names.get(ident, str(ident))] = chain[::-1]
    return out


def main():
    target = os.path.abspath(sys.argv[1])
    sys.argv = [target] + sys.argv[2:]
    sys.path.insert(0, os.path.dirname(target))
    import pyrometer_target

    is_ready = threading.Event()
    announce = pyrometer_target.ready

    def ready(*extra):
        announce(*extra)
        is_ready.set()

    pyrometer_target.ready = ready

    def observe():
        status = 3
        try:
            if is_ready.wait(120):
                time.sleep(0.2)
                me = threading.get_ident()
                for _ in range(SNAPSHOTS):
                    print(json.dumps(stacks(target, me)), flush=True)
                    time.sleep(0.05)
                status = 0
        finally:
            os._exit(status)

    threading.Thread(target=observe, name="stackcheck", daemon=True).start()
    runpy.run_path(target, run_name="__main__")
    time.sleep(60)  # the target returned early: let observe() report what is left
    os._exit(4)


main()
