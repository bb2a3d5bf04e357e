// Robustness: randomly mutated rules files parse or fail with a located kUsage error, never
// crash (a cheap stand-in for a fuzz target; run it under ASan+UBSan).
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "reclink/rules.h"

namespace reclink {
namespace {

const char* const kSeed = R"toml(link_type = "link"
ids = { crm = "Id", shop = "customer_id" }
[fields.first]
columns = { crm = "FirstName", shop = "customer.name.first" }
normalize = ["casefold", "strip_accents", "alnum"]
[fields.dob]
column = "dob"
normalize = ["date"]
date_order = "mdy"
[[blocking]]
keys = ["soundex(first)", "prefix(first, 2)", "year(dob)"]
[[comparison]]
field = "first"
levels = ["exact", "jaro_winkler >= 0.92", "levenshtein <= 2"]
tf_adjust = true
[model]
threshold = 0.9
[cluster]
method = "best_link"
[blocking_limits]
max_block_size = 100
)toml";

TEST(RulesMutationTest, NeverCrashes) {
  ASSERT_TRUE(ParseRulesString(kSeed, "m.toml").ok());
  const std::string alphabet = "\"'[]{}()=,.#\n \t0123456789<>-+_eaxz\xC3\xA9\xFF";
  std::mt19937_64 rng(2024);
  int failures = 0;
  for (int i = 0; i < 4000; ++i) {
    std::string text = kSeed;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t at = rng() % (text.size() + 1);
      switch (rng() % 3) {
        case 0:
          if (at < text.size()) text.erase(at, 1 + rng() % 3);
          break;
        case 1:
          text.insert(at, 1, alphabet[rng() % alphabet.size()]);
          break;
        default:
          if (at < text.size()) text[at] = alphabet[rng() % alphabet.size()];
          break;
      }
    }
    Result<Rules> r = ParseRulesString(text, "m.toml");
    if (!r.ok()) {
      ++failures;
      ASSERT_EQ(r.status().code(), StatusCode::kUsage);
      ASSERT_EQ(r.status().message().rfind("m.toml", 0), 0u) << r.status().message();
      ASSERT_NE(r.status().message().find(": error: "), std::string::npos);
    }
  }
  EXPECT_GT(failures, 1000);  // the mutations do hit the validator
}

}  // namespace
}  // namespace reclink
