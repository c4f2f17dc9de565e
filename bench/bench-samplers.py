#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""pyrometer-sampler side by side with py-spy and Austin: prints one markdown table.

  bench-samplers.py [--build DIR] [--pythons 3.11-static,3.14] [--quick]
                    [--sampler PATH] [--cli PATH] [--py-spy PATH] [--austin PATH]

Same target process, same rate, same machine, same run, one sampler at a time:

  1. sampler CPU per sample: user+sys of the sampler process (wait4 rusage) divided by the
     samples its output holds; tests/targets/deep50.py (one thread, 50 frames), 100 and
     1000 Hz.  Start-up (symbol loading etc.) is included: it is what a user pays.  Beside
     it, the floor (tests/sampler/bench-wakeup: the same waiting with no sampling) and each
     sampler's 1000 Hz CPU above the floor of its way of waiting, since on a VM a wake-up
     alone can cost more than a sample.
  2. sustained rate: 10,000 Hz asked for; samples/s achieved, and for ours the share of late
     samples from the stream's last STATS record.
  3. target slowdown: an inline workload (50-frame stack, a counting loop reporting its
     progress every 50 ms) is measured in windows without sampling and with each sampler at
     100 and 1000 Hz, interleaved, repeated; median and min..max of the slowdown.
  4. accuracy: tests/targets/split_70_30.py at 1000 Hz; shares of seventy / thirty among all
     samples (ours from `pyrometer-cli report --json`, py-spy from its raw folded output,
     Austin from its MOJO output).
  5. output bytes per sample with the repeated 50-frame stack (the 1000 Hz runs of 1.).

Columns: pyrometer-sampler; py-spy record --nonblocking; py-spy record (its default, which
stops the target for every sample); austin (its default: wall time, non-blocking).  A
sampler that is missing says "not installed"; one that cannot read an interpreter says why.

