// Tests for BestLinks: mutual best, ties by smaller row, non-mutual dropped, same source ignored,
// duplicates and orientation, order independence.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>
#include <string>

#include "reclink/cluster.h"

namespace reclink {
namespace {

bool SameEdges(const std::vector<Edge>& x, const std::vector<Edge>& y) {
  if (x.size() != y.size()) return false;
  for (size_t i = 0; i < x.size(); ++i) {
    if (x[i].a != y[i].a || x[i].b != y[i].b || x[i].weight != y[i].weight) return false;
  }
  return true;
}

std::string Describe(const std::vector<Edge>& edges) {
  std::ostringstream out;
  for (const Edge& e : edges) out << "(" << e.a << "," << e.b << "," << e.weight << ") ";
  return out.str();
}

TEST(BestLinks, KeepsMutualBestOnly) {
  // Source 0: rows 0, 1. Source 1: rows 2, 3.
  // Row 0: best is 2 (5.0). Row 2: candidates 0 (5.0), 1 (7.0) -> best 1.
  // Row 1: candidates 2 (7.0), 3 (1.0) -> best 2. So (1,2) is mutual; (0,2) is not.
  // Row 3: best is 1, but row 1 prefers 2 -> dropped.
  std::vector<uint16_t> sources = {0, 0, 1, 1};
  std::vector<Edge> edges = {{0, 2, 5.0}, {1, 2, 7.0}, {3, 1, 1.0}};
  auto kept = BestLinks(edges, sources);
  EXPECT_TRUE(SameEdges(kept, {{1, 2, 7.0}})) << Describe(kept);
}

TEST(BestLinks, TiesGoToSmallerRow) {
  // Row 0 (source 0) ties between rows 2 and 3 (source 1) at 4.0: picks 2. Row 2 and row 3 both
  // only know row 0; (0,2) is mutual, (0,3) is not.
  std::vector<uint16_t> sources = {0, 0, 1, 1};
  std::vector<Edge> edges = {{0, 3, 4.0}, {0, 2, 4.0}};
  auto kept = BestLinks(edges, sources);
  EXPECT_TRUE(SameEdges(kept, {{0, 2, 4.0}})) << Describe(kept);
  std::reverse(edges.begin(), edges.end());
  EXPECT_TRUE(SameEdges(BestLinks(edges, sources), {{0, 2, 4.0}}));
}

TEST(BestLinks, SameSourceEdgesIgnored) {
  // (0,1) is the heaviest edge but both rows are in source 0: it must not hide (0,2).
  std::vector<uint16_t> sources = {0, 0, 1};
  std::vector<Edge> edges = {{0, 1, 100.0}, {0, 2, 1.0}};
  auto kept = BestLinks(edges, sources);
  EXPECT_TRUE(SameEdges(kept, {{0, 2, 1.0}})) << Describe(kept);
}

TEST(BestLinks, NormalizesSortsAndDeduplicates) {
  // Reversed orientation, a duplicate with a lower weight, a self-loop and a NaN edge.
  std::vector<uint16_t> sources = {1, 0, 1, 0, 2};
  std::vector<Edge> edges = {
      {3, 2, 2.0}, {1, 0, 3.0}, {2, 3, 2.5}, {4, 4, 9.0}, {4, 0, std::nan("")}};
  auto kept = BestLinks(edges, sources);
  EXPECT_TRUE(SameEdges(kept, {{0, 1, 3.0}, {2, 3, 2.5}})) << Describe(kept);
}

TEST(BestLinks, EmptyInput) {
  std::vector<uint16_t> sources = {0, 1};
  EXPECT_TRUE(BestLinks({}, sources).empty());
  EXPECT_TRUE(BestLinks({}, {}).empty());
}

// Brute force: for each row, scan all edges for its best partner.
std::vector<Edge> BestLinksReference(const std::vector<Edge>& edges,
                                     const std::vector<uint16_t>& sources) {
  size_t n = sources.size();
  auto best = [&](uint32_t row, uint32_t* partner, double* weight) {
    bool found = false;
    for (const Edge& e : edges) {
      if (e.a == e.b || sources[e.a] == sources[e.b]) continue;
      uint32_t other;
      if (e.a == row)
        other = e.b;
      else if (e.b == row)
        other = e.a;
      else
        continue;
      if (!found || e.weight > *weight || (e.weight == *weight && other < *partner)) {
        *partner = other;
        *weight = e.weight;
        found = true;
      }
    }
    return found;
  };
  std::vector<Edge> kept;
  for (uint32_t a = 0; a < n; ++a) {
    uint32_t b = 0, back = 0;
    double w = 0, wb = 0;
    if (best(a, &b, &w) && a < b && best(b, &back, &wb) && back == a) kept.push_back({a, b, w});
  }
  return kept;
}

TEST(BestLinks, MatchesBruteForceAndIgnoresOrder) {
  std::mt19937_64 rng(11);
  for (int round = 0; round < 30; ++round) {
    size_t n = 5 + rng() % 60;
    std::vector<uint16_t> sources(n);
    for (auto& s : sources) s = rng() % 3;
    std::vector<Edge> edges(rng() % (3 * n));
    for (Edge& e : edges) {
      // Few distinct weights so ties are frequent.
      e = {static_cast<uint32_t>(rng() % n), static_cast<uint32_t>(rng() % n),
           static_cast<double>(rng() % 4)};
    }
    auto expected = BestLinksReference(edges, sources);
    ASSERT_TRUE(SameEdges(BestLinks(edges, sources), expected)) << round;
    std::shuffle(edges.begin(), edges.end(), rng);
    for (Edge& e : edges) std::swap(e.a, e.b);
    ASSERT_TRUE(SameEdges(BestLinks(edges, sources), expected)) << round;
  }
}

}  // namespace
}  // namespace reclink
