// Tests of the CSV reader: RFC 4180 cases, options, every bad-record case (message, location,
// code), skip/quarantine accounting, and identical tables for any thread count and chunk size.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <random>

#include "io/csv_scan.h"
#include "io_test_util.h"
#include "reclink/reader.h"

namespace reclink {
namespace {

using testing::Cell;
using testing::CsvPath;
using testing::CsvPaths;
using testing::ExpectSameTable;
using testing::ReadText;
using testing::ResetCsvPathForTest;
using testing::UseCsvPathForTest;

TEST(CsvReaderTest, ReadsHeaderValuesNullsAndLines) {
  auto t = ReadText("id,name,city\n1,ann,paris\n2,,\n3,bob,rome", "a.csv");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->num_rows(), 3u);
  ASSERT_EQ(t->num_columns(), 3u);
  EXPECT_EQ(t->column(1).name(), "name");
  EXPECT_EQ(Cell(*t, "name", 0), "ann");
  EXPECT_EQ(Cell(*t, "name", 1), "<null>");  // empty field -> null
  EXPECT_EQ(Cell(*t, "city", 1), "<null>");
  EXPECT_EQ(Cell(*t, "city", 2), "rome");    // last line without newline
  EXPECT_EQ(t->line(0), 2u);
  EXPECT_EQ(t->line(2), 4u);
  EXPECT_EQ(t->source_names().at(0), "src");
  EXPECT_EQ(t->source(2), 0);
}

TEST(CsvReaderTest, QuotedFieldsWithDelimitersQuotesNewlinesAndCrlf) {
  std::string text =
      "id,note,x\r\n"
      "1,\"a,b\",\"say \"\"hi\"\"\"\r\n"
      "2,\"two\r\nlines\nhere\",\"\"\r\n"
      "3,plain,\"\"\"\"\r\n";
  auto t = ReadText(text, "q.csv");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->num_rows(), 3u);
  EXPECT_EQ(Cell(*t, "note", 0), "a,b");
  EXPECT_EQ(Cell(*t, "x", 0), "say \"hi\"");
  EXPECT_EQ(Cell(*t, "note", 1), "two\r\nlines\nhere");  // embedded line breaks kept as is
  EXPECT_EQ(Cell(*t, "x", 1), "<null>");                  // "" is an empty field: null
  EXPECT_EQ(Cell(*t, "x", 2), "\"");
  EXPECT_EQ(Cell(*t, "id", 2), "3");
  EXPECT_EQ(t->line(0), 2u);
  EXPECT_EQ(t->line(1), 3u);
  EXPECT_EQ(t->line(2), 6u);  // after the record spanning lines 3-5
}

TEST(CsvReaderTest, SkipsBomAndBlankLines) {
  auto t = ReadText("\xEF\xBB\xBFid,name\n\n1,ann\r\n\r\n2,bob\n\n", "b.csv");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->num_rows(), 2u);
  EXPECT_EQ(t->column(0).name(), "id");
  EXPECT_EQ(t->line(0), 3u);
  EXPECT_EQ(t->line(1), 5u);
}

TEST(CsvReaderTest, Delimiters) {
  for (char d : {';', '|', '\t'}) {
    std::string text = std::string("id") + d + "name\n1" + d + "a,b\n";
    ReadOptions options;
    options.delimiter = d;
    auto t = ReadText(text, "d.csv", options);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    EXPECT_EQ(Cell(*t, "name", 0), "a,b");
  }
  auto tsv = ReadText("id\tname\n1\tx y\n", "d.tsv");  // tab by default for .tsv
  ASSERT_TRUE(tsv.ok()) << tsv.status().ToString();
  EXPECT_EQ(Cell(*tsv, "name", 0), "x y");
  auto gz_name = ReadText("id\tname\n1\tz\n", "d.TSV.gz");
  ASSERT_TRUE(gz_name.ok());
  EXPECT_EQ(Cell(*gz_name, "name", 0), "z");
}

// header = false: the first record is data; columns named by the caller or column_1..N; lines
// and the field-count check work as with a header.
TEST(CsvReaderTest, NoHeaderRow) {
  ReadOptions o;
  o.header = false;
  auto t = testing::ReadText("\n1,Ann,\"Smith, Jr\"\n2,Bob,Jones\n", "h.csv", o);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->num_rows(), 2u);
  ASSERT_EQ(t->num_columns(), 3u);
  EXPECT_EQ(t->column(0).name(), "column_1");
  EXPECT_EQ(t->column(2).name(), "column_3");
  EXPECT_EQ(t->column(2).Get(0), "Smith, Jr");
  EXPECT_EQ(t->line(0), 2u);
  EXPECT_EQ(t->line(1), 3u);
  o.column_names = {"id", "first", "last"};
  t = testing::ReadText("1,Ann,Smith\n2,Bob\n", "h.csv", o);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("h.csv:2:"), std::string::npos) << t.status().message();
  t = testing::ReadText("1,Ann,Smith\n2,Bob,Jones\n", "h.csv", o);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->column(1).name(), "first");
  EXPECT_EQ(t->column(1).Get(1), "Bob");
  o.column_names.clear();
  t = testing::ReadText("1,\"Ann\n", "h.csv", o);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("bad first record (without a header row it sets the number of columns)"),
            std::string::npos) << t.status().message();
}

// Another quote character, or none: the same grammar with that byte; '"' is then an ordinary
// character, and so is the quote character with quoting off.
TEST(CsvReaderTest, OtherQuoteCharacterOrNone) {
  ReadOptions o;
  o.quote = '\'';
  auto t = testing::ReadText("id,name,note\n1,'Smith, Jr','say \"hi\" and ''bye'''\n2,O\"Neil,x\n", "q.csv", o);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->num_rows(), 2u);
  EXPECT_EQ(t->column(1).Get(0), "Smith, Jr");
  EXPECT_EQ(t->column(2).Get(0), "say \"hi\" and 'bye'");
  EXPECT_EQ(t->column(1).Get(1), "O\"Neil");
  o.quote = 0;
  t = testing::ReadText("id,name\n1,\"Bob\" Smith\n2,'x'\n", "q.csv", o);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->column(1).Get(0), "\"Bob\" Smith");
  EXPECT_EQ(t->column(1).Get(1), "'x'");
  // Bad quoting is still located, and the rejected record's bytes are as in the file.
  o.quote = '\'';
  o.on_bad_record = BadRecordPolicy::kSkip;
  ReadReport report;
  t = testing::ReadText("id,name\n1,'open \"q\"\n2,ok\n", "q.csv", o, &report);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(report.rejects.size(), 1u);
  EXPECT_EQ(report.rejects[0].line, 2u);
  EXPECT_NE(report.rejects[0].raw.find("'open \"q\""), std::string::npos) << report.rejects[0].raw;
}

