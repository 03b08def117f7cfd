#!/usr/bin/env bash
# Builds rampart and scans the bundled agent manifests (examples/).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p rampart
status=0
./target/release/rampart scan examples/ "$@" || status=$?
echo
echo "rampart exited with $status (0 clean, 1 findings, 2 input or usage errors)"
[ "$status" -le 1 ]
