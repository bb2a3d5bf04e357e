// libFuzzer differential target for the similarity kernels: on arbitrary bytes, the naive
// reference, the pairwise and prepared kernels, and the batch kernels on every SIMD target and
// forced scalar must agree exactly. Input: byte 0 = cutoff k (low 3 bits) and q-gram size
// (bits 3-4, plus 1); byte 1 = split point; the rest = the two strings. The concatenations a+b
// and b+a (up to about 1,100 bytes each) are compared too, so both sides of a pair pass the
// kernels' 256-code-point cap, and a+b is a long batch query (Jaro and Jaro-Winkler) against
// b+a, itself shifted one position either way and itself with one substitution.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>
#include <string_view>
#include <vector>

#include "../compare/reference_similarity.h"
#include "compare/simd_targets.h"
#include "reclink/similarity.h"

namespace {

[[noreturn]] void Mismatch() { std::abort(); }

void Check(bool ok) {
  if (!ok) Mismatch();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace reclink;
  if (size < 2 || size > 1100) return 0;
  const uint32_t k = data[0] & 7 ? data[0] & 7 : 0xFFFFFFFFu;
  const int q = ((data[0] >> 3) & 3) + 1;
  const std::string_view rest(reinterpret_cast<const char*>(data + 2), size - 2);
  const size_t split = data[1] % (rest.size() + 1);
  const std::string a(rest.substr(0, split)), b(rest.substr(split));

  const uint32_t lev = reference::Levenshtein(a, b, k);
  const uint32_t osa = reference::Osa(a, b, k);
  const double jaro = reference::Jaro(a, b);
  const double jw = reference::JaroWinkler(a, b);
  Check(LevenshteinDistance(a, b, k) == lev);
  Check(OsaDistance(a, b, k) == osa);
  Check(JaroSimilarity(a, b) == jaro);
  Check(JaroWinklerSimilarity(a, b) == jw);
  Check(TokenJaccard(a, b) == reference::TokenJaccard(a, b));
  Check(QgramJaccard(a, b, q) == reference::QgramJaccard(a, b, q));
  const PreparedString pa(a), pb(b);
  Check(LevenshteinDistance(pa, b, k) == lev && LevenshteinDistance(pb, a, k) == lev);
  Check(OsaDistance(pa, b, k) == osa && OsaDistance(pb, a, k) == osa);
  Check(JaroSimilarity(pa, b) == jaro && JaroWinklerSimilarity(pb, a) == jw);

  // Past the cap on both sides: a+b against b+a, pairwise, prepared and batched (below).
  const std::string ab = a + b, ba = b + a;
  const uint32_t lev_long = reference::Levenshtein(ab, ba, k);
  const uint32_t osa_long = reference::Osa(ab, ba, k);
  const double jw_long = reference::JaroWinkler(ab, ba);
  const PreparedString pab(ab);
  Check(LevenshteinDistance(ab, ba, k) == lev_long && LevenshteinDistance(pab, ba, k) == lev_long);
  Check(OsaDistance(ab, ba, k) == osa_long && OsaDistance(pab, ba, k) == osa_long);
  Check(JaroWinklerSimilarity(ab, ba) == jw_long && JaroWinklerSimilarity(pab, ba) == jw_long);
  Check(JaroSimilarity(pab, ba) == reference::Jaro(ab, ba));

  // Batch: query a against b, a, prefixes of b, and a with adjacent bytes swapped (OSA's
  // transpositions), on every path.
  std::vector<std::string> cands = {b, a, b.substr(0, b.size() / 2), "", ba};
  for (size_t pos = data[1] % 3; pos + 1 < a.size() && cands.size() < 8; pos += 3) {
    std::string swapped = a;
    std::swap(swapped[pos], swapped[pos + 1]);
    cands.push_back(swapped);
  }
  std::vector<std::string_view> views(cands.begin(), cands.end());
  std::vector<double> want_jw, got_jw(cands.size());
  std::vector<uint32_t> want_lev, got_lev(cands.size());
  std::vector<uint32_t> want_osa, got_osa(cands.size());
  for (const std::string& c : cands) {
    want_jw.push_back(reference::JaroWinkler(a, c));
    want_lev.push_back(reference::Levenshtein(a, c, k));
    want_osa.push_back(reference::Osa(a, c, k));
  }
  // Long query a+b (past 64 code points when the input is) against long candidates: b+a, a+b
  // shifted one position either way, a+b with a character substituted at the split point, and
  // the short a and b: the blocked Jaro kernel with the prepared query as pattern.
  std::vector<std::string> long_cands = {ba, "~" + ab, ab.substr(ab.empty() ? 0 : 1), a, b, ab};
  if (!ab.empty()) {
    std::string sub = ab;
    sub[split < sub.size() ? split : 0] = '#';
    long_cands.push_back(sub);
  }
  std::vector<std::string_view> long_views(long_cands.begin(), long_cands.end());
  std::vector<double> want_long_jaro, want_long_jw;
  std::vector<double> got_long_jaro(long_cands.size()), got_long_jw(long_cands.size());
  for (const std::string& c : long_cands) {
    want_long_jaro.push_back(reference::Jaro(ab, c));
    want_long_jw.push_back(reference::JaroWinkler(ab, c));
    Check(JaroSimilarity(c, ab) == want_long_jaro.back());
    Check(JaroWinklerSimilarity(PreparedString(c), ab) == want_long_jw.back());
  }
  auto run = [&] {
    JaroWinklerBatch(pa, views, got_jw.data());
    LevenshteinBatch(pa, views, k, got_lev.data());
    OsaBatch(pa, views, k, got_osa.data());
    Check(got_jw == want_jw && got_lev == want_lev && got_osa == want_osa);
    JaroBatch(pab, long_views, got_long_jaro.data());
    JaroWinklerBatch(pab, long_views, got_long_jw.data());
    Check(got_long_jaro == want_long_jaro && got_long_jw == want_long_jw);
  };
  for (int64_t target : compare_internal::AvailableSimdTargets()) {
    compare_internal::UseSimdTargetForTest(target);
    compare_internal::SetForceScalarForTest(0);
    run();
  }
  compare_internal::UseSimdTargetForTest(0);
  compare_internal::SetForceScalarForTest(1);
  run();
  compare_internal::SetForceScalarForTest(-1);
  return 0;
}
