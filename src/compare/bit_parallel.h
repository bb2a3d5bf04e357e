// Bit-parallel edit-distance and Jaro kernels on code-point sequences (internal to reclink_compare):
// Myers 1999 / Hyyro 2003 Levenshtein, Hyyro 2003 OSA, and a bit-parallel Jaro, one 64-bit word
// or blocked. Masks types provide Get(cp) (single word) or Get(word, cp) and words() (blocked);
// the blocked Jaro takes a table of mask rows (PatternMasks::Row's layout).
#pragma once

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstddef>
#include <cstdint>

#include "reclink/similarity.h"

namespace reclink::compare_internal {

// Single-word view of detail::PatternMasks.
struct PreparedMasks64 {
  const detail::PatternMasks* masks;
  uint64_t Get(uint32_t cp) const { return masks->Get(0, cp); }
};

// The most 64-bit words of a blocked pattern: patterns are cut to the comparison cap.
inline constexpr size_t kMaxBlockWords = (kMaxCompareCodePoints + 63) / 64;

// Exact final answer with cutoff: the distance, or k + 1 when it is larger.
inline uint32_t Cap(size_t d, uint32_t k) {
  return d > k ? k + 1 : static_cast<uint32_t>(d);
}

// Levenshtein, Myers 1999 in Hyyro's 2003 formulation: pattern of m (1..64) code points described
// by `pm`, text t[0..n). O(n) word operations. Stops early once the distance must exceed k
// (the last-row value minus the characters left is a lower bound on the result).
template <class Masks, class Char>
uint32_t LevenshteinMyers64(const Masks& pm, size_t m, const Char* t, size_t n, uint32_t k) {
  uint64_t vp = ~uint64_t{0};
  uint64_t vn = 0;
  const uint64_t last = uint64_t{1} << (m - 1);
  size_t score = m;
  for (size_t j = 0; j < n; ++j) {
    const uint64_t x = pm.Get(t[j]) | vn;
    const uint64_t d0 = (((x & vp) + vp) ^ vp) | x;
    uint64_t hp = vn | ~(d0 | vp);
    const uint64_t hn = vp & d0;
    score += (hp & last) != 0;
    score -= (hn & last) != 0;
    hp = (hp << 1) | 1;
    vn = hp & d0;
    vp = (hn << 1) | ~(hp | d0);
    const size_t left = n - j - 1;
    if (score > k + left) return k + 1;
  }
  return Cap(score, k);
}

// Levenshtein for patterns longer than 64: Myers' 1999 block decomposition, horizontal deltas
// carried from each 64-row block to the next. O(ceil(m/64) * n).
template <class Masks, class Char>
uint32_t LevenshteinMyersBlock(const Masks& pm, size_t m, const Char* t, size_t n, uint32_t k) {
  const size_t words = pm.words();
  // Column state on the stack: the pattern has at most kMaxCompareCodePoints code points.
  assert(words <= kMaxBlockWords);
  uint64_t vp[kMaxBlockWords], vn[kMaxBlockWords];
  std::fill(vp, vp + words, ~uint64_t{0});
  std::fill(vn, vn + words, uint64_t{0});
  const unsigned last_bit = static_cast<unsigned>((m - 1) % 64);
  size_t score = m;
  for (size_t j = 0; j < n; ++j) {
    const uint32_t c = t[j];
    uint64_t hp_in = 1, hn_in = 0;
    for (size_t w = 0; w < words; ++w) {
      uint64_t eq = pm.Get(w, c);
      const uint64_t pv = vp[w], mv = vn[w];
      const uint64_t xv = eq | mv;
      eq |= hn_in;
      const uint64_t xh = (((eq & pv) + pv) ^ pv) | eq;
      uint64_t ph = mv | ~(xh | pv);
      uint64_t mh = pv & xh;
      const unsigned bit = w + 1 == words ? last_bit : 63;
      const uint64_t hp_out = (ph >> bit) & 1, hn_out = (mh >> bit) & 1;
      ph = (ph << 1) | hp_in;
      mh = (mh << 1) | hn_in;
      vp[w] = mh | ~(xv | ph);
      vn[w] = ph & xv;
      hp_in = hp_out;
      hn_in = hn_out;
    }
    score = score + hp_in - hn_in;
    const size_t left = n - j - 1;
    if (score > k + left) return k + 1;
  }
  return Cap(score, k);
}

// Optimal string alignment distance, Hyyro 2003 ("A bit-vector algorithm for computing
// Levenshtein and Damerau edit distances"): Myers' recurrence plus a transposition vector
// TR = ((~D0_prev & PM_j) << 1) & PM_{j-1}. Pattern of 1..64 code points.
template <class Masks, class Char>
uint32_t OsaHyyro64(const Masks& pm, size_t m, const Char* t, size_t n, uint32_t k) {
  uint64_t vp = ~uint64_t{0}, vn = 0, d0 = 0, pm_prev = 0;
  const uint64_t last = uint64_t{1} << (m - 1);
  size_t score = m;
  for (size_t j = 0; j < n; ++j) {
    const uint64_t pm_j = pm.Get(t[j]);
    const uint64_t tr = (((~d0) & pm_j) << 1) & pm_prev;
    d0 = (((pm_j & vp) + vp) ^ vp) | pm_j | vn | tr;
    uint64_t hp = vn | ~(d0 | vp);
    uint64_t hn = d0 & vp;
    score += (hp & last) != 0;
    score -= (hn & last) != 0;
    hp = (hp << 1) | 1;
    hn = hn << 1;
    vp = hn | ~(d0 | hp);
    vn = hp & d0;
    pm_prev = pm_j;
    const size_t left = n - j - 1;
    if (score > k + left) return k + 1;
  }
  return Cap(score, k);
}

// OSA for patterns longer than 64: Hyyro's recurrence per 64-row block with the horizontal
// deltas and the transposition bit carried across block boundaries.
template <class Masks, class Char>
uint32_t OsaHyyroBlock(const Masks& pm, size_t m, const Char* t, size_t n, uint32_t k) {
  const size_t words = pm.words();
  assert(words <= kMaxBlockWords);  // column state on the stack, as in LevenshteinMyersBlock
  uint64_t vp[kMaxBlockWords], vn[kMaxBlockWords], d0v[kMaxBlockWords], pm_prev[kMaxBlockWords];
  std::fill(vp, vp + words, ~uint64_t{0});
  std::fill(vn, vn + words, uint64_t{0});
  std::fill(d0v, d0v + words, uint64_t{0});
  std::fill(pm_prev, pm_prev + words, uint64_t{0});
  const unsigned last_bit = static_cast<unsigned>((m - 1) % 64);
  size_t score = m;
  for (size_t j = 0; j < n; ++j) {
    const uint32_t c = t[j];
    uint64_t hp_in = 1, hn_in = 0, tr_in = 0;
    for (size_t w = 0; w < words; ++w) {
      const uint64_t pm_j = pm.Get(w, c);
      const uint64_t pv = vp[w], mv = vn[w];
      const uint64_t not_d0_pm = (~d0v[w]) & pm_j;
      const uint64_t tr = ((not_d0_pm << 1) | tr_in) & pm_prev[w];
      tr_in = not_d0_pm >> 63;
      const uint64_t eq = pm_j | hn_in;
      const uint64_t d0 = (((eq & pv) + pv) ^ pv) | eq | mv | tr;
      uint64_t hp = mv | ~(d0 | pv);
      uint64_t hn = d0 & pv;
      const unsigned bit = w + 1 == words ? last_bit : 63;
      const uint64_t hp_out = (hp >> bit) & 1, hn_out = (hn >> bit) & 1;
      hp = (hp << 1) | hp_in;
      hn = (hn << 1) | hn_in;
      vp[w] = hn | ~(d0 | hp);
      vn[w] = hp & d0;
      d0v[w] = d0;
      pm_prev[w] = pm_j;
      hp_in = hp_out;
      hn_in = hn_out;
    }
    score = score + hp_in - hn_in;
    const size_t left = n - j - 1;
    if (score > k + left) return k + 1;
  }
  return Cap(score, k);
}

struct JaroCounts {
  uint32_t matches = 0;
  uint32_t transpositions = 0;  // already halved (floor), as in strcmp95
};

// Jaro's matching window for lengths la, lb: floor(max / 2) - 1, at least 0.
inline size_t JaroWindow(size_t la, size_t lb) {
  const size_t mx = std::max(la, lb);
  return mx / 2 > 0 ? mx / 2 - 1 : 0;
}

// Bit-parallel Jaro (the greedy matching of the definition, one text character per step):
// pattern of m (1..64) code points in `pm`, text t of n (1..64) code points. For text position
// j the window is a shifting bound mask; the lowest unmatched pattern position inside it that
// holds t[j] is taken. Transpositions pair the k-th matched text and pattern positions; that
// walk visits each match once, so it also counts them: no popcount, which on baseline x86-64
// (no -mpopcnt) would be a call to libgcc's __popcountdi2 rather than one instruction.
template <class Masks, class Char>
JaroCounts JaroBitParallel64(const Masks& pm, size_t m, const Char* t, size_t n) {
  const size_t window = JaroWindow(m, n);
  uint64_t bound = window + 1 >= 64 ? ~uint64_t{0} : (uint64_t{1} << (window + 1)) - 1;
  uint64_t p_flag = 0, t_flag = 0;
  const size_t steps = std::min(n, m + window);
  for (size_t j = 0; j < steps; ++j) {
    const uint64_t x = pm.Get(t[j]) & bound & ~p_flag;
    p_flag |= x & (0 - x);
    t_flag |= uint64_t{x != 0} << j;
    bound = j < window ? (bound << 1) | 1 : bound << 1;
  }
  // Every matched text position (bit of t_flag) took exactly one pattern position (bit of
  // p_flag), so both hold the same number of bits and the loop runs once per match.
  JaroCounts r;
  uint32_t matches = 0, mismatched = 0;
  while (t_flag != 0) {
    const size_t j = static_cast<size_t>(std::countr_zero(t_flag));
    const uint64_t p_low = p_flag & (0 - p_flag);
    mismatched += (pm.Get(t[j]) & p_low) == 0;
    t_flag &= t_flag - 1;
    p_flag ^= p_low;
    ++matches;
  }
  r.matches = matches;
  r.transpositions = mismatched / 2;
  return r;
}

// The most 64-bit words a Jaro pattern takes: both sides are cut to the comparison cap.
inline constexpr size_t kMaxJaroWords = (kMaxCompareCodePoints + 63) / 64;

// Word w of the mask whose bits [begin, end) are set (positions 64 w .. 64 w + 63).
inline uint64_t BitRangeWord(size_t begin, size_t end, size_t w) {
  const size_t first = 64 * w;
  const size_t b = std::clamp(begin, first, first + 64) - first;
  const size_t e = std::clamp(end, first, first + 64) - first;
  if (b >= e) return 0;
  const uint64_t upto_e = e == 64 ? ~uint64_t{0} : (uint64_t{1} << e) - 1;
  return upto_e & ~((uint64_t{1} << b) - 1);
}

// JaroBitParallelBlock for a pattern of exactly kWords words. The window [j - window, j + window]
// of pattern positions is a kWords-word bound mask, shifted left by one per text position like
// JaroBitParallel64's; the window spans about max(m, n) positions, so it overlaps nearly every
// word anyway, and touching all kWords words (at most 4) without branches beats stopping at the
// first word with a candidate (a branch on the data, which word holds the first candidate and
// whether any does, that a predictor cannot learn). The lowest candidate bit is taken from the
// first word that has one. A common prefix is matched without stepping through it.
// Matched text characters are kept in order, so the transposition walk compares them with the
// matched pattern characters and needs neither text flags nor a second mask lookup. (They are
// kept as uint32_t: byte stores may alias anything, and made the compiler reload the table
// addresses and spill the flags on every step.)
template <size_t kWords, class ExtendedRow, class PChar, class TChar>
JaroCounts JaroBitParallelWords(const uint64_t* ascii_rows, const ExtendedRow& extended_row,
                                const PChar* p, size_t m, const TChar* t, size_t n) {
  static_assert(kWords >= 1 && kWords <= kMaxJaroWords);
  assert(m >= 1 && m <= 64 * kWords && n >= 1 && n <= kMaxCompareCodePoints);
  const size_t window = JaroWindow(m, n);
  // A common prefix of p0 characters matches itself: text position j < p0 finds positions
  // [0, j) taken and takes j, so those steps are skipped; they add p0 matches and no
  // transposition (their pairs are the lowest p0 on both sides, and equal).
  const size_t limit = std::min(m, n);
  size_t p0 = 0;
  while (p0 < limit && static_cast<uint32_t>(p[p0]) == static_cast<uint32_t>(t[p0])) ++p0;
  // The bound at text position p0: bits [lo, hi] = [p0 - window (at least 0), p0 + window].
  // free_: the pattern positions not matched yet (the complement of JaroBitParallel64's p_flag,
  // which saves a NOT per word and step), here all but the prefix.
  const size_t lo = p0 > window ? p0 - window : 0, hi = p0 + window;
  uint64_t bound[kWords], free_[kWords], prefix[kWords];
  for (size_t w = 0; w < kWords; ++w) {
    bound[w] = BitRangeWord(lo, hi + 1, w);
    prefix[w] = BitRangeWord(0, p0, w);
    free_[w] = ~prefix[w];
  }
  uint32_t matched[kMaxCompareCodePoints];  // text characters matched after the prefix, in order
  uint32_t matches = 0;                     // their number
  const size_t steps = std::min(n, m + window);
  for (size_t j = p0; j < steps; ++j) {
    const uint32_t c = t[j];
    const uint64_t* row = c < 128 ? ascii_rows + c * kWords : extended_row(c);
    uint64_t x[kWords];
    for (size_t w = 0; w < kWords; ++w) x[w] = row[w] & bound[w] & free_[w];
    // Word w takes its lowest candidate when no lower word has one (`lower`: the OR of the lower
    // words' candidates).
    uint64_t lower = 0;
    for (size_t w = 0; w < kWords; ++w) {
      const uint64_t low = x[w] & (0 - x[w]);
      free_[w] ^= lower != 0 ? 0 : low;
      lower |= x[w];
    }
    matched[matches] = c;
    matches += lower != 0;
    for (size_t w = kWords - 1; w > 0; --w) bound[w] = (bound[w] << 1) | (bound[w - 1] >> 63);
    bound[0] = (bound[0] << 1) | uint64_t{j < window};
  }
  // Every match after the prefix took one pattern position: the k-th such position pairs with
  // the k-th matched text character. (Bits of free_ past m were never set in any mask, so they
  // are never taken.)
  uint32_t k = 0, mismatched = 0;
  for (size_t w = 0; w < kWords; ++w) {
    for (uint64_t f = ~free_[w] & ~prefix[w]; f != 0; f &= f - 1) {
      const size_t i = 64 * w + static_cast<size_t>(std::countr_zero(f));
      mismatched += static_cast<uint32_t>(p[i]) != matched[k++];
    }
  }
  JaroCounts r;
  r.matches = static_cast<uint32_t>(p0) + matches;
  r.transpositions = mismatched / 2;
  return r;
}

// Bit-parallel Jaro for any lengths up to the comparison cap (1 <= m, n <=
// kMaxCompareCodePoints): JaroBitParallel64's greedy matching with the pattern p (m code points)
// in w = ceil(m/64) words, and any text t of n code points. The pattern's masks: for c < 128
// the w words at ascii_rows + c * w (the layout of PatternMasks::ascii_table()), for other code
// points the w words at extended_row(c) (zero when p does not hold c). O(n * w) word operations
// without data-dependent branches in the matching loop; the counts are the greedy matching's,
// i.e. the definition's.
template <class ExtendedRow, class PChar, class TChar>
JaroCounts JaroBitParallelBlock(const uint64_t* ascii_rows, const ExtendedRow& extended_row,
                                const PChar* p, size_t m, const TChar* t, size_t n) {
  static_assert(kMaxJaroWords == 4, "one case per pattern word count below");
  switch ((m + 63) / 64) {
    case 1:
      return JaroBitParallelWords<1>(ascii_rows, extended_row, p, m, t, n);
    case 2:
      return JaroBitParallelWords<2>(ascii_rows, extended_row, p, m, t, n);
    case 3:
      return JaroBitParallelWords<3>(ascii_rows, extended_row, p, m, t, n);
    default:
      return JaroBitParallelWords<4>(ascii_rows, extended_row, p, m, t, n);
  }
}

// JaroBitParallelBlock with the pattern's masks in a detail::PatternMasks.
template <class PChar, class TChar>
JaroCounts JaroBitParallelBlock(const detail::PatternMasks& pm, const PChar* p, size_t m,
                                const TChar* t, size_t n) {
  return JaroBitParallelBlock(
      pm.ascii_table(), [&pm](uint32_t c) { return pm.Row(c); }, p, m, t, n);
}

// The Jaro formula; the operation order is fixed so that every path (scalar, SIMD) rounds alike.
inline double JaroFromCounts(JaroCounts c, size_t la, size_t lb) {
  if (c.matches == 0) return 0.0;
  const double m = static_cast<double>(c.matches);
  return (m / static_cast<double>(la) + m / static_cast<double>(lb) +
          (m - static_cast<double>(c.transpositions)) / m) /
         3.0;
}

// Winkler's prefix boost, applied above the boost threshold.
inline double WinklerBoost(double jaro, uint32_t prefix) {
  if (!(jaro > kJaroWinklerBoostThreshold)) return jaro;
  const double scale = static_cast<double>(prefix) * kJaroWinklerPrefixScale;
  return jaro + scale * (1.0 - jaro);
}

template <class Char>
uint32_t CommonPrefix4(const Char* a, size_t la, const Char* b, size_t lb) {
  const size_t lim = std::min<size_t>({la, lb, kJaroWinklerMaxPrefix});
  uint32_t p = 0;
  while (p < lim && a[p] == b[p]) ++p;
  return p;
}

}  // namespace reclink::compare_internal
