// WriteRowsInOrder: a file of many formatted rows (clusters.csv holds one per record), formatted
// on every thread and written in row order, so the bytes are those of a single loop.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "reclink/file_writer.h"
#include "reclink/parallel.h"

namespace reclink {

// Calls format(begin, end, buf) for consecutive ranges [begin, end) of [0, rows), each appending
// those rows' bytes to an empty buf, and writes the bufs to out in row order. The ranges are
// formatted in parallel a window at a time (kChunks ranges of kChunkRows rows), then written
// while no thread formats: memory stays at a window's bytes (a few MB), and which thread formats
// a range changes nothing in the file. format must not depend on the ranges' bounds.
template <class Format>
void WriteRowsInOrder(size_t rows, FileWriter& out, const Format& format) {
  constexpr size_t kChunkRows = size_t{1} << 14;
  constexpr size_t kChunks = 16;
  std::vector<std::string> bufs(kChunks);
  for (size_t window = 0; window < rows; window += kChunkRows * kChunks) {
    const size_t chunks = std::min(kChunks, (rows - window + kChunkRows - 1) / kChunkRows);
    ParallelFor(size_t{0}, chunks, [&](size_t c) {
      const size_t begin = window + c * kChunkRows;
      bufs[c].clear();
      format(begin, std::min(rows, begin + kChunkRows), bufs[c]);
    });
    for (size_t c = 0; c < chunks; ++c) out.Write(bufs[c]);
  }
}

}  // namespace reclink
