#!/usr/bin/env bash
# Install the audit-log peer into bench/.venv-sigma and convert the Sigma Kubernetes audit rules.
#
#   bash bench/setup-audit-peer.sh              # from anywhere; once
#   bash bench/audit-peer.sh bench/out/audit-1m.jsonl
#
# The peer: the 16 Sigma rules of SigmaHQ/sigma rules/application/kubernetes/audit/ (copied, DRL 1.1,
# into ../shared/corpus/rules/sigma-kubernetes-audit/), converted to DuckDB SQL by pySigma with
# pySigma-backend-duckdb (PyPI; module sigma_backend_duckdb) and a field-mapping pipeline for raw
# audit.k8s.io/v1 JSON (bench/audit-peer.py documents it), then run by DuckDB (Python package).
# Versions are pinned below and, for their dependencies, in bench/sigma-constraints.txt.
# Writes bench/out/audit-peer/queries.json (the converted SQL, with each rule's author).
#
# Knobs (environment): PYTHON (python3), SHARED_DIR (../shared), SIGMA_RULES (a folder of
# Sigma rules; default $SHARED_DIR/corpus/rules/sigma-kubernetes-audit), AUDIT_PEER_DIR
# (bench/out/audit-peer), PYSIGMA_VERSION, SIGMA_DUCKDB_VERSION, DUCKDB_VERSION (empty values
# install the latest, without the constraints file).
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
PYSIGMA_VERSION="${PYSIGMA_VERSION-1.5.1}"
SIGMA_DUCKDB_VERSION="${SIGMA_DUCKDB_VERSION-0.1.4}"
DUCKDB_VERSION="${DUCKDB_VERSION-2.0.0}"
SHARED="${SHARED_DIR:-../shared}"
RULES="${SIGMA_RULES:-$SHARED/corpus/rules/sigma-kubernetes-audit}"
OUT="${AUDIT_PEER_DIR:-bench/out/audit-peer}"
VENV=bench/.venv-sigma

if [ ! -d "$RULES" ]; then
  echo "no Sigma rules at $RULES (set SHARED_DIR or SIGMA_RULES)" >&2
  exit 1
fi
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV" || {
    echo "python venv failed: apt-get install -y python3-venv" >&2
    exit 1
  }
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip
if [ -n "$PYSIGMA_VERSION" ] && [ -n "$SIGMA_DUCKDB_VERSION" ] && [ -n "$DUCKDB_VERSION" ]; then
  "$VENV/bin/python" -m pip install --quiet -c bench/sigma-constraints.txt \
    "pysigma==$PYSIGMA_VERSION" "pysigma-backend-duckdb==$SIGMA_DUCKDB_VERSION" "duckdb==$DUCKDB_VERSION"
else
  "$VENV/bin/python" -m pip install --quiet \
    "pysigma${PYSIGMA_VERSION:+==$PYSIGMA_VERSION}" \
    "pysigma-backend-duckdb${SIGMA_DUCKDB_VERSION:+==$SIGMA_DUCKDB_VERSION}" \
    "duckdb${DUCKDB_VERSION:+==$DUCKDB_VERSION}"
fi
"$VENV/bin/python" -m pip list 2> /dev/null | grep -iE '^(pysigma|pysigma-backend-duckdb|duckdb) ' >&2

mkdir -p "$OUT"
"$VENV/bin/python" bench/audit-peer.py convert "$RULES" "$OUT/queries.json"
