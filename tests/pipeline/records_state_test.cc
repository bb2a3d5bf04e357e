// records.bin: the run state's records file round-trips, refuses what it cannot read whole, and
// still reads the version 1 layout (no key hashes) that earlier releases wrote; its segments
// (records.N.bin) applied to it give the incremental nights' states.
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

// A night's records as a merge of before's rows (from 0) and its own: fields "first" and "last"
// of the given values ("~" for null), key hashes per rule.
std::shared_ptr<RecordsMerge> Night(const RecordsState& before, size_t rows_before,
                                    std::vector<RecordsMerge::Run> runs, const std::vector<std::string>& first,
                                    const std::vector<std::string>& last, std::vector<std::vector<uint64_t>> hashes) {
  auto merge = std::make_shared<RecordsMerge>();
  merge->runs = std::move(runs);
  for (const RecordsMerge::Run& run : merge->runs) merge->rows += run.count;
  merge->rows_before = rows_before;
  merge->before = &before;
  merge->field_names = {"first", "last"};
  for (const auto* values : {&first, &last}) {
    Column col(merge->field_names[values == &first ? 0 : 1]);
    for (const std::string& v : *values) {
      if (v == "~") col.AppendNull();
      else col.Append(v);
    }
    merge->night_fields.push_back(std::move(col));
  }
  merge->night_key_hashes = std::move(hashes);
  return merge;
}

// The state a merge describes, gathered: what a full run would write.
RecordsState Gathered(const RecordsState& like, const RecordsMerge& m, std::vector<Edge> edges,
                      std::vector<SavedOversized> oversized, double threshold) {
  RecordsState out;
  out.threshold = threshold;
  out.tf_tables = like.tf_tables;
  std::vector<Column> storage;
  RecordsState merged;
  merged.merge = std::make_shared<RecordsMerge>(m);
  out.fields = FieldsOf(merged, &storage);
  for (size_t k = 0; k < m.night_key_hashes.size(); ++k) {
    std::vector<uint64_t> h;
    for (const RecordsMerge::Run& run : m.runs) {
      const std::vector<uint64_t>& from = run.from ? m.night_key_hashes[k] : m.before->key_hashes[k];
      h.insert(h.end(), from.begin() + run.first, from.begin() + run.first + run.count);
    }
    out.key_hashes.push_back(std::move(h));
  }
  out.edges = std::move(edges);
  out.oversized = std::move(oversized);
  return out;
}

