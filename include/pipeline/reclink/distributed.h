// A run split across processes (docs/distributed.md), step one: every rank holds the whole input
// and the same blocking index, and takes one share of the candidate pairs (BlockingIndex::
// SetShare). What the shares learn is exchanged here: training's pattern counts are summed on
// every rank (so every rank trains the same model), and scoring's results are gathered on rank 0.
// The Encode/Merge pairs are the exchange's two halves, apart so that tests can check that the
// shares' merge equals one process's pass.
#pragma once

#include <span>
#include <string>

#include "reclink/collective.h"
#include "reclink/model.h"
#include "reclink/score.h"

namespace reclink {

// One share's pattern counts (covered, first, first_tf) as bytes.
std::string EncodeTrainingCounts(const TrainingCounts& counts);
// Replaces the pattern counts of *counts by the sum of the shares' (their encodings, in rank
// order). Integer sums: exact whatever the order. The other members are kept: every rank has the
// same ones.
void MergeTrainingCounts(std::span<const std::string> shares, TrainingCounts* counts);
// On every rank: *counts becomes the sum over the ranks' shares (MPI_Allgatherv underneath).
void ReduceTrainingCounts(Collective& group, TrainingCounts* counts);

// One share's scoring result as bytes.
std::string EncodeScored(const ScoredCandidates& scored);
// The result ScoreCandidates gives over all the pairs, from the shares' results (in rank order):
// edges and kept pairs in (a, b) order, counts and the histogram summed, the worst errors and
// borderline pairs chosen again from the shares' own (each share kept its best, so the union
// holds the best of all). `options`, `model` and `num_rules` as the shares were scored with.
ScoredCandidates MergeScored(std::span<const std::string> shares, const ScoreOptions& options, const Model& model,
                             size_t num_rules);
// Gathers the ranks' results on rank 0 (MPI_Gatherv) and merges them there into *scored; on the
// other ranks *scored is left empty (they write nothing).
void GatherScored(Collective& group, const ScoreOptions& options, const Model& model, size_t num_rules,
                  ScoredCandidates* scored);

}  // namespace reclink
