// reclink's command line: subcommands, options and exit codes (0 ok, 1 internal error, 2 usage
// or rules-file error, 3 input data error, 4 output error).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>
#include <exception>

#include "allocator.h"
#include "commands.h"
#include "process_group.h"
#include "reclink/signal_cleanup.h"
#include "reclink/rules.h"
#include "reclink/version.h"

using namespace reclink::cli;

namespace {

void AddInputOptions(CLI::App* cmd, CommonOptions* o) {
  cmd->add_option("--threads", o->threads, "worker threads, 1 to 1024 (default 0: all cores)")
      ->check(CLI::Range(0, 1024));
  cmd->add_option("--format", o->format, "input format: csv, tsv, jsonl, json or auto (from the extension)");
  cmd->add_option("--delimiter", o->delimiter, "CSV delimiter: , ; | or tab (default , ; tab for .tsv)");
  cmd->add_flag("--trim-spaces", o->trim_spaces, "trim spaces around CSV fields (FEBRL files use \", \")");
  cmd->add_option("--encoding", o->encoding, "input encoding: utf-8 (default) or latin-1");
  cmd->add_option("--on-bad-record", o->on_bad_record, "fail (default, exit 3), skip, or quarantine to DIR/rejects.csv");
  cmd->add_flag("--quiet,-q", o->quiet, "print nothing on success");
  cmd->add_option("--memory-limit", o->memory_limit,
                  "when the run's estimated peak (3x the inputs' size) passes this, record columns, the blocking "
                  "index and comparison slots are kept in files under --temp-dir and paged in as read, and training and scoring take the "
                  "pairs in partitions of a quarter of the limit: bytes with K/M/G suffix, none, or auto (default: "
                  "half the physical memory, or of the container's cgroup limit when lower)");
  cmd->add_option("--temp-dir", o->temp_dir, "where --memory-limit keeps its files (default $TMPDIR, else /tmp)");
}

// A probability strictly between 0 and 1: at 1 no pair could link (an infinite weight), at 0
// every pair would; the rules file's threshold has the same range.
CLI::Validator OpenUnitInterval() {
  return CLI::Validator(
      [](std::string& v) -> std::string {
        double x = 0;
        try {
          size_t used = 0;
          x = std::stod(v, &used);
          if (used != v.size()) return "expected a number between 0 and 1 (exclusive), found '" + v + "'";
        } catch (const std::exception&) {
          return "expected a number between 0 and 1 (exclusive), found '" + v + "'";
        }
        if (!(x > 0 && x < 1)) return "expected a number between 0 and 1 (exclusive), found " + v;
        return {};
      },
      "(0, 1)");
}

}  // namespace

