// Training's passes over the candidate pairs: gamma-pattern counts per rule for EM
// (CountTrainingPatterns) and the prior from deterministic rules (DeterministicPrior).
#include <absl/container/flat_hash_map.h>
#include <tbb/enumerable_thread_specific.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <optional>

#include "reclink/hash.h"
#include "reclink/model.h"
#include "reclink/parallel.h"
#include "reclink/progress.h"

namespace reclink {
namespace {

// A well-mixed 64-bit hash of a record (its sample key, else its row), for deterministic sampling.
uint64_t RecordHash(const std::vector<uint64_t>& keys, RowId a, uint64_t salt) {
  return Mix64((a < keys.size() ? keys[a] : uint64_t{a}) ^ salt);
}

}  // namespace

// (model.h)
void GammaRuns(const Comparisons& comps, std::span<const CandidatePair> pairs,
               std::vector<uint8_t>* gammas, std::vector<RowId>* partners_scratch,
               ComparisonScratch& scratch, uint16_t known_equal) {
  std::vector<RowId>& partners = *partners_scratch;
  const size_t nc = comps.size();
  gammas->resize(pairs.size() * nc);
  for (size_t i = 0; i < pairs.size();) {
    size_t j = i;
    partners.clear();
    while (j < pairs.size() && pairs[j].a == pairs[i].a) partners.push_back(pairs[j++].b);
    comps.GammaOneToMany(pairs[i].a, partners, gammas->data() + i * nc, scratch, known_equal);
    i = j;
  }
}

// What EM needs from the candidate pairs: gamma-pattern counts per rule, for the pairs each rule
// produces first and for every pair it covers. Beyond [model] training_pairs candidates, a seeded hash
// sample is counted (the same sample whatever the thread count, the row order or the files the
// records came in). The sample is of records, by their sample keys: a pair is in it when either
// of its records is, so a sampled first row keeps its whole run of pairs, and the pairs in
// through a sampled second row, grouped by it, make runs too: long enough for the batch kernels
// (a sample of single pairs leaves runs of one or two). Each pair is still in the sample with
// the same probability. On 1M generated records sampling first rows (before the
// sample followed the records' keys) took the pattern counting from 1.1 to 0.6 s,
// with pairwise F1 0.9570 -> 0.9568 (seed 42) and 0.9579 -> 0.9577 (seed 7), differences of the
// order of the sampling noise. The sample was about 4 M pairs until the twenty-third session, 2 M
// since (the default of training_pairs): at a million records the counting took 0.43 -> 0.22 s,
// and F1 moved by less than the sample's own noise (docs/model.md, section 2).
//
// Pairs first produced by a rule are also counted by pattern and TF delta (PatternTf), for the
// model's own threshold; `u_only` (the model with u estimated, m still 1) gives the delta.
TrainingCounts CountTrainingPatterns(const Rules& rules, const Comparisons& comps,
                                     const BlockingIndex& index, uint64_t total_pairs,
                                     const Model& u_only, const TermFrequencies& tf,
                                     Progress* progress, uint64_t partition_rows,
                                     const std::vector<uint16_t>& known_equal) {
  const size_t nc = comps.size();
  const size_t nr = index.num_rules();
  const Scorer table_u_scorer(u_only, comps, tf);
  std::vector<size_t> tf_comparisons;
  std::vector<std::vector<bool>> exact_level(nc);  // [c][level]: an exact level (the only ones TF adjusts)
  for (size_t c = 0; c < nc; ++c) {
    if (tf.enabled(c)) tf_comparisons.push_back(c);
    exact_level[c].assign(comps.num_levels(c), false);
    for (size_t l = 1; l <= comps.spec(c).levels.size(); ++l)
      exact_level[c][l] = comps.spec(c).levels[l - 1].predicate == Predicate::kExact;
  }
  // log2(model u / the u this pair's values get), summed over TF-adjusted levels, in steps. Only
  // exact levels are adjusted, and equal values have the same frequency (it is counted by value),
  // so the delta depends on one row's values: `fixed`, the row shared by the run of pairs being
  // counted (its frequencies stay in cache, where the partner's would be a scattered load each).
  auto tf_delta = [&](const Scorer& u_scorer, RowId fixed, const uint8_t* gamma) {
    double d = 0;
    for (size_t c : tf_comparisons) {
      if (gamma[c] == 0 || !exact_level[c][gamma[c]]) continue;
      const Scorer::LevelTerms t = u_scorer.Terms(c, gamma[c], fixed, fixed);
      if (t.tf_adjusted) d += std::log2(u_only.comparisons[c].levels[gamma[c]].u / t.u);
    }
    return static_cast<int32_t>(std::lround(d * kTfDeltaSteps));
  };
  // Counted per thread in flat hash maps (a few thousand patterns at most in practice, looked up
  // several times per sampled pair), then summed into the result's maps.
  using LocalCounts = absl::flat_hash_map<uint64_t, uint64_t>;
  using LocalTfCounts = absl::flat_hash_map<PatternTf, uint64_t, PatternTfHash>;
  struct Local {
    std::vector<LocalCounts> covered;
    std::vector<LocalTfCounts> first_tf;
    // The last TF delta computed, for the row it was computed on and its pattern's TF-adjusted
    // levels: the pairs of a run mostly repeat it.
    RowId delta_row = 0;
    uint64_t delta_partition = 0;  // the partition delta_row is a row of (local ids repeat)
    std::vector<uint8_t> delta_levels;
    int32_t delta = 0;
    bool has_delta = false;
    // Scratch, reused from batch to batch: the sampled pairs (those in through their second
    // record turned around, b first), their levels, a run's partners.
    std::vector<CandidatePair> pairs, turned;
    std::vector<uint8_t> gammas, turned_gammas;
    std::vector<RowId> partners;
    ComparisonScratch comparisons;
  };
  tbb::enumerable_thread_specific<Local> locals([&] {
    Local l;
    l.covered.resize(nr);
    l.first_tf.resize(nr);
    l.delta_levels.assign(tf_comparisons.size(), 0);
    return l;
  });
  const uint64_t upper = index.PairsUpperBound();
  const uint64_t wanted = rules.model.training_pairs;
  const double fraction = upper > wanted ? static_cast<double>(wanted) / upper : 1.0;
  // A pair is sampled when either record's hash is below the cutoff: a share 1 - (1 - q)^2 =
  // fraction of the pairs, decided by the two records whatever their rows or which comes first.
  const double q = 1 - std::sqrt(1 - fraction);
  const uint64_t cutoff = fraction >= 1.0 ? UINT64_MAX : static_cast<uint64_t>(q * 18446744073709551615.0);
  const std::vector<uint64_t>& keys = u_only.sample_keys;
  const uint64_t salt = rules.model.seed * 0x9E3779B97F4A7C15ULL;
  // The sampled records as a bitmap, so that only their pairs are streamed (about training_pairs, not every
  // candidate pair); the score pass counts all of them.
  const size_t n = index.num_rows();
  std::vector<uint64_t> sampled((n + 63) / 64, 0);
  ParallelFor(size_t{0}, sampled.size(), [&](size_t w) {
    uint64_t bits = 0;
    for (size_t r = w * 64; r < std::min(n, w * 64 + 64); ++r) {
      if (cutoff == UINT64_MAX || RecordHash(keys, static_cast<RowId>(r), salt) <= cutoff) bits |= uint64_t{1} << (r & 63);
    }
    sampled[w] = bits;
  });
  // One batch of a rule's pairs in the rows of cs and u_scorer: the table's, or partition
  // number `partition`'s gathered rows g.
  auto count_batch = [&](const Comparisons& cs, const Scorer& u_scorer, const GatheredRows* g, uint64_t partition,
                         int rule, std::span<const CandidatePair> batch) {
    if (progress) progress->Add(batch.size());
    Local& l = locals.local();
    std::vector<CandidatePair>& pairs = l.pairs;
    std::vector<CandidatePair>& turned = l.turned;
    pairs.clear();
    turned.clear();
    auto table_row = [g](RowId r) { return g != nullptr ? g->rows[r] : r; };
    for (const CandidatePair& p : batch) {
      if (cutoff == UINT64_MAX || RecordHash(keys, table_row(p.a), salt) <= cutoff) {
        pairs.push_back(p);
      } else if (RecordHash(keys, table_row(p.b), salt) <= cutoff) {
        turned.push_back({p.b, p.a});
      }
    }
    // A batch's pairs come in runs of one first record, so the pairs sampled through their first
    // record keep their runs; those in through their second are one per run. Turned around and
    // grouped by that record, they make runs the batch kernels amortize too. Levels are symmetric
    // (Comparisons::Level), and the counts below do not depend on the order of the pairs, so the
    // counts, and the model, are the same.
    std::sort(turned.begin(), turned.end(),
              [](const CandidatePair& x, const CandidatePair& y) { return x.a != y.a ? x.a < y.a : x.b < y.b; });
    // The values the rule's pairs share by construction are not compared (KnownEqualComparisons).
    const uint16_t equal = rule >= 0 && static_cast<size_t>(rule) < known_equal.size()
                               ? known_equal[static_cast<size_t>(rule)]
                               : 0;
    GammaRuns(cs, pairs, &l.gammas, &l.partners, l.comparisons, equal);
    GammaRuns(cs, turned, &l.turned_gammas, &l.partners, l.comparisons, equal);
    // The delta of `fixed`'s run (see tf_delta), reused while the run's TF-adjusted levels repeat.
    auto delta_of = [&](RowId fixed, const uint8_t* gamma) {
      bool same = l.has_delta && l.delta_row == fixed && l.delta_partition == partition;
      for (size_t k = 0; k < tf_comparisons.size(); ++k) {
        const size_t c = tf_comparisons[k];
        const uint8_t level = exact_level[c][gamma[c]] ? gamma[c] : 0;
        same &= l.delta_levels[k] == level;
        l.delta_levels[k] = level;
      }
      if (!same) {
        l.delta = tf_delta(u_scorer, fixed, gamma);
        l.delta_row = fixed;
        l.delta_partition = partition;
        l.has_delta = true;
      }
      return l.delta;
    };
    // `fixed` is the pair's row shared by its run (a for pairs, b for turned ones).
    auto count = [&](RowId a, RowId b, RowId fixed, const uint8_t* gamma) {
      const uint64_t id = cs.PatternId(gamma);
      ++l.first_tf[rule][{id, delta_of(fixed, gamma)}];  // first[rule] is summed from these below
      ++l.covered[rule][id];
      for (size_t r = 0; r < nr; ++r) {
        if (static_cast<int>(r) == rule) continue;
        if (g != nullptr ? g->Covers(r, a, b) : index.RuleCovers(r, a, b)) ++l.covered[r][id];
      }
    };
    for (size_t i = 0; i < pairs.size(); ++i) count(pairs[i].a, pairs[i].b, pairs[i].a, &l.gammas[i * nc]);
    for (size_t i = 0; i < turned.size(); ++i) count(turned[i].b, turned[i].a, turned[i].a, &l.turned_gammas[i * nc]);
  };
  if (partition_rows > 0 && comps.CanGather()) {
    // (count_batch's partition 0 is the table's rows; the gathered ones count from 1.)
    GatheredScorer part;
    index.StreamPairsOfRowsPartitioned(sampled, partition_rows, [&](const GatheredRows& g) {
      part.Take(comps, table_u_scorer, g);
      return BlockingIndex::PairSink([&, gathered = &g](int rule, std::span<const CandidatePair> batch) {
        count_batch(part.comps, *part.scorer, gathered, part.partition, rule, batch);
      });
    });
  } else {
    index.StreamPairsOfRows(sampled, [&](int rule, std::span<const CandidatePair> batch) {
      count_batch(comps, table_u_scorer, nullptr, 0, rule, batch);
    });
  }
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

}  // namespace reclink
