#!/usr/bin/env bash
# Builds rampart, scans the bundled agent manifests (examples/) and explains
# each agent's privileges.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build --release --locked -p rampart
status=0
./target/release/rampart scan examples/ "$@" || status=$?
echo
echo "rampart scan exited with $status (0 clean, 1 findings, 2 input or usage errors)"
[ "$status" -le 1 ]
echo
echo "== Why the agents hold their privileges (rampart explain examples/)"
explained=0
./target/release/rampart explain examples/ || explained=$?
[ "$explained" -le 1 ]
echo
echo "== Threats in an audit log (rampart audit on Falco's sample events, tests/data/audit)"
traces=$(ls tests/data/audit/falco/*.json | grep -v expected_detections)
audited=0
# shellcheck disable=SC2086
cat $traces | ./target/release/rampart audit --summary - || audited=$?
echo "rampart audit exited with $audited (the sample set holds one deliberately malformed event: 2)"
[ "$audited" -le 2 ]
echo
echo "== Runtime detections replayed from events the eBPF sensor recorded (rampart sensor replay)"
replayed=0
./target/release/rampart sensor replay --format text \
  --config crates/rampart_sensor/tests/fixtures/KR002.yaml \
  crates/rampart_sensor/tests/fixtures/KR00?.jsonl || replayed=$?  # KR009 holds the escape scenario
echo "rampart sensor replay exited with $replayed (1: signals found)"
[ "$replayed" -le 1 ]
if [ "$(id -u)" -eq 0 ] && [ -e /sys/kernel/btf/vmlinux ]; then
  echo
  echo "== The eBPF programs on this kernel (rampart sensor --check)"
  ./target/release/rampart sensor --check
fi
