// Shared helpers for the reader tests: table equality, reading strings, temporary files.
#pragma once

#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include <cstdio>
#include <filesystem>
#include <unistd.h>
#include <string>

#include "reclink/reader.h"

namespace reclink::testing {

// Fails the current test (with a useful message) unless a and b hold the same data.
inline void ExpectSameTable(const RecordTable& a, const RecordTable& b) {
  ASSERT_EQ(a.num_rows(), b.num_rows());
  ASSERT_EQ(a.num_columns(), b.num_columns());
  for (size_t c = 0; c < a.num_columns(); ++c) {
    const Column& x = a.column(c);
    const Column& y = b.column(c);
    ASSERT_EQ(x.name(), y.name());
    ASSERT_EQ(x.size(), a.num_rows());
    ASSERT_EQ(y.size(), b.num_rows());
    for (RowId r = 0; r < a.num_rows(); ++r) {
      ASSERT_EQ(x.IsNull(r), y.IsNull(r)) << "column " << x.name() << " row " << r;
      ASSERT_EQ(x.Get(r), y.Get(r)) << "column " << x.name() << " row " << r;
    }
  }
  for (RowId r = 0; r < a.num_rows(); ++r) {
    ASSERT_EQ(a.line(r), b.line(r)) << "row " << r;
    ASSERT_EQ(a.source(r), b.source(r));
  }
}

// Reads text (as if it were the file `name`) on an arena of `threads` threads.
inline Result<RecordTable> ReadText(const std::string& text, const std::string& name,
                                    ReadOptions options = {}, ReadReport* report = nullptr,
                                    int threads = 2) {
  tbb::task_arena arena(threads);
  Result<RecordTable> out = Status::Internal("not run");
  arena.execute([&] { out = ReadBuffer(text, name, "src", options, report); });
  return out;
}

// Value of row r in column `name`, or "<null>".
inline std::string Cell(const RecordTable& t, const std::string& name, RowId r) {
  int c = t.FindColumn(name);
  if (c < 0) return "<no column>";
  const Column& col = t.column(static_cast<size_t>(c));
  return col.IsNull(r) ? "<null>" : std::string(col.Get(r));
}

// A fresh temporary directory, removed with the object.
class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("reclink_io_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return (path_ / name).string(); }
  std::string Write(const std::string& name, const std::string& bytes) const {
    std::string p = File(name);
    FILE* f = std::fopen(p.c_str(), "wb");
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
    return p;
  }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

}  // namespace reclink::testing
