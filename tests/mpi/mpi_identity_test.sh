#!/usr/bin/env bash
# The MPI run gives the single-process outputs, byte for byte (docs/distributed.md): 20,000
# generated records deduplicated with the demo rules, four inputs of four formats deduplicated
# together (quoted line breaks, bad records quarantined), and a three-source link (from CSV, and
# from CSV, JSON Lines and gzip), each run alone and under `mpirun -np 1|2|3`; clusters.csv, model.json and pairs.csv must be identical, and
# summary.json identical but for timings, threads and the mpi_* members; then two nights with
# --state, whose states, clusters.csv, clusters_changed.csv and changes.csv must be identical too.
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
# A refit of m on the run's own clusters: rank 0 clusters, every rank refits the same model.
sed 's/^\[model\]$/[model]\nrefine_rounds = 1/' "$rules" > "$work/refine.toml"
grep -q '^refine_rounds = 1$' "$work/refine.toml" || fail "could not make refine rules"
run_case dedupe-refine "clusters.csv model.json" -- dedupe --rules "$work/refine.toml" "$work/people.csv"
grep -q 'refine round 1, pairs inside clusters' "$work/dedupe-refine-np3/model.json" || fail "no refit in model.json"
# The read's exchange in rounds (as past 2 GiB), here of at most 100 kB per call.
RECLINK_MPI_MAX_MESSAGE_BYTES=100000 "$mpiexec" --oversubscribe -np 3 "$build/reclink" dedupe --rules "$rules" \
  --out "$work/rounds-np3" --threads 1 --quiet "$work/people.csv" || fail "rounds: mpirun -np 3 exited with $?"
cmp "$work/dedupe-single/clusters.csv" "$work/rounds-np3/clusters.csv" || fail "rounds: clusters.csv differs at -np 3"
echo "ok: the read's exchange in rounds at -np 3"
# The standard input (mpirun feeds rank 0's; that rank reads it for all).
"$mpiexec" --oversubscribe -np 2 "$build/reclink" dedupe --rules "$rules" --out "$work/stdin-np2" --threads 1 --quiet - \
  < "$work/people.csv" || fail "stdin: mpirun -np 2 exited with $?"
cmp "$work/dedupe-single/clusters.csv" "$work/stdin-np2/clusters.csv" || fail "stdin: clusters.csv differs at -np 2"
echo "ok: the standard input at -np 2"
# Under a memory limit each rank keeps its columns in spill files: the same clusters.
"$mpiexec" --oversubscribe -np 2 "$build/reclink" dedupe --rules "$rules" --out "$work/spill-np2" --threads 1 --quiet \
  --memory-limit 64K "$work/people.csv" || fail "spill: mpirun -np 2 exited with $?"
cmp "$work/dedupe-single/clusters.csv" "$work/spill-np2/clusters.csv" || fail "spill: clusters.csv differs at -np 2"
grep -q '"spilled": true' "$work/spill-np2/summary.json" || fail "spill: summary.json does not say spilled"
echo "ok: --memory-limit at -np 2"
# Under a limit that makes partitions, the ranks deal them (partition k to rank k mod N), each
# gathering only its partitions' rows: the single process's outputs under the same limit.
"$build/reclink" dedupe --rules "$rules" --pairs --truth entity_id --memory-limit 1M --out "$work/parts-single" \
  --threads 2 --quiet "$work/people.csv"
partitions() { /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["memory"]["partitions"])' "$1"; }
[ "$(partitions "$work/parts-single/summary.json")" -gt 3 ] || fail "partitions: fewer than 4 partitions"
for np in 2 3; do
  "$mpiexec" --oversubscribe -np "$np" "$build/reclink" dedupe --rules "$rules" --pairs --truth entity_id \
    --memory-limit 1M --out "$work/parts-np$np" --threads 1 --quiet "$work/people.csv" \
    || fail "partitions: mpirun -np $np exited with $?"
  for f in clusters.csv model.json pairs.csv; do
    cmp "$work/parts-single/$f" "$work/parts-np$np/$f" || fail "partitions: $f differs at -np $np"
  done
  [ "$(partitions "$work/parts-np$np/summary.json")" = "$(partitions "$work/parts-single/summary.json")" ] \
    || fail "partitions: another count at -np $np"
  echo "ok: partitions dealt to ranks at -np $np"
done

