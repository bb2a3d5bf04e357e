// AnalyzeBlockGrowth: a rule whose blocks are a few shared values (pairs grow with the square of
// the records) is projected as quadratic and warned about; a rule whose blocks are small groups
// (pairs grow with the records) is projected as linear and is not, at any table size.
#include "reclink/block_growth.h"

#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include <cmath>
#include <string>

namespace reclink {
namespace {

struct Fixture {
  Rules rules;
  RecordTable table;
  DerivedFields fields;
};

BlockingKey Key(const std::string& field) {
  BlockingKey k;
  k.field = field;
  k.text = field;
  return k;
}

// n rows: "city" takes 4 values (blocks of n/4: quadratic), "person" is row / 3 (blocks of 3:
// linear), "mixed" is "common" for a fifth of the rows and row / 2 for the others.
Fixture Make(size_t n) {
  Fixture f;
  f.rules.link_type = LinkType::kDedupe;
  for (const char* name : {"city", "person", "mixed"}) {
    FieldSpec spec;
    spec.name = name;
    f.rules.fields.push_back(spec);
    f.fields.fields.emplace_back(spec.name);
  }
  BlockingRule city, person, mixed;
  city.keys = {Key("city")};
  person.keys = {Key("person")};
  mixed.keys = {Key("mixed")};
  city.text = "city";
  person.text = "person";
  mixed.text = "mixed";
  f.rules.blocking = {city, person, mixed};
  f.rules.max_block_size = 1000000;
  f.table.AddSource("s");
  f.table.AppendSourceRows(0, n);
  for (size_t r = 0; r < n; ++r) {
    f.fields.fields[0].Append("c" + std::to_string(r % 4));
    f.fields.fields[1].Append("p" + std::to_string(r / 3));
    f.fields.fields[2].Append(r % 5 == 0 ? std::string("common") : "m" + std::to_string(r / 2));
  }
  return f;
}

std::vector<BlockGrowth> Analyze(size_t n, const BlockGrowthOptions& options = {}) {
  Fixture f = Make(n);
  BlockingIndex index = BlockingIndex::Build(f.rules, f.fields, f.table);
  return AnalyzeBlockGrowth(index, options);
}

TEST(BlockGrowthTest, QuadraticRuleWarnsLinearRuleDoesNot) {
  const std::vector<BlockGrowth> g = Analyze(6000);
  ASSERT_EQ(g.size(), 3u);
  // city: 4 blocks of 1500.
  EXPECT_EQ(g[0].pairs, 4u * 1500 * 1499 / 2);
  EXPECT_EQ(g[0].shared_pairs, g[0].pairs);
  EXPECT_EQ(g[0].largest_block, 1500u);
  EXPECT_DOUBLE_EQ(g[0].growth_exponent, 2.0);
  EXPECT_DOUBLE_EQ(g[0].projected_pairs, 100.0 * static_cast<double>(g[0].pairs));
  EXPECT_TRUE(g[0].warn);
  // person: 2000 blocks of 3.
  EXPECT_EQ(g[1].pairs, 2000u * 3);
  EXPECT_EQ(g[1].shared_pairs, 0u);
  EXPECT_DOUBLE_EQ(g[1].growth_exponent, 1.0);
  EXPECT_FALSE(g[1].warn);
  // Scoring estimate: pairs x ns per pair.
  EXPECT_NEAR(g[0].scoring_cpu_seconds, static_cast<double>(g[0].pairs) * kScoringNsPerPair * 1e-9, 1e-12);

  const std::vector<std::string> w = BlockGrowthWarnings(g, 2);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("blocking rule 1 (city)"), std::string::npos) << w[0];
  EXPECT_NE(w[0].find("on 2 threads"), std::string::npos) << w[0];
}

TEST(BlockGrowthTest, ProjectionMatchesRealGrowth) {
  // Doubling the records multiplies the city rule's pairs by about 4 and the person rule's by 2,
  // as the exponents say.
  const std::vector<BlockGrowth> a = Analyze(3000), b = Analyze(6000);
  const double city = static_cast<double>(b[0].pairs) / static_cast<double>(a[0].pairs);
  const double person = static_cast<double>(b[1].pairs) / static_cast<double>(a[1].pairs);
  EXPECT_NEAR(city, 4.0, 0.02);
  EXPECT_NEAR(person, 2.0, 1e-9);
  EXPECT_NEAR(std::log2(city), a[0].growth_exponent, 0.01);
  EXPECT_NEAR(std::log2(person), a[1].growth_exponent, 1e-9);
}

TEST(BlockGrowthTest, LinearRuleNeverWarnsMixedRuleBetween) {
  BlockGrowthOptions any_size;
  any_size.warn_min_pairs = 0;
  for (size_t n : {300u, 3000u, 12000u}) {
    const std::vector<BlockGrowth> g = Analyze(n, any_size);
    EXPECT_FALSE(g[1].warn) << n;
    EXPECT_TRUE(g[0].warn) << n;
    // mixed: a fifth of the rows share one value; its pairs dominate, so it is superlinear.
    EXPECT_GT(g[2].growth_exponent, 1.0) << n;
    EXPECT_LT(g[2].growth_exponent, 2.0) << n;
  }
  // Below the pair threshold nothing warns (small samples are cheap whatever their growth).
  EXPECT_FALSE(Analyze(300)[0].warn);
}

TEST(BlockGrowthTest, SameResultAtAnyThreadCount) {
  std::vector<BlockGrowth> one, many;
  tbb::task_arena(1).execute([&] { one = Analyze(6000); });
  tbb::task_arena(8).execute([&] { many = Analyze(6000); });
  ASSERT_EQ(one.size(), many.size());
  for (size_t r = 0; r < one.size(); ++r) {
    EXPECT_EQ(one[r].pairs, many[r].pairs);
    EXPECT_EQ(one[r].shared_pairs, many[r].shared_pairs);
    EXPECT_EQ(one[r].largest_key, many[r].largest_key);
  }
}

}  // namespace
}  // namespace reclink
