// Command-line options shared by reclink's commands, and their translation to library options.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "reclink/pipeline.h"
#include "reclink/reader.h"
#include "reclink/spill.h"
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
  std::string memory_limit = "auto";  // bytes with an optional K/M/G/T suffix, "auto", or "none"
  std::string temp_dir;               // "": $TMPDIR, else /tmp
};

// What --memory-limit decided for a run (docs/performance.md "Memory limit").
struct MemoryPlan {
  uint64_t limit = 0;         // bytes; 0: no limit
  uint64_t estimate = 0;      // the run's estimated peak from its inputs' sizes
  std::string temp_dir;       // where the columns go when spilled
  std::shared_ptr<SpillArea> spill;  // set when the estimate passes the limit
};

// Parses a size ("1G", "512M", "1.5GiB", "1000000"); kUsage error on anything else.
Result<uint64_t> ParseByteSize(const std::string& text, const std::string& option);

// The memory plan for inputs at `paths`: their estimated peak against --memory-limit, and the
// spill area in --temp-dir when it passes. kUsage for a bad limit, kOutput for an unusable temp dir.
Result<MemoryPlan> PlanMemory(const CommonOptions& o, const std::vector<std::string>& paths);

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
