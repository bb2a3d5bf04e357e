// Byte-level checks of a rules file (UTF-8, NUL bytes, nesting depth) before toml++ sees it.
#include "rules/rules_text.h"

#include <cstdint>

namespace reclink {
namespace {

// Length of the valid UTF-8 sequence (shortest form, no surrogates, at most U+10FFFF) at s[i],
// or 0 when s[i] does not start one.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  const size_t n = c >= 0xC2 && c <= 0xDF   ? 2
                   : c >= 0xE0 && c <= 0xEF ? 3
                   : c >= 0xF0 && c <= 0xF4 ? 4
                                            : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
  }
  if (c == 0xE0 && b(1) < 0xA0) return 0;   // overlong
  if (c == 0xED && b(1) >= 0xA0) return 0;  // surrogate
  if (c == 0xF0 && b(1) < 0x90) return 0;   // overlong
  if (c == 0xF4 && b(1) >= 0x90) return 0;  // beyond U+10FFFF
  return n;
}

enum class State { kNormal, kComment, kBasic, kLiteral, kMultiBasic, kMultiLiteral };

}  // namespace

Status CheckRulesText(std::string_view text, const std::string& name) {
  uint64_t line = 1, column = 1;
  State state = State::kNormal;
  int dots = 0;            // dots in the current dotted key or table name
  int depth = 0;           // open arrays and inline tables
  bool line_start = true;  // only whitespace so far on this line (outside strings)
  bool in_header = false;  // inside "[a.b]" or "[[a.b]]" (its brackets are not nesting)
  auto error = [&](const std::string& what, const std::string& hint) {
    return Status::Usage(FormatLocation(name, line, column, what), hint);
  };
  const std::string nesting = std::to_string(kRulesMaxNesting);
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '\0') {
      return error("the rules file is not text: a NUL byte at line " + std::to_string(line) +
                       ", column " + std::to_string(column),
                   "--rules takes a TOML text file; see docs/rules.md");
    }
    const size_t n = Utf8SequenceLength(text, i);
    if (n == 0) {
      static constexpr char kHex[] = "0123456789ABCDEF";
      const auto b = static_cast<unsigned char>(c);
      return error(std::string("the rules file is not UTF-8 text: byte 0x") + kHex[b >> 4] +
                       kHex[b & 15] + " at line " + std::to_string(line) + ", column " +
                       std::to_string(column) + " does not start a valid UTF-8 sequence",
                   "save the rules file as UTF-8 (TOML requires it)");
    }
    const std::string_view rest = text.substr(i);
    size_t advance = n;
    switch (state) {
      case State::kComment:
        if (c == '\n') state = State::kNormal;
        break;
      case State::kBasic:
        if (c == '\\' && i + 1 < text.size() && text[i + 1] != '\n') {
          advance = 2;  // an escape; "\"" does not end the string
        } else if (c == '"' || c == '\n') {
          state = State::kNormal;  // a newline ends it too (an error toml++ reports)
        }
        break;
      case State::kLiteral:
        if (c == '\'' || c == '\n') state = State::kNormal;
        break;
      case State::kMultiBasic:
        if (c == '\\' && i + 1 < text.size() && text[i + 1] != '\n') {
          advance = 2;
        } else if (rest.substr(0, 3) == "\"\"\"") {
          state = State::kNormal;
          advance = 3;
        }
        break;
      case State::kMultiLiteral:
        if (rest.substr(0, 3) == "'''") {
          state = State::kNormal;
          advance = 3;
        }
        break;
      case State::kNormal:
        if (c == '#') {
          state = State::kComment;
        } else if (rest.substr(0, 3) == "\"\"\"") {
          state = State::kMultiBasic;
          advance = 3;
        } else if (rest.substr(0, 3) == "'''") {
          state = State::kMultiLiteral;
          advance = 3;
        } else if (c == '"') {
          state = State::kBasic;
        } else if (c == '\'') {
          state = State::kLiteral;
        } else if (c == '.') {
          // Numbers have at most one dot, so many dots in a run can only be a dotted key.
          if (++dots > kRulesMaxNesting) {
            return error("a dotted key or table name nested more than " + nesting + " levels deep",
                         "rules-file keys nest two or three levels, e.g. [fields.first]");
          }
        } else if (c == '[' && line_start && depth == 0) {
          in_header = true;
          dots = 0;
        } else if ((c == '[' || c == '{') && !in_header) {
          dots = 0;
          if (++depth > kRulesMaxNesting) {
            return error("arrays and inline tables nested more than " + nesting + " levels deep",
                         "rules-file values nest at most two levels, e.g. "
                         "columns = { crm = \"Id\" }");
          }
        } else if ((c == ']' || c == '}') && !in_header) {
          dots = 0;
          if (depth > 0) --depth;
        } else if (c == '=' || c == ',' || c == '\n') {
          dots = 0;
        }
        break;
    }
    if (c == '\n') in_header = false;
    if (c != ' ' && c != '\t' && c != '\r') line_start = false;
    // Advance, counting lines and columns over everything consumed (an escape is two ASCII
    // bytes; a closing triple quote three).
    for (size_t k = 0; k < advance && i < text.size();) {
      const size_t m = k == 0 ? n : Utf8SequenceLength(text, i);
      if (m == 0 || (k > 0 && text[i] == '\0')) break;  // reported on the next round
      if (text[i] == '\n') {
        ++line;
        column = 1;
        line_start = true;
      } else {
        ++column;
      }
      i += m;
      k += m;
    }
  }
  return Status::Ok();
}

}  // namespace reclink
