// What the readers share to parse one input split across the ranks of a job (docs/distributed.md):
// which chunks are a rank's, and statuses on the wire.
#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>

#include <string>
#include <string_view>

#include "reclink/collective.h"
#include "reclink/reader.h"
#include "reclink/status.h"

namespace reclink::io {

// The chunks [first, second) of rank `rank` of `ranks`: contiguous runs in file order, of sizes
// differing by at most one (a rank has none when there are fewer chunks than ranks).
inline std::pair<size_t, size_t> RankChunks(size_t num_chunks, int rank, int ranks) {
  const size_t r = static_cast<size_t>(rank), n = static_cast<size_t>(ranks);
  return {num_chunks * r / n, num_chunks * (r + 1) / n};
}

// The chunk size of a read split across `ranks`: at most chunk_bytes, and small enough that every
// rank has at least one chunk when the region holds at least a byte per rank. (The readers'
// results do not depend on the chunk size.)
inline size_t ShareChunkBytes(size_t chunk_bytes, size_t region_size, int ranks) {
  const size_t n = static_cast<size_t>(ranks);
  return std::max<size_t>(1, std::min(chunk_bytes, (region_size + n - 1) / n));
}

// True when an input of these bytes is read split across ranks: UTF-8 JSON Lines, or UTF-8 CSV
// quoted with '"' (the other inputs are read whole by one rank).
bool Splittable(std::string_view data, const std::string& path, const ReadOptions& options);

// ReadBuffer on a Splittable input, collective over group: every rank passes the same bytes and
// gets its share of the table and of the rejects (rows whose record starts in its share of the
// bytes), or the single process's error.
Result<RecordTable> ParseShare(std::string_view data, const std::string& path, const std::string& source_name,
                               const ReadOptions& options, ReadReport* report, Collective& group);

inline void PutStatus(WireWriter& w, const Status& s) {
  w.Put<int32_t>(static_cast<int32_t>(s.code()));
  w.PutString(s.message());
  w.PutString(s.hint());
}

inline Status GetStatus(WireReader& in) {
  const auto code = static_cast<StatusCode>(in.Get<int32_t>());
  std::string message = in.GetString();
  std::string hint = in.GetString();
  if (code == StatusCode::kOk) return Status::Ok();
  return Status::Error(code, std::move(message), std::move(hint));
}

}  // namespace reclink::io
