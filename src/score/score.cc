// The score stage: candidate pairs weighed under the model; pairs at or above the threshold are
// kept as edges (score.h).
#include "reclink/score.h"

#include <tbb/enumerable_thread_specific.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <tuple>

#include "reclink/parallel.h"
#include "reclink/progress.h"

namespace reclink {

// A pair is decided in two steps. First, for every comparison, the cheap facts: whether either
// value is null (level 0) and whether the values are equal (a hash and byte compare, and then the
// level needs no similarity). That fixes the weight of those comparisons, and bounds each of the
// others by the best level unequal values can reach (exact levels cannot hit), so most pairs are
// rejected before any similarity is computed. Second, the comparisons still open are computed one
// at a time, those that can lose the most first, and a pair stops as soon as its bound falls
// below the threshold. A pair that survives is weighed in full, in the canonical order, so its
// weight (and whether it links) is exactly what Scorer::Weight gives. Pairs come in runs sharing
// row a: a comparison is computed for all the run's pairs still open on it at once, by the batch
// kernels with row a prepared once; every pair still sees the same levels as on its own.
void ScoreRunsDecidingEarly(const Comparisons& comps, const Scorer& scorer,
                            std::span<const CandidatePair> pairs, double threshold,
                            ScoreScratch& scratch, std::vector<Edge>* edges, uint16_t known_equal) {
  const size_t nc = comps.size();
  if (pairs.empty() || nc == 0) {
    for (const CandidatePair& p : pairs) {
      const double full = scorer.Weight(p.a, p.b, nullptr);
      if (full >= threshold) edges->push_back({p.a, p.b, full});
    }
    return;
  }
  // Per comparison: the weight of each level that no term frequency adjusts (those do not depend
  // on the rows), whether equal values get the first level outright (an exact first level), and
  // the most unequal values can add.
  const RowId any = pairs[0].a;
  double level_weight[kMaxComparisons][kMaxLevels + 2];
  bool tf_level[kMaxComparisons][kMaxLevels + 2];
  double unequal_max[kMaxComparisons], unequal_min[kMaxComparisons];
  bool exact_first[kMaxComparisons];
  for (size_t c = 0; c < nc; ++c) {
    const auto& levels = comps.spec(c).levels;
    exact_first[c] = !levels.empty() && levels[0].predicate == Predicate::kExact;
    if (!exact_first[c])
      known_equal &= static_cast<uint16_t>(~(1u << c));  // the level needs the values
    unequal_max[c] = -std::numeric_limits<double>::infinity();
    unequal_min[c] = std::numeric_limits<double>::infinity();
    bool bounded = true;
    for (int l = 0; l < comps.num_levels(c); ++l) {
      const Scorer::LevelTerms t = scorer.Terms(c, l, any, any);
      tf_level[c][l] = t.tf_adjusted;
      level_weight[c][l] = t.weight;
      const bool exact = l >= 1 && l <= static_cast<int>(levels.size()) && levels[l - 1].predicate == Predicate::kExact;
      if (l == 0 || exact) continue;  // null needs a null value; exact needs equal values
      if (t.tf_adjusted || std::isnan(t.weight)) bounded = false;
      unequal_max[c] = std::max(unequal_max[c], t.weight);
      unequal_min[c] = std::min(unequal_min[c], t.weight);
    }
    if (!bounded) {  // not expected (only exact levels are adjusted); never reject on this bound
      unequal_max[c] = std::numeric_limits<double>::infinity();
      unequal_min[c] = -std::numeric_limits<double>::infinity();
    }
  }
  // The open comparisons, those whose level can lose the most first: a pair that falls short
  // there is rejected after the fewest similarities.
  size_t order[kMaxComparisons];
  for (size_t c = 0; c < nc; ++c) order[c] = c;
  auto drop = [&](size_t c) {
    const double d = unequal_max[c] - unequal_min[c];
    return std::isnan(d) ? 0.0 : d;  // a strict weak order even for a degenerate model
  };
  std::sort(order, order + nc, [&](size_t x, size_t y) { return drop(x) != drop(y) ? drop(x) > drop(y) : x < y; });
  auto weight_of = [&](size_t c, int level, RowId a, RowId b) {
    return tf_level[c][level] ? scorer.LevelWeight(c, level, a, b) : level_weight[c][level];
  };
  constexpr double kMargin = 1e-9;  // keeps rounding in the partial sums from rejecting an edge
  const double floor = threshold - kMargin;
  std::vector<RowId>& alive = scratch.alive;
  std::vector<uint32_t>& alive_at = scratch.alive_at;
  std::vector<double>& bound = scratch.weight;
  std::vector<uint8_t>& gammas = scratch.gammas;
  std::vector<uint16_t>& open = scratch.open;
  std::vector<uint8_t>& levels = scratch.levels;
  std::vector<RowId>& sub = scratch.sub;
  std::vector<uint32_t>& sub_at = scratch.sub_at;
  for (size_t i = 0; i < pairs.size();) {
    const RowId a = pairs[i].a;
    size_t j = i;
    while (j < pairs.size() && pairs[j].a == a) ++j;
    const size_t run = j - i;
    alive.clear();
    alive_at.clear();
    bound.resize(run);
    gammas.resize(run * nc);
    open.resize(run);
    for (size_t m = 0; m < run; ++m) comps.Prefetch(pairs[i + m].b);  // scattered rows: start every load
    double equal_weight[kMaxComparisons];  // a TF-adjusted exact level's weight on row a's value
    std::fill(equal_weight, equal_weight + nc, std::numeric_limits<double>::quiet_NaN());
    // The exact level's weight for values equal to row a's. Term frequencies are per value (by
    // hash), so equal values share one weight: computed once per run, from row a alone (b's rank,
    // equal to a's, would be a scattered load per run).
    auto exact_weight = [&](size_t c) {
      if (!tf_level[c][1]) return level_weight[c][1];
      if (std::isnan(equal_weight[c])) equal_weight[c] = scorer.LevelWeight(c, 1, a, a);
      return equal_weight[c];
    };
    // Step one: nulls and equal values.
    for (size_t m = 0; m < run; ++m) {
      const RowId b = pairs[i + m].b;
      uint8_t* gamma = &gammas[m * nc];
      double w = scorer.base();
      uint16_t mask = 0;
      for (size_t c = 0; c < nc; ++c) {
        if ((known_equal >> c) & 1) {  // the pair's blocking rule shares the value
          gamma[c] = 1;
          w += exact_weight(c);
          continue;
        }
        if (comps.IsNull(c, a) || comps.IsNull(c, b)) {
          gamma[c] = 0;
          w += level_weight[c][0];
        } else if (comps.ValuesEqual(c, a, b)) {
          if (exact_first[c]) {
            gamma[c] = 1;
            w += exact_weight(c);
          } else {
            gamma[c] = static_cast<uint8_t>(comps.Level(c, a, b, nullptr, scratch.comparisons));
            w += weight_of(c, gamma[c], a, b);
          }
        } else {
          mask |= static_cast<uint16_t>(1u << c);
          w += unequal_max[c];
        }
      }
      if (w < floor) continue;
      bound[m] = w;
      open[m] = mask;
      alive.push_back(b);
      alive_at.push_back(static_cast<uint32_t>(m));
    }
    // Step two: the open comparisons, one at a time over the pairs still alive.
    for (size_t k = 0; k < nc && !alive.empty(); ++k) {
      const size_t c = order[k];
      const uint16_t bit = static_cast<uint16_t>(1u << c);
      sub.clear();
      sub_at.clear();
      for (size_t x = 0; x < alive.size(); ++x) {
        if (open[alive_at[x]] & bit) {
          sub.push_back(alive[x]);
          sub_at.push_back(alive_at[x]);
        }
      }
      if (sub.empty()) continue;
      std::optional<PreparedString> prepared;
      if (comps.WantsPrepared(c, sub.size())) prepared.emplace(comps.Value(c, a));
      levels.resize(sub.size());
      comps.LevelsOneToMany(c, a, sub, prepared ? &*prepared : nullptr, levels.data(), scratch.comparisons);
      bool dropped = false;
      for (size_t x = 0; x < sub.size(); ++x) {
        const uint32_t m = sub_at[x];
        gammas[m * nc + c] = levels[x];
        bound[m] += weight_of(c, levels[x], a, sub[x]) - unequal_max[c];
        dropped |= bound[m] < floor;
      }
      if (!dropped) continue;
      size_t kept = 0;
      for (size_t x = 0; x < alive.size(); ++x) {
        if (bound[alive_at[x]] < floor) continue;
        alive[kept] = alive[x];
        alive_at[kept] = alive_at[x];
        ++kept;
      }
      alive.resize(kept);
      alive_at.resize(kept);
    }
    for (size_t x = 0; x < alive.size(); ++x) {
      const double full = scorer.Weight(a, alive[x], &gammas[alive_at[x] * nc]);
      if (full >= threshold) edges->push_back({a, alive[x], full});
    }
    i = j;
  }
}

namespace {

// Keeps the k pairs that rank first under `better`.
void KeepBest(std::vector<ScoredPair>* v, size_t k, bool (*better)(const ScoredPair&, const ScoredPair&)) {
  std::sort(v->begin(), v->end(), better);
  if (v->size() > k) v->resize(k);
}
// A scored pair with its levels and each comparison's weight, for the error lists: p in the
// scorer's rows, named by its table rows gp.
ScoredPair Explained(const Scorer& scorer, const CandidatePair& p, const CandidatePair& gp, double w,
                     const uint8_t* gamma, size_t nc) {
  ScoredPair sp{gp.a, gp.b, w, std::vector<uint8_t>(gamma, gamma + nc), std::vector<double>(nc)};
  scorer.Weight(p.a, p.b, gamma, sp.weights.data());
  return sp;
}

bool HigherWeight(const ScoredPair& x, const ScoredPair& y) {
  return x.weight != y.weight ? x.weight > y.weight : std::tie(x.a, x.b) < std::tie(y.a, y.b);
}
bool LowerWeight(const ScoredPair& x, const ScoredPair& y) {
  return x.weight != y.weight ? x.weight < y.weight : std::tie(x.a, x.b) < std::tie(y.a, y.b);
}

// One thread's share of what evaluation learns from the scoring pass: true pairs among the
// candidates (per rule too) and the highest-weight false links and lowest-weight missed links.
struct TruthLocal {
  uint64_t true_candidates = 0;
  std::vector<uint64_t> rule_true;
  std::vector<ScoredPair> false_links, missed_links;
  // Once a list has been trimmed, a pair that ranks below its last kept entry can never make
  // it, so it is not built (building one allocates).
  double false_floor = -std::numeric_limits<double>::infinity();
  double missed_ceiling = std::numeric_limits<double>::infinity();

