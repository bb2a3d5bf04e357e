// Model weights, term frequencies and pair scoring.
#include "reclink/model.h"

#include <absl/container/flat_hash_map.h>
#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "model/row_parts.h"
#include "reclink/parallel.h"
#include "reclink/radix_sort.h"

namespace reclink {

double LevelParams::Weight() const { return std::log2(m / u); }

double Model::BaseWeight() const { return std::log2(prior / (1 - prior)); }

void ClampProbabilities(Model* model) {
  for (ComparisonParams& cp : model->comparisons) {
    for (size_t l = 1; l < cp.levels.size(); ++l) {
      for (auto [p, source] : {std::pair{&cp.levels[l].m, &cp.levels[l].m_source},
                               std::pair{&cp.levels[l].u, &cp.levels[l].u_source}}) {
        // `!(x >= floor)` also catches NaN.
        if (!(*p >= kMinProbability)) {
          *p = kMinProbability;
          *source += " (raised to the floor 1e-12)";
        } else if (*p > 1) {
          *p = 1;
          *source += " (lowered to 1)";
        }
      }
    }
  }
}

Model ModelSkeleton(const Rules& rules, const Comparisons& comps) {
  Model model;
  for (size_t c = 0; c < comps.size(); ++c) {
    ComparisonParams cp;
    cp.name = comps.spec(c).name;
    cp.field = comps.spec(c).field;
    cp.tf_adjust = comps.spec(c).tf_adjust;
    for (int l = 0; l < comps.num_levels(c); ++l) {
      LevelParams lp;
      lp.label = comps.LevelLabel(c, l);
      if (l == 0) {
        lp.m_source = lp.u_source = "null level: no evidence either way";
      }
      cp.levels.push_back(lp);
    }
    model.comparisons.push_back(std::move(cp));
  }
  (void)rules;
  return model;
}

void TermFrequencies::SetRanks(size_t c, const TfTable& table, const std::function<uint32_t(RowId)>& count_of,
                               size_t rows) {
  // The distinct frequencies in ascending order: a count's rank is its frequency's place among
  // them (counts giving the same float share one).
  uint32_t max_count = 0;
  for (const auto& [hash, n] : table.counts) max_count = std::max(max_count, n);
  std::vector<uint32_t> rank_of_count(size_t{max_count} + 1, 0);
  for (const auto& [hash, n] : table.counts) rank_of_count[n] = 1;
  std::vector<float>& freqs = frequencies_[c];
  freqs.assign(1, 0.0f);
  for (uint32_t n = 1; n <= max_count; ++n) {
    if (rank_of_count[n] == 0) continue;
    // The one float expression for a frequency, so that equal counts give equal frequencies.
    const float f = static_cast<float>(n) / static_cast<float>(table.non_null);
    if (f != freqs.back()) freqs.push_back(f);
    rank_of_count[n] = static_cast<uint32_t>(freqs.size() - 1);
  }
  std::vector<uint32_t>& out = ranks_[c];
  out.assign(rows, 0);
  ParallelFor(size_t{0}, rows, [&](size_t r) {
    const uint32_t n = count_of(static_cast<RowId>(r));
    if (n != 0) out[r] = rank_of_count[n];
  });
}

TermFrequencies TermFrequencies::Build(const Comparisons& comps) {
  TermFrequencies tf;
  tf.ranks_.resize(comps.size());
  tf.frequencies_.resize(comps.size());
  tf.tables_.resize(comps.size());
  const size_t rows = comps.num_rows();
  // Per TF-adjusted comparison: each row's value hash, once (in parallel); the non-null rows
  // split by the hash's top bits into parts of a few thousand values (a counting sort of the
  // rows); then each part counted in a hash map that stays in cache, on every thread, and each
  // row given its value's count. The parts, in order, give the table's (hash, count) entries in
  // ascending hash order. (One std::unordered_map over every value, filled on one thread and
  // read again per row, took 2.5 s of the 3.5 s compare-prepare stage at ten million records.)
  std::vector<uint64_t> hashes, parted_hashes;
  std::vector<RowId> parted;
  std::vector<uint32_t> count;
  for (size_t c = 0; c < comps.size(); ++c) {
    if (!comps.spec(c).tf_adjust) continue;
    hashes.resize(rows);
    ParallelFor(size_t{0}, rows, [&](size_t r) {
      hashes[r] = comps.IsNull(c, static_cast<RowId>(r)) ? 0 : comps.ValueHash(c, static_cast<RowId>(r));
    });
    // The non-null rows split by the hash's top bits (PlaceRowsByPart, on every thread: on one
    // thread these passes were a tail of about 10 ms per comparison at a million records).
    const uint64_t non_null = ParallelReduce(
        tbb::blocked_range<size_t>(0, rows, size_t{1} << 16), uint64_t{0},
        [&](const tbb::blocked_range<size_t>& range, uint64_t n) {
          for (size_t r = range.begin(); r != range.end(); ++r)
            n += !comps.IsNull(c, static_cast<RowId>(r));
          return n;
        },
        std::plus<uint64_t>());
    int bits = 0;
    while (bits < 16 && (non_null >> bits) > 4096) ++bits;
    const size_t parts = size_t{1} << bits;
    auto part_of = [&](size_t r) {
      if (comps.IsNull(c, static_cast<RowId>(r))) return parts;
      return bits == 0 ? size_t{0} : static_cast<size_t>(hashes[r] >> (64 - bits));
    };
    // The rows and their hashes in part order: the counting below reads both in order and
    // writes each row's count once (reading the hashes by row there was a scattered load each).
    parted.resize(non_null);
    parted_hashes.resize(non_null);
    const std::vector<size_t> begin =
        model_detail::PlaceRowsByPart(rows, parts, part_of, [&](size_t r, size_t at) {
          parted[at] = static_cast<RowId>(r);
          parted_hashes[at] = hashes[r];
        });
    count.assign(rows, 0);
    std::vector<std::vector<std::pair<uint64_t, uint32_t>>> entries(parts);
    tbb::enumerable_thread_specific<absl::flat_hash_map<uint64_t, uint32_t>> maps;
    ParallelFor(tbb::blocked_range<size_t>(0, parts, 1), [&](const tbb::blocked_range<size_t>& range) {
      absl::flat_hash_map<uint64_t, uint32_t>& counts = maps.local();
      for (size_t q = range.begin(); q != range.end(); ++q) {
        counts.clear();
        for (size_t k = begin[q]; k < begin[q + 1]; ++k) ++counts[parted_hashes[k]];
        for (size_t k = begin[q]; k < begin[q + 1]; ++k) count[parted[k]] = counts[parted_hashes[k]];
        entries[q].assign(counts.begin(), counts.end());
        std::sort(entries[q].begin(), entries[q].end());
      }
    });
    TfTable& table = tf.tables_[c];
    table.enabled = true;
    table.rows = rows;
    table.non_null = non_null;
    table.counts.clear();
    for (const auto& e : entries) table.counts.insert(table.counts.end(), e.begin(), e.end());
    tf.SetRanks(c, table, [&](RowId r) { return count[r]; }, rows);
  }
  return tf;
}

TermFrequencies TermFrequencies::Gather(std::span<const RowId> rows, std::span<const uint32_t> by_row,
                                        uint64_t table_rows) const {
  TermFrequencies out;
  out.frequencies_ = frequencies_;
  out.counted_rows_ = counted_rows_ != 0 ? counted_rows_ : table_rows;
  out.ranks_.resize(ranks_.size());
  for (size_t c = 0; c < ranks_.size(); ++c) {
    if (ranks_[c].empty()) continue;
    std::vector<uint32_t>& local = out.ranks_[c];
    local.resize(rows.size());
    const std::vector<uint32_t>& global = ranks_[c];
    ParallelFor(size_t{0}, by_row.size(), [&](size_t k) {
      const uint32_t i = by_row[k];
      local[i] = global[rows[i]];
    });
  }
  return out;
}

TermFrequencies TermFrequencies::FromTables(const Comparisons& comps, const std::vector<TfTable>& tables,
                                            size_t map_entries) {
  TermFrequencies tf;
  tf.ranks_.resize(comps.size());
  tf.frequencies_.resize(comps.size());
  tf.tables_ = tables;
  tf.tables_.resize(comps.size());
  for (size_t c = 0; c < comps.size(); ++c) {
    const TfTable& table = tf.tables_[c];
    if (!comps.spec(c).tf_adjust || !table.enabled) continue;
    tf.counted_rows_ = std::max(tf.counted_rows_, table.rows);
    const size_t rows = comps.num_rows();
    std::vector<uint32_t> count(rows, 0);
    if (table.counts.size() <= map_entries) {
      // A table of names or towns: a hash map of it stays in cache, and every row looks its value
      // up in it, on every thread.
      absl::flat_hash_map<uint64_t, uint32_t> of_hash;
      of_hash.reserve(table.counts.size());
      for (const auto& [h, n] : table.counts) of_hash.emplace(h, n);
      ParallelFor(tbb::blocked_range<size_t>(0, rows, 1 << 12), [&](const tbb::blocked_range<size_t>& range) {
        for (size_t r = range.begin(); r != range.end(); ++r) {
          if (comps.IsNull(c, static_cast<RowId>(r))) continue;
          if (const auto it = of_hash.find(comps.ValueHash(c, static_cast<RowId>(r))); it != of_hash.end()) {
            count[r] = it->second;
          }
        }
      });
    } else {
      // A table of e-mails or phones, too large for the cache: the rows sorted by value hash and
      // walked along the table (sorted by hash), rather than a lookup per row, a cache miss each.
      std::vector<std::pair<uint64_t, RowId>> by_hash;
      by_hash.reserve(rows);
      for (RowId r = 0; r < rows; ++r) {
        if (!comps.IsNull(c, r)) by_hash.emplace_back(comps.ValueHash(c, r), r);
      }
      RadixSortByKey(&by_hash, [](const std::pair<uint64_t, RowId>& p) { return p.first; });
      size_t t = 0;
      for (const auto& [h, r] : by_hash) {
        while (t < table.counts.size() && table.counts[t].first < h) ++t;
        if (t < table.counts.size() && table.counts[t].first == h) count[r] = table.counts[t].second;
      }
    }
    tf.SetRanks(c, table, [&](RowId r) { return count[r]; }, rows);
  }
  return tf;
}

Scorer::Scorer(const Model& model, const Comparisons& comps, const TermFrequencies& tf)
    : comps_(comps), tf_(tf), base_(model.BaseWeight()), calibration_(model.calibration) {
  const uint64_t counted = tf.counted_rows() ? tf.counted_rows() : comps.num_rows();
  tf_floor_ = 1.0 / static_cast<double>(std::max<uint64_t>(counted, 1));
  weight_.resize(comps.size());
  tf_m_.resize(comps.size());
  tf_weight_.resize(comps.size());
  u_.resize(comps.size());
  for (size_t c = 0; c < comps.size(); ++c) {
    const auto& levels = model.comparisons[c].levels;
    weight_[c].assign(levels.size(), 0.0);
    tf_m_[c].assign(levels.size(), 0.0);
    tf_weight_[c].resize(levels.size());
    for (const LevelParams& lp : levels) u_[c].push_back(lp.u);
    for (size_t l = 1; l < levels.size(); ++l) {
      weight_[c][l] = levels[l].Weight();
      const auto& specs = comps.spec(c).levels;
      if (tf.enabled(c) && l <= specs.size() && specs[l - 1].predicate == Predicate::kExact) {
        tf_m_[c][l] = levels[l].m;
        // Agreeing on a value held by a share f of records: u = f, so a common value counts less
        // than a rare one (floored at one record in the table). Per distinct frequency, ascending.
        for (float f : tf.Frequencies(c)) {
          tf_weight_[c][l].push_back(std::log2(tf_m_[c][l] / std::max(static_cast<double>(f), tf_floor_)));
        }
      }
    }
  }
  max_rest_.assign(comps.size() + 1, 0.0);
  for (size_t c = comps.size(); c-- > 0;) {
    double best = 0;  // the null level
    for (size_t l = 1; l < weight_[c].size(); ++l) {
      best = std::max(best, tf_m_[c][l] > 0 ? std::log2(tf_m_[c][l] / tf_floor_) : weight_[c][l]);
    }
    max_rest_[c] = max_rest_[c + 1] + best;
  }
}

Scorer::Scorer(const Scorer& other, const Comparisons& comps, const TermFrequencies& tf)
    : comps_(comps),
      tf_(tf),
      base_(other.base_),
      calibration_(other.calibration_),
      tf_floor_(other.tf_floor_),
      weight_(other.weight_),
      tf_m_(other.tf_m_),
      tf_weight_(other.tf_weight_),
      u_(other.u_),
      max_rest_(other.max_rest_) {}

double Scorer::LevelWeight(size_t c, int level, RowId a, RowId b) const {
  // The larger frequency of the two values is the one of the higher rank.
  if (tf_m_[c][level] > 0) return tf_weight_[c][level][std::max(tf_.Rank(c, a), tf_.Rank(c, b))];
  return weight_[c][level];
}

Scorer::LevelTerms Scorer::Terms(size_t c, int level, RowId a, RowId b) const {
  LevelTerms t;
  t.weight = LevelWeight(c, level, a, b);
  if (tf_m_[c][level] > 0) {
    t.tf_adjusted = true;
    t.u = std::max({tf_.Frequency(c, a), tf_.Frequency(c, b), tf_floor_});
  } else {
    t.u = u_[c][level];
  }
  return t;
}

double Scorer::Weight(RowId a, RowId b, const uint8_t* gamma, double* weights) const {
  double w = base_;
  for (size_t c = 0; c < weight_.size(); ++c) {
    const double wc = LevelWeight(c, gamma[c], a, b);
    if (weights) weights[c] = wc;
    w += wc;
  }
  return w;
}

double PairWeight(const Model& model, const Comparisons& comps, const TermFrequencies& tf, RowId a,
                  RowId b, const uint8_t* gamma, double* weights) {
  return Scorer(model, comps, tf).Weight(a, b, gamma, weights);
}

}  // namespace reclink
