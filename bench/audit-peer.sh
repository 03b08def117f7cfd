#!/usr/bin/env bash
# Run the audit-log peer (Sigma's Kubernetes audit rules as DuckDB SQL) over an audit log, timed.
#
#   bash bench/setup-audit-peer.sh                                   # once
#   python3 bench/gen-audit.py bench/out/audit-1m.jsonl              # 1,000,000 events, ~1.5 GB
#   bash bench/audit-peer.sh bench/out/audit-1m.jsonl
#
# For each mode (AUDIT_PEER_MODES, default "table stream"; bench/audit-peer.py explains them)
# it runs `bench/.venv-sigma/bin/python bench/audit-peer.py run LOG queries.json --mode M
# --threads T` under GNU time (wall seconds and peak RSS of the whole process, Python start-up
# and imports included) and prints the matches per rule (stderr) and one summary line per mode
# (stdout). events/s = events / that wall time. Raw results: $AUDIT_PEER_DIR/run-MODE.json and
# a line per run in $AUDIT_PEER_DIR/results.tsv.
#
# Knobs (environment): AUDIT_PEER_MODES ("table stream"), AUDIT_PEER_THREADS (2),
# AUDIT_PEER_SCHEMA (explicit | auto), AUDIT_PEER_RUNS (1; the fastest run is reported),
# AUDIT_PEER_DIR (bench/out/audit-peer).
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: bash bench/audit-peer.sh LOGFILE (audit.k8s.io/v1 Event JSON lines)" >&2
  exit 2
fi
LOG=$(realpath "$1")
cd "$(dirname "$0")/.."
PY=bench/.venv-sigma/bin/python
OUT="${AUDIT_PEER_DIR:-bench/out/audit-peer}"
MODES="${AUDIT_PEER_MODES:-table stream}"
THREADS="${AUDIT_PEER_THREADS:-2}"
SCHEMA="${AUDIT_PEER_SCHEMA:-explicit}"
RUNS="${AUDIT_PEER_RUNS:-1}"

[ -f "$LOG" ] || { echo "no such file: $LOG" >&2; exit 1; }
[ -x "$PY" ] || { echo "no $PY: run 'bash bench/setup-audit-peer.sh' first" >&2; exit 1; }
mkdir -p "$OUT"
if [ ! -f "$OUT/queries.json" ]; then
  "$PY" bench/audit-peer.py convert "${SIGMA_RULES:-${SHARED_DIR:-../shared}/corpus/rules/sigma-kubernetes-audit}" "$OUT/queries.json"
fi
[ -f "$OUT/results.tsv" ] || printf 'date\tlog\tevents\tbytes\tmode\tschema\tthreads\twall_s\tduckdb_s\tevents_per_s\tpeak_rss_kib\tmatches\tloadavg\n' > "$OUT/results.tsv"
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "GNU time not found (apt-get install time): peak RSS from Python's getrusage instead" >&2; TIME=; }

for mode in $MODES; do
  best=
  for _ in $(seq "$RUNS"); do
    load=$(cut -d' ' -f1 /proc/loadavg)
    if [ -n "$TIME" ]; then
      "$TIME" -f '%e %M' -o "$OUT/run-$mode.time" \
        "$PY" bench/audit-peer.py run "$LOG" "$OUT/queries.json" --mode "$mode" --schema "$SCHEMA" \
        --threads "$THREADS" --json "$OUT/run-$mode.json"
      read -r wall rss < <(tail -n 1 "$OUT/run-$mode.time")
    else
      t0=$(date +%s.%N)
      "$PY" bench/audit-peer.py run "$LOG" "$OUT/queries.json" --mode "$mode" --schema "$SCHEMA" \
        --threads "$THREADS" --json "$OUT/run-$mode.json"
      wall=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$t0" "$(date +%s.%N)")
      rss=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["peak_rss_kib_self"])' "$OUT/run-$mode.json")
    fi
    line=$(python3 - "$OUT/run-$mode.json" "$wall" "$rss" "$load" << 'PYEOF'
import json, sys, time
r = json.load(open(sys.argv[1]))
wall, rss, load = float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
m = sum(x["matches"] for x in r["matches"])
print("\t".join(map(str, [time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), r["log"], r["events"], r["bytes"],
                          r["mode"], r["schema"], r["threads"], f"{wall:.2f}", r["seconds"],
                          round(r["events"] / wall), rss, m, load])))
PYEOF
)
    printf '%s\n' "$line" >> "$OUT/results.tsv"
    if [ -z "$best" ] || awk -v a="$wall" -v b="$(cut -f8 <<< "$best")" 'BEGIN { exit !(a < b) }'; then
      best=$line
    fi
  done
  python3 - "$best" "$OUT/run-$mode.json" "$RUNS" << 'PYEOF'
import json, sys
f = sys.argv[1].split("\t")
r = json.load(open(sys.argv[2]))
events, size, wall, rss = int(f[2]), int(f[3]), float(f[7]), int(f[10])
print(f"audit peer (Sigma k8s audit rules x{len(r['matches'])} via pySigma-backend-duckdb {r['pysigma_backend_duckdb']} "
      f"+ DuckDB {r['duckdb']}, mode {f[4]}, schema {f[5]}, {f[6]} threads): {events} events, {size / 1e6:.0f} MB "
      f"(avg {size / events:.0f} B), wall {wall:.2f} s (best of {sys.argv[3]}), {events / wall:,.0f} events/s, "
      f"peak RSS {rss / 1024:.0f} MiB, {f[11]} matches, load avg {f[12]} at start")
PYEOF
done
