// Placeholder values read as null while the fields are normalized (DeriveFieldsForRun) against
// the fields normalized first and the placeholders applied after (ApplyPlaceholders): the same
// columns and the same list, counts included, whether the values are found or a saved model's.
#include "reclink/placeholders.h"

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <random>
#include <string>

#include "reclink/reader.h"

namespace reclink {
namespace {

constexpr const char* kRules = R"(
link_type = "dedupe"
id = "id"
[fields.first]
column = "first"
normalize = ["casefold", "letters"]
null_values = ["xx"]
[fields.dob]
column = "dob"
normalize = ["date"]
[fields.phone]
column = "phone"
normalize = ["digits"]
[fields.email]
column = "email"
normalize = ["email"]
[[blocking]]
keys = ["first"]
[[comparison]]
field = "phone"
levels = ["exact"]
)";

// Rows over several of DeriveFields' chunks of 32,768, with placeholders everywhere, some held
// by too few records to count, and ordinary values of the same lengths.
RecordTable Table(size_t rows, const std::string& source, uint32_t seed) {
  std::mt19937 rng(seed);
  const char* names[] = {"Anna", "Bob", "Unknown", "N/A", "nil", "xx", "Carla", "none", ""};
  std::string csv = "id,first,dob,phone,email\n";
  for (size_t r = 0; r < rows; ++r) {
    const uint32_t x = rng();
    std::string phone = std::to_string(10000000000ull + x % 90000000000ull);
    if (x % 37 == 0) phone = "00000000000";
    if (source == "crm" && (r == 5 || r == 70000)) phone = "12345";  // held by two records: kept
    std::string dob = x % 29 == 0 ? "1900-01-01"
                                  : "19" + std::to_string(50 + x % 50) + "-0" +
                                        std::to_string(1 + x % 9) + "-1" + std::to_string(x % 10);
    std::string email =
        x % 31 == 0 ? "noemail@noemail.com" : "p" + std::to_string(x % 5000) + "@mail.com";
    if (x % 1000 == 1) email = "test@example.com";
    csv += source + std::to_string(r) + "," + names[(x >> 8) % 9] + "," + dob + "," + phone + "," +
           email + "\n";
  }
  ReadOptions options;
  Result<RecordTable> t = ReadBuffer(csv, source + ".csv", source, options, nullptr);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return std::move(t.value());
}

void ExpectSameColumns(const DerivedFields& a, const DerivedFields& b) {
  ASSERT_EQ(a.fields.size(), b.fields.size());
  for (size_t f = 0; f < a.fields.size(); ++f) {
    const Column& x = a.fields[f];
    const Column& y = b.fields[f];
    ASSERT_EQ(x.size(), y.size());
    EXPECT_EQ(x.arena_bytes(), y.arena_bytes()) << x.name();
    for (size_t r = 0; r < x.size(); ++r) {
      const RowId row = static_cast<RowId>(r);
      ASSERT_EQ(x.IsNull(row), y.IsNull(row)) << x.name() << " row " << r;
      ASSERT_EQ(x.Get(row), y.Get(row)) << x.name() << " row " << r;
      ASSERT_EQ(x.offset(r + 1), y.offset(r + 1)) << x.name() << " row " << r;
    }
  }
  EXPECT_EQ(a.placeholder_nulls, b.placeholder_nulls);
}

void ExpectSameList(const std::vector<DetectedPlaceholder>& a,
                    const std::vector<DetectedPlaceholder>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].field, b[i].field) << i;
    EXPECT_EQ(a[i].value, b[i].value) << i;
    EXPECT_EQ(a[i].records, b[i].records) << a[i].field << " " << a[i].value;
    EXPECT_EQ(a[i].reason, b[i].reason) << i;
  }
}

struct Case {
  Rules rules;
  RecordTable table;
};

Case Make() {
  Result<Rules> rules = ParseRulesString(kRules, "placeholders.toml");
  EXPECT_TRUE(rules.ok()) << rules.status().ToString();
  Case c{std::move(rules.value()), Table(100000, "crm", 7)};
  c.table.Append(Table(3000, "shop", 8));
  return c;
}

TEST(PlaceholdersTest, FoundWhileNormalizingEqualsAppliedAfter) {
  for (const bool wide : {false, true}) {
    Column::SetAlwaysWideForTesting(wide);
    Case c = Make();
    Result<DerivedFields> after = DeriveFields(c.rules, c.table);
    ASSERT_TRUE(after.ok());
    const std::vector<DetectedPlaceholder> expected = ApplyPlaceholders(c.rules, nullptr, &*after);
    // The case means something: placeholders in three fields, one held by too few records.
    ASSERT_GE(expected.size(), 5u);
    for (const int threads : {1, 2, 3}) {
      tbb::global_control control(tbb::global_control::max_allowed_parallelism, threads);
      std::vector<DetectedPlaceholder> list;
      Result<DerivedFields> during = DeriveFieldsForRun(c.rules, c.table, nullptr, &list);
      ASSERT_TRUE(during.ok());
      ExpectSameList(expected, list);
      ExpectSameColumns(*after, *during);
    }
    Column::SetAlwaysWideForTesting(false);
  }
}

TEST(PlaceholdersTest, ASavedModelsListIsReadAsNullWithItsCounts) {
  Case c = Make();
  Model model;
  // Found values, one listed twice (counted at its first entry), one no record holds, one of a
  // field the rules do not define, and a value of the right length that is not listed.
  model.placeholders = {{"phone", "00000000000", 9, "one digit repeated"},
                        {"first", "unknown", 9, "a word for no value"},
                        {"phone", "00000000000", 9, "one digit repeated"},
                        {"email", "nobody@nowhere.com", 9, "a placeholder e-mail"},
                        {"city", "null", 9, "a word for no value"},
                        {"phone", "12345", 9, "a run of digits"}};
  Result<DerivedFields> after = DeriveFields(c.rules, c.table);
  ASSERT_TRUE(after.ok());
  const std::vector<DetectedPlaceholder> expected = ApplyPlaceholders(c.rules, &model, &*after);
  ASSERT_EQ(expected.size(), model.placeholders.size());
  EXPECT_GT(expected[0].records, 0u);
  EXPECT_EQ(expected[2].records, 0u);
  EXPECT_EQ(expected[4].records, 0u);
  EXPECT_EQ(expected[5].records, 2u);
  std::vector<DetectedPlaceholder> list;
  Result<DerivedFields> during = DeriveFieldsForRun(c.rules, c.table, &model, &list);
  ASSERT_TRUE(during.ok());
  ExpectSameList(expected, list);
  ExpectSameColumns(*after, *during);
}

TEST(PlaceholdersTest, NothingIsReadAsNullWhenDetectionIsOff) {
  Case c = Make();
  c.rules.model.detect_placeholders = false;
  Result<DerivedFields> plain = DeriveFields(c.rules, c.table);
  ASSERT_TRUE(plain.ok());
  std::vector<DetectedPlaceholder> list = {{"x", "y", 1, "z"}};
  Result<DerivedFields> during = DeriveFieldsForRun(c.rules, c.table, nullptr, &list);
  ASSERT_TRUE(during.ok());
  EXPECT_TRUE(list.empty());
  ExpectSameColumns(*plain, *during);
}

}  // namespace
}  // namespace reclink