  // p in the scorer's rows, gp the same pair in the table's; covers(r): rule r covers it.
  template <typename Covers>
  void Observe(const Covers& covers, const Scorer& scorer, const CandidatePair& p, const CandidatePair& gp, double w,
               const uint8_t* gamma, size_t nc, bool match, bool linked, size_t keep) {
    if (match) {
      ++true_candidates;
      for (size_t r = 0; r < rule_true.size(); ++r) rule_true[r] += covers(r);
      if (!linked && w <= missed_ceiling) {
        missed_links.push_back(Explained(scorer, p, gp, w, gamma, nc));
        if (missed_links.size() > 4 * keep) {
          KeepBest(&missed_links, keep, LowerWeight);
          if (missed_links.size() == keep) missed_ceiling = missed_links.back().weight;
        }
      }
    } else if (w >= false_floor) {
      false_links.push_back(Explained(scorer, p, gp, w, gamma, nc));
      if (false_links.size() > 4 * keep) {
        KeepBest(&false_links, keep, HigherWeight);
        if (false_links.size() == keep) false_floor = false_links.back().weight;
      }
    }
  }
};

}  // namespace

ScoredCandidates ScoreCandidates(const Comparisons& comps, const Scorer& scorer, BlockingIndex& index,
                                 const ScoreOptions& options) {
  const double threshold = options.threshold;
  const size_t nc = comps.size();
  const size_t nr = index.num_rules();
  const double weight_threshold = scorer.WeightForProbability(threshold);
  const double pairs_weight = scorer.WeightForProbability(options.pairs_threshold);
  const std::vector<uint32_t>* truth = options.truth;
  const size_t keep = options.worst_errors;
  const bool histogram = options.weight_histogram;
  const size_t borderline = options.borderline_pairs;
  const std::span<const RowId> table_rows = options.table_rows;
  // Nearest the threshold first; ties by rows, so the kept set does not depend on threads.
  auto closer = [weight_threshold](const ScoredPair& x, const ScoredPair& y) {
    const double dx = std::abs(x.weight - weight_threshold), dy = std::abs(y.weight - weight_threshold);
    return dx != dy ? dx < dy : std::tie(x.a, x.b) < std::tie(y.a, y.b);
  };
  struct Local {
    std::vector<Edge> edges;
    std::vector<ScoredPair> kept;
    TruthLocal truth;
    std::vector<uint64_t> hist_pairs, hist_matches;
    std::vector<ScoredPair> borderline;
    double borderline_distance = std::numeric_limits<double>::infinity();  // once trimmed: the farthest kept
    ScoreScratch scratch;
    std::vector<uint8_t> gammas;
    std::vector<RowId> partners;
  };
  tbb::enumerable_thread_specific<Local> locals([&] {
    Local l;
    l.truth.rule_true.assign(nr, 0);
    if (histogram) {
      l.hist_pairs.assign(WeightHistogram::kBins, 0);
      if (truth) l.hist_matches.assign(WeightHistogram::kBins, 0);
    }
    return l;
  });
  std::vector<uint16_t> known_equal = options.known_equal;
  known_equal.resize(nr, 0);
  // Without --pairs, a truth column or a report's histogram, only the edges matter, and most
  // candidate pairs can be rejected before every comparison is computed.
  const bool decide_early = !options.keep_pairs && truth == nullptr && !histogram && borderline == 0;
  // One batch of pairs, in the rows of cs and sc: the table's, or a partition's gathered rows g
  // (then every pair kept is named by its table rows, so that what is kept, and its order, is the
  // same either way).
  auto score_batch = [&](const Comparisons& cs, const Scorer& sc, const GatheredRows* g, int rule,
                         std::span<const CandidatePair> pairs) {
    if (options.progress) options.progress->Add(pairs.size());
    Local& l = locals.local();
    // The values the rule's pairs share by construction are not compared (KnownEqualComparisons).
    const uint16_t equal =
        rule >= 0 && static_cast<size_t>(rule) < nr ? known_equal[static_cast<size_t>(rule)] : 0;
    if (decide_early) {
      const size_t before = l.edges.size();
      ScoreRunsDecidingEarly(cs, sc, pairs, weight_threshold, l.scratch, &l.edges, equal);
      if (g != nullptr) {
        for (size_t e = before; e < l.edges.size(); ++e) {
          l.edges[e].a = g->rows[l.edges[e].a];
          l.edges[e].b = g->rows[l.edges[e].b];
        }
      } else if (!table_rows.empty()) {
        for (size_t e = before; e < l.edges.size(); ++e) {
          l.edges[e].a = table_rows[l.edges[e].a];
          l.edges[e].b = table_rows[l.edges[e].b];
        }
      }
      return;
    }
    std::vector<uint8_t>& gammas = l.gammas;
    GammaRuns(cs, pairs, &gammas, &l.partners, l.scratch.comparisons, equal);
    for (size_t i = 0; i < pairs.size(); ++i) {
      const CandidatePair& p = pairs[i];
      const CandidatePair gp = g != nullptr          ? g->Global(p)
                               : !table_rows.empty() ? CandidatePair{table_rows[p.a], table_rows[p.b]}
                                                     : p;
      const uint8_t* gamma = &gammas[i * nc];
      const double w = sc.Weight(p.a, p.b, gamma);
      const bool linked = w >= weight_threshold;
      if (linked) l.edges.push_back({gp.a, gp.b, w});
      if (options.keep_pairs && w >= pairs_weight)
        l.kept.push_back({gp.a, gp.b, w, std::vector<uint8_t>(gamma, gamma + nc), {}});
      if (truth) {
        auto covers = [&](size_t r) {
          if (g == nullptr) return index.RuleCovers(r, p.a, p.b);
          return r == g->rule || g->Covers(r, p.a, p.b);
        };
        l.truth.Observe(covers, sc, p, gp, w, gamma, nc, (*truth)[gp.a] == (*truth)[gp.b], linked, keep);
      }
      if (histogram) {
        const int bin = WeightHistogram::Bin(w);
        ++l.hist_pairs[bin];
        if (truth && (*truth)[gp.a] == (*truth)[gp.b]) ++l.hist_matches[bin];
      }
      if (borderline && std::abs(w - weight_threshold) <= l.borderline_distance) {
        l.borderline.push_back(Explained(sc, p, gp, w, gamma, nc));
        if (l.borderline.size() > 4 * borderline) {
          std::sort(l.borderline.begin(), l.borderline.end(), closer);
          l.borderline.resize(borderline);
          l.borderline_distance = std::abs(l.borderline.back().weight - weight_threshold);
        }
      }
    }
  };
  std::vector<uint64_t> per_rule;
  if (options.partition_rows > 0 && comps.CanGather()) {
    GatheredScorer part;
    // Only the truth's counts ask which rules cover a pair.
    per_rule = index.StreamPairsPartitioned(options.partition_rows, truth != nullptr, [&](const GatheredRows& g) {
      part.Take(comps, scorer, g);
      return BlockingIndex::PairSink(
          [&, gathered = &g](int rule, std::span<const CandidatePair> pairs) {
            score_batch(part.comps, *part.scorer, gathered, rule, pairs);
          });
    });
  } else {
    per_rule = index.StreamPairs([&](int rule, std::span<const CandidatePair> pairs) {
      score_batch(comps, scorer, nullptr, rule, pairs);
    });
  }
  ScoredCandidates out;
  for (uint64_t p : per_rule) out.candidate_pairs += p;
  out.truth.rule_true_covered.assign(nr, 0);
  for (Local& l : locals) {
    out.edges.insert(out.edges.end(), l.edges.begin(), l.edges.end());
    for (ScoredPair& p : l.kept) out.pairs.push_back(std::move(p));
    out.truth.true_candidates += l.truth.true_candidates;
    for (size_t r = 0; r < nr; ++r) out.truth.rule_true_covered[r] += l.truth.rule_true[r];
    for (ScoredPair& p : l.truth.false_links) out.truth.false_links.push_back(std::move(p));
    for (ScoredPair& p : l.truth.missed_links) out.truth.missed_links.push_back(std::move(p));
    for (ScoredPair& p : l.borderline) out.borderline.push_back(std::move(p));
    if (histogram) {
      if (out.histogram.pairs.empty()) {
        out.histogram.pairs.assign(WeightHistogram::kBins, 0);
        if (truth) out.histogram.matches.assign(WeightHistogram::kBins, 0);
      }
      for (int b = 0; b < WeightHistogram::kBins; ++b) out.histogram.pairs[b] += l.hist_pairs[b];
      for (size_t b = 0; b < l.hist_matches.size(); ++b) out.histogram.matches[b] += l.hist_matches[b];
    }
  }
  if (histogram && out.histogram.pairs.empty()) {  // no candidate pairs reached a thread
    out.histogram.pairs.assign(WeightHistogram::kBins, 0);
    if (truth) out.histogram.matches.assign(WeightHistogram::kBins, 0);
  }
  std::sort(out.borderline.begin(), out.borderline.end(), closer);
  if (out.borderline.size() > borderline) out.borderline.resize(borderline);
  KeepBest(&out.truth.false_links, keep, HigherWeight);
  KeepBest(&out.truth.missed_links, keep, LowerWeight);
  auto by_rows = [](const auto& x, const auto& y) { return std::tie(x.a, x.b) < std::tie(y.a, y.b); };
  ParallelSort(out.edges.begin(), out.edges.end(), by_rows);
  std::sort(out.pairs.begin(), out.pairs.end(), by_rows);
  return out;
}

}  // namespace reclink
