// Block growth projection. Uniformly subsampling the records cannot tell linear from quadratic
// growth (every pair survives a sample of a share f with probability f^2, whatever its block),
// so the projection reads the block sizes instead: pairs in small blocks scale with the records,
// pairs in blocks of a shared value scale with their square.
#include "reclink/block_growth.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <tbb/task_arena.h>

#include "reclink/progress.h"

namespace reclink {

std::vector<BlockGrowth> AnalyzeBlockGrowth(const BlockingIndex& index,
                                            const BlockGrowthOptions& options) {
  std::vector<BlockGrowth> out;
  const double k = options.scale > 1 ? options.scale : 10;
  for (size_t r = 0; r < index.num_rules(); ++r) {
    BlockGrowth g;
    g.rule = static_cast<int>(r);
    g.scale = k;
    if (r < index.stats().size()) {
      const RuleStats& st = index.stats()[r];
      g.text = st.text;
      g.records_with_key = st.records_with_key;
      if (!st.largest.empty()) g.largest_key = st.largest.front().key;
    }
    for (const auto& [size, pairs] : index.BlockSizesAndPairs(r)) {
      g.pairs += pairs;
      if (size > options.shared_block_size) g.shared_pairs += pairs;
      g.largest_block = std::max(g.largest_block, size);
    }
    const double linear = static_cast<double>(g.pairs - g.shared_pairs);
    const double shared = static_cast<double>(g.shared_pairs);
    g.projected_pairs = linear * k + shared * k * k;
    g.growth_exponent =
        g.pairs == 0 ? 1.0 : std::log(g.projected_pairs / static_cast<double>(g.pairs)) / std::log(k);
    g.scoring_cpu_seconds = static_cast<double>(g.pairs) * options.ns_per_pair * 1e-9;
    g.warn = g.pairs >= options.warn_min_pairs && g.growth_exponent >= options.warn_exponent;
    out.push_back(std::move(g));
  }
  return out;
}

std::vector<std::string> BlockGrowthWarnings(const std::vector<BlockGrowth>& growth, int threads,
                                             const BlockGrowthOptions& options) {
  std::vector<std::string> out;
  const int t = std::max(threads, 1);
  for (const BlockGrowth& g : growth) {
    if (!g.warn) continue;
    char buf[768];
    const double share = g.pairs == 0 ? 0 : 100.0 * static_cast<double>(g.shared_pairs) / static_cast<double>(g.pairs);
    std::snprintf(
        buf, sizeof buf,
        "blocking rule %d (%s) makes %s candidate pairs for %s records, %.0f%% of them in blocks of "
        "more than %llu records (largest %llu%s%s%s), whose pairs grow with the square of the "
        "records (growth exponent %.2f): about %s pairs at %gx the records. Estimated scoring time "
        "for this rule: %.1f s of CPU (%.1f s on %d threads; %g ns per pair). hint: add a key to "
        "this rule (e.g. year(dob) or prefix(postcode, 3)), or see docs/tuning.md, \"Block growth\"",
        g.rule + 1, g.text.c_str(), HumanCount(static_cast<double>(g.pairs)).c_str(),
        HumanCount(static_cast<double>(g.records_with_key)).c_str(), share,
        static_cast<unsigned long long>(options.shared_block_size),
        static_cast<unsigned long long>(g.largest_block), g.largest_key.empty() ? "" : ": \"",
        g.largest_key.c_str(), g.largest_key.empty() ? "" : "\"", g.growth_exponent,
        HumanCount(g.projected_pairs).c_str(), g.scale, g.scoring_cpu_seconds,
        g.scoring_cpu_seconds / t, t, options.ns_per_pair);
    out.emplace_back(buf);
  }
  return out;
}

std::vector<std::string> BlockGrowthWarnings(const BlockingIndex& index) {
  return BlockGrowthWarnings(AnalyzeBlockGrowth(index), tbb::this_task_arena::max_concurrency());
}

}  // namespace reclink
