#!/usr/bin/env bash
# Starts, idempotently, the services the test suite needs on loopback:
#   PostgreSQL 15 "main" on 5432 (the shared-store tests) and "chaos" on 5433 (the cluster
#   the restart test stops and starts), each with role parley/parley and database parley_test;
#   Redis on 6379. Installs postgresql and redis-server from apt when missing. Needs root (or sudo).
set -euo pipefail
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo

missing=()
for pkg in postgresql redis-server; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "services: installing ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
fi

version=$(ls /usr/lib/postgresql | sort -n | tail -1)
pg() { $SUDO su postgres -c "$*"; }

start_cluster() {  # name port
  local name=$1 port=$2
  if ! pg_lsclusters -h | awk '{print $2}' | grep -qx "$name"; then
    $SUDO pg_createcluster "$version" "$name" -p "$port" >/dev/null
  fi
  pg_lsclusters -h | awk -v n="$name" '$2 == n {print $4}' | grep -q online \
    || $SUDO pg_ctlcluster "$version" "$name" start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p "$port" && break; sleep 1; done
  pg_isready -h 127.0.0.1 -p "$port"
  pg "psql -p $port -tAc \"SELECT 1 FROM pg_roles WHERE rolname = 'parley'\"" | grep -q 1 \
    || pg "psql -q -p $port -c \"CREATE ROLE parley LOGIN CREATEDB PASSWORD 'parley'\""
  pg "psql -p $port -tAc \"SELECT 1 FROM pg_database WHERE datname = 'parley_test'\"" | grep -q 1 \
    || pg "createdb -p $port -O parley parley_test"
}
start_cluster main 5432
start_cluster chaos 5433

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --port 6379 --bind 127.0.0.1 --save '' --appendonly no >/dev/null
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.2; done
fi
redis-cli -h 127.0.0.1 -p 6379 ping
