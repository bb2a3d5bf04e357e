// Tests of column profiling: counts, distinct values, lengths, top values and their order,
// thread-count independence, and the text/JSON renderings.
#include "reclink/profile.h"

#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <map>
#include <optional>
#include <random>

#include "io/io_test_util.h"

namespace reclink {
namespace {

TEST(ProfileTest, CountsDistinctLengthsAndTopValues) {
  auto t = testing::ReadText(
      "id,email,city\n1,noemail@noemail.com,Köln\n2,a@b.c,\n3,noemail@noemail.com,Paris\n"
      "4,z@y.x,Köln\n5,noemail@noemail.com,\n",
      "p.csv");
  ASSERT_TRUE(t.ok());
  auto profiles = ProfileTable(*t, 2);
  ASSERT_EQ(profiles.size(), 3u);
  const ColumnProfile& email = profiles[1];
  EXPECT_EQ(email.name, "email");
  EXPECT_EQ(email.rows, 5u);
  EXPECT_EQ(email.nulls, 0u);
  EXPECT_EQ(email.distinct, 3u);
  EXPECT_EQ(email.min_len, 5u);
  EXPECT_EQ(email.max_len, 19u);
  EXPECT_DOUBLE_EQ(email.mean_len, (19.0 * 3 + 5 + 5) / 5);
  ASSERT_EQ(email.top.size(), 2u);
  EXPECT_EQ(email.top[0], (std::pair<std::string, uint64_t>{"noemail@noemail.com", 3}));
  EXPECT_EQ(email.top[1], (std::pair<std::string, uint64_t>{"a@b.c", 1}));  // tie: value asc
  const ColumnProfile& city = profiles[2];
  EXPECT_EQ(city.nulls, 2u);
  EXPECT_EQ(city.distinct, 2u);
  EXPECT_EQ(city.min_len, 4u);  // "Köln" is 4 code points (5 bytes)
  EXPECT_EQ(city.max_len, 5u);
  EXPECT_EQ(city.top[0].first, "Köln");
}

// Placeholders for "no value" by their shape, whatever the case and surrounding spaces; real
// values are not flagged.
TEST(ProfileTest, PlaceholderShapes) {
  for (const char* v : {"unknown", " N/A ", "-", "TBC", "not provided", "xxx"}) {
    EXPECT_EQ(PlaceholderReason(v), "a word for no value") << v;
  }
  for (const char* v : {"00000000000", "0000", "07777 777777", "99999", "111-111-1111"}) {
    EXPECT_EQ(PlaceholderReason(v), std::string_view(v).size() >= 5 && std::string_view(v) != "07777 777777"
                                        ? "one digit repeated"
                                        : "")
        << v;
  }
  EXPECT_EQ(PlaceholderReason("   "), "only spaces; --trim-spaces reads it as null");
  EXPECT_EQ(PlaceholderReason(""), "");
  EXPECT_EQ(PlaceholderReason("123456789"), "a run of digits");
  EXPECT_EQ(PlaceholderReason("0123456789"), "a run of digits");
  EXPECT_EQ(PlaceholderReason("1900-01-01"), "a placeholder date");
  EXPECT_EQ(PlaceholderReason("01/01/1900"), "a placeholder date");
  EXPECT_EQ(PlaceholderReason("noemail@noemail.com"), "a placeholder e-mail");
  EXPECT_EQ(PlaceholderReason("NoEmail123@gmail.com"), "a placeholder e-mail");
  EXPECT_EQ(PlaceholderReason("test@shop.co.uk"), "a placeholder e-mail");
  EXPECT_EQ(PlaceholderReason("jane@example.com"), "a placeholder e-mail domain");
  for (const char* v : {"jane.doe@gmail.com", "London", "Smith", "020 7946 0123", "1987-03-14", "SW1A 1AA", "Nash",
                        "x", "0", "Other"}) {
    EXPECT_EQ(PlaceholderReason(v), "") << v;
  }
  // The allocation-free test the runs use per value says the same (spaces alone aside).
  for (const char* v : {"unknown", " N/A ", "-", "TBC", "not provided", "xxx", "00000000000", "0000", "07777 777777",
                        "99999", "111-111-1111", "123456789", "0123456789", "98765", "1900-01-01", "01/01/1900",
                        "19000101", "noemail@noemail.com", "NOEMAIL@GMAIL.COM", "NoEmail123@gmail.com",
                        "nomail.x@y.z", "test@shop.co.uk", "jane@EXAMPLE.com", "jane@example.co", "jane.doe@gmail.com",
                        "London", "Smith", "020 7946 0123", "1987-03-14", "SW1A 1AA", "Nash", "x", "0", "Other", "",
                        "0000000000000000000000000000", "0000000000000000000000000001", "012345678901234567890",
                        "UNKNOWN", "Unknowns", "na", "Na", "@", "a@", "@example.com", "56789", "56789012345678901234",
                        "567890123456789012345", "43210", "10987654321098765432", "89012", "21098",
                        "12345 67890", "99991231", "1999-12-31"}) {
    EXPECT_EQ(LooksLikePlaceholder(v), !PlaceholderReason(v).empty()) << v;
  }
}

// A profile flags repeated placeholder-shaped values, and in a column of mostly distinct values
// one far more frequent than the rest; not a frequent city, and not a value seen twice.
TEST(ProfileTest, LikelyPlaceholdersAreFlaggedInTextAndJson) {
  std::string csv = "id,email,phone,city\n";
  for (int i = 0; i < 200; ++i) {
    const std::string n = std::to_string(i);
    const std::string email = i < 12 ? "noemail@noemail.com" : i < 40 ? "info@acme.com" : "p" + n + "@mail.com";
    const std::string phone = i < 5 ? "00000000000" : i < 7 ? "unknown" : "0207946" + std::to_string(1000 + i);
    const std::string city = i < 150 ? "London" : "Leeds";
    csv += n + "," + email + "," + phone + "," + city + "\n";
  }
  auto t = testing::ReadText(csv, "p.csv");
  ASSERT_TRUE(t.ok());
  auto profiles = ProfileTable(*t, 10);
  const ColumnProfile& email = profiles[1];
  ASSERT_EQ(email.placeholders.size(), 2u);
  EXPECT_EQ(email.placeholders[0].value, "info@acme.com");
  EXPECT_EQ(email.placeholders[0].count, 28u);
  EXPECT_EQ(email.placeholders[0].reason, "far more frequent than the column's other values");
  EXPECT_EQ(email.placeholders[1].value, "noemail@noemail.com");
  EXPECT_EQ(email.placeholders[1].reason, "a placeholder e-mail");
  const ColumnProfile& phone = profiles[2];
  ASSERT_EQ(phone.placeholders.size(), 1u);  // "unknown" twice is not enough
  EXPECT_EQ(phone.placeholders[0].value, "00000000000");
  EXPECT_TRUE(profiles[3].placeholders.empty());  // London: most rows, but a city column repeats
  EXPECT_TRUE(profiles[0].placeholders.empty());
  const std::string text = ProfileToText(profiles);
  EXPECT_NE(text.find("likely placeholders"), std::string::npos) << text;
  EXPECT_NE(text.find("  phone: '00000000000' in 5 rows (one digit repeated)\n"), std::string::npos) << text;
  const std::string json = ProfileToJson(profiles);
  EXPECT_NE(json.find("\"placeholders\":[{\"value\":\"00000000000\",\"count\":5,\"reason\":\"one digit repeated\"}]"),
            std::string::npos) << json;
}

TEST(ProfileTest, AllNullColumn) {
  RecordTable t;
  t.AddSource("s");
  size_t c = t.AddColumn("x");
  t.AppendSourceRows(0, 2);
  t.mutable_column(c).AppendNull();
  t.mutable_column(c).AppendNull();
  auto p = ProfileTable(t);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].nulls, 2u);
  EXPECT_EQ(p[0].distinct, 0u);
  EXPECT_EQ(p[0].min_len, 0u);
  EXPECT_TRUE(p[0].top.empty());
  EXPECT_NE(ProfileToText(p).find("(all null)"), std::string::npos);
}

