// JSON Lines and top-level JSON array readers (simdjson On-Demand), flattening nested objects to
// dotted column paths.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "reclink/collective.h"
#include "reclink/reader.h"

namespace reclink::io {

// Deepest nesting of objects and arrays in one record, the record's own object being level 1.
// A record nested deeper is a bad record ("JSON nesting deeper than 64 levels").
inline constexpr size_t kMaxJsonDepth = 64;

// Parses JSON Lines (one object per line; blank lines skipped) in parallel over chunks of lines.
// data needs no padding. Contract as for ReadInput.
// With a group of more than one rank the call is collective (every rank passes the same bytes):
// each rank parses the lines starting in its share of the chunks and returns them (its columns
// in the order first seen there, its rejects in report); the shares, appended in rank order, are
// the single process's table. An error is the single process's, returned by every rank.
Result<RecordTable> ParseJsonLines(std::string_view data, const std::string& file,
                                   const std::string& source_name, const ReadOptions& options,
                                   ReadReport* report, Collective* group = nullptr);

// Parses one top-level JSON array of objects, serially. A syntax error always fails the read (the
// parser cannot resynchronise); elements that are not objects are bad records.
Result<RecordTable> ParseJsonArray(std::string_view data, const std::string& file,
                                   const std::string& source_name, const ReadOptions& options,
                                   ReadReport* report);

}  // namespace reclink::io