TEST(CsvReaderTest, TrimSpacesForFebrlStyle) {
  std::string text = "rec_id, given_name, surname\nrec-1-org, john , \"smith, jr\" \nrec-2, ,x\n";
  ReadOptions options;
  options.trim_spaces = true;
  auto t = ReadText(text, "febrl.csv", options);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->column(1).name(), "given_name");
  EXPECT_EQ(Cell(*t, "given_name", 0), "john");
  EXPECT_EQ(Cell(*t, "surname", 0), "smith, jr");
  EXPECT_EQ(Cell(*t, "given_name", 1), "<null>");
  // Without trimming the space before the quote makes the quote part of an unquoted field.
  auto untrimmed = ReadText(text, "febrl.csv");
  ASSERT_FALSE(untrimmed.ok());
  EXPECT_EQ(untrimmed.status().message(),
            "febrl.csv:2:19: error: quote inside unquoted field ' surname' (quote the whole field "
            "and double the quote)");
  auto spaces_kept = ReadText("a, b\n1, x \n", "f.csv");
  ASSERT_TRUE(spaces_kept.ok());
  EXPECT_EQ(spaces_kept->column(1).name(), " b");
  EXPECT_EQ(Cell(*spaces_kept, " b", 0), " x ");
}

TEST(CsvReaderTest, Latin1IsTranscoded) {
  ReadOptions options;
  options.encoding = Encoding::kLatin1;
  auto t = ReadText("id,name\n1,Jos\xE9\n", "l.csv", options);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(Cell(*t, "name", 0), "Jos\xC3\xA9");
}

TEST(CsvReaderTest, ValidUtf8IsKept) {
  auto t = ReadText("id,name\n1,Zo\xC3\xAB \xE6\x9D\xB1 \xF0\x9F\x98\x80\n", "u.csv");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(Cell(*t, "name", 0), "Zo\xC3\xAB \xE6\x9D\xB1 \xF0\x9F\x98\x80");
}

TEST(CsvReaderTest, HeaderNames) {
  auto t = ReadText("id,,x\n1,2,3\n", "h.csv");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->column(1).name(), "column_2");
  auto dup = ReadText("id,name,name\n1,2,3\n", "h.csv");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), StatusCode::kInvalidInput);
  EXPECT_EQ(dup.status().message(), "h.csv:1:9: error: duplicate column name 'name' in the header row");
}

// Each bad-record case: the message with its location, the status code and exit code 3.
struct BadCase {
  const char* text;
  const char* message;
};

TEST(CsvReaderTest, BadRecordsFailWithLocation) {
  const BadCase cases[] = {
      {"id,a,b\n1,x,y\n2,x,y,z\n", "bad.csv:3:7: error: expected 3 fields (as in the header), found 4 (1 extra after 'b')"},
      {"id,a,b\n1,x,y\n2,x\n", "bad.csv:3:4: error: expected 3 fields (as in the header), found 2 (missing 'b')"},
      {"id,a,b\n1,x,y\n2,\"open,y\n3,x,y\n",
       "bad.csv:3:3: error: unterminated quoted field 'a' (the quote opened here is never closed: it "
       "would swallow the 1 line after this one, to the end of the input)"},
      {"id,a,b\n1,x,y\n2,ab\"c,y\n",
       "bad.csv:3:5: error: quote inside unquoted field 'a' (quote the whole field and double the "
       "quote)"},
      {"id,a,b\n1,\"x\"y,z\n",
       "bad.csv:2:6: error: unexpected 'y' after the closing quote of field 'a' (expected a "
       "delimiter or the end of the line)"},
      {"id,a,b\n1,x,y\n2\n", "bad.csv:3:2: error: expected 3 fields (as in the header), found 1 (missing 'a' "
                              "and the 1 after it)"},
      {"id,a,b\n1,x,y\n2,x,y,z\"q\n",
       "bad.csv:3:8: error: quote inside unquoted field 4 (the header has 3) (quote the whole field and "
       "double the quote)"},
      {"id,a,b\n1,x,y\n2,x,\"caf\xE9\"\n", "bad.csv:3:9: error: invalid UTF-8 (byte 0xe9) in field 'b'"},
      {"id,a,b\n1,x,y\n\xFF,x,y\n", "bad.csv:3:1: error: invalid UTF-8 (byte 0xff) in field 'id'"},
      {"id,a,b\n1,x,y\n2,\"multi\nline\",caf\xE9\n", "bad.csv:4:10: error: invalid UTF-8 (byte 0xe9) in field 'b'"},
  };
  for (const BadCase& c : cases) {
    for (size_t chunk : {size_t{1}, size_t{5}, size_t{4} << 20}) {
      ReadOptions options;
      options.chunk_bytes = chunk;
      auto t = ReadText(c.text, "bad.csv", options);
      ASSERT_FALSE(t.ok()) << c.text;
      EXPECT_EQ(t.status().code(), StatusCode::kInvalidInput);
      EXPECT_EQ(ExitCodeFor(t.status()), 3);
      EXPECT_EQ(t.status().message(), c.message) << "chunk " << chunk;
      EXPECT_NE(t.status().hint().find("--on-bad-record"), std::string::npos);
    }
  }
}

TEST(CsvReaderTest, InvalidUtf8HintNamesLatin1) {
  auto t = ReadText("id,name\n1,Jos\xE9\n", "l.csv");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message(), "l.csv:2:6: error: invalid UTF-8 (byte 0xe9) in field 'name'");
  EXPECT_NE(t.status().hint().find("--encoding latin-1"), std::string::npos);
  auto overlong = ReadText("id,name\n1,\xC0\xAF\n", "l.csv");
  ASSERT_FALSE(overlong.ok());
  EXPECT_EQ(overlong.status().message(), "l.csv:2:3: error: invalid UTF-8 (byte 0xc0) in field 'name'");
}

TEST(CsvReaderTest, InvalidUtf8IsFoundInLongRecordsAcrossBlocks) {
  // Records longer than the 64-byte scan blocks, with the bad byte early, late, or alone.
  const std::string filler(150, 'x');
  for (size_t at : {size_t{0}, size_t{5}, size_t{63}, size_t{64}, size_t{149}}) {
    std::string value = filler;
    value[at] = '\xFF';
    std::string text = "id,a,b\n1," + filler + ",y\n2," + value + ",z\n3,ok,\xC3\xA9\n";
    for (size_t chunk : {size_t{1}, size_t{50}, size_t{1} << 20}) {
      ReadOptions options;
      options.chunk_bytes = chunk;
      auto t = ReadText(text, "l.csv", options);
      ASSERT_FALSE(t.ok());
      EXPECT_EQ(t.status().message(),
                "l.csv:3:" + std::to_string(3 + at) + ": error: invalid UTF-8 (byte 0xff) in field 'a'");
    }
  }
}

