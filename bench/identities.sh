#!/usr/bin/env bash
# Identities benchmark: the cost of --state on a nightly run, and an incremental night.
# Generates N customers with reclink-gen (fixed seed, in a temporary directory removed
# afterwards), writes night 1 (the first 99%) and night 2 (night 1 with 0.5% of records deleted,
# 0.5% updated and the remaining 1% inserted, rows shuffled; about 2% of records new, changed or
# deleted; --changes P makes P% new or changed, two thirds inserted, and P/3 % deleted), runs night 1 with --state, then R times each, from copies of night 1's state: night 2
# in full with --state, night 2 incrementally (--incremental with only the new and changed records
# and --delete), and night 2 without --state (training: the plain run). Checks that the full and
# incremental nights give the same clusters; also runs a quiet night (an extract of no records,
# nothing deleted: the incremental floor) and the incremental night with --changed-only (its
# clusters_changed.csv checked equal to the full night's). Prints medians of wall time, the state's size per
# record, the incremental state's files (records.bin kept, the night's segment appended), the
# state-read and identities stage times, the nights' peak RSS, and the change counts.
#
#   bench/identities.sh [--records N] [--runs R] [--threads T] [--rules FILE] [--changes P] [--idle S]
#
# --idle S sleeps S seconds before each timed run (after its state is copied and synced), so each
# starts as a nightly job does, with no memory freed by a run just before it (on a VM that hands
# freed memory back to its host, the first touch of fresh memory then costs more; docs/performance.md,
# "Huge pages and the incremental night"). The default, 0, runs them back to back.
#
# --prepare DIR writes the data and night 1's state into DIR (night1.csv, night2.csv, delta.csv,
# deleted.txt, empty.csv, state1/) and stops: bench/night_ab.sh compares two builds' nights on it.
#
# BUILD_DIR (default build) selects the build; KEEP_WORK=1 keeps the temporary directory (its
# path is the newest /tmp/tmp.*) for profiling the runs again. Needs python3.
set -euo pipefail
cd "$(dirname "$0")/.."
records=1000000
runs=3
threads=2
rules=datasets/demo/rules.toml
changes=1.5
idle=0
prepare=
while [ $# -gt 0 ]; do
  case "$1" in
    --records) records=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --rules) rules=$2; shift 2 ;;
    --changes) changes=$2; shift 2 ;;
    --idle) idle=$2; shift 2 ;;
    --prepare) prepare=$2; shift 2 ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "identities.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
BUILD_DIR=${BUILD_DIR:-build}
if [ ! -x "$BUILD_DIR/reclink" ] || [ ! -x "$BUILD_DIR/reclink-gen" ]; then BUILD_DIR="$BUILD_DIR" scripts/build.sh; fi
if [ -n "$prepare" ]; then
  mkdir -p "$prepare"
  work=$(cd "$prepare" && pwd)
  rm -rf "$work/state1" "$work/out1"  # night 1 starts from no state, as without --prepare
else
  work=$(mktemp -d)
  trap "[ -n \"${KEEP_WORK:-}\" ] || rm -rf \"\$work\"" EXIT
fi
"$BUILD_DIR/reclink-gen" -n "$records" --seed 77 -q -o "$work/all.csv"
python3 - "$work" "$records" "$changes" <<'PY'
import random, sys
work, n, changes = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
# --changes P: P% of the records new or changed, two thirds of them inserted and one third
# updated, and P/3 % deleted (1.5, the default: 1% inserted, 0.5% updated, 0.5% deleted).
lines = open(f"{work}/all.csv").read().splitlines()
header, rows = lines[0], lines[1:]
keep = int(n * (1 - changes * 2 / 300))
night1, extra = rows[:keep], rows[keep:]
rng = random.Random(5)
night2 = list(night1)
idx = list(range(len(night2)))
rng.shuffle(idx)
k = max(1, int(n * changes / 300))
deleted = set(idx[:k])
for i in idx[k:2 * k]:  # updates: another e-mail and phone
    f = night2[i].split(",")
    f[5] = f"updated{i}@example.com"
    f[6] = f"0700{i:07d}"
    night2[i] = ",".join(f)
night2 = [r for i, r in enumerate(night2) if i not in deleted] + extra
rng.shuffle(night2)
open(f"{work}/night1.csv", "w").write("\n".join([header] + night1) + "\n")
changed = [night2_row for night2_row in night2 if night2_row.split(",")[5].startswith("updated")] + extra
open(f"{work}/delta.csv", "w").write("\n".join([header] + changed) + "\n")
open(f"{work}/deleted.txt", "w").write("\n".join(night1[i].split(",")[0] for i in sorted(deleted)) + "\n")
open(f"{work}/night2.csv", "w").write("\n".join([header] + night2) + "\n")
open(f"{work}/empty.csv", "w").write(header + "\n")
PY
run() { "$BUILD_DIR/reclink" dedupe --rules "$rules" --threads "$threads" --quiet "$@"; }
pause() { sync; [ "$idle" = 0 ] || sleep "$idle"; }
run --state "$work/state1" --out "$work/out1" "$work/night1.csv"
if [ -n "$prepare" ]; then
  echo "identities.sh: prepared $work ($records records, --changes $changes, rules $rules)"
  exit 0
