// FileWriter: small pieces are buffered, pieces of a MiB or more are written from where they are;
// either way the file holds every byte in order, and a write error is kept for Finish.
#include "reclink/file_writer.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "temp_dir.h"

namespace reclink {
namespace {

using testing::ReadFile;
using testing::TempDir;

std::string Piece(size_t n, char seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(seed + static_cast<char>(i % 23));
  return s;
}

TEST(FileWriterTest, SmallAndLargePiecesComeOutInOrder) {
  TempDir tmp;
  const std::string path = tmp / "out.bin";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  FileWriter w(fd, path);
  constexpr size_t kMiB = size_t{1} << 20;
  // Buffered pieces before and after each large one, a large one right after a flush, sizes just
  // under, at and over a MiB, and an empty piece.
  const std::vector<size_t> sizes = {10, 0, 2 * kMiB + 7, 5, kMiB, kMiB - 1, 3, kMiB - 3, 4, 3 * kMiB, 1};
  std::string expected;
  char seed = 'a';
  for (size_t n : sizes) {
    const std::string p = Piece(n, seed++);
    w.Write(p);
    expected += p;
  }
  ASSERT_TRUE(w.Finish(true).ok());
  const std::string got = ReadFile(path);
  ASSERT_EQ(got.size(), expected.size());
  EXPECT_TRUE(got == expected) << "the file's bytes differ from the pieces in order";
}

// /dev/full refuses every write (ENOSPC): the error is reported by Finish with the disk hint,
// whether the failing write was a buffered flush or a large piece written directly.
TEST(FileWriterTest, AFullDiskIsReportedByFinish) {
  if (::access("/dev/full", W_OK) != 0) GTEST_SKIP() << "no /dev/full";
  for (const size_t n : {size_t{100}, size_t{3} << 20}) {
    const int fd = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    FileWriter w(fd, "/dev/full");
    w.Write(Piece(n, 'x'));
    w.Write("more");
    const Status st = w.Finish(false);
    ASSERT_FALSE(st.ok()) << n;
    EXPECT_NE(st.ToString().find("/dev/full: error: cannot write"), std::string::npos) << st.ToString();
    EXPECT_NE(st.ToString().find("free some space"), std::string::npos) << st.ToString();
  }
}

}  // namespace
}  // namespace reclink
