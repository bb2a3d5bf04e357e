// DeriveFields: every rules field normalized once per record, in parallel over row ranges.
#include "reclink/parallel.h"

#include <algorithm>
#include <atomic>
#include <string>
#include <unordered_set>

#include "reclink/blocking.h"
#include "reclink/normalize.h"

namespace reclink {

Result<DerivedFields> DeriveFields(const Rules& rules, const RecordTable& table) {
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
  std::atomic<uint64_t> unparseable{0};
  for (const FieldSpec& spec : rules.fields) {
    NormalizeOptions options;
    options.phone_country_code = spec.phone_country_code;
    options.date_order = spec.date_order;
    Result<Normalizer> normalizer = Normalizer::Create(spec.normalize, options);
    if (!normalizer.ok()) return normalizer.status();
    // The field's placeholders, normalized like its values (an entry that normalizes to null
    // needs no entry: such values are null anyway).
    std::unordered_set<std::string> placeholders;
    for (const std::string& v : spec.null_values) {
      std::string normalized;
      if (normalizer->Apply(v, &normalized, nullptr)) placeholders.insert(std::move(normalized));
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
    ParallelFor(size_t{0}, chunks, [&](size_t c) {
      NormalizeCounters counters;
      uint64_t placeholders_here = 0;
      std::string buf;
      const size_t begin = c * kChunk, end = std::min(n, begin + kChunk);
      Column& part = parts[c];
      part.Reserve(end - begin, (end - begin) * 8);
      size_t range = 0;
      while (source_ranges[range].end <= begin) ++range;
      for (size_t r = begin; r < end; ++r) {
        while (source_ranges[range].end <= r) ++range;
        const Column& in = table.column(static_cast<size_t>(column_of_range[range]));
        RowId row = static_cast<RowId>(r);
        if (in.IsNull(row) || !normalizer->Apply(in.Get(row), &buf, &counters)) {
          part.AppendNull();
        } else if (!placeholders.empty() && placeholders.count(buf) != 0) {
          part.AppendNull();
          ++placeholders_here;
        } else {
          part.Append(buf);
        }
      }
      unparseable.fetch_add(counters.unparseable_dates, std::memory_order_relaxed);
      placeholder_nulls.fetch_add(placeholders_here, std::memory_order_relaxed);
    });
    Column merged(spec.name);
    size_t bytes = 0;
    for (const Column& part : parts) bytes += part.arena_bytes();
    merged.Reserve(n, bytes);  // exact: no doubling copies, no freed buffers left in the heap
    for (const Column& part : parts) merged.AppendColumn(part);
    out.fields.push_back(std::move(merged));
    out.placeholder_nulls.push_back(placeholder_nulls.load());
  }
  out.unparseable_dates = unparseable.load();
  return out;
}

}  // namespace reclink
