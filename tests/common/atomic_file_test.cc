// AtomicFile: whole-or-nothing single files, symbolic links written through, devices in place.
#include "reclink/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>

#include "temp_dir.h"

namespace reclink {
namespace {

using testing::Entries;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

TEST(AtomicFileTest, ReplacesTheTargetOnlyOnCommit) {
  TempDir dir;
  WriteFile(dir / "m.json", "old");
  Result<AtomicFile> f = AtomicFile::Create(dir / "m.json");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  f->Write("new");
  EXPECT_EQ(ReadFile(dir / "m.json"), "old");
  ASSERT_EQ(Entries(dir.path()).size(), 2u);  // the target and one temporary file beside it
  ASSERT_TRUE(f->Commit().ok());
  EXPECT_EQ(ReadFile(dir / "m.json"), "new");
  EXPECT_EQ(Entries(dir.path()), std::vector<std::string>{"m.json"});
}

TEST(AtomicFileTest, AnUncommittedFileLeavesNoTrace) {
  TempDir dir;
  WriteFile(dir / "m.json", "old");
  {
    Result<AtomicFile> f = AtomicFile::Create(dir / "m.json");
    ASSERT_TRUE(f.ok());
    f->Write("half");
  }
  EXPECT_EQ(ReadFile(dir / "m.json"), "old");
  EXPECT_EQ(Entries(dir.path()), std::vector<std::string>{"m.json"});
}

TEST(AtomicFileTest, TwoWritersUseDifferentTemporaryFiles) {
  TempDir dir;
  Result<AtomicFile> a = AtomicFile::Create(dir / "x");
  Result<AtomicFile> b = AtomicFile::Create(dir / "x");
  ASSERT_TRUE(a.ok() && b.ok());
  a->Write("aaaa");
  b->Write("bb");
  ASSERT_TRUE(b->Commit().ok());
  ASSERT_TRUE(a->Commit().ok());
  EXPECT_EQ(ReadFile(dir / "x"), "aaaa");  // one writer's whole content, never a blend
  EXPECT_EQ(Entries(dir.path()), std::vector<std::string>{"x"});
}

TEST(AtomicFileTest, WritesThroughASymbolicLink) {
  TempDir dir;
  WriteFile(dir / "real.json", "old");
  std::filesystem::create_symlink("real.json", dir / "link.json");
  Result<AtomicFile> f = AtomicFile::Create(dir / "link.json");
  ASSERT_TRUE(f.ok());
  f->Write("new");
  ASSERT_TRUE(f->Commit().ok());
  EXPECT_TRUE(std::filesystem::is_symlink(dir / "link.json"));
  EXPECT_EQ(ReadFile(dir / "real.json"), "new");
}

TEST(AtomicFileTest, WritesADeviceInPlaceInsteadOfReplacingIt) {
  Result<AtomicFile> f = AtomicFile::Create("/dev/null");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  f->Write("discarded");
  ASSERT_TRUE(f->Commit().ok());
  struct stat st;
  ASSERT_EQ(::stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
}

TEST(AtomicFileTest, KeepsTheModeOfTheFileItReplaces) {
  TempDir dir;
  WriteFile(dir / "m.json", "old");
  ::chmod((dir / "m.json").c_str(), 0640);
  ASSERT_TRUE(WriteFileAtomically(dir / "m.json", "new").ok());
  struct stat st;
  ASSERT_EQ(::stat((dir / "m.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
}

TEST(AtomicFileTest, RefusesADirectoryAndAMissingParentWithTheOsReason) {
  TempDir dir;
  Result<AtomicFile> d = AtomicFile::Create(dir.path().string());
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kOutputError);
  EXPECT_EQ(ExitCodeFor(d.status()), 4);
  EXPECT_NE(d.status().message().find("Is a directory"), std::string::npos) << d.status().message();
  Result<AtomicFile> m = AtomicFile::Create(dir / "no/such/m.json");
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("No such file or directory"), std::string::npos) << m.status().message();
}

}  // namespace
}  // namespace reclink
