// Internal controls of the batch kernels' run-time dispatch, for tests and benchmarks: list the
// instruction sets compiled in and supported by this CPU, force one, or force the scalar path.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace reclink::compare_internal {

// Highway target bits (HWY_AVX3, HWY_AVX2, ...) compiled into reclink_compare and supported here.
std::vector<int64_t> AvailableSimdTargets();
std::string SimdTargetName(int64_t target);

// Makes the batch kernels run `target` (one of AvailableSimdTargets()); 0 restores the normal
// choice. Not thread-safe: call while no batch kernel runs.
void UseSimdTargetForTest(int64_t target);

// -1: follow RECLINK_FORCE_SCALAR (default); 0: never scalar; 1: always scalar.
void SetForceScalarForTest(int mode);

}  // namespace reclink::compare_internal
