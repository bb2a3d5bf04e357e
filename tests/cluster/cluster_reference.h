// Test-only references for clustering: BFS connected components and random edge sets.
#pragma once

#include <cstdint>
#include <queue>
#include <random>
#include <vector>

#include "reclink/cluster.h"

namespace reclink::testing {

// Connected components by breadth-first search, clusters numbered by smallest row (the rows are
// visited in ascending order, so the first row reached of each cluster is its smallest).
inline std::vector<uint32_t> BfsComponents(size_t n, const std::vector<Edge>& edges) {
  std::vector<std::vector<uint32_t>> adjacent(n);
  for (const Edge& e : edges) {
    adjacent[e.a].push_back(e.b);
    adjacent[e.b].push_back(e.a);
  }
  constexpr uint32_t kUnset = UINT32_MAX;
  std::vector<uint32_t> labels(n, kUnset);
  uint32_t next = 0;
  for (uint32_t start = 0; start < n; ++start) {
    if (labels[start] != kUnset) continue;
    std::queue<uint32_t> queue;
    labels[start] = next;
    queue.push(start);
    while (!queue.empty()) {
      uint32_t r = queue.front();
      queue.pop();
      for (uint32_t s : adjacent[r]) {
        if (labels[s] == kUnset) {
          labels[s] = next;
          queue.push(s);
        }
      }
    }
    ++next;
  }
  return labels;
}

// num_edges random edges over n rows (self-loops and duplicates included on purpose).
inline std::vector<Edge> RandomEdges(size_t n, size_t num_edges, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<uint32_t> row(0, static_cast<uint32_t>(n - 1));
  std::uniform_real_distribution<double> weight(0.0, 10.0);
  std::vector<Edge> edges(num_edges);
  for (Edge& e : edges) e = {row(rng), row(rng), weight(rng)};
  return edges;
}

}  // namespace reclink::testing
