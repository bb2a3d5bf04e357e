// KernelScratch's buffers (internal to reclink_compare): the zeroed ASCII mask tables of the
// pairwise kernels, a PatternMasks for one-off patterns, and the Jaccard sets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "reclink/similarity.h"

namespace reclink {

// The most 64-bit words a pattern's masks take: patterns are cut to the comparison cap.
inline constexpr size_t kMaxPatternWords = (kMaxCompareCodePoints + 63) / 64;

struct KernelScratch::Buffers {
  // Both tables are all zero between calls: AsciiMasks64 and AsciiMasksBlock (sequence.h) set a
  // pattern's bits and clear exactly those again when they go out of scope, so a pair costs
  // O(m) there instead of clearing the table.
  uint64_t ascii64[128] = {};
  uint64_t ascii_block[128 * kMaxPatternWords] = {};
  detail::PatternMasks masks;  // ScratchPatternMasks: non-ASCII or long one-off patterns
  // Jaccard: code points and packed q-grams of both sides, the open-addressing table, and the
  // token or long-gram sets of each side.
  std::vector<uint32_t> cps;
  std::vector<uint64_t> grams;
  std::vector<uint64_t> keys;
  std::vector<uint8_t> sides;
  std::vector<std::string_view> set_a, set_b;
};

}  // namespace reclink
