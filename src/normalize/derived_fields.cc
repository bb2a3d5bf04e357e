// DeriveFields: every rules field normalized once per record, in parallel over row ranges; and
// the rules' normalizer chains checked (CheckFieldNormalizers).
#include "reclink/derived_fields.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "reclink/normalize.h"
#include "reclink/parallel.h"

namespace reclink {

Status CheckFieldNormalizers(const Rules& rules) {
  const std::vector<std::string_view> known = KnownNormalizers();
  std::string list;
  for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
  for (const FieldSpec& f : rules.fields) {
    for (size_t i = 0; i < f.normalize.size(); ++i) {
      const std::string& name = f.normalize[i];
      if (IsKnownNormalizer(name)) continue;
      const FieldSpec::Position at = i < f.normalize_at.size() ? f.normalize_at[i] : FieldSpec::Position{f.line, 1};
      const std::string best = ClosestName(name, known);
      return Status::Usage(FormatLocation(rules.path, at.line, at.column,
                                          "unknown normalizer \"" + Excerpt(name) + "\" in " + f.where +
                                              "; expected one of: " + list),
                           (best.empty() ? std::string() : "did you mean '" + best + "'? ") +
                               "phonetic codes (soundex, metaphone, nysiis) are blocking-key functions, e.g. "
                               "keys = [\"soundex(" + f.name + ")\"]");
    }
    // Each chain must build with the options it gets: the field's, and each source's own.
    std::set<std::pair<std::string, DateOrder>> options = {{f.phone_country_code, f.date_order}};
    for (const auto& [source, code] : f.country_codes) options.insert({code, f.DateOrderFor(source)});
    for (const auto& [source, order] : f.date_orders) options.insert({f.CountryCodeFor(source), order});
    for (const auto& [code, order] : options) {
      NormalizeOptions o;
      o.phone_country_code = code;
      o.date_order = order;
      Result<Normalizer> chain = Normalizer::Create(f.normalize, o);
      if (!chain.ok()) {
        return Status::Usage(
            FormatLocation(rules.path, f.line > 0 ? f.line : 1, 1, f.where + ": " + chain.status().message()),
            "see docs/rules.md for every normalizer and its options");
      }
    }
  }
  return Status::Ok();
}

Result<DerivedFields> DeriveFields(const Rules& rules, const RecordTable& table,
                                   const PlaceholderPlan* plan) {
  DerivedFields out;
  const size_t n = table.num_rows();
  // Rows of one source are contiguous (sources are appended one after another).
  struct Range {
    size_t begin, end;
    SourceId source;
  };
  std::vector<Range> source_ranges;
  for (size_t r = 0; r < n;) {
    size_t e = r;
    while (e < n && table.source(static_cast<RowId>(e)) == table.source(static_cast<RowId>(r))) ++e;
    source_ranges.push_back({r, e, table.source(static_cast<RowId>(r))});
    r = e;
  }
  std::atomic<uint64_t> unparseable{0}, unparseable_numbers{0};
  const size_t num_sources = table.source_names().size();
  const bool find_placeholders =
      plan != nullptr && plan->looks_like != nullptr && plan->known.empty();
  for (size_t field = 0; field < rules.fields.size(); ++field) {
    const FieldSpec& spec = rules.fields[field];
    // The plan's known placeholder values of this field (the first entry of a value counts it),
    // and a bit per length (bit k: one of k bytes, k < 63; bit 63: 63 or more) to skip the rest.
    static const std::vector<std::string> kNone;
    const std::vector<std::string>& known =
        plan != nullptr && field < plan->known.size() ? plan->known[field] : kNone;
    std::unordered_map<std::string_view, size_t> known_entry;
    uint64_t known_lengths = 0;
    for (size_t i = 0; i < known.size(); ++i) {
      known_entry.emplace(known[i], i);
      known_lengths |= uint64_t{1} << std::min<size_t>(known[i].size(), 63);
    }
    // Per source: the chain with the source's date order and phone country code, and its
    // placeholders, normalized like the values (an entry that normalizes to null needs no entry:
    // such values are null anyway). Sources with the same options share one chain.
    struct Chain {
      NormalizeOptions options;
      std::vector<std::string> nulls;
      Normalizer normalizer;
      std::unordered_set<std::string> placeholders;
    };
    std::vector<Chain> chains;
    std::vector<size_t> chain_of_source(num_sources);
    for (size_t s = 0; s < num_sources; ++s) {
      const std::string& source = table.source_names()[s];
      Chain c;
      c.options.phone_country_code = spec.CountryCodeFor(source);
      c.options.date_order = spec.DateOrderFor(source);
      c.nulls = spec.NullValuesFor(source);
      auto same = std::find_if(chains.begin(), chains.end(), [&](const Chain& o) {
        return o.options.phone_country_code == c.options.phone_country_code &&
               o.options.date_order == c.options.date_order && o.nulls == c.nulls;
      });
      if (same != chains.end()) {
        chain_of_source[s] = static_cast<size_t>(same - chains.begin());
        continue;
      }
      Result<Normalizer> normalizer = Normalizer::Create(spec.normalize, c.options);
      if (!normalizer.ok()) return normalizer.status();
      c.normalizer = std::move(normalizer.value());
      for (const std::string& v : c.nulls) {
        std::string normalized;
        if (c.normalizer.Apply(v, &normalized, nullptr)) c.placeholders.insert(std::move(normalized));
      }
      chain_of_source[s] = chains.size();
      chains.push_back(std::move(c));
    }
    std::atomic<uint64_t> placeholder_nulls{0};
    // Resolve the input column of each source range.
    std::vector<int> column_of_range;
    for (const Range& range : source_ranges) {
      const std::string& source = table.source_names()[range.source];
      const std::string& col = spec.ColumnFor(source);
      int c = table.FindColumn(col);
      if (c < 0) {
        return Status::Usage(
            FormatLocation(rules.path, spec.line, 0,
                           "field '" + spec.name + "' reads column '" + col +
                               "', which source '" + source + "' does not have"),
            "set [fields." + spec.name + "] column or columns = { " + source + " = \"...\" }");
      }
      column_of_range.push_back(c);
    }
    // Normalize in fixed row chunks, each into its own column, then concatenate in order.
    constexpr size_t kChunk = 1 << 15;
    const size_t chunks = (n + kChunk - 1) / kChunk;
    std::vector<Column> parts(chunks);
    // Per chunk and source: unparseable values (count, first sample, and whether dates or numbers).
    struct Bad {
      uint64_t count = 0;
      std::string sample;
      bool number = false;
    };
    std::vector<std::vector<Bad>> bad(chunks, std::vector<Bad>(num_sources));
    // Per chunk: the known placeholders' counts; the rows (of the chunk) whose values look like
    // placeholders, and those values counted.
    std::vector<std::vector<uint64_t>> known_counts(chunks);
    std::vector<std::vector<uint32_t>> lookalikes(chunks);
    std::vector<std::vector<std::pair<std::string_view, uint64_t>>> lookalike_counts(chunks);
    ParallelFor(size_t{0}, chunks, [&](size_t c) {
      NormalizeCounters counters;
      uint64_t placeholders_here = 0;
      std::string buf;
      NormalizeScratch scratch;  // per chunk of 32768 rows
      const size_t begin = c * kChunk, end = std::min(n, begin + kChunk);
      Column& part = parts[c];
      part.Reserve(end - begin, (end - begin) * 8);
      if (!known.empty()) known_counts[c].assign(known.size(), 0);
      size_t range = 0;
      while (source_ranges[range].end <= begin) ++range;
      for (size_t r = begin; r < end; ++r) {
        while (source_ranges[range].end <= r) ++range;
        const Column& in = table.column(static_cast<size_t>(column_of_range[range]));
        RowId row = static_cast<RowId>(r);
        const uint64_t dates_before = counters.unparseable_dates, numbers_before = counters.unparseable_numbers;
        const Chain& chain = chains[chain_of_source[source_ranges[range].source]];
        if (in.IsNull(row) || !chain.normalizer.Apply(in.Get(row), &buf, &counters, scratch)) {
          part.AppendNull();
          if (counters.unparseable_dates != dates_before || counters.unparseable_numbers != numbers_before) {
            Bad& b = bad[c][source_ranges[range].source];
            if (b.count++ == 0) {
              // At most 60 bytes, cut at a UTF-8 character boundary.
              std::string_view v = in.Get(row);
              if (v.size() > 60) {
                size_t cut = 60;
                while (cut > 0 && (static_cast<unsigned char>(v[cut]) & 0xC0) == 0x80) --cut;
                v = v.substr(0, cut);
              }
              b.sample = std::string(v);
              b.number = counters.unparseable_numbers != numbers_before;
            }
          }
        } else if (!chain.placeholders.empty() && chain.placeholders.count(buf) != 0) {
          part.AppendNull();
          ++placeholders_here;
        } else if (const auto it = ((known_lengths >> std::min<size_t>(buf.size(), 63)) & 1) != 0
                                       ? known_entry.find(buf)
                                       : known_entry.end();
                   it != known_entry.end()) {
          part.AppendNull();
          ++known_counts[c][it->second];
        } else {
          if (find_placeholders && plan->looks_like(buf))
            lookalikes[c].push_back(static_cast<uint32_t>(r - begin));
          part.Append(buf);
        }
      }
      if (!lookalikes[c].empty()) {
        // The chunk's lookalike values, counted (views of the part's text, whole from here on).
        std::vector<std::string_view> values;
        values.reserve(lookalikes[c].size());
        for (const uint32_t r : lookalikes[c]) values.push_back(part.Get(r));
        std::sort(values.begin(), values.end());
        for (size_t i = 0; i < values.size();) {
          size_t j = i;
          while (j < values.size() && values[j] == values[i]) ++j;
          lookalike_counts[c].emplace_back(values[i], j - i);
          i = j;
        }
      }
      unparseable.fetch_add(counters.unparseable_dates, std::memory_order_relaxed);
      unparseable_numbers.fetch_add(counters.unparseable_numbers, std::memory_order_relaxed);
      placeholder_nulls.fetch_add(placeholders_here, std::memory_order_relaxed);
    });
    // The placeholders read as null: the known ones (already null), or the lookalikes that
    // enough records hold, made null as the parts are joined.
    std::vector<std::pair<std::string, uint64_t>> read;
    std::vector<std::vector<uint32_t>> drop;
    if (!known.empty()) {
      for (size_t i = 0; i < known.size(); ++i) {
        uint64_t records = 0;
        for (const std::vector<uint64_t>& counts : known_counts) records += counts[i];
        read.emplace_back(known[i], records);
      }
    } else if (find_placeholders) {
      std::map<std::string_view, uint64_t> total;  // byte order: independent of the threads
      for (const auto& counts : lookalike_counts)
        for (const auto& [value, records] : counts) total[value] += records;
      std::unordered_set<std::string_view> kept;
      for (const auto& [value, records] : total) {
        if (records < plan->min_records) continue;
        kept.insert(value);
        read.emplace_back(std::string(value), records);
      }
      if (!kept.empty()) {
        drop.resize(chunks);
        ParallelFor(size_t{0}, chunks, [&](size_t c) {
          for (const uint32_t r : lookalikes[c]) {
            if (kept.count(parts[c].Get(r)) != 0) drop[c].push_back(r);
          }
        });
      }
    }
    if (plan != nullptr) out.placeholders_read.push_back(std::move(read));
    // Sized once, copied in parallel: no doubling copies, no freed buffers left in the heap.
    out.fields.push_back(
        Column::Concatenate(spec.name, std::move(parts), drop.empty() ? nullptr : &drop));
    // Under a memory limit each field goes to the table's spill area as soon as it is whole, so
    // that at most one field's values are in memory (docs/performance.md, "Memory limit").
    if (table.spill_area() != nullptr) RECLINK_RETURN_IF_ERROR(out.fields.back().SpillTo(*table.spill_area()));
    out.placeholder_nulls.push_back(placeholder_nulls.load());
    // Chunks in row order: the first chunk with a sample has the first value in row order.
    for (size_t s = 0; s < num_sources; ++s) {
      UnparseableValues u;
      for (size_t c = 0; c < chunks; ++c) {
        const Bad& b = bad[c][s];
        if (b.count == 0) continue;
        if (u.count == 0) {
          u.sample = b.sample;
          u.kind = b.number ? "number" : "date";
        }
        u.count += b.count;
      }
      if (u.count == 0) continue;
      u.field = spec.name;
      u.source = table.source_names()[s];
      out.unparseable.push_back(std::move(u));
    }
  }
  out.unparseable_dates = unparseable.load();
  out.unparseable_numbers = unparseable_numbers.load();
  return out;
}

}  // namespace reclink
