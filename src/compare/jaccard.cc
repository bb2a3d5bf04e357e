// Jaccard similarity of token sets and of code-point q-gram sets: sets as sorted, de-duplicated
// byte views, intersected by a merge. O((n + m) log(n + m)). Sets are built in the caller's
// KernelScratch.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <vector>

#include "compare/kernel_scratch.h"
#include "compare/utf8_decode.h"
#include "reclink/similarity.h"

namespace reclink {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

void SortUnique(std::vector<std::string_view>* v) {
  std::sort(v->begin(), v->end());
  v->erase(std::unique(v->begin(), v->end()), v->end());
}

void Tokens(std::string_view s, std::vector<std::string_view>* out) {
  out->clear();
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && IsSpace(s[i])) ++i;
    const size_t start = i;
    while (i < s.size() && !IsSpace(s[i])) ++i;
    if (i > start) out->push_back(s.substr(start, i - start));
  }
  SortUnique(out);
}

// Grams spanning q code points; one gram (the whole string) when 0 < length < q.
void Qgrams(std::string_view s, size_t q, std::vector<std::string_view>* out) {
  out->clear();
  if (s.empty()) return;
  std::vector<size_t> starts;  // byte offset of each code point, plus the end
  if (compare_internal::IsAscii(s)) {
    if (s.size() <= q) {
      out->push_back(s);
      return;
    }
    for (size_t i = 0; i + q <= s.size(); ++i) out->push_back(s.substr(i, q));
    SortUnique(out);
    return;
  }
  for (size_t i = 0; i < s.size(); i += compare_internal::CodePointBytes(s, i)) {
    starts.push_back(i);
  }
  starts.push_back(s.size());
  const size_t n = starts.size() - 1;
  if (n <= q) {
    out->push_back(s);
    return;
  }
  for (size_t i = 0; i + q <= n; ++i) {
    out->push_back(s.substr(starts[i], starts[i + q] - starts[i]));
  }
  SortUnique(out);
}

// Fast path for q <= 3: a gram's code points (each < 2^21, invalid bytes included) packed into
// one integer; bit 63 and the length in bits 60-61 tag the whole-string gram of a string shorter
// than q, so it can never equal a packed q-gram or another short string's gram.
constexpr size_t kMaxPackedQ = 3;

// Appends the packed grams of s (code points in `cps`) to `grams`.
void PackedQgrams(const uint32_t* cps, size_t n, size_t q, std::vector<uint64_t>* grams) {
  if (n == 0) return;
  if (n < q) {
    uint64_t key = 0;
    for (size_t i = 0; i < n; ++i) key = key << 21 | cps[i];
    grams->push_back(key | uint64_t{1} << 63 | uint64_t{n} << 60);
    return;
  }
  for (size_t i = 0; i + q <= n; ++i) {
    uint64_t key = 0;
    for (size_t j = 0; j < q; ++j) key = key << 21 | cps[i + j];
    grams->push_back(key);
  }
}

void CodePointsOf(std::string_view s, std::vector<uint32_t>* cps) {
  cps->clear();
  if (compare_internal::IsAscii(s)) {
    cps->assign(s.begin(), s.end());
  } else {
    compare_internal::AppendCodePoints(s, cps);
  }
}

// Jaccard of two multisets of packed grams taken as sets: one open-addressing table whose slots
// record which side(s) hold each distinct gram. O(n + m).
double PackedJaccard(std::string_view a, std::string_view b, size_t q,
                     KernelScratch::Buffers& scratch) {
  std::vector<uint32_t>& cps = scratch.cps;
  std::vector<uint64_t>& grams = scratch.grams;
  grams.clear();
  CodePointsOf(a, &cps);
  PackedQgrams(cps.data(), cps.size(), q, &grams);
  const size_t from_a = grams.size();
  CodePointsOf(b, &cps);
  PackedQgrams(cps.data(), cps.size(), q, &grams);
  if (grams.empty()) return 1.0;
  if (from_a == 0 || from_a == grams.size()) return 0.0;
  size_t slots = 16;
  while (slots < 2 * grams.size()) slots *= 2;
  constexpr uint64_t kEmpty = ~uint64_t{0};  // bits 60-61 == 3: never a key
  std::vector<uint64_t>& keys = scratch.keys;
  std::vector<uint8_t>& sides = scratch.sides;
  keys.assign(slots, kEmpty);
  sides.assign(slots, 0);
  const int shift = 64 - std::countr_zero(slots);
  size_t count_a = 0, count_b = 0, common = 0;
  for (size_t g = 0; g < grams.size(); ++g) {
    const uint64_t key = grams[g];
    const uint8_t side = g < from_a ? 1 : 2;
    size_t h = static_cast<size_t>((key * 0x9E3779B97F4A7C15ULL) >> shift);
    while (keys[h] != kEmpty && keys[h] != key) h = (h + 1) & (slots - 1);
    if (keys[h] == kEmpty) keys[h] = key;
    if (sides[h] & side) continue;
    sides[h] |= side;
    if (side == 1) {
      ++count_a;
    } else {
      ++count_b;
      common += (sides[h] & 1) != 0;
    }
  }
  return static_cast<double>(common) / static_cast<double>(count_a + count_b - common);
}

template <class T>
double JaccardSorted(const std::vector<T>& a, const std::vector<T>& b) {
  if (a.empty() && b.empty()) return 1.0;
  if (a.empty() || b.empty()) return 0.0;
  size_t i = 0, j = 0, common = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] < b[j]) {
      ++i;
    } else if (b[j] < a[i]) {
      ++j;
    } else {
      ++common, ++i, ++j;
    }
  }
  return static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common);
}

}  // namespace

double TokenJaccard(std::string_view a, std::string_view b, KernelScratch& scratch) {
  KernelScratch::Buffers& buf = scratch.buffers();
  Tokens(a, &buf.set_a);
  Tokens(b, &buf.set_b);
  return JaccardSorted(buf.set_a, buf.set_b);
}

double QgramJaccard(std::string_view a, std::string_view b, int q, KernelScratch& scratch) {
  const size_t qq = q < 1 ? 1 : static_cast<size_t>(q);
  KernelScratch::Buffers& buf = scratch.buffers();
  if (qq <= kMaxPackedQ) {
    return PackedJaccard(a, b, qq, buf);
  }
  Qgrams(a, qq, &buf.set_a);
  Qgrams(b, qq, &buf.set_b);
  return JaccardSorted(buf.set_a, buf.set_b);
}

double TokenJaccard(std::string_view a, std::string_view b) {
  KernelScratch scratch;
  return TokenJaccard(a, b, scratch);
}

double QgramJaccard(std::string_view a, std::string_view b, int q) {
  KernelScratch scratch;
  return QgramJaccard(a, b, q, scratch);
}

}  // namespace reclink
