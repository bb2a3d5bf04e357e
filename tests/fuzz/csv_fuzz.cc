// libFuzzer target for the CSV reader (ReadBuffer): on arbitrary bytes it must not crash, must give
// the same table, rejects or error for any chunk size, thread count and instruction-set path,
// must account for every line in skip mode, and must agree with a naive RFC 4180 parser on input
// that parser accepts. Input: byte 0 = delimiter (bits 0-1: , ; tab |), skip policy (bit 2),
// trim spaces (bit 3), Latin-1 (bit 4), small chunk size (bits 5-7); byte 1 = forced baseline path
// (bit 0), two threads (bit 1); the rest = the file.
#include <tbb/task_arena.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "compare/simd_targets.h"
#include "io/csv_scan.h"
#include "reclink/text_encoding.h"
#include "reclink/reader.h"

namespace {

using reclink::BadRecordPolicy;
using reclink::ReadOptions;
using reclink::ReadReport;
using reclink::RecordTable;
using reclink::Result;

void Fail(int line, const char* what) {
  std::fprintf(stderr, "csv_fuzz.cc:%d: check failed: %s\n", line, what);
  std::abort();
}
#define Check(x) ((x) ? (void)0 : Fail(__LINE__, #x))

// Naive RFC 4180 reader, byte by byte: the records of text (blank lines skipped), or nothing when
// any record is malformed. A quoted field ends at a quote not followed by another; after it comes
// the delimiter, a line end or the end. An unquoted field may not hold a quote; the last one of a
// record loses one trailing CR.
std::optional<std::vector<std::vector<std::string>>> NaiveCsv(std::string_view text, char delimiter) {
  std::vector<std::vector<std::string>> records;
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    if (text[i] == '\n') {
      ++i;
      continue;
    }
    if (text[i] == '\r' && (i + 1 == n || text[i + 1] == '\n')) {
      i += 2;
      continue;
    }
    std::vector<std::string> record;
    for (;;) {
      std::string value;
      if (i < n && text[i] == '"') {
        ++i;
        for (;;) {
          if (i >= n) return std::nullopt;
          if (text[i] == '"') {
            if (i + 1 < n && text[i + 1] == '"') {
              value.push_back('"');
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          value.push_back(text[i++]);
        }
        record.push_back(value);
        if (i == n) break;
        if (text[i] == delimiter) {
          ++i;
          continue;
        }
        if (text[i] == '\n') {
          ++i;
          break;
        }
        if (text[i] == '\r' && (i + 1 == n || text[i + 1] == '\n')) {
          i += 2;
          break;
        }
        return std::nullopt;
      }
      while (i < n && text[i] != delimiter && text[i] != '\n') {
        if (text[i] == '"') return std::nullopt;
        value.push_back(text[i++]);
      }
      const bool last = i == n || text[i] == '\n';
      if (last && !value.empty() && value.back() == '\r') value.pop_back();
      record.push_back(value);
      if (i == n) break;
      ++i;
      if (last) break;
    }
    records.push_back(std::move(record));
  }
  return records;
}

struct Outcome {
  Result<RecordTable> table = reclink::Status::Internal("not run");
  ReadReport report;
};

Outcome Read(std::string_view text, const ReadOptions& options, int threads) {
  // Arenas made once: creating one (and its threads) per input would dominate the run time.
  static tbb::task_arena one(1), two(2);
  Outcome out;
  tbb::task_arena& arena = threads == 1 ? one : two;
  arena.execute([&] { out.table = reclink::ReadBuffer(text, "fuzz.csv", "src", options, &out.report); });
  return out;
}

std::string_view Value(const RecordTable& t, size_t c, reclink::RowId r) {
  const reclink::Column& col = t.column(c);
  return col.IsNull(r) ? std::string_view() : col.Get(r);
}

void CheckSame(const Outcome& a, const Outcome& b) {
  Check(a.table.ok() == b.table.ok());
  if (!a.table.ok()) {
    Check(a.table.status().ToString() == b.table.status().ToString());
    return;
  }
  const RecordTable& x = *a.table;
  const RecordTable& y = *b.table;
  Check(x.num_rows() == y.num_rows() && x.num_columns() == y.num_columns());
  for (size_t c = 0; c < x.num_columns(); ++c) {
    Check(x.column(c).name() == y.column(c).name());
    for (reclink::RowId r = 0; r < x.num_rows(); ++r) {
      Check(x.column(c).IsNull(r) == y.column(c).IsNull(r));
      Check(Value(x, c, r) == Value(y, c, r));
    }
  }
  for (reclink::RowId r = 0; r < x.num_rows(); ++r) Check(x.line(r) == y.line(r));
  Check(a.report.records == b.report.records && a.report.bad == b.report.bad);
  Check(a.report.rejects.size() == b.report.rejects.size());
  for (size_t k = 0; k < a.report.rejects.size(); ++k) {
    const reclink::BadRecord& p = a.report.rejects[k];
    const reclink::BadRecord& q = b.report.rejects[k];
    Check(p.line == q.line && p.column == q.column && p.reason == q.reason && p.raw == q.raw);
  }
}

// Skip policy: every non-blank line after the header belongs to exactly one row or reject, and
// no line to two. text is what the parser saw (BOM removed, transcoded).
void CheckAccounting(std::string_view text, const Outcome& o) {
  const RecordTable& t = *o.table;
  std::vector<std::string_view> lines;
  for (size_t s = 0; s <= text.size();) {
    size_t e = text.find('\n', s);
    if (e == std::string_view::npos) {
      if (s < text.size()) lines.push_back(text.substr(s));
      break;
    }
    lines.push_back(text.substr(s, e - s));
    s = e + 1;
  }
  std::vector<int> covered(lines.size() + 2, 0);
  auto cover = [&](uint64_t first, uint64_t span) {
    Check(first >= 1 && first + span - 1 <= lines.size());
    for (uint64_t l = first; l < first + span; ++l) ++covered[l];
  };
  uint64_t first_data_line = lines.size() + 1;
  for (reclink::RowId r = 0; r < t.num_rows(); ++r) {
    uint64_t span = 1;
    for (size_t c = 0; c < t.num_columns(); ++c) {
      std::string_view v = Value(t, c, r);
      span += static_cast<uint64_t>(std::count(v.begin(), v.end(), '\n'));
    }
    cover(t.line(r), span);
    first_data_line = std::min(first_data_line, t.line(r));
  }
  uint64_t previous = 0;
  for (const reclink::BadRecord& b : o.report.rejects) {
    Check(!b.reason.empty() && b.line > previous);
    previous = b.line;
    // b.line is where the error is; the record starts up to span - 1 lines before, where its
    // lines are raw's.
    const uint64_t span = 1 + static_cast<uint64_t>(std::count(b.raw.begin(), b.raw.end(), '\n'));
    uint64_t start = 0;
    for (uint64_t s = b.line; s + span > b.line && s >= 1; --s) {
      if (s + span - 1 > lines.size()) continue;
      std::string joined;
      for (uint64_t l = s; l < s + span; ++l) {
        joined.append(lines[l - 1]);
        if (l + 1 < s + span) joined.push_back('\n');
      }
      if (joined.compare(0, b.raw.size(), b.raw) == 0 &&
          (joined.size() == b.raw.size() || joined.substr(b.raw.size()) == "\r")) {
        start = s;
        break;
      }
    }
    Check(start != 0);
    cover(start, span);
    first_data_line = std::min(first_data_line, start);
  }
  for (reclink::RowId r = 1; r < t.num_rows(); ++r) Check(t.line(r) > t.line(r - 1));
  // The header: the first non-blank line up to where the first row or reject begins, at most;
  // lines after the first reported one must all be covered unless blank.
  for (uint64_t l = first_data_line; l <= lines.size(); ++l) {
    Check(covered[l] <= 1);
    if (covered[l] == 0) Check(lines[l - 1].empty() || lines[l - 1] == "\r");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2 || size > 8192) return 0;
  static const char kDelimiters[] = {',', ';', '\t', '|'};
  static const size_t kChunks[] = {1, 2, 3, 5, 8, 16, 64, 200};
  ReadOptions options;
  options.format = reclink::InputFormat::kCsv;
  options.delimiter = kDelimiters[data[0] & 3];
  options.on_bad_record = (data[0] & 4) ? BadRecordPolicy::kSkip : BadRecordPolicy::kFail;
  options.trim_spaces = (data[0] & 8) != 0;
  options.encoding = (data[0] & 16) ? reclink::Encoding::kLatin1 : reclink::Encoding::kUtf8;
  const size_t small_chunk = kChunks[data[0] >> 5];
  const bool force_generic = (data[1] & 1) != 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 2, size - 2);

  if (force_generic) reclink::compare_internal::SetForceScalarForTest(1);
  Outcome whole = Read(text, options, 1);
  ReadOptions tiny = options;
  tiny.chunk_bytes = small_chunk;
  // Two threads only for some inputs: waking the second thread costs more than a small read.
  Outcome parallel = Read(text, tiny, (data[1] & 2) ? 2 : 1);
  tiny.chunk_bytes = small_chunk + 1;
  Outcome serial = Read(text, tiny, 1);
  if (force_generic) reclink::compare_internal::SetForceScalarForTest(-1);
  CheckSame(whole, parallel);
  CheckSame(whole, serial);

  if (!whole.table.ok()) {
    // Errors are located user errors (exit 3), never internal ones.
    Check(whole.table.status().code() == reclink::StatusCode::kInvalidInput);
    Check(whole.table.status().message().rfind("fuzz.csv:", 0) == 0);
  }

  // What the parser saw: transcoded, without a BOM.
  std::string seen = options.encoding == reclink::Encoding::kLatin1 ? reclink::io::Latin1ToUtf8(text)
                                                                     : std::string(text);
  if (seen.size() >= 3 && seen.compare(0, 3, "\xEF\xBB\xBF") == 0) seen.erase(0, 3);
  if (whole.table.ok() && options.on_bad_record == BadRecordPolicy::kSkip) CheckAccounting(seen, whole);

  // Differential: well-formed input with a usable header reads as the naive parser reads it.
  if (options.trim_spaces || reclink::io::FindInvalidUtf8(seen) != std::string_view::npos) return 0;
  auto naive = NaiveCsv(seen, options.delimiter);
  if (!naive || naive->size() < 2) return 0;
  const std::vector<std::string>& header = (*naive)[0];
  std::unordered_set<std::string> names;
  for (size_t k = 0; k < header.size(); ++k) {
    // CR-only line ends, UTF-16 or binary: errors by design.
    if (header[k].find_first_of(std::string_view("\r\0", 2)) != std::string::npos) return 0;
    if (!names.insert(header[k].empty() ? "column_" + std::to_string(k + 1) : header[k]).second) return 0;
  }
  for (const auto& record : *naive) {
    if (record.size() != header.size()) return 0;
  }
  Check(whole.table.ok());
  const RecordTable& t = *whole.table;
  Check(t.num_rows() + 1 == naive->size() && whole.report.bad == 0);
  for (reclink::RowId r = 0; r < t.num_rows(); ++r) {
    for (size_t c = 0; c < header.size(); ++c) Check(Value(t, c, r) == (*naive)[r + 1][c]);
  }
  return 0;
}
