// EvaluateClusters and its cross-source variant: pairwise and B-cubed metrics and entity errors
// from two cross-tabulations (clusters x entities and entities x clusters).
#include "reclink/parallel.h"

#include <algorithm>
#include <cassert>

#include "evaluate/contingency.h"
#include "reclink/evaluate.h"

namespace reclink {
namespace {

using evaluate_detail::CombineWithSource;
using evaluate_detail::CrossTabulate;
using evaluate_detail::DenseLabelView;
using evaluate_detail::GroupStats;
using evaluate_detail::MakeDense;
using evaluate_detail::SumGroupPairs;

double HarmonicMean(double p, double r) { return p + r > 0 ? 2 * p * r / (p + r) : 0.0; }

// Ratio with the documented convention for an empty denominator.
double RatioOrOne(uint64_t numerator, uint64_t denominator) {
  return denominator == 0 ? 1.0 : static_cast<double>(numerator) / static_cast<double>(denominator);
}

PairMetrics MakePairMetrics(uint64_t true_pairs, uint64_t predicted_pairs, uint64_t tp) {
  PairMetrics m;
  m.true_pairs = true_pairs;
  m.predicted_pairs = predicted_pairs;
  m.true_positive_pairs = tp;
  m.precision = RatioOrOne(tp, predicted_pairs);
  m.recall = RatioOrOne(tp, true_pairs);
  m.f1 = HarmonicMean(m.precision, m.recall);
  return m;
}

ClusterEvaluation Evaluate(const DenseLabelView& predicted, const DenseLabelView& truth) {
  GroupStats by_cluster;
  GroupStats by_entity;
  ParallelInvoke(
      [&] { by_cluster = CrossTabulate(predicted.labels, predicted.count, truth.labels); },
      [&] { by_entity = CrossTabulate(truth.labels, truth.count, predicted.labels); });
  assert(by_cluster.cell_pairs == by_entity.cell_pairs);

  ClusterEvaluation result;
  result.records = predicted.labels.size();
  result.pairwise =
      MakePairMetrics(by_entity.group_pairs, by_cluster.group_pairs, by_cluster.cell_pairs);
  if (result.records > 0) {
    double n = static_cast<double>(result.records);
    result.bcubed.precision = by_cluster.bcubed_sum / n;
    result.bcubed.recall = by_entity.bcubed_sum / n;
    result.bcubed.f1 = HarmonicMean(result.bcubed.precision, result.bcubed.recall);
  }
  result.errors.merged_clusters = by_cluster.mixed_groups;
  result.errors.split_entities = by_entity.mixed_groups;
  return result;
}

}  // namespace

ClusterEvaluation EvaluateClusters(std::span<const uint32_t> predicted,
                                   std::span<const uint32_t> truth) {
  assert(predicted.size() == truth.size());
  size_t n = std::min(predicted.size(), truth.size());
  return Evaluate(MakeDense(predicted.first(n)), MakeDense(truth.first(n)));
}

ClusterEvaluation EvaluateClustersCrossSource(std::span<const uint32_t> predicted,
                                              std::span<const uint32_t> truth,
                                              std::span<const uint16_t> sources) {
  assert(predicted.size() == truth.size() && truth.size() == sources.size());
  size_t n = std::min({predicted.size(), truth.size(), sources.size()});
  predicted = predicted.first(n);
  truth = truth.first(n);
  sources = sources.first(n);
  ClusterEvaluation result = Evaluate(MakeDense(predicted), MakeDense(truth));

  // Same-source pairs, to subtract: group by (cluster, source) and (entity, source). A cell of
  // the first against the second is a (cluster, entity, source) cell.
  DenseLabelView cluster_source;
  DenseLabelView entity_source;
  ParallelInvoke([&] { cluster_source = CombineWithSource(predicted, sources); },
                       [&] { entity_source = CombineWithSource(truth, sources); });
  GroupStats same_source;
  uint64_t true_same_source = 0;
  ParallelInvoke(
      [&] {
        same_source =
            CrossTabulate(cluster_source.labels, cluster_source.count, entity_source.labels);
      },
      [&] { true_same_source = SumGroupPairs(entity_source.labels, entity_source.count); });

  const PairMetrics& all = result.pairwise;
  result.pairwise = MakePairMetrics(all.true_pairs - true_same_source,
                                    all.predicted_pairs - same_source.group_pairs,
                                    all.true_positive_pairs - same_source.cell_pairs);
  return result;
}

}  // namespace reclink
