// Expectation-maximisation for Fellegi-Sunter m and the share of matches, over gamma-pattern
// counts (Winkler 1988; Jaro 1989). u starts from random pairs; EstimateMAndPrior re-estimates it per
// blocking rule (estimate_u), see the note there and docs/ARCHITECTURE.md.
#include <algorithm>
#include <cmath>
#include <tuple>

#include "reclink/model.h"

namespace reclink {

EmResult RunEm(const std::vector<std::pair<std::vector<uint8_t>, uint64_t>>& patterns,
               const std::vector<bool>& active, const std::vector<std::vector<double>>& u,
               const std::vector<std::vector<double>>& m_init, double lambda_init, int max_iterations,
               double tolerance, bool estimate_u) {
  const size_t nc = u.size();
  EmResult r;
  r.m = m_init;
  r.u = u;
  r.lambda = lambda_init;
  r.expected_matches.assign(nc, 0);
  double total = 0;
  for (const auto& p : patterns) total += static_cast<double>(p.second);
  if (total == 0) return r;
  std::vector<std::vector<double>> num(nc), unum(nc);
  std::vector<double> den(nc), uden(nc);
  for (int it = 0; it < max_iterations; ++it) {
    for (size_t c = 0; c < nc; ++c) {
      num[c].assign(u[c].size(), 0.0);
      unum[c].assign(u[c].size(), 0.0);
    }
    std::fill(den.begin(), den.end(), 0.0);
    std::fill(uden.begin(), uden.end(), 0.0);
    double matches = 0;
    for (const auto& [gamma, count] : patterns) {
      double lm = r.lambda, lu = 1 - r.lambda;
      for (size_t c = 0; c < nc; ++c) {
        if (!active[c] || gamma[c] == 0) continue;
        lm *= r.m[c][gamma[c]];
        lu *= r.u[c][gamma[c]];
      }
      const double w = lm + lu > 0 ? lm / (lm + lu) : 0.0;
      const double nw = w * static_cast<double>(count);
      const double nu = static_cast<double>(count) - nw;
      matches += nw;
      for (size_t c = 0; c < nc; ++c) {
        if (!active[c] || gamma[c] == 0) continue;
        num[c][gamma[c]] += nw;
        den[c] += nw;
        unum[c][gamma[c]] += nu;
        uden[c] += nu;
      }
    }
    double delta = std::fabs(matches / total - r.lambda);
    r.lambda = matches / total;
    for (size_t c = 0; c < nc; ++c) {
      if (!active[c] || den[c] <= 0) continue;
      for (size_t l = 1; l < num[c].size(); ++l) {
        const double m = num[c][l] / den[c];
        delta = std::max(delta, std::fabs(m - r.m[c][l]));
        r.m[c][l] = m;
      }
      if (estimate_u && uden[c] > 0) {
        for (size_t l = 1; l < unum[c].size(); ++l) {
          // A floor keeps a level that non-matches never show here from vetoing a match.
          const double uu = std::max(unum[c][l] / uden[c], 1e-9);
          delta = std::max(delta, std::fabs(uu - r.u[c][l]));
          r.u[c][l] = uu;
        }
      }
    }
    r.expected_matches = den;
    r.iterations = it + 1;
    if (delta < tolerance) {
      r.converged = true;
      break;
    }
  }
  return r;
}

double Em3Result::Posterior(const std::vector<bool>& active, const std::vector<std::vector<double>>& u,
                            const uint8_t* gamma) const {
  double lm = lambda, lh = eta, lu = 1 - lambda - eta;
  for (size_t c = 0; c < m.size(); ++c) {
    if (!active[c] || gamma[c] == 0) continue;
    lm *= m[c][gamma[c]];
    lh *= h[c][gamma[c]];
    lu *= u[c][gamma[c]];
  }
  const double all = lm + lh + lu;
  return all > 0 ? lm / all : 0.0;
}

Em3Result RunEmWithRelated(const std::vector<std::pair<std::vector<uint8_t>, uint64_t>>& patterns,
                           const std::vector<bool>& active, const std::vector<std::vector<double>>& u,
                           const std::vector<std::vector<double>>& m_init, double lambda_init,
                           int max_iterations, double tolerance) {
  const size_t nc = u.size();
  Em3Result r;
  r.m = m_init;
  r.lambda = lambda_init;
  r.expected_matches.assign(nc, 0);
  double total = 0;
  for (const auto& p : patterns) total += static_cast<double>(p.second);
  if (total == 0) return r;
  // h starts at the pairs' own level shares (non-null values only).
  r.h.resize(nc);
  for (size_t c = 0; c < nc; ++c) {
    r.h[c].assign(u[c].size(), 0.0);
    double n = 0;
    for (const auto& [gamma, count] : patterns) {
      if (gamma[c] == 0) continue;
      r.h[c][gamma[c]] += static_cast<double>(count);
      n += static_cast<double>(count);
    }
    for (size_t l = 1; l < r.h[c].size(); ++l) r.h[c][l] = n > 0 ? std::max(r.h[c][l] / n, 1e-6) : u[c][l];
  }
  r.eta = (1 - r.lambda) / 2;
  std::vector<std::vector<double>> num(nc), hnum(nc);
  std::vector<double> den(nc), hden(nc);
  for (int it = 0; it < max_iterations; ++it) {
    for (size_t c = 0; c < nc; ++c) {
      num[c].assign(u[c].size(), 0.0);
      hnum[c].assign(u[c].size(), 0.0);
    }
    std::fill(den.begin(), den.end(), 0.0);
    std::fill(hden.begin(), hden.end(), 0.0);
    double matches = 0, related = 0;
    for (const auto& [gamma, count] : patterns) {
      double lm = r.lambda, lh = r.eta, lu = 1 - r.lambda - r.eta;
      for (size_t c = 0; c < nc; ++c) {
        if (!active[c] || gamma[c] == 0) continue;
        lm *= r.m[c][gamma[c]];
        lh *= r.h[c][gamma[c]];
        lu *= u[c][gamma[c]];
      }
      const double all = lm + lh + lu;
      const double n = static_cast<double>(count);
      const double wm = all > 0 ? n * lm / all : 0.0, wh = all > 0 ? n * lh / all : 0.0;
      matches += wm;
      related += wh;
      for (size_t c = 0; c < nc; ++c) {
        if (!active[c] || gamma[c] == 0) continue;
        num[c][gamma[c]] += wm;
        den[c] += wm;
        hnum[c][gamma[c]] += wh;
        hden[c] += wh;
      }
    }
    double delta = std::max(std::fabs(matches / total - r.lambda), std::fabs(related / total - r.eta));
    r.lambda = matches / total;
    r.eta = related / total;
    for (size_t c = 0; c < nc; ++c) {
      if (!active[c]) continue;
      for (size_t l = 1; l < num[c].size(); ++l) {
        if (den[c] > 0) {
          const double m = num[c][l] / den[c];
          delta = std::max(delta, std::fabs(m - r.m[c][l]));
          r.m[c][l] = m;
        }
        if (hden[c] > 0) {
          // A floor keeps a level the related pairs never show from vetoing the class.
          const double h = std::max(hnum[c][l] / hden[c], 1e-9);
          delta = std::max(delta, std::fabs(h - r.h[c][l]));
          r.h[c][l] = h;
        }
      }
    }
    r.expected_matches = den;
    r.iterations = it + 1;
    if (delta < tolerance) {
      r.converged = true;
      break;
    }
  }
  return r;
}

namespace {

constexpr double kMFloor = 1e-6;
// The three-class fit needs this many comparisons left by a rule: with fewer, the related class
// has too little to be told apart from the other two.
constexpr size_t kMinComparisonsForRelated = 3;

std::vector<std::pair<std::vector<uint8_t>, uint64_t>> Expand(const Comparisons& comps,
                                                              const PatternCounts& counts) {
  std::vector<std::pair<std::vector<uint8_t>, uint64_t>> out;
  out.reserve(counts.size());
  for (const auto& [id, n] : counts) {
    std::vector<uint8_t> gamma(comps.size());
    comps.PatternFromId(id, gamma.data());
    out.emplace_back(std::move(gamma), n);
  }
  // Sorted, so that floating-point sums do not depend on hash-map order.
  std::sort(out.begin(), out.end());
  return out;
}

// Starting m: the listed levels share 0.95 with more on the stricter ones; "else" gets 0.05.
std::vector<std::vector<double>> InitialM(const Comparisons& comps) {
  std::vector<std::vector<double>> m(comps.size());
  for (size_t c = 0; c < comps.size(); ++c) {
    const int levels = comps.num_levels(c);
    m[c].assign(levels, 0.0);
    const int listed = levels - 2;
    double total = 0;
    for (int l = 1; l <= listed; ++l) total += std::pow(0.25, l - 1);
    for (int l = 1; l <= listed; ++l) m[c][l] = 0.95 * std::pow(0.25, l - 1) / total;
    m[c][levels - 1] = listed > 0 ? 0.05 : 1.0;
  }
  return m;
}

// The model's own threshold: candidate pairs (the sample's, by pattern and TF delta) ranked by
// the final model's weight, each expected to be a match with `posterior(rule, gamma)`; the cut
// that maximizes expected F1 = 2 TP / (linked + matches) wins. The threshold sits halfway to the
// next weight below (at most half a bit below the cut), so pairs scored in full land where their
// sampled twins did.
//
// With links_compete (best_link, one_per_source), a candidate pair links only if it wins its
// records' competition for a partner, so the non-matches that share a pattern with matches (the
// namesakes and housemates the rule fits count, section 6 of docs/model.md) mostly lose to the
// true partner and do not link: the share of matches among the links of a weight is the final
// model's own probability of a pair of that weight, not the rule fit's share among all candidate
// pairs of the pattern. Each pair is then expected to be a match with ProbabilityFromWeight(w).
template <typename Posterior>
void ChooseThreshold(const Comparisons& comps, const TrainingCounts& counts, const Posterior& posterior,
                     bool links_compete, Model* model) {
  const size_t nc = comps.size();
  struct Item {
    double weight;
    double pairs;
    double matches;      // expected matches that choose the cut
    double fit_matches;  // the rule fits' expected matches (reported)
  };
  std::vector<Item> items;
  std::vector<uint8_t> gamma(nc);
  const double base = model->BaseWeight();
  for (size_t r = 0; r < counts.first_tf.size(); ++r) {
    // Sorted, so that sums do not depend on hash-map order.
    std::vector<std::pair<PatternTf, uint64_t>> sorted(counts.first_tf[r].begin(), counts.first_tf[r].end());
    std::sort(sorted.begin(), sorted.end());
    for (const auto& [key, n] : sorted) {
      comps.PatternFromId(key.pattern, gamma.data());
      double w = base + key.tf_delta / kTfDeltaSteps;
      for (size_t c = 0; c < nc; ++c)
        if (gamma[c] != 0) w += model->comparisons[c].levels[gamma[c]].Weight();
      const double pairs = static_cast<double>(n);
      const double fit_matches = pairs * posterior(r, gamma);
      items.push_back({w, pairs, links_compete ? pairs * ProbabilityFromWeight(w) : fit_matches, fit_matches});
    }
  }
  if (items.empty()) return;
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    return a.weight != b.weight ? a.weight > b.weight : std::tie(a.pairs, a.matches, a.fit_matches) > std::tie(b.pairs, b.matches, b.fit_matches);
  });
  double total_matches = 0, fit_total = 0;  // fit_total: the rule fits', whatever links_compete says
  for (const Item& it : items) {
    total_matches += it.matches;
    fit_total += it.fit_matches;
  }
  if (!(total_matches > 0)) return;
  double linked = 0, tp = 0, fit_tp = 0, best_f1 = -1, best_fit_tp = 0, best_linked = 0;
  size_t best = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    // Never below even odds under the final model: a pair it calls more likely a non-match does
    // not link by default, however few matches the rules' fits expect (tiny or degenerate data).
    if (items[i].weight < 0) break;
    linked += items[i].pairs;
    tp += items[i].matches;
    fit_tp += items[i].fit_matches;
    // Cut only between distinct weights: pairs of equal weight link together or not at all.
    if (i + 1 < items.size() && items[i + 1].weight == items[i].weight) continue;
    const double f1 = 2 * tp / (linked + total_matches);
    if (f1 > best_f1) {
      best_f1 = f1;
      best = i;
      best_fit_tp = fit_tp;
      best_linked = linked;
    }
  }
  ThresholdChoice& t = model->threshold;
  t.chosen = true;
  t.expected_matches = fit_total / counts.sample_fraction;
  if (best_f1 < 0) {  // no pair at even odds or better: link none of them
    t.weight = 0;
    t.probability = 0.5;
    return;
  }
  const double cut = items[best].weight;
  const double below = best + 1 < items.size() ? std::max(items[best + 1].weight, 0.0) : std::max(cut - 1, 0.0);
  // Within [0, 40] bits, so that the probability stays below 1 in a double.
  t.weight = std::clamp(std::max((cut + below) / 2, cut - 0.5), 0.0, 40.0);
  t.probability = model->Probability(t.weight);  // uncalibrated: FitCalibration comes later
  // Reported from the rule fits in both cases, among the candidate pairs above the cut: with
  // links_compete that is before the competition removes some of them, so the precision is a
  // lower estimate (the final model's own figures would be near 1, and overconfident).
  t.expected_precision = best_fit_tp / best_linked;
  t.expected_recall = best_fit_tp / fit_total;
  t.expected_f1 = 2 * best_fit_tp / (best_linked + fit_total);
}

}  // namespace

