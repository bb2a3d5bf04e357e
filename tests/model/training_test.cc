// Training on degenerate data: a constant field, an all-null field, one record, two identical
// records, numbers and dates that do not parse, values past the string-metric cap, no candidate
// pairs. Every m and u must come out a finite probability in (0, 1] with a finite weight, the
// degenerate fields must be named in the warnings, and nothing may crash or hang.
#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "model_test_data.h"
#include "reclink/comparison.h"
#include "reclink/model.h"

namespace reclink {
namespace {

using testing::Trained;
using testing::Train;

bool HasWarning(const Model& model, const std::string& text) {
  for (const std::string& w : model.warnings)
    if (w.find(text) != std::string::npos) return true;
  return false;
}

void ExpectFiniteProbabilities(const Model& model) {
  for (const ComparisonParams& cp : model.comparisons) {
    for (size_t l = 1; l < cp.levels.size(); ++l) {
      const LevelParams& lp = cp.levels[l];
      SCOPED_TRACE(cp.name + " level " + lp.label);
      EXPECT_TRUE(std::isfinite(lp.m) && lp.m > 0 && lp.m <= 1) << lp.m << " " << lp.m_source;
      EXPECT_TRUE(std::isfinite(lp.u) && lp.u > 0 && lp.u <= 1) << lp.u << " " << lp.u_source;
      EXPECT_TRUE(std::isfinite(lp.Weight()));
    }
  }
  EXPECT_TRUE(model.prior > 0 && model.prior < 1) << model.prior;
}

// Every record has the same name: the exact level's u is 1, and the fuzzy and else levels never
// occur. Their u was 0 (weight infinite, written as null, refused by --model).
TEST(TrainingTest, ConstantFieldGivesFiniteWeightsAndAWarning) {
  std::vector<testing::Row> rows;
  for (int i = 0; i < 40; ++i) rows.push_back({"smith", "london", std::to_string(20 + i % 7), "1980-01-0" + std::to_string(1 + i % 9)});
  Trained t = Train(rows);
  ASSERT_TRUE(t.status.ok()) << t.status.ToString();
  ExpectFiniteProbabilities(t.model);
  EXPECT_TRUE(HasWarning(t.model, "field 'name' is the same in every record")) << ::testing::PrintToString(t.model.warnings);
  EXPECT_FALSE(HasWarning(t.model, "field 'age' is the same"));
}

TEST(TrainingTest, AllNullFieldIsNamedAndGivesNoEvidence) {
  std::vector<testing::Row> rows;
  for (int i = 0; i < 30; ++i) rows.push_back({std::nullopt, "london", std::to_string(20 + i % 3), std::nullopt});
  Trained t = Train(rows);
  ASSERT_TRUE(t.status.ok()) << t.status.ToString();
  ExpectFiniteProbabilities(t.model);
  EXPECT_TRUE(HasWarning(t.model, "field 'name' has a value in 0 of 30 records"));
  EXPECT_TRUE(HasWarning(t.model, "comparison 'name': no candidate pair has both values non-null"));
  // The blocking rule is on city, not name: the old message blamed the blocking rules.
  EXPECT_FALSE(HasWarning(t.model, "comparison 'name': every blocking rule blocks on its field"));
}

TEST(TrainingTest, TwoIdenticalRecords) {
  Trained t = Train({{"anna", "london", "30", "1980-01-01"}, {"anna", "london", "30", "1980-01-01"}});
  ASSERT_TRUE(t.status.ok()) << t.status.ToString();
  ExpectFiniteProbabilities(t.model);
  EXPECT_TRUE(HasWarning(t.model, "field 'name' is the same in every record"));
}

TEST(TrainingTest, OneRecordHasNoCandidatePairsAndSaysSo) {
  Trained t = Train({{"anna", "london", "30", "1980-01-01"}});
  EXPECT_EQ(t.status.code(), StatusCode::kInvalidInput);
  EXPECT_NE(t.status.message().find("no candidate pairs"), std::string::npos);
  EXPECT_TRUE(HasWarning(t.model, "field 'name' has a value in 1 of 1 records"));
}

TEST(TrainingTest, NoCandidatePairsIsAnErrorNotACrash) {
  std::vector<testing::Row> rows;
  for (int i = 0; i < 10; ++i) rows.push_back({"n" + std::to_string(i), "city" + std::to_string(i), "30", "1980-01-01"});
  Trained t = Train(rows);
  EXPECT_EQ(t.status.code(), StatusCode::kInvalidInput);
  EXPECT_FALSE(t.status.hint().empty());
}

// Non-numbers ("abc", "nan", "inf", out of range) and non-dates never meet numeric_diff and
// date_diff_days levels, and are counted and named.
TEST(TrainingTest, UnparseableNumbersAndDatesAreCountedAndNamed) {
  const char* ages[] = {"abc", "nan", "inf", "-inf", "1e400", "0x10", "30", "31", "32", "33"};
  const char* dobs[] = {"notadate", "2020-02-31x", "9999-99-99", "2020-01-01", "2020-01-02"};
  std::vector<testing::Row> rows;
  for (int i = 0; i < 40; ++i) rows.push_back({"n" + std::to_string(i % 5), "london", ages[i % 10], dobs[i % 5]});
  Trained t = Train(rows);
  ASSERT_TRUE(t.status.ok()) << t.status.ToString();
  ExpectFiniteProbabilities(t.model);
  ASSERT_TRUE(t.comps.has_value());
  EXPECT_EQ(t.comps->unparseable_values(1), 24u);  // 6 of every 10 ages
  EXPECT_EQ(t.comps->unparseable_values(2), 24u);  // 3 of every 5 dates (2020-02-31x too)
  EXPECT_TRUE(HasWarning(t.model, "field 'age' has 24 non-null values that are not finite numbers"));
  EXPECT_TRUE(HasWarning(t.model, "field 'dob' has 24 non-null values that are not YYYY-MM-DD dates"));
  // "inf" against "inf" is no numeric match (it used to be |inf - inf| = NaN, false, too).
  EXPECT_EQ(t.comps->Level(1, 2, 12), 3);  // else
  EXPECT_EQ(t.comps->Level(1, 6, 7), 1);   // 30 and 31
}

// A comparison whose listed levels never occur (nothing is within 1 of anything, no name is
// close to another): m and u of those levels are floored, finite, and round-trip.
TEST(TrainingTest, LevelsThatNeverOccurGetFiniteWeights) {
  std::vector<testing::Row> rows;
  for (int i = 0; i < 30; ++i) {
    rows.push_back({std::string(1, static_cast<char>('a' + i % 26)) + std::to_string(i * 7919), "london",
                    std::to_string(i * 10), "19" + std::to_string(10 + i) + "-01-01"});
  }
  Trained t = Train(rows);
  ASSERT_TRUE(t.status.ok()) << t.status.ToString();
  ExpectFiniteProbabilities(t.model);
}

// Twenty records with megabyte names: without the cap one dedupe took more than 600 s. Every
// pair's similarity is computed on the first 256 code points and counted as capped.
TEST(TrainingTest, MegabyteNamesAreComparedOnTheirPrefixAndCounted) {
  std::vector<testing::Row> rows;
  std::string base(1 << 20, 'x');
  for (size_t i = 0; i < base.size(); ++i) base[i] = static_cast<char>('a' + (i * 2654435761u >> 7) % 8);
  for (int i = 0; i < 20; ++i) {
    std::string name = base;
    name[100 + i] = 'z';           // inside the cap: the pairs differ there
    name[(1 << 19) + i] = 'y';     // past the cap: not seen
    rows.push_back({name, "london", "30", "1980-01-01"});
  }
  Trained t = Train(rows);
  ASSERT_TRUE(t.status.ok()) << t.status.ToString();
  ASSERT_TRUE(t.comps.has_value());
  EXPECT_EQ(t.comps->values_over_cap(0), 20u);
  // 190 pairs: u counts each once instead of drawing 20,000 random pairs among them.
  EXPECT_EQ(t.model.u_sample_pairs, 190u);
  EXPECT_TRUE(HasWarning(t.model, "field 'name' has 20 values longer than 256 code points"));
  const uint64_t before = t.comps->capped_comparisons();
  // Levenshtein of the prefixes is 2 (two substitutions), so level 3 "levenshtein <= 2"; the
  // Jaro-Winkler of two 256-code-point prefixes differing at two places is above 0.9: level 2.
  EXPECT_EQ(t.comps->Level(0, 0, 1), 2);
  std::vector<RowId> partners;
  for (RowId r = 1; r < 20; ++r) partners.push_back(r);
  std::vector<uint8_t> levels(partners.size());
  const PreparedString prepared(t.comps->Value(0, 0));
  t.comps->LevelsOneToMany(0, 0, partners, &prepared, levels.data());
  for (uint8_t level : levels) EXPECT_EQ(level, 2);
  EXPECT_EQ(t.comps->capped_comparisons(), before + 1 + partners.size());
}

// u by hand. Four records, so six pairs, fewer than u_sample_pairs: EstimateU then counts every
// pair. Names anna, anna, anne, zed: (anna, anna) is exact; anna-anne has Jaro-Winkler 0.883
// (three of four letters, prefix "ann"), below 0.9, and Levenshtein 1, so both such pairs are
// "levenshtein <= 2"; the three pairs with zed are "else". Ages 30, 30, 31, 50: three pairs within
// 1 year, none within 5 only, three further apart. A level no pair shows gets half a pair.
TEST(TrainingTest, UOnASmallTableIsTheHandCountedShareOfAllPairs) {
  Trained t = Train({{"anna", "x", "30", std::nullopt},
                     {"anna", "x", "30", std::nullopt},
                     {"anne", "x", "31", std::nullopt},
                     {"zed", "x", "50", std::nullopt}});
  ASSERT_TRUE(t.status.ok()) << t.status.ToString();
  const ComparisonParams& name = t.model.comparisons[0];
  ASSERT_EQ(name.levels.size(), 5u);  // null, exact, jaro_winkler >= 0.9, levenshtein <= 2, else
  EXPECT_DOUBLE_EQ(name.levels[1].u, 1.0 / 6);
  EXPECT_DOUBLE_EQ(name.levels[2].u, 0.5 / 6);
  EXPECT_DOUBLE_EQ(name.levels[3].u, 2.0 / 6);
  EXPECT_DOUBLE_EQ(name.levels[4].u, 3.0 / 6);
  const ComparisonParams& age = t.model.comparisons[1];
  ASSERT_EQ(age.levels.size(), 4u);  // null, numeric_diff <= 1, numeric_diff <= 5, else
  EXPECT_DOUBLE_EQ(age.levels[1].u, 3.0 / 6);
  EXPECT_DOUBLE_EQ(age.levels[2].u, 0.5 / 6);
  EXPECT_DOUBLE_EQ(age.levels[3].u, 3.0 / 6);
  for (const ComparisonParams* cp : {&name, &age}) {
    for (size_t l = 1; l < cp->levels.size(); ++l) EXPECT_FALSE(cp->levels[l].u_source.empty());
  }
}

}  // namespace
}  // namespace reclink

