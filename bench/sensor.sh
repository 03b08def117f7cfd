#!/usr/bin/env bash
# Overhead of `rampart sensor` (eBPF) on exec-heavy and connect-heavy workloads,
# with and without the sensor in the same run (docs/PERFORMANCE.md).
#   sudo bash bench/sensor.sh            # root: the sensor loads eBPF programs; about 5 minutes
#
# Workloads (crates/rampart_sensor/examples/workload.rs), each flat out:
#   exec         /bin/true (dynamically linked) spawned and waited for, EXEC_THREADS threads
#   exec-static  a 2-instruction static binary (built here with cc): the cheapest exec
#                there is, the only way this kind of VM reaches 10,000 execs/s
#   connect      a new TCP socket per connect to a listener on 127.0.0.1
# Rounds are interleaved (without, with; the next round with, without) so that the
# machine's drift hits both; every "with" run starts a fresh sensor. Then paced runs
# of exec-static at RATES execs/s, with and without, check lost events at the target
# rate. Last, one run per workload with kernel.bpf_stats_enabled=1 (restored after)
# gives the in-kernel cost of each program.
#
# Knobs: SENSOR_ROUNDS (5), EXEC_COUNT (20000), EXEC_THREADS (4), STATIC_COUNT (50000),
# STATIC_THREADS (2), CONNECT_COUNT (100000), CONNECT_THREADS (4), RATES ("10000 8000"),
# RATE_SECONDS (10), MAX_LOAD (1.5: wait up to 5 minutes for a quieter machine),
# BENCH_OUT (bench/out/sensor; emptied first).
# Raw numbers: runs.tsv (one line per run), machine.txt, sensor-*.err, bpf-stats.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${BENCH_OUT:-bench/out/sensor}
rounds=${SENSOR_ROUNDS:-5}
exec_count=${EXEC_COUNT:-20000}
exec_threads=${EXEC_THREADS:-4}
static_count=${STATIC_COUNT:-50000}
static_threads=${STATIC_THREADS:-2}
connect_count=${CONNECT_COUNT:-100000}
connect_threads=${CONNECT_THREADS:-4}
rates=${RATES:-10000 8000}
rate_seconds=${RATE_SECONDS:-10}
max_load=${MAX_LOAD:-1.5}

