// JSON Lines and JSON array readers on simdjson On-Demand. Each object is flattened into dotted
// paths; a record's values are staged and committed only when the whole record is valid, so a
// rejected record leaves no trace (not even a new column). JSON Lines are parsed in parallel over
// chunks of lines (a JSON string cannot hold a raw newline, so every newline ends a record).
// Nesting is limited to kMaxJsonDepth, so flattening recurses at most that deep.
#include "io/json_reader.h"

#include <simdjson.h>
#include <tbb/blocked_range.h>
#include "reclink/parallel.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <limits>
#include <span>
#include <unordered_map>

#include "io/read_share.h"
#include "reclink/text_encoding.h"

namespace reclink::io {
namespace {

namespace od = simdjson::ondemand;
using simdjson::error_code;

const char* const kBadRecordHint =
    "use --on-bad-record skip or --on-bad-record quarantine to set such records aside";
const char* const kUtf8Hint =
    "if the file is Latin-1 encoded use --encoding latin-1; otherwise use --on-bad-record "
    "skip or --on-bad-record quarantine to set such records aside";

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view TrimJson(std::string_view s) {
  while (!s.empty() && IsJsonSpace(s.back())) s.remove_suffix(1);
  while (!s.empty() && IsJsonSpace(s.front())) s.remove_prefix(1);
  return s;
}

// RFC 8259 number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
bool IsJsonNumber(std::string_view s) {
  size_t i = 0, n = s.size();
  auto digit = [&](size_t k) { return k < n && s[k] >= '0' && s[k] <= '9'; };
  if (i < n && s[i] == '-') ++i;
  if (!digit(i)) return false;
  if (s[i] == '0') {
    ++i;
  } else {
    while (digit(i)) ++i;
  }
  if (i < n && s[i] == '.') {
    ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
  }
  return i == n;
}

std::string DescribeError(error_code e) {
  switch (e) {
    case simdjson::TAPE_ERROR:
      return "JSON syntax error";
    case simdjson::INCOMPLETE_ARRAY_OR_OBJECT:
      return "JSON syntax error: unclosed object or array";
    case simdjson::UNCLOSED_STRING:
      return "JSON syntax error: unterminated string";
    case simdjson::STRING_ERROR:
      return "JSON syntax error: invalid string (bad escape or control character)";
    case simdjson::UTF8_ERROR:
      return "invalid UTF-8";
    case simdjson::NUMBER_ERROR:
      return "JSON syntax error: invalid number";
    case simdjson::T_ATOM_ERROR:
    case simdjson::F_ATOM_ERROR:
    case simdjson::N_ATOM_ERROR:
      return "JSON syntax error: invalid literal (expected true, false or null)";
    case simdjson::TRAILING_CONTENT:
      return "JSON syntax error: unexpected text after the JSON value";
    case simdjson::INCORRECT_TYPE:
      return "JSON syntax error: unexpected value type";
    case simdjson::EMPTY:
      return "JSON syntax error: no value";
    case simdjson::DEPTH_ERROR:
      return "JSON nesting too deep";
    case simdjson::UNESCAPED_CHARS:
      return "JSON syntax error: unescaped control character in a string";
    default:
      return std::string("JSON error: ") + simdjson::error_message(e);
  }
}

// True when the document has no token left (simdjson 3.0 has no document::at_end).
bool AtEnd(od::document& doc) {
  const char* loc = nullptr;
  return doc.current_location().get(loc) == simdjson::OUT_OF_BOUNDS;
}

std::string DepthReason() {
  return "JSON nesting deeper than " + std::to_string(kMaxJsonDepth) + " levels";
}

// Index of the first '{' or '[' of text that opens nesting level limit + 1 (text's own first
// bracket being level 1), or npos. Brackets inside strings are not counted.
size_t FindTooDeep(std::string_view text, size_t limit) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > limit) return i;
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return std::string_view::npos;
}

// Length of the object or array text starts with (up to its matching bracket, by counting
// brackets outside strings), or npos when it does not close. *max_depth: its deepest nesting.
size_t ContainerLength(std::string_view text, size_t* max_depth) {
  size_t depth = 0;
  *max_depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      *max_depth = std::max(*max_depth, ++depth);
    } else if (c == '}' || c == ']') {
      if (depth == 0 || --depth == 0) return i + 1;
    }
  }
  return std::string_view::npos;
}

// A structural mistake found by ScanStructure, with the byte index where it is.
struct StructureError {
  std::string reason;  // empty: none found
  size_t at = 0;
};

