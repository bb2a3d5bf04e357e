// Test helpers for the generator.
#include "generator_test_util.h"

#include <gtest/gtest.h>

namespace reclink::gen::testing {

std::string Generate(const GeneratorOptions& options) {
  auto g = Generator::Create(options);
  EXPECT_TRUE(g.ok()) << g.status().ToString();
  if (!g.ok()) return {};
  std::string out;
  Status s = g->Write([&](std::string_view text) {
    out.append(text);
    return Status::Ok();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

bool ParseCsv(const std::string& text, std::vector<std::vector<std::string>>& rows,
              std::string& error) {
  rows.clear();
  std::vector<std::string> row;
  std::string field;
  size_t i = 0, line = 1;
  const size_t n = text.size();
  while (i < n) {
    field.clear();
    if (text[i] == '"') {
      ++i;
      for (;;) {
        if (i >= n) {
          error = "line " + std::to_string(line) + ": unterminated quoted field";
          return false;
        }
        if (text[i] == '"') {
          if (i + 1 < n && text[i + 1] == '"') {
            field.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        if (text[i] == '\n') ++line;
        field.push_back(text[i++]);
      }
      if (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
        error = "line " + std::to_string(line) + ": text after a closing quote";
        return false;
      }
    } else {
      while (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
        if (text[i] == '"') {
          error = "line " + std::to_string(line) + ": quote inside an unquoted field";
          return false;
        }
        field.push_back(text[i++]);
      }
    }
    row.push_back(field);
    if (i < n && text[i] == ',') {
      ++i;
      if (i == n) row.emplace_back();
      continue;
    }
    if (i < n && text[i] == '\r') ++i;
    if (i < n && text[i] == '\n') ++i;
    ++line;
    rows.push_back(std::move(row));
    row.clear();
  }
  return true;
}

}  // namespace reclink::gen::testing
