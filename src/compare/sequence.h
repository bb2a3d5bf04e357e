// Pair-kernel plumbing: a string as a code-point sequence (the bytes themselves on the ASCII fast
// path, decoded code points in a stack buffer otherwise) and cheap pattern masks for one-off
// pairs, in a caller's KernelScratch.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "compare/kernel_scratch.h"
#include "compare/utf8_decode.h"
#include "reclink/similarity.h"

namespace reclink::compare_internal {

// Masks of an ASCII pattern of 1..64 bytes in a caller's zeroed table of 128 words (a
// KernelScratch's): filled for one pair, then cleared again entry by entry when this goes out of
// scope, which costs O(m) instead of clearing 1 KiB per pair. The table is all zero again
// afterwards, the invariant KernelScratch::Buffers keeps between calls.
class AsciiMasks64 {
 public:
  AsciiMasks64(uint64_t* zeroed_table, const uint8_t* p, size_t m)
      : table_(zeroed_table), p_(p), m_(m) {
    for (size_t i = 0; i < m; ++i) table_[p[i]] |= uint64_t{1} << i;
  }
  ~AsciiMasks64() {
    for (size_t i = 0; i < m_; ++i) table_[p_[i]] = 0;
  }
  AsciiMasks64(const AsciiMasks64&) = delete;
  AsciiMasks64& operator=(const AsciiMasks64&) = delete;
  uint64_t Get(uint32_t c) const { return table_[c]; }  // c < 128

 private:
  uint64_t* table_;
  const uint8_t* p_;
  size_t m_;
};

// AsciiMasks64 for ASCII patterns of 1..kMaxCompareCodePoints bytes, in ceil(m/64) words per
// byte value (the ascii_rows of JaroBitParallelBlock), in a caller's zeroed table of
// 128 * kMaxJaroWords words, filled and cleared in O(m) the same way, so a long pair does not
// clear 4 KiB or sort anything.
class AsciiMasksBlock {
 public:
  AsciiMasksBlock(uint64_t* zeroed_table, const uint8_t* p, size_t m)
      : table_(zeroed_table), p_(p), m_(m), words_((m + 63) / 64) {
    assert(m >= 1 && m <= kMaxCompareCodePoints);
    for (size_t i = 0; i < m; ++i) table_[p[i] * words_ + i / 64] |= uint64_t{1} << (i % 64);
  }
  ~AsciiMasksBlock() {
    for (size_t i = 0; i < m_; ++i) table_[p_[i] * words_ + i / 64] = 0;
  }
  AsciiMasksBlock(const AsciiMasksBlock&) = delete;
  AsciiMasksBlock& operator=(const AsciiMasksBlock&) = delete;
  // words() words per byte value c < 128 at table() + c * words() (a PatternMasks::ascii_table()).
  const uint64_t* table() const { return table_; }
  size_t words() const { return words_; }

 private:
  uint64_t* table_;
  const uint8_t* p_;
  size_t m_;
  size_t words_;
};

// Room for the code points of a compared prefix (ComparedPrefix): a stack buffer, so decoding
// needs no scratch and no allocation.
using CodePointBuffer = uint32_t[kMaxCompareCodePoints];

// Decodes s, a compared prefix (at most kMaxCompareCodePoints code points), into out; returns
// the number of code points.
inline size_t DecodePrefix(std::string_view s, CodePointBuffer& out) {
  assert(CountCodePoints(s) <= kMaxCompareCodePoints);
  return DecodeCodePoints(s, out);
}

// Pattern masks of p[0..m) (1 <= m <= kMaxCompareCodePoints) for a one-off pair (non-ASCII, or
// longer than 64), built in the scratch's PatternMasks, whose buffers keep their capacity, so
// repeated calls with one scratch do not allocate. Valid until the next call with that scratch.
template <class Char>
const detail::PatternMasks& ScratchPatternMasks(KernelScratch::Buffers& scratch, const Char* p,
                                                size_t m) {
  if constexpr (std::is_same_v<Char, uint32_t>) {
    scratch.masks.Build(std::span<const uint32_t>(p, m));
  } else {
    assert(m <= kMaxCompareCodePoints);
    CodePointBuffer wide;
    std::copy(p, p + m, wide);
    scratch.masks.Build(std::span<const uint32_t>(wide, m));
  }
  return scratch.masks;
}

inline const uint8_t* Bytes(std::string_view s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

}  // namespace reclink::compare_internal
