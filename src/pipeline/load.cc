// Loading inputs: read every file, check ids and the rules' columns, combine into one table.
#include <sys/resource.h>

#include <filesystem>
#include <set>

#include "reclink/pipeline.h"
#include "reclink/shared_read.h"

namespace reclink {

Result<InputSpec> ParseInputSpec(const std::string& arg) {
  namespace fs = std::filesystem;
  InputSpec spec;
  const size_t eq = arg.find('=');
  // NAME=PATH, unless the '=' belongs to the path: a name never holds '/', and an existing file
  // named like the whole argument is that file.
  if (eq != std::string::npos && eq > 0 && arg.substr(0, eq).find('/') == std::string::npos) {
    std::error_code ec;
    const bool whole_exists = fs::exists(arg, ec);
    const std::string path = arg.substr(eq + 1);
    if (!whole_exists) {
      spec.name = arg.substr(0, eq);
      spec.path = path;
      return spec;
    }
    if (fs::exists(path, ec)) {
      return Status::Usage("error: input '" + arg + "' is ambiguous: a file of that name exists, and so does '" +
                               path + "' (read as " + arg.substr(0, eq) + "=" + path + ")",
                           "write ./" + arg + " for the file, or rename it");
    }
  }
  spec.path = arg;
  if (arg == "-") {  // the standard input
    spec.name = "stdin";
    return spec;
  }
  std::string name = fs::path(arg).filename().string();
  const size_t dot = name.find('.');
  if (dot != std::string::npos && dot > 0) name = name.substr(0, dot);
  spec.name = name;
  return spec;
}

std::vector<InputSpec> InputsFromRules(const Rules& rules) {
  namespace fs = std::filesystem;
  std::vector<InputSpec> inputs;
  const fs::path folder = fs::path(rules.path).parent_path();
  for (const SourceSpec& s : rules.sources) {
    if (s.path.empty()) continue;
    fs::path p(s.path);
    if (p.is_relative() && s.path != "-") p = folder / p;
    inputs.push_back({s.name, p.string()});
  }
  return inputs;
}

namespace {

Status CheckUniqueNames(const std::vector<std::string>& names) {
  std::set<std::string> seen;
  for (const std::string& n : names) {
    if (!seen.insert(n).second) {
      return Status::Usage("two inputs have the source name '" + n + "'", "name them explicitly with NAME=PATH");
    }
  }
  return Status::Ok();
}

// Checks one input's columns and ids, then appends its table to loaded.
Status AddInput(const Rules& rules, const std::string& name, const std::string& path, RecordTable&& table,
                uint64_t records, uint64_t bad, LoadedInput* loaded) {
  if (table.num_rows() == 0 && table.num_columns() == 0) {
    // No records and no header (ReadOptions::allow_empty): nothing to check or to add.
    loaded->sources.push_back({name, path, records, bad});
    return Status::Ok();
  }
  std::vector<std::string> columns;
  for (const Column& c : table.columns()) columns.push_back(c.name());
  RECLINK_RETURN_IF_ERROR(ValidateRulesColumns(rules, name, path, columns));
  RECLINK_RETURN_IF_ERROR(ValidateIdColumn(table, rules.IdFor(name), path));
  loaded->sources.push_back({name, path, records, bad});
  loaded->table.Append(std::move(table));
  return Status::Ok();
}

// The id columns, a warning per [sources.X] that names no input, and the row limit; under a
// memory limit, every column the readers left in memory is moved to the spill area.
Result<LoadedInput> Finish(const Rules& rules, LoadedInput loaded, const std::shared_ptr<SpillArea>& spill) {
  if (spill != nullptr && loaded.table.num_rows() > 0) {
    RECLINK_RETURN_IF_ERROR(loaded.table.SpillColumns(spill));
    loaded.table.EvictSpilled();
  }
  std::set<std::string> names;
  std::string list;
  for (const SourceReport& s : loaded.sources) {
    names.insert(s.name);
    list += (list.empty() ? "" : ", ") + s.name;
  }
  for (const SourceSpec& s : rules.sources) {
    if (names.count(s.name) != 0) continue;
    loaded.warnings.push_back(rules.path + ":" + std::to_string(s.line) + ": [sources." + s.name +
                              "] names no input (inputs: " + list + "), so its options were not used; name an input " +
                              s.name + "=PATH");
  }
  for (const SourceReport& s : loaded.sources) {
    loaded.id_columns.push_back(loaded.table.FindColumn(rules.IdFor(s.name)));
  }
  if (loaded.table.num_rows() >= (uint64_t{1} << 32) - 1) {
    return Status::InvalidInput("more than 4294967294 records; reclink's row ids are 32-bit");
  }
  return loaded;
}

}  // namespace

namespace {

Result<Rules> CheckedByStages(Result<Rules> rules) {
  if (!rules.ok()) return rules;
  RECLINK_RETURN_IF_ERROR(CheckFieldNormalizers(*rules));
  return rules;
}

}  // namespace

Result<Rules> LoadRulesFile(const std::string& path) { return CheckedByStages(ParseRulesFile(path)); }

Result<Rules> LoadRulesString(const std::string& text, const std::string& name) {
  return CheckedByStages(ParseRulesString(text, name));
}

Result<LoadedInput> LoadInputs(const Rules& rules, const std::vector<InputSpec>& inputs,
                               const ReadOptions& options, std::vector<BadRecord>* rejects, Collective* group) {
  LoadedInput loaded;
  std::vector<std::string> names;
  for (const InputSpec& in : inputs) names.push_back(in.name);
  RECLINK_RETURN_IF_ERROR(CheckUniqueNames(names));
  if (group != nullptr && group->size() > 1) {
    // Every input is read (and every rank gets every result) before the first error is returned:
    // the same error as reading in order and stopping there.
    std::vector<InputRead> reads;
    for (const InputSpec& in : inputs) reads.push_back({in.path, in.name, rules.ReadOptionsFor(in.name, options)});
    std::vector<InputReadResult> read = ReadInputsShared(reads, *group);
    for (size_t i = 0; i < inputs.size(); ++i) {
      RECLINK_RETURN_IF_ERROR(read[i].status);
      const ReadReport& report = read[i].report;
      RECLINK_RETURN_IF_ERROR(AddInput(rules, inputs[i].name, inputs[i].path, std::move(read[i].table),
                                       report.records, report.bad, &loaded));
      if (rejects) rejects->insert(rejects->end(), report.rejects.begin(), report.rejects.end());
    }
    return Finish(rules, std::move(loaded), options.spill);
  }
  for (const InputSpec& in : inputs) {
    ReadReport report;
    Result<RecordTable> table = ReadInput(in.path, in.name, rules.ReadOptionsFor(in.name, options), &report);
    if (!table.ok()) return table.status();
    RECLINK_RETURN_IF_ERROR(AddInput(rules, in.name, in.path, std::move(table.value()), report.records, report.bad,
                                     &loaded));
    if (rejects) rejects->insert(rejects->end(), report.rejects.begin(), report.rejects.end());
  }
  return Finish(rules, std::move(loaded), options.spill);
}

Result<LoadedInput> LoadTables(const Rules& rules, std::vector<TableInput> inputs) {
  LoadedInput loaded;
  std::vector<std::string> names;
  for (const TableInput& in : inputs) names.push_back(in.name);
  RECLINK_RETURN_IF_ERROR(CheckUniqueNames(names));
  for (TableInput& in : inputs) {
    const uint64_t records = in.table.num_rows();
    RECLINK_RETURN_IF_ERROR(AddInput(rules, in.name, in.path, std::move(in.table), records, in.bad, &loaded));
  }
  return Finish(rules, std::move(loaded), nullptr);
}

int64_t FindRecord(const LoadedInput& input, const std::string& id) {
  std::string source, key = id;
  const size_t colon = id.find(':');
  if (colon != std::string::npos) {
    for (const SourceReport& s : input.sources) {
      if (s.name == id.substr(0, colon)) {
        source = s.name;
        key = id.substr(colon + 1);
      }
    }
  }
  for (RowId r = 0; r < input.table.num_rows(); ++r) {
    if (!source.empty() && input.table.source_names()[input.table.source(r)] != source) continue;
    if (input.Id(r) == key) return r;
  }
  return -1;
}

uint64_t PeakRssBytes() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<uint64_t>(usage.ru_maxrss) * 1024;
}

}  // namespace reclink
