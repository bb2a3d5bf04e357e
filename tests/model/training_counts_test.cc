// Tests of CountTrainingPatterns (training_counts.cc): on a table small enough that every
// candidate pair is counted, its counts equal those of a plain pass over StreamPairs that weighs
// each pair on its own, at 1, 2 and 8 threads.
#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include <cmath>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "reclink/blocking.h"
#include "reclink/comparison.h"
#include "reclink/derived_fields.h"
#include "reclink/model.h"
#include "reclink/reader.h"
#include "reclink/rules.h"

namespace reclink {
namespace {

// Two term-frequency adjusted comparisons with an exact first level (the TF delta of a pair
// sums over both), a town that is null in some records, rules that overlap.
constexpr const char* kRules = R"(
link_type = "dedupe"
id = "id"
[fields.first]
column = "first"
[fields.last]
column = "last"
[fields.town]
column = "town"
[[blocking]]
keys = ["last"]
[[blocking]]
keys = ["town", "first"]
[[blocking]]
keys = ["first"]
[[comparison]]
field = "first"
levels = ["exact", "jaro_winkler >= 0.88"]
tf_adjust = true
[[comparison]]
field = "last"
levels = ["exact", "levenshtein <= 1"]
tf_adjust = true
[[comparison]]
field = "town"
levels = ["exact"]
)";

// Skewed vocabularies, so that frequencies (and TF deltas) differ from value to value.
RecordTable MakeTable(size_t n) {
  const std::vector<std::string> firsts = {"ada",  "adah", "boris", "borys", "cleo",
                                           "clio", "dana", "dan",   "ezra",  "zoe"};
  const std::vector<std::string> lasts = {"kahn", "khan", "lund", "lunde",
                                          "moss", "ross", "noor", "nour"};
  const std::vector<std::string> towns = {"ayr", "bray", "cork", "derry", "ely"};
  std::mt19937 rng(7);
  auto skewed = [&](size_t size) {
    return std::min<size_t>(size - 1, (rng() % size) * (rng() % size) / size + rng() % 2);
  };
  Column id("id"), first("first"), last("last"), town("town");
  for (size_t i = 0; i < n; ++i) {
    id.Append(std::to_string(i));
    first.Append(firsts[skewed(firsts.size())]);
    last.Append(lasts[skewed(lasts.size())]);
    if (rng() % 6 == 0)
      town.AppendNull();
    else
      town.Append(towns[rng() % towns.size()]);
  }
  std::vector<Column> columns;
  for (Column* c : {&id, &first, &last, &town}) columns.push_back(std::move(*c));
  Result<RecordTable> t = TableFromColumns(std::move(columns), "people", "<people>");
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return std::move(t.value());
}

// What both tests count on: 1,500 records, kRules, their comparisons, term frequencies, u and
// blocking index.
struct Counted {
  Rules rules;
  RecordTable table;
  DerivedFields fields;
  std::optional<Comparisons> comps;
  std::optional<TermFrequencies> tf;
  Model model;
  std::optional<BlockingIndex> index;
  bool ok = false;