TEST(ProfileTest, SameResultForAnyThreadCount) {
  std::string text = "a,b,c\n";
  for (int i = 0; i < 20000; ++i) {
    text += std::to_string(i % 37) + "," + std::to_string((i * 7919) % 5003) + "," +
            (i % 5 ? "v" + std::to_string(i % 13) : "") + "\n";
  }
  auto t = testing::ReadText(text, "p.csv");
  ASSERT_TRUE(t.ok());
  std::vector<ColumnProfile> reference;
  tbb::task_arena one(1);
  one.execute([&] { reference = ProfileTable(*t); });
  EXPECT_EQ(reference[0].distinct, 37u);
  EXPECT_EQ(reference[1].distinct, 5003u);
  EXPECT_EQ(reference[2].nulls, 4000u);
  for (int threads : {2, 8}) {
    tbb::task_arena arena(threads);
    std::vector<ColumnProfile> p;
    arena.execute([&] { p = ProfileTable(*t); });
    EXPECT_EQ(ProfileToJson(p, "p.csv"), ProfileToJson(reference, "p.csv"));
  }
}

// A column whose first rows repeat few values takes the single-table path; the same values in
// another order take the partitioned path. Both must give the same profile.
TEST(ProfileTest, SingleTableAndPartitionedPathsAgree) {
  std::vector<std::string> few, many;
  for (int i = 0; i < 20000; ++i) few.push_back("v" + std::to_string(i % 10));
  for (int i = 0; i < 30000; ++i) many.push_back("u" + std::to_string(i * 7919 % 30011));
  auto make = [](const std::vector<std::string>& first, const std::vector<std::string>& second) {
    std::string text = "x\n";
    for (const auto& v : first) text += v + "\n";
    for (const auto& v : second) text += v + "\n";
    return text;
  };
  auto a = testing::ReadText(make(few, many), "a.csv");
  auto b = testing::ReadText(make(many, few), "a.csv");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  auto pa = ProfileTable(*a);
  auto pb = ProfileTable(*b);
  EXPECT_EQ(pa[0].distinct, 10u + 30000u);
  EXPECT_EQ(ProfileToJson(pa), ProfileToJson(pb));
  EXPECT_EQ(pa[0].top[0], (std::pair<std::string, uint64_t>{"v0", 2000}));
}

