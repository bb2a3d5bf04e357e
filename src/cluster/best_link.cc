// best_link for link mode: keep only mutual-best cross-source edges (one-to-one linking).
#include <cassert>
#include <cmath>
#include <limits>

#include "reclink/cluster.h"

namespace reclink {
namespace {

constexpr uint32_t kNoPartner = std::numeric_limits<uint32_t>::max();

}  // namespace

std::vector<Edge> BestLinks(std::span<const Edge> edges, std::span<const uint16_t> sources) {
  const size_t n = sources.size();
  // Weight and partner side by side: one cache miss per offer on large tables.
  struct Best {
    double weight = -std::numeric_limits<double>::infinity();
    uint32_t partner = kNoPartner;
  };
  std::vector<Best> best(n);
  // (weight desc, partner asc) is a total order on a row's candidates, so the best partner does
  // not depend on the order the edges arrive in.
  auto offer = [&](uint32_t row, uint32_t other, double w) {
    Best& b = best[row];
    if (b.partner == kNoPartner || w > b.weight || (w == b.weight && other < b.partner)) {
      b.weight = w;
      b.partner = other;
    }
  };
  for (const Edge& e : edges) {
    assert(e.a < n && e.b < n);
    if (e.a == e.b || sources[e.a] == sources[e.b] || std::isnan(e.weight)) continue;
    offer(e.a, e.b, e.weight);
    offer(e.b, e.a, e.weight);
  }
  std::vector<Edge> kept;
  for (uint32_t a = 0; a < n; ++a) {
    uint32_t b = best[a].partner;
    if (b != kNoPartner && a < b && best[b].partner == a) kept.push_back({a, b, best[a].weight});
  }
  return kept;
}

}  // namespace reclink
