#!/usr/bin/env bash
# End-to-end benchmark: generates customers with reclink-gen (fixed seed, into a temporary
# directory that is removed afterwards), then times `reclink profile`, `reclink blocks` and
# `reclink dedupe --truth entity_id` at each thread count, R times, and prints medians of wall
# time, CPU time and peak memory, dedupe's stage timings from summary.json, and pairwise F1.
#
#   bench/e2e.sh [--records N] [--runs R] [--threads "1 2"] [--rules FILE] [--seed S]
#                [--vocabulary default|population]
#                [--commands "profile blocks dedupe"] [--keep DIR]
#
# BUILD_DIR (default build) selects the build; it is built with scripts/build.sh when a binary
# is missing. Needs /usr/bin/time (Debian package `time`) and python3 for the tables.
set -euo pipefail
cd "$(dirname "$0")/.."

records=1000000
runs=3
threads="1 2"
rules=datasets/demo/rules.toml
seed=42
vocabulary=default
commands="profile blocks dedupe"
keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    --records) records=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --rules) rules=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --vocabulary) vocabulary=$2; shift 2 ;;
    --commands) commands=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "e2e.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

BUILD_DIR=${BUILD_DIR:-build}
if [ ! -x "$BUILD_DIR/reclink" ] || [ ! -x "$BUILD_DIR/reclink-gen" ]; then
  BUILD_DIR="$BUILD_DIR" scripts/build.sh
fi
for tool in /usr/bin/time python3; do
  command -v "$tool" >/dev/null || { echo "e2e.sh: $tool is required" >&2; exit 2; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/reclink-e2e.XXXXXX")
trap 'rm -rf "$work"' EXIT
data="$work/customers.csv"

echo "# reclink end-to-end benchmark: $records records (reclink-gen --seed $seed --vocabulary $vocabulary), $runs runs," \
  "threads: $threads, rules: $rules, build: $BUILD_DIR"
echo "# $(uname -m), $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -f "%e %U %S %M" -o "$work/gen.time" \
  "$BUILD_DIR/reclink-gen" --records "$records" --seed "$seed" --vocabulary "$vocabulary" --out "$data" --quiet
echo "# generated $(stat -c %s "$data") bytes in $(cut -d' ' -f1 "$work/gen.time") s"

# One timed run: NAME THREADS RUN -- COMMAND...; /usr/bin/time writes "wall user sys maxrss_kb".
run() {
  local name=$1 t=$2 i=$3
  shift 4
  local tag="$name.t$t.r$i"
  if ! /usr/bin/time -f "%e %U %S %M" -o "$work/$tag.time" "$@" >"$work/$tag.out" 2>"$work/$tag.err"; then
    echo "e2e.sh: '$name' failed (threads $t, run $i):" >&2
    tail -20 "$work/$tag.err" >&2
    exit 1
  fi
}

for i in $(seq 1 "$runs"); do
  for t in $threads; do
    for c in $commands; do
      case "$c" in
        profile) run profile "$t" "$i" -- "$BUILD_DIR/reclink" profile --threads "$t" "$data" ;;
        blocks) run blocks "$t" "$i" -- "$BUILD_DIR/reclink" blocks --rules "$rules" --threads "$t" "$data" ;;
        dedupe)
          rm -rf "$work/out"
          run dedupe "$t" "$i" -- "$BUILD_DIR/reclink" dedupe --rules "$rules" --truth entity_id \
            --threads "$t" --progress never --out "$work/out" "$data"
          cp "$work/out/summary.json" "$work/dedupe.t$t.r$i.summary.json"
          ;;
        *) echo "e2e.sh: unknown command '$c'" >&2; exit 2 ;;
      esac
    done
  done
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$work" "$records" "$runs" "$threads" "$commands" "$(stat -c %s "$data")" <<'EOF'
import json, statistics, sys, os, re
work, records, runs, threads, commands, input_bytes = sys.argv[1:]
records, runs, input_bytes = int(records), int(runs), int(input_bytes)
threads, commands = threads.split(), commands.split()
med = statistics.median

