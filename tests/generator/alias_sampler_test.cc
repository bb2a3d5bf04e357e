// The alias sampler draws with the requested probabilities.
#include "generator/alias_sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace reclink::gen {
namespace {

TEST(AliasSamplerTest, FrequenciesMatchWeights) {
  const std::vector<double> weights = {5, 0, 1, 2, 0.5, 1.5};
  AliasSampler s(weights);
  Rng rng(3);
  std::vector<int> counts(weights.size());
  const int draws = 600000;
  for (int i = 0; i < draws; ++i) ++counts[s.Sample(rng)];
  const double total = 10;
  for (size_t i = 0; i < weights.size(); ++i) {
    const double p = weights[i] / total;
    EXPECT_NEAR(s.Probability(static_cast<uint32_t>(i)), p, 1e-12);
    const double sd = std::sqrt(draws * p * (1 - p));
    EXPECT_NEAR(counts[i], draws * p, 5 * sd + 1) << i;
  }
  EXPECT_EQ(counts[1], 0);
}

TEST(AliasSamplerTest, ZipfIsDecreasing) {
  AliasSampler z = AliasSampler::Zipf(100, 1.0, 2);
  for (uint32_t i = 1; i < z.size(); ++i) EXPECT_LT(z.Probability(i), z.Probability(i - 1));
  EXPECT_NEAR(z.Probability(0) / z.Probability(1), 4.0 / 3.0, 1e-9);  // (1+2)^-1 / (2+2)^-1
}

}  // namespace
}  // namespace reclink::gen
