// One-against-many Levenshtein (Myers 1999 / Hyyro 2003), OSA (Hyyro 2003) and Jaro /
// Jaro-Winkler kernels: one candidate per SIMD lane, the query's pattern masks shared by all
// lanes. Compiled once per instruction set by Highway (foreach_target) and chosen at run time
// with HWY_DYNAMIC_DISPATCH.
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

// SSSE3 and AVX3_DL add little over SSE4 / AVX3 here and cost compile time.
#ifndef HWY_DISABLED_TARGETS
#define HWY_DISABLED_TARGETS (HWY_SSSE3 | HWY_AVX3_DL)
#endif

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "compare/batch_kernels.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/aligned_allocator.h>
#include <hwy/highway.h>

#include "compare/batch_query.h"
#include "compare/utf8_decode.h"
#include "reclink/similarity.h"

HWY_BEFORE_NAMESPACE();
namespace reclink {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

int64_t CompiledTarget() { return HWY_TARGET; }

// Copies n <= 64 bytes with a few overlapping fixed-size moves (GCC turns a variable-size
// memcpy here into `rep movsq`, whose start-up cost exceeds the copy).
HWY_INLINE void CopyShort(uint8_t* dst, const char* src, size_t n) {
  if (n >= 8) {
    uint64_t w;
    for (size_t o = 0; o + 8 <= n; o += 8) {
      std::memcpy(&w, src + o, 8);
      std::memcpy(dst + o, &w, 8);
    }
    std::memcpy(&w, src + n - 8, 8);
    std::memcpy(dst + n - 8, &w, 8);
  } else if (n >= 4) {
    uint32_t lo, hi;
    std::memcpy(&lo, src, 4);
    std::memcpy(&hi, src + n - 4, 4);
    std::memcpy(dst, &lo, 4);
    std::memcpy(dst + n - 4, &hi, 4);
  } else if (n > 0) {
    dst[0] = static_cast<uint8_t>(src[0]);
    dst[n / 2] = static_cast<uint8_t>(src[n / 2]);
    dst[n - 1] = static_cast<uint8_t>(src[n - 1]);
  }
}

// Whether the n <= 64 bytes at src are all ASCII, a word at a time (overlapping last word).
HWY_INLINE bool IsAsciiShort(const char* src, size_t n) {
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  if (n >= 8) {
    uint64_t acc = 0, w;
    for (size_t o = 0; o + 8 <= n; o += 8) {
      std::memcpy(&w, src + o, 8);
      acc |= w;
    }
    std::memcpy(&w, src + n - 8, 8);
    return ((acc | w) & kHigh) == 0;
  }
  uint32_t acc = 0;
  for (size_t i = 0; i < n; ++i) acc |= static_cast<uint8_t>(src[i]);
  return acc < 0x80;
}

#if HWY_TARGET != HWY_SCALAR
// Transposes 16 rows of 16 bytes (row r = lane, byte j = text position) into out[j * stride + r],
// by interleaving bytes, then pairs, quads and octets of rows. Interleaves work within 128-bit
// blocks, so a wider vector transposes one 16 x 16 block per 128-bit block at once: block q of
// rows[r] holds row 16q + r, and block q of each output vector lands at out[j * stride + 16q].
template <class D8>
HWY_INLINE void TransposeRows16(D8 d8, const hn::Vec<D8>* rows, uint8_t* out, size_t stride) {
  const hn::Repartition<uint16_t, D8> d16;
  const hn::Repartition<uint32_t, D8> d32;
  const hn::Repartition<uint64_t, D8> d64;
  using V8 = hn::Vec<D8>;
  V8 a[16], b[16];
  for (size_t p = 0; p < 8; ++p) {
    const V8 r0 = rows[2 * p];
    const V8 r1 = rows[2 * p + 1];
    a[p] = hn::InterleaveLower(d8, r0, r1);      // positions 0-7, rows 2p, 2p+1
    a[p + 8] = hn::InterleaveUpper(d8, r0, r1);  // positions 8-15
  }
  // a[pb * 8 + p]: positions pb*8.., rows 2p..2p+1 -> b[pb2 * 4 + q]: positions pb2*4.., rows 4q..
  for (size_t pb = 0; pb < 2; ++pb) {
    for (size_t q = 0; q < 4; ++q) {
      const auto x = hn::BitCast(d16, a[pb * 8 + 2 * q]);
      const auto y = hn::BitCast(d16, a[pb * 8 + 2 * q + 1]);
      b[(pb * 2) * 4 + q] = hn::BitCast(d8, hn::InterleaveLower(d16, x, y));
      b[(pb * 2 + 1) * 4 + q] = hn::BitCast(d8, hn::InterleaveUpper(d16, x, y));
    }
  }
  // b[pb2 * 4 + q] -> a[pb3 * 2 + s]: positions pb3*2.., rows 8s..
  for (size_t pb2 = 0; pb2 < 4; ++pb2) {
    for (size_t s = 0; s < 2; ++s) {
      const auto x = hn::BitCast(d32, b[pb2 * 4 + 2 * s]);
      const auto y = hn::BitCast(d32, b[pb2 * 4 + 2 * s + 1]);
      a[(pb2 * 2) * 2 + s] = hn::BitCast(d8, hn::InterleaveLower(d32, x, y));
      a[(pb2 * 2 + 1) * 2 + s] = hn::BitCast(d8, hn::InterleaveUpper(d32, x, y));
    }
  }
  // a[pb3 * 2 + s] -> text position pb3*2 (+1), rows 0-15.
  for (size_t pb3 = 0; pb3 < 8; ++pb3) {
    const auto x = hn::BitCast(d64, a[pb3 * 2]);
    const auto y = hn::BitCast(d64, a[pb3 * 2 + 1]);
    hn::StoreU(hn::BitCast(d8, hn::InterleaveLower(d64, x, y)), d8, out + (2 * pb3) * stride);
    hn::StoreU(hn::BitCast(d8, hn::InterleaveUpper(d64, x, y)), d8, out + (2 * pb3 + 1) * stride);
  }
}
#endif  // HWY_TARGET != HWY_SCALAR

// One lane group: up to `kLanes` consecutive lane-eligible candidates (ASCII, at most
// kBatchMaxCandidateBytes), transposed so that one vector load gives text position j of every
// candidate. Each byte is replaced by the query's pattern mask for it (truncated to the lane
// width), so the vector loop needs no per-lane table lookup; past a candidate's end the mask is 0.
template <typename T>
struct LaneGroup {
  // Two vectors per group: their recurrences are independent, which hides the latency chain.
  static constexpr size_t kLanes = 2 * HWY_LANES(T);
  size_t used = 0;   // lanes holding a candidate
  size_t steps = 0;  // longest candidate in the group
  HWY_ALIGN T pm[kBatchMaxCandidateBytes * kLanes];
  HWY_ALIGN T lens[kLanes];
  uint32_t index[kLanes];  // candidate of each lane, or kNoCandidate
  // Scalar fill: the query mask of every byte value (0 from 0x80 on), built on the
  // first Fill.
  bool wide_ready = false;
  T wide[256];
  // 8- and 16-bit lanes only: each candidate's bytes, zero-padded, one 64-byte row per lane.
  // (and 32-bit lanes on AVX-512, see FillLookup32).
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
  static constexpr bool kLookup32 = sizeof(T) == 4;
#else
  static constexpr bool kLookup32 = false;
#endif
  HWY_ALIGN uint8_t stage[sizeof(T) <= 2 || kLookup32 ? kBatchMaxCandidateBytes * kLanes : 16];
  // Distinct query bytes and their masks (8- and 16-bit lanes), found on the first Fill.
  static constexpr size_t kMaxDistinct = sizeof(T) * 8;
  static constexpr size_t kUnknown = ~size_t{0};
  size_t distinct = kUnknown;
  uint8_t chars[kMaxDistinct];
  T masks[kMaxDistinct];
  // FillLookup32: the query's nibble tables, built on the first fill.
  bool lookup_ready = false;
  hn::Vec<hn::ScalableTag<T>> lo_table, hi_table;
  // 16-bit lanes only: the transposed bytes before they become masks.
  HWY_ALIGN uint8_t raw[sizeof(T) == 2 || kLookup32 ? kBatchMaxCandidateBytes * kLanes : 16];
  static constexpr uint32_t kNoCandidate = 0xFFFFFFFFu;