TEST(CsvReaderTest, EmptyAndHeaderOnlyInputsAreErrors) {
  auto empty = ReadText("", "e.csv");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), StatusCode::kInvalidInput);
  EXPECT_EQ(empty.status().message(), "e.csv: error: empty input (0 bytes)");
  auto blank = ReadText("\n\r\n\n", "e.csv");
  ASSERT_FALSE(blank.ok());
  EXPECT_EQ(blank.status().message(), "e.csv: error: empty input (no header row, only blank lines)");
  auto header_only = ReadText("id,name\n", "h.csv");
  ASSERT_FALSE(header_only.ok());
  EXPECT_EQ(header_only.status().code(), StatusCode::kInvalidInput);
  EXPECT_EQ(ExitCodeFor(header_only.status()), 3);
  EXPECT_EQ(header_only.status().message(), "h.csv: error: no records after the header row");
  auto header_only_blank = ReadText("id,name\n\n\n", "h.csv");
  ASSERT_FALSE(header_only_blank.ok());
}

// ReadOptions::allow_empty (an incremental night's extract): no records is a table of none,
// with the header's columns when there is a header.
TEST(CsvReaderTest, AllowEmptyReadsNoRecordsAsAnEmptyTable) {
  ReadOptions o;
  o.allow_empty = true;
  for (const std::string& text : {std::string(""), std::string("\n\r\n")}) {
    auto t = ReadText(text, "e.csv", o);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    EXPECT_EQ(t->num_rows(), 0u);
    EXPECT_EQ(t->num_columns(), 0u);
  }
  for (const std::string& text : {std::string("id,name\n"), std::string("id,name"), std::string("id,name\n\n\n")}) {
    ReadReport report;
    auto t = ReadText(text, "h.csv", o, &report);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    EXPECT_EQ(t->num_rows(), 0u);
    ASSERT_EQ(t->num_columns(), 2u);
    EXPECT_EQ(t->column(1).name(), "name");
    EXPECT_EQ(report.records, 0u);
  }
  // A bad record is still one (and fails by default).
  EXPECT_FALSE(ReadText("id,name\n\"1,x\n", "b.csv", o).ok());
}

TEST(CsvReaderTest, ReportsTheFirstBadRecordWhateverTheChunking) {
  std::string text = "id,a\n";
  for (int i = 0; i < 200; ++i) text += std::to_string(i) + ",\"v\nw\"\n";
  text += "bad,1,2\n";  // line 402
  for (int i = 0; i < 50; ++i) text += "x,\"u\"\"\n";  // unterminated-looking later garbage
  for (int threads : {1, 2, 8}) {
    for (size_t chunk : {size_t{1}, size_t{7}, size_t{64}, size_t{4096}}) {
      ReadOptions options;
      options.chunk_bytes = chunk;
      auto t = ReadText(text, "f.csv", options, nullptr, threads);
      ASSERT_FALSE(t.ok());
      EXPECT_EQ(t.status().message(), "f.csv:402:7: error: expected 2 fields (as in the header), found 3 (1 extra after 'a')");
    }
  }
}

TEST(CsvReaderTest, SkipAndQuarantineCountRejectsInFileOrder) {
  // A stray quote in an unquoted field (line 6) is a bad record of its own line; so is line 8,
  // whose quote is never closed. Reading resumes on the next line each time, whatever the
  // chunking.
  std::string text = "id,a\n1,x\n2,x,extra\n3,\"ok\nok\"\n4,b\"ad\n5,y\n6,\"q\n7,z\n";
  for (auto policy : {BadRecordPolicy::kSkip, BadRecordPolicy::kQuarantine}) {
    for (int threads : {1, 2, 8}) {
      for (size_t chunk : {size_t{1}, size_t{3}, size_t{1} << 20}) {
        ReadOptions options;
        options.on_bad_record = policy;
        options.chunk_bytes = chunk;
        ReadReport report;
        auto t = ReadText(text, "s.csv", options, &report, threads);
        ASSERT_TRUE(t.ok()) << t.status().ToString();
        ASSERT_EQ(t->num_rows(), 4u);
        EXPECT_EQ(Cell(*t, "id", 0), "1");
        EXPECT_EQ(Cell(*t, "a", 1), "ok\nok");
        EXPECT_EQ(Cell(*t, "id", 2), "5");
        EXPECT_EQ(t->line(2), 7u);
        EXPECT_EQ(Cell(*t, "id", 3), "7");
        EXPECT_EQ(t->line(3), 9u);
        EXPECT_EQ(report.records, 4u);
        EXPECT_EQ(report.bad, 3u);
        ASSERT_EQ(report.rejects.size(), 3u);
        EXPECT_EQ(report.rejects[0].file, "s.csv");
        EXPECT_EQ(report.rejects[0].line, 3u);
        EXPECT_EQ(report.rejects[0].column, 5u);
        EXPECT_EQ(report.rejects[0].reason, "expected 2 fields (as in the header), found 3 (1 extra after 'a')");
        EXPECT_EQ(report.rejects[0].raw, "2,x,extra");
        EXPECT_EQ(report.rejects[1].line, 6u);
        EXPECT_EQ(report.rejects[1].column, 4u);
        EXPECT_EQ(report.rejects[1].reason,
                  "quote inside unquoted field 'a' (quote the whole field and double the quote)");
        EXPECT_EQ(report.rejects[1].raw, "4,b\"ad");
        EXPECT_EQ(report.rejects[2].line, 8u);
        EXPECT_EQ(report.rejects[2].column, 3u);
        EXPECT_EQ(report.rejects[2].reason,
                  "unterminated quoted field 'a' (the quote opened here is never closed: it would "
                  "swallow the 1 line after this one, to the end of the input)");
        EXPECT_EQ(report.rejects[2].raw, "6,\"q");
      }
    }
  }
}

