// summary.json and the evaluation object it embeds: built here, from the run's results, so that
// every front end (the CLI today) writes the same document. Text layout kept byte for byte: the
// golden tests compare it line by line.
#include "reclink/run_summary.h"

#include "reclink/cluster.h"
#include "reclink/json_writer.h"
#include "reclink/version.h"

namespace reclink {

std::string EvaluationJson(const RunEvaluation& e, const RunResult& result, const LoadedInput& input,
                           const Rules& rules) {
  const auto& p = e.clusters.pairwise;
  const auto& b = e.clusters.bcubed;
  std::string j = "{\"records\": " + std::to_string(e.clusters.records);
  j += ", \"pairwise\": {\"precision\": " + JsonNumber(p.precision) + ", \"recall\": " + JsonNumber(p.recall) +
       ", \"f1\": " + JsonNumber(p.f1) + ", \"true_pairs\": " + std::to_string(p.true_pairs) +
       ", \"predicted_pairs\": " + std::to_string(p.predicted_pairs) +
       ", \"true_positive_pairs\": " + std::to_string(p.true_positive_pairs) + "}";
  if (e.has_cross_source) {
    const PairMetrics& x = e.cross_source;
    j += ", \"pairwise_cross_source\": {\"precision\": " + JsonNumber(x.precision) + ", \"recall\": " +
         JsonNumber(x.recall) + ", \"f1\": " + JsonNumber(x.f1) + ", \"true_pairs\": " + std::to_string(x.true_pairs) +
         ", \"predicted_pairs\": " + std::to_string(x.predicted_pairs) +
         ", \"true_positive_pairs\": " + std::to_string(x.true_positive_pairs) + "}";
  }
  j += ", \"bcubed\": {\"precision\": " + JsonNumber(b.precision) + ", \"recall\": " + JsonNumber(b.recall) +
       ", \"f1\": " + JsonNumber(b.f1) + "}";
  j += ", \"merged_clusters\": " + std::to_string(e.clusters.errors.merged_clusters) +
       ", \"split_entities\": " + std::to_string(e.clusters.errors.split_entities);
  j += ", \"blocking_recall\": " + JsonNumber(e.blocking_recall) + ", \"rules\": [";
  for (size_t r = 0; r < rules.blocking.size(); ++r) {
    j += std::string(r ? ", " : "") + "{\"rule\": " + JsonQuote(rules.blocking[r].text) +
         ", \"recall\": " + JsonNumber(e.rule_recall[r]) + ", \"pairs\": " + std::to_string(result.rules[r].pairs) + "}";
  }
  j += "], \"candidate_pairs\": " + std::to_string(result.candidate_pairs) +
       ", \"reduction_ratio\": " + JsonNumber(e.reduction_ratio);
  auto pairs = [&](const std::vector<ScoredPair>& v) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i) {
      s += i ? ", {" : "{";
      if (input.sources.size() > 1) {
        s += "\"source_l\": " + JsonQuote(input.table.source_names()[input.table.source(v[i].a)]) +
             ", \"source_r\": " + JsonQuote(input.table.source_names()[input.table.source(v[i].b)]) + ", ";
      }
      s += "\"id_l\": " + JsonQuote(input.Id(v[i].a)) + ", \"id_r\": " +
           JsonQuote(input.Id(v[i].b)) + ", \"match_weight\": " + JsonNumber(v[i].weight) +
           ", \"match_probability\": " + JsonNumber(ProbabilityFromWeight(v[i].weight)) + ", \"levels\": {";
      for (size_t c = 0; c < v[i].gamma.size(); ++c) {
        s += std::string(c ? ", " : "") + JsonQuote(result.model.comparisons[c].name) + ": " +
             JsonQuote(result.model.comparisons[c].levels[v[i].gamma[c]].label);
      }
      s += "}, \"weights\": {";
      for (size_t c = 0; c < v[i].weights.size(); ++c) {
        s += std::string(c ? ", " : "") + JsonQuote(result.model.comparisons[c].name) + ": " + JsonNumber(v[i].weights[c]);
      }
      s += "}}";
    }
    return s + "]";
  };
  j += ", \"false_links\": " + pairs(result.truth.false_links);
  j += ", \"missed_links\": " + pairs(result.truth.missed_links) + "}";
  return j;
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

