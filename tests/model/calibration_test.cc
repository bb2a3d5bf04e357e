// The calibration of match weights to probabilities: the identity without labels (the same
// doubles as before it existed), Platt scaling recovering a known map, the guards, and model.json
// round trips with and without a calibration.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "model_test_data.h"
#include "reclink/model.h"

namespace reclink {
namespace {

TEST(CalibrationTest, UnfittedIsTheUncalibratedPosteriorToTheBit) {
  Model model;
  for (double w : {-40.0, -3.5, 0.0, 0.1, 3.17, 12.75, 40.0}) {
    EXPECT_EQ(model.Probability(w), ProbabilityFromWeight(w)) << w;
  }
  for (double p : {1e-9, 0.01, 0.5, 0.9, 0.99999}) {
    EXPECT_EQ(model.WeightForProbability(p), std::log2(p / (1 - p))) << p;
  }
}

TEST(CalibrationTest, FittedMapIsMonotoneAndInvertible) {
  Calibration cal;
  cal.fitted = true;
  cal.slope = 0.4;
  cal.intercept = -2.5;
  double last = 0;
  for (double w = -30; w <= 30; w += 0.5) {
    const double p = cal.Probability(w);
    EXPECT_GT(p, last) << w;
    last = p;
    EXPECT_NEAR(cal.WeightForProbability(p), w, 1e-9) << w;
  }
  EXPECT_DOUBLE_EQ(cal.Probability(2.5 / 0.4), 0.5);
}

// Weights drawn uniformly, labels drawn from a known logistic in bits: the fit finds it.
TEST(CalibrationTest, PlattScalingRecoversAKnownMap) {
  std::mt19937_64 rng(12);
  std::uniform_real_distribution<double> weight(-20, 25);
  std::uniform_real_distribution<double> unit(0, 1);
  for (auto [slope, intercept] : {std::pair{0.5, -3.0}, std::pair{1.0, 0.0}, std::pair{0.25, 1.5}}) {
    std::vector<double> w;
    std::vector<bool> match;
    for (int i = 0; i < 40000; ++i) {
      w.push_back(weight(rng));
      match.push_back(unit(rng) < ProbabilityFromWeight(slope * w.back() + intercept));
    }
    const PlattFit fit = PlattScaling(w, match);
    EXPECT_TRUE(fit.converged);
    EXPECT_NEAR(fit.slope, slope, 0.05 * slope) << slope << " " << intercept;
    EXPECT_NEAR(fit.intercept, intercept, 0.25) << slope << " " << intercept;
  }
}

TEST(CalibrationTest, SeparableLabelsGiveAFiniteSlope) {
  std::vector<double> w;
  std::vector<bool> match;
  for (int i = 0; i < 50; ++i) {
    w.push_back(-10 + i * 0.1);
    match.push_back(false);
    w.push_back(5 + i * 0.1);
    match.push_back(true);
  }
  const PlattFit fit = PlattScaling(w, match);
  EXPECT_TRUE(std::isfinite(fit.slope));
  EXPECT_GT(fit.slope, 0);
  EXPECT_TRUE(std::isfinite(fit.intercept));
  // Platt's targets: a match at the lowest match weight is not certain.
  EXPECT_LT(ProbabilityFromWeight(fit.slope * 5 + fit.intercept), 0.999);
}

TEST(CalibrationTest, OneClassFitsNothing) {
  const PlattFit fit = PlattScaling({1, 2, 3}, {true, true, true});
  EXPECT_EQ(fit.slope, 0);
}

testing::Trained TrainedModel() {
  std::vector<testing::Row> rows;
  for (int i = 0; i < 30; ++i) {
    rows.push_back({"n" + std::to_string(i % 6), "london", std::to_string(20 + i % 9), "1980-01-0" + std::to_string(1 + i % 9)});
  }
  return testing::Train(rows);
}

TEST(CalibrationTest, FitCalibrationGuardsTooFewLabels) {
  testing::Trained t = TrainedModel();
  ASSERT_TRUE(t.status.ok()) << t.status.ToString();
  const TermFrequencies tf = TermFrequencies::Build(*t.comps);
  std::vector<LabeledPair> labels;
  for (RowId a = 0; a < 9; ++a) labels.push_back({a, a + 6, true});  // nine matches: one short
  for (RowId a = 0; a < 20; ++a) labels.push_back({a, a + 1, false});
  Model model = t.model;
  FitCalibration(Scorer(model, *t.comps, tf), *t.comps, labels, &model);
  EXPECT_FALSE(model.calibration.fitted);
  ASSERT_FALSE(model.warnings.empty());
  EXPECT_NE(model.warnings.back().find("probabilities not calibrated"), std::string::npos) << model.warnings.back();
}

// Labels with far more matches than the model expects among candidate pairs (picked by hand, as
// many matches as non-matches) are fitted; their intercept, which holds the labels' odds of a
// match, is corrected to the model's expected share (King and Zeng's prior correction), with a
// warning, unless [model] labels_sample says they are a random sample.
TEST(CalibrationTest, HandBalancedLabelsGetTheModelsIntercept) {
  testing::Trained t = TrainedModel();
  ASSERT_TRUE(t.status.ok()) << t.status.ToString();
  const TermFrequencies tf = TermFrequencies::Build(*t.comps);
  std::vector<LabeledPair> labels;
  for (RowId a = 0; a < 12; ++a) labels.push_back({a, a + 18, true});  // the same values
  for (RowId a = 0; a < 12; ++a) labels.push_back({a, a + 1, false});   // others
  Model fitted = t.model;
  FitCalibration(Scorer(fitted, *t.comps, tf), *t.comps, labels, &fitted);  // no expected share
  ASSERT_TRUE(fitted.calibration.fitted);
  EXPECT_EQ(fitted.calibration.intercept_correction, 0);
  // The labels' share s is 0.5.
  const double kinds_of_share[] = {-1.0, 0.5, 0.3, 0.01};
  for (double share : kinds_of_share) {
    for (LabelsSample sample : {LabelsSample::kAuto, LabelsSample::kRandom, LabelsSample::kSelected}) {
      SCOPED_TRACE(::testing::Message() << "share " << share << ", sample " << static_cast<int>(sample));
      Model model = t.model;
      FitCalibration(Scorer(model, *t.comps, tf), *t.comps, labels, &model, share, sample);
      ASSERT_TRUE(model.calibration.fitted) << (model.warnings.empty() ? "" : model.warnings.back());
      EXPECT_EQ(model.calibration.pairs, 24u);
      EXPECT_EQ(model.calibration.matches, 12u);
      EXPECT_EQ(model.calibration.slope, fitted.calibration.slope);
      // 0.01 is implausible for 24 random pairs of which 12 are matches; 0.3 is within noise.
      const bool implausible = share == 0.01;
      const bool known = share > 0 && share < 1;
      const bool corrected = known && (sample == LabelsSample::kSelected || (sample == LabelsSample::kAuto && implausible));
      const double shift = corrected ? std::log2(share / (1 - share)) - std::log2(0.5 / 0.5) : 0;
      EXPECT_EQ(model.calibration.intercept_correction, shift);
      EXPECT_NEAR(model.calibration.intercept, fitted.calibration.intercept + shift, 1e-12);
      EXPECT_EQ(model.calibration.source.find("intercept corrected") != std::string::npos, corrected)
          << model.calibration.source;
      bool said_corrected = false, said_off = false, said_cannot = false;
      for (const std::string& w : model.warnings) {
        said_corrected |= w.find("the intercept was corrected by") != std::string::npos;
        said_off |= w.find("off by a constant in log odds") != std::string::npos;
        said_cannot |= w.find("no share of matches among candidate pairs to correct") != std::string::npos;
      }
      EXPECT_EQ(said_corrected, corrected && sample == LabelsSample::kAuto);
      EXPECT_EQ(said_off, implausible && sample == LabelsSample::kRandom);
      EXPECT_EQ(said_cannot, !known && sample == LabelsSample::kSelected);
      // The model's own cut keeps its weight; its probability is the calibrated one.
      EXPECT_EQ(model.threshold.weight, t.model.threshold.weight);
      EXPECT_EQ(model.threshold.probability,
                std::min(model.Probability(model.threshold.weight), std::nextafter(1.0, 0.0)));
      // model.json keeps the correction.
      Result<Model> read = ParseModelJson(ModelToJson(model), "model.json", t.rules);
      ASSERT_TRUE(read.ok()) << read.status().ToString();
      EXPECT_EQ(read->calibration.intercept, model.calibration.intercept);
      EXPECT_EQ(read->calibration.intercept_correction, model.calibration.intercept_correction);
      EXPECT_EQ(ModelToJson(model).find("intercept_correction") != std::string::npos, shift != 0);
    }
  }
}

// The correction itself (King and Zeng's prior correction): labels drawn as 150 matches and 150
// non-matches from a population where 30% are matches fit the right slope but the labels' odds
// of a match; moving the intercept by log2(0.3 / 0.7) - log2(0.5 / 0.5) makes the probabilities
// fit the population better (log loss over it) in most draws and at the median.
TEST(CalibrationTest, PriorCorrectionFitsThePopulationOfHandBalancedLabels) {
  std::mt19937_64 rng(11);
  std::normal_distribution<double> match_w(8, 5), non_match_w(-4, 5);
  constexpr size_t kPopulation = 20000;
  constexpr double kShare = 0.3;
  std::vector<double> w(kPopulation);
  std::vector<bool> y(kPopulation);
  for (size_t i = 0; i < kPopulation; ++i) {
    y[i] = i < kPopulation * kShare;
    w[i] = y[i] ? match_w(rng) : non_match_w(rng);
  }
  auto log_loss = [&](double slope, double intercept) {
    double loss = 0;
    for (size_t i = 0; i < kPopulation; ++i) {
      const double p = ProbabilityFromWeight(slope * w[i] + intercept);
      loss -= std::log(std::clamp(y[i] ? p : 1 - p, 1e-300, 1.0));
    }
    return loss / kPopulation;
  };
  const double shift = std::log2(kShare / (1 - kShare));
  std::vector<double> kept, corrected;
  int better = 0;
  constexpr int kDraws = 20;
  for (int draw = 0; draw < kDraws; ++draw) {
    std::vector<size_t> order(kPopulation);
    for (size_t i = 0; i < kPopulation; ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<double> lw;
    std::vector<bool> ly;
    size_t matches = 0, non_matches = 0;
    for (size_t i : order) {
      if (y[i] ? matches++ >= 150 : non_matches++ >= 150) continue;
      lw.push_back(w[i]);
      ly.push_back(y[i]);
    }
    const PlattFit fit = PlattScaling(lw, ly);
    ASSERT_GT(fit.slope, 0);
    kept.push_back(log_loss(fit.slope, fit.intercept));
    corrected.push_back(log_loss(fit.slope, fit.intercept + shift));
    better += corrected.back() < kept.back();
  }
  std::sort(kept.begin(), kept.end());
  std::sort(corrected.begin(), corrected.end());
  std::printf("log loss over the population, median of %d draws: %.4f with the labels' intercept, %.4f corrected; "
              "corrected better in %d\n", kDraws, kept[kDraws / 2], corrected[kDraws / 2], better);
  EXPECT_GE(better, kDraws * 3 / 4);
  EXPECT_LT(corrected[kDraws / 2], kept[kDraws / 2]);
}

TEST(CalibrationTest, ModelJsonRoundTripsTheCalibration) {
  testing::Trained t = TrainedModel();
  ASSERT_TRUE(t.status.ok()) << t.status.ToString();
  // Without one, model.json says nothing about it.
  const std::string plain = ModelToJson(t.model);
  EXPECT_EQ(plain.find("calibration"), std::string::npos);
  Result<Model> old = ParseModelJson(plain, "old.json", t.rules);
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_FALSE(old->calibration.fitted);
  EXPECT_EQ(ModelToJson(*old).find("calibration"), std::string::npos);

  Model model = t.model;
  model.calibration.fitted = true;
  model.calibration.slope = 0.37;
  model.calibration.intercept = -1.25;
  model.calibration.pairs = 2000;
  model.calibration.matches = 150;
  model.calibration.source = "labels: 2000 labeled pairs (150 matches), Platt scaling";
  const std::string json = ModelToJson(model);
  Result<Model> read = ParseModelJson(json, "calibrated.json", t.rules);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_TRUE(read->calibration.fitted);
  EXPECT_EQ(read->calibration.slope, 0.37);
  EXPECT_EQ(read->calibration.intercept, -1.25);
  EXPECT_EQ(read->calibration.pairs, 2000u);
  EXPECT_EQ(read->calibration.matches, 150u);
  EXPECT_EQ(read->calibration.source, model.calibration.source);
  // Written again, the calibration reads the same (the reader keeps only what scoring needs of
  // the rest, so the whole text is not compared).
  auto calibration_text = [](const std::string& text) {
    const size_t at = text.find("\"calibration\"");
    return at == std::string::npos ? std::string() : text.substr(at, text.find('}', at) - at);
  };
  EXPECT_FALSE(calibration_text(json).empty());
  EXPECT_EQ(calibration_text(ModelToJson(*read)), calibration_text(json));
  for (double w : {-5.0, 0.0, 7.5}) EXPECT_EQ(read->Probability(w), model.Probability(w));

  // A slope that is not positive is refused, with its location.
  std::string bad = json;
  const size_t at = bad.find("\"slope\": ") + 9;
  bad.replace(at, bad.find(',', at) - at, "-0.5");
  Result<Model> refused = ParseModelJson(bad, "bad.json", t.rules);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("'calibration' needs a finite 'slope' > 0"), std::string::npos)
      << refused.status().message();
  EXPECT_EQ(refused.status().message().rfind("bad.json:", 0), 0u) << refused.status().message();
}

}  // namespace
}  // namespace reclink
