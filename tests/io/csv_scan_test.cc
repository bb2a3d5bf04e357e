// The SSE2 and SWAR scanning kernels of the CSV reader, and the kernels of every fast path it
// runs on this CPU (Highway's AVX2 target when the CPU has it, the baseline), agree with a naive
// reference on random blocks and at awkward lengths.
#include "io/csv_scan.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "io_test_util.h"

namespace reclink::io {
namespace {

using testing::CsvPath;
using testing::CsvPaths;

// The kernels of each fast path this CPU runs, as the reader takes them.
std::vector<csv_internal::CsvScanKernels> PathKernels() {
  std::vector<csv_internal::CsvScanKernels> out;
  for (const CsvPath& path : CsvPaths()) {
    testing::UseCsvPathForTest(path);
    out.push_back(csv_internal::ActiveCsvKernels());
    testing::ResetCsvPathForTest();
  }
  return out;
}

BlockMasks NaiveMasks(const char* p, char delimiter) {
  BlockMasks m;
  for (int k = 0; k < 64; ++k) {
    m.quote |= uint64_t{p[k] == '"'} << k;
    m.delimiter |= uint64_t{p[k] == delimiter} << k;
    m.newline |= uint64_t{p[k] == '\n'} << k;
    m.high |= uint64_t{static_cast<unsigned char>(p[k]) >= 0x80} << k;
  }
  return m;
}

ByteCounts NaiveCounts(const std::string& s) {
  ByteCounts c;
  for (char ch : s) {
    c.quotes += ch == '"';
    c.newlines += ch == '\n';
    c.non_ascii |= static_cast<unsigned char>(ch) >= 0x80;
  }
  return c;
}

std::string RandomBytes(std::mt19937& rng, size_t n) {
  const char alphabet[] = {'"', ',', ';', '\n', '\r', 'a', '\t', '\0', '\x80', '\xff', ' ', '|'};
  std::string s(n, ' ');
  for (char& ch : s) ch = alphabet[rng() % sizeof(alphabet)];
  return s;
}

TEST(CsvScanTest, BlockMasksAgree) {
  const std::vector<csv_internal::CsvScanKernels> kernels = PathKernels();
  std::mt19937 rng(5);
  for (int iter = 0; iter < 2000; ++iter) {
    std::string block = RandomBytes(rng, 64);
    for (char delimiter : {',', ';', '\t', '|'}) {
      BlockMasks want = NaiveMasks(block.data(), delimiter);
      BlockMasks swar = ScanBlockSwar(block.data(), delimiter);
      EXPECT_EQ(swar.quote, want.quote);
      EXPECT_EQ(swar.delimiter, want.delimiter);
      EXPECT_EQ(swar.newline, want.newline);
      EXPECT_EQ(swar.high, want.high);
#if RECLINK_CSV_SSE2
      BlockMasks sse2 = ScanBlockSse2(block.data(), delimiter);
      EXPECT_EQ(sse2.quote, want.quote);
      EXPECT_EQ(sse2.delimiter, want.delimiter);
      EXPECT_EQ(sse2.newline, want.newline);
      EXPECT_EQ(sse2.high, want.high);
#endif
      for (const csv_internal::CsvScanKernels& k : kernels) {
        BlockMasks got = k.scan_block(block.data(), delimiter);
        EXPECT_EQ(got.quote, want.quote) << k.name;
        EXPECT_EQ(got.delimiter, want.delimiter) << k.name;
        EXPECT_EQ(got.newline, want.newline) << k.name;
        EXPECT_EQ(got.high, want.high) << k.name;
      }
    }
  }
}

TEST(CsvScanTest, CountsAgreeAtAwkwardLengths) {
  const std::vector<csv_internal::CsvScanKernels> kernels = PathKernels();
  std::mt19937 rng(6);
  for (size_t n : {0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 4095, 4096, 4097, 8160, 8161, 70000}) {
    std::string s = RandomBytes(rng, n);
    ByteCounts want = NaiveCounts(s);
    ByteCounts swar = CountBytesSwar(s.data(), s.data() + s.size());
    EXPECT_EQ(swar.quotes, want.quotes) << n;
    EXPECT_EQ(swar.newlines, want.newlines) << n;
    EXPECT_EQ(swar.non_ascii, want.non_ascii) << n;
#if RECLINK_CSV_SSE2
    ByteCounts sse2 = CountBytesSse2(s.data(), s.data() + s.size());
    EXPECT_EQ(sse2.quotes, want.quotes) << n;
    EXPECT_EQ(sse2.newlines, want.newlines) << n;
    EXPECT_EQ(sse2.non_ascii, want.non_ascii) << n;
#endif
    for (const csv_internal::CsvScanKernels& k : kernels) {
      ByteCounts got = k.count_bytes(s.data(), s.data() + s.size());
      EXPECT_EQ(got.quotes, want.quotes) << k.name << " " << n;
      EXPECT_EQ(got.newlines, want.newlines) << k.name << " " << n;
      EXPECT_EQ(got.non_ascii, want.non_ascii) << k.name << " " << n;
    }
  }
  std::string ascii(1000, 'a');
  EXPECT_FALSE(CountBytes(ascii.data(), ascii.data() + ascii.size()).non_ascii);
  for (const csv_internal::CsvScanKernels& k : kernels) {
    EXPECT_FALSE(k.count_bytes(ascii.data(), ascii.data() + ascii.size()).non_ascii) << k.name;
  }
}

TEST(CsvScanTest, PrefixXorAndPopCount) {
  const std::vector<csv_internal::CsvScanKernels> kernels = PathKernels();
  std::mt19937_64 rng(7);
  for (int iter = 0; iter < 1000; ++iter) {
    uint64_t x = rng();
    uint64_t want = 0, acc = 0;
    for (int k = 0; k < 64; ++k) {
      acc ^= (x >> k) & 1;
      want |= acc << k;
    }
    EXPECT_EQ(PrefixXor(x), want);
    EXPECT_EQ(PopCount(x), static_cast<uint64_t>(std::popcount(x)));
    for (const csv_internal::CsvScanKernels& k : kernels) {
      EXPECT_EQ(k.prefix_xor(x), want) << k.name;
      EXPECT_EQ(k.pop_count(x), static_cast<uint64_t>(std::popcount(x))) << k.name;
    }
  }
  for (uint64_t x : {uint64_t{0}, ~uint64_t{0}, uint64_t{1}, uint64_t{1} << 63}) {
    EXPECT_EQ(PopCount(x), static_cast<uint64_t>(std::popcount(x)));
    for (const csv_internal::CsvScanKernels& k : kernels) {
      EXPECT_EQ(k.prefix_xor(x), PrefixXor(x)) << k.name;
      EXPECT_EQ(k.pop_count(x), static_cast<uint64_t>(std::popcount(x))) << k.name;
    }
  }
}

// Each target listed selects its own path, best first; the last is the baseline, which the
// scalar switch (RECLINK_FORCE_SCALAR) takes whatever Highway chose.
TEST(CsvScanTest, EveryTargetSelectsItsOwnPath) {
  const std::vector<CsvPath> paths = CsvPaths();
  ASSERT_FALSE(paths.empty());
  for (size_t i = 0; i < paths.size(); ++i) {
    for (size_t j = i + 1; j < paths.size(); ++j) EXPECT_NE(paths[i].name, paths[j].name);
  }
  compare_internal::SetForceScalarForTest(1);
  EXPECT_EQ(std::string(csv_internal::ActiveCsvKernels().name), paths.back().name);
  compare_internal::SetForceScalarForTest(0);
  EXPECT_EQ(std::string(csv_internal::ActiveCsvKernels().name), paths.front().name);
  compare_internal::SetForceScalarForTest(-1);
}

}  // namespace
}  // namespace reclink::io
