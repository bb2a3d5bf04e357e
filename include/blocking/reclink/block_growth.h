// Block growth: how a blocking rule's candidate pairs will grow with the number of records, and
// an estimate of the time to score them, so that `reclink blocks` and a run can warn before a
// rule that is fine on a sample becomes quadratic on the full data.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "reclink/blocking.h"

namespace reclink {

// CPU time to compare and score one candidate pair with a six-comparison model on the project's
// reference machine (see docs/tuning.md, "Block growth", for how it was measured).
inline constexpr double kScoringNsPerPair = 280.0;

struct BlockGrowthOptions {
  // A block of more records than this is taken to be different people sharing a value (one
  // person rarely has more than a handful of records): its size grows in proportion to the
  // records, so its pairs grow with their square. Smaller blocks (one person's records, a
  // household) grow in number, not in size, so their pairs grow linearly. See docs/tuning.md,
  // "Block growth", for how well this projects generated data.
  uint64_t shared_block_size = 8;
  // Warn when the projected growth exponent is at least this (1: linear, 2: quadratic)...
  double warn_exponent = 1.5;
  // ...and the rule already makes at least this many pairs.
  uint64_t warn_min_pairs = 1000000;
  double ns_per_pair = kScoringNsPerPair;
  double scale = 10;  // the projection's factor on the records
};

struct BlockGrowth {
  int rule = 0;             // 0-based index into rules.blocking
  std::string text;         // the rule, e.g. "first & last"
  uint64_t records_with_key = 0;
  uint64_t pairs = 0;         // sum over the rule's blocks (earlier rules' pairs not removed)
  uint64_t shared_pairs = 0;  // of which in blocks larger than shared_block_size
  uint64_t largest_block = 0;
  std::string largest_key;  // " | "-joined key of the largest block, when known
  double scale = 10;
  // Projection at `scale` times the records: linear pairs x scale + shared pairs x scale^2.
  double projected_pairs = 0;
  // log(projected_pairs / pairs) / log(scale): 1 when every pair is in small blocks, up to 2.
  double growth_exponent = 1;
  double scoring_cpu_seconds = 0;  // pairs x ns_per_pair
  bool warn = false;
};

// Per blocking rule of a built index, in rule order. O(blocks); no pairs are streamed. In link
// mode pairs count only across sources, as the index produces them.
std::vector<BlockGrowth> AnalyzeBlockGrowth(const BlockingIndex& index,
                                            const BlockGrowthOptions& options = {});

// One sentence per rule with `warn` set (empty when none): the pairs, their share in shared-value
// blocks, the projection, the scoring-time estimate (at `threads` threads) and a hint.
std::vector<std::string> BlockGrowthWarnings(const std::vector<BlockGrowth>& growth, int threads,
                                             const BlockGrowthOptions& options = {});
// AnalyzeBlockGrowth and BlockGrowthWarnings with default options, at the current TBB arena's
// thread count: what a run reports before scoring.
std::vector<std::string> BlockGrowthWarnings(const BlockingIndex& index);

}  // namespace reclink
