// The score stage on generated records with a model set by hand: the early-deciding scorer keeps
// exactly the edges (and weights) of full scoring, and neither depends on the thread count.
#include "reclink/score.h"

#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include <cmath>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "reclink/derived_fields.h"

namespace reclink {
namespace {

constexpr const char* kRules = R"(
link_type = "dedupe"
id = "id"
[fields.first]
column = "first"
[fields.last]
column = "last"
[fields.city]
column = "city"
[[blocking]]
keys = ["last"]
[[blocking]]
keys = ["city"]
[[comparison]]
field = "first"
levels = ["exact", "jaro_winkler >= 0.9", "levenshtein <= 2"]
[[comparison]]
field = "last"
levels = ["exact", "damerau_levenshtein <= 1"]
[[comparison]]
field = "city"
levels = ["exact"]
)";

// The same fields with term-frequency adjustment on the names, and a comparison whose first
// level is not exact (equal values reach it through the similarity's cascade).
constexpr const char* kRulesTf = R"(
link_type = "dedupe"
id = "id"
[fields.first]
column = "first"
[fields.last]
column = "last"
[fields.city]
column = "city"
[[blocking]]
keys = ["last"]
[[blocking]]
keys = ["city"]
[[comparison]]
field = "first"
levels = ["exact", "jaro_winkler >= 0.9", "levenshtein <= 2"]
tf_adjust = true
[[comparison]]
field = "last"
levels = ["exact", "damerau_levenshtein <= 1"]
tf_adjust = true
[[comparison]]
field = "city"
levels = ["levenshtein <= 1", "jaro >= 0.7"]
)";

// n records drawn from small vocabularies with typos, so blocks hold runs of many pairs and
// every level of every comparison occurs; some values are null.
RecordTable People(size_t n, uint32_t seed) {
  const std::vector<std::string> firsts = {"anna", "annie", "bernard", "bernhard", "carla", "carl", "dmitri",
                                           "dimitri", "eve", "eva", "frank", "franco", "gustav", "gustavo"};
  const std::vector<std::string> lasts = {"smith", "smyth", "jones", "johns", "ruiz", "ruis", "ivanov", "moore"};
  const std::vector<std::string> cities = {"leeds", "york", "hull", "bath", "ely"};
  std::mt19937 rng(seed);
  auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
  Column id("id"), first("first"), last("last"), city("city");
  for (size_t i = 0; i < n; ++i) {
    id.Append(std::to_string(i));
    if (rng() % 10 == 0) first.AppendNull();
    else first.Append(pick(firsts));
    last.Append(pick(lasts));
    if (rng() % 8 == 0) city.AppendNull();
    else city.Append(pick(cities));
  }
  std::vector<Column> columns;
  columns.push_back(std::move(id));
  columns.push_back(std::move(first));
  columns.push_back(std::move(last));
  columns.push_back(std::move(city));
  Result<RecordTable> t = TableFromColumns(std::move(columns), "people", "<people>");
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return std::move(t.value());
}

// A model set by hand with seeded weights off any lattice (so pair weights spread densely around
// every threshold): per comparison, the listed levels weigh from about +7 down to about 0 bits in
// order, "else" about -4; prior 1e-3.
Model HandModel(const Rules& rules, const Comparisons& comps) {
  Model model = ModelSkeleton(rules, comps);
  model.prior = 1e-3;
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> jitter(-1.0, 1.0);
  for (ComparisonParams& c : model.comparisons) {
    const size_t levels = c.levels.size();  // 0 null, 1..L listed, L+1 else
    for (size_t l = 1; l < levels; ++l) {
      const double w = l + 1 == levels ? -4.0 + jitter(rng) : 7.0 - 2.5 * (l - 1) + 0.6 * jitter(rng);
      c.levels[l].m = 0.5;
      c.levels[l].u = 0.5 / std::exp2(w);
    }
  }
  return model;
}

struct Fixture {
  Rules rules;
  RecordTable table;
  DerivedFields fields;
  std::optional<Comparisons> comps;
  Model model;
  std::optional<TermFrequencies> tf;