// Explains the errors simdjson reports without a useful location (stage 1 and root-level errors
// point at the first byte): an unterminated string, an unescaped control character, a closing
// bracket that does not match, an unclosed object or array, text after the complete value. Looks at
// strings and brackets only; finds nothing in text whose mistakes are elsewhere. `end_name` names
// the end of text in messages ("line", "input"). Linear; the bracket stack is on the heap.
StructureError ScanStructure(std::string_view text, const char* end_name) {
  std::string open;  // the unclosed brackets, innermost last
  bool in_string = false, complete = false;
  size_t string_start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
        complete = open.empty();
      } else if (c == '\n') {
        break;  // a JSON string cannot hold a raw line break
      } else if (static_cast<unsigned char>(c) < 0x20) {
        const char* hex = "0123456789abcdef";
        return {std::string("JSON syntax error: unescaped control character in a string (write "
                            "it as \\u00") +
                    hex[c >> 4] + hex[c & 15] + ")",
                i};
      }
      continue;
    }
    if (IsJsonSpace(c)) continue;
    if (complete) return {"JSON syntax error: unexpected text after the JSON value", i};
    if (c == '"') {
      in_string = true;
      string_start = i;
    } else if (c == '{' || c == '[') {
      open.push_back(c);
    } else if (c == '}' || c == ']') {
      const char opener = c == '}' ? '{' : '[';
      if (open.empty()) return {std::string("JSON syntax error: unexpected '") + c + "'", i};
      if (open.back() != opener) {
        return {std::string("JSON syntax error: found '") + c + "' where '" +
                    (open.back() == '{' ? '}' : ']') + "' was expected",
                i};
      }
      open.pop_back();
      complete = open.empty();
    } else if (open.empty()) {
      // A top-level scalar: it ends at the next space, bracket or quote.
      while (i + 1 < text.size() && !IsJsonSpace(text[i + 1]) && text[i + 1] != '{' &&
             text[i + 1] != '[' && text[i + 1] != '"' && text[i + 1] != '}' && text[i + 1] != ']') {
        ++i;
      }
      complete = true;
    }
  }
  if (in_string) {
    return {std::string("JSON syntax error: unterminated string (no closing '\"' before the end "
                        "of the line)"),
            string_start};
  }
  if (!open.empty()) {
    size_t end = text.size();
    while (end > 0 && IsJsonSpace(text[end - 1])) --end;
    return {std::string("JSON syntax error: unclosed ") +
                (open.back() == '{' ? "object (expected '}'" : "array (expected ']'") +
                " before the end of the " + end_name + ")",
            end};
  }
  return {};
}

// Whether simdjson's error e is one ScanStructure explains better than simdjson's location.
bool StructuralError(error_code e) {
  return e == simdjson::UNCLOSED_STRING || e == simdjson::INCOMPLETE_ARRAY_OR_OBJECT ||
         e == simdjson::TRAILING_CONTENT || e == simdjson::UNESCAPED_CHARS;
}

// One staged value of the record being read: path and value live in Flattener::buf_.
struct StagedValue {
  uint32_t path_offset, path_size;
  uint32_t value_offset, value_size;
  bool is_null;
};

// Flattens one JSON object into staged (path, value) pairs. Recursion is one FlattenObject and
// one FlattenValue frame per level, at most kMaxJsonDepth levels.
class Flattener {
 public:
  void Reset() {
    buf_.clear();
    values_.clear();
    path_.clear();
    error_at_ = nullptr;
    reason_.clear();
    code_ = simdjson::SUCCESS;
    too_deep_ = false;
  }

  // Flattens an object at nesting level depth (the record's object is level 1); on failure
  // returns false with reason(), code() and error_at() (may be null: use the parser's location).
  bool FlattenObject(od::object object, size_t depth) {
    for (auto field_result : object) {
      od::field field;
      if (Fail(std::move(field_result).get(field))) return false;
      std::string_view key;
      if (Fail(field.unescaped_key().get(key))) return false;
      size_t saved = path_.size();
      if (!path_.empty()) path_.push_back('.');
      path_.append(key);
      bool ok = FlattenValue(field.value(), depth + 1);
      path_.resize(saved);
      if (!ok) return false;
    }
    return true;
  }

  // Records a simdjson error (a syntax error: code() is e); returns true when e is an error.
  bool Fail(error_code e) { return FailAt(e, nullptr, {}); }
  // As Fail, located at `at`, with reason (empty: e's description).
  bool FailAt(error_code e, const char* at, std::string reason) {
    if (e == simdjson::SUCCESS) return false;
    if (reason_.empty()) {
      code_ = e;
      error_at_ = at;
      reason_ = reason.empty() ? DescribeError(e) : std::move(reason);
    }
    return true;
  }
  // Records a record-level error that is not simdjson's (code() stays SUCCESS); returns false.
  bool SetError(const char* at, std::string reason) {
    error_at_ = at;
    reason_ = std::move(reason);
    code_ = simdjson::SUCCESS;
    return false;
  }
  // Records nesting beyond kMaxJsonDepth at `at`; returns false.
  bool SetDepthError(const char* at) {
    too_deep_ = true;
    return SetError(at, DepthReason());
  }
  // Whether the failure is nesting beyond kMaxJsonDepth (the rest of the value is unchecked).
  bool too_deep() const { return too_deep_; }

