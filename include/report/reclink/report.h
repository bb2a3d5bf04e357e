// The HTML report of a run: one self-contained page (inline SVG charts, a small inline script,
// no external files) showing blocking, the model's weights, the match-weight distribution,
// cluster sizes, accuracy by threshold (with truth), waterfalls of sample pairs and a searchable
// cluster viewer. docs/report.md describes each section.
#pragma once

#include <string>
#include <vector>

#include "reclink/pipeline.h"
#include "reclink/rules.h"
#include "reclink/run_evaluation.h"

namespace reclink {

// What the page says about the run beyond its results.
struct ReportContext {
  std::string command;     // "dedupe", "link" or "report"
  std::string rules_path;
  std::vector<std::string> inputs;  // as given on the command line
  // With ground truth: per-row entity labels (RunOptions::truth of the run), the column's name
  // and the run's evaluation. All null/empty without truth.
  const std::vector<uint32_t>* truth = nullptr;
  std::string truth_column;
  const RunEvaluation* evaluation = nullptr;
  // Per cluster index, the id written to clusters.csv; empty: the page names clusters by index.
  const std::vector<std::string>* cluster_ids = nullptr;
};

// Asks the run for what the report draws: the weight histogram and the pairs nearest the
// threshold. Both make scoring weigh every candidate pair in full (see RunOptions).
void RequestReportData(RunOptions* options);

// The page. Needs a run made with RequestReportData (without it, the histogram and the
// waterfalls say they are missing) and the input whose table still holds the rules' columns
// (the cluster viewer shows their raw values; a released column shows as empty). Every value from
// the data or the rules is HTML-escaped. The same input, result and context give the same bytes,
// whatever the thread count the run used (nothing time- or thread-dependent is shown).
std::string RenderReportHtml(const ReportContext& context, const Rules& rules, const LoadedInput& input,
                             const RunResult& result);

// Text with & < > " ' replaced by character references: safe in HTML text and in quoted
// attribute values.
std::string HtmlEscape(std::string_view text);

}  // namespace reclink
