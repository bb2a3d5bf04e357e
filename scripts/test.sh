#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite (ctest) in a Release build with the MPI run
# (-DRECLINK_MPI=ON). With CI=true (as CI runs it) or RECLINK_TEST_SANITIZERS=1 it then builds the
# suite again with ASan+UBSan (build-asan/, RelWithDebInfo, no benchmarks) and runs it there too,
# then builds the parallel stages' tests with ThreadSanitizer (build-tsan/) and runs them (docs/reliability.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# The Release build has the MPI run (docs/distributed.md) and its tests: mpirun --oversubscribe
# on this machine. build.sh passes cmake arguments only when it configures a new build
# directory, so an existing one is switched on here. The sanitizer builds below stay without MPI,
# which keeps the build without it compiled and tested too.
cache="${BUILD_DIR:-build}/CMakeCache.txt"
if [ -f "$cache" ] && ! grep -q '^RECLINK_MPI:BOOL=ON$' "$cache"; then
  cmake -S . -B "${BUILD_DIR:-build}" -DRECLINK_MPI=ON >/dev/null
fi
scripts/build.sh -DRECLINK_MPI=ON
(cd "${BUILD_DIR:-build}" && ctest --output-on-failure -j "$(nproc)" --timeout 900)
if [ "${CI:-}" = "true" ] || [ "${RECLINK_TEST_SANITIZERS:-0}" = "1" ]; then
  echo "test: the whole suite again under ASan+UBSan (build-asan/)"
  BUILD_DIR=build-asan scripts/build.sh -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRECLINK_SANITIZE=ON \
    -DRECLINK_BUILD_BENCH=OFF
  cd build-asan
  # halt_on_error: a sanitizer report fails the test that triggered it.
  ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    ctest --output-on-failure -j "$(nproc)" --timeout 1800
  cd ..

  echo "test: the parallel stages' tests under ThreadSanitizer (build-tsan/)"
  TSAN_TESTS=(io normalize blocking model cluster evaluate identity pipeline report common)
  GEN=(); command -v ninja >/dev/null 2>&1 && GEN=(-G Ninja)
  LAUNCHER=(); command -v ccache >/dev/null 2>&1 && LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR="$PWD"
  cmake -S . -B build-tsan "${GEN[@]}" "${LAUNCHER[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DRECLINK_TSAN=ON -DRECLINK_BUILD_BENCH=OFF >/dev/null
  cmake --build build-tsan -j "$(nproc)" --target reclink e2e_test tsan_canary \
    $(printf '%s_test ' "${TSAN_TESTS[@]}")
  # The canary must be reported (or the TSan pass could never fail); then every test must be clean.
  (cd build-tsan && ctest --output-on-failure -R '^tsan_canary$')
  # history_size=7: the longest access history, so that the earlier access of a report has a stack
  # (a suppression can only match a stack it has).
  export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:history_size=7:suppressions=$PWD/tests/tsan/suppressions.txt"
  for t in "${TSAN_TESTS[@]}"; do
    echo "tsan: ${t}_test"
    build-tsan/tests/$t/${t}_test --gtest_brief=1
  done
  echo "tsan: e2e (the CLI at 1, 2 and 8 threads, golden runs, link and evaluate)"
  build-tsan/tests/e2e/e2e_test --gtest_brief=1 \
    --gtest_filter='CliTest.SameOutputWhateverTheThreadCount:Golden*:*Evaluate*:*Link*'
fi