std::string SummaryJson(const RunContext& context, const LoadedInput& input, const RunResult& r,
                        const std::vector<StageTiming>& timings, const std::string& evaluation_json) {
  const std::string& command = context.command;
  std::string j = "{\n  \"version\": " + JsonQuote(kReclinkVersion) + ",\n  \"command\": " + JsonQuote(command) +
                  ",\n  \"threads\": " + std::to_string(context.threads) + ",\n  \"rules\": " + JsonQuote(context.rules_path) +
                  ",\n  \"inputs\": [";
  uint64_t records = 0, bad = 0;
  for (size_t i = 0; i < input.sources.size(); ++i) {
    const SourceReport& s = input.sources[i];
    records += s.records;
    bad += s.bad;
    j += std::string(i ? ", " : "") + "{\"source\": " + JsonQuote(s.name) + ", \"path\": " + JsonQuote(s.path) +
         ", \"records\": " + std::to_string(s.records) + ", \"bad\": " + std::to_string(s.bad) + "}";
  }
  const bool quarantine = context.quarantine;
  j += "],\n  \"records\": {\"read\": " + std::to_string(records) + ", \"bad\": " + std::to_string(bad) +
       ", \"quarantined\": " + std::to_string(quarantine ? bad : 0) +
       ", \"skipped\": " + std::to_string(quarantine ? 0 : bad) + "},\n";
  j += "  \"unparseable_dates\": " + std::to_string(r.unparseable_dates) +
       ",\n  \"unparseable_numbers\": " + std::to_string(r.unparseable_numbers) + ",\n  \"unparseable_by_field\": [";
  for (size_t i = 0; i < r.unparseable.size(); ++i) {
    const UnparseableValues& u = r.unparseable[i];
    j += std::string(i ? ", " : "") + "{\"field\": " + JsonQuote(u.field) + ", \"source\": " + JsonQuote(u.source) +
         ", \"kind\": " + JsonQuote(u.kind) + ", \"count\": " + std::to_string(u.count) +
         ", \"sample\": " + JsonQuote(u.sample) + "}";
  }
  j += "],\n  \"placeholder_nulls\": {";
  for (size_t i = 0; i < r.placeholder_nulls.size(); ++i) {
    j += std::string(i ? ", " : "") + JsonQuote(r.placeholder_nulls[i].first) + ": " + std::to_string(r.placeholder_nulls[i].second);
  }
  j += "},\n  \"blocking\": [";
  for (size_t i = 0; i < r.rules.size(); ++i) {
    const RuleStats& rs = r.rules[i];
    j += std::string(i ? ", " : "") + "{\"rule\": " + JsonQuote(rs.text) + ", \"records_with_key\": " +
         std::to_string(rs.records_with_key) + ", \"blocks\": " + std::to_string(rs.blocks) +
         ", \"pairs\": " + std::to_string(rs.pairs) + "}";
  }
  j += "],\n  \"oversized_blocks\": [";
  for (size_t i = 0; i < r.oversized.size(); ++i) {
    const OversizedBlock& ob = r.oversized[i];
    j += std::string(i ? ", " : "") + "{\"rule\": " + std::to_string(ob.rule + 1) + ", \"key\": " + JsonQuote(ob.key) +
         ", \"size\": " + std::to_string(ob.size) + ", \"pairs_skipped\": " + std::to_string(ob.pairs_skipped) +
         (ob.placeholder_reason.empty()
              ? std::string()
              : ", \"placeholder\": {\"reason\": " + JsonQuote(ob.placeholder_reason) +
                    ", \"field\": " + JsonQuote(ob.placeholder_field) + "}") +
         "}";
  }
  j += "],\n  \"candidate_pairs\": " + std::to_string(r.candidate_pairs) + ",\n";
  if (command != "train") {
    j += "  \"capped_comparisons\": " + std::to_string(r.capped_comparisons) +
         ",\n  \"compare_cap_code_points\": " + std::to_string(kMaxCompareCodePoints) + ",\n  \"values_over_cap\": {";
    std::string unparseable;
    bool first = true, first_u = true;
    for (const RunResult::ComparisonCounts& cc : r.comparison_counts) {
      if (cc.values_over_cap) {
        j += std::string(first ? "" : ", ") + JsonQuote(cc.name) + ": " + std::to_string(cc.values_over_cap);
        first = false;
      }
      if (cc.unparseable_values) {
        unparseable += std::string(first_u ? "" : ", ") + JsonQuote(cc.name) + ": " + std::to_string(cc.unparseable_values);
        first_u = false;
      }
    }
    j += "},\n  \"unparseable_values\": {" + unparseable + "},\n";
  }
  j += "  \"threshold\": " + JsonNumber(r.threshold) + ",\n  \"threshold_source\": " + JsonQuote(r.threshold_source) + ",\n";
  if (r.model.threshold.chosen) {
    const ThresholdChoice& t = r.model.threshold;
    j += "  \"model_threshold\": {\"probability\": " + JsonNumber(t.probability) + ", \"weight\": " + JsonNumber(t.weight) +
         ", \"expected_precision\": " + JsonNumber(t.expected_precision) +
         ", \"expected_recall\": " + JsonNumber(t.expected_recall) + "},\n";
  }
  j += "  \"prior\": " + JsonNumber(r.model.prior) + ",\n";
  j += "  \"em_iterations\": " + std::to_string(r.model.em_iterations) + ",\n";
  j += std::string("  \"em_converged\": ") + (r.model.em_converged ? "true" : "false") + ",\n";
  j += "  \"warnings\": [";
  for (size_t i = 0; i < r.model.warnings.size(); ++i) j += (i ? ", " : "") + JsonQuote(r.model.warnings[i]);
  j += "],\n";
  if (command != "train") {
    j += "  \"edges\": " + std::to_string(r.edges.size()) + ",\n  \"clusters\": " + std::to_string(r.clusters) +
         ",\n  \"cluster_sizes\": {";
    bool first = true;
    for (const auto& [size, count] : ClusterSizeHistogram(r.labels)) {
      j += std::string(first ? "" : ", ") + JsonQuote(std::to_string(size)) + ": " + std::to_string(count);
      first = false;
    }
    j += "},\n";
  }
  j += "  \"stages\": [";
  double total = 0;
  for (size_t i = 0; i < timings.size(); ++i) {
    total += timings[i].seconds;
    j += std::string(i ? ", " : "") + "{\"stage\": " + JsonQuote(timings[i].stage) + ", \"seconds\": " +
         JsonNumber(timings[i].seconds) + ", \"peak_rss_bytes\": " + std::to_string(timings[i].peak_rss_bytes) + "}";
  }
  j += "],\n  \"seconds\": " + JsonNumber(total) + ",\n  \"peak_rss_bytes\": " + std::to_string(PeakRssBytes());
  j += ",\n  \"output_commit\": " + JsonQuote(context.output_commit);
  if (context.identities) {
    const IdentityAssignment& a = *context.identities;
    j += ",\n  \"identities\": {\"state\": " + JsonQuote(context.state_dir) + ", \"run\": " +
         std::to_string(a.next.runs) + ", \"model\": " + JsonQuote(context.model_origin) +
         ", \"identities\": " + std::to_string(a.next.ids.size()) + ", \"changes\": {";
    bool first = true;
    for (const auto& [kind, count] : a.counts) {
      j += std::string(first ? "" : ", ") + JsonQuote(kind) + ": " + std::to_string(count);
      first = false;
    }
    j += "}";
    if (const IncrementalCounts* inc = context.incremental) {
      j += ", \"incremental\": {\"records_before\": " + std::to_string(inc->records_before) +
           ", \"inserted\": " + std::to_string(inc->inserted) + ", \"updated\": " + std::to_string(inc->updated) +
           ", \"deleted\": " + std::to_string(inc->deleted) +
           ", \"unknown_deletions\": " + std::to_string(inc->unknown_deletions) +
           ", \"pairs_scored\": " + std::to_string(inc->pairs_scored) +
           ", \"links_kept\": " + std::to_string(inc->links_kept) +
           ", \"links_dropped\": " + std::to_string(inc->links_dropped) +
           ", \"blocks_reopened\": " + std::to_string(inc->blocks_reopened) + "}";
    }
    j += "}";
  }
  if (!evaluation_json.empty()) j += ",\n  \"evaluation\": " + evaluation_json;
  j += "\n}\n";
  return j;
}

}  // namespace reclink