fi
for i in $(seq "$runs"); do
  rm -rf "$work/state" && cp -r "$work/state1" "$work/state"
  pause
  s=$(date +%s.%N); run --state "$work/state" --out "$work/n2_$i" "$work/night2.csv"; e=$(date +%s.%N)
  echo "$s $e" > "$work/n2_$i/wall"
  pause
  s=$(date +%s.%N); run --out "$work/plain_$i" "$work/night2.csv"; e=$(date +%s.%N)
  echo "$s $e" > "$work/plain_$i/wall"
  rm -rf "$work/istate" && cp -r "$work/state1" "$work/istate"
  pause
  s=$(date +%s.%N)
  run --state "$work/istate" --out "$work/inc_$i" --incremental --delete "$work/deleted.txt" "$work/delta.csv"
  e=$(date +%s.%N)
  echo "$s $e" > "$work/inc_$i/wall"
  cmp -s "$work/istate/identities.bin" "$work/state/identities.bin" || { echo "identities.sh: the incremental night differs from the full one" >&2; exit 1; }
  cmp -s "$work/inc_$i/clusters_changed.csv" "$work/n2_$i/clusters_changed.csv" || { echo "identities.sh: the incremental night's clusters_changed.csv differs from the full one's" >&2; exit 1; }
  # The same night writing only the changed rows (--changed-only: no clusters.csv).
  rm -rf "$work/cstate" && cp -r "$work/state1" "$work/cstate"
  pause
  s=$(date +%s.%N)
  run --state "$work/cstate" --out "$work/chg_$i" --incremental --changed-only --delete "$work/deleted.txt" "$work/delta.csv"
  e=$(date +%s.%N)
  echo "$s $e" > "$work/chg_$i/wall"
  # A quiet night: the extract holds no records, nothing is deleted (the incremental floor).
  rm -rf "$work/qstate" && cp -r "$work/state1" "$work/qstate"
  pause
  s=$(date +%s.%N); run --state "$work/qstate" --out "$work/quiet_$i" --incremental "$work/empty.csv"; e=$(date +%s.%N)
  echo "$s $e" > "$work/quiet_$i/wall"
done
python3 - "$work" "$runs" "$records" <<'PY'
import json, os, statistics, sys
work, runs, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def wall(d):
    s, e = map(float, open(f"{d}/wall").read().split())
    return e - s
def stage(d, name):
    for s in json.load(open(f"{d}/summary.json"))["stages"]:
        if s["stage"] == name: return s["seconds"]
    return 0.0
st = [f"{work}/n2_{i}" for i in range(1, runs + 1)]
pl = [f"{work}/plain_{i}" for i in range(1, runs + 1)]
inc = [f"{work}/inc_{i}" for i in range(1, runs + 1)]
size = sum(os.path.getsize(f"{work}/state/{f}") for f in os.listdir(f"{work}/state"))
recs = json.load(open(f"{work}/state/state.json"))["records"]
summary = json.load(open(f"{st[0]}/summary.json"))
print(f"records: {n}; night 2 holds {recs}; {runs} runs each")
print(f"night 2 with --state (saved model):  median wall {statistics.median(map(wall, st)):.3f} s")
print(f"night 2 without --state (training):  median wall {statistics.median(map(wall, pl)):.3f} s")
ms, mi = statistics.median(map(wall, st)), statistics.median(map(wall, inc))
print(f"night 2 incremental (--incremental):  median wall {mi:.3f} s  ({ms / mi:.1f}x faster than the full night with --state)")
chg = [f"{work}/chg_{i}" for i in range(1, runs + 1)]
mc = statistics.median(map(wall, chg))
print(f"night 2 incremental, --changed-only:  median wall {mc:.3f} s  ({ms / mc:.1f}x; clusters_changed.csv without clusters.csv)")
ic = json.load(open(f"{inc[0]}/summary.json"))["identities"]["incremental"]
qu = [f"{work}/quiet_{i}" for i in range(1, runs + 1)]
mq = statistics.median(map(wall, qu))
print(f"quiet night (nothing new or deleted): median wall {mq:.3f} s  ({ms / mq:.1f}x; the floor: reading the state, "
      f"naming every cluster, rewriting clusters.csv and identities.bin)")
def stages(d):
    return {s["stage"]: s["seconds"] for s in json.load(open(f"{d}/summary.json"))["stages"]}
for label, runs_of in (("incremental", inc), ("--changed-only", chg), ("quiet", qu)):
    names = list(stages(runs_of[0]))
    print(f"{label} stages (median s):", ", ".join(f"{n} {statistics.median(stages(d).get(n, 0.0) for d in runs_of):.3f}" for n in names))
print("incremental:", json.dumps(ic))
print("records changed:", json.dumps(json.load(open(f"{inc[0]}/summary.json"))["identities"]["records_changed"]))
print(f"state: {size} bytes, {size / recs:.1f} bytes per record")
# The incremental night's state: records.bin kept (a hard link) and the night's segment appended.
ifiles = {f: os.path.getsize(f"{work}/istate/{f}") for f in sorted(os.listdir(f"{work}/istate"))}
print("incremental state:", ", ".join(f"{f} {b}" for f, b in ifiles.items()),
      f"(written by the night: {sum(b for f, b in ifiles.items() if f != 'records.bin')} bytes)")
def rss(d):
    return json.load(open(f"{d}/summary.json"))["peak_rss_bytes"] / 1e6
print("peak RSS (median MB): full night", f"{statistics.median(map(rss, st)):.0f},", "incremental",
      f"{statistics.median(map(rss, inc)):.0f},", "quiet", f"{statistics.median(map(rss, qu)):.0f}")
print(f"state-read: median {statistics.median(stage(d, 'state-read') for d in st):.3f} s; "
      f"identities (naming + change feed): median {statistics.median(stage(d, 'identities') for d in st):.3f} s")
print("changes:", json.dumps(summary["identities"]["changes"]))
PY
