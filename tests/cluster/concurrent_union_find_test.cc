// Tests for ConcurrentUnionFind: sequential use, concurrent unions from many threads in arenas of
// 1, 2 and 8 threads with tiny grains, all giving the BFS reference labels.
#include <gtest/gtest.h>
#include <tbb/blocked_range.h>
#include "reclink/parallel.h"
#include <tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <random>

#include "cluster_reference.h"
#include "reclink/cluster.h"

namespace reclink {
namespace {

using testing::BfsComponents;
using testing::RandomEdges;

TEST(ConcurrentUnionFind, SequentialUseFindsSmallestRoot) {
  ConcurrentUnionFind uf(6);
  EXPECT_EQ(uf.size(), 6u);
  uf.Union(5, 3);
  uf.Union(4, 5);
  uf.Union(2, 2);
  EXPECT_EQ(uf.Find(4), 3u);
  EXPECT_EQ(uf.Find(5), 3u);
  EXPECT_EQ(uf.Find(2), 2u);
  uf.Union(1, 4);
  EXPECT_EQ(uf.Find(5), 1u);
  // Clusters {0}, {1,3,4,5}, {2}.
  EXPECT_EQ(uf.Labels(), (std::vector<uint32_t>{0, 1, 2, 1, 1, 1}));
  // Still usable after Labels.
  uf.Union(0, 2);
  EXPECT_EQ(uf.Labels(), (std::vector<uint32_t>{0, 1, 0, 1, 1, 1}));
}

std::vector<uint32_t> ConcurrentLabels(size_t n, const std::vector<Edge>& edges, int threads,
                                       size_t grain) {
  ConcurrentUnionFind uf(n);
  tbb::task_arena arena(threads);
  arena.execute([&] {
    ParallelFor(
        tbb::blocked_range<size_t>(0, edges.size(), grain),
        [&](const tbb::blocked_range<size_t>& range) {
          for (size_t i = range.begin(); i != range.end(); ++i) uf.Union(edges[i].a, edges[i].b);
        },
        tbb::simple_partitioner());
  });
  return uf.Labels();
}

TEST(ConcurrentUnionFind, ConcurrentUnionsMatchBfsAtAnyThreadCount) {
  for (size_t n : {10, 1000, 50000}) {
    for (double edges_per_row : {0.3, 1.0, 4.0}) {
      auto edges = RandomEdges(n, static_cast<size_t>(n * edges_per_row), n + 3);
      auto expected = BfsComponents(n, edges);
      for (int threads : {1, 2, 8}) {
        for (size_t grain : {1, 64}) {
          EXPECT_EQ(ConcurrentLabels(n, edges, threads, grain), expected)
              << n << " rows, " << edges_per_row << " edges/row, " << threads << " threads";
        }
      }
    }
  }
}

TEST(ConcurrentUnionFind, HeavyContentionOnOneComponent) {
  // Every thread hammers the same few rows and long chains: one component in the end.
  const size_t n = 20000;
  std::vector<Edge> edges;
  for (uint32_t r = 1; r < n; ++r) edges.push_back({r, r - 1, 1.0});
  for (uint32_t r = 0; r < n; ++r) edges.push_back({r, static_cast<uint32_t>(n - 1 - r), 1.0});
  std::mt19937_64 rng(7);
  std::shuffle(edges.begin(), edges.end(), rng);
  std::vector<uint32_t> zeros(n, 0);
  for (int threads : {2, 8}) EXPECT_EQ(ConcurrentLabels(n, edges, threads, 1), zeros);
}

TEST(ConcurrentUnionFind, FindDuringUnionsStaysInsideTheFinalComponent) {
  // Finds interleaved with unions: a root seen mid-way is never larger than the row and always
  // belongs to the row's final component.
  const size_t n = 20000;
  auto edges = RandomEdges(n, 30000, 17);
  auto expected = BfsComponents(n, edges);
  for (int threads : {2, 8}) {
    ConcurrentUnionFind uf(n);
    std::atomic<int> bad{0};
    tbb::task_arena arena(threads);
    arena.execute([&] {
      ParallelFor(
          tbb::blocked_range<size_t>(0, edges.size(), 16),
          [&](const tbb::blocked_range<size_t>& range) {
            for (size_t i = range.begin(); i != range.end(); ++i) {
              uf.Union(edges[i].a, edges[i].b);
              RowId x = edges[(i * 7919) % edges.size()].a;
              RowId root = uf.Find(x);
              if (root > x || expected[root] != expected[x]) bad.fetch_add(1);
            }
          },
          tbb::simple_partitioner());
    });
    EXPECT_EQ(bad.load(), 0) << threads;
    EXPECT_EQ(uf.Labels(), expected) << threads;
  }
}

}  // namespace
}  // namespace reclink
