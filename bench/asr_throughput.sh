#!/usr/bin/env bash
# ASR throughput: direct faster-whisper vs Parley end to end on the same audio (see asr_throughput.py).
# Usage: bench/asr_throughput.sh [--items 60] [--sets short,long] [--env PARLEY_BATCH_SIZE=16]
#        [--variant "2x1:PARLEY_ENGINE_PROCESSES=2,PARLEY_ENGINE_PARALLEL=1,PARLEY_ENGINE_THREADS=1" --variant ...] [--language en]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test >/dev/null
command -v soxi >/dev/null || { echo "needs sox (apt-get install sox)"; exit 1; }
swift build -c release --product parley >/dev/null  # incremental; never a stale binary
exec engine/.venv/bin/python bench/asr_throughput.py "$@"
