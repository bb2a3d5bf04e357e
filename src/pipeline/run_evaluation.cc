// Ground truth for a run (a column or a pairs file) and the run measured against it.
#include "reclink/run_evaluation.h"

#include <algorithm>
#include <cctype>
#include <unordered_map>

#include "reclink/cluster.h"
#include "reclink/reader.h"

namespace reclink {

Result<std::vector<uint32_t>> TruthFromColumn(const LoadedInput& input, const std::string& column) {
  const int c = input.table.FindColumn(column);
  if (c < 0) {
    return Status::Usage("error: --truth: no input has a column '" + column + "'",
                         "name the ground-truth column, e.g. --truth entity_id");
  }
  const Column& col = input.table.column(static_cast<size_t>(c));
  std::vector<std::string_view> values(input.table.num_rows());
  std::vector<bool> nulls(input.table.num_rows());
  for (RowId r = 0; r < input.table.num_rows(); ++r) {
    nulls[r] = col.IsNull(r);
    values[r] = col.Get(r);
  }
  return DenseLabels(values, nulls);
}

Result<std::vector<uint32_t>> TruthFromPairs(const LoadedInput& input, const std::string& path) {
  ReadOptions options;
  options.format = InputFormat::kCsv;
  Result<RecordTable> pairs = ReadInput(path, "truth", options, nullptr);
  if (!pairs.ok()) return pairs.status();
  if (pairs->num_columns() < 2) {
    return Status::InvalidInput(FormatLocation(path, 1, 0, "expected two columns of record ids (id_l,id_r), found " +
                                                           std::to_string(pairs->num_columns())),
                                "write a header row, then one matching pair per line: id_l,id_r");
  }
  std::unordered_map<std::string, RowId> rows;
  for (RowId r = 0; r < input.table.num_rows(); ++r) {
    rows.emplace(std::string(input.Id(r)), r);
    rows.emplace(input.table.source_names()[input.table.source(r)] + ":" + std::string(input.Id(r)), r);
  }
  if (rows.count(pairs->column(0).name()) && rows.count(pairs->column(1).name())) {
    // A file without a header would silently lose its first pair.
    return Status::InvalidInput(FormatLocation(path, 1, 1, "the first line holds two record ids, not a header"),
                                "start the file with a header row, e.g. id_l,id_r");
  }
  const Column& left = pairs->column(0);
  const Column& right = pairs->column(1);
  std::vector<Edge> edges;
  for (RowId p = 0; p < pairs->num_rows(); ++p) {
    const auto a = rows.find(std::string(left.Get(p)));
    const auto b = rows.find(std::string(right.Get(p)));
    if (a == rows.end() || b == rows.end()) {
      const bool first = a == rows.end();
      return Status::InvalidInput(
          FormatLocation(path, pairs->line(p), first ? 1 : left.Get(p).size() + 2,
                         "record id '" + std::string(first ? left.Get(p) : right.Get(p)) + "' not found in the inputs"),
          "use SOURCE:ID when ids repeat across sources");
    }
    if (a->second != b->second) edges.push_back({std::min(a->second, b->second), std::max(a->second, b->second), 0});
  }
  return ConnectedComponents(input.table.num_rows(), edges);
}

Result<std::vector<LabeledPair>> ReadLabeledPairs(const LoadedInput& input, const std::string& path) {
  ReadOptions options;
  options.format = InputFormat::kCsv;
  Result<RecordTable> pairs = ReadInput(path, "labels", options, nullptr);
  if (!pairs.ok()) return pairs.status();
  if (pairs->num_columns() < 3) {
    return Status::InvalidInput(FormatLocation(path, 1, 0, "expected three columns (id_l,id_r,match), found " +
                                                           std::to_string(pairs->num_columns())),
                                "write a header row, then one labeled pair per line: id_l,id_r,1 or id_l,id_r,0");
  }
  std::unordered_map<std::string, RowId> rows;
  for (RowId r = 0; r < input.table.num_rows(); ++r) {
    rows.emplace(std::string(input.Id(r)), r);
    rows.emplace(input.table.source_names()[input.table.source(r)] + ":" + std::string(input.Id(r)), r);
  }
  const Column& left = pairs->column(0);
  const Column& right = pairs->column(1);
  const Column& label = pairs->column(2);
  std::vector<LabeledPair> out;
  for (RowId p = 0; p < pairs->num_rows(); ++p) {
    const auto a = rows.find(std::string(left.Get(p)));
    const auto b = rows.find(std::string(right.Get(p)));
    if (a == rows.end() || b == rows.end()) {
      const bool first = a == rows.end();
      return Status::InvalidInput(
          FormatLocation(path, pairs->line(p), first ? 1 : left.Get(p).size() + 2,
                         "record id '" + std::string(first ? left.Get(p) : right.Get(p)) + "' not found in the inputs"),
          "use SOURCE:ID when ids repeat across sources");
    }
    const size_t label_column = left.Get(p).size() + right.Get(p).size() + 3;
    if (a->second == b->second) {
      return Status::InvalidInput(FormatLocation(path, pairs->line(p), 1, "a record paired with itself"));
    }
    std::string v(label.IsNull(p) ? std::string_view() : label.Get(p));
    for (char& ch : v) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    bool match;
    if (v == "1" || v == "true" || v == "yes" || v == "match") {
      match = true;
    } else if (v == "0" || v == "false" || v == "no" || v == "non-match" || v == "nonmatch") {
      match = false;
    } else {
      return Status::InvalidInput(FormatLocation(path, pairs->line(p), label_column,
                                                 "label '" + v + "' is not 1/0, true/false, yes/no or match/non-match"));
    }
    out.push_back({std::min(a->second, b->second), std::max(a->second, b->second), match});
  }
  return out;
}

RunEvaluation EvaluateRun(const LoadedInput& input, const Rules& rules, const RunResult& result,
                          const std::vector<uint32_t>& truth) {
  RunEvaluation e;
  std::vector<uint16_t> sources(input.table.num_rows());
  for (RowId r = 0; r < input.table.num_rows(); ++r) sources[r] = input.table.source(r);
  e.clusters = EvaluateClusters(result.labels, truth);
  if (rules.link_type == LinkType::kLink) {
    e.has_cross_source = true;
    e.cross_source = EvaluateClustersCrossSource(result.labels, truth, sources).pairwise;
  }
  const double true_pairs =
      static_cast<double>(e.has_cross_source ? e.cross_source.true_pairs : e.clusters.pairwise.true_pairs);
  e.blocking_recall = true_pairs > 0 ? result.truth.true_candidates / true_pairs : 1.0;
  for (uint64_t t : result.truth.rule_true_covered) e.rule_recall.push_back(true_pairs > 0 ? t / true_pairs : 1.0);
  e.reduction_ratio =
      result.total_pairs > 0 ? 1.0 - static_cast<double>(result.candidate_pairs) / result.total_pairs : 0;
  return e;
}

}  // namespace reclink
