// Tests of the rules file's numeric ranges and count limits: every number a level or a setting
// takes is range-checked with a located error, and the comparison and level counts the model
// supports are enforced by the parser, before any data is read.
#include <gtest/gtest.h>

#include <string>

#include "reclink/comparison.h"
#include "reclink/rules.h"

namespace reclink {
namespace {

// The parser's limits are the model's: Comparisons::Build sizes per-pair arrays by these.
static_assert(kRulesMaxComparisons == static_cast<size_t>(kMaxComparisons));
static_assert(kRulesMaxLevels == static_cast<size_t>(kMaxLevels));

const char* const kBase = R"(id = "record_id"

[fields.first]
column = "first_name"

[fields.dob]
column = "dob"
normalize = ["date"]

[[blocking]]
keys = ["first"]

[[comparison]]
field = "first"
levels = ["exact", "LEVEL"]
)";

Result<Rules> Parse(const std::string& text) { return ParseRulesString(text, "r.toml"); }

std::string ErrorOf(const std::string& text) {
  Result<Rules> r = Parse(text);
  EXPECT_FALSE(r.ok()) << text;
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kUsage);
  EXPECT_FALSE(r.status().hint().empty()) << r.status().message();
  return r.status().message();
}

std::string WithLevel(const std::string& level) {
  std::string text = kBase;
  text.replace(text.find("LEVEL"), 5, level);
  return text;
}

std::string LevelError(const std::string& level) { return ErrorOf(WithLevel(level)); }

std::string WithSetting(const std::string& section, const std::string& line) {
  return WithLevel("levenshtein <= 1") + "\n" + section + "\n" + line + "\n";
}

// The message for a level, whose string starts at line 15, column 20.
std::string LevelMessage(const std::string& level, const std::string& what) {
  return "r.toml:15:20: error: key 'levels' in [[comparison]] #1: level \"" + level + "\": " + what;
}

