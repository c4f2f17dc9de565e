#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""pyrometer-sampler launch mode with the commands people really type.

On /usr/bin/python3.11 and on 3.14 run through its unpacked dynamic loader (whose
/proc/PID/exe is the loader) when `build-aux/pythons` has it:

- a wrapper that execs the interpreter (as pyenv shims and `env` do), ten times in a row:
  every run records spin.py's stack (a race with the exec used to fail 1 run in 3);
- `sh -c "python …; true"` (Python as a child) and a script running two Python programs one
  after the other: both programs' functions are recorded;
- a Python that execs another Python program (as `poetry run` does): the wrapper's
  function before the exec and the program's after it;
- --duration ending before the command: the command gets SIGINT (exit 130); one that ignores
  SIGINT and SIGTERM is killed after --stop-grace (exit 137);
- the stream's reader going away: the command gets SIGHUP and the sampler exits (8);
- --command-output FD: the command's output goes there, the sampler's stderr stays clean;
  a closed FD is refused (2).

Exit status: 0 pass, 1 fail.
"""
import os
import signal
import subprocess
import sys
import tempfile
import time

from samplertest import BUILD, SAMPLER, TARGETS, check, failures, interpreters as all_interpreters

STACKS = os.path.join(BUILD, "tests", "sampler", "test-native-stacks")
SPIN = os.path.join(TARGETS, "spin.py")
GENERATORS = os.path.join(TARGETS, "generators.py")


def interpreters():
    found = [("3.11-static", ["/usr/bin/python3.11"])] if os.path.exists("/usr/bin/python3.11") else []
    return found + [(name, argv) for name, _, argv in all_interpreters(local_only=True)
                    if name == "3.14"]


def record(argv, *options, timeout=60, **popen):
    """Runs the sampler on argv; returns (exit status, function names seen, stderr, seconds)."""
    with tempfile.NamedTemporaryFile(suffix=".pyrometer") as out:
        t0 = time.monotonic()
        r = subprocess.run([SAMPLER, "-r", "200", "-o", out.name, *options, "--"] + argv,
                           capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL, **popen)
        took = time.monotonic() - t0
        with open(out.name, "rb") as f:
            stacks = subprocess.run([STACKS], stdin=f, capture_output=True, text=True).stdout
    names = set()
    for line in stacks.splitlines():
        for frame in line.split(";"):
            if frame.startswith("P:"):
                names.add(frame[2:].split("@")[0])
    return r.returncode, names, r.stderr, took


def shell(text):
    return " ".join("'" + a.replace("'", "'\\''") + "'" for a in text)


def test_exec_wrapper(name, py, tmp):
    wrapper = os.path.join(tmp, "python-shim")
    with open(wrapper, "w") as f:
        # like a pyenv shim: a shell that execs (here through `env`) the interpreter
        f.write("#!/bin/sh\nexec env PYROMETER_SHIM=1 %s \"$@\"\n" % shell(py))
    os.chmod(wrapper, 0o755)
    bad = []
    for i in range(10):
        code, names, err, _ = record([wrapper, SPIN, "--seconds", "0.6"])
        if code != 0 or "spin" not in names:
            bad.append((code, err.strip()[-200:]))
    check(not bad, f"{name}: 10 launches through an exec wrapper record spin ({bad[:2]})")


def test_child_wrapper(name, py):
    code, names, err, _ = record(["sh", "-c", shell(py + [SPIN, "--seconds", "1"]) + "; true"])
    check(code == 0 and "spin" in names and "first Python process" in err,
          f"{name}: sh -c 'python …; true' records spin (exit {code}, {sorted(names)[:6]}, {err.strip()[-200:]!r})")

    code, names, err, _ = record(["sh", "-c", shell(py + [SPIN, "--seconds", "1"]) + "; "
                                  + shell(py + [GENERATORS, "--seconds", "1"]) + "; exit 3"])
    check(code == 3 and "spin" in names and "produce" in names,
          f"{name}: a script running two programs records both, exits with the script's 3 "
          f"(exit {code}, {sorted(names)[:8]}, {err.strip()[-200:]!r})")


def test_python_execs_python(name, py):
    wrapper = ("import os, sys, time\n"
               "def wrapper_startup():\n"
               "    t = time.monotonic()\n"
               "    while time.monotonic() - t < 0.8: pass\n"
               "wrapper_startup()\n"
               "argv = %r\n"
               "os.execv(argv[0], argv)\n" % (py + [SPIN, "--seconds", "1"]))
    code, names, err, _ = record(py + ["-c", wrapper])
    check(code == 0 and "wrapper_startup" in names and "spin" in names
          and "started a new program" in err,
          f"{name}: a Python that execs a Python program: both recorded (exit {code}, "
          f"{sorted(names)[:8]}, {err.strip()[-200:]!r})")


def test_duration_ends_command(name, py):
    code, names, err, took = record(py + [SPIN, "--seconds", "60"], "-d", "1")
    check(code == 130 and "spin" in names and took < 10,
          f"{name}: --duration 1 ends a 60 s command with SIGINT: exit {code} in {took:.1f} s")

    stubborn = ("import signal, time\n"
                "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                "def stubborn():\n"
                "    while True: pass\n"
                "stubborn()\n")
    code, names, err, took = record(py + ["-c", stubborn], "-d", "0.5", "--stop-grace", "0.5")
    check(code == 137 and "stubborn" in names and "SIGKILL" in err and took < 10,
          f"{name}: a command ignoring SIGINT and SIGTERM is killed after the grace: exit {code} "
          f"in {took:.1f} s")


def test_reader_gone(name, py, tmp):
    pidfile = os.path.join(tmp, "pid")
    target = ("import os, time\n"
              "open(%r, 'w').write(str(os.getpid()))\n"
              "def forever():\n"
              "    while True: pass\n"
              "forever()\n" % pidfile)
    p = subprocess.Popen([SAMPLER, "-r", "200", "--", *py, "-c", target],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    got = p.stdout.read(64)
    time.sleep(0.5)
    p.stdout.close()          # the viewer goes away
    try:
        code = p.wait(timeout=15)
    except subprocess.TimeoutExpired:
        p.kill()
        code = None
    p.stderr.close()
    pid = int(open(pidfile).read()) if os.path.exists(pidfile) else 0
    alive = pid > 0 and os.path.exists(f"/proc/{pid}") and \
        open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    check(len(got) > 0 and code == 8 and not alive,
          f"{name}: reader gone in launch mode: sampler exit {code}, command still running: {alive}")
    if alive:
        os.kill(pid, signal.SIGKILL)


def test_command_output(name, py):
    r, w = os.pipe()
    code, names, err, _ = record(py + ["-c", "import sys; print('to-stdout'); "
                                       "print('to-stderr', file=sys.stderr)"],
                                 "--command-output", str(w), pass_fds=(w,))
    os.close(w)
    with os.fdopen(r) as f:
        output = f.read()
    check(code == 0 and "to-stdout" in output and "to-stderr" in output
          and "to-std" not in err,
          f"{name}: --command-output: program output {output!r}, sampler stderr {err.strip()!r}")


def main():
    if not os.path.exists(STACKS):
        print("test-native-stacks is not built", file=sys.stderr)
        return 1
    found = interpreters()
    if not found:
        print("SKIP: no interpreter to launch")
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        for name, py in found:
            test_exec_wrapper(name, py, tmp)
            test_child_wrapper(name, py)
            test_python_execs_python(name, py)
            test_duration_ends_command(name, py)
            test_reader_gone(name, py, tmp)
            test_command_output(name, py)
    r = subprocess.run([SAMPLER, "--command-output", "97", "--", "true"], capture_output=True,
                       text=True)
    check(r.returncode == 2 and "not an open file descriptor" in r.stderr,
          f"--command-output with a closed descriptor: exit {r.returncode} {r.stderr.strip()!r}")
    print(f"{len(failures)} failed" if failures else "all passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
