// The pipeline on small hand-made inputs: input specs, loading, a whole run from table to
// clusters, training only, scoring with a saved model, ground truth and evaluation.
#include <gtest/gtest.h>

#include <fcntl.h>

#include <filesystem>
#include <fstream>

#include <simdjson.h>

#include "../common/temp_dir.h"
#include "reclink/file_writer.h"
#include "reclink/pipeline.h"
#include "reclink/reader.h"
#include "reclink/run_evaluation.h"
#include "reclink/run_summary.h"

namespace reclink {
namespace {

using testing::TempDir;
using testing::WriteFile;

// Six people, four of them twice with a typo, one pair sharing only a surname.
constexpr const char* kPeople =
    "id,first,last,dob,truth\n"
    "1,anna,smith,1980-01-02,a\n"
    "2,anna,smith,1980-01-02,a\n"
    "3,bernard,jones,1975-05-06,b\n"
    "4,bernhard,jones,1975-05-06,b\n"
    "5,carla,ruiz,1990-09-09,c\n"
    "6,carla,ruiz,1990-09-09,c\n"
    "7,dmitri,ivanov,1969-12-31,d\n"
    "8,dmitri,ivanov,1969-12-21,d\n"
    "9,eve,smith,2001-03-04,e\n"
    "10,frank,moore,1955-07-08,f\n";

constexpr const char* kRules = R"(
link_type = "dedupe"
id = "id"
[fields.first]
column = "first"
[fields.last]
column = "last"
[fields.dob]
column = "dob"
normalize = ["date"]
[[blocking]]
keys = ["last"]
[[comparison]]
field = "first"
levels = ["exact", "jaro_winkler >= 0.9"]
[[comparison]]
field = "dob"
levels = ["exact", "levenshtein <= 1"]
[model]
prior = 0.1
threshold = 0.5
)";

struct Fixture {
  TempDir dir;
  Rules rules;
  LoadedInput input;
};

std::unique_ptr<Fixture> Load(const std::string& rules_text = kRules) {
  auto f = std::make_unique<Fixture>();
  WriteFile(f->dir / "people.csv", kPeople);
  Result<Rules> rules = ParseRulesString(rules_text, "rules.toml");
  EXPECT_TRUE(rules.ok()) << rules.status().ToString();
  f->rules = std::move(rules.value());
  Result<InputSpec> spec = ParseInputSpec(f->dir / "people.csv");
  EXPECT_TRUE(spec.ok());
  Result<LoadedInput> input = LoadInputs(f->rules, {*spec}, ReadOptions{}, nullptr);
  EXPECT_TRUE(input.ok()) << input.status().ToString();
  f->input = std::move(input.value());
  return f;
}

TEST(PipelineTest, InputSpecNamesTheSource) {
  Result<InputSpec> plain = ParseInputSpec("data/crm.export.csv.gz");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->name, "crm");
  EXPECT_EQ(plain->path, "data/crm.export.csv.gz");
  Result<InputSpec> named = ParseInputSpec("shop=x/y.jsonl");
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->name, "shop");
  EXPECT_EQ(named->path, "x/y.jsonl");
  Result<InputSpec> slash = ParseInputSpec("dir/a=b.csv");  // a name never holds '/'
  ASSERT_TRUE(slash.ok());
  EXPECT_EQ(slash->path, "dir/a=b.csv");
}

TEST(PipelineTest, AnExistingFileWithAnEqualsSignIsAFileAndAnAmbiguityIsAnError) {
  TempDir dir;
  const std::filesystem::path cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  WriteFile("a=b.csv", "id\n1\n");
  Result<InputSpec> file = ParseInputSpec("a=b.csv");
  WriteFile("b.csv", "id\n1\n");
  Result<InputSpec> both = ParseInputSpec("a=b.csv");
  Result<InputSpec> named = ParseInputSpec("x=b.csv");
  std::filesystem::current_path(cwd);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->path, "a=b.csv");
  EXPECT_EQ(file->name, "a=b");
  ASSERT_FALSE(both.ok());
  EXPECT_EQ(ExitCodeFor(both.status()), 2);
  EXPECT_NE(both.status().hint().find("./a=b.csv"), std::string::npos);
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->name, "x");
}

