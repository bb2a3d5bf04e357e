// Tests of the JSON Lines and JSON array readers: flattening, value texts, column order, bad
// records (message, line, byte offset, code) and identical tables for any chunking.
#include "io/json_reader.h"

#include <gtest/gtest.h>

#include "io_test_util.h"
#include "reclink/reader.h"

namespace reclink {
namespace {

using testing::Cell;
using testing::ExpectSameTable;
using testing::ReadText;

const char* const kLines =
    "{\"id\": 1, \"name\": {\"first\": \"Ann\", \"last\": \"Lee\"}, \"vip\": true}\n"
    "\n"
    "{\"id\": \"2\", \"address\": {\"city\": \"Paris\", \"geo\": {\"lat\": 48.850}}, \"tags\": "
    "[\"a\", 2, null, false]}\r\n"
    "{\"id\": 3, \"name\": null, \"email\": \"x\\u0040y.z\", \"empty\": \"\", \"list\": [], "
    "\"objs\": [{\"k\": 1}]}\n";

// Records that list their keys in changing orders, skip some and add new ones (the reader
// matches each record's paths against the previous record's by position first).
TEST(JsonLinesReaderTest, KeysInChangingOrderLandInTheirColumns) {
  const char* text =
      "{\"id\": 1, \"a\": \"a1\", \"b\": \"b1\"}\n"
      "{\"id\": 2, \"b\": \"b2\", \"a\": \"a2\"}\n"
      "{\"id\": 3, \"c\": \"c3\"}\n"
      "{\"id\": 4, \"a\": \"a4\", \"c\": \"c4\", \"b\": \"b4\"}\n"
      "{\"id\": 5, \"a\": \"a5\", \"c\": \"c5\", \"b\": \"b5\"}\n"
      "{\"b\": \"b6\", \"id\": 6}\n";
  auto t = ReadText(text, "k.jsonl");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->num_rows(), 6u);
  const char* a[] = {"a1", "a2", "<null>", "a4", "a5", "<null>"};
  const char* b[] = {"b1", "b2", "<null>", "b4", "b5", "b6"};
  const char* c[] = {"<null>", "<null>", "c3", "c4", "c5", "<null>"};
  for (RowId r = 0; r < 6; ++r) {
    EXPECT_EQ(Cell(*t, "id", r), std::to_string(r + 1));
    EXPECT_EQ(Cell(*t, "a", r), a[r]) << r;
    EXPECT_EQ(Cell(*t, "b", r), b[r]) << r;
    EXPECT_EQ(Cell(*t, "c", r), c[r]) << r;
  }
}

TEST(JsonLinesReaderTest, FlattensAndKeepsValueTexts) {
  auto t = ReadText(kLines, "p.jsonl");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->num_rows(), 3u);
  std::vector<std::string> names;
  for (const Column& c : t->columns()) names.push_back(c.name());
  EXPECT_EQ(names, (std::vector<std::string>{"id", "name.first", "name.last", "vip", "address.city",
                                             "address.geo.lat", "tags", "name", "email", "empty",
                                             "list", "objs"}));
  EXPECT_EQ(Cell(*t, "id", 0), "1");
  EXPECT_EQ(Cell(*t, "id", 1), "2");
  EXPECT_EQ(Cell(*t, "name.first", 0), "Ann");
  EXPECT_EQ(Cell(*t, "vip", 0), "true");
  EXPECT_EQ(Cell(*t, "vip", 1), "<null>");              // missing
  EXPECT_EQ(Cell(*t, "address.geo.lat", 1), "48.850");  // the number's original text
  EXPECT_EQ(Cell(*t, "tags", 1), "a 2 false");          // scalars joined by a space, nulls dropped
  EXPECT_EQ(Cell(*t, "name", 2), "<null>");
  EXPECT_EQ(Cell(*t, "email", 2), "x@y.z");  // escapes decoded
  EXPECT_EQ(Cell(*t, "empty", 2), "<null>");
  EXPECT_EQ(Cell(*t, "list", 2), "<null>");
  EXPECT_EQ(Cell(*t, "objs", 2), "[{\"k\": 1}]");  // arrays holding objects: JSON text
  EXPECT_EQ(t->line(0), 1u);
  EXPECT_EQ(t->line(1), 3u);
  EXPECT_EQ(t->line(2), 4u);
}

