// CountTruePairs: how many given pairs join rows of the same true entity (blocking recall).
#include <tbb/blocked_range.h>
#include "reclink/parallel.h"

#include <cassert>

#include "reclink/evaluate.h"

namespace reclink {

uint64_t CountTruePairs(std::span<const std::pair<RowId, RowId>> pairs,
                        std::span<const uint32_t> truth) {
  // Integer sums are associative, so an ordinary parallel_reduce is deterministic.
  return ParallelReduce(
      tbb::blocked_range<size_t>(0, pairs.size(), 1 << 14), uint64_t{0},
      [&](const tbb::blocked_range<size_t>& range, uint64_t count) {
        for (size_t i = range.begin(); i != range.end(); ++i) {
          auto [a, b] = pairs[i];
          assert(a < truth.size() && b < truth.size());
          count += truth[a] == truth[b];
        }
        return count;
      },
      [](uint64_t x, uint64_t y) { return x + y; });
}

}  // namespace reclink