TEST(CsvReaderTest, UnterminatedQuoteRejectsOnlyItsLineWhenSkipped) {
  ReadOptions options;
  options.on_bad_record = BadRecordPolicy::kSkip;
  ReadReport report;
  auto t = ReadText("id,a\r\n1,x\r\n2,\"never closed\r\n3,z\r\n", "u.csv", options, &report);
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t->num_rows(), 2u);
  EXPECT_EQ(Cell(*t, "id", 1), "3");
  EXPECT_EQ(t->line(1), 4u);
  ASSERT_EQ(report.rejects.size(), 1u);
  EXPECT_EQ(report.rejects[0].line, 3u);
  EXPECT_EQ(report.rejects[0].column, 3u);
  EXPECT_EQ(report.rejects[0].raw, "2,\"never closed");
}

TEST(CsvReaderTest, AllRecordsBadIsNotHeaderOnly) {
  ReadOptions options;
  options.on_bad_record = BadRecordPolicy::kSkip;
  ReadReport report;
  auto t = ReadText("id,a\n1,2,3\n", "x.csv", options, &report);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->num_rows(), 0u);
  EXPECT_EQ(t->num_columns(), 2u);
  EXPECT_EQ(report.bad, 1u);
}

// Random CSV with quotes, delimiters, CRLF/LF, embedded newlines, empty and non-ASCII fields.
struct RandomCsv {
  std::string text;
  std::vector<std::vector<std::string>> rows;  // expected values; "" means null
  std::vector<uint64_t> lines;
};

RandomCsv MakeRandomCsv(uint32_t seed, int num_rows, int num_cols, bool with_spaces = true) {
  std::mt19937 rng(seed);
  std::vector<std::string> pieces = {"a", "b", "Z", "0", ",", "\"", "\n", "\r\n", "\xC3\xA9", "xyz", "\t"};
  if (with_spaces) pieces.push_back(" ");
  RandomCsv out;
  uint64_t line = 1;
  for (int c = 0; c < num_cols; ++c) out.text += (c ? "," : "") + std::string("c") + std::to_string(c);
  out.text += "\n";
  ++line;
  for (int r = 0; r < num_rows; ++r) {
    std::vector<std::string> row;
    out.lines.push_back(line);
    for (int c = 0; c < num_cols; ++c) {
      std::string v;
      int len = static_cast<int>(rng() % 6);
      if (rng() % 5 == 0) len = 0;
      for (int k = 0; k < len; ++k) v += pieces[rng() % pieces.size()];
      // A record whose only field is empty would be a blank line: keep a value.
      if (num_cols == 1 && v.empty()) v = "x";
      bool must_quote = v.find_first_of(",\"\r\n") != std::string::npos;
      if (c > 0) out.text += ",";
      if (must_quote || rng() % 4 == 0) {
        out.text += "\"";
        for (char ch : v) {
          if (ch == '"') out.text += "\"";
          out.text += ch;
          if (ch == '\n') ++line;
        }
        out.text += "\"";
      } else {
        out.text += v;
      }
      row.push_back(v);
    }
    out.text += rng() % 3 == 0 ? "\r\n" : "\n";
    ++line;
    out.rows.push_back(row);
  }
  return out;
}

TEST(CsvReaderTest, RandomCsvIsIdenticalForAnyThreadsAndChunks) {
  for (uint32_t seed : {1u, 2u, 3u}) {
    for (int cols : {1, 4}) {
      RandomCsv csv = MakeRandomCsv(seed, 300, cols);
      ReadOptions base_options;
      auto reference = ReadText(csv.text, "r.csv", base_options, nullptr, 1);
      ASSERT_TRUE(reference.ok()) << reference.status().ToString();
      ASSERT_EQ(reference->num_rows(), csv.rows.size());
      for (size_t r = 0; r < csv.rows.size(); ++r) {
        ASSERT_EQ(reference->line(static_cast<RowId>(r)), csv.lines[r]) << "row " << r;
        for (int c = 0; c < cols; ++c) {
          const std::string& want = csv.rows[r][static_cast<size_t>(c)];
          ASSERT_EQ(Cell(*reference, "c" + std::to_string(c), static_cast<RowId>(r)),
                    want.empty() ? "<null>" : want)
              << "seed " << seed << " row " << r << " col " << c;
        }
      }
      for (int threads : {1, 2, 8}) {
        for (size_t chunk : {size_t{1}, size_t{7}, size_t{64}, size_t{1000}}) {
          ReadOptions options;
          options.chunk_bytes = chunk;
          auto t = ReadText(csv.text, "r.csv", options, nullptr, threads);
          ASSERT_TRUE(t.ok()) << t.status().ToString();
          ExpectSameTable(*reference, *t);
        }
      }
    }
  }
}

// Columns of more than 4 GiB of text take 8-byte offsets; the reader's writes through them
// (forced here, on small inputs) must give the same table.
TEST(CsvReaderTest, WideOffsetColumnsGiveTheSameTable) {
  for (uint32_t seed : {4u, 5u}) {
    RandomCsv csv = MakeRandomCsv(seed, 400, 3);
    auto narrow = ReadText(csv.text, "w.csv", ReadOptions{}, nullptr, 2);
    ASSERT_TRUE(narrow.ok()) << narrow.status().ToString();
    ASSERT_FALSE(narrow->column(0).wide());
    for (size_t chunk : {size_t{7}, size_t{1} << 20}) {
      ReadOptions options;
      options.chunk_bytes = chunk;
      Column::SetAlwaysWideForTesting(true);
      auto wide = ReadText(csv.text, "w.csv", options, nullptr, 2);
      Column::SetAlwaysWideForTesting(false);
      ASSERT_TRUE(wide.ok()) << wide.status().ToString();
      ASSERT_TRUE(wide->column(0).wide());
      ExpectSameTable(*narrow, *wide);
    }
  }
}

// The bit-parallel fast path and the reference record parser (used for every record when
// trimming, which changes nothing on data without spaces) must build the same table.
TEST(CsvReaderTest, FastPathAgreesWithReferenceParser) {
  for (uint32_t seed : {7u, 8u, 9u, 10u}) {
    RandomCsv csv = MakeRandomCsv(seed, 500, 3, /*with_spaces=*/false);
    for (size_t chunk : {size_t{1}, size_t{13}, size_t{100}, size_t{1} << 20}) {
      ReadOptions fast;
      fast.chunk_bytes = chunk;
      ReadOptions reference = fast;
      reference.trim_spaces = true;
      auto a = ReadText(csv.text, "f.csv", fast);
      auto b = ReadText(csv.text, "f.csv", reference);
      ASSERT_TRUE(a.ok()) << a.status().ToString();
      ASSERT_TRUE(b.ok()) << b.status().ToString();
      ExpectSameTable(*a, *b);
    }
  }
}