TEST(JsonLinesReaderTest, SameTableForAnyThreadsAndChunks) {
  std::string text;
  for (int i = 0; i < 200; ++i) {
    text += "{\"id\": " + std::to_string(i) + ", \"v" + std::to_string(i % 7) + "\": \"x" +
            std::to_string(i) + "\"" + (i % 3 ? ", \"n\": {\"a\": [1, 2]}" : "") + "}\n";
    if (i % 11 == 0) text += "\n";
  }
  auto reference = ReadText(text, "r.ndjson", {}, nullptr, 1);
  ASSERT_TRUE(reference.ok()) << reference.status().ToString();
  ASSERT_EQ(reference->num_rows(), 200u);
  EXPECT_EQ(reference->column(1).name(), "v0");
  EXPECT_EQ(reference->column(2).name(), "v1");
  EXPECT_EQ(reference->column(3).name(), "n.a");
  for (int threads : {1, 2, 8}) {
    for (size_t chunk : {size_t{1}, size_t{7}, size_t{64}}) {
      ReadOptions options;
      options.chunk_bytes = chunk;
      auto t = ReadText(text, "r.ndjson", options, nullptr, threads);
      ASSERT_TRUE(t.ok()) << t.status().ToString();
      ExpectSameTable(*reference, *t);
    }
  }
}

struct BadCase {
  std::string text;
  std::string message;
};

TEST(JsonLinesReaderTest, BadRecordsFailWithLineAndByteOffset) {
  const std::string good = "{\"id\": 1}\n";  // 10 bytes
  const BadCase cases[] = {
      {good + "{\"id\": 2, \"name\": }\n", "b.jsonl:2:19: error: JSON syntax error"},
      {good + "{\"id\": 2\n",
       "b.jsonl:2:9: error: JSON syntax error: unclosed object (expected '}' before the end of the "
       "line) (byte offset 18)"},
      {good + "[1, 2]\n",
       "b.jsonl:2:1: error: expected a JSON object, found an array (byte offset 10)"},
      {good + "{\"id\": 2} {\"id\": 3}\n",
       "b.jsonl:2:11: error: JSON syntax error: unexpected text after the JSON value (byte offset "
       "20)"},
      {good + "{\"id\": 2, \"id\": 3}\n",
       "b.jsonl:2:1: error: duplicate key 'id' in the object (byte offset 10)"},
      {good + "{\"id\": 2, \"n\": 12x}\n",
       "b.jsonl:2:16: error: JSON syntax error: invalid number '12x' (byte offset 25)"},
      {good + "{\"id\": \"caf\xE9\"}\n", "b.jsonl:2:12: error: invalid UTF-8 (byte offset 21)"},
  };
  for (const BadCase& c : cases) {
    for (size_t chunk : {size_t{1}, size_t{4} << 20}) {
      ReadOptions options;
      options.chunk_bytes = chunk;
      auto t = ReadText(c.text, "b.jsonl", options);
      ASSERT_FALSE(t.ok()) << c.text;
      EXPECT_EQ(t.status().code(), StatusCode::kInvalidInput);
      EXPECT_EQ(ExitCodeFor(t.status()), 3);
      // Syntax errors: the offset is where simdjson stopped; assert the prefix and that one is
      // given.
      EXPECT_EQ(t.status().message().substr(0, c.message.size()), c.message) << c.text;
      EXPECT_NE(t.status().message().find("(byte offset "), std::string::npos);
      EXPECT_NE(t.status().hint().find("--on-bad-record"), std::string::npos);
    }
  }
}

TEST(JsonLinesReaderTest, SkipKeepsGoodRecordsAndCountsBadOnes) {
  std::string text = "{\"id\": 1}\n{\"id\": \n{\"id\": 3, \"new\": 1, \"new\": 2}\n{\"id\": 4}\n";
  ReadOptions options;
  options.on_bad_record = BadRecordPolicy::kQuarantine;
  ReadReport report;
  auto t = ReadText(text, "s.jsonl", options, &report);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->num_rows(), 2u);
  EXPECT_EQ(t->num_columns(), 1u);  // the rejected record's column "new" is not created
  EXPECT_EQ(Cell(*t, "id", 1), "4");
  EXPECT_EQ(t->line(1), 4u);
  EXPECT_EQ(report.records, 2u);
  EXPECT_EQ(report.bad, 2u);
  ASSERT_EQ(report.rejects.size(), 2u);
  EXPECT_EQ(report.rejects[0].line, 2u);
  EXPECT_EQ(report.rejects[0].raw, "{\"id\": ");
  EXPECT_EQ(report.rejects[1].line, 3u);
  EXPECT_EQ(report.rejects[1].reason, "duplicate key 'new' in the object (byte offset 18)");
}

