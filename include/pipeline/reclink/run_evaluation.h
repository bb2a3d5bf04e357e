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

struct RunEvaluation {
  ClusterEvaluation clusters;       // pairwise and B-cubed; cross-source only in link mode
  double blocking_recall = 0;       // true pairs among the candidate pairs / true pairs
  std::vector<double> rule_recall;  // per blocking rule: true pairs it produces on its own / true pairs
  double reduction_ratio = 0;       // 1 - candidate pairs / allowed pairs
};

// Measures result (run with RunOptions::truth = &truth) against truth.
RunEvaluation EvaluateRun(const LoadedInput& input, const Rules& rules, const RunResult& result,
                          const std::vector<uint32_t>& truth);

}  // namespace reclink
