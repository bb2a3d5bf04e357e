// Lock-free union-find (Anderson & Woll 1991 style): CAS path halving, link by smaller index.
#include <cassert>
#include <utility>

#include "reclink/cluster.h"

namespace reclink {

// Memory order: the forest is the only shared data, each parent value only ever decreases, and
// a CAS only succeeds against the exact value read, so relaxed atomics keep it acyclic and
// complete. Labels() is called after the unions are joined (that join orders everything).

ConcurrentUnionFind::ConcurrentUnionFind(size_t n)
    : size_(n), parent_(new std::atomic<uint32_t>[n]) {
  for (size_t r = 0; r < n; ++r) parent_[r].store(static_cast<uint32_t>(r), std::memory_order_relaxed);
}

RowId ConcurrentUnionFind::Find(RowId x) {
  assert(x < size_);
  while (true) {
    uint32_t p = parent_[x].load(std::memory_order_relaxed);
    if (p == x) return x;
    uint32_t gp = parent_[p].load(std::memory_order_relaxed);
    if (gp == p) return p;
    // Path halving: point x at its grandparent unless another thread already moved it lower.
    parent_[x].compare_exchange_weak(p, gp, std::memory_order_relaxed);
    x = gp;
  }
}

void ConcurrentUnionFind::Union(RowId a, RowId b) {
  assert(a < size_ && b < size_);
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
