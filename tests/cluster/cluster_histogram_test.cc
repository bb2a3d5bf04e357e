// Tests for ClusterSizeHistogram on dense and sparse labels.
#include <gtest/gtest.h>

#include "reclink/cluster.h"

namespace reclink {
namespace {

TEST(ClusterSizeHistogram, CountsClustersPerSize) {
  // Clusters: 0 -> 3 rows, 1 -> 1 row, 2 -> 3 rows, 3 -> 1 row, 4 -> 2 rows.
  std::vector<uint32_t> labels = {0, 1, 0, 2, 2, 0, 3, 2, 4, 4};
  std::map<uint64_t, uint64_t> expected = {{1, 2}, {2, 1}, {3, 2}};
  EXPECT_EQ(ClusterSizeHistogram(labels), expected);
}

TEST(ClusterSizeHistogram, SparseLabels) {
  std::vector<uint32_t> labels = {4000000000u, 7, 4000000000u, 123456789};
  std::map<uint64_t, uint64_t> expected = {{1, 2}, {2, 1}};
  EXPECT_EQ(ClusterSizeHistogram(labels), expected);
}

TEST(ClusterSizeHistogram, ManySingletonsAndOneLargeCluster) {
  std::vector<uint32_t> labels;
  for (uint32_t i = 0; i < 1000; ++i) labels.push_back(i + 1);
  labels.insert(labels.begin() + 300, 500, 0u);  // cluster 0: 500 rows, in the middle
  std::map<uint64_t, uint64_t> expected = {{1, 1000}, {500, 1}};
  EXPECT_EQ(ClusterSizeHistogram(labels), expected);
}

TEST(ClusterSizeHistogram, Empty) { EXPECT_TRUE(ClusterSizeHistogram({}).empty()); }

}  // namespace
}  // namespace reclink
