// Unicode decimal digits (general category Nd) as ASCII digits, for the normalizers that read
// numbers (digits, alnum, phone, date).
#include <utf8proc.h>

#include "normalize/text_normalizers.h"

namespace reclink::normalize_internal {

int DecimalDigitValue(int32_t cp) {
  if (cp < 0x80) return cp >= '0' && cp <= '9' ? cp - '0' : -1;
  if (utf8proc_category(cp) != UTF8PROC_CATEGORY_ND) return -1;
  // Unicode encodes each script's digits as a run of ten consecutive code points, 0 to 9, but
  // runs do not all start on a code point ending in 0 or 6 (the mathematical digits U+1D7CE..
  // U+1D7FF are five adjacent runs starting at ...CE, ...D8, ...). Every maximal run of Nd code
  // points is a whole number of such runs (unicode_digits_test checks all of utf8proc's table),
  // so the value is the distance from the run's start modulo 10. At most 49 steps back.
  int32_t start = cp;
  while (utf8proc_category(start - 1) == UTF8PROC_CATEGORY_ND) --start;
  return static_cast<int>((cp - start) % 10);
}

void FoldDigitsAndFullwidth(std::string_view in, std::string* out) {
  out->clear();
  out->reserve(in.size());
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(in.data());
  const auto n = static_cast<utf8proc_ssize_t>(in.size());
  for (utf8proc_ssize_t i = 0; i < n;) {
    if (p[i] < 0x80) {
      out->push_back(static_cast<char>(p[i++]));
      continue;
    }
    utf8proc_int32_t cp;
    utf8proc_ssize_t len = utf8proc_iterate(p + i, n - i, &cp);
    if (len <= 0) {
      out->push_back(static_cast<char>(p[i++]));
      continue;
    }
    int digit = DecimalDigitValue(cp);
    if (digit >= 0) {
      out->push_back(static_cast<char>('0' + digit));
    } else if (cp >= 0xFF01 && cp <= 0xFF5E) {
      // Full-width forms of '!'..'~' (the compatibility decomposition of each is its ASCII
      // character); done here rather than with NFKC, which would also turn "²" or "½" into
      // digits.
      out->push_back(static_cast<char>(cp - 0xFF01 + '!'));
    } else {
      out->append(in.data() + i, static_cast<size_t>(len));
    }
    i += len;
  }
}

}  // namespace reclink::normalize_internal
