#!/usr/bin/env bash
# The MPI run gives the single-process outputs, byte for byte (docs/distributed.md): 20,000
# generated records deduplicated with the demo rules, and a three-source link, each run alone and
# under `mpirun -np 1|2|3`; clusters.csv, model.json and pairs.csv must be identical, and
# summary.json identical but for timings, threads and the mpi_* members; then two nights with
# --state, whose states, clusters.csv and changes.csv must be identical too.
# Usage: mpi_identity_test.sh BUILD_DIR SOURCE_DIR MPIEXEC
set -euo pipefail
build=$1 src=$2 mpiexec=$3
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# summary.json without what may differ: timings, peak memory, threads, the MPI members.
strip_summary() {
  /usr/bin/python3 - "$1" <<'PY'
import json, sys
def strip(x):
    if isinstance(x, dict):
        return {k: strip(v) for k, v in x.items()
                if k not in ("stages", "seconds", "peak_rss_bytes", "threads", "mpi_ranks", "mpi_bytes_sent")}
    if isinstance(x, list):
        return [strip(v) for v in x]
    return x
print(json.dumps(strip(json.load(open(sys.argv[1]))), sort_keys=True, indent=1))
PY
}

# run_case NAME FILES -- ARGS...: the single-process run, then 1, 2 and 3 ranks, compared.
run_case() {
  local name=$1 files=$2
  shift 3
  "$build/reclink" "$@" --out "$work/$name-single" --threads 2 --quiet
  strip_summary "$work/$name-single/summary.json" > "$work/$name-single.summary"
  for np in 1 2 3; do
    local out="$work/$name-np$np"
    "$mpiexec" --oversubscribe -np "$np" "$build/reclink" "$@" --out "$out" --threads 1 --quiet \
      || fail "$name: mpirun -np $np exited with $?"
    for f in $files; do
      cmp "$work/$name-single/$f" "$out/$f" || fail "$name: $f differs at -np $np"
    done
    grep -q "\"mpi_ranks\": $np," "$out/summary.json" || fail "$name: summary.json does not say mpi_ranks $np"
    strip_summary "$out/summary.json" > "$out.summary"
    diff "$work/$name-single.summary" "$out.summary" || fail "$name: summary.json differs at -np $np"
    # Only rank 0 writes: no other output directory, no staging directory left beside --out.
    [ "$(ls -d "$work/$name-np$np"* | wc -l)" = 2 ] || fail "$name: unexpected files beside $out"
    echo "ok: $name at -np $np"
  done
}

"$build/reclink-gen" --records 20000 --seed 16 --out "$work/people.csv" --quiet
rules=$src/datasets/demo/rules.toml
# Early-deciding scoring (edges only), then full scoring with pairs.csv and truth counts.
run_case dedupe "clusters.csv model.json" -- dedupe --rules "$rules" "$work/people.csv"
run_case dedupe-pairs "clusters.csv model.json pairs.csv" -- dedupe --rules "$rules" --pairs --truth entity_id "$work/people.csv"
grep -q '"evaluation"' "$work/dedupe-pairs-np3/summary.json" || fail "no evaluation in the --truth summary"

# Two nights with --state: the first trains and writes the state, the second scores with the
# state's model and keeps identity ids. Every rank reads the state, rank 0 alone writes the next:
# the states, clusters.csv and changes.csv must be the single process's, byte for byte.
head -n 15001 "$work/people.csv" > "$work/night1.csv"
state_files="identities.bin records.bin model.json state.json"
"$build/reclink" dedupe --rules "$rules" --state "$work/state-single" --out "$work/night1-single" --threads 2 --quiet "$work/night1.csv"
"$build/reclink" dedupe --rules "$rules" --state "$work/state-single" --out "$work/night2-single" --threads 2 --quiet "$work/people.csv"
grep -q '"grew"\|"new"' "$work/night2-single/summary.json" || fail "night 2 changed no identity"
for np in 2 3; do
  for night in 1 2; do
    input=$work/night1.csv
    [ "$night" = 2 ] && input=$work/people.csv
    "$mpiexec" --oversubscribe -np "$np" "$build/reclink" dedupe --rules "$rules" --state "$work/state-np$np" \
      --out "$work/night$night-np$np" --threads 1 --quiet "$input" || fail "state night $night: mpirun -np $np exited with $?"
    for f in clusters.csv changes.csv model.json; do
      cmp "$work/night$night-single/$f" "$work/night$night-np$np/$f" || fail "state night $night: $f differs at -np $np"
    done
  done
  for f in $state_files; do
    cmp "$work/state-single/$f" "$work/state-np$np/$f" || fail "state: $f differs at -np $np"
  done
  echo "ok: two nights with --state at -np $np"
done

# Link: the demo rules as link rules on three generated sources.
"$build/reclink-gen" --records 8000 --seed 5 --sources 3 --out "$work/sources" --quiet
sed 's/^link_type = "dedupe"/link_type = "link"/' "$rules" > "$work/link.toml"
grep -q '^link_type = "link"' "$work/link.toml" || fail "could not make link rules"
run_case link "clusters.csv model.json pairs.csv" -- link --rules "$work/link.toml" --pairs \
  "$work/sources/source1.csv" "$work/sources/source2.csv" "$work/sources/source3.csv"
echo "all MPI runs identical to the single-process runs"
