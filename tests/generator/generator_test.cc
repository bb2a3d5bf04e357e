// Properties of the generator's output: determinism, counts, ground truth, noise, CSV/JSONL form.
#include "generator/generator.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "generator/person.h"
#include "generator/record_builder.h"
#include "generator_test_util.h"

namespace reclink::gen {
namespace {

using testing::Generate;
using testing::ParseCsv;
using Rows = std::vector<std::vector<std::string>>;

constexpr int kRecordId = 0, kEntityId = 1, kFirst = 2, kLast = 3, kDob = 4, kEmail = 5, kPhone = 6,
              kAddress = 7, kCity = 8, kPostcode = 9;

GeneratorOptions Options(uint64_t records, uint64_t seed, double noise = 0.3) {
  GeneratorOptions o;
  o.records = records;
  o.seed = seed;
  o.noise = noise;
  return o;
}

Rows ParseOrFail(const std::string& text) {
  Rows rows;
  std::string error;
  EXPECT_TRUE(ParseCsv(text, rows, error)) << error;
  return rows;
}

// Rows without the header, grouped by entity id.
std::map<std::string, std::vector<std::vector<std::string>>> ByEntity(const Rows& rows) {
  std::map<std::string, std::vector<std::vector<std::string>>> out;
  for (size_t i = 1; i < rows.size(); ++i) out[rows[i][kEntityId]].push_back(rows[i]);
  return out;
}

// Share of (field, same-entity record pair) combinations whose values differ.
double DifferingFieldShare(const Rows& rows) {
  uint64_t differ = 0, total = 0;
  for (const auto& [entity, records] : ByEntity(rows)) {
    for (size_t a = 0; a < records.size(); ++a)
      for (size_t b = a + 1; b < records.size(); ++b)
        for (int f = kFirst; f <= kPostcode; ++f) {
          differ += records[a][f] != records[b][f];
          ++total;
        }
  }
  return total == 0 ? 0 : static_cast<double>(differ) / static_cast<double>(total);
}

bool IsValidUtf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    int extra = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : -1;
    if (extra < 0 || i + extra >= s.size() + (extra == 0 ? 1 : 0)) return false;
    for (int k = 1; k <= extra; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += 1 + extra;
  }
  return true;
}

TEST(GeneratorTest, SameSeedGivesSameBytes) {
  for (OutputFormat format : {OutputFormat::kCsv, OutputFormat::kJsonl}) {
    GeneratorOptions o = Options(3000, 42);
    o.format = format;
    const std::string a = Generate(o);
    const std::string b = Generate(o);
    ASSERT_FALSE(a.empty());
    EXPECT_EQ(a, b);
  }
}

TEST(GeneratorTest, DifferentSeedGivesDifferentBytes) {
  const std::string a = Generate(Options(3000, 42));
  const std::string b = Generate(Options(3000, 43));
  EXPECT_NE(a, b);
  // Not just a relabelling: the sets of names differ too.
  Rows ra = ParseOrFail(a), rb = ParseOrFail(b);
  std::multiset<std::string> la, lb;
  for (size_t i = 1; i < ra.size(); ++i) la.insert(ra[i][kLast]);
  for (size_t i = 1; i < rb.size(); ++i) lb.insert(rb[i][kLast]);
  EXPECT_NE(la, lb);
}

TEST(GeneratorTest, ThreadCountDoesNotChangeOutput) {
  GeneratorOptions o = Options(20000, 7, 0.6);
  o.threads = 1;
  const std::string one = Generate(o);
  for (int threads : {2, 3, 8}) {
    o.threads = threads;
    EXPECT_EQ(Generate(o), one) << threads << " threads";
  }
  // Rendering rows in arbitrary ranges gives the same text as the streamed output.
  auto g = Generator::Create(o);
  ASSERT_TRUE(g.ok());
  std::string pieces(kCsvHeader);
  for (uint64_t begin = 0; begin < o.records;) {
    uint64_t end = std::min<uint64_t>(o.records, begin + 1 + begin % 977);
    g->RenderRows(begin, end, pieces);
    begin = end;
  }
  EXPECT_EQ(pieces, one);
}

TEST(GeneratorTest, WritesExactlyTheRequestedRecordsWithUniqueIds) {
  for (uint64_t n : {1ull, 2ull, 7ull, 1000ull, 12345ull}) {
    const Rows rows = ParseOrFail(Generate(Options(n, 5)));
    ASSERT_EQ(rows.size(), n + 1) << n;
    std::set<std::string> ids;
    for (size_t i = 1; i < rows.size(); ++i) {
      ASSERT_EQ(rows[i].size(), 10u) << "row " << i;
      ids.insert(rows[i][kRecordId]);
    }
    EXPECT_EQ(ids.size(), n);
  }
}

TEST(GeneratorTest, GoldPairCountMatchesEntityColumn) {
  for (double dup_rate : {0.0, 0.3, 1.0}) {
    GeneratorOptions o = Options(10000, 11);
    o.dup_rate = dup_rate;
    auto g = Generator::Create(o);
    ASSERT_TRUE(g.ok());
    std::string text;
    ASSERT_TRUE(g->Write([&](std::string_view t) {
                   text.append(t);
                   return Status::Ok();
                 }).ok());
    const Rows rows = ParseOrFail(text);
    uint64_t pairs = 0, with_duplicates = 0;
    const auto entities = ByEntity(rows);
    for (const auto& [entity, records] : entities) {
      pairs += records.size() * (records.size() - 1) / 2;
      with_duplicates += records.size() > 1;
    }
    EXPECT_EQ(g->summary().gold_pairs, pairs) << dup_rate;
    EXPECT_EQ(g->summary().entities, entities.size());
    EXPECT_EQ(g->summary().entities_with_duplicates, with_duplicates);
    EXPECT_EQ(g->summary().records, 10000u);
    if (dup_rate == 0.0) {
      EXPECT_EQ(pairs, 0u);
    }
    // The share of entities with duplicates follows --dup-rate.
    EXPECT_NEAR(static_cast<double>(with_duplicates) / entities.size(), dup_rate, 0.03);
  }
}

TEST(GeneratorTest, TruthPairsListEveryTruePairOnce) {
  GeneratorOptions o = Options(5000, 3);
  auto g = Generator::Create(o);
  ASSERT_TRUE(g.ok());
  std::string text, pairs_text;
  ASSERT_TRUE(g->Write([&](std::string_view t) {
                 text.append(t);
                 return Status::Ok();
               }).ok());
  ASSERT_TRUE(g->WriteTruthPairs([&](std::string_view t) {
                 pairs_text.append(t);
                 return Status::Ok();
               }).ok());
  const Rows rows = ParseOrFail(text);
  std::map<std::string, std::string> entity_of;
  for (size_t i = 1; i < rows.size(); ++i) entity_of[rows[i][kRecordId]] = rows[i][kEntityId];
  const Rows pairs = ParseOrFail(pairs_text);
  ASSERT_GE(pairs.size(), 1u);
  EXPECT_EQ(pairs[0], (std::vector<std::string>{"id_l", "id_r"}));
  EXPECT_EQ(pairs.size() - 1, g->summary().gold_pairs);
  std::set<std::pair<uint64_t, uint64_t>> seen;
  for (size_t i = 1; i < pairs.size(); ++i) {
    const uint64_t l = std::stoull(pairs[i][0]), r = std::stoull(pairs[i][1]);
    EXPECT_LT(l, r);
    EXPECT_EQ(entity_of.at(pairs[i][0]), entity_of.at(pairs[i][1]));
    EXPECT_TRUE(seen.insert({l, r}).second) << "duplicate pair " << l << "," << r;
  }
}

TEST(GeneratorTest, NoiseIncreasesTheShareOfDifferingFields) {
  const double none = DifferingFieldShare(ParseOrFail(Generate(Options(10000, 9, 0.0))));
  const double low = DifferingFieldShare(ParseOrFail(Generate(Options(10000, 9, 0.1))));
  const double mid = DifferingFieldShare(ParseOrFail(Generate(Options(10000, 9, 0.3))));
  const double high = DifferingFieldShare(ParseOrFail(Generate(Options(10000, 9, 1.0))));
  EXPECT_EQ(none, 0.0);  // at noise 0 duplicates are exact copies
  EXPECT_LT(none, low);
  EXPECT_LT(low, mid);
  EXPECT_LT(mid, high);
  EXPECT_GT(mid, 0.1);
}

TEST(GeneratorTest, CsvIsRfc4180WithQuotedFields) {
  const std::string text = Generate(Options(20000, 21, 1.0));
  Rows rows;
  std::string error;
  ASSERT_TRUE(ParseCsv(text, rows, error)) << error;
  ASSERT_EQ(rows[0],
            (std::vector<std::string>{"record_id", "entity_id", "first_name", "last_name", "dob",
                                      "email", "phone", "address", "city", "postcode"}));
  bool comma_field = false, quote_field = false;
  for (size_t i = 1; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].size(), 10u) << "row " << i;
    for (const std::string& f : rows[i]) {
      comma_field |= f.find(',') != std::string::npos;
      quote_field |= f.find('"') != std::string::npos;
    }
  }
  // "Flat 3, 12 Oak Road" and Robert "Bob" exercise quoting and quote doubling.
  EXPECT_TRUE(comma_field);
  EXPECT_TRUE(quote_field);
  EXPECT_TRUE(IsValidUtf8(text));
}