TEST(JsonLinesReaderTest, EmptyInput) {
  auto t = ReadText("", "e.jsonl");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message(), "e.jsonl: error: empty input (0 bytes)");
  auto blank = ReadText("\n  \n", "e.jsonl");
  ASSERT_FALSE(blank.ok());
  EXPECT_EQ(blank.status().message(), "e.jsonl: error: empty input (no JSON records)");
  EXPECT_EQ(ExitCodeFor(blank.status()), 3);
}

TEST(JsonLinesReaderTest, AllowEmptyReadsNoRecordsAsAnEmptyTable) {
  ReadOptions o;
  o.allow_empty = true;
  for (const std::string& text : {std::string(""), std::string("\n  \n")}) {
    auto t = ReadText(text, "e.jsonl", o);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    EXPECT_EQ(t->num_rows(), 0u);
    EXPECT_EQ(t->num_columns(), 0u);
  }
  for (const std::string& text : {std::string(""), std::string("[]"), std::string(" [ ] ")}) {
    auto t = ReadText(text, "e.json", o);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    EXPECT_EQ(t->num_rows(), 0u);
  }
  EXPECT_FALSE(ReadText("{\"id\": 1", "b.jsonl", o).ok());
}

TEST(JsonArrayReaderTest, ReadsArrayOfObjects) {
  std::string text =
      "\xEF\xBB\xBF[\n  {\"id\": 1, \"a\": {\"b\": -0.5e3}},\n  {\"id\": 2, \"c\": \"x\"}\n]\n";
  auto t = ReadText(text, "a.json");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->num_rows(), 2u);
  EXPECT_EQ(Cell(*t, "a.b", 0), "-0.5e3");
  EXPECT_EQ(Cell(*t, "c", 1), "x");
  EXPECT_EQ(Cell(*t, "c", 0), "<null>");
  EXPECT_EQ(t->line(0), 2u);
  EXPECT_EQ(t->line(1), 3u);
}

TEST(JsonArrayReaderTest, BadElementsAndSyntaxErrors) {
  std::string text = "[\n{\"id\": 1},\n5,\n{\"id\": 3}\n]";
  auto failed = ReadText(text, "a.json");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().message(),
            "a.json:3:1: error: expected a JSON object in the array (byte offset 13)");
  ReadOptions options;
  options.on_bad_record = BadRecordPolicy::kSkip;
  ReadReport report;
  auto skipped = ReadText(text, "a.json", options, &report);
  ASSERT_TRUE(skipped.ok()) << skipped.status().ToString();
  EXPECT_EQ(skipped->num_rows(), 2u);
  ASSERT_EQ(report.rejects.size(), 1u);
  EXPECT_EQ(report.rejects[0].line, 3u);
  EXPECT_EQ(report.rejects[0].raw, "5");

  auto syntax = ReadText("[\n{\"id\": 1},\n{\"id\": }\n]", "a.json", options);
  ASSERT_FALSE(syntax.ok());  // a syntax error inside an array is always fatal
  EXPECT_EQ(syntax.status().code(), StatusCode::kInvalidInput);
  EXPECT_EQ(syntax.status().message(), "a.json:3:8: error: JSON syntax error (byte offset 20)");
  EXPECT_NE(syntax.status().message().find("(byte offset "), std::string::npos);

  auto not_array = ReadText("{\"id\": 1}", "a.json");
  ASSERT_FALSE(not_array.ok());
  EXPECT_EQ(not_array.status().message(),
            "a.json:1:1: error: expected a top-level JSON array of objects (byte offset 0)");
  auto empty_array = ReadText("[]", "a.json");
  ASSERT_FALSE(empty_array.ok());
  EXPECT_EQ(empty_array.status().message(), "a.json: error: empty input (no JSON records)");
}

