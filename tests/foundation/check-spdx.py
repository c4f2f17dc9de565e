#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every source file the project writes carries an SPDX licence line near its top."""
import pathlib
import subprocess
import sys

root = pathlib.Path(sys.argv[1])
SUFFIXES = {".c", ".h", ".py", ".ui", ".xml", ".in", ".build", ".txt", ".css", ".sh", ".svg", ".json"}
SKIP_DIRS = {"tests/data", ".git", "po"}


def tracked_files():
    """What the repository holds; build folders and scratch files are not the project's."""
    try:
        out = subprocess.run(["git", "-C", str(root), "ls-files", "-z"], capture_output=True,
                             check=True).stdout
        return [root / p for p in out.decode().split("\0") if p]
    except (OSError, subprocess.CalledProcessError):
        return [p for p in root.rglob("*") if not any(
            (q / "meson-private").exists() for q in p.parents if root in q.parents)]


missing = []
for path in sorted(tracked_files()):
    rel = path.relative_to(root).as_posix()
    if not path.is_file() or any(rel == d or rel.startswith(d + "/") for d in SKIP_DIRS):
        continue
    executable_script = path.suffix == "" and path.stat().st_mode & 0o111 and \
        path.read_bytes()[:2] == b"#!"
    if path.suffix not in SUFFIXES and not executable_script:
        continue
    head = path.read_text(encoding="utf-8", errors="replace")[:600]
    if "SPDX-License-Identifier:" not in head:
        missing.append(rel)
for rel in missing:
    print(f"{rel}: no SPDX-License-Identifier line at the top")
sys.exit(1 if missing else 0)
