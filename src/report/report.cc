// RenderReportHtml: the run's HTML page, one section per function below, each chart an inline SVG
// drawn here (no script needed to see them); the inline script only filters the cluster viewer
// and marks the page as rendered (the browser test reads the marks).
#include "reclink/report.h"

#include "reclink/profile.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "reclink/cluster.h"
#include "reclink/run_summary.h"

namespace reclink {
namespace {

std::string Fixed(double x, int digits) {
  if (!std::isfinite(x)) return x > 0 ? "inf" : x < 0 ? "-inf" : "nan";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, x);
  std::string s = buf;
  if (s == "-0" || s.find_first_not_of("-0.") == std::string::npos) s = s[0] == '-' ? s.substr(1) : s;
  return s;
}
// A probability or a share, in significant digits (m and u go down to 1e-12).
std::string Sig(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4g", x);
  return buf;
}
std::string Count(uint64_t n) { return std::to_string(n); }
std::string E(std::string_view s) { return HtmlEscape(s); }

constexpr const char* kStyle = R"(
body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:0 16px 40px;color:#222}
h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ccc;margin-top:32px}h3{font-size:15px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f4f4f4}
.note{color:#555;font-size:13px}.stats td:first-child{font-weight:600}
svg.chart{display:block;margin:8px 0;font-size:11px}svg text{fill:#333}
.pos{fill:#3a8a3a}.neg{fill:#c0392b}.base{fill:#777}.total{fill:#1f5fa8}.bar{fill:#7a9cc6}.match{fill:#e08a1e}
.threshold{stroke:#c0392b;stroke-width:1.5;stroke-dasharray:4 3}.axis{stroke:#888;stroke-width:1}
.prec{stroke:#1f5fa8}.rec{stroke:#e08a1e}.f1{stroke:#3a8a3a}polyline.mark{fill:none;stroke-width:2}
#clusters tbody{border-top:2px solid #999}#cluster-search{width:320px;padding:4px}
.waterfall{display:inline-block;vertical-align:top;margin:0 16px 16px 0}
)";

// The error marker goes first, so that an error anywhere in the page is caught.
constexpr const char* kHeadScript = R"(
(function(){var r=document.documentElement;
window.addEventListener('error',function(e){r.setAttribute('data-report-error',String(e.message||'error'));});
var ce=console.error;console.error=function(){r.setAttribute('data-report-error','console.error');ce.apply(console,arguments);};})();
)";

// Filters the cluster viewer (a cluster is shown whole when any of its text matches) and marks
// the page: data-report-ready="1" when every chart has at least one mark, else the empty
// charts' ids in data-empty-charts.
constexpr const char* kBodyScript = R"(
(function(){var r=document.documentElement;
try{
var charts=document.querySelectorAll('svg.chart'),empty=[];
for(var i=0;i<charts.length;i++){if(!charts[i].querySelector('.mark'))empty.push(charts[i].id);}
var box=document.getElementById('cluster-search'),groups=document.querySelectorAll('#clusters tbody'),
count=document.getElementById('cluster-count');
function filter(){var q=box.value.toLowerCase(),n=0;
for(var j=0;j<groups.length;j++){var show=!q||groups[j].textContent.toLowerCase().indexOf(q)>=0;
groups[j].style.display=show?'':'none';if(show)n++;}
count.textContent=n+' of '+groups.length+' clusters shown';}
if(box){box.addEventListener('input',filter);filter();}
r.setAttribute('data-charts',String(charts.length));
r.setAttribute('data-empty-charts',empty.join(' '));
r.setAttribute('data-report-ready',empty.length?'empty-chart':'1');
}catch(e){r.setAttribute('data-report-error',String(e));}})();
)";

// An SVG chart of the given size; id names it for the tests and the page's own check.
std::string SvgOpen(const std::string& id, int width, int height, const std::string& label) {
  return "<svg class=\"chart\" id=\"" + id + "\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
         std::to_string(width) + "\" height=\"" + std::to_string(height) + "\" viewBox=\"0 0 " +
         std::to_string(width) + " " + std::to_string(height) + "\" role=\"img\" aria-label=\"" + E(label) + "\">";
}
std::string Rect(const char* cls, double x, double y, double w, double h, const std::string& title) {
  return "<rect class=\"mark " + std::string(cls) + "\" x=\"" + Fixed(x, 1) + "\" y=\"" + Fixed(y, 1) +
         "\" width=\"" + Fixed(std::max(w, 0.5), 1) + "\" height=\"" + Fixed(std::max(h, 0.5), 1) + "\"><title>" +
         E(title) + "</title></rect>";
}
std::string Text(double x, double y, const std::string& text, const char* anchor = "start") {
  return "<text x=\"" + Fixed(x, 1) + "\" y=\"" + Fixed(y, 1) + "\" text-anchor=\"" + anchor + "\">" + E(text) +
         "</text>";
}
std::string Line(const char* cls, double x1, double y1, double x2, double y2) {
  return "<line class=\"" + std::string(cls) + "\" x1=\"" + Fixed(x1, 1) + "\" y1=\"" + Fixed(y1, 1) + "\" x2=\"" +
         Fixed(x2, 1) + "\" y2=\"" + Fixed(y2, 1) + "\"/>";
}

double ThresholdWeight(const RunResult& r) { return r.model.WeightForProbability(r.threshold); }

// Horizontal bars, one per row, from a zero axis (values may be negative).
struct BarRow {
  std::string label;
  double value;
  const char* cls;
  std::string title;
};
std::string HorizontalBars(const std::string& id, const std::string& label, const std::vector<BarRow>& rows,
                           int label_width, const std::string& unit) {
  const int row_h = 18, width = 900, top = 10, plot = width - label_width - 70;
  const int height = top + row_h * static_cast<int>(rows.size()) + 30;
  double lo = 0, hi = 0;
  for (const BarRow& r : rows) {
    lo = std::min(lo, r.value);
    hi = std::max(hi, r.value);
  }
  if (hi - lo <= 0) hi = lo + 1;
  auto x = [&](double v) { return label_width + (v - lo) / (hi - lo) * plot; };
  std::string s = SvgOpen(id, width, height, label);
  for (size_t i = 0; i < rows.size(); ++i) {
    const double y = top + row_h * static_cast<double>(i);
    const double x0 = x(std::min(0.0, rows[i].value)), x1 = x(std::max(0.0, rows[i].value));
    s += Text(label_width - 6, y + 13, rows[i].label, "end");
    s += Rect(rows[i].cls, x0, y + 2, x1 - x0, row_h - 4, rows[i].title);
    s += Text(x1 + 4, y + 13, rows[i].value == std::floor(rows[i].value) && std::abs(rows[i].value) < 1e15
                                  ? Fixed(rows[i].value, 0) : Fixed(rows[i].value, 2));
  }
  const double axis_bottom = top + row_h * static_cast<double>(rows.size());
  s += Line("axis", x(0), top, x(0), axis_bottom);
  s += Text(label_width + plot / 2.0, axis_bottom + 22, unit, "middle");
  return s + "</svg>\n";
}

std::string FieldValue(const LoadedInput& input, const Rules& rules, size_t field, RowId r) {
  const RecordTable& t = input.table;
  const int col = t.FindColumn(rules.fields[field].ColumnFor(t.source_names()[t.source(r)]));
  if (col < 0) return "";
  const Column& c = t.column(col);
  if (r >= c.size() || c.IsNull(r)) return "";
  return std::string(c.Get(r));
}
std::string RecordName(const LoadedInput& input, RowId r) {
  const std::string id(input.Id(r));
  return input.table.source_names().size() > 1 ? input.table.source_names()[input.table.source(r)] + ":" + id : id;
}
int FieldIndex(const Rules& rules, const std::string& name) {
  for (size_t f = 0; f < rules.fields.size(); ++f) {
    if (rules.fields[f].name == name) return static_cast<int>(f);
  }
  return -1;
}

std::string Summary(const ReportContext& ctx, const LoadedInput& input, const RunResult& r) {
  std::string s = "<h2 id=\"summary\">Run</h2>\n<table class=\"stats\">\n";
  auto row = [&](const std::string& k, const std::string& v) { s += "<tr><td>" + E(k) + "</td><td>" + E(v) + "</td></tr>\n"; };
  row("command", ctx.command);
  row("rules", ctx.rules_path);
  std::string inputs;
  for (const SourceReport& src : input.sources) {
    inputs += (inputs.empty() ? "" : ", ") + src.name + " (" + src.path + ", " + Count(src.records) + " records" +
              (src.bad ? ", " + Count(src.bad) + " rejected" : "") + ")";
  }
  row("inputs", inputs);
  row("records", Count(input.table.num_rows()));
  row("candidate pairs", Count(r.candidate_pairs) + " of " + Count(r.total_pairs) + " allowed pairs");
  row("threshold", "probability " + Sig(r.threshold) + ", match weight " + Fixed(ThresholdWeight(r), 2) + " (" +
                       ThresholdSourceInWords(r) + ")");
  row("prior", Sig(r.model.prior) + " (" + r.model.prior_source + "), weight " + Fixed(r.model.BaseWeight(), 2));
  row("links", Count(r.edges.size()));
  row("clusters", Count(r.clusters));
  if (ctx.evaluation) {
    const PairMetrics& p = ctx.evaluation->clusters.pairwise;
    row("pairwise precision / recall / F1 against '" + ctx.truth_column + "'",
        Fixed(p.precision, 4) + " / " + Fixed(p.recall, 4) + " / " + Fixed(p.f1, 4));
    row("blocking recall", Fixed(ctx.evaluation->blocking_recall, 4));
  }
  for (const std::string& w : r.block_growth_warnings) row("warning", w);
  for (const std::string& w : r.model.warnings) row("warning", w);
  return s + "</table>\n";
}

std::string BlockingSection(const RunResult& r) {
  std::string s = "<h2 id=\"blocking\">Blocking rules</h2>\n<p class=\"note\">Candidate pairs each rule adds "
                  "(pairs an earlier rule already made are counted there), and the largest blocks of each rule: "
                  "a block of n records makes n(n-1)/2 pairs.</p>\n";
  std::vector<BarRow> rows;
  for (size_t i = 0; i < r.rules.size(); ++i) {
    rows.push_back({std::to_string(i + 1) + ". " + r.rules[i].text, static_cast<double>(r.rules[i].pairs), "bar",
                    r.rules[i].text + ": " + Count(r.rules[i].pairs) + " pairs"});
  }
  s += HorizontalBars("chart-blocking", "candidate pairs per blocking rule", rows, 300, "candidate pairs added");
  s += "<table><tr><th>rule</th><th class=\"n\">records with a key</th><th class=\"n\">blocks</th>"
       "<th class=\"n\">pairs added</th><th>largest blocks (key: records)</th></tr>\n";
  for (size_t i = 0; i < r.rules.size(); ++i) {
    const RuleStats& rs = r.rules[i];
    std::string largest;
    for (size_t b = 0; b < rs.largest.size() && b < 5; ++b) {
      largest += (b ? "<br>" : "") + E(rs.largest[b].key) + ": " + Count(rs.largest[b].size);
      // A large block of a placeholder key pairs strangers: say so, as reclink blocks does.
      const std::string& key = rs.largest[b].key;
      std::string reason;
      for (size_t from = 0; from <= key.size() && reason.empty();) {
        size_t to = key.find(" | ", from);
        if (to == std::string::npos) to = key.size();
        reason = PlaceholderReason(std::string_view(key).substr(from, to - from));
        from = to + 3;
      }
      if (!reason.empty() && rs.largest[b].size >= 10) largest += " <em>(placeholder? " + E(reason) + ")</em>";
    }
    s += "<tr><td>" + std::to_string(i + 1) + ". " + E(rs.text) + "</td><td class=\"n\">" + Count(rs.records_with_key) +
         "</td><td class=\"n\">" + Count(rs.blocks) + "</td><td class=\"n\">" + Count(rs.pairs) + "</td><td>" +
         largest + "</td></tr>\n";
  }
  s += "<tr><th>all rules</th><td></td><td></td><td class=\"n\">" + Count(r.candidate_pairs) + "</td><td></td></tr>\n";
  s += "</table>\n";
  if (!r.oversized.empty()) {
    s += "<h3>Skipped oversized blocks</h3>\n<table><tr><th>rule</th><th>key</th><th class=\"n\">records</th>"
         "<th class=\"n\">pairs skipped</th></tr>\n";
    for (const OversizedBlock& ob : r.oversized) {
      s += "<tr><td>" + std::to_string(ob.rule + 1) + "</td><td>" + E(ob.key) + "</td><td class=\"n\">" +
           Count(ob.size) + "</td><td class=\"n\">" + Count(ob.pairs_skipped) + "</td></tr>\n";
    }
    s += "</table>\n";
  }
  return s;
}

std::string WeightsSection(const RunResult& r) {
  const Model& m = r.model;
  std::string s = "<h2 id=\"weights\">Match weights</h2>\n<p class=\"note\">Each comparison level's match weight "
                  "log2(m/u): how much a pair's agreement at that level moves the odds that it is a match. m is "
                  "the share of matches at the level, u the share of non-matches. The prior's weight is where "
                  "every pair starts; the null level (a value missing) weighs 0 and is not drawn.</p>\n";
  std::vector<BarRow> rows;
  rows.push_back({"prior", m.BaseWeight(), "base", "prior " + Sig(m.prior) + ": weight " + Fixed(m.BaseWeight(), 2)});
  for (const ComparisonParams& cp : m.comparisons) {
    for (size_t lv = 1; lv < cp.levels.size(); ++lv) {
      const LevelParams& l = cp.levels[lv];
      const double w = l.Weight();
      rows.push_back({cp.name + ": " + l.label, w, w >= 0 ? "pos" : "neg",
                      cp.name + " " + l.label + ": m " + Sig(l.m) + ", u " + Sig(l.u) + ", weight " + Fixed(w, 2)});
    }
  }
  s += HorizontalBars("chart-weights", "match weight per comparison level", rows, 330, "match weight (bits)");
  s += "<table><tr><th>comparison</th><th>level</th><th class=\"n\">m</th><th class=\"n\">u</th>"
       "<th class=\"n\">weight</th><th>m from</th><th>u from</th></tr>\n";
  for (const ComparisonParams& cp : m.comparisons) {
    for (size_t lv = 0; lv < cp.levels.size(); ++lv) {
      const LevelParams& l = cp.levels[lv];
      s += "<tr><td>" + E(cp.name) + (cp.tf_adjust ? " (tf)" : "") + "</td><td>" + E(l.label) + "</td><td class=\"n\">" +
           Sig(l.m) + "</td><td class=\"n\">" + Sig(l.u) + "</td><td class=\"n\">" + Fixed(l.Weight(), 2) +
           "</td><td>" + E(l.m_source) + "</td><td>" + E(l.u_source) + "</td></tr>\n";
    }
  }
  return s + "</table>\n";
}

// The first and last non-empty bins, widened to include the threshold's bin; false when empty.
bool HistogramRange(const RunResult& r, int* lo, int* hi) {
  const std::vector<uint64_t>& h = r.weight_histogram.pairs;
  *lo = WeightHistogram::kBins;
  *hi = -1;
  for (int b = 0; b < static_cast<int>(h.size()); ++b) {
    if (h[b]) {
      *lo = std::min(*lo, b);
      *hi = b;
    }
  }
  if (*hi < 0) return false;
  const int t = WeightHistogram::Bin(ThresholdWeight(r));
  *lo = std::min(*lo, t);
  *hi = std::max(*hi, t);
  return true;
}

std::string HistogramSection(const ReportContext& ctx, const RunResult& r) {
  std::string s = "<h2 id=\"histogram\">Match weights of the candidate pairs</h2>\n";
  int lo = 0, hi = 0;
  if (r.weight_histogram.empty() || !HistogramRange(r, &lo, &hi)) {
    return s + "<p class=\"note\">No histogram: the run did not weigh its candidate pairs in full, or had none.</p>\n";
  }
  const WeightHistogram& h = r.weight_histogram;
  const bool truth = !h.matches.empty();
  s += "<p class=\"note\">Every candidate pair counted by its match weight, in bins of " + Fixed(WeightHistogram::kWidth, 2) +
       " bits (log scale: bar height grows with log10(1 + pairs)). The dashed line is the threshold: pairs at or "
       "right of it link." + std::string(truth ? " Orange: the true matches among them (from '" + E(ctx.truth_column) + "')." : "") +
       "</p>\n";
  const int width = 900, height = 300, left = 50, bottom = 40, top = 10;
  const int n = hi - lo + 1;
  const double bw = static_cast<double>(width - left - 10) / n;
  double max_log = 0;
  for (int b = lo; b <= hi; ++b) max_log = std::max(max_log, std::log10(1.0 + static_cast<double>(h.pairs[b])));
  if (max_log <= 0) max_log = 1;
  const double plot_h = height - top - bottom;
  auto y_of = [&](uint64_t c) { return plot_h * std::log10(1.0 + static_cast<double>(c)) / max_log; };
  s += SvgOpen("chart-histogram", width, height, "histogram of candidate pairs by match weight");
  for (int b = lo; b <= hi; ++b) {
    const double x = left + (b - lo) * bw;
    const std::string range = "[" + Fixed(WeightHistogram::Lower(b), 2) + ", " + Fixed(WeightHistogram::Lower(b + 1), 2) + ")";
    if (h.pairs[b]) {
      const double y = y_of(h.pairs[b]);
      s += Rect("bar", x, top + plot_h - y, bw * 0.9, y,
                "weight " + range + ": " + Count(h.pairs[b]) + " pairs" +
                    (truth ? ", " + Count(h.matches[b]) + " true matches" : ""));
    }
    if (truth && h.matches[b]) {
      const double y = y_of(h.matches[b]);
      s += Rect("match", x + bw * 0.2, top + plot_h - y, bw * 0.5, y, "weight " + range + ": " + Count(h.matches[b]) + " true matches");
    }
  }
  s += Line("axis", left, top + plot_h, width - 10, top + plot_h);
  // Axis labels every few bits.
  const double lo_w = WeightHistogram::Lower(lo), hi_w = WeightHistogram::Lower(hi + 1);
  const double step = (hi_w - lo_w) > 40 ? 10 : (hi_w - lo_w) > 16 ? 5 : 2;
  for (double w = std::ceil(lo_w / step) * step; w <= hi_w; w += step) {
    const double x = left + (w - lo_w) / WeightHistogram::kWidth * bw;
    s += Line("axis", x, top + plot_h, x, top + plot_h + 4) + Text(x, top + plot_h + 16, Fixed(w, 0), "middle");
  }
  const double tx = left + (ThresholdWeight(r) - lo_w) / WeightHistogram::kWidth * bw;
  s += Line("threshold", tx, top, tx, top + plot_h);
  s += Text(tx + 4, top + 12, "threshold " + Fixed(ThresholdWeight(r), 2));
  s += Text(left + (width - left) / 2.0, height - 6, "match weight (bits)", "middle");
  s += Text(4, top + 10, Count(*std::max_element(h.pairs.begin(), h.pairs.end())) + " pairs");
  return s + "</svg>\n";
}

std::string ClusterSizeSection(const RunResult& r) {
  std::string s = "<h2 id=\"cluster-sizes\">Cluster sizes</h2>\n<p class=\"note\">How many clusters have each "
                  "size (log scale). Singletons are records linked to nothing; a long tail of large clusters "
                  "often means chains of links through a few loose pairs.</p>\n";
  const std::map<uint64_t, uint64_t> hist = ClusterSizeHistogram(r.labels);
  std::vector<std::pair<uint64_t, uint64_t>> bars(hist.begin(), hist.end());
  if (bars.empty()) return s + "<p class=\"note\">No records.</p>\n";
  const int width = 900, height = 240, left = 50, top = 10, bottom = 40;
  const double plot_h = height - top - bottom;
  const double bw = std::min(60.0, static_cast<double>(width - left - 10) / bars.size());
  double max_log = 0;
  for (const auto& [size, count] : bars) max_log = std::max(max_log, std::log10(1.0 + static_cast<double>(count)));
  s += SvgOpen("chart-cluster-sizes", width, height, "clusters per size");
  for (size_t i = 0; i < bars.size(); ++i) {
    const double x = left + i * bw;
    const double y = plot_h * std::log10(1.0 + static_cast<double>(bars[i].second)) / max_log;
    s += Rect("bar", x, top + plot_h - y, bw * 0.85, y,
              Count(bars[i].second) + " clusters of " + Count(bars[i].first) + " records");
    if (bars.size() <= 40 || i % ((bars.size() + 39) / 40) == 0) {
      s += Text(x + bw * 0.42, top + plot_h + 14, Count(bars[i].first), "middle");
    }
  }
  s += Line("axis", left, top + plot_h, width - 10, top + plot_h);
  s += Text(left + (width - left) / 2.0, height - 6, "cluster size (records)", "middle");
  s += "</svg>\n<table><tr><th class=\"n\">size</th><th class=\"n\">clusters</th><th class=\"n\">records</th></tr>\n";
  for (const auto& [size, count] : bars) {
    s += "<tr><td class=\"n\">" + Count(size) + "</td><td class=\"n\">" + Count(count) + "</td><td class=\"n\">" +
         Count(size * count) + "</td></tr>\n";
  }
  return s + "</table>\n";
}

// Pairwise precision, recall and F1 of linking every candidate pair at or above each bin's
// lower edge, from the histogram's truth counts: before clustering (no transitive links), with
// recall over every true pair (those blocking missed count as missed).
std::string AccuracySection(const ReportContext& ctx, const RunResult& r) {
  if (!ctx.evaluation) return "";
  std::string s = "<h2 id=\"accuracy\">Accuracy by threshold</h2>\n";
  const WeightHistogram& h = r.weight_histogram;
  int lo = 0, hi = 0;
  if (h.matches.empty() || !HistogramRange(r, &lo, &hi)) {
    return s + "<p class=\"note\">No truth counts per weight: the run did not weigh its candidate pairs in full.</p>\n";
  }
  const RunEvaluation& e = *ctx.evaluation;
  const uint64_t true_pairs = e.has_cross_source ? e.cross_source.true_pairs : e.clusters.pairwise.true_pairs;
  s += "<p class=\"note\">Pairwise precision, recall and F1 of the candidate pairs at or above each match weight, "
       "against '" + E(ctx.truth_column) + "', before clustering (a cluster also holds pairs linked only through "
       "others). Recall is over all " + Count(true_pairs) + " true pairs" +
       (e.has_cross_source ? " across sources" : "") + ", so pairs that blocking missed cap it. The dashed line is "
       "the threshold.</p>\n";
  struct Point {
    double weight, precision, recall, f1;
    uint64_t predicted, correct;
  };
  std::vector<Point> points;
  uint64_t predicted = 0, correct = 0;
  for (int b = hi; b >= lo; --b) {  // from the top: cumulative counts at or above the bin
    predicted += h.pairs[b];
    correct += h.matches[b];
    Point p{WeightHistogram::Lower(b), predicted ? static_cast<double>(correct) / predicted : 1.0,
            true_pairs ? static_cast<double>(correct) / true_pairs : 1.0, 0, predicted, correct};
    p.f1 = p.precision + p.recall > 0 ? 2 * p.precision * p.recall / (p.precision + p.recall) : 0;
    points.push_back(p);
  }
  std::reverse(points.begin(), points.end());
  const int width = 900, height = 300, left = 50, top = 10, bottom = 40;
  const double plot_w = width - left - 120, plot_h = height - top - bottom;
  const double lo_w = points.front().weight, hi_w = points.back().weight;
  const double span = hi_w > lo_w ? hi_w - lo_w : 1;
  auto x_of = [&](double w) { return left + (w - lo_w) / span * plot_w; };
  auto y_of = [&](double v) { return top + plot_h * (1 - v); };
  s += SvgOpen("chart-accuracy", width, height, "precision, recall and F1 by threshold");
  const std::pair<const char*, double Point::*> series[] = {
      {"prec", &Point::precision}, {"rec", &Point::recall}, {"f1", &Point::f1}};
  const char* names[] = {"precision", "recall", "F1"};
  for (int k = 0; k < 3; ++k) {
    s += "<polyline class=\"mark " + std::string(series[k].first) + "\" points=\"";
    for (const Point& p : points) s += Fixed(x_of(p.weight), 1) + "," + Fixed(y_of(p.*series[k].second), 1) + " ";
    s += "\"><title>" + std::string(names[k]) + "</title></polyline>";
    s += Line(series[k].first, width - 110, top + 14 + 18 * k, width - 90, top + 14 + 18 * k);
    s += Text(width - 86, top + 18 + 18 * k, names[k]);
  }
  for (double v = 0; v <= 1.0001; v += 0.25) {
    s += Line("axis", left - 4, y_of(v), left, y_of(v)) + Text(left - 6, y_of(v) + 4, Fixed(v, 2), "end");
  }
  const double step = span > 40 ? 10 : span > 16 ? 5 : 2;
  for (double w = std::ceil(lo_w / step) * step; w <= hi_w; w += step) {
    s += Line("axis", x_of(w), top + plot_h, x_of(w), top + plot_h + 4) + Text(x_of(w), top + plot_h + 16, Fixed(w, 0), "middle");
  }
  s += Line("axis", left, top, left, top + plot_h) + Line("axis", left, top + plot_h, left + plot_w, top + plot_h);
  const double tw = ThresholdWeight(r);
  s += Line("threshold", x_of(tw), top, x_of(tw), top + plot_h);
  s += Text(left + plot_w / 2, height - 6, "threshold (match weight, bits)", "middle");
  s += "</svg>\n<table><tr><th class=\"n\">weight at least</th><th class=\"n\">probability</th><th class=\"n\">pairs"
       "</th><th class=\"n\">true matches</th><th class=\"n\">precision</th><th class=\"n\">recall</th>"
       "<th class=\"n\">F1</th></tr>\n";
  for (const Point& p : points) {
    if (std::fmod(p.weight, 2.0) != 0) continue;  // every 2 bits
    s += "<tr><td class=\"n\">" + Fixed(p.weight, 1) + "</td><td class=\"n\">" + Sig(r.model.Probability(p.weight)) +
         "</td><td class=\"n\">" + Count(p.predicted) + "</td><td class=\"n\">" + Count(p.correct) + "</td><td class=\"n\">" +
         Fixed(p.precision, 4) + "</td><td class=\"n\">" + Fixed(p.recall, 4) + "</td><td class=\"n\">" + Fixed(p.f1, 4) +
         "</td></tr>\n";
  }
  return s + "</table>\n";
}

// One pair's waterfall: the prior's weight, each comparison's step, the final weight, against the
// threshold; then the pair's values per comparison.
std::string Waterfall(const std::string& id, const std::string& caption, const Rules& rules, const LoadedInput& input,
                      const RunResult& r, const ScoredPair& p) {
  const Model& m = r.model;
  const size_t nc = m.comparisons.size();
  struct Step {
    std::string label;
    double from, to;
    const char* cls;
  };
  std::vector<Step> steps;
  double running = m.BaseWeight();
  steps.push_back({"prior", 0, running, "base"});
  for (size_t c = 0; c < nc && c < p.weights.size(); ++c) {
    const double w = p.weights[c];
    steps.push_back({m.comparisons[c].name, running, running + w, w >= 0 ? "pos" : "neg"});
    running += w;
  }
  steps.push_back({"match weight", 0, p.weight, "total"});
  const double tw = ThresholdWeight(r);
  double lo = std::min(0.0, tw), hi = std::max(0.0, tw);
  for (const Step& s : steps) {
    lo = std::min({lo, s.from, s.to});
    hi = std::max({hi, s.from, s.to});
  }
  lo -= 1;
  hi += 1;
  const int col = 60, left = 40, top = 10, plot_h = 200, bottom = 50;
  const int width = left + col * static_cast<int>(steps.size()) + 10, height = top + plot_h + bottom;
  auto y_of = [&](double v) { return top + (hi - v) / (hi - lo) * plot_h; };
  std::string s = "<div class=\"waterfall\"><h3>" + E(caption) + "</h3>\n";
  s += SvgOpen(id, width, height, "waterfall of match weights: " + caption);
  for (size_t i = 0; i < steps.size(); ++i) {
    const Step& st = steps[i];
    const double x = left + col * static_cast<double>(i);
    const double y0 = y_of(std::max(st.from, st.to)), y1 = y_of(std::min(st.from, st.to));
    const double d = st.to - st.from;
    s += Rect(st.cls, x + 6, y0, col - 12, y1 - y0,
              st.label + ": " + (i == 0 || i + 1 == steps.size() ? Fixed(st.to, 2) : (d >= 0 ? "+" : "") + Fixed(d, 2)));
    // The final weight to 2 decimals: a pair just below the threshold must not read as equal to it.
    s += Text(x + col / 2.0, y0 - 3,
              i + 1 == steps.size() ? Fixed(st.to, 2) : i == 0 ? Fixed(st.to, 1) : (d >= 0 ? "+" : "") + Fixed(d, 1),
              "middle");
    std::string label = st.label.size() > 9 ? st.label.substr(0, 8) + "." : st.label;
    s += Text(x + col / 2.0, top + plot_h + 16, label, "middle");
  }
  s += Line("axis", left, y_of(0), width - 10, y_of(0));
  s += Line("threshold", left, y_of(tw), width - 10, y_of(tw));
  s += Text(4, y_of(tw) - 3, "threshold");
  char probability[64];
  std::snprintf(probability, sizeof probability, "%.6g", r.model.Probability(p.weight));
  s += Text(left, height - 8, "weight " + Fixed(p.weight, 3) + ", probability " + probability);
  s += "</svg>\n<table><tr><th>comparison</th><th>" + E(RecordName(input, p.a)) + "</th><th>" + E(RecordName(input, p.b)) +
       "</th><th>level</th><th class=\"n\">weight</th></tr>\n";
  for (size_t c = 0; c < nc && c < p.gamma.size(); ++c) {
    const ComparisonParams& cp = m.comparisons[c];
    const int f = FieldIndex(rules, cp.field);
    const std::string va = f >= 0 ? FieldValue(input, rules, f, p.a) : "", vb = f >= 0 ? FieldValue(input, rules, f, p.b) : "";
    s += "<tr><td>" + E(cp.name) + "</td><td>" + E(va) + "</td><td>" + E(vb) + "</td><td>" + E(cp.levels[p.gamma[c]].label) +
         "</td><td class=\"n\">" + (c < p.weights.size() ? Fixed(p.weights[c], 2) : "") + "</td></tr>\n";
  }
  return s + "</table></div>\n";
}

std::string WaterfallSection(const ReportContext& ctx, const Rules& rules, const LoadedInput& input, const RunResult& r) {
  std::string s = "<h2 id=\"waterfalls\">Why pairs score what they score</h2>\n<p class=\"note\">Waterfalls: the "
                  "prior's weight, then each comparison's weight for the pair's level (green adds, red takes away), "
                  "and the pair's match weight (blue) against the threshold (dashed). Below each, the records' raw "
                  "values of the compared fields.</p>\n";
  constexpr size_t kBorderline = 6, kErrors = 4;
  s += "<h3>Pairs nearest the threshold</h3>\n";
  if (r.borderline.empty()) s += "<p class=\"note\">None kept by the run.</p>\n";
  for (size_t i = 0; i < r.borderline.size() && i < kBorderline; ++i) {
    const ScoredPair& p = r.borderline[i];
    std::string verdict = p.weight >= ThresholdWeight(r) ? "linked" : "not linked";
    if (ctx.truth) verdict += (*ctx.truth)[p.a] == (*ctx.truth)[p.b] ? ", a true match" : ", not a true match";
    s += Waterfall("waterfall-borderline-" + std::to_string(i + 1),
                   RecordName(input, p.a) + " ~ " + RecordName(input, p.b) + " (" + verdict + ")", rules, input, r, p);
  }
  if (ctx.evaluation) {
    s += "<h3>Worst errors against '" + E(ctx.truth_column) + "'</h3>\n<p class=\"note\">The highest-weight "
         "candidate pairs that are not true matches, and the lowest-weight true matches left below the "
         "threshold.</p>\n";
    for (size_t i = 0; i < r.truth.false_links.size() && i < kErrors; ++i) {
      const ScoredPair& p = r.truth.false_links[i];
      s += Waterfall("waterfall-false-" + std::to_string(i + 1),
                     "false link: " + RecordName(input, p.a) + " ~ " + RecordName(input, p.b), rules, input, r, p);
    }
    for (size_t i = 0; i < r.truth.missed_links.size() && i < kErrors; ++i) {
      const ScoredPair& p = r.truth.missed_links[i];
      s += Waterfall("waterfall-missed-" + std::to_string(i + 1),
                     "missed match: " + RecordName(input, p.a) + " ~ " + RecordName(input, p.b), rules, input, r, p);
    }
  }
  return s;
}

std::string ClusterViewer(const ReportContext& ctx, const Rules& rules, const LoadedInput& input, const RunResult& r) {
  constexpr size_t kClusters = 15, kMembers = 40;
  std::string s = "<h2 id=\"cluster-viewer\">Clusters</h2>\n<p class=\"note\">The largest clusters, and the "
                  "borderline ones: those whose weakest link is nearest the threshold. Each record with its raw "
                  "values of the rules' fields. Type to filter: a cluster stays when any of its text matches.</p>\n";
  const size_t n = r.clusters;
  std::vector<std::vector<RowId>> members(n);
  for (RowId row = 0; row < r.labels.size(); ++row) {
    if (members[r.labels[row]].size() <= kMembers) members[r.labels[row]].push_back(row);
  }
  std::vector<uint64_t> size(n, 0);
  for (uint32_t l : r.labels) ++size[l];
  std::vector<double> weakest(n, std::numeric_limits<double>::infinity());
  for (const Edge& e : r.edges) weakest[r.labels[e.a]] = std::min(weakest[r.labels[e.a]], e.weight);
  std::vector<uint32_t> order;
  for (uint32_t c = 0; c < n; ++c) {
    if (size[c] >= 2) order.push_back(c);
  }
  std::vector<std::pair<uint32_t, const char*>> shown;
  std::set<uint32_t> taken;
  std::vector<uint32_t> by_size = order;
  std::stable_sort(by_size.begin(), by_size.end(), [&](uint32_t x, uint32_t y) { return size[x] > size[y]; });
  for (size_t i = 0; i < by_size.size() && i < kClusters; ++i) {
    shown.push_back({by_size[i], "largest"});
    taken.insert(by_size[i]);
  }
  std::vector<uint32_t> by_weak = order;
  std::stable_sort(by_weak.begin(), by_weak.end(), [&](uint32_t x, uint32_t y) { return weakest[x] < weakest[y]; });
  size_t added = 0;
  for (size_t i = 0; i < by_weak.size() && added < kClusters; ++i) {
    if (taken.insert(by_weak[i]).second) {
      shown.push_back({by_weak[i], "borderline"});
      ++added;
    }
  }
  const bool sources = input.table.source_names().size() > 1;
  int truth_col = -1;
  if (ctx.truth) truth_col = input.table.FindColumn(ctx.truth_column);
  s += "<p><input id=\"cluster-search\" type=\"search\" placeholder=\"filter: an id, a name, a postcode...\" "
       "aria-label=\"filter clusters\"> <span id=\"cluster-count\" class=\"note\"></span></p>\n";
  s += "<div style=\"overflow-x:auto\"><table id=\"clusters\"><thead><tr><th>cluster</th><th>kind</th><th class=\"n\">size</th>"
       "<th class=\"n\">weakest link</th><th>record</th>";
  if (truth_col >= 0) s += "<th>" + E(ctx.truth_column) + "</th>";
  for (const FieldSpec& f : rules.fields) s += "<th>" + E(f.name) + "</th>";
  s += "</tr></thead>\n";
  for (const auto& [c, kind] : shown) {
    const std::string name = ctx.cluster_ids && c < ctx.cluster_ids->size() ? (*ctx.cluster_ids)[c] : "#" + std::to_string(c);
    s += "<tbody data-cluster=\"" + E(name) + "\">";
    const std::vector<RowId>& rows = members[c];
    for (size_t i = 0; i < rows.size() && i < kMembers; ++i) {
      const RowId row = rows[i];
      s += "<tr>";
      if (i == 0) {
        s += "<td>" + E(name) + "</td><td>" + kind + "</td><td class=\"n\">" + Count(size[c]) + "</td><td class=\"n\">" +
             Fixed(weakest[c], 2) + "</td>";
      } else {
        s += "<td></td><td></td><td></td><td></td>";
      }
      s += "<td>" + E(sources ? RecordName(input, row) : std::string(input.Id(row))) + "</td>";
      if (truth_col >= 0) {
        const Column& col = input.table.column(truth_col);
        s += "<td>" + (row < col.size() && !col.IsNull(row) ? E(col.Get(row)) : std::string()) + "</td>";
      }
      for (size_t f = 0; f < rules.fields.size(); ++f) s += "<td>" + E(FieldValue(input, rules, f, row)) + "</td>";
      s += "</tr>";
    }
    if (size[c] > kMembers) {
      s += "<tr><td colspan=\"5\" class=\"note\">and " + Count(size[c] - kMembers) + " more records</td></tr>";
    }
    s += "</tbody>\n";
  }
  return s + "</table></div>\n";
}

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += ch;
    }
  }
  return out;
}

