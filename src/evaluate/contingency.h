// Internal building blocks of the evaluation metrics: making labels dense and cross-tabulating
// two labellings (group x other) without enumerating pairs.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace reclink::evaluate_detail {

// Labels with every value < count. Either a view of the caller's labels (when they are already
// small enough to index arrays with) or a renumbered copy held in storage. Move-only: labels may
// point into storage.
struct DenseLabelView {
  DenseLabelView() = default;
  DenseLabelView(const DenseLabelView&) = delete;
  DenseLabelView& operator=(const DenseLabelView&) = delete;
  DenseLabelView(DenseLabelView&&) = default;
  DenseLabelView& operator=(DenseLabelView&&) = default;

  std::span<const uint32_t> labels;
  size_t count = 0;
  std::vector<uint32_t> storage;
};

// Labels as they are when max + 1 <= 4 * n + 1024, else renumbered by first appearance.
DenseLabelView MakeDense(std::span<const uint32_t> labels);

// Dense ids of the (label, source) combinations of each row, by first appearance.
DenseLabelView CombineWithSource(std::span<const uint32_t> labels,
                                 std::span<const uint16_t> sources);

// Cross-tabulation of rows grouped by `group` (values < num_groups) against `other`.
struct GroupStats {
  uint64_t groups = 0;        // non-empty groups
  uint64_t group_pairs = 0;   // sum over groups of C(n_g, 2)
  uint64_t cell_pairs = 0;    // sum over (group, other) cells of C(n_go, 2)
  uint64_t mixed_groups = 0;  // groups holding more than one distinct other label
  double bcubed_sum = 0;  // sum over rows of n_go / n_g (= sum over groups of sum_o n_go^2 / n_g)
};

// Counting sort of rows by group, then a sort of the other labels inside each group and a
// run-length count. O(n + num_groups) plus the per-group sorts; parallel over groups with a fixed
// chunking (tbb::parallel_deterministic_reduce), so bcubed_sum is identical at any thread count.
// Precondition: group.size() == other.size(), every group value < num_groups.
GroupStats CrossTabulate(std::span<const uint32_t> group, size_t num_groups,
                         std::span<const uint32_t> other);

// Sum over groups of C(n_g, 2). Precondition: every value < num_groups.
uint64_t SumGroupPairs(std::span<const uint32_t> group, size_t num_groups);

}  // namespace reclink::evaluate_detail
