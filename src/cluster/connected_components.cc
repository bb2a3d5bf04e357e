// Connected components over scored edges: Rem's union-find (sequential) or the lock-free
// ConcurrentUnionFind (parallel), then a relabelling that numbers clusters by smallest row.
#include <tbb/blocked_range.h>
#include "reclink/parallel.h"
#include <tbb/task_arena.h>

#include <algorithm>
#include <cassert>
#include <numeric>

#include "reclink/cluster.h"

namespace reclink {
namespace {

// Below this many edges the sequential kernel wins over thread start-up and CAS traffic.
constexpr size_t kParallelMinEdges = size_t{1} << 18;
// Rem's kernel does about 100M edges/s on one core, the lock-free one about 55M edges/s per
// thread (bench_cluster, 1M rows / 5M edges), so going parallel only pays from 4 threads up.
constexpr int kParallelMinThreads = 4;
constexpr size_t kParallelGrain = size_t{1} << 14;

}  // namespace

void RootsToLabels(std::vector<uint32_t>& parent) {
  // Ascending scan: parent[r] <= r, so the entry at parent[r] already holds its final label
  // (labels of smaller rows are written first) and the forest is relabelled in place.
  uint32_t next = 0;
  for (size_t r = 0; r < parent.size(); ++r) {
    uint32_t p = parent[r];
    assert(p <= r);
    parent[r] = (p == r) ? next++ : parent[p];
  }
}

std::vector<uint32_t> ConnectedComponentsSequential(size_t n, std::span<const Edge> edges) {
  std::vector<uint32_t> parent(n);
  std::iota(parent.begin(), parent.end(), uint32_t{0});
  uint32_t* p = parent.data();
  // Rem's algorithm with splicing (Dijkstra 1976; evaluated as the fastest sequential union-find
  // by Patwary, Blair & Manne, "Experiments on union-find algorithms for the disjoint-set data
  // structure", SEA 2010). Ordered so that a parent is never larger than its child: each root is
  // the smallest row of its tree, which RootsToLabels relies on.
  for (const Edge& e : edges) {
    assert(e.a < n && e.b < n);
    uint32_t x = e.a;
    uint32_t y = e.b;
    while (p[x] != p[y]) {
      if (p[x] < p[y]) std::swap(x, y);  // now p[x] > p[y]
      uint32_t px = p[x];
      p[x] = p[y];  // link the root x, or splice x's subtree, under the smaller parent
      if (px == x) break;
      x = px;
    }
  }
  RootsToLabels(parent);
  return parent;
}

std::vector<uint32_t> ConnectedComponents(size_t n, std::span<const Edge> edges) {
  if (edges.size() < kParallelMinEdges ||
      tbb::this_task_arena::max_concurrency() < kParallelMinThreads) {
    return ConnectedComponentsSequential(n, edges);
  }
  ConcurrentUnionFind uf(n);
  ParallelFor(tbb::blocked_range<size_t>(0, edges.size(), kParallelGrain),
                    [&](const tbb::blocked_range<size_t>& range) {
                      for (size_t i = range.begin(); i != range.end(); ++i) {
                        uf.Union(edges[i].a, edges[i].b);
                      }
                    });
  return uf.Labels();
}

}  // namespace reclink
