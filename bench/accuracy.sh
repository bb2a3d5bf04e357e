#!/usr/bin/env bash
# Accuracy without labels: for each data set, trains once (unsupervised), then reports pairwise
# F1 at the threshold the run would use without one in the rules file, and the best F1 over a
# sweep of thresholds (every whole match weight from -10 to 40 bits) with the same model. The
# gap between the two is what a user without labels loses. Issue 12's test bed. Each line ends with
# the precision and recall the model itself expects at its threshold (model.json's `threshold`),
# to set beside the measured ones.
#
#   bench/accuracy.sh [--keep-threshold] [NAME...]   # names: demo gen7 gen99 gen100k names_address
#                                                    #        demo_more_rules five20 five40 five20m0 five40m0
#                                                    #        three_low febrl1 febrl2 febrl3 febrl4
#                                                    #        fake1000 fake1000demo fake20000 rldata
#                                                    # genS: 20,000 records at any seed S (gen7 and
#                                                    # gen99 by default; docs/model.md checked changes
#                                                    # on gen5, gen11, gen21, gen31 and gen41 too)
#
# Needs build/reclink and build/reclink-gen (scripts/build.sh) and, for febrl*, fake* and rldata,
# ../shared/datasets. --keep-threshold uses the rules files' own thresholds as the "default".
# REFINE=N in the environment sets `[model] refine_rounds = N` in every rules file (docs/model.md).
set -euo pipefail
cd "$(dirname "$0")/.."
KEEP=0
if [ "${1:-}" = "--keep-threshold" ]; then KEEP=1; shift; fi
NAMES=("$@")
[ ${#NAMES[@]} -eq 0 ] && NAMES=(demo gen7 gen99 gen100k names_address demo_more_rules five20 five40 five20m0 five40m0 three_low febrl1 febrl2 febrl3 febrl4 fake1000 fake1000demo fake20000 rldata)
PY=$(command -v /usr/bin/python3 || command -v python3); BIN=${RECLINK_BIN:-build/reclink}; GEN=build/reclink-gen; SHARED=../shared/datasets
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT

febrl() {  # FEBRL file with an entity column from rec-N-...
  awk -F', ' '{sub(/\r$/,"")} NR==1{print $0", entity"; next} {split($1,a,"-"); print $0", "a[2]}' "$SHARED/febrl/$1.csv" > "$W/$1.csv"
}
strip_threshold() {
  if [ "$KEEP" = 1 ]; then cp "$1" "$2"; else grep -v '^threshold *=' "$1" > "$2"; fi
  if [ -n "${REFINE:-}" ]; then  # into [model] (added when the file has none)
    grep -v '^refine_rounds *=' "$2" > "$2.r"
    if grep -q '^\[model\]' "$2.r"; then sed "s/^\[model\]/[model]\nrefine_rounds = $REFINE/" "$2.r" > "$2"
    else { cat "$2.r"; printf '\n[model]\nrefine_rounds = %s\n' "$REFINE"; } > "$2"; fi
    rm -f "$2.r"
  fi
}

run_case() {  # name rules truth flags files...
  local name=$1 rules=$2 truth=$3 flags=$4; shift 4
  strip_threshold "$rules" "$W/$name.toml"
  $BIN train --quiet $flags --rules "$W/$name.toml" --model-out "$W/$name.model.json" "$@" >/dev/null
  local line
  line=$("$PY" - "$BIN" "$W/$name.toml" "$W/$name.model.json" "$truth" "$flags" "$@" <<'PYEOF'
import json, subprocess, sys
binary, rules, model, truth, flags = sys.argv[1:6]
files = sys.argv[6:]
def evaluate(threshold=None):
    cmd = [binary, "evaluate", "--json", "--rules", rules, "--model", model, "--truth", truth] + flags.split() + files
    if threshold is not None:
        cmd += ["--threshold", repr(threshold)]
    d = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    return list(d.values())[0]["pairwise"]
p = evaluate()
best, best_w = -1.0, None
for w in range(-10, 41):
    t = 1 / (1 + 2.0 ** -w)
    if t >= 1.0:
        continue
    f = evaluate(t)["f1"]
    if f > best:
        best, best_w = f, w
t = json.load(open(model)).get("threshold", {})
expects = ("   model expects P %.4f R %.4f" % (t["expected_precision"], t["expected_recall"])
           if "expected_precision" in t else "")
print("default: P %.4f R %.4f F1 %.4f   best F1 %.4f at weight %d%s" % (p["precision"], p["recall"], p["f1"], best, best_w, expects))
PYEOF
)
  printf '%-16s %s\n' "$name" "$line"
}

for n in "${NAMES[@]}"; do
  case "$n" in
    demo) run_case demo datasets/demo/rules.toml entity_id "" datasets/demo/customers.csv ;;
    gen100k)
      # 100,000 records: the generator's placeholder phones and e-mails make blocks that are
      # neither small nor skipped as oversized (docs/model.md, "Placeholder values").
      $GEN --quiet --records 100000 --seed 7 --out "$W/$n.csv"
      run_case "$n" datasets/demo/rules.toml entity_id "" "$W/$n.csv" ;;
    gen[0-9]*)
      $GEN --quiet --records 20000 --seed "${n#gen}" --out "$W/$n.csv"
      run_case "$n" datasets/demo/rules.toml entity_id "" "$W/$n.csv" ;;
    names_address)
      $GEN --quiet --records 20000 --seed 11 --out "$W/na.csv"
      run_case names_address bench/accuracy/names_address.toml entity_id "" "$W/na.csv" ;;
    demo_more_rules)
      # Three rules that only add candidate pairs to the demo's: more candidates must not hurt.
      { cat datasets/demo/rules.toml; printf '\n[[blocking]]\nkeys = ["last"]\n\n[[blocking]]\nkeys = ["postcode"]\n\n[[blocking]]\nkeys = ["city", "prefix(first, 1)"]\n'; } > "$W/more.toml.in"
      # TOML: the appended tables must come before [model]; rebuild the file in order.
      python3 - "$W/more.toml.in" "$W/more_rules.toml" <<'PY'
