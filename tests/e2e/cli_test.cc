// End-to-end tests of the reclink command line: outputs, determinism, model reuse, error paths
// with their messages and exit codes, and accuracy pinned on the demo and FEBRL data.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <tuple>

#include "cli_runner.h"

namespace reclink::test {
namespace {

const std::string kSource = RECLINK_SOURCE_DIR;
const std::string kDemo = kSource + "/datasets/demo/customers.csv";
const std::string kDemoRules = kSource + "/datasets/demo/rules.toml";

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream s(text);
  std::string line;
  while (std::getline(s, line)) out.push_back(line);
  return out;
}

// First CSV field of each data line (ids in these tests hold no commas or quotes).
std::multiset<std::string> Column(const std::string& csv, size_t index) {
  std::multiset<std::string> out;
  auto lines = Lines(csv);
  for (size_t i = 1; i < lines.size(); ++i) {
    std::stringstream s(lines[i]);
    std::string field;
    for (size_t k = 0; k <= index; ++k) std::getline(s, field, ',');
    out.insert(field);
  }
  return out;
}

double JsonNumberAfter(const std::string& json, const std::string& key) {
  const size_t at = json.find("\"" + key + "\":");
  if (at == std::string::npos) return -1;
  return std::stod(json.substr(at + key.size() + 3));
}

// Labels of matching pairs from the demo's truth ("id_l,id_r,match" with a header): one pair of
// each of the first `pairs` entities with two or more records, the first two of its records (in
// the other order when `reversed`). Fewer lines when the demo has fewer such entities.
std::string DemoMatchLabels(int pairs, bool reversed) {
  std::map<std::string, std::vector<std::string>> ids_of;
  const std::vector<std::string> lines = Lines(ReadFile(kDemo));
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t c1 = lines[i].find(','), c2 = lines[i].find(',', c1 + 1);
    ids_of[lines[i].substr(c1 + 1, c2 - c1 - 1)].push_back(lines[i].substr(0, c1));
  }
  std::string labels = "id_l,id_r,match\n";
  int made = 0;
  for (const auto& [entity, ids] : ids_of) {
    if (ids.size() < 2 || made == pairs) continue;
    labels += reversed ? ids[1] + "," + ids[0] + ",1\n" : ids[0] + "," + ids[1] + ",1\n";
    ++made;
  }
  return labels;
}

TEST(CliTest, DemoDedupeWritesEveryRecordExactlyOnce) {
  const std::string out = TempDir("demo");
  CliResult r = RunReclink("dedupe --rules " + kDemoRules + " --out " + out + " " + kDemo);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("candidate pairs"), std::string::npos);
  const std::string clusters = ReadFile(out + "/clusters.csv");
  EXPECT_EQ(Lines(clusters).at(0), "record_id,cluster_id");
  std::multiset<std::string> ids = Column(clusters, 0);
  std::multiset<std::string> input_ids = Column(ReadFile(kDemo), 0);
  EXPECT_EQ(ids.size(), 3000u);
  EXPECT_EQ(ids, input_ids);
  const std::string summary = ReadFile(out + "/summary.json");
  EXPECT_EQ(JsonNumberAfter(summary, "read"), 3000);
  // The summary counts what clusters.csv holds (its content is pinned by tests/golden).
  const std::multiset<std::string> cluster_ids = Column(clusters, 1);
  EXPECT_EQ(JsonNumberAfter(summary, "clusters"),
            static_cast<double>(std::set<std::string>(cluster_ids.begin(), cluster_ids.end()).size()));
  // Exactly the outputs, nothing temporary.
  std::set<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(out)) files.insert(entry.path().filename().string());
  EXPECT_EQ(files, (std::set<std::string>{"clusters.csv", "model.json", "summary.json"}));
}

// The executable names its allocator, and a jemalloc build really runs on jemalloc with huge
// pages: jemalloc's own exit statistics (MALLOC_CONF=stats_print) print the options in effect.
TEST(CliTest, VersionNamesTheAllocatorInEffect) {
  CliResult v = RunReclink("--version");
  ASSERT_EQ(v.exit_code, 0) << v.err;
#if defined(RECLINK_EXPECT_JEMALLOC)
  // Small pages for the process (allocator.cc), unless MALLOC_CONF names a thp option.
#if defined(__linux__)
  EXPECT_NE(v.out.find("(jemalloc, small pages)"), std::string::npos) << v.out;
#endif
  ASSERT_EQ(setenv("MALLOC_CONF", "stats_print:true", 1), 0);
  CliResult stats = RunReclink("--version");
  // MALLOC_CONF still overrides the compiled-in options (docs/performance.md).
  ASSERT_EQ(setenv("MALLOC_CONF", "stats_print:true,thp:always", 1), 0);
  CliResult on = RunReclink("--version");
  unsetenv("MALLOC_CONF");
  // Compiled in: no huge-page advice at all (allocator.cc), not even for jemalloc's metadata.
  EXPECT_NE(stats.err.find("opt.thp: \"default\""), std::string::npos) << stats.err.substr(0, 2000);
  EXPECT_NE(stats.err.find("opt.metadata_thp: \"disabled\""), std::string::npos) << stats.err.substr(0, 2000);
  EXPECT_NE(on.err.find("opt.thp: \"always\""), std::string::npos) << on.err.substr(0, 2000);
  EXPECT_NE(on.out.find("(jemalloc, pages as MALLOC_CONF says)"), std::string::npos) << on.out;
#else
  EXPECT_NE(v.out.find("(system malloc"), std::string::npos) << v.out;
#endif
}

TEST(CliTest, SameOutputWhateverTheThreadCount) {
  std::string reference_clusters, reference_pairs, reference_model;
  for (int threads : {1, 2, 8}) {
    const std::string out = TempDir("threads" + std::to_string(threads));
    CliResult r = RunReclink("dedupe --quiet --pairs --pairs-threshold 0.01 --threads " + std::to_string(threads) +
                             " --rules " + kDemoRules + " --out " + out + " " + kDemo);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string clusters = ReadFile(out + "/clusters.csv");
    const std::string pairs = ReadFile(out + "/pairs.csv");
    const std::string model = ReadFile(out + "/model.json");
    EXPECT_EQ(r.out, "");  // --quiet
    if (threads == 1) {
      reference_clusters = clusters;
      reference_pairs = pairs;
      reference_model = model;
      EXPECT_GT(Lines(pairs).size(), 1000u);
    } else {
      // EXPECT_TRUE: the files are too long to print on failure.
      EXPECT_TRUE(clusters == reference_clusters) << "clusters.csv differs at threads " << threads;
      EXPECT_TRUE(pairs == reference_pairs) << "pairs.csv differs at threads " << threads;
      EXPECT_TRUE(model == reference_model) << "model.json differs at threads " << threads;
    }
  }
}

// A run scoring with a saved model builds its comparisons in the locality order at once
// (forced on here with RECLINK_LOCALITY=1), and a full night with --state writes records.bin a
// block of rows at a time: both the same at 1, 2 and 8 threads (outputs and the next state's files).
TEST(CliTest, ASavedModelsRunAndAFullNightAreTheSameWhateverTheThreadCount) {
  const std::string dir = TempDir("saved_model_threads");
  const std::string model = dir + "/model.json", first_state = dir + "/state";
  ASSERT_EQ(RunReclink("train --quiet --rules " + kDemoRules + " --model-out " + model + " " + kDemo).exit_code, 0);
  ASSERT_EQ(RunReclink("dedupe --quiet --rules " + kDemoRules + " --state " + first_state + " --out " + dir +
                       "/night1 " + kDemo).exit_code, 0);
  std::map<std::string, std::string> reference;
  for (int threads : {1, 2, 8}) {
    const std::string t = std::to_string(threads);
    const std::string out = dir + "/model_" + t, night = dir + "/night_" + t, state = dir + "/state_" + t;
    ASSERT_EQ(setenv("RECLINK_LOCALITY", "1", 1), 0);
    CliResult r = RunReclink("dedupe --quiet --pairs --pairs-threshold 0.01 --threads " + t + " --model " + model +
                             " --rules " + kDemoRules + " --out " + out + " " + kDemo);
    unsetenv("RECLINK_LOCALITY");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::filesystem::copy(first_state, state);
    r = RunReclink("dedupe --quiet --threads " + t + " --rules " + kDemoRules + " --state " + state + " --out " +
                   night + " " + kDemo);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::map<std::string, std::string> files = {
        {"clusters.csv", ReadFile(out + "/clusters.csv")},      {"pairs.csv", ReadFile(out + "/pairs.csv")},
        {"night clusters.csv", ReadFile(night + "/clusters.csv")}, {"records.bin", ReadFile(state + "/records.bin")},
        {"identities.bin", ReadFile(state + "/identities.bin")}};
    if (threads == 1) {
      reference = files;
      EXPECT_GT(Lines(files.at("pairs.csv")).size(), 1000u);
      EXPECT_GT(files.at("records.bin").size(), 100000u);
      continue;
    }
    for (const auto& [name, text] : files) {
      EXPECT_TRUE(text == reference.at(name)) << name << " differs at threads " << threads;
    }
  }
}

// Without --pairs most pairs are rejected before every comparison is computed; the clusters
// must be exactly those of full scoring.
TEST(CliTest, DecidingEarlyGivesTheSameClustersAsFullScoring) {
  const std::string full = TempDir("full"), early = TempDir("early");
  ASSERT_EQ(RunReclink("dedupe --quiet --pairs --rules " + kDemoRules + " --out " + full + " " + kDemo).exit_code, 0);
  ASSERT_EQ(RunReclink("dedupe --quiet --rules " + kDemoRules + " --out " + early + " " + kDemo).exit_code, 0);
  EXPECT_TRUE(ReadFile(full + "/clusters.csv") == ReadFile(early + "/clusters.csv")) << "clusters differ";
  const std::string summary_full = ReadFile(full + "/summary.json"), summary_early = ReadFile(early + "/summary.json");
  EXPECT_EQ(JsonNumberAfter(summary_full, "edges"), JsonNumberAfter(summary_early, "edges"));
}

TEST(CliTest, SavedModelScoresWithoutRetrainingAndTrainWritesTheSameModel) {
  const std::string out = TempDir("model_a");
  ASSERT_EQ(RunReclink("dedupe --quiet --rules " + kDemoRules + " --out " + out + " " + kDemo).exit_code, 0);
  const std::string model = out + "/model.json";
  const std::string out2 = TempDir("model_b");
  CliResult r = RunReclink("dedupe --quiet --model " + model + " --rules " + kDemoRules + " --out " + out2 + " " + kDemo);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(ReadFile(out2 + "/clusters.csv") == ReadFile(out + "/clusters.csv")) << "clusters.csv differs";
  const std::string trained = TempDir("train") + "/m.json";
  r = RunReclink("train --quiet --rules " + kDemoRules + " --model-out " + trained + " " + kDemo);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(ReadFile(trained) == ReadFile(model)) << "model.json differs";
}

