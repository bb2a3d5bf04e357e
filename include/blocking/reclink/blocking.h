// Blocking: per-record keys for each blocking rule (64-bit XXH3 of the normalized key parts,
// verified against the key text), blocks of records that share a key, and the parallel,
// streaming generation of candidate pairs. The full pair list is never materialized.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "reclink/derived_fields.h"
#include "reclink/normalize_scratch.h"
#include "reclink/record_table.h"
#include "reclink/rules.h"
#include "reclink/spill.h"
#include "reclink/status.h"

namespace reclink {

// A candidate pair of rows, a < b.
struct CandidatePair {
  RowId a;
  RowId b;
};

// A block larger than max_block_size: skipped, never truncated, and reported.
struct OversizedBlock {
  int rule = 0;
  std::string key;  // key parts joined by " | "
  uint64_t size = 0;
  uint64_t pairs_skipped = 0;  // pairs the block would have produced (before de-duplication)
  // When a part of the key looks like a placeholder for "no value" (PlaceholderReason): why, and
  // the field it came from. Such a block is better made null (null_values) than allowed.
  std::string placeholder_reason;
  std::string placeholder_field;
  // The key's text as blocking compares it (BlockingKeyText: parts joined by a unit separator),
  // which, unlike `key`, is unambiguous when a value holds " | ": what a run state keeps.
  std::string key_text;
};

// What to do about a skipped block, in words: with a placeholder key, list it in the field's
// null_values (a bigger cap would only pair unrelated records); else tighten the rule or raise
// [blocking_limits] max_block_size.
std::string OversizedBlockAdvice(const OversizedBlock& ob);

struct BlockSummary {
  std::string key;  // key parts joined by " | "
  uint64_t size = 0;
};

struct RuleStats {
  std::string text;               // the rule, e.g. "first & last"
  uint64_t records_with_key = 0;  // records for which every key part is non-null
  uint64_t blocks = 0;            // blocks of size >= 2 that were not skipped
  uint64_t pairs = 0;             // candidate pairs this rule adds (earlier rules' pairs removed)
  std::vector<BlockSummary> largest;  // the 10 largest blocks, size descending, key ascending
};

// One partition's rows gathered into memory (BlockingIndex::StreamPairsPartitioned): the pairs
// of the partition name rows by their local id, 0 to rows.size() - 1, and whatever a pass reads
// per row (comparison slots, term-frequency ranks, blocks) is copied for these rows once, in
// ascending row order, instead of being read at random over the whole table pair by pair.
struct GatheredRows {
  static constexpr uint32_t kNoBlock = 0xFFFFFFFFu;
  uint32_t rule = 0;              // the rule whose blocks make the partition's pairs
  std::vector<RowId> rows;        // local id -> the table's row
  // The local ids whose data a pass gathers, in ascending order of their rows: every one, or for
  // StreamPairsOfRowsPartitioned those of the blocks with a marked row (no pair has another).
  std::vector<uint32_t> by_row;
  // [rule][local id]: the row's block in every other rule (empty for `rule` itself), or, when
  // the stream was asked for the earlier rules only, in the earlier rules the stream tests.
  std::vector<std::vector<uint32_t>> block_of;
  // RuleCovers for local ids; r != rule, and block_of[r] gathered.
  bool Covers(size_t r, uint32_t a, uint32_t b) const {
    const std::vector<uint32_t>& v = block_of[r];
    return v[a] != kNoBlock && v[a] == v[b];
  }
  // The global pair of a local one.
  CandidatePair Global(const CandidatePair& p) const { return {rows[p.a], rows[p.b]}; }
};

// Per-rule keys and blocks for one table. Immutable after Build; safe to stream from many
// threads. Memory: per rule 4 bytes of order and a 4-byte block id per record (while Build runs,
// also an 8-byte hash and a bit per record); key texts are not stored (see KeyText).
class BlockingIndex {
 public:
  // Computes keys and blocks for every rule in rules.blocking over the derived fields. With
  // key_hashes, also hands over each rule's per-row key hashes as BlockingKeyHashes gives them
  // (what a run state keeps for incremental runs), at no extra cost.
  static BlockingIndex Build(const Rules& rules, const DerivedFields& fields,
                             const RecordTable& table,
                             std::vector<std::vector<uint64_t>>* key_hashes = nullptr);

