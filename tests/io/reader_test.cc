// Tests of ReadInput on files: gzip/zstd round trips, missing and corrupt files, id-column
// validation, and the quarantine (rejects) file.
#include "reclink/reader.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <zlib.h>
#include <zstd.h>

#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "io_test_util.h"

namespace reclink {
namespace {

using testing::Cell;
using testing::ExpectSameTable;
using testing::TempDir;

std::string Gzip(const std::string& data) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, data.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string Zstd(const std::string& data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
  EXPECT_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

std::string SampleCsv() {
  std::string text = "id,name,note\n";
  for (int i = 0; i < 5000; ++i) {
    text += std::to_string(i) + ",name" + std::to_string(i % 97) + ",\"a, \"\"quoted\"\"\nnote\"\n";
  }
  return text;
}

TEST(ReaderTest, CompressedFilesReadLikePlainOnes) {
  TempDir dir;
  const std::string csv = SampleCsv();
  ReadOptions options;
  options.chunk_bytes = 4096;
  auto plain = ReadInput(dir.Write("p.csv", csv), "p", options, nullptr);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  ASSERT_EQ(plain->num_rows(), 5000u);
  EXPECT_EQ(Cell(*plain, "note", 4999), "a, \"quoted\"\nnote");
  EXPECT_EQ(plain->line(4999), 2u + 2 * 4999);
  auto gz = ReadInput(dir.Write("p.csv.gz", Gzip(csv)), "p", options, nullptr);
  ASSERT_TRUE(gz.ok()) << gz.status().ToString();
  ExpectSameTable(*plain, *gz);
  auto zst = ReadInput(dir.Write("p.csv.zst", Zstd(csv)), "p", options, nullptr);
  ASSERT_TRUE(zst.ok()) << zst.status().ToString();
  ExpectSameTable(*plain, *zst);
  // Two concatenated gzip members are one stream (as gzip -d reads them).
  const std::string half1 = csv.substr(0, csv.size() / 2), half2 = csv.substr(csv.size() / 2);
  auto members = ReadInput(dir.Write("m.csv.gz", Gzip(half1) + Gzip(half2)), "p", options, nullptr);
  ASSERT_TRUE(members.ok()) << members.status().ToString();
  ExpectSameTable(*plain, *members);
  // Larger than the decompression blocks (1 MiB), highly compressible.
  std::string big = "id,v\n";
  for (int i = 0; i < 300000; ++i) big += std::to_string(i) + ",same value here\n";
  auto big_gz = ReadInput(dir.Write("big.csv.gz", Gzip(big)), "b", options, nullptr);
  ASSERT_TRUE(big_gz.ok()) << big_gz.status().ToString();
  EXPECT_EQ(big_gz->num_rows(), 300000u);
  EXPECT_EQ(Cell(*big_gz, "id", 299999), "299999");
  auto big_zst = ReadInput(dir.Write("big.csv.zst", Zstd(big)), "b", options, nullptr);
  ASSERT_TRUE(big_zst.ok()) << big_zst.status().ToString();
  ExpectSameTable(*big_gz, *big_zst);
  // JSON Lines compressed.
  auto jsonl = ReadInput(dir.Write("j.jsonl.zst", Zstd("{\"id\": 1}\n{\"id\": 2}\n")), "j",
                         ReadOptions{}, nullptr);
  ASSERT_TRUE(jsonl.ok()) << jsonl.status().ToString();
  EXPECT_EQ(Cell(*jsonl, "id", 1), "2");
}

TEST(ReaderTest, ReadsFromAPipe) {
  TempDir dir;
  std::string fifo = dir.File("in.csv");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const std::string csv = SampleCsv();
  std::thread writer([&] {
    FILE* f = std::fopen(fifo.c_str(), "wb");
    std::fwrite(csv.data(), 1, csv.size(), f);
    std::fclose(f);
  });
  auto t = ReadInput(fifo, "p", ReadOptions{}, nullptr);
  writer.join();
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->num_rows(), 5000u);
}

TEST(ReaderTest, MissingAndCorruptFiles) {
  TempDir dir;
  auto missing = ReadInput(dir.File("nope.csv"), "x", ReadOptions{}, nullptr);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kIoError);
  EXPECT_EQ(ExitCodeFor(missing.status()), 3);
  EXPECT_EQ(missing.status().message(),
            dir.File("nope.csv") + ": error: cannot open file: No such file or directory");
  std::string gz = Gzip(SampleCsv());
  auto truncated = ReadInput(dir.Write("t.csv.gz", gz.substr(0, gz.size() / 2)), "x", ReadOptions{}, nullptr);
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.status().code(), StatusCode::kIoError);
  EXPECT_NE(truncated.status().message().find("corrupt compressed input"), std::string::npos);
  std::string zst = Zstd(SampleCsv());
  auto truncated_zst = ReadInput(dir.Write("t.csv.zst", zst.substr(0, zst.size() - 5)), "x", ReadOptions{}, nullptr);
  ASSERT_FALSE(truncated_zst.ok());
  EXPECT_EQ(truncated_zst.status().code(), StatusCode::kIoError);
  // Truncation says where the file ends (compressed and decompressed bytes).
  EXPECT_NE(truncated.status().message().find("the file ends after " + std::to_string(gz.size() / 2) + " bytes"),
            std::string::npos) << truncated.status().message();
  EXPECT_NE(truncated_zst.status().message().find("the file ends after " + std::to_string(zst.size() - 5) + " bytes"),
            std::string::npos) << truncated_zst.status().message();
  auto empty = ReadInput(dir.Write("e.csv", ""), "x", ReadOptions{}, nullptr);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), StatusCode::kInvalidInput);
  EXPECT_EQ(empty.status().message(), dir.File("e.csv") + ": error: empty input (0 bytes)");
  auto empty_gz = ReadInput(dir.Write("e.csv.gz", Gzip("")), "x", ReadOptions{}, nullptr);
  ASSERT_FALSE(empty_gz.ok());
  EXPECT_EQ(empty_gz.status().code(), StatusCode::kInvalidInput);
}

