#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Generate big, realistic py-spy-style profiles for benchmarks.

  gen-profile.py --format speedscope --size-mb 100 -o big.speedscope.json
  gen-profile.py --format folded     --size-mb 100 -o big.folded

Stacks come from a Markov walk over a synthetic program: thousands of
functions in hundreds of files, each calling a few others; every sample pops
a few frames of the previous stack and pushes new ones, so neighbouring
samples share prefixes the way real recordings do (depth about 40).

speedscope output looks like py-spy's: one "sampled" profile per thread,
unit seconds, every weight 1/rate, frames {name, file, line, col: null}.
folded output looks like py-spy --format raw: "func (file:line);... COUNT",
one line per distinct stack, unsorted.
"""

import argparse
import random
import sys


def make_program(rng, n_frames, n_files, chain):
    files = ["/usr/lib/python3.12/site-packages/pkg%d/module_%d.py" % (i % 37, i) for i in range(n_files)]
    frames = []
    for i in range(n_frames):
        name = rng.choice(["run", "handle", "compute", "_inner", "visit", "parse", "load",
                           "__call__", "<lambda>", "step", "apply", "dispatch", "<module>"])
        frames.append((f"{name}_{i}" if name[0] != "<" else name, files[rng.randrange(n_files)], rng.randrange(1, 2000)))
    # most functions always call the same one (framework chains), some branch:
    # that keeps distinct stacks to tens of thousands per million samples, as in real recordings
    callees = []
    for _ in range(n_frames):
        k = 1 if rng.random() < chain else rng.randint(2, 6)
        callees.append([rng.randrange(n_frames) for _ in range(k)])
    return frames, callees


def walk(rng, callees, n_frames, mean_depth=40):
    stack = [rng.randrange(n_frames)]
    while True:
        pops = min(len(stack) - 1, int(rng.expovariate(1 / 3.0)))
        if pops:
            del stack[-pops:]
        target = max(2, int(rng.gauss(mean_depth, 6)))
        while len(stack) < target:
            options = callees[stack[-1]]
            u = rng.random()
            stack.append(options[int(len(options) * u * u)])  # earlier callees are hotter
        while len(stack) > target:
            stack.pop()
        yield stack


def gen_speedscope(out, rng, frames, callees, size, n_threads, rate):
    w = out.write
    w('{"$schema":"https://www.speedscope.app/file-format-schema.json","profiles":[')
    written = 0
    per_thread = size // n_threads
    walkers = [walk(rng, callees, len(frames)) for _ in range(n_threads)]
    weight = repr(1.0 / rate)
    total_samples = 0
    for t in range(n_threads):
        chunks = []
        n = 0
        used = 0
        for stack in walkers[t]:
            s = "[" + ",".join(map(str, stack)) + "]"
            chunks.append(s)
            used += len(s) + 1 + len(weight) + 1
            n += 1
            if used >= per_thread:
                break
        total_samples += n
        w('%s{"type":"sampled","name":"Thread 0x%x \\"worker-%d\\"","unit":"seconds","startValue":0,'
          '"endValue":%r,"samples":[' % ("," if t else "", 0x7f0000001000 + t * 0x1000, t, n / rate))
        w(",".join(chunks))
        w('],"weights":[')
        w(",".join([weight] * n))
        w("]}")
        written += used
    w('],"shared":{"frames":[')
    w(",".join('{"name":"%s","file":"%s","line":%d,"col":null}' % f for f in frames))
    w(']},"activeProfileIndex":null,"exporter":"py-spy@0.4.2","name":"py-spy profile"}\n')
    return total_samples


def gen_folded(out, rng, frames, callees, size):
    labels = ["%s (%s:%d)" % f for f in frames]
    counts = {}
    used = 0
    samples = 0
    for stack in walk(rng, callees, len(frames)):
        key = tuple(stack)
        samples += 1
        if key in counts:
            counts[key] += 1
        else:
            counts[key] = 1
            used += sum(len(labels[i]) + 1 for i in key) + 4
            if used >= size:
                break
    for key, c in counts.items():
        out.write(";".join(labels[i] for i in key))
        out.write(" %d\n" % c)
    return samples


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--format", choices=["speedscope", "folded"], default="speedscope")
    ap.add_argument("--size-mb", type=float, default=100.0)
    ap.add_argument("--frames", type=int, default=5000, help="distinct functions")
    ap.add_argument("--files", type=int, default=400)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--rate", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--chain", type=float, default=0.85,
                    help="share of functions that always call the same callee (lower: more distinct stacks)")
    ap.add_argument("-o", "--output", default="-")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    frames, callees = make_program(rng, args.frames, args.files, args.chain)
    size = int(args.size_mb * 1e6)
    out = sys.stdout if args.output == "-" else open(args.output, "w", buffering=1 << 20)
    if args.format == "speedscope":
        n = gen_speedscope(out, rng, frames, callees, size, args.threads, args.rate)
    else:
        n = gen_folded(out, rng, frames, callees, size)
    if out is not sys.stdout:
        out.close()
    print("%s: %d samples" % (args.format, n), file=sys.stderr)


if __name__ == "__main__":
    main()
