// majority_link: agglomerative clustering that does not chain. Edges are taken strongest first;
// two clusters join only when at least half of the record pairs between them are linked.
#include <algorithm>
#include <cassert>
#include <cmath>
#include <numeric>
#include <tuple>
#include <unordered_map>

#include "reclink/cluster.h"

namespace reclink {
namespace {

bool Stronger(const Edge& x, const Edge& y) {
  if (x.weight != y.weight) return x.weight > y.weight;
  return std::tie(x.a, x.b) < std::tie(y.a, y.b);
}

// Clusters one connected component (local rows 0..n-1, edges deduplicated, a < b) and appends
// the edges inside its final clusters, mapped back through `rows`, to kept.
void ClusterComponent(size_t n, std::vector<Edge>& edges, const std::vector<RowId>& rows, std::vector<Edge>* kept) {
  std::vector<uint32_t> parent(n), size(n, 1);
  std::iota(parent.begin(), parent.end(), 0u);
  // Per cluster root: linked pairs to every neighbouring cluster root.
  std::vector<std::unordered_map<uint32_t, uint64_t>> links(n);
  for (const Edge& e : edges) {
    ++links[e.a][e.b];
    ++links[e.b][e.a];
  }
  auto find = [&](uint32_t x) {
    while (parent[x] != x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  std::sort(edges.begin(), edges.end(), Stronger);
  for (const Edge& e : edges) {
    uint32_t ra = find(e.a), rb = find(e.b);
    if (ra == rb) continue;
    const uint64_t linked = links[ra][rb];
    // At least half of the |A| * |B| pairs between the two clusters are linked.
    if (2 * linked < uint64_t{size[ra]} * size[rb]) continue;
    // Merge the cluster with fewer neighbouring clusters into the other (small to large); which
    // root survives does not change the partition.
    if (links[ra].size() < links[rb].size()) std::swap(ra, rb);
    parent[rb] = ra;
    size[ra] += size[rb];
    links[ra].erase(rb);
    for (const auto& [other, count] : links[rb]) {
      if (other == ra) continue;
      links[ra][other] += count;
      auto& back = links[other];
      back.erase(rb);
      back[ra] += count;
    }
    std::unordered_map<uint32_t, uint64_t>().swap(links[rb]);
  }
  for (const Edge& e : edges) {
    if (find(e.a) == find(e.b)) kept->push_back({rows[e.a], rows[e.b], e.weight});
  }
}

}  // namespace

std::vector<Edge> MajorityLinks(size_t n, std::span<const Edge> edges) {
  std::vector<Edge> clean;
  clean.reserve(edges.size());
  for (const Edge& e : edges) {
    assert(e.a < n && e.b < n);
    if (e.a == e.b || std::isnan(e.weight)) continue;
    clean.push_back({std::min(e.a, e.b), std::max(e.a, e.b), e.weight});
  }
  // One edge per pair, with its highest weight.
  std::sort(clean.begin(), clean.end(), [](const Edge& x, const Edge& y) {
    return std::tie(x.a, x.b) != std::tie(y.a, y.b) ? std::tie(x.a, x.b) < std::tie(y.a, y.b) : x.weight > y.weight;
  });
  clean.erase(std::unique(clean.begin(), clean.end(), [](const Edge& x, const Edge& y) { return x.a == y.a && x.b == y.b; }),
              clean.end());
  // Components; a component of two records (one edge) is kept as it is.
  const std::vector<uint32_t> label = ConnectedComponentsSequential(n, clean);
  uint32_t components = 0;
  for (uint32_t l : label) components = std::max(components, l + 1);
  std::vector<uint32_t> members(components, 0), edge_count(components, 0);
  for (size_t r = 0; r < n; ++r) ++members[label[r]];
  for (const Edge& e : clean) ++edge_count[label[e.a]];
  std::vector<Edge> kept;
  kept.reserve(clean.size());
  // Group the edges of the larger components (by component, in (a, b) order).
  std::vector<std::vector<Edge>> grouped(components);
  for (const Edge& e : clean) {
    if (members[label[e.a]] <= 2) kept.push_back(e);
    else grouped[label[e.a]].push_back(e);
  }
  std::vector<RowId> rows;
  std::unordered_map<RowId, uint32_t> local;
  for (std::vector<Edge>& group : grouped) {
    if (group.empty()) continue;
    rows.clear();
    local.clear();
    for (Edge& e : group) {
      for (RowId* r : {&e.a, &e.b}) {
        auto [it, inserted] = local.try_emplace(*r, static_cast<uint32_t>(rows.size()));
        if (inserted) rows.push_back(*r);
        *r = it->second;
      }
    }
    ClusterComponent(rows.size(), group, rows, &kept);
  }
  std::sort(kept.begin(), kept.end(), [](const Edge& x, const Edge& y) { return std::tie(x.a, x.b) < std::tie(y.a, y.b); });
  return kept;
}

}  // namespace reclink
