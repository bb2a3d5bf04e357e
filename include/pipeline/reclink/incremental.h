// Incremental runs: continue a run state with only the records that are new, changed or deleted.
//
// The state holds every record's fields, the links among them, the model and the term-frequency
// counts it scores with. An incremental run takes the state's records, removes the deleted and
// the changed ones, adds the new and changed records of this run, blocks the whole set, and
// scores only the candidate pairs that involve a record of this run; a link between two records
// that did not change is kept when some blocking rule still puts the pair in a block that is not
// oversized (their weight cannot have changed: same values, same model, same term frequencies).
// The clusters are then exactly those of a full run with the state's model on the whole data.
// One case needs a full scoring pass: a block that was skipped as oversized and is not any more
// (its pairs were never scored); the run then scores every candidate pair and says so.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "reclink/pipeline.h"
#include "reclink/run_state.h"

namespace reclink {

struct IncrementalCounts {
  uint64_t records_before = 0;    // records in the state
  uint64_t inserted = 0;          // records of this run new to the state
  uint64_t updated = 0;           // records of this run that replace one of the state's
  uint64_t deleted = 0;           // the state's records removed by deletions
  uint64_t unknown_deletions = 0;  // deletions naming no record of the state
  uint64_t pairs_scored = 0;      // candidate pairs scored (those involving this run's records)
  uint64_t links_kept = 0;        // links among unchanged records carried over
  uint64_t links_dropped = 0;     // links among unchanged records whose pair is no longer a candidate
  bool full_rescore = false;      // an oversized block reopened: every candidate pair was scored
};

struct IncrementalResult {
  std::vector<std::string> keys;  // per row: record key; the state's kept records first (key order), then this run's
  DerivedFields fields;           // per row
  RunResult run;                  // model, threshold, edges, labels, clusters, oversized, candidate pairs, tf tables
  IncrementalCounts counts;
};

// Runs incrementally on a state of these rules (state.model_loaded), link type dedupe. delta: this
// run's records (their keys replace the state's); deletions: record keys to remove first.
// threshold must be the state's (its links were cut there).
Result<IncrementalResult> RunIncremental(const Rules& rules, const RunState& state, const LoadedInput& delta,
                                         const std::vector<std::string>& deletions, double threshold);

}  // namespace reclink
