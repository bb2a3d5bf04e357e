// _reclink: the pybind11 extension behind the `reclink` Python package. It drives the same
// library calls as the CLI (src/cli/linkage_commands.cc) and returns the results as plain Python
// objects (columns as lists, JSON documents as text); python/reclink/__init__.py makes data frames
// and dicts of them and turns errors into exceptions.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include "reclink/explain.h"
#include "reclink/golden.h"
#include "reclink/incremental.h"
#include "reclink/output_set.h"
#include "reclink/model.h"
#include "reclink/pipeline.h"
#include "reclink/reader.h"
#include "reclink/rules.h"
#include "reclink/run_evaluation.h"
#include "reclink/run_state.h"
#include "reclink/run_summary.h"
#include "reclink/status.h"
#include "reclink/version.h"

namespace py = pybind11;

namespace reclink::python {
namespace {

// A library error on its way to Python: _reclink.StatusError(code, exit_code, message, hint).
struct StatusException {
  Status status;
};

const char* CodeName(StatusCode c) {
  switch (c) {
    case StatusCode::kOk:
      return "ok";
    case StatusCode::kInternal:
      return "internal";
    case StatusCode::kUsage:
      return "usage";
    case StatusCode::kInvalidInput:
      return "invalid_input";
    case StatusCode::kIoError:
      return "io_error";
    case StatusCode::kOutputError:
      return "output_error";
  }
  return "internal";
}

void Check(const Status& s) {
  if (!s.ok()) throw StatusException{s};
}
template <class T>
T Take(Result<T>&& r) {
  if (!r.ok()) throw StatusException{r.status()};
  return std::move(r.value());
}

// One input as the Python side passes it: a name (empty: from the path), and either a path or
// columns (name, list of str or None).
struct PyInput {
  std::string name;
  std::optional<std::string> path;
  std::vector<Column> columns;  // filled under the GIL from the Python lists
};

Column ColumnFromList(const std::string& name, const py::list& values) {
  Column c(name);
  const size_t n = values.size();
  c.Reserve(n, n * 8);
  for (size_t i = 0; i < n; ++i) {
    PyObject* v = PyList_GET_ITEM(values.ptr(), static_cast<Py_ssize_t>(i));
    if (v == Py_None) {
      c.AppendNull();
      continue;
    }
    if (!PyUnicode_Check(v))
      throw py::type_error("column '" + name + "': values must be str or None");
    Py_ssize_t size = 0;
    const char* text = PyUnicode_AsUTF8AndSize(v, &size);
    if (text == nullptr) throw py::error_already_set();  // e.g. a lone surrogate
    c.Append(std::string_view(text, static_cast<size_t>(size)));
  }
  return c;
}

// Everything the Python functions accept, with the CLI's defaults.
struct Options {
  int threads = 0;  // 0: every core
  std::optional<double> threshold;
  std::string truth_column;
  std::string truth_pairs;
  std::string labels_path;
  bool with_pairs = false;
  double pairs_threshold = 0.5;
  std::optional<std::string> model_json;  // model.json's text
  std::string model_name = "<model>";
  std::string pair_l, pair_r;  // explain
  // A run state directory (--state): read before the run, written after it. incremental: the
  // inputs hold only new or changed records, and deletions names records to remove (keys: the id,
  // SOURCE:ID in link modes). retrain: train anew instead of scoring with the state's model.
  std::optional<std::string> state_dir;
  bool incremental = false;
  bool retrain = false;
  std::vector<std::string> deletions;
  ReadOptions read;
};

Options ParseOptions(const py::dict& d) {
  Options o;
  auto has = [&](const char* k) { return d.contains(k) && !d[k].is_none(); };
  if (has("threads")) o.threads = d["threads"].cast<int>();
  if (o.threads < 0)
    throw StatusException{Status::Usage("error: threads must be 0 (every core) or more")};
  if (has("threshold")) o.threshold = d["threshold"].cast<double>();
  if (o.threshold && !(*o.threshold >= 0 && *o.threshold <= 1)) {
    throw StatusException{Status::Usage("error: threshold must be a probability in [0, 1]")};
  }
  if (has("truth")) o.truth_column = d["truth"].cast<std::string>();
  if (has("truth_pairs")) o.truth_pairs = d["truth_pairs"].cast<std::string>();
  if (has("labels")) o.labels_path = d["labels"].cast<std::string>();
  if (has("with_pairs")) o.with_pairs = d["with_pairs"].cast<bool>();
  if (has("pairs_threshold")) o.pairs_threshold = d["pairs_threshold"].cast<double>();
  if (has("model_json")) o.model_json = d["model_json"].cast<std::string>();
  if (has("model_name")) o.model_name = d["model_name"].cast<std::string>();
  if (has("state")) o.state_dir = d["state"].cast<std::string>();
  if (has("incremental")) o.incremental = d["incremental"].cast<bool>();
  if (has("retrain")) o.retrain = d["retrain"].cast<bool>();
  if (has("delete")) o.deletions = d["delete"].cast<std::vector<std::string>>();
  if (has("pair_l")) o.pair_l = d["pair_l"].cast<std::string>();
  if (has("pair_r")) o.pair_r = d["pair_r"].cast<std::string>();
  if (has("delimiter")) {
    const std::string delim = d["delimiter"].cast<std::string>();
    if (delim.size() != 1 || delim == "\"" || delim == "\n" || delim == "\r") {
      throw StatusException{
          Status::Usage("error: delimiter must be one character other than a quote or a newline")};
    }
    o.read.delimiter = delim[0];
  }
  if (has("format")) {  // as --format
    const std::string f = d["format"].cast<std::string>();
    if (f == "csv" || f == "tsv")
      o.read.format = InputFormat::kCsv;
    else if (f == "jsonl" || f == "ndjson")
      o.read.format = InputFormat::kJsonl;
    else if (f == "json")
      o.read.format = InputFormat::kJson;
    else if (f != "auto")
      throw StatusException{Status::Usage(
          "error: format must be csv, tsv, jsonl, json or auto, found \"" + f + "\"")};
    if (f == "tsv") o.read.delimiter = '\t';
  }
  if (has("trim_spaces")) o.read.trim_spaces = d["trim_spaces"].cast<bool>();
  if (has("encoding")) {
    const std::string e = d["encoding"].cast<std::string>();
    if (e == "utf-8")
      o.read.encoding = Encoding::kUtf8;
    else if (e == "latin-1")
      o.read.encoding = Encoding::kLatin1;
    else
      throw StatusException{
          Status::Usage("error: encoding must be \"utf-8\" or \"latin-1\", found \"" + e + "\"")};
  }
  if (has("on_bad_record")) {
    const std::string b = d["on_bad_record"].cast<std::string>();
    if (b == "fail")
      o.read.on_bad_record = BadRecordPolicy::kFail;
    else if (b == "skip")
      o.read.on_bad_record = BadRecordPolicy::kSkip;
    else
      throw StatusException{
          Status::Usage("error: on_bad_record must be \"fail\" or \"skip\", found \"" + b + "\"")};
  }
  return o;
}

struct Session {
  Rules rules;
  LoadedInput input;
  std::vector<StageTiming> timings;
};

// Reads the inputs (the files in parallel chunks; the data frames' columns are already built)
// into one LoadedInput, checked as the CLI's LoadInputs checks it. Called without the GIL.
LoadedInput Load(const Rules& rules, std::vector<PyInput>& inputs, const ReadOptions& read) {
  std::vector<TableInput> tables;
  for (PyInput& in : inputs) {
    TableInput t;
    if (in.path) {
      InputSpec spec = Take(ParseInputSpec(*in.path));
      if (!in.name.empty()) spec.name = in.name;
      ReadReport report;
      t.table = Take(ReadInput(spec.path, spec.name, rules.ReadOptionsFor(spec.name, read), &report));
      t.bad = report.bad;
      t.name = spec.name;
      t.path = spec.path;
    } else {
      t.name = in.name;
      t.path = "<DataFrame " + in.name + ">";
      t.table = Take(TableFromColumns(std::move(in.columns), t.name, t.path, read.allow_empty));
    }
    tables.push_back(std::move(t));
  }
  return Take(LoadTables(rules, std::move(tables)));
}

py::dict ColumnsDict(std::vector<std::pair<std::string, std::vector<std::string>>>&& cols) {
  py::dict d;
  for (auto& [name, values] : cols) d[py::str(name)] = py::cast(values);
  return d;
}

// The command's checks of the rules against the command (the CLI's Prepare and RunLinkageCommand).
void CheckCommand(const std::string& command, const Rules& rules, const std::string& rules_name,
                  size_t inputs, bool incremental) {
  if (command == "dedupe" && rules.link_type != LinkType::kDedupe) {
    Check(Status::Usage(rules_name + ": error: dedupe needs link_type = \"dedupe\"",
                        "use reclink.link for link and link_and_dedupe rules"));
  }
  if (command == "link" && rules.link_type == LinkType::kDedupe) {
    Check(Status::Usage(
        rules_name + ": error: link needs link_type = \"link\" or \"link_and_dedupe\"",
        "use reclink.dedupe for dedupe rules"));
  }
  if (rules.link_type != LinkType::kDedupe && inputs < 2 && !incremental) {  // a night may change one source
    Check(Status::Usage(
        rules_name +
        ": error: link_type is not \"dedupe\", so at least two inputs are needed; found " +
        std::to_string(inputs)));
  }
  if ((rules.cluster_method == ClusterMethod::kBestLink ||
       rules.cluster_method == ClusterMethod::kOnePerSource) &&
      rules.link_type == LinkType::kDedupe) {
    Check(Status::Usage(
        rules_name +
        ": error: cluster methods \"best_link\" and \"one_per_source\" need link mode"));
  }
}

// The CLI's checks of --state, --retrain and --incremental against each other and the state.
void CheckState(const Options& o, const Rules& rules, const RunState& state) {
  if (state.found && o.model_json && !o.retrain) {
    Check(Status::Usage("error: model and state " + *o.state_dir + " both give a model",
                        "the state's model scores by default; to replace it, pass retrain=True (trains "
                        "on this data) or a new state directory"));
  }
  if (!o.incremental) return;
  if (o.retrain || o.model_json) {
    Check(Status::Usage("error: incremental runs score with the state's model; they cannot take retrain or model",
                        "retrain with a full run (incremental=False) on the whole data"));
  }
  if (!state.found) {
    Check(Status::Usage("error: incremental needs a state to continue, and " + *o.state_dir + " holds none",
                        "run once on the whole data with incremental=False to create it"));
  }
  Check(CheckStateContinues(rules, state, LinkThreshold(o.threshold, rules, state.model).probability));
  if (o.with_pairs || !o.truth_column.empty() || !o.truth_pairs.empty() || !o.labels_path.empty()) {
    Check(Status::Usage("error: incremental runs do not yet return pairs, nor evaluate or train with labels",
                        "run those on the whole data with incremental=False"));
  }
}

// identities.csv's rows (WriteIdentitiesCsv): one per identity, by identity id.
py::dict IdentitiesDict(const GoldenRecords& g, const std::vector<std::string>& cluster_ids) {
  std::vector<uint64_t> order(cluster_ids.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](uint64_t a, uint64_t b) { return cluster_ids[a] < cluster_ids[b]; });
  py::dict ids;
  py::list identity, records, sources;
  std::vector<py::list> values(g.fields.size());
  for (uint64_t c : order) {
    identity.append(cluster_ids[c]);
    records.append(g.records[c]);
    sources.append(g.sources[c]);
    for (size_t f = 0; f < g.fields.size(); ++f) {
      values[f].append(g.has_value[c][f] ? py::object(py::str(g.values[c][f])) : py::object(py::none()));
    }
  }
  ids["identity_id"] = identity;
  ids["records"] = records;
  ids["sources"] = sources;
  for (size_t f = 0; f < g.fields.size(); ++f) ids[py::str(g.fields[f])] = values[f];
  return ids;
}

// changes.csv's columns (WriteChangesCsv).
py::dict ChangesDict(const std::vector<IdentityChange>& changes) {
  std::vector<std::string> id, kind, other;
  std::vector<uint64_t> before, after, added, removed;
  for (const IdentityChange& c : changes) {
    id.push_back(c.id);
    kind.emplace_back(IdentityChangeName(c.kind));
    other.push_back(c.other);
    before.push_back(c.records_before);
    after.push_back(c.records_after);
    added.push_back(c.records_added);
    removed.push_back(c.records_removed);
  }
  py::dict d;
  d["identity_id"] = id;
  d["change"] = kind;
  d["other_identity"] = other;
  d["records_before"] = before;
  d["records_after"] = after;
  d["records_added"] = added;
  d["records_removed"] = removed;
  return d;
}

// clusters_changed.csv's columns (WriteClustersChangedCsv).
py::dict ClustersChangedDict(const std::vector<RecordIdentityChange>& changes, bool with_source,
                             const std::vector<std::string>& source_names) {
  std::vector<std::string> source, id, cluster, kind, previous;
  for (const RecordIdentityChange& c : changes) {
    if (with_source) {
      const auto [s, i] = SplitRecordKey(c.key, source_names);
      source.emplace_back(s);
      id.emplace_back(i);
    } else {
      id.emplace_back(c.key);
    }
    cluster.emplace_back(c.identity);
    kind.emplace_back(c.kind());
    previous.emplace_back(c.previous);
  }
  py::dict d;
  if (with_source) d["source"] = source;
  d["record_id"] = id;
  d["cluster_id"] = cluster;
  d["change"] = kind;
  d["previous_cluster_id"] = previous;
  return d;
}

// Runs `command` ("dedupe", "link", "train", "evaluate", "explain") on the inputs. rules: a path
// (rules_is_path) or TOML text named rules_name in messages.
py::dict Run(const std::string& command, const py::list& py_inputs, const std::string& rules_source,
             bool rules_is_path, const std::string& rules_name, const py::dict& py_options) {
  Options o = ParseOptions(py_options);
  std::vector<PyInput> inputs;
  for (const py::handle item : py_inputs) {
    const py::tuple t = item.cast<py::tuple>();
    PyInput in;
    in.name = t[0].cast<std::string>();
    if (!t[1].is_none()) {
      in.path = t[1].cast<std::string>();
    } else {
      for (const py::handle col : t[2].cast<py::list>()) {
        const py::tuple c = col.cast<py::tuple>();
        in.columns.push_back(ColumnFromList(c[0].cast<std::string>(), c[1].cast<py::list>()));
      }
    }
    inputs.push_back(std::move(in));
  }
  const int threads =
      o.threads > 0 ? o.threads : static_cast<int>(tbb::info::default_concurrency());

  // Everything below runs without the GIL and in an arena of `threads` workers.
  Session s;
  Result<RunResult> run = Status::Internal("not run");
  std::optional<PairExplanation> explained;
  std::string evaluation_json, summary_json;
  std::vector<std::string> cluster_ids;
  std::optional<GoldenRecords> golden;
  std::optional<RunState> state;
  std::optional<OutputSet> state_out;
  std::optional<IncrementalNight> night;
  std::optional<IdentityAssignment> identities;
  bool with_source = false;
  std::optional<Status> failed;
  {
    py::gil_scoped_release release;
    // The CLI's --threads is a global_control of `threads`; here each call gets an arena of its
    // own, so that concurrent calls from Python threads do not cap each other. The arena alone
    // cannot pass the process's default worker count: more threads than cores (as --threads 8 on
    // two cores) need a global_control raising it while the call runs.
    std::optional<tbb::global_control> more;
    if (threads > static_cast<int>(tbb::info::default_concurrency())) {
      more.emplace(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(threads));
    }
    tbb::task_arena arena(threads);
    arena.execute([&] {
      try {
        s.rules = Take(rules_is_path ? LoadRulesFile(rules_source)
                                     : LoadRulesString(rules_source, rules_name));
        const bool deletions_only = o.incremental && !o.deletions.empty() && inputs.empty();
        if (inputs.empty() && !deletions_only) {  // no data given: the rules' [sources.NAME] paths, as the CLI reads them
          for (const InputSpec& spec : InputsFromRules(s.rules)) {
            PyInput in;
            in.name = spec.name;
            in.path = spec.path;
            inputs.push_back(std::move(in));
          }
          if (inputs.empty()) {
            Check(Status::Usage("error: no input: pass a DataFrame, a path, or a list of them",
                                "or give each of the rules' [sources.NAME] tables a path"));
          }
        }
        CheckCommand(command, s.rules, rules_name, inputs.size(), o.incremental);
        // The state is read before any data, as the CLI does: a state of other rules, or a
        // damaged one, is refused at once; its directory is probed for writing.
        if (o.state_dir) {
          state.emplace(Take(ReadRunState(*o.state_dir, s.rules, o.retrain)));
          CheckState(o, s.rules, *state);
          state_out.emplace(Take(OutputSet::Begin(*o.state_dir, kRunStateFiles)));
        }
        const auto t0 = std::chrono::steady_clock::now();
        // A night's data of what changed may hold no records (an empty frame or file).
        o.read.allow_empty = o.incremental;
        if (!inputs.empty()) s.input = Load(s.rules, inputs, o.read);
        s.timings.push_back(
            {"read", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
             PeakRssBytes()});
        RunOptions ro;
        if (o.model_json) ro.model = Take(ParseModelJson(*o.model_json, o.model_name, s.rules));
        if (command == "explain") {
          if (!ro.model) {  // no model given: train one on this data, as `reclink train` would
            RunOptions train;
            train.train_only = true;
            ro.model = Take(RunLinkage(s.rules, s.input, train, nullptr)).model;
          }
          explained = Take(ExplainPair(s.rules, s.input, *ro.model, o.pair_l, o.pair_r));
          return;
        }
        if (o.incremental) {
          night.emplace(Take(RunIncrementalNight(s.rules, *state, s.input, o.deletions,
                                                 LinkThreshold(o.threshold, s.rules, state->model),
                                                 &s.timings)));
          Check(WriteIncrementalState(*state_out, s.rules, *night));
          Check(state_out->Commit());
          RunContext context;
          context.command = command;
          context.rules_path = rules_name;
          context.threads = threads;
          context.output_commit = "none";  // the Python module writes no output files
          context.identities = &night->identities;
          context.record_changes = &night->identities.record_changes;
          context.state_dir = *o.state_dir;
          context.model_origin = "state";
          context.incremental = &night->result.counts;
          summary_json = SummaryJson(context, s.input, night->result.run, s.timings, "");
          return;
        }
        std::string model_origin = "trained";
        if (state && state->model_loaded && !o.retrain) {
          // The state's model scores, with the term frequencies it was trained with.
          ro.model = state->model;
          ro.tf_tables = &state->records.tf_tables;
          model_origin = "state";
        } else if (state && state->found) {
          model_origin = "retrained";
        } else if (o.model_json) {
          model_origin = "file";
        }
        ro.threshold = o.threshold;
        ro.train_only = command == "train";
        ro.keep_pairs = o.with_pairs;
        ro.pairs_threshold = o.pairs_threshold;
        ro.keep_fields = state.has_value() || s.rules.survivorship.has_value();
        ro.keep_key_hashes = state.has_value();
        std::vector<uint32_t> truth;
        if (!o.truth_column.empty())
          truth = Take(TruthFromColumn(s.input, o.truth_column));
        else if (!o.truth_pairs.empty())
          truth = Take(TruthFromPairs(s.input, o.truth_pairs));
        if (command == "evaluate" && truth.empty()) {
          Check(Status::Usage(
              "error: evaluate needs exactly one of truth (a column) and truth_pairs (a file)"));
        }
        if (!truth.empty()) ro.truth = &truth;
        std::vector<LabeledPair> labels;
        if (!o.labels_path.empty()) {
          if (ro.model)
            Check(
                Status::Usage("error: labels train the model, and this run scores with a given one",
                              "drop model"));
          labels = Take(ReadLabeledPairs(s.input, o.labels_path));
          ro.labels = &labels;
        }
        run = RunLinkage(s.rules, s.input, ro, &s.timings);
        if (!run.ok()) return;
        const RunResult& r = *run;
        if (!truth.empty())
          evaluation_json =
              EvaluationJson(EvaluateRun(s.input, s.rules, r, truth), r, s.input, s.rules);
        if (command == "train" || command == "evaluate") return;
        with_source = s.rules.link_type != LinkType::kDedupe || s.input.sources.size() > 1;
        if (state) {
          // Stable identity ids named after the state's, then the next state (written now: this
          // call has no output files to commit first).
          identities.emplace(Take(AssignIdentities(state->identities, RecordKeys(s.input, s.rules), r.labels, r.clusters)));
          cluster_ids = identities->cluster_ids;
          Check(WriteStateOfRun(*state_out, s.rules, s.input, r, *identities));
          Check(state_out->Commit());
        } else {
          cluster_ids = ClusterIds(s.input, r.labels, r.clusters, with_source);
        }
        if (s.rules.survivorship) golden = BuildGoldenRecords(s.rules, s.input, r);
        RunContext context;
        context.command = command;
        context.rules_path = rules_name;
        context.threads = threads;
        context.output_commit = "none";  // the Python module writes no files
        if (identities) {
          context.identities = &*identities;
          context.record_changes = &identities->record_changes;
          context.state_dir = *o.state_dir;
          context.model_origin = model_origin;
        }
        summary_json = SummaryJson(context, s.input, r, s.timings, evaluation_json);
      } catch (const StatusException& e) {
        failed = e.status;
      }
    });
  }
  if (failed) throw StatusException{*failed};
  py::dict out;
  if (explained) {
    const PairExplanation& e = *explained;
    py::list comps;
    for (const ComparisonExplanation& x : e.comparisons) {
      py::dict c;
      c["name"] = x.name;
      c["raw_l"] = x.null_l ? py::object(py::none()) : py::object(py::str(x.raw_l));
      c["raw_r"] = x.null_r ? py::object(py::none()) : py::object(py::str(x.raw_r));
      c["value_l"] = x.value_l;
      c["value_r"] = x.value_r;
      c["level"] = x.level;
      c["label"] = x.label;
      c["m"] = x.m;
      c["u"] = x.u;
      c["u_used"] = x.u_used;
      c["tf_adjusted"] = x.tf_adjusted;
      c["weight"] = x.weight;
      c["running_weight"] = x.running_weight;
      comps.append(c);
    }
    out["id_l"] = e.id_l;
    out["id_r"] = e.id_r;
    out["prior"] = e.prior;
    out["base_weight"] = e.base_weight;
    out["comparisons"] = comps;
    out["match_weight"] = e.match_weight;
    out["match_probability"] = e.match_probability;
    return out;
  }
  if (night) {
    const IncrementalResult& res = night->result;
    const IdentityAssignment& ids = night->identities;
    out["model_json"] = ModelToJson(res.run.model);
    out["evaluation_json"] = std::string();
    out["threshold"] = res.run.threshold;
    out["summary_json"] = summary_json;
    // clusters.csv of the night: every record of the state now, in record-key order.
    const bool split = s.rules.link_type != LinkType::kDedupe;
    std::vector<std::string> source, id, cluster;
    for (uint32_t row : ids.rows_by_key) {
      if (split) {
        const std::string& src = res.records.source_names[res.records.source_of[row]];
        source.push_back(src);
        id.emplace_back(ids.next.keys[row].substr(src.size() + 1));
      } else {
        id.emplace_back(ids.next.keys[row]);
      }
      cluster.emplace_back(ids.cluster_id(res.run.labels[row]));
    }
    std::vector<std::pair<std::string, std::vector<std::string>>> cols;
    if (split) cols.emplace_back("source", std::move(source));
    cols.emplace_back("record_id", std::move(id));
    cols.emplace_back("cluster_id", std::move(cluster));
    out["clusters"] = ColumnsDict(std::move(cols));
    out["changes"] = ChangesDict(ids.changes);
    out["clusters_changed"] =
        ClustersChangedDict(ids.record_changes, split, res.records.source_names);
    if (s.rules.survivorship) out["identities"] = IdentitiesDict(Take(IncrementalGoldenRecords(s.rules, *night)), ClusterIdStrings(ids));
    return out;
  }
  if (!run.ok()) throw StatusException{run.status()};
  const RunResult& r = *run;
  if (identities) {
    out["changes"] = ChangesDict(identities->changes);
    std::vector<std::string> source_names;
    for (const SourceReport& src : s.input.sources) source_names.push_back(src.name);
    out["clusters_changed"] = ClustersChangedDict(
        identities->record_changes, s.rules.link_type != LinkType::kDedupe, source_names);
  }
  out["model_json"] = ModelToJson(r.model);
  out["evaluation_json"] = evaluation_json;
  out["threshold"] = r.threshold;
  if (command == "train" || command == "evaluate") return out;
  out["summary_json"] = summary_json;

  const LoadedInput& in = s.input;
  const RecordTable& table = in.table;
  auto source_of = [&](RowId row) { return table.source_names()[table.source(row)]; };
  {
    std::vector<std::string> source, id, cluster;
    for (RowId row = 0; row < table.num_rows(); ++row) {
      if (with_source) source.push_back(source_of(row));
      id.emplace_back(in.Id(row));
      cluster.push_back(cluster_ids[r.labels[row]]);
    }
    std::vector<std::pair<std::string, std::vector<std::string>>> cols;
    if (with_source) cols.emplace_back("source", std::move(source));
    cols.emplace_back("record_id", std::move(id));
    cols.emplace_back("cluster_id", std::move(cluster));
    out["clusters"] = ColumnsDict(std::move(cols));
  }
  if (o.with_pairs) {
    // pairs.csv's columns (WritePairsCsv), gamma as Splink writes it: -1 null, highest strictest.
    const bool multi = table.source_names().size() > 1;
    py::dict pairs;
    std::vector<std::string> sl, il, sr, ir;
    std::vector<double> weight, probability;
    std::vector<std::vector<int>> gamma(r.model.comparisons.size());
    for (const ScoredPair& p : r.pairs) {
      if (multi) sl.push_back(source_of(p.a)), sr.push_back(source_of(p.b));
      il.emplace_back(in.Id(p.a));
      ir.emplace_back(in.Id(p.b));
      weight.push_back(p.weight);
      probability.push_back(r.model.Probability(p.weight));
      for (size_t c = 0; c < p.gamma.size(); ++c) {
        const int levels = static_cast<int>(r.model.comparisons[c].levels.size());
        gamma[c].push_back(p.gamma[c] == 0 ? -1 : levels - 1 - p.gamma[c]);
      }
    }
    if (multi) pairs["source_l"] = sl;
    pairs["id_l"] = il;
    if (multi) pairs["source_r"] = sr;
    pairs["id_r"] = ir;
    pairs["match_weight"] = weight;
    pairs["match_probability"] = probability;
    for (size_t c = 0; c < gamma.size(); ++c)
      pairs[py::str("gamma_" + r.model.comparisons[c].name)] = gamma[c];
    out["pairs"] = pairs;
  }
  if (golden) out["identities"] = IdentitiesDict(*golden, cluster_ids);
  return out;
}

}  // namespace
}  // namespace reclink::python

PYBIND11_MODULE(_reclink, m) {
  using namespace reclink::python;
  m.doc() = "reclink's engine; use the `reclink` package, which wraps it";
  static py::exception<StatusException> status_error(m, "StatusError");
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const StatusException& e) {
      const reclink::Status& s = e.status;
      py::object args =
          py::make_tuple(CodeName(s.code()), reclink::ExitCodeFor(s), s.message(), s.hint());
      PyErr_SetObject(status_error.ptr(), args.ptr());
    }
  });
  m.def("run", &Run, py::arg("command"), py::arg("inputs"), py::arg("rules"),
        py::arg("rules_is_path"), py::arg("rules_name"), py::arg("options"),
        "Runs a command; see python/reclink/__init__.py. Releases the GIL while the engine runs.");
  m.attr("version") = reclink::kReclinkVersion;
}