  // Takes candidates from *next on; those the lanes cannot take (longer than
  // kBatchMaxCandidateBytes, or not ASCII) go to `fallback(i)` now. The ASCII check is folded
  // into the transposition: a lane found to hold a non-ASCII byte is cleared and given up.
  template <class Fallback>
  void Fill(size_t lanes, const BatchQuery& q, std::span<const std::string_view> cands,
            size_t* next, Fallback&& fallback) {
    used = 0;
    steps = 0;
    while (used < lanes && *next < cands.size()) {
      const size_t i = (*next)++;
      const size_t size = cands[i].size();
      if (size > kBatchMaxCandidateBytes) {
        fallback(i);
        continue;
      }
      index[used] = static_cast<uint32_t>(i);
      lens[used] = static_cast<T>(size);
      steps = std::max(steps, size);
      ++used;
    }
    for (size_t u = used; u < lanes; ++u) lens[u] = 0;
#if HWY_TARGET != HWY_SCALAR
    if constexpr (sizeof(T) <= 2) {
      // 8- and 16-bit lanes: SIMD transposition, then masks by comparison (needs 16-lane blocks,
      // and no NUL in the query since the padding past a candidate's end is NUL).
      if (lanes % 16 == 0 && q.ascii_pm[0] == 0) return FillBytes(lanes, q, cands, fallback);
    }
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
    if constexpr (kLookup32) {
      if (q.ascii_pm[0] == 0) return FillLookup32(lanes, q, cands, fallback);
    }
#endif
#endif
    if (!wide_ready) {  // once per batch: the group lives for the whole call
      for (size_t ch = 0; ch < 256; ++ch) {
        wide[ch] = ch < 128 ? static_cast<T>(q.ascii_pm[ch]) : T{0};
      }
      wide_ready = true;
    }
    std::fill(pm, pm + steps * lanes, T{0});
    for (size_t u = 0; u < used; ++u) {
      const char* text = cands[index[u]].data();
      const size_t n = lens[u];
      if (!IsAsciiShort(text, n)) {
        lens[u] = 0;
        fallback(index[u]);
        index[u] = kNoCandidate;
        continue;
      }
      const auto* bytes = reinterpret_cast<const uint8_t*>(text);
      T* col = pm + u;
      for (size_t j = 0; j < n; ++j, col += lanes) *col = wide[bytes[j]];
    }
  }

#if HWY_TARGET != HWY_SCALAR
  // Fill for 8- and 16-bit lanes (queries of at most 16 code points): each candidate is copied into
  // a zero-padded 64-byte row, 16 x 16 byte blocks are transposed with vector interleaves, and each
  // candidate byte becomes its query mask by comparing with the query's distinct bytes. Bytes past
  // a candidate's end are NUL, which matches no query byte, so their mask is 0 as required.
  template <class Fallback>
  void FillBytes(size_t lanes, const BatchQuery& q, std::span<const std::string_view> cands,
                 Fallback&& fallback) {
    const hn::Full128<uint8_t> d16;
    const size_t chunks = (steps + 15) / 16;
    const size_t width = chunks * 16;
    // All copies first, so that the transposition's vector loads come long after the copies'
    // narrow stores (a load right after them would stall on store-to-load forwarding).
    for (size_t u = 0; u < lanes; ++u) {
      uint8_t* row = stage + u * kBatchMaxCandidateBytes;
      for (size_t c = 0; c < width; c += 16) hn::Store(hn::Zero(d16), d16, row + c);
      if (u < used) CopyShort(row, cands[index[u]].data(), lens[u]);
    }
    uint8_t* out = raw;
    if constexpr (sizeof(T) == 1) out = pm;  // byte masks replace the bytes in place
    for (size_t c = 0; c < chunks; ++c) {
      for (size_t b = 0; b < lanes; b += 16) {
        Transpose16x16(stage + b * kBatchMaxCandidateBytes + c * 16, out + c * 16 * lanes + b,
                       lanes);
      }
    }
    // Distinct query bytes and their masks.
    if (distinct == kUnknown) {  // once per batch: the group lives for the whole call
      distinct = 0;
      for (size_t ch = 1; ch < 128 && distinct < kMaxDistinct; ++ch) {
        const auto m = static_cast<T>(q.ascii_pm[ch]);
        if (m != 0) {
          chars[distinct] = static_cast<uint8_t>(ch);
          masks[distinct++] = m;
        }
      }
    }
    // Masks by comparison; the OR of every byte of a lane tells whether it is ASCII.
    const hn::ScalableTag<T> d;
    const hn::RebindToSigned<decltype(d)> di;
    const hn::Rebind<uint8_t, decltype(d)> d8;  // one byte per lane of d
    const size_t n = hn::Lanes(d);
    HWY_ALIGN T seen[kLanes];
    for (size_t v = 0; v < lanes; v += n) {
      auto any = hn::Zero(d);
      for (size_t j = 0; j < steps; ++j) {
        hn::Vec<decltype(d)> bytes;
        if constexpr (sizeof(T) == 1) {
          bytes = hn::Load(d, out + j * lanes + v);
        } else {
          bytes = hn::PromoteTo(d, hn::LoadU(d8, out + j * lanes + v));
        }
        any = hn::Or(any, bytes);
        auto m = hn::Zero(d);
        for (size_t i = 0; i < distinct; ++i) {
          m = hn::Or(m,
                     hn::IfThenElseZero(hn::Eq(bytes, hn::Set(d, chars[i])), hn::Set(d, masks[i])));
        }
        hn::Store(m, d, pm + j * lanes + v);
      }
      hn::Store(any, d, seen + v);
    }
    // A lane holding a byte >= 0x80 (negative as a signed byte; as a 16-bit value, > 0x7F).
    for (size_t v = 0; v < lanes; v += n) {
      const auto signed_seen = hn::BitCast(di, hn::Load(d, seen + v));
      bool any_non_ascii;
      if constexpr (sizeof(T) == 1) {
        any_non_ascii = !hn::AllFalse(di, hn::Lt(signed_seen, hn::Zero(di)));
      } else {
        any_non_ascii = !hn::AllFalse(di, hn::Gt(signed_seen, hn::Set(di, int16_t{0x7F})));
      }
      if (!any_non_ascii) continue;
      for (size_t u = v; u < v + n && u < used; ++u) {
        if (seen[u] < 0x80) continue;
        lens[u] = 0;
        fallback(index[u]);
        index[u] = kNoCandidate;
      }
    }
  }

#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
  // Fill for 32-bit lanes on AVX-512 (queries of 17-32 code points): rows and transposition as
  // in FillBytes, then per text position 16 bytes are widened to one vector of 32-bit lanes and
  // each byte c becomes its mask with two 16-entry lane permutations, LO[c & 15] & HI[c >> 4]
  // (bit i is set iff both nibbles of q[i] equal c's, i.e. iff q[i] == c; HI is 0 from 0x80
  // on). Bytes past a candidate's end are NUL, which the query does not hold, so their mask is 0.
  template <class Fallback>
  void FillLookup32(size_t lanes, const BatchQuery& q, std::span<const std::string_view> cands,
                    Fallback&& fallback) {
    const hn::Full128<uint8_t> d16;
    const hn::ScalableTag<uint32_t> d;
    static_assert(HWY_LANES(uint32_t) == 16, "AVX-512 holds 16 lanes of 32 bits");
    const size_t chunks = (steps + 15) / 16;
    for (size_t u = 0; u < lanes; ++u) {
      uint8_t* row = stage + u * kBatchMaxCandidateBytes;
      hn::Store(hn::Zero(d16), d16, row);
      if (chunks > 1) hn::Store(hn::Zero(d16), d16, row + 16);
      if (chunks > 2) hn::Store(hn::Zero(d16), d16, row + 32);
      if (chunks > 3) hn::Store(hn::Zero(d16), d16, row + 48);
      if (u < used) CopyShort(row, cands[index[u]].data(), lens[u]);
    }
    for (size_t c = 0; c < chunks; ++c) {
      for (size_t b = 0; b < lanes; b += 16) {
        Transpose16x16(stage + b * kBatchMaxCandidateBytes + c * 16, raw + c * 16 * lanes + b,
                       lanes);
      }
    }
    if (!lookup_ready) {  // once per batch: the group lives for the whole call
      HWY_ALIGN uint32_t lo[16] = {}, hi[16] = {};
      for (size_t i = 0; i < q.len; ++i) {
        const auto ch = static_cast<uint8_t>(q.prepared->text()[i]);
        lo[ch & 15] |= uint32_t{1} << i;
        hi[ch >> 4] |= uint32_t{1} << i;
      }
      lo_table = hn::Load(d, lo);
      hi_table = hn::Load(d, hi);
      lookup_ready = true;
    }
    const auto nibble = hn::Set(d, 15u);
    HWY_ALIGN uint32_t seen[kLanes];
    for (size_t v = 0; v < lanes; v += 16) {
      auto any = hn::Zero(d);
      for (size_t j = 0; j < steps; ++j) {
        const auto bytes = hn::PromoteTo(d, hn::LoadU(d16, raw + j * lanes + v));
        any = hn::Or(any, bytes);
        const auto lo_idx = hn::IndicesFromVec(d, hn::And(bytes, nibble));
        const auto hi_idx = hn::IndicesFromVec(d, hn::ShiftRight<4>(bytes));
        const auto m =
            hn::And(hn::TableLookupLanes(lo_table, lo_idx), hn::TableLookupLanes(hi_table, hi_idx));
        hn::Store(m, d, pm + j * lanes + v);
      }
      hn::Store(any, d, seen + v);
    }
    for (size_t u = 0; u < used; ++u) {
      if (seen[u] < 0x80) continue;
      lens[u] = 0;
      fallback(index[u]);
      index[u] = kNoCandidate;
    }
  }
#endif  // AVX-512

