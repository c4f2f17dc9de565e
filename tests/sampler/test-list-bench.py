#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""How long `pyrometer-sampler --list` takes: the machine as it is, with 500 extra `sleep`
processes, and with 50 extra idle Pythons on top.  Prints a table (wall time of the whole run,
median and minimum of 20, and the sampler's CPU time); never fails on a number.

usage: test-list-bench.py [SAMPLER]
"""
import os
import resource
import statistics
import subprocess
import sys
import time

ROOT = os.environ.get("PYROMETER_BUILD_ROOT", "build")
SAMPLER = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "src", "sampler", "pyrometer-sampler")


def measure(runs=20):
    wall = []
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    pythons = 0
    for _ in range(runs):
        start = time.perf_counter()
        out = subprocess.run([SAMPLER, "--list"], capture_output=True, text=True, check=True).stdout
        wall.append((time.perf_counter() - start) * 1000)
        pythons = out.count('"type":"process"')
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = ((cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)) * 1000 / runs
    return statistics.median(wall), min(wall), cpu, pythons


def processes():
    return sum(1 for d in os.listdir("/proc") if d.isdigit())


def row(label):
    median, best, cpu, pythons = measure()
    print(f"{label:<34} {processes():>9} {pythons:>7} {median:>9.1f} {best:>9.1f} {cpu:>9.1f}", flush=True)


def main():
    if not os.access(SAMPLER, os.X_OK):
        print(f"no sampler at {SAMPLER}")
        return 77
    print(f"{'':<34} {'processes':>9} {'Python':>7} {'median ms':>9} {'min ms':>9} {'CPU ms':>9}")
    row("this machine")
    extra = []
    try:
        extra += [subprocess.Popen(["sleep", "600"]) for _ in range(500)]
        time.sleep(0.5)
        row("+500 sleep")
        extra += [subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
                  for _ in range(50)]
        time.sleep(3)
        row("+500 sleep, +50 idle python")
    finally:
        for p in extra:
            p.kill()
            p.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
