#!/usr/bin/env bash
# A/B of incremental nights: two builds of reclink (or one build under two environments) run the
# same night from fresh copies of one state, alternated A B B A in each round, and the medians are
# printed side by side with their ratio. Every run's clusters.csv, changes.csv and next
# identities.bin must equal the first A run's (a change that alters an output fails the A/B).
#
#   bench/night_ab.sh --work DIR [--base BUILD] [--base-env VAR=VALUE] [--new-env VAR=VALUE]
#                     [--new-arg ARG] [--rounds R] [--idle S] [--threads T] [--quiet-night]
#                     [--records N] [--changes P] [--rules FILE] [--new-state DIR]
#
# --work DIR holds the data and night 1's state (bench/identities.sh --prepare DIR); it is made
# with --records (default 1000000), --changes (default 1) and --rules (default the demo's) when it
# does not exist yet, and kept; the nights run with the same --rules.
# B is BUILD_DIR (default build); A is --base (default: BUILD_DIR too). --base-env / --new-env add
# one environment variable to A's / B's runs (repeatable), e.g. --base-env MALLOC_CONF=thp:always;
# --new-arg one argument to B's command line (repeatable), e.g. --new-arg --changed-only (the
# files both runs wrote are compared: clusters.csv then only when B writes it).
# --new-state DIR: B's nights start from copies of DIR instead of night 1's state (a state B wrote,
# when B changes the state's format; the states' identities are then compared decoded, not as
# bytes: identities.bin's versions 1 and 2 hold the same tables).
# --idle S sleeps S seconds before each run (a nightly job starts cold; docs/performance.md, "Huge
# pages and the incremental night"); default 0. --quiet-night runs the quiet night (an extract of no
# records) instead of the 1% night. Wall time is the child's, on the monotonic clock; user and
# system time from wait4; stages and peak RSS from its summary.json.
set -euo pipefail
cd "$(dirname "$0")/.."
work= base= rounds=5 idle=0 threads=2 quiet=0 records=1000000 changes=1 rules=datasets/demo/rules.toml
base_env=() new_env=() new_args=() new_state=
while [ $# -gt 0 ]; do
  case "$1" in
    --work) work=$2; shift 2 ;;
    --base) base=$2; shift 2 ;;
    --new-state) new_state=$2; shift 2 ;;
    --base-env) base_env+=("$2"); shift 2 ;;
    --new-env) new_env+=("$2"); shift 2 ;;
    --new-arg) new_args+=("$2"); shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --idle) idle=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --quiet-night) quiet=1; shift ;;
    --records) records=$2; shift 2 ;;
    --changes) changes=$2; shift 2 ;;
    --rules) rules=$2; shift 2 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "night_ab.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[ -n "$work" ] || { echo "night_ab.sh: --work DIR is required (see --help)" >&2; exit 2; }
BUILD_DIR=${BUILD_DIR:-build}
base=${base:-$BUILD_DIR}
for b in "$base" "$BUILD_DIR"; do
  [ -x "$b/reclink" ] || { echo "night_ab.sh: $b/reclink does not exist (build it first)" >&2; exit 2; }
done
if [ ! -d "$work/state1" ]; then
  BUILD_DIR="$BUILD_DIR" bench/identities.sh --prepare "$work" --records "$records" --changes "$changes" --rules "$rules"
fi
python3 - "$work" "$base/reclink" "$BUILD_DIR/reclink" "$rounds" "$idle" "$threads" "$quiet" "$rules" \
  "$(printf '%s\n' ${new_args[@]+"${new_args[@]}"})" "${new_state:-$work/state1}" \
  "${#base_env[@]}" ${base_env[@]+"${base_env[@]}"} ${new_env[@]+"${new_env[@]}"} <<'PY'
import filecmp, json, os, shutil, subprocess, sys, time
sys.path.insert(0, "bench")
from ab_report import print_report
work, bin_a, bin_b, rounds, idle, threads, quiet, rules, new_args, new_state, n_base = sys.argv[1:12]
rounds, idle, quiet, n_base = int(rounds), float(idle), quiet == "1", int(n_base)
envs = {"A": sys.argv[12:12 + n_base], "B": sys.argv[12 + n_base:]}
starts = {"A": f"{work}/state1", "B": new_state}