TEST(ReaderTest, ValidateIdColumn) {
  auto t = testing::ReadText("id,name\n1,a\n2,b\n", "v.csv");
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(ValidateIdColumn(*t, "id", "v.csv").ok());

  Status missing = ValidateIdColumn(*t, "record_id", "v.csv");
  EXPECT_EQ(missing.code(), StatusCode::kInvalidInput);
  EXPECT_EQ(ExitCodeFor(missing), 3);
  EXPECT_EQ(missing.message(), "v.csv: error: id column 'record_id' not found; available columns: id, name");

  auto empty = testing::ReadText("id,name\n1,a\n,b\n", "v.csv");
  ASSERT_TRUE(empty.ok());
  Status empty_status = ValidateIdColumn(*empty, "id", "v.csv");
  EXPECT_EQ(empty_status.code(), StatusCode::kInvalidInput);
  EXPECT_EQ(empty_status.message(), "v.csv:3: error: empty id in column 'id'");
  // --on-bad-record cannot set a record with an empty id aside: the hint names what can help.
  EXPECT_EQ(empty_status.hint().find("use --on-bad-record"), std::string::npos) << empty_status.hint();
  EXPECT_NE(empty_status.hint().find("`id`"), std::string::npos);

  auto dup = testing::ReadText("id,name\n7,a\n8,\"b\nb\"\n9,c\n8,d\n7,e\n", "v.csv");
  ASSERT_TRUE(dup.ok());
  Status dup_status = ValidateIdColumn(*dup, "id", "v.csv");
  EXPECT_EQ(dup_status.code(), StatusCode::kInvalidInput);
  EXPECT_EQ(dup_status.message(), "v.csv:6: error: duplicate id '8' in column 'id' (first seen on line 3)");
}