TEST(GeneratorTest, JsonLinesHaveNestedNameAndAddress) {
  GeneratorOptions o = Options(3000, 4, 1.0);
  o.format = OutputFormat::kJsonl;
  const std::string jsonl = Generate(o);
  o.format = OutputFormat::kCsv;
  const Rows csv = ParseOrFail(Generate(o));
  simdjson::dom::parser parser;
  size_t line_start = 0, row = 1, nulls = 0;
  while (line_start < jsonl.size()) {
    size_t end = jsonl.find('\n', line_start);
    ASSERT_NE(end, std::string::npos);
    simdjson::padded_string line(jsonl.substr(line_start, end - line_start));
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(line).get(doc), simdjson::SUCCESS) << "line " << row;
    // The same records as the CSV, field by field (null where the CSV field is empty).
    const std::vector<std::string>& r = csv[row];
    auto check = [&](simdjson::dom::element e, const std::string& expected) {
      if (e.is_null()) {
        ++nulls;
        EXPECT_EQ(expected, "") << "line " << row;
      } else {
        EXPECT_EQ(std::string(e.get_string().value()), expected) << "line " << row;
      }
    };
    check(doc["record_id"], r[kRecordId]);
    check(doc["entity_id"], r[kEntityId]);
    check(doc["name"]["first"], r[kFirst]);
    check(doc["name"]["last"], r[kLast]);
    check(doc["dob"], r[kDob]);
    check(doc["email"], r[kEmail]);
    check(doc["phone"], r[kPhone]);
    check(doc["address"]["line"], r[kAddress]);
    check(doc["address"]["city"], r[kCity]);
    check(doc["address"]["postcode"], r[kPostcode]);
    line_start = end + 1;
    ++row;
  }
  EXPECT_EQ(row, 3001u);
  EXPECT_GT(nulls, 0u);
}

