// Output files: clusters.csv, pairs.csv and text files, each written to a temporary name and
// renamed when complete, so a reader never sees half a file.
#include <cstdio>
#include <fstream>

#include "reclink/json_writer.h"
#include "reclink/pipeline.h"

namespace reclink {

std::string CsvQuote(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

namespace {

Status Commit(const std::string& tmp, const std::string& path, bool ok) {
  if (!ok) {
    std::remove(tmp.c_str());
    return Status::IoError(path + ": error: cannot write the file", "check that --out is writable and the disk has room");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::IoError(path + ": error: cannot rename " + tmp + " to it");
  }
  return Status::Ok();
}

}  // namespace

Status WriteTextFile(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  std::ofstream out(tmp, std::ios::binary);
  out << text;
  out.close();
  return Commit(tmp, path, static_cast<bool>(out));
}

std::vector<std::string> ClusterIds(const LoadedInput& input, const std::vector<uint32_t>& labels,
                                    uint64_t clusters, bool with_source) {
  const RecordTable& table = input.table;
  std::vector<int64_t> best(clusters, -1);
  auto less = [&](RowId x, RowId y) {
    if (table.source(x) != table.source(y)) {
      return table.source_names()[table.source(x)] < table.source_names()[table.source(y)];
    }
    return input.Id(x) < input.Id(y);
  };
  for (RowId r = 0; r < table.num_rows(); ++r) {
    int64_t& b = best[labels[r]];
    if (b < 0 || less(r, static_cast<RowId>(b))) b = r;
  }
  std::vector<std::string> ids(clusters);
  for (uint64_t c = 0; c < clusters; ++c) {
    const RowId r = static_cast<RowId>(best[c]);
    ids[c] = with_source ? table.source_names()[table.source(r)] + ":" + std::string(input.Id(r))
                         : std::string(input.Id(r));
  }
  return ids;
}

Status WriteClustersCsv(const LoadedInput& input, const RunResult& result, bool with_source,
                        const std::string& path) {
  const RecordTable& table = input.table;
  const std::vector<std::string> ids = ClusterIds(input, result.labels, result.clusters, with_source);
  const std::string tmp = path + ".tmp";
  std::ofstream out(tmp, std::ios::binary);
  std::string buf = with_source ? "source,record_id,cluster_id\n" : "record_id,cluster_id\n";
  for (RowId r = 0; r < table.num_rows(); ++r) {
    if (with_source) {
      buf += CsvQuote(table.source_names()[table.source(r)]);
      buf += ',';
    }
    buf += CsvQuote(input.Id(r));
    buf += ',';
    buf += CsvQuote(ids[result.labels[r]]);
    buf += '\n';
    if (buf.size() > (1 << 20)) {
      out << buf;
      buf.clear();
    }
  }
  out << buf;
  out.close();
  return Commit(tmp, path, static_cast<bool>(out));
}

Status WritePairsCsv(const LoadedInput& input, const RunResult& result, const std::string& path) {
  const RecordTable& table = input.table;
  const bool multi = table.source_names().size() > 1;
  const std::string tmp = path + ".tmp";
  std::ofstream out(tmp, std::ios::binary);
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
    std::snprintf(num, sizeof num, ",%.6f,%.8f", p.weight, ProbabilityFromWeight(p.weight));
    buf += num;
    // Gamma as Splink writes it: -1 null, then the highest number for the strictest level.
    for (size_t c = 0; c < p.gamma.size(); ++c) {
      const int levels = static_cast<int>(result.model.comparisons[c].levels.size());
      const int g = p.gamma[c] == 0 ? -1 : levels - 1 - p.gamma[c];
      buf += "," + std::to_string(g);
    }
    buf += '\n';
    if (buf.size() > (1 << 20)) {
      out << buf;
      buf.clear();
    }
  }
  out << buf;
  out.close();
  return Commit(tmp, path, static_cast<bool>(out));
}

}  // namespace reclink
