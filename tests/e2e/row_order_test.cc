// Training is a function of the set of records, not of their order: the same records shuffled
// and split across two files (dedupe), or with the sources named in another order and their rows
// shuffled (link), give a byte-identical model.json and the same clusters.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli_runner.h"

namespace reclink::test {
namespace {

const std::string kSource = RECLINK_SOURCE_DIR;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

// Writes the header and then rows[first, last) of `rows` to path.
void WriteRows(const std::string& path, const std::string& header, const std::vector<std::string>& rows, size_t first,
               size_t last) {
  std::string text = header + "\n";
  for (size_t i = first; i < last; ++i) text += rows[i] + "\n";
  WriteFile(path, text);
}

// clusters.csv as a partition: the set of clusters, each the set of its members' keys (the
// record id, with its source when `with_source`), so that cluster ids and row order do not count.
std::set<std::set<std::string>> Partition(const std::string& clusters_csv, bool with_source) {
  const std::vector<std::string> rows = Lines(clusters_csv);
  EXPECT_FALSE(rows.empty());
  const bool has_source = !rows.empty() && rows[0].rfind("source,", 0) == 0;
  std::map<std::string, std::set<std::string>> by_cluster;
  for (size_t i = 1; i < rows.size(); ++i) {
    const std::string& row = rows[i];
    const size_t last = row.rfind(',');
    std::string member = row.substr(0, last);
    if (has_source && !with_source) member = member.substr(member.find(',') + 1);
    by_cluster[row.substr(last + 1)].insert(member);
  }
  std::set<std::set<std::string>> partition;
  for (auto& [id, members] : by_cluster) partition.insert(std::move(members));
  return partition;
}

// Dedupes `csv` as given and shuffled into two files; both runs must train the same model and
// find the same clusters.
// Returns the model.json of the first run.
std::string ExpectDedupeIndependentOfRowOrder(const std::string& rules, const std::string& csv, const std::string& name) {
  const std::string dir = TempDir(name);
  std::vector<std::string> rows = Lines(ReadFile(csv));
  EXPECT_GT(rows.size(), 10u);
  if (rows.size() <= 10) return "";
  const std::string header = rows.front();
  rows.erase(rows.begin());
  std::mt19937_64 rng(12);
  std::shuffle(rows.begin(), rows.end(), rng);
  const size_t split = rows.size() / 3;
  WriteRows(dir + "/part1.csv", header, rows, 0, split);
  WriteRows(dir + "/part2.csv", header, rows, split, rows.size());
  CliResult a = RunReclink("dedupe --quiet --threads 2 --rules " + rules + " --out " + dir + "/a " + csv);
  EXPECT_EQ(a.exit_code, 0) << a.err;
  CliResult b = RunReclink("dedupe --quiet --threads 1 --rules " + rules + " --out " + dir + "/b " + dir + "/part2.csv " +
                           dir + "/part1.csv");
  EXPECT_EQ(b.exit_code, 0) << b.err;
  if (a.exit_code != 0 || b.exit_code != 0) return "";
  const std::string model_a = ReadFile(dir + "/a/model.json");
  EXPECT_FALSE(model_a.empty());
  EXPECT_TRUE(model_a == ReadFile(dir + "/b/model.json")) << "model.json differs between " << dir << "/a and /b";
  // Two inputs name their records with their sources; the records are the same ones.
  EXPECT_TRUE(Partition(ReadFile(dir + "/a/clusters.csv"), false) == Partition(ReadFile(dir + "/b/clusters.csv"), false));
  return model_a;
}

TEST(RowOrderTest, DemoDedupeShuffledAndSplitTrainsTheSameModel) {
  ExpectDedupeIndependentOfRowOrder(kSource + "/datasets/demo/rules.toml", kSource + "/datasets/demo/customers.csv",
                                    "order_demo");
}

TEST(RowOrderTest, GeneratedDedupeShuffledAndSplitTrainsTheSameModel) {
  const std::string dir = TempDir("order_generated_input");
  ASSERT_EQ(std::system((std::string(RECLINK_GEN_BINARY) + " --quiet --records 20000 --seed 7 --out " + dir + "/g.csv").c_str()), 0);
  ExpectDedupeIndependentOfRowOrder(kSource + "/datasets/demo/rules.toml", dir + "/g.csv", "order_generated");
}

// Beyond 4 million candidate pairs training counts a sample of them: it follows the records too.
// The demo's rules plus a block on the last name's initial give about 13 million pairs.
// Blocking groups rows by their key's hash and splits a hash shared by different keys by the keys'
// texts. RECLINK_KEY_HASH_BITS (for tests) keeps 6 or 12 bits of the hash, so that nearly every
// hash is shared by several keys: the run must give exactly what it gives with the whole hash.
TEST(RowOrderTest, CollidingKeyHashesChangeNothing) {
  const std::string demo = kSource + "/datasets/demo/customers.csv", rules = kSource + "/datasets/demo/rules.toml";
  const std::string dir = TempDir("collisions");
  ASSERT_EQ(RunReclink("dedupe --rules " + rules + " --threads 2 -q --out " + dir + "/whole " + demo).exit_code, 0);
  for (const char* bits : {"12", "6"}) {
    setenv("RECLINK_KEY_HASH_BITS", bits, 1);
    const CliResult r = RunReclink("dedupe --rules " + rules + " --threads 2 -q --out " + dir + "/bits" + bits + " " + demo);
    unsetenv("RECLINK_KEY_HASH_BITS");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const char* file : {"/clusters.csv", "/model.json"}) {
      EXPECT_EQ(ReadFile(dir + "/bits" + bits + file), ReadFile(dir + "/whole" + file)) << bits << " bits: " << file;
    }
  }
}

TEST(RowOrderTest, SampledTrainingPairsFollowTheRecords) {
  const std::string dir = TempDir("order_sampled_input");
  ASSERT_EQ(std::system((std::string(RECLINK_GEN_BINARY) + " --quiet --records 20000 --seed 7 --out " + dir + "/g.csv").c_str()), 0);
  std::string rules = ReadFile(kSource + "/datasets/demo/rules.toml");
  const size_t at = rules.find("[[comparison]]");
  ASSERT_NE(at, std::string::npos);
  rules.insert(at, "[[blocking]]\nkeys = [\"prefix(last, 1)\"]\n\n");
  WriteFile(dir + "/rules.toml", rules);
  const std::string model = ExpectDedupeIndependentOfRowOrder(dir + "/rules.toml", dir + "/g.csv", "order_sampled");
  const size_t f = model.find("\"training_sample_fraction\": ");
  ASSERT_NE(f, std::string::npos) << model.substr(0, 400);
  EXPECT_LT(std::stod(model.substr(f + 28)), 1.0);  // the sampled path ran
}

// Link mode: the sources given in another order on the command line, each with its rows shuffled.
TEST(RowOrderTest, LinkWithSourcesInAnotherOrderTrainsTheSameModel) {
  const std::string dir = TempDir("order_link");
  ASSERT_EQ(std::system((std::string(RECLINK_GEN_BINARY) + " --quiet --records 4000 --seed 5 --sources 3 --noise 0.3 "
                         "--fields first_name,last_name,address,city,postcode --out " + dir).c_str()), 0);
  std::mt19937_64 rng(3);
  for (int k = 1; k <= 3; ++k) {
    std::vector<std::string> rows = Lines(ReadFile(dir + "/source" + std::to_string(k) + ".csv"));
    ASSERT_GT(rows.size(), 10u);
    const std::string header = rows.front();
    rows.erase(rows.begin());
    std::shuffle(rows.begin(), rows.end(), rng);
    std::filesystem::create_directories(dir + "/shuffled");
    WriteRows(dir + "/shuffled/source" + std::to_string(k) + ".csv", header, rows, 0, rows.size());
  }
  const std::string rules = " --rules " + kSource + "/bench/accuracy/five_sources.toml";
  CliResult a = RunReclink("link --quiet --threads 2" + rules + " --out " + dir + "/a " + dir + "/source1.csv " + dir +
                           "/source2.csv " + dir + "/source3.csv");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  CliResult b = RunReclink("link --quiet --threads 1" + rules + " --out " + dir + "/b " + dir + "/shuffled/source3.csv " +
                           dir + "/shuffled/source1.csv " + dir + "/shuffled/source2.csv");
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_TRUE(ReadFile(dir + "/a/model.json") == ReadFile(dir + "/b/model.json")) << "model.json differs in " << dir;
  EXPECT_TRUE(Partition(ReadFile(dir + "/a/clusters.csv"), true) == Partition(ReadFile(dir + "/b/clusters.csv"), true));
}

// Rows whose every field but the id repeats `rows[i]` for every `every`-th row (the id gets a
// "t" in front): each twin and its original weigh exactly the same against every other record.
std::vector<std::string> WithTwins(std::vector<std::string> rows, size_t every) {
  const size_t n = rows.size();
  for (size_t i = 0; i < n; i += every) rows.push_back("t" + rows[i]);
  return rows;
}

// Greedy cluster methods break exact ties in weight by record key, not by row. Twins (records
// equal in every field but the id) weigh exactly the same against every other record, so a
// record of another source has two equally strong links into one source, of which
// one_per_source and best_link keep one: the same one whatever the rows' order.
TEST(RowOrderTest, ExactTiesBetweenConflictingLinksFollowRecordKeys) {
  const std::string dir = TempDir("order_ties");
  ASSERT_EQ(std::system((std::string(RECLINK_GEN_BINARY) + " --quiet --records 4000 --seed 5 --sources 3 --noise 0.3 "
                         "--fields first_name,last_name,address,city,postcode --out " + dir).c_str()), 0);
  std::mt19937_64 rng(4);
  std::filesystem::create_directories(dir + "/in");
  std::filesystem::create_directories(dir + "/shuffled");
  for (int k = 1; k <= 3; ++k) {
    const std::string name = "/source" + std::to_string(k) + ".csv";
    std::vector<std::string> rows = Lines(ReadFile(dir + name));
    ASSERT_GT(rows.size(), 10u);
    const std::string header = rows.front();
    rows.erase(rows.begin());
    if (k == 2) rows = WithTwins(std::move(rows), 5);
    WriteRows(dir + "/in" + name, header, rows, 0, rows.size());
    std::shuffle(rows.begin(), rows.end(), rng);
    WriteRows(dir + "/shuffled" + name, header, rows, 0, rows.size());
  }
  const std::string rules_text = ReadFile(kSource + "/bench/accuracy/five_sources.toml");
  const size_t at = rules_text.find("method = \"one_per_source\"");
  ASSERT_NE(at, std::string::npos);
  for (const std::string method : {"one_per_source", "best_link"}) {
    SCOPED_TRACE(method);
    std::string rules = rules_text;
    rules.replace(at, std::string("method = \"one_per_source\"").size(), "method = \"" + method + "\"");
    WriteFile(dir + "/" + method + ".toml", rules);
    const std::string common = "link --quiet --rules " + dir + "/" + method + ".toml --out " + dir + "/";
    CliResult a = RunReclink(common + method + "_a --threads 2 " + dir + "/in/source1.csv " + dir + "/in/source2.csv " +
                             dir + "/in/source3.csv");
    ASSERT_EQ(a.exit_code, 0) << a.err;
    CliResult b = RunReclink(common + method + "_b --threads 1 " + dir + "/shuffled/source2.csv " + dir +
                             "/shuffled/source3.csv " + dir + "/shuffled/source1.csv");
    ASSERT_EQ(b.exit_code, 0) << b.err;
    const std::set<std::set<std::string>> partition = Partition(ReadFile(dir + "/" + method + "_a/clusters.csv"), true);
    // The ties decided something: twins of which one joined a cluster and the other, equally
    // linked, was left alone.
    std::set<std::string> clustered;
    for (const std::set<std::string>& cluster : partition) {
      if (cluster.size() > 1) clustered.insert(cluster.begin(), cluster.end());
    }
    size_t decided = 0;
    for (const std::string& key : clustered) {
      if (key.rfind("source2,t", 0) == 0) decided += !clustered.count("source2," + key.substr(9));
      else if (key.rfind("source2,", 0) == 0) decided += !clustered.count("source2,t" + key.substr(8));
    }
    EXPECT_GT(decided, 10u);
    EXPECT_TRUE(partition == Partition(ReadFile(dir + "/" + method + "_b/clusters.csv"), true))
        << "clusters differ between " << dir << "/" << method << "_a and _b";
  }
}

}  // namespace
}  // namespace reclink::test
