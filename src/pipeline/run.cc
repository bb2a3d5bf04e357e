// RunLinkage: derived fields, blocking, training (pattern counts + EM), scoring and clustering,
// one function per stage below, wired together at the end of the file.
#include <tbb/enumerable_thread_specific.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <tuple>

#include "reclink/hash.h"
#include "reclink/parallel.h"
#include "reclink/pipeline.h"
#include "reclink/run_state.h"
#include "score_runs.h"

namespace reclink {

// (score_runs.h) Appends the pairs at or above threshold to edges, computing levels one comparison at a time
// (cheapest first) and stopping as soon as the best the remaining comparisons could add cannot
// reach the threshold. A pair that survives is weighed in full, in the canonical order, so its
// weight (and whether it links) is exactly what Scorer::Weight gives. Pairs come in runs sharing
// row a: a run of several pairs is scored a comparison at a time over the pairs still alive, so
// each string similarity is computed by the batch kernels for all of them at once (with row a
// prepared once); every pair still sees the same sums, in the same order, as on its own.
void ScoreRunsDecidingEarly(const Comparisons& comps, const Scorer& scorer, std::span<const CandidatePair> pairs,
                            double threshold, std::vector<Edge>* edges) {
  const size_t nc = comps.size();
  // Exact and numeric comparisons first: they cost a hash compare. Within each group, the
  // comparisons with the largest top weight first: a pair that disagrees there loses the most
  // of what it could still reach, so most pairs are decided after the fewest comparisons.
  size_t order[kMaxComparisons];
  size_t no = 0;
  for (size_t c = 0; c < nc; ++c) if (!comps.uses_string_metric(c)) order[no++] = c;
  const size_t cheap = no;
  for (size_t c = 0; c < nc; ++c) if (comps.uses_string_metric(c)) order[no++] = c;
  auto top_weight = [&](size_t c) {
    const double w = scorer.MaxRest(c) - scorer.MaxRest(c + 1);
    return std::isnan(w) ? 0.0 : w;  // a strict weak order even for a degenerate model
  };
  auto larger_top = [&](size_t x, size_t y) { return top_weight(x) != top_weight(y) ? top_weight(x) > top_weight(y) : x < y; };
  std::sort(order, order + cheap, larger_top);
  std::sort(order + cheap, order + nc, larger_top);
  double rest[kMaxComparisons + 1];  // rest[k]: the most comparisons order[k..] can add
  rest[nc] = 0.0;
  for (size_t k = nc; k-- > 0;) rest[k] = rest[k + 1] + (scorer.MaxRest(order[k]) - scorer.MaxRest(order[k] + 1));
  constexpr double kMargin = 1e-9;  // keeps rounding in the partial sums from rejecting an edge
  constexpr size_t kMinRun = 4;     // shorter runs: pair by pair, without preparing row a
  thread_local std::vector<RowId> alive;        // partners still able to link, in pair order
  thread_local std::vector<uint32_t> alive_at;  // their index in the run
  thread_local std::vector<double> weight;      // [index in run]: partial weight
  thread_local std::vector<uint8_t> gammas;     // [index in run * nc + c]
  thread_local std::vector<uint8_t> levels;
  uint8_t gamma[kMaxComparisons];
  for (size_t i = 0; i < pairs.size();) {
    const RowId a = pairs[i].a;
    size_t j = i;
    while (j < pairs.size() && pairs[j].a == a) ++j;
    if (j - i < kMinRun) {
      for (; i < j; ++i) {
        const RowId b = pairs[i].b;
        if (i + 8 < pairs.size()) comps.Prefetch(pairs[i + 8].b);  // scattered rows: load ahead
        double w = scorer.base();
        bool rejected = false;
        for (size_t k = 0; k < nc; ++k) {
          const size_t c = order[k];
          gamma[c] = static_cast<uint8_t>(comps.Level(c, a, b));
          w += scorer.LevelWeight(c, gamma[c], a, b);
          if (w + rest[k + 1] < threshold - kMargin) {
            rejected = true;
            break;
          }
        }
        if (rejected) continue;
        const double full = scorer.Weight(a, b, gamma);
        if (full >= threshold) edges->push_back({a, b, full});
      }
      continue;
    }
    const size_t run = j - i;
    alive.clear();
    alive_at.clear();
    for (size_t m = 0; m < run; ++m) {
      alive.push_back(pairs[i + m].b);
      alive_at.push_back(static_cast<uint32_t>(m));
      comps.Prefetch(pairs[i + m].b);  // partners are scattered rows; start every load up front
    }
    weight.assign(run, scorer.base());
    gammas.resize(run * nc);
    for (size_t k = 0; k < nc && !alive.empty(); ++k) {
      const size_t c = order[k];
      std::optional<PreparedString> prepared;
      if (comps.uses_string_metric(c) && alive.size() >= kMinRun && !comps.IsNull(c, a)) {
        prepared.emplace(comps.Value(c, a));
      }
      levels.resize(alive.size());
      comps.LevelsOneToMany(c, a, alive, prepared ? &*prepared : nullptr, levels.data());
      size_t kept = 0;
      for (size_t x = 0; x < alive.size(); ++x) {
        const uint32_t m = alive_at[x];
        gammas[m * nc + c] = levels[x];
        weight[m] += scorer.LevelWeight(c, levels[x], a, alive[x]);
        if (weight[m] + rest[k + 1] < threshold - kMargin) continue;
        alive[kept] = alive[x];
        alive_at[kept] = m;
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

class StageClock {
 public:
  StageClock(std::vector<StageTiming>* out, const std::function<void(const StageTiming&)>& on_stage,
             Progress* progress)
      : out_(out), on_stage_(on_stage), progress_(progress), start_(std::chrono::steady_clock::now()) {}
  // The stage that starts now, for the live progress: what it counts and how many (0: unknown).
  void Begin(std::string_view stage, std::string_view unit = {}, uint64_t total = 0) {
    if (progress_) progress_->Begin(stage, unit, total);
  }
  void Mark(const std::string& stage) {
    const auto now = std::chrono::steady_clock::now();
    const StageTiming timing{stage, std::chrono::duration<double>(now - start_).count(), PeakRssBytes()};
    if (out_) out_->push_back(timing);
    if (on_stage_) on_stage_(timing);
    start_ = now;
  }

 private:
  std::vector<StageTiming>* out_;
  const std::function<void(const StageTiming&)>& on_stage_;
  Progress* progress_;
  std::chrono::steady_clock::time_point start_;
};

uint64_t AllowedPairs(const RecordTable& table, LinkType type) {
  const uint64_t n = table.num_rows();
  uint64_t total = n * (n - (n > 0)) / 2;
  if (type != LinkType::kLink) return total;
  std::vector<uint64_t> per_source(table.source_names().size(), 0);
  for (RowId r = 0; r < n; ++r) ++per_source[table.source(r)];
  for (uint64_t k : per_source) total -= k * (k - (k > 0)) / 2;
  return total;
}

// Keeps the k pairs that rank first under `better`.
void KeepBest(std::vector<ScoredPair>* v, size_t k, bool (*better)(const ScoredPair&, const ScoredPair&)) {
  std::sort(v->begin(), v->end(), better);
  if (v->size() > k) v->resize(k);
}
// A well-mixed 64-bit hash of a row, for deterministic sampling.
uint64_t RowHash(RowId a, uint64_t salt) { return Mix64(uint64_t{a} ^ salt); }

// Levels of every pair into gammas (size() per pair). Pairs come block by block with runs of
// the same first row; each run is scored one-against-many so that row's preparation is shared.
void GammaRuns(const Comparisons& comps, std::span<const CandidatePair> pairs, std::vector<uint8_t>* gammas) {
  thread_local std::vector<RowId> partners;
  const size_t nc = comps.size();
  gammas->resize(pairs.size() * nc);
  for (size_t i = 0; i < pairs.size();) {
    size_t j = i;
    partners.clear();
    while (j < pairs.size() && pairs[j].a == pairs[i].a) partners.push_back(pairs[j++].b);
    comps.GammaOneToMany(pairs[i].a, partners, gammas->data() + i * nc);
    i = j;
  }
}

// A scored pair with its levels and each comparison's weight, for the error lists.
ScoredPair Explained(const Scorer& scorer, const CandidatePair& p, double w, const uint8_t* gamma, size_t nc) {
  ScoredPair sp{p.a, p.b, w, std::vector<uint8_t>(gamma, gamma + nc), std::vector<double>(nc)};
  scorer.Weight(p.a, p.b, gamma, sp.weights.data());
  return sp;
}

bool HigherWeight(const ScoredPair& x, const ScoredPair& y) {
  return x.weight != y.weight ? x.weight > y.weight : std::tie(x.a, x.b) < std::tie(y.a, y.b);
}
bool LowerWeight(const ScoredPair& x, const ScoredPair& y) {
  return x.weight != y.weight ? x.weight < y.weight : std::tie(x.a, x.b) < std::tie(y.a, y.b);
}

// The error for a run with nothing to train on because every block that had pairs was too
// large: names the first few of them.
Status AllBlocksOversized(const Rules& rules, const std::vector<OversizedBlock>& oversized) {
  std::string blocks;
  for (size_t i = 0; i < oversized.size() && i < 5; ++i) {
    const OversizedBlock& ob = oversized[i];
    blocks += "\n  rule " + std::to_string(ob.rule + 1) + " (" + rules.blocking[ob.rule].text + "): key '" + ob.key +
              "', " + std::to_string(ob.size) + " records";
    if (!ob.placeholder_reason.empty()) {
      blocks += " (looks like a placeholder: " + ob.placeholder_reason + "; list it in [fields." + ob.placeholder_field +
                "] null_values)";
    }
  }
  if (oversized.size() > 5) blocks += "\n  ... and " + std::to_string(oversized.size() - 5) + " more";
  return Status::InvalidInput(
      "error: no candidate pairs: every block with two or more records was larger than [blocking_limits] "
      "max_block_size = " + std::to_string(rules.max_block_size) + " and was skipped:" + blocks,
      "if a key is a placeholder value (e.g. 'unknown', '0000'), list it in the field's null_values (or the "
      "top-level null_values); otherwise add a key to the rule or raise max_block_size");
}

// What EM needs from the candidate pairs: gamma-pattern counts per rule, for the pairs each rule
// produces first and for every pair it covers. Beyond kTrainingPairs candidates, a seeded hash
// sample is counted (the same sample whatever the thread count). The sample is of first rows: a
// sampled row keeps its whole run of pairs, so runs stay long enough for the batch kernels (a
// sample of single pairs leaves runs of one or two). Each pair is still in the sample with the
// same probability. On 1M generated records this took the pattern counting from 1.1 to 0.6 s,
// with pairwise F1 0.9570 -> 0.9568 (seed 42) and 0.9579 -> 0.9577 (seed 7), differences of the
// order of the sampling noise.
//
// Pairs first produced by a rule are also counted by pattern and TF delta (PatternTf), for the
// model's own threshold; `u_only` (the model with u estimated, m still 1) gives the delta.
TrainingCounts CountTrainingPatterns(const Rules& rules, const Comparisons& comps, BlockingIndex& index,
                                     uint64_t total_pairs, const Model& u_only, const TermFrequencies& tf,
                                     Progress* progress) {
  const size_t nc = comps.size();
  const size_t nr = index.num_rules();
  const Scorer u_scorer(u_only, comps, tf);
  std::vector<size_t> tf_comparisons;
  std::vector<std::vector<bool>> exact_level(nc);  // [c][level]: an exact level (the only ones TF adjusts)
  for (size_t c = 0; c < nc; ++c) {
    if (tf.enabled(c)) tf_comparisons.push_back(c);
    exact_level[c].assign(comps.num_levels(c), false);
    for (size_t l = 1; l <= comps.spec(c).levels.size(); ++l)
      exact_level[c][l] = comps.spec(c).levels[l - 1].predicate == Predicate::kExact;
  }
  // log2(model u / the u this pair's values get), summed over TF-adjusted levels, in steps.
  auto tf_delta = [&](RowId a, RowId b, const uint8_t* gamma) {
    double d = 0;
    for (size_t c : tf_comparisons) {
      if (gamma[c] == 0 || !exact_level[c][gamma[c]]) continue;
      const Scorer::LevelTerms t = u_scorer.Terms(c, gamma[c], a, b);
      if (t.tf_adjusted) d += std::log2(u_only.comparisons[c].levels[gamma[c]].u / t.u);
    }
    return static_cast<int32_t>(std::lround(d * kTfDeltaSteps));
  };
  struct Local {
    std::vector<PatternCounts> covered;
    std::vector<PatternTfCounts> first_tf;
  };
  tbb::enumerable_thread_specific<Local> locals([&] {
    Local l;
    l.covered.resize(nr);
    l.first_tf.resize(nr);
    return l;
  });
  constexpr uint64_t kTrainingPairs = 4'000'000;
  const uint64_t upper = index.PairsUpperBound();
  const double fraction = upper > kTrainingPairs ? static_cast<double>(kTrainingPairs) / upper : 1.0;
  const uint64_t cutoff = fraction >= 1.0 ? UINT64_MAX : static_cast<uint64_t>(fraction * 18446744073709551615.0);
  const uint64_t salt = rules.model.seed * 0x9E3779B97F4A7C15ULL;
  index.StreamPairs([&](int rule, std::span<const CandidatePair> batch) {
    if (progress) progress->Add(batch.size());
    Local& l = locals.local();
    thread_local std::vector<CandidatePair> pairs;
    thread_local std::vector<uint8_t> gammas;
    pairs.clear();
    for (const CandidatePair& p : batch) {
      if (cutoff == UINT64_MAX || RowHash(p.a, salt) <= cutoff) pairs.push_back(p);
    }
    GammaRuns(comps, pairs, &gammas);
    for (size_t i = 0; i < pairs.size(); ++i) {
      const CandidatePair& p = pairs[i];
      const uint8_t* gamma = &gammas[i * nc];
      const uint64_t id = comps.PatternId(gamma);
      ++l.first_tf[rule][{id, tf_delta(p.a, p.b, gamma)}];  // first[rule] is summed from these below
      ++l.covered[rule][id];
      for (size_t r = 0; r < nr; ++r) {
        if (static_cast<int>(r) != rule && index.RuleCovers(r, p.a, p.b)) ++l.covered[r][id];
      }
    }
  });
  TrainingCounts counts;
  counts.covered.resize(nr);
  counts.first.resize(nr);
  counts.first_tf.resize(nr);
  counts.total_pairs = total_pairs;
  counts.sample_fraction = fraction;
  for (const Local& l : locals) {
    for (size_t r = 0; r < nr; ++r) {
      for (const auto& [id, n] : l.covered[r]) counts.covered[r][id] += n;
      for (const auto& [key, n] : l.first_tf[r]) {
        counts.first[r][key.pattern] += n;
        counts.first_tf[r][key] += n;
      }
    }
  }
  return counts;
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

  void Observe(const BlockingIndex& index, const Scorer& scorer, const CandidatePair& p, double w,
               const uint8_t* gamma, size_t nc, bool match, bool linked, size_t keep) {
    if (match) {
      ++true_candidates;
      for (size_t r = 0; r < rule_true.size(); ++r) rule_true[r] += index.RuleCovers(r, p.a, p.b);
      if (!linked && w <= missed_ceiling) {
        missed_links.push_back(Explained(scorer, p, w, gamma, nc));
        if (missed_links.size() > 4 * keep) {
          KeepBest(&missed_links, keep, LowerWeight);
          if (missed_links.size() == keep) missed_ceiling = missed_links.back().weight;
        }
      }
    } else if (w >= false_floor) {
      false_links.push_back(Explained(scorer, p, w, gamma, nc));
      if (false_links.size() > 4 * keep) {
        KeepBest(&false_links, keep, HigherWeight);
        if (false_links.size() == keep) false_floor = false_links.back().weight;
      }
    }
  }
};

// The scoring pass's results.
struct Scored {
  std::vector<Edge> edges;         // pairs at or above the threshold, sorted by (a, b)
  std::vector<ScoredPair> pairs;   // with keep_pairs, sorted by (a, b)
  TruthCounts truth;               // with options.truth
  WeightHistogram histogram;       // with options.weight_histogram
  std::vector<ScoredPair> borderline;  // with options.borderline_pairs, nearest first
  uint64_t candidate_pairs = 0;
};

// Scores every candidate pair once; pairs at or above the threshold become edges.
Scored ScoreCandidates(const Comparisons& comps, const Scorer& scorer, BlockingIndex& index,
                       const RunOptions& options, double threshold) {
  const size_t nc = comps.size();
  const size_t nr = index.num_rules();
  const double weight_threshold = std::log2(threshold / (1 - threshold));
  const double pairs_weight = std::log2(options.pairs_threshold / (1 - options.pairs_threshold));
  const std::vector<uint32_t>* truth = options.truth;
  const size_t keep = options.worst_errors;
  const bool histogram = options.weight_histogram;
  const size_t borderline = options.borderline_pairs;
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
  // Without --pairs, a truth column or a report's histogram, only the edges matter, and most
  // candidate pairs can be rejected before every comparison is computed.
  const bool decide_early = !options.keep_pairs && truth == nullptr && !histogram && borderline == 0;
  std::vector<uint64_t> per_rule = index.StreamPairs([&](int, std::span<const CandidatePair> pairs) {
    if (options.progress) options.progress->Add(pairs.size());
    Local& l = locals.local();
    if (decide_early) {
      ScoreRunsDecidingEarly(comps, scorer, pairs, weight_threshold, &l.edges);
      return;
    }
    thread_local std::vector<uint8_t> gammas;
    GammaRuns(comps, pairs, &gammas);
    for (size_t i = 0; i < pairs.size(); ++i) {
      const CandidatePair& p = pairs[i];
      const uint8_t* gamma = &gammas[i * nc];
      const double w = scorer.Weight(p.a, p.b, gamma);
      const bool linked = w >= weight_threshold;
      if (linked) l.edges.push_back({p.a, p.b, w});
      if (options.keep_pairs && w >= pairs_weight) l.kept.push_back({p.a, p.b, w, std::vector<uint8_t>(gamma, gamma + nc), {}});
      if (truth) l.truth.Observe(index, scorer, p, w, gamma, nc, (*truth)[p.a] == (*truth)[p.b], linked, keep);
      if (histogram) {
        const int bin = WeightHistogram::Bin(w);
        ++l.hist_pairs[bin];
        if (truth && (*truth)[p.a] == (*truth)[p.b]) ++l.hist_matches[bin];
      }
      if (borderline && std::abs(w - weight_threshold) <= l.borderline_distance) {
        l.borderline.push_back(Explained(scorer, p, w, gamma, nc));
        if (l.borderline.size() > 4 * borderline) {
          std::sort(l.borderline.begin(), l.borderline.end(), closer);
          l.borderline.resize(borderline);
          l.borderline_distance = std::abs(l.borderline.back().weight - weight_threshold);
        }
      }
    }
  });
  Scored out;
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

// Clusters the edges (best_link first keeps only mutual best cross-source edges, one_per_source
// only the edges of its greedy one-record-per-source clusters): labels per
// row, numbered by their smallest row, and the number of clusters.
// The prior from [model] deterministic_rules: the pairs they produce (each once, within the
// blocking cap, across sources only in link mode) over their recall, over all allowed pairs.
void DeterministicPrior(const Rules& rules, const DerivedFields& fields, const RecordTable& table,
                        TrainingCounts* counts) {
  Rules det = rules;
  det.blocking = rules.model.deterministic_rules;
  BlockingIndex index = BlockingIndex::Build(det, fields, table);
  std::atomic<uint64_t> pairs{0};
  index.StreamPairs([&](int, std::span<const CandidatePair> batch) { pairs.fetch_add(batch.size(), std::memory_order_relaxed); });
  const double total = static_cast<double>(std::max<uint64_t>(counts->total_pairs, 1));
  const double recall = rules.model.deterministic_recall;
  const double share = static_cast<double>(pairs.load()) / recall / total;
  counts->deterministic_prior = std::isfinite(share) ? std::clamp(share, kMinProbability, 0.5) : kMinProbability;
  std::string texts;
  for (const BlockingRule& r : det.blocking) texts += (texts.empty() ? "" : ", ") + r.text;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", recall);
  counts->deterministic_prior_source = "deterministic rules (" + texts + "): " + std::to_string(pairs.load()) +
                                       " pairs, at recall " + buf + ", among " + std::to_string(counts->total_pairs) +
                                       " pairs";
}

void ClusterEdges(const Rules& rules, const LoadedInput& input, bool keep_links, RunResult* result) {
  const RecordTable& table = input.table;
  if (rules.cluster_method != ClusterMethod::kConnectedComponents) {
    if (keep_links) result->links = result->edges;
    // The methods break ties between equal weights by row; rows are taken in record-key order
    // (ClusterRowOrder) so that the clusters do not depend on the order of the input.
    const std::vector<uint32_t> order = ClusterRowOrder(rules, input);
    std::vector<uint32_t> rank(order.size());
    for (uint32_t i = 0; i < order.size(); ++i) rank[order[i]] = i;
    std::vector<Edge> ranked;
    ranked.reserve(result->edges.size());
    for (const Edge& e : result->edges) ranked.push_back({rank[e.a], rank[e.b], e.weight});
    std::vector<uint16_t> sources(order.size());
    for (size_t i = 0; i < order.size(); ++i) sources[i] = table.source(order[i]);
    std::vector<Edge> kept = ApplyClusterMethod(rules.cluster_method, order.size(), ranked, sources);
    for (Edge& e : kept) {
      const RowId a = order[e.a], b = order[e.b];
      e = {std::min(a, b), std::max(a, b), e.weight};
    }
    std::sort(kept.begin(), kept.end(), [](const Edge& x, const Edge& y) { return std::tie(x.a, x.b) < std::tie(y.a, y.b); });
    result->edges = std::move(kept);
  }
  result->labels = ConnectedComponents(table.num_rows(), result->edges);
  for (uint32_t label : result->labels) result->clusters = std::max<uint64_t>(result->clusters, label + 1);
}

}  // namespace

LinkCut LinkThreshold(const std::optional<double>& command_line, const Rules& rules, const Model& model) {
  if (command_line) return {*command_line, "command line"};
  if (rules.model.threshold) return {*rules.model.threshold, "rules file"};
  if (model.threshold.chosen) return {model.threshold.probability, "model"};
  return {};
}

Result<RunResult> RunLinkage(const Rules& rules, const LoadedInput& input, const RunOptions& options,
                             std::vector<StageTiming>* timings) {
  StageClock clock(timings, options.on_stage, options.progress);
  clock.Begin("normalize", "records", input.table.num_rows());
  RunResult result;
  const RecordTable& table = input.table;
  result.total_pairs = AllowedPairs(table, rules.link_type);

  Result<DerivedFields> fields = DeriveFields(rules, table);
  if (!fields.ok()) return fields.status();
  result.unparseable_dates = fields->unparseable_dates;
  result.unparseable_numbers = fields->unparseable_numbers;
  result.unparseable = fields->unparseable;
  for (size_t f = 0; f < rules.fields.size(); ++f) {
    if (fields->placeholder_nulls[f] != 0) result.placeholder_nulls.emplace_back(rules.fields[f].name, fields->placeholder_nulls[f]);
  }
  if (options.on_fields_derived) options.on_fields_derived();
  clock.Mark("normalize");
  clock.Begin("block");

  BlockingIndex index =
      BlockingIndex::Build(rules, *fields, table, options.keep_key_hashes ? &result.key_hashes : nullptr);
  result.oversized = index.oversized();
  clock.Mark("block");
  clock.Begin("compare-prepare");
  if (!options.model_path && !options.model && index.PairsUpperBound() == 0 && !result.oversized.empty()) {
    return AllBlocksOversized(rules, result.oversized);
  }

  Result<Comparisons> built = Comparisons::Build(rules, *fields);
  if (!built.ok()) return built.status();
  const Comparisons& comps = *built;
  TermFrequencies tf = options.tf_tables ? TermFrequencies::FromTables(comps, *options.tf_tables)
                                        : TermFrequencies::Build(comps);
  result.tf_tables = tf.tables();
  clock.Mark("compare-prepare");
  const uint64_t pairs_bound = index.PairsUpperBound();
  uint64_t scored_total = pairs_bound;

  // Training: u from random pairs, m and the prior from pattern counts of the candidate pairs.
  if (options.model_path || options.model) {
    if (options.model) {
      result.model = *options.model;
    } else {
      Result<Model> model = ReadModelJson(*options.model_path, rules);
      if (!model.ok()) return model.status();
      result.model = std::move(model.value());
    }
    // Training adds these; a saved model scoring new data must say them too.
    for (std::string& w : DegenerateComparisonWarnings(comps)) result.model.warnings.push_back(std::move(w));
  } else {
    result.model = ModelSkeleton(rules, comps);
    clock.Begin("train-u");
    EstimateU(rules, comps, *fields, table, rules.model.u_sample_pairs, rules.model.seed, &result.model);
    clock.Mark("train-u");
    clock.Begin("train-em", "pairs", pairs_bound);
    TrainingCounts counts =
        CountTrainingPatterns(rules, comps, index, result.total_pairs, result.model, tf, options.progress);
    if (!rules.model.deterministic_rules.empty() && !rules.model.prior) {
      DeterministicPrior(rules, *fields, table, &counts);
    }
    // Training streamed every candidate pair: their exact count is the score stage's total.
    if (options.progress) scored_total = options.progress->Read().done;
    RECLINK_RETURN_IF_ERROR(EstimateMAndPrior(rules, comps, counts, &result.model, options.labels));
    clock.Mark("train-em");
  }
  const LinkCut cut = LinkThreshold(options.threshold, rules, result.model);
  result.threshold = cut.probability;
  result.threshold_source = cut.source;
  if (options.train_only) {
    result.rules = index.stats();
    return result;
  }

  const Scorer scorer(result.model, comps, tf);
  const uint64_t capped_before = comps.capped_comparisons();
  clock.Begin("score", "pairs", scored_total);
  Scored scored = ScoreCandidates(comps, scorer, index, options, result.threshold);
  result.rules = index.stats();
  result.candidate_pairs = scored.candidate_pairs;
  result.edges = std::move(scored.edges);
  result.pairs = std::move(scored.pairs);
  result.truth = std::move(scored.truth);
  result.weight_histogram = std::move(scored.histogram);
  result.borderline = std::move(scored.borderline);
  result.capped_comparisons = comps.capped_comparisons() - capped_before;
  for (size_t c = 0; c < comps.size(); ++c) {
    result.comparison_counts.push_back({comps.spec(c).name, comps.values_over_cap(c), comps.unparseable_values(c)});
  }
  clock.Mark("score");

  clock.Begin("cluster");
  ClusterEdges(rules, input, options.keep_key_hashes, &result);
  clock.Mark("cluster");
  if (options.keep_fields) result.fields = std::move(fields.value());
  return result;
}

std::vector<uint32_t> ClusterRowOrder(const Rules& rules, const LoadedInput& input) {
  const std::vector<std::string> keys = RecordKeys(input, rules);
  const RecordTable& table = input.table;
  std::vector<uint32_t> order(keys.size());
  std::iota(order.begin(), order.end(), 0u);
  ParallelSort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) {
    if (keys[x] != keys[y]) return keys[x] < keys[y];
    // Dedupe of several inputs can repeat an id: then by source name, then row.
    const std::string& sx = table.source_names()[table.source(x)];
    const std::string& sy = table.source_names()[table.source(y)];
    return sx != sy ? sx < sy : x < y;
  });
  return order;
}

std::vector<Edge> ApplyClusterMethod(ClusterMethod method, size_t n, std::span<const Edge> edges,
                                     std::span<const uint16_t> sources) {
  switch (method) {
    case ClusterMethod::kMajorityLink: return MajorityLinks(n, edges);
    case ClusterMethod::kBestLink: return BestLinks(edges, sources);
    case ClusterMethod::kOnePerSource: return OnePerSourceLinks(edges, sources);
    case ClusterMethod::kConnectedComponents: break;
  }
  return std::vector<Edge>(edges.begin(), edges.end());
}

}  // namespace reclink
