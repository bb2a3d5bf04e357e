// Rows placed part by part on every thread: the counting sort that term frequencies
// (TermFrequencies::Build) and u estimation's exact shares (CountEqualPairs) split their values
// with, by the top bits of each value's hash, before counting each part in cache.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "reclink/parallel.h"

namespace reclink::model_detail {

// part_of(r): row r's part, below `parts`, or `parts` to leave the row out. Calls place(r, at)
// once for every row kept, `at` its position when the kept rows are ordered by part and, within
// a part, by row: the positions one pass in row order would give, whatever the threads. Returns
// where each part starts (parts + 1 entries, the last the number of rows kept). Each of at most
// 64 chunks of rows counts its rows per part, then places them from its own offsets (the chunks
// before it in each part); part_of is called twice per row.
template <class PartOf, class Place>
std::vector<size_t> PlaceRowsByPart(size_t rows, size_t parts, const PartOf& part_of,
                                    const Place& place) {
  const size_t chunk_rows = std::max<size_t>(size_t{1} << 16, (rows + 63) / 64);
  const size_t chunks = (rows + chunk_rows - 1) / chunk_rows;
  std::vector<std::vector<size_t>> at(chunks);  // [chunk][part]: its count, then its offset
  ParallelFor(size_t{0}, chunks, [&](size_t k) {
    at[k].assign(parts + 1, 0);
    for (size_t r = k * chunk_rows, end = std::min(rows, (k + 1) * chunk_rows); r < end; ++r)
      ++at[k][part_of(r)];
  });
  std::vector<size_t> begin(parts + 1, 0);
  for (size_t q = 0; q < parts; ++q) {
    size_t offset = begin[q];
    for (size_t k = 0; k < chunks; ++k) {
      const size_t count = at[k][q];
      at[k][q] = offset;
      offset += count;
    }
    begin[q + 1] = offset;
  }
  ParallelFor(size_t{0}, chunks, [&](size_t k) {
    std::vector<size_t>& next = at[k];
    for (size_t r = k * chunk_rows, end = std::min(rows, (k + 1) * chunk_rows); r < end; ++r) {
      const size_t q = part_of(r);
      if (q < parts) place(r, next[q]++);
    }
  });
  return begin;
}

}  // namespace reclink::model_detail
