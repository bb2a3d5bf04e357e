// Byte-class scanning kernels of the CSV reader: per 64-byte block, one bit per byte for quotes,
// delimiters and newlines; per chunk, counts of quotes and newlines. These are the baseline
// versions, portable SWAR and, on x86-64, SSE2 (part of the x86-64 baseline; the packaged Highway
// 1.0.3 has no SSE2 target). The AVX2 versions are Highway code in io/csv_scan-inl.h; the reader
// picks one path at run time through Highway's dispatch (csv_internal below). Tests assert that
// every version agrees.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#define RECLINK_CSV_SSE2 1
#endif

namespace reclink::io {

struct BlockMasks {
  uint64_t quote = 0;
  uint64_t delimiter = 0;
  uint64_t newline = 0;
  uint64_t high = 0;  // bytes >= 0x80
};

struct ByteCounts {
  uint64_t quotes = 0;
  uint64_t newlines = 0;
  bool non_ascii = false;  // some byte >= 0x80
};

namespace csv_scan {

constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kLow7 = 0x7F7F7F7F7F7F7F7FULL;
constexpr uint64_t kHigh = 0x8080808080808080ULL;

inline uint64_t Load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
// 0x80 in every byte of v that is zero, exactly (no false positives from borrows).
inline uint64_t ZeroBytes(uint64_t v) { return ~(((v & kLow7) + kLow7) | v) & kHigh; }
// Bit k set when byte k of a ZeroBytes mask is flagged (little-endian byte order): the eight
// flags are gathered into the top byte by one multiplication (their products never collide).
inline uint64_t GatherBits(uint64_t flagged) { return ((flagged >> 7) * 0x0102040810204080ULL) >> 56; }
// Sum of the eight bytes of v.
inline uint64_t SumBytes(uint64_t v) {
  constexpr uint64_t kEven = 0x00FF00FF00FF00FFULL;
  uint64_t pairs = (v & kEven) + ((v >> 8) & kEven);
  return (pairs * 0x0001000100010001ULL) >> 48;
}

}  // namespace csv_scan

// SWAR version of ScanBlock; little-endian only. Reads p[0..63].
inline BlockMasks ScanBlockSwar(const char* p, char delimiter) {
  using namespace csv_scan;
  const uint64_t delimiter_bytes = kOnes * static_cast<uint8_t>(delimiter);
  BlockMasks m;
  for (int w = 0; w < 8; ++w) {
    uint64_t v = Load64(p + 8 * w);
    m.quote |= GatherBits(ZeroBytes(v ^ (kOnes * '"'))) << (8 * w);
    m.delimiter |= GatherBits(ZeroBytes(v ^ delimiter_bytes)) << (8 * w);
    m.newline |= GatherBits(ZeroBytes(v ^ (kOnes * '\n'))) << (8 * w);
    m.high |= GatherBits(v & kHigh) << (8 * w);
  }
  return m;
}

// SWAR version of CountBytes.
inline ByteCounts CountBytesSwar(const char* p, const char* end) {
  using namespace csv_scan;
  ByteCounts c;
  uint64_t high = 0;
  while (p + 8 <= end) {
    uint64_t q_acc = 0, n_acc = 0;
    // At most 255 steps per flush, so byte lanes never overflow.
    for (int k = 0; k < 255 && p + 8 <= end; ++k, p += 8) {
      uint64_t v = Load64(p);
      high |= v;
      q_acc += ZeroBytes(v ^ (kOnes * '"')) >> 7;
      n_acc += ZeroBytes(v ^ (kOnes * '\n')) >> 7;
    }
    c.quotes += SumBytes(q_acc);
    c.newlines += SumBytes(n_acc);
  }
  unsigned char tail_high = 0;
  for (; p < end; ++p) {
    c.quotes += *p == '"';
    c.newlines += *p == '\n';
    tail_high |= static_cast<unsigned char>(*p);
  }
  c.non_ascii = (high & kHigh) != 0 || tail_high >= 0x80;
  return c;
}

#if RECLINK_CSV_SSE2
inline BlockMasks ScanBlockSse2(const char* p, char delimiter) {
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i newline = _mm_set1_epi8('\n');
  const __m128i delim = _mm_set1_epi8(delimiter);
  BlockMasks m;
  for (int k = 0; k < 4; ++k) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
    const int shift = 16 * k;
    m.quote |= static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote)))) << shift;
    m.delimiter |= static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, delim)))) << shift;
    m.newline |= static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, newline)))) << shift;
    m.high |= static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(v))) << shift;
  }
  return m;
}

