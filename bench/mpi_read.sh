#!/usr/bin/env bash
# The read under mpirun (docs/distributed.md): `reclink dedupe` with the demo rules on generated
# records under `mpirun -np N` for each N, --threads 1 per rank, R rounds (the rank counts
# alternate within a round). Prints medians of rank 0's read and normalize stages (summary.json),
# rank 0's peak RSS after each, every rank's peak RSS over the run (/usr/bin/time), and the
# payload bytes the ranks sent each other per record. With BASE_BUILD_DIR set (a build of an
# older commit, configured with -DRECLINK_MPI=ON) the same runs of its reclink come first in each
# round, for a before/after table; mpi_bytes_sent minus the older build's is what the new read
# exchange moved when the older build exchanged nothing while reading.
#
#   bench/mpi_read.sh [--records N] [--input FILE] [--ranks "1 2"] [--runs R] [--seed S]
set -euo pipefail
cd "$(dirname "$0")/.."
records=1000000 input="" ranks="1 2" runs=3 seed=42
while [ $# -gt 0 ]; do
  case "$1" in
    --records) records=$2; shift 2 ;;
    --input) input=$2; shift 2 ;;
    --ranks) ranks=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "mpi_read.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
BUILD_DIR=${BUILD_DIR:-build}
builds=("$BUILD_DIR")
[ -n "${BASE_BUILD_DIR:-}" ] && builds=("$BASE_BUILD_DIR" "$BUILD_DIR")
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
work=$(mktemp -d "${TMPDIR:-/tmp}/reclink-mpi-read.XXXXXX")
trap 'rm -rf "$work"' EXIT
if [ -z "$input" ]; then
  input="$work/customers.csv"
  "$BUILD_DIR/reclink-gen" --records "$records" --seed "$seed" --out "$input" --quiet
fi
echo "# reclink MPI read benchmark: $input, --threads 1 per rank, $runs rounds"
echo "# $(uname -m), $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq "$runs"); do
  for b in "${!builds[@]}"; do
    for np in $ranks; do
      tag="$b.$np.$i"
      mpirun --oversubscribe -np "$np" sh -c '/usr/bin/time -f %M -o "$0.$OMPI_COMM_WORLD_RANK" "$@"' \
        "$work/rss.$tag" "${builds[$b]}/reclink" dedupe --rules datasets/demo/rules.toml --out "$work/out.$tag" \
        --threads 1 --quiet "$input" 2>"$work/stderr.$tag" ||
        { cat "$work/stderr.$tag" >&2; echo "mpi_read.sh: ${builds[$b]} at -np $np failed" >&2; exit 1; }
      cp "$work/out.$tag/summary.json" "$work/summary.$tag.json"
      if [ "$tag" != "0.$np.$i" ]; then  # every run's clusters are the first build's
        cmp "$work/out.0.$np.$i/clusters.csv" "$work/out.$tag/clusters.csv" || { echo "clusters differ" >&2; exit 1; }
        rm -rf "$work/out.$tag"
      fi
    done
  done
  for np in $ranks; do rm -rf "$work/out.0.$np.$i"; done
done
python3 - "$work" "$runs" "$ranks" "${builds[@]}" <<'PY'
import json, statistics, sys, glob
work, runs, ranks, builds = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(), sys.argv[4:]
print("| build | ranks | read s | normalize s | read+normalize s | rank 0 RSS after read MB | after normalize MB | peak RSS per rank MB | bytes sent / record |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
med = statistics.median
for b, name in enumerate(builds):
    for np in ranks:
        rows = []
        for i in range(1, runs + 1):
            s = json.load(open(f"{work}/summary.{b}.{np}.{i}.json"))
            st = {x["stage"]: x for x in s["stages"]}
            rss = [int(open(f"{work}/rss.{b}.{np}.{i}.{r}").read().split()[-1]) / 1024 for r in range(int(np))]
            rows.append((st["read"]["seconds"], st["normalize"]["seconds"], st["read"]["peak_rss_bytes"] / 2**20,
                         st["normalize"]["peak_rss_bytes"] / 2**20, rss, s["mpi_bytes_sent"] / s["records"]["read"]))
        rn = med(r[0] + r[1] for r in rows)
        per_rank = " / ".join(f"{med(r[4][k] for r in rows):.0f}" for k in range(int(np)))
        print(f"| {name} | {np} | {med(r[0] for r in rows):.2f} | {med(r[1] for r in rows):.2f} | {rn:.2f} | "
              f"{med(r[2] for r in rows):.0f} | {med(r[3] for r in rows):.0f} | {per_rank} | {med(r[5] for r in rows):.1f} |")
PY
