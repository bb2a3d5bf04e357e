// Golden files (tests/golden/CASE/): a run's outputs compared byte for byte with the committed
// ones, so any change of behaviour or output shows up as a diff to review. A case holds its
// inputs, `args` ({case}: the case directory, {source}: the repository, {out}: a fresh output
// directory) and expected/ with the files to compare. summary.json is compared without the
// fields that vary between runs and machines (timings, memory, threads, paths).
// To accept a reviewed change: RECLINK_UPDATE_GOLDEN=1 build/tests/e2e/e2e_test --gtest_filter='Golden*'
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "cli_runner.h"

namespace reclink::test {
namespace {

namespace fs = std::filesystem;
const fs::path kGolden = fs::path(RECLINK_SOURCE_DIR) / "tests" / "golden";

std::vector<std::string> Cases() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(kGolden)) {
    if (fs::exists(e.path() / "args")) names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  return s;
}

// summary.json without its run-specific top-level fields (one per line in that file).
std::string StableSummary(const std::string& json) {
  static const char* kVarying[] = {"\"version\"", "\"threads\"", "\"rules\"", "\"inputs\"", "\"stages\"",
                                   "\"seconds\"", "\"peak_rss_bytes\"", "\"huge_pages_off\"", "\"memory\""};
  std::stringstream in(json);
  std::string line, out;
  while (std::getline(in, line)) {
    const std::string key = line.substr(0, line.find(':'));
    bool varying = false;
    for (const char* k : kVarying) varying |= key == std::string("  ") + k;
    if (!varying) out += line + "\n";
  }
  return out;
}

class GoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, OutputsEqualTheCommittedOnes) {
  const fs::path dir = kGolden / GetParam();
  std::string args = ReadFile((dir / "args").string());
  while (!args.empty() && (args.back() == '\n' || args.back() == '\r')) args.pop_back();
  const std::string out = TempDir("golden_" + GetParam()) + "/out";
  args = Replace(Replace(Replace(args, "{case}", dir.string()), "{source}", RECLINK_SOURCE_DIR), "{out}", out);
  const CliResult r = RunReclink(args + " --quiet");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const bool update = std::getenv("RECLINK_UPDATE_GOLDEN") != nullptr;
  const fs::path expected = dir / "expected";
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(out)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  if (update) {
    fs::remove_all(expected);
    fs::create_directories(expected);
  }
  std::vector<std::string> want;
  for (const auto& e : fs::directory_iterator(expected)) want.push_back(e.path().filename().string());
  std::sort(want.begin(), want.end());
  if (!update) {
    EXPECT_EQ(names, want) << "the run wrote other files than expected/ holds";
  }
  for (const std::string& n : names) {
    std::string got = ReadFile(out + "/" + n);
    if (n == "summary.json") got = StableSummary(got);
    if (update) {
      WriteFile((expected / n).string(), got);
      continue;
    }
    EXPECT_TRUE(got == ReadFile((expected / n).string()))
        << n << " differs from " << (expected / n) << "; compare with: diff " << (expected / n) << " " << out << "/" << n;
  }
}

INSTANTIATE_TEST_SUITE_P(Golden, GoldenTest, ::testing::ValuesIn(Cases()));

}  // namespace
}  // namespace reclink::test
