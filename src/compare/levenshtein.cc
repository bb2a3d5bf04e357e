// Levenshtein and OSA (restricted Damerau-Levenshtein) distances with a cutoff, pairwise and with
// a prepared side; bit-parallel kernels in compare/bit_parallel.h. One-off patterns are masked
// in the caller's KernelScratch; the prepared forms need none.
#include <algorithm>
#include <span>
#include <utility>

#include "compare/bit_parallel.h"
#include "compare/sequence.h"
#include "reclink/similarity.h"

namespace reclink {
namespace {

using compare_internal::AsciiMasks64;
using compare_internal::Bytes;
using compare_internal::Cap;
using compare_internal::CodePointBuffer;
using compare_internal::DecodePrefix;
using compare_internal::PreparedMasks64;

// k + 1 must fit in uint32_t; a larger cutoff means "no cutoff" anyway.
constexpr uint32_t kMaxCutoff = 0xFFFFFFFEu;

enum class Metric { kLevenshtein, kOsa };

template <Metric kMetric, class Masks, class Char>
uint32_t Run64(const Masks& pm, size_t m, const Char* t, size_t n, uint32_t k) {
  if constexpr (kMetric == Metric::kLevenshtein) {
    return compare_internal::LevenshteinMyers64(pm, m, t, n, k);
  } else {
    return compare_internal::OsaHyyro64(pm, m, t, n, k);
  }
}

template <Metric kMetric, class Masks, class Char>
uint32_t RunBlock(const Masks& pm, size_t m, const Char* t, size_t n, uint32_t k) {
  if constexpr (kMetric == Metric::kLevenshtein) {
    return compare_internal::LevenshteinMyersBlock(pm, m, t, n, k);
  } else {
    return compare_internal::OsaHyyroBlock(pm, m, t, n, k);
  }
}

// Both sides as sequences of the same character type. A common prefix and suffix never change
// either distance (an optimal alignment matches them), so they are dropped first; the shorter
// side becomes the bit-parallel pattern.
template <Metric kMetric, class Char>
uint32_t DistanceSeq(const Char* a, size_t la, const Char* b, size_t lb, uint32_t k,
                     KernelScratch& scratch) {
  while (la > 0 && lb > 0 && a[0] == b[0]) {
    ++a, ++b, --la, --lb;
  }
  while (la > 0 && lb > 0 && a[la - 1] == b[lb - 1]) {
    --la, --lb;
  }
  if (la > lb) {
    std::swap(a, b);
    std::swap(la, lb);
  }
  if (lb - la > k) return k + 1;
  if (la == 0) return Cap(lb, k);
  KernelScratch::Buffers& buf = scratch.buffers();
  if constexpr (sizeof(Char) == 1) {
    if (la <= 64) {
      AsciiMasks64 pm(buf.ascii64, a, la);
      return Run64<kMetric>(pm, la, b, lb, k);
    }
  }
  const detail::PatternMasks& pm = compare_internal::ScratchPatternMasks(buf, a, la);
  if (la <= 64) return Run64<kMetric>(PreparedMasks64{&pm}, la, b, lb, k);
  return RunBlock<kMetric>(pm, la, b, lb, k);
}

template <Metric kMetric>
uint32_t Distance(std::string_view a, std::string_view b, uint32_t k, KernelScratch& scratch) {
  k = std::min(k, kMaxCutoff);
  a = ComparedPrefix(a);
  b = ComparedPrefix(b);
  if (compare_internal::IsAscii(a) && compare_internal::IsAscii(b)) {
    return DistanceSeq<kMetric>(Bytes(a), a.size(), Bytes(b), b.size(), k, scratch);
  }
  CodePointBuffer ca, cb;
  const size_t na = DecodePrefix(a, ca), nb = DecodePrefix(b, cb);
  return DistanceSeq<kMetric>(ca, na, cb, nb, k, scratch);
}

template <Metric kMetric, class Char>
uint32_t PreparedSeq(const PreparedString& a, const Char* t, size_t n, uint32_t k) {
  const size_t m = a.length();
  if ((m > n ? m - n : n - m) > k) return k + 1;
  if (m == 0) return Cap(n, k);
  if (n == 0) return Cap(m, k);
  if (m <= 64) return Run64<kMetric>(PreparedMasks64{&a.masks()}, m, t, n, k);
  return RunBlock<kMetric>(a.masks(), m, t, n, k);
}

template <Metric kMetric>
uint32_t PreparedDistance(const PreparedString& a, std::string_view b, uint32_t k) {
  k = std::min(k, kMaxCutoff);
  b = ComparedPrefix(b);  // a, prepared, holds its compared prefix already
  if (compare_internal::IsAscii(b)) return PreparedSeq<kMetric>(a, Bytes(b), b.size(), k);
  CodePointBuffer cb;
  const size_t nb = DecodePrefix(b, cb);
  return PreparedSeq<kMetric>(a, cb, nb, k);
}

}  // namespace

uint32_t LevenshteinDistance(std::string_view a, std::string_view b, uint32_t k,
                             KernelScratch& scratch) {
  return Distance<Metric::kLevenshtein>(a, b, k, scratch);
}

int OsaWithinOne(std::string_view a, std::string_view b) {
  if (a.size() < b.size()) std::swap(a, b);
  const size_t la = a.size(), lb = b.size();
  if (la > kMaxCompareCodePoints) return -1;
  unsigned char high = 0;
  for (size_t i = 0; i < la; ++i) high |= static_cast<unsigned char>(a[i]);
  for (size_t i = 0; i < lb; ++i) high |= static_cast<unsigned char>(b[i]);
  if (high & 0x80) return -1;  // not ASCII: OSA counts code points
  if (la - lb >= 2) return 2;
  // p: common prefix; s: common suffix, not overlapping the prefix in b.
  size_t p = 0;
  while (p < lb && a[p] == b[p]) ++p;
  if (p == la) return 0;
  size_t s = 0;
  while (s < lb - p && a[la - 1 - s] == b[lb - 1 - s]) ++s;
  if (la != lb) return p + s == lb ? 1 : 2;  // b is a with a[p] deleted
  if (p + s + 1 == la) return 1;              // a[p] substituted
  // One adjacent transposition at p: the two bytes swapped, the rest equal.
  return p + s + 2 == la && a[p] == b[p + 1] && a[p + 1] == b[p] ? 1 : 2;
}

uint32_t OsaDistance(std::string_view a, std::string_view b, uint32_t k, KernelScratch& scratch) {
  return Distance<Metric::kOsa>(a, b, k, scratch);
}

uint32_t LevenshteinDistance(std::string_view a, std::string_view b, uint32_t k) {
  KernelScratch scratch;
  return Distance<Metric::kLevenshtein>(a, b, k, scratch);
}

uint32_t OsaDistance(std::string_view a, std::string_view b, uint32_t k) {
  KernelScratch scratch;
  return Distance<Metric::kOsa>(a, b, k, scratch);
}

uint32_t LevenshteinDistance(const PreparedString& a, std::string_view b, uint32_t k) {
  return PreparedDistance<Metric::kLevenshtein>(a, b, k);
}

uint32_t OsaDistance(const PreparedString& a, std::string_view b, uint32_t k) {
  return PreparedDistance<Metric::kOsa>(a, b, k);
}

}  // namespace reclink