TEST(CliTest, ModelThatDoesNotFitTheRulesIsRefused) {
  const std::string dir = TempDir("misfit");
  const std::string out = dir + "/out";
  ASSERT_EQ(RunReclink("dedupe --quiet --rules " + kDemoRules + " --out " + out + " " + kDemo).exit_code, 0);
  std::string rules = ReadFile(kDemoRules);
  rules = std::regex_replace(rules, std::regex("jaro_winkler >= 0.92"), "jaro_winkler >= 0.95");
  WriteFile(dir + "/rules.toml", rules);
  CliResult r = RunReclink("dedupe --rules " + dir + "/rules.toml --model " + out + "/model.json --out " + dir +
                           "/o2 " + kDemo);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("model.json: error: comparison 'first' level 2 is 'jaro_winkler >= 0.92' in the model but "
                       "'jaro_winkler >= 0.95' in the rules file"),
            std::string::npos)
      << r.err;
}

// A tiny file scored with a hand-written model: the clusters are known exactly.
TEST(CliTest, HandWrittenModelGivesExpectedClusters) {
  const std::string dir = TempDir("tiny");
  WriteFile(dir + "/people.csv",
            "id,first,last,dob\n"
            "a1,Anna,Smith,1980-01-02\n"
            "a2,ANNA,smith,1980-01-02\n"
            "b1,Bob,Jones,1975-05-05\n"
            "b2,Rob,Jones,1975-05-05\n"
            "c1,Cara,Smith,1990-09-09\n"
            "a3,Anne,Smith,1980-01-02\n");
  WriteFile(dir + "/rules.toml",
            "id = \"id\"\n"
            "[fields.first]\ncolumn = \"first\"\nnormalize = [\"casefold\"]\n"
            "[fields.last]\ncolumn = \"last\"\nnormalize = [\"casefold\"]\n"
            "[fields.dob]\ncolumn = \"dob\"\nnormalize = [\"date\"]\n"
            "[[blocking]]\nkeys = [\"last\"]\n"
            "[[comparison]]\nfield = \"first\"\nlevels = [\"exact\", \"jaro_winkler >= 0.85\"]\n"
            "[[comparison]]\nfield = \"dob\"\nlevels = [\"exact\"]\n"
            "[model]\nthreshold = 0.5\n");
  WriteFile(dir + "/model.json",
            "{\"prior\": 0.01, \"comparisons\": ["
            "{\"name\": \"first\", \"levels\": [{\"label\": \"null\", \"m\": 1, \"u\": 1},"
            " {\"label\": \"exact\", \"m\": 0.8, \"u\": 0.01}, {\"label\": \"jaro_winkler >= 0.85\", \"m\": 0.15, \"u\": 0.02},"
            " {\"label\": \"else\", \"m\": 0.05, \"u\": 0.97}]},"
            "{\"name\": \"dob\", \"levels\": [{\"label\": \"null\", \"m\": 1, \"u\": 1},"
            " {\"label\": \"exact\", \"m\": 0.9, \"u\": 0.001}, {\"label\": \"else\", \"m\": 0.1, \"u\": 0.999}]}]}");
  CliResult r = RunReclink("dedupe --quiet --rules " + dir + "/rules.toml --model " + dir + "/model.json --out " +
                           dir + "/out " + dir + "/people.csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Anna/ANNA/Anne Smith share a dob and similar names; Bob and Rob Jones are only
  // jaro_winkler 0.78 apart on first name, below 0.85, but share a dob: weight
  // log2(0.01/0.99) + log2(0.05/0.97) + log2(0.9/0.001) = -6.63 - 4.28 + 9.81 < 0 -> apart.
  EXPECT_EQ(ReadFile(dir + "/out/clusters.csv"),
            "record_id,cluster_id\na1,a1\na2,a1\nb1,b1\nb2,b2\nc1,c1\na3,a1\n");
  // explain shows the waterfall for one pair.
  r = RunReclink("explain --rules " + dir + "/rules.toml --model " + dir + "/model.json --pair a1 a3 " + dir +
                 "/people.csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("jaro_winkler >= 0.85"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("match probability"), std::string::npos);
  r = RunReclink("explain --json --rules " + dir + "/rules.toml --model " + dir + "/model.json --pair a1 b1 " + dir +
                 "/people.csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"label\": \"else\""), std::string::npos) << r.out;
  r = RunReclink("explain --rules " + dir + "/rules.toml --model " + dir + "/model.json --pair a1 zz " + dir +
                 "/people.csv");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("record id 'zz' is not in the inputs"), std::string::npos) << r.err;
}

// explain in link mode takes the documented order: --pair SOURCE:ID SOURCE:ID, then the inputs.
TEST(CliTest, ExplainInLinkModeTakesThePairBeforeTheInputs) {
  const std::string golden = kSource + "/tests/golden/demo_link", out = TempDir("explain_link");
  const std::string inputs = " " + golden + "/crm.csv " + golden + "/shop.csv";
  ASSERT_EQ(RunReclink("link --quiet --rules " + golden + "/rules.toml --out " + out + inputs).exit_code, 0);
  CliResult r = RunReclink("explain --rules " + golden + "/rules.toml --model " + out + "/model.json --pair crm:2 shop:1" +
                           inputs);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("explain crm:2 ~ shop:1"), std::string::npos) << r.out;
  // And after the inputs, as before.
  r = RunReclink("explain --rules " + golden + "/rules.toml --model " + out + "/model.json" + inputs +
                 " --pair crm:2 shop:1");
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(CliTest, RulesFileErrorNamesFileLineAndExitsTwo) {
  const std::string dir = TempDir("badrules");
  WriteFile(dir + "/rules.toml", "id = \"record_id\"\nlink_typo = \"dedupe\"\n");
  CliResult r = RunReclink("dedupe --rules " + dir + "/rules.toml --out " + dir + "/out " + kDemo);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(dir + "/rules.toml:2:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("link_typo"), std::string::npos) << r.err;
  // A field naming a column the input lacks.
  std::string rules = std::regex_replace(ReadFile(kDemoRules), std::regex("column = \"postcode\""),
                                         "column = \"post_code\"");
  WriteFile(dir + "/rules2.toml", rules);
  r = RunReclink("dedupe --rules " + dir + "/rules2.toml --out " + dir + "/out " + kDemo);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("post_code"), std::string::npos) << r.err;
}

TEST(CliTest, BadRecordFailsWithLocationOrIsQuarantined) {
  const std::string dir = TempDir("badrecord");
  std::string data = ReadFile(kDemo);
  // Line 3 (the second record) loses its last field.
  auto lines = Lines(data);
  lines[2] = lines[2].substr(0, lines[2].rfind(','));
  std::string broken;
  for (const std::string& l : lines) broken += l + "\n";
  WriteFile(dir + "/customers.csv", broken);
  CliResult r = RunReclink("dedupe --rules " + kDemoRules + " --out " + dir + "/out " + dir + "/customers.csv");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find(dir + "/customers.csv:3:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--on-bad-record"), std::string::npos) << r.err;
  r = RunReclink("dedupe --quiet --on-bad-record quarantine --rules " + kDemoRules + " --out " + dir + "/out " + dir +
                 "/customers.csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Column(ReadFile(dir + "/out/clusters.csv"), 0).size(), 2999u);
  const std::string rejects = ReadFile(dir + "/out/rejects.csv");
  EXPECT_NE(rejects.find(lines[2].substr(0, 20)), std::string::npos) << rejects;
  const std::string summary = ReadFile(dir + "/out/summary.json");
  EXPECT_EQ(JsonNumberAfter(summary, "quarantined"), 1);
  EXPECT_EQ(JsonNumberAfter(summary, "read"), 2999);
}

TEST(CliTest, DuplicateIdAndMissingInputAreInputErrors) {
  const std::string dir = TempDir("dupid");
  std::string data = ReadFile(kDemo);
  auto lines = Lines(data);
  lines[3] = "1" + lines[3].substr(lines[3].find(','));  // record id 1 again
  std::string dup;
  for (const std::string& l : lines) dup += l + "\n";
  WriteFile(dir + "/customers.csv", dup);
  CliResult r = RunReclink("dedupe --rules " + kDemoRules + " --out " + dir + "/out " + dir + "/customers.csv");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("duplicate"), std::string::npos) << r.err;
  r = RunReclink("dedupe --rules " + kDemoRules + " --out " + dir + "/out " + dir + "/missing.csv");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("missing.csv"), std::string::npos) << r.err;
}

TEST(CliTest, NoCandidatePairsIsAClearError) {
  const std::string dir = TempDir("nopairs");
  WriteFile(dir + "/p.csv", "id,name\n1,ann\n2,bob\n3,cid\n");
  WriteFile(dir + "/rules.toml",
            "id = \"id\"\n[fields.name]\ncolumn = \"name\"\n[[blocking]]\nkeys = [\"name\"]\n"
            "[[comparison]]\nfield = \"name\"\nlevels = [\"exact\"]\n");
  CliResult r = RunReclink("dedupe --rules " + dir + "/rules.toml --out " + dir + "/out " + dir + "/p.csv");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("no candidate pairs"), std::string::npos) << r.err;
}

TEST(CliTest, UsageErrorsExitTwo) {
  EXPECT_EQ(RunReclink("").exit_code, 2);
  EXPECT_EQ(RunReclink("dedupe --out x " + kDemo).exit_code, 2);  // --rules missing
  CliResult r = RunReclink("dedupe --rules " + kDemoRules + " --out x --on-bad-record maybe " + kDemo);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--on-bad-record"), std::string::npos);
  EXPECT_EQ(RunReclink("--help").exit_code, 0);
  // A misspelt option or command is named with the closest real one.
  r = RunReclink("dedupe --rulez " + kDemoRules + " --out x " + kDemo);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown option '--rulez' for dedupe; did you mean '--rules'?"), std::string::npos) << r.err;
  r = RunReclink("dedup --rules " + kDemoRules);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown command 'dedup'; did you mean 'dedupe'?"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("the commands are profile, blocks, dedupe, link, train, report, evaluate and explain"), std::string::npos)
      << r.err;
}

TEST(CliTest, ProfileAndBlocksDescribeTheDemo) {
  CliResult r = RunReclink("profile " + kDemo);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("first_name"), std::string::npos);
  r = RunReclink("profile --json " + kDemo);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"distinct\""), std::string::npos) << r.out.substr(0, 400);
  EXPECT_NE(r.out.find("\"input\":\"" + kDemo + "\""), std::string::npos) << r.out.substr(0, 200);
  // Several inputs: one document, one object per input.
  r = RunReclink("profile --json " + kDemo + " copy=" + kDemo);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("{\"inputs\": [", 0), 0u) << r.out.substr(0, 200);
  EXPECT_EQ(r.out.substr(r.out.size() - 4), "\n]}\n");
  r = RunReclink("blocks --rules " + kDemoRules + " " + kDemo);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("largest blocks"), std::string::npos);
  // blocks and dedupe agree on the candidate pair count.
  CliResult j = RunReclink("blocks --json --rules " + kDemoRules + " " + kDemo);
  const std::string out = TempDir("blocks_vs_dedupe");
  ASSERT_EQ(RunReclink("dedupe --quiet --rules " + kDemoRules + " --out " + out + " " + kDemo).exit_code, 0);
  EXPECT_EQ(JsonNumberAfter(j.out, "candidate_pairs"), JsonNumberAfter(ReadFile(out + "/summary.json"), "candidate_pairs"));
  // The demo rules' pairs on the demo data, its placeholder e-mail, phone, birth date and names
  // read as null (3,687 with them kept).
  EXPECT_EQ(JsonNumberAfter(j.out, "candidate_pairs"), 2367);
}

