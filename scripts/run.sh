#!/usr/bin/env bash
# Sets up and runs Parley on the embedded default (SQLite, local blobs, in-process worker).
# Extra arguments go to `parley serve` (e.g. --port 9000). Data lives in ./data.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh run
swift build -c release --product parley
exec .build/release/parley serve "$@"
