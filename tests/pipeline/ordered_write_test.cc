// WriteRowsInOrder: rows formatted on every thread come out as one loop writes them.
#include "reclink/ordered_write.h"

#include <gtest/gtest.h>
#include <tbb/global_control.h>
#include <fcntl.h>

#include <string>

#include "../common/temp_dir.h"

namespace reclink {
namespace {

std::string Row(size_t i) { return std::to_string(i) + ",id" + std::to_string(i * 7919 % 1000) + "\n"; }

std::string WrittenInOrder(size_t rows, int threads) {
  tbb::global_control control(tbb::global_control::max_allowed_parallelism, threads);
  testing::TempDir dir;
  const std::string path = dir / "rows.csv";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  EXPECT_GE(fd, 0);
  FileWriter out(fd, path);
  out.Write("header\n");
  WriteRowsInOrder(rows, out, [](size_t begin, size_t end, std::string& buf) {
    EXPECT_TRUE(buf.empty());
    for (size_t i = begin; i < end; ++i) buf += Row(i);
  });
  EXPECT_TRUE(out.Finish(false).ok());
  return testing::ReadFile(path);
}

TEST(OrderedWriteTest, RowsComeOutInOrderAtAnyThreadCount) {
  // Empty, one row, within one chunk, across chunks, across windows (16 chunks of 16,384 rows).
  for (const size_t rows : {size_t{0}, size_t{1}, size_t{1000}, size_t{16384}, size_t{16385}, size_t{300001}}) {
    std::string expected = "header\n";
    for (size_t i = 0; i < rows; ++i) expected += Row(i);
    for (const int threads : {1, 2, 4}) {
      EXPECT_EQ(WrittenInOrder(rows, threads), expected) << rows << " rows, " << threads << " threads";
    }
  }
}

}  // namespace
}  // namespace reclink
