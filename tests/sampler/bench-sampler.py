#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Prints what pyrometer-sampler costs, per interpreter of the test matrix, as a table.

For each interpreter a target holds a 50-frame stack spinning at the bottom (targets/deep.py):
  read      CPU time of one sample read back to back (bench-sample: the stack walk alone)
  syscalls  process_vm_readv calls per sample
  loop@HZ   CPU time per sample of the whole sampler at HZ (timer wake-ups, writing included),
            the share of samples later than one mean interval, and stream bytes per sample
Then, per interpreter, a second table:
  70/30     the shares of seventy() and thirty() in samples of tests/targets/split_70_30.py at
            1000 Hz (the target's own measure by thread CPU time beside it)
  slowdown  a loop's iterations per second while sampled at 100 and 1000 Hz, against unsampled

usage: bench-sampler.py [--seconds S] [--only NAME,...]
Needs PYROMETER_SOURCE_ROOT and PYROMETER_BUILD_ROOT (meson benchmark sets them).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

src = os.environ.get("PYROMETER_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
build = os.environ.get("PYROMETER_BUILD_ROOT", os.path.join(src, "build"))
sampler = os.path.join(build, "src", "sampler", "pyrometer-sampler")
bench = os.path.join(build, "tests", "sampler", "bench-sample")
deep = os.path.join(src, "tests", "sampler", "targets", "deep.py")


def interpreters():
    script = os.path.join(src, "build-aux", "pythons")
    found = []
    if os.access(script, os.X_OK):
        out = subprocess.run([script, "list"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            f = line.split("\t")
            if len(f) >= 3:
                found.append((f[0], f[1], f[2:]))
    if not found and os.access("/usr/bin/python3.11", os.X_OK):
        found.append(("3.11-static", "3.11", ["/usr/bin/python3.11"]))
    return found


def start(argv):
    p = subprocess.Popen(argv + [deep], stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    m = re.match(r"ready (\d+)", line)
    if not m:
        p.kill()
        return None, None
    return p, int(m.group(1))


def table(header, rows):
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)] if rows else []
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths)))
    print("-|-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(str(x).ljust(w) for x, w in zip(row, widths)))


COUNTER = """
import os, sys, time
print("ready", os.getpid(), flush=True)
sys.stdin.readline()
n = 0
end = time.thread_time() + float(sys.argv[1])
while True:
    for _ in range(10000):
        n += 1
    if time.thread_time() > end:
        break
print(n, flush=True)
"""


def iterations(argv, seconds, rate):
    p = subprocess.Popen(argv + ["-c", COUNTER, str(seconds)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    pid = int(p.stdout.readline().split()[1])
    s = None
    if rate:
        s = subprocess.Popen([sampler, "--pid", str(pid), "--rate", str(rate), "--output",
                              os.devnull])
        time.sleep(0.3)
    p.stdin.write("\n")
    p.stdin.flush()
    n = int(p.stdout.readline())
    p.wait()
    if s:
        s.terminate()
        s.wait()
    return n


def accuracy_and_slowdown(name, version, argv, seconds):
    split = os.path.join(src, "tests", "targets", "split_70_30.py")
    row = [name + " (" + version + ")"]
    if os.path.exists(split):
        verify = subprocess.run(argv + [split, "--verify", str(seconds)], capture_output=True,
                                text=True).stdout.split()
        p = subprocess.Popen(argv + [split], stdout=subprocess.PIPE, text=True)
        pid = int(p.stdout.readline().split()[1])
        out = subprocess.run([bench, str(pid), "--shares", "1000", str(seconds), "seventy",
                              "thirty"], capture_output=True, text=True).stdout.split()
        p.kill()
        p.wait()
        row += ["%s / %s" % (out[1], out[3]) if len(out) > 3 else "?",
                "%s / %s" % (verify[1], verify[3]) if len(verify) > 3 else "?"]
    else:
        row += ["-", "-"]
    # CPU-time based, so other load on the machine matters less; best of three
    base = max(iterations(argv, seconds, 0) for _ in range(3))
    for rate in (100, 1000):
        n = max(iterations(argv, seconds, rate) for _ in range(3))
        row.append("%+.1f%%" % (100.0 * (base - n) / base))
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=3)
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    only = set(filter(None, args.only.split(",")))
    rates = [100, 1000, 10000]

    header = ["python", "read µs", "syscalls"]
    for r in rates:
        header += ["cpu µs @%d" % r, "late @%d" % r, "B/sample @%d" % r]
    rows = []
    for name, version, argv in interpreters():
        if only and name not in only:
            continue
        proc, pid = start(argv)
        if proc is None:
            continue
        try:
            time.sleep(0.3)
            out = subprocess.run([bench, str(pid), "20000"], capture_output=True, text=True).stdout
            m = re.search(r"cpu/sample ([\d.]+) us .*reads/sample ([\d.]+)", out)
            row = [name + " (" + version + ")", m.group(1) if m else "?", m.group(2) if m else "?"]
            for r in rates:
                with tempfile.NamedTemporaryFile(suffix=".pyrometer") as f:
                    env = dict(os.environ, PYROMETER_SAMPLER_REPORT="1")
                    res = subprocess.run([sampler, "--pid", str(pid), "--rate", str(r),
                                          "--duration", str(args.seconds), "--output", f.name],
                                         capture_output=True, text=True, env=env)
                    m = re.search(r"samples (\d+), errors (\d+) \(after \d+ retries\), late (\d+).*cpu per sample ([\d.]+)",
                                  res.stderr)
                    size = os.path.getsize(f.name)
                if m:
                    n = int(m.group(1))
                    row += [m.group(4), "%.1f%%" % (100.0 * int(m.group(3)) / max(n, 1)),
                            "%.1f" % (size / max(n, 1))]
                else:
                    row += ["?", "?", "?"]
            rows.append(row)
        finally:
            proc.kill()
            proc.wait()

    table(header, rows)
    print()
    table(["python", "70/30 sampled", "70/30 by CPU time", "slowdown @100", "slowdown @1000"],
          [accuracy_and_slowdown(name, version, argv, args.seconds)
           for name, version, argv in interpreters() if not only or name in only])
    try:
        load = os.getloadavg()[0]
        print("\nload average %.1f on %d CPUs while measuring" % (load, os.cpu_count()))
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