// Skipped bad records (invalid UTF-8 beside valid non-ASCII, ragged, stray quotes) among good
// ones: the count and write passes must agree on every record whatever the chunking.
TEST(CsvReaderTest, SkippedRecordsGiveTheSameTableForAnyThreadsAndChunks) {
  std::string text = "id,name,city\n";
  int good = 0;
  for (int i = 0; i < 120; ++i) {
    text += std::to_string(i);
    switch (i % 6) {
      case 0: text += ",Jos\xC3\xA9,S\xC3\xA3o Paulo\n"; ++good; break;
      case 1: text += ",Jos\xE9,Lyon\n"; break;  // invalid UTF-8
      case 2: text += ",\"Ann \"\"A\"\"\",\"Leeds, UK\"\r\n"; ++good; break;
      case 3: text += ",x\n"; break;  // ragged
      case 4: text += ",\"multi\nline\",\n"; ++good; break;
      default: text += ",plain,\n"; ++good; break;
    }
  }
  ReadOptions base;
  base.on_bad_record = BadRecordPolicy::kSkip;
  ReadReport base_report;
  auto reference = ReadText(text, "s.csv", base, &base_report, 1);
  ASSERT_TRUE(reference.ok()) << reference.status().ToString();
  ASSERT_EQ(reference->num_rows(), static_cast<size_t>(good));
  EXPECT_EQ(base_report.bad, 40u);
  EXPECT_EQ(Cell(*reference, "name", 0), "Jos\xC3\xA9");
  EXPECT_EQ(Cell(*reference, "name", 1), "Ann \"A\"");
  EXPECT_EQ(Cell(*reference, "city", 1), "Leeds, UK");
  EXPECT_EQ(Cell(*reference, "name", 2), "multi\nline");
  EXPECT_EQ(Cell(*reference, "city", 2), "<null>");
  for (int threads : {1, 2, 8}) {
    for (size_t chunk : {size_t{1}, size_t{5}, size_t{64}, size_t{333}}) {
      ReadOptions options = base;
      options.chunk_bytes = chunk;
      ReadReport report;
      auto t = ReadText(text, "s.csv", options, &report, threads);
      ASSERT_TRUE(t.ok()) << t.status().ToString();
      ExpectSameTable(*reference, *t);
      EXPECT_EQ(report.bad, base_report.bad);
    }
  }
}


// Every path of the fast path (the baseline one and, when this CPU has it, the AVX2 one) builds the same table, line numbers and rejects, on varied inputs and chunkings.
TEST(CsvReaderTest, EveryFastPathGivesTheSameTable) {
  const std::vector<CsvPath> paths = CsvPaths();
  ASSERT_FALSE(paths.empty());
  std::vector<std::string> inputs;
  for (uint32_t seed : {21u, 22u, 23u}) {
    inputs.push_back(MakeRandomCsv(seed, 400, 3, /*with_spaces=*/false).text);
    inputs.push_back(MakeRandomCsv(seed, 200, 1, /*with_spaces=*/false).text);
  }
  {  // bad rows of every kind among good ones, long fields crossing blocks, a final partial row
    std::string text = "id,name,city\n";
    const std::string long_value(150, 'L');
    for (int i = 0; i < 300; ++i) {
      text += std::to_string(i);
      switch (i % 9) {
        case 0: text += ",Jos\xC3\xA9,S\xC3\xA3o Paulo\n"; break;
        case 1: text += ",Jos\xE9,Lyon\n"; break;  // invalid UTF-8
        case 2: text += ",\"Ann \"\"A\"\"\",\"Leeds, UK\"\r\n"; break;
        case 3: text += ",x\n"; break;  // too few fields
        case 4: text += ",\"multi\nline\",\n"; break;
        case 5: text += ",a,b,c\n"; break;  // too many fields
        case 6: text += ",bad\"quote,x\n"; break;
        case 7: text += "," + long_value + ",\"" + long_value + "\n" + long_value + "\"\n\n"; break;
        default: text += ",plain,\r\n"; break;
      }
    }
    text += "999,last,\"row\"";
    inputs.push_back(text);
  }
  for (size_t k = 0; k < inputs.size(); ++k) {
    for (size_t chunk : {size_t{1}, size_t{7}, size_t{64}, size_t{1000}, size_t{1} << 20}) {
      ReadOptions options;
      options.on_bad_record = BadRecordPolicy::kSkip;
      options.chunk_bytes = chunk;
      UseCsvPathForTest(paths.back());
      ReadReport want_report;
      auto want = ReadText(inputs[k], "path.csv", options, &want_report, 2);
      ResetCsvPathForTest();
      ASSERT_TRUE(want.ok()) << want.status().ToString();
      if (k == inputs.size() - 1) {
        EXPECT_GT(want_report.bad, 100u);
      }
      for (const CsvPath& path : paths) {
        for (int threads : {1, 2}) {
          UseCsvPathForTest(path);
          ReadReport report;
          auto got = ReadText(inputs[k], "path.csv", options, &report, threads);
          ResetCsvPathForTest();
          ASSERT_TRUE(got.ok()) << got.status().ToString();
          SCOPED_TRACE("input " + std::to_string(k) + " chunk " + std::to_string(chunk) + " path " + path.name);
          ExpectSameTable(*want, *got);
          ASSERT_EQ(report.records, want_report.records);
          ASSERT_EQ(report.bad, want_report.bad);
          ASSERT_EQ(report.rejects.size(), want_report.rejects.size());
          for (size_t j = 0; j < report.rejects.size(); ++j) {
            EXPECT_EQ(report.rejects[j].line, want_report.rejects[j].line);
            EXPECT_EQ(report.rejects[j].column, want_report.rejects[j].column);
            EXPECT_EQ(report.rejects[j].reason, want_report.rejects[j].reason);
            EXPECT_EQ(report.rejects[j].raw, want_report.rejects[j].raw);
          }
        }
      }
    }
  }
  // The fail policy reports the same first error on every path.
  ReadOptions fail;
  fail.chunk_bytes = 64;
  std::vector<std::string> errors(paths.size());
  for (size_t j = 0; j < paths.size(); ++j) {
    UseCsvPathForTest(paths[j]);
    auto t = ReadText(inputs.back(), "path.csv", fail);
    ResetCsvPathForTest();
    ASSERT_FALSE(t.ok());
    errors[j] = t.status().ToString();
  }
  for (size_t j = 1; j < paths.size(); ++j) {
    EXPECT_EQ(errors[j], errors[0]) << paths[j].name;
  }
}

