// Clustering of scored record pairs: connected components by union-find (sequential and
// lock-free concurrent), best_link for one-to-one linking, and the cluster-size histogram.
// Cluster ids are deterministic: independent of edge order, thread count and timing.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <vector>

#include "reclink/record_table.h"

namespace reclink {

// A scored pair at or above the match threshold. Rows are indices into the record table.
// Edges with a == b are allowed and ignored (a row is always in its own cluster).
struct Edge {
  RowId a;
  RowId b;
  double weight;
};

// Connected components of the graph on rows [0, n) with the given edges.
// Returns labels[r] in [0, k) for every row r, where k is the number of clusters (singletons
// included). Clusters are numbered by their smallest row id, ascending: the cluster of row 0 is
// 0, the next cluster whose smallest row is the lowest unseen row is 1, and so on. The result
// depends only on the set of edges (not their order, duplicates or orientation) and is the same
// at any thread count. Large inputs (>= 2^18 edges) in a TBB arena of 4 or more threads are
// processed in parallel with ConcurrentUnionFind; otherwise (where the sequential kernel is
// faster) by ConnectedComponentsSequential.
// Precondition: every endpoint < n (checked by assert in debug builds).
// Cost: O(E * alpha) expected with union by index and path halving; O(n) extra memory.
std::vector<uint32_t> ConnectedComponents(size_t n, std::span<const Edge> edges);

// The sequential kernel behind ConnectedComponents (exposed for tests and benchmarks); same
// contract and result.
std::vector<uint32_t> ConnectedComponentsSequential(size_t n, std::span<const Edge> edges);

// Turns a parent forest whose roots are the smallest row of their tree (parent[r] <= r, as both
// union-find implementations here guarantee) into the labelling described above. O(n).
void RootsToLabels(std::vector<uint32_t>& parent);

// A union-find over rows [0, n) that many threads may use at once, e.g. while pairs are scored.
// Algorithm: lock-free union-find in the style of Anderson & Woll, "Wait-free parallel algorithms
// for the union-find problem" (STOC 1991): Find uses path halving with CAS; Union links the
// larger root under the smaller root with a single CAS (retrying when a root changed meanwhile).
// Linking by index keeps parent[r] <= r, so every root is the smallest row of its set and the
// final partition and labelling do not depend on the order of unions or on interleavings.
// Thread safety: Union and Find may run concurrently from any threads. Labels must be called
// after every Union has returned (it reads a quiescent forest).
class ConcurrentUnionFind {
 public:
  // O(n) memory (4 bytes per row). Rows start as singletons.
  explicit ConcurrentUnionFind(size_t n);

  size_t size() const { return size_; }
  // Merges the sets of a and b. Precondition: a, b < size(). Union(a, a) is a no-op.
  void Union(RowId a, RowId b);
  // The current root of a's set: the smallest row of the set once unions are quiescent.
  RowId Find(RowId a);
  // Per row its cluster index, numbered as in ConnectedComponents. Leaves the structure usable.
  std::vector<uint32_t> Labels();

 private:
  size_t size_;
  std::unique_ptr<std::atomic<uint32_t>[]> parent_;
};

// best_link (link mode, one-to-one). An edge is eligible when its two rows come from different
// sources (sources[a] != sources[b]); same-source edges and self-loops are ignored. For each row,
// its best partner is the eligible neighbour with the highest weight, ties broken by the smaller
// row id (duplicate edges between the same rows count once, with their highest weight). An edge
// (a, b) is kept only when b is a's best partner and a is b's best partner (mutual best), so every
// row keeps at most one edge. Edges with a NaN weight are ignored.
// Returns the kept edges normalized to a < b, sorted by (a, b), each with its (highest) weight.
// The result does not depend on edge order or orientation.
// Precondition: every endpoint < sources.size().
std::vector<Edge> BestLinks(std::span<const Edge> edges, std::span<const uint16_t> sources);

// one_per_source (links between deduplicated sources, any number of them): clusters in which no
// two records share a source. Eligible edges are those between different sources (same-source
// edges, self-loops and NaN weights are ignored). They are taken strongest first (weight
// descending, then (a, b) ascending) and each joins its two clusters unless that would put two
// records of one source together, so a record's weaker links cannot pull a second record of its
// source in (connected components would chain them, and best_link caps clusters at two records).
// Returns the edges that joined clusters (a spanning forest of each cluster) normalized to a < b
// and sorted by (a, b); their connected components are the clusters. Independent of edge order.
// Precondition: every endpoint < sources.size(). Cost: O(E log E) for the sort.
std::vector<Edge> OnePerSourceLinks(std::span<const Edge> edges, std::span<const uint16_t> sources);

// majority_link (any link type): clustering that does not chain. Edges (self-loops and NaN
// weights ignored; one per pair, with its highest weight) are taken strongest first (weight
// descending, then (a, b)), and each joins its two clusters only when at least half of the record
// pairs between the two clusters are linked. A chain a-b-c-d of single links (connected
// components would make one cluster of it, and a persons dedupe once got a 265-record cluster that
// way) stays in pieces, while a cluster whose records mostly link to each other forms whole.
// Returns the edges inside the final clusters, normalized to a < b and sorted by (a, b); their
// connected components are the clusters. Independent of edge order. Precondition: every endpoint
// < n. Cost: O(E log E), per connected component.
std::vector<Edge> MajorityLinks(size_t n, std::span<const Edge> edges);

// Cluster-size histogram of a labelling (any uint32 labels): size -> number of clusters of that
// size. The sizes times their counts sum to labels.size(). Empty input gives an empty map.
std::map<uint64_t, uint64_t> ClusterSizeHistogram(std::span<const uint32_t> labels);

}  // namespace reclink