  explicit Fixture(size_t n, const char* rules_text = kRules) {
    Result<Rules> r = ParseRulesString(rules_text, "score.toml");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    rules = std::move(r.value());
    table = People(n, 7);
    Result<DerivedFields> f = DeriveFields(rules, table);
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    fields = std::move(f.value());
    Result<Comparisons> c = Comparisons::Build(rules, fields);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    comps.emplace(std::move(c.value()));
    tf.emplace(TermFrequencies::Build(*comps));
    model = HandModel(rules, *comps);
  }

  ScoredCandidates Score(const ScoreOptions& options, int threads) {
    tbb::task_arena arena(threads);
    ScoredCandidates out;
    arena.execute([&] {
      BlockingIndex index = BlockingIndex::Build(rules, fields, table);
      const Scorer scorer(model, *comps, *tf);
      out = ScoreCandidates(*comps, scorer, index, options);
    });
    return out;
  }
};

bool SameEdges(const std::vector<Edge>& x, const std::vector<Edge>& y) {
  if (x.size() != y.size()) return false;
  for (size_t i = 0; i < x.size(); ++i) {
    if (std::tie(x[i].a, x[i].b, x[i].weight) != std::tie(y[i].a, y[i].b, y[i].weight)) return false;
  }
  return true;
}

class EarlyDecisionTest : public ::testing::TestWithParam<const char*> {};

TEST_P(EarlyDecisionTest, KeepsExactlyTheEdgesOfFullScoring) {
  Fixture fx(3000, GetParam());
  // The values each rule's pairs share by construction (its key is a compared field as it is):
  // `last` for the first rule; `city` for the second where its first level is exact.
  std::vector<uint16_t> known_equal;
  const std::vector<bool> separator = FieldsHoldingKeySeparator(fx.rules, fx.fields.fields);
  for (size_t r = 0; r < fx.rules.blocking.size(); ++r) {
    known_equal.push_back(KnownEqualComparisons(fx.rules, r, *fx.comps, separator));
  }
  EXPECT_EQ(known_equal,
            (std::vector<uint16_t>{0b010, GetParam() == kRules ? uint16_t{0b100} : uint16_t{0}}));
  int with_edges = 0;  // thresholds at which some pair links
  for (double threshold : {0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.97, 0.99}) {
    ScoreOptions early;
    early.threshold = threshold;
    ScoreOptions full = early;
    full.weight_histogram = true;  // weighs every pair in full
    const ScoredCandidates e = fx.Score(early, 2);
    const ScoredCandidates f = fx.Score(full, 2);
    ScoreOptions known = early;
    known.known_equal = known_equal;
    const ScoredCandidates k = fx.Score(known, 2);
    EXPECT_TRUE(SameEdges(k.edges, f.edges))
        << "threshold " << threshold << " with known-equal values: " << k.edges.size() << " vs "
        << f.edges.size();
    ScoreOptions full_known = full;
    full_known.known_equal = known_equal;
    const ScoredCandidates fk = fx.Score(full_known, 2);
    EXPECT_TRUE(SameEdges(fk.edges, f.edges)) << "threshold " << threshold;
    EXPECT_EQ(fk.histogram.pairs, f.histogram.pairs) << "threshold " << threshold;
    EXPECT_GT(f.candidate_pairs, 100000u);
    EXPECT_EQ(e.candidate_pairs, f.candidate_pairs);
    with_edges += !e.edges.empty();
    EXPECT_LT(e.edges.size(), f.candidate_pairs) << threshold;
    EXPECT_TRUE(SameEdges(e.edges, f.edges)) << "threshold " << threshold << ": " << e.edges.size() << " vs "
                                             << f.edges.size();
    // The histogram counts every candidate pair once, and the edges are those at or above the cut.
    uint64_t histogram_pairs = 0;
    for (uint64_t c : f.histogram.pairs) histogram_pairs += c;
    EXPECT_EQ(histogram_pairs, f.candidate_pairs);
    const double cut = std::log2(threshold / (1 - threshold));
    for (const Edge& edge : f.edges) ASSERT_GE(edge.weight, cut);
  }
  // Term frequencies make the small vocabularies' names weigh little: no pair reaches the top
  // thresholds there.
  EXPECT_GE(with_edges, GetParam() == kRules ? 8 : 5);
}

// Plain levels; and term frequencies on exact levels with a first level that is not exact.
INSTANTIATE_TEST_SUITE_P(Rules, EarlyDecisionTest, ::testing::Values(kRules, kRulesTf));

