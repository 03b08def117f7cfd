#!/usr/bin/env bash
# The whole test suite: formatting, lints, generated docs, and every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo run --quiet --locked -p rampart_dev -- generate-all --check
cargo test --workspace --locked
