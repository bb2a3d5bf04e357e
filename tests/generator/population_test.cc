// The population vocabulary (--vocabulary population): the default output is unchanged (pinned
// by checksums taken before the mode existed), the new mode is deterministic whatever the thread
// count, and its distinct names keep growing with the record count where the lists saturate.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "generator/generator.h"
#include "generator/population.h"
#include "generator_test_util.h"

namespace reclink::gen {
namespace {

using testing::Generate;
using testing::ParseCsv;

constexpr int kFirst = 2, kLast = 3, kDob = 4, kCity = 8;

GeneratorOptions Options(uint64_t records, uint64_t seed, VocabularyMode mode, double noise = 0.3) {
  GeneratorOptions o;
  o.records = records;
  o.seed = seed;
  o.noise = noise;
  o.vocabulary = mode;
  return o;
}

uint64_t Fnv1a(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

// FNV-1a of reclink-gen's output taken with the build before the population mode was added:
// `reclink-gen -n 2000 --seed 7 [--format jsonl]` and `-n 500 --seed 3 --noise 0.8 --dup-rate 0.5`.
TEST(PopulationVocabularyTest, DefaultOutputUnchanged) {
  GeneratorOptions csv = Options(2000, 7, VocabularyMode::kShipped);
  std::string text = Generate(csv);
  EXPECT_EQ(text.size(), 204299u);
  EXPECT_EQ(Fnv1a(text), 0x049c36a3767f0050ull);
  GeneratorOptions jsonl = csv;
  jsonl.format = OutputFormat::kJsonl;
  text = Generate(jsonl);
  EXPECT_EQ(text.size(), 462766u);
  EXPECT_EQ(Fnv1a(text), 0xa4f9cfe9ebd12f64ull);
  GeneratorOptions noisy = Options(500, 3, VocabularyMode::kShipped, 0.8);
  noisy.dup_rate = 0.5;
  text = Generate(noisy);
  EXPECT_EQ(text.size(), 48958u);
  EXPECT_EQ(Fnv1a(text), 0x998176d227fde8e9ull);
}

TEST(PopulationVocabularyTest, DeterministicWhateverTheThreads) {
  GeneratorOptions o = Options(20000, 11, VocabularyMode::kPopulation);
  o.threads = 1;
  const std::string one = Generate(o);
  o.threads = 3;
  EXPECT_EQ(Generate(o), one);
  o.threads = 0;
  EXPECT_EQ(Generate(o), one);
  EXPECT_NE(Generate(Options(20000, 11, VocabularyMode::kShipped)), one);
  EXPECT_NE(Generate(Options(20000, 12, VocabularyMode::kPopulation)), one);
}

struct Distinct {
  size_t first = 0, last = 0, city = 0;
};

Distinct CountDistinct(uint64_t records, VocabularyMode mode) {
  // Noise 0: the counts are of the population's names, not of typos.
  std::vector<std::vector<std::string>> rows;
  std::string error;
  EXPECT_TRUE(ParseCsv(Generate(Options(records, 5, mode, 0.0)), rows, error)) << error;
  std::set<std::string> first, last, city;
  for (size_t i = 1; i < rows.size(); ++i) {
    first.insert(rows[i][kFirst]);
    last.insert(rows[i][kLast]);
    city.insert(rows[i][kCity]);
  }
  return {first.size(), last.size(), city.size()};
}

TEST(PopulationVocabularyTest, DistinctNamesGrowWithRecords) {
  const Distinct pop_small = CountDistinct(10000, VocabularyMode::kPopulation);
  const Distinct pop_large = CountDistinct(100000, VocabularyMode::kPopulation);
  const Distinct list_large = CountDistinct(100000, VocabularyMode::kShipped);
  // Heaps' law with exponent about 0.6: ten times the records, about four times the names.
  EXPECT_GT(pop_large.last, 3 * pop_small.last);
  EXPECT_GT(pop_large.first, 2 * pop_small.first);
  EXPECT_GT(pop_large.city, 2 * pop_small.city);
  // The shipped lists run out: 379 surnames plus 1800 compounds (some with " Jr" or " Sr").
  EXPECT_LE(list_large.last, 2u * (379u + 60u * 30u));
  EXPECT_GT(pop_large.last, 5 * list_large.last);
  EXPECT_GT(pop_large.first, 5 * list_large.first);
}

TEST(PopulationVocabularyTest, AdultBirthYears) {
  std::vector<std::vector<std::string>> rows;
  std::string error;
  ASSERT_TRUE(ParseCsv(Generate(Options(20000, 9, VocabularyMode::kPopulation, 0.0)), rows, error)) << error;
  int under_40 = 0, over_80 = 0;
  for (size_t i = 1; i < rows.size(); ++i) {
    const int year = std::stoi(rows[i][kDob].substr(0, 4));  // noise 0: YYYY-MM-DD
    ASSERT_GE(year, kPopulationMinYear) << rows[i][kDob];
    ASSERT_LE(year, kPopulationMaxYear) << rows[i][kDob];
    under_40 += year > 1986;
    over_80 += year < 1946;
  }
  // The pyramid is flat to 60 and thins after: many more young adults than over-80s.
  EXPECT_GT(under_40, 4 * over_80);
  EXPECT_GT(over_80, 0);
}

TEST(PopulationVocabularyTest, UnboundedZipfHeadAndTail) {
  Rng rng(42);
  int zero = 0, beyond = 0;
  for (int i = 0; i < 100000; ++i) {
    const uint32_t k = SampleUnboundedZipf(rng, 1.5, 100);
    zero += k == 0;
    beyond += k >= 100000;
  }
  // P(rank 0) = 1 - (1 + 1/100)^-0.5 ~ 0.5%; P(rank >= 1e5) = 1001^-0.5 ~ 3.2%.
  EXPECT_NEAR(zero / 100000.0, 0.00497, 0.0015);
  EXPECT_NEAR(beyond / 100000.0, 0.0316, 0.004);
}

}  // namespace
}  // namespace reclink::gen
