// Evaluation of a clustering against ground truth: pairwise and B-cubed precision/recall/F1,
// merged/split entity counts, and true-pair counting for blocking recall. Everything is computed
// from contingency counts (cluster x entity cells), never by enumerating pairs, so it is linear
// in the number of records (plus a sort within each cluster) and fast on millions of records.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "reclink/record_table.h"

namespace reclink {

// Pair-counting metrics. A "pair" is an unordered pair of distinct records.
//   true_pairs          pairs in the same true entity:      sum over entities  C(n_e, 2)
//   predicted_pairs     pairs in the same predicted cluster: sum over clusters C(n_c, 2)
//   true_positive_pairs pairs in both:                       sum over cells     C(n_ce, 2)
// precision = TP / predicted, and 1.0 when predicted_pairs == 0 (no link was claimed, so none is
// wrong). recall = TP / true, and 1.0 when true_pairs == 0 (nothing to find). f1 is their
// harmonic mean, 0.0 when both are 0.
struct PairMetrics {
  uint64_t true_pairs = 0;
  uint64_t predicted_pairs = 0;
  uint64_t true_positive_pairs = 0;
  double precision = 1.0;
  double recall = 1.0;
  double f1 = 1.0;
};

// B-cubed (Bagga & Baldwin, "Entity-based cross-document coreferencing using the vector space
// model", 1998). For each record r in predicted cluster c and true entity e: precision(r) =
// n_ce / n_c, recall(r) = n_ce / n_e (the record itself included, so singletons score 1);
// averaged over all records. f1 is their harmonic mean. All three are 1.0 for zero records.
struct BCubed {
  double precision = 1.0;
  double recall = 1.0;
  double f1 = 1.0;
};

struct EntityErrors {
  uint64_t merged_clusters = 0;  // predicted clusters containing records of more than one entity
  uint64_t split_entities = 0;   // true entities whose records are in more than one cluster
};

struct ClusterEvaluation {
  PairMetrics pairwise;
  BCubed bcubed;
  EntityErrors errors;
  uint64_t records = 0;
};

// Evaluates predicted[r] (cluster of row r) against truth[r] (true entity of row r). Labels are
// any uint32 values; only equality matters (dense labels, as from ConnectedComponents and
// DenseLabels, avoid a hashing step). Rows whose truth is unknown should get singleton labels
// (DenseLabels does that for nulls).
// Precondition: predicted.size() == truth.size() (asserted; in release builds the shorter length
// is used). Deterministic: the result is bit-identical at any thread count.
// Cost: O(n) plus sorting the entity labels inside each predicted cluster (and vice versa);
// O(n) extra memory. Runs in parallel inside the caller's TBB arena.
ClusterEvaluation EvaluateClusters(std::span<const uint32_t> predicted,
                                   std::span<const uint32_t> truth);

// Link-mode variant: pairwise counts only include pairs of rows from different sources
// (sources[r]). Computed per group as C(n, 2) - sum_s C(n_s, 2), using (cluster, source),
// (entity, source) and (cluster, entity, source) counts. B-cubed, entity errors and records are
// the cluster-level figures of EvaluateClusters (they do not depend on pairs).
// Precondition: the three spans have equal sizes (asserted; else the shortest length is used).
ClusterEvaluation EvaluateClustersCrossSource(std::span<const uint32_t> predicted,
                                              std::span<const uint32_t> truth,
                                              std::span<const uint16_t> sources);

// Maps string truth labels (e.g. the values of an entity_id column) to dense ids in [0, k),
// numbered in order of first appearance. Rows that are null (is_null[r], when r <
// is_null.size()) or empty each get a fresh id of their own, so an unlabelled row is never a
// true match of anything. The views need only stay valid during the call.
std::vector<uint32_t> DenseLabels(const std::vector<std::string_view>& values,
                                  const std::vector<bool>& is_null);

// Counts how many of the given pairs (a, b) are true matches (truth[a] == truth[b]); use with
// EvaluateClusters' true_pairs for blocking recall. Pairs are counted as given: callers pass
// each candidate pair once and a != b. Precondition: every row < truth.size() (asserted).
// Deterministic; parallel for large inputs.
uint64_t CountTruePairs(std::span<const std::pair<RowId, RowId>> pairs,
                        std::span<const uint32_t> truth);

}  // namespace reclink