void MakeWeightsMonotone(Model* model) {
  // swapped(OTHER) is not a step on the comparison's scale of similarity (two fields crossed
  // over, not a closer or looser match of one), so it stands outside the order: its weight is its
  // own, and the levels before and after it are ordered as if it were not there.
  auto outside_order = [](const LevelParams& lp) { return lp.label.rfind("swapped", 0) == 0; };
  struct Block {
    double m = 0, u = 0;
    size_t first = 0, last = 0;
  };
  for (ComparisonParams& cp : model->comparisons) {
    std::vector<Block> blocks;
    for (size_t l = 1; l < cp.levels.size(); ++l) {
      if (outside_order(cp.levels[l])) continue;
      blocks.push_back({cp.levels[l].m, cp.levels[l].u, l, l});
      // Pool while the block before has a lower ratio m/u than the last one (cross-multiplied:
      // both u are positive).
      while (blocks.size() >= 2) {
        const Block& a = blocks[blocks.size() - 2];
        const Block& b = blocks.back();
        if (!(a.m * b.u < b.m * a.u)) break;
        Block merged{a.m + b.m, a.u + b.u, a.first, b.last};
        blocks.pop_back();
        blocks.back() = merged;
      }
    }
    for (const Block& b : blocks) {
      if (b.first == b.last || !(b.u > 0)) continue;
      const double ratio = b.m / b.u;
      for (size_t l = b.first; l <= b.last; ++l) {
        if (outside_order(cp.levels[l])) continue;
        cp.levels[l].m = cp.levels[l].u * ratio;
        cp.levels[l].m_source += "; pooled with levels " + std::to_string(b.first) + "-" + std::to_string(b.last) +
                                 " (" + cp.levels[b.first].label + " to " + cp.levels[b.last].label +
                                 ") so that a looser level never weighs more than a stricter one";
      }
    }
  }
}

