// Tests for CountTruePairs on a small example and a large random input against a loop.
#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include <random>

#include "reclink/evaluate.h"

namespace reclink {
namespace {

TEST(CountTruePairs, SmallExample) {
  // Entities {0,1}, {2,3}, {4}: (0,1) and (2,3) match; (1,2), (3,4), (4,0) do not.
  std::vector<uint32_t> truth = {0, 0, 1, 1, 2};
  std::vector<std::pair<RowId, RowId>> pairs = {{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 0}};
  EXPECT_EQ(CountTruePairs(pairs, truth), 2u);
  EXPECT_EQ(CountTruePairs({}, truth), 0u);
}

TEST(CountTruePairs, LargeRandomMatchesLoopAtAnyThreadCount) {
  std::mt19937_64 rng(3);
  const size_t n = 1000;
  std::vector<uint32_t> truth(n);
  for (auto& t : truth) t = rng() % 300;
  std::vector<std::pair<RowId, RowId>> pairs(200000);
  uint64_t expected = 0;
  for (auto& [a, b] : pairs) {
    a = rng() % n;
    b = rng() % n;
    expected += truth[a] == truth[b];
  }
  for (int threads : {1, 2, 8}) {
    tbb::task_arena arena(threads);
    uint64_t got = 0;
    arena.execute([&] { got = CountTruePairs(pairs, truth); });
    EXPECT_EQ(got, expected) << threads;
  }
}

}  // namespace
}  // namespace reclink