  size_t num_rules() const { return rules_.size(); }
  size_t num_rows() const { return sources_.size(); }
  const std::vector<OversizedBlock>& oversized() const { return oversized_; }
  // Per rule, sorted: the key hashes (as BlockingKeyHashes gives them) shared by rows of two or
  // more different key texts, whose rows blocking split by text. Rows of the same hash outside
  // these have one key text (what an incremental night relies on to skip re-checking them).
  const std::vector<std::vector<uint64_t>>& key_collisions() const { return key_collisions_; }
  // Stats per rule; pairs are filled in by StreamPairs (0 before).
  const std::vector<RuleStats>& stats() const { return stats_; }

  // True when rule r would produce the pair (a, b): both rows have the same (verified) key for
  // r and their block was not skipped as oversized. Link-type constraints are not checked.
  bool RuleCovers(size_t r, RowId a, RowId b) const;

  // Called concurrently from worker threads with batches of pairs of one rule. A pair reaches
  // the sink exactly once, from the first rule that produces it.
  using PairSink = std::function<void(int rule, std::span<const CandidatePair> pairs)>;

  // Streams every candidate pair to sink, in parallel on the current TBB arena. Returns pairs
  // per rule (after removing earlier rules' pairs) and updates stats(). The set of pairs (and
  // every count) is the same whatever the thread count; the order of batches is not.
  std::vector<uint64_t> StreamPairs(const PairSink& sink);
  // Streams, as StreamPairs does, only the candidate pairs with at least one row whose bit is set
  // in rows (a bitmap over the rows, bit r of word r / 64; it must cover every row). The cost is
  // in those pairs and each block's rows, not in all the pairs. stats() is not updated.
  void StreamPairsOfRows(const std::vector<uint64_t>& rows, const PairSink& sink) const;

  // The same pairs as StreamPairs (and StreamPairsOfRows, with rows), a partition at a time, for
  // a run whose per-row data lives in files (docs/performance.md, "Scoring in partitions"). A
  // partition is a run of one rule's work units whose blocks hold at most max_rows rows (a single
  // larger block makes a partition of its own). For each, in turn: its rows are gathered
  // (GatheredRows), `prepare` is called on the calling thread to copy what the pass reads for
  // those rows and return the sink, and the partition's pairs reach that sink in parallel, in
  // local ids (gathered.rows maps them back). Within a batch, pairs come in the same runs of one
  // first row as StreamPairs gives. With SetShare, only the share's partitions (partition k of
  // the plan to share k mod parts; CountPartitions counts them all). StreamPairsPartitioned
  // updates stats() as StreamPairs does; both return pairs per rule. GatheredRows::Covers answers
  // for every rule, unless StreamPairsPartitioned is told the sink asks about none
  // (covers_every_rule false): then only the earlier rules the stream itself tests are gathered.
  using PartitionSinkFactory = std::function<PairSink(const GatheredRows&)>;
  std::vector<uint64_t> StreamPairsPartitioned(uint64_t max_rows, bool covers_every_rule,
                                               const PartitionSinkFactory& prepare);
  std::vector<uint64_t> StreamPairsOfRowsPartitioned(const std::vector<uint64_t>& rows, uint64_t max_rows,
                                                     const PartitionSinkFactory& prepare) const;
  // The number of partitions StreamPairsPartitioned makes for max_rows (for the summary and tests).
  size_t CountPartitions(uint64_t max_rows) const { return PlanPartitions(max_rows).size(); }

  // Total candidate pairs before any streaming: an upper bound used for progress reporting.
  uint64_t PairsUpperBound() const;
  // Rule r's blocks that make pairs (2+ rows, not skipped): {size, pairs} per block, pairs as
  // the link type allows them, before removing earlier rules' pairs (see block_growth.h).
  std::vector<std::pair<uint64_t, uint64_t>> BlockSizesAndPairs(size_t r) const;

  // A row order in which the candidate pairs' rows lie near each other: the rows of the rule
  // with the most pairs (before removing earlier rules' pairs) block by block, then every other
  // row ascending. Element i is the row that takes number i under Renumber.
  std::vector<RowId> LocalityOrder() const;
  // Renames every row: row order[i] becomes row i (order a permutation of the rows, as
  // LocalityOrder gives), in the rules' blocks, blocks of rows and sources, so that the pairs
  // streamed are the same pairs, in the same runs and order, named by their new rows. Not after
  // SpillTo. The caller maps what it keeps by row back (docs/performance.md, "Locality order").
  void Renumber(std::span<const RowId> order);

