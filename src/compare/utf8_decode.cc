// Strict UTF-8 decoding (RFC 3629 table of well-formed byte sequences) for the similarity kernels.
#include "compare/utf8_decode.h"

#include "reclink/similarity.h"

namespace reclink::compare_internal {

namespace {
// Decodes one code point at s[i]; sets *len to the bytes consumed.
inline uint32_t DecodeOne(const uint8_t* s, size_t n, size_t i, size_t* len) {
  const uint8_t b0 = s[i];
  if (b0 < 0x80) {
    *len = 1;
    return b0;
  }
  auto cont = [&](size_t j, uint8_t lo, uint8_t hi) {
    return i + j < n && s[i + j] >= lo && s[i + j] <= hi;
  };
  if (b0 >= 0xC2 && b0 <= 0xDF && cont(1, 0x80, 0xBF)) {
    *len = 2;
    return (uint32_t{b0} & 0x1F) << 6 | (s[i + 1] & 0x3F);
  }
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    const uint8_t lo = b0 == 0xE0 ? 0xA0 : 0x80;
    const uint8_t hi = b0 == 0xED ? 0x9F : 0xBF;
    if (cont(1, lo, hi) && cont(2, 0x80, 0xBF)) {
      *len = 3;
      return (uint32_t{b0} & 0x0F) << 12 | (uint32_t{s[i + 1]} & 0x3F) << 6 | (s[i + 2] & 0x3F);
    }
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    const uint8_t lo = b0 == 0xF0 ? 0x90 : 0x80;
    const uint8_t hi = b0 == 0xF4 ? 0x8F : 0xBF;
    if (cont(1, lo, hi) && cont(2, 0x80, 0xBF) && cont(3, 0x80, 0xBF)) {
      *len = 4;
      return (uint32_t{b0} & 0x07) << 18 | (uint32_t{s[i + 1]} & 0x3F) << 12 |
             (uint32_t{s[i + 2]} & 0x3F) << 6 | (s[i + 3] & 0x3F);
    }
  }
  *len = 1;
  return kInvalidByteBase + b0;
}
}  // namespace

void AppendCodePoints(std::string_view s, std::vector<uint32_t>* out) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const size_t n = s.size();
  out->reserve(out->size() + n);
  for (size_t i = 0; i < n;) {
    if (p[i] < 0x80) {
      out->push_back(p[i++]);
      continue;
    }
    size_t len;
    out->push_back(DecodeOne(p, n, i, &len));
    i += len;
  }
}

size_t DecodeCodePoints(std::string_view s, uint32_t* out) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const size_t n = s.size();
  size_t count = 0;
  for (size_t i = 0; i < n; ++count) {
    if (p[i] < 0x80) {
      out[count] = p[i++];
      continue;
    }
    size_t len;
    out[count] = DecodeOne(p, n, i, &len);
    i += len;
  }
  return count;
}

size_t CountCodePoints(std::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const size_t n = s.size();
  size_t count = 0;
  for (size_t i = 0; i < n; ++count) {
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    DecodeOne(p, n, i, &len);
    i += len;
  }
  return count;
}

size_t CodePointBytes(std::string_view s, size_t i) {
  size_t len;
  DecodeOne(reinterpret_cast<const uint8_t*>(s.data()), s.size(), i, &len);
  return len;
}

}  // namespace reclink::compare_internal

namespace reclink {

std::string_view ComparedPrefix(std::string_view s) {
  // A string of at most that many bytes has at most that many code points.
  if (s.size() <= kMaxCompareCodePoints) return s;
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  // Whole code points under the kernels' decoding, so the prefix decodes to exactly the first
  // kMaxCompareCodePoints code points of s (a sequence's validity depends only on its own bytes).
  for (size_t cps = 0; cps < kMaxCompareCodePoints && i < n; ++cps) {
    if (p[i] < 0x80) {
      ++i;
    } else {
      size_t len;
      compare_internal::DecodeOne(p, n, i, &len);
      i += len;
    }
  }
  return s.substr(0, i);
}

}  // namespace reclink