TEST(GeneratorTest, RecordsAreShuffled) {
  const Rows rows = ParseOrFail(Generate(Options(20000, 13)));
  size_t adjacent = 0;
  for (size_t i = 2; i < rows.size(); ++i) adjacent += rows[i][kEntityId] == rows[i - 1][kEntityId];
  EXPECT_EQ(adjacent, 0u);  // a uniform shuffle alone leaves about 1
  // Record ids follow the file order; entity ids do not.
  size_t increasing = 0;
  for (size_t i = 2; i < rows.size(); ++i)
    increasing += std::stoull(rows[i][kEntityId]) > std::stoull(rows[i - 1][kEntityId]);
  EXPECT_GT(increasing, 8000u);
  EXPECT_LT(increasing, 12000u);
}

TEST(GeneratorTest, NoTwoNeighbouringRowsAreTheSamePerson) {
  // Many duplicates in few rows: a plain shuffle leaves several same-entity neighbours here.
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    GeneratorOptions o = Options(300, seed);
    o.dup_rate = 1.0;
    auto g = Generator::Create(o);
    ASSERT_TRUE(g.ok());
    std::string text, pairs_text;
    ASSERT_TRUE(g->Write([&](std::string_view t) {
                   text.append(t);
                   return Status::Ok();
                 }).ok());
    ASSERT_TRUE(g->WriteTruthPairs([&](std::string_view t) {
                   pairs_text.append(t);
                   return Status::Ok();
                 }).ok());
    const Rows rows = ParseOrFail(text);
    ASSERT_EQ(rows.size(), 301u);
    std::map<std::string, std::string> entity_of;
    for (size_t i = 1; i < rows.size(); ++i) {
      entity_of[rows[i][kRecordId]] = rows[i][kEntityId];
      if (i > 1) {
        EXPECT_NE(rows[i][kEntityId], rows[i - 1][kEntityId]) << "seed " << seed;
      }
    }
    // The truth pairs follow the swapped rows.
    const Rows pairs = ParseOrFail(pairs_text);
    EXPECT_EQ(pairs.size() - 1, g->summary().gold_pairs);
    for (size_t i = 1; i < pairs.size(); ++i)
      EXPECT_EQ(entity_of.at(pairs[i][0]), entity_of.at(pairs[i][1]));
    // And the ids are still 1..300.
    EXPECT_EQ(entity_of.size(), 300u);
    EXPECT_EQ(entity_of.count("300"), 1u);
  }
}

