# SPDX-License-Identifier: GPL-3.0-or-later
"""What the sampler's Python test scripts share: where things are, the interpreters of
`build-aux/pythons`, and check(), which prints one ok/FAILED line and remembers failures."""
import os
import subprocess

ROOT = os.environ.get("PYROMETER_SOURCE_ROOT",
                      os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BUILD = os.environ.get("PYROMETER_BUILD_ROOT", os.path.join(ROOT, "build"))
SAMPLER = os.environ.get("PYROMETER_SAMPLER", os.path.join(BUILD, "src", "sampler", "pyrometer-sampler"))
TARGETS = os.path.join(ROOT, "tests", "targets")
PYTHONS = os.path.join(ROOT, "build-aux", "pythons")

failures = []


def check(cond, what):
    print(("ok      " if cond else "FAILED  ") + what, flush=True)
    if not cond:
        failures.append(what)
    return cond


def interpreters(local_only=False):
    """[(name, version, argv)] of `build-aux/pythons list` (--local: only those fetched)."""
    out = subprocess.run([PYTHONS, "list"] + (["--local"] if local_only else []),
                         capture_output=True, text=True).stdout
    found = []
    for line in out.splitlines():
        f = line.split("\t")
        if len(f) >= 3:
            found.append((f[0], f[1], f[2:]))
    return found
