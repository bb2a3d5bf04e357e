// Comparison levels (null, listed levels in order, else), one metric serving several thresholds,
// numeric and date levels, pattern ids, term frequencies and scoring with TF adjustment.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <xxhash.h>

#include "reclink/comparison.h"
#include "reclink/model.h"

namespace reclink {
namespace {

LevelSpec Level(Predicate p, double t, const std::string& label) {
  LevelSpec l;
  l.predicate = p;
  l.threshold = t;
  l.label = label;
  return l;
}

struct Fixture {
  Rules rules;
  DerivedFields fields;
};

// Rows: 0 "martha", 1 "marhta", 2 "martha", 3 null, 4 "xavier"; dates and numbers alongside.
Fixture Make() {
  Fixture f;
  for (const char* name : {"name", "dob", "age"}) {
    FieldSpec spec;
    spec.name = name;
    f.rules.fields.push_back(spec);
    f.fields.fields.emplace_back(name);
  }
  const char* names[] = {"martha", "marhta", "martha", nullptr, "xavier"};
  const char* dobs[] = {"1980-01-01", "1980-01-03", "1980-03-01", "1980-01-01", "bad-date"};
  const char* ages[] = {"40", "42", "40", "39", "x"};
  for (int r = 0; r < 5; ++r) {
    if (names[r]) f.fields.fields[0].Append(names[r]); else f.fields.fields[0].AppendNull();
    f.fields.fields[1].Append(dobs[r]);
    f.fields.fields[2].Append(ages[r]);
  }
  ComparisonSpec name;
  name.name = name.field = "name";
  name.levels = {Level(Predicate::kExact, 0, "exact"), Level(Predicate::kJaroWinkler, 0.95, "jw95"),
                 Level(Predicate::kJaroWinkler, 0.9, "jw90"), Level(Predicate::kLevenshtein, 2, "lev2")};
  name.tf_adjust = true;
  ComparisonSpec dob;
  dob.name = dob.field = "dob";
  dob.levels = {Level(Predicate::kExact, 0, "exact"), Level(Predicate::kDateDiffDays, 7, "week")};
  ComparisonSpec age;
  age.name = age.field = "age";
  age.levels = {Level(Predicate::kNumericDiff, 1, "1"), Level(Predicate::kNumericDiff, 2, "2")};
  f.rules.comparisons = {name, dob, age};
  return f;
}

// relative_diff: the difference as a share of the larger magnitude.
TEST(ComparisonTest, RelativeDiffIsAShareOfTheLargerValue) {
  Fixture f = Make();
  f.rules.comparisons[2].levels = {Level(Predicate::kRelativeDiff, 0.02, "2%"), Level(Predicate::kRelativeDiff, 0.05, "5%")};
  Result<Comparisons> comps = Comparisons::Build(f.rules, f.fields);
  ASSERT_TRUE(comps.ok()) << comps.status().ToString();
  EXPECT_EQ(comps->Level(2, 0, 2), 1);  // 40 and 40
  EXPECT_EQ(comps->Level(2, 0, 3), 2);  // 40 and 39: 1/40 = 2.5%, within 5% only
  EXPECT_EQ(comps->Level(2, 0, 1), 2);  // 40 and 42: 2/42 = 4.8%
  EXPECT_EQ(comps->Level(2, 3, 1), 3);  // 39 and 42: 3/42 = 7.1%: else
  EXPECT_EQ(comps->Level(2, 0, 4), 3);  // "x" is no number: else
}

// swapped(OTHER): first and last name written the other way round in one of the two records.
TEST(ComparisonTest, SwappedLevelMatchesFieldsCrossedOver) {
  Rules rules;
  DerivedFields fields;
  for (const char* name : {"first", "last"}) {
    FieldSpec spec;
    spec.name = name;
    rules.fields.push_back(spec);
    fields.fields.emplace_back(name);
  }
  // 0 john smith, 1 smith john (swapped), 2 smith jon (not quite), 3 john null, 4 smith smith,
  // 5 smith smith, 6 smyth john (first fuzzy only)
  const char* firsts[] = {"john", "smith", "smith", "john", "smith", "smith", "smyth"};
  const char* lasts[] = {"smith", "john", "jon", nullptr, "smith", "smith", "john"};
  for (int r = 0; r < 7; ++r) {
    fields.fields[0].Append(firsts[r]);
    if (lasts[r]) fields.fields[1].Append(lasts[r]); else fields.fields[1].AppendNull();
  }
  ComparisonSpec first;
  first.name = first.field = "first";
  LevelSpec swapped = Level(Predicate::kSwapped, 0, "swapped(last)");
  swapped.other = "last";
  first.levels = {Level(Predicate::kExact, 0, "exact"), swapped, Level(Predicate::kJaroWinkler, 0.8, "jw80")};
  ComparisonSpec last = first;
  last.name = last.field = "last";
  last.levels[1].other = "first";
  last.levels[1].label = "swapped(first)";
  rules.comparisons = {first, last};
  Result<Comparisons> comps = Comparisons::Build(rules, fields);
  ASSERT_TRUE(comps.ok()) << comps.status().ToString();
  for (size_t c = 0; c < 2; ++c) {
    EXPECT_EQ(comps->Level(c, 0, 1), 2) << c;  // crossed over, in both comparisons
    EXPECT_EQ(comps->Level(c, 1, 0), 2) << c;  // symmetric
  }
  EXPECT_EQ(comps->Level(0, 0, 2), 4);  // john/smith: "jon" is not "john"; else
  EXPECT_EQ(comps->Level(0, 3, 1), 4);  // row 3's last name is null: not swapped, else...
  EXPECT_EQ(comps->Level(1, 3, 1), 0);  // ...and last itself is null there
  // Equal values are never swapped (smith smith against smith smith is exact), and a fuzzy
  // first name with an equal last name falls to the fuzzy level.
  EXPECT_EQ(comps->Level(0, 4, 5), 1);
  EXPECT_EQ(comps->Level(0, 1, 6), 3);  // smith/smyth
  // The one-against-many path gives the same levels.
  std::vector<RowId> bs = {1, 2, 3, 4, 5, 6};
  std::vector<uint8_t> out(bs.size());
  for (size_t c = 0; c < 2; ++c) {
    comps->LevelsOneToMany(c, 0, bs, nullptr, out.data());
    for (size_t i = 0; i < bs.size(); ++i) EXPECT_EQ(out[i], comps->Level(c, 0, bs[i])) << c << " " << i;
  }
}

TEST(ComparisonTest, LevelsInOrderWithNullAndElse) {
  Fixture f = Make();
  Result<Comparisons> comps = Comparisons::Build(f.rules, f.fields);
  ASSERT_TRUE(comps.ok()) << comps.status().ToString();
  ASSERT_EQ(comps->num_levels(0), 6);  // null, 4 listed, else
  EXPECT_EQ(comps->Level(0, 0, 2), 1);  // exact
  // Jaro-Winkler(martha, marhta) = 0.9611: the first threshold level it passes is jw95.
  EXPECT_EQ(comps->Level(0, 0, 1), 2);
  EXPECT_EQ(comps->Level(0, 0, 3), 0);  // null
  EXPECT_EQ(comps->Level(0, 3, 3), 0);
  EXPECT_EQ(comps->Level(0, 0, 4), 5);  // else
  EXPECT_EQ(comps->LevelLabel(0, 0), "null");
  EXPECT_EQ(comps->LevelLabel(0, 2), "jw95");
  EXPECT_EQ(comps->LevelLabel(0, 5), "else");
  // Dates: 2 days apart is within a week; 60 days is not; an unparseable date never matches.
  EXPECT_EQ(comps->Level(1, 0, 1), 2);
  EXPECT_EQ(comps->Level(1, 0, 3), 1);
  EXPECT_EQ(comps->Level(1, 0, 2), 3);
  EXPECT_EQ(comps->Level(1, 0, 4), 3);
  // Numbers: |40 - 42| = 2 fails "<= 1" and passes "<= 2".
  EXPECT_EQ(comps->Level(2, 0, 1), 2);
  EXPECT_EQ(comps->Level(2, 0, 3), 1);
  EXPECT_EQ(comps->Level(2, 0, 4), 3);
}

TEST(ComparisonTest, OneToManyEqualsPairwiseAndPatternIdsRoundTrip) {
  Fixture f = Make();
  Result<Comparisons> comps = Comparisons::Build(f.rules, f.fields);
  ASSERT_TRUE(comps.ok());
  const std::vector<RowId> bs = {1, 2, 3, 4, 1};
  std::vector<uint8_t> out(bs.size() * comps->size());
  comps->GammaOneToMany(0, bs, out.data());
  for (size_t i = 0; i < bs.size(); ++i) {
    uint8_t gamma[kMaxComparisons];
    comps->Gamma(0, bs[i], gamma);
    for (size_t c = 0; c < comps->size(); ++c) EXPECT_EQ(out[i * comps->size() + c], gamma[c]);
    uint8_t back[kMaxComparisons];
    comps->PatternFromId(comps->PatternId(gamma), back);
    for (size_t c = 0; c < comps->size(); ++c) EXPECT_EQ(back[c], gamma[c]);
  }
}

// LevelsOneToMany (batch kernels, the level shared by equal partners, the batch-only cascade)
// gives exactly Level() for every pair, on random values with duplicates, nulls, near variants,
// non-ASCII text and strings longer than the SIMD lanes; for comparisons whose levels are all
// batch metrics and for one mixing in a per-pair metric.
TEST(ComparisonTest, LevelsOneToManyEqualsPairwiseOnRandomValues) {
  std::mt19937_64 rng(11);
  const std::vector<std::string> stems = {"martha", "marta", "jonathan", "jon", "müller", "mueller",
                                          "o'brien", "x", "", "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123"};
  auto variant = [&](std::string v) {
    if (!v.empty() && rng() % 3 == 0) std::swap(v[rng() % v.size()], v[rng() % v.size()]);
    if (rng() % 4 == 0) v += static_cast<char>('a' + rng() % 26);
    return v;
  };
  Fixture f;
  FieldSpec spec;
  spec.name = "v";
  f.rules.fields.push_back(spec);
  f.fields.fields.emplace_back("v");
  const RowId rows = 400;
  for (RowId r = 0; r < rows; ++r) {
    if (rng() % 10 == 0) {
      f.fields.fields[0].AppendNull();
    } else {
      f.fields.fields[0].Append(variant(stems[rng() % stems.size()]));
    }
  }
  ComparisonSpec batch_only;
  batch_only.name = "batch";
  batch_only.field = "v";
  batch_only.levels = {Level(Predicate::kExact, 0, "exact"), Level(Predicate::kDamerauLevenshtein, 1, "osa1"),
                       Level(Predicate::kJaroWinkler, 0.9, "jw90"), Level(Predicate::kLevenshtein, 3, "lev3"),
                       Level(Predicate::kJaro, 0.7, "jaro70")};
  ComparisonSpec mixed;
  mixed.name = "mixed";
  mixed.field = "v";
  mixed.levels = {Level(Predicate::kJaroWinkler, 0.95, "jw95"), Level(Predicate::kQgramJaccard, 0.5, "q50"),
                  Level(Predicate::kLevenshtein, 2, "lev2")};
  f.rules.comparisons = {batch_only, mixed};
  Result<Comparisons> comps = Comparisons::Build(f.rules, f.fields);
  ASSERT_TRUE(comps.ok());
  std::vector<RowId> bs;
  for (RowId a = 0; a < rows; a += 7) {
    bs.clear();
    const size_t n = 1 + rng() % 120;
    for (size_t i = 0; i < n; ++i) bs.push_back(static_cast<RowId>(rng() % rows));
    for (size_t c = 0; c < comps->size(); ++c) {
      std::optional<PreparedString> prepared;
      if (!comps->IsNull(c, a)) prepared.emplace(comps->Value(c, a));
      std::vector<uint8_t> levels(bs.size());
      comps->LevelsOneToMany(c, a, bs, prepared ? &*prepared : nullptr, levels.data());
      for (size_t i = 0; i < bs.size(); ++i) {
        ASSERT_EQ(levels[i], comps->Level(c, a, bs[i])) << "comparison " << c << " rows " << a << ", " << bs[i];
      }
    }
    std::vector<uint8_t> gammas(bs.size() * comps->size());
    comps->GammaOneToMany(a, bs, gammas.data());
    for (size_t i = 0; i < bs.size(); ++i) {
      for (size_t c = 0; c < comps->size(); ++c) ASSERT_EQ(gammas[i * comps->size() + c], comps->Level(c, a, bs[i]));
    }
  }
}

// Levels are symmetric (comparison.h): training computes a pair sampled through its second
// record from that record's side. Every metric is checked to the bit in both directions, and
// every predicate's level both ways, pairwise and through the one-against-many batches (prepared
// side and batch kernels), on random values at the lane widths' awkward lengths, non-ASCII text,
// near variants, numbers and dates.
TEST(ComparisonTest, LevelsAreSymmetric) {
  std::mt19937_64 rng(23);
  const std::vector<std::string> stems = {"martha", "marhta", "jonathan", "jon", "müller", "mueller", "straße",
                                          "o'brien", "x", "", "ab cd", "cd ab ef", "abcdefg", "abcdefghi",
                                          "abcdefghijklmnopq", "abcdefghijklmnopqrstuvwxyz01234567",
                                          "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123"};
  auto variant = [&](std::string v) {
    for (int k = static_cast<int>(rng() % 4); k > 0; --k) {
      if (v.empty()) break;
      const size_t at = rng() % v.size();
      switch (rng() % 4) {
        case 0: std::swap(v[at], v[rng() % v.size()]); break;
        case 1: v.erase(at, 1); break;
        case 2: v.insert(at, 1, static_cast<char>('a' + rng() % 26)); break;
        default: v[at] = static_cast<char>('a' + rng() % 26); break;
      }
    }
    return v;
  };
  auto number = [&] { return std::to_string(static_cast<int>(rng() % 200)) + "." + std::to_string(rng() % 100); };
  auto date = [&] { return "2001-0" + std::to_string(1 + rng() % 9) + "-1" + std::to_string(rng() % 10); };
  Fixture f;
  for (const char* name : {"v", "n", "d"}) {
    FieldSpec spec;
    spec.name = name;
    f.rules.fields.push_back(spec);
    f.fields.fields.emplace_back(name);
  }
  const RowId rows = 300;
  std::vector<std::string> values;
  for (RowId r = 0; r < rows; ++r) {
    if (rng() % 12 == 0) {
      f.fields.fields[0].AppendNull();
    } else {
      values.push_back(variant(stems[rng() % stems.size()]));
      f.fields.fields[0].Append(values.back());
    }
    f.fields.fields[1].Append(rng() % 12 == 0 ? "?" : number());
    f.fields.fields[2].Append(date());
  }
  // The metrics, to the bit.
  for (size_t i = 0; i < values.size(); ++i) {
    const std::string& x = values[i];
    const std::string& y = values[(i * 7 + 3) % values.size()];
    ASSERT_EQ(JaroSimilarity(x, y), JaroSimilarity(y, x)) << x << " / " << y;
    ASSERT_EQ(JaroWinklerSimilarity(x, y), JaroWinklerSimilarity(y, x)) << x << " / " << y;
    ASSERT_EQ(LevenshteinDistance(x, y, 3), LevenshteinDistance(y, x, 3)) << x << " / " << y;
    ASSERT_EQ(OsaDistance(x, y, 3), OsaDistance(y, x, 3)) << x << " / " << y;
    ASSERT_EQ(TokenJaccard(x, y), TokenJaccard(y, x)) << x << " / " << y;
    ASSERT_EQ(QgramJaccard(x, y), QgramJaccard(y, x)) << x << " / " << y;
  }
  ComparisonSpec strings;
  strings.name = "strings";
  strings.field = "v";
  strings.levels = {Level(Predicate::kExact, 0, "exact"), Level(Predicate::kDamerauLevenshtein, 1, "osa1"),
                    Level(Predicate::kJaroWinkler, 0.9, "jw90"), Level(Predicate::kLevenshtein, 3, "lev3"),
                    Level(Predicate::kJaro, 0.7, "jaro70")};
  ComparisonSpec fine;  // thresholds between every step a few characters make
  fine.name = "fine";
  fine.field = "v";
  for (int k = 98; k >= 59; k -= 3) fine.levels.push_back(Level(Predicate::kJaroWinkler, k / 100.0, "jw" + std::to_string(k)));
  ComparisonSpec tokens;
  tokens.name = "tokens";
  tokens.field = "v";
  tokens.levels = {Level(Predicate::kJaccard, 0.5, "j50"), Level(Predicate::kQgramJaccard, 0.6, "q60"),
                   Level(Predicate::kQgramJaccard, 0.3, "q30")};
  ComparisonSpec numbers;
  numbers.name = numbers.field = "n";
  numbers.levels = {Level(Predicate::kNumericDiff, 1, "1"), Level(Predicate::kRelativeDiff, 0.1, "10%")};
  ComparisonSpec dates;
  dates.name = dates.field = "d";
  dates.levels = {Level(Predicate::kExact, 0, "exact"), Level(Predicate::kDateDiffDays, 10, "10 days")};
  f.rules.comparisons = {strings, fine, tokens, numbers, dates};
  Result<Comparisons> comps = Comparisons::Build(f.rules, f.fields);
  ASSERT_TRUE(comps.ok()) << comps.status().message();
  const size_t nc = comps->size();
  std::vector<RowId> bs;
  std::vector<uint8_t> forward, back(8 * nc);
  for (RowId a = 0; a < rows; a += 3) {
    bs.clear();
    const size_t n = 1 + rng() % 80;
    for (size_t i = 0; i < n; ++i) bs.push_back(static_cast<RowId>(rng() % rows));
    forward.resize(bs.size() * nc);
    comps->GammaOneToMany(a, bs, forward.data());
    for (size_t i = 0; i < bs.size(); ++i) {
      // From b's side: alone (pairwise) and among partners enough for the prepared batch path.
      const std::vector<RowId> alone = {a}, several = {a, bs[(i + 1) % bs.size()], a, bs[(i + 2) % bs.size()], a};
      for (const std::vector<RowId>* partners : {&alone, &several}) {
        comps->GammaOneToMany(bs[i], *partners, back.data());
        for (size_t c = 0; c < nc; ++c) {
          ASSERT_EQ(forward[i * nc + c], back[c]) << "comparison " << c << " rows " << a << ", " << bs[i];
          ASSERT_EQ(comps->Level(c, a, bs[i]), comps->Level(c, bs[i], a)) << "comparison " << c;
        }
      }
    }
  }
}

// Short values are held in the slot itself and long ones in an arena: at every slot width and
// every length around its boundary, Value() gives the bytes back, ValueHash() is XXH3 of them,
// and ValuesEqual() and the exact level tell apart values that differ in any single byte
// (including bytes 4-7 and 8-11, the slot's upper words, and a trailing NUL against padding).
TEST(ComparisonTest, ShortAndLongValuesCompareExactly) {
  for (int width : {8, 12, 16}) {
    SCOPED_TRACE("slot bytes " + std::to_string(width));
    Fixture f;
    FieldSpec spec;
    spec.name = "v";
    f.rules.fields.push_back(spec);
    f.fields.fields.emplace_back("v");
    std::vector<std::string> values;
    for (size_t n = 0; n <= 20; ++n) {
      const std::string base(n, 'a');
      values.push_back(base);
      for (size_t i = 0; i < n; ++i) {
        std::string v = base;
        v[i] = 'b';
        values.push_back(v);
      }
      values.push_back(base + std::string(1, '\0'));  // one byte longer, the byte padding holds
    }
    values.push_back(values[5]);  // equal values in two rows
    values.push_back(values[40]);
    for (const std::string& v : values) f.fields.fields[0].Append(v);
    f.fields.fields[0].AppendNull();
    ComparisonSpec exact;
    exact.name = exact.field = "v";
    exact.levels = {Level(Predicate::kExact, 0, "exact")};
    f.rules.comparisons = {exact};
    Result<Comparisons> comps = Comparisons::Build(f.rules, f.fields, width);
    ASSERT_TRUE(comps.ok());
    ASSERT_EQ(comps->slot_bytes(0), width);
    const RowId null_row = static_cast<RowId>(values.size());
    EXPECT_TRUE(comps->IsNull(0, null_row));
    EXPECT_EQ(comps->ValueHash(0, null_row), 0u);
    for (RowId a = 0; a < values.size(); ++a) {
      ASSERT_FALSE(comps->IsNull(0, a));
      ASSERT_EQ(comps->Value(0, a), values[a]) << "row " << a;
      ASSERT_EQ(comps->ValueHash(0, a), XXH3_64bits(values[a].data(), values[a].size())) << "row " << a;
      for (RowId b = 0; b < values.size(); ++b) {
        const bool equal = values[a] == values[b];
        ASSERT_EQ(comps->ValuesEqual(0, a, b), equal) << "rows " << a << ", " << b;
        ASSERT_EQ(comps->Level(0, a, b), equal ? 1 : 2) << "rows " << a << ", " << b;
      }
    }
  }
}

// Build chooses per comparison the slot width that takes least memory with the long values'
// bytes: 8 for values of at most 7 bytes and for a field of long values read in place (e-mails),
// 12 for 8-11 bytes (dates), 16 for 12-15 bytes, and 12 rather than 8 when a value is 64 KiB
// or longer (8 bytes hold a long value's length in two); forcing 8 then gives 12 too.
TEST(ComparisonTest, SlotWidthIsTheSmallestInMemory) {
  Fixture f;
  const std::vector<std::string> names = {"short", "date", "phone", "email", "huge"};
  for (const std::string& name : names) {
    FieldSpec spec;
    spec.name = name;
    f.rules.fields.push_back(spec);
    f.fields.fields.emplace_back(name);
    ComparisonSpec comp;
    comp.name = comp.field = name;
    comp.levels = {Level(Predicate::kExact, 0, "exact"), Level(Predicate::kJaroWinkler, 0.9, "jw90")};
    f.rules.comparisons.push_back(comp);
  }
  const RowId rows = 1000;
  for (RowId r = 0; r < rows; ++r) {
    const std::string n = std::to_string(100000 + r);
    f.fields.fields[0].Append(r % 10 == 0 ? "alexandrina" : "ann");
    f.fields.fields[1].Append("1980-" + n.substr(2, 2) + "-" + n.substr(4, 2));
    f.fields.fields[2].Append("4420" + n + "99");
    f.fields.fields[3].Append("someone." + n + "@example.com");
    f.fields.fields[4].Append(r == 500 ? std::string(70000, 'z') : n.substr(0, 5));
  }
  Result<Comparisons> comps = Comparisons::Build(f.rules, f.fields);
  ASSERT_TRUE(comps.ok());
  EXPECT_EQ(comps->slot_bytes(0), 8);
  EXPECT_EQ(comps->slot_bytes(1), 12);
  EXPECT_EQ(comps->slot_bytes(2), 16);
  EXPECT_EQ(comps->slot_bytes(3), 8);
  EXPECT_EQ(comps->slot_bytes(4), 12);
  EXPECT_EQ(comps->row_bytes(), 8u + 12 + 16 + 8 + 12);
  // The names' long values are copied; the e-mails, and the field whose one huge value is most
  // of its text, are read in place.
  EXPECT_EQ(comps->FieldsRead(), (std::vector<bool>{false, false, false, true, true}));
  Result<Comparisons> forced = Comparisons::Build(f.rules, f.fields, 8);
  ASSERT_TRUE(forced.ok());
  for (size_t c = 0; c < 4; ++c) EXPECT_EQ(forced->slot_bytes(c), 8);
  EXPECT_EQ(forced->slot_bytes(4), 12);
  EXPECT_EQ(forced->Value(4, 500), std::string(70000, 'z'));
  EXPECT_EQ(forced->Value(4, 499), "10049");
}

// Every slot width gives the same values, hashes, equality and levels (pairwise and one against
// many) as the 16-byte slots, on random values of 0 to 40 bytes (around every width's inline
// limit), non-ASCII text and nulls, with levels of every string metric.
TEST(ComparisonTest, EverySlotWidthGivesTheSameLevels) {
  std::mt19937_64 rng(5);
  Fixture f;
  FieldSpec spec;
  spec.name = "v";
  f.rules.fields.push_back(spec);
  f.fields.fields.emplace_back("v");
  const std::string alphabet = "abcab0123-ü";
  std::vector<std::string> pool;
  for (int i = 0; i < 60; ++i) {
    std::string v;
    const size_t len = rng() % 41;
    while (v.size() < len) v += alphabet[rng() % alphabet.size()];
    pool.push_back(v);
  }
  const RowId rows = 300;
  for (RowId r = 0; r < rows; ++r) {
    if (rng() % 12 == 0) {
      f.fields.fields[0].AppendNull();
      continue;
    }
    std::string v = pool[rng() % pool.size()];
    if (!v.empty() && rng() % 3 == 0) v[rng() % v.size()] = 'x';
    f.fields.fields[0].Append(v);
  }
  ComparisonSpec strings;
  strings.name = "strings";
  strings.field = "v";
  strings.levels = {Level(Predicate::kExact, 0, "exact"), Level(Predicate::kDamerauLevenshtein, 1, "osa1"),
                    Level(Predicate::kJaroWinkler, 0.9, "jw90"), Level(Predicate::kLevenshtein, 3, "lev3"),
                    Level(Predicate::kJaro, 0.7, "jaro70"), Level(Predicate::kQgramJaccard, 0.5, "q50")};
  ComparisonSpec within_one;
  within_one.name = "within_one";
  within_one.field = "v";
  within_one.levels = {Level(Predicate::kExact, 0, "exact"), Level(Predicate::kDamerauLevenshtein, 1, "osa1")};
  f.rules.comparisons = {strings, within_one};
  Result<Comparisons> wide = Comparisons::Build(f.rules, f.fields, 16);
  ASSERT_TRUE(wide.ok());
  std::vector<RowId> bs;
  for (RowId b = 0; b < rows; ++b) bs.push_back(b);
  // Under a memory limit the slots are in a spill area's region: the same again, read from
  // the file after the pages are dropped.
  Result<std::shared_ptr<SpillArea>> area = SpillArea::Open(std::filesystem::temp_directory_path().string());
  ASSERT_TRUE(area.ok()) << area.status().ToString();
  for (const auto& [width, spill] : {std::pair{8, false}, std::pair{12, false}, std::pair{0, false}, std::pair{8, true},
                                     std::pair{16, true}, std::pair{0, true}}) {
    SCOPED_TRACE("slot bytes " + std::to_string(width) + (spill ? ", spilled" : ""));
    Result<Comparisons> comps = Comparisons::Build(f.rules, f.fields, width, spill ? *area : nullptr);
    ASSERT_TRUE(comps.ok());
    if (spill) (*area)->Evict();
    for (size_t c = 0; c < comps->size(); ++c) {
      for (RowId a = 0; a < rows; ++a) {
        ASSERT_EQ(comps->IsNull(c, a), wide->IsNull(c, a));
        ASSERT_EQ(comps->Value(c, a), wide->Value(c, a));
        ASSERT_EQ(comps->ValueHash(c, a), wide->ValueHash(c, a));
        if (a % 5 != 0) continue;
        std::optional<PreparedString> prepared;
        if (!comps->IsNull(c, a)) prepared.emplace(comps->Value(c, a));
        std::vector<uint8_t> levels(bs.size()), unprepared(bs.size());
        comps->LevelsOneToMany(c, a, bs, prepared ? &*prepared : nullptr, levels.data());
        comps->LevelsOneToMany(c, a, bs, nullptr, unprepared.data());
        for (RowId b = 0; b < rows; ++b) {
          const int level = wide->Level(c, a, b);
          ASSERT_EQ(comps->Level(c, a, b), level) << "comparison " << c << " rows " << a << ", " << b;
          ASSERT_EQ(levels[b], level) << "comparison " << c << " rows " << a << ", " << b;
          ASSERT_EQ(unprepared[b], level) << "comparison " << c << " rows " << a << ", " << b;
          if (!comps->IsNull(c, a) && !comps->IsNull(c, b)) {
            ASSERT_EQ(comps->ValuesEqual(c, a, b), comps->Value(c, a) == comps->Value(c, b));
          }
        }
      }
    }
  }
}

// Rows of a field of short values (names, with term frequencies), one mostly of long values
// (e-mails), dates and numbers (some unparseable), a tenth of each null.
void MixedFieldsFixture(std::mt19937_64& rng, RowId rows, Fixture* f) {
  for (const char* name : {"name", "email", "dob", "amount"}) {
    FieldSpec spec;
    spec.name = name;
    f->rules.fields.push_back(spec);
    f->fields.fields.emplace_back(name);
  }
  const char* names[] = {"martha", "marhta", "xavier", "jo", "christopher-alexander", "ann"};
  for (RowId r = 0; r < rows; ++r) {
    auto maybe_null = [&](int f_index, const std::string& v) {
      if (rng() % 10 == 0) f->fields.fields[f_index].AppendNull(); else f->fields.fields[f_index].Append(v);
    };
    maybe_null(0, names[rng() % 6]);
    std::string mail = std::string(names[rng() % 6]) + "." + std::to_string(rng() % 7) + "@example-mail.org";
    if (rng() % 4 == 0) mail[rng() % mail.size()] = 'q';
    maybe_null(1, mail);
    char date[16];
    std::snprintf(date, sizeof date, "19%02d-%02d-%02d", static_cast<int>(rng() % 90 + 10),
                  static_cast<int>(rng() % 12 + 1), static_cast<int>(rng() % 28 + 1));
    maybe_null(2, date);
    maybe_null(3, rng() % 9 == 0 ? "n/a" : std::to_string(rng() % 500));
  }
  ComparisonSpec name, email, dob, amount;
  name.name = name.field = "name";
  name.tf_adjust = true;
  name.levels = {Level(Predicate::kExact, 0, "exact"), Level(Predicate::kJaroWinkler, 0.9, "jw90")};
  email.name = email.field = "email";
  email.levels = {Level(Predicate::kExact, 0, "exact"), Level(Predicate::kLevenshtein, 2, "lev2")};
  dob.name = dob.field = "dob";
  dob.levels = {Level(Predicate::kExact, 0, "exact"), Level(Predicate::kDateDiffDays, 40, "40 days")};
  amount.name = amount.field = "amount";
  amount.levels = {Level(Predicate::kNumericDiff, 5, "within 5")};
  f->rules.comparisons = {name, email, dob, amount};
}

// Comparisons::Gather (a partition's rows, docs/performance.md "Scoring in partitions") gives
// rows 0, 1, ... the values, nulls, hashes and levels of the rows they stand for, for a field of
// short values, one mostly of long values (read in place by the table's object, copied by the
// gathered one), dates and numbers, at every slot width, spilled or not; TermFrequencies::Gather
// and a Scorer over the gathered rows give the table's weights.
TEST(ComparisonTest, GatheredRowsGiveTheSameLevelsAndWeights) {
  std::mt19937_64 rng(29);
  Fixture f;
  const RowId rows = 400;
  MixedFieldsFixture(rng, rows, &f);
  // The partition: every third row, in a shuffled order, and by_row its indices by row.
  std::vector<RowId> local_rows;
  for (RowId r = 0; r < rows; r += 3) local_rows.push_back(r);
  std::shuffle(local_rows.begin(), local_rows.end(), rng);
  std::vector<uint32_t> by_row(local_rows.size());
  for (uint32_t i = 0; i < by_row.size(); ++i) by_row[i] = i;
  std::sort(by_row.begin(), by_row.end(), [&](uint32_t x, uint32_t y) { return local_rows[x] < local_rows[y]; });
  Result<std::shared_ptr<SpillArea>> area = SpillArea::Open(std::filesystem::temp_directory_path().string());
  ASSERT_TRUE(area.ok()) << area.status().ToString();
  for (const auto& [width, spill] : {std::pair{8, false}, std::pair{16, false}, std::pair{0, false}, std::pair{0, true}}) {
    SCOPED_TRACE("slot bytes " + std::to_string(width) + (spill ? ", spilled" : ""));
    Result<Comparisons> table = Comparisons::Build(f.rules, f.fields, width, spill ? *area : nullptr);
    ASSERT_TRUE(table.ok());
    ASSERT_TRUE(table->CanGather());
    ASSERT_TRUE(table->FieldsRead()[1]) << "the e-mails are mostly long values, read in place";
    // At width 16, a partial gather: a fifth of the local ids are in no pair and left out.
    std::vector<uint32_t> gathered_ids;
    for (uint32_t i : by_row) {
      if (width != 16 || i % 5 != 0) gathered_ids.push_back(i);
    }
    std::vector<bool> gathered(local_rows.size(), false);
    for (uint32_t i : gathered_ids) gathered[i] = true;
    const Comparisons local = table->Gather(local_rows, gathered_ids);
    ASSERT_EQ(local.num_rows(), local_rows.size());
    if (spill) (*area)->Evict();
    const TermFrequencies tf = TermFrequencies::Build(*table);
    ASSERT_TRUE(tf.enabled(0));
    const TermFrequencies local_tf = tf.Gather(local_rows, gathered_ids, table->num_rows());
    Model model;
    for (size_t c = 0; c < table->size(); ++c) {
      ComparisonParams params;
      params.name = table->spec(c).name;
      for (int l = 0; l < table->num_levels(c); ++l) {
        LevelParams level;
        level.m = l == 0 ? 1 : 0.9 / (l + 1);
        level.u = l == 0 ? 1 : 0.3 / (table->num_levels(c) - l);
        params.levels.push_back(level);
      }
      model.comparisons.push_back(params);
    }
    model.prior = 0.01;
    const Scorer scorer(model, *table, tf);
    const Scorer local_scorer(scorer, local, local_tf);
    std::vector<RowId> bs;
    for (RowId b = 0; b < local_rows.size(); ++b) {
      if (gathered[b]) bs.push_back(b);
    }
    std::vector<uint8_t> gamma(table->size()), local_gamma(table->size());
    for (RowId a = 0; a < local_rows.size(); ++a) {
      if (!gathered[a]) continue;
      const RowId ga = local_rows[a];
      for (size_t c = 0; c < table->size(); ++c) {
        ASSERT_EQ(local.IsNull(c, a), table->IsNull(c, ga));
        ASSERT_EQ(local.Value(c, a), table->Value(c, ga));
        ASSERT_EQ(local.ValueHash(c, a), table->ValueHash(c, ga));
        ASSERT_EQ(local_tf.Frequency(c, a), tf.Frequency(c, ga));
        std::optional<PreparedString> prepared;
        if (!local.IsNull(c, a)) prepared.emplace(local.Value(c, a));
        std::vector<uint8_t> levels(bs.size());
        local.LevelsOneToMany(c, a, bs, prepared ? &*prepared : nullptr, levels.data());
        for (size_t x = 0; x < bs.size(); ++x) {
          const RowId b = bs[x];
          const int level = table->Level(c, ga, local_rows[b]);
          ASSERT_EQ(local.Level(c, a, b), level) << "comparison " << c << " rows " << a << ", " << b;
          ASSERT_EQ(levels[x], level) << "comparison " << c << " rows " << a << ", " << b;
          if (!local.IsNull(c, a) && !local.IsNull(c, b)) {
            ASSERT_EQ(local.ValuesEqual(c, a, b), table->ValuesEqual(c, ga, local_rows[b]));
          }
        }
      }
      for (size_t x = 0; x < bs.size(); x += 7) {
        const RowId b = bs[x];
        table->Gamma(ga, local_rows[b], gamma.data());
        local.Gamma(a, b, local_gamma.data());
        ASSERT_EQ(local_gamma, gamma);
        ASSERT_EQ(local_scorer.Weight(a, b, local_gamma.data()), scorer.Weight(ga, local_rows[b], gamma.data()));
      }
    }
    EXPECT_GT(local.unparseable_values(3), 0u);
  }
}

// Comparisons::Build with slot_of (a run with a saved model builds its comparisons in the
// locality order at once, src/pipeline/run.cc) gives each renamed row the values, nulls, hashes,
// parsed numbers, levels and term frequencies of the field row it stands for, at every slot width.
TEST(ComparisonTest, ARenamedBuildGivesEachRowItsFieldRowsLevels) {
  std::mt19937_64 rng(31);
  Fixture f;
  const RowId rows = 300;
  MixedFieldsFixture(rng, rows, &f);
  std::vector<RowId> slot_of(rows), field_row(rows);
  for (RowId r = 0; r < rows; ++r) field_row[r] = r;
  std::shuffle(field_row.begin(), field_row.end(), rng);
  for (RowId i = 0; i < rows; ++i) slot_of[field_row[i]] = i;
  for (int width : {8, 12, 16, 0}) {
    SCOPED_TRACE("slot bytes " + std::to_string(width));
    Result<Comparisons> table = Comparisons::Build(f.rules, f.fields, width);
    Result<Comparisons> renamed = Comparisons::Build(f.rules, f.fields, width, nullptr, slot_of);
    ASSERT_TRUE(table.ok() && renamed.ok());
    ASSERT_EQ(renamed->num_rows(), rows);
    ASSERT_EQ(renamed->FieldsRead(), table->FieldsRead());
    const TermFrequencies tf = TermFrequencies::Build(*table);
    const TermFrequencies renamed_tf = TermFrequencies::FromTables(*renamed, tf.tables());
    ASSERT_TRUE(renamed_tf.enabled(0));
    for (size_t c = 0; c < table->size(); ++c) {
      ASSERT_EQ(renamed->unparseable_values(c), table->unparseable_values(c));
      for (RowId a = 0; a < rows; ++a) {
        const RowId ta = field_row[a];
        ASSERT_EQ(renamed->IsNull(c, a), table->IsNull(c, ta));
        ASSERT_EQ(renamed->Value(c, a), table->Value(c, ta));
        ASSERT_EQ(renamed->ValueHash(c, a), table->ValueHash(c, ta));
        ASSERT_EQ(renamed_tf.Frequency(c, a), tf.Frequency(c, ta));
        if (a % 3 != 0) continue;
        for (RowId b = 0; b < rows; ++b) {
          ASSERT_EQ(renamed->Level(c, a, b), table->Level(c, ta, field_row[b]))
              << "comparison " << c << " rows " << a << ", " << b;
        }
      }
    }
    EXPECT_GT(renamed->unparseable_values(3), 0u);
  }
}

// A comparison whose levels are exact and damerau_levenshtein <= 1 (or <= 0) decides unequal
// values by OsaWithinOne, in LevelsOneToMany with and without row a prepared and in Level();
// every path gives the level the OSA kernel's distance gives, on phone-like values one edit
// apart, further apart, null, non-ASCII and longer than the cap.
TEST(ComparisonTest, OsaWithinOneLevelsEqualTheKernel) {
  std::mt19937_64 rng(16);
  Fixture f;
  FieldSpec spec;
  spec.name = "phone";
  f.rules.fields.push_back(spec);
  f.fields.fields.emplace_back("phone");
  std::vector<std::string> values;
  const RowId rows = 300;
  for (RowId r = 0; r < rows; ++r) {
    std::string v;
    if (r % 5 != 0 && !values.empty()) {
      v = values[rng() % values.size()];
    } else {
      for (int i = 0; i < 11; ++i) v += static_cast<char>('0' + rng() % 10);
    }
    switch (rng() % 7) {
      case 0: if (!v.empty()) v[rng() % v.size()] = static_cast<char>('0' + rng() % 10); break;
      case 1: v.insert(rng() % (v.size() + 1), 1, '7'); break;
      case 2: if (!v.empty()) v.erase(rng() % v.size(), 1); break;
      case 3: if (v.size() > 1) { const size_t p = rng() % (v.size() - 1); std::swap(v[p], v[p + 1]); } break;
      case 4: if (rng() % 4 == 0) v += "\xC3\xA9"; else if (rng() % 4 == 0) v += std::string(260, '5'); break;
      default: break;
    }
    values.push_back(v);
    if (rng() % 12 == 0) f.fields.fields[0].AppendNull(); else f.fields.fields[0].Append(v);
  }
  ComparisonSpec one, zero;
  one.name = one.field = zero.field = "phone";
  zero.name = "phone0";
  one.levels = {Level(Predicate::kExact, 0, "exact"), Level(Predicate::kDamerauLevenshtein, 1, "osa1")};
  zero.levels = {Level(Predicate::kDamerauLevenshtein, 0, "osa0")};
  f.rules.comparisons = {one, zero};
  Result<Comparisons> comps = Comparisons::Build(f.rules, f.fields);
  ASSERT_TRUE(comps.ok());
  auto expected = [&](size_t c, RowId a, RowId b) {
    if (comps->IsNull(c, a) || comps->IsNull(c, b)) return 0;
    const std::string_view va = comps->Value(c, a), vb = comps->Value(c, b);
    if (c == 0) return va == vb ? 1 : OsaDistance(va, vb, 1) <= 1 ? 2 : 3;
    return OsaDistance(va, vb, 1) == 0 ? 1 : 2;
  };
  std::vector<RowId> bs;
  size_t within_one = 0;
  for (RowId a = 0; a < rows; ++a) {
    bs.clear();
    for (RowId b = 0; b < rows; b += 1 + static_cast<RowId>(rng() % 3)) bs.push_back(b);
    for (size_t c = 0; c < comps->size(); ++c) {
      std::optional<PreparedString> prepared;
      if (!comps->IsNull(c, a)) prepared.emplace(comps->Value(c, a));
      std::vector<uint8_t> batch(bs.size()), pairwise(bs.size());
      comps->LevelsOneToMany(c, a, bs, prepared ? &*prepared : nullptr, batch.data());
      comps->LevelsOneToMany(c, a, bs, nullptr, pairwise.data());
      for (size_t i = 0; i < bs.size(); ++i) {
        const int want = expected(c, a, bs[i]);
        within_one += c == 0 && want == 2;
        ASSERT_EQ(batch[i], want) << "comparison " << c << " rows " << a << ", " << bs[i];
        ASSERT_EQ(pairwise[i], want) << "comparison " << c << " rows " << a << ", " << bs[i];
        ASSERT_EQ(comps->Level(c, a, bs[i]), want) << "comparison " << c << " rows " << a << ", " << bs[i];
      }
    }
  }
  EXPECT_GT(within_one, 500u);
}

TEST(ComparisonTest, TermFrequencyMakesCommonValuesCountLess) {
  Fixture f = Make();
  Result<Comparisons> comps = Comparisons::Build(f.rules, f.fields);
  ASSERT_TRUE(comps.ok());
  TermFrequencies tf = TermFrequencies::Build(*comps);
  ASSERT_TRUE(tf.enabled(0));
  EXPECT_FALSE(tf.enabled(1));
  EXPECT_DOUBLE_EQ(tf.Frequency(0, 0), 0.5);   // "martha": 2 of 4 non-null values
  EXPECT_DOUBLE_EQ(tf.Frequency(0, 4), 0.25);  // "xavier"
  EXPECT_DOUBLE_EQ(tf.Frequency(0, 3), 0.0);   // null
  Model model = ModelSkeleton(f.rules, *comps);
  model.prior = 0.01;
  for (ComparisonParams& cp : model.comparisons) {
    for (size_t l = 1; l < cp.levels.size(); ++l) {
      cp.levels[l].m = 0.5;
      cp.levels[l].u = 0.1;
    }
  }
  uint8_t gamma[kMaxComparisons] = {1, 0, 0};  // exact on name, nulls elsewhere
  double weights[kMaxComparisons];
  const double w = PairWeight(model, *comps, tf, 0, 2, gamma, weights);
  // Exact on a value held by half the records: u = 0.5 instead of 0.1.
  EXPECT_DOUBLE_EQ(weights[0], std::log2(0.5 / 0.5));
  EXPECT_DOUBLE_EQ(weights[1], 0.0);
  EXPECT_DOUBLE_EQ(w, std::log2(0.01 / 0.99) + weights[0]);
  gamma[0] = 2;  // a fuzzy level is not TF-adjusted
  PairWeight(model, *comps, tf, 0, 1, gamma, weights);
  EXPECT_DOUBLE_EQ(weights[0], std::log2(0.5 / 0.1));
}

// The TF-adjusted weight, looked up by the two rows' frequency ranks, is exactly
// log2(m / max(f_a, f_b, one record)) for every pair of rows: values of many different counts
// (and tied ones), nulls, and frequencies from another table where some values are missing.
TEST(ComparisonTest, TermFrequencyWeightEqualsTheFormulaForEveryPair) {
  Fixture f;
  FieldSpec spec;
  spec.name = "name";
  f.rules.fields.push_back(spec);
  f.fields.fields.emplace_back("name");
  std::mt19937 rng(7);
  for (int r = 0; r < 400; ++r) {
    if (r % 17 == 0) f.fields.fields[0].AppendNull();
    else f.fields.fields[0].Append("v" + std::to_string(rng() % 40 < 20 ? rng() % 5 : rng() % 150));
  }
  ComparisonSpec name;
  name.name = name.field = "name";
  name.levels = {Level(Predicate::kExact, 0, "exact"), Level(Predicate::kJaroWinkler, 0.9, "jw90")};
  name.tf_adjust = true;
  f.rules.comparisons = {name};
  Result<Comparisons> comps = Comparisons::Build(f.rules, f.fields);
  ASSERT_TRUE(comps.ok());
  Model model = ModelSkeleton(f.rules, *comps);
  model.comparisons[0].levels[1].m = 0.9;
  TermFrequencies own = TermFrequencies::Build(*comps);
  std::vector<TfTable> other = own.tables();
  other[0].counts.resize(other[0].counts.size() / 2);  // the other half of the values: frequency 0
  other[0].rows = 1000;
  other[0].non_null = 900;
  // The other table read both ways (a hash map of it, and the walk along it) gives the same.
  const TermFrequencies mapped = TermFrequencies::FromTables(*comps, other);
  const TermFrequencies walked = TermFrequencies::FromTables(*comps, other, 0);
  for (RowId r = 0; r < 400; ++r) {
    ASSERT_EQ(mapped.Frequency(0, r), walked.Frequency(0, r)) << r;
    ASSERT_EQ(mapped.Rank(0, r), walked.Rank(0, r)) << r;
  }
  EXPECT_EQ(mapped.Frequencies(0), walked.Frequencies(0));
  for (const TermFrequencies& tf : {own, mapped, walked}) {
    const Scorer scorer(model, *comps, tf);
    const double floor = 1.0 / static_cast<double>(tf.counted_rows() ? tf.counted_rows() : comps->num_rows());
    for (RowId a = 0; a < 400; ++a) {
      for (RowId b = 0; b < 400; ++b) {
        const double want = std::log2(0.9 / std::max({tf.Frequency(0, a), tf.Frequency(0, b), floor}));
        ASSERT_EQ(scorer.LevelWeight(0, 1, a, b), want) << a << " " << b;
      }
    }
  }
}

}  // namespace
}  // namespace reclink
