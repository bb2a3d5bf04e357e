// The SSE2, SWAR and (when this CPU has them) AVX2/PCLMULQDQ/POPCNT scanning kernels of the CSV
// reader agree with a naive reference on random blocks and at awkward lengths.
#include "io/csv_scan.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace reclink::io {
namespace {

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
#if RECLINK_CSV_V3
      if (csv_internal::CsvIsaSupported(csv_internal::CsvIsa::kV3)) {
        BlockMasks avx2 = ScanBlockAvx2(block.data(), delimiter);
        EXPECT_EQ(avx2.quote, want.quote);
        EXPECT_EQ(avx2.delimiter, want.delimiter);
        EXPECT_EQ(avx2.newline, want.newline);
        EXPECT_EQ(avx2.high, want.high);
      }
#endif
    }
  }
}

TEST(CsvScanTest, CountsAgreeAtAwkwardLengths) {
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
#if RECLINK_CSV_V3
    if (csv_internal::CsvIsaSupported(csv_internal::CsvIsa::kV3)) {
      ByteCounts avx2 = CountBytesAvx2(s.data(), s.data() + s.size());
      EXPECT_EQ(avx2.quotes, want.quotes) << n;
      EXPECT_EQ(avx2.newlines, want.newlines) << n;
      EXPECT_EQ(avx2.non_ascii, want.non_ascii) << n;
    }
#endif
  }
  std::string ascii(1000, 'a');
  EXPECT_FALSE(CountBytes(ascii.data(), ascii.data() + ascii.size()).non_ascii);
}

TEST(CsvScanTest, PrefixXorAndPopCount) {
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
#if RECLINK_CSV_V3
    if (csv_internal::CsvIsaSupported(csv_internal::CsvIsa::kV3)) {
      EXPECT_EQ(PrefixXorClmul(x), want);
      EXPECT_EQ(PopCountHw(x), static_cast<uint64_t>(std::popcount(x)));
    }
#endif
  }
  for (uint64_t x : {uint64_t{0}, ~uint64_t{0}, uint64_t{1}, uint64_t{1} << 63}) {
    EXPECT_EQ(PopCount(x), static_cast<uint64_t>(std::popcount(x)));
#if RECLINK_CSV_V3
    if (csv_internal::CsvIsaSupported(csv_internal::CsvIsa::kV3)) {
      EXPECT_EQ(PrefixXorClmul(x), PrefixXor(x));
    }
#endif
  }
}

}  // namespace
}  // namespace reclink::io
