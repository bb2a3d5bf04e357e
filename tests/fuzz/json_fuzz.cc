// libFuzzer target for the JSON Lines and JSON array readers: arbitrary bytes go through ReadBuffer
// (the CLI's read path, in memory) as both formats, with each --on-bad-record policy, at 1 and 3
// threads and several chunk sizes. Any crash or property violation aborts. Properties: results
// identical for every thread count and chunk size; quarantine equals skip; fail succeeds exactly
// when skip rejects nothing (same table), else names skip's first reject; every non-blank JSON
// Lines line is a table row or a reject, once; and a line (array element) is a row exactly when
// simdjson's DOM parser, a separate validating parser, finds a valid object no deeper than
// kMaxJsonDepth without a repeated flattened path.
#include <simdjson.h>
#include <tbb/task_arena.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "io/json_reader.h"
#include "reclink/reader.h"

namespace {

using reclink::BadRecordPolicy;
using reclink::InputFormat;
using reclink::ReadOptions;
using reclink::ReadReport;
using reclink::RecordTable;
using reclink::Result;

constexpr size_t kMaxInput = 1 << 14;

void Check(bool ok) {
  if (!ok) std::abort();
}

struct Outcome {
  Result<RecordTable> table = reclink::Status::Internal("not run");
  ReadReport report;
};

Outcome Read(std::string_view data, InputFormat format, BadRecordPolicy policy, int threads,
             size_t chunk, reclink::Encoding encoding = reclink::Encoding::kUtf8) {
  static tbb::task_arena one(1), three(3);
  ReadOptions options;
  options.format = format;
  options.on_bad_record = policy;
  options.chunk_bytes = chunk;
  options.encoding = encoding;
  Outcome out;
  (threads == 1 ? one : three).execute([&] {
    out.table = reclink::ReadBuffer(data, format == InputFormat::kJson ? "f.json" : "f.jsonl",
                                    "src", options, &out.report);
  });
  return out;
}

bool SameTable(const RecordTable& a, const RecordTable& b) {
  if (a.num_rows() != b.num_rows() || a.num_columns() != b.num_columns()) return false;
  for (size_t c = 0; c < a.num_columns(); ++c) {
    const reclink::Column& x = a.column(c);
    const reclink::Column& y = b.column(c);
    if (x.name() != y.name() || x.size() != a.num_rows() || y.size() != b.num_rows()) return false;
    for (reclink::RowId r = 0; r < a.num_rows(); ++r) {
      if (x.IsNull(r) != y.IsNull(r) || (!x.IsNull(r) && x.Get(r) != y.Get(r))) return false;
    }
  }
  for (reclink::RowId r = 0; r < a.num_rows(); ++r) {
    if (a.line(r) != b.line(r)) return false;
  }
  return true;
}

bool SameOutcome(const Outcome& a, const Outcome& b) {
  if (a.table.ok() != b.table.ok()) return false;
  if (!a.table.ok()) return a.table.status().message() == b.table.status().message();
  if (!SameTable(*a.table, *b.table)) return false;
  if (a.report.records != b.report.records || a.report.bad != b.report.bad) return false;
  if (a.report.rejects.size() != b.report.rejects.size()) return false;
  for (size_t i = 0; i < a.report.rejects.size(); ++i) {
    const reclink::BadRecord &x = a.report.rejects[i], &y = b.report.rejects[i];
    if (x.line != y.line || x.column != y.column || x.reason != y.reason || x.raw != y.raw) {
      return false;
    }
  }
  return true;
}

// What the reader should make of one JSON value according to the DOM parser.
enum class Expect { kRow, kReject, kUnknown };

// Numbers out of double range are NUMBER_ERROR to the DOM parser but valid JSON text to the
// reader (which keeps numbers as text); invalid numbers are NUMBER_ERROR too, so such values are
// not judged. Nesting past the DOM parser's limit (1024) is not judged either.
bool Judged(simdjson::error_code e) {
  return e != simdjson::NUMBER_ERROR && e != simdjson::DEPTH_ERROR;
}

// Row when the value is an object nesting at most kMaxJsonDepth levels whose flattened paths
// (objects recursed, everything else a leaf; empty objects give no path) are all distinct.
Expect Classify(simdjson::dom::element root) {
  if (!root.is_object()) return Expect::kReject;
  std::set<std::string> paths;
  struct Item {
    simdjson::dom::element element;
    std::string path;
    size_t depth;
    bool in_array;  // stored as JSON text: nesting counts, paths do not
  };
  std::vector<Item> stack = {{root, "", 1, false}};
  bool ok = true;
  while (!stack.empty()) {
    Item item = std::move(stack.back());
    stack.pop_back();
    if (item.depth > reclink::io::kMaxJsonDepth) ok = false;
    if (item.element.is_object() && item.in_array) {
      for (auto field : simdjson::dom::object(item.element)) {
        if (field.value.is_object() || field.value.is_array()) {
          stack.push_back({field.value, {}, item.depth + 1, true});
        }
      }
    } else if (item.element.is_object()) {
      for (auto field : simdjson::dom::object(item.element)) {
        std::string path =
            item.path.empty() ? std::string(field.key) : item.path + "." + std::string(field.key);
        if (field.value.is_object()) {
          stack.push_back({field.value, path, item.depth + 1, false});
        } else {
          if (!paths.insert(path).second) ok = false;
          if (field.value.is_array()) stack.push_back({field.value, {}, item.depth + 1, true});
        }
      }
    } else if (item.element.is_array()) {
      for (simdjson::dom::element e : simdjson::dom::array(item.element)) {
        if (e.is_object() || e.is_array()) stack.push_back({e, {}, item.depth + 1, true});
      }
    }
  }
  return ok ? Expect::kRow : Expect::kReject;
}

Expect ClassifyText(simdjson::dom::parser& parser, std::string_view text) {
  simdjson::dom::element root;
  simdjson::error_code e = parser.parse(text.data(), text.size()).get(root);
  if (e != simdjson::SUCCESS) return Judged(e) ? Expect::kReject : Expect::kUnknown;
  return Classify(root);
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool Blank(std::string_view s) {
  for (char c : s) {
    if (!IsSpace(c)) return false;
  }
  return true;
}

// Checks the runs of one format against each other; returns the skip outcome.
Outcome CheckConsistency(std::string_view data, InputFormat format) {
  const size_t chunk = 1 + data.size() % 37;
  Outcome skip = Read(data, format, BadRecordPolicy::kSkip, 1, size_t{4} << 20);
  Check(SameOutcome(skip, Read(data, format, BadRecordPolicy::kSkip, 3, 1)));
  Check(SameOutcome(skip, Read(data, format, BadRecordPolicy::kSkip, 1, chunk)));
  Check(SameOutcome(skip, Read(data, format, BadRecordPolicy::kQuarantine, 3, chunk)));
  Outcome fail = Read(data, format, BadRecordPolicy::kFail, 1, size_t{4} << 20);
  Check(SameOutcome(fail, Read(data, format, BadRecordPolicy::kFail, 3, 1)));
  if (skip.table.ok() && skip.report.bad == 0) {
    Check(fail.table.ok() && SameTable(*fail.table, *skip.table));
  } else {
    Check(!fail.table.ok());
    if (skip.table.ok() || format == InputFormat::kJsonl) {
      // The first bad record in file order, as skip listed it (or, for JSON Lines, the same
      // "no records" error).
      if (skip.table.ok()) {
        const reclink::BadRecord& first = skip.report.rejects.front();
        Check(fail.table.status().message() ==
              reclink::FormatLocation(first.file, first.line, first.column, first.reason));
      } else {
        Check(fail.table.status().message() == skip.table.status().message());
      }
    }
  }
  Check(!skip.table.ok() || skip.report.bad == skip.report.rejects.size());
  // Latin-1: no crash, and chunking still does not matter.
  Check(SameOutcome(
      Read(data, format, BadRecordPolicy::kSkip, 1, size_t{4} << 20, reclink::Encoding::kLatin1),
      Read(data, format, BadRecordPolicy::kSkip, 3, chunk, reclink::Encoding::kLatin1)));
  return skip;
}

void CheckJsonLines(std::string_view data) {
  Outcome skip = CheckConsistency(data, InputFormat::kJsonl);
  // The reference: physical lines (BOM skipped, one CR before LF dropped), non-blank ones judged
  // one by one by the DOM parser.
  std::string_view rest = data;
  if (rest.substr(0, 3) == "\xEF\xBB\xBF") rest.remove_prefix(3);
  std::vector<uint64_t> lines;
  std::vector<Expect> expect;
  simdjson::dom::parser parser;
  for (uint64_t line = 1;; ++line) {
    size_t nl = rest.find('\n');
    std::string_view content = rest.substr(0, nl);
    if (!content.empty() && content.back() == '\r') {
      content.remove_suffix(1);
    }
    if (!Blank(content)) {
      lines.push_back(line);
      expect.push_back(ClassifyText(parser, content));
    }
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  if (!skip.table.ok()) {
    Check(lines.empty());
    return;
  }
  const RecordTable& t = *skip.table;
  Check(skip.report.records == t.num_rows());
  Check(t.num_rows() + skip.report.bad == lines.size());
  // Every non-blank line exactly once: as a row or as a reject, in file order.
  size_t row = 0, reject = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    bool is_row = row < t.num_rows() && t.line(static_cast<reclink::RowId>(row)) == lines[i];
    bool is_reject =
        reject < skip.report.rejects.size() && skip.report.rejects[reject].line == lines[i];
    Check(is_row != is_reject);
    if (is_row) ++row;
    if (is_reject) ++reject;
    if (expect[i] != Expect::kUnknown) Check(is_row == (expect[i] == Expect::kRow));
  }
}

void CheckJsonArray(std::string_view data) {
  Outcome skip = CheckConsistency(data, InputFormat::kJson);
  std::string_view rest = data;
  if (rest.substr(0, 3) == "\xEF\xBB\xBF") rest.remove_prefix(3);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::error_code e = parser.parse(rest.data(), rest.size()).get(root);
  if (e != simdjson::SUCCESS) {
    if (Judged(e)) Check(!skip.table.ok());  // syntax errors in an array file always fail
    return;
  }
  if (!root.is_array()) {
    Check(!skip.table.ok());
    return;
  }
  simdjson::dom::array array(root);
  if (array.size() == 0) {
    Check(!skip.table.ok());
    return;
  }
  Check(skip.table.ok());
  size_t rows = 0, rejects = 0;
  bool judged = true;
  for (simdjson::dom::element element : array) {
    Expect x = Classify(element);
    if (x == Expect::kUnknown) judged = false;
    (x == Expect::kRow ? rows : rejects) += 1;
  }
  Check(skip.table->num_rows() + skip.report.bad == array.size());
  if (judged) Check(skip.table->num_rows() == rows && skip.report.bad == rejects);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kMaxInput) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  CheckJsonLines(text);
  CheckJsonArray(text);
  return 0;
}