// --json: dedupe and link print summary.json's content on stdout, train the model.
TEST(CliTest, JsonPrintsTheSummaryOrTheModelOnStdout) {
  const std::string out = TempDir("json_summary");
  CliResult r = RunReclink("dedupe --json --rules " + kDemoRules + " --out " + out + " " + kDemo);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string written = ReadFile(out + "/summary.json");
  EXPECT_EQ(r.out.substr(0, 40), written.substr(0, 40));
  EXPECT_EQ(JsonNumberAfter(r.out, "candidate_pairs"), JsonNumberAfter(written, "candidate_pairs"));
  EXPECT_EQ(r.out.find("reclink dedupe:"), std::string::npos);  // no readable summary mixed in
  r = RunReclink("train --json --rules " + kDemoRules + " --model-out " + out + "/model.json " + kDemo);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, ReadFile(out + "/model.json"));
}

// Linking a CSV with a JSON Lines file whose columns are named differently.
TEST(CliTest, LinksCsvWithJsonLinesAcrossColumnNames) {
  const std::string dir = TempDir("link");
  WriteFile(dir + "/crm.csv", "Id,FirstName,LastName,Birth\nc1,Ann,Smith,1980-01-02\nc2,Bob,Jones,1975-05-05\n"
                              "c3,Cy,Young,1960-03-04\nc4,Di,Young,1961-07-08\n");
  WriteFile(dir + "/shop.jsonl",
            "{\"customer_id\": 11, \"name\": {\"first\": \"ann\", \"last\": \"SMITH\"}, \"dob\": \"02/01/1980\"}\n"
            "{\"customer_id\": 12, \"name\": {\"first\": \"Robert\", \"last\": \"Jones\"}, \"dob\": \"05/05/1975\"}\n"
            "{\"customer_id\": 13, \"name\": {\"first\": \"Cy\", \"last\": \"Young\"}, \"dob\": \"04/03/1960\"}\n"
            "{\"customer_id\": 14, \"name\": {\"first\": \"Eve\", \"last\": \"Stone\"}, \"dob\": null}\n");
  WriteFile(dir + "/rules.toml",
            "link_type = \"link\"\nids = { crm = \"Id\", shop = \"customer_id\" }\n"
            "[fields.first]\ncolumns = { crm = \"FirstName\", shop = \"name.first\" }\nnormalize = [\"casefold\"]\n"
            "[fields.last]\ncolumns = { crm = \"LastName\", shop = \"name.last\" }\nnormalize = [\"casefold\"]\n"
            "[fields.dob]\ncolumns = { crm = \"Birth\", shop = \"dob\" }\nnormalize = [\"date\"]\n"
            "[[blocking]]\nkeys = [\"last\"]\n"
            "[[comparison]]\nfield = \"first\"\nlevels = [\"exact\"]\n"
            "[[comparison]]\nfield = \"dob\"\nlevels = [\"exact\"]\n"
            "[model]\nprior = 0.2\nthreshold = 0.5\n");
  CliResult r = RunReclink("link --quiet --rules " + dir + "/rules.toml --out " + dir + "/out " + dir + "/crm.csv " +
                           dir + "/shop.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string clusters = ReadFile(dir + "/out/clusters.csv");
  auto lines = Lines(clusters);
  ASSERT_EQ(lines.size(), 9u) << clusters;
  EXPECT_EQ(lines[0], "source,record_id,cluster_id");
  std::map<std::string, std::string> cluster_of;
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t c1 = lines[i].find(','), c2 = lines[i].rfind(',');
    cluster_of[lines[i].substr(0, c2)] = lines[i].substr(c2 + 1);
    (void)c1;
  }
  EXPECT_EQ(cluster_of["crm,c1"], cluster_of["shop,11"]);
  EXPECT_EQ(cluster_of["crm,c3"], cluster_of["shop,13"]);
  EXPECT_NE(cluster_of["crm,c4"], cluster_of["shop,13"]);
  EXPECT_NE(cluster_of["shop,14"], cluster_of["crm,c1"]);
  EXPECT_EQ(cluster_of["crm,c1"], "crm:c1");

  // Evaluate against a truth pairs file (with a header row; SOURCE:ID picks the source).
  WriteFile(dir + "/truth.csv", "id_l,id_r\ncrm:c1,shop:11\ncrm:c2,shop:12\ncrm:c3,shop:13\n");
  r = RunReclink("evaluate --json --truth-pairs " + dir + "/truth.csv --rules " + dir + "/rules.toml " + dir +
                 "/crm.csv " + dir + "/shop.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string p = r.out.substr(r.out.find("\"pairwise\""));
  EXPECT_EQ(JsonNumberAfter(p, "true_pairs"), 3);
  EXPECT_EQ(JsonNumberAfter(p, "precision"), 1);
  // Bob/Robert Jones differ on first name: that true pair is missed.
  EXPECT_NEAR(JsonNumberAfter(p, "recall"), 2.0 / 3.0, 1e-9);
  WriteFile(dir + "/bad_truth.csv", "id_l,id_r\ncrm:c1,shop:11\ncrm:c9,shop:12\n");
  r = RunReclink("evaluate --truth-pairs " + dir + "/bad_truth.csv --rules " + dir + "/rules.toml " + dir +
                 "/crm.csv " + dir + "/shop.jsonl");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("bad_truth.csv:3:1: error: record id 'crm:c9' not found in the inputs"), std::string::npos) << r.err;
}

// Accuracy pinned on the shipped demo data: a drop fails the test.
TEST(AccuracyTest, DemoDataPairwiseAndBlockingRecall) {
  CliResult r = RunReclink("evaluate --json --rules " + kDemoRules + " --truth entity_id " + kDemo);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const size_t pairwise = r.out.find("\"pairwise\"");
  ASSERT_NE(pairwise, std::string::npos);
  const std::string p = r.out.substr(pairwise);
  // Pins sit 0.002 below the values measured when they were set (precision 0.98591, recall
  // 0.97819, F1 0.98203, blocking recall 0.99385; its placeholder values read as null), so a
  // regression fails. The rules set no threshold: the model chooses its own (docs/model.md), so
  // nothing here is tuned to this file.
  EXPECT_GE(JsonNumberAfter(p, "precision"), 0.9839) << r.out.substr(0, 600);
  EXPECT_GE(JsonNumberAfter(p, "recall"), 0.9761) << r.out.substr(0, 600);
  EXPECT_GE(JsonNumberAfter(p, "f1"), 0.9800) << r.out.substr(0, 600);
  EXPECT_GE(JsonNumberAfter(r.out, "blocking_recall"), 0.9918);
}

// The shared datasets are present in CI: a missing one there fails rather than skips.
void SkipUnlessInCi(const std::string& what) {
  const char* ci = std::getenv("CI");
  if (ci != nullptr && std::string(ci) == "true") FAIL() << what << " is missing, and CI must run this test";
  GTEST_SKIP() << what << " not present";
}

// FEBRL files from ../shared with an entity column derived from rec_id (rec-N-org/dup-k).
std::string FebrlWithTruth(const std::string& name, const std::string& dir) {
  const std::string path = std::string(RECLINK_SHARED_DIR) + "/datasets/febrl/" + name + ".csv";
  std::string text = ReadFile(path);
  if (text.empty()) return "";
  std::string out;
  std::regex id("^rec-([0-9]+)-");
  bool header = true;
  for (std::string line : Lines(text)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (header) {
      out += line + ", entity\n";
      header = false;
      continue;
    }
    std::smatch m;
    if (!std::regex_search(line, m, id)) continue;
    out += line + ", " + m[1].str() + "\n";
  }
  const std::string file = dir + "/" + name + ".csv";
  WriteFile(file, out);
  return file;
}

TEST(AccuracyTest, FebrlDataset3Dedupe) {
  const std::string dir = TempDir("febrl3");
  const std::string file = FebrlWithTruth("dataset3", dir);
  if (file.empty()) return SkipUnlessInCi("../shared/datasets/febrl/dataset3.csv");
  CliResult r = RunReclink("evaluate --json --trim-spaces --rules " + kSource + "/docs/examples/febrl3.toml --truth entity " + file);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string p = r.out.substr(r.out.find("\"pairwise\""));
  // 0.002 below the measured precision 1, recall 0.99862, F1 0.99931 (the model's own threshold).
  EXPECT_GE(JsonNumberAfter(p, "precision"), 0.998) << r.out.substr(0, 600);
  EXPECT_GE(JsonNumberAfter(p, "recall"), 0.9966) << r.out.substr(0, 600);
  EXPECT_GE(JsonNumberAfter(p, "f1"), 0.9973) << r.out.substr(0, 600);
}

// FEBRL datasets 1 and 2 with dataset 3's rules (the same columns; written for dataset 3, not
// tuned to these). Dataset 1: 500 originals each with one duplicate; dataset 2: 4,000 originals
// and 1,000 duplicates (1,934 true pairs).
TEST(AccuracyTest, FebrlDatasets1And2DedupeWithDataset3sRules) {
  const std::string dir = TempDir("febrl12");
  // 0.002 below the measured precision 1 / 1, recall 0.99200 / 0.99638, F1 0.99598 / 0.99819.
  const struct {
    const char* name;
    double precision, recall, f1;
  } sets[] = {{"dataset1", 0.998, 0.9900, 0.9939}, {"dataset2", 0.998, 0.9943, 0.9961}};
  for (const auto& set : sets) {
    const std::string file = FebrlWithTruth(set.name, dir);
    if (file.empty()) return SkipUnlessInCi(std::string("../shared/datasets/febrl/") + set.name + ".csv");
    CliResult r = RunReclink("evaluate --json --trim-spaces --rules " + kSource + "/docs/examples/febrl3.toml --truth entity " + file);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string p = r.out.substr(r.out.find("\"pairwise\""));
    EXPECT_GE(JsonNumberAfter(p, "precision"), set.precision) << set.name << r.out.substr(0, 600);
    EXPECT_GE(JsonNumberAfter(p, "recall"), set.recall) << set.name << r.out.substr(0, 600);
    EXPECT_GE(JsonNumberAfter(p, "f1"), set.f1) << set.name << r.out.substr(0, 600);
  }
}

// Splink's two fake_1000 fixtures (../shared/datasets/splink_fake_1000; truth column `cluster`),
// with the rules written for fake_20000 (bench/accuracy/fake_20000.toml; the same columns). Both
// are weak today: the model's cut sits far above the best one (best F1 0.7954 and 0.9422 at -10
// bits), because the rule fits expect too few matches (1,433 where there are 2,975 in the demos'
// file; docs/model.md section 3). The pins catch a regression and should rise when that is fixed.
// fake_1000 rose from F1 0.74047 (recall 0.58789) when m got half a pair per level (section 4).
TEST(AccuracyTest, SplinkFake1000Fixtures) {
  // 0.002 below the measured precision 1 / 1, recall 0.59872 / 0.67160, F1 0.74900 / 0.80354.
  const struct {
    const char* name;
    double precision, recall, f1;
  } sets[] = {{"fake_1000", 0.998, 0.5967, 0.7470}, {"fake_1000_from_splink_demos", 0.998, 0.6696, 0.8015}};
  for (const auto& set : sets) {
    const std::string file = std::string(RECLINK_SHARED_DIR) + "/datasets/splink_fake_1000/" + set.name + ".csv";
    if (ReadFile(file).empty()) return SkipUnlessInCi(file);
    CliResult r = RunReclink("evaluate --json --rules " + kSource + "/bench/accuracy/fake_20000.toml --truth cluster " + file);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string p = r.out.substr(r.out.find("\"pairwise\""));
    EXPECT_GE(JsonNumberAfter(p, "precision"), set.precision) << set.name << r.out.substr(0, 600);
    EXPECT_GE(JsonNumberAfter(p, "recall"), set.recall) << set.name << r.out.substr(0, 600);
    EXPECT_GE(JsonNumberAfter(p, "f1"), set.f1) << set.name << r.out.substr(0, 600);
  }
}

