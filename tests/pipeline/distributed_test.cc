// A run split across processes, checked in one process (distributed.h): the shares of
// BlockingIndex::SetShare are disjoint and together give every pair once, and merging the shares'
// training counts and scoring results gives exactly what one pass over all the pairs gives.
#include "reclink/distributed.h"

#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <barrier>
#include <cmath>
#include <mutex>
#include <random>
#include <thread>
#include <tuple>

#include "reclink/collective.h"
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
[fields.town]
column = "town"
[[blocking]]
keys = ["last"]
[[blocking]]
keys = ["town", "first"]
[[blocking]]
keys = ["town"]
[[comparison]]
field = "first"
levels = ["exact", "jaro_winkler >= 0.88"]
[[comparison]]
field = "last"
levels = ["exact", "levenshtein <= 1"]
[[comparison]]
field = "town"
levels = ["exact"]
tf_adjust = true
)";

// Records from small vocabularies with typos and nulls (blocks of many pairs, every level seen);
// the entity label of a record is its person's number, shared by its noisy copies.
struct People {
  RecordTable table;
  std::vector<uint32_t> truth;
};
People MakePeople(size_t n) {
  const std::vector<std::string> firsts = {"ada", "adah", "boris", "borys", "cleo", "clio", "dana", "dan", "ezra"};
  const std::vector<std::string> lasts = {"kahn", "khan", "lund", "lunde", "moss", "ross", "noor"};
  const std::vector<std::string> towns = {"ayr", "bray", "cork", "derry"};
  std::mt19937 rng(16);
  Column id("id"), first("first"), last("last"), town("town");
  People p;
  for (size_t i = 0; i < n; ++i) {
    const uint32_t person = static_cast<uint32_t>(rng() % (n / 2));
    std::mt19937 person_rng(person);
    id.Append(std::to_string(i));
    std::string f = firsts[person_rng() % firsts.size()], l = lasts[person_rng() % lasts.size()];
    if (rng() % 5 == 0) f = firsts[rng() % firsts.size()];  // a typo or a nickname
    if (rng() % 9 == 0) first.AppendNull();
    else first.Append(f);
    last.Append(l);
    if (rng() % 7 == 0) town.AppendNull();
    else town.Append(towns[person_rng() % towns.size()]);
    p.truth.push_back(person);
  }
  std::vector<Column> columns;
  for (Column* c : {&id, &first, &last, &town}) columns.push_back(std::move(*c));
  Result<RecordTable> t = TableFromColumns(std::move(columns), "people", "<people>");
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  p.table = std::move(t.value());
  return p;
}

struct Fixture {
  Rules rules;
  People people;
  DerivedFields fields;
  std::optional<Comparisons> comps;
  std::optional<TermFrequencies> tf;
  Model model;

  Fixture() {
    Result<Rules> r = ParseRulesString(kRules, "distributed.toml");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    rules = std::move(r.value());
    people = MakePeople(3000);
    Result<DerivedFields> f = DeriveFields(rules, people.table);
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    fields = std::move(f.value());
    Result<Comparisons> c = Comparisons::Build(rules, fields);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    comps.emplace(std::move(c.value()));
    tf.emplace(TermFrequencies::Build(*comps));
    model = ModelSkeleton(rules, *comps);
    EstimateU(rules, *comps, fields, people.table, rules.model.u_sample_pairs, rules.model.seed, &model);
  }
  BlockingIndex Index(uint32_t part, uint32_t parts) {
    BlockingIndex index = BlockingIndex::Build(rules, fields, people.table);
    index.SetShare(part, parts);
    return index;
  }
  TrainingCounts Count(BlockingIndex& index, uint64_t partition_rows = 0) {
    return CountTrainingPatterns(rules, *comps, index, 3000ull * 2999 / 2, model, *tf, nullptr, partition_rows);
  }
};

std::vector<std::tuple<int, RowId, RowId>> Pairs(BlockingIndex& index) {
  std::mutex mu;
  std::vector<std::tuple<int, RowId, RowId>> out;
  index.StreamPairs([&](int rule, std::span<const CandidatePair> batch) {
    std::lock_guard lock(mu);
    for (const CandidatePair& p : batch) out.emplace_back(rule, p.a, p.b);
  });
  std::sort(out.begin(), out.end());
  return out;
}

