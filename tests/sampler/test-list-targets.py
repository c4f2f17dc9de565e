#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""pyrometer-sampler --list against real processes.

Starts tests/targets/spin.py on several interpreters of `build-aux/pythons list` (one of them
through the dynamic loader, one as `python -m spin`, one from a virtualenv), a non-Python
process whose command line mentions python, and checks what --list says about each: listed or
not, pid, ppid, argv, Python version, resident memory, CPU ticks growing, attachable.  As root
it also runs --list as nobody and checks that the root-owned target is still listed (from its
command line) and marked as needing authorisation.

Exit status: 0 pass, 1 fail, 77 skip (no sampler, no interpreter).
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from samplertest import SAMPLER, TARGETS, check, failures, interpreters


def list_processes(prefix=()):
    out = subprocess.run(list(prefix) + [SAMPLER, "--list"], capture_output=True, text=True,
                         check=True).stdout
    lines = [json.loads(l) for l in out.splitlines()]
    assert lines and lines[0]["type"] == "system", lines[:1]
    return lines[0], {p["pid"]: p for p in lines[1:]}


def start(argv, cwd=TARGETS):
    p = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         stdin=subprocess.DEVNULL, text=True)
    line = p.stdout.readline()
    if not line.startswith("ready "):
        p.kill()
        raise RuntimeError(f"{argv}: no ready line ({line!r})")
    return p


def main():
    if not os.access(SAMPLER, os.X_OK):
        print(f"skip: no sampler at {SAMPLER}")
        return 77
    interps = {name: (version, argv) for name, version, argv in interpreters()}
    # one through the dynamic loader (3.9, 3.13+ run that way here), one static, one debug build
    wanted = [n for n in ("3.9", "3.11-static", "3.13", "3.14-dbg", "3.15") if n in interps]
    if not wanted:
        print("skip: build-aux/pythons lists none of the interpreters this test uses")
        return 77

    procs = []     # (name, Popen, expected version, argv tail to find)
    tmp = tempfile.mkdtemp(prefix="pyr-list-")
    try:
        for name in wanted:
            version, prefix = interps[name]
            procs.append((name, start(prefix + ["spin.py"]), version, "spin.py"))
        # python -m: the module from the current folder
        version, prefix = interps[wanted[-1]]
        procs.append(("-m " + wanted[-1], start(prefix + ["-m", "spin"]), version, "spin"))
        # a virtualenv's python is a symbolic link to the real one
        base = shutil.which("python3.11") or "/usr/bin/python3.11"
        if os.path.exists(base):
            venv = os.path.join(tmp, "venv")
            subprocess.run([base, "-m", "venv", "--without-pip", venv], check=True)
            procs.append(("venv", start([os.path.join(venv, "bin", "python"),
                                         "spin.py"]), "3.11", "spin.py"))
        # not Python, though its command line says "python"
        sleeper = subprocess.Popen(["sh", "-c", "sleep 60; : python3 spin.py"],
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   start_new_session=True)
        time.sleep(0.2)

        system, first = list_processes()
        check(system["clock_ticks_per_second"] > 0, "system line has the clock tick rate")
        check(system["sampler_pid"] not in first, "the sampler does not list itself")
        check(sleeper.pid not in first, "a shell running sleep is not listed")
        time.sleep(1.0)
        _, second = list_processes()

        for name, p, version, tail in procs:
            info = second.get(p.pid)
            check(info is not None, f"{name}: pid {p.pid} listed")
            if info is None:
                continue
            check(info["ppid"] == os.getpid(), f"{name}: ppid is this test ({info['ppid']})")
            check(tail in info["argv"], f"{name}: argv {info['argv'][-3:]} holds {tail!r}")
            got = info["python"] or ""
            check(got == version or got.startswith(version + ".") or version.startswith(got + ".")
                  and got.count(".") == 1, f"{name}: python {got} matches {version}")
            check(info["detected_by"] == "maps", f"{name}: detected by its memory map")
            check(info["rss_bytes"] > 1 << 20, f"{name}: resident memory {info['rss_bytes']} > 1 MiB")
            before = first.get(p.pid, {}).get("cpu_ticks", 0)
            check(info["cpu_ticks"] > before, f"{name}: CPU ticks grow while it spins "
                                              f"({before} -> {info['cpu_ticks']})")
            check(info["start_ticks"] > 0 and info["start_ticks"] <= system["uptime_ticks"] + 200,
                  f"{name}: start time within uptime")
            check(info["can_attach"] is True and info["needs_authorization"] is False,
                  f"{name}: attachable by its own user")
            check(info["uid"] == os.getuid() and info["user"], f"{name}: uid and user name")

        # the exact version where the binary says it
        exact = [n for n, p, v, _ in procs if v.count(".") == 2 and p.pid in second
                 and second[p.pid]["python"] == v]
        check(len(exact) >= 2, f"exact versions read from the binaries of {exact}")

        loader = [second[p.pid] for n, p, _, _ in procs
                  if p.pid in second and "ld-linux" in (second[p.pid]["executable"] or "")]
        if loader:
            check(all("python3." in (i["image"] or "") for i in loader),
                  "run through the dynamic loader: the image is the python binary")
        else:
            print("note: no interpreter here runs through the dynamic loader")

        if os.getuid() == 0 and shutil.which("setpriv"):
            copy = os.path.join(tmp, "pyrometer-sampler")
            shutil.copy(SAMPLER, copy)
            os.chmod(tmp, 0o755)
            os.chmod(copy, 0o755)
            out = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                  copy, "--list"], capture_output=True, text=True)
            lines = [json.loads(l) for l in out.stdout.splitlines()]
            check(out.returncode == 0 and lines and lines[0]["uid"] == 65534,
                  "--list runs as nobody")
            as_nobody = {l["pid"]: l for l in lines[1:]}
            name, p, _, _ = procs[0]
            info = as_nobody.get(p.pid)
            check(info is not None, f"as nobody: root's {name} target still listed")
            if info:
                check(info["needs_authorization"] is True and info["can_attach"] is False,
                      "as nobody: it needs authorisation")
                check(info["detected_by"] == "command" and info["reason"],
                      f"as nobody: recognised from its command line ({info['reason']})")
                check(info["user"] == "root", "as nobody: the owner's name is known")
            check(sleeper.pid not in as_nobody, "as nobody: the shell is not listed")
        else:
            print("note: not root: the other-user case is not tested here")
    finally:
        for _, p, _, _ in procs:
            p.kill()
            p.wait()
        if "sleeper" in locals():
            os.killpg(sleeper.pid, signal.SIGKILL)
            sleeper.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print(f"{len(failures)} failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
