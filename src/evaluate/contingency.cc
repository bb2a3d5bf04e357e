// Cross-tabulation of two labellings by counting sort and per-group run-length counting.
#include "evaluate/contingency.h"

#include <absl/container/flat_hash_map.h>
#include <tbb/blocked_range.h>
#include "reclink/parallel.h"

#include <algorithm>
#include <cassert>

namespace reclink::evaluate_detail {
namespace {

// Groups per task: fixed, so the reduction tree (and the floating-point sum) never depends on
// the number of threads.
constexpr size_t kGroupsPerTask = 4096;

uint64_t Pairs(uint64_t n) { return n * (n - 1) / 2; }

}  // namespace

DenseLabelView MakeDense(std::span<const uint32_t> labels) {
  DenseLabelView view;
  if (labels.empty()) return view;
  uint32_t max_label = *std::max_element(labels.begin(), labels.end());
  if (uint64_t{max_label} + 1 <= 4 * uint64_t{labels.size()} + 1024) {
    view.labels = labels;
    view.count = size_t{max_label} + 1;
    return view;
  }
  // Labels numbered in order of first appearance.
  absl::flat_hash_map<uint32_t, uint32_t> ids;
  view.storage.resize(labels.size());
  for (size_t r = 0; r < labels.size(); ++r) {
    view.storage[r] = ids.try_emplace(labels[r], static_cast<uint32_t>(ids.size())).first->second;
  }
  view.count = ids.size();
  view.labels = view.storage;
  return view;
}

DenseLabelView CombineWithSource(std::span<const uint32_t> labels,
                                 std::span<const uint16_t> sources) {
  assert(labels.size() == sources.size());
  DenseLabelView view;
  absl::flat_hash_map<uint64_t, uint32_t> ids;
  view.storage.resize(labels.size());
  for (size_t r = 0; r < labels.size(); ++r) {
    const uint64_t key = (uint64_t{labels[r]} << 16) | sources[r];
    view.storage[r] = ids.try_emplace(key, static_cast<uint32_t>(ids.size())).first->second;
  }
  view.count = ids.size();
  view.labels = view.storage;
  return view;
}

GroupStats CrossTabulate(std::span<const uint32_t> group, size_t num_groups,
                         std::span<const uint32_t> other) {
  assert(group.size() == other.size());
  // Counting sort of the rows' other labels by group. After the scatter, end[g] is the end of
  // group g's run and end[g - 1] (0 for g == 0) its beginning.
  std::vector<uint64_t> end(num_groups + 1, 0);
  for (uint32_t g : group) {
    assert(g < num_groups);
    ++end[g + 1];
  }
  for (size_t g = 1; g <= num_groups; ++g) end[g] += end[g - 1];
  std::vector<uint32_t> members(group.size());
  for (size_t r = 0; r < group.size(); ++r) members[end[group[r]]++] = other[r];

  return ParallelDeterministicReduce(
      tbb::blocked_range<size_t>(0, num_groups, kGroupsPerTask), GroupStats{},
      [&](const tbb::blocked_range<size_t>& range, GroupStats stats) {
        for (size_t g = range.begin(); g != range.end(); ++g) {
          uint64_t begin = g == 0 ? 0 : end[g - 1];
          uint64_t size = end[g] - begin;
          if (size == 0) continue;
          ++stats.groups;
          if (size == 1) {
            stats.bcubed_sum += 1.0;
            continue;
          }
          stats.group_pairs += Pairs(size);
          // Each group's run is touched by this task only, so sorting it in place is safe.
          uint32_t* first = members.data() + begin;
          uint32_t* last = first + size;
          std::sort(first, last);
          uint64_t sum_squares = 0;
          uint64_t distinct = 0;
          for (uint32_t* run = first; run != last;) {
            uint32_t* run_end = run + 1;
            while (run_end != last && *run_end == *run) ++run_end;
            uint64_t cell = run_end - run;
            stats.cell_pairs += Pairs(cell);
            sum_squares += cell * cell;
            ++distinct;
            run = run_end;
          }
          if (distinct > 1) ++stats.mixed_groups;
          stats.bcubed_sum += static_cast<double>(sum_squares) / static_cast<double>(size);
        }
        return stats;
      },
      [](GroupStats x, const GroupStats& y) {
        x.groups += y.groups;
        x.group_pairs += y.group_pairs;
        x.cell_pairs += y.cell_pairs;
        x.mixed_groups += y.mixed_groups;
        x.bcubed_sum += y.bcubed_sum;
        return x;
      });
}

uint64_t SumGroupPairs(std::span<const uint32_t> group, size_t num_groups) {
  std::vector<uint64_t> sizes(num_groups, 0);
  for (uint32_t g : group) {
    assert(g < num_groups);
    ++sizes[g];
  }
  uint64_t pairs = 0;
  for (uint64_t s : sizes) pairs += s > 1 ? Pairs(s) : 0;
  return pairs;
}

}  // namespace reclink::evaluate_detail