// [model] refine_rounds: m refitted on the pairs inside the run's own clusters, twice, on the
// same Splink files and rules. Pins 0.002 below the measured precision 1 / 1, recall 0.62777 /
// 0.85681, F1 0.77132 / 0.92288 (without the refit: 0.74047 / 0.80354, above). The refit is the
// same whatever the thread count, and model.json says where m came from.
TEST(AccuracyTest, RefitOnTheRunsOwnClustersRaisesRecallOnSplinksFakeData) {
  const struct {
    const char* name;
    double precision, recall, f1;
  } sets[] = {{"fake_1000", 0.998, 0.6257, 0.7693}, {"fake_1000_from_splink_demos", 0.998, 0.8548, 0.9208}};
  const std::string dir = TempDir("refine");
  WriteFile(dir + "/rules.toml", ReadFile(kSource + "/bench/accuracy/fake_20000.toml") + "\n[model]\nrefine_rounds = 2\n");
  for (const auto& set : sets) {
    const std::string file = std::string(RECLINK_SHARED_DIR) + "/datasets/splink_fake_1000/" + set.name + ".csv";
    if (ReadFile(file).empty()) return SkipUnlessInCi(file);
    const std::string out1 = dir + "/" + set.name + "-t1", out2 = dir + "/" + set.name + "-t2";
    CliResult r = RunReclink("dedupe --json --threads 2 --truth cluster --rules " + dir + "/rules.toml --out " + out2 + " " + file);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string p = r.out.substr(r.out.find("\"pairwise\""));
    EXPECT_GE(JsonNumberAfter(p, "precision"), set.precision) << set.name << r.out.substr(0, 600);
    EXPECT_GE(JsonNumberAfter(p, "recall"), set.recall) << set.name << r.out.substr(0, 600);
    EXPECT_GE(JsonNumberAfter(p, "f1"), set.f1) << set.name << r.out.substr(0, 600);
    ASSERT_EQ(RunReclink("dedupe --quiet --threads 1 --rules " + dir + "/rules.toml --out " + out1 + " " + file).exit_code, 0);
    EXPECT_EQ(ReadFile(out1 + "/clusters.csv"), ReadFile(out2 + "/clusters.csv")) << set.name;
    EXPECT_EQ(ReadFile(out1 + "/model.json"), ReadFile(out2 + "/model.json")) << set.name;
    EXPECT_NE(ReadFile(out2 + "/model.json").find("refine round 2, pairs inside clusters: "), std::string::npos);
  }
}

TEST(AccuracyTest, FebrlDataset4Link) {
  const std::string dir = TempDir("febrl4");
  const std::string a = FebrlWithTruth("dataset4a", dir), b = FebrlWithTruth("dataset4b", dir);
  if (a.empty() || b.empty()) return SkipUnlessInCi("../shared/datasets/febrl/dataset4a.csv and 4b");
  CliResult r = RunReclink("evaluate --json --trim-spaces --rules " + kSource + "/docs/examples/febrl4.toml --truth entity " + a + " " + b);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string p = r.out.substr(r.out.find("\"pairwise\""));
  // 0.002 below the measured precision 1, recall 0.9996, F1 0.99980 (the model's own threshold,
  // chosen by the final model's probabilities since best_link makes links compete).
  EXPECT_GE(JsonNumberAfter(p, "precision"), 0.998) << r.out.substr(0, 600);
  EXPECT_GE(JsonNumberAfter(p, "recall"), 0.9976) << r.out.substr(0, 600);
  EXPECT_GE(JsonNumberAfter(p, "f1"), 0.9978) << r.out.substr(0, 600);
}

// RLdata10000 (R's RecordLinkage package, 1,000 true pairs among 10,000 records), with the rules
// a new user would write (docs/examples/rldata10000.toml), never tuned to it.
TEST(AccuracyTest, RLdata10000Dedupe) {
  const std::string file = std::string(RECLINK_SHARED_DIR) + "/datasets/rldata/RLdata10000.csv";
  if (ReadFile(file).empty()) return SkipUnlessInCi(file);
  CliResult r = RunReclink("evaluate --json --rules " + kSource + "/docs/examples/rldata10000.toml --truth ent_id " + file);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string p = r.out.substr(r.out.find("\"pairwise\""));
  // Just below the measured precision 0.91450 (984 of 1,076 predicted pairs), recall 0.98400,
  // F1 0.94798, at the model's own threshold (even odds here).
  EXPECT_GE(JsonNumberAfter(p, "precision"), 0.9135) << r.out.substr(0, 600);
  EXPECT_GE(JsonNumberAfter(p, "recall"), 0.9830) << r.out.substr(0, 600);
  EXPECT_GE(JsonNumberAfter(p, "f1"), 0.9470) << r.out.substr(0, 600);
}

}  // namespace
}  // namespace reclink::test

namespace reclink::test {
namespace {

// Generated data at a fixed seed, in CSV and in JSON Lines (nested objects, read by dotted
// paths): accuracy is pinned, and both formats give the same clusters.
TEST(AccuracyTest, GeneratedDataAtFixedSeedInCsvAndJsonLines) {
  const std::string dir = TempDir("generated");
  const std::string gen = std::string(RECLINK_GEN_BINARY) + " --quiet --records 20000 --seed 7 --out " + dir;
  ASSERT_EQ(std::system((gen + "/g.csv").c_str()), 0);
  ASSERT_EQ(std::system((gen + "/g.jsonl --format jsonl").c_str()), 0);
  CliResult r = RunReclink("evaluate --json --rules " + kDemoRules + " --truth entity_id " + dir + "/g.csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string p = r.out.substr(r.out.find("\"pairwise\""));
  // Held out for the demo rules (written for datasets/demo), at the model's own threshold:
  // 0.002 below the measured precision 0.96860, recall 0.97705, F1 0.97281, blocking recall
  // 0.99468 (placeholder values read as null; before that 0.96346, 0.97531, 0.96935, 0.99477).
  EXPECT_GE(JsonNumberAfter(p, "precision"), 0.9666) << r.out.substr(0, 600);
  EXPECT_GE(JsonNumberAfter(p, "recall"), 0.9750) << r.out.substr(0, 600);
  EXPECT_GE(JsonNumberAfter(p, "f1"), 0.9708) << r.out.substr(0, 600);
  EXPECT_GE(JsonNumberAfter(r.out, "blocking_recall"), 0.9927);

  std::string rules = ReadFile(kDemoRules);
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"\"first_name\"", "\"name.first\""}, {"\"last_name\"", "\"name.last\""},
           {"\"city\"", "\"address.city\""}, {"\"postcode\"", "\"address.postcode\""}}) {
    rules = std::regex_replace(rules, std::regex("column = " + from), "column = " + to);
  }
  WriteFile(dir + "/jsonl.toml", rules);
  ASSERT_EQ(RunReclink("dedupe --quiet --rules " + kDemoRules + " --out " + dir + "/csv " + dir + "/g.csv").exit_code, 0);
  r = RunReclink("dedupe --quiet --rules " + dir + "/jsonl.toml --out " + dir + "/jsonl " + dir + "/g.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(ReadFile(dir + "/csv/clusters.csv") == ReadFile(dir + "/jsonl/clusters.csv"))
      << "CSV and JSON Lines inputs gave different clusters";
}

