#!/usr/bin/env bash
# A/B of full runs: two builds of reclink (or one build under two environments) deduplicate the
# same input, alternated A B B A in each round, and the medians are printed side by side with
# their ratio, stage by stage. Every run's clusters.csv and model.json must equal the first A
# run's (a change that alters an output fails the A/B).
#
#   bench/full_ab.sh --input FILE [--rules FILE] [--base BUILD] [--base-env VAR=VALUE]
#                    [--new-env VAR=VALUE] [--rounds R] [--idle S] [--threads T] [--out DIR]
#                    [--state DIR]
#
# B is BUILD_DIR (default build); A is --base (default: BUILD_DIR too). --base-env / --new-env add
# one environment variable to A's / B's runs (repeatable): the twentieth session's small-pages
# A/B was `--base-env MALLOC_CONF=thp:always` (docs/performance.md, "Small pages for every run").
# --idle S syncs and sleeps S seconds before each run, so each starts cold as a nightly job does
# (default 0: back to back). --rules defaults to the demo's; --out (default a temporary directory,
# removed) is where each run writes. Wall time is the child's, on the monotonic clock; user and
# system time and peak RSS from wait4; stages from its summary.json. --state DIR makes each run a
# full night: a fresh copy of DIR (a state written by an earlier run, e.g. bench/identities.sh
# --prepare's state1) is passed as --state, and the next state's identities.bin and records.bin
# must be identical too. E.g. at a million records:
#
#   build/reclink-gen -n 1000000 --seed 42 -q -o /tmp/m1.csv
#   bench/full_ab.sh --input /tmp/m1.csv --base-env MALLOC_CONF=thp:always --rounds 6 --idle 3
set -euo pipefail
cd "$(dirname "$0")/.."
input= base= rounds=5 idle=0 threads=2 rules=datasets/demo/rules.toml out= state=
base_env=() new_env=()
while [ $# -gt 0 ]; do
  case "$1" in
    --input) input=$2; shift 2 ;;
    --rules) rules=$2; shift 2 ;;
    --base) base=$2; shift 2 ;;
    --base-env) base_env+=("$2"); shift 2 ;;
    --new-env) new_env+=("$2"); shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --idle) idle=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --state) state=$2; shift 2 ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "full_ab.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[ -n "$input" ] || { echo "full_ab.sh: --input FILE is required (see --help)" >&2; exit 2; }
[ -r "$input" ] || { echo "full_ab.sh: cannot read $input" >&2; exit 2; }
[ -z "$state" ] || [ -r "$state/state.json" ] || { echo "full_ab.sh: $state holds no state.json" >&2; exit 2; }
BUILD_DIR=${BUILD_DIR:-build}
base=${base:-$BUILD_DIR}
for b in "$base" "$BUILD_DIR"; do
  [ -x "$b/reclink" ] || { echo "full_ab.sh: $b/reclink does not exist (build it first)" >&2; exit 2; }
done
if [ -z "$out" ]; then
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi
python3 - "$input" "$base/reclink" "$BUILD_DIR/reclink" "$rounds" "$idle" "$threads" "$rules" "$out" "$state" \
  "${#base_env[@]}" ${base_env[@]+"${base_env[@]}"} ${new_env[@]+"${new_env[@]}"} <<'PY'
import filecmp, json, os, shutil, subprocess, sys, time
sys.path.insert(0, "bench")
from ab_report import print_report
inp, bin_a, bin_b, rounds, idle, threads, rules, work, state, n_base = sys.argv[1:11]
rounds, idle, n_base = int(rounds), float(idle), int(n_base)
envs = {"A": sys.argv[11:11 + n_base], "B": sys.argv[11 + n_base:]}
state_copy = f"{work}/ab_state"
bins = {"A": bin_a, "B": bin_b}
runs = {"A": [], "B": []}
out, reference = f"{work}/ab_out", f"{work}/ab_reference"
shutil.rmtree(reference, ignore_errors=True)  # a reference of an earlier A/B in --out does not count
for r in range(rounds):
    for v in ("A", "B", "B", "A"):
        shutil.rmtree(out, ignore_errors=True)
        if state:
            shutil.rmtree(state_copy, ignore_errors=True)
            shutil.copytree(state, state_copy)
        os.sync()
        if idle > 0:
            time.sleep(idle)
        env = dict(os.environ)
        for kv in envs[v]:
            k, _, val = kv.partition("=")
            env[k] = val
        cmd = [bins[v], "dedupe", "--rules", rules, "--threads", threads, "--quiet", "--out", out, inp]
        if state:
            cmd[-1:-1] = ["--state", state_copy]
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, env=env)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t0
        if status != 0:
            sys.exit(f"full_ab.sh: {v} failed ({' '.join(cmd)})")
        s = json.load(open(f"{out}/summary.json"))
        runs[v].append({"wall": wall, "user": ru.ru_utime, "sys": ru.ru_stime, "rss": ru.ru_maxrss / 1e3,
                        "stages": {x["stage"]: x["seconds"] for x in s["stages"]}})
        files = [f"{out}/clusters.csv", f"{out}/model.json"]
        if state:
            files += [f"{state_copy}/identities.bin", f"{state_copy}/records.bin"]
        if not os.path.isdir(reference):
            os.makedirs(reference)
            for f in files:
                shutil.copy(f, reference)
        for f in files:
            if not filecmp.cmp(f, f"{reference}/{os.path.basename(f)}", shallow=False):
                sys.exit(f"full_ab.sh: {v}'s {os.path.basename(f)} differs from the first A run's")
print_report(f"full {'night with --state' if state else 'run'} of {inp}, {rounds} rounds A B B A, idle {idle:g} s, {threads} threads; outputs identical",
             bins, envs, runs, rounds)
PY