  // Restricts StreamPairs (and so stats()' pairs) to share `part` of `parts` of the pairs, for a
  // run split across processes (docs/distributed.md): the work units (about 65,536 pairs each,
  // planned from the blocks alone, so the same in every process built from the same input) are
  // dealt round-robin, unit w to share w mod parts. The shares are disjoint and together give
  // every pair exactly once. Default: share 0 of 1, everything. Requires part < parts. The
  // partitioned streams deal partitions instead of units, likewise.
  void SetShare(uint32_t part, uint32_t parts);

  // Moves the per-row arrays (each rule's rows in block order, block of each row, and the
  // implying rule's blocks) to regions of `area`, for a run under a memory limit (docs/performance.md,
  // "Memory limit"); the pairs streamed are the same. kOutput error when the area cannot take
  // them, or when Build could not spill a rule's arrays as it built them (it does so, to the
  // table's spill area, when the table has one). The index keeps the area alive.
  Status SpillTo(std::shared_ptr<SpillArea> area);

 private:
  static constexpr uint32_t kNoBlock = 0xFFFFFFFFu;
  static constexpr uint32_t kNoRule = 0xFFFFFFFFu;
  struct RuleIndex {
    std::vector<const Column*> parts;  // the derived field of each key part
    std::vector<uint64_t> has_key;     // bitmap: every key part is non-null; Build only
    SpillableArray<uint32_t> block_of;  // the row's block, kNoBlock: no key, or a skipped block
    SpillableArray<RowId> order;         // rows of the blocks that make pairs (2+ rows, not
                                         // skipped), block by block, by (hash, key, row)
    std::vector<uint32_t> block_starts;  // indices into order; one past the end included
    // ImplyingRule of this rule (-1: none) and, per position of order, the row's block_of in
    // that rule: its test of a pair reads two entries in order, not the partner row's block_of.
    int implied_by = -1;
    SpillableArray<uint32_t> implied_block;
  };
  struct WorkUnit {
    uint32_t rule;
    uint32_t block_begin, block_end;  // blocks [begin, end) of the rule
    uint32_t i_begin, i_end;          // for a single tiled block: first-element positions
  };
  // Work units [unit_begin, unit_end), all of one rule, whose blocks hold the rule's order
  // positions [pos_begin, pos_end).
  struct Partition {
    uint32_t unit_begin, unit_end;
    uint32_t pos_begin, pos_end;
  };
  std::vector<Partition> PlanPartitions(uint64_t max_rows) const;
  // The partition's rows; with rows (a bitmap over the table's rows), by_row holds only the
  // rows of blocks with a marked row, and local_rows is set to the bitmap over local ids.
  GatheredRows Gather(const Partition& p, const std::vector<uint64_t>* rows, std::vector<uint64_t>* local_rows,
                      bool every_rule) const;
  std::vector<uint64_t> StreamByPartition(const std::vector<uint64_t>* rows, uint64_t max_rows, bool every_rule,
                                          const PartitionSinkFactory& prepare) const;

  uint64_t BlockPairs(const RuleIndex& ri, uint32_t begin, uint32_t end) const;
  // StreamPairs and StreamPairsOfRows (rows null: every pair); returns pairs per rule. With
  // `gathered` (and its partition p), only p's units, in gathered's local ids, and rows (when
  // given) is a bitmap over those local ids.
  std::vector<uint64_t> Stream(const PairSink& sink, const std::vector<uint64_t>* rows,
                               const GatheredRows* gathered = nullptr, const Partition* p = nullptr) const;
  // The key text of row r for rule ri (parts joined by \x1f), recomputed from the derived fields:
  // key texts are not stored, which saves about 20 bytes per record and rule.
  std::string KeyText(size_t ri, RowId r) const;
  void PlanWork();

