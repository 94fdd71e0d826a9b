#!/usr/bin/env bash
# Queue throughput on Postgres with no-op work: 1 `parley serve --no-worker` and W `parley worker`
# processes (echo engine, no delay) on a fresh database; submits J jobs of N text items and reports
# items/s claimed and completed, from the items' own started_at/finished_at in the database.
# Usage: bench/queue.sh [workers=4] [jobs=4] [items_per_job=2500] [batch_size=16]
# Needs the services of scripts/services.sh. PARLEY_BIN picks the binary (default .build/release/parley).
set -euo pipefail
cd "$(dirname "$0")/.."
workers=${1:-4}; jobs=${2:-4}; per_job=${3:-2500}; batch=${4:-16}
bin=${PARLEY_BIN:-.build/release/parley}
[ -x "$bin" ] || swift build -c release --product parley
scripts/services.sh >/dev/null
db=parley_bench_$$
su postgres -c "createdb -O parley $db"
work=$(mktemp -d)
port=18125
admin=bench-admin-key-0123456789abcdefghijklmnop
export PARLEY_DATABASE_URL="postgres://parley:parley@127.0.0.1:5432/$db?sslmode=disable"
blob_dir=${BENCH_BLOB_DIR:-$work}; mkdir -p "$blob_dir"
export PARLEY_BLOB_URL="file://$blob_dir/blobs" PARLEY_ENGINE=echo PARLEY_ECHO_DELAY_MS=0 PARLEY_BATCH_SIZE=$batch
export PARLEY_ADMIN_KEY=$admin PARLEY_LOG_LEVEL=warning PARLEY_MAX_ITEMS=$per_job
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  su postgres -c "dropdb --force $db" || true
  rm -rf "$work"
}
trap cleanup EXIT
"$bin" serve --no-worker --migrate --port $port >"$work/api.log" 2>&1 & pids+=($!)
for _ in $(seq 1 100); do curl -fs http://127.0.0.1:$port/v1/health >/dev/null && break; sleep 0.1; done
python3 - "$work/body.json" "$per_job" <<'PY'
import json, sys
items = [{"id": f"t{i}", "text": f"item {i}"} for i in range(int(sys.argv[2]))]
json.dump({"job_type": "nmt", "default_src_lng": "en", "default_tgt_lng": "pt", "items": items}, open(sys.argv[1], "w"))
PY
# Jobs first, workers second: the figure is the queue draining, not the ingress.
for _ in $(seq 1 "$jobs"); do
  curl -fs -o /dev/null -X POST http://127.0.0.1:$port/v1/jobs -H "Authorization: Bearer $admin" \
    -H 'content-type: application/json' --data-binary @"$work/body.json"
done
total=$((jobs * per_job))
for i in $(seq 1 "$workers"); do "$bin" worker >"$work/worker-$i.log" 2>&1 & pids+=($!); done
query() { PGPASSWORD=parley psql -h 127.0.0.1 -U parley -d "$db" -tAc "$1"; }
while [ "$(query "SELECT count(*) FROM items WHERE status IN ('queued', 'running')")" != 0 ]; do sleep 0.5; done
query "SELECT count(*) AS items,
  round(count(*) * 1000.0 / GREATEST(max(started_at) - min(started_at), 1)) AS claimed_per_s,
  round(count(*) * 1000.0 / GREATEST(max(finished_at) - min(started_at), 1)) AS completed_per_s,
  count(*) FILTER (WHERE status = 'succeeded') AS succeeded, max(attempts) AS max_attempts
  FROM items" | awk -F'|' -v w="$workers" -v b="$batch" \
  '{ printf "postgres queue, %s workers, batch %s: %s items, %s items/s claimed, %s items/s completed (%s succeeded, max attempts %s)\n", w, b, $1, $2, $3, $4, $5 }'
