#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""`pyrometer-cli record --connect` against a real `pyrometer-sampler --listen`."""

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import unittest

CLI = None
SAMPLER = os.path.join(os.environ.get("PYROMETER_BUILD_ROOT", ""), "src", "sampler", "pyrometer-sampler")
SPIN = os.path.join(os.environ.get("PYROMETER_SOURCE_ROOT", ""), "tests", "targets", "spin.py")
PYTHON = next((p for p in ("/usr/bin/python3.11", "/usr/bin/python3") if os.access(p, os.X_OK)), None)


@unittest.skipIf(PYTHON is None, "no /usr/bin/python3.11 or /usr/bin/python3 to record")
class Connect(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="pyr-cli-connect-")
        self.target = subprocess.Popen([PYTHON, SPIN, "--seconds", "60"], stdout=subprocess.PIPE, text=True)
        self.assertTrue(self.target.stdout.readline().startswith("ready"))

    def tearDown(self):
        self.target.kill()
        self.target.wait()
        self.target.stdout.close()
        self.tmp.cleanup()

    def listen(self, address):
        sampler = subprocess.Popen([SAMPLER, "--listen", address, "--pid", str(self.target.pid)],
                                   stderr=subprocess.PIPE, text=True)
        line = sampler.stderr.readline()
        m = re.match(r"pyrometer-sampler: listening on (\S+)", line)
        self.assertIsNotNone(m, line)
        return sampler, m.group(1)

    def test_record_from_unix_socket(self):
        sock = os.path.join(self.tmp.name, "pyr.sock")
        out = os.path.join(self.tmp.name, "remote.pyrometer")
        sampler, where = self.listen("unix:" + sock)
        p = subprocess.run([CLI, "record", "--connect", where, "-d", "1", "-o", out],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("spin (%s:" % SPIN, p.stdout)
        self.assertRegex(p.stdout, r"samples [1-9]\d+")
        with open(out, "rb") as f:
            self.assertEqual(f.read(8), b"\x89PYR\r\n\x1a\n")
        self.assertEqual(sampler.wait(timeout=10), 8)   # its reader went away
        sampler.stderr.close()
        self.assertIsNone(self.target.poll())          # the target runs on

    def test_refused_and_usage(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        address = "tcp:127.0.0.1:%d" % port
        p = subprocess.run([CLI, "record", "--connect", address, "-o", os.path.join(self.tmp.name, "x.pyrometer")],
                           capture_output=True, text=True, timeout=60, env=dict(os.environ, LANGUAGE="C"))
        self.assertEqual(p.returncode, 1)
        self.assertIn("Could not connect to %s: Connection refused. Is pyrometer-sampler --listen running there?"
                      % address, p.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp.name, "x.pyrometer")))
        for args in (["--connect", "tcp:nowhere"], ["--connect", address, "-p", "1"]):
            p = subprocess.run([CLI, "record", *args], capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 2, args)


if __name__ == "__main__":
    CLI = sys.argv.pop(1)
    unittest.main(verbosity=2)
