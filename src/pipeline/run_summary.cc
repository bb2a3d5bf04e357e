// summary.json and the evaluation object it embeds: built here, from the run's results, so that
// every front end (the CLI today) writes the same document. Text layout kept byte for byte: the
// golden tests compare it line by line.
#include "reclink/run_summary.h"

#include <map>
#include <string_view>

#include "reclink/cluster.h"
#include "reclink/json_writer.h"
#include "reclink/version.h"

namespace reclink {

namespace {

void PairMetricsMembers(JsonWriter& w, const PairMetrics& p) {
  w.BeginObject();
  w.Member("precision", p.precision);
  w.Member("recall", p.recall);
  w.Member("f1", p.f1);
  w.Member("true_pairs", p.true_pairs);
  w.Member("predicted_pairs", p.predicted_pairs);
  w.Member("true_positive_pairs", p.true_positive_pairs);
  w.EndObject();
}

}  // namespace

std::string EvaluationJson(const RunEvaluation& e, const RunResult& result, const LoadedInput& input,
                           const Rules& rules) {
  const auto& b = e.clusters.bcubed;
  JsonWriter w;
  w.BeginObject();
  w.Member("records", e.clusters.records);
  w.Key("pairwise");
  PairMetricsMembers(w, e.clusters.pairwise);
  if (e.has_cross_source) {
    w.Key("pairwise_cross_source");
    PairMetricsMembers(w, e.cross_source);
  }
  w.Key("bcubed");
  w.BeginObject();
  w.Member("precision", b.precision);
  w.Member("recall", b.recall);
  w.Member("f1", b.f1);
  w.EndObject();
  w.Member("merged_clusters", e.clusters.errors.merged_clusters);
  w.Member("split_entities", e.clusters.errors.split_entities);
  w.Member("blocking_recall", e.blocking_recall);
  w.Key("rules");
  w.BeginArray();
  for (size_t r = 0; r < rules.blocking.size(); ++r) {
    w.BeginObject();
    w.Member("rule", rules.blocking[r].text);
    w.Member("recall", e.rule_recall[r]);
    w.Member("pairs", result.rules[r].pairs);
    w.EndObject();
  }
  w.EndArray();
  w.Member("candidate_pairs", result.candidate_pairs);
  w.Member("reduction_ratio", e.reduction_ratio);
  auto pairs = [&](const std::vector<ScoredPair>& v) {
    w.BeginArray();
    for (const ScoredPair& pair : v) {
      w.BeginObject();
      if (input.sources.size() > 1) {
        w.Member("source_l", input.table.source_names()[input.table.source(pair.a)]);
        w.Member("source_r", input.table.source_names()[input.table.source(pair.b)]);
      }
      w.Member("id_l", input.Id(pair.a));
      w.Member("id_r", input.Id(pair.b));
      w.Member("match_weight", pair.weight);
      w.Member("match_probability", result.model.Probability(pair.weight));
      w.Key("levels");
      w.BeginObject();
      for (size_t c = 0; c < pair.gamma.size(); ++c) {
        w.Member(result.model.comparisons[c].name, result.model.comparisons[c].levels[pair.gamma[c]].label);
      }
      w.EndObject();
      w.Key("weights");
      w.BeginObject();
      for (size_t c = 0; c < pair.weights.size(); ++c) w.Member(result.model.comparisons[c].name, pair.weights[c]);
      w.EndObject();
      w.EndObject();
    }
    w.EndArray();
  };
  w.Key("false_links");
  pairs(result.truth.false_links);
  w.Key("missed_links");
  pairs(result.truth.missed_links);
  w.EndObject();
  return w.Take();
}

std::string ThresholdSourceInWords(const RunResult& r) {
  if (r.threshold_source == "model") {
    char buf[160];
    std::snprintf(buf, sizeof buf, "chosen by the model: expected precision %.3f, recall %.3f among candidate pairs",
                  r.model.threshold.expected_precision, r.model.threshold.expected_recall);
    return buf;
  }
  if (r.threshold_source == "command line") return "set by --threshold";
  if (r.threshold_source == "rules file") return "set in the rules file";
  return "the default: the model had no candidate pairs to choose a threshold from";
}

void WriteOversizedBlocksJson(JsonWriter& w, std::span<const OversizedBlock> blocks) {
  w.BeginArray();
  for (const OversizedBlock& ob : blocks) {
    w.BeginObject();
    w.Member("rule", ob.rule + 1);
    w.Member("key", ob.key);
    w.Member("size", ob.size);
    w.Member("pairs_skipped", ob.pairs_skipped);
    if (!ob.placeholder_reason.empty()) {
      w.Key("placeholder");
      w.BeginObject();
      w.Member("reason", ob.placeholder_reason);
      w.Member("field", ob.placeholder_field);
      w.EndObject();
    }
    w.EndObject();
  }
  w.EndArray();
}

std::string SummaryJson(const RunContext& context, const LoadedInput& input, const RunResult& r,
                        const std::vector<StageTiming>& timings, const std::string& evaluation_json) {
  const std::string& command = context.command;
  JsonWriter w;
  w.BeginObject(JsonWriter::Layout::kLines);
  w.Member("version", kReclinkVersion);
  w.Member("command", command);
  w.Member("threads", context.threads);
  if (r.mpi_ranks > 0) {  // a run under mpirun (docs/distributed.md)
    w.Member("mpi_ranks", r.mpi_ranks);
    w.Member("mpi_bytes_sent", r.mpi_bytes_sent);
  }
  if (context.memory_limit > 0) {  // --memory-limit (docs/performance.md "Memory limit")
    w.Key("memory");
    w.BeginObject();
    w.Member("limit_bytes", context.memory_limit);
    w.Member("estimated_bytes", context.memory_estimate);
    w.Member("spilled", context.spilled_bytes > 0);
    w.Member("spilled_bytes", context.spilled_bytes);
    if (context.spilled_bytes > 0) w.Member("temp_dir", context.temp_dir);
    if (r.partitions > 0) {  // training's counts and scoring a partition at a time
      w.Member("partitions", r.partitions);
      w.Member("partition_rows", r.partition_rows);
    }
    w.EndObject();
  }
  w.Member("rules", context.rules_path);
  w.Key("inputs");
  w.BeginArray();
  uint64_t records = 0, bad = 0;
  for (const SourceReport& s : input.sources) {
    records += s.records;
    bad += s.bad;
    w.BeginObject();
    w.Member("source", s.name);
    w.Member("path", s.path);
    w.Member("records", s.records);
    w.Member("bad", s.bad);
    w.EndObject();
  }
  w.EndArray();
  const bool quarantine = context.quarantine;
  w.Key("records");
  w.BeginObject();
  w.Member("read", records);
  w.Member("bad", bad);
  w.Member("quarantined", quarantine ? bad : 0);
  w.Member("skipped", quarantine ? 0 : bad);
  w.EndObject();
  w.Member("unparseable_dates", r.unparseable_dates);
  w.Member("unparseable_numbers", r.unparseable_numbers);
  w.Key("unparseable_by_field");
  w.BeginArray();
  for (const UnparseableValues& u : r.unparseable) {
    w.BeginObject();
    w.Member("field", u.field);
    w.Member("source", u.source);
    w.Member("kind", u.kind);
    w.Member("count", u.count);
    w.Member("sample", u.sample);
    w.EndObject();
  }
  w.EndArray();
  w.Key("placeholder_nulls");
  w.BeginObject();
  for (const auto& [field, count] : r.placeholder_nulls) w.Member(field, count);
  w.EndObject();
  WritePlaceholdersJson(w, r.placeholders);
  w.Key("blocking");
  w.BeginArray();
  for (const RuleStats& rs : r.rules) {
    w.BeginObject();
    w.Member("rule", rs.text);
    w.Member("records_with_key", rs.records_with_key);
    w.Member("blocks", rs.blocks);
    w.Member("pairs", rs.pairs);
    w.EndObject();
  }
  w.EndArray();
  w.Key("oversized_blocks");
  WriteOversizedBlocksJson(w, r.oversized);
  w.Member("candidate_pairs", r.candidate_pairs);
  if (command != "train") {
    w.Member("capped_comparisons", r.capped_comparisons);
    w.Member("compare_cap_code_points", kMaxCompareCodePoints);
    w.Key("values_over_cap");
    w.BeginObject();
    for (const RunResult::ComparisonCounts& cc : r.comparison_counts) {
      if (cc.values_over_cap) w.Member(cc.name, cc.values_over_cap);
    }
    w.EndObject();
    w.Key("unparseable_values");
    w.BeginObject();
    for (const RunResult::ComparisonCounts& cc : r.comparison_counts) {
      if (cc.unparseable_values) w.Member(cc.name, cc.unparseable_values);
    }
    w.EndObject();
  }
  w.Member("threshold", r.threshold);
  w.Member("threshold_source", r.threshold_source);
  if (r.model.threshold.chosen) {
    const ThresholdChoice& t = r.model.threshold;
    w.Key("model_threshold");
    w.BeginObject();
    w.Member("probability", t.probability);
    w.Member("weight", t.weight);
    w.Member("expected_precision", t.expected_precision);
    w.Member("expected_recall", t.expected_recall);
    w.EndObject();
  }
  if (r.model.calibration.fitted) {  // only with labels: other summaries stay as they were
    const Calibration& cal = r.model.calibration;
    w.Key("calibration");
    w.BeginObject();
    w.Member("slope", cal.slope);
    w.Member("intercept", cal.intercept);
    w.Member("source", cal.source);
    if (cal.intercept_correction != 0) {
      w.Member("intercept_correction", cal.intercept_correction);
      w.Member("caveat", "the intercept was corrected from the labels' share of matches to the model's expected share "
                         "among the candidate pairs");
    } else {
      w.Member("caveat", "the intercept holds only when the labeled pairs are a random sample of the candidate pairs");
    }
    w.EndObject();
  }
  w.Member("prior", r.model.prior);
  w.Member("em_iterations", r.model.em_iterations);
  w.Member("em_converged", r.model.em_converged);
  w.Key("warnings");
  w.BeginArray();
  for (const std::string& warning : r.block_growth_warnings) w.Value(warning);
  for (const std::string& warning : r.model.warnings) w.Value(warning);
  w.EndArray();
  if (command != "train") {
    w.Member("edges", r.edges.size());
    w.Member("clusters", r.clusters);
    w.Key("cluster_sizes");
    w.BeginObject();
    for (const auto& [size, count] : ClusterSizeHistogram(r.labels)) w.Member(std::to_string(size), count);
    w.EndObject();
  }
  w.Key("stages");
  w.BeginArray();
  double total = 0;
  for (const StageTiming& t : timings) {
    total += t.seconds;
    w.BeginObject();
    w.Member("stage", t.stage);
    w.Member("seconds", t.seconds);
    w.Member("peak_rss_bytes", t.peak_rss_bytes);
    w.EndObject();
  }
  w.EndArray();
  w.Member("seconds", total);
  w.Member("peak_rss_bytes", PeakRssBytes());
  w.Member("huge_pages_off", context.huge_pages_off);
  w.Member("output_commit", context.output_commit);
  if (context.identities) {
    const IdentityAssignment& a = *context.identities;
    w.Key("identities");
    w.BeginObject();
    w.Member("state", context.state_dir);
    w.Member("run", a.next.runs);
    w.Member("model", context.model_origin);
    w.Member("identities", a.next.ids.size());
    w.Key("changes");
    w.BeginObject();
    for (const auto& [kind, count] : a.counts) w.Member(kind, count);
    w.EndObject();
    if (const std::vector<RecordIdentityChange>* rc = context.record_changes) {
      std::map<std::string_view, uint64_t> per_kind = RecordChangeCounts(*rc);
      w.Key("records_changed");
      w.BeginObject();
      for (const std::string_view kind : {"new", "moved", "deleted"})
        w.Member(kind, per_kind[kind]);
      w.EndObject();
    }
    if (const IncrementalCounts* inc = context.incremental) {
      w.Key("incremental");
      w.BeginObject();
      w.Member("records_before", inc->records_before);
      w.Member("inserted", inc->inserted);
      w.Member("updated", inc->updated);
      w.Member("deleted", inc->deleted);
      w.Member("unknown_deletions", inc->unknown_deletions);
      w.Member("pairs_scored", inc->pairs_scored);
      w.Member("links_kept", inc->links_kept);
      w.Member("links_dropped", inc->links_dropped);
      w.Member("blocks_reopened", inc->blocks_reopened);
      w.Member("keys_checked", inc->keys_checked);
      w.Member("key_collisions", inc->key_collisions);
      w.Member("huge_pages_off", inc->huge_pages_off);
      w.EndObject();
    }
    w.EndObject();
  }
  if (!evaluation_json.empty()) {
    w.Key("evaluation");
    w.Raw(evaluation_json);
  }
  w.EndObject();
  return w.Take() + "\n";
}

}  // namespace reclink
