// The `phone` normalizer: digits only, with international prefixes of the configured country
// unified into the national form, so differently written numbers agree exactly.
#include "normalize/text_normalizers.h"
#include "reclink/normalize.h"

namespace reclink {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAsciiLetter(char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

// Length of a "(0)" trunk-prefix marker at in[i] (spaces allowed inside), or 0.
size_t TrunkMarkerLength(std::string_view in, size_t i) {
  size_t j = i + 1;
  while (j < in.size() && in[j] == ' ') ++j;
  if (j >= in.size() || in[j] != '0') return 0;
  ++j;
  while (j < in.size() && in[j] == ' ') ++j;
  if (j >= in.size() || in[j] != ')') return 0;
  return j + 1 - i;
}

// "1" + a 10-digit North American number, whose area code starts with 2-9: the national form
// drops the 1. (With an area code starting 0 or 1 it is no such number, and dropping the 1 could
// leave a leading "00".)
bool IsNanpWithLeadingOne(std::string_view digits) {
  return digits.size() == 11 && digits[0] == '1' && digits[1] >= '2';
}

}  // namespace

void NormalizePhone(std::string_view in, std::string_view country_code, std::string* out) {
  NormalizeScratch scratch;
  NormalizePhone(in, country_code, out, scratch);
}

void NormalizePhone(std::string_view in, std::string_view country_code, std::string* out,
                    NormalizeScratch& scratch) {
  out->clear();
  if (normalize_internal::HasNonAscii(in)) {
    // Digits of other scripts and full-width "+", "(", "x" read as their ASCII forms.
    normalize_internal::FoldDigitsAndFullwidth(in, &scratch.folded);
    in = scratch.folded;
  }
  bool plus = false;
  bool seen_digit = false;
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (IsDigit(c)) {
      out->push_back(c);
      seen_digit = true;
    } else if (c == '+' && !seen_digit) {
      plus = true;
    } else if (c == '(' && seen_digit) {
      // "+44 (0)20 ...": the bracketed trunk 0 is not dialled from abroad; drop it.
      size_t len = TrunkMarkerLength(in, i);
      if (len > 0) i += len - 1;
    } else if ((IsAsciiLetter(c) || c == '#') && seen_digit) {
      break;  // an extension: "ext 12", "x12", "#12"
    }
  }
  if (out->empty()) return;
  std::string_view digits = *out;
  bool international = plus;
  // "0044 ...", and "+0044 ..." written with both prefixes.
  if (digits.size() > 2 && digits[0] == '0' && digits[1] == '0') {
    international = true;
    digits.remove_prefix(2);
  }
  std::string result;
  if (international) {
    if (!country_code.empty() && digits.substr(0, country_code.size()) == country_code) {
      digits.remove_prefix(country_code.size());
      // Zeros after the country code are trunk prefixes written in by mistake ("+44 020 ...");
      // the national form has exactly one, added below. Keeping them could leave a leading
      // "00", which a second pass would read as international.
      while (!digits.empty() && digits[0] == '0') digits.remove_prefix(1);
      if (digits.empty()) {
        out->clear();
        return;
      }
      // The national form adds the trunk prefix 0, except in the North American plan (+1).
      if (country_code != "1") {
        result.push_back('0');
      } else if (IsNanpWithLeadingOne(digits)) {
        digits.remove_prefix(1);
      }
      result.append(digits);
    } else {
      result = "00";
      result.append(digits);
    }
  } else if (country_code == "1" && IsNanpWithLeadingOne(digits)) {
    result.assign(digits.substr(1));
  } else {
    return;  // already national (or unknown): the digits as they are
  }
  out->swap(result);
}

}  // namespace reclink
