// EM on synthetic gamma patterns drawn from known m, u and share of matches recovers them.
#include <gtest/gtest.h>

#include <random>

#include "reclink/model.h"
#include "reclink/normalize.h"

namespace reclink {
namespace {

TEST(EmTest, RecoversKnownParametersFromSampledPatterns) {
  // Three comparisons with levels {null, exact, fuzzy, else}; level 0 (null) drawn 5% of the time.
  const std::vector<std::vector<double>> m_true = {{0, 0.85, 0.10, 0.05}, {0, 0.70, 0.20, 0.10}, {0, 0.90, 0.05, 0.05}};
  const std::vector<std::vector<double>> u = {{0, 0.01, 0.04, 0.95}, {0, 0.02, 0.08, 0.90}, {0, 0.005, 0.015, 0.98}};
  const double lambda_true = 0.2;
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> unit(0, 1);
  std::map<std::vector<uint8_t>, uint64_t> counts;
  for (int i = 0; i < 400000; ++i) {
    const bool match = unit(rng) < lambda_true;
    std::vector<uint8_t> g(3);
    for (int c = 0; c < 3; ++c) {
      if (unit(rng) < 0.05) {
        g[c] = 0;
        continue;
      }
      const auto& p = match ? m_true[c] : u[c];
      double x = unit(rng), acc = 0;
      g[c] = 3;
      for (int l = 1; l <= 3; ++l) {
        acc += p[l];
        if (x < acc) {
          g[c] = static_cast<uint8_t>(l);
          break;
        }
      }
    }
    ++counts[g];
  }
  std::vector<std::pair<std::vector<uint8_t>, uint64_t>> patterns(counts.begin(), counts.end());
  std::vector<std::vector<double>> m0 = {{0, 0.6, 0.3, 0.1}, {0, 0.6, 0.3, 0.1}, {0, 0.6, 0.3, 0.1}};
  EmResult r = RunEm(patterns, {true, true, true}, u, m0, 0.5, 200, 1e-8);
  EXPECT_TRUE(r.converged);
  EXPECT_NEAR(r.lambda, lambda_true, 0.01);
  for (int c = 0; c < 3; ++c)
    for (int l = 1; l <= 3; ++l) EXPECT_NEAR(r.m[c][l], m_true[c][l], 0.02) << "c=" << c << " l=" << l;
}

TEST(EmTest, InactiveComparisonIsIgnoredAndKeepsItsStartingM) {
  std::vector<std::pair<std::vector<uint8_t>, uint64_t>> patterns = {{{1, 1}, 100}, {{3, 1}, 900}, {{1, 3}, 50}};
  const std::vector<std::vector<double>> u = {{0, 0.01, 0.1, 0.89}, {0, 0.5, 0.25, 0.25}};
  const std::vector<std::vector<double>> m0 = {{0, 0.8, 0.1, 0.1}, {0, 0.42, 0.42, 0.16}};
  EmResult r = RunEm(patterns, {true, false}, u, m0, 0.3, 50, 1e-9);
  EXPECT_EQ(r.m[1], m0[1]);
  // With one active comparison the split is not identifiable, but m stays a distribution.
  EXPECT_NEAR(r.m[0][1] + r.m[0][2] + r.m[0][3], 1.0, 1e-9);
  EXPECT_DOUBLE_EQ(r.m[0][2], 0.0);  // level 2 never occurs
  EXPECT_DOUBLE_EQ(r.expected_matches[1], 0.0);
}

TEST(EmTest, NoPatternsReturnsStartingValues) {
  const std::vector<std::vector<double>> u = {{0, 0.1, 0.9}};
  const std::vector<std::vector<double>> m0 = {{0, 0.9, 0.1}};
  EmResult r = RunEm({}, {true}, u, m0, 0.3, 10, 1e-6);
  EXPECT_EQ(r.iterations, 0);
  EXPECT_DOUBLE_EQ(r.lambda, 0.3);
}

TEST(ModelTest, ProbabilityFromWeight) {
  EXPECT_DOUBLE_EQ(ProbabilityFromWeight(0), 0.5);
  EXPECT_NEAR(ProbabilityFromWeight(10), 1024.0 / 1025.0, 1e-12);
  EXPECT_NEAR(ProbabilityFromWeight(-10), 1.0 / 1025.0, 1e-12);
}

TEST(ModelTest, IsoDateDays) {
  int64_t d = 0;
  ASSERT_TRUE(IsoDateDays("1970-01-01", &d));
  EXPECT_EQ(d, 0);
  ASSERT_TRUE(IsoDateDays("2000-03-01", &d));
  int64_t e = 0;
  ASSERT_TRUE(IsoDateDays("2000-02-28", &e));
  EXPECT_EQ(d - e, 2);  // 2000 is a leap year
  EXPECT_FALSE(IsoDateDays("2000-13-01", &d));
  EXPECT_FALSE(IsoDateDays("20000301", &d));
  // Calendar days only: date_diff_days once read 2001-02-30 as 2001-03-02.
  EXPECT_FALSE(IsoDateDays("2001-02-30", &d));
  EXPECT_FALSE(IsoDateDays("1900-02-29", &d));
  EXPECT_TRUE(IsoDateDays("2000-02-29", &d));
}

}  // namespace
}  // namespace reclink
