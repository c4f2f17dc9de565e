#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The bundled demo runs every phase it promises and stops on time."""
import subprocess
import sys
import time

demo = sys.argv[1]
started = time.monotonic()
out = subprocess.run([sys.executable, demo, "--seconds", "3"], capture_output=True, text=True,
                     timeout=45)
elapsed = time.monotonic() - started
if out.returncode != 0:
    sys.exit(f"demo exited {out.returncode}: {out.stderr[-800:]}")
for phase in ("parse", "regex", "sort", "n+1", "moving-line", "background"):
    if f"phase {phase}" not in out.stdout:
        sys.exit(f"demo never ran phase {phase!r}; it printed:\n{out.stdout[-800:]}")
if not 2.5 <= elapsed <= 30:
    sys.exit(f"demo asked to run 3 s took {elapsed:.1f} s")
print(out.stdout.strip().splitlines()[-1])
