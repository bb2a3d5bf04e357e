// The score stage: candidate pairs weighed under a trained model (match weight = log2 prior odds
// plus each comparison level's log2(m/u)); pairs at or above the threshold become edges for the
// cluster stage. Also what evaluation and the report learn on the way: pairs kept for pairs.csv,
// true pairs among the candidates, the worst errors, a weight histogram, borderline pairs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "reclink/blocking.h"
#include "reclink/cluster.h"
#include "reclink/comparison.h"
#include "reclink/model.h"

namespace reclink {

class Progress;

struct ScoredPair {
  RowId a, b;
  double weight;
  std::vector<uint8_t> gamma;
  std::vector<double> weights;  // per comparison (TF-adjusted); filled for evaluate's error lists
};

// Candidate pairs counted by match weight in fixed bins of kWidth bits from kMin (the first and
// last bins also take everything beyond them). The edges do not depend on the data, and the
// counts are integers summed from per-thread copies, so the histogram is the same whatever the
// thread count. Filled only when ScoreOptions::weight_histogram asks for it.
struct WeightHistogram {
  static constexpr double kMin = -64;
  static constexpr double kWidth = 0.25;
  static constexpr int kBins = 512;  // up to kMin + kBins * kWidth = +64 bits
  std::vector<uint64_t> pairs;    // per bin: candidate pairs; empty when not requested
  std::vector<uint64_t> matches;  // per bin: true matches among them (with ScoreOptions::truth)
  bool empty() const { return pairs.empty(); }
  static int Bin(double weight) {
    const double x = (weight - kMin) / kWidth;
    if (!(x >= 0)) return 0;  // also NaN
    return x >= kBins ? kBins - 1 : static_cast<int>(x);
  }
  static double Lower(int bin) { return kMin + bin * kWidth; }  // the bin's lowest weight
};

struct TruthCounts {
  uint64_t true_candidates = 0;             // candidate pairs that are true matches
  std::vector<uint64_t> rule_true_covered;  // per rule: true pairs the rule produces on its own
  std::vector<ScoredPair> false_links;      // highest-weight candidate non-matches
  std::vector<ScoredPair> missed_links;     // lowest-weight candidate matches below threshold
};

// What a scoring pass keeps besides the edges. Any of keep_pairs, truth, weight_histogram or
// borderline_pairs makes every candidate pair weighed in full; otherwise scoring stops early on
// pairs that cannot reach the threshold (the edges are the same either way).
struct ScoreOptions {
  double threshold = 0.5;                        // the link probability, in (0, 1)
  bool keep_pairs = false;                       // keep pairs with probability >= pairs_threshold
  double pairs_threshold = 0.5;
  const std::vector<uint32_t>* truth = nullptr;  // per-row entity labels: count true pairs, errors
  size_t worst_errors = 20;                      // with truth: false and missed links to keep
  bool weight_histogram = false;                 // fill ScoredCandidates::histogram
  size_t borderline_pairs = 0;                   // keep this many pairs nearest the threshold
  Progress* progress = nullptr;                  // counts the pairs streamed; may be null
  // > 0: the pairs are scored a partition at a time, each partition's rows (at most this many,
  // but for a single larger block) gathered into memory first (BlockingIndex::
  // StreamPairsPartitioned), for a run whose per-row data lives in files. The results are the
  // same. Ignored when the comparisons cannot be gathered (Comparisons::CanGather). With an index
  // split by SetShare, only the share's partitions.
  uint64_t partition_rows = 0;
  // When the comparisons and the index number rows in another order than the table (the run's
  // locality order, BlockingIndex::Renumber): the table's row of each of their rows. Every pair
  // kept (edges, pairs, errors, borderline pairs) is named by its table rows, and the truth is
  // read by them, so the results are the same as without. Empty: the table's own rows. Not with
  // partition_rows.
  std::span<const RowId> table_rows;
  // Per blocking rule of the index, the comparisons (bit c) whose values every pair the rule
  // produces shares by construction (KnownEqualComparisons): they are not loaded nor compared
  // when only the edges are asked for. Empty: every value is compared.
  std::vector<uint16_t> known_equal;
};

struct ScoredCandidates {
  std::vector<Edge> edges;             // pairs at or above the threshold, sorted by (a, b)
  std::vector<ScoredPair> pairs;       // with keep_pairs, sorted by (a, b)
  TruthCounts truth;                   // with truth
  WeightHistogram histogram;           // with weight_histogram
  std::vector<ScoredPair> borderline;  // with borderline_pairs, nearest first (ties by rows)
  uint64_t candidate_pairs = 0;
};

// Streams every candidate pair of index once (in parallel) and weighs it. The result does not
// depend on the thread count.
ScoredCandidates ScoreCandidates(const Comparisons& comps, const Scorer& scorer, BlockingIndex& index,
                                 const ScoreOptions& options);

// One thread's reusable buffers for ScoreRunsDecidingEarly (and its comparisons' scratch).
struct ScoreScratch {
  std::vector<RowId> alive;        // partners still able to link, in pair order
  std::vector<uint32_t> alive_at;  // their index in the run
  std::vector<double> weight;      // [index in run]: partial weight
  std::vector<uint8_t> gammas;     // [index in run * comparisons + c]
  std::vector<uint16_t> open;      // [index in run]: bit c set while comparison c is not yet known
  std::vector<uint8_t> levels;
  std::vector<RowId> sub;          // the alive partners open on one comparison
  std::vector<uint32_t> sub_at;    // their index in the run
  ComparisonScratch comparisons;  // the level functions' working memory
};

// Appends the pairs whose weight is at or above threshold (a weight, in bits) to edges, with the
// weight Scorer::Weight gives. Nulls and equal values are settled first for every comparison, the
// similarities after, and a pair is dropped as soon as the rest cannot lift it to the threshold;
// pairs in runs sharing row a are scored a comparison at a time with row a prepared once. Shared by
// full and incremental runs.
//
// known_equal: bit c set when every pair's values of comparison c are known to be non-null and
// equal (the pairs' blocking rule keys on that field as it is; KnownEqualComparisons), so they
// are not loaded.
void ScoreRunsDecidingEarly(const Comparisons& comps, const Scorer& scorer,
                            std::span<const CandidatePair> pairs, double threshold,
                            ScoreScratch& scratch, std::vector<Edge>* edges,
                            uint16_t known_equal = 0);

}  // namespace reclink
