// Platt scaling of match weights on labeled pairs: the model's calibration (FitCalibration).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "reclink/model.h"

namespace reclink {

namespace {

// log(1 + e^x) without overflow.
double Softplus(double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }

// The negative log-likelihood of the targets under P = 1 / (1 + e^-(a w + b)).
double Loss(const std::vector<double>& w, const std::vector<double>& t, double a, double b) {
  double loss = 0;
  for (size_t i = 0; i < w.size(); ++i) {
    const double f = a * w[i] + b;
    // -t log p - (1 - t) log(1 - p) = softplus(-f) + (1 - t) f
    loss += Softplus(-f) + (1 - t[i]) * f;
  }
  return loss;
}

}  // namespace

PlattFit PlattScaling(const std::vector<double>& w, const std::vector<bool>& is_match) {
  PlattFit fit;
  uint64_t matches = 0;
  for (bool m : is_match) matches += m;
  const uint64_t n = w.size(), non_matches = n - matches;
  if (matches == 0 || non_matches == 0) return fit;

  // Platt's targets: the labels smoothed by one pair either way, which keeps the maximum-likelihood
  // fit finite when the labels are separable (the Bayes estimate under a uniform prior).
  const double t_match = (static_cast<double>(matches) + 1) / (static_cast<double>(matches) + 2);
  const double t_non = 1 / (static_cast<double>(non_matches) + 2);
  std::vector<double> t(n);
  for (size_t i = 0; i < n; ++i) t[i] = is_match[i] ? t_match : t_non;

  // Newton's method with a backtracking line search on (a, b) in natural-log odds
  // (Lin, Lin and Weng 2007, "A note on Platt's probabilistic outputs for support vector
  // machines", Algorithm 1), from a = 0 and b at the smoothed share of matches.
  double a = 0, b = std::log((static_cast<double>(matches) + 1) / (static_cast<double>(non_matches) + 1));
  double loss = Loss(w, t, a, b);
  constexpr double kRidge = 1e-12, kMinStep = 1e-10, kTolerance = 1e-5;
  constexpr int kMaxIterations = 100;
  for (int it = 0; it < kMaxIterations; ++it) {
    double h11 = kRidge, h22 = kRidge, h21 = 0, g1 = 0, g2 = 0;
    for (size_t i = 0; i < n; ++i) {
      const double p = 1 / (1 + std::exp(-(a * w[i] + b)));
      const double d1 = p - t[i], d2 = p * (1 - p);
      h11 += w[i] * w[i] * d2;
      h22 += d2;
      h21 += w[i] * d2;
      g1 += w[i] * d1;
      g2 += d1;
    }
    if (std::abs(g1) < kTolerance && std::abs(g2) < kTolerance) {
      fit.converged = true;
      break;
    }
    const double det = h11 * h22 - h21 * h21;
    const double da = -(h22 * g1 - h21 * g2) / det, db = -(-h21 * g1 + h11 * g2) / det;
    const double descent = g1 * da + g2 * db;
    double step = 1;
    while (step >= kMinStep) {
      const double na = a + step * da, nb = b + step * db, nl = Loss(w, t, na, nb);
      if (nl < loss + 1e-4 * step * descent) {
        a = na, b = nb, loss = nl;
        break;
      }
      step /= 2;
    }
    if (step < kMinStep) {  // no further progress along Newton's direction: at the optimum
      fit.converged = true;
      break;
    }
  }
  fit.slope = a / std::log(2.0);
  fit.intercept = b / std::log(2.0);
  return fit;
}

void FitCalibration(const Scorer& scorer, const Comparisons& comps, const std::vector<LabeledPair>& labels,
                    Model* model, double expected_match_share, LabelsSample sample) {
  std::vector<double> w;
  std::vector<bool> is_match;
  w.reserve(labels.size());
  std::vector<uint8_t> gamma(comps.size());
  ComparisonScratch scratch;
  uint64_t matches = 0;
  double lowest_match = std::numeric_limits<double>::infinity();
  double highest_non_match = -std::numeric_limits<double>::infinity();
  for (const LabeledPair& p : labels) {
    comps.Gamma(p.a, p.b, gamma.data(), scratch);
    const double weight = scorer.Weight(p.a, p.b, gamma.data());
    w.push_back(weight);
    is_match.push_back(p.match);
    if (p.match) {
      ++matches;
      lowest_match = std::min(lowest_match, weight);
    } else {
      highest_non_match = std::max(highest_non_match, weight);
    }
  }
  const uint64_t n = w.size(), non_matches = n - matches;
  const std::string counted = std::to_string(n) + " labeled pairs (" + std::to_string(matches) + " matches)";
  if (matches < kMinCalibrationPairsPerClass || non_matches < kMinCalibrationPairsPerClass) {
    model->warnings.push_back("probabilities not calibrated: " + counted + "; calibration needs at least " +
                              std::to_string(kMinCalibrationPairsPerClass) +
                              " labeled matches and as many non-matches");
    return;
  }
  const PlattFit fit = PlattScaling(w, is_match);
  if (!(fit.slope > 0) || !std::isfinite(fit.slope) || !std::isfinite(fit.intercept)) {
    model->warnings.push_back("probabilities not calibrated: the fit on " + counted + " gave slope " +
                              std::to_string(fit.slope) + "; the labels do not rank pairs as the weights do");
    return;
  }
  Calibration& cal = model->calibration;
  cal.fitted = true;
  cal.slope = fit.slope;
  cal.intercept = fit.intercept;
  cal.pairs = n;
  cal.matches = matches;
  cal.source = "labels: " + counted + ", Platt scaling";
  if (highest_non_match < lowest_match) {
    cal.source += "; the labels separate matches from non-matches, so the slope rests on Platt's smoothed targets";
  }
  // Labels picked by hand (as many matches as non-matches, say) fit the slope but not the
  // intercept, which then holds the labels' odds of a match instead of the candidates' (as in
  // case-control studies). The model's own expected share q is the other estimate there is.
  const double q = expected_match_share, s = static_cast<double>(matches) / static_cast<double>(n);
  const bool q_known = q > 0 && q < 1;
  // Implausible for a random sample: the labels' odds of a match are more than half a bit (a
  // factor of 1.41) from the model's, twice the error of the model's expected matches measured on
  // held-out sets (12-15%, 0.2-0.3 bits; docs/model.md), and s is more than 3 standard errors
  // of a random sample of n pairs from q.
  const double shift = q_known ? std::log2(q / (1 - q)) - std::log2(s / (1 - s)) : 0;
  const bool implausible = q_known && std::abs(shift) > 0.5 &&
                           std::abs(s - q) > 3 * std::sqrt(q * (1 - q) / static_cast<double>(n));
  char text[600];
  if (sample == LabelsSample::kSelected || (sample == LabelsSample::kAuto && implausible)) {
    if (q_known) {
      cal.intercept_correction = shift;
      cal.intercept += shift;
      std::snprintf(text, sizeof text,
                    "; intercept corrected by %+.2f bits from the labels' %.1f%% matches to the %.1f%% the model "
                    "expects among candidate pairs",
                    shift, 100 * s, 100 * q);
      cal.source += text;
      if (sample == LabelsSample::kAuto) {
        std::snprintf(text, sizeof text,
                      "calibration: %.1f%% of the labeled pairs are matches where the model expects %.1f%% among "
                      "the candidate pairs, so the labels are not a random sample of candidate pairs; the "
                      "intercept was corrected by %+.2f bits to the model's share (docs/model.md). If they are a "
                      "random sample, set [model] labels_sample = \"random\"",
                      100 * s, 100 * q, shift);
        model->warnings.push_back(text);
      }
    } else {
      model->warnings.push_back(
          "calibration: the labels were picked (labels_sample = \"selected\") but the model expects no share of "
          "matches among candidate pairs to correct the intercept to; it holds the labels' odds of a match");
    }
  } else if (implausible) {
    std::snprintf(text, sizeof text,
                  "calibration: %.1f%% of the labeled pairs are matches where the model expects %.1f%% among the "
                  "candidate pairs; labels_sample = \"random\" keeps the labels' intercept, which is off by a "
                  "constant in log odds (about %+.1f bits) if the labels are not a random sample of candidate "
                  "pairs (docs/model.md)",
                  100 * s, 100 * q, shift);
    model->warnings.push_back(text);
  }
  // The cut stays where the model chose it; only its probability is said anew. Below 1 in a
  // double (model.json's reader wants (0, 1)): at a calibrated 53 bits or more the cut read back
  // is the weight of 1 - 2^-53, lower than the chosen one.
  if (model->threshold.chosen) {
    model->threshold.probability =
        std::min(model->Probability(model->threshold.weight), std::nextafter(1.0, 0.0));
  }
}

}  // namespace reclink
