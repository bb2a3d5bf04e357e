// majority_link: clusters join only when at least half of the pairs between them are linked, so
// chains stay in pieces and dense clusters form whole; the result does not depend on edge order.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "reclink/cluster.h"

namespace reclink {
namespace {

std::vector<uint32_t> Labels(size_t n, const std::vector<Edge>& edges) {
  return ConnectedComponents(n, MajorityLinks(n, edges));
}

TEST(MajorityLink, AChainStaysInPieces) {
  // 0-1-2-3-4-5, strongest link first; connected components would make one cluster.
  std::vector<Edge> chain = {{0, 1, 9}, {1, 2, 8}, {2, 3, 7}, {3, 4, 6}, {4, 5, 5}};
  const std::vector<uint32_t> l = Labels(6, chain);
  // {0,1} + {2}: one of two pairs linked (half) joins; {0,1,2} + {3}: one of three does not.
  EXPECT_EQ(l[0], l[1]);
  EXPECT_EQ(l[1], l[2]);
  EXPECT_NE(l[2], l[3]);
  EXPECT_EQ(l[3], l[4]);  // then {3,4} forms, and {3,4} + {5}: one of two joins
  EXPECT_EQ(l[4], l[5]);
  EXPECT_EQ(ConnectedComponents(6, chain)[5], 0u);
}

TEST(MajorityLink, DenseClustersFormWholeAndAWeakBridgeDoesNotJoinThem) {
  std::vector<Edge> edges;
  // Two cliques of four (rows 0-3 and 4-7) with one pair missing in each, and one strong bridge.
  for (RowId a = 0; a < 4; ++a)
    for (RowId b = a + 1; b < 4; ++b)
      if (!(a == 0 && b == 3)) edges.push_back({a, b, 10});
  for (RowId a = 4; a < 8; ++a)
    for (RowId b = a + 1; b < 8; ++b)
      if (!(a == 5 && b == 7)) edges.push_back({a, b, 10});
  edges.push_back({3, 4, 2});  // the only link between the two: connected components would merge them
  const std::vector<uint32_t> l = Labels(8, edges);
  for (RowId r = 1; r < 4; ++r) EXPECT_EQ(l[r], l[0]) << r;
  for (RowId r = 5; r < 8; ++r) EXPECT_EQ(l[r], l[4]) << r;
  EXPECT_NE(l[0], l[4]);
  EXPECT_EQ(ConnectedComponents(8, edges)[7], 0u);
}

TEST(MajorityLink, IgnoresSelfLoopsNanAndDuplicatesAndKeepsTheEdgesInsideClusters) {
  const std::vector<Edge> edges = {{1, 1, 5}, {0, 1, NAN}, {2, 0, 3}, {0, 2, 4}, {0, 2, 1}};
  const std::vector<Edge> kept = MajorityLinks(3, edges);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].a, 0u);
  EXPECT_EQ(kept[0].b, 2u);
  EXPECT_EQ(kept[0].weight, 4);  // the duplicate pair's highest weight
}

TEST(MajorityLink, RandomGraphsAreOrderIndependentAndWithinComponents) {
  std::mt19937_64 rng(3);
  for (int round = 0; round < 200; ++round) {
    const size_t n = 2 + rng() % 40;
    std::vector<Edge> edges;
    const size_t m = rng() % (3 * n);
    for (size_t i = 0; i < m; ++i) {
      edges.push_back({static_cast<RowId>(rng() % n), static_cast<RowId>(rng() % n), static_cast<double>(rng() % 7)});
    }
    const std::vector<Edge> kept = MajorityLinks(n, edges);
    std::vector<Edge> shuffled = edges;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    for (Edge& e : shuffled)
      if (rng() % 2) std::swap(e.a, e.b);
    const std::vector<Edge> again = MajorityLinks(n, shuffled);
    ASSERT_EQ(kept.size(), again.size());
    for (size_t i = 0; i < kept.size(); ++i) {
      EXPECT_EQ(kept[i].a, again[i].a);
      EXPECT_EQ(kept[i].b, again[i].b);
    }
    // Every cluster is a subset of a connected component, and a kept edge joins a cluster.
    const std::vector<uint32_t> cc = ConnectedComponents(n, edges), l = ConnectedComponents(n, kept);
    for (size_t a = 0; a < n; ++a)
      for (size_t b = 0; b < n; ++b)
        if (l[a] == l[b]) {
          EXPECT_EQ(cc[a], cc[b]);
        }
  }
}

}  // namespace
}  // namespace reclink
