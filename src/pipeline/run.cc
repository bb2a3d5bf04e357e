// RunLinkage: the stages wired together (derive fields, block, prepare comparisons, train, score,
// cluster), with the stage clock and the outputs of each kept in RunResult.
#include <tbb/enumerable_thread_specific.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <tuple>

#include "reclink/block_growth.h"
#include "reclink/distributed.h"
#include "reclink/hash.h"
#include "reclink/parallel.h"
#include "reclink/pipeline.h"
#include "reclink/placeholders.h"
#include "reclink/run_state.h"
#include "reclink/system_memory.h"

namespace reclink {

namespace {

class StageClock {
 public:
  // table: its spilled columns' pages are dropped at the end of every stage (--memory-limit).
  StageClock(std::vector<StageTiming>* out, const std::function<void(const StageTiming&)>& on_stage,
             Progress* progress, const RecordTable* table)
      : out_(out), on_stage_(on_stage), progress_(progress), table_(table), start_(std::chrono::steady_clock::now()) {}
  // The stage that starts now, for the live progress: what it counts and how many (0: unknown).
  void Begin(std::string_view stage, std::string_view unit = {}, uint64_t total = 0) {
    if (progress_) progress_->Begin(stage, unit, total);
  }
  void Mark(const std::string& stage) {
    const auto now = std::chrono::steady_clock::now();
    const StageTiming timing{stage, std::chrono::duration<double>(now - start_).count(), PeakRssBytes()};
    if (out_) out_->push_back(timing);
    if (on_stage_) on_stage_(timing);
    if (table_ != nullptr && table_->spilled()) {
      table_->EvictSpilled();
      ReturnFreedMemory();
    }
    start_ = now;
  }

