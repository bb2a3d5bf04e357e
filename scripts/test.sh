#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite (ctest) in a Release build. With CI=true (as CI
# runs it) or RECLINK_TEST_SANITIZERS=1 it then builds the suite again with ASan+UBSan
# (build-asan/, RelWithDebInfo, no benchmarks) and runs it there too. Ends with ctest's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
(cd "${BUILD_DIR:-build}" && ctest --output-on-failure -j "$(nproc)" --timeout 900)
if [ "${CI:-}" = "true" ] || [ "${RECLINK_TEST_SANITIZERS:-0}" = "1" ]; then
  echo "test: the whole suite again under ASan+UBSan (build-asan/)"
  BUILD_DIR=build-asan scripts/build.sh -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRECLINK_SANITIZE=ON \
    -DRECLINK_BUILD_BENCH=OFF
  cd build-asan
  # halt_on_error: a sanitizer report fails the test that triggered it.
  ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    ctest --output-on-failure -j "$(nproc)" --timeout 1800
fi
