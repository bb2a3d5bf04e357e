// Translation of command-line options, and error reporting.
#include "options.h"
#include "process_group.h"

#include <tbb/info.h>
#include <unistd.h>

#include <cstdio>

namespace reclink::cli {

Result<ReadOptions> MakeReadOptions(const CommonOptions& o) {
  ReadOptions r;
  if (o.format == "csv" || o.format == "tsv") r.format = InputFormat::kCsv;
  else if (o.format == "jsonl" || o.format == "ndjson") r.format = InputFormat::kJsonl;
  else if (o.format == "json") r.format = InputFormat::kJson;
  else if (o.format != "auto") return Status::Usage("--format: expected csv, jsonl, json or auto, found '" + o.format + "'");
  if (o.format == "tsv") r.delimiter = '\t';
  if (!o.delimiter.empty()) {
    if (o.delimiter == "tab" || o.delimiter == "\\t") r.delimiter = '\t';
    else if (o.delimiter.size() == 1 && o.delimiter.find_first_of(",;|\t") == 0) r.delimiter = o.delimiter[0];
    else return Status::Usage("--delimiter: expected one of , ; | tab, found '" + o.delimiter + "'");
  }
  r.trim_spaces = o.trim_spaces;
  if (o.encoding == "latin-1" || o.encoding == "latin1" || o.encoding == "iso-8859-1") r.encoding = Encoding::kLatin1;
  else if (o.encoding != "utf-8" && o.encoding != "utf8") return Status::Usage("--encoding: expected utf-8 or latin-1, found '" + o.encoding + "'");
  if (o.on_bad_record == "skip") r.on_bad_record = BadRecordPolicy::kSkip;
  else if (o.on_bad_record == "quarantine") r.on_bad_record = BadRecordPolicy::kQuarantine;
  else if (o.on_bad_record != "fail") return Status::Usage("--on-bad-record: expected fail, skip or quarantine, found '" + o.on_bad_record + "'");
  return r;
}

Result<std::vector<InputSpec>> ParseInputs(const CommonOptions& o, const Rules* rules) {
  std::vector<InputSpec> inputs;
  if (o.inputs.empty()) {
    if (rules != nullptr) inputs = InputsFromRules(*rules);
    if (inputs.empty()) {
      return Status::Usage("error: no input files",
                           rules != nullptr ? "give the input files after the options, or a path in each of the rules "
                                              "file's [sources.NAME] tables"
                                            : "give the input files after the options");
    }
    return inputs;
  }
  for (const std::string& arg : o.inputs) {
    Result<InputSpec> in = ParseInputSpec(arg);
    if (!in.ok()) return in.status();
    inputs.push_back(std::move(in.value()));
  }
  return inputs;
}

int Fail(const Status& status) {
  std::string text = status.message();
  if (text.find(": error: ") == std::string::npos && text.rfind("error: ", 0) != 0) text = "error: " + text;
  text += "\n";
  if (!status.hint().empty()) text += "hint: " + status.hint() + "\n";
  // In an MPI job, rank 0 prints every rank's first error, once (process_group.h).
  if (!DeferErrorText(text)) std::fprintf(stderr, "reclink: %s", text.c_str());
  return ExitCodeFor(status);
}

int ThreadCount(const CommonOptions& o) {
  return o.threads > 0 ? o.threads : static_cast<int>(tbb::info::default_concurrency());
}

bool ShowProgress(const CommonOptions& o) {
  if (o.quiet || o.progress == "never") return false;
  if (o.progress == "always") return true;
  return isatty(STDERR_FILENO) != 0;
}

}  // namespace reclink::cli
