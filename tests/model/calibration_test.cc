// The calibration of match weights to probabilities: the identity without labels (the same
// doubles as before it existed), Platt scaling recovering a known map, the guards, and model.json
// round trips with and without a calibration.
#include <gtest/gtest.h>

#include <cmath>
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
// many matches as non-matches) are fitted, with a warning that the intercept is then off.
TEST(CalibrationTest, HandBalancedLabelsAreFittedWithAWarning) {
  testing::Trained t = TrainedModel();
  ASSERT_TRUE(t.status.ok()) << t.status.ToString();
  const TermFrequencies tf = TermFrequencies::Build(*t.comps);
  std::vector<LabeledPair> labels;
  for (RowId a = 0; a < 12; ++a) labels.push_back({a, a + 18, true});  // the same values
  for (RowId a = 0; a < 12; ++a) labels.push_back({a, a + 1, false});   // others
  for (double share : {-1.0, 0.5, 0.01}) {
    SCOPED_TRACE(share);
    Model model = t.model;
    FitCalibration(Scorer(model, *t.comps, tf), *t.comps, labels, &model, share);
    ASSERT_TRUE(model.calibration.fitted) << (model.warnings.empty() ? "" : model.warnings.back());
    EXPECT_EQ(model.calibration.pairs, 24u);
    EXPECT_EQ(model.calibration.matches, 12u);
    bool warned = false;
    for (const std::string& w : model.warnings) warned |= w.find("not a random sample of candidate pairs") != std::string::npos;
    EXPECT_EQ(warned, share == 0.01);
    // The model's own cut keeps its weight; its probability is the calibrated one.
    EXPECT_EQ(model.threshold.weight, t.model.threshold.weight);
    EXPECT_EQ(model.threshold.probability, std::min(model.Probability(model.threshold.weight), std::nextafter(1.0, 0.0)));
  }
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