  // Transposes the 16 x 16 bytes at in[r * 64 + j] (row r = lane, j = text position) into
  // out[j * stride + r].
  static void Transpose16x16(const uint8_t* in, uint8_t* out, size_t stride) {
    const hn::Full128<uint8_t> d8;
    hn::Vec<decltype(d8)> rows[16];
    for (size_t r = 0; r < 16; ++r) rows[r] = hn::Load(d8, in + r * kBatchMaxCandidateBytes);
    TransposeRows16(d8, rows, out, stride);
  }
#endif  // HWY_TARGET != HWY_SCALAR
};

// Active-lane mask as a vector: all ones where j < lens.
template <class D>
HWY_INLINE hn::Vec<D> Below(D d, size_t j, hn::Vec<D> lens) {
  const hn::RebindToSigned<D> di;
  using TI = hn::TFromD<decltype(di)>;
  const auto lt = hn::Lt(hn::Set(di, static_cast<TI>(j)), hn::BitCast(di, lens));
  return hn::BitCast(d, hn::VecFromMask(di, lt));
}

#if HWY_TARGET != HWY_SCALAR
// Levenshtein lanes (Myers 1999 / Hyyro 2003, one candidate per lane, the query is the pattern;
// O(candidate length) vector steps per group of lanes). Layout and measurements: docs/kernels.md.
// With kOsa the per-position step is Hyyro's 2003 OSA (OsaStep) instead of Myers' (MyersStep);
// everything else below is shared.
//
// Candidates are listed per chunk (those that cannot take a lane answered at once), sorted by
// length when the lengths spread widely, and taken in groups of kVecs byte vectors (128
// candidates on AVX-512 for 8- and 16-bit lanes). Per group the candidates' bytes are transposed
// in 16 x 16 byte blocks (one byte vector then holds text position j of nb candidates), and per
// text position the pattern masks come from two nibble tables with byte shuffles: bit i of
// LO[c & 15] & HI[c >> 4] is set iff q[i] == c, since two bytes are equal iff both nibbles are.
// Each mask byte b (query positions 8b..8b+7) has its own pair of 16-byte tables, so a lane of
// W bytes takes 2W shuffles; the W byte planes are then interleaved into W-byte lanes. That
// interleave permutes the lanes within each 128-bit block; the same interleave applied to the
// lane numbers and lengths gives the permutation, so lanes, lengths and results stay matched.
// HI is 0 from 0x80 on, so a non-ASCII byte has mask 0; such candidates are found from the OR of
// their bytes and recomputed with the pairwise kernel. Masks past a candidate's end are never
// used (those steps do not count), so the zero padding needs no care even if the query has NUL.

// Interleaves pairs of vectors of narrow lanes into vectors of lanes twice as wide: `in` holds
// `s` significance slots (low to high) for each of `t` lane sets, `out` gets s/2 slots for each of
// 2t lane sets. Repeated until one slot is left, W byte planes become W vectors of W-byte lanes.
template <class DW, class VN>
HWY_INLINE void ZipLevel(DW dw, const VN* in, size_t s, size_t t, hn::Vec<DW>* out) {
  const size_t s2 = s / 2;
  for (size_t a = 0; a < t; ++a) {
    for (size_t b = 0; b < s2; ++b) {
      const VN lo = in[a * s + 2 * b];
      const VN hi = in[a * s + 2 * b + 1];
      out[(2 * a) * s2 + b] = hn::ZipLower(dw, lo, hi);
      out[(2 * a + 1) * s2 + b] = hn::ZipUpper(dw, lo, hi);
    }
  }
}

// W = sizeof(T) byte planes (plane b = byte b of every lane's value) -> W vectors of T.
template <typename T, class V8>
HWY_INLINE void WidenPlanes(const V8* planes, hn::Vec<hn::ScalableTag<T>>* out) {
  const hn::ScalableTag<uint16_t> d16;
  const hn::ScalableTag<uint32_t> d32;
  const hn::ScalableTag<uint64_t> d64;
  if constexpr (sizeof(T) == 1) {
    out[0] = planes[0];
  } else if constexpr (sizeof(T) == 2) {
    ZipLevel(d16, planes, 2, 1, out);
  } else if constexpr (sizeof(T) == 4) {
    hn::Vec<decltype(d16)> w16[4];
    ZipLevel(d16, planes, 4, 1, w16);
    ZipLevel(d32, w16, 2, 2, out);
  } else {
    hn::Vec<decltype(d16)> w16[8];
    hn::Vec<decltype(d32)> w32[8];
    ZipLevel(d16, planes, 8, 1, w16);
    ZipLevel(d32, w16, 4, 2, w32);
    ZipLevel(d64, w32, 2, 4, out);
  }
}

// (v >> shift) & one_active, where one_active holds 1 or 0 per lane. 8-bit lanes shift as 16-bit
// lanes (one instruction): bit 0 of each byte still receives bit `shift` of that byte.
template <class D, class V>
HWY_INLINE V BitAt(D d, V v, int shift, V one_active) {
  if constexpr (sizeof(hn::TFromD<D>) == 1) {
    const hn::RepartitionToWide<D> dw;
    return hn::And(hn::BitCast(d, hn::ShiftRightSame(hn::BitCast(dw, v), shift)), one_active);
  } else {
    (void)d;
    return hn::And(hn::ShiftRightSame(v, shift), one_active);
  }
}

// One text position of Myers/Hyyro for every lane of one vector (see LevenshteinMyers64); the
// score changes only in lanes whose `one_active` is 1 (text position inside the candidate).
template <class D, class V>
HWY_INLINE void MyersStep(D d, V pm, V one_active, V one, int last_shift, V& vp, V& vn, V& score) {
  const V x = hn::Or(pm, vn);
  const V d0 = hn::Or(hn::Xor(hn::Add(hn::And(x, vp), vp), vp), x);
  V hp = hn::Or(vn, hn::Not(hn::Or(d0, vp)));
  const V hn_ = hn::And(vp, d0);
  score = hn::Add(score, BitAt(d, hp, last_shift, one_active));
  score = hn::Sub(score, BitAt(d, hn_, last_shift, one_active));
  hp = hn::Or(hn::Add(hp, hp), one);
  vn = hn::And(hp, d0);
  vp = hn::Or(hn::Add(hn_, hn_), hn::Not(hn::Or(hp, d0)));
}

// One text position of Hyyro's 2003 OSA for every lane of one vector (see OsaHyyro64): Myers'
// step plus the transposition vector TR = ((~D0_prev & PM_j) << 1) & PM_{j-1}; each lane keeps
// its previous D0 and pattern mask word (both 0 before the first text position).
template <class D, class V>
HWY_INLINE void OsaStep(D d, V pm, V one_active, V one, int last_shift, V& vp, V& vn, V& score,
                        V& d0_prev, V& pm_prev) {
  const V not_d0_pm = hn::AndNot(d0_prev, pm);
  const V tr = hn::And(hn::Add(not_d0_pm, not_d0_pm), pm_prev);
  const V d0 = hn::Or(hn::Or(hn::Xor(hn::Add(hn::And(pm, vp), vp), vp), hn::Or(pm, vn)), tr);
  V hp = hn::Or(vn, hn::Not(hn::Or(d0, vp)));
  const V hn_ = hn::And(d0, vp);
  score = hn::Add(score, BitAt(d, hp, last_shift, one_active));
  score = hn::Sub(score, BitAt(d, hn_, last_shift, one_active));
  hp = hn::Or(hn::Add(hp, hp), one);
  vp = hn::Or(hn::Add(hn_, hn_), hn::Not(hn::Or(d0, hp)));
  vn = hn::And(hp, d0);
  d0_prev = d0;
  pm_prev = pm;
}

// The pairwise kernel the lanes stand in for: Levenshtein, or OSA when kOsa.
template <bool kOsa>
HWY_INLINE uint32_t PairDistance(const PreparedString& a, std::string_view b, uint32_t k) {
  return kOsa ? OsaDistance(a, b, k) : LevenshteinDistance(a, b, k);
}

// Shortest and longest of n >= 1 byte lengths.
HWY_INLINE void LengthRange(const uint8_t* lens, size_t n, size_t* shortest, size_t* longest) {
  const hn::ScalableTag<uint8_t> d8;
  const size_t nb = hn::Lanes(d8);
  auto lo = hn::Set(d8, lens[0]);
  auto hi = lo;
  size_t x = 0;
  for (; x + nb <= n; x += nb) {
    const auto v = hn::LoadU(d8, lens + x);
    lo = hn::Min(lo, v);
    hi = hn::Max(hi, v);
  }
  HWY_ALIGN uint8_t lo_lanes[HWY_LANES(uint8_t)], hi_lanes[HWY_LANES(uint8_t)];
  hn::Store(lo, d8, lo_lanes);
  hn::Store(hi, d8, hi_lanes);
  uint8_t a = lo_lanes[0], b = hi_lanes[0];
  for (size_t i = 0; i < nb; ++i) {
    a = std::min(a, lo_lanes[i]);
    b = std::max(b, hi_lanes[i]);
  }
  for (; x < n; ++x) {
    a = std::min(a, lens[x]);
    b = std::max(b, lens[x]);
  }
  *shortest = a;
  *longest = b;
}

template <typename T, bool kOsa>
void LevenshteinLanes(const BatchQuery& q, std::span<const std::string_view> cands, uint32_t k,
                      uint32_t* out) {
  const hn::ScalableTag<uint8_t> d8;
  const hn::RebindToSigned<decltype(d8)> d8i;
  const hn::Full128<uint8_t> d128;
  const hn::ScalableTag<T> d;
  const hn::RebindToSigned<decltype(d)> di;  // lengths and positions are at most 64
  using V8 = hn::Vec<decltype(d8)>;
  using V = hn::Vec<decltype(d)>;
  constexpr size_t kW = sizeof(T);
  // Byte vectors per group: two for 8- and 16-bit lanes (independent recurrences hide the
  // latency chain), one for wider lanes (already kW vectors per byte vector).
  constexpr size_t kVecs = kW <= 2 ? 2 : 1;
  constexpr size_t kMaxBytes = HWY_LANES(uint8_t);
  constexpr size_t kMaxLanes = kVecs * kMaxBytes;
  constexpr size_t kRow = kBatchMaxCandidateBytes;
  const size_t nb = hn::Lanes(d8);  // candidates per byte vector
  const size_t nt = hn::Lanes(d);   // lanes per T vector
  const size_t lanes = kVecs * nb;  // candidates per group

  // Nibble tables, one pair per mask byte, from the query bytes.
  const std::string_view qtext = q.prepared->text();
  uint64_t lo_mask[16] = {}, hi_mask[16] = {};
  for (size_t i = 0; i < q.len; ++i) {
    const auto c = static_cast<uint8_t>(qtext[i]);
    lo_mask[c & 15] |= uint64_t{1} << i;
    hi_mask[c >> 4] |= uint64_t{1} << i;
  }
  HWY_ALIGN uint8_t table_bytes[2][kW][16];
  for (size_t b = 0; b < kW; ++b) {
    for (size_t n = 0; n < 16; ++n) {
      table_bytes[0][b][n] = static_cast<uint8_t>(lo_mask[n] >> (8 * b));
      table_bytes[1][b][n] = static_cast<uint8_t>(hi_mask[n] >> (8 * b));
    }
  }
  V8 lo_table[kW], hi_table[kW];
  for (size_t b = 0; b < kW; ++b) {
    lo_table[b] = hn::LoadDup128(d8, table_bytes[0][b]);
    hi_table[b] = hn::LoadDup128(d8, table_bytes[1][b]);
  }
  const V8 low_nibble = hn::Set(d8, uint8_t{0x0F});
  const V8 zero8 = hn::Zero(d8);

  // Which byte lane (candidate of a byte vector) each lane of the kW T vectors holds.
  HWY_ALIGN T lane_of[kMaxBytes];
  {
    V8 planes[kW];
    planes[0] = hn::Iota(d8, 0);
    for (size_t b = 1; b < kW; ++b) planes[b] = zero8;
    V wide[kW];
    WidenPlanes<T>(planes, wide);
    for (size_t v = 0; v < kW; ++v) hn::Store(wide[v], d, lane_of + v * nt);
  }

#if !(HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3)
  HWY_ALIGN uint8_t stage[kMaxLanes * kRow];  // one zero-padded row per candidate
#endif
  HWY_ALIGN uint8_t raw[kBatchMaxCandidateBytes * kMaxLanes];
  HWY_ALIGN uint8_t seen[kMaxLanes];
  HWY_ALIGN T result[kMaxLanes];
  HWY_ALIGN uint32_t dist[kMaxLanes];
  static constexpr char kNothing[1] = {0};
  const V one = hn::Set(d, T{1});
  const int last_shift = static_cast<int>(q.len - 1);
  const uint32_t over = k + 1;

  // Candidates in chunks. A first pass lists those that take a lane compactly (text, length,
  // index; list 0) and answers the others: longer than a lane holds, the pairwise kernel; length
  // further than k from the query's, k + 1. If the listed lengths spread widely (e-mail
  // addresses of 13-32 bytes), a group of arbitrary candidates would run to about the longest
  // length, so a stable counting sort orders them by length (list 1) and results are scattered
  // back by index; close lengths (names of 3-12) keep input order, where the sort costs more
  // than the steps it saves. The list is padded with empty lanes for the last group, and groups
  // read their lanes from it in place.
  constexpr size_t kChunk = 1024;
  constexpr size_t kSortSpread = 16;
  // Candidates whose length is in [lane_min, lane_min + lane_span] take a lane.
  const size_t lane_min = q.len > k ? q.len - k : 0;
  const size_t lane_max = std::min<size_t>(kRow, q.len + k);
  const size_t lane_span = lane_max - lane_min;
  constexpr size_t kList = kChunk + kMaxLanes;
  const char* list_text[2][kList];
  HWY_ALIGN uint8_t list_len[2][kList];
  uint32_t list_index[2][kList];
  uint32_t longer[kChunk];  // candidates longer than the lane range
  for (size_t base = 0; base < cands.size(); base += kChunk) {
    const size_t count = std::min(kChunk, cands.size() - base);
    size_t total = 0;
    if (lane_min == 0 && lane_max == kRow) {
      // No length can be ruled out (no small cutoff): keep each candidate of up to kRow bytes.
      for (size_t i = base; i < base + count; ++i) {
        const std::string_view cand = cands[i];
        const size_t size = cand.size();
        // Written whether or not the candidate takes a lane: the next one overwrites a rejection.
        list_text[0][total] = cand.data();
        list_len[0][total] = static_cast<uint8_t>(size);
        list_index[0][total] = static_cast<uint32_t>(i);
        if (HWY_LIKELY(size <= kRow)) {
          ++total;
        } else {
          out[i] = PairDistance<kOsa>(*q.prepared, cand, k);
        }
      }
    } else {
      // With a cutoff, lengths fall in or out of range at random, so the listing is branch-free:
      // every candidate is written at the end of the list and kept if it takes a lane; one
      // longer than the range is also noted for a check below; one shorter than the range keeps
      // k + 1 (a byte count below the query's length bounds the code points too).
      size_t above = 0;
      for (size_t i = base; i < base + count; ++i) {
        const std::string_view cand = cands[i];
        const size_t size = cand.size();
        out[i] = over;  // final unless the candidate takes a lane or fails the check below
        list_text[0][total] = cand.data();
        list_len[0][total] = static_cast<uint8_t>(size);
        list_index[0][total] = static_cast<uint32_t>(i);
        total += size - lane_min <= lane_span ? 1 : 0;
        longer[above] = static_cast<uint32_t>(i);
        above += size > lane_max ? 1 : 0;
      }
      // Longer than the range: k + 1 too if ASCII (bytes = code points); else, or if longer
      // than a lane holds, the pairwise kernel.
      for (size_t x = 0; x < above; ++x) {
        const std::string_view cand = cands[longer[x]];
        if (cand.size() > kRow || !IsAsciiShort(cand.data(), cand.size())) {
          out[longer[x]] = PairDistance<kOsa>(*q.prepared, cand, k);
        }
      }
    }
    if (total == 0) continue;
    size_t shortest, longest;
    LengthRange(list_len[0], total, &shortest, &longest);
    const bool sorted = longest - shortest > kSortSpread;
    size_t list = 0;
    if (sorted) {
      uint32_t starts[kRow + 1] = {};
      for (size_t x = 0; x < total; ++x) ++starts[list_len[0][x]];
      uint32_t sum = 0;
      for (size_t b = 0; b <= kRow; ++b) {
        const uint32_t c = starts[b];
        starts[b] = sum;
        sum += c;
      }
      for (size_t x = 0; x < total; ++x) {
        const uint32_t y = starts[list_len[0][x]]++;
        list_text[1][y] = list_text[0][x];
        list_len[1][y] = list_len[0][x];
        list_index[1][y] = list_index[0][x];
      }
      list = 1;
    }
    for (size_t x = total; x < total + lanes; ++x) {
      list_text[list][x] = kNothing;
      list_len[list][x] = 0;
    }

    for (size_t first = 0; first < total; first += lanes) {
      const size_t used = std::min(lanes, total - first);
      const char* const* text = list_text[list] + first;
      const uint8_t* lens8 = list_len[list] + first;
      const uint32_t* group_order = list_index[list] + first;
      // Sorted: the group's longest is last. Not sorted: the chunk's longest (lengths are close).
      const size_t steps = sorted ? lens8[used - 1] : longest;
      const size_t chunks = (steps + 15) / 16;
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
      // AVX-512: masked loads read each candidate straight into a register (no bytes past its
      // end are touched; the rest is 0), four candidates 16 lanes apart per 512-bit row, so one
      // transposition handles 64 lanes.
      static_assert(HWY_LANES(uint8_t) == 64, "AVX-512 vectors hold 64 bytes");
      const hn::Full256<uint8_t> d256;
      for (size_t c = 0; c < chunks; ++c) {
        for (size_t b = 0; b < lanes; b += 64) {
          V8 rows[16];
          for (size_t x = 0; x < 16; ++x) {
            hn::Vec<decltype(d128)> part[4];
            for (size_t p = 0; p < 4; ++p) {
              const size_t u = b + 16 * p + x;
              const size_t n = lens8[u];
              const size_t offset = std::min(c * 16, n);
              part[p] = hn::MaskedLoad(hn::FirstN(d128, n - offset), d128,
                                       reinterpret_cast<const uint8_t*>(text[u]) + offset);
            }
            rows[x] = hn::Combine(d8, hn::Combine(d256, part[3], part[2]),
                                  hn::Combine(d256, part[1], part[0]));
          }
          TransposeRows16(d8, rows, raw + c * 16 * lanes + b, lanes);
        }
      }
#else
      // Rows: copies first, so that the transposition's vector loads come long after the copies'
      // narrow stores (a load right after them would stall on store-to-load forwarding). The
      // zero stores are spelt out: as a loop, GCC calls memset.
      for (size_t u = 0; u < lanes; ++u) {
        uint8_t* row = stage + u * kRow;
        hn::Store(hn::Zero(d128), d128, row);
        if (chunks > 1) hn::Store(hn::Zero(d128), d128, row + 16);
        if (chunks > 2) hn::Store(hn::Zero(d128), d128, row + 32);
        if (chunks > 3) hn::Store(hn::Zero(d128), d128, row + 48);
        CopyShort(row, text[u], lens8[u]);
      }
      for (size_t c = 0; c < chunks; ++c) {
        for (size_t b = 0; b < lanes; b += 16) {
          LaneGroup<uint8_t>::Transpose16x16(stage + b * kRow + c * 16, raw + c * 16 * lanes + b,
                                             lanes);
        }
      }
#endif
      // Per byte vector r and T vector v: state, and each lane's length in lane order.
      V vp[kVecs * kW], vn[kVecs * kW], score[kVecs * kW], len_t[kVecs * kW];
      V d0_prev[kVecs * kW], pm_prev[kVecs * kW];  // OSA only
      V8 any[kVecs];
      for (size_t r = 0; r < kVecs; ++r) {
        V8 planes[kW];
        planes[0] = hn::LoadU(d8, lens8 + r * nb);
        for (size_t b = 1; b < kW; ++b) planes[b] = zero8;
        WidenPlanes<T>(planes, len_t + r * kW);
        any[r] = zero8;
      }
      for (size_t v = 0; v < kVecs * kW; ++v) {
        vp[v] = hn::Set(d, static_cast<T>(~T{0}));
        vn[v] = hn::Zero(d);
        score[v] = hn::Set(d, static_cast<T>(q.len));
        if constexpr (kOsa) {
          d0_prev[v] = hn::Zero(d);
          pm_prev[v] = hn::Zero(d);
        }
      }
      for (size_t j = 0; j < steps; ++j) {
        const V pos = hn::Set(d, static_cast<T>(j));
        for (size_t r = 0; r < kVecs; ++r) {
          const V8 bytes = hn::Load(d8, raw + j * lanes + r * nb);
          any[r] = hn::Or(any[r], bytes);
          const V8 lo = hn::And(bytes, low_nibble);
          const V8 hi = hn::And(
              hn::BitCast(d8, hn::ShiftRight<4>(hn::BitCast(hn::ScalableTag<uint16_t>(), bytes))),
              low_nibble);
          V8 planes[kW];
          for (size_t b = 0; b < kW; ++b) {
            planes[b] = hn::And(hn::TableLookupBytes(lo_table[b], lo),
                                hn::TableLookupBytes(hi_table[b], hi));
          }
          V pm[kW];
          WidenPlanes<T>(planes, pm);
          for (size_t v = 0; v < kW; ++v) {
            const size_t s = r * kW + v;
            const auto inside =
                hn::RebindMask(d, hn::Lt(hn::BitCast(di, pos), hn::BitCast(di, len_t[s])));
            const V one_active = hn::IfThenElseZero(inside, one);
            if constexpr (kOsa) {
              OsaStep(d, pm[v], one_active, one, last_shift, vp[s], vn[s], score[s], d0_prev[s],
                      pm_prev[s]);
            } else {
              MyersStep(d, pm[v], one_active, one, last_shift, vp[s], vn[s], score[s]);
            }
          }
        }
      }
      for (size_t r = 0; r < kVecs; ++r) {
        hn::Store(any[r], d8, seen + r * nb);
        for (size_t v = 0; v < kW; ++v) {
          hn::Store(score[r * kW + v], d, result + (r * kW + v) * nt);
        }
      }
      bool all_ascii = true;
      for (size_t r = 0; r < kVecs; ++r) {
        const auto high_bit = hn::Lt(hn::BitCast(d8i, any[r]), hn::Zero(d8i));
        all_ascii = all_ascii && hn::AllFalse(d8i, high_bit);
      }
      // Back to candidate order: lane L of T vector v of byte vector r holds byte lane
      // lane_of[v * nt + L] of that byte vector (the identity for 8-bit lanes).
      if constexpr (kW == 1) {
        for (size_t u = 0; u < lanes; ++u) dist[u] = result[u];
      } else {
        for (size_t r = 0; r < kVecs; ++r) {
          for (size_t x = 0; x < kW * nt; ++x) {
            dist[r * nb + static_cast<size_t>(lane_of[x])] =
                static_cast<uint32_t>(result[r * kW * nt + x]);
          }
        }
      }
      if (!sorted && all_ascii && group_order[used - 1] - group_order[0] == used - 1) {
        // Consecutive candidates (input order, none left out): a loop the compiler vectorizes.
        uint32_t* dst = out + group_order[0];
        for (size_t u = 0; u < used; ++u) dst[u] = std::min(dist[u], over);
      } else {
        for (size_t u = 0; u < used; ++u) {
          const uint32_t i = group_order[u];
          if (seen[u] >= 0x80) {
            out[i] = PairDistance<kOsa>(*q.prepared, cands[i], k);
          } else {
            out[i] = std::min(dist[u], over);
          }
        }
      }
    }
  }
}
#endif  // HWY_TARGET != HWY_SCALAR

void LevenshteinBatchImpl(const BatchQuery& q, std::span<const std::string_view> cands, uint32_t k,
                          uint32_t* out) {
#if HWY_TARGET == HWY_SCALAR
  for (size_t i = 0; i < cands.size(); ++i) out[i] = LevenshteinDistance(*q.prepared, cands[i], k);
#else
  // 8-bit lanes: the score stays below q.len + 64 <= 72, and the recurrence only carries and
  // shifts upwards, so bits past the query do not disturb bit q.len - 1.
  if (q.len <= 8) return LevenshteinLanes<uint8_t, false>(q, cands, k, out);
  if (q.len <= 16) return LevenshteinLanes<uint16_t, false>(q, cands, k, out);
  if (q.len <= 32) return LevenshteinLanes<uint32_t, false>(q, cands, k, out);
  return LevenshteinLanes<uint64_t, false>(q, cands, k, out);
#endif
}

// OSA lanes: LevenshteinLanes with Hyyro's transposition term (OsaStep); the lane widths, length
// filter (OSA >= Levenshtein >= the length difference) and fallbacks are the same.
void OsaBatchImpl(const BatchQuery& q, std::span<const std::string_view> cands, uint32_t k,
                  uint32_t* out) {
#if HWY_TARGET == HWY_SCALAR
  for (size_t i = 0; i < cands.size(); ++i) out[i] = OsaDistance(*q.prepared, cands[i], k);
#else
  // 8-bit lanes as for Levenshtein: the transposition term also only shifts upwards.
  if (q.len <= 8) return LevenshteinLanes<uint8_t, true>(q, cands, k, out);
  if (q.len <= 16) return LevenshteinLanes<uint16_t, true>(q, cands, k, out);
  if (q.len <= 32) return LevenshteinLanes<uint32_t, true>(q, cands, k, out);
  return LevenshteinLanes<uint64_t, true>(q, cands, k, out);
#endif
}

// Jaro / Jaro-Winkler from per-lane counts, in double lanes, with the operation order of
// JaroFromCounts and WinklerBoost (bit_parallel.h), so results equal the scalar kernels exactly.
HWY_NOINLINE void FinishJaro(const double* matches, const double* half_trans, const double* prefix,
                             const double* cand_len, size_t count, double query_len, bool winkler,
                             double* sim) {
  const hn::ScalableTag<double> dd;
  const size_t nd = hn::Lanes(dd);
  const auto zero = hn::Zero(dd);
  const auto one = hn::Set(dd, 1.0);
  const auto three = hn::Set(dd, 3.0);
  const auto la = hn::Set(dd, query_len);
  const auto scale = hn::Set(dd, kJaroWinklerPrefixScale);
  const auto threshold = hn::Set(dd, kJaroWinklerBoostThreshold);
  for (size_t i = 0; i < count; i += nd) {
    const auto m = hn::Load(dd, matches + i);
    const auto t = hn::Load(dd, half_trans + i);
    const auto lb = hn::Load(dd, cand_len + i);
    auto s =
        hn::Div(hn::Add(hn::Add(hn::Div(m, la), hn::Div(m, lb)), hn::Div(hn::Sub(m, t), m)), three);
    s = hn::IfThenElse(hn::Eq(m, zero), zero, s);
    if (winkler) {
      const auto boost = hn::Mul(hn::Mul(hn::Load(dd, prefix + i), scale), hn::Sub(one, s));
      s = hn::IfThenElse(hn::Gt(s, threshold), hn::Add(s, boost), s);
    }
    hn::Store(s, dd, sim + i);
  }
}

// Bit-parallel Jaro per lane (JaroBitParallel64 in bit_parallel.h is the scalar original):
// pass 1 takes, per text position, the lowest unmatched query position inside the lane's window;
// pass 2 pairs matched positions in order to count transpositions.
// Pass 1 of bit-parallel Jaro for one vector of lanes at text position j.
template <class D, class V>
HWY_INLINE void JaroMatchStep(D d, V pm, V grow, V one, bool in_prefix, int j, V& bound, V& p_flag,
                              V& same, V& pre, hn::TFromD<D>* taken) {
  const V zero = hn::Zero(d);
  const V x = hn::AndNot(p_flag, hn::And(pm, bound));
  const V low = hn::And(x, hn::Sub(zero, x));
  p_flag = hn::Or(p_flag, low);
  hn::Store(low, d, taken);
  bound = hn::Or(hn::ShiftLeft<1>(bound), hn::And(grow, one));
  if (in_prefix) {
    // Query byte j equals candidate byte j iff bit j of the candidate byte's mask is set.
    same = hn::And(same, hn::ShiftRightSame(pm, j));
    pre = hn::Add(pre, same);
  }
}

// Pass 2: pairs the next matched text position with the lowest remaining matched query position.
template <class D, class V>
HWY_INLINE void JaroTranspositionStep(D d, V taken, V pm, V one, V& remaining, V& mis) {
  const V zero = hn::Zero(d);
  const auto matched = hn::Ne(taken, zero);
  const V p_low = hn::And(remaining, hn::Sub(zero, remaining));
  const auto differ = hn::And(matched, hn::Eq(hn::And(pm, p_low), zero));
  mis = hn::Add(mis, hn::IfThenElseZero(differ, one));
  remaining = hn::IfThenElse(matched, hn::Xor(remaining, p_low), remaining);
}

// Bit-parallel Jaro per lane (JaroBitParallel64 in bit_parallel.h is the scalar original):
// pass 1 takes, per text position, the lowest unmatched query position inside the lane's window;
// pass 2 pairs matched positions in order to count transpositions.
template <typename T>
void JaroLanes(const BatchQuery& q, std::span<const std::string_view> cands, bool winkler,
               double* out) {
  const hn::ScalableTag<T> d;
  const size_t n = hn::Lanes(d);
  const size_t lanes = 2 * n;
  constexpr size_t kLanes = LaneGroup<T>::kLanes;
  constexpr size_t kBits = sizeof(T) * 8;
  LaneGroup<T> group;
  HWY_ALIGN T window[kLanes];
  HWY_ALIGN T bound0[kLanes];
  HWY_ALIGN T taken[kBatchMaxCandidateBytes * kLanes];
  HWY_ALIGN T counts[3][kLanes];
  // Doubles for the finishing formula; rounded up to a whole number of double vectors.
  constexpr size_t kDoubles = kLanes + HWY_LANES(double);
  HWY_ALIGN double fm[kDoubles] = {}, ft[kDoubles] = {}, fp[kDoubles] = {}, fl[kDoubles] = {};
  HWY_ALIGN double sim[kDoubles];
  const auto one = hn::Set(d, T{1});
  const auto zero = hn::Zero(d);
  const size_t prefix_steps = std::min<size_t>(q.len, kJaroWinklerMaxPrefix);
  size_t next = 0;
  while (next < cands.size()) {
    group.Fill(lanes, q, cands, &next, [&](size_t i) {
      out[i] = winkler ? JaroWinklerSimilarity(*q.prepared, cands[i])
                       : JaroSimilarity(*q.prepared, cands[i]);
    });
    if (group.used == 0) break;
    for (size_t u = 0; u < lanes; ++u) {
      const size_t mx = std::max<size_t>(q.len, group.lens[u]);
      const size_t w = mx / 2 > 0 ? mx / 2 - 1 : 0;
      window[u] = static_cast<T>(w);
      bound0[u] = w + 1 >= kBits ? static_cast<T>(~T{0}) : static_cast<T>((T{1} << (w + 1)) - 1);
    }
    const auto win_a = hn::Load(d, window), win_b = hn::Load(d, window + n);
    auto bound_a = hn::Load(d, bound0), bound_b = hn::Load(d, bound0 + n);
    auto p_flag_a = zero, p_flag_b = zero;
    auto same_a = one, same_b = one;  // 1 while the common prefix lasts
    auto pre_a = zero, pre_b = zero;
    for (size_t j = 0; j < group.steps; ++j) {
      const T* row = group.pm + j * lanes;
      T* taken_row = taken + j * lanes;
      const bool in_prefix = j < prefix_steps;
      const int jj = static_cast<int>(j);
      JaroMatchStep(d, hn::Load(d, row), Below(d, j, win_a), one, in_prefix, jj, bound_a, p_flag_a,
                    same_a, pre_a, taken_row);
      JaroMatchStep(d, hn::Load(d, row + n), Below(d, j, win_b), one, in_prefix, jj, bound_b,
                    p_flag_b, same_b, pre_b, taken_row + n);
    }
    auto remaining_a = p_flag_a, remaining_b = p_flag_b;
    auto mis_a = zero, mis_b = zero;
    for (size_t j = 0; j < group.steps; ++j) {
      const T* row = group.pm + j * lanes;
      const T* taken_row = taken + j * lanes;
      JaroTranspositionStep(d, hn::Load(d, taken_row), hn::Load(d, row), one, remaining_a, mis_a);
      JaroTranspositionStep(d, hn::Load(d, taken_row + n), hn::Load(d, row + n), one, remaining_b,
                            mis_b);
    }
    hn::Store(hn::PopulationCount(p_flag_a), d, counts[0]);
    hn::Store(hn::PopulationCount(p_flag_b), d, counts[0] + n);
    hn::Store(mis_a, d, counts[1]);
    hn::Store(mis_b, d, counts[1] + n);
    hn::Store(pre_a, d, counts[2]);
    hn::Store(pre_b, d, counts[2] + n);
    for (size_t u = 0; u < group.used; ++u) {
      fm[u] = static_cast<double>(counts[0][u]);
      ft[u] = static_cast<double>(static_cast<uint32_t>(counts[1][u]) / 2);
      fp[u] = static_cast<double>(counts[2][u]);
      fl[u] = static_cast<double>(group.lens[u]);
    }
    FinishJaro(fm, ft, fp, fl, group.used, static_cast<double>(q.len), winkler, sim);
    for (size_t u = 0; u < group.used; ++u) {
      if (group.index[u] != group.kNoCandidate) out[group.index[u]] = sim[u];
    }
  }
}

void JaroBatchImpl(const BatchQuery& q, std::span<const std::string_view> cands, bool winkler,
                   double* out) {
  if (q.len <= 8) return JaroLanes<uint8_t>(q, cands, winkler, out);
  if (q.len <= 16) return JaroLanes<uint16_t>(q, cands, winkler, out);
  if (q.len <= 32) return JaroLanes<uint32_t>(q, cands, winkler, out);
  return JaroLanes<uint64_t>(q, cands, winkler, out);
}

}  // namespace HWY_NAMESPACE
}  // namespace reclink
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "compare/bit_parallel.h"
#include "compare/simd_targets.h"
#include "compare/utf8_decode.h"
#include "reclink/similarity.h"