// Value lengths around the write pass's fixed-size block copy (0 to 70 bytes: nulls, values
// that fill the block, values longer than it), in records with and without quotes, up to the
// last bytes of the input (where values are copied exactly): the expected values and lines on
// every path, chunking (a chunk's part of a column can be shorter than one block), thread count
// and offset width.
TEST(CsvReaderTest, ValueLengthsAroundTheWriteBlockGiveTheExpectedTable) {
  const std::vector<CsvPath> paths = CsvPaths();
  ASSERT_FALSE(paths.empty());
  std::mt19937 rng(31);
  std::string text = "a,b,c\n";
  std::vector<std::vector<std::string>> rows;
  std::vector<uint64_t> lines;
  uint64_t line = 2;
  for (int r = 0; r < 300; ++r) {
    const bool quoted_record = r % 3 == 1;
    std::vector<std::string> row;
    lines.push_back(line);
    for (int c = 0; c < 3; ++c) {
      const size_t len = rng() % 4 == 0 ? 30 + rng() % 5 : rng() % 71;
      std::string v;
      for (size_t k = 0; k < len; ++k) v += static_cast<char>('a' + (r + c + k) % 26);
      if (quoted_record && c == 1 && len > 3) v[len / 2] = ',';
      if (c > 0) text += ",";
      if (quoted_record && (c == 1 || rng() % 2 == 0)) {
        text += "\"" + v + "\"";
      } else {
        text += v;
      }
      row.push_back(v);
    }
    // A record whose only content is empty fields is no blank line (there are delimiters).
    text += r % 5 == 0 ? "\r\n" : "\n";
    ++line;
    rows.push_back(row);
  }
  for (const std::string& end : {std::string("\n"), std::string("")}) {
    const std::string input = end.empty() ? text.substr(0, text.size() - 1) : text;
    for (const CsvPath& path : paths) {
      for (bool wide : {false, true}) {
        for (size_t chunk : {size_t{1}, size_t{7}, size_t{64}, size_t{100}, size_t{8000}, size_t{1} << 20}) {
          for (int threads : {1, 2}) {
            ReadOptions options;
            options.chunk_bytes = chunk;
            UseCsvPathForTest(path);
            Column::SetAlwaysWideForTesting(wide);
            auto t = ReadText(input, "len.csv", options, nullptr, threads);
            Column::SetAlwaysWideForTesting(false);
            ResetCsvPathForTest();
            ASSERT_TRUE(t.ok()) << t.status().ToString();
            SCOPED_TRACE("path " + path.name + " wide " +
                         std::to_string(wide) + " chunk " + std::to_string(chunk) + " threads " +
                         std::to_string(threads) + " final newline " + std::to_string(!end.empty()));
            ASSERT_EQ(t->num_rows(), rows.size());
            ASSERT_EQ(t->column(0).wide(), wide);
            for (size_t r = 0; r < rows.size(); ++r) {
              ASSERT_EQ(t->line(static_cast<RowId>(r)), lines[r]) << "row " << r;
              for (size_t c = 0; c < 3; ++c) {
                const std::string& want = rows[r][c];
                ASSERT_EQ(Cell(*t, std::string(1, static_cast<char>('a' + c)), static_cast<RowId>(r)),
                          want.empty() ? "<null>" : want)
                    << "row " << r << " col " << c;
              }
            }
          }
        }
      }
    }
  }
}

// Columns holding no text at all (every value null) have no arena to write to.
TEST(CsvReaderTest, AllNullColumnsOnEveryPath) {
  const std::vector<CsvPath> paths = CsvPaths();
  ASSERT_FALSE(paths.empty());
  std::string text = "a,b,c\n";
  for (int r = 0; r < 100; ++r) text += std::to_string(r) + (r % 2 ? ",,\n" : ",\"\",\r\n");
  for (const CsvPath& path : paths) {
    for (size_t chunk : {size_t{1}, size_t{64}, size_t{1} << 20}) {
      ReadOptions options;
      options.chunk_bytes = chunk;
      UseCsvPathForTest(path);
      auto t = ReadText(text, "null.csv", options);
      ResetCsvPathForTest();
      ASSERT_TRUE(t.ok()) << t.status().ToString();
      ASSERT_EQ(t->num_rows(), 100u);
      for (RowId r = 0; r < 100; ++r) {
        EXPECT_EQ(Cell(*t, "a", r), std::to_string(r));
        EXPECT_EQ(Cell(*t, "b", r), "<null>");
        EXPECT_EQ(Cell(*t, "c", r), "<null>");
        EXPECT_EQ(t->line(r), r + 2);
      }
    }
  }
}

}  // namespace
}  // namespace reclink

