#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan, build-fuzz/) and runs each named target until
# it has used CPU_SECONDS of CPU (default 1800), niced so that it yields to other work. New corpus
# entries go to fuzz-work/NAME (not committed); crashes, leaks, timeouts and out-of-memory inputs
# go to fuzz-work/NAME-artifacts/. Each is then run again alone: one that reproduces is a finding
# and makes the script exit 1; one that does not (a timeout while a niced fuzzer was starved of
# CPU, say) is reported as such. Prints, per target: CPU seconds, executions, corpus size,
# findings.
#
#   scripts/fuzz.sh [--cpu-seconds N] [--no-build] [TARGET...]   # targets: compare rules csv json date phone normalize
#
# --no-build runs the targets already built in build-fuzz/ (e.g. a second run beside a first).
#
# To keep what a run found: build-fuzz/tests/fuzz/NAME_fuzz -merge=1 tests/fuzz/corpus/NAME fuzz-work/NAME
set -euo pipefail
cd "$(dirname "$0")/.."
CPU_SECONDS=1800
BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --cpu-seconds) CPU_SECONDS="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    *) break ;;
  esac
done
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then TARGETS=(compare rules csv json date phone normalize); fi

if [ "$BUILD" = 1 ]; then
need=()
for p in clang libfuzzer-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi
bash scripts/setup.sh >/dev/null

LAUNCHER=()
if command -v ccache >/dev/null; then LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DRECLINK_FUZZ=ON -DRECLINK_BUILD_BENCH=OFF "${LAUNCHER[@]}" >/dev/null
cmake --build build-fuzz --target $(printf '%s_fuzz ' "${TARGETS[@]}") >/dev/null
fi

# CPU seconds (user+system) used so far by process $1 and its children that have exited.
cpu_of() {
  local ticks
  ticks=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$1/stat" 2>/dev/null || echo 0)
  echo $((ticks / $(getconf CLK_TCK)))
}

status=0
for t in "${TARGETS[@]}"; do
  work="fuzz-work/$t"; art="fuzz-work/$t-artifacts"
  mkdir -p "$work" "$art"
  dict=(); [ -f "tests/fuzz/${t}_fuzz.dict" ] && dict=(-dict="tests/fuzz/${t}_fuzz.dict")
  log="fuzz-work/$t.log"
  nice -n 19 "build-fuzz/tests/fuzz/${t}_fuzz" -print_final_stats=1 -timeout=120 -rss_limit_mb=4096 \
    -artifact_prefix="$art/" "${dict[@]}" "$work" "tests/fuzz/corpus/$t" >"$log" 2>&1 &
  pid=$!
  used=0
  while kill -0 "$pid" 2>/dev/null; do
    used=$(cpu_of "$pid")
    if [ "$used" -ge "$CPU_SECONDS" ]; then kill -INT "$pid"; break; fi
    sleep 5
  done
  rc=0; wait "$pid" || rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  findings=0
  for a in "$art"/crash-* "$art"/leak-* "$art"/timeout-* "$art"/oom-*; do
    [ -f "$a" ] || continue
    if timeout 300 "build-fuzz/tests/fuzz/${t}_fuzz" -timeout=120 -rss_limit_mb=4096 "$a" >"$a.rerun.log" 2>&1; then
      echo "$t: $(basename "$a") does not reproduce when run alone (see $a.rerun.log)"
    else
      echo "$t: FINDING $(basename "$a") reproduces (see $a.rerun.log)"
      findings=$((findings + 1))
    fi
  done
  corpus=$(( $(find "$work" -type f | wc -l) + $(find "tests/fuzz/corpus/$t" -type f | wc -l) ))
  echo "$t: cpu ${used}s, executions $execs, corpus $corpus files, findings $findings (exit $rc; log $log)"
  if [ "$findings" -gt 0 ]; then status=1; fi
done
exit $status
