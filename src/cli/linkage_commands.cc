// reclink dedupe | link | train | evaluate | explain: run the pipeline and render its results.
#include <tbb/global_control.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "allocator.h"
#include "commands.h"
#include "process_group.h"
#include "progress_line.h"
#include "reclink/atomic_file.h"
#include "reclink/csv_writer.h"
#include "reclink/evaluate.h"
#include "reclink/explain.h"
#include "reclink/golden.h"
#include "reclink/incremental.h"
#include "reclink/json_writer.h"
#include "reclink/output_set.h"
#include "reclink/report.h"
#include "reclink/run_evaluation.h"
#include "reclink/run_state.h"
#include "reclink/run_summary.h"
#include "reclink/version.h"

namespace reclink::cli {
namespace {

std::string Fixed(double x, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, x);
  return buf;
}

struct Loaded {
  Rules rules;
  LoadedInput input;
  std::vector<BadRecord> rejects;
  MemoryPlan memory;
};

// What a command needs before it reads any data: the rules, the inputs and the read options.
struct Prepared {
  Rules rules;
  std::vector<InputSpec> inputs;
  ReadOptions read;
  MemoryPlan memory;
};

std::string HumanBytes(uint64_t b);

void SetMemory(const MemoryPlan& m, RunContext* context) {
  context->huge_pages_off = SmallPagesForThisProcess();
  context->memory_limit = m.limit;
  context->memory_estimate = m.estimate;
  if (m.spill != nullptr) {
    context->spilled_bytes = m.spill->bytes();
    context->temp_dir = m.temp_dir;
  }
}

std::string HumanSize(uint64_t b) {
  const double gib = static_cast<double>(b) / (1024.0 * 1024.0 * 1024.0);
  return gib >= 1 ? Fixed(gib, 1) + " GiB" : HumanBytes(b);
}

// incremental: the inputs hold only what changed, so a link run may change one source only, and
// a run with deletions (deletions_only_ok) may have no inputs at all.
Result<Prepared> Prepare(const CommonOptions& o, const std::string& rules_path, bool incremental, bool deletions_only_ok) {
  Prepared p;
  Result<Rules> rules = LoadRulesFile(rules_path);
  if (!rules.ok()) return rules.status();
  p.rules = std::move(rules.value());
  Result<ReadOptions> ro = MakeReadOptions(o);
  if (!ro.ok()) return ro.status();
  p.read = *ro;
  // A night's extract of what changed may hold nothing (a header alone, an empty file).
  p.read.allow_empty = incremental;
  Result<std::vector<InputSpec>> inputs = ParseInputs(o, &p.rules);
  if (!inputs.ok() && deletions_only_ok && o.inputs.empty()) {
    return p;  // an incremental night that only deletes: no inputs to read
  }
  if (!inputs.ok()) return inputs.status();
  p.inputs = std::move(inputs.value());
  std::vector<std::string> paths;
  for (const InputSpec& in : p.inputs) paths.push_back(in.path);
  Result<MemoryPlan> memory = PlanMemory(o, paths);
  if (!memory.ok()) return memory.status();
  p.memory = std::move(memory.value());
  if (p.memory.spill != nullptr) {
    p.read.spill = p.memory.spill;
    if (!o.quiet && ProcessGroup().is_root()) {
      std::fprintf(stderr,
                   "reclink: the inputs may need about %s, more than --memory-limit %s: the record columns, "
                   "blocking index and comparison slots go to files in %s and are read back as needed, and training and "
                   "scoring go a partition of the pairs at a time\n",
                   HumanSize(p.memory.estimate).c_str(), HumanSize(p.memory.limit).c_str(), p.memory.temp_dir.c_str());
    }
  }
  if (p.rules.link_type != LinkType::kDedupe && p.inputs.size() < 2 && !incremental) {
    return Status::Usage(rules_path + ": error: link_type is not \"dedupe\", so at least two inputs are needed; found " +
                         std::to_string(p.inputs.size()));
  }
  return p;
}

// group: the ranks of a job, which read the inputs together (collective); nullptr: alone.
Result<Loaded> Read(Prepared&& p, Collective* group = nullptr) {
  Loaded l;
  l.rules = std::move(p.rules);
  l.memory = p.memory;
  if (p.inputs.empty()) return l;  // nothing to read (Prepare allowed it: deletions only)
  Result<LoadedInput> input = LoadInputs(l.rules, p.inputs, p.read, &l.rejects, group);
  if (!input.ok()) return input.status();
  if (ProcessGroup().is_root()) {  // in an MPI job, every rank reads the same input: warn once
    for (const std::string& w : input->warnings) std::fprintf(stderr, "reclink: warning: %s\n", w.c_str());
  }
  l.input = std::move(input.value());
  return l;
}

Result<Loaded> Load(const CommonOptions& o, const std::string& rules_path) {
  Result<Prepared> p = Prepare(o, rules_path, false, false);
  if (!p.ok()) return p.status();
  return Read(std::move(p.value()));
}

std::string HumanBytes(uint64_t b) {
  return Fixed(static_cast<double>(b) / (1024.0 * 1024.0), 1) + " MiB";
}

std::string PairLine(const LoadedInput& input, const RunResult& result, const ScoredPair& p) {
  std::string s = "  " + input.DisplayId(p.a) + " ~ " + input.DisplayId(p.b) + "  weight " +
                  Fixed(p.weight, 2) + "  p=" + Fixed(result.model.Probability(p.weight), 4) + "  ";
  for (size_t c = 0; c < p.gamma.size(); ++c) {
    const ComparisonParams& cp = result.model.comparisons[c];
    s += (c ? ", " : "") + cp.name + "=" + cp.levels[p.gamma[c]].label;
    if (c < p.weights.size()) s += " (" + std::string(p.weights[c] >= 0 ? "+" : "") + Fixed(p.weights[c], 1) + ")";
  }
  return s + "\n";
}

std::string EvaluationText(const std::vector<std::string>& names, const std::vector<RunEvaluation>& evals,
                           const std::vector<const RunResult*>& results, const std::vector<const Rules*>& rules) {
  std::ostringstream s;
  int width = 16;
  for (const std::string& n : names) width = std::max(width, static_cast<int>(n.size()) + 2);
  auto row = [&](const std::string& label, auto value) {
    char buf[512];
    std::snprintf(buf, sizeof buf, "  %-28s", label.c_str());
    s << buf;
    for (size_t i = 0; i < evals.size(); ++i) {
      std::snprintf(buf, sizeof buf, "%*s", width, value(i).c_str());
      s << buf;
    }
    s << "\n";
  };
  row("", [&](size_t i) { return names[i]; });
  row("threshold", [&](size_t i) { return Fixed(results[i]->threshold, 6); });
  row("pairwise precision", [&](size_t i) { return Fixed(evals[i].clusters.pairwise.precision, 4); });
  row("pairwise recall", [&](size_t i) { return Fixed(evals[i].clusters.pairwise.recall, 4); });
  row("pairwise F1", [&](size_t i) { return Fixed(evals[i].clusters.pairwise.f1, 4); });
  bool any_cross = false;
  for (const RunEvaluation& e : evals) any_cross |= e.has_cross_source;
  if (any_cross) {  // link mode: the same figures over cross-source pairs only
    auto cross = [&](size_t i, double PairMetrics::*field) {
      return evals[i].has_cross_source ? Fixed(evals[i].cross_source.*field, 4) : std::string("-");
    };
    row("cross-source precision", [&](size_t i) { return cross(i, &PairMetrics::precision); });
    row("cross-source recall", [&](size_t i) { return cross(i, &PairMetrics::recall); });
    row("cross-source F1", [&](size_t i) { return cross(i, &PairMetrics::f1); });
  }
  row("B-cubed precision", [&](size_t i) { return Fixed(evals[i].clusters.bcubed.precision, 4); });
  row("B-cubed recall", [&](size_t i) { return Fixed(evals[i].clusters.bcubed.recall, 4); });
  row("B-cubed F1", [&](size_t i) { return Fixed(evals[i].clusters.bcubed.f1, 4); });
  row("true pairs", [&](size_t i) { return std::to_string(evals[i].clusters.pairwise.true_pairs); });
  row("predicted pairs", [&](size_t i) { return std::to_string(evals[i].clusters.pairwise.predicted_pairs); });
  row("correct predicted pairs", [&](size_t i) { return std::to_string(evals[i].clusters.pairwise.true_positive_pairs); });
  row("merged clusters", [&](size_t i) { return std::to_string(evals[i].clusters.errors.merged_clusters); });
  row("split entities", [&](size_t i) { return std::to_string(evals[i].clusters.errors.split_entities); });
  row("candidate pairs", [&](size_t i) { return std::to_string(results[i]->candidate_pairs); });
  row("blocking recall", [&](size_t i) { return Fixed(evals[i].blocking_recall, 4); });
  row("reduction ratio", [&](size_t i) { return Fixed(evals[i].reduction_ratio, 6); });
  for (size_t i = 0; i < evals.size(); ++i) {
    s << "\nblocking rules (" << names[i] << "): recall on its own, pairs added\n";
    for (size_t r = 0; r < rules[i]->blocking.size(); ++r) {
      s << "  " << r + 1 << ". " << rules[i]->blocking[r].text << ": recall " << Fixed(evals[i].rule_recall[r], 4)
        << ", " << results[i]->rules[r].pairs << " pairs\n";
    }
  }
  return s.str();
}

// A readable run summary for stdout.
std::string RunText(const std::string& command, const Loaded& l, const RunResult& r,
                    const std::vector<StageTiming>& timings) {
  std::ostringstream s;
  uint64_t records = 0, bad = 0;
  for (const SourceReport& src : l.input.sources) {
    records += src.records;
    bad += src.bad;
  }
  s << "reclink " << command << ": " << records << " records from " << l.input.sources.size() << " input(s)";
  if (bad) s << ", " << bad << " bad records rejected";
  s << "\n";
  for (const UnparseableValues& u : r.unparseable) {
    s << "  " << u.count << " " << u.kind << (u.count == 1 ? "" : "s") << " in field " << u.field << " of source "
      << u.source << " could not be parsed (now null), e.g. '" << u.sample << "'\n";
  }
  for (const auto& [field, count] : r.placeholder_nulls) {
    s << "  " << count << " values of " << field << " are in its null_values (now null)\n";
  }
  for (const DetectedPlaceholder& ph : r.placeholders) {
    if (ph.records == 0) continue;
    s << "  " << ph.records << " values of " << ph.field << " are '" << ph.value << "', a placeholder (" << ph.reason
      << "): read as null\n";
  }
  if (r.capped_comparisons) {
    s << "  " << r.capped_comparisons << " comparisons saw a value longer than " << kMaxCompareCodePoints
      << " code points and compared its first " << kMaxCompareCodePoints << "\n";
  }
  s << "blocking:\n";
  for (size_t i = 0; i < r.rules.size(); ++i) {
    s << "  " << i + 1 << ". " << r.rules[i].text << ": " << r.rules[i].blocks << " blocks, " << r.rules[i].pairs
      << " new pairs\n";
  }
  for (const OversizedBlock& ob : r.oversized) {
    s << "  skipped oversized block (rule " << ob.rule + 1 << ", key '" << ob.key << "', " << ob.size
      << " records, " << ob.pairs_skipped << " pairs)";
    if (!ob.placeholder_reason.empty()) {
      s << ": looks like a placeholder (" << ob.placeholder_reason << "); list it in [fields." << ob.placeholder_field
        << "] null_values";
    }
    s << "\n";
  }
  s << "  candidate pairs: " << r.candidate_pairs << "\n";
  s << "model: prior " << r.model.prior << " (" << r.model.prior_source << ")";
  if (r.model.em_iterations) s << ", EM iterations " << r.model.em_iterations;
  s << "\n";
  for (const ComparisonParams& cp : r.model.comparisons) {
    s << "  " << cp.name << ":";
    for (size_t lv = 1; lv < cp.levels.size(); ++lv) {
      s << "  " << cp.levels[lv].label << " " << Fixed(cp.levels[lv].Weight(), 2);
    }
    if (!cp.trained_by.empty()) {
      s << "  [m from:";
      for (const std::string& t : cp.trained_by) s << " " << t << ";";
      s << "]";
    }
    s << "\n";
  }
  for (const std::string& w : r.block_growth_warnings) s << "  warning: " << w << "\n";
  for (const std::string& w : r.model.warnings) s << "  warning: " << w << "\n";
  if (r.model.calibration.fitted) {
    const Calibration& cal = r.model.calibration;
    s << "probabilities: calibrated, log2 odds = " << Fixed(cal.slope, 4) << " x weight " << (cal.intercept < 0 ? "- " : "+ ")
      << Fixed(std::abs(cal.intercept), 3) << " (" << cal.source
      << (cal.intercept_correction != 0 ? ")\n" : "; right if the labeled pairs are a random sample of the candidate pairs)\n");
  }
  if (command == "train") s << "threshold: " << r.threshold << " (" << ThresholdSourceInWords(r) << ")\n";
  if (command != "train") {
    std::map<uint64_t, uint64_t> hist = ClusterSizeHistogram(r.labels);
    s << "clusters: " << r.clusters << " from " << r.edges.size() << " links at probability >= " << r.threshold
      << " (" << ThresholdSourceInWords(r) << ")\n  sizes:";
    for (const auto& [size, count] : hist) s << " " << size << "x" << count;
    s << "\n";
  }
  double total = 0;
  for (const StageTiming& t : timings) total += t.seconds;
  s << "time: " << Fixed(total, 3) << " s (";
  for (size_t i = 0; i < timings.size(); ++i) s << (i ? ", " : "") << timings[i].stage << " " << Fixed(timings[i].seconds, 3);
  s << "), peak memory " << HumanBytes(PeakRssBytes()) << "\n";
  return s.str();
}

// Every file name `dedupe` and `link` may write into --out.
const std::set<std::string> kOutputNames = {
    "clusters.csv",     "clusters_changed.csv", "pairs.csv",   "model.json",
    "summary.json",     "rejects.csv",          "changes.csv", "identities.csv",
    "identities.jsonl", "members.csv",          "report.html"};
// What `reclink report` writes into --out (other files there are kept).
const std::set<std::string> kReportOutputNames = {"report.html"};

// Refuses an input or rules file that an output would replace (e.g. an input named
// clusters.csv inside --out).
Status CheckInputsNotOverwritten(const std::vector<InputSpec>& inputs, const std::string& rules_path,
                                 const std::vector<std::string>& outputs) {
  std::vector<std::pair<std::string, std::string>> read = {{"rules file", rules_path}};
  for (const InputSpec& in : inputs) read.emplace_back("input", in.path);
  for (const auto& [what, path] : read) {
    std::error_code ec;
    for (const std::string& out : outputs) {
      if (std::filesystem::equivalent(path, out, ec)) {
        return Status::Usage("error: the " + what + " " + path + " is also an output of this run (" + out +
                                 ") and would be overwritten",
                             "move it out of the output directory, or choose another --out");
      }
    }
  }
  return Status::Ok();
}

// The readable summary's line for clusters_changed.csv: its rows by kind.
std::string RecordChangesLine(const std::vector<RecordIdentityChange>& changes) {
  std::map<std::string_view, uint64_t> per_kind = RecordChangeCounts(changes);
  std::string line = "records whose identity changed: " + std::to_string(changes.size());
  const char* sep = " (";
  for (const std::string_view kind : {"new", "moved", "deleted"}) {
    if (per_kind[kind] == 0) continue;
    line += sep + std::string(kind) + " " + std::to_string(per_kind[kind]);
    sep = ", ";
  }
  return line + (changes.empty() ? "" : ")") + "\n";
}

// What --incremental needs, checked before any data is read.
Status CheckIncremental(const LinkageOptions& lo, const Rules& rules, const RunState& state) {
  if (lo.state_dir.empty()) return Status::Usage("error: --incremental needs --state DIR");
  if (lo.retrain || lo.model_path) {
    return Status::Usage("error: --incremental scores with the state's model; it cannot take --retrain or --model",
                         "retrain with a full run: the same command without --incremental, on the whole data");
  }
  if (!state.found) {
    return Status::Usage("error: --incremental needs a state to continue, and " + lo.state_dir + " holds none",
                         "run once on the whole data without --incremental to create it");
  }
  Status compatible = CheckStateContinues(rules, state, LinkThreshold(lo.threshold, rules, state.model).probability);
  if (!compatible.ok()) return compatible;
  if (lo.pairs || lo.report || !lo.truth_column.empty()) {
    return Status::Usage("error: --incremental does not yet write pairs.csv or report.html, nor evaluate (--truth)",
                         "run those on the whole data without --incremental");
  }
  return Status::Ok();
}

int FinishIncremental(const std::string& command, const CommonOptions& o, const LinkageOptions& lo, const Loaded& l, const RunState& state,
                      const std::vector<std::string>& deletions, int threads, OutputSet& outputs,
                      OutputSet& state_out, bool huge_pages_off, std::vector<StageTiming>* timings) {
  Result<IncrementalNight> night =
      RunIncrementalNight(l.rules, state, l.input, deletions, LinkThreshold(lo.threshold, l.rules, state.model), timings);
  if (!night.ok()) return Fail(night.status());
  const IncrementalResult& res = night->result;
  const IdentityAssignment& ids = night->identities;
  const auto w0 = std::chrono::steady_clock::now();
  // The next state's files are written while the outputs are, on a thread of their own; the
  // state is still swapped in only after --out is committed (below).
  Status state_written;
  std::jthread state_writer([&] { state_written = WriteIncrementalState(state_out, l.rules, *night); });
  auto write = [&](const std::string& name, auto&& fill) -> Status {
    Result<FileWriter> w = outputs.Open(name);
    if (!w.ok()) return w.status();
    fill(*w);
    return w->Finish(true);
  };
  const bool with_source = l.rules.link_type != LinkType::kDedupe;
  Status st;
  if (!lo.changed_only) {
    st = write("clusters.csv",
               [&](FileWriter& w) { WriteIncrementalClustersCsv(*night, with_source, w); });
  }
  const std::vector<RecordIdentityChange>& record_changes = ids.record_changes;
  if (st.ok()) {
    st = write("clusters_changed.csv", [&](FileWriter& w) {
      WriteClustersChangedCsv(record_changes, with_source, night->result.records.source_names, w);
    });
  }
  if (st.ok()) st = write("changes.csv", [&](FileWriter& w) { WriteChangesCsv(ids.changes, w); });
  if (st.ok() && l.rules.survivorship) {
    Result<GoldenRecords> golden = IncrementalGoldenRecords(l.rules, *night);
    if (!golden.ok()) return Fail(golden.status());
    const bool jsonl = lo.identities_format == "jsonl";
    const std::vector<std::string> cluster_ids = ClusterIdStrings(ids);
    st = write(jsonl ? "identities.jsonl" : "identities.csv", [&](FileWriter& w) {
      if (jsonl) WriteIdentitiesJsonl(*golden, cluster_ids, w);
      else WriteIdentitiesCsv(*golden, cluster_ids, w);
    });
  }
  if (st.ok() && lo.with_fields) {
    st = write("members.csv", [&](FileWriter& w) { WriteIncrementalMembersCsv(l.rules, *night, with_source, w); });
  }
  if (st.ok()) st = outputs.WriteFile("model.json", ModelToJson(res.run.model));
  if (st.ok() && o.on_bad_record == "quarantine") {
    st = write("rejects.csv", [&](FileWriter& w) { WriteRejectsCsv(l.rejects, w); });
  }
  timings->push_back({"write", std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count(),
                      PeakRssBytes()});
  // The state's files written (not yet committed) before the summary, so that it counts what of
  // their writing the outputs did not hide ("state-write").
  const auto s0 = std::chrono::steady_clock::now();
  state_writer.join();
  timings->push_back({"state-write", std::chrono::duration<double>(std::chrono::steady_clock::now() - s0).count(),
                      PeakRssBytes()});
  if (st.ok()) st = state_written;
  RunContext context;
  context.command = command;
  context.rules_path = o.rules_path;
  context.threads = threads;
  SetMemory(l.memory, &context);
  context.quarantine = o.on_bad_record == "quarantine";
  context.output_commit = outputs.atomic() ? "atomic" : "per_file";
  context.identities = &ids;
  context.record_changes = &record_changes;
  context.state_dir = lo.state_dir;
  context.model_origin = "state";
  IncrementalCounts counts = res.counts;
  counts.huge_pages_off = huge_pages_off;
  context.incremental = &counts;
  const std::string summary = SummaryJson(context, l.input, res.run, *timings, "");
  if (st.ok()) st = outputs.WriteFile("summary.json", summary);
  if (st.ok()) st = outputs.Commit();
  if (st.ok()) st = state_out.Commit();
  if (!st.ok()) return Fail(st);
  if (o.json) {
    std::fputs(summary.c_str(), stdout);
  } else if (!o.quiet) {
    const IncrementalCounts& c = res.counts;
    std::string text = "reclink " + command + " --incremental: " + std::to_string(c.records_before) + " records in the state; " +
                       std::to_string(c.inserted) + " new, " + std::to_string(c.updated) + " changed, " +
                       std::to_string(c.deleted) + " deleted";
    if (c.unknown_deletions) text += " (" + std::to_string(c.unknown_deletions) + " deletions named no record)";
    text += "; now " + std::to_string(ids.next.keys.size()) + " records\n";
    text += "  scored " + std::to_string(c.pairs_scored) + " new candidate pairs";
    if (c.blocks_reopened) {
      text += " (with every pair of " + std::to_string(c.blocks_reopened) +
              " blocks skipped as oversized before and not any more)";
    }
    text += "; kept " + std::to_string(c.links_kept) + " links among unchanged records";
    if (c.links_dropped) text += ", dropped " + std::to_string(c.links_dropped) + " whose pair is no longer a candidate";
    text += "\nclusters: " + std::to_string(res.run.clusters) + " from " + std::to_string(res.run.edges.size()) + " links\n";
    text += "identities: " + std::to_string(ids.next.ids.size()) + " (run " + std::to_string(ids.next.runs) +
            " of state " + lo.state_dir + ");";
    for (const auto& [kind, count] : ids.counts) {
      if (count) text += " " + kind + " " + std::to_string(count);
    }
    text += "\n" + RecordChangesLine(ids.record_changes);
    text.pop_back();  // the time line below starts with its own line break
    double total = 0;
    for (const StageTiming& t : *timings) total += t.seconds;
    text +=
        "\ntime: " + Fixed(total, 3) + " s, peak memory " + HumanBytes(PeakRssBytes()) +
        "\noutputs in " + lo.out_dir + ": " + (lo.changed_only ? "" : "clusters.csv, ") +
        "clusters_changed.csv, changes.csv, model.json, summary.json" +
        (l.rules.survivorship ? std::string(lo.identities_format == "jsonl" ? ", identities.jsonl"
                                                                            : ", identities.csv")
                              : "") +
        (lo.with_fields ? ", members.csv" : "") + "\n";
    std::fputs(text.c_str(), stdout);
  }
  return 0;
}

}  // namespace

