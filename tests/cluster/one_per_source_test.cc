// Tests for OnePerSourceLinks: greedy by weight, never two records of one source in a cluster,
// same-source edges ignored, many sources (mask and list paths), order independence, and clusters
// of up to K records for K sources where best_link stops at two.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "reclink/cluster.h"

namespace reclink {
namespace {

// Every cluster (component of the kept edges) holds each source at most once.
void ExpectOnePerSource(size_t n, const std::vector<Edge>& kept, const std::vector<uint16_t>& sources) {
  const std::vector<uint32_t> labels = ConnectedComponents(n, kept);
  std::set<std::pair<uint32_t, uint16_t>> seen;
  for (size_t r = 0; r < n; ++r) {
    EXPECT_TRUE(seen.insert({labels[r], sources[r]}).second) << "row " << r << " repeats source " << sources[r];
  }
}

// A five-source chain: A1-B1 (10), B1-C1 (9), C1-A2 (8), A2-D1 (7), D1-E1 (6). Greedy: A1, B1 and
// C1 join; C1-A2 would add a second record of source A and is refused; A2, D1 and E1 form the
// second cluster. Connected components would make one cluster of six, best_link pairs of two.
TEST(OnePerSource, RefusesASecondRecordOfASourceAndKeepsGrowingOthers) {
  // rows: 0 A1, 1 B1, 2 C1, 3 A2, 4 D1, 5 E1
  const std::vector<uint16_t> sources = {0, 1, 2, 0, 3, 4};
  const std::vector<Edge> edges = {{0, 1, 10}, {1, 2, 9}, {2, 3, 8}, {3, 4, 7}, {4, 5, 6}};
  const std::vector<Edge> kept = OnePerSourceLinks(edges, sources);
  ASSERT_EQ(kept.size(), 4u);
  const std::vector<uint32_t> labels = ConnectedComponents(6, kept);
  EXPECT_EQ(labels, (std::vector<uint32_t>{0, 0, 0, 1, 1, 1}));
  EXPECT_EQ(ConnectedComponents(6, edges), (std::vector<uint32_t>(6, 0)));
  // best_link keeps only the mutual best A1-B1: no cluster beyond two records.
  const auto best_link_sizes = ClusterSizeHistogram(ConnectedComponents(6, BestLinks(edges, sources)));
  EXPECT_EQ(best_link_sizes.rbegin()->first, 2u);
  EXPECT_EQ(best_link_sizes.at(2), 1u);
}

// The stronger link wins: row 0 (source 0) links to 2 (source 1) with 3.0 and row 1 (source 0) to
// 2 with 5.0; only 1-2 is kept. Same-source edges and self-loops are ignored.
TEST(OnePerSource, StrongestFirstAndSameSourceIgnored) {
  const std::vector<uint16_t> sources = {0, 0, 1};
  const std::vector<Edge> edges = {{0, 2, 3.0}, {2, 1, 5.0}, {0, 1, 99.0}, {2, 2, 50.0}};
  const std::vector<Edge> kept = OnePerSourceLinks(edges, sources);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].a, 1u);
  EXPECT_EQ(kept[0].b, 2u);
  EXPECT_EQ(kept[0].weight, 5.0);
}

// Random graphs over 3 and over 100 sources (the list path): one record per source per cluster,
// the same clusters for any edge order and orientation, and every refused edge would have
// broken the rule or was inside a cluster already (the greedy result is maximal).
TEST(OnePerSource, RandomGraphsAreValidMaximalAndOrderIndependent) {
  std::mt19937_64 rng(5);
  for (int sources_count : {3, 100}) {
    for (int trial = 0; trial < 200; ++trial) {
      const size_t n = 2 + rng() % 60;
      std::vector<uint16_t> sources(n);
      for (auto& s : sources) s = static_cast<uint16_t>(rng() % sources_count);
      std::vector<Edge> edges;
      const size_t m = rng() % (3 * n);
      for (size_t i = 0; i < m; ++i) {
        edges.push_back({static_cast<RowId>(rng() % n), static_cast<RowId>(rng() % n),
                         static_cast<double>(rng() % 8)});  // ties on purpose
      }
      const std::vector<Edge> kept = OnePerSourceLinks(edges, sources);
      ExpectOnePerSource(n, kept, sources);
      std::vector<Edge> shuffled = edges;
      std::shuffle(shuffled.begin(), shuffled.end(), rng);
      for (Edge& e : shuffled) {
        if (rng() % 2) std::swap(e.a, e.b);
      }
      const std::vector<Edge> again = OnePerSourceLinks(shuffled, sources);
      ASSERT_EQ(again.size(), kept.size());
      for (size_t i = 0; i < kept.size(); ++i) {
        EXPECT_EQ(again[i].a, kept[i].a);
        EXPECT_EQ(again[i].b, kept[i].b);
        EXPECT_EQ(again[i].weight, kept[i].weight);
      }
      // Maximal: adding any eligible edge between two different clusters would repeat a source.
      const std::vector<uint32_t> labels = ConnectedComponents(n, kept);
      std::map<uint32_t, std::set<uint16_t>> members;
      for (size_t r = 0; r < n; ++r) members[labels[r]].insert(sources[r]);
      for (const Edge& e : edges) {
        if (e.a == e.b || sources[e.a] == sources[e.b] || labels[e.a] == labels[e.b]) continue;
        const auto& x = members[labels[e.a]];
        const auto& y = members[labels[e.b]];
        bool overlap = false;
        for (uint16_t s : x) overlap |= y.count(s) > 0;
        EXPECT_TRUE(overlap) << "edge " << e.a << "-" << e.b << " could have been kept";
      }
    }
  }
}

}  // namespace
}  // namespace reclink
