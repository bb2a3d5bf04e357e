// Fault tests of the output set: a run into an --out that holds an earlier run's outputs is
// killed (SIGKILL, SIGTERM) at many points, or runs out of disk; afterwards --out holds the
// earlier run's whole set or the new one's, never a mix, and no temporary file is left.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <thread>

#include "cli_runner.h"

namespace reclink::test {
namespace {

namespace fs = std::filesystem;
const std::string kSource = RECLINK_SOURCE_DIR;
const std::string kDemo = kSource + "/datasets/demo/customers.csv";
const std::string kDemoRules = kSource + "/datasets/demo/rules.toml";

// An output set: file name -> content (summary.json only by presence: it holds timings).
using Snapshot = std::map<std::string, std::string>;

Snapshot Take(const std::string& dir) {
  Snapshot s;
  if (!fs::exists(dir)) return s;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string n = e.path().filename().string();
    s[n] = n == "summary.json" ? "present" : ReadFile(e.path().string());
  }
  return s;
}

std::vector<std::string> RunArgs(const std::string& out, bool second) {
  std::vector<std::string> a = {RECLINK_BINARY, "dedupe", "--rules", kDemoRules, "--out", out, "--quiet", kDemo};
  if (second) {  // a different output set: another threshold, and pairs.csv
    a.insert(a.end(), {"--threshold", "0.5", "--pairs"});
  }
  return a;
}

std::vector<std::string> Leftovers(const std::string& parent) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(parent)) {
    const std::string n = e.path().filename().string();
    if (n.find(".reclink-") != std::string::npos || n.find(".tmp") != std::string::npos || n == ".probe") {
      out.push_back(e.path().string());
    }
  }
  return out;
}

class KillTest : public ::testing::TestWithParam<int> {};

TEST_P(KillTest, AKilledRunLeavesOneWholeOutputSet) {
  const int sig = GetParam();
  const std::string parent = TempDir(sig == SIGKILL ? "fault_kill" : "fault_term");
  const std::string out = parent + "/out";
  // The two sets a kill may leave: the earlier run's and the new run's.
  ASSERT_EQ(RunToEnd(RunArgs(out, true)), 0);
  const Snapshot second = Take(out);
  fs::remove_all(out);
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(RunToEnd(RunArgs(out, false)), 0);
  const auto full = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0);
  const Snapshot first = Take(out);
  ASSERT_NE(first, second);
  ASSERT_TRUE(first.count("clusters.csv") && second.count("pairs.csv"));

  // Kill points spread over the whole run, with extra ones near its end, where the commit is.
  std::vector<std::chrono::microseconds> delays;
  for (int k = 0; k <= 10; ++k) delays.push_back(full * k / 10);
  for (int k = 0; k < 10; ++k) delays.push_back(full * (85 + k * 3) / 100);
  int saw_first = 0, saw_second = 0;
  for (const auto delay : delays) {
    const int status = RunAndKill(RunArgs(out, true), delay, sig);
    const Snapshot now = Take(out);
    const bool is_first = now == first, is_second = now == second;
    EXPECT_TRUE(is_first || is_second) << "a mix of outputs after signal " << sig << " at " << delay.count()
                                        << " us (exit status " << status << ")";
    saw_first += is_first;
    saw_second += is_second;
    if (sig == SIGTERM) {
      EXPECT_EQ(Leftovers(parent), std::vector<std::string>{}) << "after SIGTERM at " << delay.count() << " us";
    }
    // Back to the first set for the next kill point.
    if (is_second) {
      ASSERT_EQ(RunToEnd(RunArgs(out, false)), 0);
    }
  }
  EXPECT_GT(saw_first, 0);
  // A SIGKILL can leave a staging directory beside --out; the next run removes it.
  ASSERT_EQ(RunToEnd(RunArgs(out, false)), 0);
  EXPECT_EQ(Leftovers(parent), std::vector<std::string>{});
  std::printf("signal %d: %d kill points left the earlier set, %d the new one\n", sig, saw_first, saw_second);
}

INSTANTIATE_TEST_SUITE_P(Signals, KillTest, ::testing::Values(SIGKILL, SIGTERM),
                         [](const ::testing::TestParamInfo<int>& i) { return i.param == SIGKILL ? "SIGKILL" : "SIGTERM"; });