// Placeholder values (the generator writes 00000 000000, noemail@noemail.com, 1900-01-01 and
// Unknown for a few percent of the values) read as null by training: at 100,000 records their
// blocks are neither small nor skipped as oversized, and kept as values they took pairwise
// precision to 0.78 (docs/model.md, "Placeholder values"). The model lists them.
TEST(AccuracyTest, PlaceholdersAreReadAsNullAtEveryScale) {
  const std::string dir = TempDir("placeholders_100k");
  ASSERT_EQ(std::system((std::string(RECLINK_GEN_BINARY) + " --quiet --records 100000 --seed 7 --out " + dir + "/g.csv").c_str()), 0);
  CliResult r = RunReclink("dedupe --quiet --rules " + kDemoRules + " --truth entity_id --out " + dir + "/out " + dir + "/g.csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string summary = ReadFile(dir + "/out/summary.json");
  const std::string p = summary.substr(summary.find("\"pairwise\""));
  // 0.002 below the measured precision 0.96391, recall 0.97656, F1 0.97019 (0.78170, 0.99225,
  // 0.87448 with the placeholders kept as values).
  EXPECT_GE(JsonNumberAfter(p, "precision"), 0.9619) << summary.substr(0, 800);
  EXPECT_GE(JsonNumberAfter(p, "recall"), 0.9745) << summary.substr(0, 800);
  EXPECT_GE(JsonNumberAfter(p, "f1"), 0.9681) << summary.substr(0, 800);
  const std::string model = ReadFile(dir + "/out/model.json");
  for (const char* value : {"\"value\": \"00000000000\"", "\"value\": \"noemail@noemail.com\"",
                            "\"value\": \"1900-01-01\"", "\"value\": \"unknown\""}) {
    EXPECT_NE(model.find(value), std::string::npos) << value;
  }
}

// Pairwise F1 of evaluate --json at a threshold (nullopt: the run's own).
double EvaluateF1(const std::string& rules, const std::string& model, const std::string& files,
                  std::optional<double> threshold) {
  std::string cmd = "evaluate --json --rules " + rules + " --model " + model + " --truth entity_id " + files;
  if (threshold) {
    char t[64];
    std::snprintf(t, sizeof t, " --threshold %.17g", *threshold);
    cmd += t;
  }
  CliResult r = RunReclink(cmd);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return JsonNumberAfter(r.out.substr(r.out.find("\"pairwise\"")), "f1");
}

// The model's own threshold is as good as the best a user with labels could pick: its F1 is
// within 0.005 of the best F1 over thresholds at every whole match weight from 0 to 30 bits,
// with the same model, on the demo and on generated data at two seeds (issue 12).
TEST(AccuracyTest, TheModelsThresholdIsNearTheBestOne) {
  const std::string dir = TempDir("own_threshold");
  std::vector<std::string> files = {kDemo};
  for (int seed : {7, 99}) {
    const std::string f = dir + "/g" + std::to_string(seed) + ".csv";
    ASSERT_EQ(std::system((std::string(RECLINK_GEN_BINARY) + " --quiet --records 20000 --seed " + std::to_string(seed) +
                           " --out " + f).c_str()), 0);
    files.push_back(f);
  }
  for (const std::string& f : files) {
    const std::string model = dir + "/model.json";
    ASSERT_EQ(RunReclink("train --quiet --rules " + kDemoRules + " --model-out " + model + " " + f).exit_code, 0);
    const double own = EvaluateF1(kDemoRules, model, f, std::nullopt);
    double best = 0;
    for (int w = 0; w <= 30; ++w) best = std::max(best, EvaluateF1(kDemoRules, model, f, 1 / (1 + std::exp2(-w))));
    EXPECT_GE(own, best - 0.005) << f;
  }
}

// The five-source link of the tests below (reclink-gen --sources 5, names and address only,
// noise 0.2, 5,000 people): the files' paths, each after a space; empty if generating failed.
std::string FiveSources(const std::string& dir) {
  if (std::system((std::string(RECLINK_GEN_BINARY) + " --quiet --records 5000 --seed 3 --sources 5 --noise 0.2 "
                   "--fields first_name,last_name,address,city,postcode --out " + dir).c_str()) != 0) {
    return "";
  }
  std::string files;
  for (int k = 1; k <= 5; ++k) files += " " + dir + "/source" + std::to_string(k) + ".csv";
  return files;
}

// The locality order (docs/performance.md): the pairs' passes renumber the rows, and everything
// they keep is named by the table's rows again. RECLINK_LOCALITY=1 forces it on these small sets
// (on by default only from 8 candidate pairs a record), =0 off: every output must be the same,
// for dedupe with pairs, truth, worst errors and a refit on the run's own clusters, for training
// with labels, for links with best_link and one_per_source, and for a dedupe and a link scoring
// with a saved model (whose comparisons are built renamed).
TEST(CliTest, TheLocalityOrderChangesNoOutput) {
  const std::string dir = TempDir("locality");
  std::string refine = ReadFile(kDemoRules);
  refine = std::regex_replace(refine, std::regex("\n\\[model\\]\n"), "\n[model]\nrefine_rounds = 1\n");
  ASSERT_NE(refine.find("refine_rounds = 1"), std::string::npos);
  WriteFile(dir + "/refine.toml", refine);
  // Labels: a matching pair of each of the demo's first 40 entities with two records or more,
  // named larger row first, and a non-match.
  const std::vector<std::string> lines = Lines(ReadFile(kDemo));
  WriteFile(dir + "/labels.csv", DemoMatchLabels(40, true) + lines[1].substr(0, lines[1].find(',')) + "," +
                                     lines[2].substr(0, lines[2].find(',')) + ",0\n");
  const std::string five = FiveSources(dir + "/five");
  ASSERT_FALSE(five.empty());
  std::string best_link = ReadFile(kSource + "/bench/accuracy/five_sources.toml");
  best_link = std::regex_replace(best_link, std::regex("one_per_source"), "best_link");
  ASSERT_NE(best_link.find("best_link"), std::string::npos);
  WriteFile(dir + "/best_link.toml", best_link);
  const std::string demo_rules = " --rules " + kDemoRules + " ";
  // With a saved model the comparisons are built in the locality order at once (not gathered).
  ASSERT_EQ(RunReclink("train --quiet" + demo_rules + "--model-out " + dir + "/demo_model.json " + kDemo).exit_code, 0);
  ASSERT_EQ(RunReclink("train --quiet --rules " + kSource + "/bench/accuracy/five_sources.toml --model-out " + dir +
                       "/five_model.json" + five).exit_code, 0);
  const std::vector<std::pair<std::string, std::string>> runs = {
      {"pairs", "dedupe --quiet --pairs --pairs-threshold 0.01 --truth entity_id" + demo_rules + kDemo},
      {"saved_model", "dedupe --quiet --pairs --pairs-threshold 0.01 --truth entity_id --model " + dir +
                          "/demo_model.json" + demo_rules + kDemo},
      {"saved_model_link", "link --quiet --pairs --model " + dir + "/five_model.json --rules " + kSource +
                               "/bench/accuracy/five_sources.toml" + five},
      {"refine", "dedupe --quiet --rules " + dir + "/refine.toml " + kDemo},
      {"labels", "dedupe --quiet --labels " + dir + "/labels.csv" + demo_rules + kDemo},
      {"one_per_source", "link --quiet --pairs --rules " + kSource + "/bench/accuracy/five_sources.toml" + five},
      {"best_link", "link --quiet --pairs --rules " + dir + "/best_link.toml" + five},
  };
  for (const auto& [name, args] : runs) {
    std::map<std::string, std::string> files[2];
    for (int on = 0; on < 2; ++on) {
      ASSERT_EQ(setenv("RECLINK_LOCALITY", on ? "1" : "0", 1), 0);
      const std::string out = dir + "/" + name + (on ? "_on" : "_off");
      CliResult r = RunReclink(args + " --out " + out);
      unsetenv("RECLINK_LOCALITY");
      ASSERT_EQ(r.exit_code, 0) << name << ": " << r.err;
      for (const auto& entry : std::filesystem::directory_iterator(out)) {
        std::string text = ReadFile(entry.path().string());
        // summary.json: without the timings and memory, which differ from run to run.
        if (entry.path().filename() == "summary.json") {
          text = std::regex_replace(text, std::regex("\"(seconds|peak_rss_bytes|estimated_bytes)\": [0-9.e+-]+"), "");
        }
        files[on][entry.path().filename().string()] = text;
      }
    }
    EXPECT_GE(files[0].size(), 3u) << name;
    ASSERT_EQ(files[0].size(), files[1].size()) << name;
    for (const auto& [file, text] : files[0]) {
      EXPECT_TRUE(files[1][file] == text) << name << ": " << file << " differs with the locality order";
    }
  }
}

// The same with one_per_source, where links compete for a partner per source: the model's own
// threshold is within 0.005 of the best F1 over every second whole weight from -10 to 30 bits
// on the five-source link below (measured: 0.9470 against 0.9494 at -10 bits; it was 0.9399
// when the cut counted the rule fits' matches, which ignore the competition).
TEST(AccuracyTest, TheModelsThresholdIsNearTheBestOneWhenLinksCompete) {
  const std::string dir = TempDir("own_threshold_one_per_source");
  const std::string files = FiveSources(dir);
  ASSERT_FALSE(files.empty());
  const std::string rules = kSource + "/bench/accuracy/five_sources.toml", model = dir + "/model.json";
  ASSERT_EQ(RunReclink("train --quiet --rules " + rules + " --model-out " + model + files).exit_code, 0);
  const double own = EvaluateF1(rules, model, files, std::nullopt);
  double best = 0;
  for (int w = -10; w <= 30; w += 2) best = std::max(best, EvaluateF1(rules, model, files, 1 / (1 + std::exp2(-w))));
  EXPECT_GE(own, best - 0.005);
}

// Five sources, names and address only (reclink-gen --sources 5, noise 0.2), linked with
// one_per_source at the model's own threshold: accuracy pinned 0.002 below the measured
// precision 0.98651, recall 0.91054, B-cubed F1 0.96094 (blocking recall 0.97575 with the
// eight rules; before the threshold knew that one_per_source's links compete: 0.98673, 0.89567,
// 0.95514, and the precision pin stays where it was, 0.0015 below today's value). Recall is
// capped by people who moved (a new address, town and postcode: only their names are left to
// match on, and this generator's names repeat); see docs/model.md.
TEST(AccuracyTest, FiveSourceLinkOfNamesAndAddresses) {
  const std::string dir = TempDir("five_sources");
  const std::string files = FiveSources(dir);
  ASSERT_FALSE(files.empty());
  CliResult r = RunReclink("evaluate --json --rules " + kSource + "/bench/accuracy/five_sources.toml --truth entity_id" + files);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string p = r.out.substr(r.out.find("\"pairwise\""));
  EXPECT_GE(JsonNumberAfter(p, "precision"), 0.9850) << r.out.substr(0, 600);
  EXPECT_GE(JsonNumberAfter(p, "recall"), 0.9085) << r.out.substr(0, 600);
  const std::string b = r.out.substr(r.out.find("\"bcubed\""));
  EXPECT_GE(JsonNumberAfter(b, "f1"), 0.9589) << r.out.substr(0, 600);
}

// The same five-source link where corruption means edits to the values only (`--moves 0`: no
// record has a new address, town and postcode), as in the voter-register benchmarks whose
// sources are corrupted copies of one register: issue 12's targets (cluster F1 0.96 at 20% and
// 0.94 at 40% corruption) hold there. Pinned 0.002 below the measured pairwise precision and
// recall: noise 0.2: 0.98824 / 0.98614 (F1 0.98719, B-cubed 0.99051); noise 0.4: 0.98221 /
// 0.96940 (F1 0.97576, B-cubed 0.98193). With moves (the test above) F1 is capped near 0.95 by
// people who moved: only their names are left, and names repeat (docs/model.md).
TEST(AccuracyTest, FiveSourceLinkWithoutMovesMeetsTheTargets) {
  for (const auto& [noise, precision, recall] : {std::tuple{"0.2", 0.9862, 0.9841}, std::tuple{"0.4", 0.9802, 0.9674}}) {
    const std::string dir = TempDir(std::string("five_sources_no_moves_") + noise);
    ASSERT_EQ(std::system((std::string(RECLINK_GEN_BINARY) + " --quiet --records 5000 --seed 3 --sources 5 --noise " + noise +
                           " --moves 0 --fields first_name,last_name,address,city,postcode --out " + dir).c_str()),
              0);
    std::string files;
    for (int k = 1; k <= 5; ++k) files += " " + dir + "/source" + std::to_string(k) + ".csv";
    CliResult r = RunReclink("evaluate --json --rules " + kSource + "/bench/accuracy/five_sources.toml --truth entity_id" + files);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string p = r.out.substr(r.out.find("\"pairwise\""));
    EXPECT_GE(JsonNumberAfter(p, "precision"), precision) << noise << " " << r.out.substr(0, 600);
    EXPECT_GE(JsonNumberAfter(p, "recall"), recall) << noise << " " << r.out.substr(0, 600);
    EXPECT_GE(JsonNumberAfter(p, "f1"), std::string(noise) == "0.2" ? 0.96 : 0.94) << noise;
  }
}

// swapped(OTHER) levels: the generator writes first and last name the other way round in some
// records; with a "swapped" level in both name comparisons those pairs gain weight instead of
// paying twice for disagreeing names. On the five-source link both precision and recall must not
// fall, and more true pairs are found (measured: 29,106 -> 29,131 of 31,957; precision 0.98651
// -> 0.98712, recall 0.91079 -> 0.91157).
TEST(AccuracyTest, SwappedNameLevelsFindCrossedOverNames) {
  const std::string dir = TempDir("swapped_names");
  const std::string files = FiveSources(dir);
  ASSERT_FALSE(files.empty());
  std::string rules = ReadFile(kSource + "/bench/accuracy/five_sources.toml");
  for (const auto& [from, to] : {std::pair<std::string, std::string>{"levels = [\"exact\", \"jaro_winkler >= 0.92\", \"jaro_winkler >= 0.80\"]",
                                                                     "levels = [\"exact\", \"swapped(last)\", \"jaro_winkler >= 0.92\", \"jaro_winkler >= 0.80\"]"},
                                 {"levels = [\"exact\", \"jaro_winkler >= 0.92\", \"jaro_winkler >= 0.84\"]",
                                  "levels = [\"exact\", \"swapped(first)\", \"jaro_winkler >= 0.92\", \"jaro_winkler >= 0.84\"]"}}) {
    const size_t at = rules.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    rules.replace(at, from.size(), to);
  }
  WriteFile(dir + "/swapped.toml", rules);
  auto pairwise = [&](const std::string& r) {
    CliResult res = RunReclink("evaluate --json --rules " + r + " --truth entity_id" + files);
    EXPECT_EQ(res.exit_code, 0) << res.err;
    return res.out.substr(res.out.find("\"pairwise\""));
  };
  const std::string base = pairwise(kSource + "/bench/accuracy/five_sources.toml"), swapped = pairwise(dir + "/swapped.toml");
  EXPECT_GE(JsonNumberAfter(swapped, "precision"), JsonNumberAfter(base, "precision")) << base << "\n" << swapped;
  EXPECT_GE(JsonNumberAfter(swapped, "recall"), JsonNumberAfter(base, "recall")) << base << "\n" << swapped;
  EXPECT_GT(JsonNumberAfter(swapped, "true_positive_pairs"), JsonNumberAfter(base, "true_positive_pairs") + 10);
  // The level is trained and stands outside the order of the name's similarity levels.
  ASSERT_EQ(RunReclink("train --quiet --rules " + dir + "/swapped.toml --model-out " + dir + "/model.json" + files).exit_code, 0);
  const std::string model = ReadFile(dir + "/model.json");
  EXPECT_NE(model.find("\"label\": \"swapped(last)\""), std::string::npos) << model.substr(0, 2000);
  EXPECT_NE(model.find("\"label\": \"swapped(first)\""), std::string::npos);
}

// Blocking rules that only add candidate pairs must not make the links worse: three broad
// rules added to the demo's (blocking recall up, more non-matches to train on) lower F1 by less
// than 0.005 (issue 12: it once fell from 0.88 to 0.57).
TEST(AccuracyTest, MoreBlockingRulesDoNotHurt) {
  const std::string dir = TempDir("more_rules");
  std::string rules = ReadFile(kDemoRules);
  const size_t at = rules.find("[[comparison]]");
  ASSERT_NE(at, std::string::npos);
  rules.insert(at, "[[blocking]]\nkeys = [\"last\"]\n\n[[blocking]]\nkeys = [\"postcode\"]\n\n"
                   "[[blocking]]\nkeys = [\"city\", \"prefix(first, 1)\"]\n\n");
  WriteFile(dir + "/more.toml", rules);
  auto f1 = [&](const std::string& r) {
    CliResult res = RunReclink("evaluate --json --rules " + r + " --truth entity_id " + kDemo);
    EXPECT_EQ(res.exit_code, 0) << res.err;
    return JsonNumberAfter(res.out.substr(res.out.find("\"pairwise\"")), "f1");
  };
  const double base = f1(kDemoRules), more = f1(dir + "/more.toml");
  EXPECT_GE(more, base - 0.005) << "demo rules F1 " << base << ", with three more rules " << more;
}

}  // namespace
}  // namespace reclink::test