namespace reclink {
namespace {

// Long values, and records spilling far (more than a chunk) past their chunk's start.
TEST(CsvReaderTest, LongValuesAndFarSpillingRecords) {
  const std::string mid(1500, 'm');
  const std::string huge((5u << 20) + 7, 'h');
  std::string text = "id,a,b\n1,x," + mid + "\n2,\"" + huge + "\",tail\n3,\"q\"\"q\"," + mid + "y\n4,z,w\n";
  for (size_t chunk : {size_t{3}, size_t{4096}, size_t{4} << 20, size_t{64} << 20}) {
    ReadOptions options;
    options.chunk_bytes = chunk;
    auto t = ReadText(text, "long.csv", options);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    ASSERT_EQ(t->num_rows(), 4u);
    EXPECT_EQ(Cell(*t, "b", 0), mid) << "chunk " << chunk;
    EXPECT_EQ(Cell(*t, "a", 1), huge) << "chunk " << chunk;
    EXPECT_EQ(Cell(*t, "b", 1), "tail") << "chunk " << chunk;
    EXPECT_EQ(Cell(*t, "a", 2), "q\"q") << "chunk " << chunk;
    EXPECT_EQ(Cell(*t, "b", 2), mid + "y") << "chunk " << chunk;
    EXPECT_EQ(Cell(*t, "id", 3), "4") << "chunk " << chunk;
    EXPECT_EQ(Cell(*t, "b", 3), "w") << "chunk " << chunk;
  }
}

// Inputs that are not CSV as expected: a located error with a hint, never a silent misread.
TEST(CsvReaderTest, CrOnlyLineEndsUtf16AndNulInTheHeaderAreLocatedErrors) {
  auto cr = ReadText("id,name\r1,ann\r2,bob\r", "m.csv");
  ASSERT_FALSE(cr.ok());
  EXPECT_EQ(cr.status().message().rfind("m.csv:1:8: error: carriage return (CR)", 0), 0u) << cr.status().message();
  EXPECT_NE(cr.status().hint().find("tr "), std::string::npos);
  auto crlf = ReadText("id,name\r\n1,ann\r\n", "m.csv");  // CRLF is fine
  EXPECT_TRUE(crlf.ok());
  auto utf16 = ReadText(std::string("\xFF\xFEi\0d\0\n\0", 8), "w.csv");
  ASSERT_FALSE(utf16.ok());
  EXPECT_EQ(utf16.status().message().rfind("w.csv:1:1: error: the input starts with a UTF-16", 0), 0u);
  EXPECT_NE(utf16.status().hint().find("iconv"), std::string::npos);
  auto nul = ReadText(std::string("i\0d\0,\0n\0\n\0001\0", 13), "w.csv");
  ASSERT_FALSE(nul.ok());
  EXPECT_EQ(nul.status().message().rfind("w.csv:1:2: error: NUL byte", 0), 0u) << nul.status().message();
  // A NUL inside a value is kept as a byte of the value.
  auto value = ReadText(std::string("id,name\n1,a\0b\n", 14), "v.csv");
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(Cell(*value, "name", 0), std::string("a\0b", 3));
}

// --- Stray quotes: a bad record is rejected alone, and reading resumes at the next line. ---

// 3,000 records like the demo data; record k (1-based) is on line k + 1.
std::string ManyRecords(int n) {
  std::string text = "id,first,last,city\n";
  for (int i = 1; i <= n; ++i) {
    text += std::to_string(i) + ",Ann" + std::to_string(i % 7) + ",Smith,\"Leeds, UK\"\n";
  }
  return text;
}

// Replaces the first occurrence of `from` at or after the start of line `line` (1-based).
std::string EditLine(std::string text, int line, const std::string& from, const std::string& to) {
  size_t pos = 0;
  for (int l = 1; l < line; ++l) pos = text.find('\n', pos) + 1;
  size_t at = text.find(from, pos);
  text.replace(at, from.size(), to);
  return text;
}

// Every skip read of text (any thread count and chunk size) gives the same table and rejects
// as the first one, which is returned.
ReadReport SkipReadEverywhere(const std::string& text, size_t want_rows, RecordTable* out = nullptr) {
  ReadOptions base;
  base.on_bad_record = BadRecordPolicy::kSkip;
  ReadReport want_report;
  auto want = ReadText(text, "s.csv", base, &want_report, 1);
  EXPECT_TRUE(want.ok()) << want.status().ToString();
  if (!want.ok()) return want_report;
  EXPECT_EQ(want->num_rows(), want_rows);
  for (int threads : {1, 2, 8}) {
    for (size_t chunk : {size_t{1}, size_t{7}, size_t{64}, size_t{1000}, size_t{1} << 20}) {
      ReadOptions options = base;
      options.chunk_bytes = chunk;
      ReadReport report;
      auto got = ReadText(text, "s.csv", options, &report, threads);
      SCOPED_TRACE("threads " + std::to_string(threads) + " chunk " + std::to_string(chunk));
      EXPECT_TRUE(got.ok()) << got.status().ToString();
      if (!got.ok()) continue;
      ExpectSameTable(*want, *got);
      EXPECT_EQ(report.records, want_report.records);
      EXPECT_EQ(report.bad, want_report.bad);
      EXPECT_EQ(report.rejects.size(), want_report.rejects.size());
      for (size_t j = 0; j < std::min(report.rejects.size(), want_report.rejects.size()); ++j) {
        EXPECT_EQ(report.rejects[j].line, want_report.rejects[j].line);
        EXPECT_EQ(report.rejects[j].column, want_report.rejects[j].column);
        EXPECT_EQ(report.rejects[j].reason, want_report.rejects[j].reason);
        EXPECT_EQ(report.rejects[j].raw, want_report.rejects[j].raw);
      }
    }
  }
  if (out != nullptr) *out = std::move(*want);
  return want_report;
}

TEST(CsvReaderTest, StrayQuoteInUnquotedFieldRejectsOnlyItsRecord) {
  std::string text = EditLine(ManyRecords(3000), 101, ",Smith", ",Sm\"ith");
  RecordTable table;
  ReadReport report = SkipReadEverywhere(text, 2999, &table);
  ASSERT_EQ(table.num_rows(), 2999u);
  ASSERT_EQ(report.rejects.size(), 1u);
  EXPECT_EQ(report.rejects[0].line, 101u);
  EXPECT_EQ(report.rejects[0].column, 12u);
  EXPECT_EQ(report.rejects[0].raw, "100,Ann2,Sm\"ith,\"Leeds, UK\"");
  EXPECT_EQ(Cell(table, "id", 98), "99");
  EXPECT_EQ(Cell(table, "id", 99), "101");
  EXPECT_EQ(table.line(99), 102u);
  EXPECT_EQ(Cell(table, "id", 2998), "3000");
  EXPECT_EQ(Cell(table, "city", 2998), "Leeds, UK");
}

TEST(CsvReaderTest, StrayOpeningQuoteRejectsOnlyItsLineAndSaysWhatItSwallowed) {
  // The quote opens a field that the next quote (line 102) closes, followed by 'L': invalid.
  std::string text = EditLine(ManyRecords(3000), 101, "UK\"", "UK");
  RecordTable table;
  ReadReport report = SkipReadEverywhere(text, 2999, &table);
  ASSERT_EQ(table.num_rows(), 2999u);
  ASSERT_EQ(report.rejects.size(), 1u);
  EXPECT_EQ(report.rejects[0].line, 101u);
  EXPECT_EQ(report.rejects[0].column, 16u);
  EXPECT_EQ(report.rejects[0].raw, "100,Ann2,Smith,\"Leeds, UK");
  EXPECT_NE(report.rejects[0].reason.find("1 line"), std::string::npos) << report.rejects[0].reason;
  EXPECT_EQ(Cell(table, "id", 99), "101");
  EXPECT_EQ(table.line(99), 102u);
}

TEST(CsvReaderTest, UnterminatedQuoteNearTheEndRejectsOnlyItsLine) {
  std::string text = "id,a\n";
  for (int i = 1; i <= 3000; ++i) text += std::to_string(i) + ",v" + std::to_string(i) + "\n";
  text = EditLine(text, 101, ",v", ",\"v");  // no other quote in the file: runs to the end
  RecordTable table;
  ReadReport report = SkipReadEverywhere(text, 2999, &table);
  ASSERT_EQ(table.num_rows(), 2999u);
  ASSERT_EQ(report.rejects.size(), 1u);
  EXPECT_EQ(report.rejects[0].line, 101u);
  EXPECT_EQ(report.rejects[0].column, 5u);
  EXPECT_EQ(report.rejects[0].raw, "100,\"v100");
  EXPECT_NE(report.rejects[0].reason.find("never closed"), std::string::npos);
  EXPECT_NE(report.rejects[0].reason.find("2900 lines"), std::string::npos) << report.rejects[0].reason;
}

// Fuzz case: an unterminated quote on the last line, before a final line break (LF or CRLF),
// swallows nothing; it was read past the end when counting the lines swallowed.
TEST(CsvReaderTest, UnterminatedQuoteOnTheLastLineSwallowsNothing) {
  for (const char* text : {"id,a\n1,x\n2,\"y\n", "id,a\r\n1,x\r\n2,\"y\r\n", "id,a\n1,x\n2,\"y"}) {
    ReadOptions options;
    options.on_bad_record = BadRecordPolicy::kSkip;
    ReadReport report;
    auto t = ReadText(text, "u.csv", options, &report);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->num_rows(), 1u);
    ASSERT_EQ(report.rejects.size(), 1u);
    EXPECT_EQ(report.rejects[0].line, 3u);
    EXPECT_EQ(report.rejects[0].column, 3u);
    EXPECT_EQ(report.rejects[0].reason, "unterminated quoted field 'a' (the quote opened here is never closed)");
    EXPECT_EQ(report.rejects[0].raw, "2,\"y");
  }
}

// Multi-line values shorter and longer than the fast path's limit for a record with a line
// break inside quotes (longer ones go to the reference parser): read the same on every chunking.
TEST(CsvReaderTest, LongMultiLineValuesReadTheSameOnEveryPath) {
  std::string text = "id,note,x\n";
  std::vector<std::string> notes;
  for (int i = 0; i < 12; ++i) {
    std::string note;
    for (int l = 0; l < 30 * i; ++l) note += std::string(1 + (l * 7 + i) % 40, 'a' + (l % 26)) + "\n";
    note += "end";
    notes.push_back(note);
    text += std::to_string(i) + ",\"" + note + "\",y\n";
  }
  RecordTable table;
  SkipReadEverywhere(text, notes.size(), &table);
  ASSERT_EQ(table.num_rows(), notes.size());
  for (size_t i = 0; i < notes.size(); ++i) EXPECT_EQ(Cell(table, "note", static_cast<RowId>(i)), notes[i]);
}

TEST(CsvReaderTest, StrayQuoteFailNamesTheQuoteAndHintsAtTheFix) {
  for (bool in_unquoted : {true, false}) {
    std::string text = in_unquoted ? EditLine(ManyRecords(3000), 101, ",Smith", ",Sm\"ith")
                                   : EditLine(ManyRecords(3000), 101, "UK\"", "UK");
    for (size_t chunk : {size_t{1}, size_t{64}, size_t{4} << 20}) {
      ReadOptions options;
      options.chunk_bytes = chunk;
      auto t = ReadText(text, "f.csv", options);
      ASSERT_FALSE(t.ok());
      const std::string where = in_unquoted ? "f.csv:101:12: error: " : "f.csv:101:16: error: ";
      EXPECT_EQ(t.status().message().substr(0, where.size()), where) << t.status().message();
      EXPECT_NE(t.status().hint().find("double"), std::string::npos) << t.status().hint();
      EXPECT_NE(t.status().hint().find("--on-bad-record skip"), std::string::npos);
    }
  }
}

TEST(CsvReaderTest, ManyStrayQuotesAmongQuotedFieldsAreIdenticalForAnyChunking) {
  // Stray quotes of both kinds, legal multi-line fields and doubled quotes, in varying order: each
  // bad line is rejected alone, every other record is read, whatever the chunking.
  std::mt19937 rng(5);
  std::string text = "id,a,b\n";
  size_t good = 0, bad = 0;
  for (int i = 0; i < 400; ++i) {
    text += std::to_string(i);
    switch (rng() % 7) {
      case 0: text += ",x\"y,z\n"; ++bad; break;
      case 1: text += ",\"open,z\n"; ++bad; break;
      case 2: text += ",\"multi\nline\",z\n"; ++good; break;
      case 3: text += ",\"say \"\"hi\"\"\",z\n"; ++good; break;
      case 4: text += ",12\" pipe,z\n"; ++bad; break;
      default: text += ",plain,z\n"; ++good; break;
    }
  }
  ReadReport report = SkipReadEverywhere(text, good);
  EXPECT_EQ(report.bad, bad);
}

}  // namespace
}  // namespace reclink