py-spy and Austin come from `pip install py-spy austin-dist`; they are looked up on PATH or
given with --py-spy/--austin.  The austin-dist binary needs glibc 2.38: on an older system
it is run through the dynamic loader of one of the interpreters `build-aux/pythons` fetched
(sid's), which is reported.  Interpreters are named as in `build-aux/pythons list --local`.
Python 3 standard library only.  Attaching needs ptrace rights (root, or Yama scope 0).
"""

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TARGETS = os.path.join(ROOT, "tests", "targets")

SAMPLERS = ["ours", "pyspy-nb", "pyspy-b", "austin"]
TITLES = {
    "ours": "pyrometer-sampler",
    "pyspy-nb": "py-spy --nonblocking",
    "pyspy-b": "py-spy (default: blocking)",
    "austin": "austin (default)",
}

WORKLOAD = r'''
import sys, time
def work(depth):
    if depth > 2:
        return work(depth - 1)
    n = 0
    clock = time.monotonic
    nxt = clock() + 0.05
    out = sys.stdout
    while True:
        x = 0
        for i in range(1000):
            x += i
        n += 1
        t = clock()
        if t >= nxt:
            out.write("%.6f %d\n" % (t, n))
            out.flush()
            nxt = t + 0.05
import os
print("ready", os.getpid(), flush=True)
work(49)
'''


# ---------------------------------------------------------------- helpers

def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def pythons(names):
    """NAME -> argv prefix, from build-aux/pythons list --local."""
    out = subprocess.run([os.path.join(ROOT, "build-aux", "pythons"), "list", "--local"],
                         capture_output=True, text=True).stdout
    found = {}
    for line in out.splitlines():
        fields = line.split("\t")
        if len(fields) >= 3:
            found[fields[0]] = (fields[1], fields[2:])
    return {n: found[n] for n in names if n in found}, [n for n in names if n not in found]


def which(explicit, name, extra=()):
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    p = shutil.which(name)
    if p:
        return p
    for d in extra:
        c = os.path.join(d, name)
        if os.access(c, os.X_OK):
            return c
    return None


def austin_command(path, interpreters):
    """argv prefix that runs austin here, and a note; (None, why) when it cannot run."""
    if not path:
        return None, "not installed"
    r = subprocess.run([path, "-V"], capture_output=True, text=True)
    if r.returncode == 0:
        return [path], ""
    why = (r.stderr.strip().splitlines() or ["exit %d" % r.returncode])[-1]
    if "GLIBC" in why:
        for name, (_, argv) in sorted(interpreters.items(), reverse=True):
            if "ld-linux" in argv[0] and len(argv) > 2 and argv[1] == "--library-path":
                cmd = argv[:3] + [path]
                if subprocess.run(cmd + ["-V"], capture_output=True).returncode == 0:
                    return cmd, "austin needs glibc 2.38: run through %s's dynamic loader" % name
    return None, "cannot run: " + why


class Target:
    """A target process started with an interpreter; waits for its `ready PID` line."""

    def __init__(self, argv, collect=False):
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True, start_new_session=True)
        line = self.proc.stdout.readline().split()
        if len(line) < 2 or line[0] != "ready":
            self.stop()
            raise RuntimeError("target did not start: %s" % " ".join(argv))
        self.pid = int(line[1])
        self.progress = []
        if collect:
            threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            t, n = line.split()
            self.progress.append((float(t), int(n)))

    def rate(self, t0, t1):
        pts = [p for p in list(self.progress) if t0 <= p[0] <= t1]
        if len(pts) < 2:
            return None
        return (pts[-1][1] - pts[0][1]) / (pts[-1][0] - pts[0][0])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


# ---------------------------------------------------------------- outputs

def varint(buf, pos):
    v = s = 0
    while True:
        b = buf[pos]
        pos += 1
        v |= (b & 0x7F) << s
        s += 7
        if not b & 0x80:
            return v, pos


def read_pyrometer(path):
    """Samples, sample time span (s), last STATS, of a .pyrometer stream (docs/stream-format.md)."""
    with open(path, "rb") as f:
        buf = f.read()
    info = {"samples": 0, "span": 0.0, "stats": None}
    if buf[:8] != b"\x89PYR\r\n\x1a\n":
        return info
    pos, now, first = 12, 0, None
    while pos < len(buf):
        try:
            rtype, pos = varint(buf, pos)
            length, pos = varint(buf, pos)
        except IndexError:
            break
        payload_end = pos + length
        if payload_end > len(buf):
            break
        if rtype in (6, 10):
            delta, _ = varint(buf, pos)
            now += delta
            first = now if first is None else first
            info["samples"] += 1
        elif rtype == 7:
            vals, p = [], pos
            while p < payload_end and len(vals) < 7:
                v, p = varint(buf, p)
                vals.append(v)
            info["stats"] = dict(zip(("time_ns", "samples", "errors", "late", "lag_max_ns",
                                      "lag_mean_ns", "saturation_ppm"), vals))
        pos = payload_end
    if first is not None:
        info["span"] = (now - first) / 1e9
    return info


def mojo_int(buf, pos):
    b = buf[pos]
    pos += 1
    n, sign, s = b & 0x3F, b & 0x40, 6
    while b & 0x80:
        b = buf[pos]
        pos += 1
        n |= (b & 0x7F) << s
        s += 7
    return (-n if sign else n), pos


def mojo_str(buf, pos):
    end = buf.index(b"\0", pos)
    return buf[pos:end].decode(errors="replace"), end + 1


def read_mojo(path):
    """Stacks in an Austin MOJO file, each as a set of function names."""
    with open(path, "rb") as f:
        buf = f.read()
    stacks = []
    if buf[:3] != b"MOJ":
        return stacks
    version, pos = mojo_int(buf, 3)
    strings, frames, cur = {0: "", 1: "<unknown>"}, {}, None
    try:
        while pos < len(buf):
            ev = buf[pos]
            pos += 1
            if ev == 1:
                _, pos = mojo_str(buf, pos)
                _, pos = mojo_str(buf, pos)
            elif ev == 2:
                _, pos = mojo_int(buf, pos)
                if version >= 3:
                    _, pos = mojo_int(buf, pos)
                _, pos = mojo_str(buf, pos)
                cur = set()
                stacks.append(cur)
            elif ev == 3:
                key, pos = mojo_int(buf, pos)
                _, pos = mojo_int(buf, pos)
                scope, pos = mojo_int(buf, pos)
                _, pos = mojo_int(buf, pos)
                if version >= 2:
                    for _ in range(3):
                        _, pos = mojo_int(buf, pos)
                frames[key] = scope
            elif ev == 5:
                key, pos = mojo_int(buf, pos)
                if cur is not None:
                    cur.add(strings.get(frames.get(key), "?"))
            elif ev in (4, 7, 8):
                pass
            elif ev == 6:
                _, pos = mojo_str(buf, pos)
            elif ev in (9, 10, 12):
                _, pos = mojo_int(buf, pos)
            elif ev == 11:
                key, pos = mojo_int(buf, pos)
                strings[key], pos = mojo_str(buf, pos)
            else:
                break
    except (IndexError, ValueError):
        pass
    return stacks


def read_folded(path):
    """(stack string, count) from py-spy's raw output."""
    rows = []
    with open(path, errors="replace") as f:
        for line in f:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if count.isdigit():
                rows.append((stack, int(count)))
    return rows


# ---------------------------------------------------------------- running samplers

class Tools:
    def __init__(self, args, interpreters):
        build = args.build
        self.sampler = which(args.sampler, "pyrometer-sampler",
                             [os.path.join(build, "src", "sampler")])
        self.cli = which(args.cli, "pyrometer-cli", [os.path.join(build, "src", "cli")])
        self.wakeup = which(None, "bench-wakeup", [os.path.join(build, "tests", "sampler")])
        self.pyspy = which(args.py_spy, "py-spy")
        self.austin, self.austin_note = austin_command(which(args.austin, "austin"), interpreters)
        self.notes = []
        if self.austin_note and self.austin:
            self.notes.append(self.austin_note)

    def missing(self, kind):
        if kind == "ours":
            return None if self.sampler else "not built"
        if kind.startswith("pyspy"):
            return None if self.pyspy else "not installed"
        return None if self.austin else self.austin_note

    def command(self, kind, pid, rate, seconds, out):
        if kind == "ours":
            return [self.sampler, "-p", str(pid), "-r", str(rate), "-d", str(seconds), "-o", out]
        if kind.startswith("pyspy"):
            cmd = [self.pyspy, "record", "-p", str(pid), "-r", str(rate), "-d", str(seconds),
                   "-f", "raw", "-o", out]
            return cmd + (["--nonblocking"] if kind == "pyspy-nb" else [])
        return self.austin + ["-i", "%dus" % round(1e6 / rate), "-x", str(seconds),
                              "-p", str(pid), "-o", out]


class Run:
    """One sampler run: CPU (user+sys), samples, output size, failure."""

    def __init__(self, tools, kind, pid, rate, seconds, workdir):
        self.kind, self.rate, self.seconds = kind, rate, seconds
        self.out = os.path.join(workdir, "%s-%d-%d.out" % (kind, pid, rate))
        self.err = self.out + ".err"
        for p in (self.out, self.err):
            if os.path.exists(p):
                os.unlink(p)
        self.cmd = tools.command(kind, pid, rate, seconds, self.out)
        self.started = time.monotonic()
        with open(self.err, "w") as err:
            self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=err)

    def mark(self):
        """CPU time so far (ns-precise /proc/PID/task/*/schedstat), to leave out start-up."""
        total, task = 0, "/proc/%d/task" % self.proc.pid
        try:
            for tid in os.listdir(task):
                with open(os.path.join(task, tid, "schedstat")) as f:
                    total += int(f.read().split()[0])
        except (OSError, ValueError):
            return
        self.marked = (time.monotonic() - self.started, total / 1e9)

    def finish(self, tools):
        _, status, ru = os.wait4(self.proc.pid, 0)
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        self.wall = time.monotonic() - self.started
        self.cpu = ru.ru_utime + ru.ru_stime
        self.user = ru.ru_utime
        self.steady = None
        if getattr(self, "marked", None) and self.wall > self.marked[0]:
            # samples after the mark, assuming they are spread evenly over the run
            self.steady = (self.cpu - self.marked[1], (self.wall - self.marked[0]) / self.wall)
        with open(self.err, errors="replace") as f:
            self.stderr = f.read()
        self.size = os.path.getsize(self.out) if os.path.exists(self.out) else 0
        self.samples, self.failure, self.late, self.span, self.stacks = 0, None, None, None, None
        if self.kind == "ours":
            info = read_pyrometer(self.out)
            self.samples, self.span = info["samples"], info["span"]
            st = info["stats"]
            if st and st["samples"]:
                self.late = st["late"] / st["samples"]
                self.lag_mean = st["lag_mean_ns"] / 1e3
        elif self.kind.startswith("pyspy"):
            m = re.search(r"Samples: (\d+)", self.stderr)
            self.stacks = read_folded(self.out) if self.size else []
            self.samples = int(m.group(1)) if m else sum(c for _, c in self.stacks)
        else:
            self.stacks = read_mojo(self.out) if self.size else []
            self.samples = len(self.stacks)
        if not self.samples:
            lines = [l for l in self.stderr.splitlines() if l.strip() and "ackTrace" not in l]
            why = next((l for l in lines if re.search(r"error|cannot|failed|unsupported|not",
                                                      l, re.I)),
                       lines[0] if lines else "exit %s" % self.proc.returncode)
            self.failure = "fails: " + re.sub(r"\x1b\[[0-9;]*m|[^\x20-\x7e]", "", why).strip()[:48]
        return self

    @property
    def cpu_per_sample_us(self):
        return self.cpu / self.samples * 1e6 if self.samples else None

    @property
    def steady_per_sample_us(self):
        if not self.samples or not self.steady:
            return None
        return self.steady[0] / (self.samples * self.steady[1]) * 1e6