[ "$(id -u)" = 0 ] || { echo "run as root: the sensor loads eBPF programs" >&2; exit 1; }
mkdir -p "$out"
rm -f "$out"/*
cargo build --release --locked -p rampart
cargo build --release --locked -p rampart_sensor --example workload
bin=target/release/rampart
workload=target/release/examples/workload
tick=$(getconf CLK_TCK)

# The cheapest possible exec: no dynamic loader, no libc, exit(0) at once.
static_bin=$out/exit0
if command -v cc > /dev/null && [ "$(uname -m)" = x86_64 ]; then
  printf '%s\n' 'void _start(void) { __asm__ volatile("mov $60, %eax\n xor %edi, %edi\n syscall"); }' \
    > "$out/exit0.c"
  cc -static -nostdlib -O2 -o "$static_bin" "$out/exit0.c"
else
  echo "no cc or not x86_64: the exec-static workload and the paced runs are skipped" >&2
  static_bin=
fi

load1() { cut -d' ' -f1 /proc/loadavg; }
for _ in $(seq 20); do
  awk -v l="$(load1)" -v m="$max_load" 'BEGIN { exit !(l > m) }' || break
  echo "load average $(load1) > $max_load: waiting 15 s for a quieter machine" >&2
  sleep 15
done
{
  echo "date: $(date -u +%FT%TZ)"
  echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates || echo ' (crates modified)')"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "nproc: $(nproc)"
  echo "kernel: $(uname -r)"
  echo "rustc: $(rustc --version)"
  echo "uptime at start: $(uptime)"
} | tee "$out/machine.txt"

# Per-process CPU seconds (user + system, all threads) from /proc/PID/stat.
cpu_of() { sed 's/.*) //' "/proc/$1/stat" | awk -v t="$tick" '{ printf "%.2f", ($12 + $13) / t }'; }

sensor_pid=
sensor_cpu0=0
start_sensor() { # name
  rm -f "$out/ready"
  "$bin" sensor --pods off --output "$out/signals-$1.jsonl" --ready-file "$out/ready" \
    2> "$out/sensor-$1.err" &
  sensor_pid=$!
  for _ in $(seq 300); do
    if [ -f "$out/ready" ]; then
      sensor_cpu0=$(cpu_of "$sensor_pid") # loading the programs is not the workload's cost
      return 0
    fi
    kill -0 "$sensor_pid" 2> /dev/null || break
    sleep 0.1
  done
  echo "the sensor did not start; see $out/sensor-$1.err" >&2
  cat "$out/sensor-$1.err" >&2
  exit 1
}
sensor_result=
stop_sensor() { # name -> sensor_result="cpu_seconds events signals lost" (not in a subshell: wait needs the child)
  sleep 0.5 # let it drain the ring buffer
  local cpu line
  cpu=$(awk -v a="$(cpu_of "$sensor_pid")" -v b="$sensor_cpu0" 'BEGIN { printf "%.2f", a - b }')
  kill -TERM "$sensor_pid"
  wait "$sensor_pid" || true
  sensor_pid=
  line=$(grep -o 'rampart sensor: [0-9]* events, [0-9]* signals, [0-9]* events lost' \
    "$out/sensor-$1.err" || echo "x x -1 x -1 x -1")
  sensor_result="$cpu $(echo "$line" | awk '{ print $3, $5, $7 }')"
}
bpf_stats=$(sysctl -n kernel.bpf_stats_enabled)
cleanup() {
  if [ -n "$sensor_pid" ]; then kill -TERM "$sensor_pid" 2> /dev/null || true; fi
  sysctl -q kernel.bpf_stats_enabled="$bpf_stats" || true
}
trap cleanup EXIT

printf 'workload\tround\tsensor\trate_target\tcount\tthreads\tseconds\tops_per_sec\tworkload_cpu\tsensor_cpu\tevents\tsignals\tlost\tload1\n' \
  > "$out/runs.tsv"
run() { # workload round on|off count threads [rate]
  local name=$1 round=$2 mode=$3 count=$4 threads=$5 rate=${6:-}
  local tag=$name-$round-$mode${rate:+-$rate}
  local args=(exec)
  case $name in
    connect) args=(connect) ;;
    exec-static) args+=(--program "$static_bin") ;;
  esac
  args+=(--count "$count" --threads "$threads")
  [ -n "$rate" ] && args+=(--rate "$rate")
  local load
  load=$(load1)
  [ "$mode" = on ] && start_sensor "$tag"
  /usr/bin/time -f '%U %S' -o "$out/$tag.time" "$workload" "${args[@]}" > "$out/$tag.json"
  local sensor="- - - -"
  if [ "$mode" = on ]; then
    stop_sensor "$tag"
    sensor=$sensor_result
  fi
  local secs ops cpu
  secs=$(sed 's/.*"seconds":\([0-9.]*\).*/\1/' "$out/$tag.json")
  ops=$(sed 's/.*"ops_per_sec":\([0-9.]*\).*/\1/' "$out/$tag.json")
  cpu=$(awk '{ printf "%.2f", $1 + $2 }' "$out/$tag.time")
  read -r scpu events signals lost <<< "$sensor"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$round" "$mode" \
    "${rate:--}" "$count" "$threads" "$secs" "$ops" "$cpu" "$scpu" "$events" "$signals" "$lost" "$load" \
    >> "$out/runs.tsv"
  printf '%-12s round %s sensor %-3s %8s/s  %7.3f s  workload CPU %6s s  sensor CPU %5s s  events %7s  lost %s  (load %s)\n' \
    "$name" "$round" "$mode" "$ops" "$secs" "$cpu" "$scpu" "$events" "$lost" "$load"
}

workloads=("exec $exec_count $exec_threads" "connect $connect_count $connect_threads")
[ -n "$static_bin" ] && workloads+=("exec-static $static_count $static_threads")

echo "== interleaved rounds, flat out"
for round in $(seq "$rounds"); do
  order="off on"
  [ $((round % 2)) = 0 ] && order="on off"
  for w in "${workloads[@]}"; do
    read -r name count threads <<< "$w"
    for mode in $order; do run "$name" "$round" "$mode" "$count" "$threads"; done
  done
done

if [ -n "$static_bin" ]; then
  echo "== exec-static paced, $rate_seconds s per run"
  for rate in $rates; do
    for mode in off on; do
      run exec-static paced "$mode" $((rate * rate_seconds)) "$static_threads" "$rate"
    done
  done