 private:
  std::vector<StageTiming>* out_;
  const std::function<void(const StageTiming&)>& on_stage_;
  Progress* progress_;
  const RecordTable* table_;
  std::chrono::steady_clock::time_point start_;
};

// Rows per partition when training's counts and scoring take the pairs a partition at a time,
// each partition's per-row data gathered into memory first (docs/performance.md, "Scoring in
// partitions"): under a memory limit that spills, a quarter of the limit over what a gathered row
// holds. 0 (the whole table at once) without one, or when the comparisons cannot be gathered.
// Across processes each takes its share of the partitions (BlockingIndex::SetShare), under its
// own limit: --memory-limit is per process. The environment variable RECLINK_PARTITION_ROWS, a
// positive number, sets it for any run (tests and A/B runs: the results are the same).
uint64_t PartitionRowsFromEnvironment() {
  if (const char* env = std::getenv("RECLINK_PARTITION_ROWS"); env != nullptr && *env != '\0') {
    const long long rows = std::atoll(env);
    if (rows > 0) return static_cast<uint64_t>(rows);
  }
  return 0;
}

uint64_t PartitionRows(const RecordTable& table, const Comparisons& comps, const TermFrequencies& tf,
                       size_t num_rules) {
  if (!comps.CanGather()) return 0;
  if (const uint64_t rows = PartitionRowsFromEnvironment(); rows > 0) return rows;
  const std::shared_ptr<SpillArea>& area = table.spill_area();
  if (area == nullptr || area->memory_limit() == 0) return 0;
  // Per gathered row: its table row and place in row order (8 bytes, and 8 more while they are
  // sorted), its block in each other rule, its comparisons and its term-frequency ranks.
  uint64_t per_row = 16 + 4 * num_rules + comps.GatheredRowBytes();
  for (size_t c = 0; c < comps.size(); ++c) per_row += tf.enabled(c) ? 4 : 0;
  return std::max<uint64_t>(area->memory_limit() / 4 / per_row, 1);
}

// The rows of the pairs' passes in the locality order (RunLinkage): table_row[i] is the table's
// row of row i, row[t] the row of table row t. Empty: the table's own order.
struct Locality {
  std::vector<RowId> table_row;
  std::vector<RowId> row;
  // Pairs named by table rows, renamed to the pairs' rows.
  std::vector<LabeledPair> ToRows(const std::vector<LabeledPair>& pairs) const {
    std::vector<LabeledPair> out = pairs;
    for (LabeledPair& p : out) {
      p.a = row[p.a];
      p.b = row[p.b];
    }
    return out;
  }
};

// Whether the pairs' passes run in the locality order. Renaming the rows costs a few scattered
// reads and writes per row (the index's arrays, the slots and ranks copied); it saves one per
// pair. So it is taken when the candidate pairs (before removing earlier rules' pairs) are at
// least kLocalityPairsPerRow per row: at a million demo records (about 20 per row) the run took
// 6% less wall time (scoring 14% less); at ten million records of bench/rules_10m.toml (3 per
// row) the copies cost 2.1 s for 0.6 s saved (docs/performance.md, "Locality order").
// RECLINK_LOCALITY=0 turns it off and =1 on whatever the pairs (A/B runs and tests).
constexpr uint64_t kLocalityPairsPerRow = 8;
bool LocalityWanted(uint64_t pairs_bound, uint64_t rows) {
  if (const char* env = std::getenv("RECLINK_LOCALITY"); env != nullptr && *env != '\0') {
    return std::string_view(env) != "0";
  }
  return pairs_bound >= kLocalityPairsPerRow * rows;
}

uint64_t AllowedPairs(const RecordTable& table, LinkType type) {
  const uint64_t n = table.num_rows();
  uint64_t total = n * (n - (n > 0)) / 2;
  if (type != LinkType::kLink) return total;
  std::vector<uint64_t> per_source(table.source_names().size(), 0);
  for (RowId r = 0; r < n; ++r) ++per_source[table.source(r)];
  for (uint64_t k : per_source) total -= k * (k - (k > 0)) / 2;
  return total;
}

// The error for a run with nothing to train on because every block that had pairs was too
// large: names the first few of them.
Status AllBlocksOversized(const Rules& rules, const std::vector<OversizedBlock>& oversized) {
  std::string blocks;
  for (size_t i = 0; i < oversized.size() && i < 5; ++i) {
    const OversizedBlock& ob = oversized[i];
    blocks += "\n  rule " + std::to_string(ob.rule + 1) + " (" + rules.blocking[ob.rule].text + "): key '" + ob.key +
              "', " + std::to_string(ob.size) + " records";
    if (!ob.placeholder_reason.empty()) {
      blocks += " (looks like a placeholder: " + ob.placeholder_reason + "; list it in [fields." + ob.placeholder_field +
                "] null_values)";
    }
  }
  if (oversized.size() > 5) blocks += "\n  ... and " + std::to_string(oversized.size() - 5) + " more";
  return Status::InvalidInput(
      "error: no candidate pairs: every block with two or more records was larger than [blocking_limits] "
      "max_block_size = " + std::to_string(rules.max_block_size) + " and was skipped:" + blocks,
      "if a key is a placeholder value (e.g. 'unknown', '0000'), list it in the field's null_values (or the "
      "top-level null_values); otherwise add a key to the rule or raise max_block_size");
}

// Clusters the edges (best_link first keeps only mutual best cross-source edges, one_per_source
// only the edges of its greedy one-record-per-source clusters): labels per
// row, numbered by their smallest row, and the number of clusters.
void ClusterEdges(const Rules& rules, const LoadedInput& input, bool keep_links, RunResult* result) {
  const RecordTable& table = input.table;
  if (rules.cluster_method != ClusterMethod::kConnectedComponents) {
    if (keep_links) result->links = result->edges;
    // The methods break ties between equal weights by row; rows are taken in record-key order
    // (ClusterRowOrder) so that the clusters do not depend on the order of the input.
    const std::vector<uint32_t> order = ClusterRowOrder(rules, input);
    std::vector<uint32_t> rank(order.size());
    for (uint32_t i = 0; i < order.size(); ++i) rank[order[i]] = i;
    std::vector<Edge> ranked;
    ranked.reserve(result->edges.size());
    for (const Edge& e : result->edges) ranked.push_back({rank[e.a], rank[e.b], e.weight});
    std::vector<uint16_t> sources(order.size());
    for (size_t i = 0; i < order.size(); ++i) sources[i] = table.source(order[i]);
    std::vector<Edge> kept = ApplyClusterMethod(rules.cluster_method, order.size(), ranked, sources);
    for (Edge& e : kept) {
      const RowId a = order[e.a], b = order[e.b];
      e = {std::min(a, b), std::max(a, b), e.weight};
    }
    std::sort(kept.begin(), kept.end(), [](const Edge& x, const Edge& y) { return std::tie(x.a, x.b) < std::tie(y.a, y.b); });
    result->edges = std::move(kept);
  }
  result->labels = ConnectedComponents(table.num_rows(), result->edges);
  for (uint32_t label : result->labels) result->clusters = std::max<uint64_t>(result->clusters, label + 1);
}

// The pairs inside the clusters that the model gives (scored and clustered as the run would,
// at the threshold it would use), as labeled matches for a refit of m ([model] refine_rounds).
// Clusters of more than kRefineMaxCluster records are left out: a chain of weak links, not one
// entity, and their pairs would grow with its square. Split across processes, rank 0 clusters
// and every rank receives its pairs, so that every rank refits the same model.
constexpr size_t kRefineMaxCluster = 50;

std::vector<LabeledPair> PairsInsideClusters(const Rules& rules, const LoadedInput& input, const Comparisons& comps,
                                             const TermFrequencies& tf, BlockingIndex& index,
                                             const std::optional<double>& command_line, const Model& model,
                                             const Locality& locality, Collective* group) {
  ScoreOptions so;
  so.threshold = LinkThreshold(command_line, rules, model).probability;
  so.table_rows = locality.table_row;
  ScoredCandidates scored = ScoreCandidates(comps, Scorer(model, comps, tf), index, so);
  if (group) GatherScored(*group, so, model, index.num_rules(), &scored);
  std::vector<LabeledPair> pairs;
  if (!group || group->is_root()) {
    RunResult clustered;
    clustered.edges = std::move(scored.edges);
    ClusterEdges(rules, input, /*keep_links=*/false, &clustered);
    const std::vector<uint32_t>& labels = clustered.labels;
    std::vector<uint32_t> start(clustered.clusters + 1, 0), members(labels.size());
    for (uint32_t label : labels) ++start[label + 1];
    for (size_t k = 1; k < start.size(); ++k) start[k] += start[k - 1];
    std::vector<uint32_t> fill(start.begin(), start.end() - 1);
    for (RowId r = 0; r < labels.size(); ++r) members[fill[labels[r]]++] = r;
    for (size_t k = 0; k + 1 < start.size(); ++k) {
      const uint32_t b = start[k], e = start[k + 1];
      if (e - b > kRefineMaxCluster) continue;
      for (uint32_t i = b; i < e; ++i)
        for (uint32_t j = i + 1; j < e; ++j) pairs.push_back({members[i], members[j], true});
    }
  }
  if (group && group->size() > 1) {
    std::string bytes;
    if (group->is_root()) {
      bytes.resize(pairs.size() * 2 * sizeof(RowId));
      char* out = bytes.data();
      for (const LabeledPair& p : pairs) {
        std::memcpy(out, &p.a, sizeof(RowId));
        std::memcpy(out + sizeof(RowId), &p.b, sizeof(RowId));
        out += 2 * sizeof(RowId);
      }
    }
    const std::vector<std::string> shares = group->AllGather(bytes);
    if (!group->is_root()) {
      const std::string& root = shares[0];
      pairs.resize(root.size() / (2 * sizeof(RowId)));
      for (size_t k = 0; k < pairs.size(); ++k) {
        std::memcpy(&pairs[k].a, root.data() + k * 2 * sizeof(RowId), sizeof(RowId));
        std::memcpy(&pairs[k].b, root.data() + k * 2 * sizeof(RowId) + sizeof(RowId), sizeof(RowId));
        pairs[k].match = true;
      }
    }
  }
  return locality.table_row.empty() ? pairs : locality.ToRows(pairs);
}

// Frees the values of every field whose entry in `keep` is false (Column::ReleaseValues).
void ReleaseFieldsNotIn(const std::vector<bool>& keep, DerivedFields* fields) {
  for (size_t f = 0; f < fields->fields.size(); ++f) {
    if (!keep[f]) fields->fields[f].ReleaseValues();
  }
}

// A run split across processes: the per-rule pair counts and the capped comparisons, counted
// per share, summed over the ranks; and the ranks and bytes sent, for summary.json.
void SumOverRanks(Collective& group, RunResult* result) {
  std::vector<uint64_t> sums;
  for (const RuleStats& r : result->rules) sums.push_back(r.pairs);
  sums.push_back(result->capped_comparisons);
  sums.push_back(group.bytes_sent());
  group.AllReduceSum(sums);
  for (size_t r = 0; r < result->rules.size(); ++r) result->rules[r].pairs = sums[r];
  result->capped_comparisons = sums[result->rules.size()];
  result->mpi_bytes_sent = sums.back();
  result->mpi_ranks = group.size();
}

}  // namespace

LinkCut LinkThreshold(const std::optional<double>& command_line, const Rules& rules, const Model& model) {
  if (command_line) return {*command_line, "command line"};
  if (rules.model.threshold) return {*rules.model.threshold, "rules file"};
  if (model.threshold.chosen) return {model.threshold.probability, "model"};
  return {};
}

Result<RunResult> RunLinkage(const Rules& rules, const LoadedInput& input, const RunOptions& options,
                             std::vector<StageTiming>* timings) {
  StageClock clock(timings, options.on_stage, options.progress, &input.table);
  clock.Begin("normalize", "records", input.table.num_rows());
  RunResult result;
  const RecordTable& table = input.table;
  result.total_pairs = AllowedPairs(table, rules.link_type);

  // A saved model is read first: its placeholder values are read as null here too.
  std::optional<Model> saved_model;
  if (options.model) {
    saved_model = *options.model;
  } else if (options.model_path) {
    Result<Model> model = ReadModelJson(*options.model_path, rules);
    if (!model.ok()) return model.status();
    saved_model = std::move(model.value());
  }

  Result<DerivedFields> fields =
      DeriveFieldsForRun(rules, table, saved_model ? &*saved_model : nullptr, &result.placeholders);
  if (!fields.ok()) return fields.status();
  result.unparseable_dates = fields->unparseable_dates;
  result.unparseable_numbers = fields->unparseable_numbers;
  result.unparseable = fields->unparseable;
  for (size_t f = 0; f < rules.fields.size(); ++f) {
    if (fields->placeholder_nulls[f] != 0) result.placeholder_nulls.emplace_back(rules.fields[f].name, fields->placeholder_nulls[f]);
  }
  if (options.on_fields_derived) options.on_fields_derived();
  // Whether a key part can be told from the next one in every value (scoring's known-equal values).
  const std::vector<bool> separator_in_field = FieldsHoldingKeySeparator(rules, fields->fields);
  // Under a memory limit the derived fields go to the table's spill area too: blocking and the
  // comparisons read each of them once, in row order.
  if (const std::shared_ptr<SpillArea>& area = table.spill_area(); area != nullptr) {
    for (Column& c : fields->fields) RECLINK_RETURN_IF_ERROR(c.SpillTo(*area));
  }
  clock.Mark("normalize");
  clock.Begin("block");

  BlockingIndex index =
      BlockingIndex::Build(rules, *fields, table, options.keep_key_hashes ? &result.key_hashes : nullptr);
  // Under a memory limit the index's per-row arrays go to the spill area: streaming reads them
  // block by block.
  if (const std::shared_ptr<SpillArea>& area = table.spill_area(); area != nullptr) {
    RECLINK_RETURN_IF_ERROR(index.SpillTo(area));
  }
  result.oversized = index.oversized();
  if (options.keep_key_hashes) result.key_collisions = index.key_collisions();
  result.block_growth_warnings = BlockGrowthWarnings(index);
  // Split across processes, each rank streams only its share of the pairs (docs/distributed.md).
  Collective* const group = options.collective;
  if (group && group->size() > 1) index.SetShare(static_cast<uint32_t>(group->rank()), static_cast<uint32_t>(group->size()));
  clock.Mark("block");
  clock.Begin("compare-prepare");
  if (!options.model_path && !options.model && index.PairsUpperBound() == 0 && !result.oversized.empty()) {
    return AllBlocksOversized(rules, result.oversized);
  }

  // Blocking has read the fields; from here on only the comparisons' own fields are read (u
  // estimation takes their values from the comparisons), unless the caller keeps the fields or
  // deterministic rules block on them again. A field no comparison names is released before
  // the comparisons' slots are filled, and one whose values they hold after (FieldsRead): about
  // 80 MB at a million demo records, given back before term frequencies and training.
  const bool release_fields = !options.keep_fields && rules.model.deterministic_rules.empty();
  if (release_fields) {
    const std::vector<bool> named = rules.FieldsCompared();
    // (With no field named, every field keeps its rows, which give the comparisons' row count.)
    if (std::find(named.begin(), named.end(), true) != named.end()) ReleaseFieldsNotIn(named, &*fields);
  }
  // locality.table_row[i] is the table's row of row i; locality.row[t] the row of table row t
  // (the locality order, below). Nothing reads the comparisons in the table's order (u estimation
  // is told the rows' names), so the index is renamed now and the comparisons are built in the
  // locality order at once: gathering them after (as a training run did until the twenty-sixth
  // session) held two copies of the slots for a moment, 100 MB at a million demo records, and
  // copied them (about 0.05 s). A swapped() level reads its other field by the table's rows, so
  // its comparisons keep the table's order (and are gathered below).
  Locality locality;
  const bool built_renamed = table.spill_area() == nullptr && !rules.ReadsSecondField() &&
                             PartitionRowsFromEnvironment() == 0 && table.num_rows() > 1 &&
                             LocalityWanted(index.PairsUpperBound(), table.num_rows());
  auto name_locality_rows = [&] {
    locality.table_row = index.LocalityOrder();
    locality.row.resize(locality.table_row.size());
    ParallelFor(size_t{0}, locality.table_row.size(),
                [&](size_t i) { locality.row[locality.table_row[i]] = static_cast<RowId>(i); });
    index.Renumber(locality.table_row);
  };
  if (built_renamed) name_locality_rows();
  Result<Comparisons> built = Comparisons::Build(rules, *fields, 0, table.spill_area(), locality.row);
  if (!built.ok()) return built.status();
  Comparisons& table_comps = *built;
  // Per blocking rule, the comparisons whose values its pairs share by construction: training and
  // scoring do not compare them.
  std::vector<uint16_t> known_equal;
  for (size_t r = 0; r < rules.blocking.size(); ++r) {
    known_equal.push_back(KnownEqualComparisons(rules, r, table_comps, separator_in_field));
  }
  if (release_fields) ReleaseFieldsNotIn(table_comps.FieldsRead(), &*fields);
  TermFrequencies tf = options.tf_tables ? TermFrequencies::FromTables(table_comps, *options.tf_tables)
                                        : TermFrequencies::Build(table_comps);
  result.tf_tables = tf.tables();
  // Training's pattern counts and scoring read the columns and slots by pair, at random (the
  // stages before, u's value counts included, read them in row order).
  // In partitions (PartitionRows), those stages read them in row order too, a partition at a time.
  const uint64_t partition_rows = PartitionRows(table, table_comps, tf, index.num_rules());
  result.partition_rows = partition_rows;
  result.partitions = partition_rows > 0 ? index.CountPartitions(partition_rows) : 0;
  // Without partitions, the pairs' passes run in the locality order (docs/performance.md,
  // "Locality order"): the index renames the rows so that the rule with the most pairs has its
  // blocks' rows next to each other, and the comparisons' slots and term-frequency ranks are
  // copied in that order, so a pair's two rows are mostly in the same few cache lines. What the
  // passes keep is named by the table's rows again (ScoreOptions::table_rows), the training
  // sample follows the records (their keys are carried along), and the outputs are the same.
  // Mostly the comparisons were built renamed (above). Otherwise (a swapped() level) the renaming
  // waits for u estimation, which then reads the table's order: `comps` is the comparisons the
  // passes read: the table's order until to_locality, the locality order after (the table's kept
  // in table_order for the long values the copy reads).
  const bool renamed = built_renamed || (partition_rows == 0 && table.spill_area() == nullptr &&
                                         table_comps.CanGather() && table.num_rows() > 1 &&
                                         LocalityWanted(index.PairsUpperBound(), table.num_rows()));
  std::optional<Comparisons> table_order;
  const Comparisons& comps = table_comps;
  auto to_locality = [&](std::vector<uint64_t>* sample_keys) {
    if (!renamed) return;
    if (!built_renamed) {
      name_locality_rows();
      table_order.emplace(std::move(table_comps));
      table_comps = table_order->Gather(locality.table_row, locality.row);
      table_order->ReleaseRows();
      tf = tf.Gather(locality.table_row, locality.row, table.num_rows());
    }
    if (sample_keys != nullptr && !sample_keys->empty()) {
      // The records' sample keys, by the pairs' rows.
      std::vector<uint64_t> by_row(sample_keys->size());
      ParallelFor(size_t{0}, by_row.size(), [&](size_t i) { by_row[i] = (*sample_keys)[locality.table_row[i]]; });
      *sample_keys = std::move(by_row);
    }
  };
  if (saved_model) to_locality(nullptr);
  clock.Mark("compare-prepare");
  auto by_pair_from_now = [&table, partition_rows] {
    if (partition_rows > 0) return;
    if (const std::shared_ptr<SpillArea>& area = table.spill_area(); area != nullptr) area->AdviseRandomAccess();
  };
  const uint64_t pairs_bound = index.PairsUpperBound();

  // Training: u from random pairs, m and the prior from pattern counts of the candidate pairs.
  if (saved_model) {
    result.model = std::move(*saved_model);
    // Training adds these; a saved model scoring new data must say them too.
    for (std::string& w : DegenerateComparisonWarnings(comps)) result.model.warnings.push_back(std::move(w));
  } else {
    result.model = ModelSkeleton(rules, comps);
    result.model.placeholders = result.placeholders;
    clock.Begin("train-u");
    EstimateU(rules, comps, *fields, table, rules.model.u_sample_pairs, rules.model.seed,
              &result.model, group, ComparisonRows{locality.row, locality.table_row});
    clock.Mark("train-u");
    by_pair_from_now();
    clock.Begin("train-em", "pairs", std::min(pairs_bound, rules.model.training_pairs));
    to_locality(&result.model.sample_keys);
    TrainingCounts counts =
        CountTrainingPatterns(rules, comps, index, result.total_pairs, result.model, tf,
                              options.progress, partition_rows, known_equal);
    if (group) ReduceTrainingCounts(*group, &counts);
    if (!rules.model.deterministic_rules.empty() && !rules.model.prior) {
      DeterministicPrior(rules, *fields, table, &counts);
    }
    const Model after_u = rules.model.refine_rounds > 0 ? result.model : Model{};
    // The labels name table rows; the comparisons read here are in the pairs' rows.
    std::vector<LabeledPair> labels_by_row;
    const std::vector<LabeledPair>* labels = options.labels;
    if (labels != nullptr && renamed) {
      labels_by_row = locality.ToRows(*labels);
      labels = &labels_by_row;
    }
    RECLINK_RETURN_IF_ERROR(EstimateMAndPrior(rules, comps, counts, &result.model, labels));
    // Refits on the run's own clusters ([model] refine_rounds; not with labels, which say better).
    const bool labeled = options.labels != nullptr && !options.labels->empty();
    for (int round = 1; round <= rules.model.refine_rounds && !labeled; ++round) {
      const std::vector<LabeledPair> pairs =
          PairsInsideClusters(rules, input, comps, tf, index, options.threshold, result.model, locality, group);
      Model refit = after_u;
      RECLINK_RETURN_IF_ERROR(EstimateMAndPrior(rules, comps, counts, &refit, &pairs,
                                                "refine round " + std::to_string(round) + ", pairs inside clusters"));
      result.model = std::move(refit);
    }
    // Labels also calibrate the final weights to probabilities (docs/model.md); the threshold,
    // from here on, is converted through that calibration.
    if (options.labels != nullptr && !options.labels->empty()) {
      double candidates = 0;  // counted, then scaled back from the training sample
      for (const PatternCounts& first : counts.first)
        for (const auto& [pattern, n] : first) candidates += static_cast<double>(n);
      candidates /= counts.sample_fraction;
      const double expected_share =
          result.model.threshold.chosen && candidates > 0 ? result.model.threshold.expected_matches / candidates : -1;
      FitCalibration(Scorer(result.model, comps, tf), comps, *labels, &result.model, expected_share,
                     rules.model.labels_sample);
    }
    // Training streamed its sample only; the pairs per rule of the summary need a counting pass
    // when there is no score pass to count them.
    if (options.train_only) index.StreamPairs([](int, std::span<const CandidatePair>) {});
    clock.Mark("train-em");
  }
  const LinkCut cut = LinkThreshold(options.threshold, rules, result.model);
  result.threshold = cut.probability;
  result.threshold_source = cut.source;
  if (options.train_only) {
    result.rules = index.stats();
    if (group) SumOverRanks(*group, &result);
    return result;
  }

  const Scorer scorer(result.model, comps, tf);
  const uint64_t capped_before = comps.capped_comparisons();
  by_pair_from_now();
  clock.Begin("score", "pairs", pairs_bound);
  ScoreOptions score_options;
  score_options.threshold = result.threshold;
  score_options.keep_pairs = options.keep_pairs;
  score_options.pairs_threshold = options.pairs_threshold;
  score_options.truth = options.truth;
  score_options.table_rows = locality.table_row;
  score_options.known_equal = known_equal;
  score_options.worst_errors = options.worst_errors;
  score_options.weight_histogram = options.weight_histogram;
  score_options.borderline_pairs = options.borderline_pairs;
  score_options.progress = options.progress;
  score_options.partition_rows = partition_rows;
  ScoredCandidates scored = ScoreCandidates(comps, scorer, index, score_options);
  if (group) GatherScored(*group, score_options, result.model, index.num_rules(), &scored);
  result.rules = index.stats();
  result.candidate_pairs = scored.candidate_pairs;
  result.edges = std::move(scored.edges);
  result.pairs = std::move(scored.pairs);
  result.truth = std::move(scored.truth);
  result.weight_histogram = std::move(scored.histogram);
  result.borderline = std::move(scored.borderline);
  result.capped_comparisons = comps.capped_comparisons() - capped_before;
  for (size_t c = 0; c < comps.size(); ++c) {
    result.comparison_counts.push_back({comps.spec(c).name, comps.values_over_cap(c), comps.unparseable_values(c)});
  }
  if (group) SumOverRanks(*group, &result);
  clock.Mark("score");
  if (group && !group->is_root()) return result;  // rank 0 clusters and writes

  clock.Begin("cluster");
  ClusterEdges(rules, input, options.keep_key_hashes, &result);
  clock.Mark("cluster");
  if (options.keep_fields) result.fields = std::move(fields.value());
  return result;
}

std::vector<uint32_t> ClusterRowOrder(const Rules& rules, const LoadedInput& input) {
  const std::vector<std::string> keys = RecordKeys(input, rules);
  const RecordTable& table = input.table;
  std::vector<uint32_t> order(keys.size());
  std::iota(order.begin(), order.end(), 0u);
  ParallelSort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) {
    if (keys[x] != keys[y]) return keys[x] < keys[y];
    // Dedupe of several inputs can repeat an id: then by source name, then row.
    const std::string& sx = table.source_names()[table.source(x)];
    const std::string& sy = table.source_names()[table.source(y)];
    return sx != sy ? sx < sy : x < y;
  });
  return order;
}

std::vector<Edge> ApplyClusterMethod(ClusterMethod method, size_t n, std::span<const Edge> edges,
                                     std::span<const uint16_t> sources) {
  switch (method) {
    case ClusterMethod::kMajorityLink: return MajorityLinks(n, edges);
    case ClusterMethod::kBestLink: return BestLinks(edges, sources);
    case ClusterMethod::kOnePerSource: return OnePerSourceLinks(edges, sources);
    case ClusterMethod::kConnectedComponents: break;
  }
  return std::vector<Edge>(edges.begin(), edges.end());
}

}  // namespace reclink
