// Scoring a batch of candidate pairs with early decisions, shared by full and incremental runs
// (internal to reclink_pipeline).
#pragma once

#include <span>
#include <vector>

#include "reclink/blocking.h"
#include "reclink/cluster.h"
#include "reclink/model.h"

namespace reclink {

// Appends the pairs whose weight is at or above threshold (a weight, in bits) to edges, with the
// weight Scorer::Weight gives. Comparisons are computed cheapest first and a pair is dropped as
// soon as the rest cannot lift it to the threshold; pairs in runs sharing row a are scored a
// comparison at a time with row a prepared once (see run.cc).
void ScoreRunsDecidingEarly(const Comparisons& comps, const Scorer& scorer, std::span<const CandidatePair> pairs,
                            double threshold, std::vector<Edge>* edges);

}  // namespace reclink
