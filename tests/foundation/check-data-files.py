#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The desktop file, metainfo, polkit policy and MIME XML agree with each other and say what
the app needs; update-mime-database accepts the MIME XML, and a\nrecording is recognised by its content."""
import argparse
import configparser
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

APP_ID = "io.github.pyrometer.Pyrometer"
MIME_NS = "{http://www.freedesktop.org/standards/shared-mime-info}"

ap = argparse.ArgumentParser()
for arg in ("--desktop", "--metainfo", "--policy", "--mime", "--update-mime-database"):
    ap.add_argument(arg, required=True)
args = ap.parse_args()
errors = []

desktop = configparser.ConfigParser(interpolation=None)
desktop.optionxform = str
desktop.read(args.desktop, encoding="utf-8")
entry = desktop["Desktop Entry"]
if pathlib.Path(args.desktop).name != APP_ID + ".desktop":
    errors.append("desktop file is not named after the application id")
if entry.get("Icon") != APP_ID:
    errors.append(f"desktop Icon is {entry.get('Icon')!r}, expected {APP_ID}")
if not entry.get("Exec", "").startswith("pyrometer ") or "%F" not in entry.get("Exec", ""):
    errors.append("desktop Exec must run pyrometer with %F so dropped files open")
desktop_mime = [m for m in entry.get("MimeType", "").split(";") if m]

mime = ET.parse(args.mime).getroot()
own_types = {t.get("type") for t in mime.findall(f"{MIME_NS}mime-type")}
if "application/x-pyrometer-recording" not in own_types:
    errors.append("MIME XML does not define application/x-pyrometer-recording")
for t in own_types:
    if t not in desktop_mime:
        errors.append(f"desktop MimeType lacks {t}, which the MIME XML defines")
for t in desktop_mime:
    if t not in own_types and t not in {"image/svg+xml"}:
        errors.append(f"desktop MimeType {t} is neither ours nor a standard type we open")

meta = ET.parse(args.metainfo).getroot()
if meta.findtext("id") != APP_ID:
    errors.append(f"metainfo id is {meta.findtext('id')!r}")
launchable = meta.find("launchable")
if launchable is None or launchable.text != APP_ID + ".desktop":
    errors.append("metainfo launchable does not name the desktop file")
if not meta.findall("screenshots/screenshot/image"):
    errors.append("metainfo has no screenshots")
if not meta.findall("releases/release/description"):
    errors.append("metainfo has no release notes")

policy = ET.parse(args.policy).getroot()
actions = {a.get("id"): a for a in policy.findall("action")}
action = actions.get(APP_ID + ".attach")
if action is None:
    errors.append(f"policy lacks the action {APP_ID}.attach")
else:
    for key in ("allow_any", "allow_inactive", "allow_active"):
        if action.findtext(f"defaults/{key}") != "auth_admin_keep":
            errors.append(f"policy {key} is not auth_admin_keep")
    exec_path = [a.text for a in action.findall("annotate")
                 if a.get("key") == "org.freedesktop.policykit.exec.path"]
    if not exec_path or not exec_path[0].endswith("/pyrometer-sampler") or "@" in exec_path[0]:
        errors.append(f"policy exec.path is {exec_path}, expected the installed sampler")

with tempfile.TemporaryDirectory() as tmp:
    packages = pathlib.Path(tmp) / "packages"
    packages.mkdir()
    shutil.copy(args.mime, packages / (APP_ID + ".xml"))
    res = subprocess.run([args.update_mime_database, "-V", tmp], capture_output=True, text=True)
    if res.returncode != 0 or "rror" in res.stderr:
        errors.append(f"update-mime-database refused the MIME XML: {res.stderr.strip()}")
    elif not (pathlib.Path(tmp) / "application" / "x-pyrometer-recording.xml").exists():
        errors.append("update-mime-database did not produce the recording type")
    elif shutil.which("gio"):
        # A recording is recognised by its first bytes (the stream's magic), whatever its name.
        data_dir = pathlib.Path(tmp) / "share"
        shutil.copytree(tmp, data_dir / "mime", ignore=shutil.ignore_patterns("share"))
        sample = pathlib.Path(tmp) / "recording-without-extension"
        sample.write_bytes(b"\x89PYR\r\n\x1a\n\x01\x00\x00\x00")
        env = dict(os.environ, XDG_DATA_DIRS=f"{data_dir}:/usr/share", XDG_DATA_HOME=str(data_dir))
        info = subprocess.run(["gio", "info", "-a", "standard::content-type", str(sample)],
                              capture_output=True, text=True, env=env)
        if "application/x-pyrometer-recording" not in info.stdout:
            errors.append(f"the recording magic is not recognised: {info.stdout.strip()}")

for e in errors:
    print(e)
sys.exit(1 if errors else 0)