// Reads text with kFail and expects exactly `message` (and exit code 3); then with kSkip expects
// `records` rows and one reject at `line`:`column` whose reason starts like the message's WHAT.
void ExpectOneBadRecord(const std::string& text, const std::string& name,
                        const std::string& message, size_t records, uint64_t line,
                        uint64_t column) {
  // Tiny chunks on long inputs only cost time (one task per byte).
  const size_t small = text.size() < 10000 ? 1 : 4096;
  for (int threads : {1, 3}) {
    for (size_t chunk : {small, small * 5, size_t{4} << 20}) {
      SCOPED_TRACE("threads " + std::to_string(threads) + " chunk " + std::to_string(chunk));
      ReadOptions options;
      options.chunk_bytes = chunk;
      auto failed = ReadText(text, name, options, nullptr, threads);
      ASSERT_FALSE(failed.ok());
      EXPECT_EQ(failed.status().message(), message);
      EXPECT_EQ(ExitCodeFor(failed.status()), 3);
      for (BadRecordPolicy policy : {BadRecordPolicy::kSkip, BadRecordPolicy::kQuarantine}) {
        options.on_bad_record = policy;
        ReadReport report;
        auto t = ReadText(text, name, options, &report, threads);
        ASSERT_TRUE(t.ok()) << t.status().ToString();
        EXPECT_EQ(t->num_rows(), records);
        EXPECT_EQ(report.records, records);
        EXPECT_EQ(report.bad, 1u);
        ASSERT_EQ(report.rejects.size(), 1u);
        EXPECT_EQ(report.rejects[0].line, line);
        EXPECT_EQ(report.rejects[0].column, column);
        const size_t what = message.find(": error: ") + 9;
        EXPECT_EQ(report.rejects[0].reason, message.substr(what));
      }
    }
  }
}

// Regression: simdjson's stage 1 rejects an unterminated string before any document exists; the
// reader asked that non-document for an error location and crashed (segfault), in every mode.
TEST(JsonLinesReaderTest, UnterminatedStringIsALocatedBadRecord) {
  ExpectOneBadRecord("{\"a\":\"\n", "x.jsonl",
                     "x.jsonl:1:6: error: JSON syntax error: unterminated string (no closing '\"' "
                     "before the end of the line) (byte offset 5)",
                     0, 1, 6);
  ExpectOneBadRecord("{\"id\": 1}\n{\"id\": 2, \"a\": \"x\\\"}\n{\"id\": 3}\n", "x.jsonl",
                     "x.jsonl:2:16: error: JSON syntax error: unterminated string (no closing '\"' "
                     "before the end of the line) (byte offset 25)",
                     2, 2, 16);
}

// depth objects nested in "a"; the one at level typo_level (when given) lacks its ':'.
std::string NestedObjects(size_t depth, size_t typo_level = 0) {
  std::string s;
  for (size_t i = 1; i <= depth; ++i) s += i == typo_level ? "{\"a\" " : "{\"a\":";
  s += "1";
  s.append(depth, '}');
  return s;
}

// Regression: flattening recursed once per level with no limit; 50,000 levels overflowed the
// stack (1,000 under ASan). Nesting beyond kMaxJsonDepth is now a located bad record.
TEST(JsonLinesReaderTest, NestingDeeperThanTheLimitIsABadRecord) {
  ASSERT_EQ(io::kMaxJsonDepth, 64u);
  auto deepest = ReadText(NestedObjects(64) + "\n", "d.jsonl");
  ASSERT_TRUE(deepest.ok()) << deepest.status().ToString();
  std::string path = "a";
  for (int i = 1; i < 64; ++i) path += ".a";
  EXPECT_EQ(Cell(*deepest, path, 0), "1");
  // The 65th object starts at byte 64 * 5 of its line.
  ExpectOneBadRecord("{\"id\": 1}\n" + NestedObjects(65) + "\n{\"id\": 3}\n", "d.jsonl",
                     "d.jsonl:2:321: error: JSON nesting deeper than 64 levels (byte offset 330)",
                     2, 2, 321);
  ExpectOneBadRecord("{\"id\": 1}\n" + NestedObjects(50000) + "\n{\"id\": 3}\n", "d.jsonl",
                     "d.jsonl:2:321: error: JSON nesting deeper than 64 levels (byte offset 330)",
                     2, 2, 321);
  // Arrays count as levels too: the record is level 1, so 63 nested arrays are the limit.
  auto arrays =
      ReadText("{\"a\": " + std::string(63, '[') + std::string(63, ']') + "}\n", "d.jsonl");
  ASSERT_TRUE(arrays.ok()) << arrays.status().ToString();
  EXPECT_EQ(Cell(*arrays, "a", 0), std::string(63, '[') + std::string(63, ']'));
  ExpectOneBadRecord(
      "{\"a\": " + std::string(50000, '[') + std::string(50000, ']') + "}\n{\"a\": 2}\n", "d.jsonl",
      "d.jsonl:1:70: error: JSON nesting deeper than 64 levels (byte offset 69)", 1, 1, 70);
}

