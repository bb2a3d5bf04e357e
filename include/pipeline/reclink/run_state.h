// The run state: what `dedupe` and `link` keep in --state DIR so that the next run continues from
// this one: each record's identity (reclink/identity.h), the model the run scored with, and the
// fingerprint of the rules that model belongs to. docs/identities.md describes the lifecycle.
//
// DIR holds four files, written together through an OutputSet (a kill at any moment leaves the
// previous state whole): identities.bin (versioned, with its own checksum), records.bin (each
// record's fields, the links among records, the threshold and the term-frequency counts: what an
// incremental run needs; versioned, with its own checksum), model.json, and state.json, a
// manifest with the format version, the rules' fingerprint, and each other file's size and
// XXH3-64 checksum; after incremental dedupe nights also their segments, records.1.bin, ... (what
// each night changed in the records, applied to records.bin in order when the state is read). A
// state is read whole or refused.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "reclink/golden.h"
#include "reclink/identity.h"
#include "reclink/model.h"
#include "reclink/output_set.h"
#include "reclink/pipeline.h"
#include "reclink/rules.h"

namespace reclink {

// The manifest's format version: 2 for a state whose records are records.bin alone (every full
// run writes one; so did reclink before segments), 3 for one with segments (records.N.bin after
// records.bin). Both are read; a version 2 state is written whenever there are no segments.
inline constexpr int kRunStateVersion = 2;
inline constexpr int kSegmentedStateVersion = 3;
// At most this many segments: the next incremental night then rewrites the state whole.
inline constexpr int kMaxStateSegments = 64;
// The segments' records (added and removed) may reach this share of the base's records before
// the next incremental night rewrites the state whole (compaction).
inline constexpr double kSegmentShareLimit = 0.25;
// The file name of segment n (from 1): records.N.bin.
std::string StateSegmentName(int n);
// Every file name a state directory may hold.
inline const std::set<std::string> kRunStateFiles = [] {
  std::set<std::string> names = {"state.json", "model.json", "identities.bin", "records.bin"};
  for (int n = 1; n <= kMaxStateSegments; ++n) names.insert(StateSegmentName(n));
  return names;
}();

// A block skipped as oversized when the state was written.
struct SavedOversized {
  uint32_t rule = 0;
  std::string key;     // OversizedBlock::key_text (the raw key; records.bin before version 4 kept the display key)
  uint64_t size = 0;   // records (0 in states written before sizes were kept)
  uint64_t pairs = 0;  // OversizedBlock::pairs_skipped
  friend bool operator<(const SavedOversized& x, const SavedOversized& y) {
    return x.rule != y.rule ? x.rule < y.rule : x.key < y.key;
  }
  friend bool operator==(const SavedOversized&, const SavedOversized&) = default;
};

struct RecordsState;

// The rows of a next state as runs of the previous state's rows and a night's own: what an
// incremental night keeps instead of gathering the next state's fields and key hashes, which are
// then copied from where they are (the previous state's tables and the night's) straight into
// records.bin when the state is written (SerializeRecordsState, WriteRunState), and gathered in
// memory only for an output that reads them (FieldsOf).
struct RecordsMerge {
  // Rows [first, first + count) of the previous state (from 0) or of the night (from 1).
  struct Run {
    uint8_t from;
    uint32_t first;
    uint32_t count;
  };
  std::vector<Run> runs;
  size_t rows = 0;                       // the sum of the runs' counts
  size_t rows_before = 0;                // the previous state's rows
  const RecordsState* before = nullptr;  // the previous state's records (fields, key_hashes); must outlive this
  std::vector<std::string> field_names;  // per rules field
  std::vector<Column> night_fields;      // per rules field: the night's records' values
  std::vector<std::vector<uint64_t>> night_key_hashes;  // per blocking rule: the night's records' key hashes
};

// The records of a state, in the order of its identities' keys.
struct RecordsState {
  uint32_t format_version = 2;       // of the records.bin it was read from (1: before key hashes)
  double threshold = 0;              // links are the pairs at or above it
  std::vector<Column> fields;        // per rules field: each record's normalized value
  // Per blocking rule: each record's key hash (BlockingKeyHashes), so that an incremental run
  // finds the blocks a new record falls in without computing every record's keys again.
  std::vector<std::vector<uint64_t>> key_hashes;
  // A state read in place without segments (ReadRunState): key_hashes is empty and each rule's
  // key hashes are these bytes of the mapped records.bin (8 per record, as written, maybe
  // unaligned), kept alive by backing. Read them through KeyHashBytes and KeyHash.
  std::vector<std::string_view> key_hash_bytes;
  size_t KeyHashRules() const { return key_hashes.empty() ? key_hash_bytes.size() : key_hashes.size(); }
  // Rule `rule`'s key hashes, 8 bytes per record: key_hashes' table or key_hash_bytes'.
  const char* KeyHashBytes(size_t rule) const {
    return key_hashes.empty() ? key_hash_bytes[rule].data() : reinterpret_cast<const char*>(key_hashes[rule].data());
  }
  uint64_t KeyHash(size_t rule, size_t row) const { return LoadKeyHash(KeyHashBytes(rule), row); }
  // Value i of a table of 8-byte key hashes that may be unaligned.
  static uint64_t LoadKeyHash(const char* table, size_t i) {
    uint64_t h;
    std::memcpy(&h, table + i * sizeof h, sizeof h);
    return h;
  }
  // Link modes only (empty in dedupe): the sources' names, sorted, and each record's source as
  // an index into them, so that an incremental run pairs records of different sources only.
  std::vector<std::string> source_names;
  std::vector<uint32_t> source_of;
  std::vector<TfTable> tf_tables;    // per comparison: the counts term frequencies come from
  // Links: every pair at or above the threshold (before a cluster method other than connected
  // components kept some; version 1 files hold only the kept ones), a < b, indices into the
  // keys, sorted.
  std::vector<Edge> edges;
  std::vector<SavedOversized> oversized;  // blocks skipped as oversized, sorted by (rule, key)
  // Per rule, sorted: the key hashes that records of different key texts share (hash
  // collisions), when known. Every other hash's records have one key text, so an incremental
  // night checks only its own records' keys in a touched block. Unknown (a state written before
  // they were kept, state.json without "key_collisions") means every member is checked. The
  // manifest holds them (WriteRunState).
  bool key_collisions_known = false;
  std::vector<std::vector<uint64_t>> key_collisions;
  // Rules with [survivorship] (format version 3 on): what golden records read besides the
  // fields, so that an incremental night writes them too.
  std::optional<SurvivorValues> survivor;
  // A state read with segments (ApplySegments): fields is empty, and the values stay where they
  // were read, in field_sources (per source: records.bin's fields, then each segment's night's);
  // row i's values are row field_rows[i].row of source field_rows[i].source (FieldsRow), and
  // field_runs are the rows as runs of the sources (for gathering them: GatheredField).
  struct RowRef {
    uint32_t source;
    uint32_t row;
  };
  std::vector<std::vector<Column>> field_sources;
  std::vector<RowRef> field_rows;
  std::vector<RecordsMerge::Run> field_runs;
  // Set by RecordsInKeyOrder instead of fields and key_hashes (both then empty): row i's values
  // and key hashes are row (*rows)[i] of a run's fields and key hashes, which the caller keeps
  // alive. records.bin gathers them one field and one rule at a time as it is written, so a full
  // run does not copy every record's fields into key order first (at 1M records, 150 MB of
  // fresh memory and a third of a second).
  struct KeyOrder {
    const std::vector<Column>* fields = nullptr;
    const std::vector<std::vector<uint64_t>>* key_hashes = nullptr;
    const std::vector<uint32_t>* rows = nullptr;
  };
  std::optional<KeyOrder> key_order;
  // What the columns read in place (ParseRecordsState with backing), kept alive with them.
  std::shared_ptr<const void> backing;
  // Set by an incremental night instead of fields and key_hashes (both then empty).
  std::shared_ptr<const RecordsMerge> merge;
  // Set by ReadRunState: the files the records were read from, which an incremental night may
  // keep (hard links) and append a segment to instead of rewriting them (WriteRunState).
  struct Origin {
    struct File {
      std::string name;
      uint64_t bytes = 0;
      std::string xxh3;     // as the manifest lists it
      uint64_t weight = 0;  // segments: records added plus records removed
    };
    std::string dir;
    File base;                   // records.bin
    uint64_t base_rows = 0;      // records in records.bin
    uint32_t base_version = 0;   // records.bin's format version
    std::vector<File> segments;  // records.1.bin, ... in order
  };
  std::shared_ptr<const Origin> origin;
};

// A segment (records.N.bin): what one incremental night changed in the records of the state
// before it. The rows after the night are runs of the rows before it (from 0) and of the night's
// own records (from 1), whose fields and key hashes the segment holds; removed rows (deleted or
// replaced) are those no run names. The links are kept as changes; the threshold and the skipped
// blocks are the whole next state's. The term-frequency tables, sources and survivorship values stay the base's
// (segments are written in dedupe mode without [survivorship] only).
struct RecordsSegment {
  uint64_t rows_before = 0;  // rows of the state it continues
  uint64_t rows = 0;         // rows after it
  std::vector<RecordsMerge::Run> runs;
  RecordsState night;        // the night's records: fields and key_hashes (night rows), threshold
  // The links after the night, as changes to the links before it (whose rows the runs renumber):
  // those taken away (in rows after the night; only links between rows both kept) and those added.
  std::vector<std::pair<uint32_t, uint32_t>> edges_dropped;
  std::vector<Edge> edges_added;
  std::vector<SavedOversized> oversized;  // every skipped block after the night
};
// The bytes of the segment of next, an incremental night's records (next.merge set, its before
// the previous state's records); with an XXH3-64 checksum.
std::string SerializeRecordsSegment(const RecordsState& next);
// Refuses anything it cannot read whole or that does not fit `fields` fields and `rules` blocking
// rules (kInvalidInput naming `name`). The night's columns view bytes, which backing keeps alive.
// trailer: kTrusted skips the checksum (the caller checked the whole file; binary_io.h).
Result<RecordsSegment> ParseRecordsSegment(std::string_view bytes, size_t fields, size_t rules, const std::string& name,
                                           std::shared_ptr<const void> backing,
                                           TrailerCheck trailer = TrailerCheck::kVerify);
// The records of a base (records.bin, read) with segments applied in order: the key hashes
// gathered into fresh tables, the fields left where they are (field_sources, field_rows; the
// result keeps base's and the segments' backing alive); links, threshold and skipped blocks the
// last segment's.
// kInvalidInput naming the segment whose rows do not continue the state before it.
// base_hash_bytes: the base's key hashes when base.key_hashes is empty (ParseRecordsState's
// key_hash_bytes).
Result<RecordsState> ApplySegments(RecordsState base, uint64_t base_rows, std::vector<RecordsSegment> segments,
                                   const std::vector<std::string>& names,
                                   const std::vector<std::string_view>& base_hash_bytes = {});

// The column whose rows are runs' rows of before (run.from 0) and night (from 1), in order.
Column GatherRuns(const std::string& name, size_t rows, const std::vector<RecordsMerge::Run>& runs,
                  const Column& before, const Column& night);
// The same with any number of sources: run.from indexes sources.
Column GatherRuns(const std::string& name, size_t rows, const std::vector<RecordsMerge::Run>& runs,
                  const std::vector<const Column*>& sources);
// The columns and the row that hold row `row`'s fields: records.fields and row, or where a state
// read with segments keeps them.
inline std::pair<const std::vector<Column>*, RowId> FieldsRow(const RecordsState& records, RowId row) {
  if (records.field_rows.empty()) return {&records.fields, row};
  const RecordsState::RowRef ref = records.field_rows[row];
  return {&records.field_sources[ref.source], ref.row};
}
// Field f of records: records.fields[f], or, for a state read with segments, gathered into
// *storage (which the returned reference then names).
const Column& GatheredField(const RecordsState& records, size_t f, Column* storage);
// The fields of records: records.fields, or, when they are a merge, gathered into *storage
// (which the returned reference then names).
const std::vector<Column>& FieldsOf(const RecordsState& records, std::vector<Column>* storage);
// The records of a run in key order (rows_by_key from AssignIdentities). key_hashes: per rule,
// per row (RunResult::key_hashes). In link modes each row's source comes from table. The fields
// and key hashes are not copied: the result's key_order names rows_by_key, fields and
// key_hashes, which must outlive it.
RecordsState RecordsInKeyOrder(const std::vector<uint32_t>& rows_by_key, const Rules& rules, const RecordTable& table,
                               const DerivedFields& fields,
                               const std::vector<std::vector<uint64_t>>& key_hashes, const std::vector<Edge>& edges,
                               const std::vector<TfTable>& tf_tables, double threshold,
                               const std::vector<OversizedBlock>& oversized);
std::string SerializeRecordsState(const RecordsState& records);
// Refuses anything it cannot read whole, or whose sizes do not fit `rows` records, `fields`
// fields and `rules` blocking rules (kInvalidInput naming `name`). A version 1 file (written by
// reclink before key hashes were kept) is read with key_hashes empty. With backing (what holds
// bytes, e.g. a mapped file), the columns read their tables in bytes (Column::View) instead of
// copies, and the result keeps backing alive; bytes must then not change. With key_hash_bytes
// (and backing), the key hashes are not copied: key_hashes is left empty and key_hash_bytes holds
// each rule's table as bytes (as written, maybe unaligned), for a caller that reads them in place
// (RecordsState::key_hash_bytes) or gathers them (ApplySegments). trailer: kTrusted skips the
// checksum (the caller checked the whole file; binary_io.h).
Result<RecordsState> ParseRecordsState(std::string_view bytes, uint64_t rows, size_t fields, size_t rules,
                                       const std::string& name, std::shared_ptr<const void> backing = nullptr,
                                       std::vector<std::string_view>* key_hash_bytes = nullptr,
                                       TrailerCheck trailer = TrailerCheck::kVerify);

// A digest of what a saved model and the record keys depend on: link type, ids, fields (columns,
// normalizers, null values, date order, country code), blocking rules and comparisons. Not the
// threshold, the cluster method or the training settings: changing those keeps a state usable.
// Comments, whitespace and key order in the rules file do not change it. 16 hex digits.
std::string RulesFingerprint(const Rules& rules);

struct RunState {
  bool found = false;             // DIR held a state (else: a first run)
  bool model_loaded = false;      // model holds the saved model
  std::string rules_fingerprint;  // the fingerprint the state was written with
  std::string written_by;         // the reclink version that wrote it
  Model model;
  IdentityState identities;
  RecordsState records;           // when found and of these rules
};

// Reads the state in DIR. A missing or empty DIR (or one holding none of kRunStateFiles) is a
// first run: found = false and identities = NewIdentityState(salt from the rules). Refused: a
// state of other rules (kUsage, exit 2) unless other_rules_ok (then the saved model is not
// read); a damaged, incomplete or other-version state (kInvalidInput, exit 3).
Result<RunState> ReadRunState(const std::string& dir, const Rules& rules, bool other_rules_ok);

// Writes the state files into set (opened on the state directory; the caller commits). An
// incremental night's records (records.merge) whose previous state was read from disk
// (merge->before->origin) in dedupe mode without [survivorship] are written as one more segment,
// the base and earlier segments kept as hard links, unless the segments would then exceed
// kMaxStateSegments or kSegmentShareLimit of the base's records: then, as always otherwise, the
// records are written whole into records.bin (compaction).
Status WriteRunState(OutputSet& set, const Rules& rules, const Model& model, const IdentityState& identities,
                     const RecordsState& records);

// Writes the run state after a full run: the model, the next identities, and the records in
// record-key order with every link at or above the threshold (before the cluster method kept
// some: result.links, or result.edges for connected components). result must hold the fields and
// key hashes (RunOptions::keep_fields, keep_key_hashes).
Status WriteStateOfRun(OutputSet& set, const Rules& rules, const LoadedInput& input, const RunResult& result,
                       const IdentityAssignment& identities);

// Each row's record key, the name identities are kept under: the record id in dedupe mode (so
// that the split of the inputs into files does not matter), SOURCE:ID in link modes.
std::vector<std::string> RecordKeys(const LoadedInput& input, const Rules& rules);

}  // namespace reclink