int RunLinkageCommand(std::string command, const CommonOptions& o, const LinkageOptions& lo) {
  namespace fs = std::filesystem;
  const int threads = ThreadCount(o);
  tbb::global_control control(tbb::global_control::max_allowed_parallelism, threads);
  std::vector<StageTiming> timings;
  auto t0 = std::chrono::steady_clock::now();
  Result<Prepared> prepared = Prepare(o, o.rules_path, lo.incremental, lo.incremental && !lo.delete_file.empty());
  if (!prepared.ok()) return Fail(prepared.status());
  const Rules& rules = prepared->rules;
  const bool report_only = command == "report";
  const bool with_report = report_only || lo.report;
  if (report_only && rules.link_type == LinkType::kDedupe) command = "dedupe";
  else if (report_only) command = "link";
  if (command == "dedupe" && rules.link_type != LinkType::kDedupe) {
    return Fail(Status::Usage(o.rules_path + ": error: `reclink dedupe` needs link_type = \"dedupe\"",
                              "use `reclink link` for link and link_and_dedupe rules"));
  }
  if (command == "link" && rules.link_type == LinkType::kDedupe) {
    return Fail(Status::Usage(o.rules_path + ": error: `reclink link` needs link_type = \"link\" or \"link_and_dedupe\"",
                              "use `reclink dedupe` for dedupe rules"));
  }
  if ((rules.cluster_method == ClusterMethod::kBestLink || rules.cluster_method == ClusterMethod::kOnePerSource) &&
      rules.link_type == LinkType::kDedupe) {
    return Fail(Status::Usage(o.rules_path + ": error: cluster methods \"best_link\" and \"one_per_source\" need link mode"));
  }
  const bool with_state = !lo.state_dir.empty();
  if (lo.retrain && !with_state) return Fail(Status::Usage("error: --retrain needs --state DIR"));
  if (lo.changed_only && !with_state) {
    return Fail(Status::Usage(
        "error: --changed-only needs --state DIR",
        "clusters_changed.csv lists the records whose identity changed since the state's run"));
  }
  if (with_state) {
    std::error_code ec;
    if (fs::path(lo.state_dir).lexically_normal() == fs::path(lo.out_dir).lexically_normal() ||
        fs::equivalent(lo.state_dir, lo.out_dir, ec)) {
      return Fail(Status::Usage("error: --state and --out are the same directory (" + lo.state_dir + ")",
                                "keep the run state in a directory of its own, e.g. --state state --out out"));
    }
  }
  // Every run is on small pages unless MALLOC_CONF says otherwise (allocator.cc; main() turned
  // huge pages off before anything was allocated).
  const bool huge_pages_off = SmallPagesForThisProcess();
  // The state is read before any data: a state of other rules, or a damaged one, is refused at once.
  RunState state;
  if (with_state) {
    const auto s0 = std::chrono::steady_clock::now();
    Result<RunState> read = ReadRunState(lo.state_dir, rules, lo.retrain);
    if (!read.ok()) return Fail(read.status());
    state = std::move(read.value());
    if (!lo.incremental) {
      // A full run scores with the state's term-frequency tables and names its clusters from
      // identities.bin; the rest of the state's records (fields, key hashes, links: most of
      // records.bin, mapped) is for an incremental night only. Let go now, not held to the end
      // of the run: at 1M records that is 150 MB of the run's peak.
      std::vector<TfTable> tf = std::move(state.records.tf_tables);
      state.records = RecordsState();
      state.records.tf_tables = std::move(tf);
    }
    timings.push_back({"state-read", std::chrono::duration<double>(std::chrono::steady_clock::now() - s0).count(),
                       PeakRssBytes()});
    t0 = std::chrono::steady_clock::now();
    if (state.found && lo.model_path && !lo.retrain) {
      return Fail(Status::Usage("error: --model and --state " + lo.state_dir + " both give a model",
                                "the state's model scores by default; to replace it, use --retrain (trains on "
                                "this data) or a new --state directory"));
    }
  }
  if (!lo.delete_file.empty() && !lo.incremental) return Fail(Status::Usage("error: --delete needs --incremental"));
  if (lo.incremental) {
    Status st = CheckIncremental(lo, rules, state);
    if (!st.ok()) return Fail(st);
  }
  // The outputs are checked before any data is read: a run must not spend minutes and then find
  // that --out is read-only, full, or holds one of its own inputs.
  std::optional<OutputSet> outputs;
  std::optional<OutputSet> state_out;
  std::optional<AtomicFile> model_out;
  {
    std::vector<std::string> targets;
    if (command == "train") {
      if (lo.model_out != "-") targets.push_back(lo.model_out);
    } else {
      for (const std::string& n : report_only ? kReportOutputNames : kOutputNames) {
        targets.push_back((fs::path(lo.out_dir) / n).string());
      }
    }
    if (with_state) {
      for (const std::string& n : kRunStateFiles) targets.push_back((fs::path(lo.state_dir) / n).string());
    }
    Status st = CheckInputsNotOverwritten(prepared->inputs, o.rules_path, targets);
    if (!st.ok()) return Fail(st);
  }
  // train --model-out -: the model on stdout (the readable summary then goes to stderr).
  const bool model_to_stdout = command == "train" && lo.model_out == "-";
  if (model_to_stdout) {
    // Nothing to create: the model is printed whole once trained.
  } else if (command == "train") {
    Result<AtomicFile> f = AtomicFile::Create(lo.model_out);
    if (!f.ok()) return Fail(f.status());
    model_out.emplace(std::move(f.value()));
  } else if (!ProcessGroup().is_root()) {
    // In an MPI job only rank 0 writes (and so creates or probes --out).
  } else {
    Result<OutputSet> set = OutputSet::Begin(lo.out_dir, report_only ? kReportOutputNames : kOutputNames);
    if (!set.ok()) return Fail(set.status());
    outputs.emplace(std::move(set.value()));
    if (with_state) {
      Result<OutputSet> st = OutputSet::Begin(lo.state_dir, kRunStateFiles);
      if (!st.ok()) return Fail(st.status());
      state_out.emplace(std::move(st.value()));
    }
  }
  std::vector<std::string> deletions;
  if (!lo.delete_file.empty()) {
    Result<std::vector<std::string>> d = ReadDeletions(lo.delete_file, rules.id);
    if (!d.ok()) return Fail(d.status());
    deletions = std::move(d.value());
  }
  // --progress: a line per finished stage; on a terminal also the running stage's, live.
  Progress progress;
  std::optional<ProgressLine> progress_line;
  if (ShowProgress(o) && ProcessGroup().is_root()) progress_line.emplace(&progress, isatty(STDERR_FILENO) != 0);
  // In an MPI job the ranks read the inputs together, each parsing a share (collective calls):
  // all must have got this far. A read error is then every rank's, and said once.
  Collective* read_group = nullptr;
  if (InMpiJob()) {
    if (const int code = ProcessGroupCheckpoint(); code != 0) return code;
    read_group = &ProcessGroup();
  }
  progress.Begin("read");
  Result<Loaded> loaded = Read(std::move(prepared.value()), read_group);
  if (!loaded.ok()) return Fail(loaded.status());
  Loaded& l = *loaded;
  timings.push_back({"read", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), PeakRssBytes()});
  if (progress_line) progress_line->Finished(timings.back());
  if (lo.incremental) {
    return FinishIncremental(command, o, lo, l, state, deletions, threads, *outputs, *state_out, huge_pages_off, &timings);
  }
  std::vector<uint32_t> truth;
  RunOptions ro;
  ro.model_path = lo.model_path;
  std::string model_origin = lo.model_path ? "file" : "trained";
  if (state.model_loaded && !lo.retrain) {
    // The state's model scores with the term frequencies it was trained with.
    ro.model = state.model;
    ro.tf_tables = &state.records.tf_tables;
    model_origin = "state";
  } else if (state.found) {
    model_origin = "retrained";
  }
  ro.threshold = lo.threshold;
  ro.train_only = command == "train";
  ro.keep_pairs = lo.pairs;
  // Golden records read the fields (values = "normalized") or their null rows (values = "raw").
  ro.keep_fields = with_state || lo.with_fields || l.rules.survivorship.has_value();
  ro.keep_key_hashes = with_state;
  ro.pairs_threshold = lo.pairs_threshold;
  if (!lo.truth_column.empty()) {
    Result<std::vector<uint32_t>> t = TruthFromColumn(l.input, lo.truth_column);
    if (!t.ok()) return Fail(t.status());
    truth = std::move(t.value());
    ro.truth = &truth;
  }
  std::vector<LabeledPair> labels;
  if (!lo.labels_path.empty()) {
    if (ro.model || ro.model_path) {
      return Fail(Status::Usage("error: --labels trains the model, and this run scores with a saved one (" +
                                    std::string(ro.model ? "the state's" : "--model") + ")",
                                ro.model ? "add --retrain to train anew with the labels" : "drop --model"));
    }
    Result<std::vector<LabeledPair>> read = ReadLabeledPairs(l.input, lo.labels_path);
    if (!read.ok()) return Fail(read.status());
    labels = std::move(read.value());
    ro.labels = &labels;
  }
  if (progress_line) {
    ro.on_stage = [&progress_line](const StageTiming& t) { progress_line->Finished(t); };
    ro.progress = &progress;
  }
  // Once normalized, the input's values are needed only for the ids (the truth labels are
  // already read): the other columns' memory goes back (about 150 MB on 1M records).
  // Golden records' raw values and timestamps are kept too.
  // A report shows the records' raw values: it keeps the columns (and asks for the histogram and
  // the pairs nearest the threshold, which weigh every candidate pair in full).
  if (with_report) RequestReportData(&ro);
  if (!with_report) ro.on_fields_derived = [&l] {
    RecordTable& table = l.input.table;
    const std::vector<int>& ids = l.input.id_columns;
    const std::set<int> golden = GoldenRecordColumns(l.rules, table);
    for (size_t c = 0; c < table.num_columns(); ++c) {
      if (std::find(ids.begin(), ids.end(), static_cast<int>(c)) == ids.end() && !golden.count(static_cast<int>(c))) {
        table.mutable_column(c).ReleaseValues();
      }
    }
  };
  // In an MPI job: from here on every rank takes part in collective calls, so all must be ready.
  if (InMpiJob()) {
    if (const int code = ProcessGroupCheckpoint(); code != 0) return code;
    ro.collective = &ProcessGroup();
  }
  Result<RunResult> run = RunLinkage(l.rules, l.input, ro, &timings);
  if (!run.ok()) return Fail(run.status());
  if (!ProcessGroup().is_root()) return 0;  // rank 0 writes every output and prints the summary
  const RunResult& r = *run;

  auto w0 = std::chrono::steady_clock::now();
  progress.Begin("write");
  std::optional<IdentityAssignment> identities;
  std::string evaluation_json;
  std::string summary;  // summary.json's text (dedupe, link)
  RunEvaluation eval;
  if (!truth.empty()) {
    eval = EvaluateRun(l.input, l.rules, r, truth);
    evaluation_json = EvaluationJson(eval, r, l.input, l.rules);
  }
  if (model_to_stdout) {
    const std::string model = ModelToJson(r.model);
    if (std::fwrite(model.data(), 1, model.size(), stdout) != model.size() || std::fflush(stdout) != 0) {
      return Fail(Status::IoError("error: cannot write the model to stdout: " + std::string(std::strerror(errno))));
    }
  } else if (command == "train") {
    model_out->Write(ModelToJson(r.model));
    Status st = model_out->Commit();
    if (!st.ok()) return Fail(st);
  } else {
    // A source column whenever ids could repeat across inputs (ids are unique per source only).
    const bool with_source = l.rules.link_type != LinkType::kDedupe || l.input.sources.size() > 1;
    // Cluster ids: with a state, stable identity ids; else the smallest member's id.
    std::vector<std::string> cluster_ids;
    Status state_written;
    std::jthread state_writer;  // declared after what it reads, so it is joined before they go
    if (with_state) {
      const auto i0 = std::chrono::steady_clock::now();
      Result<IdentityAssignment> named = AssignIdentities(state.identities, RecordKeys(l.input, l.rules), r.labels, r.clusters);
      if (!named.ok()) return Fail(named.status());
      identities = std::move(named.value());
      cluster_ids = identities->cluster_ids;
      timings.push_back({"identities", std::chrono::duration<double>(std::chrono::steady_clock::now() - i0).count(),
                         PeakRssBytes()});
      w0 += std::chrono::steady_clock::now() - i0;  // "write" does not count the naming
      // The next state's files are written while the outputs are, on a thread of their own (as an
      // incremental night's); the state is still swapped in only after --out is committed.
      if (!report_only) {
        state_writer = std::jthread([&] { state_written = WriteStateOfRun(*state_out, l.rules, l.input, r, *identities); });
      }
    } else {
      cluster_ids = ClusterIds(l.input, r.labels, r.clusters, with_source);
    }
    auto report_html = [&] {
      ReportContext rc;
      rc.command = report_only ? "report" : command;
      rc.rules_path = o.rules_path;
      rc.inputs = o.inputs;
      if (!truth.empty()) {
        rc.truth = &truth;
        rc.truth_column = lo.truth_column;
        rc.evaluation = &eval;
      }
      rc.cluster_ids = &cluster_ids;
      return RenderReportHtml(rc, l.rules, l.input, r);
    };
    if (report_only) {
      Status st = outputs->WriteFile("report.html", report_html());
      if (st.ok()) st = outputs->Commit();
      if (!st.ok()) return Fail(st);
      if (!o.quiet) {
        std::printf("reclink report: %llu records, %llu candidate pairs, %llu clusters; report in %s\n",
                    static_cast<unsigned long long>(l.input.table.num_rows()),
                    static_cast<unsigned long long>(r.candidate_pairs), static_cast<unsigned long long>(r.clusters),
                    (fs::path(lo.out_dir) / "report.html").c_str());
      }
      return 0;
    }
    auto write = [&](const std::string& name, auto&& fill) -> Status {
      Result<FileWriter> w = outputs->Open(name);
      if (!w.ok()) return w.status();
      fill(*w);
      return w->Finish(true);
    };
    Status st;
    if (!(identities && lo.changed_only)) {
      st = write("clusters.csv",
                 [&](FileWriter& w) { WriteClustersCsv(l.input, r, cluster_ids, with_source, w); });
    }
    if (st.ok() && identities) {
      std::vector<std::string> source_names;
      for (const SourceReport& s : l.input.sources) source_names.push_back(s.name);
      st = write("clusters_changed.csv", [&](FileWriter& w) {
        WriteClustersChangedCsv(identities->record_changes, l.rules.link_type != LinkType::kDedupe,
                                source_names, w);
      });
    }
    if (st.ok() && identities) st = write("changes.csv", [&](FileWriter& w) { WriteChangesCsv(identities->changes, w); });
    if (st.ok() && l.rules.survivorship) {
      const GoldenRecords golden = BuildGoldenRecords(l.rules, l.input, r);
      const bool jsonl = lo.identities_format == "jsonl";
      st = write(jsonl ? "identities.jsonl" : "identities.csv", [&](FileWriter& w) {
        if (jsonl) WriteIdentitiesJsonl(golden, cluster_ids, w);
        else WriteIdentitiesCsv(golden, cluster_ids, w);
      });
    }
    if (st.ok() && lo.with_fields) {
      st = write("members.csv", [&](FileWriter& w) { WriteMembersCsv(l.input, l.rules, r, cluster_ids, with_source, w); });
    }
    if (st.ok()) st = outputs->WriteFile("model.json", ModelToJson(r.model));
    if (st.ok() && lo.pairs) st = write("pairs.csv", [&](FileWriter& w) { WritePairsCsv(l.input, r, w); });
    if (st.ok() && lo.report) st = outputs->WriteFile("report.html", report_html());
    if (st.ok() && o.on_bad_record == "quarantine") {
      st = write("rejects.csv", [&](FileWriter& w) { WriteRejectsCsv(l.rejects, w); });
    }
    if (!st.ok()) return Fail(st);
    timings.push_back({"write", std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count(), PeakRssBytes()});
    if (progress_line) progress_line->Finished(timings.back());
    if (state_writer.joinable()) {
      // What of the state's writing the outputs did not hide.
      const auto s0 = std::chrono::steady_clock::now();
      state_writer.join();
      timings.push_back({"state-write", std::chrono::duration<double>(std::chrono::steady_clock::now() - s0).count(),
                         PeakRssBytes()});
      if (progress_line) progress_line->Finished(timings.back());
      if (!state_written.ok()) return Fail(state_written);
    }
    RunContext context;
    context.command = command;
    context.rules_path = o.rules_path;
    context.threads = threads;
    SetMemory(l.memory, &context);
    context.quarantine = o.on_bad_record == "quarantine";
    context.output_commit = outputs->atomic() ? "atomic" : "per_file";
    if (identities) {
      context.identities = &*identities;
      context.record_changes = &identities->record_changes;
      context.state_dir = lo.state_dir;
      context.model_origin = model_origin;
    }
    summary = SummaryJson(context, l.input, r, timings, evaluation_json);
    st = outputs->WriteFile("summary.json", summary);
    if (st.ok()) st = outputs->Commit();
    // The state after the outputs: a kill between the two commits leaves the previous state, so
    // the next run reports these changes again rather than never.
    if (st.ok() && identities) st = state_out->Commit();
    if (!st.ok()) return Fail(st);
  }
  for (const OversizedBlock& ob : r.oversized) {
    std::fprintf(stderr, "reclink: warning: blocking rule %d (%s) skipped a block of %llu records (key '%s', %llu pairs); %s\n",
                 ob.rule + 1, l.rules.blocking[ob.rule].text.c_str(), static_cast<unsigned long long>(ob.size),
                 ob.key.c_str(), static_cast<unsigned long long>(ob.pairs_skipped), OversizedBlockAdvice(ob).c_str());
  }
  if (o.json) {
    if (!model_to_stdout) std::fputs((command == "train" ? ModelToJson(r.model) : summary).c_str(), stdout);
  } else if (!o.quiet) {
    std::string text = RunText(command, l, r, timings);
    if (identities) {
      text += "identities: " + std::to_string(identities->next.ids.size()) + " (run " +
              std::to_string(identities->next.runs) + " of state " + lo.state_dir + ", model " + model_origin + ");";
      for (const auto& [kind, count] : identities->counts) {
        if (count) text += " " + kind + " " + std::to_string(count);
      }
      text += "\n" + RecordChangesLine(identities->record_changes);
    }
    if (!truth.empty()) {
      text += "accuracy against '" + lo.truth_column + "':\n" +
              EvaluationText({"this run"}, {eval}, {&r}, {&l.rules});
    }
    if (model_to_stdout) text += "model written to stdout\n";
    else if (command == "train") text += "model written to " + lo.model_out + "\n";
    else
      text += "outputs in " + lo.out_dir + ": " +
              (identities && lo.changed_only ? "" : "clusters.csv, ") +
              (identities ? "clusters_changed.csv, " : "") + "model.json, summary.json" +
              std::string(lo.pairs ? ", pairs.csv" : "") +
              std::string(identities ? ", changes.csv" : "") +
              std::string(l.rules.survivorship ? ", identities." + lo.identities_format
                                               : std::string()) +
              std::string(lo.with_fields ? ", members.csv" : "") +
              std::string(lo.report ? ", report.html" : "") +
              std::string(o.on_bad_record == "quarantine" ? ", rejects.csv" : "") + "\n";
    std::fputs(text.c_str(), model_to_stdout ? stderr : stdout);
  }
  return 0;
}

