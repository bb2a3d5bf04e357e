// CSV output (RFC 4180): a field is quoted when it holds the delimiter ',', a quote or a line
// break, and quotes inside are doubled. The one CSV quoting used by every reclink output.
#pragma once

#include <string>
#include <string_view>

namespace reclink {

// Appends s to out as one CSV field.
void AppendCsvField(std::string& out, std::string_view s);
// The most bytes s takes as one CSV field: every byte a quote (doubled), and the two quotes.
constexpr size_t CsvFieldBound(size_t size) { return 2 * size + 2; }
// Writes s at `at` as one CSV field, as AppendCsvField does, and returns the end of what it
// wrote. `at` must have room for CsvFieldBound(s.size()) bytes. For loops that format millions
// of rows into a buffer they size once (clusters.csv of an incremental night).
char* WriteCsvField(char* at, std::string_view s);
// s as one CSV field.
std::string CsvQuote(std::string_view s);

}  // namespace reclink
