// The stages wired together: read -> normalize -> block -> compare -> train -> score -> cluster
// -> write. Every stage reads only the previous stage's output. The pipeline never prints; the
// CLI renders its results.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "reclink/blocking.h"
#include "reclink/cluster.h"
#include "reclink/collective.h"
#include "reclink/comparison.h"
#include "reclink/file_writer.h"
#include "reclink/identity.h"
#include "reclink/model.h"
#include "reclink/progress.h"
#include "reclink/reader.h"
#include "reclink/rules.h"
#include "reclink/score.h"
#include "reclink/status.h"

namespace reclink {

// A rules file parsed into plain data (ParseRulesFile) and then checked by each stage that owns a
// section needing its code (the normalize stage's CheckFieldNormalizers): what the CLI and the
// Python module load. Errors as ParseRulesFile's (kUsage, located).
Result<Rules> LoadRulesFile(const std::string& path);
// Same, from text; name stands for the file in messages.
Result<Rules> LoadRulesString(const std::string& text, const std::string& name);

// An input file and the source name it gets (the file's stem, or NAME from NAME=PATH).
struct InputSpec {
  std::string name;
  std::string path;
};
// Parses "NAME=PATH" or "PATH" (name: the file name without directories and extensions). An
// argument holding '=' is a PATH when NAME would hold '/' or when a file of the whole name
// exists; when that file exists and so does the PATH part, it is ambiguous (kUsage).
Result<InputSpec> ParseInputSpec(const std::string& arg);
// The inputs a rules file names itself: each [sources.NAME] with a `path`, in file order (a
// relative path is relative to the rules file's folder). Empty when none has a path.
std::vector<InputSpec> InputsFromRules(const Rules& rules);

struct SourceReport {
  std::string name;
  std::string path;
  uint64_t records = 0;  // records read into the table
  uint64_t bad = 0;      // rejected (skipped or quarantined)
};

// Every input read into one table (sources in argument order), id columns validated, rules'
// columns checked against each source. Rejected records are appended to *rejects.
struct LoadedInput {
  RecordTable table;
  std::vector<SourceReport> sources;
  std::vector<int> id_columns;  // per source: the id column's index in table
  // [sources.NAME] tables that named no input (their options applied to nothing), in words.
  std::vector<std::string> warnings;
  std::string_view Id(RowId r) const { return table.column(id_columns[table.source(r)]).Get(r); }
  // The id as people read it: "SOURCE:ID" when there are several sources (ids are unique per
  // source only), else ID. FindRecord accepts either form.
  std::string DisplayId(RowId r) const {
    if (sources.size() <= 1) return std::string(Id(r));
    return table.source_names()[table.source(r)] + ":" + std::string(Id(r));
  }
};
// group (a job's ranks, more than one): the ranks read the inputs together (ReadInputsShared:
// each parses a share, every rank gets every record) and every rank returns the same result,
// the one of a single process; collective. nullptr: this process reads everything.
Result<LoadedInput> LoadInputs(const Rules& rules, const std::vector<InputSpec>& inputs,
                               const ReadOptions& options, std::vector<BadRecord>* rejects,
                               Collective* group = nullptr);

// An input already in memory (a data frame's table, TableFromColumns): its source name, what
// names it in messages (a path, or e.g. "<DataFrame customers>"), and its table of one source.
struct TableInput {
  std::string name;
  std::string path;
  RecordTable table;
  uint64_t bad = 0;  // records the caller rejected while building the table (for SourceReport)
};
// Same as LoadInputs on tables already read: source names unique, the rules' columns and the id
// column checked per input, tables appended in order. The same errors as LoadInputs past reading.
Result<LoadedInput> LoadTables(const Rules& rules, std::vector<TableInput> inputs);

// Finds the row of record id in any source ("SOURCE:ID" selects the source); -1 if absent.
int64_t FindRecord(const LoadedInput& input, const std::string& id);

struct StageTiming {
  std::string stage;
  double seconds = 0;
  uint64_t peak_rss_bytes = 0;  // process peak after the stage
};

struct RunOptions {
  std::optional<std::string> model_path;  // score with a saved model instead of training
  std::optional<Model> model;             // score with this model (a run state's) instead of training
  // Term frequencies counted on other data (a run state's) instead of this input's.
  const std::vector<TfTable>* tf_tables = nullptr;
  std::optional<double> threshold;        // overrides [model] threshold
  bool train_only = false;                // stop after training (reclink train)
  bool keep_pairs = false;                // keep pairs with probability >= pairs_threshold
  bool keep_fields = false;               // return the derived fields (golden records, members.csv)
  bool keep_key_hashes = false;           // return each blocking rule's key hashes (a run state)
  double pairs_threshold = 0.5;
  const std::vector<uint32_t>* truth = nullptr;  // per-row entity labels (evaluate)
  const std::vector<LabeledPair>* labels = nullptr;  // supervision when training (ApplyLabels)
  size_t worst_errors = 20;                      // evaluate: false/missed links to keep
  // Fill RunResult::weight_histogram (and its matches with truth). Every candidate pair is then
  // weighed in full: scoring no longer stops early on pairs that cannot reach the threshold.
  bool weight_histogram = false;
  // Keep this many pairs closest to the threshold (RunResult::borderline), with each
  // comparison's weight. Nonzero also weighs every pair in full. Default 0.
  size_t borderline_pairs = 0;
  // Called after each stage (from the calling thread), e.g. to report progress.
  std::function<void(const StageTiming&)> on_stage;
  // Live progress of the running stage (stage name, and pairs done for the stages that stream
  // candidate pairs), for a front end polling it from another thread; may be null.
  Progress* progress = nullptr;
  // Called once (from the calling thread) as soon as the rules' fields are derived into columns
  // of their own. From then on RunLinkage reads only the input's row count, sources and ids, so
  // the caller may release the other columns' values (Column::ReleaseValues) to save memory.
  std::function<void()> on_fields_derived;
  // A run split across processes (docs/distributed.md): this process's group, or null for a run
  // of its own. With more than one rank, each scores its share of the candidate pairs; training
  // counts are summed on every rank, and only rank 0's result holds the edges, pairs and clusters
  // (the other ranks' results stop after scoring and must not be written).
  Collective* collective = nullptr;
};

struct RunResult {
  Model model;
  double threshold = kFallbackThreshold;
  std::string threshold_source = "default";  // LinkCut::source
  std::vector<RuleStats> rules;
  std::vector<OversizedBlock> oversized;
  // Rules whose pairs grow far faster than the records, with a scoring-time estimate
  // (BlockGrowthWarnings), found before scoring; in summary.json "warnings".
  std::vector<std::string> block_growth_warnings;
  uint64_t candidate_pairs = 0;
  uint64_t total_pairs = 0;  // pairs the link type allows among all records
  uint64_t unparseable_dates = 0;
  uint64_t unparseable_numbers = 0;
  std::vector<UnparseableValues> unparseable;  // per field and source, with a sample
  // Per field with any: values made null because they are in its null_values (placeholders).
  std::vector<std::pair<std::string, uint64_t>> placeholder_nulls;
  // Placeholder values read as null (the model's list, or the one this training run found),
  // each with the records that held it in this run.
  std::vector<DetectedPlaceholder> placeholders;
  // Comparisons of the score stage that saw a value past kMaxCompareCodePoints (the metrics
  // compare the first 256 code points); pairs decided before their string comparisons ran are
  // not counted.
  uint64_t capped_comparisons = 0;
  struct ComparisonCounts {
    std::string name;
    uint64_t values_over_cap = 0;     // records whose value is past the cap
    uint64_t unparseable_values = 0;  // numeric/date comparisons: values that did not parse
  };
  std::vector<ComparisonCounts> comparison_counts;  // per comparison; empty for train
  std::vector<Edge> edges;          // pairs at or above the threshold (after the cluster method)
  // With keep_key_hashes and a cluster method other than connected components: every pair at or
  // above the threshold, before the method kept some (what a run state keeps).
  std::vector<Edge> links;
  std::vector<uint32_t> labels;     // per row: cluster index
  uint64_t clusters = 0;
  std::vector<ScoredPair> pairs;    // with keep_pairs, sorted by (a, b)
  std::optional<DerivedFields> fields;  // with keep_fields: the rules' fields, normalized
  std::vector<std::vector<uint64_t>> key_hashes;  // with keep_key_hashes: per rule, per row
  // With keep_key_hashes: per rule, the sorted key hashes that rows of different key texts share
  // (BlockingIndex::key_collisions); usually none.
  std::vector<std::vector<uint64_t>> key_collisions;
  std::vector<TfTable> tf_tables;       // the term frequencies' counts the run scored with
  TruthCounts truth;
  WeightHistogram weight_histogram;   // with RunOptions::weight_histogram
  // With RunOptions::borderline_pairs: the candidate pairs whose weight is closest to the
  // threshold (ties by rows), nearest first, with per-comparison weights.
  std::vector<ScoredPair> borderline;
  std::vector<StageTiming> timings;
  // With RunOptions::collective: the number of ranks, and the payload bytes all ranks sent each
  // other (0 and 0 for a run of its own).
  // Training's counts and scoring a partition at a time (docs/performance.md, "Scoring in
  // partitions"): rows per partition and partitions; 0 when the table was taken whole.
  uint64_t partition_rows = 0;
  uint64_t partitions = 0;
  int mpi_ranks = 0;
  uint64_t mpi_bytes_sent = 0;
};

// The probability at or above which pairs link: the command line's, else the rules file's
// [model] threshold, else the model's own choice (ThresholdChoice), else kFallbackThreshold;
// source says which ("command line", "rules file", "model", "default").
struct LinkCut {
  double probability = kFallbackThreshold;
  std::string source = "default";
};
LinkCut LinkThreshold(const std::optional<double>& command_line, const Rules& rules, const Model& model);

// Rows in record-key order (the id in dedupe, SOURCE:ID in link modes; then source name, then
// row): the order in which cluster methods see rows, so that their tie-breaking, and so the
// clusters, do not depend on the order of the input.
std::vector<uint32_t> ClusterRowOrder(const Rules& rules, const LoadedInput& input);
// The links a cluster method keeps (all of them for connected components). sources: per row.
std::vector<Edge> ApplyClusterMethod(ClusterMethod method, size_t n, std::span<const Edge> edges,
                                     std::span<const uint16_t> sources);

// Runs from derived fields to clusters on loaded input. The input's table must stay alive.
Result<RunResult> RunLinkage(const Rules& rules, const LoadedInput& input, const RunOptions& options,
                             std::vector<StageTiming>* timings);

// Cluster ids for output without a run state: per cluster the id of its smallest member (by
// source, then id). With --state, clusters are named by AssignIdentities instead.
std::vector<std::string> ClusterIds(const LoadedInput& input, const std::vector<uint32_t>& labels,
                                    uint64_t clusters, bool with_source);

// Output content, written to a FileWriter (an OutputSet's or an AtomicFile's; they make the
// files appear whole). with_source: write the source column and SOURCE:ID cluster ids (link
// mode, or several inputs).
// Appends row r's "[SOURCE,]ID,CLUSTER_ID" (CSV-quoted; the source only with_source): the first
// cells of clusters.csv and members.csv.
void AppendRecordCells(std::string& buf, const LoadedInput& input, RowId r, const std::string& cluster_id,
                       bool with_source);
// cluster_ids: per cluster index, its id (ClusterIds, or AssignIdentities' cluster_ids).
void WriteClustersCsv(const LoadedInput& input, const RunResult& result, const std::vector<std::string>& cluster_ids,
                      bool with_source, FileWriter& out);
// changes.csv: per identity that changed since the previous run, what happened (docs/identities.md).
void WriteChangesCsv(const std::vector<IdentityChange>& changes, FileWriter& out);
// clusters_changed.csv: the records whose identity changed since the previous run
// (IdentityAssignment::record_changes), in record-key order, as
// `record_id,cluster_id,change,previous_cluster_id` (link modes: `source,record_id,...`, the key
// SOURCE:ID split after the source name that starts it, one of source_names when one does, else at
// its first ':'). change is `new` (no previous identity), `moved` (another identity than before) or
// `deleted` (no identity now: cluster_id empty). docs/identities.md, "The change feed". A link
// mode's record key SOURCE:ID as (source, id): split after the longest of source_names that starts
// it and is followed by ':', else at its first ':' (no ':': an empty source).
std::pair<std::string_view, std::string_view> SplitRecordKey(
    std::string_view key, const std::vector<std::string>& source_names);
void WriteClustersChangedCsv(const std::vector<RecordIdentityChange>& changes, bool with_source,
                             const std::vector<std::string>& source_names, FileWriter& out);
void WritePairsCsv(const LoadedInput& input, const RunResult& result, FileWriter& out);
void WriteRejectsCsv(const std::vector<BadRecord>& rejects, FileWriter& out);

// Peak resident memory of the process so far, in bytes.
uint64_t PeakRssBytes();

}  // namespace reclink