// A small tmpfs as a full disk. Needs root (mount); skipped with a message otherwise.
class FullDisk {
 public:
  explicit FullDisk(const std::string& dir, const char* size) : dir_(dir) {
    fs::create_directories(dir);
    mounted_ = ::mount("tmpfs", dir.c_str(), "tmpfs", 0, (std::string("size=") + size).c_str()) == 0;
  }
  ~FullDisk() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }

 private:
  std::string dir_;
  bool mounted_ = false;
};

TEST(FaultTest, AFullDiskLeavesTheEarlierOutputsAndNoTemporaryFile) {
  const std::string disk = TempDir("full_disk") + "/disk";
  FullDisk tmpfs(disk, "400k");
  if (!tmpfs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root): the full-disk test did not run";
  const std::string out = disk + "/out";
  ASSERT_EQ(RunToEnd(RunArgs(out, false)), 0);  // about 45 KB of outputs
  const Snapshot first = Take(out);
  // Leave about 120 KB: the 64 KB probe fits, the second set (with a 90 KB pairs.csv) does not.
  {
    std::string filler(1024, 'x');
    FILE* f = std::fopen((disk + "/filler").c_str(), "wb");
    ASSERT_NE(f, nullptr);
    for (int i = 0; i < 400 - 45 - 128; ++i) std::fwrite(filler.data(), 1, filler.size(), f);
    std::fclose(f);
  }
  std::vector<std::string> args = RunArgs(out, true);
  std::string cmd;
  for (size_t i = 1; i < args.size(); ++i) cmd += " " + args[i];
  CliResult r = RunReclink(cmd.substr(1));
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
  EXPECT_EQ(Take(out), first);
  EXPECT_EQ(Leftovers(disk), std::vector<std::string>{});

  // A disk with no room at all is reported before any data is read.
  {
    std::string filler(1024, 'x');
    FILE* f = std::fopen((disk + "/filler2").c_str(), "wb");
    ASSERT_NE(f, nullptr);
    while (std::fwrite(filler.data(), 1, filler.size(), f) == filler.size() && std::fflush(f) == 0) {
    }
    std::fclose(f);
  }
  r = RunReclink(cmd.substr(1));
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
  EXPECT_EQ(Take(out), first);
  EXPECT_EQ(Leftovers(disk), std::vector<std::string>{});
}

// A full run with --state whose state directory fills up: the state's files are written beside
// the outputs and before either is committed, so the run fails (exit 4) leaving the earlier
// outputs, the earlier state and no temporary file.
TEST(FaultTest, AFullStateDiskLeavesTheEarlierOutputsAndState) {
  const std::string parent = TempDir("full_state_disk");
  const std::string disk = parent + "/disk", state = disk + "/state", out = parent + "/out";
  FullDisk tmpfs(disk, "1200k");
  if (!tmpfs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root): the full-disk test did not run";
  auto args = [&] {
    return std::string("dedupe --rules ") + kDemoRules + " --state " + state + " --out " + out + " --quiet " + kDemo;
  };
  ASSERT_EQ(RunReclink(args()).exit_code, 0);  // about 540 KB of state
  const Snapshot first_out = Take(out), first_state = Take(state);
  // Leave about 200 KB: the probe fits, the next records.bin (about 470 KB) does not.
  {
    std::string filler(1024, 'x');
    FILE* f = std::fopen((disk + "/filler").c_str(), "wb");
    ASSERT_NE(f, nullptr);
    for (int i = 0; i < 1200 - 540 - 200; ++i) std::fwrite(filler.data(), 1, filler.size(), f);
    std::fclose(f);
  }
  CliResult r = RunReclink(args());
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
  EXPECT_EQ(Take(out), first_out);
  EXPECT_EQ(Take(state), first_state);
  EXPECT_EQ(Leftovers(parent), std::vector<std::string>{});
  // With room again, the run goes through and the next night reads the state it wrote.
  fs::remove(disk + "/filler");
  ASSERT_EQ(RunReclink(args()).exit_code, 0);
  EXPECT_NE(Take(out).at("changes.csv"), first_out.at("changes.csv"));
  EXPECT_EQ(RunReclink(args()).exit_code, 0);
}

}  // namespace
}  // namespace reclink::test
