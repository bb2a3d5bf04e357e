// The CSV reader's scanning kernels for one Highway target, as CsvKernels (contracts: ScanBlock,
// CountBytes, PrefixXor and PopCount in io/csv_scan.h). On HWY_AVX2 (and any better x86
// target): two 32-byte vectors per 64-byte block, the quote prefix XOR as one carry-less
// multiplication (CLMulLower, PCLMULQDQ), and the POPCNT instruction; on any other target, the
// baseline kernels of io/csv_scan.h.
// Included by io/csv_reader.cc once per target (foreach_target), hence the toggled include guard.
#if defined(RECLINK_IO_CSV_SCAN_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef RECLINK_IO_CSV_SCAN_INL_H_
#undef RECLINK_IO_CSV_SCAN_INL_H_
#else
#define RECLINK_IO_CSV_SCAN_INL_H_
#endif

#include <hwy/highway.h>

#include "io/csv_scan.h"

HWY_BEFORE_NAMESPACE();
namespace reclink::io {
namespace HWY_NAMESPACE {

// The kernels are plain `inline`, never always-inline: the fast path that calls them is a
// template compiled for the baseline and inlined into this target's entry functions, and only
// there may this target's code be inlined (io/csv_reader.cc, FastRun).
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2  // (better targets have lower bits)

struct CsvKernels {
  static constexpr bool kBaseline = false;
  // POPCNT is no part of Highway's HWY_AVX2 detection, but the target's "sse4.2" lets the
  // compiler emit it (hwy::PopCount): the reader checks for it before taking this path.
  static constexpr bool kNeedsPopcnt = true;

  // Bit k: lane k of the 64 lanes lo:hi (32 each) is set.
  template <class D, class M>
  static HWY_INLINE uint64_t Bits64(D d, M lo, M hi) {
    uint32_t bits_lo, bits_hi;
    hwy::HWY_NAMESPACE::StoreMaskBits(d, lo, reinterpret_cast<uint8_t*>(&bits_lo));
    hwy::HWY_NAMESPACE::StoreMaskBits(d, hi, reinterpret_cast<uint8_t*>(&bits_hi));
    return static_cast<uint64_t>(bits_lo) | (static_cast<uint64_t>(bits_hi) << 32);
  }

  static BlockMasks ScanBlock(const char* p, char delimiter) {
    namespace hn = hwy::HWY_NAMESPACE;
    const hn::Full256<uint8_t> d;
    const hn::Full256<int8_t> di;
    static_assert(hn::MaxLanes(d) == 32);
    const auto lo = hn::LoadU(d, reinterpret_cast<const uint8_t*>(p));
    const auto hi = hn::LoadU(d, reinterpret_cast<const uint8_t*>(p + 32));
    const auto quote = hn::Set(d, uint8_t{'"'});
    const auto newline = hn::Set(d, uint8_t{'\n'});
    const auto delim = hn::Set(d, static_cast<uint8_t>(delimiter));
    BlockMasks m;
    m.quote = Bits64(d, hn::Eq(lo, quote), hn::Eq(hi, quote));
    m.delimiter = Bits64(d, hn::Eq(lo, delim), hn::Eq(hi, delim));
    m.newline = Bits64(d, hn::Eq(lo, newline), hn::Eq(hi, newline));
    m.high = Bits64(di, hn::Lt(hn::BitCast(di, lo), hn::Zero(di)), hn::Lt(hn::BitCast(di, hi), hn::Zero(di)));
    return m;
  }

  static ByteCounts CountBytes(const char* p, const char* end) {
    namespace hn = hwy::HWY_NAMESPACE;
    const hn::Full256<uint8_t> d;
    const hn::Full256<int8_t> di;
    const hn::Full256<uint64_t> d64;
    const auto quote = hn::Set(d, uint8_t{'"'});
    const auto newline = hn::Set(d, uint8_t{'\n'});
    auto high = hn::Zero(d);
    ByteCounts c;
    while (p + 32 <= end) {
      auto q_acc = hn::Zero(d), n_acc = hn::Zero(d);
      // Byte lanes count up to 255 matches; SumsOf8 (VPSADBW) then sums them.
      for (int k = 0; k < 255 && p + 32 <= end; ++k, p += 32) {
        const auto v = hn::LoadU(d, reinterpret_cast<const uint8_t*>(p));
        high = hn::Or(high, v);
        q_acc = hn::Sub(q_acc, hn::VecFromMask(d, hn::Eq(v, quote)));
        n_acc = hn::Sub(n_acc, hn::VecFromMask(d, hn::Eq(v, newline)));
      }
      c.quotes += hn::GetLane(hn::SumOfLanes(d64, hn::SumsOf8(q_acc)));
      c.newlines += hn::GetLane(hn::SumOfLanes(d64, hn::SumsOf8(n_acc)));
    }
    const ByteCounts tail = io::CountBytes(p, end);
    c.quotes += tail.quotes;
    c.newlines += tail.newlines;
    c.non_ascii = !hn::AllFalse(di, hn::Lt(hn::BitCast(di, high), hn::Zero(di))) || tail.non_ascii;
    return c;
  }

  // PrefixXor as one carry-less multiplication by all ones (as in simdjson).
  static uint64_t PrefixXor(uint64_t x) {
    namespace hn = hwy::HWY_NAMESPACE;
    const hn::Full128<uint64_t> d;
    return hn::GetLane(hn::CLMulLower(hn::Set(d, x), hn::Set(d, ~uint64_t{0})));
  }

  static uint64_t PopCount(uint64_t x) { return static_cast<uint64_t>(hwy::PopCount(x)); }
};

#else  // every other target: the baseline kernels

struct CsvKernels {
  static constexpr bool kBaseline = true;
  static constexpr bool kNeedsPopcnt = false;
  static BlockMasks ScanBlock(const char* p, char delimiter) { return io::ScanBlock(p, delimiter); }
  static ByteCounts CountBytes(const char* p, const char* end) { return io::CountBytes(p, end); }
  static uint64_t PrefixXor(uint64_t x) { return io::PrefixXor(x); }
  static uint64_t PopCount(uint64_t x) { return io::PopCount(x); }
};

#endif  // HWY_TARGET

}  // namespace HWY_NAMESPACE
}  // namespace reclink::io
HWY_AFTER_NAMESPACE();

#endif  // RECLINK_IO_CSV_SCAN_INL_H_
