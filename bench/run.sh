#!/usr/bin/env bash
# Benchmark rampart against its own parse-only floor and against checkov.
#
#   cargo build --release -p rampart
#   bash bench/setup-checkov.sh          # once: bench/.venv with a pinned checkov
#   bash bench/run.sh                    # from the repo root; prints a Markdown report
#
# Raw numbers go to bench/out/ (gitignored): machine.txt, results.tsv (one
# line per measurement), reports.tsv (what each scan reported), hyperfine-*.json,
# *.time (GNU time: wall seconds, peak RSS KiB), checkov-*.json, results.md.
#
# Knobs (environment): RAMPART_BIN, CHECKOV_BIN, SHARED_DIR (default ../shared),
# BENCH_DOCS (100000), BENCH_SMALL_DOCS (10000), BENCH_SEED (1), BENCH_RUNS (5),
# CHECKOV_SUBSET_DOCS (5000), CHECKOV_TIMEOUT (seconds, 3600), BENCH_SKIP_CHECKOV=1,
# BENCH_OUT (bench/out; emptied first).
set -euo pipefail

cd "$(dirname "$0")/.."
BIN=${RAMPART_BIN:-target/release/rampart}
CHECKOV=${CHECKOV_BIN:-bench/.venv/bin/checkov}
SHARED=${SHARED_DIR:-../shared}
DOCS=${BENCH_DOCS:-100000}
SMALL_DOCS=${BENCH_SMALL_DOCS:-10000}
SEED=${BENCH_SEED:-1}
RUNS=${BENCH_RUNS:-5}
CK_DOCS=${CHECKOV_SUBSET_DOCS:-5000}
CK_TIMEOUT=${CHECKOV_TIMEOUT:-3600}
OUT=${BENCH_OUT:-bench/out}

say() { printf '\n== %s\n' "$*" >&2; }

# ------------------------------------------------------------------ prerequisites
if [ ! -x "$BIN" ]; then
  echo "no $BIN: run 'cargo build --release -p rampart' first" >&2
  exit 1
