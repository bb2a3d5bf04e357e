// Tests for ConnectedComponents: BFS reference on random graphs, order and orientation
// independence, numbering by smallest row, and the parallel path at 1, 2 and 8 threads.
#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <random>

#include "cluster_reference.h"
#include "reclink/cluster.h"

namespace reclink {
namespace {

using testing::BfsComponents;
using testing::RandomEdges;

TEST(ConnectedComponents, EmptyGraphIsAllSingletons) {
  std::vector<Edge> none;
  EXPECT_TRUE(ConnectedComponents(0, none).empty());
  EXPECT_EQ(ConnectedComponents(4, none), (std::vector<uint32_t>{0, 1, 2, 3}));
}

TEST(ConnectedComponents, NumbersClustersBySmallestRow) {
  // Components {0,5}, {1,3,4}, {2}, {6}: numbered 0, 1, 2, 3 by smallest row 0, 1, 2, 6.
  std::vector<Edge> edges = {{4, 3, 1.0}, {5, 0, 1.0}, {1, 4, 1.0}};
  EXPECT_EQ(ConnectedComponents(7, edges), (std::vector<uint32_t>{0, 1, 2, 1, 1, 0, 3}));
  EXPECT_EQ(ConnectedComponentsSequential(7, edges), (std::vector<uint32_t>{0, 1, 2, 1, 1, 0, 3}));
}

TEST(ConnectedComponents, SelfLoopsAndDuplicatesAreHarmless) {
  std::vector<Edge> edges = {{2, 2, 1.0}, {1, 2, 1.0}, {2, 1, 1.0}, {1, 2, 0.5}};
  EXPECT_EQ(ConnectedComponents(3, edges), (std::vector<uint32_t>{0, 1, 1}));
}

TEST(ConnectedComponents, LongChainInBothDirections) {
  // A path whose edges arrive from the far end, which builds deep trees without splicing.
  const size_t n = 10000;
  std::vector<Edge> edges;
  for (uint32_t r = n - 1; r > 0; --r) edges.push_back({r, r - 1, 1.0});
  std::vector<uint32_t> zeros(n, 0);
  EXPECT_EQ(ConnectedComponentsSequential(n, edges), zeros);
  std::reverse(edges.begin(), edges.end());
  EXPECT_EQ(ConnectedComponentsSequential(n, edges), zeros);
}

TEST(ConnectedComponents, MatchesBfsOnRandomGraphs) {
  // Densities from mostly singletons to one giant component.
  for (size_t n : {1, 2, 17, 100, 1000, 5000}) {
    for (double edges_per_row : {0.1, 0.5, 1.0, 3.0}) {
      auto edges = RandomEdges(n, static_cast<size_t>(n * edges_per_row) + 1, n * 31 + 7);
      auto expected = BfsComponents(n, edges);
      EXPECT_EQ(ConnectedComponentsSequential(n, edges), expected) << n << " " << edges_per_row;
      EXPECT_EQ(ConnectedComponents(n, edges), expected) << n << " " << edges_per_row;
    }
  }
}

TEST(ConnectedComponents, IndependentOfEdgeOrderAndOrientation) {
  const size_t n = 3000;
  auto edges = RandomEdges(n, 2500, 99);
  auto expected = BfsComponents(n, edges);
  std::mt19937_64 rng(5);
  for (int round = 0; round < 10; ++round) {
    std::shuffle(edges.begin(), edges.end(), rng);
    for (Edge& e : edges) {
      if (rng() & 1) std::swap(e.a, e.b);
    }
    ASSERT_EQ(ConnectedComponentsSequential(n, edges), expected) << round;
  }
}

TEST(ConnectedComponents, ParallelPathSameAtAnyThreadCount) {
  // Enough edges to take the parallel path (>= 2^18 edges; taken at 8 threads, not at 1 or 2).
  const size_t n = 200000;
  auto edges = RandomEdges(n, 300000, 1234);
  auto expected = BfsComponents(n, edges);
  for (int threads : {1, 2, 8}) {
    tbb::task_arena arena(threads);
    std::vector<uint32_t> labels;
    arena.execute([&] { labels = ConnectedComponents(n, edges); });
    EXPECT_EQ(labels, expected) << threads << " threads";
  }
}

TEST(RootsToLabels, RelabelsForestInPlace) {
  // Trees {0,2,3} (3 -> 2 -> 0) and {1,4}: labels 0,1,0,0,1.
  std::vector<uint32_t> parent = {0, 1, 0, 2, 1};
  RootsToLabels(parent);
  EXPECT_EQ(parent, (std::vector<uint32_t>{0, 1, 0, 0, 1}));
}

}  // namespace
}  // namespace reclink