def run_one(tools, kind, pid, rate, seconds, workdir):
    run = Run(tools, kind, pid, rate, seconds, workdir)
    if seconds >= 2:
        time.sleep(1.0)
        run.mark()
    return run.finish(tools)


# ---------------------------------------------------------------- measurements

def fmt_us(v):
    return "%.1f µs" % v if v is not None else "–"


def measure(name, argv, tools, args, workdir, table):
    D = args.seconds
    kinds = list(SAMPLERS)

    def row(label, goal, values):
        table.append(["%s: %s" % (name, label), goal] + [values.get(k, "–") for k in kinds])

    def unavailable(kind):
        return tools.missing(kind)

    # 1 and 5: deep50
    cpu = {100: {}, 1000: {}}
    runs1000 = {}
    t = Target(argv + [os.path.join(TARGETS, "deep50.py")])
    try:
        for rate in (100, 1000):
            for kind in kinds:
                miss = unavailable(kind)
                if miss:
                    cpu[rate][kind] = miss
                    continue
                r = run_one(tools, kind, t.pid, rate, D, workdir)
                if r.failure:
                    cpu[rate][kind] = r.failure
                    continue
                cpu[rate][kind] = r
                if rate == 1000:
                    runs1000[kind] = r
    finally:
        t.stop()
    for rate in (100, 1000):
        ours = cpu[rate].get("ours")
        vals = {}
        for kind in kinds:
            v = cpu[rate][kind]
            if isinstance(v, Run):
                s = "%s; after 1 s %s; user %s (%d samples)" % (
                    fmt_us(v.cpu_per_sample_us), fmt_us(v.steady_per_sample_us),
                    fmt_us(v.user / v.samples * 1e6), v.samples)
                if kind != "ours" and isinstance(ours, Run) and v.steady_per_sample_us \
                        and ours.steady_per_sample_us:
                    s += "; ours/this %.2f" % (ours.steady_per_sample_us / v.steady_per_sample_us)
                vals[kind] = s
            else:
                vals[kind] = v
        row("CPU per sample, deep50, %d Hz: whole run; after the first second; user part"
            % rate,
            "≤ 10 µs and ≤ ⅓ of the others'", vals)
    vals = {}
    for kind in kinds:
        r = runs1000.get(kind)
        if r:
            what = {"ours": ".pyrometer", "austin": "MOJO"}.get(kind, "raw folded, aggregated")
            vals[kind] = "%.1f B (%s, %d B)" % (r.size / r.samples, what, r.size)
        else:
            vals[kind] = cpu[1000][kind]
    size_row = vals

    # the floor: the same schedule with no sampling at all (tests/sampler/bench-wakeup), at
    # this moment of the run, so the rows above can be read against what waiting alone costs
    floor_us = {}
    if tools.wakeup:
        vals = {}
        for rate in (1000, 10000):
            out = subprocess.run([tools.wakeup, str(rate), str(D)], capture_output=True,
                                 text=True).stdout
            for line in out.splitlines():
                m = re.match(r"(.*?)\s+\d+ Hz\s+([\d.]+) µs CPU per sample.*late\s+([\d.]+) %", line)
                if m and ("sampler" in m.group(1) or "clock_nanosleep" in m.group(1)):
                    key = "ours" if "sampler" in m.group(1) else "pyspy-nb"
                    vals.setdefault(key, []).append("%d Hz: %s µs, %s%% late" % (
                        rate, m.group(2), m.group(3)))
                    floor_us[(key, rate)] = float(m.group(2))
        row("floor: waiting alone, no sampling (bench-wakeup; ours: two timerfds; "
            "second column: one clock_nanosleep per sample, as the others wait)", "",
            {"ours": "; ".join(vals.get("ours", ["–"])),
             "pyspy-nb": "; ".join(vals.get("pyspy-nb", ["–"])),
             "pyspy-b": "", "austin": ""})
        # On a VM a wake-up can cost more than a sample: what each sampler spends beyond
        # waiting, its 1 kHz CPU (after the first second) less the floor of its way of waiting
        # (py-spy and Austin sleep with nanosleep)
        above = {}
        for kind in kinds:
            r = runs1000.get(kind)
            floor = floor_us.get(("ours" if kind == "ours" else "pyspy-nb", 1000))
            if r and r.steady_per_sample_us and floor is not None:
                above[kind] = r.steady_per_sample_us - floor
        vals = {k: "%s" % fmt_us(v) for k, v in above.items()}
        for kind in kinds:
            if kind != "ours" and kind in above and "ours" in above and above[kind] > 0:
                vals[kind] += "; ours/this %.2f" % (above["ours"] / above[kind])
        row("CPU per sample at 1000 Hz above the floor of its way of waiting (derived: the "
            "1000 Hz run after 1 s less the floor row)", "", vals)

    # 2: sustained 10 kHz
    t = Target(argv + [os.path.join(TARGETS, "deep50.py")])
    vals = {}
    try:
        for kind in kinds:
            miss = unavailable(kind)
            if miss:
                vals[kind] = miss
                continue
            r = run_one(tools, kind, t.pid, 10000, D, workdir)
            if r.failure:
                vals[kind] = r.failure
                continue
            if kind == "ours" and r.span:
                achieved = r.samples / r.span
            else:
                achieved = r.samples / D
            s = "%.0f/s" % achieved
            if r.late is not None:
                s += ", %.2f%% late (mean lag %.0f µs)" % (100 * r.late, r.lag_mean)
            elif kind.startswith("pyspy") and "behind" in r.stderr:
                s += ", late (py-spy: \"behind in sampling\")"
            else:
                s += ", late: not reported"
            s += ", %s/sample" % fmt_us(r.cpu_per_sample_us)
            vals[kind] = s
    finally:
        t.stop()
    row("sustained, 10,000 Hz asked", "≥ 10,000/s, < 1% late", vals)

    # 3: slowdown
    path = os.path.join(workdir, "workload.py")
    with open(path, "w") as f:
        f.write(WORKLOAD)
    t = Target(argv + [path], collect=True)
    W = args.window
    slow = {(k, r): [] for k in kinds for r in (100, 1000)}
    fails = {}
    def baseline():
        time.sleep(0.2)
        t0 = time.monotonic()
        time.sleep(W)
        return t.rate(t0, t0 + W)

    try:
        time.sleep(0.5)
        # no sampler, sampler, no sampler, sampler, ...: each sampled window is compared
        # with the mean of the unsampled windows on either side of it
        prev = baseline()
        for _ in range(args.repeat):
            for rate in (100, 1000):
                for kind in kinds:
                    if unavailable(kind) or kind in fails:
                        continue
                    run = Run(tools, kind, t.pid, rate, int(W + 1.5), workdir)
                    time.sleep(0.7)  # the sampler's start-up is not the target's slowdown
                    t1 = time.monotonic()
                    time.sleep(W)
                    with_s = t.rate(t1, t1 + W)
                    run.finish(tools)
                    after = baseline()
                    if run.failure:
                        fails[kind] = run.failure
                    elif prev and after and with_s:
                        slow[(kind, rate)].append(100 * (1 - 2 * with_s / (prev + after)))
                    prev = after
    finally:
        t.stop()
    for rate, goal in ((100, "≤ 1%"), (1000, "≤ 3%")):
        vals = {}
        for kind in kinds:
            v = slow[(kind, rate)]
            if v:
                vals[kind] = "%+.1f%% (%+.1f..%+.1f, n=%d)" % (statistics.median(v), min(v),
                                                                max(v), len(v))
            else:
                vals[kind] = unavailable(kind) or fails.get(kind, "–")
        row("target slowdown, %d Hz: median (min..max)" % rate, goal, vals)

    # 4: accuracy
    t = Target(argv + [os.path.join(TARGETS, "split_70_30.py")])
    vals = {}
    try:
        for kind in kinds:
            miss = unavailable(kind)
            if miss:
                vals[kind] = miss
                continue
            r = run_one(tools, kind, t.pid, 1000, D, workdir)
            if r.failure:
                vals[kind] = r.failure
                continue
            s7 = s3 = 0
            total = r.samples
            if kind == "ours":
                if not tools.cli:
                    vals[kind] = "pyrometer-cli not built"
                    continue
                rows = json.loads(subprocess.run([tools.cli, "report", "--json", "-n", "0", r.out],
                                                 capture_output=True, text=True).stdout or "[]")
                for x in rows:
                    if x["name"] == "seventy":
                        s7 += x["total"]
                    elif x["name"] == "thirty":
                        s3 += x["total"]
                total = max((x["total"] for x in rows), default=0)
            elif kind.startswith("pyspy"):
                total = 0
                for stack, c in r.stacks:
                    total += c
                    names = {fr.split(" (")[0] for fr in stack.split(";")}
                    s7 += c if "seventy" in names else 0
                    s3 += c if "thirty" in names else 0
            else:
                for names in r.stacks:
                    s7 += "seventy" in names
                    s3 += "thirty" in names
            if not total:
                vals[kind] = "no samples"
                continue
            p7, p3 = 100 * s7 / total, 100 * s3 / total
            ok = abs(p7 - 70) <= 2 and abs(p3 - 30) <= 2
            vals[kind] = "%.1f / %.1f %s (%d samples)" % (p7, p3, "ok" if ok else "off", total)
    finally:
        t.stop()
    row("accuracy 70/30 at 1000 Hz: seventy / thirty %", "each ±2 points", vals)
    row("output bytes per sample, deep50, 1000 Hz", "≤ 16 B (ours)", size_row)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"),
                    help="meson build directory holding src/sampler and src/cli (default: build)")
    ap.add_argument("--pythons", default="3.11-static,3.14",
                    help="interpreters, as named by build-aux/pythons list --local")
    ap.add_argument("--quick", action="store_true", help="shorter runs (~2 minutes)")
    ap.add_argument("--seconds", type=int, default=None, help="length of each sampler run")
    ap.add_argument("--window", type=float, default=None, help="slowdown window, seconds")
    ap.add_argument("--repeat", type=int, default=None, help="slowdown repetitions")
    ap.add_argument("--sampler", help="pyrometer-sampler (default: BUILD/src/sampler, PATH)")
    ap.add_argument("--cli", help="pyrometer-cli (default: BUILD/src/cli, PATH)")
    ap.add_argument("--py-spy", dest="py_spy", help="py-spy (default: from PATH)")
    ap.add_argument("--austin", help="austin (default: from PATH)")
    args = ap.parse_args()
    args.seconds = args.seconds or (2 if args.quick else 4)
    args.window = args.window or (1.0 if args.quick else 1.5)
    args.repeat = args.repeat or (1 if args.quick else 3)

    names = [n for n in args.pythons.split(",") if n]
    interpreters, absent = pythons(names)
    all_interp, _ = pythons(["3.14", "3.15", "3.13"])
    tools = Tools(args, {**all_interp, **interpreters})
    start_load, started = loadavg(), time.monotonic()
    table = []
    workdir = tempfile.mkdtemp(prefix="pyrometer-bench-samplers-")
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
    try:
        for name in names:
            if name not in interpreters:
                continue
            version, argv = interpreters[name]
            print("measuring %s (%s)..." % (name, version), file=sys.stderr, flush=True)
            measure("%s (%s)" % (name, version), argv, tools, args, workdir, table)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    end_load = loadavg()

    nproc = os.cpu_count()
    print("## pyrometer-sampler vs py-spy vs Austin\n")
    print("Machine: %d CPUs; load average (1, 5, 15 min) %s at start, %s at end; %.0f s. "
          "Each sampler run %d s; slowdown windows %.1f s × %d." % (
              nproc, start_load, end_load, time.monotonic() - started, args.seconds,
              args.window, args.repeat))
    vers = []
    if tools.pyspy:
        vers.append(subprocess.run([tools.pyspy, "--version"], capture_output=True,
                                   text=True).stdout.strip())
    if tools.austin:
        vers.append(subprocess.run(tools.austin + ["-V"], capture_output=True,
                                   text=True).stdout.strip())
    if vers:
        print("Versions: %s." % ", ".join(vers))
    for n in tools.notes:
        print("Note: %s." % n)
    for n in absent:
        print("Note: interpreter %s is not available (build-aux/pythons fetch)." % n)
    print()
    print("| measure | goal | " + " | ".join(TITLES[k] for k in SAMPLERS) + " |")
    print("|---|---|" + "---|" * len(SAMPLERS))
    for r in table:
        print("| " + " | ".join(c.replace("|", "/") for c in r) + " |")


if __name__ == "__main__":
    main()