TEST(JsonArrayReaderTest, NestingDeeperThanTheLimitIsABadRecord) {
  ExpectOneBadRecord("[\n{\"id\": 1},\n" + NestedObjects(50000) + ",\n{\"id\": 3}\n]\n", "d.json",
                     "d.json:3:321: error: JSON nesting deeper than 64 levels (byte offset 333)", 2,
                     3, 321);
}

// Regression: the top-level value's errors were all "unclosed object or array" at byte 0, also for
// text after a complete value.
TEST(JsonLinesReaderTest, TextAfterTheValueIsNamedAndLocated) {
  ExpectOneBadRecord("{\"id\": 1}\n{\"id\": 2} xx\n", "t.jsonl",
                     "t.jsonl:2:11: error: JSON syntax error: unexpected text after the JSON value "
                     "(byte offset 20)",
                     1, 2, 11);
  ExpectOneBadRecord("{\"id\": 1}\n{\"id\": 2}}\n{\"id\": 3}\n", "t.jsonl",
                     "t.jsonl:2:10: error: JSON syntax error: unexpected text after the JSON value "
                     "(byte offset 19)",
                     2, 2, 10);
  ExpectOneBadRecord("{\"id\": 1}\n{\"id\": [1, 2}\n{\"id\": 3}\n", "t.jsonl",
                     "t.jsonl:2:13: error: JSON syntax error: found '}' where ']' was expected "
                     "(byte offset 22)",
                     2, 2, 13);
}

// Stage 1 reported unescaped control characters at the line start, with simdjson's wording.
TEST(JsonLinesReaderTest, ControlCharacterInAStringIsLocated) {
  ExpectOneBadRecord(
      "{\"id\": 1}\n{\"a\": \"x\ty\"}\n", "c.jsonl",
      "c.jsonl:2:9: error: JSON syntax error: unescaped control character in a string "
      "(write it as \\u0009) (byte offset 18)",
      1, 2, 9);
}

// Regression: array elements' values were not validated (any token passed as text).
TEST(JsonLinesReaderTest, ArrayValuesAreValidated) {
  ExpectOneBadRecord("{\"id\": 1}\n{\"id\": 2, \"a\": [01]}\n", "v.jsonl",
                     "v.jsonl:2:17: error: JSON syntax error: invalid number '01' (byte offset 26)",
                     1, 2, 17);
  ExpectOneBadRecord(
      "{\"id\": 1}\n{\"id\": 2, \"a\": [1, tru]}\n", "v.jsonl",
      "v.jsonl:2:20: error: JSON syntax error: invalid literal 'tru' (byte offset 29)", 1, 2, 20);
  ExpectOneBadRecord("{\"id\": 1}\n{\"id\": 2, \"a\": [{\"b\": }]}\n", "v.jsonl",
                     "v.jsonl:2:16: error: JSON syntax error (byte offset 25)", 1, 2, 16);
  ExpectOneBadRecord("{\"id\": 1}\n{\"id\": 2, \"a\": [[1], 02]}\n", "v.jsonl",
                     "v.jsonl:2:16: error: JSON syntax error: invalid number (byte offset 25)", 1,
                     2, 16);
}

