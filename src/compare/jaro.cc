// Jaro and Jaro-Winkler similarity (Jaro 1989, Winkler 1990), pairwise and with a prepared side:
// bit-parallel, one 64-bit word for strings of up to 64 code points, the pattern in words beyond.
// One-off patterns are masked in the caller's KernelScratch; the prepared forms need none.
#include "compare/bit_parallel.h"
#include "compare/sequence.h"
#include "reclink/similarity.h"

namespace reclink {
namespace {

using compare_internal::AsciiMasks64;
using compare_internal::Bytes;
using compare_internal::CommonPrefix4;
using compare_internal::CodePointBuffer;
using compare_internal::DecodePrefix;
using compare_internal::JaroCounts;
using compare_internal::JaroFromCounts;
using compare_internal::PreparedMasks64;
using compare_internal::WinklerBoost;

// Jaro (or Jaro-Winkler) of two sequences of the same character type. Jaro's counts are
// symmetric, so b is taken as the bit-parallel pattern and a as the text.
template <class Char>
double JaroSeq(const Char* a, size_t la, const Char* b, size_t lb, bool winkler,
               KernelScratch& scratch) {
  if (la == 0 && lb == 0) return 1.0;
  if (la == 0 || lb == 0) return 0.0;
  KernelScratch::Buffers& buf = scratch.buffers();
  JaroCounts counts;
  if (la <= 64 && lb <= 64) {
    if constexpr (sizeof(Char) == 1) {
      AsciiMasks64 pm(buf.ascii64, b, lb);
      counts = compare_internal::JaroBitParallel64(pm, lb, a, la);
    } else {
      const PreparedMasks64 pm{&compare_internal::ScratchPatternMasks(buf, b, lb)};
      counts = compare_internal::JaroBitParallel64(pm, lb, a, la);
    }
  } else if constexpr (sizeof(Char) == 1) {
    // Both sides ASCII: no code point >= 128 is ever looked up.
    const compare_internal::AsciiMasksBlock pm(buf.ascii_block, b, lb);
    static constexpr uint64_t kNone[compare_internal::kMaxJaroWords] = {};
    counts = compare_internal::JaroBitParallelBlock(
        pm.table(), [](uint32_t) { return kNone; }, b, lb, a, la);
  } else {
    const detail::PatternMasks& pm = compare_internal::ScratchPatternMasks(buf, b, lb);
    counts = compare_internal::JaroBitParallelBlock(pm, b, lb, a, la);
  }
  const double jaro = JaroFromCounts(counts, la, lb);
  if (!winkler) return jaro;
  return WinklerBoost(jaro, CommonPrefix4(a, la, b, lb));
}

double JaroPair(std::string_view a, std::string_view b, bool winkler, KernelScratch& scratch) {
  a = ComparedPrefix(a);
  b = ComparedPrefix(b);
  if (compare_internal::IsAscii(a) && compare_internal::IsAscii(b)) {
    return JaroSeq(Bytes(a), a.size(), Bytes(b), b.size(), winkler, scratch);
  }
  CodePointBuffer ca, cb;
  const size_t na = DecodePrefix(a, ca), nb = DecodePrefix(b, cb);
  return JaroSeq(ca, na, cb, nb, winkler, scratch);
}

template <class Char>
double JaroPreparedSeq(const PreparedString& a, const Char* t, size_t n, bool winkler) {
  const size_t m = a.length();
  if (m == 0 && n == 0) return 1.0;
  if (m == 0 || n == 0) return 0.0;
  const auto cps = a.code_points();
  JaroCounts counts;
  if (m <= 64 && n <= 64) {
    counts = compare_internal::JaroBitParallel64(PreparedMasks64{&a.masks()}, m, t, n);
  } else {
    // Jaro's counts are symmetric: the prepared side is the pattern, as in the 64-bit case.
    counts = compare_internal::JaroBitParallelBlock(a.masks(), cps.data(), m, t, n);
  }
  const double jaro = JaroFromCounts(counts, m, n);
  if (!winkler) return jaro;
  uint32_t prefix = 0;
  const size_t lim = std::min<size_t>({m, n, kJaroWinklerMaxPrefix});
  while (prefix < lim && cps[prefix] == t[prefix]) ++prefix;
  return WinklerBoost(jaro, prefix);
}

double JaroPrepared(const PreparedString& a, std::string_view b, bool winkler) {
  b = ComparedPrefix(b);  // a, prepared, holds its compared prefix already
  if (compare_internal::IsAscii(b)) return JaroPreparedSeq(a, Bytes(b), b.size(), winkler);
  CodePointBuffer cb;
  const size_t nb = DecodePrefix(b, cb);
  return JaroPreparedSeq(a, cb, nb, winkler);
}

}  // namespace

double JaroSimilarity(std::string_view a, std::string_view b, KernelScratch& scratch) {
  return JaroPair(a, b, false, scratch);
}

double JaroWinklerSimilarity(std::string_view a, std::string_view b, KernelScratch& scratch) {
  return JaroPair(a, b, true, scratch);
}

double JaroSimilarity(std::string_view a, std::string_view b) {
  KernelScratch scratch;
  return JaroPair(a, b, false, scratch);
}

double JaroWinklerSimilarity(std::string_view a, std::string_view b) {
  KernelScratch scratch;
  return JaroPair(a, b, true, scratch);
}

double JaroSimilarity(const PreparedString& a, std::string_view b) {
  return JaroPrepared(a, b, false);
}

double JaroWinklerSimilarity(const PreparedString& a, std::string_view b) {
  return JaroPrepared(a, b, true);
}

}  // namespace reclink