TEST(GeneratorTest, SurnameFrequenciesAreSkewed) {
  const Rows rows = ParseOrFail(Generate(Options(50000, 17, 0.0)));
  std::map<std::string, int> counts;
  for (size_t i = 1; i < rows.size(); ++i) ++counts[rows[i][kLast]];
  std::vector<int> sorted;
  for (const auto& [name, c] : counts) sorted.push_back(c);
  std::sort(sorted.rbegin(), sorted.rend());
  // The commonest surname is 1-4% of records (a big block); the median surname is rare.
  EXPECT_GT(sorted[0], 500);
  EXPECT_LT(sorted[0], 2000);
  EXPECT_LT(sorted[sorted.size() / 2], 50);
  EXPECT_GT(counts.size(), 800u);
}

TEST(GeneratorTest, HardNegativesShareAttributesAcrossEntities) {
  // At noise 0 every record is the clean rendering, so shared attributes are exact.
  GeneratorOptions o = Options(30000, 19, 0.0);
  auto g = Generator::Create(o);
  ASSERT_TRUE(g.ok());
  EXPECT_GT(g->summary().households, 0u);
  EXPECT_GT(g->summary().twins, 0u);
  EXPECT_GT(g->summary().juniors, 0u);
  const Rows rows = ParseOrFail(Generate(o));
  std::map<std::string, std::set<std::string>> household, twins, juniors;
  for (size_t i = 1; i < rows.size(); ++i) {
    const auto& r = rows[i];
    std::string last = r[kLast];
    if (last.size() > 3 && (last.ends_with(" Jr") || last.ends_with(" Sr")))
      last.resize(last.size() - 3);
    household[last + "|" + r[kAddress] + "|" + r[kPostcode] + "|" + r[kPhone]].insert(
        r[kEntityId] + "|" + r[kFirst] + "|" + r[kDob]);
    twins[last + "|" + r[kDob] + "|" + r[kAddress] + "|" + r[kPostcode]].insert(r[kEntityId]);
    juniors[r[kFirst] + "|" + last + "|" + r[kAddress] + "|" + r[kPostcode]].insert(r[kEntityId]);
  }
  auto groups_with_two = [](const auto& m) {
    size_t n = 0;
    for (const auto& [key, entities] : m) n += entities.size() >= 2;
    return n;
  };
  EXPECT_GT(groups_with_two(household), 100u);
  EXPECT_GT(groups_with_two(twins), 5u);
  EXPECT_GT(groups_with_two(juniors), 5u);
  bool suffix = false;
  for (size_t i = 1; i < rows.size(); ++i) suffix |= rows[i][kLast].ends_with(" Jr");
  EXPECT_TRUE(suffix);
}