  // The text of a number, true, false or null, checked against the JSON grammar (simdjson
  // On-Demand only looks at a scalar's first byte to type it). On failure as FlattenObject.
  bool CheckScalar(od::value& value, std::string_view* token) {
    *token = TrimJson(value.raw_json_token());
    od::json_type type{};
    if (Fail(value.type().get(type))) return false;
    if (type == od::json_type::number) {
      if (!IsJsonNumber(*token)) {
        return !FailAt(simdjson::NUMBER_ERROR, token->data(),
                       "JSON syntax error: invalid number '" + std::string(*token) + "'");
      }
    } else if (*token != "true" && *token != "false" && *token != "null") {
      return !FailAt(simdjson::T_ATOM_ERROR, token->data(),
                     "JSON syntax error: invalid literal '" + std::string(*token) + "'");
    }
    return true;
  }

  // Checks that raw, an array or object at nesting level depth, nests no deeper than
  // kMaxJsonDepth. On failure as FlattenObject.
  bool CheckDepth(std::string_view raw, size_t depth) {
    const size_t too_deep = FindTooDeep(raw, kMaxJsonDepth - std::min(depth - 1, kMaxJsonDepth));
    if (too_deep != std::string_view::npos) return SetDepthError(raw.data() + too_deep);
    return true;
  }

  // Validates raw, one JSON value, with simdjson's DOM parser (for text On-Demand skipped over).
  // On failure as FlattenObject, located at raw's start.
  bool Validate(std::string_view raw) {
    array_copy_ = simdjson::padded_string(raw);
    return ValidateCopy(raw);
  }

  const std::vector<StagedValue>& values() const { return values_; }
  std::string_view Path(const StagedValue& v) const {
    return std::string_view(buf_.data() + v.path_offset, v.path_size);
  }
  std::string_view Value(const StagedValue& v) const {
    return std::string_view(buf_.data() + v.value_offset, v.value_size);
  }
  const std::string& reason() const { return reason_; }
  const char* error_at() const { return error_at_; }
  error_code code() const { return code_; }

 private:
  bool FlattenValue(od::value value, size_t depth) {
    od::json_type type{};
    if (Fail(value.type().get(type))) return false;
    switch (type) {
      case od::json_type::object: {
        if (depth > kMaxJsonDepth) return SetDepthError(value.raw_json_token().data());
        od::object object;
        if (Fail(value.get_object().get(object))) return false;
        return FlattenObject(object, depth);
      }
      case od::json_type::array: {
        od::array array;
        if (Fail(value.get_array().get(array))) return false;
        std::string_view raw;
        if (Fail(array.raw_json().get(raw))) return false;
        raw = TrimJson(raw);
        if (StageArray(raw, depth)) return true;
        if (error_at_ == nullptr) error_at_ = raw.data();
        return false;
      }
      case od::json_type::string: {
        std::string_view s;
        if (Fail(value.get_string().get(s))) return false;
        Stage(s, false);
        return true;
      }
      default: {
        std::string_view token;
        if (!CheckScalar(value, &token)) return false;
        Stage(token, token == "null");
        return true;
      }
    }
  }

  // Arrays of scalars: their texts joined by one space (nulls dropped; none left -> null).
  // Arrays holding objects or arrays: the array's JSON text as is, after checking its nesting
  // (the array is at level depth) and validating it with simdjson's DOM parser (On-Demand only
  // skipped over it).
  bool StageArray(std::string_view raw, size_t depth) {
    if (!CheckDepth(raw, depth)) return false;
    array_copy_ = simdjson::padded_string(raw);
    // Locations inside the copy, mapped back to raw (which lies in the input).
    auto in_raw = [&](const char* p) {
      return p == nullptr ? raw.data() : raw.data() + (p - array_copy_.data());
    };
    od::document doc;
    if (Fail(array_parser_.iterate(array_copy_).get(doc))) return false;
    od::array array;
    if (Fail(doc.get_array().get(array))) return false;
    std::string joined;
    bool nested = false;
    for (auto element_result : array) {
      od::value element;
      od::json_type type{};
      if (Fail(std::move(element_result).get(element)) || Fail(element.type().get(type))) {
        return false;
      }
      if (type == od::json_type::object || type == od::json_type::array) {
        nested = true;
        break;
      }
      std::string_view text;
      if (type == od::json_type::string) {
        if (Fail(element.get_string().get(text))) {
          error_at_ = in_raw(TrimJson(element.raw_json_token()).data());
          return false;
        }
      } else {
        if (!CheckScalar(element, &text)) {
          error_at_ = in_raw(error_at_);
          return false;
        }
        if (text == "null") continue;
      }
      if (!joined.empty()) joined.push_back(' ');
      joined.append(text);
    }
    if (!nested) {
      Stage(joined, joined.empty());
      return true;
    }
    if (!ValidateCopy(raw)) return false;
    Stage(raw, false);
    return true;
  }

  // Validate for raw already in array_copy_.
  bool ValidateCopy(std::string_view raw) {
    simdjson::dom::element element;
    return !FailAt(dom_parser_.parse(array_copy_).get(element), raw.data(), {});
  }

