// CSV output (RFC 4180): a field is quoted when it holds the delimiter ',', a quote or a line
// break, and quotes inside are doubled. The one CSV quoting used by every reclink output.
#pragma once

#include <string>
#include <string_view>

namespace reclink {

// Appends s to out as one CSV field.
void AppendCsvField(std::string& out, std::string_view s);
// s as one CSV field.
std::string CsvQuote(std::string_view s);

}  // namespace reclink
