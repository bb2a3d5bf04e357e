// model.json: what the writer writes the reader accepts and scores identically (degenerate
// models included), and hand edits that make m, u or the prior non-finite or out of range are
// refused with the file, line and column of the value.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "model_test_data.h"
#include "reclink/atomic_file.h"
#include "reclink/model.h"

namespace reclink {
namespace {

std::string TempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("reclink_model_json_test_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// Writes, reads back, and checks every m, u and the prior are bit-identical and every candidate
// pair scores identically.
void ExpectRoundTrip(const testing::Trained& t) {
  const std::string path = TempPath("roundtrip.json");
  ASSERT_TRUE(WriteFileAtomically(path, ModelToJson(t.model)).ok());
  Result<Model> read = ReadModelJson(path, t.rules);
  std::remove(path.c_str());
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->prior, t.model.prior);
  // The model's own threshold comes back too (a later run links where this one did).
  EXPECT_EQ(read->threshold.chosen, t.model.threshold.chosen);
  EXPECT_EQ(read->threshold.probability, t.model.threshold.probability);
  EXPECT_EQ(read->threshold.weight, t.model.threshold.weight);
  EXPECT_EQ(read->threshold.expected_precision, t.model.threshold.expected_precision);
  ASSERT_EQ(read->comparisons.size(), t.model.comparisons.size());
  for (size_t c = 0; c < t.model.comparisons.size(); ++c) {
    for (size_t l = 0; l < t.model.comparisons[c].levels.size(); ++l) {
      EXPECT_EQ(read->comparisons[c].levels[l].m, t.model.comparisons[c].levels[l].m) << c << " " << l;
      EXPECT_EQ(read->comparisons[c].levels[l].u, t.model.comparisons[c].levels[l].u) << c << " " << l;
    }
  }
  const TermFrequencies tf = TermFrequencies::Build(*t.comps);
  const Scorer written(t.model, *t.comps, tf), reread(*read, *t.comps, tf);
  std::vector<uint8_t> gamma(t.comps->size());
  for (RowId a = 0; a < t.comps->num_rows(); ++a) {
    for (RowId b = a + 1; b < t.comps->num_rows(); ++b) {
      t.comps->Gamma(a, b, gamma.data());
      const double w = written.Weight(a, b, gamma.data());
      EXPECT_TRUE(std::isfinite(w));
      EXPECT_EQ(reread.Weight(a, b, gamma.data()), w);
    }
  }
}

TEST(ModelJsonTest, ConstantFieldModelRoundTrips) {
  std::vector<testing::Row> rows;
  for (int i = 0; i < 40; ++i) rows.push_back({"smith", "london", std::to_string(20 + i % 7), "1980-01-0" + std::to_string(1 + i % 9)});
  testing::Trained t = testing::Train(rows);
  ASSERT_TRUE(t.status.ok()) << t.status.ToString();
  // Nothing written as null (a non-finite number).
  const std::string json = ModelToJson(t.model);
  EXPECT_EQ(json.find("\"m\": null"), std::string::npos);
  EXPECT_EQ(json.find("\"u\": null"), std::string::npos);
  EXPECT_EQ(json.find("\"weight\": null"), std::string::npos);
  ExpectRoundTrip(t);
}

TEST(ModelJsonTest, DegenerateModelsRoundTrip) {
  std::vector<testing::Row> all_null, unparseable, distinct;
  for (int i = 0; i < 30; ++i) {
    all_null.push_back({std::nullopt, "london", std::nullopt, std::nullopt});
    unparseable.push_back({"n" + std::to_string(i % 4), "london", i % 2 ? "abc" : "inf", "not-a-date"});
    distinct.push_back({"v" + std::to_string(i * 7919), "london", std::to_string(i * 10), "19" + std::to_string(10 + i) + "-01-01"});
  }
  for (const auto* rows : {&all_null, &unparseable, &distinct}) {
    testing::Trained t = testing::Train(*rows);
    ASSERT_TRUE(t.status.ok()) << t.status.ToString();
    ExpectRoundTrip(t);
  }
  testing::Trained two = testing::Train({{"anna", "london", "30", "1980-01-01"}, {"anna", "london", "30", "1980-01-01"}});
  ASSERT_TRUE(two.status.ok());
  ExpectRoundTrip(two);
}

// The written model with the value of `key` in level `level` of comparison `comparison`
// replaced by `value`; *line gets the line it is on.
std::string EditLevel(const std::string& json, const std::string& comparison, const std::string& level,
                      const std::string& key, const std::string& value, size_t* line) {
  size_t at = json.find("\"name\": \"" + comparison + "\"");
  at = json.find("\"label\": \"" + level + "\"", at);
  at = json.find("\"" + key + "\": ", at) + key.size() + 4;
  const size_t end = json.find(',', at);
  *line = 1 + static_cast<size_t>(std::count(json.begin(), json.begin() + static_cast<long>(at), '\n'));
  return json.substr(0, at) + value + json.substr(end);
}

TEST(ModelJsonTest, ReaderRefusesNonFiniteAndOutOfRangeWithALocation) {
  std::vector<testing::Row> rows;
  for (int i = 0; i < 30; ++i) rows.push_back({"n" + std::to_string(i % 6), "london", std::to_string(20 + i % 9), "1980-01-0" + std::to_string(1 + i % 9)});
  testing::Trained t = testing::Train(rows);
  ASSERT_TRUE(t.status.ok()) << t.status.ToString();
  const std::string json = ModelToJson(t.model);
  const std::string path = TempPath("edited.json");
  struct Case {
    std::string key, value, expect;
  };
  const std::vector<Case> cases = {
      {"m", "NaN", "'NaN' is not a JSON number"},
      {"u", "Infinity", "'Infinity' is not a JSON number"},
      {"u", "-Infinity", "'-Infinity' is not a JSON number"},
      {"m", "0", "m is 0; m and u must be in (0, 1]"},
      {"u", "1.5", "u is 1.5; m and u must be in (0, 1]"},
      {"m", "-0.25", "m is -0.25; m and u must be in (0, 1]"},
      {"u", "null", "'u' is missing or not a number"},
      {"m", "\"0.5\"", "'m' is missing or not a number"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.key + " = " + c.value);
    size_t line = 0;
    WriteText(path, EditLevel(json, "name", "jaro_winkler >= 0.9", c.key, c.value, &line));
    Result<Model> read = ReadModelJson(path, t.rules);
    ASSERT_FALSE(read.ok());
    EXPECT_EQ(read.status().code(), StatusCode::kUsage);
    EXPECT_EQ(read.status().message().rfind(path + ":" + std::to_string(line) + ":", 0), 0u) << read.status().message();
    EXPECT_NE(read.status().message().find(c.expect), std::string::npos) << read.status().message();
    if (c.expect.find("JSON number") == std::string::npos) {
      EXPECT_NE(read.status().message().find("comparison 'name' level 'jaro_winkler >= 0.9'"), std::string::npos)
          << read.status().message();
    }
    EXPECT_FALSE(read.status().hint().empty());
  }
  // The prior, too.
  const size_t prior_at = json.find("\"prior\": ") + 9;
  WriteText(path, json.substr(0, prior_at) + "1" + json.substr(json.find(',', prior_at)));
  Result<Model> read = ReadModelJson(path, t.rules);
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find(path + ":3:12: error: 'prior' is 1; it must be in (0, 1)"), std::string::npos)
      << read.status().message();
  std::remove(path.c_str());
}

}  // namespace
}  // namespace reclink
