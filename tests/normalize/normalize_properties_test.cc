// Property tests on random text (ASCII, Latin accents, other scripts, invalid UTF-8): no crash,
// chains are idempotent, results do not depend on the thread count.
#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "reclink/normalize.h"
#include "reclink/phonetic.h"

namespace reclink {
namespace {

std::string RandomText(std::mt19937_64& rng) {
  static const std::vector<std::string> kPieces = {
      "a", "Z", "x", " ", "  ", "\t", "-", "'", "+", "@", "(0)", "0", "7", "/", ".", ",",
      "\xC3\xA9", "\xC3\x9F", "\xC3\x96", "\xEF\xAC\x81", "\xCC\x81", "\xC2\xA0",  // é ß Ö ﬁ ◌́ NBSP
      "\xE7\x8E\x8B", "\xCE\xA3", "\xE2\x80\x83", "\xF0\x9F\x98\x80",              // 王 Σ EM-SPACE 😀
      "\xFF", "\xC3", "\xE2\x80",                                                   // invalid UTF-8
      "Jan", "1990", "12", "Smith", "sch", "gh", "ph", "mac", "kn"};
  std::string s;
  int n = static_cast<int>(rng() % 12);
  for (int i = 0; i < n; ++i) s += kPieces[rng() % kPieces.size()];
  return s;
}

bool IsContinuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Code points as Prefix counts them: bytes that are not UTF-8 continuation bytes.
size_t LeadBytes(std::string_view s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return !IsContinuation(c); }));
}

std::string NonSpaceBytes(std::string_view s) {
  std::string bytes;
  for (char c : s) {
    if (c != ' ' && !(c >= '\t' && c <= '\r')) bytes.push_back(c);
  }
  std::sort(bytes.begin(), bytes.end());
  return bytes;
}

std::vector<std::string> SplitOnSpace(const std::string& s) {
  std::vector<std::string> tokens;
  size_t start = 0;
  while (start <= s.size() && !s.empty()) {
    size_t end = s.find(' ', start);
    if (end == std::string::npos) end = s.size();
    tokens.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return tokens;
}

TEST(NormalizePropertiesTest, ChainsAreIdempotentAndNeverCrash) {
  const std::vector<std::vector<std::string>> chains = {
      {},
      {"casefold", "strip_accents", "alnum"},
      {"lower"},
      {"upper", "nospace"},
      {"letters"},
      {"digits"},
      {"email"},
      {"phone"},
      {"date"},
      {"strip_accents", "casefold"},
  };
  std::mt19937_64 rng(7);
  std::string once, twice;
  for (const auto& names : chains) {
    Result<Normalizer> n = Normalizer::Create(names, {});
    ASSERT_TRUE(n.ok());
    for (int i = 0; i < 3000; ++i) {
      std::string v = RandomText(rng);
      bool ok = n->Apply(v, &once, nullptr);
      ASSERT_EQ(ok, !once.empty());
      if (!ok) continue;
      ASSERT_EQ(once.front() == ' ' || once.back() == ' ', false) << v;
      ASSERT_EQ(once.find("  "), std::string::npos) << v;
      // Invalid UTF-8 passes through the case mappings byte by byte, and strip_accents
      // after casefold may expose new foldable letters; idempotence is asserted on valid text
      // for the chains where it is a contract.
      ASSERT_TRUE(n->Apply(once, &twice, nullptr)) << v;
      if (names.size() == 3 || names == std::vector<std::string>{"email"} ||
          names == std::vector<std::string>{"phone"} ||
          names == std::vector<std::string>{"date"} || names.empty()) {
        ASSERT_EQ(once, twice) << "chain of " << names.size() << " on '" << v << "'";
      }
    }
  }
}

TEST(NormalizePropertiesTest, PhoneticCodesOnRandomText) {
  std::mt19937_64 rng(11);
  std::string out;
  for (int i = 0; i < 20000; ++i) {
    std::string v = RandomText(rng);
    Soundex(v, &out);
    ASSERT_TRUE(out.empty() || out.size() == 4) << v;
    Metaphone(v, &out);
    for (char c : out) ASSERT_TRUE((c >= 'A' && c <= 'Z') || c == '0') << v;
    Nysiis(v, &out);
    ASSERT_LE(out.size(), 6u);
    for (char c : out) ASSERT_TRUE(c >= 'A' && c <= 'Z') << v;
    const std::string nysiis6 = out;
    Nysiis(v, &out, 0);  // untruncated: the 6-character code is its prefix
    ASSERT_EQ(out.substr(0, 6), nysiis6) << v;
    for (char c : out) ASSERT_TRUE(c >= 'A' && c <= 'Z') << v;

    // token_sorted: the same non-space bytes, in sorted tokens joined by single spaces.
    TokenSorted(v, &out);
    ASSERT_EQ(NonSpaceBytes(out), NonSpaceBytes(v)) << v;
    ASSERT_EQ(out.find("  "), std::string::npos) << v;
    ASSERT_TRUE(out.empty() || (out.front() != ' ' && out.back() != ' ')) << v;
    std::vector<std::string> tokens = SplitOnSpace(out);
    ASSERT_TRUE(std::is_sorted(tokens.begin(), tokens.end())) << v;

    // prefix: a prefix of the value, of min(3, code points) code points, cut between sequences.
    Prefix(v, 3, &out);
    ASSERT_EQ(v.compare(0, out.size(), out), 0) << v;
    ASSERT_EQ(LeadBytes(out), std::min<size_t>(3, LeadBytes(v))) << v;
    ASSERT_TRUE(out.size() == v.size() || !IsContinuation(v[out.size()])) << v;

    // year: null, or the four leading digits of a value not followed by a fifth digit.
    Year(v, &out);
    if (!out.empty()) {
      ASSERT_EQ(out.size(), 4u) << v;
      ASSERT_EQ(v.substr(0, 4), out) << v;
      for (char c : out) ASSERT_TRUE(c >= '0' && c <= '9') << v;
    }
  }
}

TEST(NormalizePropertiesTest, ColumnSameAtAnyThreadCount) {
  std::mt19937_64 rng(3);
  Column in("v");
  for (int i = 0; i < 40000; ++i) {
    if (rng() % 10 == 0) {
      in.AppendNull();
    } else {
      in.Append(RandomText(rng));
    }
  }
  Result<Normalizer> n = Normalizer::Create({"casefold", "strip_accents", "alnum"}, {});
  ASSERT_TRUE(n.ok());
  std::vector<Column> results;
  for (int threads : {1, 2, 8}) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
    NormalizeCounters counters;
    results.push_back(NormalizeColumn(in, *n, "v_n", &counters));
  }
  for (size_t k = 1; k < results.size(); ++k) {
    ASSERT_EQ(results[k].size(), results[0].size());
    for (RowId r = 0; r < results[0].size(); ++r) {
      ASSERT_EQ(results[k].IsNull(r), results[0].IsNull(r)) << r;
      ASSERT_EQ(results[k].Get(r), results[0].Get(r)) << r;
    }
  }
}

}  // namespace
}  // namespace reclink
