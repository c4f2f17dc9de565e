#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmarks of the profile model: prints tables.

  run-bench.py BENCH_MODEL [--size-mb 100] [--dir DIR] [--samples 1000000]

Generates (once, kept in DIR) a 100 MB+ py-spy-style speedscope file and a
folded file of the same shape with gen-profile.py, gzips the folded one, then
runs bench-model in a separate process per case so each peak RSS is its own:
loading each file through the loader (MB/s, peak RSS / file size), and the
queries over a synthetic 1,000,000-sample profile (build the merged call tree:
goal <= 150 ms).
"""

import argparse
import gzip
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def generate(fmt, size_mb, path):
    if os.path.exists(path) and os.path.getsize(path) >= size_mb * 1e6 * 0.95:
        return
    subprocess.run([sys.executable, os.path.join(HERE, "gen-profile.py"), "--format", fmt,
                    "--size-mb", str(size_mb), "-o", path], check=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bench_model")
    ap.add_argument("--size-mb", type=float, default=100)
    ap.add_argument("--dir", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "pyrometer-bench"))
    ap.add_argument("--samples", type=int, default=1000000)
    args = ap.parse_args()

    os.makedirs(args.dir, exist_ok=True)
    speedscope = os.path.join(args.dir, "big.speedscope.json")
    folded = os.path.join(args.dir, "big.folded")
    folded_gz = folded + ".gz"
    generate("speedscope", args.size_mb, speedscope)
    generate("folded", args.size_mb, folded)
    if not os.path.exists(folded_gz):
        with open(folded, "rb") as src, gzip.open(folded_gz, "wb", compresslevel=6) as dst:
            shutil.copyfileobj(src, dst)

    print("## Loading files (pyr_profile_load_file: map, gunzip, detect, import)\n")
    print("| file | MB | wall s | MB/s (wall) | samples | CPU s | MB/s (CPU) | peak RSS MB | RSS / size |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for path in (folded, folded_gz, speedscope):
        out = subprocess.run([args.bench_model, "load", path], capture_output=True, text=True).stdout
        row = [l for l in out.splitlines() if l.startswith("| ") and "file" not in l]
        rss = re.search(r"peak RSS (\d+) MB", out)
        if not row:
            print("| %s | failed: %s |" % (os.path.basename(path), out.strip()))
            continue
        cells = [c.strip() for c in row[0].strip("|").split("|")]
        peak = float(rss.group(1)) if rss else float("nan")
        size = os.path.getsize(path) / 1e6
        if path.endswith(".gz"):
            # throughput of the text it holds
            plain = os.path.getsize(path[:-3]) / 1e6
            cells[1] = "%.1f (%.1f unpacked)" % (size, plain)
            cells[3] = "%.1f unpacked" % (plain / float(cells[2]))
            cells[7] = "%.1f unpacked" % (plain / float(cells[6]))
            size = plain
        print("| %s | %s | %s | %s | %s | %s | %s | %.0f | %.2f |" % (cells[0], cells[1], cells[2], cells[3], cells[4],
                                                                 cells[6], cells[7], peak, peak / size))

    print("\n## Queries over a synthetic profile\n")
    out = subprocess.run([args.bench_model, "tree", str(args.samples)], capture_output=True, text=True).stdout
    print(out)


if __name__ == "__main__":
    main()
