// CSV field quoting: a field is quoted exactly when it holds ',', '"', '\r' or '\n', checked
// against the definition on every byte at every position of short fields.
#include "reclink/csv_writer.h"

#include <gtest/gtest.h>

#include <string>

namespace reclink {
namespace {

// The definition, written out: quote when one of the four bytes occurs, doubling quotes.
std::string Reference(const std::string& s) {
  bool quote = false;
  for (const char c : s) quote |= c == ',' || c == '"' || c == '\r' || c == '\n';
  if (!quote) return s;
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

TEST(CsvWriter, QuotesExactlyTheFieldsThatNeedIt) {
  EXPECT_EQ(CsvQuote(""), "");
  EXPECT_EQ(CsvQuote("0ab3kq7z9m2xv"), "0ab3kq7z9m2xv");
  EXPECT_EQ(CsvQuote("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvQuote("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvQuote("line\nbreak"), "\"line\nbreak\"");
  EXPECT_EQ(CsvQuote("cr\r"), "\"cr\r\"");
  for (int b = 0; b < 256; ++b) {
    for (size_t len : {1u, 2u, 7u, 16u, 33u}) {
      for (size_t at = 0; at < len; ++at) {
        std::string s(len, 'x');
        s[at] = static_cast<char>(b);
        EXPECT_EQ(CsvQuote(s), Reference(s)) << "byte " << b << " at " << at << " of " << len;
      }
    }
  }
}

TEST(CsvWriter, AppendsToWhatIsThere) {
  std::string out = "id,";
  AppendCsvField(out, "a\"b");
  out += ',';
  AppendCsvField(out, "plain");
  EXPECT_EQ(out, "id,\"a\"\"b\",plain");
}

}  // namespace
}  // namespace reclink
