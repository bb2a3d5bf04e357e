// Pair-kernel plumbing: a string as a code-point sequence (the bytes themselves on the ASCII fast
// path, decoded code points otherwise) and cheap pattern masks for one-off pairs.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "compare/utf8_decode.h"
#include "reclink/similarity.h"

namespace reclink::compare_internal {

// Zero-filled thread-local table for ASCII pattern masks: filled for one pair, then cleared again
// entry by entry, which costs O(m) instead of clearing 1 KiB per pair.
class AsciiMasks64 {
 public:
  AsciiMasks64(const uint8_t* p, size_t m) : table_(Table()), p_(p), m_(m) {
    for (size_t i = 0; i < m; ++i) table_[p[i]] |= uint64_t{1} << i;
  }
  ~AsciiMasks64() {
    for (size_t i = 0; i < m_; ++i) table_[p_[i]] = 0;
  }
  AsciiMasks64(const AsciiMasks64&) = delete;
  AsciiMasks64& operator=(const AsciiMasks64&) = delete;
  uint64_t Get(uint32_t c) const { return table_[c]; }  // c < 128

 private:
  static uint64_t* Table() {
    thread_local uint64_t table[128] = {};
    return table;
  }
  uint64_t* table_;
  const uint8_t* p_;
  size_t m_;
};

// AsciiMasks64 for ASCII patterns of 1..kMaxCompareCodePoints bytes, in ceil(m/64) words per
// byte value (the ascii_rows of JaroBitParallelBlock): a zeroed thread-local table of its own,
// filled and cleared in O(m) the same way, so a long pair does not clear 4 KiB or sort anything.
class AsciiMasksBlock {
 public:
  AsciiMasksBlock(const uint8_t* p, size_t m) : table_(Table()), p_(p), m_(m), words_((m + 63) / 64) {
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
  static uint64_t* Table() {
    thread_local uint64_t table[128 * ((kMaxCompareCodePoints + 63) / 64)] = {};
    return table;
  }
  uint64_t* table_;
  const uint8_t* p_;
  size_t m_;
  size_t words_;
};

// Decoded code points of a non-ASCII string, in a reusable thread-local buffer (slot 0 or 1).
inline const std::vector<uint32_t>& DecodeToScratch(std::string_view s, int slot) {
  thread_local std::vector<uint32_t> buffers[2];
  std::vector<uint32_t>& buf = buffers[slot];
  buf.clear();
  AppendCodePoints(s, &buf);
  return buf;
}

// Pattern masks of p[0..m) for a one-off pair (non-ASCII, or longer than 64), built in a reusable
// thread-local PatternMasks whose buffers keep their capacity, so repeated calls do not allocate.
// Valid until the next call on this thread.
template <class Char>
const detail::PatternMasks& ScratchPatternMasks(const Char* p, size_t m) {
  thread_local detail::PatternMasks masks;
  if constexpr (std::is_same_v<Char, uint32_t>) {
    masks.Build(std::span<const uint32_t>(p, m));
  } else {
    thread_local std::vector<uint32_t> wide;
    wide.assign(p, p + m);
    masks.Build(wide);
  }
  return masks;
}

inline const uint8_t* Bytes(std::string_view s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

}  // namespace reclink::compare_internal
