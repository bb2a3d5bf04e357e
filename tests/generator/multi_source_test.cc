// Multi-source link mode: each person at most once per source, the truth column and the gold
// pair count agree, the chosen columns only, deterministic in the options.
#include "generator/multi_source.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace reclink::gen {
namespace {

std::string Dir(const std::string& name) {
  const std::string dir = (std::filesystem::temp_directory_path() /
                           ("reclink_multi_source_" + std::to_string(::getpid()) + "_" + name)).string();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(MultiSourceTest, EachPersonAtMostOncePerSourceAndTheGoldPairsAddUp) {
  MultiSourceOptions o;
  o.people = 3000;
  o.seed = 5;
  o.sources = 4;
  o.coverage = 0.7;
  const std::string dir = Dir("counts");
  Result<MultiSourceSummary> s = WriteMultiSource(o, dir);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->people, 3000u);
  ASSERT_EQ(s->per_source.size(), 4u);
  std::map<std::string, uint64_t> copies;
  uint64_t records = 0;
  for (int k = 1; k <= 4; ++k) {
    const std::vector<std::string> lines = Lines(dir + "/source" + std::to_string(k) + ".csv");
    ASSERT_FALSE(lines.empty());
    EXPECT_EQ(lines[0], "record_id,entity_id,first_name,last_name,dob,email,phone,address,city,postcode");
    EXPECT_EQ(lines.size() - 1, s->per_source[k - 1]);
    // About the coverage's share of the people in each source.
    EXPECT_NEAR(static_cast<double>(lines.size() - 1) / 3000, 0.7, 0.05);
    std::set<std::string> entities;
    for (size_t i = 1; i < lines.size(); ++i) {
      const size_t c1 = lines[i].find(','), c2 = lines[i].find(',', c1 + 1);
      EXPECT_EQ(lines[i].substr(0, c1), std::to_string(i));  // ids 1..n in file order
      const std::string entity = lines[i].substr(c1 + 1, c2 - c1 - 1);
      EXPECT_TRUE(entities.insert(entity).second) << "entity " << entity << " twice in source " << k;
      ++copies[entity];
    }
    records += lines.size() - 1;
  }
  EXPECT_EQ(records, s->records);
  uint64_t gold = 0;
  for (const auto& [entity, n] : copies) gold += n * (n - 1) / 2;
  EXPECT_EQ(gold, s->gold_pairs);
}

TEST(MultiSourceTest, ChosenColumnsOnlyAndDeterministic) {
  MultiSourceOptions o;
  o.people = 500;
  o.seed = 9;
  o.sources = 3;
  o.fields = {"postcode", "first_name", "last_name"};
  const std::string a = Dir("a"), b = Dir("b"), c = Dir("c");
  ASSERT_TRUE(WriteMultiSource(o, a).ok());
  ASSERT_TRUE(WriteMultiSource(o, b).ok());
  EXPECT_EQ(Lines(a + "/source2.csv")[0], "record_id,entity_id,first_name,last_name,postcode");
  for (int k = 1; k <= 3; ++k) {
    const std::string name = "/source" + std::to_string(k) + ".csv";
    EXPECT_EQ(Read(a + name), Read(b + name));
  }
  o.seed = 10;
  ASSERT_TRUE(WriteMultiSource(o, c).ok());
  EXPECT_NE(Read(a + "/source1.csv"), Read(c + "/source1.csv"));
}

TEST(MultiSourceTest, RejectsBadOptions) {
  const std::string dir = Dir("bad");
  MultiSourceOptions o;
  o.sources = 1;
  EXPECT_EQ(WriteMultiSource(o, dir).status().code(), StatusCode::kUsage);
  o.sources = 3;
  o.coverage = 0;
  EXPECT_EQ(WriteMultiSource(o, dir).status().code(), StatusCode::kUsage);
  o.coverage = 0.5;
  o.fields = {"shoe_size"};
  Result<MultiSourceSummary> r = WriteMultiSource(o, dir);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("unknown field 'shoe_size'"), std::string::npos);
}

}  // namespace
}  // namespace reclink::gen
