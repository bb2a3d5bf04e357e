// The non-phonetic blocking-key functions (token_sorted, prefix, year) and the dispatcher that
// computes one blocking-key part for a record.
#include <algorithm>
#include <vector>

#include "reclink/phonetic.h"

namespace reclink {

void TokenSorted(std::string_view s, std::string* out) {
  NormalizeScratch scratch;
  TokenSorted(s, out, scratch);
}

void TokenSorted(std::string_view s, std::string* out, NormalizeScratch& scratch) {
  std::vector<std::string_view>& tokens = scratch.tokens;
  tokens.clear();
  size_t i = 0;
  auto is_space = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) ++i;
    size_t start = i;
    while (i < s.size() && !is_space(s[i])) ++i;
    if (i > start) tokens.push_back(s.substr(start, i - start));
  }
  std::sort(tokens.begin(), tokens.end());
  out->clear();
  for (std::string_view t : tokens) {
    if (!out->empty()) out->push_back(' ');
    out->append(t);
  }
}

void Prefix(std::string_view s, size_t n, std::string* out) {
  size_t i = 0;
  for (size_t count = 0; i < s.size() && count < n; ++count) {
    ++i;  // past the lead byte, then its continuation bytes 10xxxxxx
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
  }
  out->assign(s.data(), i);
}

void Year(std::string_view s, std::string* out) {
  out->clear();
  if (s.size() < 4) return;
  for (size_t i = 0; i < 4; ++i) {
    if (s[i] < '0' || s[i] > '9') return;
  }
  if (s.size() > 4 && s[4] >= '0' && s[4] <= '9') return;  // YYYYMMDD, not normalized
  out->assign(s.data(), 4);
}

bool ApplyKeyFunction(KeyFunction fn, int n, std::string_view value, std::string* out) {
  NormalizeScratch scratch;
  return ApplyKeyFunction(fn, n, value, out, scratch);
}

bool ApplyKeyFunction(KeyFunction fn, int n, std::string_view value, std::string* out,
                      NormalizeScratch& scratch) {
  switch (fn) {
    case KeyFunction::kField:
      out->assign(value.data(), value.size());
      break;
    case KeyFunction::kSoundex:
      Soundex(value, out, scratch);
      break;
    case KeyFunction::kMetaphone:
      Metaphone(value, out, 0, scratch);
      break;
    case KeyFunction::kNysiis:
      Nysiis(value, out, 6, scratch);
      break;
    case KeyFunction::kPrefix:
      Prefix(value, n > 0 ? static_cast<size_t>(n) : 0, out);
      break;
    case KeyFunction::kYear:
      Year(value, out);
      break;
    case KeyFunction::kTokenSorted:
      TokenSorted(value, out, scratch);
      break;
  }
  return !out->empty();
}

}  // namespace reclink