  void Stage(std::string_view value, bool is_null) {
    StagedValue v;
    v.path_offset = static_cast<uint32_t>(buf_.size());
    v.path_size = static_cast<uint32_t>(path_.size());
    buf_.append(path_);
    v.value_offset = static_cast<uint32_t>(buf_.size());
    v.value_size = static_cast<uint32_t>(value.size());
    buf_.append(value);
    v.is_null = is_null || value.empty();
    values_.push_back(v);
  }

  std::string buf_;
  std::vector<StagedValue> values_;
  std::string path_;
  const char* error_at_ = nullptr;
  std::string reason_;
  error_code code_ = simdjson::SUCCESS;
  bool too_deep_ = false;
  od::parser array_parser_;
  simdjson::padded_string array_copy_;
  simdjson::dom::parser dom_parser_;
};

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};

// Columns of one chunk in first-seen order.
struct ChunkTable {
  std::vector<std::string> names;
  std::vector<Column> columns;
  std::unordered_map<std::string, size_t, StringHash, std::equal_to<>> index;
  std::vector<uint64_t> stamp;  // record serial that last set each column
  uint64_t serial = 0;
  size_t rows = 0;
  std::vector<uint64_t> lines;
  std::vector<BadRecord> rejects;
  Status error;
  bool failed = false;

  // Commits the staged record; returns false (nothing committed) and the path when a path
  // occurs twice in it.
  bool Commit(const Flattener& f, std::string* duplicate) {
    ++serial;
    constexpr size_t kNew = size_t{1} << 63;
    resolved_.clear();
    new_paths_.clear();
    const auto& values = f.values();
    for (size_t k = 0; k < values.size(); ++k) {
      std::string_view path = f.Path(values[k]);
      // Records of one file mostly list the same paths in the same order: the k-th path of the
      // previous record is tried before the hash map.
      size_t column = SIZE_MAX;
      if (k < last_paths_.size() && last_paths_[k] == path) {
        column = last_columns_[k];
      } else {
        auto it = index.find(path);
        if (it != index.end()) column = it->second;
      }
      if (column != SIZE_MAX) {
        if (stamp[column] == serial) {
          *duplicate = std::string(path);
          return false;
        }
        stamp[column] = serial;
        resolved_.push_back(column);
      } else {
        for (std::string_view p : new_paths_) {
          if (p == path) {
            *duplicate = std::string(path);
            return false;
          }
        }
        new_paths_.push_back(path);
        resolved_.push_back(kNew | (new_paths_.size() - 1));
      }
    }
    const size_t first_new = columns.size();
    for (std::string_view p : new_paths_) {
      index.emplace(std::string(p), columns.size());
      names.emplace_back(p);
      columns.emplace_back();
      stamp.push_back(serial);
    }
    if (last_paths_.size() > values.size()) {
      last_paths_.resize(values.size());
      last_columns_.resize(values.size());
    }
    for (size_t k = 0; k < resolved_.size(); ++k) {
      const StagedValue& v = values[k];
      size_t c = resolved_[k] & kNew ? first_new + (resolved_[k] & ~kNew) : resolved_[k];
      if (k >= last_paths_.size()) {
        last_paths_.emplace_back(f.Path(v));
        last_columns_.push_back(c);
      } else if (last_columns_[k] != c) {
        last_paths_[k].assign(f.Path(v));
        last_columns_[k] = c;
      }
      if (v.is_null) continue;
      columns[c].PadNullsTo(rows);
      columns[c].Append(f.Value(v));
    }
    ++rows;
    return true;
  }

 private:
  std::vector<size_t> resolved_;
  std::vector<std::string_view> new_paths_;
  // The previous record's paths by position and their columns.
  std::vector<std::string> last_paths_;
  std::vector<size_t> last_columns_;
};

// Reads one JSON Lines record [line, line_end) (no newline) into table.
struct LineOutcome {
  bool ok;
  std::string reason;
  const char* at;  // error location, or null for the line start
  bool utf8;
};

