// Plain data handed from the batch entry points to the per-instruction-set lane kernels.
#pragma once

#include <cstddef>
#include <cstdint>

namespace reclink {

// Candidates longer than this (in bytes) or not ASCII take the pairwise kernel instead of a lane.
inline constexpr size_t kBatchMaxCandidateBytes = 64;

// An ASCII query of 1..64 bytes and its single-word pattern masks (128 entries).
struct BatchQuery {
  const uint8_t* bytes = nullptr;
  size_t len = 0;
  const uint64_t* ascii_pm = nullptr;
};

// Raw Jaro counts of one lane; the double formula is applied by the caller, in the same order as
// the scalar kernels, so every target rounds identically.
struct JaroLaneCounts {
  uint32_t matches;
  uint32_t transpositions;  // halved
  uint32_t prefix;          // common prefix, at most 4
  uint32_t length;          // candidate length
};

}  // namespace reclink