TEST(RulesLimitsTest, EditDistanceBounds) {
  // 1e20 used to be accepted and never held (an out-of-range float-to-integer conversion), 5e9
  // always held.
  EXPECT_EQ(LevelError("levenshtein <= 1e20"),
            LevelMessage("levenshtein <= 1e20",
                         "expected an integer K from 0 to 255 in \"levenshtein <= K\", found "
                         "1e20"));
  EXPECT_EQ(LevelError("levenshtein <= 5e9"),
            LevelMessage("levenshtein <= 5e9",
                         "expected an integer K from 0 to 255 in \"levenshtein <= K\", found "
                         "5e9"));
  EXPECT_EQ(LevelError("damerau_levenshtein <= 256"),
            LevelMessage("damerau_levenshtein <= 256",
                         "expected an integer K from 0 to 255 in \"damerau_levenshtein <= K\", "
                         "found 256"));
  EXPECT_EQ(LevelError("levenshtein <= 99999999999999999999999"),
            LevelMessage("levenshtein <= 99999999999999999999999",
                         "expected an integer K from 0 to 255 in \"levenshtein <= K\", found "
                         "99999999999999999999999"));
  // Integers are written as integers.
  EXPECT_EQ(LevelError("levenshtein <= 1.0"),
            LevelMessage("levenshtein <= 1.0",
                         "expected an integer K from 0 to 255 in \"levenshtein <= K\", found "
                         "1.0"));
  EXPECT_EQ(LevelError("levenshtein <= +1"),
            LevelMessage("levenshtein <= +1",
                         "expected an integer K from 0 to 255 in \"levenshtein <= K\", found +1"));
  EXPECT_EQ(LevelError("damerau_levenshtein <= -0"),
            LevelMessage("damerau_levenshtein <= -0",
                         "expected an integer K from 0 to 255 in \"damerau_levenshtein <= K\", "
                         "found -0"));
  Result<Rules> r = Parse(WithLevel("levenshtein <= 255"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->comparisons[0].levels[1].threshold, 255);
  r = Parse(WithLevel("damerau_levenshtein <= 007"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->comparisons[0].levels[1].threshold, 7);
  EXPECT_TRUE(Parse(WithLevel("levenshtein <= 0")).ok());
}

TEST(RulesLimitsTest, SimilarityBounds) {
  EXPECT_EQ(LevelError("jaro >= 1.0000001"),
            LevelMessage("jaro >= 1.0000001",
                         "expected a similarity T from 0 to 1 in \"jaro >= T\", found 1.0000001"));
  EXPECT_EQ(LevelError("qgram_jaccard >= 1e308"),
            LevelMessage("qgram_jaccard >= 1e308",
                         "expected a similarity T from 0 to 1 in \"qgram_jaccard >= T\", found "
                         "1e308"));
  // 1e999 overflows to infinity: not a finite number.
  EXPECT_EQ(LevelError("jaro_winkler >= 1e999"),
            LevelMessage("jaro_winkler >= 1e999",
                         "expected a number after >= in \"jaro_winkler >= T\", found \"1e999\""));
  EXPECT_EQ(LevelError("jaccard >= nan"),
            LevelMessage("jaccard >= nan",
                         "expected a number after >= in \"jaccard >= T\", found \"nan\""));
  EXPECT_EQ(LevelError("jaccard >= inf"),
            LevelMessage("jaccard >= inf",
                         "expected a number after >= in \"jaccard >= T\", found \"inf\""));
  EXPECT_EQ(LevelError("jaro >= 0x1p-1"),
            LevelMessage("jaro >= 0x1p-1",
                         "expected a number after >= in \"jaro >= T\", found \"0x1p-1\""));
  EXPECT_TRUE(Parse(WithLevel("jaro >= 1")).ok());
  EXPECT_TRUE(Parse(WithLevel("jaro_winkler >= 0")).ok());
  EXPECT_TRUE(Parse(WithLevel("jaccard >= 5e-1")).ok());
}

TEST(RulesLimitsTest, NumericAndDateBounds) {
  EXPECT_EQ(LevelError("numeric_diff <= 1e16"),
            LevelMessage("numeric_diff <= 1e16",
                         "expected a number D from 0 to 1e15 in \"numeric_diff <= D\", found "
                         "1e16"));
  EXPECT_EQ(LevelError("numeric_diff <= -0.5"),
            LevelMessage("numeric_diff <= -0.5",
                         "expected a number D from 0 to 1e15 in \"numeric_diff <= D\", found "
                         "-0.5"));
  EXPECT_EQ(LevelError("date_diff_days <= 3660001"),
            LevelMessage("date_diff_days <= 3660001",
                         "expected an integer K from 0 to 3660000 in \"date_diff_days <= K\", "
                         "found 3660001"));
  EXPECT_EQ(LevelError("date_diff_days <= 1e3"),
            LevelMessage("date_diff_days <= 1e3",
                         "expected an integer K from 0 to 3660000 in \"date_diff_days <= K\", "
                         "found 1e3"));
  Result<Rules> r = Parse(WithLevel("numeric_diff <= 1e15"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->comparisons[0].levels[1].threshold, 1e15);
  EXPECT_TRUE(Parse(WithLevel("numeric_diff <= 0.25")).ok());
  EXPECT_TRUE(Parse(WithLevel("date_diff_days <= 3660000")).ok());
}

TEST(RulesLimitsTest, ModelSettings) {
  // u_sample_pairs = 2^63 - 1 used to be accepted and sampling ran for ever.
  EXPECT_EQ(ErrorOf(WithSetting("[model]", "u_sample_pairs = 9223372036854775807")),
            "r.toml:18:18: error: key 'u_sample_pairs' in [model]: expected an integer from 1 "
            "to 1000000000, found 9223372036854775807");
  EXPECT_TRUE(Parse(WithSetting("[model]", "u_sample_pairs = 1_000_000_000")).ok());
  EXPECT_EQ(ErrorOf(WithSetting("[model]", "u_sample_pairs = 1e6")),
            "r.toml:18:18: error: key 'u_sample_pairs' in [model]: expected an integer from 1 "
            "to 1000000000, found a floating-point number");
  EXPECT_EQ(ErrorOf(WithSetting("[model]", "training_pairs = 999")),
            "r.toml:18:18: error: key 'training_pairs' in [model]: expected an integer from 1000 "
            "to 1000000000, found 999");
  EXPECT_EQ(ErrorOf(WithSetting("[model]", "training_pairs = 1_000_000_001")),
            "r.toml:18:18: error: key 'training_pairs' in [model]: expected an integer from 1000 "
            "to 1000000000, found 1000000001");
  EXPECT_TRUE(Parse(WithSetting("[model]", "training_pairs = 1000")).ok());
  EXPECT_EQ(ErrorOf(WithSetting("[model]", "em_max_iterations = 100001")),
            "r.toml:18:21: error: key 'em_max_iterations' in [model]: expected an integer from 1 "
            "to 100000, found 100001");
  EXPECT_EQ(ErrorOf(WithSetting("[model]", "refine_rounds = 11")),
            "r.toml:18:17: error: key 'refine_rounds' in [model]: expected an integer from 0 "
            "to 10, found 11");
  EXPECT_EQ(ErrorOf(WithSetting("[model]", "refine_rounds = -1")),
            "r.toml:18:17: error: key 'refine_rounds' in [model]: expected an integer from 0 "
            "to 10, found -1");
  EXPECT_TRUE(Parse(WithSetting("[model]", "refine_rounds = 10")).ok());
  EXPECT_EQ(ErrorOf(WithSetting("[model]", "em_tolerance = nan")),
            "r.toml:18:16: error: key 'em_tolerance' in [model]: expected a positive number "
            "below 1, e.g. 1e-4, found nan");
  EXPECT_EQ(ErrorOf(WithSetting("[model]", "em_tolerance = inf")),
            "r.toml:18:16: error: key 'em_tolerance' in [model]: expected a positive number "
            "below 1, e.g. 1e-4, found inf");
  EXPECT_EQ(ErrorOf(WithSetting("[model]", "em_tolerance = -1e-4")),
            "r.toml:18:16: error: key 'em_tolerance' in [model]: expected a positive number "
            "below 1, e.g. 1e-4, found -0.0001");
  // A threshold of 1 is a match weight of +infinity: no pair could ever link.
  EXPECT_EQ(ErrorOf(WithSetting("[model]", "threshold = 1")),
            "r.toml:18:13: error: key 'threshold' in [model]: expected a match probability "
            "strictly between 0 and 1, e.g. 0.9, or \"auto\" (the default: the trained model chooses), found 1");
  EXPECT_EQ(ErrorOf(WithSetting("[model]", "threshold = nan")),
            "r.toml:18:13: error: key 'threshold' in [model]: expected a match probability "
            "strictly between 0 and 1, e.g. 0.9, or \"auto\" (the default: the trained model chooses), found nan");
  EXPECT_EQ(ErrorOf(WithSetting("[model]", "threshold = -inf")),
            "r.toml:18:13: error: key 'threshold' in [model]: expected a match probability "
            "strictly between 0 and 1, e.g. 0.9, or \"auto\" (the default: the trained model chooses), found -inf");
  EXPECT_EQ(ErrorOf(WithSetting("[model]", "prior = nan")),
            "r.toml:18:9: error: key 'prior' in [model]: expected a probability strictly between "
            "0 and 1, e.g. 1e-4, found nan");
  EXPECT_EQ(ErrorOf(WithSetting("[model]", "prior = 0")),
            "r.toml:18:9: error: key 'prior' in [model]: expected a probability strictly between "
            "0 and 1, e.g. 1e-4, found 0");
  Result<Rules> r = Parse(WithSetting("[model]", "seed = 9223372036854775807"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->model.seed, 9223372036854775807u);
  r = Parse(WithSetting("[model]", "threshold = 0.999999"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->model.threshold.has_value());
  EXPECT_DOUBLE_EQ(*r->model.threshold, 0.999999);
}

TEST(RulesLimitsTest, BlockingSettings) {
  EXPECT_EQ(ErrorOf(WithSetting("[blocking_limits]", "max_block_size = 4294967297")),
            "r.toml:18:18: error: key 'max_block_size' in [blocking_limits]: expected an integer "
            "from 2 to 4294967296, found 4294967297");
  EXPECT_EQ(ErrorOf(WithSetting("[blocking_limits]", "max_block_size = inf")),
            "r.toml:18:18: error: key 'max_block_size' in [blocking_limits]: expected an integer "
            "from 2 to 4294967296, found a floating-point number");
  std::string text = WithLevel("exact");
  text.replace(text.find("keys = [\"first\"]"), 16, "keys = [\"prefix(first, 1001)\"]");
  EXPECT_EQ(ErrorOf(text),
            "r.toml:11:9: error: blocking key \"prefix(first, 1001)\" in [[blocking]] #1: "
            "expected a prefix length N from 1 to 1000 in prefix(FIELD, N), found \"1001\"");
}

// A file with n comparisons of the field, each with the given levels.
std::string WithComparisons(int n, const std::string& levels) {
  std::string text = R"(id = "record_id"
[fields.first]
column = "first_name"
[[blocking]]
keys = ["first"]
)";
  for (int i = 0; i < n; ++i) {
    text += "[[comparison]]\nfield = \"first\"\nname = \"c" + std::to_string(i) +
            "\"\nlevels = " + levels + "\n";
  }
  return text;
}

TEST(RulesLimitsTest, ComparisonCount) {
  // Checked before any data is read, at the first comparison too many (line 6 + 4 * 16).
  EXPECT_EQ(ErrorOf(WithComparisons(17, "[\"exact\"]")),
            "r.toml:70:1: error: [[comparison]] #17: expected at most 16 comparisons, found 17");
  EXPECT_EQ(ErrorOf(WithComparisons(40, "[\"exact\"]")),
            "r.toml:70:1: error: [[comparison]] #17: expected at most 16 comparisons, found 40");
  Result<Rules> r = Parse(WithComparisons(16, "[\"exact\"]"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->comparisons.size(), kRulesMaxComparisons);
}

TEST(RulesLimitsTest, LevelCount) {
  std::string fifteen = "[\"exact\"";
  for (int i = 1; i < 15; ++i) fifteen += ", \"levenshtein <= " + std::to_string(i) + "\"";
  std::string sixteen = fifteen + ", \"jaro >= 0.5\"]";
  fifteen += "]";
  Result<Rules> r = Parse(WithComparisons(1, fifteen));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->comparisons[0].levels.size(), kRulesMaxLevels);
  EXPECT_EQ(ErrorOf(WithComparisons(1, sixteen)),
            "r.toml:9:10: error: key 'levels' in [[comparison]] #1: expected at most 15 levels "
            "(the null and else levels are implicit), found 16");
}

TEST(RulesLimitsTest, OtherCounts) {
  std::string many_keys = "[\"first\"";
  for (size_t i = 1; i <= kRulesMaxKeysPerRule; ++i)
    many_keys += ", \"prefix(first, " + std::to_string(i) + ")\"";
  many_keys += "]";
  std::string text = WithComparisons(1, "[\"exact\"]");
  text.replace(text.find("[\"first\"]"), 9, many_keys);
  EXPECT_EQ(ErrorOf(text),
            "r.toml:5:8: error: key 'keys' in [[blocking]] #1: expected at most 16 blocking "
            "keys, found 17");

  std::string rules = WithComparisons(1, "[\"exact\"]");
  for (size_t i = 0; i < kRulesMaxBlockingRules; ++i) {
    rules += "[[blocking]]\nkeys = [\"prefix(first, " + std::to_string(i + 1) + ")\"]\n";
  }
  EXPECT_EQ(ErrorOf(rules),
            "r.toml:136:1: error: [[blocking]] #65: expected at most 64 blocking rules, found 65");

  std::string fields = "id = \"record_id\"\n";
  for (size_t i = 0; i <= kRulesMaxFields; ++i) {
    fields += "[fields.f" + std::to_string(i) + "]\ncolumn = \"c\"\n";
  }
  EXPECT_EQ(ErrorOf(fields),
            "r.toml:514:1: error: [fields.f256]: expected at most 256 fields, found 257");

  // An unknown field among many: the list of defined fields is cut at 20.
  std::string many_fields = "id = \"record_id\"\n";
  for (size_t i = 0; i < kRulesMaxFields; ++i) {
    many_fields += "[fields.field_with_a_long_name_" + std::to_string(i) + "]\ncolumn = \"c\"\n";
  }
  many_fields += "[[blocking]]\nkeys = [\"nope\"]\n";
  const std::string message = ErrorOf(many_fields);
  EXPECT_LT(message.size(), 1000u) << message;
  EXPECT_NE(message.find("field_with_a_long_name_19, ... (256 fields)"), std::string::npos)
      << message;

  std::string norms = WithComparisons(1, "[\"exact\"]");
  std::string list = "normalize = [";
  for (size_t i = 0; i <= kRulesMaxNormalizers; ++i) list += i == 0 ? "\"trim\"" : ", \"trim\"";
  norms.replace(norms.find("column = \"first_name\""), 21,
                "column = \"first_name\"\n" + list + "]");
  EXPECT_EQ(ErrorOf(norms),
            "r.toml:4:13: error: key 'normalize' in [fields.first]: expected at most 32 "
            "normalizers, found 33");
}

}  // namespace
}  // namespace reclink
