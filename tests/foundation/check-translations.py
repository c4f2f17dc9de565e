#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every translation in po/LINGUAS is valid, and the complete ones stay complete.

The template is extracted afresh from po/POTFILES.in with the same keywords as meson's
"glib" preset, so a new string in the code that the German catalogue lacks fails here."""
import os
import pathlib
import subprocess
import sys
import tempfile

root = pathlib.Path(sys.argv[1])
po_dir = root / "po"
# Catalogues that must translate every string; others only have to be valid.
COMPLETE = {"de"}

linguas = [l.strip() for l in (po_dir / "LINGUAS").read_text().splitlines()
           if l.strip() and not l.startswith("#")]

with tempfile.TemporaryDirectory() as tmp:
    pot = pathlib.Path(tmp) / "pyrometer.pot"
    subprocess.run(
        ["xgettext", "--package-name=pyrometer", "--from-code=UTF-8", "--add-comments",
         "--keyword=_", "--keyword=N_", "--keyword=C_:1c,2", "--keyword=NC_:1c,2",
         "--keyword=g_dcgettext:2", "--keyword=g_dngettext:2,3", "--keyword=g_dpgettext2:2c,3",
         "--flag=N_:1:pass-c-format", "--flag=C_:2:pass-c-format", "--flag=NC_:2:pass-c-format",
         "--flag=g_dngettext:2:pass-c-format", "--flag=g_strdup_printf:1:c-format",
         "--flag=g_string_printf:2:c-format", "--flag=g_string_append_printf:2:c-format",
         "--flag=g_error_new:3:c-format", "--flag=g_set_error:4:c-format",
         "--files-from", str(po_dir / "POTFILES.in"), "--directory", str(root),
         "--output", str(pot)],
        check=True)

    failed = False
    for lang in linguas:
        po = po_dir / f"{lang}.po"
        check = subprocess.run(["msgfmt", "--check", "--statistics", "-o", os.devnull, str(po)],
                               capture_output=True, text=True)
        print(f"{lang}: {check.stderr.strip()}")
        if check.returncode != 0:
            failed = True
            continue
        if lang in COMPLETE:
            if "untranslated" in check.stderr or "fuzzy" in check.stderr:
                print(f"{lang}.po has untranslated or fuzzy messages")
                failed = True
            cmp = subprocess.run(["msgcmp", "--use-untranslated", str(po), str(pot)],
                                 capture_output=True, text=True)
            if cmp.returncode != 0:
                print(f"{lang}.po is not in step with the sources:\n{cmp.stderr}")
                failed = True
    sys.exit(1 if failed else 0)
