#!/usr/bin/env python3
"""Runs a test command and makes a stuck run fail fast, loudly and by name.

Usage: watchdog.py --total SECONDS --quiet SECONDS -- COMMAND [ARGS...]

The command's output passes through unchanged. swift-testing's "Test X started" and
"Test X passed/failed" lines are followed, so the watchdog knows which tests are running.
When the run outlives --total seconds, or no test starts or ends for --quiet seconds while
some are running, it prints the tests still running, the stacks of every thread of every
process under the command (gdb) with each process's command line and state, then kills every
process under the command and exits 124. Otherwise it exits with the command's status.
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

STARTED = re.compile(r"Test (?!case passing|run started)(.+?) started\.")
ENDED = re.compile(r"Test (.+?)(?: with \d+ test cases?)? (?:passed|failed|skipped)")


def descendants(root: int) -> list:
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    found, queue = [], [root]
    while queue:
        pid = queue.pop()
        found.append(pid)
        queue.extend(children.get(pid, []))
    return found


def describe(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            command = cmdline.read().replace(b"\0", b" ").decode(errors="replace").strip()
        with open(f"/proc/{pid}/stat") as stat:
            state = stat.read().rsplit(")", 1)[1].split()[0]
        return f"pid {pid} state {state}: {command[:300]}"
    except OSError:
        return f"pid {pid}: gone"


def dump(root: int) -> None:
    gdb = shutil.which("gdb")
    for pid in descendants(root):
        print(f"\n=== watchdog: {describe(pid)}", flush=True)
        exe = os.path.realpath(f"/proc/{pid}/exe") if os.path.exists(f"/proc/{pid}/exe") else ""
        if gdb and (exe.endswith(".xctest") or exe.endswith("/parley")):
            subprocess.run([gdb, "-p", str(pid), "-batch", "-nx", "-iex", "set complaints 0", "-ex", "set pagination off",
                            "-ex", "thread apply all bt 25"], stdout=sys.stdout, stderr=subprocess.DEVNULL,
                           timeout=120, check=False)
            sys.stdout.flush()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--total", type=float, required=True)
    parser.add_argument("--quiet", type=float, required=True)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    running, lock = {}, threading.Lock()
    last_event = [time.monotonic()]

    def pump() -> None:
        for raw in child.stdout:
            line = raw.decode(errors="replace")
            sys.stdout.write(line)
            sys.stdout.flush()
            with lock:
                if (match := STARTED.search(line)):
                    running[match.group(1)] = time.monotonic()
                    last_event[0] = time.monotonic()
                elif (match := ENDED.search(line)):
                    running.pop(match.group(1), None)
                    last_event[0] = time.monotonic()

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    started = time.monotonic()
    while child.poll() is None:
        time.sleep(1)
        now = time.monotonic()
        with lock:
            quiet = running and now - last_event[0] > args.quiet
            stuck = sorted(running.items(), key=lambda item: item[1])
        if now - started <= args.total and not quiet:
            continue
        why = f"no test started or ended for {args.quiet:.0f} s" if quiet else f"the run passed {args.total:.0f} s"
        print(f"\n=== watchdog: {why}; still running:", flush=True)
        for name, since in stuck:
            print(f"  STUCK {name} (for {now - since:.0f} s)", flush=True)
        dump(child.pid)
        # Every process under the command, whatever group it put itself in (swift test starts
        # the test binary in a group of its own).
        for pid in reversed(descendants(child.pid)):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        child.wait()
        reader.join(timeout=5)
        print(f"=== watchdog: killed the run; {len(stuck)} test(s) were stuck", flush=True)
        return 124
    reader.join(timeout=5)
    return child.returncode


if __name__ == "__main__":
    sys.exit(main())
