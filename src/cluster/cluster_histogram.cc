// Cluster-size histogram of a labelling (size -> number of clusters).
#include <algorithm>

#include "reclink/cluster.h"

namespace reclink {

std::map<uint64_t, uint64_t> ClusterSizeHistogram(std::span<const uint32_t> labels) {
  std::map<uint64_t, uint64_t> histogram;
  if (labels.empty()) return histogram;
  uint32_t max_label = *std::max_element(labels.begin(), labels.end());
  std::vector<uint64_t> sizes;
  if (max_label <= 4 * labels.size() + 1024) {
    // Dense labels (the usual case, e.g. from ConnectedComponents): count directly.
    sizes.assign(size_t{max_label} + 1, 0);
    for (uint32_t l : labels) ++sizes[l];
  } else {
    std::vector<uint32_t> sorted(labels.begin(), labels.end());
    std::sort(sorted.begin(), sorted.end());
    for (size_t i = 0; i < sorted.size();) {
      size_t j = i;
      while (j < sorted.size() && sorted[j] == sorted[i]) ++j;
      sizes.push_back(j - i);
      i = j;
    }
  }
  // Counted by size in a table first: one map lookup per distinct size, not per cluster (a
  // million clusters made the map's lookups most of this function).
  std::vector<uint64_t> clusters_of_size;
  for (uint64_t s : sizes) {
    if (s == 0) continue;
    if (s >= clusters_of_size.size()) clusters_of_size.resize(s + 1, 0);
    ++clusters_of_size[s];
  }
  for (uint64_t s = 1; s < clusters_of_size.size(); ++s) {
    if (clusters_of_size[s] != 0) histogram.emplace_hint(histogram.end(), s, clusters_of_size[s]);
  }
  return histogram;
}

}  // namespace reclink