  const Rules* rules_spec_ = nullptr;  // must outlive the index, as must the derived fields
  LinkType link_type_ = LinkType::kDedupe;
  std::vector<SourceId> sources_;
  std::vector<RuleIndex> rules_;
  std::vector<RuleStats> stats_;
  std::vector<OversizedBlock> oversized_;
  std::vector<std::vector<uint64_t>> key_collisions_;
  std::vector<WorkUnit> work_;
  uint32_t share_part_ = 0, share_parts_ = 1;  // SetShare
  std::shared_ptr<SpillArea> spill_;             // SpillTo
  Status spill_status_;  // Build's first error spilling a rule's arrays (the table spills), for SpillTo
};

// Working buffers of blocking-key building, owned by the caller: one per thread or task (not
// thread-safe; any number may be used concurrently). Reusing one keeps key building free of
// allocations after warm-up; creating one allocates nothing. The contents between calls carry no
// meaning.
struct KeyScratch {
  std::string part;            // ComputeKeyPart: one key function's result before it is appended
  NormalizeScratch normalize;  // the key functions' own buffers (phonetic letters, tokens)
};

// The key part of one record for one key function, appended to *out; false when null. Works in
// `scratch`; the form without one makes its own per call (for single records).
bool ComputeKeyPart(const BlockingKey& key, std::string_view value, std::string* out, KeyScratch& scratch);
bool ComputeKeyPart(const BlockingKey& key, std::string_view value, std::string* out);

// Row r's key text for blocking rule `rule` (its parts joined by \x1f) in *out; false (and *out
// empty) when some part is null. Works in `scratch`, or, without one, in its own per call.
bool BlockingKeyText(const Rules& rules, size_t rule, const std::vector<Column>& fields, RowId r, std::string* out,
                     KeyScratch& scratch);
bool BlockingKeyText(const Rules& rules, size_t rule, const std::vector<Column>& fields, RowId r, std::string* out);
// The key as people read it: parts joined by " | " (OversizedBlock::key, BlockSummary::key).
std::string DisplayBlockingKey(std::string_view text);
// Per row, the XXH3-64 hash of its key text for blocking rule `rule`; 0 when the row has no key
// (a key whose hash is 0 is given 1). Rows with the same key have the same hash; rows with the
// same hash have the same key unless the hashes collide, so users of these hashes compare texts
// before they pair rows. In parallel on the current TBB arena.
std::vector<uint64_t> BlockingKeyHashes(const Rules& rules, size_t rule, const std::vector<Column>& fields);

// Per field: whether some value holds the byte that joins a key's parts, so that two keys of a
// rule of several parts can be equal with that field's parts unequal. Only fields a rule of
// several parts keys on as they are are looked at (one scan of the field's text); the others
// are false.
std::vector<bool> FieldsHoldingKeySeparator(const Rules& rules, const std::vector<Column>& fields);
// The hash of a key text, as blocking and BlockingKeyHashes compute it (before 0 becomes 1):
// XXH3-64. For tests only, RECLINK_KEY_HASH_BITS=N in the environment (1-63) keeps its low N
// bits, so that keys collide often and every path that must tell colliding keys apart by their
// texts is exercised; the results must not change.
uint64_t KeyTextHash(std::string_view key);
// A second hash of a key text (32 bits of an XXH3-64 with a seed, never masked), independent of
// KeyTextHash: BlockingIndex::Build tells apart keys whose KeyTextHash collides by it, and
// compares their texts only then.
uint32_t KeyTextCheck(std::string_view key);
// The first rule j < k whose every block lies within one block of rule k, or -1: each key part
// of rule k is computed from a key part of rule j alone (the same field as it is, the same key
// function of the same field, or a shorter prefix of a prefix), so two rows with the same rule-j
// key have the same rule-k key or, both, none. Worked out from the rules alone, conservatively:
// -1 does not mean that no rule implies k. A pair of rule k in one rule-j block is rule j's
// (unless that block was skipped as oversized, and then the rule-k block holding it is skipped
// too, being at least as large); BlockingIndex uses it only to choose which earlier rule's test
// to read in block order, so its pairs are the same whatever it returns.
int ImplyingRule(const Rules& rules, size_t k);
// Marks a skipped block whose key looks like a placeholder ("no value") with the reason and the
// field (OversizedBlock::placeholder_reason, placeholder_field).
void MarkPlaceholderKey(const Rules& rules, OversizedBlock* block);

}  // namespace reclink
