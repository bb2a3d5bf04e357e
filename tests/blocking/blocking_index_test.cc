// BlockingIndex: streamed pair sets equal a brute-force reference on random tables with
// overlapping rules, nulls and every link type, at 1, 2 and 8 threads; the pairs of marked rows;
// oversized blocks.
#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include <atomic>
#include <filesystem>
#include <cstring>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <tuple>

#include "reclink/blocking.h"

namespace reclink {
namespace {

struct Fixture {
  Rules rules;
  RecordTable table;
  DerivedFields fields;
};

// A table of n rows over `sources` sources with fields f0..f2 drawn from small alphabets so that
// blocks overlap; about 15% nulls.
Fixture MakeRandom(uint32_t seed, size_t n, int sources, LinkType type) {
  Fixture f;
  std::mt19937 rng(seed);
  f.rules.link_type = type;
  for (int i = 0; i < 3; ++i) {
    FieldSpec spec;
    spec.name = "f" + std::to_string(i);
    f.rules.fields.push_back(spec);
    f.fields.fields.emplace_back(spec.name);
  }
  auto key = [](const std::string& field, KeyFunction fn = KeyFunction::kField, int n = 0) {
    BlockingKey k;
    k.field = field;
    k.fn = fn;
    k.n = n;
    k.text = field;
    return k;
  };
  BlockingRule r0, r1, r2;
  r0.keys = {key("f0"), key("f1")};
  r1.keys = {key("f0")};
  r2.keys = {key("f2", KeyFunction::kPrefix, 1), key("f1")};
  f.rules.blocking = {r0, r1, r2};
  f.rules.max_block_size = 1000000;
  size_t per_source = n / sources;
  for (int s = 0; s < sources; ++s) {
    f.table.AddSource("s" + std::to_string(s));
    size_t rows = s == sources - 1 ? n - per_source * (sources - 1) : per_source;
    f.table.AppendSourceRows(static_cast<SourceId>(s), rows);
  }
  const char* alphabet[3] = {"abcd", "xyz", "pqrst"};
  for (size_t r = 0; r < n; ++r) {
    for (int i = 0; i < 3; ++i) {
      if (rng() % 100 < 15) {
        f.fields.fields[i].AppendNull();
      } else {
        std::string v;
        size_t len = 1 + rng() % 2;
        for (size_t c = 0; c < len; ++c) v += alphabet[i][rng() % std::strlen(alphabet[i])];
        f.fields.fields[i].Append(v);
      }
    }
  }
  return f;
}

bool SameKey(const Fixture& f, const BlockingRule& rule, RowId a, RowId b) {
  std::string ka, kb;
  for (const BlockingKey& k : rule.keys) {
    const Column& c = f.fields.fields[f.rules.FindField(k.field)];
    if (c.IsNull(a) || c.IsNull(b)) return false;
    ka.clear();
    kb.clear();
    if (!ComputeKeyPart(k, c.Get(a), &ka) || !ComputeKeyPart(k, c.Get(b), &kb) || ka != kb) return false;
  }
  return true;
}

std::set<std::pair<RowId, RowId>> BruteForce(const Fixture& f) {
  std::set<std::pair<RowId, RowId>> out;
  const size_t n = f.table.num_rows();
  for (RowId a = 0; a < n; ++a) {
    for (RowId b = a + 1; b < n; ++b) {
      const bool cross = f.table.source(a) != f.table.source(b);
      if (f.rules.link_type == LinkType::kLink && !cross) continue;
      for (const BlockingRule& rule : f.rules.blocking) {
        if (SameKey(f, rule, a, b)) {
          out.insert({a, b});
          break;
        }
      }
    }
  }
  return out;
}

std::set<std::pair<RowId, RowId>> Stream(Fixture& f, int threads, uint64_t* total_pairs) {
  tbb::task_arena arena(threads);
  std::set<std::pair<RowId, RowId>> out;
  uint64_t duplicates = 0;
  arena.execute([&] {
    BlockingIndex index = BlockingIndex::Build(f.rules, f.fields, f.table);
    std::mutex mu;
    auto totals = index.StreamPairs([&](int, std::span<const CandidatePair> pairs) {
      std::lock_guard<std::mutex> lock(mu);
      for (const CandidatePair& p : pairs) {
        EXPECT_LT(p.a, p.b);
        if (!out.insert({p.a, p.b}).second) ++duplicates;
      }
    });
    *total_pairs = 0;
    for (uint64_t t : totals) *total_pairs += t;
  });
  EXPECT_EQ(duplicates, 0u);
  return out;
}

class BlockingRandomTest : public ::testing::TestWithParam<LinkType> {};

TEST_P(BlockingRandomTest, EqualsBruteForceAtEveryThreadCount) {
  for (uint32_t seed = 1; seed <= 6; ++seed) {
    Fixture f = MakeRandom(seed, 300 + seed * 40, seed % 2 ? 2 : 3, GetParam());
    auto expected = BruteForce(f);
    ASSERT_FALSE(expected.empty());
    for (int threads : {1, 2, 8}) {
      uint64_t total = 0;
      auto got = Stream(f, threads, &total);
      EXPECT_EQ(got, expected) << "seed " << seed << " threads " << threads;
      EXPECT_EQ(total, expected.size());
    }
  }
}

// Under a memory limit the table has a spill area: Build then builds the rules one at a time
// and moves each rule's arrays there (and SpillTo the rest). The pairs are the same, read
// through the file pages, and again after the pages are dropped.
TEST_P(BlockingRandomTest, SpilledIndexStreamsTheSamePairs) {
  Result<std::shared_ptr<SpillArea>> area = SpillArea::Open(std::filesystem::temp_directory_path().string());
  ASSERT_TRUE(area.ok()) << area.status().ToString();
  for (uint32_t seed = 1; seed <= 3; ++seed) {
    Fixture f = MakeRandom(seed, 300 + seed * 40, seed % 2 ? 2 : 3, GetParam());
    const auto expected = BruteForce(f);
    f.table.KeepAlive(*area);
    for (int threads : {1, 2}) {
      tbb::task_arena arena(threads);
      arena.execute([&] {
        const size_t before = (*area)->bytes();
        BlockingIndex index = BlockingIndex::Build(f.rules, f.fields, f.table);
        EXPECT_GT((*area)->bytes(), before) << "Build spills each rule's arrays";
        ASSERT_TRUE(index.SpillTo(*area).ok());
        for (int pass = 0; pass < 2; ++pass) {
          std::set<std::pair<RowId, RowId>> got;
          std::mutex mu;
          uint64_t total = 0;
          for (uint64_t t : index.StreamPairs([&](int, std::span<const CandidatePair> pairs) {
                 std::lock_guard<std::mutex> lock(mu);
                 for (const CandidatePair& p : pairs) got.insert({p.a, p.b});
               })) {
            total += t;
          }
          EXPECT_EQ(got, expected) << "seed " << seed << " threads " << threads << " pass " << pass;
          EXPECT_EQ(total, expected.size());
          for (const auto& [a, b] : expected) {
            bool some = false;
            for (size_t r = 0; r < f.rules.blocking.size(); ++r) some |= index.RuleCovers(r, a, b);
            ASSERT_TRUE(some) << a << "," << b;
          }
          (*area)->Evict();
        }
      });
    }
  }
}

// StreamPairsOfRows gives exactly the pairs of StreamPairs (from the same rule) that have a
// marked row, once each, at every thread count; stats() keeps StreamPairs' counts.
TEST_P(BlockingRandomTest, PairsOfRowsAreTheMarkedRowsPairs) {
  for (uint32_t seed = 1; seed <= 6; ++seed) {
    Fixture f = MakeRandom(seed, 300 + seed * 40, seed % 2 ? 2 : 3, GetParam());
    const size_t n = f.table.num_rows();
    std::mt19937 rng(seed);
    std::vector<uint64_t> rows((n + 63) / 64, 0);
    for (RowId r = 0; r < n; ++r) {
      if (rng() % 100 < 20) rows[r / 64] |= uint64_t{1} << (r % 64);
    }
    auto marked = [&](RowId r) { return (rows[r / 64] >> (r % 64)) & 1; };
    for (int threads : {1, 2, 8}) {
      tbb::task_arena arena(threads);
      arena.execute([&] {
        BlockingIndex index = BlockingIndex::Build(f.rules, f.fields, f.table);
        std::set<std::tuple<int, RowId, RowId>> all, of_rows;
        uint64_t duplicates = 0;
        std::mutex mu;
        index.StreamPairs([&](int rule, std::span<const CandidatePair> pairs) {
          std::lock_guard<std::mutex> lock(mu);
          for (const CandidatePair& p : pairs) {
            if (marked(p.a) || marked(p.b)) all.insert({rule, p.a, p.b});
          }
        });
        const std::vector<RuleStats> stats = index.stats();
        index.StreamPairsOfRows(rows, [&](int rule, std::span<const CandidatePair> pairs) {
          std::lock_guard<std::mutex> lock(mu);
          for (const CandidatePair& p : pairs) {
            if (!of_rows.insert({rule, p.a, p.b}).second) ++duplicates;
          }
        });
        ASSERT_FALSE(all.empty());
        EXPECT_EQ(of_rows, all) << "seed " << seed << " threads " << threads;
        EXPECT_EQ(duplicates, 0u);
        for (size_t r = 0; r < stats.size(); ++r) EXPECT_EQ(index.stats()[r].pairs, stats[r].pairs);
      });
    }
  }
}

// StreamPairsPartitioned and StreamPairsOfRowsPartitioned give, mapped back through each
// partition's rows, exactly the pairs (and rules, and counts) of StreamPairs and
// StreamPairsOfRows, in runs of one first row, for partitions of every size from one row to the
// whole table; a partition's gathered blocks answer Covers as RuleCovers does.
TEST_P(BlockingRandomTest, PartitionedStreamGivesTheSamePairs) {
  for (uint32_t seed = 1; seed <= 4; ++seed) {
    // The last table is large enough for several work units per rule, and tiled blocks.
    Fixture f = MakeRandom(seed, seed == 4 ? 2500 : 300 + seed * 40, seed % 2 ? 2 : 3, GetParam());
    const size_t n = f.table.num_rows();
    std::mt19937 rng(seed);
    std::vector<uint64_t> rows((n + 63) / 64, 0);
    for (RowId r = 0; r < n; ++r) {
      if (rng() % 100 < 20) rows[r / 64] |= uint64_t{1} << (r % 64);
    }
    for (int threads : {1, 2}) {
      tbb::task_arena arena(threads);
      arena.execute([&] {
        BlockingIndex index = BlockingIndex::Build(f.rules, f.fields, f.table);
        using Pairs = std::set<std::tuple<int, RowId, RowId>>;
        Pairs all, of_rows;
        std::mutex mu;
        const std::vector<uint64_t> totals = index.StreamPairs([&](int rule, std::span<const CandidatePair> pairs) {
          std::lock_guard<std::mutex> lock(mu);
          for (const CandidatePair& p : pairs) all.insert({rule, p.a, p.b});
        });
        index.StreamPairsOfRows(rows, [&](int rule, std::span<const CandidatePair> pairs) {
          std::lock_guard<std::mutex> lock(mu);
          for (const CandidatePair& p : pairs) of_rows.insert({rule, p.a, p.b});
        });
        ASSERT_FALSE(all.empty());
        for (uint64_t max_rows : {uint64_t{1}, uint64_t{7}, uint64_t{60}, uint64_t{1} << 40}) {
          // Modes: every pair with every rule's blocks; the marked rows' pairs; every pair with only
          // the blocks the stream itself tests.
          for (int mode = 0; mode < 3; ++mode) {
            const bool marked = mode == 1, every_rule = mode != 2;
            Pairs got;
            uint64_t duplicates = 0, bad_covers = 0, bad_order = 0, partitions = 0, not_gathered = 0;
            auto prepare = [&](const GatheredRows& g) {
              ++partitions;
              if (!marked) {
                EXPECT_EQ(g.rows.size(), g.by_row.size());
              }
              for (size_t k = 1; k < g.by_row.size(); ++k) EXPECT_LT(g.rows[g.by_row[k - 1]], g.rows[g.by_row[k]]);
              auto in_by_row = std::make_shared<std::vector<bool>>(g.rows.size(), false);
              for (uint32_t i : g.by_row) (*in_by_row)[i] = true;
              return BlockingIndex::PairSink([&, gp = &g, in_by_row](int rule, std::span<const CandidatePair> pairs) {
                std::lock_guard<std::mutex> lock(mu);
                EXPECT_EQ(static_cast<uint32_t>(rule), gp->rule);
                std::set<RowId> runs_seen;
                for (size_t i = 0; i < pairs.size(); ++i) {
                  const CandidatePair& p = pairs[i];
                  // Runs of one first row: a first row seen before comes right after itself.
                  if (i > 0 && pairs[i - 1].a != p.a && !runs_seen.insert(p.a).second) ++bad_order;
                  if (i == 0) runs_seen.insert(p.a);
                  if (!(*in_by_row)[p.a] || !(*in_by_row)[p.b]) ++not_gathered;
                  const CandidatePair q = gp->Global(p);
                  if (!got.insert({rule, q.a, q.b}).second) ++duplicates;
                  for (size_t r = 0; r < index.num_rules(); ++r) {
                    if (r == gp->rule) continue;
                    if (gp->block_of[r].empty()) {
                      bad_covers += every_rule;  // else only the rules the stream tests are there
                      continue;
                    }
                    if (gp->Covers(r, p.a, p.b) != index.RuleCovers(r, q.a, q.b)) ++bad_covers;
                  }
                }
              });
            };
            uint64_t total = 0;
            if (marked) {
              for (uint64_t t : index.StreamPairsOfRowsPartitioned(rows, max_rows, prepare)) total += t;
            } else {
              const std::vector<uint64_t> t = index.StreamPairsPartitioned(max_rows, every_rule, prepare);
              EXPECT_EQ(t, totals);
              for (uint64_t x : t) total += x;
            }
            const std::string where = "seed " + std::to_string(seed) + " threads " + std::to_string(threads) +
                                      " max_rows " + std::to_string(max_rows) + (marked ? " marked" : "") +
                                      (every_rule ? "" : " earlier rules");
            EXPECT_EQ(got, marked ? of_rows : all) << where;
            EXPECT_EQ(total, got.size()) << where;
            EXPECT_EQ(duplicates, 0u) << where;
            EXPECT_EQ(bad_covers, 0u) << where;
            EXPECT_EQ(bad_order, 0u) << where;
            EXPECT_EQ(not_gathered, 0u) << where << ": a pair's row left out of by_row";
            EXPECT_EQ(partitions, index.CountPartitions(max_rows)) << where;
            if (max_rows == 1 && seed == 4) {
              EXPECT_GT(partitions, index.num_rules()) << where;
            }
          }
        }
        for (size_t r = 0; r < totals.size(); ++r) EXPECT_EQ(index.stats()[r].pairs, totals[r]);
      });
    }
  }
}

INSTANTIATE_TEST_SUITE_P(LinkTypes, BlockingRandomTest,
                         ::testing::Values(LinkType::kDedupe, LinkType::kLink,
                                           LinkType::kLinkAndDedupe));

TEST(BlockingTest, LargeBlockIsTiledAndComplete) {
  // One block of 3000 records (4.5 M pairs) spans many work units.
  Fixture f;
  FieldSpec spec;
  spec.name = "k";
  f.rules.fields.push_back(spec);
  f.fields.fields.emplace_back("k");
  BlockingRule rule;
  BlockingKey key;
  key.field = "k";
  rule.keys = {key};
  f.rules.blocking = {rule};
  f.table.AddSource("s");
  f.table.AppendSourceRows(0, 3000);
  for (int i = 0; i < 3000; ++i) f.fields.fields[0].Append("same");
  for (int threads : {1, 2}) {
    tbb::task_arena arena(threads);
    arena.execute([&] {
      BlockingIndex index = BlockingIndex::Build(f.rules, f.fields, f.table);
      std::atomic<uint64_t> count{0}, checksum{0};
      index.StreamPairs([&](int, std::span<const CandidatePair> pairs) {
        uint64_t c = 0;
        for (const CandidatePair& p : pairs) c += uint64_t{p.a} * 3001 + p.b;
        count += pairs.size();
        checksum += c;
      });
      EXPECT_EQ(count.load(), 3000u * 2999 / 2);
      uint64_t expected = 0;
      for (uint64_t a = 0; a < 3000; ++a)
        for (uint64_t b = a + 1; b < 3000; ++b) expected += a * 3001 + b;
      EXPECT_EQ(checksum.load(), expected);
      // Across the tiles: the pairs of every 7th row.
      std::vector<uint64_t> rows((3000 + 63) / 64, 0);
      for (RowId r = 0; r < 3000; r += 7) rows[r / 64] |= uint64_t{1} << (r % 64);
      count = 0;
      checksum = 0;
      index.StreamPairsOfRows(rows, [&](int, std::span<const CandidatePair> pairs) {
        uint64_t c = 0;
        for (const CandidatePair& p : pairs) c += uint64_t{p.a} * 3001 + p.b;
        count += pairs.size();
        checksum += c;
      });
      uint64_t expected_count = 0;
      expected = 0;
      for (uint64_t a = 0; a < 3000; ++a) {
        for (uint64_t b = a + 1; b < 3000; ++b) {
          if (a % 7 == 0 || b % 7 == 0) {
            ++expected_count;
            expected += a * 3001 + b;
          }
        }
      }
      EXPECT_EQ(count.load(), expected_count);
      EXPECT_EQ(checksum.load(), expected);
      ASSERT_EQ(index.stats().size(), 1u);
      EXPECT_EQ(index.stats()[0].largest.at(0).size, 3000u);
      EXPECT_EQ(index.stats()[0].largest.at(0).key, "same");
    });
  }
}

TEST(BlockingTest, OversizedBlockIsSkippedAndReportedAndDoesNotHideLaterRules) {
  Fixture f;
  for (const char* name : {"a", "b"}) {
    FieldSpec spec;
    spec.name = name;
    f.rules.fields.push_back(spec);
    f.fields.fields.emplace_back(name);
  }
  BlockingRule r0, r1;
  BlockingKey ka, kb;
  ka.field = "a";
  kb.field = "b";
  r0.keys = {ka};
  r0.text = "a";
  r1.keys = {kb};
  r1.text = "b";
  f.rules.blocking = {r0, r1};
  f.rules.max_block_size = 5;
  f.table.AddSource("s");
  f.table.AppendSourceRows(0, 8);
  // Rule a: 6 records share "big" (oversized), 2 share "small". Rule b: rows 0 and 1 share "z".
  for (int i = 0; i < 8; ++i) f.fields.fields[0].Append(i < 6 ? "big" : "small");
  for (int i = 0; i < 8; ++i) f.fields.fields[1].Append(i < 2 ? "z" : "u" + std::to_string(i));
  BlockingIndex index = BlockingIndex::Build(f.rules, f.fields, f.table);
  std::set<std::pair<RowId, RowId>> got;
  std::mutex mu;
  index.StreamPairs([&](int, std::span<const CandidatePair> pairs) {
    std::lock_guard<std::mutex> lock(mu);
    for (const CandidatePair& p : pairs) got.insert({p.a, p.b});
  });
  std::set<std::pair<RowId, RowId>> expected = {{6, 7}, {0, 1}};
  EXPECT_EQ(got, expected);
  ASSERT_EQ(index.oversized().size(), 1u);
  EXPECT_EQ(index.oversized()[0].key, "big");
  EXPECT_EQ(index.oversized()[0].size, 6u);
  EXPECT_EQ(index.oversized()[0].pairs_skipped, 15u);
  EXPECT_EQ(index.stats()[0].pairs, 1u);
  EXPECT_EQ(index.stats()[1].pairs, 1u);
}

BlockingRule RuleOf(std::initializer_list<std::tuple<const char*, KeyFunction, int>> parts) {
  BlockingRule rule;
  for (const auto& [field, fn, n] : parts) {
    BlockingKey k;
    k.field = field;
    k.fn = fn;
    k.n = n;
    rule.keys.push_back(k);
  }
  return rule;
}

// ImplyingRule: an earlier rule implies a later one when each of the later rule's key parts is
// computed from one of its parts (the field as it is, the same function, a longer prefix).
TEST(BlockingTest, ImplyingRuleFollowsKeyFunctions) {
  using F = KeyFunction;
  Rules rules;
  rules.blocking = {
      RuleOf({{"first", F::kField, 0}, {"last", F::kField, 0}}),           // 0
      RuleOf({{"dob", F::kField, 0}, {"first", F::kPrefix, 1}}),           // 1: not from 0
      RuleOf({{"first", F::kMetaphone, 0}, {"last", F::kSoundex, 0}}),     // 2: from 0
      RuleOf({{"last", F::kField, 0}}),                                    // 3: from 0
      RuleOf({{"dob", F::kField, 0}}),                                     // 4: from 1
      RuleOf({{"first", F::kPrefix, 1}}),                                  // 5: from 0 (first)
      RuleOf({{"last", F::kMetaphone, 0}, {"first", F::kMetaphone, 0}}),   // 6: from 0
      RuleOf({{"last", F::kSoundex, 0}, {"email", F::kField, 0}}),         // 7: email in none
      RuleOf({{"dob", F::kPrefix, 4}}),                                    // 8: from 1 and 4 (dob)
      RuleOf({{"dob", F::kYear, 0}, {"first", F::kPrefix, 2}}),            // 9: first only raw in 0
  };
  EXPECT_EQ(ImplyingRule(rules, 0), -1);
  EXPECT_EQ(ImplyingRule(rules, 1), -1);
  EXPECT_EQ(ImplyingRule(rules, 2), 0);
  EXPECT_EQ(ImplyingRule(rules, 3), 0);
  EXPECT_EQ(ImplyingRule(rules, 4), 1);
  EXPECT_EQ(ImplyingRule(rules, 5), 0);
  EXPECT_EQ(ImplyingRule(rules, 6), 0);
  EXPECT_EQ(ImplyingRule(rules, 7), -1);
  EXPECT_EQ(ImplyingRule(rules, 8), 1);
  EXPECT_EQ(ImplyingRule(rules, 9), -1);
  // A shorter prefix follows from a longer one, never the other way; different functions of one
  // field do not follow from each other.
  Rules p;
  p.blocking = {RuleOf({{"f", F::kPrefix, 3}}), RuleOf({{"f", F::kPrefix, 2}}), RuleOf({{"f", F::kPrefix, 4}}),
                RuleOf({{"f", F::kSoundex, 0}}), RuleOf({{"f", F::kMetaphone, 0}})};
  EXPECT_EQ(ImplyingRule(p, 1), 0);
  EXPECT_EQ(ImplyingRule(p, 2), -1);
  EXPECT_EQ(ImplyingRule(p, 3), -1);
  EXPECT_EQ(ImplyingRule(p, 4), -1);
}

// A rule implied by an earlier one still produces the pairs that the earlier rule does not:
// rows whose earlier key is null and rows of different earlier blocks; the earlier rule's own
// pairs are not repeated. An earlier block skipped as oversized lies inside a block of the
// implied rule at least as large, so that one is skipped too and neither rule pairs its rows.
TEST(BlockingTest, ImpliedRuleKeepsPairsOfNullAndOversizedEarlierBlocks) {
  Fixture f;
  for (const char* name : {"first", "last"}) {
    FieldSpec spec;
    spec.name = name;
    f.rules.fields.push_back(spec);
    f.fields.fields.emplace_back(name);
  }
  using F = KeyFunction;
  f.rules.blocking = {RuleOf({{"first", F::kField, 0}, {"last", F::kField, 0}}),
                      RuleOf({{"first", F::kPrefix, 1}, {"last", F::kSoundex, 0}}),
                      RuleOf({{"first", F::kPrefix, 1}})};
  ASSERT_EQ(ImplyingRule(f.rules, 1), 0);
  ASSERT_EQ(ImplyingRule(f.rules, 2), 0);
  f.table.AddSource("s");
  // Rows 0-4: "ann smith" (one rule-0 block of 5). Rows 5-6: "ann smyth" (a rule-0 block of 2).
  // Row 7: "anna smith". Rows 8 and 11: "ann" with a null last name (no rule-0 key, but rule 2's
  // "a": their pair is rule 2's). Rows 9 and 10: a null first name, "smith" (no key in any rule).
  // Rule 1 ("a", S530) holds rows 0-7, rule 2 ("a") rows 0-8 and 11.
  const char* first[] = {"ann", "ann", "ann", "ann", "ann", "ann", "ann", "anna", "ann", nullptr, nullptr, "ann"};
  const char* last[] = {"smith", "smith", "smith", "smith", "smith", "smyth", "smyth", "smith", nullptr, "smith", "smith", nullptr};
  f.table.AppendSourceRows(0, 12);
  for (int i = 0; i < 12; ++i) {
    if (first[i]) f.fields.fields[0].Append(first[i]);
    else f.fields.fields[0].AppendNull();
    if (last[i]) f.fields.fields[1].Append(last[i]);
    else f.fields.fields[1].AppendNull();
  }
  auto pairs_of = [&](int threads, std::vector<uint64_t>* per_rule) {
    tbb::task_arena arena(threads);
    std::set<std::pair<RowId, RowId>> out;
    arena.execute([&] {
      BlockingIndex index = BlockingIndex::Build(f.rules, f.fields, f.table);
      std::mutex mu;
      *per_rule = index.StreamPairs([&](int, std::span<const CandidatePair> pairs) {
        std::lock_guard<std::mutex> lock(mu);
        for (const CandidatePair& p : pairs) EXPECT_TRUE(out.insert({p.a, p.b}).second);
      });
    });
    return out;
  };
  for (int threads : {1, 2}) {
    std::vector<uint64_t> per_rule;
    f.rules.max_block_size = 100;
    auto got = pairs_of(threads, &per_rule);
    EXPECT_EQ(got, BruteForce(f));
    EXPECT_EQ(got.size(), 10u * 9 / 2);  // every pair of rows 0-8 and 11
    EXPECT_TRUE(got.count({7, 8}));
    EXPECT_TRUE(got.count({8, 11}));
    EXPECT_EQ(per_rule, (std::vector<uint64_t>{10 + 1, 28 - 11, 8 + 8 + 1}));
    // Rule 0's block of rows 0-4 is oversized; the blocks of rules 1 and 2 that hold it are too.
    f.rules.max_block_size = 4;
    got = pairs_of(threads, &per_rule);
    EXPECT_EQ(got, (std::set<std::pair<RowId, RowId>>{{5, 6}}));
    EXPECT_EQ(per_rule, (std::vector<uint64_t>{1, 0, 0}));
    // At 8, rule 2's block (10 rows) is skipped: rows 8 and 11 pair with nobody.
    f.rules.max_block_size = 8;
    got = pairs_of(threads, &per_rule);
    EXPECT_EQ(got.size(), 28u);
    EXPECT_FALSE(got.count({7, 8}));
    EXPECT_EQ(per_rule, (std::vector<uint64_t>{11, 17, 0}));
  }
}

// An oversized block whose key looks like a placeholder says so, with its field, and the advice
// is null_values rather than a bigger cap; a phonetic key's part is never blamed.
TEST(BlockingTest, OversizedPlaceholderBlockIsNamedAsOne) {
  Fixture f;
  for (const char* name : {"phone", "last"}) {
    FieldSpec spec;
    spec.name = name;
    f.rules.fields.push_back(spec);
    f.fields.fields.emplace_back(name);
  }
  BlockingRule r0;
  BlockingKey kl, kp;
  kl.field = "last";
  kl.fn = KeyFunction::kSoundex;
  kp.field = "phone";
  r0.keys = {kl, kp};
  r0.text = "soundex(last) & phone";
  f.rules.blocking = {r0};
  f.rules.max_block_size = 3;
  f.table.AddSource("s");
  f.table.AppendSourceRows(0, 10);
  for (int i = 0; i < 10; ++i) f.fields.fields[0].Append(i < 5 ? "00000000000" : "0207946100" + std::to_string(i % 2));
  for (int i = 0; i < 10; ++i) f.fields.fields[1].Append("smith");
  BlockingIndex index = BlockingIndex::Build(f.rules, f.fields, f.table);
  ASSERT_EQ(index.oversized().size(), 1u);
  const OversizedBlock& ob = index.oversized()[0];
  EXPECT_EQ(ob.key, "S530 | 00000000000");
  EXPECT_EQ(ob.placeholder_reason, "one digit repeated");
  EXPECT_EQ(ob.placeholder_field, "phone");
  EXPECT_NE(OversizedBlockAdvice(ob).find("list it in [fields.phone] null_values"), std::string::npos);
  OversizedBlock plain = ob;
  plain.placeholder_reason.clear();
  EXPECT_NE(OversizedBlockAdvice(plain).find("raise [blocking_limits] max_block_size"), std::string::npos);
}

}  // namespace
}  // namespace reclink
