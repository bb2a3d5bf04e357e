// EM on synthetic gamma patterns drawn from known m, u and share of matches recovers them.
#include <gtest/gtest.h>

#include <map>
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

// Patterns drawn from three classes: matches, households (agree on the two household fields
// like matches do, on the two personal fields like strangers) and strangers.
TEST(EmTest, ThreeClassesTellHouseholdsFromMatches) {
  // Comparisons: first, dob (personal), last, postcode (household); levels {null, exact, fuzzy, else}.
  const std::vector<std::vector<double>> m_true = {{0, 0.85, 0.10, 0.05}, {0, 0.90, 0.06, 0.04},
                                                   {0, 0.88, 0.08, 0.04}, {0, 0.80, 0.10, 0.10}};
  const std::vector<std::vector<double>> u = {{0, 0.01, 0.04, 0.95}, {0, 0.001, 0.01, 0.989},
                                              {0, 0.02, 0.05, 0.93}, {0, 0.002, 0.01, 0.988}};
  std::vector<std::vector<double>> h_true = u;
  h_true[2] = {0, 0.95, 0.03, 0.02};
  h_true[3] = {0, 0.85, 0.05, 0.10};
  const double lambda_true = 0.3, eta_true = 0.2;
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> unit(0, 1);
  std::map<std::vector<uint8_t>, uint64_t> counts;
  for (int i = 0; i < 400000; ++i) {
    const double x = unit(rng);
    const auto& dist = x < lambda_true ? m_true : x < lambda_true + eta_true ? h_true : u;
    std::vector<uint8_t> g(4);
    for (int c = 0; c < 4; ++c) {
      double y = unit(rng), acc = 0;
      g[c] = 3;
      for (int l = 1; l <= 3; ++l) {
        acc += dist[c][l];
        if (y < acc) {
          g[c] = static_cast<uint8_t>(l);
          break;
        }
      }
    }
    ++counts[g];
  }
  std::vector<std::pair<std::vector<uint8_t>, uint64_t>> patterns(counts.begin(), counts.end());
  const std::vector<std::vector<double>> m0(4, {0, 0.8, 0.15, 0.05});
  const std::vector<bool> active(4, true);
  Em3Result r = RunEmWithRelated(patterns, active, u, m0, 0.3, 5000, 1e-7);
  EXPECT_TRUE(r.converged);
  EXPECT_NEAR(r.lambda, lambda_true, 0.01);
  EXPECT_NEAR(r.eta, eta_true, 0.01);
  for (int c = 0; c < 4; ++c) EXPECT_NEAR(r.m[c][1], m_true[c][1], 0.02) << c;
  EXPECT_NEAR(r.h[2][1], 0.95, 0.02);
  const uint8_t household[4] = {3, 3, 1, 1}, match[4] = {1, 1, 1, 1};
  EXPECT_LT(r.Posterior(active, u, household), 0.05);
  EXPECT_GT(r.Posterior(active, u, match), 0.99);
  // Two classes with u fixed at the strangers' must call the households matches and pay with m:
  // the "else" level of the personal fields gets far more than the truth's 5%.
  EmResult two = RunEm(patterns, active, u, m0, 0.3, 2000, 1e-9);
  EXPECT_GT(two.m[0][3], 0.2);
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

// One EM step by hand. One comparison {null, agree, else}, u = (0.1, 0.9), m = (0.9, 0.1),
// lambda = 0.5; 100 agreeing pairs and 300 disagreeing ones. E-step: an agreeing pair is a match
// with 0.5*0.9 / (0.5*0.9 + 0.5*0.1) = 0.9, a disagreeing one with 0.05 / 0.5 = 0.1. M-step:
// expected matches 100*0.9 + 300*0.1 = 120, so lambda = 120/400 = 0.3, m(agree) = 90/120 = 0.75,
// m(else) = 30/120 = 0.25; with estimate_u the non-matches' share gives u(agree) = 10/280,
// u(else) = 270/280.
TEST(EmTest, OneStepMatchesTheHandComputedUpdate) {
  const std::vector<std::pair<std::vector<uint8_t>, uint64_t>> patterns = {{{1}, 100}, {{2}, 300}};
  const std::vector<std::vector<double>> u = {{0, 0.1, 0.9}};
  const std::vector<std::vector<double>> m0 = {{0, 0.9, 0.1}};
  EmResult fixed_u = RunEm(patterns, {true}, u, m0, 0.5, 1, 0.0);
  EXPECT_EQ(fixed_u.iterations, 1);
  EXPECT_DOUBLE_EQ(fixed_u.lambda, 0.3);
  EXPECT_DOUBLE_EQ(fixed_u.m[0][1], 0.75);
  EXPECT_DOUBLE_EQ(fixed_u.m[0][2], 0.25);
  EXPECT_DOUBLE_EQ(fixed_u.expected_matches[0], 120.0);
  EXPECT_EQ(fixed_u.u, u);  // u fixed
  EmResult both = RunEm(patterns, {true}, u, m0, 0.5, 1, 0.0, /*estimate_u=*/true);
  EXPECT_DOUBLE_EQ(both.lambda, 0.3);
  EXPECT_DOUBLE_EQ(both.m[0][1], 0.75);
  EXPECT_DOUBLE_EQ(both.u[0][1], 10.0 / 280.0);
  EXPECT_DOUBLE_EQ(both.u[0][2], 270.0 / 280.0);
}

// Pattern counts that are exactly N * (lambda * prod m + (1 - lambda) * prod u) for two
// two-level comparisons, lambda = 0.25, m = (0.8, 0.2) and (0.9, 0.1), u = (0.1, 0.9) and
// (0.2, 0.8): (agree, agree) 0.25*0.72 + 0.75*0.02 = 0.195, (agree, else) 0.02 + 0.06 = 0.08,
// (else, agree) 0.045 + 0.135 = 0.18, (else, else) 0.005 + 0.54 = 0.545. The true parameters are
// a fixed point of EM, and with u fixed EM finds them from a neutral start (three unknowns, three
// degrees of freedom). A null value leaves its comparison out of a pair's likelihood.
TEST(EmTest, ExactCountsHaveTheTrueParametersAsTheirFixedPoint) {
  const std::vector<std::pair<std::vector<uint8_t>, uint64_t>> patterns = {
      {{1, 1}, 1950}, {{1, 2}, 800}, {{2, 1}, 1800}, {{2, 2}, 5450}};
  const std::vector<std::vector<double>> u = {{0, 0.1, 0.9}, {0, 0.2, 0.8}};
  const std::vector<std::vector<double>> m_true = {{0, 0.8, 0.2}, {0, 0.9, 0.1}};
  EmResult still = RunEm(patterns, {true, true}, u, m_true, 0.25, 1, 0.0);
  EXPECT_NEAR(still.lambda, 0.25, 1e-12);
  for (int c = 0; c < 2; ++c)
    for (int l = 1; l <= 2; ++l) EXPECT_NEAR(still.m[c][l], m_true[c][l], 1e-12) << c << " " << l;

  const std::vector<std::vector<double>> m0 = {{0, 0.6, 0.4}, {0, 0.6, 0.4}};
  EmResult found = RunEm(patterns, {true, true}, u, m0, 0.5, 10000, 1e-13);
  EXPECT_TRUE(found.converged);
  EXPECT_NEAR(found.lambda, 0.25, 1e-6);
  for (int c = 0; c < 2; ++c)
    for (int l = 1; l <= 2; ++l) EXPECT_NEAR(found.m[c][l], m_true[c][l], 1e-6) << c << " " << l;

  // The same pairs with the second comparison null on 1000 of the (else, else) ones: those pairs
  // are judged on the first comparison alone, 0.25*0.2 / (0.25*0.2 + 0.75*0.9) = 0.05/0.725.
  std::vector<std::pair<std::vector<uint8_t>, uint64_t>> with_nulls = patterns;
  with_nulls.back().second -= 1000;
  with_nulls.push_back({{2, 0}, 1000});
  EmResult step = RunEm(with_nulls, {true, true}, u, m_true, 0.25, 1, 0.0);
  const double w_ee = 0.25 * 0.02 / 0.545, w_e0 = 0.05 / 0.725;
  const double w_aa = 0.25 * 0.72 / 0.195, w_ae = 0.25 * 0.08 / 0.08, w_ea = 0.25 * 0.18 / 0.18;
  const double matches = 1950 * w_aa + 800 * w_ae + 1800 * w_ea + 4450 * w_ee + 1000 * w_e0;
  EXPECT_NEAR(step.lambda, matches / 10000, 1e-12);
  EXPECT_NEAR(step.expected_matches[1], matches - 1000 * w_e0, 1e-9);  // c=1 non-null pairs only
  EXPECT_NEAR(step.m[1][1], (1950 * w_aa + 1800 * w_ea) / (matches - 1000 * w_e0), 1e-12);
}

// Pool adjacent violators by hand: levels exact, fuzzy, else with m = (0.6, 0.3, 0.1) and
// u = (0.01, 0.001, 0.989) give ratios 60 < 300, so exact and fuzzy pool to 0.9 / 0.011 and each
// gets m = its u times that ratio; "else" (ratio 0.1) stays.
TEST(ModelTest, MonotoneWeightsPoolAViolatingPairByHand) {
  Model model;
  ComparisonParams cp;
  cp.name = "phone";
  cp.levels = {{"null", 1, 1, "", ""}, {"exact", 0.6, 0.01, "em", "u"}, {"fuzzy", 0.3, 0.001, "em", "u"},
               {"else", 0.1, 0.989, "em", "u"}};
  model.comparisons = {cp};
  MakeWeightsMonotone(&model);
  const auto& l = model.comparisons[0].levels;
  EXPECT_DOUBLE_EQ(l[1].m, 0.01 * (0.9 / 0.011));
  EXPECT_DOUBLE_EQ(l[2].m, 0.001 * (0.9 / 0.011));
  EXPECT_DOUBLE_EQ(l[3].m, 0.1);
  EXPECT_DOUBLE_EQ(l[1].Weight(), l[2].Weight());
  EXPECT_NE(l[1].m_source.find("pooled with levels 1-2"), std::string::npos) << l[1].m_source;
  EXPECT_EQ(l[3].m_source, "em");
}

// swapped(OTHER) stands outside the order: it keeps its own weight, however high, and the
// levels around it are ordered as if it were not there.
TEST(ModelTest, MonotoneWeightsLeaveASwappedLevelOutOfTheOrder) {
  Model model;
  ComparisonParams cp;
  cp.name = "first";
  cp.levels = {{"null", 1, 1, "", ""},          {"exact", 0.6, 0.01, "em", "u"},
               {"swapped(last)", 0.02, 1e-6, "em", "u"}, {"fuzzy", 0.3, 0.001, "em", "u"},
               {"else", 0.08, 0.989, "em", "u"}};
  model.comparisons = {cp};
  MakeWeightsMonotone(&model);
  const auto& l = model.comparisons[0].levels;
  EXPECT_DOUBLE_EQ(l[2].m, 0.02);  // 14 bits, above exact's 5.9: untouched
  EXPECT_EQ(l[2].m_source, "em");
  // exact (5.9 bits) and fuzzy (8.2 bits) violate the order across the swapped level: pooled.
  EXPECT_DOUBLE_EQ(l[1].m, 0.01 * (0.9 / 0.011));
  EXPECT_DOUBLE_EQ(l[3].m, 0.001 * (0.9 / 0.011));
  EXPECT_NE(l[1].m_source.find("pooled with levels 1-3"), std::string::npos) << l[1].m_source;
  EXPECT_DOUBLE_EQ(l[4].m, 0.08);
}

// On random levels: afterwards weights never increase from a level to the next, m keeps its
// total, and levels that were already in order are untouched.
TEST(ModelTest, MonotoneWeightsOnRandomLevels) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> unit(0.001, 1);
  for (int trial = 0; trial < 2000; ++trial) {
    const int levels = 2 + static_cast<int>(rng() % 5);
    ComparisonParams cp;
    cp.levels.push_back({"null", 1, 1, "", ""});
    double m_total = 0, u_total = 0;
    for (int i = 0; i < levels; ++i) {
      cp.levels.push_back({"l" + std::to_string(i), unit(rng), unit(rng), "", ""});
      m_total += cp.levels.back().m;
      u_total += cp.levels.back().u;
    }
    for (size_t i = 1; i < cp.levels.size(); ++i) {
      cp.levels[i].m /= m_total;
      cp.levels[i].u /= u_total;
    }
    bool sorted = true;
    for (size_t i = 2; i < cp.levels.size(); ++i) sorted &= cp.levels[i - 1].Weight() >= cp.levels[i].Weight();
    Model model;
    model.comparisons = {cp};
    MakeWeightsMonotone(&model);
    const auto& out = model.comparisons[0].levels;
    double total = 0;
    for (size_t i = 1; i < out.size(); ++i) {
      total += out[i].m;
      if (i >= 2) {
        EXPECT_GE(out[i - 1].Weight(), out[i].Weight() - 1e-9) << trial << " " << i;
      }
      if (sorted) {
        EXPECT_EQ(out[i].m, cp.levels[i].m);
      }
    }
    EXPECT_NEAR(total, 1.0, 1e-12);
  }
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
