// Golden records: survivorship per identity and field, and the members file.
#include "reclink/golden.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>

#include "reclink/csv_writer.h"
#include "reclink/json_writer.h"
#include "reclink/parallel.h"
#include "reclink/run_state.h"

namespace reclink {
namespace {

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (char ch : s) n += (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
  return n;
}

// A timestamp as a number when the whole text is one (epoch seconds, say), else NaN: numbers
// compare as numbers, anything else (ISO 8601 dates and times) by bytes.
double AsNumber(std::string_view s) {
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && end == s.data() + s.size() ? v : std::nan("");
}
// Whether timestamp x is later than y.
bool Later(std::string_view x, std::string_view y) {
  const double a = AsNumber(x), b = AsNumber(y);
  if (!std::isnan(a) && !std::isnan(b)) return a > b;
  return x > y;
}

// The most frequent of values (ties: the smallest by bytes); values must be non-empty.
std::string_view MostFrequent(std::vector<std::string_view> values) {
  std::sort(values.begin(), values.end());
  std::string_view best;
  size_t best_count = 0;
  for (size_t i = 0; i < values.size();) {
    size_t j = i;
    while (j < values.size() && values[j] == values[i]) ++j;
    if (j - i > best_count) {
      best = values[i];
      best_count = j - i;
    }
    i = j;
  }
  return best;
}

}  // namespace

std::set<int> GoldenRecordColumns(const Rules& rules, const RecordTable& table) {
  std::set<int> out;
  if (!rules.survivorship) return out;
  for (const std::string& source : table.source_names()) {
    if (!rules.survivorship->normalized) {
      for (const FieldSpec& f : rules.fields) {
        const int c = table.FindColumn(f.ColumnFor(source));
        if (c >= 0) out.insert(c);
      }
    }
    const std::string& ts = rules.survivorship->TimestampFor(source);
    if (!ts.empty() && table.FindColumn(ts) >= 0) out.insert(table.FindColumn(ts));
  }
  return out;
}

std::string SurvivorValuesSpec(const Rules& rules) {
  if (!rules.survivorship) return "";
  const SurvivorshipSpec& spec = *rules.survivorship;
  // "raw-nonnull": raw values whose field the rules read as null are null (states written before
  // kept them, so their values are not reused).
  std::string out = spec.normalized ? "values=normalized" : "values=raw-nonnull";
  out += ";timestamp=" + std::to_string(spec.timestamp.size()) + ":" + spec.timestamp;
  for (const auto& [source, column] : spec.timestamps) {
    out += ";" + std::to_string(source.size()) + ":" + source + "=" + std::to_string(column.size()) + ":" + column;
  }
  return out;
}

SurvivorValues CollectSurvivorValues(const Rules& rules, const LoadedInput& input, const std::vector<Column>& fields,
                                     const std::vector<uint32_t>* rows) {
  SurvivorValues out;
  if (!rules.survivorship) return out;
  const SurvivorshipSpec& spec = *rules.survivorship;
  const RecordTable& table = input.table;
  const size_t n = rows ? rows->size() : table.num_rows(), nf = rules.fields.size();
  const size_t nsrc = table.source_names().size();
  auto row = [&](size_t i) { return rows ? (*rows)[i] : static_cast<RowId>(i); };
  out.spec = SurvivorValuesSpec(rules);
  // The names of the sources these rows come from, sorted (as an incremental night merges them).
  std::vector<uint8_t> used(nsrc, 0);
  for (size_t i = 0; i < n; ++i) used[table.source(row(i))] = 1;
  for (size_t s = 0; s < nsrc; ++s) {
    if (used[s]) out.source_names.push_back(table.source_names()[s]);
  }
  std::sort(out.source_names.begin(), out.source_names.end());
  // Per input source: its sorted index, its fields' columns and its timestamp column.
  std::vector<uint32_t> index(nsrc);
  std::vector<std::vector<int>> column(nsrc, std::vector<int>(nf, -1));
  std::vector<int> timestamp(nsrc, -1);
  for (size_t s = 0; s < nsrc; ++s) {
    const std::string& name = table.source_names()[s];
    index[s] = static_cast<uint32_t>(std::lower_bound(out.source_names.begin(), out.source_names.end(), name) -
                                     out.source_names.begin());
    for (size_t f = 0; f < nf; ++f) column[s][f] = table.FindColumn(rules.fields[f].ColumnFor(name));
    const std::string& ts = spec.TimestampFor(name);
    if (!ts.empty()) timestamp[s] = table.FindColumn(ts);
  }
  out.source_of.resize(n);
  for (size_t i = 0; i < n; ++i) out.source_of[i] = index[table.source(row(i))];
  // `derived`: the field whose null rows stay null (nullptr: none).
  auto gather = [&](const std::string& name, const std::vector<int>& per_source, const Column* derived) {
    Column col(name);
    for (size_t i = 0; i < n; ++i) {
      const RowId r = row(i);
      const int c = per_source[table.source(r)];
      if (c < 0 || table.column(c).IsNull(r) || (derived != nullptr && derived->IsNull(r))) col.AppendNull();
      else col.Append(table.column(c).Get(r));
    }
    return col;
  };
  if (!spec.normalized) {
    for (size_t f = 0; f < nf; ++f) {
      std::vector<int> per_source(nsrc);
      for (size_t s = 0; s < nsrc; ++s) per_source[s] = column[s][f];
      out.raw.push_back(gather(rules.fields[f].name, per_source, f < fields.size() ? &fields[f] : nullptr));
    }
  }
  out.timestamps = gather("timestamp", timestamp, nullptr);
  return out;
}

GoldenRecords BuildGoldenRecords(const Rules& rules, const LoadedInput& input, const RunResult& result) {
  static const std::vector<Column> kNoFields;  // a run that kept no fields: raw values as read
  const SurvivorValues values = CollectSurvivorValues(rules, input, result.fields ? result.fields->fields : kNoFields, nullptr);
  const std::vector<std::string> keys = RecordKeys(input, rules);
  const StringTable views(std::vector<std::string_view>(keys.begin(), keys.end()));
  return BuildGoldenRecords(rules, values, result.fields ? &result.fields->fields : nullptr, views, result.labels,
                            result.clusters);
}

GoldenRecords BuildGoldenRecords(const Rules& rules, const SurvivorValues& sv,
                                 const std::vector<Column>* fields, const StringTable& keys,
                                 const std::vector<uint32_t>& labels, uint64_t clusters) {
  const SurvivorshipSpec& spec = *rules.survivorship;
  const size_t n = sv.size(), nf = rules.fields.size(), nsrc = sv.source_names.size();
  GoldenRecords g;
  for (const FieldSpec& f : rules.fields) g.fields.push_back(f.name);
  // Each source's rank in source_priority; unlisted ones after, by name (the names are sorted).
  std::vector<size_t> priority(nsrc);
  for (size_t s = 0, unlisted = 0; s < nsrc; ++s) {
    auto it = std::find(spec.source_priority.begin(), spec.source_priority.end(), sv.source_names[s]);
    priority[s] = static_cast<size_t>(it - spec.source_priority.begin());
    if (priority[s] == spec.source_priority.size()) priority[s] += unlisted++;
  }
  auto value = [&](size_t f, RowId r, std::string_view* out) {
    const Column& col = spec.normalized ? (*fields)[f] : sv.raw[f];
    if (col.IsNull(r)) return false;
    *out = col.Get(r);
    return !out->empty();
  };

  // Members of each cluster, in record-key order (so first_non_null and every tie ignore row order).
  std::vector<uint64_t> start(clusters + 1, 0);
  for (RowId r = 0; r < n; ++r) ++start[labels[r] + 1];
  for (uint64_t c = 0; c < clusters; ++c) start[c + 1] += start[c];
  std::vector<RowId> members(n);
  {
    std::vector<uint64_t> fill(start.begin(), start.end() - 1);
    for (RowId r = 0; r < n; ++r) members[fill[labels[r]]++] = r;
  }
  g.records.resize(clusters);
  g.sources.resize(clusters);
  g.values.assign(clusters, std::vector<std::string>(nf));
  g.has_value.assign(clusters, std::vector<bool>(nf, false));
  ParallelFor(uint64_t{0}, clusters, [&](uint64_t c) {
    RowId* first = members.data() + start[c];
    RowId* last = members.data() + start[c + 1];
    std::sort(first, last, [&](RowId x, RowId y) { return keys[x] < keys[y]; });
    g.records[c] = static_cast<uint64_t>(last - first);
    std::vector<std::string_view> names;
    for (RowId* m = first; m != last; ++m) names.push_back(sv.source_names[sv.source_of[*m]]);
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    for (size_t i = 0; i < names.size(); ++i) g.sources[c] += (i ? ";" : "") + std::string(names[i]);
    std::vector<std::string_view> pool;
    for (size_t f = 0; f < nf; ++f) {
      std::string_view v, chosen;
      pool.clear();
      const SurvivorRule rule = spec.RuleFor(rules.fields[f].name);
      if (rule == SurvivorRule::kFirstNonNull) {
        for (RowId* m = first; m != last && pool.empty(); ++m) {
          if (value(f, *m, &v)) pool.push_back(v);
        }
      } else if (rule == SurvivorRule::kMostRecent) {
        // The values carrying the latest timestamp; members without one count only when none has one.
        std::string_view latest;
        bool any_time = false;
        for (RowId* m = first; m != last; ++m) {
          if (!value(f, *m, &v)) continue;
          const bool timed = !sv.timestamps.IsNull(*m) && !sv.timestamps.Get(*m).empty();
          if (!timed) {
            if (!any_time) pool.push_back(v);
            continue;
          }
          const std::string_view t = sv.timestamps.Get(*m);
          if (!any_time || Later(t, latest)) {
            pool.clear();
            latest = t;
            any_time = true;
          }
          if (!Later(latest, t)) pool.push_back(v);  // as late as the latest
        }
      } else if (rule == SurvivorRule::kSourcePriority) {
        size_t best = ~size_t{0};
        for (RowId* m = first; m != last; ++m) {
          if (!value(f, *m, &v)) continue;
          const size_t p = priority[sv.source_of[*m]];
          if (p < best) {
            pool.clear();
            best = p;
          }
          if (p == best) pool.push_back(v);
        }
      } else if (rule == SurvivorRule::kLongest) {
        size_t longest = 0;
        for (RowId* m = first; m != last; ++m) {
          if (!value(f, *m, &v)) continue;
          const size_t len = CodePoints(v);
          if (len > longest) {
            pool.clear();
            longest = len;
          }
          if (len == longest) pool.push_back(v);
        }
      } else {
        for (RowId* m = first; m != last; ++m) {
          if (value(f, *m, &v)) pool.push_back(v);
        }
      }
      if (pool.empty()) continue;
      chosen = MostFrequent(pool);  // among the rule's candidates: the most frequent, then the smallest
      g.values[c][f] = std::string(chosen);
      g.has_value[c][f] = true;
    }
  });
  return g;
}

namespace {
// Clusters in identity-id order.
std::vector<uint64_t> ById(const std::vector<std::string>& cluster_ids) {
  std::vector<uint64_t> order(cluster_ids.size());
  for (uint64_t c = 0; c < order.size(); ++c) order[c] = c;
  std::sort(order.begin(), order.end(), [&](uint64_t x, uint64_t y) { return cluster_ids[x] < cluster_ids[y]; });
  return order;
}
void FlushIfLarge(std::string& buf, FileWriter& out) {
  if (buf.size() > (1 << 20)) {
    out.Write(buf);
    buf.clear();
  }
}
}  // namespace

void WriteIdentitiesCsv(const GoldenRecords& g, const std::vector<std::string>& cluster_ids, FileWriter& out) {
  std::string buf = "identity_id,records,sources";
  for (const std::string& f : g.fields) {
    buf += ',';
    AppendCsvField(buf, f);
  }
  buf += '\n';
  for (uint64_t c : ById(cluster_ids)) {
    AppendCsvField(buf, cluster_ids[c]);
    buf += ',' + std::to_string(g.records[c]) + ',';
    AppendCsvField(buf, g.sources[c]);
    for (size_t f = 0; f < g.fields.size(); ++f) {
      buf += ',';
      AppendCsvField(buf, g.values[c][f]);
    }
    buf += '\n';
    FlushIfLarge(buf, out);
  }
  out.Write(buf);
}

void WriteIdentitiesJsonl(const GoldenRecords& g, const std::vector<std::string>& cluster_ids, FileWriter& out) {
  std::string buf;
  JsonWriter w;
  for (uint64_t c : ById(cluster_ids)) {
    w.BeginObject();
    w.Member("identity_id", cluster_ids[c]);
    w.Member("records", g.records[c]);
    w.Key("sources");
    w.BeginArray();
    std::string_view rest = g.sources[c];
    while (!rest.empty()) {
      const size_t semi = rest.find(';');
      w.Value(rest.substr(0, semi));
      rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
    }
    w.EndArray();
    w.Key("fields");
    w.BeginObject();
    for (size_t f = 0; f < g.fields.size(); ++f) {
      w.Key(g.fields[f]);
      if (g.has_value[c][f]) {
        w.Value(g.values[c][f]);
      } else {
        w.Null();
      }
    }
    w.EndObject();
    w.EndObject();
    buf += w.Take();
    buf += '\n';
    FlushIfLarge(buf, out);
  }
  out.Write(buf);
}

void WriteMembersRows(const Rules& rules, const Model& model, size_t n, const std::function<void(std::string&, uint32_t)>& lead,
                      bool with_source, const std::vector<Edge>& edges, const std::vector<uint32_t>& labels,
                      const std::vector<Column>& fields, const std::vector<std::string>& cluster_ids, FileWriter& out) {
  std::vector<double> best(n, -INFINITY);
  for (const Edge& e : edges) {
    best[e.a] = std::max(best[e.a], e.weight);
    best[e.b] = std::max(best[e.b], e.weight);
  }
  std::string buf = with_source ? "source,record_id" : "record_id";
  buf += ",identity_id,best_link_probability";
  for (const FieldSpec& f : rules.fields) {
    buf += ',';
    AppendCsvField(buf, f.name);
  }
  buf += '\n';
  char num[32];
  for (RowId r = 0; r < n; ++r) {
    lead(buf, r);
    buf += ',';
    AppendCsvField(buf, cluster_ids[labels[r]]);
    buf += ',';
    if (best[r] > -INFINITY) {
      std::snprintf(num, sizeof num, "%.8f", model.Probability(best[r]));
      buf += num;
    }
    for (const Column& col : fields) {
      buf += ',';
      if (!col.IsNull(r)) AppendCsvField(buf, col.Get(r));
    }
    buf += '\n';
    FlushIfLarge(buf, out);
  }
  out.Write(buf);
}

void WriteMembersCsv(const LoadedInput& input, const Rules& rules, const RunResult& result,
                     const std::vector<std::string>& cluster_ids, bool with_source, FileWriter& out) {
  const RecordTable& table = input.table;
  auto lead = [&](std::string& buf, uint32_t r) {
    if (with_source) {
      AppendCsvField(buf, table.source_names()[table.source(r)]);
      buf += ',';
    }
    AppendCsvField(buf, input.Id(r));
  };
  WriteMembersRows(rules, result.model, table.num_rows(), lead, with_source, result.edges, result.labels, result.fields->fields,
                   cluster_ids, out);
}

}  // namespace reclink
