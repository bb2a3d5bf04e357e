// Command-line options shared by reclink's commands, and their translation to library options.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "reclink/pipeline.h"
#include "reclink/reader.h"
#include "reclink/status.h"

namespace reclink::cli {

struct CommonOptions {
  std::vector<std::string> inputs;
  std::string rules_path;
  int threads = 0;  // 0: all cores
  std::string format = "auto";
  std::string delimiter;
  bool trim_spaces = false;
  std::string encoding = "utf-8";
  std::string on_bad_record = "fail";
  bool quiet = false;
  std::string progress = "auto";
  bool json = false;
};

// ReadOptions from the common options; kUsage error on a bad value.
Result<ReadOptions> MakeReadOptions(const CommonOptions& o);

// The inputs as source specs (NAME=PATH or PATH); kUsage on an ambiguous argument.
// Without input arguments: the rules' [sources.NAME] paths (rules may be null), else a usage error.
Result<std::vector<InputSpec>> ParseInputs(const CommonOptions& o, const Rules* rules = nullptr);

// Prints a status to stderr as "reclink: error: ..." lines and returns its exit code.
int Fail(const Status& status);

// Worker threads: --threads, or every core when 0.
int ThreadCount(const CommonOptions& o);

// Whether per-stage progress lines go to stderr.
bool ShowProgress(const CommonOptions& o);

}  // namespace reclink::cli
