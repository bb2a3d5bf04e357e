// UTF-8 validation (simdjson's validator for long texts; table-free byte-range checks per
// RFC 3629 to locate an error) and Latin-1 transcoding.
#include "reclink/text_encoding.h"

#include <simdjson.h>

#include <cstdint>
#include <cstring>

namespace reclink::io {

namespace {
constexpr uint64_t kHighBits = 0x8080808080808080ULL;

inline bool IsCont(unsigned char c) { return (c & 0xC0) == 0x80; }
}  // namespace

bool IsAscii(const char* p, size_t n) {
  uint64_t acc = 0;
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    uint64_t a, b, c, d;
    std::memcpy(&a, p + i, 8);
    std::memcpy(&b, p + i + 8, 8);
    std::memcpy(&c, p + i + 16, 8);
    std::memcpy(&d, p + i + 24, 8);
    acc |= a | b | c | d;
  }
  for (; i + 8 <= n; i += 8) {
    uint64_t a;
    std::memcpy(&a, p + i, 8);
    acc |= a;
  }
  unsigned char tail = 0;
  for (; i < n; ++i) tail |= static_cast<unsigned char>(p[i]);
  return (acc & kHighBits) == 0 && tail < 0x80;
}

size_t FindInvalidUtf8(std::string_view text) {
  // Long texts (a chunk of input) are first checked with simdjson's validator, chosen at run time
  // for the CPU (tens of GB/s); the byte-by-byte search below only runs to locate an error.
  constexpr size_t kSimdMin = 256;
  if (text.size() >= kSimdMin && simdjson::validate_utf8(text.data(), text.size())) {
    return std::string_view::npos;
  }
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    // Skip ASCII runs 8 bytes at a time.
    while (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, s + i, 8);
      if (w & kHighBits) break;
      i += 8;
    }
    if (i >= n) break;
    unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return i;
    }
    if (i + len > n) return i;
    if (s[i + 1] < lo || s[i + 1] > hi) return i;
    for (size_t k = 2; k < len; ++k) {
      if (!IsCont(s[i + k])) return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

std::string Latin1ToUtf8(std::string_view text) {
  size_t high = 0;
  for (unsigned char c : text) high += c >> 7;
  std::string out;
  out.resize(text.size() + high);
  char* o = out.data();
  for (unsigned char c : text) {
    if (c < 0x80) {
      *o++ = static_cast<char>(c);
    } else {
      *o++ = static_cast<char>(0xC0 | (c >> 6));
      *o++ = static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

}  // namespace reclink::io
