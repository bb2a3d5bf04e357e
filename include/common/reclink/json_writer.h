// Small helpers for writing JSON text: string quoting and round-trippable numbers.
#pragma once

#include <string>
#include <string_view>

namespace reclink {

// s as a JSON string literal, quotes included; control characters escaped.
std::string JsonQuote(std::string_view s);
// x as JSON: shortest text that reads back to the same double; non-finite values become null.
std::string JsonNumber(double x);

}  // namespace reclink