# Two nights with --state: the first trains and writes the state, the second scores with the
# state's model and keeps identity ids. Every rank reads the state, rank 0 alone writes the next:
# the states, clusters.csv, clusters_changed.csv and changes.csv must be the single process's, byte for byte.
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
    for f in clusters.csv clusters_changed.csv changes.csv model.json; do
      cmp "$work/night$night-single/$f" "$work/night$night-np$np/$f" || fail "state night $night: $f differs at -np $np"
    done
  done
  for f in $state_files; do
    cmp "$work/state-single/$f" "$work/state-np$np/$f" || fail "state: $f differs at -np $np"
  done
  echo "ok: two nights with --state at -np $np"
done

# Several inputs read as under mpirun each rank reads them (docs/distributed.md): a CSV with
# quoted line breaks and doubled quotes and bad records (split by byte ranges, its rejects
# quarantined), JSON Lines (split by lines), a gzip CSV and a JSON array (each read whole by one
# rank), deduplicated together; every record's source and line must be the single process's.
"$build/reclink-gen" --records 6000 --seed 23 --out "$work/mixed.csv" --quiet
/usr/bin/python3 - "$work" <<'PY'
import csv, gzip, json, sys
work = sys.argv[1]
rows = list(csv.DictReader(open(work + "/mixed.csv", newline="")))
fields = list(rows[0].keys())
parts = [rows[0:2500], rows[2500:4500], rows[4500:5500], rows[5500:]]
with open(work + "/part1.csv", "w", newline="") as f:
    w = csv.writer(f, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    w.writerow(fields)
    for i, r in enumerate(parts[0]):
        if i % 7 == 0:
            r["address"] = r["address"] + "\nflat " + str(i)  # a quoted line break
        if i % 11 == 0:
            r["city"] = 'the "old" ' + r["city"]  # doubled quotes
        w.writerow([r[k] for k in fields])
        if i % 300 == 150:
            f.write(str(900000 + i) + ',1,"unterminated,x\n')  # a bad record: an odd quote
        if i % 300 == 299:
            f.write(str(900000 + i) + ",too,few\n")  # a bad record: too few fields
with open(work + "/part2.jsonl", "w") as f:
    for r in parts[1]:
        f.write(json.dumps({k: v for k, v in r.items() if v != ""}) + "\n")
with gzip.open(work + "/part3.csv.gz", "wt", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(fields)
    for r in parts[2]:
        w.writerow([r[k] for k in fields])
with open(work + "/part4.json", "w") as f:
    json.dump(parts[3], f)
PY
run_case mixed "clusters.csv model.json pairs.csv rejects.csv" -- dedupe --rules "$rules" --pairs \
  --on-bad-record quarantine "$work/part1.csv" "$work/part2.jsonl" "$work/part3.csv.gz" "$work/part4.json"
[ "$(grep -c unterminated "$work/mixed-np3/rejects.csv")" -gt 3 ] || fail "mixed: too few rejects"

# Link: the demo rules as link rules on three generated sources.
"$build/reclink-gen" --records 8000 --seed 5 --sources 3 --out "$work/sources" --quiet
sed 's/^link_type = "dedupe"/link_type = "link"/' "$rules" > "$work/link.toml"
grep -q '^link_type = "link"' "$work/link.toml" || fail "could not make link rules"
run_case link "clusters.csv model.json pairs.csv" -- link --rules "$work/link.toml" --pairs \
  "$work/sources/source1.csv" "$work/sources/source2.csv" "$work/sources/source3.csv"
# The same link with one source as JSON Lines (split by lines) and one gzip-compressed (whole).
/usr/bin/python3 - "$work/sources" <<'PY'
import csv, json, sys
src = sys.argv[1]
with open(src + "/source2.jsonl", "w") as f:
    for r in csv.DictReader(open(src + "/source2.csv", newline="")):
        f.write(json.dumps({k: v for k, v in r.items() if v != ""}) + "\n")
PY
gzip -c "$work/sources/source3.csv" > "$work/sources/source3.csv.gz"
run_case link-mixed "clusters.csv model.json pairs.csv" -- link --rules "$work/link.toml" --pairs \
  "$work/sources/source1.csv" "source2=$work/sources/source2.jsonl" "source3=$work/sources/source3.csv.gz"
echo "all MPI runs identical to the single-process runs"
