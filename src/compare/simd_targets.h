// reclink's one SIMD dispatch: Highway's run-time target choice (HWY_DYNAMIC_DISPATCH), used by
// the batch kernels and the CSV reader's fast path, plus one process-wide switch to their scalar
// paths. For tests and benchmarks: list the instruction sets compiled in and supported by this
// CPU, force one, or force the scalar paths.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace reclink::compare_internal {

// Highway target bits (HWY_AVX3, HWY_AVX2, ...) compiled into reclink_compare and supported here.
std::vector<int64_t> AvailableSimdTargets();
std::string SimdTargetName(int64_t target);

// Makes Highway choose `target` (one of AvailableSimdTargets(), or of
// io::csv_internal::CsvTargets()) for every dynamically dispatched function: the batch kernels and
// the CSV reader; 0 restores the normal choice. Not thread-safe: call while no batch kernel runs
// and no CSV is being read.
void UseSimdTargetForTest(int64_t target);

// Whether the scalar paths are forced: the batch kernels then run their scalar pairwise versions
// and the CSV reader its baseline fast path. True when the environment variable
// RECLINK_FORCE_SCALAR is set to anything but "" or "0" (read once), unless a test overrode it.
bool ScalarForced();

// -1: follow RECLINK_FORCE_SCALAR (default); 0: never scalar; 1: always scalar. Not thread-safe.
void SetForceScalarForTest(int mode);

}  // namespace reclink::compare_internal
