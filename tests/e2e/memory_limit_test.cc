// --memory-limit and --temp-dir: a run whose inputs pass the limit keeps its record columns in
// files and gives the same outputs; bad values are usage or input/output errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "cli_runner.h"

namespace reclink::test {
namespace {

const std::string kSource = RECLINK_SOURCE_DIR;
const std::string kDemo = kSource + "/datasets/demo/customers.csv";
const std::string kDemoRules = kSource + "/datasets/demo/rules.toml";

std::string SummaryMemory(const std::string& summary) {
  const size_t at = summary.find("\"memory\":");
  if (at == std::string::npos) return "";
  return summary.substr(at, summary.find('}', at) - at + 1);
}

// Every output byte-identical with and without spilling, at one and two threads and with a
// parse chunk far smaller than the file (so pages are dropped between many chunks).
TEST(MemoryLimitTest, SpilledRunWritesTheSameOutputs) {
  const std::string in_memory = TempDir("mem_in_memory");
  CliResult base = RunReclink("dedupe --quiet --pairs --pairs-threshold 0.01 --threads 2 --memory-limit none --rules " +
                              kDemoRules + " --out " + in_memory + " " + kDemo);
  ASSERT_EQ(base.exit_code, 0) << base.err;
  EXPECT_EQ(SummaryMemory(ReadFile(in_memory + "/summary.json")), "");
  const std::string temp = TempDir("mem_temp");
  for (int threads : {1, 2}) {
    const std::string out = TempDir("mem_spilled" + std::to_string(threads));
    CliResult r = RunReclink("dedupe --pairs --pairs-threshold 0.01 --threads " + std::to_string(threads) +
                             " --memory-limit 64K --temp-dir " + temp + " --rules " + kDemoRules + " --out " + out +
                             " " + kDemo);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("more than --memory-limit"), std::string::npos) << r.err;
    for (const char* file : {"clusters.csv", "pairs.csv", "model.json"}) {
      EXPECT_TRUE(ReadFile(in_memory + "/" + file) == ReadFile(out + "/" + file)) << file << " differs";
    }
    const std::string memory = SummaryMemory(ReadFile(out + "/summary.json"));
    EXPECT_NE(memory.find("\"limit_bytes\": 65536"), std::string::npos) << memory;
    EXPECT_NE(memory.find("\"spilled\": true"), std::string::npos) << memory;
    // Training's counts and scoring went a partition at a time (a quarter of 64 KiB holds about
    // a hundred of the demo's rows).
    EXPECT_NE(memory.find("\"partitions\": "), std::string::npos) << memory;
    EXPECT_EQ(memory.find("\"partitions\": 1,"), std::string::npos) << memory;
  }
  // The spill files have no names: nothing is left in the temp directory.
  EXPECT_TRUE(std::filesystem::is_empty(temp));
}

// Enough candidate pairs (one block of 2,900 records: 4.2 million) that training counts a
// sample of them: under a limit, training's counts and scoring go a partition at a time, each
// gathering only the rows its pairs need (a large block's tiles in one partition), and the
// model, clusters and pairs are those of the run without a limit.
TEST(MemoryLimitTest, PartitionedTrainingSampleAndScoringGiveTheSameOutputs) {
  const std::string dir = TempDir("mem_partitions");
  std::string csv = "id,first,last,dob,grp\n";
  const char* firsts[] = {"anna", "anne", "bernd", "carla", "carl", "dora", "emil", "frieda", "gustav", "hanna"};
  for (int i = 0; i < 3400; ++i) {
    const int person = i % 1700;
    std::string first = firsts[person % 10];
    if (i >= 1700 && i % 7 == 0) first += "h";
    csv += "r" + std::to_string(i) + "," + first + ",family" + std::to_string(person % 331) + ",19" +
           std::to_string(50 + person % 40) + "-0" + std::to_string(1 + person % 9) + "-1" + std::to_string(person % 10) +
           "," + (i < 2900 ? "big" : "g" + std::to_string(i % 40)) + "\n";
  }
  WriteFile(dir + "/people.csv", csv);
  WriteFile(dir + "/rules.toml",
            "link_type = \"dedupe\"\nid = \"id\"\n"
            "[fields.first]\ncolumn = \"first\"\n[fields.last]\ncolumn = \"last\"\n"
            "[fields.dob]\ncolumn = \"dob\"\nnormalize = [\"date\"]\n[fields.grp]\ncolumn = \"grp\"\n"
            "[[blocking]]\nkeys = [\"grp\"]\n[[blocking]]\nkeys = [\"last\"]\n"
            "[[comparison]]\nfield = \"first\"\nlevels = [\"exact\", \"jaro_winkler >= 0.9\"]\ntf_adjust = true\n"
            "[[comparison]]\nfield = \"last\"\nlevels = [\"exact\"]\n"
            "[[comparison]]\nfield = \"dob\"\nlevels = [\"exact\", \"date_diff_days <= 40\"]\n");
  const std::string args = " --pairs --pairs-threshold 0.2 --rules " + dir + "/rules.toml " + dir + "/people.csv";
  CliResult a = RunReclink("dedupe --quiet --memory-limit none --out " + dir + "/a" + args);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  CliResult b = RunReclink("dedupe --quiet --memory-limit 64K --temp-dir " + dir + " --out " + dir + "/b" + args);
  ASSERT_EQ(b.exit_code, 0) << b.err;
  for (const char* file : {"clusters.csv", "pairs.csv", "model.json"}) {
    EXPECT_TRUE(ReadFile(dir + "/a/" + file) == ReadFile(dir + "/b/" + file)) << file << " differs";
  }
  const std::string summary = ReadFile(dir + "/b/summary.json");
  EXPECT_NE(summary.find("\"partitions\": "), std::string::npos) << summary;
  // Training counted a sample: the model says so.
  EXPECT_NE(ReadFile(dir + "/a/model.json").find("sample"), std::string::npos);
}

// Two inputs of different formats and columns (link mode): the first input's spilled columns
// grow in memory with the second's, and are spilled again.
TEST(MemoryLimitTest, SpilledLinkOfCsvAndJsonLinesWritesTheSameClusters) {
  const std::string dir = TempDir("mem_link");
  std::string csv = "Id,FirstName,LastName,Birth,Note\n";
  std::string jsonl;
  for (int i = 0; i < 300; ++i) {
    const std::string first = "name" + std::to_string(i % 97), last = "family" + std::to_string(i % 31);
    const std::string day = std::to_string(1 + i % 28);
    csv += "c" + std::to_string(i) + "," + first + "," + last + ",1980-01-" + (day.size() == 1 ? "0" : "") + day +
           (i % 5 == 0 ? ",\n" : ",\"a note, quoted\"\n");
    if (i % 3 == 0) continue;
    jsonl += "{\"customer_id\": " + std::to_string(1000 + i) + ", \"name\": {\"first\": \"" + first +
             "\", \"last\": \"" + last + "\"}, \"dob\": \"" + day + "/01/1980\"}\n";
  }
  WriteFile(dir + "/crm.csv", csv);
  WriteFile(dir + "/shop.jsonl", jsonl);
  WriteFile(dir + "/rules.toml",
            "link_type = \"link\"\nids = { crm = \"Id\", shop = \"customer_id\" }\n"
            "[fields.first]\ncolumns = { crm = \"FirstName\", shop = \"name.first\" }\nnormalize = [\"casefold\"]\n"
            "[fields.last]\ncolumns = { crm = \"LastName\", shop = \"name.last\" }\nnormalize = [\"casefold\"]\n"
            "[fields.dob]\ncolumns = { crm = \"Birth\", shop = \"dob\" }\nnormalize = [\"date\"]\n"
            "[[blocking]]\nkeys = [\"last\"]\n"
            "[[comparison]]\nfield = \"first\"\nlevels = [\"exact\"]\n"
            "[[comparison]]\nfield = \"dob\"\nlevels = [\"exact\"]\n"
            "[model]\nprior = 0.2\nthreshold = 0.5\n");
  const std::string args = " --rules " + dir + "/rules.toml " + dir + "/crm.csv " + dir + "/shop.jsonl";
  CliResult a = RunReclink("link --quiet --memory-limit none --out " + dir + "/a" + args);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  CliResult b = RunReclink("link --quiet --memory-limit 1K --out " + dir + "/b" + args);
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(ReadFile(dir + "/a/clusters.csv"), ReadFile(dir + "/b/clusters.csv"));
  EXPECT_NE(SummaryMemory(ReadFile(dir + "/b/summary.json")).find("\"spilled\": true"), std::string::npos);
}

// Two nights with a run state, the second incremental: the night's spilled columns meet the
// state's own (mapped) ones, and the identities and change feed are those of a run in memory.
TEST(MemoryLimitTest, SpilledNightsWithAStateGiveTheSameIdentities) {
  const std::string dir = TempDir("mem_nights");
  std::string csv = ReadFile(kDemo);
  const size_t header = csv.find('\n') + 1;
  size_t cut = header;
  for (int i = 0; i < 2000; ++i) cut = csv.find('\n', cut) + 1;
  WriteFile(dir + "/night1.csv", csv.substr(0, cut));
  WriteFile(dir + "/night2.csv", csv.substr(0, header) + csv.substr(cut));
  for (const std::string limit : {"none", "1K"}) {
    const std::string common = " --quiet --memory-limit " + limit + " --rules " + kDemoRules + " --state " + dir +
                               "/state-" + limit;
    CliResult one = RunReclink("dedupe" + common + " --out " + dir + "/one-" + limit + " " + dir + "/night1.csv");
    ASSERT_EQ(one.exit_code, 0) << one.err;
    CliResult two = RunReclink("dedupe --incremental" + common + " --out " + dir + "/two-" + limit + " " + dir +
                               "/night2.csv");
    ASSERT_EQ(two.exit_code, 0) << two.err;
  }
  for (const char* file : {"clusters.csv", "changes.csv", "model.json"}) {
    EXPECT_TRUE(ReadFile(dir + "/two-none/" + file) == ReadFile(dir + "/two-1K/" + file)) << file << " differs";
  }
  EXPECT_NE(SummaryMemory(ReadFile(dir + "/two-1K/summary.json")).find("\"spilled\": true"), std::string::npos);
}

TEST(MemoryLimitTest, BadLimitOrTempDirIsAClearError) {
  const std::string out = TempDir("mem_errors");
  CliResult bad = RunReclink("dedupe --memory-limit 12Q --rules " + kDemoRules + " --out " + out + " " + kDemo);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--memory-limit: expected a size such as 4G"), std::string::npos) << bad.err;
  CliResult zero = RunReclink("dedupe --memory-limit 0 --rules " + kDemoRules + " --out " + out + " " + kDemo);
  EXPECT_EQ(zero.exit_code, 2) << zero.err;
  CliResult missing = RunReclink("dedupe --memory-limit 1K --temp-dir " + out + "/no/such/dir --rules " + kDemoRules +
                                 " --out " + out + " " + kDemo);
  EXPECT_EQ(missing.exit_code, 4);  // as an output directory that cannot be written
  EXPECT_NE(missing.err.find("no/such/dir: error: cannot use"), std::string::npos) << missing.err;
  EXPECT_NE(missing.err.find("hint: give --temp-dir a writable directory"), std::string::npos) << missing.err;
  // Under the limit the temp directory is not needed, so it is not checked.
  CliResult roomy = RunReclink("dedupe --quiet --memory-limit 64G --temp-dir " + out + "/no/such/dir --rules " +
                               kDemoRules + " --out " + out + " " + kDemo);
  EXPECT_EQ(roomy.exit_code, 0) << roomy.err;
  EXPECT_EQ(SummaryMemory(ReadFile(out + "/summary.json")).find("\"spilled\": false") != std::string::npos, true);
}

}  // namespace
}  // namespace reclink::test
