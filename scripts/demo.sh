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
