#!/usr/bin/env bash
# Errors under mpirun end every rank with the single-process exit code and print the message
# once, never hang (ctest's TIMEOUT would fail this test): a missing input (3), a malformed CSV
# (3; also with the bad record in another rank's share of the bytes, and a missing input among
# several), a damaged --state (3), an option that does not run distributed (2), a command that does
# not (2).
# Usage: mpi_errors_test.sh BUILD_DIR SOURCE_DIR MPIEXEC
set -euo pipefail
build=$1 src=$2 mpiexec=$3
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
rules=$src/datasets/demo/rules.toml
printf 'record_id,first_name\n1,"unterminated\n' > "$work/bad.csv"
"$build/reclink-gen" --records 200 --seed 1 --out "$work/people.csv" --quiet

# expect CODE MESSAGE ARGS...: the exit code, and the message exactly once on stderr.
expect() {
  local code=$1 message=$2
  shift 2
  local got=0
  timeout 120 "$mpiexec" --oversubscribe -np 3 "$build/reclink" "$@" --threads 1 > "$work/out" 2> "$work/err" || got=$?
  [ "$got" = "$code" ] || { cat "$work/err" >&2; fail "$* exited with $got, expected $code"; }
  local n
  n=$(grep -c -- "$message" "$work/err" || true)
  [ "$n" = 1 ] || { cat "$work/err" >&2; fail "$*: '$message' printed $n times, expected once"; }
  echo "ok: exit $code: $message"
}
expect 3 "cannot open file" dedupe --rules "$rules" --out "$work/o1" "$work/nosuch.csv"
expect 3 "unterminated quoted field" dedupe --rules "$rules" --out "$work/o2" "$work/bad.csv"
# A bad record in the last rank's share of the bytes: the single process's file, line and field.
{ head -n 150 "$work/people.csv"; printf '9999,1,Ann,"Lee"x,,,,,,\n'; tail -n +151 "$work/people.csv"; } > "$work/late.csv"
expect 3 "late.csv:151:17: error: unexpected 'x' after the closing quote of field 'last_name'" \
  dedupe --rules "$rules" --out "$work/o5" "$work/late.csv"
# The first failing input in argument order, whichever rank reads it.
expect 3 "nosuch.jsonl: error: cannot open file" dedupe --rules "$rules" --out "$work/o6" "$work/people.csv" \
  "$work/nosuch.jsonl" "$work/late.csv"
expect 2 "does not run under mpirun; an incremental night" dedupe --rules "$rules" --out "$work/o3" --state "$work/st" \
  --incremental "$work/people.csv"
# A damaged state is refused by every rank, and said once.
mkdir -p "$work/bad-state"
printf '{"format": "reclink-state", "version": 2}\n' > "$work/bad-state/state.json"
: > "$work/bad-state/records.bin"
: > "$work/bad-state/identities.bin"
expect 3 "missing 'rules_fingerprint'" dedupe --rules "$rules" --out "$work/o4" --state "$work/bad-state" "$work/people.csv"
expect 2 "does not run under mpirun yet" profile "$work/people.csv"
[ ! -e "$work/o1" ] && [ ! -e "$work/o2" ] && [ ! -e "$work/o3" ] && [ ! -e "$work/o4" ] && [ ! -e "$work/o5" ] &&
  [ ! -e "$work/o6" ] || fail "a failed run left an output directory"
