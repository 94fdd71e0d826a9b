#!/usr/bin/env bash
# Sets up and runs every test: the engine's pytest suite, then the Swift suite.
# The services the suite needs (PostgreSQL, Redis) are started first; a missing one fails the run.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test || exit 1
scripts/services.sh || { echo "test: could not start PostgreSQL/Redis"; exit 1; }

status=0
echo "== engine: pytest"
(cd engine && .venv/bin/python -m pytest -q tests) || status=1

echo "== swift test"
swift build --build-tests || exit 1
swift test --skip-build || status=1
exit $status
