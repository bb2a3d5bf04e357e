#!/usr/bin/env bash
# --memory-limit benchmark (docs/performance.md, "Memory limit"): generates customers with
# reclink-gen (or takes --input FILE), then runs `reclink dedupe` alternately without a limit
# (`--memory-limit none`) and with --limit, R times each, sampling the process's anonymous and
# file-mapped resident memory (/proc/PID/status RssAnon, RssFile) every 0.1 s. Prints per run
# the wall time and both peaks, checks that clusters.csv is byte-identical, and, with
# --cgroup-mib M where a cgroup v1 memory controller can be written (as root), runs both again
# inside a memory cgroup of M MiB: a run killed by the kernel's OOM killer exits 137.
#
#   bench/memory_limit.sh [--records N] [--seed S] [--input FILE] [--rules FILE] [--limit 1G]
#                         [--runs R] [--threads T] [--cgroup-mib M]
#
# BUILD_DIR (default build) selects the build.
set -euo pipefail
cd "$(dirname "$0")/.."

records=1000000
seed=99
input=""
rules=bench/rules_10m.toml
limit=1G
runs=2
threads=2
cgroup_mib=""
while [ $# -gt 0 ]; do
  case "$1" in
    --records) records=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --input) input=$2; shift 2 ;;
    --rules) rules=$2; shift 2 ;;
    --limit) limit=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --cgroup-mib) cgroup_mib=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "memory_limit.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

BUILD_DIR=${BUILD_DIR:-build}
reclink=$BUILD_DIR/reclink
[ -x "$reclink" ] || { echo "memory_limit.sh: $reclink not found; run scripts/build.sh" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -z "$input" ]; then
  input=$work/people.csv
  "$BUILD_DIR/reclink-gen" --records "$records" --seed "$seed" --vocabulary population -q -o "$input"
fi

# run NAME CGROUP_PROCS_FILE ARGS...: one run, sampled; prints a row of the table.
run() {
  local name=$1 procs=$2
  shift 2
  local start end pid anon=0 file=0 a f rc
  start=$(date +%s.%N)
  if [ -n "$procs" ]; then
    bash -c 'echo $$ > "$0"; exec "$@"' "$procs" "$@" &
  else
    "$@" &
  fi
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    read -r a f < <(awk '/RssAnon/{a=$2} /RssFile/{f=$2} END{print a+0, f+0}' "/proc/$pid/status" 2>/dev/null || echo "0 0")
    [ "${a:-0}" -gt "$anon" ] && anon=$a
    [ "${f:-0}" -gt "$file" ] && file=$f
    sleep 0.1
  done
  rc=0
  wait "$pid" || rc=$?
  end=$(date +%s.%N)
  printf '%-28s exit %3d  wall %7.2f s  peak anonymous %6d MiB  peak file-mapped %6d MiB\n' \
    "$name" "$rc" "$(echo "$end - $start" | bc)" $((anon / 1024)) $((file / 1024))
}

echo "input: $input ($(du -h "$input" | cut -f1)), rules: $rules, threads: $threads, load: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$runs"); do
  for l in none "$limit"; do
    run "run $r, --memory-limit $l" "" "$reclink" dedupe --rules "$rules" --threads "$threads" -q \
      --memory-limit "$l" --out "$work/out-$l" "$input"
  done
  cmp -s "$work/out-none/clusters.csv" "$work/out-$limit/clusters.csv" || { echo "clusters.csv differs" >&2; exit 1; }
done
echo "clusters.csv identical with and without the limit"

if [ -n "$cgroup_mib" ]; then
  parent=/sys/fs/cgroup/memory$(awk -F: '$2 == "memory" {print $3}' /proc/self/cgroup)
  cg=$parent/reclink-bench-$$
  if ! mkdir "$cg" 2>/dev/null; then
    echo "no writable cgroup v1 memory controller at $parent: --cgroup-mib skipped" >&2
    exit 0
  fi
  trap 'rmdir "$cg" 2>/dev/null; rm -rf "$work"' EXIT
  echo $((cgroup_mib * 1024 * 1024)) > "$cg/memory.limit_in_bytes"
  for l in none "$limit"; do
    rm -rf "$work/out-$l"
    run "cgroup $cgroup_mib MiB, --memory-limit $l" "$cg/cgroup.procs" "$reclink" dedupe --rules "$rules" \
      --threads "$threads" -q --memory-limit "$l" --out "$work/out-$l" "$input" || true
  done
fi