TEST(DistributedTest, SharesAreDisjointAndCoverEveryPairOnce) {
  Fixture fx;
  BlockingIndex all = fx.Index(0, 1);
  const auto expected = Pairs(all);
  ASSERT_GT(expected.size(), 200000u);  // many work units, so every share gets some
  for (uint32_t parts : {2u, 3u, 7u}) {
    std::vector<std::tuple<int, RowId, RowId>> merged;
    for (uint32_t part = 0; part < parts; ++part) {
      BlockingIndex share = fx.Index(part, parts);
      const auto pairs = Pairs(share);
      EXPECT_GT(pairs.size(), expected.size() / parts / 3) << part << " of " << parts << ": unbalanced";
      merged.insert(merged.end(), pairs.begin(), pairs.end());
    }
    std::sort(merged.begin(), merged.end());
    EXPECT_EQ(merged, expected) << parts << " shares";
  }
}

// The partitioned stream (a run under a memory limit) with shares: each process takes partition k
// mod parts of the same plan, gathering only those partitions' rows; together every pair once.
TEST(DistributedTest, PartitionSharesAreDisjointAndCoverEveryPairOnce) {
  Fixture fx;
  BlockingIndex all = fx.Index(0, 1);
  const auto expected = Pairs(all);
  constexpr uint64_t kRows = 60;  // the rows per partition: a block of more rows is one of its own
  ASSERT_GE(all.CountPartitions(kRows), 7u);  // one at least for each of 7 shares
  for (uint32_t parts : {1u, 2u, 3u, 7u}) {
    std::vector<std::tuple<int, RowId, RowId>> merged;
    for (uint32_t part = 0; part < parts; ++part) {
      BlockingIndex share = fx.Index(part, parts);
      std::mutex mu;
      size_t pairs = 0, partitions = 0;
      share.StreamPairsPartitioned(kRows, false, [&](const GatheredRows& g) {
        ++partitions;
        return BlockingIndex::PairSink([&, rows = &g.rows](int rule, std::span<const CandidatePair> batch) {
          std::lock_guard lock(mu);
          for (const CandidatePair& p : batch) merged.emplace_back(rule, (*rows)[p.a], (*rows)[p.b]);
          pairs += batch.size();
        });
      });
      // Partition k goes to share k mod parts.
      EXPECT_EQ(partitions, (all.CountPartitions(kRows) + parts - 1 - part) / parts) << part << " of " << parts;
      EXPECT_GT(pairs, 0u) << part << " of " << parts;
    }
    std::sort(merged.begin(), merged.end());
    EXPECT_EQ(merged, expected) << parts << " shares";
  }
}

TEST(DistributedTest, MergedTrainingCountsEqualOnePass) {
  Fixture fx;
  BlockingIndex all = fx.Index(0, 1);
  const TrainingCounts whole = fx.Count(all);
  // The shares count all their units at once, or a partition at a time (60 rows: 13 partitions).
  for (const uint64_t partition_rows : {uint64_t{0}, uint64_t{60}})
  for (uint32_t parts : {2u, 3u}) {
    SCOPED_TRACE(std::to_string(parts) + " shares, partition rows " + std::to_string(partition_rows));
    std::vector<std::string> shares;
    for (uint32_t part = 0; part < parts; ++part) {
      BlockingIndex share = fx.Index(part, parts);
      shares.push_back(EncodeTrainingCounts(fx.Count(share, partition_rows)));
    }
    TrainingCounts merged;
    MergeTrainingCounts(shares, &merged);
    EXPECT_EQ(merged.covered, whole.covered);
    EXPECT_EQ(merged.first, whole.first);
    EXPECT_EQ(merged.first_tf, whole.first_tf);
    ASSERT_EQ(whole.first.size(), 3u);
    EXPECT_FALSE(whole.first[2].empty());
  }
}

void ExpectSamePairs(const std::vector<ScoredPair>& x, const std::vector<ScoredPair>& y, const char* what) {
  ASSERT_EQ(x.size(), y.size()) << what;
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(std::tie(x[i].a, x[i].b, x[i].weight, x[i].gamma, x[i].weights),
              std::tie(y[i].a, y[i].b, y[i].weight, y[i].gamma, y[i].weights))
        << what << " " << i;
  }
}