// Among many repeated ids, the error names the earliest line that repeats an earlier id and the
// line where that id was first seen (a brute-force reading of the same rows says which).
TEST(ReaderTest, TheEarliestRepeatedIdIsReported) {
  std::mt19937 rng(3);
  for (int trial = 0; trial < 20; ++trial) {
    std::string csv = "id,name\n";
    std::vector<std::string> ids;
    const int rows = 2000 + trial * 100, distinct = trial < 5 ? 100000 : 2500 + trial * 400;
    for (int i = 0; i < rows; ++i) {
      ids.push_back(std::to_string(rng() % distinct));
      csv += ids.back() + ",n\n";
    }
    auto t = testing::ReadText(csv, "r.csv");
    ASSERT_TRUE(t.ok());
    std::map<std::string, int> first;
    int repeat = -1;
    for (int i = 0; i < rows && repeat < 0; ++i) {
      if (!first.emplace(ids[i], i).second) repeat = i;
    }
    Status st = ValidateIdColumn(*t, "id", "r.csv");
    if (repeat < 0) {
      EXPECT_TRUE(st.ok()) << st.message();
      continue;
    }
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.message(), "r.csv:" + std::to_string(repeat + 2) + ": error: duplicate id '" + ids[repeat] +
                                "' in column 'id' (first seen on line " + std::to_string(first[ids[repeat]] + 2) + ")");
  }
}

// The check runs in chunks of 65,536 rows on every thread: a repeat across chunks, and the
// earliest of several, are found as in one pass; an empty id wins over any repeat, the first
// one in row order.
TEST(ReaderTest, RepeatedAndEmptyIdsAreFoundAcrossChunksOfRows) {
  const int rows = 200000;
  auto csv_with = [&](const std::map<int, std::string>& changed) {
    std::string csv = "id,name\n";
    for (int i = 0; i < rows; ++i) {
      const auto it = changed.find(i);
      csv += (it != changed.end() ? it->second : "r" + std::to_string(i)) + ",n\n";
    }
    return csv;
  };
  struct Case {
    std::map<int, std::string> changed;
    std::string message;  // empty: valid
  };
  const std::vector<Case> cases = {
      {{}, ""},
      // Row 150,000 repeats row 10's id (chunks 2 and 0); row 190,000 repeats row 70,000's.
      {{{150000, "r10"}, {190000, "r70000"}}, "c.csv:150002: error: duplicate id 'r10' in column 'id' (first seen on line 12)"},
      {{{190000, "r70000"}, {150000, "r140000"}}, "c.csv:150002: error: duplicate id 'r140000' in column 'id' (first seen on line 140002)"},
      // An empty id in chunk 2 is reported before a repeat in chunk 0, and before a later empty one.
      {{{5, "r1"}, {140000, ""}, {199999, ""}}, "c.csv:140002: error: empty id in column 'id'"},
  };
  for (const Case& c : cases) {
    auto t = testing::ReadText(csv_with(c.changed), "c.csv");
    ASSERT_TRUE(t.ok()) << t.status().message();
    Status st = ValidateIdColumn(*t, "id", "c.csv");
    if (c.message.empty()) {
      EXPECT_TRUE(st.ok()) << st.message();
    } else {
      EXPECT_EQ(st.message(), c.message);
    }
  }
}

TEST(ReaderTest, WrongDelimiterHintsAtTheLikelyOne) {
  // Read as one column: the id column is missing, and the hint names the delimiter to use.
  auto t = testing::ReadText("id;name;city\n1;ann;paris\n", "d.csv");
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t->num_columns(), 1u);
  Status missing = ValidateIdColumn(*t, "id", "d.csv");
  EXPECT_EQ(missing.code(), StatusCode::kInvalidInput);
  EXPECT_NE(missing.hint().find("--delimiter ';'"), std::string::npos) << missing.hint();
  // A record that splits on the (wrong) delimiter: the hint is the delimiter, not --on-bad-record.
  for (const char* text : {"id;name;city\n1;Smith, J;Paris\n", "id;name;city\n1;\"Smith, J\";Paris\n",
                           "id\tname\n1\tSmith, J\n"}) {
    auto bad = testing::ReadText(text, "d.csv");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.status().message().rfind("d.csv:2:", 0), 0u) << bad.status().message();
    const std::string want = text[2] == ';' ? "--delimiter ';'" : "--delimiter tab";
    EXPECT_NE(bad.status().hint().find(want), std::string::npos) << bad.status().hint();
    EXPECT_EQ(bad.status().hint().find("--on-bad-record"), std::string::npos) << bad.status().hint();
  }
}

}  // namespace
}  // namespace reclink
