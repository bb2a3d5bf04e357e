// one_per_source for links between deduplicated sources: greedy clustering by weight in which a
// cluster never holds two records of the same source.
#include <algorithm>
#include <cassert>
#include <cmath>
#include <numeric>
#include <tuple>

#include "reclink/cluster.h"

namespace reclink {

std::vector<Edge> OnePerSourceLinks(std::span<const Edge> edges, std::span<const uint16_t> sources) {
  const size_t n = sources.size();
  std::vector<Edge> order;
  order.reserve(edges.size());
  for (const Edge& e : edges) {
    assert(e.a < n && e.b < n);
    if (e.a == e.b || sources[e.a] == sources[e.b] || std::isnan(e.weight)) continue;
    order.push_back({std::min(e.a, e.b), std::max(e.a, e.b), e.weight});
  }
  // Strongest first; (a, b) breaks ties, so the result does not depend on the input's order.
  std::sort(order.begin(), order.end(), [](const Edge& x, const Edge& y) {
    if (x.weight != y.weight) return x.weight > y.weight;
    return std::tie(x.a, x.b) < std::tie(y.a, y.b);
  });

  // Union-find whose roots carry the set of sources in their cluster: a 64-bit mask when every
  // source id is below 64 (the usual case), else a sorted list.
  uint16_t max_source = 0;
  for (uint16_t s : sources) max_source = std::max(max_source, s);
  const bool masks = max_source < 64;
  std::vector<uint32_t> parent(n);
  std::iota(parent.begin(), parent.end(), 0u);
  std::vector<uint64_t> mask;
  std::vector<std::vector<uint16_t>> lists;
  if (masks) {
    mask.resize(n);
    for (size_t r = 0; r < n; ++r) mask[r] = uint64_t{1} << sources[r];
  } else {
    lists.resize(n);
    for (size_t r = 0; r < n; ++r) lists[r] = {sources[r]};
  }
  auto find = [&](uint32_t x) {
    while (parent[x] != x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  auto disjoint = [](const std::vector<uint16_t>& x, const std::vector<uint16_t>& y) {
    size_t i = 0, j = 0;
    while (i < x.size() && j < y.size()) {
      if (x[i] == y[j]) return false;
      if (x[i] < y[j]) ++i;
      else ++j;
    }
    return true;
  };

  std::vector<Edge> kept;
  for (const Edge& e : order) {
    uint32_t ra = find(e.a), rb = find(e.b);
    if (ra == rb) continue;
    if (masks ? (mask[ra] & mask[rb]) != 0 : !disjoint(lists[ra], lists[rb])) continue;
    if (rb < ra) std::swap(ra, rb);  // the smaller row stays the root
    parent[rb] = ra;
    if (masks) {
      mask[ra] |= mask[rb];
    } else {
      std::vector<uint16_t> merged;
      std::merge(lists[ra].begin(), lists[ra].end(), lists[rb].begin(), lists[rb].end(),
                 std::back_inserter(merged));
      lists[ra] = std::move(merged);
      std::vector<uint16_t>().swap(lists[rb]);
    }
    kept.push_back(e);
  }
  std::sort(kept.begin(), kept.end(), [](const Edge& x, const Edge& y) { return std::tie(x.a, x.b) < std::tie(y.a, y.b); });
  return kept;
}

}  // namespace reclink
