#!/usr/bin/env bash
# Latency and throughput of `rampart webhook` over TLS on loopback (docs/PERFORMANCE.md).
# Needs oha (`cargo install oha --locked`) and openssl.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${BENCH_OUT:-bench/out/webhook}
mkdir -p "$out"
cargo build --release --locked -p rampart
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$out/tls.key" -out "$out/tls.crt" -days 1 \
  -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost" 2>/dev/null
python3 bench/webhook-reviews.py "$out"
./target/release/rampart webhook --cert "$out/tls.crt" --key "$out/tls.key" \
  --listen 127.0.0.1:18443 --pss-level restricted 2>"$out/server.log" &
server=$!
trap 'kill $server' EXIT
sleep 1
for review in pod dep; do
  echo "== $review, 2000 requests/s"
  oha -z 10s -q 2000 -c 32 --insecure -m POST -D "$out/$review-review.json" \
    -T application/json --no-tui https://localhost:18443/validate
  echo "server RSS (KiB): $(ps -o rss= -p $server)"
done
echo "== pod, unthrottled"
oha -z 10s -c 32 --insecure -m POST -D "$out/pod-review.json" -T application/json \
  --no-tui https://localhost:18443/validate
echo "server RSS (KiB): $(ps -o rss= -p $server)"
