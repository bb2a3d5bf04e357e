// Runs the reclink binary in a shell and captures stdout, stderr and the exit code.
#pragma once

#include <chrono>
#include <string>
#include <vector>

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
// Starts args[0] with args (no shell), sends sig after delay if it is still running (sig 0:
// none), waits for it and returns its wait status.
int RunAndKill(const std::vector<std::string>& args, std::chrono::microseconds delay, int sig);
inline int RunToEnd(const std::vector<std::string>& args) { return RunAndKill(args, std::chrono::hours(0), 0); }
// A fresh empty directory under the test temp dir.
std::string TempDir(const std::string& name);

}  // namespace reclink::test
