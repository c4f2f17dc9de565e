#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Each executable prints "NAME VERSION" for --version and usage for --help, exiting 0."""
import subprocess
import sys

exe, name, version = sys.argv[1:4]

out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30)
if out.returncode != 0:
    sys.exit(f"{name} --version exited {out.returncode}: {out.stderr.strip()}")
if out.stdout.strip() != f"{name} {version}":
    sys.exit(f"{name} --version printed {out.stdout.strip()!r}, expected {name} {version!r}")

out = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=30)
if out.returncode != 0 or "Usage" not in out.stdout + out.stderr:
    sys.exit(f"{name} --help exited {out.returncode} without usage: {out.stdout[:200]!r}")
print(f"{name}: {version}")