TEST(PipelineTest, TwoInputsWithOneSourceNameAreRefused) {
  TempDir dir;
  WriteFile(dir / "a.csv", kPeople);
  std::filesystem::create_directory(dir / "sub");
  WriteFile(dir / "sub/a.csv", kPeople);
  Result<Rules> rules = ParseRulesString(kRules, "rules.toml");
  ASSERT_TRUE(rules.ok());
  Result<LoadedInput> in = LoadInputs(*rules, {{"a", dir / "a.csv"}, {"a", dir / "sub/a.csv"}}, ReadOptions{}, nullptr);
  ASSERT_FALSE(in.ok());
  EXPECT_NE(in.status().message().find("two inputs have the source name 'a'"), std::string::npos);
}

TEST(PipelineTest, RunLinksTheDuplicatesAndNothingElse) {
  auto f = Load();
  Result<RunResult> run = RunLinkage(f->rules, f->input, RunOptions{}, nullptr);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  const std::vector<uint32_t>& l = run->labels;
  ASSERT_EQ(l.size(), 10u);
  EXPECT_EQ(l[0], l[1]);  // anna smith twice
  EXPECT_EQ(l[2], l[3]);  // bernard/bernhard jones, same dob
  EXPECT_EQ(l[4], l[5]);
  EXPECT_EQ(l[6], l[7]);  // one digit off in the dob
  EXPECT_NE(l[0], l[8]);  // eve smith shares only the surname
  EXPECT_EQ(run->clusters, 6u);
  EXPECT_EQ(run->edges.size(), 4u);
  // Blocking on last name: smith x3 (3 pairs) and one pair for each other duplicate surname.
  EXPECT_EQ(run->candidate_pairs, 6u);
  EXPECT_EQ(run->total_pairs, 45u);
  // Cluster indices are numbered by their smallest row.
  EXPECT_EQ(l[0], 0u);
  EXPECT_EQ(l[2], 1u);
}

TEST(PipelineTest, TrainOnlyStopsBeforeScoringAndASavedModelScoresTheSame) {
  auto f = Load();
  RunOptions train;
  train.train_only = true;
  Result<RunResult> trained = RunLinkage(f->rules, f->input, train, nullptr);
  ASSERT_TRUE(trained.ok()) << trained.status().ToString();
  EXPECT_TRUE(trained->labels.empty());
  EXPECT_TRUE(trained->edges.empty());
  const std::string model_path = f->dir / "model.json";
  WriteFile(model_path, ModelToJson(trained->model));
  RunOptions saved;
  saved.model_path = model_path;
  Result<RunResult> a = RunLinkage(f->rules, f->input, saved, nullptr);
  Result<RunResult> b = RunLinkage(f->rules, f->input, RunOptions{}, nullptr);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->labels, b->labels);
  EXPECT_EQ(a->edges.size(), b->edges.size());
}

TEST(PipelineTest, KeptPairsAreSortedAndAboveTheirThreshold) {
  auto f = Load();
  RunOptions o;
  o.keep_pairs = true;
  o.pairs_threshold = 0.01;
  Result<RunResult> run = RunLinkage(f->rules, f->input, o, nullptr);
  ASSERT_TRUE(run.ok());
  ASSERT_FALSE(run->pairs.empty());
  for (size_t i = 0; i < run->pairs.size(); ++i) {
    EXPECT_GE(ProbabilityFromWeight(run->pairs[i].weight), 0.01);
    EXPECT_LT(run->pairs[i].a, run->pairs[i].b);
    if (i > 0) {
      EXPECT_LT(std::make_pair(run->pairs[i - 1].a, run->pairs[i - 1].b), std::make_pair(run->pairs[i].a, run->pairs[i].b));
    }
  }
}

