// NormalizeColumn: a whole column through a Normalizer, in parallel over fixed row chunks.
#include "reclink/parallel.h"

#include <algorithm>

#include <vector>

#include "reclink/normalize.h"

namespace reclink {

Column NormalizeColumn(const Column& in, const Normalizer& n, const std::string& name,
                       NormalizeCounters* counters) {
  // Fixed chunk boundaries (not derived from the thread count) keep the output deterministic;
  // chunks are concatenated in row order.
  constexpr size_t kChunkRows = 8192;
  const size_t rows = in.size();
  const size_t chunks = (rows + kChunkRows - 1) / kChunkRows;
  std::vector<Column> parts(chunks);
  ParallelFor(size_t{0}, chunks, [&](size_t c) {
    const size_t begin = c * kChunkRows;
    const size_t end = std::min(rows, begin + kChunkRows);
    Column& part = parts[c];
    size_t bytes = 0;
    for (size_t r = begin; r < end; ++r) bytes += in.Get(static_cast<RowId>(r)).size();
    part.Reserve(end - begin, bytes);
    std::string value;
    NormalizeScratch scratch;  // per chunk of 8192 rows: its warm-up is nothing beside them
    for (size_t r = begin; r < end; ++r) {
      const auto row = static_cast<RowId>(r);
      if (in.IsNull(row)) {
        if (counters != nullptr) counters->null_values.fetch_add(1, std::memory_order_relaxed);
        part.AppendNull();
      } else if (n.Apply(in.Get(row), &value, counters, scratch)) {
        part.Append(value);
      } else {
        part.AppendNull();
      }
    }
  });
  return Column::Concatenate(std::string(name), std::move(parts));
}

}  // namespace reclink
