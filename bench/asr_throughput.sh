#!/usr/bin/env bash
# ASR throughput: direct faster-whisper vs Parley end to end on the same audio (see asr_throughput.py).
# Usage: bench/asr_throughput.sh [--items 60] [--sets short,long] [--env PARLEY_BATCH_SIZE=16]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test >/dev/null
command -v soxi >/dev/null || { echo "needs sox (apt-get install sox)"; exit 1; }
[ -x .build/release/parley ] || swift build -c release --product parley
exec engine/.venv/bin/python bench/asr_throughput.py "$@"
