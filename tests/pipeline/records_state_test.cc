// records.bin: the run state's records file round-trips, refuses what it cannot read whole, and
// still reads the version 1 layout (no key hashes) that earlier releases wrote.
#include <gtest/gtest.h>
#include <xxhash.h>

#include <cstring>
#include <memory>
#include <string>

#include "reclink/binary_io.h"
#include "reclink/run_state.h"

namespace reclink {
namespace {

RecordsState Sample() {
  RecordsState r;
  r.threshold = 0.975;
  Column first("first"), last("last");
  first.Append("anna");
  first.AppendNull();
  first.Append("");  // an empty value that is not null
  first.Append("bernard");
  last.Append("smith");
  last.Append("jones");
  last.AppendNull();
  last.Append("o'neil, jr");
  r.fields.push_back(std::move(first));
  r.fields.push_back(std::move(last));
  r.key_hashes = {{11, 0, 13, 11}, {0, 0, 5, 1}};
  TfTable t;
  t.enabled = true;
  t.rows = 4;
  t.non_null = 3;
  t.counts = {{3, 1}, {9, 2}};
  r.tf_tables.push_back(t);
  r.tf_tables.push_back(TfTable{});
  r.edges = {{0, 3, 12.5}, {1, 2, 30.25}};
  r.oversized = {{0, "anna | smith", 12000, 71994000}, {1, "jones", 0, 0}};
  return r;
}

void ExpectSame(const RecordsState& a, const RecordsState& b) {
  EXPECT_EQ(a.threshold, b.threshold);
  ASSERT_EQ(a.fields.size(), b.fields.size());
  for (size_t f = 0; f < a.fields.size(); ++f) {
    EXPECT_EQ(a.fields[f].name(), b.fields[f].name());
    ASSERT_EQ(a.fields[f].size(), b.fields[f].size());
    for (RowId r = 0; r < a.fields[f].size(); ++r) {
      EXPECT_EQ(a.fields[f].IsNull(r), b.fields[f].IsNull(r)) << f << " " << r;
      EXPECT_EQ(a.fields[f].Get(r), b.fields[f].Get(r)) << f << " " << r;
    }
  }
  EXPECT_EQ(a.key_hashes, b.key_hashes);
  ASSERT_EQ(a.tf_tables.size(), b.tf_tables.size());
  for (size_t t = 0; t < a.tf_tables.size(); ++t) {
    EXPECT_EQ(a.tf_tables[t].enabled, b.tf_tables[t].enabled);
    EXPECT_EQ(a.tf_tables[t].counts, b.tf_tables[t].counts);
  }
  ASSERT_EQ(a.edges.size(), b.edges.size());
  for (size_t i = 0; i < a.edges.size(); ++i) {
    EXPECT_EQ(a.edges[i].a, b.edges[i].a);
    EXPECT_EQ(a.edges[i].b, b.edges[i].b);
    EXPECT_EQ(a.edges[i].weight, b.edges[i].weight);
  }
  EXPECT_EQ(a.oversized, b.oversized);
}

// Replaces the trailing checksum so that a deliberately inconsistent body reaches the parser.
std::string Reseal(std::string bytes) {
  bytes.resize(bytes.size() - 8);
  PutU64(bytes, XXH3_64bits(bytes.data(), bytes.size()));
  return bytes;
}

// ParseRecordsState with its columns read in place (as ReadRunState reads a mapped file): the
// bytes are copied once into what the result keeps alive.
Result<RecordsState> ParseInPlace(const std::string& bytes, uint64_t rows, size_t fields, size_t rules,
                                  const std::string& name) {
  auto held = std::make_shared<const std::string>(bytes);
  return ParseRecordsState(*held, rows, fields, rules, name, held);
}

TEST(RecordsState, RoundTrips) {
  const RecordsState in = Sample();
  const std::string bytes = SerializeRecordsState(in);
  Result<RecordsState> out = ParseRecordsState(bytes, 4, 2, 2, "records.bin");
  ASSERT_TRUE(out.ok()) << out.status().message();
  ExpectSame(in, *out);
  // Serializing what was read gives the same bytes.
  EXPECT_EQ(SerializeRecordsState(*out), bytes);
}

// Read in place, the columns are views of the bytes, hold the same values, and outlive the
// caller's copy of the bytes (the result keeps them).
TEST(RecordsState, ReadsColumnsInPlace) {
  const RecordsState in = Sample();
  std::string bytes = SerializeRecordsState(in);
  Result<RecordsState> out = ParseInPlace(bytes, 4, 2, 2, "records.bin");
  ASSERT_TRUE(out.ok()) << out.status().message();
  ASSERT_EQ(out->fields.size(), 2u);
  EXPECT_TRUE(out->fields[0].is_view());
  EXPECT_TRUE(out->fields[1].is_view());
  const std::string want = bytes;
  bytes.assign(bytes.size(), '\0');
  ExpectSame(in, *out);
  EXPECT_EQ(SerializeRecordsState(*out), want);
  // A copy of the state is a view of the same bytes; filling a view makes it a column of its own.
  RecordsState copy;
  {
    Result<RecordsState> again = ParseInPlace(want, 4, 2, 2, "records.bin");
    ASSERT_TRUE(again.ok());
    copy = *again;
  }
  ExpectSame(in, copy);
  Column& col = copy.fields[0];
  const Column::FillBuffers fill = col.PrepareFill(1, 2);
  std::memcpy(fill.arena, "ab", 2);
  fill.offsets[1] = 2;
  EXPECT_FALSE(col.is_view());
  EXPECT_EQ(col.Get(0), "ab");
}

// An incremental night's next state, kept as runs of the previous state's rows and the night's
// (RecordsMerge), writes the very bytes of the same state gathered in memory, and FieldsOf gathers
// the same fields; with a value long enough to be written from where it is, and with wide columns.
TEST(RecordsState, AMergeWritesWhatTheGatheredStateWrites) {
  for (const bool wide : {false, true}) {
    Column::SetAlwaysWideForTesting(wide);
    const RecordsState before = Sample();
    const std::string long_value(100000, 'x');
    Column first("first"), last("last");
    first.Append("zoe");
    first.Append(long_value);
    first.AppendNull();
    last.AppendNull();
    last.Append("smith");
    last.Append("");
    auto merge = std::make_shared<RecordsMerge>();
    // Rows: night 0, before 0-1, night 1-2, before 3.
    merge->runs = {{1, 0, 1}, {0, 0, 2}, {1, 1, 2}, {0, 3, 1}};
    merge->rows = 6;
    merge->before = &before;
    merge->field_names = {"first", "last"};
    merge->night_fields.push_back(std::move(first));
    merge->night_fields.push_back(std::move(last));
    merge->night_key_hashes = {{21, 22, 0}, {7, 0, 8}};
    RecordsState gathered = Sample();
    gathered.fields.clear();
    for (size_t f = 0; f < 2; ++f) {
      Column col(merge->field_names[f]);
      for (const RecordsMerge::Run& run : merge->runs) {
        const Column& from = run.from ? merge->night_fields[f] : before.fields[f];
        for (uint32_t k = 0; k < run.count; ++k) {
          if (from.IsNull(run.first + k)) col.AppendNull();
          else col.Append(from.Get(run.first + k));
        }
      }
      gathered.fields.push_back(std::move(col));
    }
    gathered.key_hashes = {{21, 11, 0, 22, 0, 11}, {7, 0, 0, 0, 8, 1}};
    RecordsState merged = Sample();
    merged.fields.clear();
    merged.key_hashes.clear();
    merged.merge = merge;
    EXPECT_EQ(SerializeRecordsState(merged), SerializeRecordsState(gathered)) << wide;
    std::vector<Column> storage;
    RecordsState check = Sample();
    check.fields = FieldsOf(merged, &storage);
    check.key_hashes = gathered.key_hashes;
    ExpectSame(check, gathered);
    Column::SetAlwaysWideForTesting(false);
  }
}

// Columns read into 8-byte offsets (as beyond 4 GiB of text) hold the same values.
TEST(RecordsState, ReadsIntoWideColumns) {
  const RecordsState in = Sample();
  const std::string bytes = SerializeRecordsState(in);
  Column::SetAlwaysWideForTesting(true);
  Result<RecordsState> out = ParseRecordsState(bytes, 4, 2, 2, "records.bin");
  Column::SetAlwaysWideForTesting(false);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_TRUE(out->fields[0].wide());
  ExpectSame(in, *out);
  EXPECT_EQ(SerializeRecordsState(*out), bytes);
}

TEST(RecordsState, RefusesWhatDoesNotFit) {
  const std::string bytes = SerializeRecordsState(Sample());
  EXPECT_FALSE(ParseRecordsState(bytes, 5, 2, 2, "r").ok());  // other record count
  EXPECT_FALSE(ParseRecordsState(bytes, 4, 3, 2, "r").ok());  // other field count
  EXPECT_FALSE(ParseRecordsState(bytes, 4, 2, 3, "r").ok());  // other rule count
  for (size_t cut : {size_t{0}, size_t{7}, size_t{20}, bytes.size() / 2, bytes.size() - 1}) {
    EXPECT_FALSE(ParseRecordsState(bytes.substr(0, cut), 4, 2, 2, "r").ok()) << cut;
    EXPECT_FALSE(ParseInPlace(bytes.substr(0, cut), 4, 2, 2, "r").ok()) << cut;
    EXPECT_FALSE(ParseInPlace(Reseal(bytes.substr(0, std::max<size_t>(cut, 24))), 4, 2, 2, "r").ok()) << cut;
    EXPECT_FALSE(ParseRecordsState(Reseal(bytes.substr(0, std::max<size_t>(cut, 24))), 4, 2, 2, "r").ok()) << cut;
  }
  // Any flipped byte: the checksum refuses it.
  for (size_t at = 0; at < bytes.size(); at += 7) {
    std::string bad = bytes;
    bad[at] ^= 0x20;
    Result<RecordsState> r = ParseRecordsState(bad, 4, 2, 2, "records.bin");
    EXPECT_FALSE(r.ok()) << at;
    EXPECT_FALSE(ParseInPlace(bad, 4, 2, 2, "records.bin").ok()) << at;
    if (!r.ok()) {
      EXPECT_NE(r.status().message().find("records.bin"), std::string::npos);
    }
  }
}

TEST(RecordsState, RefusesInconsistentOffsetsEvenWithAGoodChecksum) {
  const std::string bytes = SerializeRecordsState(Sample());
  // The first field's offsets follow its name, row count, byte count and width byte.
  const size_t at = bytes.find("first") + 5 + 1 + 1 + 1;  // "first", varint 4, varint 16, width 4
  ASSERT_EQ(bytes[at - 1], 4);
  // Offsets 0, 4, 4, 4, 11: make the second one pass the end of the text.
  std::string bad = bytes;
  bad[at + 4] = 100;
  Result<RecordsState> r = ParseRecordsState(Reseal(bad), 4, 2, 2, "records.bin");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("offsets"), std::string::npos) << r.status().message();
  r = ParseInPlace(Reseal(bad), 4, 2, 2, "records.bin");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("offsets"), std::string::npos) << r.status().message();
  // A null row with text.
  bad = bytes;
  bad[at + 8] = 5;  // row 1 (null) would end after 'anna' + 1
  EXPECT_FALSE(ParseRecordsState(Reseal(bad), 4, 2, 2, "records.bin").ok());
  EXPECT_FALSE(ParseInPlace(Reseal(bad), 4, 2, 2, "records.bin").ok());
}

