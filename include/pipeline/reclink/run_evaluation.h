// Evaluation of a run against ground truth: the truth as per-row entity labels (from a column
// or a file of matching pairs), and the run's clusters and blocking measured against it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "reclink/evaluate.h"
#include "reclink/pipeline.h"
#include "reclink/rules.h"
#include "reclink/status.h"

namespace reclink {

// Per-row entity labels from a column present in every source (records with equal values are
// one entity; a null value is an entity of its own). kUsage when no source has the column.
Result<std::vector<uint32_t>> TruthFromColumn(const LoadedInput& input, const std::string& column);

// Per-row entity labels from a CSV of matching record pairs, read with the CSV reader: a header
// row, then the two ids in the first two columns (an id may be SOURCE:ID to pick the source).
// Errors: the reader's (FILE:LINE:COLUMN), fewer than two columns, and an id not in the inputs
// (kInvalidInput, located at its line and column).
Result<std::vector<uint32_t>> TruthFromPairs(const LoadedInput& input, const std::string& path);

// Labeled pairs for supervision (--labels): a CSV with a header row, then id_l, id_r and a label
// in the first three columns; ids as in TruthFromPairs; the label is 1, 0, true, false, yes, no,
// match or non-match (any case). Errors located at FILE:LINE:COLUMN: too few columns, an unknown
// id, a label that is none of those, a pair of one record with itself.
Result<std::vector<LabeledPair>> ReadLabeledPairs(const LoadedInput& input, const std::string& path);

struct RunEvaluation {
  // Pairwise and B-cubed over every pair of records in a cluster (the usual definition, as other
  // tools publish it), in every link type.
  ClusterEvaluation clusters;
  // Link mode only: pairwise counted over cross-source pairs alone (same-source pairs inside a
  // cluster left out); has_cross_source says whether it is set.
  bool has_cross_source = false;
  PairMetrics cross_source;
  // Candidate pairs that are true matches / the true pairs blocking could produce (in link mode
  // the cross-source ones: same-source pairs are never candidates there).
  double blocking_recall = 0;
  std::vector<double> rule_recall;  // per blocking rule: true pairs it produces on its own / true pairs
  double reduction_ratio = 0;       // 1 - candidate pairs / allowed pairs
};

// Measures result (run with RunOptions::truth = &truth) against truth.
RunEvaluation EvaluateRun(const LoadedInput& input, const Rules& rules, const RunResult& result,
                          const std::vector<uint32_t>& truth);

}  // namespace reclink
