// Tests of the similarity kernels: textbook values, and every path (pairwise, prepared, batched on
// each SIMD target and forced scalar) equal to the naive reference on random awkward strings.
#include "reclink/similarity.h"

#include <gtest/gtest.h>

#include <array>
#include <random>
#include <string>
#include <vector>

#include "compare/simd_targets.h"
#include "random_strings.h"
#include "reference_similarity.h"

namespace reclink {
namespace {

using testing::Alphabet;
using testing::AwkwardLengths;
using testing::Mutate;
using testing::RandomString;

constexpr uint32_t kNoCutoff = 0xFFFFFFFFu;
// Cutoffs the OSA batch is checked with: none, 0, 1, 2 (and one large finite cutoff).
constexpr std::array<uint32_t, 5> kOsaCutoffs = {kNoCutoff, 0, 1, 2, 7};

TEST(Levenshtein, TextbookValues) {
  EXPECT_EQ(LevenshteinDistance("kitten", "sitting", kNoCutoff), 3u);
  EXPECT_EQ(LevenshteinDistance("", "", kNoCutoff), 0u);
  EXPECT_EQ(LevenshteinDistance("", "abc", kNoCutoff), 3u);
  EXPECT_EQ(LevenshteinDistance("abc", "", kNoCutoff), 3u);
  EXPECT_EQ(LevenshteinDistance("flaw", "lawn", kNoCutoff), 2u);
  EXPECT_EQ(LevenshteinDistance("ab", "ba", kNoCutoff), 2u);
  // Code points, not bytes: one substitution of a 2-byte by a 1-byte character.
  EXPECT_EQ(LevenshteinDistance("jos\xC3\xA9", "jose", kNoCutoff), 1u);
  EXPECT_EQ(LevenshteinDistance("\xE4\xB8\xAD", "", kNoCutoff), 1u);
}

TEST(Levenshtein, CutoffReturnsKPlusOne) {
  EXPECT_EQ(LevenshteinDistance("kitten", "sitting", 3), 3u);
  EXPECT_EQ(LevenshteinDistance("kitten", "sitting", 2), 3u);
  EXPECT_EQ(LevenshteinDistance("kitten", "sitting", 0), 1u);
  EXPECT_EQ(LevenshteinDistance("a", std::string(200, 'b'), 5), 6u);
  EXPECT_EQ(OsaDistance("abcdef", "badcfe", 1), 2u);
}

TEST(Osa, TextbookValues) {
  EXPECT_EQ(OsaDistance("ab", "ba", kNoCutoff), 1u);
  EXPECT_EQ(OsaDistance("ca", "abc", kNoCutoff), 3u);  // OSA, not unrestricted Damerau (2)
  EXPECT_EQ(OsaDistance("abcdef", "badcfe", kNoCutoff), 3u);
  EXPECT_EQ(OsaDistance("", "", kNoCutoff), 0u);
  EXPECT_EQ(OsaDistance("\xC3\xA9" "a", "a\xC3\xA9", kNoCutoff), 1u);
}

TEST(Jaro, TextbookValues) {
  EXPECT_NEAR(JaroSimilarity("MARTHA", "MARHTA"), 0.944444444444, 1e-9);
  EXPECT_NEAR(JaroWinklerSimilarity("MARTHA", "MARHTA"), 0.961111111111, 1e-9);
  EXPECT_NEAR(JaroSimilarity("DIXON", "DICKSONX"), 0.766666666667, 1e-9);
  EXPECT_NEAR(JaroWinklerSimilarity("DIXON", "DICKSONX"), 0.813333333333, 1e-9);
  EXPECT_NEAR(JaroSimilarity("DWAYNE", "DUANE"), 0.822222222222, 1e-9);
  EXPECT_NEAR(JaroWinklerSimilarity("DWAYNE", "DUANE"), 0.84, 1e-9);
  EXPECT_EQ(JaroSimilarity("", ""), 1.0);
  EXPECT_EQ(JaroWinklerSimilarity("", ""), 1.0);
  EXPECT_EQ(JaroSimilarity("abc", ""), 0.0);
  EXPECT_EQ(JaroSimilarity("abc", "xyz"), 0.0);
  EXPECT_EQ(JaroSimilarity("same", "same"), 1.0);
  EXPECT_EQ(JaroWinklerSimilarity("same", "same"), 1.0);
  // Below the 0.7 boost threshold the prefix does not count.
  EXPECT_EQ(JaroWinklerSimilarity("abcxxxxxxx", "abcyyyyyyy"), JaroSimilarity("abcxxxxxxx",
                                                                               "abcyyyyyyy"));
}

TEST(Jaccard, TokensAndQgrams) {
  EXPECT_EQ(TokenJaccard("john  smith", "smith john"), 1.0);
  EXPECT_EQ(TokenJaccard("a b c", "a b d"), 0.5);
  EXPECT_EQ(TokenJaccard("", "  "), 1.0);
  EXPECT_EQ(TokenJaccard("a", ""), 0.0);
  EXPECT_EQ(QgramJaccard("abcd", "abce", 2), 0.5);  // {ab,bc,cd} vs {ab,bc,ce}
  EXPECT_EQ(QgramJaccard("a", "a", 2), 1.0);
  EXPECT_EQ(QgramJaccard("a", "b", 2), 0.0);
  EXPECT_EQ(QgramJaccard("", "", 3), 1.0);
  EXPECT_EQ(QgramJaccard("\xC3\xA9t\xC3\xA9", "\xC3\xA9t\xC3\xA9", 2), 1.0);
  EXPECT_EQ(QgramJaccard("\xC3\xA9t", "\xC3\xA9x", 1), 1.0 / 3.0);
}

// Every pairwise path against the reference on one pair (Jaccard too unless `jaccard` is false:
// the reference's sets are slow on megabyte strings).
void ExpectPairAgrees(const std::string& a, const std::string& b, bool jaccard = true) {
  SCOPED_TRACE(a.size() + b.size() > 2000 ? "long pair of " + std::to_string(a.size()) + " and " +
                                                std::to_string(b.size()) + " bytes"
                                          : "a=\"" + a + "\" b=\"" + b + "\"");
  const PreparedString pa(a), pb(b);
  // One scratch for every call of the test, so its buffers are reused at every size, and
  // whatever earlier pairs left in it must not change a result.
  static KernelScratch scratch;
  for (uint32_t k : {0u, 1u, 2u, 3u, 7u, kNoCutoff}) {
    const uint32_t lev = reference::Levenshtein(a, b, k);
    ASSERT_EQ(LevenshteinDistance(a, b, k), lev) << "k=" << k;
    ASSERT_EQ(LevenshteinDistance(a, b, k, scratch), lev) << "k=" << k;
    ASSERT_EQ(LevenshteinDistance(pa, b, k), lev) << "k=" << k;
    ASSERT_EQ(LevenshteinDistance(pb, a, k), lev) << "k=" << k;
    const uint32_t osa = reference::Osa(a, b, k);
    ASSERT_EQ(OsaDistance(a, b, k), osa) << "k=" << k;
    ASSERT_EQ(OsaDistance(b, a, k, scratch), osa) << "k=" << k;
    ASSERT_EQ(OsaDistance(pa, b, k), osa) << "k=" << k;
    ASSERT_EQ(OsaDistance(pb, a, k), osa) << "k=" << k;
  }
  const double jaro = reference::Jaro(a, b);
  ASSERT_EQ(JaroSimilarity(a, b), jaro);
  ASSERT_EQ(JaroSimilarity(b, a), jaro);
  ASSERT_EQ(JaroSimilarity(a, b, scratch), jaro);
  ASSERT_EQ(JaroSimilarity(b, a, scratch), jaro);
  ASSERT_EQ(JaroSimilarity(pa, b), jaro);
  ASSERT_EQ(JaroSimilarity(pb, a), jaro);
  const double jw = reference::JaroWinkler(a, b);
  ASSERT_EQ(JaroWinklerSimilarity(a, b), jw);
  ASSERT_EQ(JaroWinklerSimilarity(a, b, scratch), jw);
  ASSERT_EQ(JaroWinklerSimilarity(pa, b), jw);
  ASSERT_EQ(JaroWinklerSimilarity(pb, a), jw);
  if (!jaccard) return;
  ASSERT_EQ(TokenJaccard(a, b), reference::TokenJaccard(a, b));
  ASSERT_EQ(TokenJaccard(a, b, scratch), reference::TokenJaccard(a, b));
  for (int q : {1, 2, 3, 4}) {
    ASSERT_EQ(QgramJaccard(a, b, q), reference::QgramJaccard(a, b, q));
    ASSERT_EQ(QgramJaccard(a, b, q, scratch), reference::QgramJaccard(a, b, q));
  }
}

TEST(Differential, PairwiseEqualsReferenceAtAwkwardLengths) {
  std::mt19937_64 rng(12345);
  for (Alphabet alphabet :
       {Alphabet::kTinyAscii, Alphabet::kAscii, Alphabet::kNonAscii, Alphabet::kBytes}) {
    for (size_t la : AwkwardLengths()) {
      for (size_t lb : AwkwardLengths()) {
        const int reps = (la > 70 && lb > 70) ? 1 : 3;
        for (int r = 0; r < reps; ++r) {
          const std::string a = RandomString(rng, la, alphabet);
          const std::string b =
              r == 0 ? Mutate(rng, a, alphabet) : RandomString(rng, lb, alphabet);
          ExpectPairAgrees(a, b);
          if (::testing::Test::HasFatalFailure()) return;
        }
      }
    }
  }
}

// The edit distances and Jaro metrics compare the first kMaxCompareCodePoints (256) code points
// of each string, on every path: a pair of megabyte values costs what a pair of 256-code-point
// values costs.
TEST(Cap, MetricsCompareTheFirst256CodePoints) {
  ASSERT_EQ(kMaxCompareCodePoints, 256u);
  const std::string a300(300, 'a'), b300(300, 'b');
  EXPECT_EQ(LevenshteinDistance(a300, b300, kNoCutoff), 256u);
  EXPECT_EQ(OsaDistance(a300, b300, kNoCutoff), 256u);
  EXPECT_EQ(LevenshteinDistance(a300, "", kNoCutoff), 256u);
  EXPECT_EQ(LevenshteinDistance(a300, std::string(256, 'a'), kNoCutoff), 0u);
  EXPECT_EQ(JaroSimilarity(a300, std::string(256, 'a')), 1.0);
  // Differences past the cap are not seen; one inside it is.
  std::string x = a300, y = a300;
  y[256] = 'z';
  y[299] = 'z';
  EXPECT_EQ(LevenshteinDistance(x, y, kNoCutoff), 0u);
  EXPECT_EQ(JaroWinklerSimilarity(x, y), 1.0);
  y[255] = 'z';
  EXPECT_EQ(LevenshteinDistance(x, y, kNoCutoff), 1u);
  EXPECT_EQ(OsaDistance(PreparedString(x), y, kNoCutoff), 1u);
  // Code points, not bytes: 300 two-byte characters are capped at 256 of them (512 bytes).
  std::string e;
  for (int i = 0; i < 300; ++i) e += "\xC3\xA9";
  EXPECT_EQ(ComparedPrefix(e).size(), 512u);
  EXPECT_EQ(PreparedString(e).length(), 256u);
  EXPECT_EQ(LevenshteinDistance(e, "", kNoCutoff), 256u);
  // Invalid bytes count one code point each.
  EXPECT_EQ(ComparedPrefix(std::string(300, '\xFF')).size(), 256u);
  EXPECT_FALSE(ExceedsCompareCap(std::string(256, 'a')));
  EXPECT_TRUE(ExceedsCompareCap(std::string(257, 'a')));
  std::string cjk;  // 200 three-byte characters: 600 bytes but under the cap
  for (int i = 0; i < 200; ++i) cjk += "\xE4\xB8\xAD";
  EXPECT_FALSE(ExceedsCompareCap(cjk));
  EXPECT_EQ(ComparedPrefix(cjk), cjk);
  // The prefix ends on a code point boundary: a character cut by the 257th code point is whole.
  const std::string mixed = std::string(255, 'a') + "\xE4\xB8\xAD" + "tail";
  EXPECT_EQ(ComparedPrefix(mixed), std::string(255, 'a') + "\xE4\xB8\xAD");
}

TEST(Differential, ManySmallPairs) {
  std::mt19937_64 rng(777);
  for (int i = 0; i < 20000; ++i) {
    const Alphabet alphabet = static_cast<Alphabet>(rng() % 4);
    const std::string a = RandomString(rng, rng() % 14, alphabet);
    const std::string b = rng() % 2 ? Mutate(rng, a, alphabet) : RandomString(rng, rng() % 14,
                                                                              alphabet);
    ExpectPairAgrees(a, b);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

// OsaWithinOne equals the reference OSA distance with cutoff 1 on every pair it decides: ASCII
// pairs one random edit apart (substitution, insertion, deletion, swap) or more, at awkward
// lengths up to the cap; and it declines (-1) exactly when a string is not ASCII or is longer
// than the cap.
TEST(OsaWithinOne, EqualsReferenceWhereItDecides) {
  std::mt19937_64 rng(4242);
  EXPECT_EQ(OsaWithinOne("07971489549", "07971489594"), 1);  // transposed last digits
  EXPECT_EQ(OsaWithinOne("07971489549", "0797148954"), 1);   // one deleted
  EXPECT_EQ(OsaWithinOne("07971489549", "07971480549"), 1);  // one substituted
  EXPECT_EQ(OsaWithinOne("07971489549", "17971489548"), 2);  // two substitutions
  EXPECT_EQ(OsaWithinOne("07971489549", "079714895490"), 1);  // one inserted
  EXPECT_EQ(OsaWithinOne("ca", "abc"), 2);
  EXPECT_EQ(OsaWithinOne("", "a"), 1);
  EXPECT_EQ(OsaWithinOne("", ""), 0);
  EXPECT_EQ(OsaWithinOne("\xC3\xA9" "a", "a\xC3\xA9"), -1);
  size_t decided = 0;
  for (int i = 0; i < 60000; ++i) {
    const Alphabet alphabet = static_cast<Alphabet>(rng() % 4);
    const size_t n = rng() % 3 == 0 ? AwkwardLengths()[rng() % AwkwardLengths().size()] : rng() % 14;
    const std::string a = RandomString(rng, n, alphabet);
    std::string b = a;
    switch (rng() % 4) {
      case 0: b = Mutate(rng, a, alphabet); break;
      case 1: b = RandomString(rng, rng() % 14, alphabet); break;
      default:  // exactly one edit of one kind (or none, when a is too short for it)
        if (!b.empty()) {
          const size_t pos = rng() % b.size();
          switch (rng() % 4) {
            case 0: b[pos] = static_cast<char>('a' + rng() % 4); break;
            case 1: b.insert(pos, 1, static_cast<char>('a' + rng() % 4)); break;
            case 2: b.erase(pos, 1); break;
            default: if (pos + 1 < b.size()) std::swap(b[pos], b[pos + 1]); break;
          }
        }
    }
    bool ascii = true;
    for (char ch : a + b) ascii &= static_cast<unsigned char>(ch) < 0x80;
    const bool decides = ascii && a.size() <= kMaxCompareCodePoints && b.size() <= kMaxCompareCodePoints;
    const int got = OsaWithinOne(a, b);
    ASSERT_EQ(got >= 0, decides) << "\"" << a << "\" \"" << b << "\"";
    if (!decides) continue;
    ++decided;
    ASSERT_EQ(static_cast<uint32_t>(got), reference::Osa(a, b, 1)) << "\"" << a << "\" \"" << b << "\"";
    ASSERT_EQ(OsaWithinOne(b, a), got);
  }
  EXPECT_GT(decided, 20000u);
}

// One side ASCII, the other not (bytes against code points in the prepared and flag kernels),
// with lengths jumping between short and long so one KernelScratch's buffers (mask tables,
// pattern masks, Jaccard sets) are reused at shrinking and growing sizes.
TEST(Differential, MixedAlphabetsAndScratchReuse) {
  std::mt19937_64 rng(4242);
  const Alphabet mixed[] = {Alphabet::kAscii, Alphabet::kNonAscii, Alphabet::kBytes};
  for (int i = 0; i < 600; ++i) {
    const size_t la = i % 3 == 0 ? 65 + rng() % 90 : rng() % 66;
    const size_t lb = i % 2 == 0 ? 65 + rng() % 90 : rng() % 66;
    const std::string a = RandomString(rng, la, mixed[rng() % 3]);
    const std::string b = rng() % 3 == 0 ? Mutate(rng, a, Alphabet::kNonAscii)
                                         : RandomString(rng, lb, mixed[rng() % 3]);
    ExpectPairAgrees(a, b);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

// Runs `fn` once per batch path: every SIMD target compiled in and supported here, then forced
// scalar; restores the normal choice afterwards.
template <class Fn>
void ForEachBatchPath(Fn fn) {
  for (int64_t target : compare_internal::AvailableSimdTargets()) {
    compare_internal::UseSimdTargetForTest(target);
    compare_internal::SetForceScalarForTest(0);
    SCOPED_TRACE(compare_internal::SimdTargetName(target));
    EXPECT_EQ(std::string(ActiveSimdTarget()), compare_internal::SimdTargetName(target));
    fn();
  }
  compare_internal::UseSimdTargetForTest(0);
  compare_internal::SetForceScalarForTest(1);
  {
    SCOPED_TRACE("forced scalar");
    EXPECT_EQ(std::string(ActiveSimdTarget()), "scalar");
    fn();
  }
  compare_internal::SetForceScalarForTest(-1);
}

// Jaro and Jaro-Winkler of one query against candidates on every path: pairwise both ways,
// prepared on either side, and the batches on every SIMD target and forced scalar, all equal to
// the naive reference.
void ExpectJaroAgrees(const std::string& query, const std::vector<std::string>& cands) {
  const PreparedString pq(query);
  std::vector<double> jaro_ref, jw_ref;
  for (const std::string& c : cands) {
    SCOPED_TRACE("query of " + std::to_string(query.size()) + " bytes \"" + query +
                 "\"\ncandidate of " + std::to_string(c.size()) + " bytes \"" + c + "\"");
    jaro_ref.push_back(reference::Jaro(query, c));
    jw_ref.push_back(reference::JaroWinkler(query, c));
    const PreparedString pc(c);
    ASSERT_EQ(JaroSimilarity(query, c), jaro_ref.back());
    ASSERT_EQ(JaroSimilarity(c, query), jaro_ref.back());
    ASSERT_EQ(JaroSimilarity(pq, c), jaro_ref.back());
    ASSERT_EQ(JaroSimilarity(pc, query), jaro_ref.back());
    ASSERT_EQ(JaroWinklerSimilarity(query, c), jw_ref.back());
    ASSERT_EQ(JaroWinklerSimilarity(c, query), jw_ref.back());
    ASSERT_EQ(JaroWinklerSimilarity(pq, c), jw_ref.back());
    ASSERT_EQ(JaroWinklerSimilarity(pc, query), jw_ref.back());
  }
  const std::vector<std::string_view> views(cands.begin(), cands.end());
  ForEachBatchPath([&] {
    std::vector<double> jaro(cands.size()), jw(cands.size());
    JaroBatch(pq, views, jaro.data());
    JaroWinklerBatch(pq, views, jw.data());
    for (size_t i = 0; i < cands.size(); ++i) {
      ASSERT_EQ(jaro[i], jaro_ref[i]) << "batch, query \"" << query << "\" cand \"" << cands[i]
                                      << "\"";
      ASSERT_EQ(jw[i], jw_ref[i]) << "batch, query \"" << query << "\" cand \"" << cands[i]
                                  << "\"";
    }
  });
}

// Long strings (65-1000 code points; the kernels see the first 256) in the blocked Jaro kernel:
// lengths on both sides of the 64-bit word boundaries of the pattern (64, 128, 192, 256), ASCII
// and not, against random strings, light edits, and the same text shifted by one character.
TEST(JaroLong, EveryPathEqualsReferenceAroundWordBoundaries) {
  std::mt19937_64 rng(64128);
  const size_t lengths[] = {1, 30, 63, 64, 65, 66, 100, 127, 128, 129, 130, 191, 192, 193,
                            200, 255, 256, 257, 300, 500, 1000};
  for (Alphabet alphabet :
       {Alphabet::kTinyAscii, Alphabet::kAscii, Alphabet::kNonAscii, Alphabet::kBytes}) {
    for (size_t lq : lengths) {
      if (lq < 65 && alphabet == Alphabet::kBytes) continue;
      const std::string query = RandomString(rng, lq, alphabet);
      std::vector<std::string> cands;
      for (size_t lc : lengths) {
        if (lq < 65 && lc < 65) continue;  // the 64-bit kernel: tested elsewhere
        cands.push_back(RandomString(rng, lc, alphabet));
      }
      for (int i = 0; i < 6; ++i) cands.push_back(Mutate(rng, query, alphabet));
      cands.push_back(query);
      cands.push_back(RandomString(rng, 1, alphabet) + query);  // every match one position off
      cands.push_back(query.substr(query.size() / 2) + query.substr(0, query.size() / 2));
      ExpectJaroAgrees(query, cands);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
}

// Matches exactly at the edge of the window and one position past it. For a longer length L,
// window = L / 2 - 1; with d in {window - 1, window, window + 1} (and 63-65), b is d filler
// characters then a, L code points in all: a[i] sits at b[i + d], d positions right, and can
// only match when d <= window. `c` is the mirror: a from position d on, then filler, so a[i]
// sits d positions left. L runs over the word boundaries 128, 192 and 256; each pair is checked
// both ways (either string as pattern) and prepared on each side, and in the batches.
TEST(JaroLong, MatchesAtTheWindowEdge) {
  std::mt19937_64 rng(192);
  auto join = [](const std::vector<std::string>& cps, size_t begin, size_t end) {
    std::string out;
    for (size_t i = begin; i < end; ++i) out += cps[i];
    return out;
  };
  for (Alphabet alphabet : {Alphabet::kTinyAscii, Alphabet::kNonAscii}) {
    for (size_t total : {127, 128, 129, 130, 190, 191, 192, 193, 194, 254, 255, 256}) {
      const size_t window = total / 2 - 1;
      for (size_t d : {window - 1, window, window + 1, size_t{63}, size_t{64}, size_t{65}}) {
        std::vector<std::string> cps;  // one code point each
        for (size_t i = 0; i < total; ++i) cps.push_back(RandomString(rng, 1, alphabet));
        const std::string a = join(cps, 0, total - d);  // total - d code points
        const std::string b = std::string(d, 'z') + a;   // total code points
        std::string c = join(cps, d, total - d) + std::string(2 * d, 'y');
        ExpectJaroAgrees(a, {b, c});
        if (::testing::Test::HasFatalFailure()) return;
        ExpectJaroAgrees(b, {a, c});
        if (::testing::Test::HasFatalFailure()) return;
      }
    }
  }
}

// Common prefixes of every length around the word boundaries (the blocked kernel matches a
// common prefix without stepping through it), then a difference, a transposition or an end.
TEST(JaroLong, CommonPrefixesOfEveryLength) {
  std::mt19937_64 rng(4);
  for (Alphabet alphabet : {Alphabet::kTinyAscii, Alphabet::kAscii, Alphabet::kNonAscii}) {
    const std::string base = RandomString(rng, 300, alphabet);
    const std::vector<uint32_t> cps = reference::Decode(base);
    std::vector<size_t> starts = {0};  // byte offset of each code point, plus the end
    for (size_t i = 1; i <= base.size(); ++i) {
      if (i == base.size() || (static_cast<unsigned char>(base[i]) & 0xC0) != 0x80) {
        starts.push_back(i);
      }
    }
    std::vector<std::string> cands;
    for (size_t p : {0, 1, 2, 5, 63, 64, 65, 100, 127, 128, 129, 191, 192, 193, 250, 255, 256}) {
      const std::string prefix = base.substr(0, starts[p]);
      cands.push_back(prefix);
      cands.push_back(prefix + "#" + base.substr(starts[p + 1]));  // one substitution at p
      cands.push_back(prefix + base.substr(starts[p + 1]));        // one deletion at p
      cands.push_back(prefix + RandomString(rng, 300 - p, alphabet));
      if (p + 2 <= 300) {  // swapped characters p and p + 1
        cands.push_back(prefix + base.substr(starts[p + 1], starts[p + 2] - starts[p + 1]) +
                        base.substr(starts[p], starts[p + 1] - starts[p]) +
                        base.substr(starts[p + 2]));
      }
    }
    ASSERT_EQ(cps.size(), 300u);
    ExpectJaroAgrees(base, cands);
    if (::testing::Test::HasFatalFailure()) return;
    ExpectJaroAgrees(base.substr(0, starts[100]), cands);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

TEST(Batch, EveryTargetEqualsReference) {
  std::mt19937_64 rng(99);
  for (Alphabet alphabet :
       {Alphabet::kTinyAscii, Alphabet::kAscii, Alphabet::kNonAscii, Alphabet::kBytes}) {
    for (size_t lq : AwkwardLengths()) {
      const std::string query = RandomString(rng, lq, alphabet);
      std::vector<std::string> cands;
      for (size_t lc : AwkwardLengths()) {
        cands.push_back(RandomString(rng, lc, alphabet));
        cands.push_back(Mutate(rng, query, alphabet));
        cands.push_back(RandomString(rng, lc, Alphabet::kAscii));
      }
      for (int i = 0; i < 40; ++i) cands.push_back(RandomString(rng, rng() % 20, alphabet));
      std::vector<std::string_view> views(cands.begin(), cands.end());
      std::vector<double> jw_ref, jaro_ref;
      std::vector<uint32_t> lev_ref[3];
      const uint32_t ks[3] = {1, 4, kNoCutoff};
      for (const std::string& c : cands) {
        jw_ref.push_back(reference::JaroWinkler(query, c));
        jaro_ref.push_back(reference::Jaro(query, c));
        for (int t = 0; t < 3; ++t) lev_ref[t].push_back(reference::Levenshtein(query, c, ks[t]));
      }
      const PreparedString prepared(query);
      // OSA: reference and pairwise prepared kernel agree, and the batch equals both.
      std::vector<uint32_t> osa_ref[kOsaCutoffs.size()];
      for (size_t t = 0; t < kOsaCutoffs.size(); ++t) {
        for (const std::string& c : cands) {
          osa_ref[t].push_back(reference::Osa(query, c, kOsaCutoffs[t]));
          ASSERT_EQ(OsaDistance(prepared, c, kOsaCutoffs[t]), osa_ref[t].back());
        }
      }
      ForEachBatchPath([&] {
        std::vector<double> jw(cands.size()), jaro(cands.size());
        JaroWinklerBatch(prepared, views, jw.data());
        JaroBatch(prepared, views, jaro.data());
        for (size_t i = 0; i < cands.size(); ++i) {
          ASSERT_EQ(jw[i], jw_ref[i]) << "query=\"" << query << "\" cand=\"" << cands[i] << "\"";
          ASSERT_EQ(jaro[i], jaro_ref[i]) << "query=\"" << query << "\" cand=\"" << cands[i]
                                          << "\"";
        }
        for (int t = 0; t < 3; ++t) {
          std::vector<uint32_t> lev(cands.size());
          LevenshteinBatch(prepared, views, ks[t], lev.data());
          for (size_t i = 0; i < cands.size(); ++i) {
            ASSERT_EQ(lev[i], lev_ref[t][i])
                << "k=" << ks[t] << " query=\"" << query << "\" cand=\"" << cands[i] << "\"";
          }
        }
        for (size_t t = 0; t < kOsaCutoffs.size(); ++t) {
          std::vector<uint32_t> osa(cands.size());
          OsaBatch(prepared, views, kOsaCutoffs[t], osa.data());
          for (size_t i = 0; i < cands.size(); ++i) {
            ASSERT_EQ(osa[i], osa_ref[t][i]) << "OSA k=" << kOsaCutoffs[t] << " query=\"" << query
                                             << "\" cand=\"" << cands[i] << "\"";
          }
        }
      });
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
}

// Lane-width boundaries: queries of 1-9, 15-17, 31, 33 and 64 bytes (8-bit lanes up to 8,
// 16-bit up to 16, then 32- and 64-bit lanes)
// against 300 candidates of 0-64 bytes (the longest lane candidates, several full lane
// groups even with AVX-512's 128 byte lanes), over a 3-letter alphabet so most bytes match.
// Some candidates are not ASCII (they leave the lanes), some hold NUL bytes, and half of the
// queries hold a NUL (the padding past a lane's end is NUL, so such queries take the scalar fill).
TEST(Batch, LaneWidthBoundariesEqualReference) {
  std::mt19937_64 rng(7);
  for (bool query_nul : {false, true})
  for (size_t lq : {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 64}) {
    std::string query = RandomString(rng, lq, Alphabet::kTinyAscii);
    if (query_nul) query[lq / 2] = '\0';
    std::vector<std::string> cands;
    for (int i = 0; i < 300; ++i) {
      const size_t lc = i % 5 == 0 ? 64 - rng() % 3 : rng() % 65;
      if (i % 7 == 3) {
        cands.push_back(RandomString(rng, lc / 3, Alphabet::kNonAscii));
      } else if (i % 11 == 5) {
        cands.push_back(RandomString(rng, lc, Alphabet::kBytes));
      } else {
        cands.push_back(RandomString(rng, lc, Alphabet::kTinyAscii));
        if (i % 13 == 6 && lc > 0) cands.back()[rng() % lc] = '\0';
      }
    }
    std::vector<std::string_view> views(cands.begin(), cands.end());
    const PreparedString prepared(query);
    ForEachBatchPath([&] {
      std::vector<double> jw(cands.size());
      std::vector<uint32_t> lev(cands.size()), lev2(cands.size());
      JaroWinklerBatch(prepared, views, jw.data());
      LevenshteinBatch(prepared, views, kNoCutoff, lev.data());
      LevenshteinBatch(prepared, views, 2, lev2.data());
      for (uint32_t k : kOsaCutoffs) {
        std::vector<uint32_t> osa(cands.size());
        OsaBatch(prepared, views, k, osa.data());
        for (size_t i = 0; i < cands.size(); ++i) {
          ASSERT_EQ(osa[i], reference::Osa(query, cands[i], k))
              << "OSA k=" << k << " query=\"" << query << "\" cand=\"" << cands[i] << "\"";
        }
      }
      for (size_t i = 0; i < cands.size(); ++i) {
        ASSERT_EQ(jw[i], reference::JaroWinkler(query, cands[i]))
            << "query=\"" << query << "\" cand=\"" << cands[i] << "\"";
        ASSERT_EQ(lev[i], reference::Levenshtein(query, cands[i], kNoCutoff))
            << "query=\"" << query << "\" cand=\"" << cands[i] << "\"";
        ASSERT_EQ(lev2[i], reference::Levenshtein(query, cands[i], 2))
            << "query=\"" << query << "\" cand=\"" << cands[i] << "\"";
      }
    });
    if (::testing::Test::HasFatalFailure()) return;
  }
}

// Large batches (more than one 1024-candidate chunk, many lane groups) for the Levenshtein
// batch's two orders: lengths close together (3-14 bytes: lane groups in input order, results
// stored straight through when a group holds consecutive candidates) and lengths spread widely
// (0-64 bytes: candidates sorted by length, results scattered back). Mixed in: non-ASCII
// candidates, candidates longer than 64 bytes (pairwise kernel), NUL bytes in candidates and
// queries, and runs of equal lengths; without a cutoff and with cutoffs that rule lengths out.
TEST(Batch, LargeBatchesCloseAndSpreadLengthsEqualReference) {
  std::mt19937_64 rng(11);
  for (bool spread : {false, true})
  for (size_t lq : {3, 8, 9, 12, 16, 17, 24, 32, 33, 64}) {
    std::string query = RandomString(rng, lq, Alphabet::kTinyAscii);
    if (lq % 3 == 0) query[lq / 3] = '\0';
    std::vector<std::string> cands;
    for (int i = 0; i < 2600; ++i) {
      size_t lc = spread ? rng() % 65 : 3 + rng() % 12;
      if (i >= 1500 && i < 1700) lc = spread ? 40 : 7;  // a run of equal lengths
      if (i % 97 == 13) {
        cands.push_back(RandomString(rng, lc / 2 + 1, Alphabet::kNonAscii));
      } else if (i % 131 == 7) {
        cands.push_back(RandomString(rng, 65 + rng() % 20, Alphabet::kTinyAscii));
      } else {
        cands.push_back(rng() % 4 == 0 ? Mutate(rng, query, Alphabet::kTinyAscii)
                                       : RandomString(rng, lc, Alphabet::kTinyAscii));
        if (i % 61 == 5 && !cands.back().empty()) cands.back()[rng() % cands.back().size()] = '\0';
      }
    }
    std::vector<std::string_view> views(cands.begin(), cands.end());
    // No cutoff (every length takes a lane), then cutoffs that rule lengths out (0 and 2).
    const uint32_t ks[3] = {kNoCutoff, 0, 2};
    std::vector<uint32_t> ref[3], osa_ref[kOsaCutoffs.size()];
    for (int t = 0; t < 3; ++t) {
      for (const std::string& c : cands) ref[t].push_back(reference::Levenshtein(query, c, ks[t]));
    }
    for (size_t t = 0; t < kOsaCutoffs.size(); ++t) {
      for (const std::string& c : cands) {
        osa_ref[t].push_back(reference::Osa(query, c, kOsaCutoffs[t]));
      }
    }
    const PreparedString prepared(query);
    ForEachBatchPath([&] {
      for (int t = 0; t < 3; ++t) {
        std::vector<uint32_t> lev(cands.size());
        LevenshteinBatch(prepared, views, ks[t], lev.data());
        for (size_t i = 0; i < cands.size(); ++i) {
          ASSERT_EQ(lev[i], ref[t][i]) << "k=" << ks[t] << " i=" << i << " query=\"" << query
                                       << "\" cand=\"" << cands[i] << "\"";
        }
      }
      for (size_t t = 0; t < kOsaCutoffs.size(); ++t) {
        std::vector<uint32_t> osa(cands.size());
        OsaBatch(prepared, views, kOsaCutoffs[t], osa.data());
        for (size_t i = 0; i < cands.size(); ++i) {
          ASSERT_EQ(osa[i], osa_ref[t][i]) << "OSA k=" << kOsaCutoffs[t] << " i=" << i
                                           << " query=\"" << query << "\" cand=\"" << cands[i]
                                           << "\"";
        }
      }
    });
    if (::testing::Test::HasFatalFailure()) return;
  }
}

// OSA batch on transposition-heavy candidates: the query with one, two or many adjacent
// characters swapped (overlapping swaps too, where OSA differs from unrestricted Damerau), plus
// a swap and a substitution, at every query length of the lane widths and past 64 (pairwise
// fallback), ASCII (with NUL) and non-ASCII; every cutoff; every path.
TEST(Batch, OsaTranspositionHeavyEqualsReference) {
  std::mt19937_64 rng(2003);
  for (Alphabet alphabet : {Alphabet::kAscii, Alphabet::kTinyAscii, Alphabet::kNonAscii}) {
    for (size_t lq : {1, 2, 3, 4, 7, 8, 9, 12, 15, 16, 17, 24, 31, 32, 33, 48, 63, 64, 65, 100}) {
      std::string query = RandomString(rng, lq, alphabet);
      if (alphabet == Alphabet::kAscii && lq % 4 == 1) query[lq / 2] = '\0';
      std::vector<std::string> cands;
      for (int i = 0; i < 400; ++i) {
        std::string c = query;
        const int swaps = i % 8 == 7 ? static_cast<int>(c.size()) : 1 + i % 3;
        for (int s = 0; s < swaps && c.size() >= 2; ++s) {
          const size_t pos = rng() % (c.size() - 1);
          std::swap(c[pos], c[pos + 1]);
        }
        if (i % 5 == 4 && !c.empty()) c[rng() % c.size()] = 'z';
        if (i % 9 == 8) c = Mutate(rng, c, alphabet);
        cands.push_back(c);
      }
      cands.push_back(query);
      cands.push_back("");
      std::vector<std::string_view> views(cands.begin(), cands.end());
      const PreparedString prepared(query);
      std::vector<uint32_t> ref[kOsaCutoffs.size()];
      for (size_t t = 0; t < kOsaCutoffs.size(); ++t) {
        for (const std::string& c : cands) {
          ref[t].push_back(reference::Osa(query, c, kOsaCutoffs[t]));
          ASSERT_EQ(OsaDistance(prepared, c, kOsaCutoffs[t]), ref[t].back());
        }
      }
      ForEachBatchPath([&] {
        for (size_t t = 0; t < kOsaCutoffs.size(); ++t) {
          std::vector<uint32_t> osa(cands.size());
          OsaBatch(prepared, views, kOsaCutoffs[t], osa.data());
          for (size_t i = 0; i < cands.size(); ++i) {
            ASSERT_EQ(osa[i], ref[t][i]) << "OSA k=" << kOsaCutoffs[t] << " query=\"" << query
                                         << "\" cand=\"" << cands[i] << "\"";
          }
        }
      });
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
}

TEST(Batch, EmptyBatchAndEmptyQuery) {
  const PreparedString empty("");
  const std::vector<std::string_view> cands = {"", "a", "abc"};
  std::vector<double> jw(3);
  std::vector<uint32_t> lev(3);
  JaroWinklerBatch(empty, cands, jw.data());
  LevenshteinBatch(empty, cands, 2, lev.data());
  EXPECT_EQ(jw, (std::vector<double>{1.0, 0.0, 0.0}));
  EXPECT_EQ(lev, (std::vector<uint32_t>{0, 1, 3}));
  std::vector<uint32_t> osa(3);
  OsaBatch(empty, cands, 2, osa.data());
  EXPECT_EQ(osa, (std::vector<uint32_t>{0, 1, 3}));
  OsaBatch(empty, cands, kNoCutoff, osa.data());
  EXPECT_EQ(osa, (std::vector<uint32_t>{0, 1, 3}));
  OsaBatch(empty, std::span<const std::string_view>(), 2, nullptr);
  JaroWinklerBatch(empty, std::span<const std::string_view>(), nullptr);
}

// Megabyte values (a hostile file): every path equals the reference on the capped prefixes, and
// the prepared record keeps only the prefix. Without the cap the kernels would take minutes here.
TEST(Cap, MegabyteStringsOnEveryPath) {
  std::mt19937_64 rng(20);
  for (Alphabet alphabet : {Alphabet::kAscii, Alphabet::kNonAscii, Alphabet::kBytes}) {
    const std::string a = RandomString(rng, 1 << 20, alphabet);
    const std::string b = Mutate(rng, a.substr(0, 200), alphabet) + a.substr(200);
    const std::string c = RandomString(rng, 1 << 20, alphabet);
    const PreparedString pa(a);
    EXPECT_LE(pa.length(), kMaxCompareCodePoints);
    EXPECT_LE(pa.text().size(), 4 * kMaxCompareCodePoints);
    ExpectPairAgrees(a, b, false);
    if (::testing::Test::HasFatalFailure()) return;
    const std::vector<std::string_view> cands = {b, c, a, "short", std::string_view(a).substr(0, 60)};
    std::vector<double> jw_ref, jw_short_ref;
    std::vector<uint32_t> lev_ref, osa_ref, lev_short_ref;
    for (std::string_view cand : cands) {
      jw_ref.push_back(reference::JaroWinkler(a, cand));
      lev_ref.push_back(reference::Levenshtein(a, cand, 3));
      osa_ref.push_back(reference::Osa(a, cand, kNoCutoff));
      jw_short_ref.push_back(reference::JaroWinkler("short", cand));
      lev_short_ref.push_back(reference::Levenshtein("short", cand, 300));
    }
    const PreparedString q("short");
    ForEachBatchPath([&] {
      std::vector<double> jw(cands.size());
      std::vector<uint32_t> lev(cands.size()), osa(cands.size());
      JaroWinklerBatch(pa, cands, jw.data());
      LevenshteinBatch(pa, cands, 3, lev.data());
      OsaBatch(pa, cands, kNoCutoff, osa.data());
      EXPECT_EQ(jw, jw_ref);
      EXPECT_EQ(lev, lev_ref);
      EXPECT_EQ(osa, osa_ref);
      // A short query against megabyte candidates (they leave the lanes for the pairwise kernel;
      // with k = 300 no length rules them out).
      JaroWinklerBatch(q, cands, jw.data());
      LevenshteinBatch(q, cands, 300, lev.data());
      EXPECT_EQ(jw, jw_short_ref);
      EXPECT_EQ(lev, lev_short_ref);
    });
  }
}

TEST(Dispatch, ActiveTargetIsNamed) {
  EXPECT_FALSE(std::string(ActiveSimdTarget()).empty());
  EXPECT_FALSE(compare_internal::AvailableSimdTargets().empty());
}

}  // namespace
}  // namespace reclink

namespace reclink {
namespace {

TEST(Jaccard, ShortStringGramsNeverCollide) {
  // Whole-string grams of strings shorter than q, with NUL code points that pack to zero bits.
  EXPECT_EQ(QgramJaccard(std::string("\0a", 2), "a", 3), 0.0);
  EXPECT_EQ(QgramJaccard(std::string("\0a", 2), std::string("\0\0a", 3), 3), 0.0);
  EXPECT_EQ(QgramJaccard(std::string("\0a", 2), std::string("\0a", 2), 3), 1.0);
  EXPECT_EQ(QgramJaccard("ab", "ab", 5), 1.0);
  EXPECT_EQ(QgramJaccard("abcdef", "abcdxf", 4), 1.0 / 5.0);  // {abcd,bcde,cdef} vs {abcd,bcdx,cdxf}
}

}  // namespace
}  // namespace reclink
