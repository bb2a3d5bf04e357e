// Lock-free union-find (Anderson & Woll 1991 style): CAS path halving, link by smaller index.
#include <cassert>
#include <utility>

#include "reclink/cluster.h"

namespace reclink {

// Invariants: parent[r] <= r, with equality exactly for roots; a root stops being a root only by
// the linking CAS. The forest is the only shared data, so relaxed atomics keep it acyclic and
// complete. Labels() is called after the unions are joined (that join orders everything).

ConcurrentUnionFind::ConcurrentUnionFind(size_t n)
    : size_(n), parent_(new std::atomic<uint32_t>[n]) {
  for (size_t r = 0; r < n; ++r)
    parent_[r].store(static_cast<uint32_t>(r), std::memory_order_relaxed);
}

RowId ConcurrentUnionFind::Find(RowId x) {
  assert(x < size_);
  while (true) {
    uint32_t p = parent_[x].load(std::memory_order_relaxed);
    if (p == x) return x;
    uint32_t gp = parent_[p].load(std::memory_order_relaxed);
    if (gp == p) return p;
    // Path halving with a plain store rather than a CAS: x is not a root (and non-roots never
    // become roots again), so the store cannot undo a link; if another thread moved x to a
    // lower ancestor meanwhile, pointing it back at gp (same set, smaller than x, so not a
    // descendant) only costs a little compression.
    parent_[x].store(gp, std::memory_order_relaxed);
    x = gp;
  }
}

void ConcurrentUnionFind::Union(RowId a, RowId b) {
  assert(a < size_ && b < size_);
  // Fast path for the common redundant edge: both rows already hang off the same node (as Rem's
  // algorithm checks first), which avoids touching the root's cache line.
  if (parent_[a].load(std::memory_order_relaxed) == parent_[b].load(std::memory_order_relaxed)) {
    return;
  }
  while (true) {
    a = Find(a);
    b = Find(b);
    if (a == b) return;
    if (a < b) std::swap(a, b);  // link the larger root under the smaller one
    uint32_t expected = a;
    if (parent_[a].compare_exchange_strong(expected, b, std::memory_order_relaxed)) return;
    // a stopped being a root meanwhile; retry from the new roots.
  }
}

std::vector<uint32_t> ConcurrentUnionFind::Labels() {
  std::vector<uint32_t> parent(size_);
  for (size_t r = 0; r < size_; ++r) parent[r] = parent_[r].load(std::memory_order_relaxed);
  RootsToLabels(parent);
  return parent;
}

}  // namespace reclink