namespace reclink::test {
namespace {

// Ids are unique per source only: deduplicating two inputs writes the source column.
TEST(CliTest, DedupeOfTwoInputsWritesSourcesAndKeepsRepeatedIdsApart) {
  const std::string dir = TempDir("two_inputs");
  WriteFile(dir + "/a.csv", "id,name,dob\n1,ann lee,1980-01-02\n2,bob roy,1975-05-05\n");
  WriteFile(dir + "/b.csv", "id,name,dob\n1,ann lee,1980-01-02\n2,cy doe,1960-03-04\n");
  WriteFile(dir + "/rules.toml",
            "id = \"id\"\n[fields.name]\ncolumn = \"name\"\n[fields.dob]\ncolumn = \"dob\"\n"
            "[[blocking]]\nkeys = [\"dob\"]\n"
            "[[comparison]]\nfield = \"name\"\nlevels = [\"exact\"]\n"
            "[model]\nprior = 0.3\nthreshold = 0.5\n");
  CliResult r = RunReclink("dedupe --quiet --rules " + dir + "/rules.toml --out " + dir + "/out " + dir + "/a.csv " +
                           dir + "/b.csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ReadFile(dir + "/out/clusters.csv"),
            "source,record_id,cluster_id\na,1,a:1\na,2,a:2\nb,1,a:1\nb,2,b:2\n");
}

}  // namespace
}  // namespace reclink::test

namespace reclink::test {
namespace {

// A comparison on a field every blocking rule blocks on cannot get an unbiased m: reclink still
// trains it (on all pairs), and says so in model.json and on stdout.
TEST(CliTest, ComparisonBlockedByEveryRuleIsTrainedWithAWarning) {
  const std::string dir = TempDir("blocked_everywhere");
  std::string rules = ReadFile(kDemoRules);
  const size_t first = rules.find("[[blocking]]"), comparisons = rules.find("# Six comparisons");
  ASSERT_NE(first, std::string::npos);
  ASSERT_NE(comparisons, std::string::npos);
  rules = rules.substr(0, first) + "[[blocking]]\nkeys = [\"last\", \"dob\"]\n\n[[blocking]]\nkeys = [\"last\", \"email\"]\n\n" +
          rules.substr(comparisons);
  WriteFile(dir + "/rules.toml", rules);
  CliResult r = RunReclink("dedupe --rules " + dir + "/rules.toml --out " + dir + "/out " + kDemo);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("warning: comparison 'last': every blocking rule blocks on its field"), std::string::npos)
      << r.out;
  EXPECT_NE(ReadFile(dir + "/out/model.json").find("EM on all candidate pairs"), std::string::npos);
}

}  // namespace
}  // namespace reclink::test

namespace reclink::test {
namespace {

// Unparseable dates and numbers are counted per field and source, each with its first value,
// in the readable summary and in summary.json; `number` reads prices as people write them and
// relative_diff compares them as shares.
TEST(CliTest, UnparseableValuesAreCountedPerFieldAndSourceWithASample) {
  const std::string dir = TempDir("unparseable");
  WriteFile(dir + "/crm.csv", "id,name,dob,price\n1,ann,1980-01-02,$49.00\n2,bob,31/02/1975,49.50\n3,cy,soon,free\n");
  WriteFile(dir + "/shop.csv", "id,name,dob,price\n1,ann,1980-01-02,\"1.234,50 EUR\"\n2,dan,1990-05-05,n/a\n");
  WriteFile(dir + "/rules.toml",
            "link_type = \"link\"\nid = \"id\"\n[fields.name]\ncolumn = \"name\"\n"
            "[fields.dob]\ncolumn = \"dob\"\nnormalize = [\"date\"]\n"
            "[fields.price]\ncolumn = \"price\"\nnormalize = [\"number\"]\n"
            "[[blocking]]\nkeys = [\"name\"]\n"
            "[[comparison]]\nfield = \"price\"\nlevels = [\"exact\", \"relative_diff <= 0.05\"]\n"
            "[model]\nprior = 0.3\nthreshold = 0.5\n");
  CliResult r = RunReclink("link --rules " + dir + "/rules.toml --out " + dir + "/out " + dir + "/crm.csv " + dir + "/shop.csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("2 dates in field dob of source crm could not be parsed (now null), e.g. '31/02/1975'"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 number in field price of source crm could not be parsed (now null), e.g. 'free'"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 number in field price of source shop could not be parsed (now null), e.g. 'n/a'"),
            std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("field dob of source shop"), std::string::npos) << r.out;
  const std::string summary = ReadFile(dir + "/out/summary.json");
  EXPECT_NE(summary.find("\"unparseable_dates\": 2"), std::string::npos) << summary;
  EXPECT_NE(summary.find("\"unparseable_numbers\": 2"), std::string::npos) << summary;
  EXPECT_NE(summary.find("{\"field\": \"price\", \"source\": \"shop\", \"kind\": \"number\", \"count\": 1, \"sample\": \"n/a\"}"),
            std::string::npos) << summary;
}

// Splits a CSV line with RFC 4180 quoting (the demo quotes addresses holding commas).
std::vector<std::string> SplitCsv(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
      out.back() += '"';
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

std::string JsonString(const std::string& s) {
  if (s.empty()) return "null";
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// The three-CRM consolidation of issue 15, from the demo's records dealt round-robin to three
// exports: a CSV as the demo has it; a gzipped semicolon-separated CSV with other column names,
// US (month-first) dates and upper-case e-mails; and JSON Lines with nested objects and numeric
// ids. One rules file with a [sources.NAME] table per export reads all three (no input
// arguments, no adapter script) and links them as well as the demo's own dedupe does.
void WriteThreeCrms(const std::string& dir) {
  const std::vector<std::string> lines = Lines(ReadFile(kDemo));
  std::string crm = lines[0] + "\n", shop = "CustNo;entity_id;Given;Family;Birth;Mail;Tel;Street;Town;Zip\n", app;
  for (size_t i = 1; i < lines.size(); ++i) {
    std::vector<std::string> f = SplitCsv(lines[i]);
    ASSERT_EQ(f.size(), 10u) << lines[i];
    if (i % 3 == 1) {
      crm += lines[i] + "\n";
    } else if (i % 3 == 2) {
      std::smatch m;
      if (std::regex_match(f[4], m, std::regex("(\\d\\d)/(\\d\\d)/(\\d{4})"))) f[4] = m.str(2) + "/" + m.str(1) + "/" + m.str(3);
      for (char& c : f[5]) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      f[0] = "S" + f[0];
      for (size_t k = 0; k < f.size(); ++k) {
        ASSERT_EQ(f[k].find(';'), std::string::npos) << f[k];
        std::string cell = f[k];
        if (cell.find('"') != std::string::npos) {  // Susan "Sue": quoted, quotes doubled
          cell = "\"" + std::regex_replace(cell, std::regex("\""), "\"\"") + "\"";
        }
        shop += (k ? ";" : "") + cell;
      }
      shop += "\n";
    } else {
      app += "{\"user\": {\"id\": " + f[0] + ", \"name\": {\"given\": " + JsonString(f[2]) + ", \"family\": " +
             JsonString(f[3]) + "}}, \"entity_id\": " + JsonString(f[1]) + ", \"birth\": " + JsonString(f[4]) +
             ", \"contact\": {\"email\": " + JsonString(f[5]) + ", \"phone\": " + JsonString(f[6]) +
             "}, \"address\": {\"line1\": " + JsonString(f[7]) + ", \"city\": " + JsonString(f[8]) +
             ", \"postcode\": " + JsonString(f[9]) + "}}\n";
    }
  }
  WriteFile(dir + "/crm.csv", crm);
  WriteFile(dir + "/shop.csv", shop);
  ASSERT_EQ(std::system(("gzip -f " + dir + "/shop.csv").c_str()), 0);
  WriteFile(dir + "/app.jsonl", app);
  // The shipped example's rules (docs/examples/three-crms): the demo's with a [sources.NAME]
  // table per export.
  WriteFile(dir + "/rules.toml", ReadFile(kSource + "/docs/examples/three-crms/rules.toml"));
}

TEST(CliTest, ThreeCrmsWithTheirOwnFormatsInOneRulesFile) {
  const std::string dir = TempDir("three_crms");
  WriteThreeCrms(dir);
  if (HasFatalFailure()) return;
  CliResult r = RunReclink("link --rules " + dir + "/rules.toml --truth entity_id --out " + dir + "/out");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("3000 records from 3 input(s)"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("could not be parsed"), std::string::npos) << r.out;
  const std::vector<std::string> rows = Lines(ReadFile(dir + "/out/clusters.csv"));
  ASSERT_EQ(rows.size(), 3001u);
  EXPECT_EQ(rows[0], "source,record_id,cluster_id");
  std::set<std::string> keys;
  for (size_t i = 1; i < rows.size(); ++i) keys.insert(rows[i].substr(0, rows[i].rfind(',')));
  EXPECT_EQ(keys.size(), 3000u);
  EXPECT_TRUE(keys.count("shop,S2") && keys.count("app,3") && keys.count("crm,1"));
  // As good as the demo's dedupe of the same records in one file (F1 0.9820 measured; the pin
  // sits 0.002 below).
  const std::string summary = ReadFile(dir + "/out/summary.json");
  const std::string p = summary.substr(summary.find("\"pairwise\""));
  EXPECT_GE(JsonNumberAfter(p, "f1"), 0.9800) << summary.substr(0, 800);

  // The worst errors name their records with their sources (ids repeat across sources).
  r = RunReclink("evaluate --rules " + dir + "/rules.toml --truth entity_id");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("\n  (crm|shop|app):[^ ]+ ~ (crm|shop|app):[^ ]+  weight "))) << r.out;
  r = RunReclink("evaluate --json --rules " + dir + "/rules.toml --truth entity_id");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"false_links\": [{\"source_l\": \""), std::string::npos) << r.out.substr(0, 2000);