namespace reclink {
namespace {

// Sixty people, each recorded twice (one copy with a typo in the name), in four cities (the
// blocking key): the model's own threshold links every duplicate pair and no other pair, and
// the model expects nearly perfect precision and recall there.
TEST(TrainingTest, TheModelsOwnThresholdSeparatesDuplicatesFromStrangers) {
  const char* cities[] = {"leeds", "york", "hull", "bath"};
  const char* names[] = {"anne", "brian", "clara", "david", "ellen", "frank", "grace", "henry", "irene", "james",
                         "karen", "louis"};
  std::vector<testing::Row> rows;
  for (int p = 0; p < 60; ++p) {
    const std::string name = std::string(names[p % 12]) + " " + names[(p / 12 + 5 * p) % 12] + "son";
    const std::string age = std::to_string(20 + p % 50);
    const std::string dob = "19" + std::to_string(50 + p % 40) + "-0" + std::to_string(1 + p % 9) + "-1" + std::to_string(p % 10);
    rows.push_back({name, cities[p % 4], age, dob});
    rows.push_back({name + "x", cities[p % 4], age, dob});
  }
  Trained t = Train(rows);
  ASSERT_TRUE(t.status.ok()) << t.status.ToString();
  ASSERT_TRUE(t.model.threshold.chosen);
  const ThresholdChoice& th = t.model.threshold;
  EXPECT_NEAR(th.probability, ProbabilityFromWeight(th.weight), 1e-12);
  EXPECT_GT(th.expected_precision, 0.95);
  EXPECT_GT(th.expected_recall, 0.95);
  const TermFrequencies tf = TermFrequencies::Build(*t.comps);
  const Scorer scorer(t.model, *t.comps, tf);
  std::vector<uint8_t> gamma(t.comps->size());
  for (RowId a = 0; a < rows.size(); ++a) {
    for (RowId b = a + 1; b < rows.size(); ++b) {
      if (*rows[a].city != *rows[b].city) continue;
      t.comps->Gamma(a, b, gamma.data());
      const bool linked = scorer.Weight(a, b, gamma.data()) >= th.weight;
      EXPECT_EQ(linked, a / 2 == b / 2) << a << " " << b;
    }
  }
}

}  // namespace
}  // namespace reclink

