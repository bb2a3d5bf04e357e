// Output files' content: clusters.csv, pairs.csv and rejects.csv, written to a FileWriter (the
// caller's OutputSet or AtomicFile makes them appear whole).
#include <atomic>
#include <cstdio>

#include "reclink/csv_writer.h"
#include "reclink/ordered_write.h"
#include "reclink/parallel.h"
#include "reclink/pipeline.h"

namespace reclink {

std::vector<std::string> ClusterIds(const LoadedInput& input, const std::vector<uint32_t>& labels,
                                    uint64_t clusters, bool with_source) {
  const RecordTable& table = input.table;
  // Each cluster's least member by (source name, id), then row (a strict total order, so the
  // least is the same whichever thread finds it first): an atomic minimum per cluster, on every
  // thread.
  auto less = [&](RowId x, RowId y) {
    if (table.source(x) != table.source(y)) {
      return table.source_names()[table.source(x)] < table.source_names()[table.source(y)];
    }
    const std::string_view ix = input.Id(x), iy = input.Id(y);
    return ix != iy ? ix < iy : x < y;
  };
  constexpr RowId kNone = static_cast<RowId>(-1);
  std::vector<std::atomic<RowId>> best(clusters);
  ParallelFor(size_t{0}, best.size(), [&](size_t c) { best[c].store(kNone, std::memory_order_relaxed); });
  ParallelFor(size_t{0}, static_cast<size_t>(table.num_rows()), [&](size_t i) {
    const RowId r = static_cast<RowId>(i);
    std::atomic<RowId>& b = best[labels[r]];
    RowId now = b.load(std::memory_order_relaxed);
    while ((now == kNone || less(r, now)) && !b.compare_exchange_weak(now, r, std::memory_order_relaxed)) {
    }
  });
  std::vector<std::string> ids(clusters);
  ParallelFor(size_t{0}, static_cast<size_t>(clusters), [&](size_t c) {
    const RowId r = best[c].load(std::memory_order_relaxed);
    ids[c] = with_source ? table.source_names()[table.source(r)] + ":" + std::string(input.Id(r))
                         : std::string(input.Id(r));
  });
  return ids;
}

void AppendRecordCells(std::string& buf, const LoadedInput& input, RowId r, const std::string& cluster_id,
                       bool with_source) {
  if (with_source) {
    AppendCsvField(buf, input.table.source_names()[input.table.source(r)]);
    buf += ',';
  }
  AppendCsvField(buf, input.Id(r));
  buf += ',';
  AppendCsvField(buf, cluster_id);
}

void WriteClustersCsv(const LoadedInput& input, const RunResult& result, const std::vector<std::string>& ids,
                      bool with_source, FileWriter& out) {
  out.Write(with_source ? "source,record_id,cluster_id\n" : "record_id,cluster_id\n");
  WriteRowsInOrder(input.table.num_rows(), out, [&](size_t begin, size_t end, std::string& buf) {
    for (size_t r = begin; r < end; ++r) {
      AppendRecordCells(buf, input, static_cast<RowId>(r), ids[result.labels[r]], with_source);
      buf += '\n';
    }
  });
}

void WritePairsCsv(const LoadedInput& input, const RunResult& result, FileWriter& out) {
  const RecordTable& table = input.table;
  const bool multi = table.source_names().size() > 1;
  std::string buf = multi ? "source_l,id_l,source_r,id_r" : "id_l,id_r";
  buf += ",match_weight,match_probability";
  for (const ComparisonParams& cp : result.model.comparisons) buf += ",gamma_" + cp.name;
  buf += '\n';
  char num[64];
  for (const ScoredPair& p : result.pairs) {
    if (multi) buf += CsvQuote(table.source_names()[table.source(p.a)]) + ",";
    buf += CsvQuote(input.Id(p.a)) + ",";
    if (multi) buf += CsvQuote(table.source_names()[table.source(p.b)]) + ",";
    buf += CsvQuote(input.Id(p.b));
    std::snprintf(num, sizeof num, ",%.6f,%.8f", p.weight, result.model.Probability(p.weight));
    buf += num;
    // Gamma as Splink writes it: -1 null, then the highest number for the strictest level.
    for (size_t c = 0; c < p.gamma.size(); ++c) {
      const int levels = static_cast<int>(result.model.comparisons[c].levels.size());
      const int g = p.gamma[c] == 0 ? -1 : levels - 1 - p.gamma[c];
      buf += "," + std::to_string(g);
    }
    buf += '\n';
    if (buf.size() > (1 << 20)) {
      out.Write(buf);
      buf.clear();
    }
  }
  out.Write(buf);
}

void WriteChangesCsv(const std::vector<IdentityChange>& changes, FileWriter& out) {
  std::string buf = "identity_id,change,other_identity,records_before,records_after,records_added,records_removed\n";
  for (const IdentityChange& c : changes) {
    AppendCsvField(buf, c.id);
    buf += ',';
    buf += IdentityChangeName(c.kind);
    buf += ',';
    AppendCsvField(buf, c.other);
    buf += ',' + std::to_string(c.records_before) + ',' + std::to_string(c.records_after) + ',' +
           std::to_string(c.records_added) + ',' + std::to_string(c.records_removed) + '\n';
    if (buf.size() > (1 << 20)) {
      out.Write(buf);
      buf.clear();
    }
  }
  out.Write(buf);
}

std::pair<std::string_view, std::string_view> SplitRecordKey(
    std::string_view key, const std::vector<std::string>& source_names) {
  size_t cut = std::string_view::npos;
  for (const std::string& name : source_names) {
    if (key.size() > name.size() && key[name.size()] == ':' && key.starts_with(name) &&
        (cut == std::string_view::npos || name.size() > cut)) {
      cut = name.size();
    }
  }
  if (cut == std::string_view::npos) cut = key.find(':');
  if (cut == std::string_view::npos) return {std::string_view(), key};
  return {key.substr(0, cut), key.substr(cut + 1)};
}

void WriteClustersChangedCsv(const std::vector<RecordIdentityChange>& changes, bool with_source,
                             const std::vector<std::string>& source_names, FileWriter& out) {
  std::string buf = with_source ? "source,record_id,cluster_id,change,previous_cluster_id\n"
                                : "record_id,cluster_id,change,previous_cluster_id\n";
  for (const RecordIdentityChange& c : changes) {
    if (with_source) {
      const auto [source, id] = SplitRecordKey(c.key, source_names);
      AppendCsvField(buf, source);
      buf += ',';
      AppendCsvField(buf, id);
    } else {
      AppendCsvField(buf, c.key);
    }
    buf += ',';
    AppendCsvField(buf, c.identity);
    buf += ',';
    buf += c.kind();
    buf += ',';
    AppendCsvField(buf, c.previous);
    buf += '\n';
    if (buf.size() > (1 << 20)) {
      out.Write(buf);
      buf.clear();
    }
  }
  out.Write(buf);
}

void WriteRejectsCsv(const std::vector<BadRecord>& rejects, FileWriter& out) {
  std::string buf = "file,line,column,reason,raw\n";
  for (const BadRecord& b : rejects) {
    AppendCsvField(buf, b.file);
    buf += ',' + std::to_string(b.line) + ',' + std::to_string(b.column) + ',';
    AppendCsvField(buf, b.reason);
    buf += ',';
    AppendCsvField(buf, b.raw);
    buf += '\n';
    if (buf.size() > (1 << 20)) {
      out.Write(buf);
      buf.clear();
    }
  }
  out.Write(buf);
}

}  // namespace reclink