TEST(DistributedTest, MergedScoringEqualsOnePass) {
  Fixture fx;
  BlockingIndex all = fx.Index(0, 1);
  EXPECT_TRUE(EstimateMAndPrior(fx.rules, *fx.comps, fx.Count(all), &fx.model, nullptr).ok());
  const Scorer scorer(fx.model, *fx.comps, *fx.tf);
  // The shares score all their units at once, or a partition at a time (60 rows: 13 partitions).
  for (const uint64_t partition_rows : {uint64_t{0}, uint64_t{60}})
  for (bool full : {false, true}) {
    ScoreOptions options;
    options.threshold = 0.01;
    if (full) {  // every by-product of scoring
      options.keep_pairs = true;
      options.pairs_threshold = 0.001;
      options.truth = &fx.people.truth;
      options.worst_errors = 7;
      options.weight_histogram = true;
      options.borderline_pairs = 11;
    }
    BlockingIndex index = fx.Index(0, 1);
    const ScoredCandidates whole = ScoreCandidates(*fx.comps, scorer, index, options);
    std::vector<std::string> shares;
    ScoreOptions share_options = options;
    share_options.partition_rows = partition_rows;
    for (uint32_t part = 0; part < 3; ++part) {
      BlockingIndex share = fx.Index(part, 3);
      shares.push_back(EncodeScored(ScoreCandidates(*fx.comps, scorer, share, share_options)));
    }
    const ScoredCandidates merged = MergeScored(shares, options, fx.model, fx.rules.blocking.size());
    SCOPED_TRACE("partition rows " + std::to_string(partition_rows) + (full ? ", full" : ""));
    EXPECT_EQ(merged.candidate_pairs, whole.candidate_pairs);
    ASSERT_EQ(merged.edges.size(), whole.edges.size());
    EXPECT_GT(whole.edges.size(), 100u);
    for (size_t i = 0; i < whole.edges.size(); ++i) {
      EXPECT_EQ(std::tie(merged.edges[i].a, merged.edges[i].b, merged.edges[i].weight),
                std::tie(whole.edges[i].a, whole.edges[i].b, whole.edges[i].weight));
    }
    ExpectSamePairs(merged.pairs, whole.pairs, "pairs");
    EXPECT_EQ(merged.truth.true_candidates, whole.truth.true_candidates);
    EXPECT_EQ(merged.truth.rule_true_covered, whole.truth.rule_true_covered);
    ExpectSamePairs(merged.truth.false_links, whole.truth.false_links, "false links");
    ExpectSamePairs(merged.truth.missed_links, whole.truth.missed_links, "missed links");
    EXPECT_EQ(merged.histogram.pairs, whole.histogram.pairs);
    EXPECT_EQ(merged.histogram.matches, whole.histogram.matches);
    ExpectSamePairs(merged.borderline, whole.borderline, "borderline");
    if (full) {
      EXPECT_GT(whole.pairs.size(), whole.edges.size());
      EXPECT_GT(whole.truth.true_candidates, 0u);
      EXPECT_EQ(whole.truth.false_links.size(), 7u);
      EXPECT_EQ(whole.borderline.size(), 11u);
    }
  }
}

// Ranks as threads of one process, for the one collective call EstimateU makes: AllReduceSum
// (sums every rank's values behind a barrier). The other calls are not needed here.
class ThreadGroup {
 public:
  explicit ThreadGroup(int size) : size_(size), barrier_(size) {}
  class Rank final : public Collective {
   public:
    Rank(ThreadGroup* g, int rank) : g_(g), rank_(rank) {}
    int rank() const override { return rank_; }
    int size() const override { return g_->size_; }
    std::vector<std::string> AllGather(std::string_view) override { ADD_FAILURE(); return {}; }
    std::vector<std::string> Gather(std::string_view) override { ADD_FAILURE(); return {}; }
    void AllReduceSum(std::span<uint64_t> values) override {
      {
        std::lock_guard lock(g_->mu_);
        if (g_->sum_.empty()) g_->sum_.assign(values.size(), 0);
        for (size_t i = 0; i < values.size(); ++i) g_->sum_[i] += values[i];
      }
      g_->barrier_.arrive_and_wait();
      std::copy(g_->sum_.begin(), g_->sum_.end(), values.begin());
      g_->barrier_.arrive_and_wait();
      if (rank_ == 0) g_->sum_.clear();
      g_->barrier_.arrive_and_wait();
    }
    [[noreturn]] void Abort(int code) override { std::exit(code); }

