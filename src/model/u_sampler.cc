// u estimation from uniformly random record pairs, drawn in fixed seeded chunks so the counts do
// not depend on the thread count.
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <random>

#include "reclink/model.h"

namespace reclink {

void EstimateU(const Rules& rules, const Comparisons& comps, const RecordTable& table,
               uint64_t samples, uint64_t seed, Model* model) {
  const size_t nc = comps.size();
  const uint64_t n = table.num_rows();
  model->u_sample_pairs = 0;
  // Row ranges per source, for drawing cross-source pairs in link mode.
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (uint64_t r = 0; r < n;) {
    uint64_t e = r;
    while (e < n && table.source(static_cast<RowId>(e)) == table.source(static_cast<RowId>(r))) ++e;
    ranges.push_back({r, e});
    r = e;
  }
  const bool cross_only = rules.link_type == LinkType::kLink;
  if (n < 2 || (cross_only && ranges.size() < 2)) samples = 0;
  constexpr uint64_t kChunk = 1 << 16;
  const uint64_t chunks = (samples + kChunk - 1) / kChunk;
  using Counts = std::vector<std::vector<uint64_t>>;
  auto make = [&] {
    Counts c(nc);
    for (size_t i = 0; i < nc; ++i) c[i].assign(comps.num_levels(i), 0);
    return c;
  };
  tbb::enumerable_thread_specific<Counts> locals(make);
  tbb::parallel_for(uint64_t{0}, chunks, [&](uint64_t chunk) {
    std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ULL + chunk);
    Counts& counts = locals.local();
    const uint64_t count = std::min(kChunk, samples - chunk * kChunk);
    std::uniform_int_distribution<uint64_t> any(0, n - 1);
    for (uint64_t i = 0; i < count; ++i) {
      uint64_t a, b;
      if (cross_only) {
        // Sample a uniformly random cross-source pair by rejection.
        do {
          a = any(rng);
          b = any(rng);
        } while (table.source(static_cast<RowId>(a)) == table.source(static_cast<RowId>(b)));
      } else {
        do {
          a = any(rng);
          b = any(rng);
        } while (a == b);
      }
      for (size_t c = 0; c < nc; ++c) ++counts[c][comps.Level(c, static_cast<RowId>(a), static_cast<RowId>(b))];
    }
  });
  Counts total = make();
  for (const Counts& l : locals)
    for (size_t c = 0; c < nc; ++c)
      for (size_t k = 0; k < l[c].size(); ++k) total[c][k] += l[c][k];
  model->u_sample_pairs = samples;
  for (size_t c = 0; c < nc; ++c) {
    ComparisonParams& cp = model->comparisons[c];
    uint64_t non_null = 0;
    for (size_t k = 1; k < total[c].size(); ++k) non_null += total[c][k];
    for (size_t k = 1; k < total[c].size(); ++k) {
      LevelParams& lp = cp.levels[k];
      if (non_null == 0) {
        lp.u = 0.5;
        lp.u_source = "no random pair had both values non-null; u set to 0.5";
        continue;
      }
      if (total[c][k] == 0) {
        // Never seen: assume half a pair, which keeps the weight finite and conservative.
        lp.u = 0.5 / static_cast<double>(non_null);
        lp.u_source = "not seen in " + std::to_string(non_null) +
                      " random pairs with both values non-null; floored at 0.5/" + std::to_string(non_null);
      } else {
        lp.u = static_cast<double>(total[c][k]) / static_cast<double>(non_null);
        lp.u_source = std::to_string(total[c][k]) + " of " + std::to_string(non_null) +
                      " random pairs with both values non-null";
      }
    }
  }
}

}  // namespace reclink