namespace reclink {
namespace {

// Labeled matches set m by hand-countable shares (half a pair per level added); a comparison
// with fewer than kMinLabeledMatches labeled matches keeps EM's m.
TEST(TrainingTest, LabeledMatchesSetMWithHalfAPairPerLevel) {
  std::vector<testing::Row> rows;
  for (int p = 0; p < 12; ++p) {
    const std::string name = "person" + std::to_string(p);
    rows.push_back({name, "york", std::to_string(30 + p), "1970-01-1" + std::to_string(p % 10)});
    // The second record: the same name for p < 9, a different one for the last three.
    rows.push_back({p < 9 ? name : "other" + std::to_string(p), "york", std::nullopt, "1970-01-1" + std::to_string(p % 10)});
  }
  Trained t = Train(rows);
  ASSERT_TRUE(t.status.ok()) << t.status.ToString();
  std::vector<LabeledPair> labels;
  for (RowId p = 0; p < 12; ++p) labels.push_back({2 * p, 2 * p + 1, true});
  labels.push_back({0, 2, false});  // non-matches do not count for m
  Model model = t.model;
  const std::vector<double> age_m_before = {model.comparisons[1].levels[1].m, model.comparisons[1].levels[2].m};
  EXPECT_EQ(ApplyLabeledM(*t.comps, labels, &model), 2u);  // name and dob; age is null in every pair
  const ComparisonParams& name = model.comparisons[0];
  const double levels = static_cast<double>(name.levels.size() - 1);
  std::vector<uint8_t> gamma(t.comps->size());
  std::vector<double> count(name.levels.size(), 0);
  for (RowId p = 0; p < 12; ++p) {
    t.comps->Gamma(2 * p, 2 * p + 1, gamma.data());
    ++count[gamma[0]];
  }
  for (size_t l = 1; l < name.levels.size(); ++l) {
    EXPECT_DOUBLE_EQ(name.levels[l].m, (count[l] + 0.5) / (12 + 0.5 * levels)) << l;
    EXPECT_NE(name.levels[l].m_source.find("labels:"), std::string::npos);
  }
  EXPECT_EQ(count[1], 9);  // exact
  EXPECT_EQ(model.comparisons[1].levels[1].m, age_m_before[0]);
  EXPECT_EQ(model.comparisons[1].levels[2].m, age_m_before[1]);
}

}  // namespace
}  // namespace reclink
