#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fails when a file with translatable strings is missing from po/POTFILES.in (or listed but gone)."""
import pathlib
import re
import subprocess
import sys

root = pathlib.Path(sys.argv[1])

listed = set()
for line in (root / "po" / "POTFILES.in").read_text(encoding="utf-8").splitlines():
    line = line.strip()
    if line and not line.startswith("#"):
        listed.add(line)

markers = {
    ".c": re.compile(r"\b(?:_|N_|C_|NC_|g_dngettext|ngettext)\s*\(\s*\""),
    ".ui": re.compile(r'translatable="yes"'),
    ".in": re.compile(r"."),  # desktop, metainfo, policy and MIME templates are all user-visible
    ".xml": re.compile(r"<summary>|<description>"),
}



def project_files():
    """Tracked files when this is a git checkout (scratch files are not the project's)."""
    try:
        out = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "src", "resources", "data"],
                             capture_output=True, check=True).stdout
        return [root / p for p in out.decode().split("\0") if p]
    except (OSError, subprocess.CalledProcessError):
        return [p for folder in ("src", "resources", "data") for p in (root / folder).rglob("*")]


needed = set()
for path in sorted(project_files()):
    if not path.is_file() or path.suffix not in markers:
        continue
    rel = path.relative_to(root).as_posix()
    # The sampler is plain C without gettext: its messages are not translated by design.
    if rel.startswith("src/sampler/") or rel.startswith("src/protocol/"):
        continue
    if path.suffix == ".xml" and not rel.endswith(".gschema.xml"):
        continue
    if markers[path.suffix].search(path.read_text(encoding="utf-8", errors="replace")):
        needed.add(rel)

missing = sorted(needed - listed)
gone = sorted(p for p in listed if not (root / p).exists())
for p in missing:
    print(f"po/POTFILES.in lacks {p}, which has translatable strings")
for p in gone:
    print(f"po/POTFILES.in lists {p}, which does not exist")
sys.exit(1 if missing or gone else 0)
