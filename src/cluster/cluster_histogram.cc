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
  for (uint64_t s : sizes) {
    if (s != 0) ++histogram[s];
  }
  return histogram;
}

}  // namespace reclink