int RunEvaluate(const CommonOptions& o, const EvaluateOptions& e) {
  const int threads = ThreadCount(o);
  tbb::global_control control(tbb::global_control::max_allowed_parallelism, threads);
  if (e.truth_column.empty() == e.truth_pairs.empty()) {
    return Fail(Status::Usage("evaluate needs exactly one of --truth COLUMN and --truth-pairs FILE"));
  }
  std::vector<std::string> rule_files = {o.rules_path};
  if (!e.compare_rules.empty()) rule_files.push_back(e.compare_rules);
  std::vector<Loaded> loads;
  std::vector<RunResult> results;
  std::vector<RunEvaluation> evals;
  std::vector<std::vector<uint32_t>> truths;
  for (const std::string& path : rule_files) {
    Result<Loaded> loaded = Load(o, path);
    if (!loaded.ok()) return Fail(loaded.status());
    Result<std::vector<uint32_t>> truth = e.truth_pairs.empty() ? TruthFromColumn(loaded->input, e.truth_column)
                                                                : TruthFromPairs(loaded->input, e.truth_pairs);
    if (!truth.ok()) return Fail(truth.status());
    RunOptions ro;
    ro.model_path = e.model_path;
    ro.threshold = e.threshold;
    ro.truth = &truth.value();
    loads.push_back(std::move(loaded.value()));
    truths.push_back(std::move(truth.value()));
    ro.truth = &truths.back();
    Result<RunResult> run = RunLinkage(loads.back().rules, loads.back().input, ro, nullptr);
    if (!run.ok()) return Fail(run.status());
    results.push_back(std::move(run.value()));
    evals.push_back(EvaluateRun(loads.back().input, loads.back().rules, results.back(), truths.back()));
  }
  if (o.json) {
    JsonWriter w;
    w.BeginObject();
    for (size_t i = 0; i < evals.size(); ++i) {
      w.Key(rule_files[i]);
      w.Raw(EvaluationJson(evals[i], results[i], loads[i].input, loads[i].rules));
    }
    w.EndObject();
    std::fputs((w.Take() + "\n").c_str(), stdout);
    return 0;
  }
  std::vector<const RunResult*> rp;
  std::vector<const Rules*> rr;
  for (size_t i = 0; i < results.size(); ++i) {
    rp.push_back(&results[i]);
    rr.push_back(&loads[i].rules);
  }
  std::string text = "reclink evaluate: " + std::to_string(loads[0].input.table.num_rows()) + " records\n" +
                     EvaluationText(rule_files, evals, rp, rr);
  for (size_t i = 0; i < results.size(); ++i) {
    text += "\nhighest-weight false links (" + rule_files[i] + "):\n";
    for (const ScoredPair& p : results[i].truth.false_links) text += PairLine(loads[i].input, results[i], p);
    text += "lowest-weight missed links among candidates (" + rule_files[i] + "):\n";
    for (const ScoredPair& p : results[i].truth.missed_links) text += PairLine(loads[i].input, results[i], p);
  }
  std::fputs(text.c_str(), stdout);
  return 0;
}

