// Model weights, term frequencies and pair scoring.
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "reclink/model.h"

namespace reclink {

double LevelParams::Weight() const { return std::log2(m / u); }

double Model::BaseWeight() const { return std::log2(prior / (1 - prior)); }

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

TermFrequencies TermFrequencies::Build(const Comparisons& comps) {
  TermFrequencies tf;
  tf.tf_.resize(comps.size());
  for (size_t c = 0; c < comps.size(); ++c) {
    if (!comps.spec(c).tf_adjust) continue;
    const size_t rows = comps.num_rows();
    std::unordered_map<uint64_t, uint32_t> counts;
    uint64_t non_null = 0;
    for (RowId r = 0; r < rows; ++r) {
      if (comps.IsNull(c, r)) continue;
      ++counts[comps.ValueHash(c, r)];
      ++non_null;
    }
    std::vector<float>& out = tf.tf_[c];
    out.assign(rows, 0.0f);
    tbb::parallel_for(size_t{0}, rows, [&](size_t r) {
      if (!comps.IsNull(c, static_cast<RowId>(r)))
        out[r] = static_cast<float>(counts.at(comps.ValueHash(c, static_cast<RowId>(r)))) / static_cast<float>(non_null);
    });
  }
  return tf;
}

double PairWeight(const Model& model, const Comparisons& comps, const TermFrequencies& tf, RowId a,
                  RowId b, const uint8_t* gamma, double* weights) {
  double w = model.BaseWeight();
  for (size_t c = 0; c < comps.size(); ++c) {
    const LevelParams& lp = model.comparisons[c].levels[gamma[c]];
    double wc = 0;
    if (gamma[c] != 0) {
      wc = lp.Weight();
      const auto& levels = comps.spec(c).levels;
      if (tf.enabled(c) && gamma[c] <= levels.size() && levels[gamma[c] - 1].predicate == Predicate::kExact) {
        // Agreeing on a value held by a share f of records: u = f, so a common value counts
        // less than a rare one (floored at one record in the table).
        const double floor = 1.0 / static_cast<double>(std::max<size_t>(comps.num_rows(), 1));
        const double f = std::max({tf.Frequency(c, a), tf.Frequency(c, b), floor});
        wc = std::log2(lp.m / f);
      }
    }
    if (weights) weights[c] = wc;
    w += wc;
  }
  return w;
}

}  // namespace reclink
