#!/usr/bin/env bash
# MPI scaling benchmark (docs/distributed.md): `reclink dedupe` with the demo rules on generated
# records, without mpirun and under `mpirun -np N` for each N, --threads per rank, R rounds (the
# rank counts alternate within a round, so a load change on a shared machine hits them all).
# Prints medians of wall time, the stages of summary.json (rank 0's clock), and the payload bytes
# the ranks sent each other per record; and checks that every run's clusters.csv and model.json
# equal the run without mpirun.
#
#   bench/mpi.sh [--records N] [--input FILE] [--ranks "1 2 3 4"] [--runs R] [--threads T]
#                [--rules FILE] [--seed S]
#
# --input uses an existing file instead of generating `reclink-gen --records N --seed S`.
# BUILD_DIR (default build) must be configured with -DRECLINK_MPI=ON. Needs mpirun
# (openmpi-bin), /usr/bin/time and python3.
set -euo pipefail
cd "$(dirname "$0")/.."

records=1000000
input=""
ranks="1 2 3 4"
runs=3
threads=1
rules=datasets/demo/rules.toml
seed=42
while [ $# -gt 0 ]; do
  case "$1" in
    --records) records=$2; shift 2 ;;
    --input) input=$2; shift 2 ;;
    --ranks) ranks=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --rules) rules=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "mpi.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
BUILD_DIR=${BUILD_DIR:-build}
for tool in mpirun /usr/bin/time python3; do
  command -v "$tool" >/dev/null || { echo "mpi.sh: $tool is required" >&2; exit 2; }
done
grep -q '^RECLINK_MPI:BOOL=ON$' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null ||
  { echo "mpi.sh: $BUILD_DIR is not configured with -DRECLINK_MPI=ON" >&2; exit 2; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

work=$(mktemp -d "${TMPDIR:-/tmp}/reclink-mpi.XXXXXX")
trap 'rm -rf "$work"' EXIT
if [ -z "$input" ]; then
  input="$work/customers.csv"
  "$BUILD_DIR/reclink-gen" --records "$records" --seed "$seed" --out "$input" --quiet
fi
echo "# reclink MPI benchmark: $input, rules $rules, --threads $threads per rank, $runs rounds"
echo "# $(uname -m), $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"

for i in $(seq "$runs"); do
  for np in alone $ranks; do
    out="$work/out.$np.$i"
    if [ "$np" = alone ]; then
      cmd=("$BUILD_DIR/reclink")
    else
      cmd=(mpirun --oversubscribe -np "$np" "$BUILD_DIR/reclink")
    fi
    /usr/bin/time -f "%e" -o "$work/time.$np.$i" "${cmd[@]}" dedupe --rules "$rules" --out "$out" \
      --threads "$threads" --quiet "$input" 2>"$work/stderr.$np.$i" ||
      { cat "$work/stderr.$np.$i" >&2; echo "mpi.sh: the run at $np failed" >&2; exit 1; }
    if [ "$np" != alone ]; then
      for f in clusters.csv model.json; do
        if ! cmp "$work/out.alone.$i/$f" "$out/$f" >&2; then
          keep="${TMPDIR:-/tmp}/reclink-mpi-differs.$$"
          mkdir -p "$keep" && cp -r "$work/out.alone.$i" "$out" "$keep/"
          echo "mpi.sh: $f differs at -np $np (both outputs kept in $keep)" >&2
          exit 1
        fi
      done
    fi
    cp "$out/summary.json" "$work/summary.$np.$i.json"
    [ "$np" = alone ] || rm -rf "$out"  # the run without mpirun is compared with the others
  done
  rm -rf "$work/out.alone.$i"
done

python3 - "$work" "$runs" "alone $ranks" <<'PY'
import json, statistics, sys
work, runs, ranks = sys.argv[1], int(sys.argv[2]), sys.argv[3].split()
stages = ["read", "normalize", "block", "compare-prepare", "train-u", "train-em", "score", "cluster", "write"]
print("| ranks | wall s | " + " | ".join(stages) + " | bytes sent / record |")
print("|---|---:|" + "---:|" * len(stages) + "---:|")
for np in ranks:
    walls, per_stage, sent = [], {s: [] for s in stages}, []
    for i in range(1, runs + 1):
        walls.append(float(open(f"{work}/time.{np}.{i}").read().split()[0]))
        summary = json.load(open(f"{work}/summary.{np}.{i}.json"))
        for s in summary["stages"]:
            if s["stage"] in per_stage:
                per_stage[s["stage"]].append(s["seconds"])
        records = sum(x["records"] for x in summary["inputs"])
        sent.append(summary.get("mpi_bytes_sent", 0) / max(records, 1))
    label = "1, no mpirun" if np == "alone" else np
    cells = [f"{statistics.median(per_stage[s]):.2f}" if per_stage[s] else "-" for s in stages]
    print(f"| {label} | {statistics.median(walls):.2f} | " + " | ".join(cells) + f" | {statistics.median(sent):.1f} |")
PY
