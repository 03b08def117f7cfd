#!/usr/bin/env bash
# Create bench/.venv and install checkov into it (for bench/run.sh).
# Usage (from the repo root): bash bench/setup-checkov.sh
# Override the pinned version with CHECKOV_VERSION=x.y.z (then also edit bench/checkov-constraints.txt);
# CHECKOV_VERSION= (empty) installs the latest with unpinned dependencies.
set -euo pipefail

cd "$(dirname "$0")/.."
CHECKOV_VERSION="${CHECKOV_VERSION-3.3.30}"
PYTHON="${PYTHON:-python3}"
VENV=bench/.venv

if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip
if [ -n "$CHECKOV_VERSION" ]; then
  # bench/checkov-constraints.txt pins checkov's dependencies as they were when it was measured.
  "$VENV/bin/python" -m pip install --quiet -c bench/checkov-constraints.txt "checkov==$CHECKOV_VERSION"
else
  "$VENV/bin/python" -m pip install --quiet checkov
fi
echo "checkov $("$VENV/bin/checkov" --version)"
