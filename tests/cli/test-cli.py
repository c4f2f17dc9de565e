#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs pyrometer-cli on the test data and checks what it prints."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

CLI = None
SRC = os.environ.get("G_TEST_SRCDIR", os.path.join(os.path.dirname(__file__), ".."))
DATA = os.path.join(SRC, "data")
SHARED = os.environ.get("PYROMETER_SHARED", "")


def data(*parts):
    return os.path.join(DATA, *parts)


def shared(*parts):
    path = os.path.join(SHARED, "fixtures", *parts)
    if not SHARED or not os.path.exists(path):
        raise unittest.SkipTest("shared fixture %s not available (PYROMETER_SHARED unset)" % "/".join(parts))
    return path


def run(*args):
    p = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def folded_totals(path):
    totals = {}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            stack, count = line.rsplit(" ", 1)
            totals[stack] = totals.get(stack, 0) + float(count)
    return totals


class Report(unittest.TestCase):
    def test_json_rows(self):
        rc, out, err = run("report", "--json", data("folded", "simple.txt"))
        self.assertEqual(rc, 0, err)
        rows = json.loads(out)
        by_name = {r["name"]: r for r in rows}
        self.assertEqual(set(by_name), {"a", "b", "c", "d"})
        self.assertEqual(by_name["b"]["self"], 5)
        self.assertEqual(by_name["b"]["total"], 14)
        self.assertAlmostEqual(by_name["c"]["self_percent"], 100 * 5 / 14, places=3)
        self.assertEqual(by_name["a"]["total_percent"], 100)
        for key in ("name", "file", "line", "self", "total", "self_percent", "total_percent"):
            self.assertIn(key, rows[0])
        # sorted by own time
        self.assertGreaterEqual(rows[0]["self"], rows[-1]["self"])

    def test_limit_and_text(self):
        rc, out, err = run("report", "--limit", "2", data("folded", "simple.txt"))
        self.assertEqual(rc, 0, err)
        lines = [l for l in out.splitlines() if "%" in l and "Own" not in l]
        self.assertEqual(len(lines), 2)
        self.assertIn("35.7%", lines[0])

    def test_by_line_py_spy_svg(self):
        rc, out, err = run("report", "--by", "line", "--json", shared("svg", "py-spy-readme-inferno07.svg"))
        self.assertEqual(rc, 0, err)
        rows = json.loads(out)
        self.assertEqual(rows[0]["file"], "numpy/core/fromnumeric.py")
        self.assertEqual(rows[0]["line"], 51)
        self.assertEqual(rows[0]["self"], 813)
        self.assertEqual(sum(r["self"] for r in rows), 2893)

    def test_threads(self):
        rc, out, err = run("report", "--threads", "--json", "--limit", "0",
                           shared("speedscope", "0.6.0-two-sampled.speedscope.json"))
        self.assertEqual(rc, 0, err)
        rows = json.loads(out)
        self.assertEqual({r["thread_name"] for r in rows}, {"one", "two"})

    def test_sampler_recording(self):
        path = data("recording", "two-threads.pyrometer")
        rc, out, err = run("report", "--threads", "--json", "--limit", "0", path)
        self.assertEqual(rc, 0, err)
        rows = json.loads(out)
        fib = [r for r in rows if r["name"] == "fib"]
        self.assertEqual(len(fib), 1)
        self.assertEqual(fib[0]["self"], 118)
        self.assertEqual(fib[0]["thread"], 1)
        self.assertIn("MainThread", {r["thread_name"] for r in rows})
        # text output shows time, since the recording carries its rate
        rc, out, err = run("report", path)
        self.assertEqual(rc, 0, err)
        self.assertIn("590.0ms", out)

    def test_skipped_lines_warn(self):
        rc, out, err = run("report", data("folded", "simple-with-invalids.txt"))
        self.assertEqual(rc, 0)
        self.assertIn("skipped 2 lines", err)

    def test_one_skipped_line_is_singular(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "one-bad.txt")
            with open(path, "w") as f:
                f.write("a;b 3\nthis is not a stack\na;c 1\n")
            rc, out, err = run("report", path)
        self.assertEqual(rc, 0, err)
        self.assertIn("skipped 1 line that is not a stack (line 2)", err)

    def test_table_columns_line_up(self):
        rc, out, err = run("report", data("folded", "simple.txt"))
        self.assertEqual(rc, 0, err)
        lines = [l for l in out.splitlines() if l.startswith("  ")]
        header, rows = lines[0], lines[1:]
        # every row's columns end where the header's do (widths in characters, not bytes)
        ends = [i + 1 for i in range(len(header) - 1) if header[i] != " " and header[i + 1] == " "][:4]
        for row in rows:
            for end in ends:
                self.assertNotEqual(row[end - 1], " ", (header, row))
                self.assertEqual(row[end], " ", (header, row))

    def test_austin_units(self):
        rc, out, err = run("report", "--json", data("folded", "inferno-austin-flames.txt"))
        self.assertEqual(rc, 0, err)
        rows = json.loads(out)
        self.assertEqual(rows[0]["units"], "microseconds")
        self.assertEqual(max(r["total"] for r in rows), 291)


