// RFC 4180 CSV parsing from memory into a RecordTable, in parallel over chunks (two passes:
// quote/newline counting, then record parsing from each chunk's first record start).
#pragma once

#include <string>
#include <string_view>

#include "reclink/reader.h"

namespace reclink::io {

// Parses data (UTF-8, BOM already removed) as CSV with the given delimiter. file names the input
// in messages. Contract as for ReadInput.
Result<RecordTable> ParseCsv(std::string_view data, const std::string& file,
                             const std::string& source_name, char delimiter,
                             const ReadOptions& options, ReadReport* report);

}  // namespace reclink::io
