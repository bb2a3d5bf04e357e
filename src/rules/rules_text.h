// Checks on the raw bytes of a rules file before TOML parsing: text, UTF-8, and a nesting bound
// that keeps toml++ (which recurses once per level of nested tables) off the end of the stack.
// Internal to the rules stage.
#pragma once

#include <string>
#include <string_view>

#include "reclink/status.h"

namespace reclink {

// Deepest nesting the rules file may use: dots in one dotted key or table name, and arrays or
// inline tables inside each other. A rules file needs two or three; toml++ limits arrays and
// inline tables to 256 but not dotted keys, and a 1 MiB "[a.a.a...]" overflowed the stack.
inline constexpr int kRulesMaxNesting = 32;

// Ok when text is UTF-8 without NUL bytes and nests at most kRulesMaxNesting deep; otherwise a
// kUsage error "NAME:LINE:COLUMN: error: ..." at the first offending byte (line and column
// 1-based, the column in code points as toml++ counts it). The nesting scan knows comments and
// the four string forms, so dots and brackets inside them do not count; it is a bound, not a
// parser: text it accepts may still be invalid TOML.
Status CheckRulesText(std::string_view text, const std::string& name);

}  // namespace reclink