  Counted() {
    Result<Rules> r = ParseRulesString(kRules, "training_counts.toml");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return;
    rules = std::move(r.value());
    table = MakeTable(1500);
    Result<DerivedFields> f = DeriveFields(rules, table);
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    if (!f.ok()) return;
    fields = std::move(f.value());
    Result<Comparisons> c = Comparisons::Build(rules, fields);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    if (!c.ok()) return;
    comps.emplace(std::move(c.value()));
    tf.emplace(TermFrequencies::Build(*comps));
    model = ModelSkeleton(rules, *comps);
    EstimateU(rules, *comps, fields, table, rules.model.u_sample_pairs, rules.model.seed, &model);
    index.emplace(BlockingIndex::Build(rules, fields, table));
    ok = true;
  }
};

TEST(CountTrainingPatternsTest, EqualsAPlainPassOverEveryPair) {
  Counted setup;
  ASSERT_TRUE(setup.ok);
  Rules* rules = &setup.rules;
  const RecordTable& table = setup.table;
  const DerivedFields* fields = &setup.fields;
  const Comparisons* comps = &*setup.comps;
  const TermFrequencies& tf = *setup.tf;
  Model& model = setup.model;
  const BlockingIndex& index = *setup.index;
  ASSERT_LT(index.PairsUpperBound(), rules->model.training_pairs);  // every pair is counted, none sampled out

  // The reference: every pair weighed on its own, its TF delta from both of its rows.
  const size_t nc = comps->size(), nr = index.num_rules();
  const Scorer u_scorer(model, *comps, tf);
  std::vector<PatternCounts> covered(nr);
  std::vector<PatternTfCounts> first_tf(nr);
  std::mutex mu;
  BlockingIndex streamed = BlockingIndex::Build(*rules, *fields, table);
  size_t deltas_not_zero = 0;
  streamed.StreamPairs([&](int rule, std::span<const CandidatePair> batch) {
    std::lock_guard lock(mu);
    for (const CandidatePair& p : batch) {
      std::vector<uint8_t> gamma(nc);
      for (size_t c = 0; c < nc; ++c) gamma[c] = static_cast<uint8_t>(comps->Level(c, p.a, p.b));
      double d = 0;
      for (size_t c = 0; c < nc; ++c) {
        if (!tf.enabled(c) || gamma[c] != 1) continue;  // the exact level
        const Scorer::LevelTerms t = u_scorer.Terms(c, gamma[c], p.a, p.b);
        if (t.tf_adjusted) d += std::log2(model.comparisons[c].levels[gamma[c]].u / t.u);
      }
      const int32_t delta = static_cast<int32_t>(std::lround(d * kTfDeltaSteps));
      deltas_not_zero += delta != 0;
      const uint64_t id = comps->PatternId(gamma.data());
      ++first_tf[static_cast<size_t>(rule)][{id, delta}];
      for (size_t r = 0; r < nr; ++r) {
        if (static_cast<int>(r) == rule || streamed.RuleCovers(r, p.a, p.b)) ++covered[r][id];
      }
    }
  });
  ASSERT_GT(deltas_not_zero, 1000u);

  // The values each rule's pairs share by construction (its key parts that are compared fields
  // as they are): `last` for the first rule, `town` and `first` for the second, `first` for the
  // third. Not compared, they still count as the exact level.
  std::vector<uint16_t> known_equal;
  for (size_t r = 0; r < nr; ++r) {
    known_equal.push_back(KnownEqualComparisons(*rules, r, *comps,
                                                FieldsHoldingKeySeparator(*rules, fields->fields)));
  }
  ASSERT_EQ(known_equal, (std::vector<uint16_t>{0b010, 0b101, 0b001}));
  for (int threads : {1, 2, 8}) {
    for (const bool known : {false, true}) {
      SCOPED_TRACE("threads " + std::to_string(threads) +
                   (known ? ", known-equal values skipped" : ""));
      TrainingCounts counts;
      tbb::task_arena(threads).execute([&] {
        counts = CountTrainingPatterns(*rules, *comps, index, 1500ull * 1499 / 2, model, tf,
                                       nullptr, 0, known ? known_equal : std::vector<uint16_t>{});
      });
      EXPECT_EQ(counts.sample_fraction, 1.0);
      ASSERT_EQ(counts.first_tf.size(), nr);
      for (size_t r = 0; r < nr; ++r) {
        EXPECT_EQ(counts.covered[r], covered[r]) << "rule " << r;
        EXPECT_EQ(counts.first_tf[r], first_tf[r]) << "rule " << r;
        PatternCounts first;
        for (const auto& [key, n] : first_tf[r]) first[key.pattern] += n;
        EXPECT_EQ(counts.first[r], first) << "rule " << r;
      }
    }
  }
}

// Beyond [model] training_pairs candidates, a seeded sample of records is counted: about that many
// pairs, the same whatever the thread count, each pair counted as in a full pass.
TEST(CountTrainingPatternsTest, ASampleBeyondTrainingPairsIsOfAboutThatManyPairsAndTheSameOnAnyThreads) {
  Counted setup;
  ASSERT_TRUE(setup.ok);
  Rules* rules = &setup.rules;
  const Comparisons* comps = &*setup.comps;
  const TermFrequencies& tf = *setup.tf;
  Model& model = setup.model;
  const BlockingIndex& index = *setup.index;
  const uint64_t all = index.PairsUpperBound();
  ASSERT_GT(all, 40'000u);
  rules->model.training_pairs = all / 8;

  auto counted = [](const TrainingCounts& c) {
    uint64_t n = 0;
    for (const PatternCounts& pc : c.first)
      for (const auto& kv : pc) n += kv.second;
    return n;
  };
  TrainingCounts one;
  tbb::task_arena(1).execute([&] { one = CountTrainingPatterns(*rules, *comps, index, 1500ull * 1499 / 2, model, tf, nullptr); });
  EXPECT_NEAR(one.sample_fraction, 1.0 / 8, 1e-3);
  // A sample of records, so the count varies more than a sample of pairs would: within a third.
  const double n = static_cast<double>(counted(one));
  EXPECT_GT(n, rules->model.training_pairs * 2.0 / 3) << "of " << all;
  EXPECT_LT(n, rules->model.training_pairs * 4.0 / 3) << "of " << all;
  for (int threads : {2, 8}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    TrainingCounts counts;
    tbb::task_arena(threads).execute([&] {
      counts = CountTrainingPatterns(*rules, *comps, index, 1500ull * 1499 / 2, model, tf, nullptr);
    });
    EXPECT_EQ(counts.sample_fraction, one.sample_fraction);
    EXPECT_EQ(counts.covered, one.covered);
    EXPECT_EQ(counts.first_tf, one.first_tf);
    EXPECT_EQ(counts.first, one.first);
  }
}

}  // namespace
}  // namespace reclink
