// Bit-parallel edit-distance and Jaro kernels on code-point sequences (internal to reclink_compare):
// Myers 1999 / Hyyro 2003 Levenshtein, Hyyro 2003 OSA, and a bit-parallel Jaro, one 64-bit word
// or blocked. Masks types provide Get(cp) (single word) or Get(word, cp) and words() (blocked).
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "reclink/similarity.h"

namespace reclink::compare_internal {

// Single-word view of detail::PatternMasks.
struct PreparedMasks64 {
  const detail::PatternMasks* masks;
  uint64_t Get(uint32_t cp) const { return masks->Get(0, cp); }
};

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
  // Column state in a reusable thread-local buffer: no allocation per call.
  thread_local std::vector<uint64_t> state;
  state.assign(2 * words, 0);
  uint64_t* vp = state.data();
  uint64_t* vn = vp + words;
  std::fill(vp, vp + words, ~uint64_t{0});
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
  thread_local std::vector<uint64_t> state;  // reusable: no allocation per call
  state.assign(4 * words, 0);
  uint64_t* vp = state.data();
  uint64_t* vn = vp + words;
  uint64_t* d0v = vn + words;
  uint64_t* pm_prev = d0v + words;
  std::fill(vp, vp + words, ~uint64_t{0});
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

// Bit-parallel Jaro for any lengths: JaroBitParallel64's greedy matching with the pattern in
// 64-bit words (`pm` with words() and Get(word, cp), m code points) and any text length n. For
// text position j the window [j - window, j + window] of pattern positions is scanned word by
// word for the lowest unmatched position holding t[j]; a match ends the scan. Transpositions
// pair the k-th matched text and pattern positions as in the 64-bit kernel. O(n * (2 window /
// 64 + 2)) word operations instead of the flag arrays' O(n * window) comparisons; the counts are
// the same (the greedy matching is the definition's).
template <class Masks, class Char>
JaroCounts JaroBitParallelBlock(const Masks& pm, size_t m, const Char* t, size_t n) {
  const size_t window = JaroWindow(m, n);
  const size_t p_words = (m + 63) / 64, t_words = (n + 63) / 64;
  thread_local std::vector<uint64_t> flags;  // reusable: no allocation per call
  flags.assign(p_words + t_words, 0);
  uint64_t* p_flag = flags.data();
  uint64_t* t_flag = p_flag + p_words;
  const size_t steps = std::min(n, m + window);
  for (size_t j = 0; j < steps; ++j) {
    const size_t lo = j > window ? j - window : 0;
    const size_t hi = std::min(m, j + window + 1);  // exclusive; lo < hi since j < m + window
    const size_t w_lo = lo / 64, w_hi = (hi - 1) / 64;
    for (size_t w = w_lo; w <= w_hi; ++w) {
      uint64_t x = pm.Get(w, t[j]) & ~p_flag[w];
      if (w == w_lo) x &= ~uint64_t{0} << (lo % 64);
      if (w == w_hi) x &= ~uint64_t{0} >> (63 - (hi - 1) % 64);
      if (x != 0) {
        p_flag[w] |= x & (0 - x);
        t_flag[j / 64] |= uint64_t{1} << (j % 64);
        break;
      }
    }
  }
  uint32_t matches = 0, mismatched = 0;
  size_t pw = 0;
  uint64_t p_cur = p_flag[0];
  for (size_t tw = 0; tw < t_words; ++tw) {
    for (uint64_t t_cur = t_flag[tw]; t_cur != 0; t_cur &= t_cur - 1) {
      const size_t j = tw * 64 + static_cast<size_t>(std::countr_zero(t_cur));
      while (p_cur == 0) p_cur = p_flag[++pw];  // as many pattern bits as text bits are set
      const uint64_t p_low = p_cur & (0 - p_cur);
      mismatched += (pm.Get(pw, t[j]) & p_low) == 0;
      p_cur ^= p_low;
      ++matches;
    }
  }
  JaroCounts r;
  r.matches = matches;
  r.transpositions = mismatched / 2;
  return r;
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