fi
echo "uptime at end: $(uptime)" | tee -a "$out/machine.txt"

python3 - "$out/runs.tsv" << 'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
med = statistics.median
print("\n| workload | runs | without sensor (ops/s) | with sensor (ops/s) | overhead (medians) | paired overhead, min–max | sensor CPU (s, median) | sensor CPU per op | events per op | lost |")
print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
for name in ["exec", "exec-static", "connect"]:
    flat = [r for r in rows if r["workload"] == name and r["rate_target"] == "-"]
    if not flat:
        continue
    off = [r for r in flat if r["sensor"] == "off"]
    on = [r for r in flat if r["sensor"] == "on"]
    t_off = med(float(r["seconds"]) for r in off)
    t_on = med(float(r["seconds"]) for r in on)
    paired = []
    for r in on:
        mate = [o for o in off if o["round"] == r["round"]]
        if mate:
            paired.append(float(r["seconds"]) / float(mate[0]["seconds"]) - 1)
    count = int(on[0]["count"])
    cpu = med(float(r["sensor_cpu"]) for r in on)
    events = min(int(r["events"]) for r in on) / count
    lost = sum(int(r["lost"]) for r in on)
    print(f"| {name} ({count:,} × {on[0]['threads']} threads) | {len(off)}+{len(on)} | {count / t_off:,.0f} | {count / t_on:,.0f} "
          f"| {100 * (t_on / t_off - 1):+.1f}% | {100 * min(paired):+.1f}% – {100 * max(paired):+.1f}% "
          f"| {cpu:.2f} ({100 * cpu / t_on:.0f}% of one CPU) | {1e6 * cpu / count:.1f} µs | {events:.3f} (min) | {lost} |")
paced = [r for r in rows if r["rate_target"] != "-"]
if paced:
    print("\n| paced exec-static | sensor | achieved execs/s | workload CPU (s) | sensor CPU (s) | total CPU vs without | events | lost |")
    print("|---|---|--:|--:|--:|--:|--:|--:|")
    base = {r["rate_target"]: float(r["workload_cpu"]) for r in paced if r["sensor"] == "off"}
    for r in paced:
        total = float(r["workload_cpu"]) + (float(r["sensor_cpu"]) if r["sensor"] == "on" else 0)
        rel = f"{100 * (total / base[r['rate_target']] - 1):+.1f}%" if r["rate_target"] in base else ""
        seconds = int(r["count"]) // int(r["rate_target"])
        print(f"| {int(r['rate_target']):,}/s × {seconds} s | {r['sensor']} "
              f"| {float(r['ops_per_sec']):,.0f} | {r['workload_cpu']} | {r['sensor_cpu']} | {rel} | {r['events']} | {r['lost']} |")
EOF

# In-kernel cost per program run (kernel.bpf_stats_enabled adds a little
# overhead of its own: measured apart from the runs above).
if command -v bpftool > /dev/null; then
  echo "== in-kernel cost per program run (kernel.bpf_stats_enabled=1)"
  sysctl -q kernel.bpf_stats_enabled=1
  start_sensor bpf-stats
  "$workload" exec --count "$exec_count" --threads "$exec_threads" > /dev/null
  [ -n "$static_bin" ] && "$workload" exec --count "$static_count" --threads "$static_threads" \
    --program "$static_bin" > /dev/null
  "$workload" connect --count "$connect_count" --threads "$connect_threads" > /dev/null
  bpftool prog show -j > "$out/bpf-progs.json"
  stop_sensor bpf-stats
  sysctl -q kernel.bpf_stats_enabled="$bpf_stats"
  python3 - "$out/bpf-progs.json" << 'EOF' | tee "$out/bpf-stats.txt"
import json, sys
# The kernel keeps the first 15 characters of a program's name.
names = {n[:15] for n in ["exec_btf", "exit_btf", "exec_tracepoint", "exit_tracepoint", "connect_enter",
                          "openat_enter", "openat2_enter", "open_enter", "renameat2_enter",
                          "renameat_enter", "rename_enter"]}
print("| program | runs | ns per run |")
print("|---|--:|--:|")
for p in json.load(open(sys.argv[1])):
    if p.get("name") in names and p.get("run_cnt"):
        print(f"| {p['name']} | {p['run_cnt']:,} | {p['run_time_ns'] / p['run_cnt']:,.0f} |")
EOF
fi