// Version 1, as earlier releases wrote it: varint-prefixed values, varint links, skipped blocks
// without sizes, and no key hashes (ReadRunState computes them).
TEST(RecordsState, ReadsVersionOne) {
  std::string v1 = "RCLKREC\n";
  PutU32(v1, 1);
  PutU32(v1, 0);
  PutF64(v1, 0.5);
  PutVarint(v1, 1);  // fields
  PutString(v1, "first");
  PutVarint(v1, 2);  // rows
  PutVarint(v1, 4);  // bytes
  PutVarint(v1, 5);  // "anna"
  v1 += "anna";
  PutVarint(v1, 0);  // null
  PutVarint(v1, 1);  // tf tables
  v1.push_back(0);
  PutVarint(v1, 1);  // edges
  PutVarint(v1, 0);
  PutVarint(v1, 1);
  PutF64(v1, 3.5);
  PutVarint(v1, 1);  // skipped blocks
  PutVarint(v1, 0);
  PutString(v1, "anna");
  PutU64(v1, XXH3_64bits(v1.data(), v1.size()));
  Result<RecordsState> r = ParseRecordsState(v1, 2, 1, 1, "records.bin");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->threshold, 0.5);
  EXPECT_EQ(r->fields[0].Get(0), "anna");
  EXPECT_TRUE(r->fields[0].IsNull(1));
  EXPECT_TRUE(r->key_hashes.empty());
  ASSERT_EQ(r->edges.size(), 1u);
  EXPECT_EQ(r->edges[0].weight, 3.5);
  ASSERT_EQ(r->oversized.size(), 1u);
  EXPECT_EQ(r->oversized[0].key, "anna");
  EXPECT_EQ(r->oversized[0].size, 0u);
}

}  // namespace
}  // namespace reclink
