// The `number` normalizer: prices and amounts as people write them ("$49.00", "1.234,50 EUR",
// "(12.5)", "1'234") to one canonical decimal ("49", "1234.5", "-12.5", "1234").
#include <string>

#include "reclink/normalize.h"

namespace reclink {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Length of a currency symbol or a space-like thousands separator at the start of s, else 0.
size_t SymbolAt(std::string_view s) {
  static constexpr std::string_view kSymbols[] = {
      "$", "\xE2\x82\xAC" /* € */, "\xC2\xA3" /* £ */, "\xC2\xA5" /* ¥ */, "\xE2\x82\xB9" /* ₹ */,
      "\xE2\x82\xA9" /* ₩ */, "\xE2\x82\xBD" /* ₽ */, "\xE2\x82\xBA" /* ₺ */, "\xC2\xA0" /* nbsp */,
      "\xE2\x80\xAF" /* narrow nbsp */, "\xE2\x80\x89" /* thin space */, " ", "'", "_"};
  for (std::string_view sym : kSymbols)
    if (s.substr(0, sym.size()) == sym) return sym.size();
  return 0;
}

}  // namespace

bool NormalizeNumber(std::string_view in, std::string* out) {
  out->clear();
  // Pass 1: drop currency symbols, a three-letter code at either end, spaces and apostrophes
  // (thousands separators in some countries); keep digits, '.', ',' and the sign.
  std::string body;
  bool negative = false, sign_seen = false, parenthesized = false;
  size_t i = 0;
  const size_t n = in.size();
  if (n >= 2 && in.front() == '(' && in.back() == ')') {  // accounting: (12.50) is negative
    parenthesized = true;
    in = in.substr(1, n - 2);
  }
  // A currency code: exactly three ASCII letters at the start or the end.
  auto code_at = [&](size_t at) {
    return at + 3 <= in.size() && IsAsciiLetter(in[at]) && IsAsciiLetter(in[at + 1]) && IsAsciiLetter(in[at + 2]) &&
           (at + 3 == in.size() || !IsAsciiLetter(in[at + 3])) && (at == 0 || !IsAsciiLetter(in[at - 1]));
  };
  while (i < in.size()) {
    const char c = in[i];
    if (IsDigit(c) || c == '.' || c == ',') {
      body.push_back(c);
      ++i;
    } else if ((c == '-' || c == '+') && !sign_seen && body.empty()) {
      sign_seen = true;
      negative = c == '-';
      ++i;
    } else if (size_t len = SymbolAt(in.substr(i)); len > 0) {
      i += len;
    } else if ((i == 0 || body.empty() || i + 3 == in.size()) && code_at(i)) {
      i += 3;
    } else {
      return false;  // a letter, a second sign, anything else: not a number
    }
  }
  if (body.empty()) return false;
  // Pass 2: which of '.' and ',' is the decimal separator. Both present: the last one. One kind
  // once: '.' is decimal; ',' is decimal unless exactly three digits follow it (1,234 is a
  // thousand). One kind several times: thousands separators.
  size_t dots = 0, commas = 0;
  for (char c : body) {
    dots += c == '.';
    commas += c == ',';
  }
  char decimal = 0;
  if (dots > 0 && commas > 0) {
    decimal = body.find_last_of(".,") == body.rfind('.') ? '.' : ',';
    if ((decimal == '.' ? dots : commas) != 1) return false;
  } else if (dots == 1) {
    decimal = '.';
  } else if (commas == 1) {
    const size_t at = body.find(',');
    decimal = body.size() - at - 1 == 3 && at > 0 ? 0 : ',';
  }
  std::string integer, fraction;
  bool in_fraction = false;
  for (size_t k = 0; k < body.size(); ++k) {
    const char c = body[k];
    if (c == decimal) {
      in_fraction = true;
    } else if (c == '.' || c == ',') {
      // A thousands separator: after a digit, never in the fraction, and followed by exactly
      // three digits ("1.2.3,4" is no amount).
      if (in_fraction || k == 0 || !IsDigit(body[k - 1])) return false;
      size_t digits = 0;
      while (k + 1 + digits < body.size() && IsDigit(body[k + 1 + digits])) ++digits;
      if (digits != 3) return false;
    } else {
      (in_fraction ? fraction : integer).push_back(c);
    }
  }
  if (integer.empty() && fraction.empty()) return false;
  // Canonical: no leading zeros, no trailing fractional zeros, no "-0".
  size_t lead = 0;
  while (lead + 1 < integer.size() && integer[lead] == '0') ++lead;
  integer.erase(0, lead);
  if (integer.empty()) integer = "0";
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  if (parenthesized && sign_seen) return false;  // "(-5)" says it twice
  const bool zero = integer == "0" && fraction.empty();
  if ((negative || parenthesized) && !zero) out->push_back('-');
  out->append(integer);
  if (!fraction.empty()) {
    out->push_back('.');
    out->append(fraction);
  }
  return true;
}

}  // namespace reclink