TEST(ProfileTest, TextAndJsonRenderings) {
  auto t = testing::ReadText("id,name\n1,\"a \"\"q\"\"\"\n2,x\n", "p.csv");
  ASSERT_TRUE(t.ok());
  auto p = ProfileTable(*t);
  std::string json = ProfileToJson(p, "p.csv");
  EXPECT_EQ(json,
            "{\"input\":\"p.csv\",\"rows\":2,\"columns\":[\n"
            "  {\"name\":\"id\",\"rows\":2,\"nulls\":0,\"distinct\":2,\"min_len\":1,\"mean_len\":1.000,"
            "\"max_len\":1,\"top\":[{\"value\":\"1\",\"count\":1},{\"value\":\"2\",\"count\":1}],\"placeholders\":[]},\n"
            "  {\"name\":\"name\",\"rows\":2,\"nulls\":0,\"distinct\":2,\"min_len\":1,\"mean_len\":3.000,"
            "\"max_len\":5,\"top\":[{\"value\":\"a \\\"q\\\"\",\"count\":1},{\"value\":\"x\",\"count\":1}],"
            "\"placeholders\":[]}\n"
            "]}\n");
  std::string text = ProfileToText(p, "p.csv");
  EXPECT_EQ(text.substr(0, text.find('\n')), "p.csv: 2 rows, 2 columns");
  EXPECT_NE(text.find("column  nulls  null%  distinct  min len  mean len  max len"), std::string::npos);
  EXPECT_NE(text.find("name: top values\n  (every value is distinct)"), std::string::npos);
  auto repeated = testing::ReadText("id,city\n1,Paris\n2,Paris\n3,Rome\n", "r.csv");
  ASSERT_TRUE(repeated.ok());
  std::string text2 = ProfileToText(ProfileTable(*repeated), "r.csv");
  EXPECT_NE(text2.find("city: top values\n  2   66.7%  Paris\n  1   33.3%  Rome\n"), std::string::npos)
      << text2;
}