namespace reclink {
namespace {

// Under a memory limit the columns are written straight into spill regions, and a mapped
// input's pages are dropped as each pass finishes a chunk: the same table for any thread count
// and chunking, read from a buffer or from a mapped file.
TEST(CsvReaderTest, SpilledColumnsGiveTheSameTable) {
  Result<std::shared_ptr<SpillArea>> area = SpillArea::Open(std::filesystem::temp_directory_path().string());
  ASSERT_TRUE(area.ok()) << area.status().ToString();
  const std::string path = std::filesystem::temp_directory_path() / ("reclink_spill_test_" + std::to_string(getpid()) + ".csv");
  for (uint32_t seed : {11u, 12u}) {
    RandomCsv csv = MakeRandomCsv(seed, 3000, 4);
    ReadOptions base_options;
    auto reference = ReadText(csv.text, "r.csv", base_options, nullptr, 1);
    ASSERT_TRUE(reference.ok()) << reference.status().ToString();
    {
      std::FILE* f = std::fopen(path.c_str(), "wb");
      ASSERT_NE(f, nullptr);
      ASSERT_EQ(std::fwrite(csv.text.data(), 1, csv.text.size(), f), csv.text.size());
      std::fclose(f);
    }
    for (int threads : {1, 2, 8}) {
      for (size_t chunk : {size_t{64}, size_t{5000}, size_t{20000}}) {
        ReadOptions options;
        options.chunk_bytes = chunk;
        options.spill = *area;
        auto t = ReadText(csv.text, "r.csv", options, nullptr, threads);
        ASSERT_TRUE(t.ok()) << t.status().ToString();
        ExpectSameTable(*reference, *t);
        EXPECT_TRUE(t->spilled());
        for (const Column& c : t->columns()) EXPECT_TRUE(c.is_view()) << c.name();
        tbb::task_arena arena(threads);
        Result<RecordTable> mapped = Status::Internal("not run");
        arena.execute([&] { mapped = ReadInput(path, "src", options, nullptr); });
        ASSERT_TRUE(mapped.ok()) << mapped.status().ToString();
        t->EvictSpilled();
        ExpectSameTable(*reference, *mapped);
        mapped->EvictSpilled();  // read back from the files
        ExpectSameTable(*reference, *mapped);
      }
    }
  }
  std::remove(path.c_str());
}

}  // namespace
}  // namespace reclink
