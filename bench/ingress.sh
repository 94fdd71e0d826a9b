#!/usr/bin/env bash
# Ingress: POST /v1/jobs with 100 text items from 50 concurrent connections for 20 s (wrk),
# against `parley serve --no-worker` (API only) on a fresh data directory (SQLite), or on a fresh
# Postgres database (store `postgres`, with the services of scripts/services.sh).
# Prints wrk's requests/s and latency percentiles. Usage: bench/ingress.sh [duration_s] [connections] [sqlite|postgres]
# PARLEY_BIN picks the binary (default .build/release/parley, built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-20}
connections=${2:-50}
store=${3:-sqlite}
command -v wrk >/dev/null || { apt-get install -y -q wrk >/dev/null; }
bin=${PARLEY_BIN:-.build/release/parley}
[ -x "$bin" ] || swift build -c release --product parley
work=$(mktemp -d)
port=18124
admin=bench-admin-key-0123456789abcdefghijklmnop
db=""
if [ "$store" = postgres ]; then
  db=parley_ingress_$$
  su postgres -c "createdb -O parley $db"
  export PARLEY_DATABASE_URL="postgres://parley:parley@127.0.0.1:5432/$db?sslmode=disable"
fi
PARLEY_ADMIN_KEY=$admin PARLEY_LOG_LEVEL=warning "$bin" serve --no-worker --migrate --port $port --data-dir "$work/data" \
  >"$work/server.log" 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null; [ -z "$db" ] || su postgres -c "dropdb --force $db"; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -fs http://127.0.0.1:$port/v1/health >/dev/null && break; sleep 0.1; done
key=$(curl -fs -X POST http://127.0.0.1:$port/v1/auth/token -H "Authorization: Bearer $admin" \
  -H 'content-type: application/json' -d '{"owner": "bench", "rate_per_minute": 1000000, "burst": 1000000}' \
  | python3 -c 'import sys, json; print(json.load(sys.stdin)["key"])')
python3 - "$work/body.json" <<'PY'
import json, sys
items = [{"id": f"t{i}", "text": f"Sentence number {i} of the ingress benchmark, long enough to look real."} for i in range(100)]
json.dump({"job_type": "nmt", "default_src_lng": "en", "default_tgt_lng": "pt", "items": items}, open(sys.argv[1], "w"))
PY
cat > "$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $key"
local f = io.open("$work/body.json", "r")
wrk.body = f:read("*a")
f:close()
done = function(summary, latency, requests)
  local codes = summary.errors.status
  io.write(string.format("requests/s: %.1f\n", summary.requests / (summary.duration / 1e6)))
  for _, p in pairs({50, 90, 99}) do
    io.write(string.format("p%d latency: %.1f ms\n", p, latency:percentile(p) / 1000))
  end
  io.write(string.format("non-2xx responses: %d\n", codes))
end
LUA
echo "== ingress ($store): POST /v1/jobs (100 text items, $(wc -c <"$work/body.json") bytes) x $connections connections x ${duration}s"
wrk -t2 -c"$connections" -d"${duration}s" --latency -s "$work/post.lua" "http://127.0.0.1:$port/v1/jobs"
