// OutputSet: a run's files appear together; the user's files in --out are kept; nothing
// temporary is left.
#include "reclink/output_set.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "temp_dir.h"

namespace reclink {
namespace {

using testing::Entries;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

const std::set<std::string> kNames = {"a.csv", "b.json", "summary.json", "extra.csv"};

Status WriteSet(const std::string& dir, const std::string& tag, bool extra, bool* atomic = nullptr) {
  Result<OutputSet> set = OutputSet::Begin(dir, kNames);
  if (!set.ok()) return set.status();
  RECLINK_RETURN_IF_ERROR(set->WriteFile("a.csv", "a " + tag));
  RECLINK_RETURN_IF_ERROR(set->WriteFile("b.json", "b " + tag));
  if (extra) RECLINK_RETURN_IF_ERROR(set->WriteFile("extra.csv", "extra " + tag));
  RECLINK_RETURN_IF_ERROR(set->WriteFile("summary.json", "s " + tag));
  if (atomic) *atomic = set->atomic();
  return set->Commit();
}

TEST(OutputSetTest, CreatesTheDirectoryAndItsParents) {
  TempDir tmp;
  const std::string out = tmp / "x/y/out";
  bool atomic = false;
  ASSERT_TRUE(WriteSet(out, "1", false, &atomic).ok());
  EXPECT_TRUE(atomic);
  EXPECT_EQ(Entries(out), (std::vector<std::string>{"a.csv", "b.json", "summary.json"}));
  EXPECT_EQ(Entries(tmp / "x/y"), std::vector<std::string>{"out"});  // no staging left beside it
}

TEST(OutputSetTest, ReplacesTheWholeSetAndDropsOutputsThisRunDidNotWrite) {
  TempDir tmp;
  const std::string out = tmp / "out";
  ASSERT_TRUE(WriteSet(out, "1", true).ok());
  EXPECT_EQ(ReadFile(out + "/extra.csv"), "extra 1");
  ASSERT_TRUE(WriteSet(out, "2", false).ok());
  EXPECT_EQ(Entries(out), (std::vector<std::string>{"a.csv", "b.json", "summary.json"}));
  EXPECT_EQ(ReadFile(out + "/a.csv"), "a 2");
  EXPECT_EQ(Entries(tmp.path()), std::vector<std::string>{"out"});
}

TEST(OutputSetTest, KeepsTheUsersFilesAndLinks) {
  TempDir tmp;
  const std::string out = tmp / "out";
  ASSERT_TRUE(WriteSet(out, "1", false).ok());
  WriteFile(out + "/notes.txt", "mine");
  std::filesystem::create_symlink("notes.txt", out + "/link.txt");
  bool atomic = false;
  ASSERT_TRUE(WriteSet(out, "2", false, &atomic).ok());
  EXPECT_TRUE(atomic);
  EXPECT_EQ(ReadFile(out + "/notes.txt"), "mine");
  EXPECT_TRUE(std::filesystem::is_symlink(out + "/link.txt"));
  EXPECT_EQ(ReadFile(out + "/a.csv"), "a 2");
}

TEST(OutputSetTest, ASubdirectoryFallsBackToPerFileAndIsKept) {
  TempDir tmp;
  const std::string out = tmp / "out";
  ASSERT_TRUE(WriteSet(out, "1", true).ok());
  std::filesystem::create_directory(out + "/state");
  WriteFile(out + "/state/s.bin", "keep");
  bool atomic = true;
  ASSERT_TRUE(WriteSet(out, "2", false, &atomic).ok());
  EXPECT_FALSE(atomic);
  EXPECT_EQ(ReadFile(out + "/state/s.bin"), "keep");
  EXPECT_EQ(Entries(out), (std::vector<std::string>{"a.csv", "b.json", "state", "summary.json"}));
  EXPECT_EQ(ReadFile(out + "/summary.json"), "s 2");
}

TEST(OutputSetTest, AnAbandonedSetLeavesThePreviousOutputsAndNoStaging) {
  TempDir tmp;
  const std::string out = tmp / "out";
  ASSERT_TRUE(WriteSet(out, "1", false).ok());
  {
    Result<OutputSet> set = OutputSet::Begin(out, kNames);
    ASSERT_TRUE(set.ok());
    ASSERT_TRUE(set->WriteFile("a.csv", "a 2").ok());
    EXPECT_EQ(Entries(tmp.path()).size(), 2u);  // out and the staging directory
  }
  EXPECT_EQ(Entries(tmp.path()), std::vector<std::string>{"out"});
  EXPECT_EQ(ReadFile(out + "/a.csv"), "a 1");
}

TEST(OutputSetTest, RemovesTheStagingOfADeadRun) {
  TempDir tmp;
  const std::string out = tmp / "out";
  ASSERT_TRUE(WriteSet(out, "1", false).ok());
  // What a SIGKILLed run leaves: a staging directory named after a process that is gone.
  std::filesystem::create_directory(tmp / ".out.reclink-999999999-abcdef");
  WriteFile(tmp / ".out.reclink-999999999-abcdef/a.csv", "half");
  ASSERT_TRUE(WriteSet(out, "2", false).ok());
  EXPECT_EQ(Entries(tmp.path()), std::vector<std::string>{"out"});
}

TEST(OutputSetTest, RefusesAFileAsTheDirectory) {
  TempDir tmp;
  WriteFile(tmp / "f", "x");
  Result<OutputSet> set = OutputSet::Begin(tmp / "f", kNames);
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(ExitCodeFor(set.status()), 4);
  EXPECT_NE(set.status().message().find("Not a directory"), std::string::npos) << set.status().message();
}

TEST(OutputSetTest, AReadOnlyDirectoryIsReportedAtBegin) {
  if (::geteuid() == 0) GTEST_SKIP() << "root writes into read-only directories; the fault test covers a full disk";
  TempDir tmp;
  std::filesystem::create_directory(tmp / "ro");
  std::filesystem::permissions(tmp / "ro", std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  Result<OutputSet> set = OutputSet::Begin(tmp / "ro/out", kNames);
  ASSERT_FALSE(set.ok());
  EXPECT_NE(set.status().message().find("Permission denied"), std::string::npos) << set.status().message();
}

}  // namespace
}  // namespace reclink