// Every statistic equals a naive std::map reference on columns that take each path: few values,
// many values (partitioned), heavy skew, non-ASCII text, nulls, and values of 0-12 bytes that end
// at the very end of the arena (the order key's word load must not read past it).
TEST(ProfileTest, MatchesNaiveReference) {
  std::mt19937_64 rng(7);
  const std::vector<std::string> pieces = {"a", "b", "Zoë", "ß", "x", "10", "1", "", "José", "q"};
  auto random_value = [&](size_t max_pieces) {
    std::string v;
    const size_t n = rng() % (max_pieces + 1);
    for (size_t i = 0; i < n; ++i) v += pieces[rng() % pieces.size()];
    return v;
  };
  RecordTable t;
  t.AddSource("s");
  const size_t rows = 60000;
  // Column 0: few values; 1: many (partitioned); 2: skewed (one value in half the rows, rest
  // distinct); 3: mostly null, non-ASCII; 4: 40 values of equal counts that share their first 8
  // bytes (the top 10 is decided by comparing whole values, and the smallest come late).
  std::vector<std::vector<std::optional<std::string>>> cells(5);
  for (size_t r = 0; r < rows; ++r) {
    cells[0].push_back(rng() % 10 == 0 ? std::nullopt : std::optional(random_value(1)));
    cells[1].push_back(random_value(6) + std::to_string(rng() % 40000));
    std::string skewed = "noemail@noemail.com";
    if (r % 2 == 0) skewed.assign("u").append(std::to_string(r));
    cells[2].push_back(skewed);
    cells[3].push_back(rng() % 4 ? std::nullopt : std::optional(random_value(3)));
    cells[4].push_back("samepref" + std::to_string(r % 40));
  }
  for (size_t c = 0; c < cells.size(); ++c) t.AddColumn("c" + std::to_string(c));
  for (size_t c = 0; c < cells.size(); ++c) {
    Column& col = t.mutable_column(c);
    for (const auto& v : cells[c]) {
      if (v) {
        col.Append(*v);
      } else {
        col.AppendNull();
      }
    }
  }
  t.AppendSourceRows(0, rows);
  const std::vector<ColumnProfile> profiles = ProfileTable(t, 10);
  ASSERT_EQ(profiles.size(), cells.size());
  auto code_points = [](const std::string& s) {
    return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char ch) { return (ch & 0xC0) != 0x80; }));
  };
  for (size_t c = 0; c < cells.size(); ++c) {
    SCOPED_TRACE("column " + std::to_string(c));
    std::map<std::string, uint64_t> counts;
    uint64_t nulls = 0, total = 0;
    size_t min_len = SIZE_MAX, max_len = 0;
    for (const auto& v : cells[c]) {
      if (!v) {
        ++nulls;
        continue;
      }
      ++counts[*v];
      const size_t len = code_points(*v);
      total += len;
      min_len = std::min(min_len, len);
      max_len = std::max(max_len, len);
    }
    std::vector<std::pair<std::string, uint64_t>> ranked(counts.begin(), counts.end());
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    ranked.resize(std::min<size_t>(10, ranked.size()));
    const ColumnProfile& p = profiles[c];
    EXPECT_EQ(p.rows, rows);
    EXPECT_EQ(p.nulls, nulls);
    EXPECT_EQ(p.distinct, counts.size());
    EXPECT_EQ(p.min_len, min_len);
    EXPECT_EQ(p.max_len, max_len);
    EXPECT_DOUBLE_EQ(p.mean_len, static_cast<double>(total) / static_cast<double>(rows - nulls));
    EXPECT_EQ(p.top, ranked);
  }
}

}  // namespace
}  // namespace reclink