  // Without the shop's date order its slashed dates are read day first: the ones that cannot
  // be are counted against that source and field, with a sample.
  std::string rules = ReadFile(dir + "/rules.toml");
  rules.replace(rules.find("date_order = \"mdy\"\n"), 19, "");
  WriteFile(dir + "/rules_dmy.toml", rules);
  r = RunReclink("link --rules " + dir + "/rules_dmy.toml --out " + dir + "/out_dmy");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("[0-9]+ dates in field dob of source shop could not be parsed")))
      << r.out;
  EXPECT_EQ(r.out.find("of source crm could not be parsed"), std::string::npos) << r.out;

  // Inputs on the command line still win over the rules' paths; a [sources] table that names
  // no input is reported, and its options unused.
  r = RunReclink("link --quiet --rules " + dir + "/rules.toml --out " + dir + "/out2 " + dir + "/crm.csv " + dir +
                 "/app.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: " + dir + "/rules.toml:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("[sources.shop] names no input (inputs: crm, app), so its options were not used"),
            std::string::npos) << r.err;
  EXPECT_EQ(Lines(ReadFile(dir + "/out2/clusters.csv")).size(), 2001u);
}

// A placeholder phone shared by many records: profile flags it; a training run reads it as null,
// says so and keeps it in the model, which a later run with --model applies again; with
// [model] detect_placeholders = false the run's skipped-block report names it a placeholder and
// advises null_values rather than a bigger max_block_size.
TEST(CliTest, PlaceholderKeysAreNamedAndNullValuesAdvised) {
  const std::string dir = TempDir("placeholders");
  std::string csv = "id,name,phone\n";
  for (int i = 0; i < 40; ++i) {
    csv += std::to_string(i) + ",name" + std::to_string(i % 20) + "," +
           (i < 15 ? std::string("00000 000000") : "0207946" + std::to_string(1000 + i % 20)) + "\n";
  }
  WriteFile(dir + "/in.csv", csv);
  CliResult r = RunReclink("profile " + dir + "/in.csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("phone: '00000 000000' in 15 rows (one digit repeated)"), std::string::npos) << r.out;
  const std::string rules =
      "id = \"id\"\n[fields.name]\ncolumn = \"name\"\n[fields.phone]\ncolumn = \"phone\"\nnormalize = [\"phone\"]\n"
      "[[blocking]]\nkeys = [\"phone\"]\n[[blocking]]\nkeys = [\"name\"]\n"
      "[[comparison]]\nfield = \"name\"\nlevels = [\"exact\"]\n[[comparison]]\nfield = \"phone\"\nlevels = [\"exact\"]\n"
      "[model]\nprior = 0.02\nthreshold = 0.5\n";
  const std::string limits = "[blocking_limits]\nmax_block_size = 10\n";

  // Detected (the default): null in this run, in the model, and in a run with that model.
  WriteFile(dir + "/rules.toml", rules + limits);
  r = RunReclink("dedupe --rules " + dir + "/rules.toml --out " + dir + "/auto " + dir + "/in.csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("15 values of phone are '00000000000', a placeholder (one digit repeated): read as null"),
            std::string::npos) << r.out;
  EXPECT_EQ(r.err.find("skipped a block"), std::string::npos) << r.err;
  const std::string entry = "{\"field\": \"phone\", \"value\": \"00000000000\", \"records\": 15, "
                            "\"reason\": \"one digit repeated\"}";
  EXPECT_NE(ReadFile(dir + "/auto/summary.json").find("\"placeholders\": [" + entry + "]"), std::string::npos);
  EXPECT_NE(ReadFile(dir + "/auto/model.json").find("\"placeholders\": [" + entry + "]"), std::string::npos);
  // Five of the placeholder's records again, scored with the saved model: still null.
  std::string few = "id,name,phone\n";
  for (int i = 0; i < 5; ++i) few += std::to_string(i) + ",name" + std::to_string(i) + ",00000 000000\n";
  WriteFile(dir + "/few.csv", few);
  r = RunReclink("dedupe --rules " + dir + "/rules.toml --model " + dir + "/auto/model.json --out " + dir + "/again " +
                 dir + "/few.csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("5 values of phone are '00000000000'"), std::string::npos) << r.out;
  EXPECT_EQ(JsonNumberAfter(ReadFile(dir + "/again/summary.json"), "candidate_pairs"), 0);
  r = RunReclink("blocks --rules " + dir + "/rules.toml " + dir + "/in.csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("phone: '00000000000' (one digit repeated) held by 15 records is read as null"),
            std::string::npos) << r.err;

  // Not detected: the oversized block's advice.
  WriteFile(dir + "/kept.toml", rules + "detect_placeholders = false\n" + limits);
  r = RunReclink("dedupe --rules " + dir + "/kept.toml --out " + dir + "/out " + dir + "/in.csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("key '00000000000', 105 pairs); the key looks like a placeholder (one digit repeated): list it "
                       "in [fields.phone] null_values"),
            std::string::npos) << r.err;
  EXPECT_NE(r.out.find("looks like a placeholder (one digit repeated); list it in [fields.phone] null_values"),
            std::string::npos) << r.out;
  EXPECT_NE(ReadFile(dir + "/out/summary.json")
                .find("\"placeholder\": {\"reason\": \"one digit repeated\", \"field\": \"phone\"}"),
            std::string::npos);
  EXPECT_NE(ReadFile(dir + "/out/model.json").find("\"placeholders\": []"), std::string::npos);
  r = RunReclink("blocks --rules " + dir + "/kept.toml " + dir + "/in.csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("list it in [fields.phone] null_values"), std::string::npos) << r.out;
}

// --progress always in a log (stderr not a terminal): exactly one line per stage, in order,
// and none of the terminal's rewritten lines.
TEST(CliTest, ProgressInALogIsOneLinePerStage) {
  const std::string dir = TempDir("progress");
  CliResult r = RunReclink("dedupe --progress always --rules " + kDemoRules + " --out " + dir + " " + kDemo);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> stages;
  for (const std::string& line : Lines(r.err)) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(line, m, std::regex("reclink: ([a-z-]+) +[0-9.]+ s   peak +[0-9]+ MiB"))) << line;
    stages.push_back(m.str(1));
  }
  EXPECT_EQ(stages, (std::vector<std::string>{"read", "normalize", "block", "compare-prepare", "train-u", "train-em",
                                              "score", "cluster", "write"}));
  EXPECT_EQ(r.err.find('\r'), std::string::npos);
  r = RunReclink("dedupe --progress never --rules " + kDemoRules + " --out " + dir + " " + kDemo);
  EXPECT_TRUE(r.err.empty()) << r.err;
}