inline ByteCounts CountBytesSse2(const char* p, const char* end) {
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i newline = _mm_set1_epi8('\n');
  const __m128i zero = _mm_setzero_si128();
  ByteCounts c;
  int high = 0;
  while (p + 16 <= end) {
    __m128i q_acc = zero, n_acc = zero;
    // Byte lanes count up to 255 matches; _mm_sad_epu8 then sums them.
    for (int k = 0; k < 255 && p + 16 <= end; ++k, p += 16) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      high |= _mm_movemask_epi8(v);
      q_acc = _mm_sub_epi8(q_acc, _mm_cmpeq_epi8(v, quote));
      n_acc = _mm_sub_epi8(n_acc, _mm_cmpeq_epi8(v, newline));
    }
    __m128i qs = _mm_sad_epu8(q_acc, zero), ns = _mm_sad_epu8(n_acc, zero);
    c.quotes += static_cast<uint64_t>(_mm_cvtsi128_si32(qs)) +
                static_cast<uint64_t>(_mm_cvtsi128_si32(_mm_srli_si128(qs, 8)));
    c.newlines += static_cast<uint64_t>(_mm_cvtsi128_si32(ns)) +
                  static_cast<uint64_t>(_mm_cvtsi128_si32(_mm_srli_si128(ns, 8)));
  }
  ByteCounts tail = CountBytesSwar(p, end);
  c.quotes += tail.quotes;
  c.newlines += tail.newlines;
  c.non_ascii = high != 0 || tail.non_ascii;
  return c;
}
#endif

// Bit k of each mask is set when p[k] is a quote, the delimiter, '\n', or >= 0x80. Reads p[0..63].
inline BlockMasks ScanBlock(const char* p, char delimiter) {
#if RECLINK_CSV_SSE2
  return ScanBlockSse2(p, delimiter);
#else
  return ScanBlockSwar(p, delimiter);
#endif
}

// Quotes and newlines in [p, end), and whether any byte is >= 0x80.
inline ByteCounts CountBytes(const char* p, const char* end) {
#if RECLINK_CSV_SSE2
  return CountBytesSse2(p, end);
#else
  return CountBytesSwar(p, end);
#endif
}

// Bit k of the result is the XOR of bits 0..k of x: with x the quote bits, the bytes inside
// quotes (an opening quote counts as inside, a closing one as outside).
inline uint64_t PrefixXor(uint64_t x) {
  x ^= x << 1;
  x ^= x << 2;
  x ^= x << 4;
  x ^= x << 8;
  x ^= x << 16;
  x ^= x << 32;
  return x;
}

// Population count without relying on the POPCNT instruction (not in baseline x86-64).
inline uint64_t PopCount(uint64_t x) {
  x = x - ((x >> 1) & 0x5555555555555555ULL);
  x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
  x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
  return (x * csv_scan::kOnes) >> 56;
}

// The baseline kernels' name.
#if RECLINK_CSV_SSE2
constexpr const char* kCsvBaselineName = "SSE2";
#else
constexpr const char* kCsvBaselineName = "SWAR";
#endif

namespace csv_internal {

// One fast path's scanning kernels, as the CSV reader runs them on one Highway target (the
// contracts are those of ScanBlock, CountBytes, PrefixXor and PopCount above).
struct CsvScanKernels {
  const char* name;  // the Highway target's name ("AVX2"), or kCsvBaselineName for the baseline
  BlockMasks (*scan_block)(const char* p, char delimiter);
  ByteCounts (*count_bytes)(const char* p, const char* end);
  uint64_t (*prefix_xor)(uint64_t x);
  uint64_t (*pop_count)(uint64_t x);
};

// The Highway targets the reader's fast path is compiled for that this CPU supports, best first:
// HWY_AVX2 (when the CPU also has POPCNT, which Highway's AVX2 detection does not check), then the
// baseline (HWY_STATIC_TARGET). compare_internal::UseSimdTargetForTest(t) with one of them makes
// the reader take that target's path.
std::vector<int64_t> CsvTargets();

// The kernels of the path the reader takes now: Highway's choice among CsvTargets(), or the
// baseline when compare_internal::ScalarForced() (RECLINK_FORCE_SCALAR).
CsvScanKernels ActiveCsvKernels();

}  // namespace csv_internal

}  // namespace reclink::io
