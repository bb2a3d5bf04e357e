// Keyboard typos make exactly one edit, on ASCII letters and digits only.
#include "generator/keyboard_typos.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace reclink::gen {
namespace {

// Optimal string alignment distance (restricted Damerau-Levenshtein), reference version.
int OsaDistance(const std::string& a, const std::string& b) {
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<int>> d(n + 1, std::vector<int>(m + 1));
  for (size_t i = 0; i <= n; ++i) d[i][0] = static_cast<int>(i);
  for (size_t j = 0; j <= m; ++j) d[0][j] = static_cast<int>(j);
  for (size_t i = 1; i <= n; ++i)
    for (size_t j = 1; j <= m; ++j) {
      d[i][j] = std::min(
          {d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[n][m];
}

TEST(KeyboardTyposTest, EachKindIsOneEdit) {
  Rng rng(5);
  const std::vector<std::string> words = {"Catherine",  "Smith", "07700 900123", "Zoë", "O'Brien",
                                          "Wiśniewski", "ab"};
  for (TypoKind kind :
       {TypoKind::kSubstitute, TypoKind::kTranspose, TypoKind::kDelete, TypoKind::kInsert}) {
    int changed = 0;
    for (int round = 0; round < 200; ++round) {
      for (const std::string& w : words) {
        FieldBuffer b;
        b.Assign(w);
        if (!ApplyTypo(kind, b, rng)) {
          EXPECT_EQ(std::string(b.view()), w);
          continue;
        }
        ++changed;
        const std::string out(b.view());
        EXPECT_EQ(OsaDistance(w, out), 1) << w << " -> " << out;
        // Multi-byte characters are untouched: the non-ASCII bytes are the same sequence.
        std::string na_in, na_out;
        for (char c : w)
          if (static_cast<unsigned char>(c) >= 0x80) na_in.push_back(c);
        for (char c : out)
          if (static_cast<unsigned char>(c) >= 0x80) na_out.push_back(c);
        EXPECT_EQ(na_in, na_out);
      }
    }
    EXPECT_GT(changed, 500) << static_cast<int>(kind);
  }
}

TEST(KeyboardTyposTest, SubstitutionUsesANeighbouringKeyAndKeepsCase) {
  Rng rng(8);
  for (int i = 0; i < 500; ++i) {
    const char k = AdjacentKey('g', rng);
    EXPECT_NE(std::string("ftyhbv").find(k), std::string::npos) << k;
    const char u = AdjacentKey('G', rng);
    EXPECT_NE(std::string("FTYHBV").find(u), std::string::npos) << u;
    const char d = AdjacentKey('5', rng);
    EXPECT_TRUE(d >= '0' && d <= '9');
  }
  EXPECT_EQ(AdjacentKey('-', rng), '-');
}

TEST(KeyboardTyposTest, NoSuitablePositionLeavesValueUnchanged) {
  Rng rng(1);
  FieldBuffer empty;
  EXPECT_FALSE(ApplyRandomTypo(empty, rng));
  FieldBuffer one;
  one.Assign("a");
  EXPECT_FALSE(ApplyTypo(TypoKind::kDelete, one, rng));
  EXPECT_FALSE(ApplyTypo(TypoKind::kTranspose, one, rng));
  FieldBuffer symbols;
  symbols.Assign("--");
  EXPECT_FALSE(ApplyTypo(TypoKind::kSubstitute, symbols, rng));
  EXPECT_EQ(symbols.view(), "--");
}

}  // namespace
}  // namespace reclink::gen
