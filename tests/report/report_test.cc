// The HTML report: escaping of every data value, each chart present with its marks, the same
// bytes at 1 and 4 threads, and the weight histogram's counts against the run's own.
#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <fstream>
#include <iterator>
#include <numeric>

#include "../common/temp_dir.h"
#include "reclink/report.h"
#include "reclink/run_evaluation.h"

namespace reclink {
namespace {

using testing::TempDir;
using testing::WriteFile;

// Duplicated people; record 1's name and record 3's id try to inject markup.
constexpr const char* kPeople =
    "id,first,last,dob,truth\n"
    "1,<script>alert(1)</script>,smith,1980-01-02,a\n"
    "2,<script>alert(1)</script>,smith,1980-01-02,a\n"
    "\"3\"\"><img src=x onerror=alert(2)>\",bernard,jones,1975-05-06,b\n"
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

struct Run {
  Rules rules;
  LoadedInput input;
  std::vector<uint32_t> truth;
  RunResult result;
  RunEvaluation evaluation;
};

std::unique_ptr<Run> RunOn(const std::string& rules_text, const std::string& rules_name, const std::string& path,
                           const std::string& truth_column, bool report_data) {
  auto run = std::make_unique<Run>();
  Result<Rules> rules = ParseRulesString(rules_text, rules_name);
  EXPECT_TRUE(rules.ok()) << rules.status().ToString();
  run->rules = std::move(rules.value());
  Result<InputSpec> spec = ParseInputSpec(path);
  EXPECT_TRUE(spec.ok());
  Result<LoadedInput> input = LoadInputs(run->rules, {*spec}, ReadOptions{}, nullptr);
  EXPECT_TRUE(input.ok()) << input.status().ToString();
  run->input = std::move(input.value());
  Result<std::vector<uint32_t>> truth = TruthFromColumn(run->input, truth_column);
  EXPECT_TRUE(truth.ok());
  run->truth = std::move(truth.value());
  RunOptions options;
  options.truth = &run->truth;
  if (report_data) RequestReportData(&options);
  Result<RunResult> result = RunLinkage(run->rules, run->input, options, nullptr);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  run->result = std::move(result.value());
  run->evaluation = EvaluateRun(run->input, run->rules, run->result, run->truth);
  return run;
}

std::string Render(const Run& run, const std::string& truth_column) {
  ReportContext context;
  context.command = "dedupe";
  context.rules_path = "rules.toml";
  context.truth = &run.truth;
  context.truth_column = truth_column;
  context.evaluation = &run.evaluation;
  return RenderReportHtml(context, run.rules, run.input, run.result);
}

size_t Occurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The text of the <svg> element with this id, or "" when absent.
std::string Chart(const std::string& html, const std::string& id) {
  const size_t at = html.find("id=\"" + id + "\"");
  if (at == std::string::npos) return "";
  const size_t open = html.rfind("<svg", at);
  const size_t close = html.find("</svg>", at);
  return html.substr(open, close - open);
}

TEST(ReportTest, HtmlEscapeReplacesEveryMarkupCharacter) {
  EXPECT_EQ(HtmlEscape("a<b>&\"c'd"), "a&lt;b&gt;&amp;&quot;c&#39;d");
  EXPECT_EQ(HtmlEscape("plain text, é"), "plain text, é");
  EXPECT_EQ(HtmlEscape(""), "");
}

TEST(ReportTest, RecordValuesCannotInjectMarkup) {
  TempDir dir;
  WriteFile(dir / "people.csv", kPeople);
  const auto run = RunOn(kRules, "rules.toml", dir / "people.csv", "truth", true);
  const std::string html = Render(*run, "truth");
  // Only the page's own two scripts; the record's shows as text, in the viewer and the waterfalls.
  EXPECT_EQ(Occurrences(html, "<script"), 2u);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("3&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"), std::string::npos);
  // The page may not load anything.
  EXPECT_NE(html.find("Content-Security-Policy\" content=\"default-src 'none'"), std::string::npos);
}

TEST(ReportTest, EveryChartHasItsMarks) {
  TempDir dir;
  WriteFile(dir / "people.csv", kPeople);
  const auto run = RunOn(kRules, "rules.toml", dir / "people.csv", "truth", true);
  const std::string html = Render(*run, "truth");
  for (const char* id : {"chart-blocking", "chart-weights", "chart-histogram", "chart-cluster-sizes", "chart-accuracy",
                         "waterfall-borderline-1"}) {
    const std::string svg = Chart(html, id);
    ASSERT_FALSE(svg.empty()) << id;
    EXPECT_NE(svg.find("class=\"mark"), std::string::npos) << id;
  }
  EXPECT_NE(Chart(html, "chart-histogram").find("class=\"threshold\""), std::string::npos);
  // The cluster viewer: the filter box and one tbody per shown cluster.
  EXPECT_NE(html.find("id=\"cluster-search\""), std::string::npos);
  EXPECT_GE(Occurrences(html, "<tbody data-cluster="), 3u);
}

TEST(ReportTest, WithoutReportDataTheHistogramSaysItIsMissing) {
  TempDir dir;
  WriteFile(dir / "people.csv", kPeople);
  const auto run = RunOn(kRules, "rules.toml", dir / "people.csv", "truth", false);
  EXPECT_TRUE(run->result.weight_histogram.empty());
  const std::string html = Render(*run, "truth");
  EXPECT_TRUE(Chart(html, "chart-histogram").empty());
  EXPECT_NE(html.find("No histogram"), std::string::npos);
}

// On the demo: the histogram counts every candidate pair once and every true candidate once, the
// edges do not change when the report's data is asked for, and the page is the same bytes at 1
// and 4 threads.
TEST(ReportTest, DemoReportIsDeterministicAcrossThreads) {
  const std::string root = RECLINK_SOURCE_DIR;
  std::string rules_text;
  {
    std::ifstream in(root + "/datasets/demo/rules.toml");
    rules_text.assign(std::istreambuf_iterator<char>(in), {});
  }
  const std::string data = root + "/datasets/demo/customers.csv";
  std::string pages[2];
  const int threads[2] = {1, 4};
  for (int i = 0; i < 2; ++i) {
    tbb::global_control control(tbb::global_control::max_allowed_parallelism, threads[i]);
    const auto run = RunOn(rules_text, "rules.toml", data, "entity_id", true);
    const WeightHistogram& h = run->result.weight_histogram;
    EXPECT_EQ(std::accumulate(h.pairs.begin(), h.pairs.end(), uint64_t{0}), run->result.candidate_pairs);
    EXPECT_EQ(std::accumulate(h.matches.begin(), h.matches.end(), uint64_t{0}), run->result.truth.true_candidates);
    EXPECT_EQ(run->result.borderline.size(), 12u);
    const auto plain = RunOn(rules_text, "rules.toml", data, "entity_id", false);
    ASSERT_EQ(plain->result.edges.size(), run->result.edges.size());
    for (size_t e = 0; e < plain->result.edges.size(); ++e) {
      EXPECT_EQ(plain->result.edges[e].a, run->result.edges[e].a);
      EXPECT_EQ(plain->result.edges[e].b, run->result.edges[e].b);
    }
    pages[i] = Render(*run, "entity_id");
  }
  EXPECT_GT(pages[0].size(), 10000u);
  EXPECT_EQ(pages[0], pages[1]);
}

}  // namespace
}  // namespace reclink