def identities(path):
    """identities.bin's tables, decoded (version 1: varint-prefixed entries; 2: fixed tables)."""
    b = open(path, "rb").read()[:-8]
    version, width = int.from_bytes(b[8:12], "little"), int.from_bytes(b[12:16], "little")
    salt, serial, runs = (int.from_bytes(b[16 + 8 * i:24 + 8 * i], "little") for i in range(3))
    if version == 2:
        n_ids, n_keys, id_bytes, key_bytes = (int.from_bytes(b[40 + 8 * i:48 + 8 * i], "little") for i in range(4))
        at = 72
        id_ends = [int.from_bytes(b[at + width * i:at + width * (i + 1)], "little") for i in range(n_ids)]
        at += width * n_ids
        key_ends = [int.from_bytes(b[at + width * i:at + width * (i + 1)], "little") for i in range(n_keys)]
        at += width * n_keys
        of = [int.from_bytes(b[at + 4 * i:at + 4 * i + 4], "little") for i in range(n_keys)]
        at += 4 * n_keys
        ids = [b[at + (id_ends[i - 1] if i else 0):at + id_ends[i]] for i in range(n_ids)]
        at += id_bytes
        keys = [b[at + (key_ends[i - 1] if i else 0):at + key_ends[i]] for i in range(n_keys)]
        return salt, serial, runs, ids, keys, of
    at = 40
    def varint():
        nonlocal at
        v, shift = 0, 0
        while True:
            x = b[at]
            at += 1
            v |= (x & 0x7F) << shift
            shift += 7
            if x < 0x80:
                return v
    def text():
        nonlocal at
        n = varint()
        at += n
        return b[at - n:at]
    ids = [text() for _ in range(varint())]
    keys, of = [], []
    for _ in range(varint()):
        keys.append(text())
        of.append(varint())
    return salt, serial, runs, ids, keys, of


decoded_reference = None
args = {"A": [], "B": [a for a in new_args.split("\n") if a]}
bins = {"A": bin_a, "B": bin_b}
night = [f"{work}/empty.csv"] if quiet else ["--delete", f"{work}/deleted.txt", f"{work}/delta.csv"]
runs = {"A": [], "B": []}
reference = None
for r in range(rounds):
    for v in ("A", "B", "B", "A"):
        state, out = f"{work}/ab_state", f"{work}/ab_out"
        shutil.rmtree(state, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(starts[v], state)
        os.sync()
        if idle > 0:
            time.sleep(idle)
        env = dict(os.environ)
        for kv in envs[v]:
            k, _, val = kv.partition("=")
            env[k] = val
        cmd = [bins[v], "dedupe", "--rules", rules, "--threads", threads, "--quiet",
               "--state", state, "--out", out, "--incremental"] + args[v] + night
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, env=env)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t0
        if status != 0:
            sys.exit(f"night_ab.sh: {v} failed ({' '.join(cmd)})")
        s = json.load(open(f"{out}/summary.json"))
        runs[v].append({"wall": wall, "user": ru.ru_utime, "sys": ru.ru_stime, "rss": s["peak_rss_bytes"] / 1e6,
                        "stages": {x["stage"]: x["seconds"] for x in s["stages"]}})
        # changes.csv and the next identities.bin always; clusters.csv and clusters_changed.csv
        # where both this run and the reference wrote them (--new-arg --changed-only, an older A).
        decoded = identities(f"{state}/identities.bin")
        if decoded_reference is None:
            decoded_reference = decoded
        elif decoded != decoded_reference:
            sys.exit(f"night_ab.sh: {v}'s identities.bin differs from the first A run's")
        same_format = starts["A"] == starts["B"]
        files = [f"{out}/changes.csv"] + ([f"{state}/identities.bin"] if same_format else []) + [
            f for f in (f"{out}/clusters.csv", f"{out}/clusters_changed.csv") if os.path.exists(f)]
        if reference is None:
            reference = f"{work}/ab_reference"
            shutil.rmtree(reference, ignore_errors=True)
            os.makedirs(reference)
            for f in files:
                shutil.copy(f, reference)
        for f in files:
            ref = f"{reference}/{os.path.basename(f)}"
            if os.path.exists(ref) and not filecmp.cmp(f, ref, shallow=False):
                sys.exit(f"night_ab.sh: {v}'s {os.path.basename(f)} differs from the first A run's")
print_report(f"{'quiet' if quiet else '1%'} night, {rounds} rounds A B B A, idle {idle:g} s, {threads} threads; outputs identical",
             bins, {"A": envs["A"], "B": envs["B"] + args["B"]}, runs, rounds)
PY
