#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""pyrometer-sampler --native against itself without --native and against py-spy --native:
prints one markdown table.

usage: bench/bench-native.py [--sampler PATH] [--py-spy PATH] [--python NAME] [--seconds S]
                             [--rate HZ] [--repeat N]

A target (CPython from `build-aux/pythons`, default 3.11-static) runs a fixed unit of work in a
loop, half Python bytecode and half C (zlib.crc32 over 64 KiB), for --seconds, and prints how
many units it finished.  Each configuration attaches to a fresh target for its whole run:

  none              no sampler: the baseline
  ours              pyrometer-sampler (non-blocking, Python frames only)
  ours --blocking   threads stopped for each sample, Python frames only
  ours --native     threads stopped, C stacks unwound and merged
  py-spy            py-spy record (its default: blocking, Python frames only)
  py-spy --native   py-spy record --native

Columns: samples taken; the sampler's CPU time (user + system, from wait4) per sample, in
microseconds; busy per sample: pyrometer-sampler's wall time per sample (reading the target and
writing; with --blocking/--native the target is stopped for part of it); target CPU per unit:
the target's own CPU time (wait4) per unit of work relative to the baseline run of the same
round (configurations run in turn, round after round), so 1.10 = 10 % slower.  CPU time, not
wall time: on a machine shared with other work, wall-clock throughput varies by tens of percent
from run to run, which would hide the samplers' cost; time spent stopped is not in it (see busy).  Samples are pyrometer-sampler's
sampling rounds (PYROMETER_SAMPLER_REPORT) and the sum of py-spy's raw counts (one thread, so
the same thing).  Numbers are medians over --repeat runs; on a busy machine expect noise of a
few percent in the slowdown.

py-spy comes from `pip install py-spy`; looked up on PATH or given with --py-spy, its rows are
left out when it is missing.  Runs as root or with ptrace allowed (Yama ptrace_scope 0, or the
target allows its tracer).
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHONS = os.path.join(ROOT, "build-aux", "pythons")

TARGET = r"""
import ctypes, os, signal, sys, zlib
try:
    ctypes.CDLL(None).prctl(0x59616d61, ctypes.c_long(-1), 0, 0, 0)   # any tracer (Yama)
except Exception:
    pass
data = bytes(range(256)) * 256
stop = False
def on_alarm(*a):
    global stop
    stop = True
def python_part():
    n = 0
    for i in range(3000):
        n += i * i
    return n
def c_part():
    return zlib.crc32(data)
def unit():
    python_part()
    c_part()
print("ready", os.getpid(), flush=True)
sys.stdin.readline()                      # go
signal.signal(signal.SIGALRM, on_alarm)
signal.setitimer(signal.ITIMER_REAL, float(sys.argv[1]))
units = 0
while not stop:
    unit()
    units += 1
print(units, flush=True)
sys.stdin.readline()                      # the sampler has stopped: exit
"""


def interpreter(name):
    out = subprocess.run([PYTHONS, "list"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        f = line.split("\t")
        if f[0] == name:
            return f[2:]
    sys.exit("no interpreter %s in build-aux/pythons list" % name)


def run_one(py, seconds, sampler_argv):
    """Returns (units per target CPU second, samples, sampler CPU seconds, busy us per sample)
    for one fresh target."""
    t = subprocess.Popen(py + ["-c", TARGET, str(seconds)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    line = t.stdout.readline()
    assert line.startswith("ready"), line
    s = None
    out = None
    if sampler_argv is not None:
        fd, out = tempfile.mkstemp()
        os.close(fd)
        argv = [a.replace("{pid}", str(t.pid)).replace("{out}", out)
                     .replace("{secs}", str(int(seconds + 1))) for a in sampler_argv]
        env = dict(os.environ, PYROMETER_SAMPLER_REPORT="1")
        s = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                             text=True)
        time.sleep(0.5)   # attached and sampling before the work starts
    t.stdin.write("\n")
    t.stdin.flush()
    units = int(t.stdout.readline())
    samples, cpu, busy = 0, 0.0, float("nan")
    if s is not None:
        if "py-spy" not in os.path.basename(argv[0]):
            s.send_signal(2)
        _, status, ru = os.wait4(s.pid, 0)
        s.returncode = os.waitstatus_to_exitcode(status)
        err = s.stderr.read()
        cpu = ru.ru_utime + ru.ru_stime
        m = re.search(r"samples (\d+),", err)
        if m:
            samples = int(m.group(1))
            b = re.search(r"busy per sample ([0-9.]+) us", err)
            busy = float(b.group(1)) if b else busy
        else:
            with open(out) as f:
                for l in f:
                    c = l.rsplit(" ", 1)
                    if len(c) == 2 and c[1].strip().isdigit():
                        samples += int(c[1])
        os.unlink(out)
    t.stdin.write("\n")
    t.stdin.flush()
    _, _, tru = os.wait4(t.pid, 0)
    t.returncode = 0
    return units / (tru.ru_utime + tru.ru_stime), samples, cpu, busy


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sampler", default=os.path.join(ROOT, "build", "src", "sampler",
                                                      "pyrometer-sampler"))
    ap.add_argument("--py-spy", default=shutil.which("py-spy"))
    ap.add_argument("--python", default="3.11-static")
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--rate", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=1)
    a = ap.parse_args()
    py = interpreter(a.python)
    r = str(a.rate)
    configs = [
        ("none", None),
        ("ours", [a.sampler, "-p", "{pid}", "-r", r, "-o", "{out}"]),
        ("ours --blocking", [a.sampler, "-p", "{pid}", "-r", r, "--blocking", "-o", "{out}"]),
        ("ours --native", [a.sampler, "-p", "{pid}", "-r", r, "--native", "-o", "{out}"]),
    ]
    if a.py_spy:
        base = [a.py_spy, "record", "-p", "{pid}", "-r", r, "-d", "{secs}", "-f", "raw", "-o",
                "{out}"]
        configs += [("py-spy", base), ("py-spy --native", base + ["--native"])]
    rows = {}
    for _ in range(a.repeat):
        for name, argv in configs:
            rows.setdefault(name, []).append(run_one(py, a.seconds, argv))
    baseline = statistics.median(u for u, _, _, _ in rows["none"])
    print("Target: CPython %s, %.0f s of work per run, %d Hz, median of %d run(s); baseline "
          "%.0f units per CPU second." % (a.python, a.seconds, a.rate, a.repeat, baseline))
    print()
    print("| sampler | samples | sampler CPU per sample (us) | busy per sample (us) "
          "| target CPU per unit |")
    print("|---|---:|---:|---:|---:|")
    for name, _ in configs:
        runs = rows[name]
        if name == "none":
            print("| none | - | - | - | 1.00 |")
            continue
        # against the baseline of the same round: the machine's load drifts between rounds
        slow = statistics.median(b / u for (u, _, _, _), (b, _, _, _) in zip(runs, rows["none"]))
        per = statistics.median((c / s * 1e6) if s else float("nan") for _, s, c, _ in runs)
        samples = statistics.median(s for _, s, _, _ in runs)
        busy = statistics.median(b for _, _, _, b in runs)
        print("| %s | %d | %.0f | %s | %.2f |" % (name, samples, per,
                                                  "-" if busy != busy else "%.0f" % busy, slow))
    return 0


if __name__ == "__main__":
    sys.exit(main())