fi
if [ ! -x /usr/bin/time ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
    apt-get install -y -qq time > /dev/null || { apt-get update -qq && apt-get install -y -qq time > /dev/null; }
  else
    echo "GNU time (/usr/bin/time) is needed: apt-get install time" >&2
    exit 1
  fi
fi
HYPERFINE=$(command -v hyperfine || true)
if [ -z "$HYPERFINE" ]; then
  echo "hyperfine not found (apt-get install hyperfine): rampart timings are best of 3 with GNU time" >&2
fi
RUN_CHECKOV=1
if [ "${BENCH_SKIP_CHECKOV:-0}" = 1 ]; then
  RUN_CHECKOV=0
elif [ ! -x "$CHECKOV" ]; then
  echo "no $CHECKOV: run 'bash bench/setup-checkov.sh' (checkov rows are skipped)" >&2
  RUN_CHECKOV=0
fi

mkdir -p "$OUT"
rm -f "$OUT"/*.json "$OUT"/*.time "$OUT"/*.tsv "$OUT"/*.md "$OUT"/*.txt
WORK=$(mktemp -d "${TMPDIR:-/tmp}/rampart-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
# A private copy, so that a rebuild of target/release during the run cannot swap the binary.
cp "$BIN" "$WORK/rampart"
BIN=$WORK/rampart

printf 'corpus\ttool\tfiles\tdocuments\tmean_s\tstddev_s\tmin_s\tpeak_rss_kib\tmethod\n' > "$OUT/results.tsv"
printf 'corpus\tfiles\tdocuments\tobjects\tfindings\terrors\tskipped\tjson_bytes\n' > "$OUT/reports.tsv"

# ------------------------------------------------------------------ machine
say "machine"
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc: $(nproc)"
  echo "cpu: $(lscpu | grep 'Model name' | sed 's/.*: *//')"
  echo "memory: $(free -h | awk '/^Mem:/ {print $2}') total"
  echo "os: $(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "rustc: $(rustc --version 2>/dev/null || echo unknown)"
  echo "rampart: $("$BIN" --version 2>/dev/null || echo unknown)"
  echo "rampart commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$( [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && echo ' (work tree modified)')"
  echo "checkov: $( [ "$RUN_CHECKOV" = 1 ] && "$CHECKOV" --version || echo 'not run')"
  echo "python (checkov): $( [ -x bench/.venv/bin/python ] && bench/.venv/bin/python --version 2>&1 || echo n/a)"
  echo "hyperfine: $( [ -n "$HYPERFINE" ] && "$HYPERFINE" --version || echo 'not installed')"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT/machine.txt" >&2
{ echo; free -h; } >> "$OUT/machine.txt"

# ------------------------------------------------------------------ helpers
PARSE_ONLY=unknown

# has_parse_only DIR: whether this binary knows the hidden --parse-only flag.
has_parse_only() {
  if [ "$PARSE_ONLY" = unknown ]; then
    if "$BIN" scan "$1" --parse-only --format json --output "$WORK/probe.json" 2> /dev/null \
       || grep -q '"documents"' "$WORK/probe.json" 2> /dev/null; then
      PARSE_ONLY=yes
    else
      PARSE_ONLY=no
      echo "this rampart has no --parse-only flag yet: parse-only rows are skipped" >&2
    fi
  fi
  [ "$PARSE_ONLY" = yes ]
}

# gnu_time LABEL CMD...: one run under GNU time -> "$OUT/LABEL.time" ("wall_s rss_kib"); ignores the exit code.
gnu_time() {
  local label=$1
  shift
  /usr/bin/time -f '%e %M' -o "$OUT/$label.time" "$@" > /dev/null 2> "$WORK/$label.stderr" || true
  cat "$OUT/$label.time" | tail -n 1
}

# record CORPUS TOOL FILES DOCS MEAN SD MIN RSS METHOD
record() {
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$OUT/results.tsv"
}

# time_rampart CORPUS DIR FILES DOCS: full scan and parse-only floor, side by side.
time_rampart() {
  local corpus=$1 dir=$2 files=$3 docs=$4
  local full=("$BIN" scan "$dir" --format json --output /dev/null)
  local parse=("$BIN" scan "$dir" --parse-only --format json --output /dev/null)
  local po=0
  has_parse_only "$dir" && po=1
  say "$corpus: rampart ($docs documents in $files files)"
  if [ -n "$HYPERFINE" ]; then
    local cmds=(-n full "${full[*]}")
    [ "$po" = 1 ] && cmds+=(-n parse-only "${parse[*]}")
    "$HYPERFINE" -N -i --warmup 1 --runs "$RUNS" --style basic \
      --export-json "$OUT/hyperfine-$corpus.json" "${cmds[@]}" >&2
  fi
  local tool cmd
  for tool in full parse-only; do
    if [ "$tool" = full ]; then cmd=("${full[@]}"); else
      [ "$po" = 1 ] || { record "$corpus" rampart-parse-only "$files" "$docs" NA NA NA NA "no --parse-only"; continue; }
      cmd=("${parse[@]}")
    fi
    local rss mean sd min method
    rss=$(gnu_time "$corpus-rampart-$tool" "${cmd[@]}" | awk '{print $2}')
    if [ -n "$HYPERFINE" ]; then
      read -r mean sd min < <(python3 - "$OUT/hyperfine-$corpus.json" "$tool" << 'EOF'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    if r["command"] == sys.argv[2]:
        print(f'{r["mean"]:.4f} {r["stddev"] or 0:.4f} {r["min"]:.4f}')
EOF
)
      method="hyperfine warmup 1, $RUNS runs"
    else
      local t times=()
      for _ in 1 2 3; do
        t=$(gnu_time "$corpus-rampart-$tool-run" "${cmd[@]}" | awk '{print $1}')
        times+=("$t")
      done
      read -r mean sd min < <(printf '%s\n' "${times[@]}" | python3 -c '
import statistics, sys
t = [float(x) for x in sys.stdin]
print(f"{statistics.mean(t):.4f} {statistics.stdev(t):.4f} {min(t):.4f}")')
      method="GNU time, 3 runs"
    fi
    record "$corpus" "rampart-$tool" "$files" "$docs" "$mean" "$sd" "$min" "$rss" "$method"
  done
  # One more run writing the report, for what was found and how big the output is.
  "$BIN" scan "$dir" --format json --output "$WORK/report.json" > /dev/null 2>&1 || true
  python3 - "$WORK/report.json" "$corpus" "$files" "$docs" >> "$OUT/reports.tsv" << 'EOF'
import json, os, sys
path, corpus, files, docs = sys.argv[1:]
s = json.load(open(path))["summary"]
print("\t".join(map(str, [corpus, files, docs, s["objects"], s["findings"], s["errors"],
                          s.get("skipped", "NA"), os.path.getsize(path)])))
EOF
}

# time_checkov CORPUS DIR FILES DOCS: one run (checkov is slow), capped by CHECKOV_TIMEOUT.
time_checkov() {
  local corpus=$1 dir=$2 files=$3 docs=$4
  [ "$RUN_CHECKOV" = 1 ] || return 0
  say "$corpus: checkov ($docs documents in $files files; timeout ${CK_TIMEOUT}s)"
  local rc=0
  # --skip-download: this machine has no route to checkov's platform API; without it checkov
  # prints a connection traceback and runs the same local checks.
  /usr/bin/time -f '%e %M' -o "$OUT/$corpus-checkov.time" \
    timeout "$CK_TIMEOUT" "$CHECKOV" -d "$dir" --framework kubernetes -o json --quiet --skip-download \
    > "$OUT/checkov-$corpus.json" 2> "$WORK/checkov.stderr" || rc=$?
  local wall rss
  read -r wall rss < <(tail -n 1 "$OUT/$corpus-checkov.time")
  if [ "$rc" = 124 ]; then
    echo "checkov timed out after ${CK_TIMEOUT}s" >&2
    record "$corpus" checkov "$files" "$docs" "NA" NA NA "$rss" "timeout ${CK_TIMEOUT}s"
  elif [ "$rc" -gt 1 ]; then
    echo "checkov failed (exit $rc):" >&2
    tail -n 20 "$WORK/checkov.stderr" >&2
    record "$corpus" checkov "$files" "$docs" "NA" NA NA "$rss" "failed, exit $rc"
  else
    record "$corpus" checkov "$files" "$docs" "$wall" 0 "$wall" "$rss" "GNU time, 1 run"
  fi
}

# count_files DIR: the files both tools are given.
count_files() {
  find "$1" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) | wc -l | tr -d ' '
}

# count_docs DIR: YAML documents, as rampart's parse-only floor counts them (non-empty ones),
# or with PyYAML from the checkov venv when this binary has no --parse-only yet.
count_docs() {
  if has_parse_only "$1"; then
    "$BIN" scan "$1" --parse-only --format json --output "$WORK/count.json" > /dev/null 2>&1 || true
    python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["documents"])' "$WORK/count.json"
  elif [ -x bench/.venv/bin/python ]; then
    bench/.venv/bin/python - "$1" << 'EOF'
import os, sys, yaml
loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
n = 0
for root, _, names in os.walk(sys.argv[1]):
    for name in names:
        if name.endswith((".yaml", ".yml", ".json")):
            try:
                n += sum(1 for d in yaml.load_all(open(os.path.join(root, name), encoding="utf-8"), Loader=loader) if d is not None)
            except Exception:
                pass
print(n)
EOF
  else
    echo NA
  fi
}