namespace reclink {

HWY_EXPORT(CompiledTarget);
HWY_EXPORT(LevenshteinBatchImpl);
HWY_EXPORT(OsaBatchImpl);
HWY_EXPORT(JaroBatchImpl);

namespace {

std::atomic<int> force_scalar_mode{-1};

bool QueryFitsLanes(const PreparedString& query) {
  return query.is_ascii() && query.length() >= 1 && query.length() <= 64;
}

BatchQuery MakeQuery(const PreparedString& query) {
  BatchQuery q;
  q.prepared = &query;
  q.len = query.length();
  q.ascii_pm = query.masks().ascii_table();
  return q;
}

void JaroBatchAny(const PreparedString& query, std::span<const std::string_view> cands, double* out,
                  bool winkler) {
  if (compare_internal::ScalarForced() || !QueryFitsLanes(query)) {
    for (size_t i = 0; i < cands.size(); ++i) {
      out[i] = winkler ? JaroWinklerSimilarity(query, cands[i]) : JaroSimilarity(query, cands[i]);
    }
    return;
  }
  HWY_DYNAMIC_DISPATCH(JaroBatchImpl)(MakeQuery(query), cands, winkler, out);
}

}  // namespace

void JaroWinklerBatch(const PreparedString& query, std::span<const std::string_view> cands,
                      double* out) {
  JaroBatchAny(query, cands, out, true);
}

void JaroBatch(const PreparedString& query, std::span<const std::string_view> cands, double* out) {
  JaroBatchAny(query, cands, out, false);
}

void LevenshteinBatch(const PreparedString& query, std::span<const std::string_view> cands,
                      uint32_t k, uint32_t* out) {
  if (compare_internal::ScalarForced() || !QueryFitsLanes(query)) {
    for (size_t i = 0; i < cands.size(); ++i) out[i] = LevenshteinDistance(query, cands[i], k);
    return;
  }
  k = std::min(k, 0xFFFFFFFEu);
  HWY_DYNAMIC_DISPATCH(LevenshteinBatchImpl)(MakeQuery(query), cands, k, out);
}

void OsaBatch(const PreparedString& query, std::span<const std::string_view> cands, uint32_t k,
              uint32_t* out) {
  if (compare_internal::ScalarForced() || !QueryFitsLanes(query)) {
    for (size_t i = 0; i < cands.size(); ++i) out[i] = OsaDistance(query, cands[i], k);
    return;
  }
  k = std::min(k, 0xFFFFFFFEu);
  HWY_DYNAMIC_DISPATCH(OsaBatchImpl)(MakeQuery(query), cands, k, out);
}

const char* ActiveSimdTarget() {
  if (compare_internal::ScalarForced()) return "scalar";
  return hwy::TargetName(HWY_DYNAMIC_DISPATCH(CompiledTarget)());
}

namespace compare_internal {

std::vector<int64_t> AvailableSimdTargets() {
  std::vector<int64_t> out;
  for (int64_t t : hwy::SupportedAndGeneratedTargets()) out.push_back(t);
  return out;
}

std::string SimdTargetName(int64_t target) { return hwy::TargetName(target); }

void UseSimdTargetForTest(int64_t target) {
  hwy::SetSupportedTargetsForTest(target);
  hwy::GetChosenTarget().Update(hwy::SupportedTargets());
}

bool ScalarForced() {
  static const bool from_env = [] {
    const char* v = std::getenv("RECLINK_FORCE_SCALAR");
    return v != nullptr && v[0] != '\0' && std::strcmp(v, "0") != 0;
  }();
  const int mode = force_scalar_mode.load(std::memory_order_relaxed);
  return mode < 0 ? from_env : mode == 1;
}

void SetForceScalarForTest(int mode) { force_scalar_mode.store(mode, std::memory_order_relaxed); }

}  // namespace compare_internal
}  // namespace reclink
#endif  // HWY_ONCE