int main(int argc, char** argv) {
  // Small pages for the whole process, before anything is allocated (allocator.cc says why).
  reclink::SmallPagesForThisProcess();
  CLI::App app{"reclink: fast, explainable batch record linkage (deduplicate and link customer records)"};
  app.set_version_flag("--version", std::string("reclink ") + reclink::kReclinkVersion + " (" +
                                        reclink::AllocatorDescription() + ")");
  app.require_subcommand(1);
  CommonOptions o;
  LinkageOptions lo;
  EvaluateOptions eo;
  std::string model_path;
  std::pair<std::string, std::string> pair;  // exactly two values, so inputs may follow --pair

  CLI::App* profile = app.add_subcommand("profile", "per column: rows, nulls, distinct, lengths, top values");
  profile->add_option("inputs", o.inputs, "input files (CSV, TSV, JSON Lines, JSON; .gz/.zst)")->required();
  profile->add_flag("--json", o.json, "machine-readable output");
  AddInputOptions(profile, &o);

  CLI::App* blocks = app.add_subcommand("blocks", "candidate pairs per blocking rule, the largest blocks and how pairs will grow; no scoring");
  blocks->add_option("--rules", o.rules_path, "rules file (TOML)")->required();
  blocks->add_option("inputs", o.inputs, "inputs, as PATH or NAME=PATH (default: the rules' [sources.NAME] paths)");
  blocks->add_flag("--json", o.json, "machine-readable output");
  AddInputOptions(blocks, &o);

  std::vector<CLI::App*> linkage;
  for (const char* name : {"dedupe", "link", "train"}) {
    const std::string n = name;
    CLI::App* cmd = app.add_subcommand(
        n, n == "dedupe" ? "find duplicates within one population; writes clusters, model and summary"
           : n == "link" ? "link records across sources (two or more inputs)"
                         : "estimate the model (u from random pairs, m and prior by EM) and write model.json");
    cmd->add_option("--rules", o.rules_path, "rules file (TOML)")->required();
    cmd->add_option("inputs", o.inputs, "inputs, as PATH or NAME=PATH (default: the rules' [sources.NAME] paths)");
    cmd->add_option("--labels", lo.labels_path,
                    "labeled pairs to train with: CSV id_l,id_r,match (1/0); m from the labeled matches, and "
                    "probabilities calibrated on all labeled pairs, a random sample of candidate pairs "
                    "(docs/model.md)");
    if (n == "train") {
      cmd->add_option("--model-out", lo.model_out, "where to write model.json (- for stdout)")->required();
    } else {
      cmd->add_option("--out", lo.out_dir, "output directory (created if needed)")->required();
      cmd->add_option("--model", lo.model_path, "score with this saved model instead of training");
      cmd->add_option("--threshold", lo.threshold,
                      "match probability for a link, in (0, 1) (default: [model] threshold, else the model's own)")
          ->check(OpenUnitInterval());
      cmd->add_flag("--pairs", lo.pairs, "also write pairs.csv with every scored pair above --pairs-threshold");
      cmd->add_option("--pairs-threshold", lo.pairs_threshold, "lowest probability written to pairs.csv (default 0.5)")
          ->check(CLI::Range(0.0, 1.0));
      cmd->add_option("--truth", lo.truth_column, "also evaluate the clusters against this ground-truth column");
      cmd->add_option(
          "--state", lo.state_dir,
          "run state directory: keeps identity ids stable across runs (read if present, then "
          "replaced; an --incremental night appends a segment); writes changes.csv and "
          "clusters_changed.csv");
      cmd->add_flag("--retrain", lo.retrain, "with --state: train a new model instead of scoring with the state's");
      if (n == "dedupe" || n == "link") {
        cmd->add_flag(
            "--changed-only", lo.changed_only,
            "with --state: write the records whose identity changed (clusters_changed.csv) but not "
            "clusters.csv (every record), so that a night's outputs follow what changed");
        cmd->add_flag("--incremental", lo.incremental,
                      "with --state: the inputs hold only new or changed records; only their pairs are scored "
                      "(with the state's model) and the state's other records and links are kept; an input with "
                      "no records (a header alone, an empty file) is read as none");
        cmd->add_option("--delete", lo.delete_file,
                        n == "dedupe" ? "with --incremental: a file of record ids to delete, one per line (a header "
                                        "line naming the id column is skipped)"
                                      : "with --incremental: a file of records to delete, one SOURCE:ID per line "
                                        "(as in clusters.csv's record_id)");
      }
      cmd->add_flag("--report", lo.report,
                    "also write report.html: blocking, weights, weight histogram, cluster sizes, waterfalls, a "
                    "cluster viewer (docs/report.md)");
      cmd->add_flag("--with-fields", lo.with_fields,
                    "also write members.csv: each record's cluster id, best link probability and normalized fields");
      cmd->add_option("--identities-format", lo.identities_format,
                      "golden records (rules with [survivorship]): csv (identities.csv, default) or jsonl")
          ->check(CLI::IsMember({"csv", "jsonl"}));
    }
    AddInputOptions(cmd, &o);
    cmd->add_flag("--json", o.json, n == "train" ? "print the model (model.json's content) on stdout instead of the summary"
                                                 : "print summary.json's content on stdout instead of the readable summary");
    cmd->add_option("--progress", o.progress,
                    "a line per finished stage on stderr (on a terminal also the running one, live): auto (when stderr is a terminal), always, never")
        ->check(CLI::IsMember({"auto", "always", "never"}));
    linkage.push_back(cmd);
  }

  CLI::App* report = app.add_subcommand(
      "report", "score like dedupe (or link) and write only DIR/report.html, a self-contained HTML report");
  report->add_option("--rules", o.rules_path, "rules file (TOML)")->required();
  report->add_option("inputs", o.inputs, "inputs, as PATH or NAME=PATH (default: the rules' [sources.NAME] paths)");
  report->add_option("--out", lo.out_dir, "output directory for report.html (created if needed; other files kept)")
      ->required();
  report->add_option("--model", lo.model_path, "score with this saved model instead of training");
  report->add_option("--threshold", lo.threshold,
                     "match probability for a link, in (0, 1) (default: [model] threshold, else the model's own)")
      ->check(OpenUnitInterval());
  report->add_option("--truth", lo.truth_column, "ground-truth column: adds accuracy by threshold and the worst errors");
  report->add_option("--labels", lo.labels_path, "labeled pairs to train with (as for dedupe)");
  AddInputOptions(report, &o);
  report->add_option("--progress", o.progress,
                     "a line per finished stage on stderr (on a terminal also the running one, live): auto (when stderr is a terminal), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));

  CLI::App* evaluate = app.add_subcommand("evaluate", "precision, recall, F1, B-cubed, blocking recall against ground truth");
  evaluate->add_option("--rules", o.rules_path, "rules file (TOML)")->required();
  evaluate->add_option("inputs", o.inputs, "inputs, as PATH or NAME=PATH (default: the rules' [sources.NAME] paths)");
  evaluate->add_option("--truth", eo.truth_column, "ground-truth column: records with equal values are one entity");
  evaluate->add_option("--truth-pairs", eo.truth_pairs, "CSV of matching id pairs (id_l,id_r; SOURCE:ID allowed)");
  evaluate->add_option("--compare-rules", eo.compare_rules, "a second rules file, evaluated side by side");
  evaluate->add_option("--model", eo.model_path, "score with this saved model instead of training");
  evaluate->add_option("--threshold", eo.threshold, "match probability for a link, in (0, 1)")->check(OpenUnitInterval());
  evaluate->add_flag("--json", o.json, "machine-readable output");
  AddInputOptions(evaluate, &o);

  CLI::App* explain = app.add_subcommand("explain", "why a pair scores what it scores: a waterfall of weights");
  explain->add_option("--rules", o.rules_path, "rules file (TOML)")->required();
  explain->add_option("--model", model_path, "model.json from train or dedupe")->required();
  explain->add_option("--pair", pair, "the two record ids, as two words: --pair ID1 ID2 (SOURCE:ID in link mode)")
      ->required()
      ->type_name("ID1 ID2");
  explain->add_option("inputs", o.inputs, "inputs, as PATH or NAME=PATH (default: the rules' [sources.NAME] paths)");
  explain->add_flag("--json", o.json, "machine-readable output");
  AddInputOptions(explain, &o);

  // An unknown command: say which one was meant (CLI11 says only that a subcommand is required).
  if (argc > 1 && argv[1][0] != '-') {
    const std::string given = argv[1];
    std::vector<std::string_view> names;
    bool known = false;
    for (const CLI::App* sub : app.get_subcommands({})) {
      known |= sub->get_name() == given;
      names.push_back(sub->get_name());
    }
    const std::string best = reclink::ClosestName(given, names);
    if (!known) {
      std::string list;
      for (size_t i = 0; i < names.size(); ++i) {
        list += std::string(i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + std::string(names[i]);
      }
      std::fprintf(stderr, "reclink: error: unknown command '%s'%s\nhint: the commands are %s; see reclink --help\n",
                   given.c_str(), best.empty() ? "" : ("; did you mean '" + best + "'?").c_str(), list.c_str());
      return 2;
    }
    // An unknown option: name the closest one of this command (CLI11 would first report a
    // required option as missing when the misspelt one was meant to give it).
    const CLI::App* sub = app.get_subcommand(given);
    std::vector<std::string> flags = {"--help"};
    for (const CLI::Option* opt : sub->get_options()) {
      for (const std::string& n : opt->get_lnames()) flags.push_back("--" + n);
    }
    for (int i = 2; i < argc; ++i) {
      const std::string arg = argv[i];
      if (arg == "--") break;
      if (arg.rfind("--", 0) != 0 || arg.size() == 2) continue;
      const std::string name = arg.substr(0, arg.find('='));
      if (std::find(flags.begin(), flags.end(), name) != flags.end()) continue;
      std::vector<std::string_view> views(flags.begin(), flags.end());
      const std::string close = reclink::ClosestName(name, views);
      std::fprintf(stderr, "reclink: error: unknown option '%s' for %s%s\nhint: see reclink %s --help\n", name.c_str(),
                   given.c_str(), close.empty() ? "" : ("; did you mean '" + close + "'?").c_str(), given.c_str());
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  // Only dedupe and link have an --out for rejects.csv.
  if (o.on_bad_record == "quarantine" && !app.got_subcommand("dedupe") && !app.got_subcommand("link")) {
    std::fprintf(stderr,
                 "reclink: error: --on-bad-record quarantine writes rejects.csv into --out, which only dedupe and link have\n"
                 "hint: use --on-bad-record skip (bad records are counted and reported), or run dedupe/link with --out\n");
    return 2;
  }
  reclink::InstallSignalCleanup();
  // Under mpirun (in a build with -DRECLINK_MPI=ON), dedupe and link run split across the ranks
  // (docs/distributed.md); every rank then ends with the same exit code.
  StartProcessGroup(&argc, &argv);
  int code = 2;
  try {
    std::string command;
    for (CLI::App* cmd : app.get_subcommands()) command = cmd->get_name();
    reclink::Status distributable = reclink::Status::Ok();
    if (InMpiJob()) distributable = CheckDistributable(command, !lo.state_dir.empty(), lo.incremental, lo.report);
    if (!distributable.ok()) {
      code = Fail(distributable);
    } else if (profile->parsed()) {
      code = RunProfile(o);
    } else if (blocks->parsed()) {
      code = RunBlocks(o);
    } else if (report->parsed()) {
      code = RunLinkageCommand("report", o, lo);
    } else if (evaluate->parsed()) {
      code = RunEvaluate(o, eo);
    } else if (explain->parsed()) {
      code = RunExplain(o, model_path, pair.first, pair.second);
    } else {
      for (CLI::App* cmd : linkage) {
        if (cmd->parsed()) code = RunLinkageCommand(cmd->get_name(), o, lo);
      }
    }
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "reclink: error: out of memory\n");
    AbortProcessGroup(1);  // the other ranks may be waiting for this one
    code = 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "reclink: internal error: %s\n", e.what());
    AbortProcessGroup(1);
    code = 1;
  }
  return FinishProcessGroup(code);
}
