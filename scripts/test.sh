#!/usr/bin/env bash
# Sets up and runs every test: the engine's pytest suite, then the Swift suite.
# The services the suite needs (PostgreSQL, Redis) are started first; a missing one fails the run.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test || exit 1
scripts/services.sh || { echo "test: could not start PostgreSQL/Redis"; exit 1; }

# Every run has a deadline: scripts/watchdog.py kills a run that outlives it, or in which no
# test starts or ends for a while, and names the tests still running with the stacks of every
# thread (gdb) first, so a stuck test fails the run within minutes instead of hanging it.
status=0
echo "== engine: pytest"
(cd engine && ../scripts/watchdog.py --total 900 --quiet 900 -- .venv/bin/python -m pytest -q tests) || status=1

echo "== swift test"
swift build --build-tests || exit 1
scripts/watchdog.py --total 1800 --quiet 300 -- stdbuf -oL swift test --skip-build || status=1
exit $status
