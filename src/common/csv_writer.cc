// CSV field quoting for outputs.
#include "reclink/csv_writer.h"

namespace reclink {

namespace {
// Whether s holds a byte that needs quoting. A plain loop: string_view::find_first_of calls
// memchr over the four bytes once per byte of s, which showed in profiles of clusters.csv.
bool NeedsQuoting(std::string_view s) {
  for (const char c : s) {
    if (c == ',' || c == '"' || c == '\r' || c == '\n') return true;
  }
  return false;
}
}  // namespace

void AppendCsvField(std::string& out, std::string_view s) {
  if (!NeedsQuoting(s)) {
    out.append(s);
    return;
  }
  out.push_back('"');
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

std::string CsvQuote(std::string_view s) {
  std::string out;
  AppendCsvField(out, s);
  return out;
}

}  // namespace reclink
