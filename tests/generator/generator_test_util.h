// Helpers for the generator tests: run the generator into a string, parse RFC 4180 CSV.
#pragma once

#include <string>
#include <vector>

#include "generator/generator.h"

namespace reclink::gen::testing {

// The generator's whole output for these options; fails the test on error.
std::string Generate(const GeneratorOptions& options);

// A strict RFC 4180 parser (LF or CRLF line ends). Returns false with a message on any
// violation: a quote inside an unquoted field, text after a closing quote, an unterminated quote.
bool ParseCsv(const std::string& text, std::vector<std::vector<std::string>>& rows,
              std::string& error);

}  // namespace reclink::gen::testing