LineOutcome ParseLine(od::parser& parser, Flattener& flattener, ChunkTable& table, const char* line,
                      const char* line_end, const char* buffer_end, simdjson::padded_string& copy) {
  size_t len = static_cast<size_t>(line_end - line);
  simdjson::padded_string_view view;
  if (static_cast<size_t>(buffer_end - line) >= len + simdjson::SIMDJSON_PADDING) {
    view = simdjson::padded_string_view(line, len, static_cast<size_t>(buffer_end - line));
  } else {
    copy = simdjson::padded_string(line, len);
    view = simdjson::padded_string_view(copy.data(), len, copy.size() + simdjson::SIMDJSON_PADDING);
  }
  const char* base = view.data();
  auto to_input = [&](const char* p) -> const char* {
    if (p == nullptr) return nullptr;
    return line + (p - base);
  };
  flattener.Reset();
  od::document doc;
  error_code e = parser.iterate(view).get(doc);
  // When iterate fails (stage 1: unterminated string, bad UTF-8, ...) doc was never set up and
  // must not be asked anything, not even its location.
  const bool have_doc = e == simdjson::SUCCESS;
  od::object object;
  if (e == simdjson::SUCCESS) {
    od::json_type type{};
    e = doc.type().get(type);
    if (e == simdjson::SUCCESS && type != od::json_type::object) {
      return {false,
              "expected a JSON object, found " +
                  std::string(type == od::json_type::array ? "an array" : "a scalar"),
              nullptr, false};
    }
  }
  if (e == simdjson::SUCCESS) e = doc.get_object().get(object);
  bool ok = e == simdjson::SUCCESS && flattener.FlattenObject(object, 1);
  if (ok && !AtEnd(doc)) {
    e = simdjson::TRAILING_CONTENT;
    ok = false;
  }
  if (!ok) {
    if (e == simdjson::SUCCESS && !flattener.reason().empty()) {
      e = flattener.code();
      if (e == simdjson::SUCCESS)
        return {false, flattener.reason(), to_input(flattener.error_at()), false};
    }
    if (e == simdjson::UTF8_ERROR) {
      size_t bad = FindInvalidUtf8(std::string_view(line, len));
      return {false, DescribeError(e), bad == std::string_view::npos ? nullptr : line + bad, true};
    }
    std::string reason = flattener.reason().empty() ? DescribeError(e) : flattener.reason();
    const char* at = to_input(flattener.error_at());
    if (at == nullptr && have_doc) {
      const char* loc = nullptr;
      if (doc.current_location().get(loc) == simdjson::SUCCESS && loc >= base &&
          loc <= base + len) {
        at = to_input(loc);
      }
    }
    // Prefer the structural explanation when simdjson's own location says little.
    StructureError found = ScanStructure(std::string_view(line, len), "line");
    if (!found.reason.empty() && (at == nullptr || StructuralError(e) || line + found.at <= at)) {
      reason = std::move(found.reason);
      at = line + found.at;
    }
    return {false, reason, at, false};
  }
  std::string duplicate;
  if (!table.Commit(flattener, &duplicate)) {
    return {false, "duplicate key '" + duplicate + "' in the object", nullptr, false};
  }
  return {true, {}, nullptr, false};
}

size_t SkipBom(std::string_view data) {
  return data.size() >= 3 && data.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
}

// check_empty false: a rank's share of the chunks, which may hold no record.
Result<RecordTable> Assemble(std::span<ChunkTable> chunks, const std::string& file,
                             const std::string& source_name, ReadReport* report, bool check_empty = true) {
  size_t total_rows = 0, total_bad = 0;
  for (const ChunkTable& c : chunks) {
    if (c.failed) return c.error;
    total_rows += c.rows;
    total_bad += c.rejects.size();
  }
  if (check_empty && total_rows == 0 && total_bad == 0) {
    return Status::InvalidInput(file + ": error: empty input (no JSON records)",
                                "check that the right file was given");
  }
  if (total_rows > std::numeric_limits<RowId>::max()) {
    return Status::InvalidInput(file + ": error: more than 2^32-1 records in one input",
                                "split the input into several files");
  }
  RecordTable table;
  SourceId source = table.AddSource(source_name);
  // Global column order: first seen, scanning chunks in file order.
  std::vector<std::vector<int>> chunk_column(chunks.size());
  for (size_t k = 0; k < chunks.size(); ++k) {
    for (const std::string& name : chunks[k].names) table.AddColumn(name);
  }
  for (size_t k = 0; k < chunks.size(); ++k) {
    chunk_column[k].assign(table.num_columns(), -1);
    for (size_t j = 0; j < chunks[k].names.size(); ++j) {
      chunk_column[k][static_cast<size_t>(table.FindColumn(chunks[k].names[j]))] =
          static_cast<int>(j);
    }
  }
  ParallelFor(tbb::blocked_range<size_t>(0, table.num_columns(), 1), [&](const auto& range) {
    for (size_t c = range.begin(); c != range.end(); ++c) {
      Column& col = table.mutable_column(c);
      size_t base = 0;
      for (size_t k = 0; k < chunks.size(); ++k) {
        int j = chunk_column[k][c];
        if (j >= 0) {
          col.PadNullsTo(base);
          col.AppendColumn(chunks[k].columns[static_cast<size_t>(j)]);
        }
        base += chunks[k].rows;
      }
      col.PadNullsTo(base);
    }
  });
  table.AppendSourceRows(source, total_rows);
  for (const ChunkTable& c : chunks) {
    for (uint64_t l : c.lines) table.AppendLine(l);
  }
  if (report != nullptr) {
    report->records += total_rows;
    report->bad += total_bad;
    for (ChunkTable& c : chunks) {
      for (BadRecord& b : c.rejects) report->rejects.push_back(std::move(b));
    }
  }
  return table;
}

// "FILE:LINE:COLUMN: error: REASON (byte offset N)"; column is 1-based in bytes.
std::string JsonMessage(const std::string& file, uint64_t line, uint64_t column,
                        const std::string& reason, uint64_t offset) {
  return FormatLocation(file, line, column,
                        reason + " (byte offset " + std::to_string(offset) + ")");
}

}  // namespace

