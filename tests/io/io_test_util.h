// Shared helpers for the reader tests: table equality, reading strings, temporary files.
#pragma once

#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include <cstdio>
#include <filesystem>
#include <unistd.h>
#include <string>
#include <vector>

#include "compare/simd_targets.h"
#include "io/csv_scan.h"
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

// One fast path of the CSV reader: the Highway target that selects it, and its kernels' name.
struct CsvPath {
  int64_t target;
  std::string name;
};

// Makes the CSV reader take `path` (through the one SIMD switch, compare_internal's, which also
// steers the batch kernels) until ResetCsvPathForTest. Not thread-safe.
inline void UseCsvPathForTest(const CsvPath& path) {
  compare_internal::SetForceScalarForTest(0);
  compare_internal::UseSimdTargetForTest(path.target);
}

inline void ResetCsvPathForTest() {
  compare_internal::UseSimdTargetForTest(0);
  compare_internal::SetForceScalarForTest(-1);
}

// Every fast path this machine runs, best first, the baseline last (at least the baseline).
inline std::vector<CsvPath> CsvPaths() {
  std::vector<CsvPath> paths;
  for (int64_t target : io::csv_internal::CsvTargets()) {
    CsvPath path{target, ""};
    UseCsvPathForTest(path);
    path.name = io::csv_internal::ActiveCsvKernels().name;
    ResetCsvPathForTest();
    paths.push_back(path);
  }
  return paths;
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
