#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark speedscope import: MB/s and peak RSS / file size, against json-glib's tree parser.

  bench/bench-speedscope.py BUILDDIR [--size-mb 120] [--runs 3] [--recurring] [--distinct] [--no-json-glib] [FILE...]

Generates a py-spy-style file with bench/gen-profile.py (unless FILEs are given), runs
BUILDDIR/bench/bench-speedscope on it (or compiles bench/bench-speedscope.c against
BUILDDIR's libpyrometer if meson did not build it), once per run in a fresh process, and prints
a table. Goals (issue 3): >= 250 MB/s, peak RSS <= 1.5 x the file.
"""

import argparse
import glob
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def gen_recurring(path, size_mb, seed=1):
    """A py-spy-style file whose stacks recur, as in a program that loops: 20,000 call paths
    (30-45 deep, sharing prefixes, 5,000 frames), picked with a Zipf-like skew and often
    repeated back to back. gen-profile.py's random walk makes almost every sample a new stack;
    real recordings sit between the two."""
    import json
    import random
    rng = random.Random(seed)
    n_frames = 5000
    frames = [{"name": "func_%d" % i, "file": "/usr/lib/python3.12/site-packages/pkg%d/mod%d.py" % (i % 50, i % 300),
               "line": i % 900 + 1, "col": None} for i in range(n_frames)]
    base = [rng.randrange(n_frames) for _ in range(45)]
    paths = []
    for _ in range(20000):
        if paths and rng.random() < 0.9:
            p = rng.choice(paths)
            k = rng.randrange(5, len(p))
            paths.append(p[:k] + [rng.randrange(n_frames) for _ in range(max(0, rng.randrange(30, 46) - k))])
        else:
            paths.append(base[:rng.randrange(30, 46)])
    texts = ["[" + ",".join(map(str, p)) + "]" for p in paths]
    cum = []
    total = 0.0
    for i in range(len(texts)):
        total += 1.0 / (i + 1) ** 0.8
        cum.append(total)
    per_thread = int(size_mb * 1e6) // 4
    with open(path, "w") as out:
        out.write('{"$schema":"https://www.speedscope.app/file-format-schema.json","profiles":[')
        for t in range(4):
            chunks, used, cur = [], 0, None
            while used < per_thread:
                if cur is None or rng.random() < 0.2:
                    cur = rng.choices(range(len(texts)), cum_weights=cum, k=1)[0]
                chunks.append(texts[cur])
                used += len(texts[cur]) + 6
            out.write('%s{"type":"sampled","name":"Thread 0x%x \\"worker-%d\\"","unit":"seconds","startValue":0,'
                      '"endValue":%r,"samples":[' % ("," if t else "", 0x7f0000001000 + t * 0x1000, t, len(chunks) / 100))
            out.write(",".join(chunks))
            out.write('],"weights":[' + ",".join(["0.01"] * len(chunks)) + "]}")
        out.write('],"shared":{"frames":' + json.dumps(frames, separators=(",", ":")) +
                  '},"activeProfileIndex":null,"exporter":"py-spy@0.4.2","name":"py-spy profile"}\n')


def pkg_config(*args):
    return subprocess.run(["pkg-config", *args], check=True, capture_output=True, text=True).stdout.split()


def find_or_build(build):
    exe = os.path.join(build, "bench", "bench-speedscope")
    if os.path.exists(exe):
        return exe
    exe = os.path.join(build, "bench-speedscope-standalone")
    libs = sorted(glob.glob(os.path.join(build, "src", "libpyrometer", "*.a")) +
                  glob.glob(os.path.join(build, "src", "protocol", "*.a")))
    cmd = ["cc", "-O2", "-g", "-DHAVE_JSON_GLIB", "-I" + build, "-I" + os.path.join(ROOT, "src", "libpyrometer"),
           os.path.join(HERE, "bench-speedscope.c"), "-o", exe, *libs,
           *pkg_config("--cflags", "--libs", "gio-2.0", "json-glib-1.0"), "-lm"]
    subprocess.run(cmd, check=True)
    return exe


def run(exe, path, json_glib):
    args = [exe] + (["--json-glib"] if json_glib else []) + [path]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout.split()
    return float(out[0]), int(out[1]), [int(x) for x in out[2:5]], float(out[5])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("build")
    ap.add_argument("files", nargs="*")
    ap.add_argument("--size-mb", type=float, default=120)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-json-glib", action="store_true")
    ap.add_argument("--recurring", action="store_true",
                    help="also measure a file whose stacks recur (see gen_recurring)")
    ap.add_argument("--distinct", action="store_true",
                    help="also measure a file where nearly every sample is a new stack (gen-profile.py --chain 0)")
    args = ap.parse_intermixed_args()

    exe = find_or_build(args.build)
    tmp = None
    files = args.files
    if not files:
        tmp = tempfile.mkdtemp(prefix="bench-speedscope-")
        path = os.path.join(tmp, "py-spy-style.speedscope.json")
        subprocess.run([sys.executable, os.path.join(HERE, "gen-profile.py"), "--format", "speedscope",
                        "--size-mb", str(args.size_mb), "-o", path], check=True)
        files = [path]
        if args.recurring:
            path = os.path.join(tmp, "recurring-stacks.speedscope.json")
            gen_recurring(path, args.size_mb)
            files.append(path)
        if args.distinct:
            path = os.path.join(tmp, "distinct-stacks.speedscope.json")
            subprocess.run([sys.executable, os.path.join(HERE, "gen-profile.py"), "--format", "speedscope",
                            "--size-mb", str(args.size_mb), "--chain", "0", "-o", path], check=True)
            files.append(path)

    print("| file | size (MB) | parser | samples | stack nodes | best wall (s) | MB/s (wall) | MB/s (CPU) | peak RSS / size |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    for path in files:
        size = os.path.getsize(path)
        modes = [False] if args.no_json_glib else [False, True]
        for json_glib in modes:
            runs = [run(exe, path, json_glib) for _ in range(1 if json_glib else args.runs)]
            best = min(r[0] for r in runs)
            rss = max(r[1] for r in runs)
            cpu = min(r[3] for r in runs)
            counts = runs[0][2]
            print("| %s | %.1f | %s | %s | %s | %.3f | %.0f | %.0f | %.2f |" % (
                os.path.basename(path), size / 1e6, "json-glib JsonParser (tree)" if json_glib else "pyrometer speedscope import",
                counts[0] if not json_glib else "-", counts[2] if not json_glib else "-",
                best, size / 1e6 / best, size / 1e6 / max(cpu, 1e-6), rss / size))
            sys.stdout.flush()
    if tmp:
        for f in os.listdir(tmp):
            os.unlink(os.path.join(tmp, f))
        os.rmdir(tmp)


if __name__ == "__main__":
    main()