TEST(PipelineTest, EvaluationAgainstAColumnAndAgainstPairsAgree) {
  auto f = Load();
  Result<std::vector<uint32_t>> by_column = TruthFromColumn(f->input, "truth");
  ASSERT_TRUE(by_column.ok());
  WriteFile(f->dir / "truth.csv", "id_l,id_r\n1,2\n3,4\n5,6\n7,8\n");
  Result<std::vector<uint32_t>> by_pairs = TruthFromPairs(f->input, f->dir / "truth.csv");
  ASSERT_TRUE(by_pairs.ok()) << by_pairs.status().ToString();
  EXPECT_EQ(*by_column, *by_pairs);
  RunOptions o;
  o.truth = &*by_column;
  Result<RunResult> run = RunLinkage(f->rules, f->input, o, nullptr);
  ASSERT_TRUE(run.ok());
  const RunEvaluation e = EvaluateRun(f->input, f->rules, *run, *by_column);
  EXPECT_EQ(e.clusters.pairwise.true_pairs, 4u);
  EXPECT_DOUBLE_EQ(e.clusters.pairwise.precision, 1.0);
  EXPECT_DOUBLE_EQ(e.clusters.pairwise.recall, 1.0);
  EXPECT_DOUBLE_EQ(e.blocking_recall, 1.0);
  EXPECT_DOUBLE_EQ(e.reduction_ratio, 1.0 - 6.0 / 45.0);
  ASSERT_EQ(e.rule_recall.size(), 1u);
  EXPECT_DOUBLE_EQ(e.rule_recall[0], 1.0);
}

TEST(PipelineTest, TruthErrorsAreLocated) {
  auto f = Load();
  EXPECT_EQ(TruthFromColumn(f->input, "nope").status().code(), StatusCode::kUsage);
  WriteFile(f->dir / "t1.csv", "id_l,id_r\n1,2\n3,99\n");
  Status unknown = TruthFromPairs(f->input, f->dir / "t1.csv").status();
  EXPECT_NE(unknown.message().find("t1.csv:3:3: error: record id '99' not found"), std::string::npos) << unknown.message();
  WriteFile(f->dir / "t2.csv", "1,2\n3,4\n");
  Status headerless = TruthFromPairs(f->input, f->dir / "t2.csv").status();
  EXPECT_NE(headerless.message().find("t2.csv:1:1: error: the first line holds two record ids"), std::string::npos)
      << headerless.message();
  WriteFile(f->dir / "t3.csv", "ids\n1\n");
  EXPECT_NE(TruthFromPairs(f->input, f->dir / "t3.csv").status().message().find("expected two columns"), std::string::npos);
}

// summary.json is built by the library: valid JSON with the run's figures, the evaluation object
// embedded when there is one.
TEST(PipelineTest, SummaryJsonIsValidJsonWithTheRunsFigures) {
  auto f = Load();
  Result<std::vector<uint32_t>> truth = TruthFromColumn(f->input, "truth");
  ASSERT_TRUE(truth.ok()) << truth.status().ToString();
  RunOptions options;
  options.truth = &*truth;
  std::vector<StageTiming> timings;
  Result<RunResult> run = RunLinkage(f->rules, f->input, options, &timings);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  RunContext context;
  context.command = "dedupe";
  context.rules_path = "rules.toml";
  context.threads = 3;
  context.output_commit = "atomic";
  const RunEvaluation eval = EvaluateRun(f->input, f->rules, *run, *truth);
  const std::string evaluation = EvaluationJson(eval, *run, f->input, f->rules);
  const std::string json = SummaryJson(context, f->input, *run, timings, evaluation);

  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
  EXPECT_EQ(std::string_view(doc["command"]), "dedupe");
  EXPECT_EQ(int64_t(doc["threads"]), 3);
  EXPECT_EQ(uint64_t(doc["records"]["read"]), 10u);
  EXPECT_EQ(uint64_t(doc["candidate_pairs"]), 6u);
  EXPECT_EQ(uint64_t(doc["clusters"]), 6u);
  EXPECT_EQ(uint64_t(doc["edges"]), 4u);
  EXPECT_EQ(uint64_t(doc["cluster_sizes"]["2"]), 4u);
  EXPECT_EQ(uint64_t(doc["cluster_sizes"]["1"]), 2u);
  EXPECT_EQ(std::string_view(doc["output_commit"]), "atomic");
  EXPECT_EQ(simdjson::dom::array(doc["stages"]).size(), timings.size());
  EXPECT_DOUBLE_EQ(double(doc["evaluation"]["pairwise"]["f1"]), eval.clusters.pairwise.f1);
  EXPECT_EQ(uint64_t(doc["evaluation"]["pairwise"]["true_pairs"]), 4u);
}