Status EstimateMAndPrior(const Rules& rules, const Comparisons& comps, const TrainingCounts& counts,
                         Model* model, const std::vector<LabeledPair>* labels, std::string_view labels_source) {
  const size_t nc = comps.size();
  const size_t nr = rules.blocking.size();
  uint64_t candidates = 0;
  for (const PatternCounts& pc : counts.first)
    for (const auto& kv : pc) candidates += kv.second;
  if (candidates == 0) {
    return Status::InvalidInput(
        "no candidate pairs: the blocking rules put no two records in the same block, so there is "
        "nothing to train m on",
        "check the blocking rules with `reclink blocks`, or score with a saved model (--model)");
  }
  std::vector<std::vector<double>> u(nc);
  for (size_t c = 0; c < nc; ++c)
    for (const LevelParams& lp : model->comparisons[c].levels) u[c].push_back(lp.u);
  const std::vector<std::vector<double>> m0 = InitialM(comps);
  const double lambda0 = 0.3;

  // One EM per rule over all the pairs it produces, with the comparisons it blocks on left out.
  std::vector<EmResult> per_rule(nr);
  std::vector<Em3Result> per_rule3(nr);
  std::vector<bool> related(nr, false);
  std::vector<std::vector<bool>> active(nr, std::vector<bool>(nc));
  std::vector<std::vector<std::pair<std::vector<uint8_t>, uint64_t>>> covered(nr);
  for (size_t r = 0; r < nr; ++r) {
    bool any = false;
    for (size_t c = 0; c < nc; ++c) any |= active[r][c] = !comps.BlockedBy(c, rules.blocking[r]);
    covered[r] = Expand(comps, counts.covered[r]);
    if (!any || covered[r].empty()) continue;
    const std::vector<size_t>& train = rules.model.train_rules;
    if (!train.empty() && !std::binary_search(train.begin(), train.end(), r)) continue;  // [model] train_rules
    // Three classes first (matches, related non-matches, random non-matches with u fixed): a
    // block's non-matches are a mix of households, which share an address, and strangers (a
    // placeholder phone's block is all strangers), and one non-match class cannot be both.
    const size_t n_active = static_cast<size_t>(std::count(active[r].begin(), active[r].end(), true));
    if (n_active >= kMinComparisonsForRelated) {
      per_rule3[r] = RunEmWithRelated(covered[r], active[r], u, m0, lambda0, rules.model.em_max_iterations,
                                      rules.model.em_tolerance);
      // The related class must be non-matches: on at least one comparison its strictest level
      // is nearer (in log) to random pairs' u than to m. Otherwise it is a second kind of match
      // (FEBRL's heavily corrupted duplicates) and the two-class fit stands.
      bool looks_unrelated = false;
      for (size_t c = 0; c < nc; ++c) {
        if (!active[r][c] || per_rule3[r].expected_matches[c] <= 0) continue;
        const double m1 = per_rule3[r].m[c][1], h1 = per_rule3[r].h[c][1], u1 = u[c][1];
        if (m1 > u1 && h1 * h1 < m1 * u1) looks_unrelated = true;
      }
      related[r] = looks_unrelated;
    }
    if (related[r]) {
      per_rule[r].lambda = per_rule3[r].lambda;
      per_rule[r].m = per_rule3[r].m;
      per_rule[r].u = u;
      per_rule[r].expected_matches = per_rule3[r].expected_matches;
      per_rule[r].iterations = per_rule3[r].iterations;
      per_rule[r].converged = per_rule3[r].converged;
    } else {
      // u is re-estimated within the rule's pairs: non-matches inside a block are not like random
      // pairs (a household shares surname, address and phone), and with u fixed to random pairs
      // EM would have to call them matches.
      per_rule[r] = RunEm(covered[r], active[r], u, m0, lambda0, rules.model.em_max_iterations,
                          rules.model.em_tolerance, /*estimate_u=*/true);
    }
    model->em_iterations = std::max(model->em_iterations, per_rule[r].iterations);
    uint64_t pairs = 0;
    for (const auto& p : covered[r]) pairs += p.second;
    model->training.push_back({rules.blocking[r].text, pairs, per_rule[r].lambda, per_rule[r].iterations,
                               per_rule[r].converged, related[r], related[r] ? per_rule3[r].eta : 0.0});
    if (!per_rule[r].converged) {
      model->em_converged = false;
      model->warnings.push_back("EM on the pairs of blocking rule " + std::to_string(r + 1) + " (" +
                                rules.blocking[r].text + ") did not converge in " +
                                std::to_string(rules.model.em_max_iterations) +
                                " iterations; raise [model] em_max_iterations");
    }
  }

  // m per comparison: the rules that do not block on it, weighted by their expected matches.
  std::vector<bool> need_fallback(nc, false);
  std::vector<bool> every_rule_blocks(nc, true);
  for (size_t c = 0; c < nc; ++c)
    for (size_t r = 0; r < nr; ++r) every_rule_blocks[c] = every_rule_blocks[c] && !active[r][c];
  for (size_t c = 0; c < nc; ++c) {
    ComparisonParams& cp = model->comparisons[c];
    std::vector<double> acc(comps.num_levels(c), 0.0);
    double weight = 0;
    cp.trained_by.clear();
    for (size_t r = 0; r < nr; ++r) {
      if (!active[r][c] || per_rule[r].iterations == 0 || per_rule[r].expected_matches[c] <= 0) continue;
      const double w = per_rule[r].expected_matches[c];
      for (size_t l = 1; l < acc.size(); ++l) acc[l] += w * per_rule[r].m[c][l];
      weight += w;
      cp.trained_by.push_back(rules.blocking[r].text);
    }
    if (weight <= 0) {
      need_fallback[c] = true;
      continue;
    }
    std::string source = "EM on the pairs of blocking rules: ";
    for (size_t i = 0; i < cp.trained_by.size(); ++i) source += (i ? "; " : "") + cp.trained_by[i];
    source += "; each level's expected matches plus half a pair (Jeffreys prior)";
    // acc[l] is the rules' expected matches at level l, `weight` their sum. Half a pair more per
    // level (the Jeffreys prior, as labels get in ApplyLabeledM) keeps a level that the fits put
    // no match in from an m of 0 when the fits saw few matches: on Splink's fake_1000 the
    // first name's `else` got m 0 (a different first name cost 20 bits) where the file's
    // matches disagree on it often. With thousands of expected matches it moves m by less than
    // 1e-4.
    const double levels = static_cast<double>(acc.size() - 1);
    for (size_t l = 1; l < acc.size(); ++l) {
      cp.levels[l].m = (acc[l] + 0.5) / (weight + 0.5 * levels);
      cp.levels[l].m_source = source;
    }
  }
  // Comparisons every rule blocks on: EM over all candidate pairs (biased upward; said so).
  if (std::any_of(need_fallback.begin(), need_fallback.end(), [](bool b) { return b; })) {
    PatternCounts all;
    for (const PatternCounts& pc : counts.first)
      for (const auto& [id, n] : pc) all[id] += n;
    std::vector<bool> act(nc, true);
    EmResult res = RunEm(Expand(comps, all), act, u, m0, lambda0, rules.model.em_max_iterations,
                         rules.model.em_tolerance);
    for (size_t c = 0; c < nc; ++c) {
      if (!need_fallback[c]) continue;
      ComparisonParams& cp = model->comparisons[c];
      cp.trained_by = {"all candidate pairs"};
      if (res.expected_matches[c] <= 0) {
        // No candidate pair has both values non-null (or EM saw no match among them): nothing
        // to estimate m from, whichever rules block on the field.
        for (size_t l = 1; l < cp.levels.size(); ++l) {
          cp.levels[l].m = m0[c][l];
          cp.levels[l].m_source = "starting value: no candidate pair had both values non-null and a chance of matching";
        }
        model->warnings.push_back("comparison '" + cp.name +
                                  "': no candidate pair has both values non-null, so its m could not be "
                                  "estimated (starting values kept); its field gives no evidence");
        continue;
      }
      for (size_t l = 1; l < cp.levels.size(); ++l) {
        cp.levels[l].m = res.m[c][l];
        cp.levels[l].m_source = every_rule_blocks[c]
                                    ? "EM on all candidate pairs: every blocking rule uses this field, so m is biased upward"
                                    : "EM on all candidate pairs: the pairs of the rules that do not block on this field "
                                      "gave no expected matches with both values non-null";
      }
      if (every_rule_blocks[c]) {
        model->warnings.push_back("comparison '" + cp.name +
                                  "': every blocking rule blocks on its field; its m was estimated "
                                  "from the blocked pairs and is biased; add a blocking rule that "
                                  "does not use it");
      } else {
        model->warnings.push_back("comparison '" + cp.name +
                                  "': the blocking rules that do not block on its field found no likely "
                                  "matches with both values non-null; its m was estimated from all "
                                  "candidate pairs instead");
      }
    }
  }
  // Floors: a level never observed among matches would otherwise have weight -infinity.
  for (ComparisonParams& cp : model->comparisons) {
    for (size_t l = 1; l < cp.levels.size(); ++l) {
      if (cp.levels[l].m < kMFloor) {
        cp.levels[l].m = kMFloor;
        cp.levels[l].m_source += " (never observed among matches; floored at 1e-6)";
      }
    }
  }

  if (labels != nullptr && !labels->empty()) ApplyLabeledM(comps, *labels, model, labels_source);
  MakeWeightsMonotone(model);
  ClampProbabilities(model);

  // Each candidate pair's chance of being a match: its posterior under the EM of the rule that
  // produced it first, with that rule's share of matches and (re-estimated) u.
  std::vector<std::vector<double>> m_final(nc);
  for (size_t c = 0; c < nc; ++c)
    for (const LevelParams& lp : model->comparisons[c].levels) m_final[c].push_back(lp.m);
  auto posterior = [&](size_t r, const std::vector<uint8_t>& gamma) {
    if (related[r]) return per_rule3[r].Posterior(active[r], u, gamma.data());
    const bool trained = per_rule[r].iterations > 0;
    double lm = trained ? per_rule[r].lambda : 0.5, lu = 1 - lm;
    const std::vector<std::vector<double>>& u_rule = trained ? per_rule[r].u : u;
    for (size_t c = 0; c < nc; ++c) {
      if ((trained && !active[r][c]) || gamma[c] == 0) continue;
      lm *= m_final[c][gamma[c]];
      lu *= u_rule[c][gamma[c]];
    }
    return lm + lu > 0 ? lm / (lm + lu) : 0.0;
  };

  if (rules.model.prior) {
    model->prior = *rules.model.prior;
    model->prior_source = "rules file [model] prior";
  } else if (counts.deterministic_prior) {
    model->prior = *counts.deterministic_prior;
    model->prior_source = counts.deterministic_prior_source;
  } else {
    // Prior: expected matches among each rule's first-produced pairs, summed, over all allowed
    // pairs.
    double expected = 0;
    for (size_t r = 0; r < nr; ++r) {
      for (const auto& [gamma, n] : Expand(comps, counts.first[r])) expected += static_cast<double>(n) * posterior(r, gamma);
    }
    // The counts are of a sample: scale back to all candidate pairs.
    expected /= counts.sample_fraction;
    const double total = static_cast<double>(std::max<uint64_t>(counts.total_pairs, 1));
    const double share = expected / total;
    model->prior = std::isfinite(share) ? std::clamp(share, kMinProbability, 0.5) : kMinProbability;
    model->prior_source = "EM: " + std::to_string(static_cast<uint64_t>(std::llround(expected))) +
                          " expected matching pairs among " + std::to_string(counts.total_pairs) +
                          " possible pairs";
  }
  model->training_sample_fraction = counts.sample_fraction;
  if (!counts.first_tf.empty()) {
    const bool links_compete =
        rules.cluster_method == ClusterMethod::kBestLink || rules.cluster_method == ClusterMethod::kOnePerSource;
    ChooseThreshold(comps, counts, posterior, links_compete, model);
  }
  model->sample_keys = {};  // training only (CountTrainingPatterns' sample)
  model->sample_keys.shrink_to_fit();
  return Status::Ok();
}

}  // namespace reclink