// "-" reads the standard input (source name "stdin"); the same clusters as from the file.
TEST(CliTest, DashReadsTheStandardInput) {
  const std::string dir = TempDir("stdin");
  CliResult r = RunReclink("dedupe --quiet --rules " + kDemoRules + " --out " + dir + "/file " + kDemo);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = RunReclink("dedupe --quiet --rules " + kDemoRules + " --out " + dir + "/stdin - < " + kDemo);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ReadFile(dir + "/stdin/clusters.csv"), ReadFile(dir + "/file/clusters.csv"));
  r = RunReclink("dedupe --quiet --rules " + kDemoRules + " --out " + dir + "/empty - < /dev/null");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("-: error: empty input"), std::string::npos) << r.err;
  // train --model-out -: the model on stdout, the same as written to a file.
  r = RunReclink("train --quiet --rules " + kDemoRules + " --model-out " + dir + "/model.json " + kDemo);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = RunReclink("train --rules " + kDemoRules + " --model-out - " + kDemo);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, ReadFile(dir + "/model.json"));
  EXPECT_NE(r.err.find("model written to stdout"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists("-"));
  // No inputs and no [sources] paths: a usage error that says what to give.
  r = RunReclink("dedupe --rules " + kDemoRules + " --out " + dir + "/none");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("error: no input files"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace reclink::test

namespace reclink::test {
namespace {

// --labels: m of the comparisons with enough labeled matches comes from them (model.json says
// so); a bad label is located at FILE:LINE:COLUMN (exit 3); labels with a saved model are refused.
TEST(CliTest, LabelsSetMAndBadLabelsAreLocated) {
  const std::string dir = TempDir("labels");
  // Matching pairs from the demo's truth: the first 30 entities with two or more records.
  const std::string labels = DemoMatchLabels(30, false);
  ASSERT_EQ(Lines(labels).size(), 31u);
  WriteFile(dir + "/labels.csv", labels + "1,2,no\n");
  CliResult r = RunReclink("train --quiet --rules " + kDemoRules + " --labels " + dir + "/labels.csv --model-out " + dir +
                           "/model.json " + kDemo);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(ReadFile(dir + "/model.json").find("labeled matching pairs with both values non-null"), std::string::npos);

  WriteFile(dir + "/bad.csv", "id_l,id_r,match\n1,2,1\n3,4,maybe\n");
  r = RunReclink("train --quiet --rules " + kDemoRules + " --labels " + dir + "/bad.csv --model-out " + dir + "/m2.json " + kDemo);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("bad.csv:3:5: error: label 'maybe' is not 1/0"), std::string::npos) << r.err;
  WriteFile(dir + "/unknown.csv", "id_l,id_r,match\n1,999999,1\n");
  r = RunReclink("train --quiet --rules " + kDemoRules + " --labels " + dir + "/unknown.csv --model-out " + dir + "/m3.json " + kDemo);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("unknown.csv:2:3: error: record id '999999' not found"), std::string::npos) << r.err;
  r = RunReclink("dedupe --quiet --rules " + kDemoRules + " --labels " + dir + "/labels.csv --model " + dir +
                 "/model.json --out " + dir + "/out " + kDemo);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--labels trains the model"), std::string::npos) << r.err;
}

// The fields of a CSV line (ids and numbers in these tests hold no commas or quotes).
std::vector<std::string> Fields(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream s(line);
  std::string field;
  while (std::getline(s, field, ',')) out.push_back(field);
  return out;
}

// How far predicted probabilities are from what happens: the expected calibration error (ECE:
// ten equal-width bins of predicted probability, the pair-weighted mean over bins of
// |mean predicted - observed share of matches|) and the Brier score (mean squared error).
struct CalibrationError {
  double ece = 0;
  double brier = 0;
};
CalibrationError Calibration(const std::vector<double>& p, const std::vector<int>& y) {
  std::vector<double> predicted(10), observed(10);
  CalibrationError e;
  for (size_t i = 0; i < p.size(); ++i) {
    const size_t bin = std::min<size_t>(static_cast<size_t>(p[i] * 10), 9);
    predicted[bin] += p[i];
    observed[bin] += y[i];
    e.brier += (p[i] - y[i]) * (p[i] - y[i]);
  }
  for (size_t b = 0; b < 10; ++b) e.ece += std::abs(predicted[b] - observed[b]);
  e.ece /= static_cast<double>(p.size());
  e.brier /= static_cast<double>(p.size());
  return e;
}

// --labels calibrates: 2,000 candidate pairs drawn at random (seeded) and labeled from the
// generator's entity_id calibrate the weights; on the other candidate pairs (held out) the
// calibrated probabilities are closer to the observed share of matches than the uncalibrated
// posterior 1 / (1 + 2^-w) of the same weights, by ECE and by Brier score. The calibrated model
// read back from model.json writes the same pairs.csv, and --threshold is a calibrated
// probability in scoring and pairs.csv alike.
TEST(CliTest, LabelsCalibrateProbabilitiesOnHeldOutPairs) {
  const std::string dir = TempDir("calibration");
  ASSERT_EQ(std::system((std::string(RECLINK_GEN_BINARY) + " --quiet --records 5000 --seed 21 --out " + dir + "/g.csv").c_str()), 0);
  std::map<std::string, std::string> entity;
  const std::vector<std::string> records = Lines(ReadFile(dir + "/g.csv"));
  for (size_t i = 1; i < records.size(); ++i) {
    const std::vector<std::string> f = Fields(records[i]);
    entity[f[0]] = f[1];
  }
  // The candidate pairs: every scored pair above probability 1e-15 (-49.8 bits).
  const std::string all_pairs = " --pairs --pairs-threshold 1e-15 ";
  CliResult r = RunReclink("dedupe --quiet --rules " + kDemoRules + all_pairs + "--out " + dir + "/plain " + dir + "/g.csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ReadFile(dir + "/plain/model.json").find("\"calibration\""), std::string::npos);
  std::vector<std::pair<std::string, std::string>> candidates;
  const std::vector<std::string> plain = Lines(ReadFile(dir + "/plain/pairs.csv"));
  for (size_t i = 1; i < plain.size(); ++i) {
    const std::vector<std::string> f = Fields(plain[i]);
    candidates.emplace_back(f[0], f[1]);
  }
  constexpr size_t kLabeled = 2000;
  ASSERT_GT(candidates.size(), 2 * kLabeled);
  std::mt19937_64 rng(5);
  std::shuffle(candidates.begin(), candidates.end(), rng);
  std::string labels = "id_l,id_r,match\n";
  for (size_t i = 0; i < kLabeled; ++i) {
    const auto& [a, b] = candidates[i];
    labels += a + "," + b + (entity.at(a) == entity.at(b) ? ",1\n" : ",0\n");
  }
  WriteFile(dir + "/labels.csv", labels);
  const std::set<std::pair<std::string, std::string>> held_out(candidates.begin() + kLabeled, candidates.end());

  r = RunReclink("dedupe --quiet --rules " + kDemoRules + " --labels " + dir + "/labels.csv" + all_pairs + "--out " + dir +
                 "/calibrated " + dir + "/g.csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string model = ReadFile(dir + "/calibrated/model.json");
  EXPECT_NE(model.find("\"source\": \"labels: 2000 labeled pairs ("), std::string::npos) << model.substr(0, 2000);
  EXPECT_NE(ReadFile(dir + "/calibrated/summary.json").find("\"calibration\": {\"slope\": "), std::string::npos);
  EXPECT_EQ(ReadFile(dir + "/plain/summary.json").find("\"calibration\""), std::string::npos);
  std::vector<double> calibrated, uncalibrated;
  std::vector<int> match;
  const std::vector<std::string> scored = Lines(ReadFile(dir + "/calibrated/pairs.csv"));
  for (size_t i = 1; i < scored.size(); ++i) {
    const std::vector<std::string> f = Fields(scored[i]);
    if (!held_out.count({f[0], f[1]})) continue;
    uncalibrated.push_back(1 / (1 + std::exp2(-std::stod(f[2]))));
    calibrated.push_back(std::stod(f[3]));
    match.push_back(entity.at(f[0]) == entity.at(f[1]));
  }
  ASSERT_GT(match.size(), kLabeled);
  const CalibrationError before = Calibration(uncalibrated, match), after = Calibration(calibrated, match);
  std::printf("held-out pairs %zu: ECE %.4f -> %.4f, Brier %.4f -> %.4f\n", match.size(), before.ece, after.ece,
              before.brier, after.brier);
  EXPECT_LT(after.ece, before.ece);
  EXPECT_LT(after.brier, before.brier);

  // Labels picked by hand: 150 matches and 150 non-matches, each drawn at random within its class
  // from the same 2,000 pairs, so half are matches where the candidates hold another share (the
  // random labels' share estimates it: about two thirds here). The slope is right but the labels'
  // intercept is not; by default it is corrected to the model's expected share (King and Zeng's
  // prior correction), which [model] labels_sample = "random" turns off.
  {
    size_t random_matches = 0;
    for (size_t i = 0; i < kLabeled; ++i) random_matches += entity.at(candidates[i].first) == entity.at(candidates[i].second);
    const double random_share = static_cast<double>(random_matches) / kLabeled;
    std::string balanced = "id_l,id_r,match\n";
    size_t picked_matches = 0, picked_non = 0;
    for (size_t i = 0; i < kLabeled; ++i) {
      const auto& [a, b] = candidates[i];
      const bool m = entity.at(a) == entity.at(b);
      if (m ? picked_matches++ >= 150 : picked_non++ >= 150) continue;
      balanced += a + "," + b + (m ? ",1\n" : ",0\n");
    }
    ASSERT_GE(picked_matches, 150u);
    ASSERT_GE(picked_non, 150u);
    WriteFile(dir + "/balanced.csv", balanced);
    std::string rules_random = ReadFile(kDemoRules);
    const size_t at = rules_random.find("[model]\n");
    ASSERT_NE(at, std::string::npos);
    rules_random.insert(at + 8, "labels_sample = \"random\"\n");
    WriteFile(dir + "/random.toml", rules_random);
    auto held_out_ece = [&](const std::string& out) {
      std::vector<double> p;
      std::vector<int> y;
      for (const std::string& line : Lines(ReadFile(out + "/pairs.csv"))) {
        const std::vector<std::string> f = Fields(line);
        if (f[0] == "id_l" || !held_out.count({f[0], f[1]})) continue;
        p.push_back(std::stod(f[3]));
        y.push_back(entity.at(f[0]) == entity.at(f[1]));
      }
      return Calibration(p, y);
    };
    r = RunReclink("dedupe --quiet --rules " + kDemoRules + " --labels " + dir + "/balanced.csv" + all_pairs +
                   "--out " + dir + "/balanced " + dir + "/g.csv");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string corrected_model = ReadFile(dir + "/balanced/model.json");
    EXPECT_NE(corrected_model.find("\"intercept_correction\": "), std::string::npos) << corrected_model.substr(0, 3000);
    EXPECT_NE(corrected_model.find("the intercept was corrected by"), std::string::npos);
    EXPECT_NE(ReadFile(dir + "/balanced/summary.json").find("\"intercept_correction\": "), std::string::npos);
    r = RunReclink("dedupe --quiet --rules " + dir + "/random.toml --labels " + dir + "/balanced.csv" + all_pairs +
                   "--out " + dir + "/as_random " + dir + "/g.csv");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string kept_model = ReadFile(dir + "/as_random/model.json");
    EXPECT_EQ(kept_model.find("intercept_correction"), std::string::npos);
    EXPECT_NE(kept_model.find("off by a constant in log odds"), std::string::npos);
    // The same fit, and the intercept moved by exactly the correction: log2 odds of the model's
    // expected share minus the labels' (one half, 0 bits).
    auto number = [](const std::string& text, const std::string& key) {
      const size_t at = text.find("\"" + key + "\": ");
      return at == std::string::npos ? std::nan("") : std::stod(text.substr(at + key.size() + 4));
    };
    EXPECT_EQ(number(corrected_model, "slope"), number(kept_model, "slope"));
    const double correction = number(corrected_model, "intercept_correction");
    // From the labels' even odds towards the candidates' share of matches.
    EXPECT_GT(correction * (random_share - 0.5), 0) << "correction " << correction << ", share " << random_share;
    EXPECT_NEAR(number(corrected_model, "intercept"), number(kept_model, "intercept") + correction, 1e-9);
    const double q = number(corrected_model, "expected_matches") / static_cast<double>(candidates.size());
    EXPECT_NEAR(correction, std::log2(q / (1 - q)), 0.05);  // the model's candidates are those of pairs.csv
    // Whether the correction helps one draw of 300 labels is noisy (it did in 23 of 30 seeded
    // draws of this set, median ECE 0.0270 -> 0.0214; CalibrationTest checks the statistics);
    // both stay far better calibrated than the uncalibrated weights.
    const CalibrationError corrected = held_out_ece(dir + "/balanced"), kept = held_out_ece(dir + "/as_random");
    std::printf("hand-balanced labels: held-out ECE %.4f with the labels' intercept, %.4f corrected; Brier %.4f, %.4f\n",
                kept.ece, corrected.ece, kept.brier, corrected.brier);
    EXPECT_LT(corrected.ece, before.ece / 2);
    EXPECT_LT(kept.ece, before.ece / 2);
  }

  // Read back: the same probabilities, the same pairs.
  r = RunReclink("dedupe --quiet --rules " + kDemoRules + " --model " + dir + "/calibrated/model.json" + all_pairs +
                 "--out " + dir + "/reread " + dir + "/g.csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(ReadFile(dir + "/reread/pairs.csv") == ReadFile(dir + "/calibrated/pairs.csv"));
  EXPECT_TRUE(ReadFile(dir + "/reread/clusters.csv") == ReadFile(dir + "/calibrated/clusters.csv"));
  // --threshold and --pairs-threshold are calibrated probabilities: pairs.csv at 0.5 holds exactly
  // the pairs whose calibrated probability is at least 0.5, and every link is one of them.
  r = RunReclink("dedupe --quiet --rules " + kDemoRules + " --model " + dir + "/calibrated/model.json --threshold 0.5 "
                 "--pairs --pairs-threshold 0.5 --out " + dir + "/half " + dir + "/g.csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  size_t expected = 0;
  for (size_t i = 1; i < scored.size(); ++i) expected += std::stod(Fields(scored[i])[3]) >= 0.5;
  const std::vector<std::string> half = Lines(ReadFile(dir + "/half/pairs.csv"));
  EXPECT_EQ(half.size() - 1, expected);
  EXPECT_GT(expected, 0u);
  for (size_t i = 1; i < half.size(); ++i) EXPECT_GE(std::stod(Fields(half[i])[3]), 0.5) << half[i];
}

}  // namespace
}  // namespace reclink::test