# copy_files SRC DEST < list: copy the NUL-separated relative paths read from stdin.
copy_files() {
  (cd "$1" && tar --null -T - -cf -) | tar -xf - -C "$2"
}

# ------------------------------------------------------------------ (b) generated corpus
say "corpus (b): generating $DOCS documents (seed $SEED)"
python3 bench/gen-corpus.py --docs "$DOCS" --out "$WORK/gen" --seed "$SEED"
files=$(count_files "$WORK/gen")
docs=$(awk -F'\t' 'NR > 1 {n += $2} END {print n}' "$WORK/gen/INDEX.tsv")
time_rampart "gen${DOCS}" "$WORK/gen" "$files" "$docs"

# The same files for both tools: the corpus's first files holding >= CHECKOV_SUBSET_DOCS documents.
mkdir "$WORK/gen-subset"
awk -F'\t' -v want="$CK_DOCS" 'NR > 1 && n < want {printf "%s%c", $1, 0; n += $2}' "$WORK/gen/INDEX.tsv" \
  | copy_files "$WORK/gen" "$WORK/gen-subset"
sub_files=$(count_files "$WORK/gen-subset")
sub_docs=$(awk -F'\t' -v want="$CK_DOCS" 'NR > 1 && n < want {n += $2} END {print n}' "$WORK/gen/INDEX.tsv")
time_rampart "gen${DOCS}-first${sub_docs}" "$WORK/gen-subset" "$sub_files" "$sub_docs"
time_checkov "gen${DOCS}-first${sub_docs}" "$WORK/gen-subset" "$sub_files" "$sub_docs"

# Memory scaling: the same generator at SMALL_DOCS (its files are a prefix of the large corpus's).
say "memory scaling: $SMALL_DOCS documents"
python3 bench/gen-corpus.py --docs "$SMALL_DOCS" --out "$WORK/gen-small" --seed "$SEED"
files=$(count_files "$WORK/gen-small")
docs=$(awk -F'\t' 'NR > 1 {n += $2} END {print n}' "$WORK/gen-small/INDEX.tsv")
time_rampart "gen${SMALL_DOCS}" "$WORK/gen-small" "$files" "$docs"

# ------------------------------------------------------------------ (a) shared corpus
if [ -d "$SHARED/corpus/agents" ] || [ -d "$SHARED/corpus/apps" ]; then
  say "corpus (a): $SHARED/corpus/{agents,apps}, copied to a temp dir"
  mkdir "$WORK/shared"
  dirs=()
  for d in agents apps; do [ -d "$SHARED/corpus/$d" ] && dirs+=("$d"); done
  (cd "$SHARED/corpus" && find "${dirs[@]}" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) -print0) \
    | copy_files "$SHARED/corpus" "$WORK/shared"
  files=$(count_files "$WORK/shared")
  docs=$(count_docs "$WORK/shared")
  time_rampart shared "$WORK/shared" "$files" "$docs"
  time_checkov shared "$WORK/shared" "$files" "$docs"
else
  say "corpus (a) skipped: $SHARED/corpus/agents and $SHARED/corpus/apps not found"
fi

# ------------------------------------------------------------------ report
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"
python3 bench/report.py "$OUT" "gen${DOCS}" "gen${DOCS}-first${sub_docs}" "gen${SMALL_DOCS}" | tee "$OUT/results.md"
