#!/usr/bin/env bash
# Throughput and memory of `rampart audit` on a generated 1M-event log,
# every detection on and parse-only (docs/PERFORMANCE.md).
#   bash bench/audit.sh                 # generates bench/out/audit-1m.jsonl if missing
#   AUDIT_LOG=some.log bash bench/audit.sh
set -euo pipefail
cd "$(dirname "$0")/.."
log=${AUDIT_LOG:-bench/out/audit-1m.jsonl}
mkdir -p bench/out
[ -f "$log" ] || python3 bench/gen-audit.py "$log"
cargo build --release --locked -p rampart
events=$(wc -l < "$log")
bytes=$(stat -c %s "$log")
echo "log: $log, $events lines, $((bytes / 1024 / 1024)) MiB"
for mode in parse-only full; do
  flags=(--format json -o /dev/null)
  [ "$mode" = parse-only ] && flags+=(--parse-only)
  for run in 1 2 3; do
    /usr/bin/time -f "%e %M" -o bench/out/audit-$mode.time \
      ./target/release/rampart audit "${flags[@]}" "$log" 2>/dev/null || true
    read -r secs rss < bench/out/audit-$mode.time
    awk -v m="$mode" -v r="$run" -v s="$secs" -v k="$rss" -v n="$events" \
      'BEGIN { printf "%-10s run %d: %6.2f s  %9.0f events/s  %4.0f MB RSS\n", m, r, s, n / s, k / 1024 }'
  done
done