int RunExplain(const CommonOptions& o, const std::string& model_path, const std::string& id1,
               const std::string& id2) {
  tbb::global_control control(tbb::global_control::max_allowed_parallelism, ThreadCount(o));
  Result<Loaded> loaded = Load(o, o.rules_path);
  if (!loaded.ok()) return Fail(loaded.status());
  const Loaded& l = *loaded;
  Result<Model> model = ReadModelJson(model_path, l.rules);
  if (!model.ok()) return Fail(model.status());
  Result<PairExplanation> explained = ExplainPair(l.rules, l.input, *model, id1, id2);
  if (!explained.ok()) return Fail(explained.status());
  const PairExplanation& e = *explained;
  if (o.json) {
    JsonWriter w;
    w.BeginObject();
    w.Member("id_l", e.id_l);
    w.Member("id_r", e.id_r);
    w.Member("prior", e.prior);
    w.Member("base_weight", e.base_weight);
    w.Key("comparisons");
    w.BeginArray();
    for (const ComparisonExplanation& x : e.comparisons) {
      w.BeginObject();
      w.Member("name", x.name);
      w.Member("raw_l", x.raw_l);
      w.Member("raw_r", x.raw_r);
      w.Member("value_l", x.value_l);
      w.Member("value_r", x.value_r);
      w.Member("level", x.level);
      w.Member("label", x.label);
      w.Member("m", x.m);
      w.Member("u", x.u);
      w.Member("u_used", x.u_used);
      w.Member("weight", x.weight);
      w.Member("tf_adjusted", x.tf_adjusted);
      w.Member("running_weight", x.running_weight);
      w.EndObject();
    }
    w.EndArray();
    w.Member("match_weight", e.match_weight);
    w.Member("match_probability", e.match_probability);
    w.EndObject();
    const std::string j = w.Take() + "\n";
    std::fputs(j.c_str(), stdout);
    return 0;
  }
  std::ostringstream s;
  s << "explain " << e.id_l << " ~ " << e.id_r << "\n";
  char buf[512];
  std::snprintf(buf, sizeof buf, "  %-14s %-24s %-24s %-24s %9s %9s %8s %9s\n", "comparison", "left", "right",
                "level", "m", "u", "weight", "total");
  s << buf;
  std::snprintf(buf, sizeof buf, "  %-14s %-24s %-24s %-24s %9s %9s %8.2f %9.2f\n", "prior", "", "", "", "", "",
                e.base_weight, e.base_weight);
  s << buf;
  for (const ComparisonExplanation& x : e.comparisons) {
    auto shown = [](bool null, const std::string& value, const std::string& raw) {
      std::string v = null ? "(null)" : value;
      if (!null && raw != value) v += " [" + raw + "]";
      return v.substr(0, 24);
    };
    std::snprintf(buf, sizeof buf, "  %-14s %-24s %-24s %-24s %9.4g %9.4g %8.2f %9.2f%s\n", x.name.substr(0, 14).c_str(),
                  shown(x.null_l, x.value_l, x.raw_l).c_str(), shown(x.null_r, x.value_r, x.raw_r).c_str(),
                  x.label.substr(0, 24).c_str(), x.m, x.u_used, x.weight, x.running_weight,
                  x.tf_adjusted ? "  (u: term frequency of the value)" : "");
    s << buf;
  }
  s << "  match weight " << Fixed(e.match_weight, 3) << ", match probability " << Fixed(e.match_probability, 6) << "\n";
  std::fputs(s.str().c_str(), stdout);
  return 0;
}

}  // namespace reclink::cli
