// RFC 4180 CSV parsing from memory into a RecordTable, in parallel over chunks (two passes:
// quote/newline counting, then record parsing from each chunk's first record start).
#pragma once

#include <string>
#include <string_view>

#include "reclink/collective.h"
#include "reclink/reader.h"

namespace reclink::io {

// Parses data (UTF-8, BOM already removed) as CSV with the given delimiter. file names the input
// in messages. Contract as for ReadInput.
// With a group of more than one rank the call is collective (every rank passes the same bytes):
// each rank parses the records whose first byte lies in its share of the chunks and returns
// them, its rows in file order, with its rejects in report; the shares, concatenated in rank
// order, are the single process's table. An error is the single process's, returned by every
// rank.
Result<RecordTable> ParseCsv(std::string_view data, const std::string& file,
                             const std::string& source_name, char delimiter,
                             const ReadOptions& options, ReadReport* report,
                             Collective* group = nullptr);

}  // namespace reclink::io
