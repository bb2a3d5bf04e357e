// Naive reference similarity metrics (O(n*m) tables, sets); the definitions the kernels must match.
#include "reference_similarity.h"

#include <algorithm>
#include <set>
#include <string>

#include "reclink/similarity.h"

namespace reclink::reference {

std::vector<uint32_t> Decode(std::string_view s) {
  std::vector<uint32_t> out;
  size_t i = 0;
  auto byte = [&](size_t j) -> int { return j < s.size() ? static_cast<uint8_t>(s[j]) : -1; };
  auto is_cont = [&](size_t j) { return byte(j) >= 0x80 && byte(j) <= 0xBF; };
  while (i < s.size()) {
    const int b0 = byte(i);
    size_t len = 0;
    uint32_t cp = 0;
    if (b0 < 0x80) {
      len = 1;
      cp = static_cast<uint32_t>(b0);
    } else if (b0 >= 0xC0 && b0 < 0xE0 && is_cont(i + 1)) {
      cp = (static_cast<uint32_t>(b0) & 0x1F) << 6 | (byte(i + 1) & 0x3F);
      if (cp >= 0x80) len = 2;
    } else if (b0 >= 0xE0 && b0 < 0xF0 && is_cont(i + 1) && is_cont(i + 2)) {
      cp = (static_cast<uint32_t>(b0) & 0x0F) << 12 | (byte(i + 1) & 0x3F) << 6 |
           (byte(i + 2) & 0x3F);
      if (cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF)) len = 3;
    } else if (b0 >= 0xF0 && b0 < 0xF8 && is_cont(i + 1) && is_cont(i + 2) && is_cont(i + 3)) {
      cp = (static_cast<uint32_t>(b0) & 0x07) << 18 | (byte(i + 1) & 0x3F) << 12 |
           (byte(i + 2) & 0x3F) << 6 | (byte(i + 3) & 0x3F);
      if (cp >= 0x10000 && cp <= 0x10FFFF) len = 4;
    }
    if (len == 0) {
      out.push_back(0x110000 + static_cast<uint32_t>(b0));
      ++i;
    } else {
      out.push_back(cp);
      i += len;
    }
  }
  return out;
}

namespace {

uint32_t Capped(size_t d, uint32_t k) {
  if (k >= 0xFFFFFFFEu) k = 0xFFFFFFFEu;
  return d > k ? k + 1 : static_cast<uint32_t>(d);
}

size_t EditTable(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b, bool osa) {
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<size_t>> d(n + 1, std::vector<size_t>(m + 1));
  for (size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (osa && i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
}

}  // namespace

// The edit-distance and Jaro metrics are defined on the first 256 code points of each string
// (docs/kernels.md); the value is written out here so a change to the library's cap shows.
constexpr size_t kCap = 256;
static_assert(kCap == kMaxCompareCodePoints);

std::vector<uint32_t> DecodeCapped(std::string_view s) {
  std::vector<uint32_t> cps = Decode(s);
  if (cps.size() > kCap) cps.resize(kCap);
  return cps;
}

uint32_t Levenshtein(std::string_view a, std::string_view b, uint32_t k) {
  return Capped(EditTable(DecodeCapped(a), DecodeCapped(b), false), k);
}

uint32_t Osa(std::string_view a, std::string_view b, uint32_t k) {
  return Capped(EditTable(DecodeCapped(a), DecodeCapped(b), true), k);
}

double Jaro(std::string_view as, std::string_view bs) {
  const std::vector<uint32_t> a = DecodeCapped(as), b = DecodeCapped(bs);
  if (a.empty() && b.empty()) return 1.0;
  if (a.empty() || b.empty()) return 0.0;
  const long window = std::max(0L, static_cast<long>(std::max(a.size(), b.size()) / 2) - 1);
  std::vector<bool> a_match(a.size()), b_match(b.size());
  uint32_t m = 0;
  for (long i = 0; i < static_cast<long>(a.size()); ++i) {
    const long lo = std::max(0L, i - window);
    const long hi = std::min(static_cast<long>(b.size()) - 1, i + window);
    for (long j = lo; j <= hi; ++j) {
      if (!b_match[j] && a[i] == b[j]) {
        a_match[i] = b_match[j] = true;
        ++m;
        break;
      }
    }
  }
  if (m == 0) return 0.0;
  std::vector<uint32_t> ma, mb;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a_match[i]) ma.push_back(a[i]);
  }
  for (size_t j = 0; j < b.size(); ++j) {
    if (b_match[j]) mb.push_back(b[j]);
  }
  uint32_t out_of_order = 0;
  for (size_t i = 0; i < ma.size(); ++i) out_of_order += ma[i] != mb[i];
  const uint32_t t = out_of_order / 2;
  const double md = m;
  return (md / static_cast<double>(a.size()) + md / static_cast<double>(b.size()) +
          (md - static_cast<double>(t)) / md) /
         3.0;
}

double JaroWinkler(std::string_view as, std::string_view bs) {
  const double j = Jaro(as, bs);
  if (!(j > 0.7)) return j;
  const std::vector<uint32_t> a = DecodeCapped(as), b = DecodeCapped(bs);
  uint32_t l = 0;
  while (l < 4 && l < a.size() && l < b.size() && a[l] == b[l]) ++l;
  const double scale = static_cast<double>(l) * 0.1;
  return j + scale * (1.0 - j);
}

namespace {

template <class Set>
double Jaccard(const Set& a, const Set& b) {
  if (a.empty() && b.empty()) return 1.0;
  size_t common = 0;
  for (const auto& x : a) common += b.count(x);
  return static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common);
}

std::set<std::string> TokenSet(std::string_view s) {
  std::set<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r') {
      if (!cur.empty()) out.insert(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.insert(cur);
  return out;
}

std::set<std::vector<uint32_t>> GramSet(std::string_view s, int q) {
  const std::vector<uint32_t> cps = Decode(s);
  const size_t qq = static_cast<size_t>(std::max(q, 1));
  std::set<std::vector<uint32_t>> out;
  if (cps.empty()) return out;
  if (cps.size() < qq) {
    out.insert(cps);
    return out;
  }
  for (size_t i = 0; i + qq <= cps.size(); ++i) {
    out.insert(std::vector<uint32_t>(cps.begin() + i, cps.begin() + i + qq));
  }
  return out;
}

}  // namespace

double TokenJaccard(std::string_view a, std::string_view b) {
  return Jaccard(TokenSet(a), TokenSet(b));
}

double QgramJaccard(std::string_view a, std::string_view b, int q) {
  return Jaccard(GramSet(a, q), GramSet(b, q));
}

}  // namespace reclink::reference