// Segments: a base with one or two nights' segments applied is the state the nights' merges
// describe, with their links (kept, dropped and added) and skipped blocks; a damaged or truncated
// segment, or one that does not continue the records before it, is refused.
TEST(RecordsState, SegmentsAppliedToTheirBaseGiveTheNightsStates) {
  const RecordsState base = Sample();
  const std::string base_bytes = SerializeRecordsState(base);
  // Night 1: rows night 0, base 0-1, night 1-2, base 3 (base row 2 deleted). The base's link
  // (0, 3) becomes (1, 5) and is dropped; (1, 2) goes with row 2; two links are added.
  RecordsState next1;
  next1.threshold = base.threshold;
  next1.merge = Night(base, 4, {{1, 0, 1}, {0, 0, 2}, {1, 1, 2}, {0, 3, 1}}, {"zoe", "amy", "~"}, {"~", "smith", ""},
                      {{21, 22, 0}, {7, 0, 8}});
  next1.edges = {{0, 1, 7.0}, {3, 4, 2.0}};
  next1.oversized = {{1, "jones", 40, 780}};
  const RecordsState want1 = Gathered(base, *next1.merge, next1.edges, next1.oversized, base.threshold);
  const std::string seg1 = SerializeRecordsSegment(next1);
  // hash_bytes: the base's key hashes gathered from its bytes, as ReadRunState reads them.
  auto read = [&](const std::vector<std::string>& segments, bool hash_bytes = true) -> Result<RecordsState> {
    auto held_base = std::make_shared<const std::string>(base_bytes);
    std::vector<std::string_view> hashes;
    Result<RecordsState> b =
        ParseRecordsState(*held_base, 4, 2, 2, "records.bin", held_base, hash_bytes ? &hashes : nullptr);
    if (!b.ok()) return b.status();
    std::vector<RecordsSegment> parsed;
    std::vector<std::string> names;
    for (size_t i = 0; i < segments.size(); ++i) {
      auto held = std::make_shared<const std::string>(segments[i]);
      names.push_back(StateSegmentName(static_cast<int>(i) + 1));
      Result<RecordsSegment> sg = ParseRecordsSegment(*held, 2, 2, names.back(), held);
      if (!sg.ok()) return sg.status();
      parsed.push_back(std::move(sg.value()));
    }
    return ApplySegments(std::move(b.value()), 4, std::move(parsed), names, hashes);
  };
  Result<RecordsState> got1 = read({seg1});
  ASSERT_TRUE(got1.ok()) << got1.status().message();
  EXPECT_EQ(SerializeRecordsState(*got1), SerializeRecordsState(want1));
  Result<RecordsState> copied = read({seg1}, false);
  ASSERT_TRUE(copied.ok()) << copied.status().message();
  EXPECT_EQ(SerializeRecordsState(*copied), SerializeRecordsState(want1));
  // Night 2 on top: every row kept, one added at the end, the links kept and one added.
  RecordsState next2;
  next2.threshold = base.threshold;
  next2.merge = Night(*got1, 6, {{0, 0, 6}, {1, 0, 1}}, {"yann"}, {"young"}, {{31}, {0}});
  next2.edges = {{0, 1, 7.0}, {3, 4, 2.0}, {5, 6, 1.5}};
  const RecordsState want2 = Gathered(*got1, *next2.merge, next2.edges, {}, base.threshold);
  const std::string seg2 = SerializeRecordsSegment(next2);
  Result<RecordsState> got2 = read({seg1, seg2});
  ASSERT_TRUE(got2.ok()) << got2.status().message();
  EXPECT_EQ(SerializeRecordsState(*got2), SerializeRecordsState(want2));
  // Out of order, the second segment does not continue the base.
  Result<RecordsState> swapped = read({seg2, seg1});
  ASSERT_FALSE(swapped.ok());
  EXPECT_NE(swapped.status().message().find("records.1.bin"), std::string::npos) << swapped.status().message();
  // Truncated or damaged: refused, naming the segment.
  for (size_t cut = 0; cut < seg1.size(); cut += 5) {
    EXPECT_FALSE(read({seg1.substr(0, cut)}).ok()) << cut;
    if (cut >= 24) {
      EXPECT_FALSE(read({Reseal(seg1.substr(0, cut))}).ok()) << cut;
    }
  }
  for (size_t at = 0; at < seg1.size(); ++at) {
    std::string bad = seg1;
    bad[at] ^= 0x20;
    Result<RecordsState> r = read({bad});
    ASSERT_FALSE(r.ok()) << at;
    EXPECT_NE(r.status().message().find("records.1.bin"), std::string::npos) << r.status().message();
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

// ReadRunState parses records.bin while its checksum is still being computed (on another thread),
// so the parse itself must stay within the bytes whatever they hold: every byte damaged three ways,
// parsed with the checksum not checked (in place, as a state's mapped file is, and copied), gives
// an error or tables that fit the records (never a read out of bounds, which ASan would catch).
TEST(RecordsState, AnyDamagedByteIsParsedSafelyBeforeTheChecksum) {
  const std::string bytes = SerializeRecordsState(Sample());
  for (size_t at = 0; at < bytes.size() - 8; ++at) {
    for (const int how : {0, 1, 2}) {
      std::string bad = bytes;
      bad[at] = how == 0 ? static_cast<char>(bad[at] ^ 0x20) : how == 1 ? '\xff' : '\0';
      auto held = std::make_shared<const std::string>(bad);
      std::vector<std::string_view> hashes;
      for (const bool in_place : {true, false}) {
        Result<RecordsState> r = in_place ? ParseRecordsState(*held, 4, 2, 2, "records.bin", held,
                                                              &hashes, TrailerCheck::kTrusted)
                                          : ParseRecordsState(bad, 4, 2, 2, "records.bin", nullptr,
                                                              nullptr, TrailerCheck::kTrusted);
        if (!r.ok()) continue;
        for (const Column& c : r->fields) EXPECT_EQ(c.size(), 4u) << at;
        for (const Edge& e : r->edges) EXPECT_TRUE(e.a < e.b && e.b < 4) << at;
        for (const Column& c : r->fields) {
          for (RowId row = 0; row < 4; ++row) {
            if (!c.IsNull(row)) EXPECT_LE(c.Get(row).size(), bad.size()) << at;
          }
        }
      }
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

// A version 3 file kept a skipped block by its display key (parts joined by " | "): it is read
// as the raw key text, the separator put back, as version 4 keeps it.
TEST(RecordsState, ReadsVersionThreeDisplayKeysAsRawKeys) {
  RecordsState r = Sample();
  r.oversized = {{0, std::string("anna\x1fsmith"), 12000, 71994000}, {1, "jones", 0, 0}};
  const std::string v4 = SerializeRecordsState(r);
  std::string raw_key, display_key;
  PutString(raw_key, std::string("anna\x1fsmith"));
  PutString(display_key, "anna | smith");
  std::string v3 = v4.substr(0, v4.size() - 8);
  const size_t at = v3.find(raw_key);
  ASSERT_NE(at, std::string::npos);
  v3.replace(at, raw_key.size(), display_key);
  v3[8] = 3;  // the version, a little-endian u32 after the magic
  PutU64(v3, XXH3_64bits(v3.data(), v3.size()));
  Result<RecordsState> read = ParseRecordsState(v3, 4, 2, 2, "records.bin");
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->format_version, 3u);
  ASSERT_EQ(read->oversized.size(), 2u);
  EXPECT_EQ(read->oversized[0].key, std::string("anna\x1fsmith"));
  EXPECT_EQ(read->oversized[1].key, "jones");
  EXPECT_EQ(SerializeRecordsState(*read), v4);  // written again as version 4
}

// Key hashes read in place (key_hash_bytes, as ReadRunState keeps them) are written as the copies.
TEST(RecordsState, KeyHashesReadInPlaceAreWrittenAsCopied) {
  const std::string bytes = SerializeRecordsState(Sample());
  auto backing = std::make_shared<const std::string>(bytes);
  std::vector<std::string_view> hashes;
  Result<RecordsState> read = ParseRecordsState(*backing, 4, 2, 2, "records.bin", backing, &hashes);
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_TRUE(read->key_hashes.empty());
  ASSERT_EQ(hashes.size(), 2u);
  read->key_hash_bytes = hashes;
  EXPECT_EQ(read->KeyHashRules(), 2u);
  EXPECT_EQ(read->KeyHash(0, 2), 13u);
  EXPECT_EQ(read->KeyHash(1, 3), 1u);
  EXPECT_EQ(SerializeRecordsState(*read), bytes);
}

}  // namespace
}  // namespace reclink

namespace reclink {
namespace {

// A run's records in key order (RecordsState::key_order) are written a block of rows at a time
// (EmitRecordsBody): the bytes must be those of the same records gathered into key order first,
// for tables shorter than a chunk, of exactly two chunks, and longer than a block (1,048,576
// rows) with a partial last chunk; with nulls, empty values and both rules' key hashes.
TEST(RecordsState, KeyOrderWrittenInBlocksEqualsTheGatheredRecords) {
  for (const size_t n : {size_t{1000}, size_t{2} * 65536, size_t{1} * 1048576 + 70001}) {
    SCOPED_TRACE("rows " + std::to_string(n));
    std::vector<Column> fields;
    fields.emplace_back("first");
    fields.emplace_back("city");
    std::vector<std::vector<uint64_t>> key_hashes(2, std::vector<uint64_t>(n));
    uint64_t x = 88172645463325252ull;
    auto next = [&x] {  // xorshift64
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      return x;
    };
    for (size_t r = 0; r < n; ++r) {
      const uint64_t v = next();
      if (v % 11 == 0) fields[0].AppendNull();
      else fields[0].Append(std::string(v % 7 == 0 ? 0 : 1 + v % 13, static_cast<char>('a' + v % 26)));
      if (v % 5 == 0) fields[1].AppendNull();
      else fields[1].Append("town-" + std::to_string(v % 997));
      key_hashes[0][r] = v;
      key_hashes[1][r] = v % 3 == 0 ? 0 : v >> 7;
    }
    std::vector<uint32_t> rows(n);
    for (size_t i = 0; i < n; ++i) rows[i] = static_cast<uint32_t>(i);
    for (size_t i = n - 1; i > 0; --i) std::swap(rows[i], rows[next() % (i + 1)]);
    RecordsState blocks;
    blocks.threshold = 0.9;
    blocks.key_order = RecordsState::KeyOrder{&fields, &key_hashes, &rows};
    RecordsState gathered;
    gathered.threshold = 0.9;
    for (const Column& in : fields) gathered.fields.push_back(Column::GatherRows(in.name(), in, rows));
    for (const std::vector<uint64_t>& in : key_hashes) {
      std::vector<uint64_t>& out = gathered.key_hashes.emplace_back(n);
      for (size_t i = 0; i < n; ++i) out[i] = in[rows[i]];
    }
    const std::string a = SerializeRecordsState(blocks), b = SerializeRecordsState(gathered);
    ASSERT_EQ(a.size(), b.size());
    EXPECT_TRUE(a == b) << "the files differ";
  }
}

}  // namespace
}  // namespace reclink
