#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs `pyrometer-cli record` and `dump` on real Python processes and checks what they write."""

import os
import re
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

CLI = None
PYTHON = next((p for p in ("/usr/bin/python3.11", "/usr/bin/python3") if os.access(p, os.X_OK)), None)

# A target whose hot function is known; prints "ready" once it spins.
TARGET = """\
import sys, time
def hot_spin(deadline):
    n = 0
    while time.monotonic() < deadline:
        n += 1
    return n
def main():
    print('ready', flush=True)
    hot_spin(time.monotonic() + float(sys.argv[1]))
main()
sys.exit(int(sys.argv[2]) if len(sys.argv) > 2 else 0)
"""


def run(*args, timeout=60):
    p = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def samples_in(path):
    rc, out, err = run("report", path)
    if rc != 0:
        raise AssertionError(err)
    # "FILE: samples N, ..."
    return int(re.search(r": samples (\d+),", out).group(1))


def samplers_of(pid):
    """Sampler processes attached to pid."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        if args and args[0].endswith(b"pyrometer-sampler") and str(pid).encode() in args:
            found.append(int(entry))
    return found


@unittest.skipIf(PYTHON is None, "no /usr/bin/python3.11 or /usr/bin/python3 to record")
class Record(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="pyr-cli-record-")
        self.dir = self.tmp.name
        self.script = os.path.join(self.dir, "spin_target.py")
        with open(self.script, "w") as f:
            f.write(TARGET)

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def start_target(self, seconds="60"):
        target = subprocess.Popen([PYTHON, self.script, seconds], stdout=subprocess.PIPE, text=True)
        self.addCleanup(lambda: (target.kill(), target.wait(), target.stdout.close()))
        self.assertEqual(target.stdout.readline().strip(), "ready")
        return target

    def test_launch_writes_recording_and_forwards_exit_status(self):
        out_file = self.path("launch.pyrometer")
        rc, out, err = run("record", "-r", "200", "-o", out_file, "--", PYTHON, self.script, "1", "5")
        self.assertEqual(rc, 5, err)          # the command's own status
        self.assertIn("ready", err)           # its output came through
        self.assertIn("hot_spin", out)
        self.assertIn("Hottest functions", out)
        recorded = int(re.search(r"samples (\d+)", out).group(1))   # "Recorded S s: samples N ..."
        self.assertGreater(recorded, 30)
        self.assertEqual(samples_in(out_file), recorded)

    def test_sampler_notes_are_shown_once(self):
        # the sampler's notes reach the terminal (they used to be filtered out with its errors)
        out_file = self.path("wrapped.pyrometer")
        command = "%s %s 1; exit 4" % (PYTHON, self.script)
        rc, out, err = run("record", "-r", "200", "-o", out_file, "--", "sh", "-c", command)
        self.assertEqual(rc, 4, err)
        self.assertIn("hot_spin", out)
        self.assertEqual(err.count("note: sampling process"), 1, err)
        self.assertIn("the first Python process the command started", err)
        # a command that never runs Python: the note says why nothing was recorded
        rc, out, err = run("record", "-o", self.path("none.pyrometer"), "--", "sh", "-c", "sleep 0.2")
        self.assertEqual(err.count("exited before Python started"), 1, err)
        self.assertIn("samples 0", out)

    def test_output_format_by_extension(self):
        for name, check in (("out.svg", lambda t: "<svg" in t),
                            ("out.json", lambda t: "speedscope" in t),
                            ("out.txt", lambda t: "hot_spin" in t and ";" in t)):
            with self.subTest(name=name):
                out_file = self.path(name)
                rc, out, err = run("record", "-o", out_file, "--", PYTHON, self.script, "0.5")
                self.assertEqual(rc, 0, err)
                with open(out_file) as f:
                    text = f.read()
                self.assertTrue(check(text), name)
                self.assertIn("hot_spin", text)

    def test_ctrl_c_stops_and_still_writes(self):
        target = self.start_target()
        out_file = self.path("attach.pyrometer")
        cli = subprocess.Popen([CLI, "record", "-o", out_file, "-p", str(target.pid)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.5)
        cli.send_signal(signal.SIGINT)
        out, err = cli.communicate(timeout=30)
        self.assertEqual(cli.returncode, 0, err)
        self.assertIn("hot_spin", out)
        recorded = int(re.search(r"samples (\d+)", out).group(1))
        self.assertGreater(recorded, 20)
        self.assertEqual(samples_in(out_file), recorded)
        self.assertIsNone(target.poll(), "the target must go on running")

    def test_ctrl_c_in_terminal_stops_launched_command(self):
        # Ctrl+C in a terminal reaches the whole foreground process group
        out_file = self.path("interrupted.pyrometer")
        cli = subprocess.Popen([CLI, "record", "-o", out_file, "--", PYTHON, self.script, "60"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
        time.sleep(1.5)
        os.killpg(cli.pid, signal.SIGINT)
        out, err = cli.communicate(timeout=30)
        self.assertNotEqual(cli.returncode, 0)   # the interrupted program's status
        self.assertIn("Wrote", out)
        self.assertGreater(samples_in(out_file), 20)

    def test_recorder_killed_leaves_a_valid_file(self):
        # the app (here the CLI) dying mid-recording loses nothing that reached it
        target = self.start_target()
        out_file = self.path("crashed.pyrometer")
        cli = subprocess.Popen([CLI, "record", "-o", out_file, "-p", str(target.pid)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.5)
        cli.kill()
        cli.wait()
        self.assertGreater(samples_in(out_file), 20)
        rc, out, err = run("report", out_file)
        self.assertIn("hot_spin", out)
        # the sampler, its reader gone, lets go of the target, which goes on
        deadline = time.monotonic() + 5
        while samplers_of(target.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(samplers_of(target.pid), [])
        self.assertIsNone(target.poll())

    def test_every_python_of_the_matrix(self):
        # launched through the recorder, whatever shape the interpreter has (ld.so prefix, -dbg)
        root = os.environ.get("PYROMETER_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
        tool = os.path.join(root, "build-aux", "pythons")
        if not os.access(tool, os.X_OK):
            self.skipTest("build-aux/pythons is missing")
        listed = subprocess.run([sys.executable, tool, "list"], capture_output=True, text=True, timeout=120)
        pythons = [line.split("\t") for line in listed.stdout.splitlines() if line.strip()]
        if not pythons:
            self.skipTest("no interpreters fetched (build-aux/pythons fetch)")
        for name, version, *prefix in pythons:
            with self.subTest(python=name):
                out_file = self.path("matrix-%s.pyrometer" % name)
                rc, out, err = run("record", "-r", "200", "-o", out_file, "--", *prefix, self.script, "1.5", "7")
                self.assertEqual(rc, 7, err)
                self.assertIn("hot_spin (%s:" % self.script, out)
                with open(out_file, "rb") as f:
                    self.assertIn(version.encode(), f.read())   # the stream names the version

    def test_no_such_process(self):
        rc, out, err = run("record", "-o", self.path("x.pyrometer"), "-p", "999999")
        self.assertEqual(rc, 1)
        self.assertIn("no process 999999", err.lower())
        self.assertFalse(os.path.exists(self.path("x.pyrometer")))

    @unittest.skipUnless(os.geteuid() == 0 and shutil.which("runuser"), "needs root to act as another user")
    def test_unprivileged_refusal(self):
        # a real refusal: an ordinary user may not read root's process
        try:
            pwd.getpwnam("nobody")
        except KeyError:
            self.skipTest("no user 'nobody'")
        target = self.start_target()
        os.chmod(self.dir, 0o777)
        for command in (["record", "-o", self.path("refused.pyrometer")], ["dump"]):
            with self.subTest(command=command[0]):
                p = subprocess.run(["runuser", "-u", "nobody", "--", CLI, *command, "-p", str(target.pid)],
                                   capture_output=True, text=True, timeout=60)
                if "cannot" in p.stderr.lower() and "execut" in p.stderr.lower():
                    self.skipTest("the build tree is not readable by 'nobody'")
                self.assertEqual(p.returncode, 1, p.stderr)
                self.assertIn("Not allowed to read the memory of process %d" % target.pid, p.stderr)
                self.assertIn("--privileged", p.stderr)
        self.assertFalse(os.path.exists(self.path("refused.pyrometer")))
        self.assertIsNone(target.poll())

    def test_usage(self):
        rc, out, err = run("record")
        self.assertEqual(rc, 2)
        self.assertIn("-p PID", err)
        rc, out, err = run("record", "-o", self.path("x.unknown"), "--", PYTHON, "-c", "pass")
        self.assertEqual(rc, 2)

    def test_dump_prints_stacks(self):
        target = self.start_target()
        rc, out, err = run("dump", "-p", str(target.pid))
        self.assertEqual(rc, 0, err)
        self.assertIn("hot_spin", out)
        self.assertIn(self.script, out)

    def test_dump_not_python(self):
        sleeper = subprocess.Popen(["sleep", "30"])
        self.addCleanup(lambda: (sleeper.kill(), sleeper.wait()))
        rc, out, err = run("dump", "-p", str(sleeper.pid))
        self.assertEqual(rc, 1)
        self.assertIn("not running Python", err)


if __name__ == "__main__":
    CLI = sys.argv.pop(1)
    unittest.main(verbosity=2)
