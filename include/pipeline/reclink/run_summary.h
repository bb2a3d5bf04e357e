// A run's summary.json and its evaluation object, built by the library from the run's results so
// that every front end writes the same document (docs/outputs.md describes the fields).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "reclink/identity.h"
#include "reclink/incremental.h"
#include "reclink/json_writer.h"
#include "reclink/pipeline.h"
#include "reclink/rules.h"
#include "reclink/run_evaluation.h"

namespace reclink {

// What summary.json records about a run beyond its results.
struct RunContext {
  std::string command;        // "dedupe", "link" or "train"
  std::string rules_path;
  int threads = 0;
  bool quarantine = false;    // rejected records were quarantined (else skipped)
  std::string output_commit;  // how the outputs were committed: "atomic" or "per_file"
  // With --state: the identities this run assigned, the state directory, whether the model was
  // retrained (else the state's model scored, or a first run trained one).
  const IdentityAssignment* identities = nullptr;
  std::string state_dir;
  std::string model_origin;  // "trained", "state", "retrained" or "file"
  const IncrementalCounts* incremental = nullptr;  // an incremental run's counts
  // With --state: the records whose identity changed (clusters_changed.csv's rows), counted by
  // kind.
  const std::vector<RecordIdentityChange>* record_changes = nullptr;
  // --memory-limit: the limit (0: none), the estimated peak, and the bytes of record columns
  // kept in files under temp_dir (0: the table stayed in memory).
  uint64_t memory_limit = 0;
  uint64_t memory_estimate = 0;
  uint64_t spilled_bytes = 0;
  std::string temp_dir;
  // Whether the process runs with transparent huge pages turned off (the executable's default;
  // docs/performance.md, "Small pages for every run"). The library does not set it.
  bool huge_pages_off = false;
};

// The evaluation object (pairwise and B-cubed figures, blocking recall per rule, the worst false
// and missed links) of a run evaluated against ground truth.
std::string EvaluationJson(const RunEvaluation& e, const RunResult& result, const LoadedInput& input,
                           const Rules& rules);

// Where the run's threshold came from, in words for the readable summary ("chosen by the model:
// expected precision 0.975, recall 0.975", "set by --threshold", ...).
std::string ThresholdSourceInWords(const RunResult& result);

// The skipped oversized blocks as a JSON array (summary.json's and `blocks --json`'s
// "oversized_blocks"): rule (1-based), key, size, pairs_skipped, and placeholder {reason, field}
// when the key looks like one.
void WriteOversizedBlocksJson(JsonWriter& w, std::span<const OversizedBlock> blocks);

// summary.json's text. evaluation_json: EvaluationJson's text, or empty when not evaluated.
std::string SummaryJson(const RunContext& context, const LoadedInput& input, const RunResult& result,
                        const std::vector<StageTiming>& timings, const std::string& evaluation_json);

}  // namespace reclink