   private:
    ThreadGroup* g_;
    int rank_;
  };

 private:
  int size_;
  std::barrier<> barrier_;
  std::mutex mu_;
  std::vector<uint64_t> sum_;
};

// u sampling split across ranks: each compares its share of the seeded draws and the counts are
// summed, so every rank's u (and the counts its u_source states) is one process's. Both paths:
// random pairs, and every pair when the records have fewer pairs than the sample.
TEST(DistributedTest, SplitUSamplingGivesEveryRankTheSingleProcessU) {
  Fixture fx;
  for (uint64_t samples : {fx.rules.model.u_sample_pairs, uint64_t{100000000}}) {
    Model one = ModelSkeleton(fx.rules, *fx.comps);
    EstimateU(fx.rules, *fx.comps, fx.fields, fx.people.table, samples, fx.rules.model.seed, &one);
    for (int ranks : {2, 3}) {
      ThreadGroup group(ranks);
      std::vector<Model> models(ranks, ModelSkeleton(fx.rules, *fx.comps));
      std::vector<std::thread> threads;
      for (int r = 0; r < ranks; ++r) {
        threads.emplace_back([&, r] {
          ThreadGroup::Rank me(&group, r);
          EstimateU(fx.rules, *fx.comps, fx.fields, fx.people.table, samples, fx.rules.model.seed, &models[r], &me);
        });
      }
      for (std::thread& t : threads) t.join();
      for (int r = 0; r < ranks; ++r) {
        SCOPED_TRACE("samples " + std::to_string(samples) + ", rank " + std::to_string(r) + " of " + std::to_string(ranks));
        EXPECT_EQ(models[r].u_sample_pairs, one.u_sample_pairs);
        for (size_t c = 0; c < one.comparisons.size(); ++c) {
          for (size_t k = 0; k < one.comparisons[c].levels.size(); ++k) {
            EXPECT_EQ(models[r].comparisons[c].levels[k].u, one.comparisons[c].levels[k].u) << c << " " << k;
            EXPECT_EQ(models[r].comparisons[c].levels[k].u_source, one.comparisons[c].levels[k].u_source);
          }
        }
      }
    }
  }
}

TEST(DistributedTest, LocalGroupAgreesAndPassesDataThrough) {
  LocalCollective group;
  EXPECT_EQ(group.size(), 1);
  EXPECT_TRUE(group.is_root());
  const Collective::Agreement ok = group.Agree(0, "ignored");
  EXPECT_EQ(ok.code, 0);
  EXPECT_EQ(ok.rank, -1);
  const Collective::Agreement failed = group.Agree(3, "bad input");
  EXPECT_EQ(failed.code, 3);
  EXPECT_EQ(failed.rank, 0);
  EXPECT_EQ(failed.message, "bad input");
  WireWriter w;
  w.Put<uint32_t>(7);
  w.PutString("two\0bytes");
  w.Put<double>(-0.25);
  const std::vector<std::string> got = group.AllGather(w.Take());
  ASSERT_EQ(got.size(), 1u);
  WireReader in(got[0]);
  EXPECT_EQ(in.Get<uint32_t>(), 7u);
  EXPECT_EQ(in.GetString(), "two");
  EXPECT_EQ(in.Get<double>(), -0.25);
  EXPECT_TRUE(in.done());
  std::vector<uint64_t> sizes;
  EXPECT_EQ(group.AllGatherConcat("share", &sizes), "share");
  EXPECT_EQ(sizes, std::vector<uint64_t>{5});
  WireWriter v;
  v.PutString("viewed");
  const std::string bytes = v.Take();
  WireReader view(bytes);
  EXPECT_EQ(view.GetView(), "viewed");
  EXPECT_TRUE(view.done());
}

}  // namespace
}  // namespace reclink