// Link mode on two small sources: a holds 1 and 2 (the same name and dob, different people), b
// holds 3 (the same person as 1). kRules with link_type = "link" plus extra_rules.
std::unique_ptr<Fixture> LoadTwoSourceLink(const std::string& extra_rules = "") {
  auto f = std::make_unique<Fixture>();
  WriteFile(f->dir / "a.csv", "id,first,last,dob,truth\n1,anna,smith,1980-01-02,x\n2,anna,smith,1980-01-02,y\n");
  WriteFile(f->dir / "b.csv", "id,first,last,dob,truth\n3,anna,smith,1980-01-02,x\n");
  std::string rules_text = kRules;
  rules_text.replace(rules_text.find("\"dedupe\""), 8, "\"link\"");
  Result<Rules> rules = ParseRulesString(rules_text + extra_rules, "rules.toml");
  EXPECT_TRUE(rules.ok()) << rules.status().ToString();
  if (!rules.ok()) return nullptr;
  f->rules = std::move(rules.value());
  Result<InputSpec> a = ParseInputSpec(f->dir / "a.csv"), b = ParseInputSpec(f->dir / "b.csv");
  EXPECT_TRUE(a.ok() && b.ok());
  Result<LoadedInput> input = LoadInputs(f->rules, {*a, *b}, ReadOptions{}, nullptr);
  EXPECT_TRUE(input.ok()) << input.status().ToString();
  if (!input.ok()) return nullptr;
  f->input = std::move(input.value());
  return f;
}

// Link mode reports both definitions: the usual one (every pair inside a cluster, as published
// figures count) and the cross-source one. Two records of source a that both match the one
// record of source b chain into one cluster; only 1 and 3 are the same person. Usual: the
// cluster holds 3 pairs, 1 true, so precision 1/3; cross-source: 2 pairs, 1 true, so 1/2.
TEST(PipelineTest, LinkModeEvaluationReportsBothPairDefinitions) {
  auto f = LoadTwoSourceLink();
  ASSERT_NE(f, nullptr);
  const Rules* rules = &f->rules;
  const LoadedInput* input = &f->input;
  Result<std::vector<uint32_t>> truth = TruthFromColumn(*input, "truth");
  ASSERT_TRUE(truth.ok());
  RunOptions options;
  options.truth = &*truth;
  options.threshold = 1e-6;  // three records train no meaningful model: link every candidate
  Result<RunResult> run = RunLinkage(*rules, *input, options, nullptr);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  ASSERT_EQ(run->clusters, 1u);
  const RunEvaluation e = EvaluateRun(*input, *rules, *run, *truth);
  EXPECT_EQ(e.clusters.pairwise.predicted_pairs, 3u);
  EXPECT_EQ(e.clusters.pairwise.true_positive_pairs, 1u);
  EXPECT_DOUBLE_EQ(e.clusters.pairwise.precision, 1.0 / 3);
  ASSERT_TRUE(e.has_cross_source);
  EXPECT_EQ(e.cross_source.predicted_pairs, 2u);
  EXPECT_DOUBLE_EQ(e.cross_source.precision, 0.5);
  EXPECT_DOUBLE_EQ(e.blocking_recall, 1.0);  // the one true pair is cross-source and a candidate
  const std::string json = EvaluationJson(e, *run, *input, *rules);
  EXPECT_NE(json.find("\"pairwise_cross_source\": {\"precision\": 0.5"), std::string::npos) << json;
}

// [cluster] method = "one_per_source" reaches the run: of two records of source a that both
// link to the one record of source b (equal weights: the smaller rows win), only the first joins.
TEST(PipelineTest, OnePerSourceKeepsOneRecordOfEachSourceInACluster) {
  auto f = LoadTwoSourceLink("[cluster]\nmethod = \"one_per_source\"\n");
  ASSERT_NE(f, nullptr);
  const Rules* rules = &f->rules;
  const LoadedInput* input = &f->input;
  RunOptions options;
  options.threshold = 1e-6;
  Result<RunResult> run = RunLinkage(*rules, *input, options, nullptr);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->clusters, 2u);
  EXPECT_EQ(run->labels[0], run->labels[2]);
  EXPECT_NE(run->labels[1], run->labels[0]);
  EXPECT_EQ(run->edges.size(), 1u);
}