def times(name, t):
    rows = []
    for i in range(1, runs + 1):
        wall, user, sys_, rss = open(f"{work}/{name}.t{t}.r{i}.time").read().split()[-4:]
        rows.append((float(wall), float(user) + float(sys_), int(rss) * 1024))
    return rows

print()
print(f"{'command':<8} {'threads':>7} {'wall s (median)':>16} {'cpu s (median)':>15} {'peak RSS MB':>12} {'records/s (wall)':>17}")
for c in commands:
    for t in threads:
        rows = times(c, t)
        wall = med(r[0] for r in rows)
        print(f"{c:<8} {t:>7} {wall:>16.2f} {med(r[1] for r in rows):>15.2f} "
              f"{med(r[2] for r in rows) / 1e6:>12.0f} {records / wall:>17,.0f}")
    print(f"{'':<8} {'':>7} all runs (wall s): " +
          "; ".join(f"t{t}: " + " ".join(f"{r[0]:.2f}" for r in times(c, t)) for t in threads))

if "dedupe" in commands:
    print()
    summaries = {t: [json.load(open(f"{work}/dedupe.t{t}.r{i}.summary.json")) for i in range(1, runs + 1)]
                 for t in threads}
    stages = [s["stage"] for s in summaries[threads[0]][0]["stages"]]
    print("dedupe stages from summary.json, median seconds:")
    print(f"{'stage':<16} " + " ".join(f"{'t' + t:>9}" for t in threads))
    for st in stages:
        cells = []
        for t in threads:
            vals = [next(x["seconds"] for x in s["stages"] if x["stage"] == st) for s in summaries[t]]
            cells.append(f"{med(vals):>9.3f}")
        print(f"{st:<16} " + " ".join(cells))
    print(f"{'total (summary)':<16} " + " ".join(f"{med(s['seconds'] for s in summaries[t]):>9.3f}" for t in threads))
    for t in threads:
        s = summaries[t][0]
        peak = med(x["peak_rss_bytes"] for x in summaries[t])
        f1s = sorted({round(x["evaluation"]["pairwise"]["f1"], 6) for x in summaries[t]})
        ev = s["evaluation"]["pairwise"]
        print(f"threads {t}: peak RSS (summary) {peak / 1e6:.0f} MB = {peak / records:.0f} bytes/record "
              f"({(peak - input_bytes) / records:.0f} beyond the {input_bytes / 1e6:.0f} MB input); "
              f"candidate pairs {s['candidate_pairs']:,}; edges {s['edges']:,}; clusters {s['clusters']:,}; "
              f"pairwise precision {ev['precision']:.4f} recall {ev['recall']:.4f} F1 {', '.join(map(str, f1s))}")
    over = summaries[threads[0]][0].get("oversized_blocks", [])
    if over:
        print(f"oversized blocks skipped ({len(over)}):")
        for b in over:
            print("  " + json.dumps(b))
    all_f1 = {round(x["evaluation"]["pairwise"]["f1"], 9) for t in threads for x in summaries[t]}
    all_clusters = {x["clusters"] for t in threads for x in summaries[t]}
    if len(all_f1) > 1 or len(all_clusters) > 1:
        print("WARNING: results differ between runs or thread counts:", sorted(all_f1), sorted(all_clusters))

if "blocks" in commands:
    err = open(f"{work}/blocks.t{threads[0]}.r1.err").read().strip()
    if err:
        print("\nreclink blocks stderr:\n" + err)
EOF

if [ -n "$keep" ]; then
  mkdir -p "$keep"
  cp "$work"/*.time "$work"/*.err "$work"/*.summary.json "$keep"/ 2>/dev/null || true
  echo "# raw timings kept in $keep"
fi