Result<RecordTable> ParseJsonLines(std::string_view data, const std::string& file,
                                   const std::string& source_name, const ReadOptions& options,
                                   ReadReport* report, Collective* group) {
  if (data.empty()) {
    if (options.allow_empty) {
      RecordTable table;
      table.AddSource(source_name);
      return table;
    }
    return Status::InvalidInput(file + ": error: empty input (0 bytes)",
                                "check that the right file was given");
  }
  const char* begin = data.data();
  const char* end = begin + data.size();
  const char* region = begin + SkipBom(data);
  const size_t region_size = static_cast<size_t>(end - region);
  // Split across ranks: each parses the lines starting in its run of chunks; the chunks' newline
  // counts are exchanged for the line numbers.
  const int ranks = group != nullptr ? group->size() : 1;
  const int me = group != nullptr ? group->rank() : 0;
  size_t chunk_bytes = std::max<size_t>(1, options.chunk_bytes);
  if (ranks > 1) chunk_bytes = ShareChunkBytes(chunk_bytes, region_size, ranks);
  const size_t num_chunks = std::max<size_t>(1, (region_size + chunk_bytes - 1) / chunk_bytes);
  auto chunk_begin = [&](size_t i) { return region + std::min(region_size, i * chunk_bytes); };
  const auto [c0, c1] = RankChunks(num_chunks, me, ranks);

  std::vector<uint64_t> first_line(num_chunks + 1, 0);
  ParallelFor(tbb::blocked_range<size_t>(c0, c1, 1), [&](const auto& r) {
    for (size_t i = r.begin(); i != r.end(); ++i) {
      first_line[i + 1] =
          static_cast<uint64_t>(std::count(chunk_begin(i), chunk_begin(i + 1), '\n'));
    }
  });
  if (ranks > 1) {
    WireWriter w;
    for (size_t i = c0; i < c1; ++i) w.Put<uint64_t>(first_line[i + 1]);
    const std::vector<std::string> all = group->AllGather(w.Take());
    for (int r = 0; r < ranks; ++r) {
      WireReader in(all[static_cast<size_t>(r)]);
      const auto [b, e] = RankChunks(num_chunks, r, ranks);
      for (size_t i = b; i < e; ++i) first_line[i + 1] = in.Get<uint64_t>();
    }
  }
  first_line[0] = 1;
  for (size_t i = 0; i < num_chunks; ++i) first_line[i + 1] += first_line[i];

  const bool fail_fast = options.on_bad_record == BadRecordPolicy::kFail;
  std::atomic<size_t> first_failed{std::numeric_limits<size_t>::max()};
  std::vector<ChunkTable> chunks(num_chunks);
  ParallelFor(tbb::blocked_range<size_t>(c0, c1, 1), [&](const auto& range) {
    od::parser parser;
    Flattener flattener;
    simdjson::padded_string copy;
    for (size_t i = range.begin(); i != range.end(); ++i) {
      ChunkTable& out = chunks[i];
      const char* cb = chunk_begin(i);
      const char* ce = chunk_begin(i + 1);
      const char* line = cb;
      uint64_t line_no = first_line[i];
      if (i > 0 && cb[-1] != '\n') {
        const void* nl = std::memchr(cb, '\n', static_cast<size_t>(ce - cb));
        if (nl == nullptr) continue;
        line = static_cast<const char*>(nl) + 1;
        line_no += 1;
      }
      for (; line < ce; ++line_no) {
        if (fail_fast && i > first_failed.load(std::memory_order_relaxed)) break;
        const void* nl = std::memchr(line, '\n', static_cast<size_t>(end - line));
        const char* next = nl ? static_cast<const char*>(nl) + 1 : end;
        const char* content_end = nl ? static_cast<const char*>(nl) : end;
        if (content_end > line && content_end[-1] == '\r') --content_end;
        std::string_view content(line, static_cast<size_t>(content_end - line));
        if (TrimJson(content).empty()) {
          line = next;
          continue;
        }
        LineOutcome r = ParseLine(parser, flattener, out, line, content_end, end, copy);
        if (r.ok) {
          out.lines.push_back(line_no);
        } else {
          const char* at = r.at ? r.at : line;
          uint64_t offset = static_cast<uint64_t>(at - begin);
          // Columns count bytes from the physical line's start, a BOM included.
          uint64_t column = static_cast<uint64_t>(at - (line == region ? begin : line)) + 1;
          if (fail_fast) {
            out.failed = true;
            out.error = Status::InvalidInput(JsonMessage(file, line_no, column, r.reason, offset),
                                             r.utf8 ? kUtf8Hint : kBadRecordHint);
            size_t prev = first_failed.load();
            while (i < prev && !first_failed.compare_exchange_weak(prev, i)) {
            }
            break;
          }
          out.rejects.push_back(BadRecord{
              file, line_no, column, r.reason + " (byte offset " + std::to_string(offset) + ")",
              std::string(content)});
        }
        line = next;
      }
    }
  });
  const std::span<ChunkTable> mine(chunks.data() + c0, c1 - c0);
  if (ranks == 1) return Assemble(mine, file, source_name, report, !options.allow_empty);
  // The ranks agree on the first bad record in file order (the lowest failing rank's first)
  // and on the totals, so that every rank returns the single process's error.
  ReadReport share;
  Result<RecordTable> table = Assemble(mine, file, source_name, &share, /*check_empty=*/false);
  WireWriter w;
  PutStatus(w, table.ok() ? Status::Ok() : table.status());
  w.Put<uint64_t>(share.records);
  w.Put<uint64_t>(share.bad);
  const std::vector<std::string> all = group->AllGather(w.Take());
  uint64_t total_rows = 0, total_bad = 0;
  for (const std::string& bytes : all) {
    WireReader in(bytes);
    Status error = GetStatus(in);
    if (!error.ok()) return error;
    total_rows += in.Get<uint64_t>();
    total_bad += in.Get<uint64_t>();
  }
  if (total_rows == 0 && total_bad == 0 && !options.allow_empty) {
    return Status::InvalidInput(file + ": error: empty input (no JSON records)",
                                "check that the right file was given");
  }
  if (total_rows > std::numeric_limits<RowId>::max()) {
    return Status::InvalidInput(file + ": error: more than 2^32-1 records in one input",
                                "split the input into several files");
  }
  if (report != nullptr) {
    report->records += share.records;
    report->bad += share.bad;
    for (BadRecord& b : share.rejects) report->rejects.push_back(std::move(b));
  }
  return table;
}