class BadInput(unittest.TestCase):
    def check_one_line(self, rc, err, *words):
        self.assertNotEqual(rc, 0)
        self.assertLess(rc, 128, "crashed")
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        for w in words:
            self.assertIn(w, err)

    def test_invalid_speedscope(self):
        path = shared("speedscope", "invalid-out-of-order-events.json")
        rc, out, err = run("report", path)
        self.check_one_line(rc, err, "invalid-out-of-order-events.json", "speedscope")

    def test_binary_and_missing(self):
        with tempfile.NamedTemporaryFile(suffix=".json") as f:
            f.write(bytes(range(256)) * 4)
            f.flush()
            rc, out, err = run("report", f.name)
            self.check_one_line(rc, err, os.path.basename(f.name))
        rc, out, err = run("report", "/nonexistent/profile.svg")
        self.check_one_line(rc, err, "profile.svg")

    def test_truncated_svg(self):
        with open(shared("svg", "inferno-austin-flame.svg"), "rb") as f:
            svg = f.read()
        with tempfile.NamedTemporaryFile(suffix=".svg") as f:
            f.write(svg[: len(svg) // 2])
            f.flush()
            rc, out, err = run("report", f.name)
            self.check_one_line(rc, err, os.path.basename(f.name), "svg")

    def test_usage_errors(self):
        rc, out, err = run("report")
        self.assertEqual(rc, 2)
        rc, out, err = run("report", "--by", "module", data("folded", "simple.txt"))
        self.assertEqual(rc, 2)
        rc, out, err = run("convert", data("folded", "simple.txt"), "-o", "/tmp/x.unknown-ext")
        self.assertEqual(rc, 2)
        self.assertIn("--to", err)
        rc, out, err = run("nonsense")
        self.assertEqual(rc, 2)


class Convert(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.dir.cleanup()

    def out(self, name):
        return os.path.join(self.dir.name, name)

    def round_trip(self, fmt, source):
        mid = self.out("mid." + fmt)
        back = self.out("back.folded")
        rc, _, err = run("convert", source, "-o", mid, "--to", fmt)
        self.assertEqual(rc, 0, err)
        rc, _, err = run("convert", mid, "-o", back)
        self.assertEqual(rc, 0, err)
        return folded_totals(back)

    def test_folded_through_every_format(self):
        source = data("folded", "recursion.txt")
        want = folded_totals(source)
        for fmt in ("folded", "speedscope", "svg", "pyrometer"):
            with self.subTest(fmt=fmt):
                got = self.round_trip(fmt, source)
                self.assertEqual(got, want)

    def test_py_spy_labels_survive(self):
        src = self.out("in.txt")
        with open(src, "w") as f:
            f.write("<module> (app.py:3);work (lib/x y.py:10) 7\n<module> (app.py:3) 2\n")
        want = folded_totals(src)
        for fmt in ("speedscope", "svg", "pyrometer"):
            with self.subTest(fmt=fmt):
                self.assertEqual(self.round_trip(fmt, src), want)

    def test_extension_picks_format(self):
        out = self.out("x.speedscope.json")
        rc, _, err = run("convert", data("folded", "simple.txt"), "-o", out)
        self.assertEqual(rc, 0, err)
        with open(out) as f:
            doc = json.load(f)
        self.assertEqual(doc["$schema"], "https://www.speedscope.app/file-format-schema.json")

    def test_svg_min_width(self):
        src = self.out("narrow.txt")
        with open(src, "w") as f:
            f.write("a 100000\na;b 1\n")   # b is 0.012 px of a 1200 px graph
        rc, _, err = run("convert", src, "-o", self.out("default.svg"))
        self.assertEqual(rc, 0, err)
        with open(self.out("default.svg")) as f:
            self.assertIn('data-pruned-frames="1"', f.read())
        rc, _, err = run("convert", "--min-width", "0", src, "-o", self.out("all.svg"))
        self.assertEqual(rc, 0, err)
        with open(self.out("all.svg")) as f:
            text = f.read()
        self.assertIn('data-pruned-frames="0"', text)
        self.assertIn("<title>b (", text)


class Diff(unittest.TestCase):
    def test_json_sorted_by_change(self):
        rc, out, err = run("diff", "--json", "--limit", "0", data("diff-folded", "before.txt"), data("diff-folded", "after.txt"))
        self.assertEqual(rc, 0, err)
        rows = json.loads(out)
        deltas = [abs(r["delta_total_percent"]) for r in rows]
        self.assertEqual(deltas, sorted(deltas, reverse=True))
        by = {r["name"]: r for r in rows}
        # before.txt total 65, after 80; __fget_light_[k] only in after (12 samples)
        self.assertAlmostEqual(by["__fget_light_[k]"]["after_total_percent"], 100 * 12 / 80, places=3)
        self.assertEqual(by["__fget_light_[k]"]["before_total_percent"], 0)
        self.assertAlmostEqual(by["dd"]["delta_total_percent"], 0, places=6)

    def test_svg_output(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "diff.svg")
            rc, text, err = run("diff", data("diff-folded", "before.txt"), data("diff-folded", "after.txt"), "-o", out)
            self.assertEqual(rc, 0, err)
            self.assertIn("Change", text)
            with open(out) as f:
                svg = f.read()
            self.assertIn("<svg", svg)
            self.assertIn("rgb(", svg)

    def test_bad_input(self):
        rc, out, err = run("diff", data("folded", "simple.txt"), "/nonexistent/after.txt")
        self.assertEqual(rc, 1)
        self.assertIn("after.txt", err)


class Basics(unittest.TestCase):
    def test_help_and_version(self):
        rc, out, _ = run("--help")
        self.assertEqual(rc, 0)
        for cmd in ("report", "convert", "diff"):
            self.assertIn(cmd, out)
        rc, out, _ = run("--version")
        self.assertEqual(rc, 0)
        self.assertTrue(out.startswith("pyrometer-cli "))
        rc, out, _ = run("report", "--help")
        self.assertEqual(rc, 0)
        self.assertIn("--by", out)


if __name__ == "__main__":
    CLI = sys.argv.pop(1)
    unittest.main(verbosity=2)
