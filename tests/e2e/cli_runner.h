// Runs the reclink binary in a shell and captures stdout, stderr and the exit code.
#pragma once

#include <string>

namespace reclink::test {

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `reclink ARGS` (args are passed to /bin/sh as written).
CliResult RunReclink(const std::string& args);
std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& text);
// A fresh empty directory under the test temp dir.
std::string TempDir(const std::string& name);

}  // namespace reclink::test