// A placeholder in null_values is null from normalizing on: it blocks nothing, compares as null,
// and is counted per field in the result (and summary.json). Variants that normalize the same
// (case, spaces) match too.
TEST(PipelineTest, NullValuesMakePlaceholdersNullAndCountThem) {
  const std::string field = "[fields.last]\ncolumn = \"last\"\n";
  std::string rules_text = kRules;
  rules_text.replace(rules_text.find(field), field.size(),
                     field + "normalize = [\"casefold\"]\nnull_values = [\"Smith\"]\n");
  auto f = Load(rules_text);
  Result<RunResult> run = RunLinkage(f->rules, f->input, RunOptions{}, nullptr);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  ASSERT_EQ(run->placeholder_nulls.size(), 1u);
  EXPECT_EQ(run->placeholder_nulls[0].first, "last");
  EXPECT_EQ(run->placeholder_nulls[0].second, 3u);  // smith three times
  // Blocking on last: the smith block (3 pairs) is gone, the other duplicate surnames remain.
  EXPECT_EQ(run->candidate_pairs, 3u);
  RunContext context;
  context.command = "dedupe";
  const std::string json = SummaryJson(context, f->input, *run, {}, "");
  EXPECT_NE(json.find("\"placeholder_nulls\": {\"last\": 3}"), std::string::npos) << json;
}

TEST(PipelineTest, RejectsAreWrittenAsCsvThatReadsBack) {
  TempDir dir;
  const std::vector<BadRecord> rejects = {
      {"in.csv", 3, 5, "expected 2 fields (as in the header), found 3", "2,x,extra"},
      {"in.csv", 6, 4, "quote inside an unquoted field", "4,b\"ad\n5,y"},
  };
  const std::string path = dir / "rejects.csv";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  FileWriter out(fd, path);
  WriteRejectsCsv(rejects, out);
  ASSERT_TRUE(out.Finish().ok());
  EXPECT_EQ(testing::ReadFile(path),
            "file,line,column,reason,raw\n"
            "in.csv,3,5,\"expected 2 fields (as in the header), found 3\",\"2,x,extra\"\n"
            "in.csv,6,4,quote inside an unquoted field,\"4,b\"\"ad\n5,y\"\n");
  // The rejects file reads back with the reader itself, raw bytes intact.
  Result<RecordTable> back = ReadInput(path, "r", ReadOptions{}, nullptr);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->num_rows(), 2u);
  const int raw = back->FindColumn("raw");
  ASSERT_GE(raw, 0);
  EXPECT_EQ(back->column(raw).Get(1), "4,b\"ad\n5,y");
}

// A link mode's record key SOURCE:ID splits after the longest source name that starts it, so a
// source named after another's prefix ("crm", "crm:eu") or an id holding ':' splits right; a key
// of a source not among this run's names (a deleted record of a source not read tonight) splits
// at its first ':'.
TEST(PipelineTest, RecordKeysSplitAfterTheirSourceName) {
  const std::vector<std::string> names = {"crm", "crm:eu", "shop"};
  using Split = std::pair<std::string_view, std::string_view>;
  EXPECT_EQ(SplitRecordKey("crm:17", names), Split("crm", "17"));
  EXPECT_EQ(SplitRecordKey("crm:eu:17", names), Split("crm:eu", "17"));
  EXPECT_EQ(SplitRecordKey("shop:a:b", names), Split("shop", "a:b"));
  EXPECT_EQ(SplitRecordKey("web:9", names), Split("web", "9"));
  EXPECT_EQ(SplitRecordKey("plain", names), Split("", "plain"));

  TempDir dir;
  const std::string path = dir / "clusters_changed.csv";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  FileWriter out(fd, path);
  const std::vector<RecordIdentityChange> changes = {
      {"crm:eu:1", "id2", ""}, {"crm:2", "id2", "id1"}, {"shop:x,y", "", "id1"}};
  WriteClustersChangedCsv(changes, true, names, out);
  ASSERT_TRUE(out.Finish().ok());
  EXPECT_EQ(testing::ReadFile(path),
            "source,record_id,cluster_id,change,previous_cluster_id\n"
            "crm:eu,1,id2,new,\n"
            "crm,2,id2,moved,id1\n"
            "shop,\"x,y\",,deleted,id1\n");
  EXPECT_EQ(RecordChangeCounts(changes),
            (std::map<std::string_view, uint64_t>{{"new", 1}, {"moved", 1}, {"deleted", 1}}));
}

}  // namespace
}  // namespace reclink