TEST(GeneratorTest, NoisyOutputHasVariantsAndPlaceholders) {
  const Rows rows = ParseOrFail(Generate(Options(20000, 23, 1.0)));
  size_t email_placeholder = 0, phone_placeholder = 0, dob_placeholder = 0, unknown = 0;
  size_t dob_slash = 0, dob_compact = 0, dob_iso = 0, plus44 = 0, zero044 = 0, tagged = 0;
  size_t missing = 0;
  for (size_t i = 1; i < rows.size(); ++i) {
    const auto& r = rows[i];
    email_placeholder += r[kEmail] == kPlaceholderEmail;
    phone_placeholder += r[kPhone] == kPlaceholderPhone;
    dob_placeholder += r[kDob] == "1900-01-01" || r[kDob] == "01/01/1900" || r[kDob] == "19000101";
    unknown += r[kFirst] == kPlaceholderName || r[kLast] == kPlaceholderName;
    dob_slash += r[kDob].size() == 10 && r[kDob][2] == '/';
    dob_compact += r[kDob].size() == 8;
    dob_iso += r[kDob].size() == 10 && r[kDob][4] == '-';
    plus44 += r[kPhone].starts_with("+44");
    zero044 += r[kPhone].starts_with("0044");
    tagged += r[kEmail].find('+') != std::string::npos;
    missing += r[kEmail].empty();
  }
  for (size_t count : {email_placeholder, phone_placeholder, dob_placeholder, unknown, dob_slash,
                       dob_compact, dob_iso, plus44, zero044, tagged, missing}) {
    EXPECT_GT(count, 50u);
  }
}

TEST(GeneratorTest, NicknamesAndSpellingVariantsAppearWithinEntities) {
  const Rows rows = ParseOrFail(Generate(Options(30000, 29, 1.0)));
  const std::set<std::pair<std::string, std::string>> wanted = {{"Robert", "Bob"},
                                                                {"William", "Bill"},
                                                                {"Elizabeth", "Liz"},
                                                                {"Stephen", "Steven"},
                                                                {"Catherine", "Katherine"}};
  std::set<std::pair<std::string, std::string>> found;
  for (const auto& [entity, records] : ByEntity(rows))
    for (const auto& a : records)
      for (const auto& b : records)
        if (wanted.count({a[kFirst], b[kFirst]})) found.insert({a[kFirst], b[kFirst]});
  EXPECT_GE(found.size(), 3u);
}

TEST(GeneratorTest, RejectsBadOptions) {
  GeneratorOptions o;
  o.noise = 1.5;
  EXPECT_EQ(Generator::Create(o).status().code(), StatusCode::kUsage);
  o = {};
  o.dup_rate = -0.1;
  EXPECT_EQ(Generator::Create(o).status().code(), StatusCode::kUsage);
  o = {};
  o.records = 0;
  auto g = Generator::Create(o);
  EXPECT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find("--records"), std::string::npos);
}

TEST(GeneratorTest, SinkErrorStopsGeneration) {
  auto g = Generator::Create(Options(100000, 1));
  ASSERT_TRUE(g.ok());
  int calls = 0;
  Status s = g->Write([&](std::string_view) {
    return ++calls == 3 ? Status::IoError("out.csv: error: disk full") : Status::Ok();
  });
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_EQ(calls, 3);
}

}  // namespace
}  // namespace reclink::gen

namespace reclink::gen {
namespace {

// datasets/demo/customers.csv is the output of the command in datasets/demo/README.md; a change
// to the generator that alters it must regenerate the file and update the README's counts.
TEST(GeneratorTest, DemoDataMatchesItsDocumentedCommand) {
  GeneratorOptions o = Options(3000, 20240601, 0.3);
  o.dup_rate = 0.3;
  auto g = Generator::Create(o);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->summary().gold_pairs, 1788u);
  EXPECT_EQ(g->summary().entities, 1946u);
  std::ifstream in(std::string(RECLINK_SOURCE_DIR) + "/datasets/demo/customers.csv",
                   std::ios::binary);
  ASSERT_TRUE(in.good());
  std::stringstream committed;
  committed << in.rdbuf();
  EXPECT_TRUE(committed.str() == Generate(o))
      << "datasets/demo/customers.csv differs from the generator's output; regenerate it";
}

}  // namespace
}  // namespace reclink::gen
