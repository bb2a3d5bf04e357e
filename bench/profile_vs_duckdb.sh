#!/usr/bin/env bash
# Issue 2's comparison: `reclink profile FILE` against DuckDB's
# `SUMMARIZE SELECT * FROM read_csv(FILE, all_varchar=true)` on the same generated CSV (1M rows,
# about 100 MB) with the same thread count. Runs alternate between the two; medians are printed.
#
#   bench/profile_vs_duckdb.sh [--records N] [--runs R] [--threads "1 2"] [--seed S]
#
# DuckDB comes from the npm registry (@duckdb/node-api, installed into bench/node_modules by
# `npm install --prefix bench` from bench/package.json when missing). BUILD_DIR (default build)
# selects the reclink build; it is built with scripts/build.sh when a binary is missing.
#
# reclink is timed as a whole process (/usr/bin/time: start-up, read, profile, print); DuckDB's
# time is the query alone, measured inside node (instance start-up excluded), which favours
# DuckDB. CPU seconds are user + system of the whole process, all threads: on a shared, busy
# machine they are steadier than wall time.
set -euo pipefail
cd "$(dirname "$0")/.."

records=1000000
runs=5
threads="1 2"
seed=42
while [ $# -gt 0 ]; do
  case "$1" in
    --records) records=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "profile_vs_duckdb.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

BUILD_DIR=${BUILD_DIR:-build}
if [ ! -x "$BUILD_DIR/reclink" ] || [ ! -x "$BUILD_DIR/reclink-gen" ]; then
  BUILD_DIR="$BUILD_DIR" scripts/build.sh
fi
for tool in /usr/bin/time node npm; do
  command -v "$tool" >/dev/null || { echo "profile_vs_duckdb.sh: $tool is required" >&2; exit 2; }
done
if [ ! -d bench/node_modules/@duckdb/node-api ]; then
  npm install --prefix bench --no-audit --no-fund >&2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/reclink-duckdb.XXXXXX")
trap 'rm -rf "$work"' EXIT
data="$work/customers.csv"
"$BUILD_DIR/reclink-gen" --records "$records" --seed "$seed" --out "$data" --quiet
duckdb_version=$(node -p "require('./bench/node_modules/@duckdb/node-api/package.json').version")
echo "# $records rows, $(stat -c %s "$data") bytes (reclink-gen --seed $seed); $runs runs per tool and" \
  "thread count; DuckDB @duckdb/node-api $duckdb_version; load before: $(cut -d' ' -f1-3 /proc/loadavg)"

# Warm the page cache so neither tool pays for the first read.
cat "$data" >/dev/null

for t in $threads; do
  for i in $(seq 1 "$runs"); do
    /usr/bin/time -f "%e %U %S %M" -o "$work/reclink.t$t.r$i" \
      "$BUILD_DIR/reclink" profile --threads "$t" "$data" >/dev/null
    node bench/duckdb_summarize.mjs "$data" "$t" >"$work/duckdb.t$t.r$i"
  done
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"

median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
printf '\n%-8s %-8s %14s %14s %12s   %s\n' tool threads "wall s (med)" "cpu s (med)" "peak RSS MB" "all runs: wall s / cpu s"
for t in $threads; do
  r_wall=$(for f in "$work"/reclink.t$t.r*; do awk '{print $1}' "$f" | tail -1; done | median)
  r_cpu=$(for f in "$work"/reclink.t$t.r*; do tail -1 "$f" | awk '{print $2 + $3}'; done | median)
  r_rss=$(for f in "$work"/reclink.t$t.r*; do tail -1 "$f" | awk '{print $4 / 1024}'; done | median)
  r_all=$(for f in "$work"/reclink.t$t.r*; do tail -1 "$f" | awk '{printf "%.2f/%.2f ", $1, $2 + $3}'; done)
  d_wall=$(for f in "$work"/duckdb.t$t.r*; do sed 's/.*"seconds":\([0-9.e-]*\).*/\1/' "$f"; done | median)
  d_cpu=$(for f in "$work"/duckdb.t$t.r*; do sed 's/.*"cpu_seconds":\([0-9.e-]*\).*/\1/' "$f"; done | median)
  d_all=$(for f in "$work"/duckdb.t$t.r*; do
    sed 's/.*"seconds":\([0-9.e-]*\),"cpu_seconds":\([0-9.e-]*\).*/\1 \2/' "$f" | awk '{printf "%.2f/%.2f ", $1, $2}'
  done)
  printf '%-8s %-8s %14.2f %14.2f %12.0f   %s\n' reclink "$t" "$r_wall" "$r_cpu" "$r_rss" "$r_all"
  printf '%-8s %-8s %14.2f %14.2f %12s   %s\n' duckdb "$t" "$d_wall" "$d_cpu" "-" "$d_all"
  awk -v rw="$r_wall" -v dw="$d_wall" -v rc="$r_cpu" -v dc="$d_cpu" -v t="$t" 'BEGIN {
    printf "threads %s: reclink/duckdb wall %.2f, cpu %.2f (issue 2 target: <= 0.5)\n", t, rw / dw, rc / dc }'
done