namespace reclink {
namespace {

// [model] deterministic_rules: the prior is the pairs they produce, over their recall, over all
// pairs. Here last & dob pair 1-2, 3-4 and 5-6 (7 and 8 differ in dob): 3 pairs of 45.
TEST(PipelineTest, DeterministicRulesGiveThePrior) {
  std::string text = kRules;
  const size_t at = text.find("prior = 0.1\n");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 12, "deterministic_rules = [[\"last\", \"dob\"]]\ndeterministic_recall = 0.75\n");
  auto f = Load(text);
  ASSERT_EQ(f->rules.model.deterministic_rules.size(), 1u);
  EXPECT_EQ(f->rules.model.deterministic_rules[0].text, "last & dob");
  RunOptions options;
  options.train_only = true;
  Result<RunResult> r = RunLinkage(f->rules, f->input, options, nullptr);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_DOUBLE_EQ(r->model.prior, 3.0 / 0.75 / 45.0);
  EXPECT_NE(r->model.prior_source.find("last & dob"), std::string::npos) << r->model.prior_source;
  EXPECT_NE(r->model.prior_source.find("3 pairs"), std::string::npos) << r->model.prior_source;
  // A fixed prior wins over them.
  text.insert(text.find("deterministic_rules"), "prior = 0.2\n");
  f = Load(text);
  r = RunLinkage(f->rules, f->input, options, nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->model.prior, 0.2);
}

TEST(PipelineTest, DeterministicRulesAreChecked) {
  auto refused = [](const std::string& model, const std::string& expect) {
    std::string text = kRules;
    text.replace(text.find("prior = 0.1\n"), 12, model);
    Result<Rules> rules = ParseRulesString(text, "rules.toml");
    EXPECT_FALSE(rules.ok()) << model;
    if (!rules.ok()) {
      EXPECT_NE(rules.status().message().find(expect), std::string::npos) << rules.status().message();
    }
  };
  refused("deterministic_rules = \"email\"\n", "expected an array of rules");
  refused("deterministic_rules = [[]]\n", "empty array");
  refused("deterministic_rules = [[\"phone\"]]\n", "not defined");
  refused("deterministic_rules = [[\"soundex(\"]]\n", "deterministic rule key");
  refused("deterministic_recall = 0.5\n", "needs deterministic_rules");
  refused("deterministic_rules = [[\"last\"]]\ndeterministic_recall = 0\n", "deterministic_recall");
  refused("deterministic_rules = [[\"last\"]]\ndeterministic_recall = 1.5\n", "deterministic_recall");
}

}  // namespace
}  // namespace reclink

namespace reclink {
namespace {

// [model] train_rules: EM fits only the listed rules; the others still make candidate pairs.
TEST(PipelineTest, TrainRulesChooseTheRulesEmFits) {
  std::string text = kRules;
  text.replace(text.find("[[comparison]]"), 0, "[[blocking]]\nkeys = [\"dob\"]\n");
  const std::string all = text;
  text.replace(text.find("prior = 0.1\n"), 12, "prior = 0.1\ntrain_rules = [\"dob\"]\n");
  auto f = Load(text);
  ASSERT_EQ(f->rules.model.train_rules, std::vector<size_t>{1});
  RunOptions options;
  options.train_only = true;
  Result<RunResult> r = RunLinkage(f->rules, f->input, options, nullptr);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->model.training.size(), 1u);
  EXPECT_EQ(r->model.training[0].rule, "dob");
  // first is left in by rule 2 (dob) only: its m comes from that rule's fit.
  EXPECT_EQ(r->model.comparisons[0].trained_by, std::vector<std::string>{"dob"});
  // Without train_rules both rules are fitted.
  auto g = Load(all);
  Result<RunResult> both = RunLinkage(g->rules, g->input, options, nullptr);
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->model.training.size(), 2u);
  // By number, and the errors.
  std::string by_number = all;
  by_number.replace(by_number.find("prior = 0.1\n"), 12, "train_rules = [2, 1]\n");
  ASSERT_TRUE(ParseRulesString(by_number, "r.toml").ok());
  EXPECT_EQ(ParseRulesString(by_number, "r.toml")->model.train_rules, (std::vector<size_t>{0, 1}));
  for (const char* bad : {"train_rules = [3]\n", "train_rules = [\"email\"]\n", "train_rules = []\n",
                          "train_rules = [1, \"last\"]\n", "train_rules = 1\n", "train_rules = [1.5]\n"}) {
    std::string t = all;
    t.replace(t.find("prior = 0.1\n"), 12, bad);
    EXPECT_FALSE(ParseRulesString(t, "r.toml").ok()) << bad;
  }
}

}  // namespace
}  // namespace reclink