// Regression: syntax errors in a JSON array file were reported at line 1, byte offset 0.
TEST(JsonArrayReaderTest, SyntaxErrorsAreLocated) {
  struct Case {
    std::string text, message;
  };
  const Case cases[] = {
      {"[\n{\"id\": 1},\n{\"id\": \"abc}\n]\n",
       "a.json:3:8: error: JSON syntax error: unterminated string (no closing '\"' before the end "
       "of the line) (byte offset 20)"},
      {"[\n{\"id\": 1},\n{\"id\": 2}\n",
       "a.json:3:10: error: JSON syntax error: unclosed array (expected ']' before the end of the "
       "input) (byte offset 22)"},
      {"[\n{\"id\": 1}\n] xx\n",
       "a.json:3:3: error: JSON syntax error: unexpected text after the JSON value (byte offset "
       "14)"},
      {"[\n{\"id\": 1},\n{\"id\": [1,}\n]\n",
       "a.json:3:11: error: JSON syntax error: found '}' where ']' was expected (byte offset 23)"},
      // An invalid number in an element is a syntax error too.
      {"[\n{\"id\": 1},\n{\"id\": 01}\n]",
       "a.json:3:8: error: JSON syntax error: invalid number '01' (byte offset 20)"},
      // Fuzz finding: an element nested past the limit is a bad record, but its remainder, which
      // the parser skips by counting brackets, must still be valid JSON.
      {"[\n{\"id\": 1},\n" + NestedObjects(70, 69) + "\n]",
       "a.json:3:1: error: JSON syntax error (byte offset 13)"},
      // An element that is an array is a bad record, but invalid JSON in it is a syntax error.
      {"[\n{\"id\": 1},\n[1, 01]\n]",
       "a.json:3:1: error: JSON syntax error: invalid number (byte offset 13)"},
  };
  for (const Case& c : cases) {
    for (BadRecordPolicy policy : {BadRecordPolicy::kFail, BadRecordPolicy::kSkip}) {
      ReadOptions options;
      options.on_bad_record = policy;
      auto t = ReadText(c.text, "a.json", options);
      ASSERT_FALSE(t.ok()) << c.text;
      EXPECT_EQ(t.status().message(), c.message);
      EXPECT_EQ(ExitCodeFor(t.status()), 3);
    }
  }
}

// Lines and columns of rejects in an array file are tracked incrementally (they were found by
// walking back to the line start for each reject: quadratic for many elements on one line).
TEST(JsonArrayReaderTest, RejectColumnsOnLongLines) {
  std::string text = "\xEF\xBB\xBF[{\"id\": 1}, 5, {\"id\": 2}, \"x\",\n  7, {\"id\": 3}]";
  ReadOptions options;
  options.on_bad_record = BadRecordPolicy::kSkip;
  ReadReport report;
  auto t = ReadText(text, "l.json", options, &report);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->num_rows(), 3u);
  ASSERT_EQ(report.rejects.size(), 3u);
  const uint64_t want[][2] = {{1, 16}, {1, 30}, {2, 3}};  // columns count the BOM on line 1
  const char* raw[] = {"5", "\"x\"", "7"};
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(report.rejects[i].line, want[i][0]) << i;
    EXPECT_EQ(report.rejects[i].column, want[i][1]) << i;
    EXPECT_EQ(report.rejects[i].raw, raw[i]) << i;
  }
  EXPECT_EQ(t->line(2), 2u);
}

TEST(JsonReaderTest, FormatFromPathAndSniffing) {
  EXPECT_EQ(FormatFromPath("x.JSONL.gz"), InputFormat::kJsonl);
  EXPECT_EQ(FormatFromPath("x.ndjson.zst"), InputFormat::kJsonl);
  EXPECT_EQ(FormatFromPath("x.json"), InputFormat::kJson);
  EXPECT_EQ(FormatFromPath("x.tsv"), InputFormat::kCsv);
  EXPECT_EQ(FormatFromPath("x.dat"), InputFormat::kAuto);
  auto sniffed = ReadText("  {\"id\": 1}\n", "x.dat");
  ASSERT_TRUE(sniffed.ok()) << sniffed.status().ToString();
  EXPECT_EQ(sniffed->column(0).name(), "id");
  ReadOptions options;
  options.format = InputFormat::kCsv;
  auto forced = ReadText("id\n{x}\n", "x.json", options);
  ASSERT_TRUE(forced.ok());
  EXPECT_EQ(Cell(*forced, "id", 0), "{x}");
}

}  // namespace
}  // namespace reclink
