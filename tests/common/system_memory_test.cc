// Tests of the memory bound read from control groups (cgroup v1 and v2 file layouts).
#include "reclink/system_memory.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "temp_dir.h"

namespace reclink {
namespace {

void Write(const std::filesystem::path& file, const std::string& text) {
  std::filesystem::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

TEST(SystemMemoryTest, CgroupV2LimitIsTheSmallestOfTheGroupAndItsParents) {
  testing::TempDir root;
  Write(root.path() / "memory.max", "max\n");  // the root group sets none
  Write(root.path() / "kube/memory.max", "4294967296\n");
  Write(root.path() / "kube/pod/memory.max", "max\n");
  EXPECT_EQ(CgroupMemoryLimit("0::/kube/pod\n", root.path().string()), uint64_t{4294967296});
  Write(root.path() / "kube/pod/memory.max", "1073741824\n");
  EXPECT_EQ(CgroupMemoryLimit("0::/kube/pod\n", root.path().string()), uint64_t{1073741824});
  EXPECT_EQ(CgroupMemoryLimit("0::/\n", root.path().string()), 0u);
  EXPECT_EQ(CgroupMemoryLimit("0::/elsewhere\n", root.path().string()), 0u);  // no files
}

TEST(SystemMemoryTest, CgroupV1MemoryControllerLimitAndUnlimited) {
  testing::TempDir root;
  const std::string text = "9:name=systemd:/\n5:devices:/\n4:memory:/jobs/a\n1:cpu,cpuacct:/\n0::/\n";
  Write(root.path() / "memory/memory.limit_in_bytes", "9223372036854771712\n");  // unlimited
  Write(root.path() / "memory/jobs/a/memory.limit_in_bytes", "9223372036854771712\n");
  EXPECT_EQ(CgroupMemoryLimit(text, root.path().string()), 0u);
  Write(root.path() / "memory/jobs/memory.limit_in_bytes", "2147483648\n");
  EXPECT_EQ(CgroupMemoryLimit(text, root.path().string()), uint64_t{2147483648});
  Write(root.path() / "memory/jobs/a/memory.limit_in_bytes", "536870912\n");
  EXPECT_EQ(CgroupMemoryLimit(text, root.path().string()), uint64_t{536870912});
  // Malformed values and lines are ignored.
  Write(root.path() / "memory/jobs/a/memory.limit_in_bytes", "lots\n");
  EXPECT_EQ(CgroupMemoryLimit(text + "garbage\n::\n", root.path().string()), uint64_t{2147483648});
}

TEST(SystemMemoryTest, TheBoundOfThisProcessIsKnown) {
  EXPECT_GT(AvailableMemoryBound(), uint64_t{1} << 20);
}

}  // namespace
}  // namespace reclink
