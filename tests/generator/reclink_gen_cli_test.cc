// End-to-end: the reclink-gen program's files, summary and exit codes.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

int RunGen(const std::string& args) {
  const std::string cmd = std::string(RECLINK_GEN_PATH) + " " + args;
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

class ReclinkGenCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("reclink_gen_cli_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

TEST_F(ReclinkGenCliTest, WritesRecordsTruthPairsAndSummary) {
  ASSERT_EQ(RunGen("--records 500 --seed 9 --out " + Path("a.csv") + " --truth-pairs " +
                   Path("pairs.csv") + " --summary " + Path("summary.json") + " --quiet"),
            0);
  const std::string csv = ReadFile(Path("a.csv"));
  size_t lines = 0;
  for (char c : csv) lines += c == '\n';
  EXPECT_EQ(lines, 501u);
  const std::string summary = ReadFile(Path("summary.json"));
  EXPECT_NE(summary.find("\"records\":500,"), std::string::npos) << summary;
  const std::string pairs = ReadFile(Path("pairs.csv"));
  size_t pair_lines = 0;
  for (char c : pairs) pair_lines += c == '\n';
  EXPECT_NE(summary.find("\"gold_pairs\":" + std::to_string(pair_lines - 1) + ","),
            std::string::npos)
      << summary;

  // Same command, same bytes; stdout equals --out.
  ASSERT_EQ(RunGen("--records 500 --seed 9 --quiet > " + Path("b.csv")), 0);
  EXPECT_EQ(ReadFile(Path("b.csv")), csv);
}

TEST_F(ReclinkGenCliTest, JsonlFormat) {
  ASSERT_EQ(RunGen("--records 50 --format jsonl --quiet --out " + Path("a.jsonl")), 0);
  const std::string text = ReadFile(Path("a.jsonl"));
  EXPECT_EQ(text.rfind("{\"record_id\":\"1\",", 0), 0u) << text.substr(0, 80);
  EXPECT_NE(text.find("\"name\":{\"first\":"), std::string::npos);
  EXPECT_NE(text.find("\"address\":{\"line\":"), std::string::npos);
}

TEST_F(ReclinkGenCliTest, UsageErrorsExitWithTwo) {
  EXPECT_EQ(RunGen("--noise 2 --quiet --out " + Path("x.csv") + " 2>/dev/null"), 2);
  EXPECT_EQ(RunGen("--format xml --quiet 2>/dev/null"), 2);
  EXPECT_EQ(RunGen("--no-such-option 2>/dev/null"), 2);
  EXPECT_EQ(RunGen("--records 5 --quiet --out " + Path("missing/dir/x.csv") + " 2>/dev/null"), 3);
}

}  // namespace
