// Tests of the JSON Lines and JSON array readers: flattening, value texts, column order, bad
// records (message, line, byte offset, code) and identical tables for any chunking.
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
    "{\"id\": \"2\", \"address\": {\"city\": \"Paris\", \"geo\": {\"lat\": 48.850}}, \"tags\": [\"a\", 2, null, false]}\r\n"
    "{\"id\": 3, \"name\": null, \"email\": \"x\\u0040y.z\", \"empty\": \"\", \"list\": [], \"objs\": [{\"k\": 1}]}\n";

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
  EXPECT_EQ(Cell(*t, "vip", 1), "<null>");  // missing
  EXPECT_EQ(Cell(*t, "address.geo.lat", 1), "48.850");  // the number's original text
  EXPECT_EQ(Cell(*t, "tags", 1), "a 2 false");  // scalars joined by a space, nulls dropped
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
      {good + "{\"id\": 2, \"name\": }\n",
       "b.jsonl:2: error: JSON syntax error"},
      {good + "{\"id\": 2\n", "b.jsonl:2: error: JSON syntax error: unclosed object or array"},
      {good + "[1, 2]\n", "b.jsonl:2: error: expected a JSON object, found an array (byte offset 10)"},
      {good + "{\"id\": 2} {\"id\": 3}\n", "b.jsonl:2: error: JSON syntax error: unexpected content after the value"},
      {good + "{\"id\": 2, \"id\": 3}\n", "b.jsonl:2: error: duplicate key 'id' in the object (byte offset 10)"},
      {good + "{\"id\": 2, \"n\": 12x}\n", "b.jsonl:2: error: JSON syntax error: invalid number '12x' (byte offset 25)"},
      {good + "{\"id\": \"caf\xE9\"}\n", "b.jsonl:2: error: invalid UTF-8 (byte offset 21)"},
  };
  for (const BadCase& c : cases) {
    for (size_t chunk : {size_t{1}, size_t{4} << 20}) {
      ReadOptions options;
      options.chunk_bytes = chunk;
      auto t = ReadText(c.text, "b.jsonl", options);
      ASSERT_FALSE(t.ok()) << c.text;
      EXPECT_EQ(t.status().code(), StatusCode::kInvalidInput);
      EXPECT_EQ(ExitCodeFor(t.status()), 3);
      // Syntax errors: the offset is where simdjson stopped; assert the prefix and that one is given.
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

TEST(JsonArrayReaderTest, ReadsArrayOfObjects) {
  std::string text = "\xEF\xBB\xBF[\n  {\"id\": 1, \"a\": {\"b\": -0.5e3}},\n  {\"id\": 2, \"c\": \"x\"}\n]\n";
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
            "a.json:3: error: expected a JSON object in the array (byte offset 13)");
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
  EXPECT_EQ(syntax.status().message().substr(0, 20), "a.json:3: error: JSO");
  EXPECT_NE(syntax.status().message().find("(byte offset "), std::string::npos);

  auto not_array = ReadText("{\"id\": 1}", "a.json");
  ASSERT_FALSE(not_array.ok());
  EXPECT_EQ(not_array.status().message(),
            "a.json:1: error: expected a top-level JSON array of objects (byte offset 0)");
  auto empty_array = ReadText("[]", "a.json");
  ASSERT_FALSE(empty_array.ok());
  EXPECT_EQ(empty_array.status().message(), "a.json: error: empty input (no JSON records)");
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