Result<RecordTable> ParseJsonArray(std::string_view data, const std::string& file,
                                   const std::string& source_name, const ReadOptions& options,
                                   ReadReport* report) {
  if (data.empty()) {
    if (options.allow_empty) {
      RecordTable table;
      table.AddSource(source_name);
      return table;
    }
    return Status::InvalidInput(file + ": error: empty input (0 bytes)",
                                "check that the right file was given");
  }
  const size_t skip = SkipBom(data);
  simdjson::padded_string padded(data.substr(skip));
  const char* base = padded.data();
  const char* base_end = base + padded.size();
  auto offset_of = [&](const char* p) { return static_cast<uint64_t>(skip + (p - base)); };
  // Lines and line starts are found incrementally, so that a file of many elements on one line
  // stays linear: positions mostly move forward (an error may point back: then the count
  // restarts).
  const char* counted_to = base;
  const char* line_start = base;  // start of counted_line
  uint64_t counted_line = 1;
  auto advance_to = [&](const char* p) {
    if (p < counted_to) {
      counted_to = line_start = base;
      counted_line = 1;
    }
    while (const void* nl = std::memchr(counted_to, '\n', static_cast<size_t>(p - counted_to))) {
      counted_to = line_start = static_cast<const char*>(nl) + 1;
      ++counted_line;
    }
    counted_to = p;
  };
  auto line_of = [&](const char* p) {
    advance_to(p);
    return counted_line;
  };
  auto column_of = [&](const char* p) {
    advance_to(p);
    return static_cast<uint64_t>(p - line_start) + 1 + (line_start == base ? skip : 0);
  };
  auto fatal = [&](const char* at, const std::string& reason, bool utf8) {
    if (at == nullptr || at < base || at > base_end) at = base;
    return Status::InvalidInput(
        JsonMessage(file, line_of(at), column_of(at), reason, offset_of(at)),
        utf8 ? "if the file is Latin-1 encoded use --encoding latin-1"
             : "a syntax error in a JSON array cannot be skipped; fix the file, or convert it to "
               "JSON Lines (one object per line) to skip bad records");
  };
  // A simdjson error e with simdjson's location (or null), explained by ScanStructure when that
  // says more.
  auto syntax_error = [&](error_code e, const char* at, std::string reason) {
    if (e == simdjson::UTF8_ERROR) {
      size_t bad = FindInvalidUtf8(std::string_view(base, padded.size()));
      return fatal(bad == std::string_view::npos ? base : base + bad, DescribeError(e), true);
    }
    if (reason.empty()) reason = DescribeError(e);
    StructureError found = ScanStructure(std::string_view(base, padded.size()), "input");
    if (!found.reason.empty() && (at == nullptr || StructuralError(e) || base + found.at <= at)) {
      reason = std::move(found.reason);
      at = base + found.at;
    }
    return fatal(at, reason, false);
  };
  const bool fail_fast = options.on_bad_record == BadRecordPolicy::kFail;

  od::parser parser;
  od::document doc;
  error_code e = parser.iterate(padded).get(doc);
  // doc may be asked for its location only when iterate succeeded.
  if (e != simdjson::SUCCESS) return syntax_error(e, nullptr, {});
  auto doc_location = [&](const char* fallback) {
    const char* loc = nullptr;
    if (doc.current_location().get(loc) != simdjson::SUCCESS) loc = fallback;
    return loc;
  };
  od::array array;
  od::json_type type{};
  e = doc.type().get(type);
  if (e == simdjson::SUCCESS && type != od::json_type::array) {
    return fatal(TrimJson(std::string_view(base, padded.size())).data(),
                 "expected a top-level JSON array of objects", false);
  }
  if (e == simdjson::SUCCESS) e = doc.get_array().get(array);
  if (e != simdjson::SUCCESS) return syntax_error(e, nullptr, {});

  std::vector<ChunkTable> chunks(1);
  ChunkTable& out = chunks[0];
  Flattener flattener;
  for (auto element_result : array) {
    od::value element;
    e = std::move(element_result).get(element);
    const char* at = nullptr;
    if (e == simdjson::SUCCESS) {
      at = element.raw_json_token().data();
      e = element.type().get(type);
    }
    if (e != simdjson::SUCCESS) return syntax_error(e, doc_location(at), {});
    uint64_t line_no = line_of(at);
    std::string reason;
    bool ok = true;
    const char* error_at = at;
    flattener.Reset();
    std::string non_object_raw;
    std::string_view deep_raw;
    if (type != od::json_type::object) {
      ok = false;
      reason = "expected a JSON object in the array";
      if (type == od::json_type::array) {
        // Its text, and a syntax check: the element's end must be found reliably.
        od::array inner;
        std::string_view text;
        e = element.get_array().get(inner);
        if (e == simdjson::SUCCESS) e = inner.raw_json().get(text);
        if (e != simdjson::SUCCESS) return syntax_error(e, doc_location(at), {});
        text = TrimJson(text);
        if (flattener.CheckDepth(text, 1) && !flattener.Validate(text)) {
          return syntax_error(flattener.code(), flattener.error_at(), flattener.reason());
        }
        flattener.Reset();
        non_object_raw = std::string(text);
      } else {
        std::string_view token;
        if (type == od::json_type::string) {
          e = element.get_string().get(token);
          token = TrimJson(element.raw_json_token());
        } else if (!flattener.CheckScalar(element, &token)) {
          return syntax_error(simdjson::SUCCESS, flattener.error_at(), flattener.reason());
        }
        if (e != simdjson::SUCCESS) return syntax_error(e, at, {});
        non_object_raw = std::string(token);
      }
    } else {
      od::object object;
      e = element.get_object().get(object);
      if (e == simdjson::SUCCESS && !flattener.FlattenObject(object, 1)) {
        reason = flattener.reason();
        if (flattener.error_at()) error_at = flattener.error_at();
        if (flattener.code() != simdjson::SUCCESS) {
          return syntax_error(flattener.code(),
                              flattener.error_at() ? flattener.error_at() : doc_location(error_at),
                              reason);
        }
        ok = false;
        if (flattener.too_deep()) {
          // On-Demand will skip the rest of the element by counting brackets: it must be valid
          // JSON for the next element to be found reliably. Validated with a DOM parser sized for
          // its depth (rare: only elements past the limit).
          size_t max_depth = 0;
          size_t len =
              ContainerLength(std::string_view(at, static_cast<size_t>(base_end - at)), &max_depth);
          if (len == std::string_view::npos)
            return syntax_error(simdjson::INCOMPLETE_ARRAY_OR_OBJECT, nullptr, {});
          simdjson::dom::parser deep;
          simdjson::dom::element checked;
          e = deep.allocate(len, max_depth + 1);
          if (e == simdjson::SUCCESS) e = deep.parse(at, len).get(checked);
          if (e != simdjson::SUCCESS) return syntax_error(e, at, {});
          deep_raw = std::string_view(at, len);
        }
      } else if (e != simdjson::SUCCESS) {
        return syntax_error(e, at, {});
      }
      std::string duplicate;
      if (ok && !out.Commit(flattener, &duplicate)) {
        ok = false;
        reason = "duplicate key '" + duplicate + "' in the object";
      }
    }
    if (ok) {
      out.lines.push_back(line_no);
      continue;
    }
    uint64_t err_line = line_of(error_at);
    if (fail_fast) {
      return Status::InvalidInput(
          JsonMessage(file, err_line, column_of(error_at), reason, offset_of(error_at)),
          kBadRecordHint);
    }
    // Raw text of the element: from its first token to the current position.
    const char* raw_end = doc_location(base_end);
    std::string_view raw(at, static_cast<size_t>(std::max(raw_end, at) - at));
    if (type != od::json_type::object) raw = non_object_raw;
    if (!deep_raw.empty()) raw = deep_raw;
    while (type == od::json_type::object && !raw.empty() &&
           (IsJsonSpace(raw.back()) || raw.back() == ',' || raw.back() == ']')) {
      raw.remove_suffix(1);
    }
    out.rejects.push_back(BadRecord{
        file, err_line, column_of(error_at),
        reason + " (byte offset " + std::to_string(offset_of(error_at)) + ")", std::string(raw)});
  }
  if (!AtEnd(doc)) return syntax_error(simdjson::TRAILING_CONTENT, doc_location(base_end), {});
  return Assemble(chunks, file, source_name, report, !options.allow_empty);
}

}  // namespace reclink::io
