#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Messages of the model and the CLI are whole and translatable.

- no printf-format macro (G_GINT64_FORMAT and the like) inside _(): xgettext cuts the msgid there;
- the words the JSON reader puts into messages ("found a string") are msgids themselves;
- messages with a count have plural forms."""
import pathlib
import re
import subprocess
import sys
import tempfile

root = pathlib.Path(sys.argv[1])
FILES = ["src/libpyrometer/pyr-json-reader.c", "src/libpyrometer/pyr-speedscope.c",
         "src/cli/pyr-cli-common.c", "src/cli/pyr-cli-diff.c", "src/cli/pyr-cli-report.c",
         "src/cli/pyr-cli-convert.c"]

failed = []
macro_in_msgid = re.compile(r'\b_\(\s*(?:"(?:[^"\\]|\\.)*"\s*)+G_G\w*_FORMAT')
for path in sorted((root / "src").rglob("*.c")):
    text = path.read_text(errors="replace")
    for m in macro_in_msgid.finditer(text):
        failed.append("%s:%d: a format macro inside _()" % (path.relative_to(root), text.count("\n", 0, m.start()) + 1))

with tempfile.TemporaryDirectory() as tmp:
    pot = pathlib.Path(tmp) / "messages.pot"
    subprocess.run(["xgettext", "--from-code=UTF-8", "--keyword=_", "--keyword=N_", "--keyword=g_dngettext:2,3",
                    "--directory", str(root), "--output", str(pot), *FILES], check=True)
    entries = {}
    for block in pot.read_text().split("\n\n"):
        ids = re.findall(r'^(msgid|msgid_plural) ((?:"(?:[^"\\]|\\.)*"\n?)+)', block, re.M)
        parts = {k: "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', v)) for k, v in ids}
        if "msgid" in parts:
            entries[parts["msgid"]] = parts.get("msgid_plural")

for word in ["error", "end of data", "an object", "an array", "a member name", "a string", "a number"]:
    if word not in entries:
        failed.append("the JSON token name %r is not translatable" % word)
for singular in ["Before: %s (%u sample)\\n", "After:  %s (%u sample)\\n",
                 "pyrometer-cli %s: warning: %s: skipped %s line that is not a stack (line %s)\\n"]:
    if entries.get(singular) is None:
        failed.append("no plural message %r" % singular)

for f in failed:
    print(f)
sys.exit(1 if failed else 0)
