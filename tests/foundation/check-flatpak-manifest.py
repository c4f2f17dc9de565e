#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Flatpak manifest cannot be built here (no runtime download), so check it as a document:
valid JSON once block comments are removed (flatpak-builder's json-glib accepts them), the keys
flatpak-builder needs, the same app id as the desktop file and metainfo, a comment for every
finish-arg, and only meson options that exist."""
import json
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
manifest_path = root / "flatpak" / "io.github.pyrometer.Pyrometer.json"
text = manifest_path.read_text(encoding="utf-8")


def strip_block_comments(src):
    out, i, in_string = [], 0, False
    while i < len(src):
        c = src[i]
        if in_string:
            out.append(c)
            if c == "\\":
                out.append(src[i + 1])
                i += 1
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
            out.append(c)
        elif src.startswith("/*", i):
            end = src.find("*/", i + 2)
            if end < 0:
                sys.exit(f"{manifest_path}: unterminated comment")
            out.append(" ")
            i = end + 1
        else:
            out.append(c)
        i += 1
    return "".join(out)


errors = []
try:
    manifest = json.loads(strip_block_comments(text))
except json.JSONDecodeError as e:
    sys.exit(f"{manifest_path}: not valid JSON: {e}")

for key in ("id", "runtime", "runtime-version", "sdk", "command", "finish-args", "modules"):
    if key not in manifest:
        errors.append(f"manifest lacks {key!r}")

app_id = manifest.get("id")
desktop = (root / "data" / f"{app_id}.desktop.in")
metainfo = (root / "data" / f"{app_id}.metainfo.xml.in")
if not desktop.exists():
    errors.append(f"no desktop file data/{app_id}.desktop.in for the manifest's id")
if not metainfo.exists() or f"<id>{app_id}</id>" not in metainfo.read_text(encoding="utf-8"):
    errors.append(f"metainfo does not carry the id {app_id}")
if manifest.get("runtime") != "org.gnome.Platform" or manifest.get("sdk") != "org.gnome.Sdk":
    errors.append("runtime and sdk must be the GNOME ones")

# Each finish-arg sits under a comment saying why (one comment may cover a group of them).
body = text[text.find('"finish-args"'):]
body = body[:body.find("]")]
covered = False
for line in body.splitlines()[1:]:
    stripped = line.strip()
    if stripped.startswith("/*") or stripped.endswith("*/"):
        covered = True
    elif stripped.startswith('"') and not covered:
        errors.append(f"finish-arg {stripped.rstrip(',')} has no comment saying why")
for needed in ("--talk-name=org.freedesktop.Flatpak", "--socket=wayland"):
    if needed not in manifest.get("finish-args", []):
        errors.append(f"finish-args lack {needed}")
if not any(a.startswith("--filesystem=host") and a.endswith(":ro") for a in manifest.get("finish-args", [])):
    errors.append("finish-args lack read-only host files for the source view")

options = set(re.findall(r"option\(\s*'([^']+)'", (root / "meson_options.txt").read_text()))
modules = manifest.get("modules", [])
ours = [m for m in modules if isinstance(m, dict) and m.get("name") == "pyrometer"]
if not ours:
    errors.append("no module named pyrometer")
for module in ours:
    if module.get("buildsystem") != "meson":
        errors.append("the pyrometer module must build with meson")
    for opt in module.get("config-opts", []):
        m = re.match(r"-D([A-Za-z0-9_-]+)=", opt)
        if m and m.group(1) not in options:
            errors.append(f"config-opt {opt} names no option in meson_options.txt")
for module in modules:
    for source in module.get("sources", []) if isinstance(module, dict) else []:
        if source.get("type") in ("archive", "file") and not source.get("sha256"):
            errors.append(f"module {module.get('name')}: source {source.get('url')} has no sha256")

for e in errors:
    print(e)
sys.exit(1 if errors else 0)
