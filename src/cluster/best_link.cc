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
  std::vector<double> best_weight(n, -std::numeric_limits<double>::infinity());
  std::vector<uint32_t> best_partner(n, kNoPartner);
  // (weight desc, partner asc) is a total order on a row's candidates, so the best partner does
  // not depend on the order the edges arrive in.
  auto offer = [&](uint32_t row, uint32_t other, double w) {
    uint32_t cur = best_partner[row];
    if (cur == kNoPartner || w > best_weight[row] || (w == best_weight[row] && other < cur)) {
      best_weight[row] = w;
      best_partner[row] = other;
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
    uint32_t b = best_partner[a];
    if (b != kNoPartner && a < b && best_partner[b] == a) kept.push_back({a, b, best_weight[a]});
  }
  return kept;
}

}  // namespace reclink
