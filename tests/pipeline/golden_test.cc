// Golden records: each survivorship rule on a hand-made identity, nulls, raw and normalized
// values, the rules' validation, and independence from the row order.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "../common/temp_dir.h"
#include "reclink/golden.h"
#include "reclink/pipeline.h"

namespace reclink {
namespace {

using testing::TempDir;
using testing::WriteFile;

constexpr const char* kBaseRules = R"(
link_type = "link"
id = "id"
[fields.name]
column = "name"
normalize = ["lower"]
[fields.email]
column = "email"
[fields.city]
column = "city"
[[blocking]]
keys = ["name"]
[[comparison]]
field = "name"
levels = ["exact"]
)";

// Three sources; the test puts every record with id starting "1" in identity 0, "2" in 1, ...
struct Golden {
  TempDir dir;
  Rules rules;
  LoadedInput input;
  RunResult result;
  GoldenRecords golden;
  std::map<char, size_t> cluster;  // first digit of the ids -> cluster index
};

std::unique_ptr<Golden> Build(const std::string& survivorship, bool reversed = false,
                              const std::string& base = kBaseRules) {
  auto g = std::make_unique<Golden>();
  std::map<std::string, std::vector<std::string>> rows = {
      {"crm", {"1a,Anna,anna@crm.com,Leeds,2024-01-05", "2a,Bob,,York,2023-12-31", "3a,Cy,,,"}},
      {"web", {"1b,ANNA,anna@web.com,Leeds,2024-03-01", "2b,Robert,bob@web.com,,2024-02-01"}},
      {"shop", {"1c,Annabel,anna@shop.com,London,2024-02-11", "1d,anna,,Leeds,2023-07-01", "2c,Bob,bob@shop.com,Hull,"}},
  };
  std::vector<InputSpec> specs;
  for (auto& [source, lines] : rows) {
    if (reversed) std::reverse(lines.begin(), lines.end());
    std::string text = "id,name,email,city,updated\n";
    for (const std::string& l : lines) text += l + "\n";
    WriteFile(g->dir / (source + ".csv"), text);
    specs.push_back({source, g->dir / (source + ".csv")});
  }
  if (reversed) std::reverse(specs.begin(), specs.end());
  Result<Rules> rules = ParseRulesString(base + survivorship, "rules.toml");
  EXPECT_TRUE(rules.ok()) << rules.status().ToString();
  if (!rules.ok()) return nullptr;
  g->rules = std::move(rules.value());
  Result<LoadedInput> input = LoadInputs(g->rules, specs, ReadOptions{}, nullptr);
  EXPECT_TRUE(input.ok()) << input.status().ToString();
  if (!input.ok()) return nullptr;
  g->input = std::move(input.value());
  for (RowId r = 0; r < g->input.table.num_rows(); ++r) {
    const char key = g->input.Id(r)[0];
    if (!g->cluster.count(key)) g->cluster[key] = g->cluster.size();
    g->result.labels.push_back(static_cast<uint32_t>(g->cluster[key]));
  }
  g->result.clusters = g->cluster.size();
  Result<DerivedFields> fields = DeriveFields(g->rules, g->input.table);
  EXPECT_TRUE(fields.ok());
  g->result.fields = std::move(fields.value());
  g->golden = BuildGoldenRecords(g->rules, g->input, g->result);
  return g;
}

// The chosen value of field f for the identity of ids starting with `key` ("" when none).
std::string Value(const Golden& g, char key, const std::string& field) {
  const size_t f = std::find(g.golden.fields.begin(), g.golden.fields.end(), field) - g.golden.fields.begin();
  return g.golden.values[g.cluster.at(key)][f];
}

// A raw value whose field the rules read as null (here in its null_values; a placeholder found by
// training or an unparseable date alike) never survives, though its raw text is not empty.
TEST(GoldenTest, RawValuesTheRulesReadAsNullDoNotSurvive) {
  std::string base = kBaseRules;
  const std::string city = "[fields.city]\ncolumn = \"city\"\n";
  base.replace(base.find(city), city.size(), city + "null_values = [\"Leeds\"]\n");
  auto g = Build("[survivorship]\n", false, base);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(Value(*g, '1', "city"), "London");  // Leeds three times, read as null
  EXPECT_EQ(Value(*g, '2', "city"), "Hull");    // York and Hull once each: the tie goes to the smaller
  auto kept = Build("[survivorship]\n");
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(Value(*kept, '1', "city"), "Leeds");
}

TEST(GoldenTest, MostFrequentByDefaultWithTiesToTheSmallestValue) {
  auto g = Build("[survivorship]\n");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(Value(*g, '1', "name"), "ANNA");  // raw values: ANNA, Anna, Annabel, anna once each
  EXPECT_EQ(Value(*g, '1', "city"), "Leeds");  // three of four
  EXPECT_EQ(Value(*g, '2', "name"), "Bob");    // Bob twice, Robert once
  EXPECT_EQ(Value(*g, '3', "email"), "");      // every member null
  EXPECT_FALSE(g->golden.has_value[g->cluster.at('3')][1]);
  EXPECT_EQ(g->golden.records[g->cluster.at('1')], 4u);
  EXPECT_EQ(g->golden.sources[g->cluster.at('1')], "crm;shop;web");
  EXPECT_EQ(g->golden.sources[g->cluster.at('3')], "crm");
}

TEST(GoldenTest, NormalizedValuesAreTheFieldsValues) {
  auto g = Build("[survivorship]\nvalues = \"normalized\"\n");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(Value(*g, '1', "name"), "anna");  // anna three times after lower
}

TEST(GoldenTest, EachRulePicksItsValue) {
  auto g = Build(
      "[survivorship]\ntimestamp = \"updated\"\nsource_priority = [\"web\", \"crm\"]\n"
      "[survivorship.fields]\nname = \"longest\"\nemail = \"source_priority\"\ncity = \"most_recent\"\n");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(Value(*g, '1', "name"), "Annabel");
  EXPECT_EQ(Value(*g, '1', "email"), "anna@web.com");  // web first
  EXPECT_EQ(Value(*g, '2', "email"), "bob@web.com");
  // most_recent: the web record of 1 (2024-03-01) is the latest; shop's London (2024-02-11) is not.
  EXPECT_EQ(Value(*g, '1', "city"), "Leeds");
  // 2: only York (crm, 2023-12-31) and Hull (shop, no timestamp) have a city: York has a time.
  EXPECT_EQ(Value(*g, '2', "city"), "York");
  auto first = Build("[survivorship]\ndefault = \"first_non_null\"\n");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(Value(*first, '1', "email"), "anna@crm.com");  // crm:1a is the smallest key
  EXPECT_EQ(Value(*first, '2', "email"), "bob@shop.com");  // crm:2a has none; shop:2c < web:2b
}

TEST(GoldenTest, SourcePriorityPutsUnlistedSourcesAfterTheListedOnes) {
  auto g = Build("[survivorship]\ndefault = \"source_priority\"\nsource_priority = [\"shop\"]\n");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(Value(*g, '1', "email"), "anna@shop.com");
  EXPECT_EQ(Value(*g, '2', "name"), "Bob");   // shop's 2c
  EXPECT_EQ(Value(*g, '3', "name"), "Cy");    // only crm has it
}

TEST(GoldenTest, TheRowOrderAndTheInputOrderDoNotMatter) {
  const std::string rules =
      "[survivorship]\ntimestamp = \"updated\"\n[survivorship.fields]\nname = \"first_non_null\"\n"
      "email = \"most_recent\"\ncity = \"longest\"\n";
  auto a = Build(rules), b = Build(rules, true);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  for (char key : {'1', '2', '3'}) {
    for (const char* f : {"name", "email", "city"}) EXPECT_EQ(Value(*a, key, f), Value(*b, key, f)) << key << f;
    EXPECT_EQ(a->golden.sources[a->cluster.at(key)], b->golden.sources[b->cluster.at(key)]);
  }
}

TEST(GoldenTest, SurvivorshipMistakesAreLocatedErrors) {
  struct Case {
    std::string text, expect;
  };
  const std::vector<Case> cases = {
      {"[survivorship]\nvalues = \"normalised\"\n", "did you mean 'normalized'"},
      {"[survivorship]\ndefault = \"most_frequnt\"\n", "did you mean 'most_frequent'"},
      {"[survivorship]\ndefault = \"most_recent\"\n", "needs timestamp"},
      {"[survivorship]\ndefault = \"source_priority\"\n", "needs source_priority"},
      {"[survivorship.fields]\nemial = \"longest\"\n", "'emial' is not a field"},
      {"[survivorship]\nsource_priority = [\"a\", \"a\"]\n", "listed twice"},
      {"[survivorship]\ncolour = 1\n", "colour"},
  };
  for (const Case& c : cases) {
    Result<Rules> r = ParseRulesString(std::string(kBaseRules) + c.text, "rules.toml");
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().code(), StatusCode::kUsage);
    EXPECT_NE(r.status().ToString().find(c.expect), std::string::npos) << r.status().ToString();
    EXPECT_NE(r.status().message().find("rules.toml:"), std::string::npos) << r.status().message();
  }
}

}  // namespace
}  // namespace reclink
