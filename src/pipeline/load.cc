// Loading inputs: read every file, check ids and the rules' columns, combine into one table.
#include <sys/resource.h>

#include <filesystem>
#include <set>

#include "reclink/pipeline.h"

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

Result<LoadedInput> LoadInputs(const Rules& rules, const std::vector<InputSpec>& inputs,
                               const ReadOptions& options, std::vector<BadRecord>* rejects) {
  LoadedInput loaded;
  std::set<std::string> names;
  for (const InputSpec& in : inputs) {
    if (!names.insert(in.name).second) {
      return Status::Usage("two inputs have the source name '" + in.name + "'",
                           "name them explicitly with NAME=PATH");
    }
  }
  for (const InputSpec& in : inputs) {
    ReadReport report;
    Result<RecordTable> table = ReadInput(in.path, in.name, rules.ReadOptionsFor(in.name, options), &report);
    if (!table.ok()) return table.status();
    std::vector<std::string> columns;
    for (const Column& c : table->columns()) columns.push_back(c.name());
    RECLINK_RETURN_IF_ERROR(ValidateRulesColumns(rules, in.name, in.path, columns));
    RECLINK_RETURN_IF_ERROR(ValidateIdColumn(*table, rules.IdFor(in.name), in.path));
    if (rejects) rejects->insert(rejects->end(), report.rejects.begin(), report.rejects.end());
    loaded.sources.push_back({in.name, in.path, report.records, report.bad});
    loaded.table.Append(std::move(table.value()));
  }
  for (const SourceSpec& s : rules.sources) {
    if (names.count(s.name) != 0) continue;
    std::string list;
    for (const InputSpec& in : inputs) list += (list.empty() ? "" : ", ") + in.name;
    loaded.warnings.push_back(rules.path + ":" + std::to_string(s.line) + ": [sources." + s.name +
                              "] names no input (inputs: " + list + "), so its options were not used; name an input " +
                              s.name + "=PATH");
  }
  for (size_t s = 0; s < inputs.size(); ++s) {
    loaded.id_columns.push_back(loaded.table.FindColumn(rules.IdFor(inputs[s].name)));
  }
  if (loaded.table.num_rows() >= (uint64_t{1} << 32) - 1) {
    return Status::InvalidInput("more than 4294967294 records; reclink's row ids are 32-bit");
  }
  return loaded;
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
