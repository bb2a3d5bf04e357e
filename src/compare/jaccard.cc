// Jaccard similarity of token sets and of code-point q-gram sets: sets as sorted, de-duplicated
// byte views, intersected by a merge. O((n + m) log(n + m)).
#include <algorithm>
#include <vector>

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

double JaccardOfSets(const std::vector<std::string_view>& a,
                     const std::vector<std::string_view>& b) {
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

double TokenJaccard(std::string_view a, std::string_view b) {
  std::vector<std::string_view> ta, tb;
  Tokens(a, &ta);
  Tokens(b, &tb);
  return JaccardOfSets(ta, tb);
}

double QgramJaccard(std::string_view a, std::string_view b, int q) {
  const size_t qq = q < 1 ? 1 : static_cast<size_t>(q);
  std::vector<std::string_view> ga, gb;
  Qgrams(a, qq, &ga);
  Qgrams(b, qq, &gb);
  return JaccardOfSets(ga, gb);
}

}  // namespace reclink
