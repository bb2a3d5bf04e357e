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

namespace {

// A CSV of record-id pairs (header row first) with at least `columns` columns, and every record
// by id and by SOURCE:ID.
struct PairsFile {
  RecordTable table;
  std::unordered_map<std::string, RowId> rows;
};
Result<PairsFile> ReadPairsFile(const LoadedInput& input, const std::string& path, size_t columns,
                                const std::string& expected, const std::string& hint) {
  ReadOptions options;
  options.format = InputFormat::kCsv;
  Result<RecordTable> pairs = ReadInput(path, "pairs", options, nullptr);
  if (!pairs.ok()) return pairs.status();
  if (pairs->num_columns() < columns) {
    return Status::InvalidInput(FormatLocation(path, 1, 0, "expected " + expected + ", found " +
                                                           std::to_string(pairs->num_columns())),
                                hint);
  }
  PairsFile f{std::move(pairs.value()), {}};
  for (RowId r = 0; r < input.table.num_rows(); ++r) {
    f.rows.emplace(std::string(input.Id(r)), r);
    f.rows.emplace(input.table.source_names()[input.table.source(r)] + ":" + std::string(input.Id(r)), r);
  }
  return f;
}

// The two records of pair p, or an error at the unknown id's line and column.
Result<std::pair<RowId, RowId>> PairRows(const PairsFile& f, const std::string& path, RowId p) {
  const Column& left = f.table.column(0);
  const Column& right = f.table.column(1);
  const auto a = f.rows.find(std::string(left.Get(p)));
  const auto b = f.rows.find(std::string(right.Get(p)));
  if (a == f.rows.end() || b == f.rows.end()) {
    const bool first = a == f.rows.end();
    return Status::InvalidInput(
        FormatLocation(path, f.table.line(p), first ? 1 : left.Get(p).size() + 2,
                       "record id '" + std::string(first ? left.Get(p) : right.Get(p)) + "' not found in the inputs"),
        "use SOURCE:ID when ids repeat across sources");
  }
  return std::pair{a->second, b->second};
}

}  // namespace

Result<std::vector<uint32_t>> TruthFromPairs(const LoadedInput& input, const std::string& path) {
  Result<PairsFile> file = ReadPairsFile(input, path, 2, "two columns of record ids (id_l,id_r)",
                                         "write a header row, then one matching pair per line: id_l,id_r");
  if (!file.ok()) return file.status();
  const RecordTable* pairs = &file->table;
  const std::unordered_map<std::string, RowId>& rows = file->rows;
  if (rows.count(pairs->column(0).name()) && rows.count(pairs->column(1).name())) {
    // A file without a header would silently lose its first pair.
    return Status::InvalidInput(FormatLocation(path, 1, 1, "the first line holds two record ids, not a header"),
                                "start the file with a header row, e.g. id_l,id_r");
  }
  std::vector<Edge> edges;
  for (RowId p = 0; p < pairs->num_rows(); ++p) {
    Result<std::pair<RowId, RowId>> ab = PairRows(*file, path, p);
    if (!ab.ok()) return ab.status();
    const auto [a, b] = ab.value();
    if (a != b) edges.push_back({std::min(a, b), std::max(a, b), 0});
  }
  return ConnectedComponents(input.table.num_rows(), edges);
}

Result<std::vector<LabeledPair>> ReadLabeledPairs(const LoadedInput& input, const std::string& path) {
  Result<PairsFile> file = ReadPairsFile(input, path, 3, "three columns (id_l,id_r,match)",
                                         "write a header row, then one labeled pair per line: id_l,id_r,1 or id_l,id_r,0");
  if (!file.ok()) return file.status();
  const RecordTable& pairs = file->table;
  std::vector<LabeledPair> out;
  for (RowId p = 0; p < pairs.num_rows(); ++p) {
    Result<std::pair<RowId, RowId>> ab = PairRows(*file, path, p);
    if (!ab.ok()) return ab.status();
    const auto [a, b] = ab.value();
    if (a == b) return Status::InvalidInput(FormatLocation(path, pairs.line(p), 1, "a record paired with itself"));
    const Column& label = pairs.column(2);
    std::string v(label.IsNull(p) ? std::string_view() : label.Get(p));
    for (char& ch : v) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    bool match;
    if (v == "1" || v == "true" || v == "yes" || v == "match") {
      match = true;
    } else if (v == "0" || v == "false" || v == "no" || v == "non-match" || v == "nonmatch") {
      match = false;
    } else {
      const size_t column = pairs.column(0).Get(p).size() + pairs.column(1).Get(p).size() + 3;
      return Status::InvalidInput(FormatLocation(path, pairs.line(p), column,
                                                 "label '" + v + "' is not 1/0, true/false, yes/no or match/non-match"));
    }
    out.push_back({std::min(a, b), std::max(a, b), match});
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
