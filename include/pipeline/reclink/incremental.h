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
#include <memory>
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
  // Members of touched blocks (per rule) whose key was read and compared with their block's
  // first: this run's records, and the state's where their hash is a known collision or the
  // state does not list its collisions (RecordsState::key_collisions).
  uint64_t keys_checked = 0;
  uint64_t key_collisions = 0;    // touched hashes (per rule) whose members have different key texts
  // The night ran without transparent huge pages (set by the executable: most of a night's memory
  // is touched once, and a fresh huge page can cost more than its 512 small ones).
  bool huge_pages_off = false;
};

struct IncrementalResult {
  // Per row: record key, in key order (the state's kept records and this run's), viewing what
  // key_backing holds; RunIncrementalNight moves both to the next identity state.
  std::vector<std::string_view> keys;
  std::shared_ptr<const void> key_backing;
  std::vector<uint32_t> previous_of;  // per row: its key's identity in the state (an index), or kNoIdentity
  std::vector<uint32_t>
      gone;  // the state's records no row holds (deleted), as indices of its keys, ascending
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

// Whether an incremental run at threshold (this run's link cut) may continue state: its links
// must have been cut at the same threshold, and a cluster method other than connected components
// needs a state that kept every link (format version 2). kUsage with a hint otherwise.
Status CheckStateContinues(const Rules& rules, const RunState& state, double threshold);

// Record keys to delete, from a file of one per line (the id, or SOURCE:ID in link modes): blank
// lines and a first line equal to the id column's name are skipped; a CRLF line end is allowed.
Result<std::vector<std::string>> ReadDeletions(const std::string& path, const std::string& id_column);

// An incremental night: RunIncremental at the link cut, then the clusters named after the
// state's identities (AssignIdentitiesInKeyOrder; the record keys are then those of
// identities.next, result.keys is left empty). Appends the "incremental" and "identities" stage
// times.
struct IncrementalNight {
  IncrementalResult result;
  IdentityAssignment identities;
};
Result<IncrementalNight> RunIncrementalNight(const Rules& rules, const RunState& state, const LoadedInput& delta,
                                             const std::vector<std::string>& deletions, const LinkCut& cut,
                                             std::vector<StageTiming>* timings);

// clusters.csv of an incremental night: every record of the next state, in record-key order, with
// its identity id; with_source (link modes) splits the key SOURCE:ID into its two columns.
void WriteIncrementalClustersCsv(const IncrementalNight& night, bool with_source, FileWriter& out);

// members.csv of an incremental night (--with-fields): every record of the next state in record-key
// order, with the columns of a full run's members.csv.
void WriteIncrementalMembersCsv(const Rules& rules, const IncrementalNight& night, bool with_source, FileWriter& out);

// The golden records of an incremental night (rules with [survivorship]): from the state's values
// of its kept records and this run's values of its own, exactly those of a full run.
Result<GoldenRecords> IncrementalGoldenRecords(const Rules& rules, const IncrementalNight& night);

// Writes the next run state of an incremental night (its rows are in record-key order already,
// which is checked: kInternal otherwise).
Status WriteIncrementalState(OutputSet& set, const Rules& rules, const IncrementalNight& night);

}  // namespace reclink
