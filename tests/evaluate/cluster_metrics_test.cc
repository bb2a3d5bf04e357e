// Tests for EvaluateClusters and EvaluateClustersCrossSource: hand-computed examples, a
// brute-force pair-enumeration reference on random labels, and determinism at 1, 2, 8 threads.
#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include <map>
#include <random>
#include <set>
#include <vector>

#include "reclink/evaluate.h"

namespace reclink {
namespace {

// Rows 0..5. Truth: A = {0,1,2}, B = {3,4}, C = {5}. Predicted: X = {0,1}, Y = {2,3,4}, Z = {5}.
const std::vector<uint32_t> kTruth = {0, 0, 0, 1, 1, 2};
const std::vector<uint32_t> kPredicted = {0, 0, 1, 1, 1, 2};

TEST(EvaluateClusters, HandComputedExample) {
  ClusterEvaluation e = EvaluateClusters(kPredicted, kTruth);
  EXPECT_EQ(e.records, 6u);
  // true pairs = C(3,2) + C(2,2) = 4; predicted = C(2,2) + C(3,2) = 4;
  // cells (X,A) = 2, (Y,A) = 1, (Y,B) = 2, (Z,C) = 1 -> TP = 1 + 0 + 1 + 0 = 2.
  EXPECT_EQ(e.pairwise.true_pairs, 4u);
  EXPECT_EQ(e.pairwise.predicted_pairs, 4u);
  EXPECT_EQ(e.pairwise.true_positive_pairs, 2u);
  EXPECT_DOUBLE_EQ(e.pairwise.precision, 0.5);
  EXPECT_DOUBLE_EQ(e.pairwise.recall, 0.5);
  EXPECT_DOUBLE_EQ(e.pairwise.f1, 0.5);
  // B-cubed precision per row: 2/2, 2/2, 1/3, 2/3, 2/3, 1/1 -> sum 14/3, mean 7/9.
  // B-cubed recall per row:    2/3, 2/3, 1/3, 2/2, 2/2, 1/1 -> sum 14/3, mean 7/9.
  EXPECT_NEAR(e.bcubed.precision, 7.0 / 9.0, 1e-15);
  EXPECT_NEAR(e.bcubed.recall, 7.0 / 9.0, 1e-15);
  EXPECT_NEAR(e.bcubed.f1, 7.0 / 9.0, 1e-15);
  // Y mixes A and B; A is split over X and Y.
  EXPECT_EQ(e.errors.merged_clusters, 1u);
  EXPECT_EQ(e.errors.split_entities, 1u);
}

TEST(EvaluateClusters, SparseLabelsGiveTheSameResult) {
  // The same partitions under huge, non-dense labels (takes the hashing path).
  std::vector<uint32_t> truth = {4000000000u, 4000000000u, 4000000000u, 7, 7, 123456789};
  std::vector<uint32_t> predicted = {99, 99, 3000000000u, 3000000000u, 3000000000u, 5};
  ClusterEvaluation e = EvaluateClusters(predicted, truth);
  EXPECT_EQ(e.pairwise.true_positive_pairs, 2u);
  EXPECT_DOUBLE_EQ(e.pairwise.f1, 0.5);
  EXPECT_NEAR(e.bcubed.f1, 7.0 / 9.0, 1e-15);
  EXPECT_EQ(e.errors.merged_clusters, 1u);
  EXPECT_EQ(e.errors.split_entities, 1u);
}

TEST(EvaluateClusters, AllSingletonsAgainstOneEntity) {
  // Truth: one entity of 4 rows; predicted: 4 singletons.
  // Pairwise: predicted 0 -> precision 1 (convention), TP 0 of 6 true -> recall 0, F1 0.
  // B-cubed: precision 1 per row; recall 1/4 per row; F1 = 2 * 1 * 0.25 / 1.25 = 0.4.
  std::vector<uint32_t> truth = {9, 9, 9, 9};
  std::vector<uint32_t> predicted = {0, 1, 2, 3};
  ClusterEvaluation e = EvaluateClusters(predicted, truth);
  EXPECT_EQ(e.pairwise.true_pairs, 6u);
  EXPECT_EQ(e.pairwise.predicted_pairs, 0u);
  EXPECT_DOUBLE_EQ(e.pairwise.precision, 1.0);
  EXPECT_DOUBLE_EQ(e.pairwise.recall, 0.0);
  EXPECT_DOUBLE_EQ(e.pairwise.f1, 0.0);
  EXPECT_DOUBLE_EQ(e.bcubed.precision, 1.0);
  EXPECT_DOUBLE_EQ(e.bcubed.recall, 0.25);
  EXPECT_DOUBLE_EQ(e.bcubed.f1, 0.4);
  EXPECT_EQ(e.errors.merged_clusters, 0u);
  EXPECT_EQ(e.errors.split_entities, 1u);
}

TEST(EvaluateClusters, OneClusterAgainstSingletons) {
  // Truth: 3 singletons; predicted: one cluster. Pairwise: TP 0 of 3 predicted -> precision 0,
  // true 0 -> recall 1 (convention), F1 0. B-cubed precision 1/3, recall 1, F1 0.5.
  std::vector<uint32_t> truth = {0, 1, 2};
  std::vector<uint32_t> predicted = {5, 5, 5};
  ClusterEvaluation e = EvaluateClusters(predicted, truth);
  EXPECT_DOUBLE_EQ(e.pairwise.precision, 0.0);
  EXPECT_DOUBLE_EQ(e.pairwise.recall, 1.0);
  EXPECT_DOUBLE_EQ(e.pairwise.f1, 0.0);
  EXPECT_NEAR(e.bcubed.precision, 1.0 / 3.0, 1e-15);
  EXPECT_DOUBLE_EQ(e.bcubed.recall, 1.0);
  EXPECT_NEAR(e.bcubed.f1, 0.5, 1e-15);
  EXPECT_EQ(e.errors.merged_clusters, 1u);
  EXPECT_EQ(e.errors.split_entities, 0u);
}

TEST(EvaluateClusters, PerfectAndEmpty) {
  ClusterEvaluation perfect = EvaluateClusters(kTruth, kTruth);
  EXPECT_DOUBLE_EQ(perfect.pairwise.f1, 1.0);
  EXPECT_DOUBLE_EQ(perfect.bcubed.f1, 1.0);
  EXPECT_EQ(perfect.errors.merged_clusters, 0u);
  EXPECT_EQ(perfect.errors.split_entities, 0u);

  ClusterEvaluation empty = EvaluateClusters({}, {});
  EXPECT_EQ(empty.records, 0u);
  EXPECT_EQ(empty.pairwise.true_pairs, 0u);
  EXPECT_DOUBLE_EQ(empty.pairwise.f1, 1.0);
  EXPECT_DOUBLE_EQ(empty.bcubed.f1, 1.0);
}

TEST(EvaluateClustersCrossSource, HandComputedExample) {
  // Example above with sources 0,1,0,1,0,1.
  // Predicted cross pairs: X {0:s0, 1:s1} -> 1; Y {2:s0, 3:s1, 4:s0} -> 3 - C(2,2) = 2; total 3.
  // True cross pairs: A {0:s0, 1:s1, 2:s0} -> 3 - 1 = 2; B {3:s1, 4:s0} -> 1; total 3.
  // TP cross: (X,A) {0:s0, 1:s1} -> 1; (Y,B) {3:s1, 4:s0} -> 1; total 2.
  std::vector<uint16_t> sources = {0, 1, 0, 1, 0, 1};
  ClusterEvaluation e = EvaluateClustersCrossSource(kPredicted, kTruth, sources);
  EXPECT_EQ(e.pairwise.predicted_pairs, 3u);
  EXPECT_EQ(e.pairwise.true_pairs, 3u);
  EXPECT_EQ(e.pairwise.true_positive_pairs, 2u);
  EXPECT_DOUBLE_EQ(e.pairwise.precision, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(e.pairwise.recall, 2.0 / 3.0);
  EXPECT_NEAR(e.pairwise.f1, 2.0 / 3.0, 1e-15);
  // Cluster-level figures are those of EvaluateClusters.
  EXPECT_NEAR(e.bcubed.f1, 7.0 / 9.0, 1e-15);
  EXPECT_EQ(e.errors.merged_clusters, 1u);
  EXPECT_EQ(e.records, 6u);
}

// Brute force: enumerate all pairs and, for B-cubed, all records against all records.
ClusterEvaluation Reference(const std::vector<uint32_t>& predicted,
                            const std::vector<uint32_t>& truth,
                            const std::vector<uint16_t>* sources) {
  size_t n = truth.size();
  uint64_t tp = 0, pred = 0, tru = 0;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i + 1; j < n; ++j) {
      if (sources && (*sources)[i] == (*sources)[j]) continue;
      bool same_p = predicted[i] == predicted[j];
      bool same_t = truth[i] == truth[j];
      pred += same_p;
      tru += same_t;
      tp += same_p && same_t;
    }
  }
  ClusterEvaluation e;
  e.records = n;
  e.pairwise.true_pairs = tru;
  e.pairwise.predicted_pairs = pred;
  e.pairwise.true_positive_pairs = tp;
  e.pairwise.precision = pred ? double(tp) / pred : 1.0;
  e.pairwise.recall = tru ? double(tp) / tru : 1.0;
  double p = e.pairwise.precision, r = e.pairwise.recall;
  e.pairwise.f1 = p + r > 0 ? 2 * p * r / (p + r) : 0.0;
  double bp = 0, br = 0;
  for (size_t i = 0; i < n; ++i) {
    double both = 0, in_cluster = 0, in_entity = 0;
    for (size_t j = 0; j < n; ++j) {
      bool same_p = predicted[i] == predicted[j];
      bool same_t = truth[i] == truth[j];
      both += same_p && same_t;
      in_cluster += same_p;
      in_entity += same_t;
    }
    bp += both / in_cluster;
    br += both / in_entity;
  }
  if (n > 0) {
    e.bcubed.precision = bp / n;
    e.bcubed.recall = br / n;
    e.bcubed.f1 = 2 * e.bcubed.precision * e.bcubed.recall / (e.bcubed.precision + e.bcubed.recall);
  }
  std::map<uint32_t, std::set<uint32_t>> entities_of_cluster, clusters_of_entity;
  for (size_t i = 0; i < n; ++i) {
    entities_of_cluster[predicted[i]].insert(truth[i]);
    clusters_of_entity[truth[i]].insert(predicted[i]);
  }
  for (auto& [c, s] : entities_of_cluster) e.errors.merged_clusters += s.size() > 1;
  for (auto& [t, s] : clusters_of_entity) e.errors.split_entities += s.size() > 1;
  return e;
}

void ExpectSame(const ClusterEvaluation& got, const ClusterEvaluation& want) {
  EXPECT_EQ(got.records, want.records);
  EXPECT_EQ(got.pairwise.true_pairs, want.pairwise.true_pairs);
  EXPECT_EQ(got.pairwise.predicted_pairs, want.pairwise.predicted_pairs);
  EXPECT_EQ(got.pairwise.true_positive_pairs, want.pairwise.true_positive_pairs);
  EXPECT_DOUBLE_EQ(got.pairwise.precision, want.pairwise.precision);
  EXPECT_DOUBLE_EQ(got.pairwise.recall, want.pairwise.recall);
  EXPECT_NEAR(got.pairwise.f1, want.pairwise.f1, 1e-12);
  EXPECT_NEAR(got.bcubed.precision, want.bcubed.precision, 1e-12);
  EXPECT_NEAR(got.bcubed.recall, want.bcubed.recall, 1e-12);
  EXPECT_NEAR(got.bcubed.f1, want.bcubed.f1, 1e-12);
  EXPECT_EQ(got.errors.merged_clusters, want.errors.merged_clusters);
  EXPECT_EQ(got.errors.split_entities, want.errors.split_entities);
}

TEST(EvaluateClusters, MatchesBruteForceOnRandomLabels) {
  std::mt19937_64 rng(2024);
  for (int round = 0; round < 60; ++round) {
    size_t n = rng() % 250;
    // Label ranges from tiny (big groups) to large (mostly singletons); some rounds sparse.
    uint32_t predicted_range = 1 + rng() % (n + 2);
    uint32_t truth_range = 1 + rng() % (n + 2);
    uint32_t scale = (round % 4 == 0) ? 40000000u : 1u;
    std::vector<uint32_t> predicted(n), truth(n);
    std::vector<uint16_t> sources(n);
    uint16_t num_sources = 1 + rng() % 3;
    for (size_t r = 0; r < n; ++r) {
      predicted[r] = (rng() % predicted_range) * scale;
      // Correlate truth with predicted half of the time so TP is not tiny.
      truth[r] = (rng() & 1) ? predicted[r] / scale % truth_range : rng() % truth_range;
      sources[r] = rng() % num_sources;
    }
    SCOPED_TRACE(::testing::Message() << "round " << round << ", n " << n);
    ExpectSame(EvaluateClusters(predicted, truth), Reference(predicted, truth, nullptr));
    ExpectSame(EvaluateClustersCrossSource(predicted, truth, sources),
               Reference(predicted, truth, &sources));
  }
}

bool BitIdentical(const ClusterEvaluation& x, const ClusterEvaluation& y) {
  return x.records == y.records && x.pairwise.true_pairs == y.pairwise.true_pairs &&
         x.pairwise.predicted_pairs == y.pairwise.predicted_pairs &&
         x.pairwise.true_positive_pairs == y.pairwise.true_positive_pairs &&
         x.pairwise.f1 == y.pairwise.f1 && x.bcubed.precision == y.bcubed.precision &&
         x.bcubed.recall == y.bcubed.recall && x.bcubed.f1 == y.bcubed.f1 &&
         x.errors.merged_clusters == y.errors.merged_clusters &&
         x.errors.split_entities == y.errors.split_entities;
}

TEST(EvaluateClusters, BitIdenticalAtAnyThreadCount) {
  const size_t n = 300000;
  std::mt19937_64 rng(77);
  std::vector<uint32_t> predicted(n), truth(n);
  std::vector<uint16_t> sources(n);
  for (size_t r = 0; r < n; ++r) {
    truth[r] = rng() % (n / 3);
    predicted[r] = (rng() % 10 == 0) ? rng() % n : truth[r];
    sources[r] = rng() % 2;
  }
  ClusterEvaluation base, base_cross;
  {
    tbb::task_arena arena(1);
    arena.execute([&] {
      base = EvaluateClusters(predicted, truth);
      base_cross = EvaluateClustersCrossSource(predicted, truth, sources);
    });
  }
  EXPECT_GT(base.pairwise.true_positive_pairs, 0u);
  EXPECT_LT(base.bcubed.precision, 1.0);
  for (int threads : {2, 8}) {
    tbb::task_arena arena(threads);
    ClusterEvaluation e, cross;
    arena.execute([&] {
      e = EvaluateClusters(predicted, truth);
      cross = EvaluateClustersCrossSource(predicted, truth, sources);
    });
    EXPECT_TRUE(BitIdentical(e, base)) << threads << " threads";
    EXPECT_TRUE(BitIdentical(cross, base_cross)) << threads << " threads";
  }
}

}  // namespace
}  // namespace reclink
