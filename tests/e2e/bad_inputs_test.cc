// The bad-input corpus (tests/bad_inputs/KIND/): one directory per kind of fault, each run
// through the reclink binary, checked for its exit code and the text (location and message) it
// must print. A case directory holds its input files and:
//   args    one line of reclink arguments; {case} is the case directory, {out} a fresh empty
//           output directory
//   expect  lines "exit N", "stderr TEXT", "stdout TEXT", "nostderr TEXT" (TEXT literal)
// Every case also checks that the run did not die of a signal and left no staging directory
// or temporary file next to {out}.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli_runner.h"

namespace reclink::test {
namespace {

namespace fs = std::filesystem;
const fs::path kCorpus = fs::path(RECLINK_SOURCE_DIR) / "tests" / "bad_inputs";

std::vector<std::string> Cases() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(kCorpus)) {
    if (e.is_directory() && fs::exists(e.path() / "args")) names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  return s;
}

class BadInputTest : public ::testing::TestWithParam<std::string> {};

TEST_P(BadInputTest, ExitCodeAndMessage) {
  const fs::path dir = kCorpus / GetParam();
  std::string args = ReadFile((dir / "args").string());
  while (!args.empty() && (args.back() == '\n' || args.back() == '\r')) args.pop_back();
  const std::string work = TempDir("bad_" + GetParam());
  const std::string out = work + "/out";
  args = Replace(Replace(args, "{case}", dir.string()), "{out}", out);
  const CliResult r = RunReclink(args);
  ASSERT_GE(r.exit_code, 0) << "killed by a signal: reclink " << args << "\n" << r.err;
  std::ifstream expect(dir / "expect");
  ASSERT_TRUE(expect) << "missing " << (dir / "expect");
  std::string line;
  int checks = 0;
  while (std::getline(expect, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t sp = line.find(' ');
    const std::string key = line.substr(0, sp), text = sp == std::string::npos ? "" : line.substr(sp + 1);
    ++checks;
    if (key == "exit") {
      EXPECT_EQ(r.exit_code, std::stoi(text)) << "reclink " << args << "\nstderr:\n" << r.err;
    } else if (key == "stderr") {
      EXPECT_NE(r.err.find(text), std::string::npos) << "stderr lacks '" << text << "':\n" << r.err;
    } else if (key == "nostderr") {
      EXPECT_EQ(r.err.find(text), std::string::npos) << "stderr has '" << text << "':\n" << r.err;
    } else if (key == "stdout") {
      EXPECT_NE(r.out.find(text), std::string::npos) << "stdout lacks '" << text << "':\n" << r.out;
    } else {
      ADD_FAILURE() << "unknown expectation '" << key << "' in " << (dir / "expect");
    }
  }
  EXPECT_GE(checks, 2) << "a case checks its exit code and at least one message";
  for (const auto& e : fs::directory_iterator(work)) {
    const std::string n = e.path().filename().string();
    EXPECT_TRUE(n.find(".reclink-") == std::string::npos && n.find(".tmp") == std::string::npos)
        << "left behind: " << e.path();
  }
}

INSTANTIATE_TEST_SUITE_P(Corpus, BadInputTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<std::string>& i) {
                           std::string n = i.param;
                           std::replace_if(n.begin(), n.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '_');
                           return n;
                         });

}  // namespace
}  // namespace reclink::test
