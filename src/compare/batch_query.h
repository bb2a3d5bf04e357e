// Plain data handed from the batch entry points to the per-instruction-set lane kernels.
#pragma once

#include <cstddef>
#include <cstdint>

namespace reclink {

// Candidates longer than this (in bytes) or not ASCII take the pairwise kernel instead of a lane.
inline constexpr size_t kBatchMaxCandidateBytes = 64;

class PreparedString;

// An ASCII query of 1..64 bytes, its single-word pattern masks (128 entries), and the prepared
// string itself for candidates that take the pairwise kernel.
struct BatchQuery {
  const PreparedString* prepared = nullptr;
  size_t len = 0;
  const uint64_t* ascii_pm = nullptr;
};


}  // namespace reclink
