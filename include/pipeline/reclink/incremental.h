// Incremental runs: continue a run state with only the records that are new, changed or deleted.
//
// The state holds every record's fields and blocking key hashes, the links among records, the
// model and the term-frequency counts it scores with. An incremental run removes the deleted and
// the changed records, adds the new and changed records of this run, and looks only at the
// blocks these touch: for each blocking rule, the state's records whose key hash is that of a
// new or removed record are found with one pass over the saved hashes, grouped by key text (a
// hash collision never pairs records), and only the pairs that involve this run's records are
// formed and scored, with comparisons prepared for the records in those pairs only. A link
// between two records that did not change is kept while some blocking rule still puts the pair
// in a block that is not oversized (their weight cannot have changed: same values, same model,
// same term frequencies). A block that was skipped as oversized and is not any more has every
// pair scored (its pairs never were). The clusters are then exactly those of a full run with the
// state's model on the whole data.
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
  uint64_t pairs_scored = 0;      // candidate pairs scored (those involving this run's records, and
                                  // those of reopened blocks)
  uint64_t links_kept = 0;        // links among unchanged records carried over
  uint64_t links_dropped = 0;     // links among unchanged records whose pair is no longer a candidate
  uint64_t blocks_reopened = 0;   // blocks skipped as oversized before and not now: all their pairs scored
};

struct IncrementalResult {
  std::vector<std::string> keys;  // per row: record key, in key order (the state's kept records and this run's)
  RecordsState records;           // the next state's records (rows as keys)
  // model, threshold, edges, labels, clusters, oversized, tf tables; candidate_pairs and the
  // rules' pairs count the pairs scored by this run (the others were scored before).
  RunResult run;
  IncrementalCounts counts;
};

// Runs incrementally on a state of these rules (state.model_loaded), link type dedupe. delta: this
// run's records (their keys replace the state's); deletions: record keys to remove first.
// threshold must be the state's (its links were cut there).
Result<IncrementalResult> RunIncremental(const Rules& rules, const RunState& state, const LoadedInput& delta,
                                         const std::vector<std::string>& deletions, double threshold);

}  // namespace reclink
