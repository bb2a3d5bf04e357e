// The Feistel permutation is a bijection of [0, n) with a working inverse, for awkward n.
#include "generator/feistel_permutation.h"

#include <gtest/gtest.h>

#include <vector>

namespace reclink::gen {
namespace {

TEST(FeistelPermutationTest, IsABijectionWithInverse) {
  for (uint64_t n :
       {1ull, 2ull, 3ull, 4ull, 5ull, 15ull, 16ull, 17ull, 1000ull, 4097ull, 65537ull}) {
    FeistelPermutation p(n, 99);
    std::vector<bool> hit(n, false);
    for (uint64_t x = 0; x < n; ++x) {
      const uint64_t y = p.Forward(x);
      ASSERT_LT(y, n);
      EXPECT_FALSE(hit[y]) << "n=" << n << " collision at " << y;
      hit[y] = true;
      EXPECT_EQ(p.Inverse(y), x);
    }
  }
}

TEST(FeistelPermutationTest, DependsOnSeedAndMixes) {
  const uint64_t n = 10000;
  FeistelPermutation a(n, 1), b(n, 2);
  uint64_t same = 0, fixed = 0;
  for (uint64_t x = 0; x < n; ++x) {
    same += a.Forward(x) == b.Forward(x);
    fixed += a.Forward(x) == x;
  }
  EXPECT_LT(same, 20u);
  EXPECT_LT(fixed, 20u);
}

}  // namespace
}  // namespace reclink::gen
