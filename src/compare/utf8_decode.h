// UTF-8 to code points for the similarity kernels: an ASCII check and a strict decoder that maps
// each invalid byte to a code point of its own, so kernels are total on arbitrary bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace reclink::compare_internal {

// Invalid byte b decodes to kInvalidByteBase + b: above U+10FFFF, so it never equals a valid code
// point, and distinct for distinct bytes.
inline constexpr uint32_t kInvalidByteBase = 0x110000;

// True when every byte is < 0x80 (then code points == bytes).
inline bool IsAscii(std::string_view s) {
  const char* p = s.data();
  size_t n = s.size();
  uint64_t acc = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    acc |= w;
  }
  for (; i < n; ++i) acc |= static_cast<uint8_t>(p[i]);
  return (acc & 0x8080808080808080ULL) == 0;
}

// Appends the code points of `s` to `out` (RFC 3629: shortest form, no surrogates, <= U+10FFFF).
void AppendCodePoints(std::string_view s, std::vector<uint32_t>* out);

// Writes the code points of `s` to out[0..), which must have room for CountCodePoints(s) of
// them; returns that number.
size_t DecodeCodePoints(std::string_view s, uint32_t* out);

// Number of code points in `s` under the same decoding.
size_t CountCodePoints(std::string_view s);

// Byte length of the code point starting at s[i] (1 for an invalid byte).
size_t CodePointBytes(std::string_view s, size_t i);

}  // namespace reclink::compare_internal