// A key of several parts is its parts joined by a separator byte: a field whose values hold that
// byte can share a key without sharing the value, so its comparison is not taken as known equal
// in such a rule (a rule of one part has no such ambiguity).
TEST(ScoreTest, KnownEqualValuesNeedKeysWhosePartsCannotRunTogether) {
  constexpr const char* kTwoParts = R"toml(
link_type = "dedupe"
id = "id"
[fields.first]
column = "first"
[fields.last]
column = "last"
[[blocking]]
keys = ["first", "last"]
[[blocking]]
keys = ["last"]
[[blocking]]
keys = ["soundex(first)", "last"]
[[comparison]]
field = "first"
levels = ["exact", "jaro_winkler >= 0.9"]
[[comparison]]
field = "last"
levels = ["exact"]
)toml";
  Result<Rules> rules = ParseRulesString(kTwoParts, "two.toml");
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  for (const bool with_separator : {false, true}) {
    SCOPED_TRACE(with_separator ? "a first name holds the separator" : "no value holds it");
    Column id("id"), first("first"), last("last");
    // "a\x1fb" + "c" and "a" + "b\x1fc" make the same key text for the first rule.
    id.Append("1");
    first.Append(with_separator ? std::string("a\x1f"
                                              "b")
                                : std::string("ab"));
    last.Append("c");
    id.Append("2");
    first.Append("a");
    last.Append(with_separator ? std::string("b\x1f"
                                             "c")
                               : std::string("bc"));
    std::vector<Column> columns;
    columns.push_back(std::move(id));
    columns.push_back(std::move(first));
    columns.push_back(std::move(last));
    Result<RecordTable> table = TableFromColumns(std::move(columns), "t", "<t>");
    ASSERT_TRUE(table.ok());
    Result<DerivedFields> fields = DeriveFields(*rules, *table);
    ASSERT_TRUE(fields.ok());
    Result<Comparisons> comps = Comparisons::Build(*rules, *fields);
    ASSERT_TRUE(comps.ok());
    const std::vector<bool> separator = FieldsHoldingKeySeparator(*rules, fields->fields);
    EXPECT_EQ(separator, (std::vector<bool>{with_separator, with_separator}));
    EXPECT_EQ(KnownEqualComparisons(*rules, 0, *comps, separator), with_separator ? 0 : 0b11);
    EXPECT_EQ(KnownEqualComparisons(*rules, 1, *comps, separator), 0b10);  // one part: no ambiguity
    EXPECT_EQ(KnownEqualComparisons(*rules, 2, *comps, separator), with_separator ? 0 : 0b10);
    // The two records do share the first rule's key when a value holds the separator.
    const BlockingIndex index = BlockingIndex::Build(*rules, *fields, *table);
    EXPECT_EQ(index.PairsUpperBound() > 0, with_separator);
  }
}

TEST(ScoreTest, ResultsDoNotDependOnTheThreadCount) {
  Fixture fx(2000);
  ScoreOptions options;
  options.threshold = 0.5;
  options.keep_pairs = true;
  options.pairs_threshold = 0.2;
  options.borderline_pairs = 25;
  const ScoredCandidates one = fx.Score(options, 1);
  const ScoredCandidates four = fx.Score(options, 4);
  EXPECT_TRUE(SameEdges(one.edges, four.edges));
  ASSERT_EQ(one.pairs.size(), four.pairs.size());
  for (size_t i = 0; i < one.pairs.size(); ++i) {
    EXPECT_EQ(std::tie(one.pairs[i].a, one.pairs[i].b, one.pairs[i].weight),
              std::tie(four.pairs[i].a, four.pairs[i].b, four.pairs[i].weight));
    EXPECT_EQ(one.pairs[i].gamma, four.pairs[i].gamma);
  }
  ASSERT_EQ(one.borderline.size(), 25u);
  ASSERT_EQ(four.borderline.size(), 25u);
  for (size_t i = 0; i < 25; ++i) {
    EXPECT_EQ(std::tie(one.borderline[i].a, one.borderline[i].b), std::tie(four.borderline[i].a, four.borderline[i].b));
  }
  // Kept pairs are those at or above pairs_threshold, and include every edge.
  EXPECT_GE(one.pairs.size(), one.edges.size());
}

}  // namespace
}  // namespace reclink
