#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The annotated example in docs/stream-format.md is exactly what the writer produces today."""

import pathlib
import subprocess
import sys

dump, spec = sys.argv[1], pathlib.Path(sys.argv[2])
produced = subprocess.run([dump, "--example"], check=True, capture_output=True, text=True).stdout

text = spec.read_text(encoding="utf-8")
start = text.index("## Example")
block_start = text.index("```\n", start) + 4
block_end = text.index("```\n", block_start)
documented = text[block_start:block_end]

if documented != produced:
    import difflib
    sys.stdout.writelines(difflib.unified_diff(documented.splitlines(True), produced.splitlines(True),
                                               "docs/stream-format.md", "stream-dump --example"))
    print("the example in docs/stream-format.md is out of date: regenerate it with stream-dump --example")
    sys.exit(1)
print("example matches the writer's output")