void RequestReportData(RunOptions* options) {
  options->weight_histogram = true;
  options->borderline_pairs = std::max<size_t>(options->borderline_pairs, 12);
}

std::string RenderReportHtml(const ReportContext& context, const Rules& rules, const LoadedInput& input,
                             const RunResult& result) {
  std::string s;
  s += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  // Nothing may load from anywhere: the page is self-contained, and a value that slipped past
  // escaping still could not fetch or run anything foreign.
  s += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
       "script-src 'unsafe-inline'; img-src data:\">\n";
  s += "<title>reclink report: " + E(context.rules_path) + "</title>\n<script>" + std::string(kHeadScript) +
       "</script>\n<style>" + std::string(kStyle) + "</style>\n</head>\n<body>\n";
  s += "<h1>reclink report</h1>\n<p class=\"note\">Sections: <a href=\"#summary\">run</a> · <a href=\"#blocking\">"
       "blocking</a> · <a href=\"#weights\">match weights</a> · <a href=\"#histogram\">weight distribution</a> · "
       "<a href=\"#cluster-sizes\">cluster sizes</a>" +
       std::string(context.evaluation ? " · <a href=\"#accuracy\">accuracy by threshold</a>" : "") +
       " · <a href=\"#waterfalls\">waterfalls</a> · <a href=\"#cluster-viewer\">clusters</a></p>\n";
  s += Summary(context, input, result);
  s += BlockingSection(result);
  s += WeightsSection(result);
  s += HistogramSection(context, result);
  s += ClusterSizeSection(result);
  s += AccuracySection(context, result);
  s += WaterfallSection(context, rules, input, result);
  s += ClusterViewer(context, rules, input, result);
  s += "<script>" + std::string(kBodyScript) + "</script>\n</body>\n</html>\n";
  return s;
}

}  // namespace reclink
