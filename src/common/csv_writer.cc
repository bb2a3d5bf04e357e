// CSV field quoting for outputs.
#include "reclink/csv_writer.h"

#include <cstdint>
#include <cstring>

namespace reclink {

namespace {
// Whether s holds a byte that needs quoting (',', '"', CR or LF). Eight bytes at a time: a byte of
// w equals c exactly when the byte of w ^ (c repeated) is zero, and (x - 0x01..) & ~x & 0x80..
// marks the zero bytes of x (with false marks only above a true one, so "any" is exact). Ids and
// identity ids rarely hold such bytes, and a per-byte loop of four compares was a tenth of an
// incremental night's samples (writing clusters.csv); string_view::find_first_of calls memchr
// over the four bytes once per byte of s, slower still.
constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kHighs = 0x8080808080808080ULL;
inline uint64_t ZeroBytes(uint64_t x) { return (x - kOnes) & ~x & kHighs; }
inline bool WordNeedsQuoting(uint64_t w) {
  return (ZeroBytes(w ^ (kOnes * ',')) | ZeroBytes(w ^ (kOnes * '"')) | ZeroBytes(w ^ (kOnes * '\r')) |
          ZeroBytes(w ^ (kOnes * '\n'))) != 0;
}
bool NeedsQuoting(std::string_view s) {
  const char* p = s.data();
  size_t n = s.size();
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    if (WordNeedsQuoting(w)) return true;
  }
  for (; n > 0; ++p, --n) {
    const char c = *p;
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
