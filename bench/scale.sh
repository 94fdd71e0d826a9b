#!/usr/bin/env bash
# The scale figures of one sitting, side by side: queue throughput (Postgres, echo engine),
# ingress (SQLite and Postgres), and ASR speed and peak memory against direct faster-whisper.
# Usage: bench/scale.sh [items=60]. PARLEY_BIN picks the binary (default .build/release/parley).
# Needs the services of scripts/services.sh and the engine's venv (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
items=${1:-60}
bin=${PARLEY_BIN:-.build/release/parley}
[ -x "$bin" ] || swift build -c release --product parley
export PARLEY_BIN=$bin
echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(uname -r)"
echo "== queue: bench/queue.sh 4 4 2500 16"
bench/queue.sh 4 4 2500 16 | tail -1
for store in sqlite postgres; do
  echo "== ingress ($store): bench/ingress.sh 20 50 $store"
  bench/ingress.sh 20 50 "$store" | grep -E "requests/s|p50|p99|non-2xx"
done
echo "== ASR: bench/asr_throughput.py --items $items (default settings against the 2x1 shape; buckets with the language given)"
command -v soxi >/dev/null && command -v espeak-ng >/dev/null || apt-get install -y -q sox espeak-ng >/dev/null
engine/.venv/bin/python bench/asr_throughput.py --binary "$bin" --items "$items" \
  --variant "2x1:PARLEY_ENGINE_PROCESSES=2,PARLEY_ENGINE_PARALLEL=1,PARLEY_ENGINE_THREADS=1" --variant "default:"
engine/.venv/bin/python bench/asr_throughput.py --binary "$bin" --sets bucket --language en --variant "default:"
