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

// The check reads eight bytes at a time: every byte on backgrounds of the bytes next to the four
// (a borrow from one byte into the next must not make or hide a match), of zero and of high bytes.
TEST(CsvWriter, QuotesOnAnyBackgroundAndInEveryLane) {
  const char backgrounds[] = {'x', '\0', '\x01', '\x7f', '\x80', '\xff', '+', '-', '!', '#', '\x0b', '\x0c', '\x0e'};
  for (const char bg : backgrounds) {
    for (int b = 0; b < 256; ++b) {
      for (size_t len : {8u, 9u, 15u, 24u}) {
        EXPECT_EQ(CsvQuote(std::string(len, bg)), Reference(std::string(len, bg)));
        for (size_t at = 0; at < len; ++at) {
          std::string s(len, bg);
          s[at] = static_cast<char>(b);
          EXPECT_EQ(CsvQuote(s), Reference(s)) << "byte " << b << " at " << at << " of " << len << " on " << int{bg};
        }
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