import sys,re
t=open(sys.argv[1]).read()
extra=t[t.rindex('\n[[blocking]]\nkeys = ["last"]'):]
t=t[:t.rindex('\n[[blocking]]\nkeys = ["last"]')]
i=t.index('[[comparison]]')
open(sys.argv[2],'w').write(t[:i]+extra.strip()+'\n\n'+t[i:])
PY
      run_case demo_more_rules "$W/more_rules.toml" entity_id "" datasets/demo/customers.csv ;;
    febrl1|febrl2|febrl3) febrl "dataset${n#febrl}"
      run_case "$n" docs/examples/febrl3.toml entity --trim-spaces "$W/dataset${n#febrl}.csv" ;;
    febrl4) febrl dataset4a; febrl dataset4b
      run_case febrl4 docs/examples/febrl4.toml entity --trim-spaces "$W/dataset4a.csv" "$W/dataset4b.csv" ;;
    five20|five40)
      # Five sources, names and address only (issue 12): --noise 0.2 and 0.4.
      $GEN --quiet --records 20000 --seed 3 --sources 5 --noise "0.${n#five}" \
        --fields first_name,last_name,address,city,postcode --out "$W/$n"
      run_case "$n" bench/accuracy/five_sources.toml entity_id "" "$W/$n"/source*.csv ;;
    five20m0|five40m0)
      # The same without moves (--moves 0): corruption is edits to the values only.
      nz=${n#five}; nz=${nz%m0}
      $GEN --quiet --records 20000 --seed 3 --sources 5 --noise "0.$nz" --moves 0 \
        --fields first_name,last_name,address,city,postcode --out "$W/$n"
      run_case "$n" bench/accuracy/five_sources.toml entity_id "" "$W/$n"/source*.csv ;;
    three_low)
      # Three sources with little overlap (each person in a source with chance 0.3), so that most
      # records have no partner: the one_per_source threshold must not assume that they do.
      $GEN --quiet --records 15000 --seed 8 --sources 3 --coverage 0.3 --noise 0.2 \
        --fields first_name,last_name,address,city,postcode --out "$W/$n"
      run_case "$n" bench/accuracy/five_sources.toml entity_id "" "$W/$n"/source*.csv ;;
    # Splink's two fake_1000 fixtures, with fake_20000's rules (same columns).
    fake1000) run_case fake1000 bench/accuracy/fake_20000.toml cluster "" "$SHARED/splink_fake_1000/fake_1000.csv" ;;
    fake1000demo) run_case fake1000demo bench/accuracy/fake_20000.toml cluster "" "$SHARED/splink_fake_1000/fake_1000_from_splink_demos.csv" ;;
    fake20000) run_case fake20000 bench/accuracy/fake_20000.toml group "" "$SHARED/splink_fake_20000/fake_20000.csv" ;;
    rldata) run_case rldata docs/examples/rldata10000.toml ent_id "" "$SHARED/rldata/RLdata10000.csv" ;;
    *) echo "unknown set $n" >&2; exit 2 ;;
  esac
done
