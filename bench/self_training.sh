#!/usr/bin/env bash
# Self-training experiment (issue 12): how far m re-estimated from the run's own clusters moves
# accuracy without labels. Round 0 is the plain unsupervised run. Each later round takes every
# pair of records inside a cluster of the previous round (clusters of more than 50 records left
# out) as a labeled match and runs again with `--labels` (so m of every comparison becomes the
# level shares of those pairs; u, the prior's EM and the threshold rule are the run's own).
# Prints pairwise precision, recall and F1 against the truth column after every round.
#
#   bench/self_training.sh [--rounds R] dedupe|link RULES TRUTH_COLUMN [RUN FLAGS...] FILE...
#
# e.g. bench/self_training.sh dedupe bench/accuracy/fake_20000.toml cluster \
#        ../shared/datasets/splink_fake_1000/fake_1000_from_splink_demos.csv
# The rules file's threshold, if any, is dropped (the model's own threshold is what is measured).
# The run does the same with [model] refine_rounds = R (docs/rules.md); this harness does it from
# outside, through --labels, so that other choices of the pairs can be tried without a rebuild.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=2
if [ "${1:-}" = "--rounds" ]; then rounds=$2; shift 2; fi
if [ $# -lt 4 ]; then sed -n '2,14p' "$0"; exit 2; fi
mode=$1 rules=$2 truth=$3; shift 3
case "$mode" in dedupe|link) ;; *) echo "self_training.sh: mode must be dedupe or link" >&2; exit 2 ;; esac
BIN=${RECLINK_BIN:-build/reclink}
PY=$(command -v /usr/bin/python3 || command -v python3)
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
grep -v '^threshold *=' "$rules" > "$W/rules.toml"

report() {  # round
  "$PY" - "$W/summary.$1.json" "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
p = (d.get("evaluation") or d)["pairwise"]
print("round %s: P %.4f R %.4f F1 %.4f" % (sys.argv[2], p["precision"], p["recall"], p["f1"]))
PY
}

"$BIN" "$mode" --quiet --json --rules "$W/rules.toml" --out "$W/out.0" --truth "$truth" "$@" > "$W/summary.0.json"
report 0
for ((i = 1; i <= rounds; i++)); do
  "$PY" - "$W/out.$((i - 1))/clusters.csv" "$W/labels.$i.csv" <<'PY'
import collections, csv, itertools, sys
clusters = collections.defaultdict(list)
for row in csv.DictReader(open(sys.argv[1])):
    rid = row["source"] + ":" + row["record_id"] if "source" in row else row["record_id"]
    clusters[row["cluster_id"]].append(rid)
with open(sys.argv[2], "w") as out:
    out.write("id_l,id_r,match\n")
    for members in clusters.values():
        if len(members) <= 50:
            for a, b in itertools.combinations(members, 2):
                out.write(f"{a},{b},1\n")
PY
  "$BIN" "$mode" --quiet --json --rules "$W/rules.toml" --out "$W/out.$i" --truth "$truth" \
    --labels "$W/labels.$i.csv" "$@" > "$W/summary.$i.json"
  report "$i"
done
