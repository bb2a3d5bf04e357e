// libFuzzer property target for the text normalizers and blocking-key functions on valid UTF-8.
// Input: byte 0 = which function (low 5 bits), byte 1 = a parameter (prefix length, chain
// choice); the rest = the value, which must be valid UTF-8 (other inputs are only checked not to
// crash). Properties: no crash or sanitizer report; output valid UTF-8; idempotence where it is a
// contract (listed per function below); the ASCII fast path equals the general (utf8proc) path.
#include <cmath>
#include <cstdlib>
#include <utf8proc.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "normalize/text_normalizers.h"
#include "reclink/normalize.h"
#include "reclink/phonetic.h"

namespace {

namespace ni = reclink::normalize_internal;

void Check(bool ok) {
  if (!ok) std::abort();
}

bool ValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(s.data());
  const auto n = static_cast<utf8proc_ssize_t>(s.size());
  for (utf8proc_ssize_t i = 0; i < n;) {
    utf8proc_int32_t cp;
    utf8proc_ssize_t len = utf8proc_iterate(p + i, n - i, &cp);
    if (len <= 0) return false;
    i += len;
  }
  return true;
}

bool IsAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// References of the general path, straight from utf8proc, for the ASCII differential.
std::string Utf8procMap(std::string_view s, int options) {
  utf8proc_uint8_t* mapped = nullptr;
  utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(s.data()),
                                    static_cast<utf8proc_ssize_t>(s.size()), &mapped,
                                    static_cast<utf8proc_option_t>(options));
  Check(n >= 0);
  std::string out(reinterpret_cast<const char*>(mapped), static_cast<size_t>(n));
  std::free(mapped);
  return out;
}

template <typename F>
std::string MapEach(std::string_view s, F f) {
  std::string out;
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(s.data());
  const auto n = static_cast<utf8proc_ssize_t>(s.size());
  for (utf8proc_ssize_t i = 0; i < n;) {
    utf8proc_int32_t cp;
    utf8proc_ssize_t len = utf8proc_iterate(p + i, n - i, &cp);
    utf8proc_uint8_t buf[4];
    out.append(reinterpret_cast<const char*>(buf), static_cast<size_t>(utf8proc_encode_char(f(cp), buf)));
    i += len;
  }
  return out;
}

// alnum / letters / digits by general category: letters and marks (L*, M*), decimal digits (Nd,
// as ASCII), other numbers (Nl, No: alnum only), and ' '.
std::string KeepByCategory(std::string_view s, ni::CharClass cls) {
  std::string out;
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(s.data());
  const auto n = static_cast<utf8proc_ssize_t>(s.size());
  for (utf8proc_ssize_t i = 0; i < n;) {
    utf8proc_int32_t cp;
    utf8proc_ssize_t len = utf8proc_iterate(p + i, n - i, &cp);
    const utf8proc_category_t cat = utf8proc_category(cp);
    const bool letter = cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_ME;
    const bool nd = cat == UTF8PROC_CATEGORY_ND;
    const bool other_number = cat == UTF8PROC_CATEGORY_NL || cat == UTF8PROC_CATEGORY_NO;
    bool keep = false;
    switch (cls) {
      case ni::CharClass::kAlnum: keep = letter || nd || other_number || cp == ' '; break;
      case ni::CharClass::kLetters: keep = letter || cp == ' '; break;
      case ni::CharClass::kDigits: keep = nd; break;
    }
    if (keep && nd) {
      out.push_back(static_cast<char>('0' + ni::DecimalDigitValue(cp)));
    } else if (keep) {
      out.append(s.substr(static_cast<size_t>(i), static_cast<size_t>(len)));
    }
    i += len;
  }
  return out;
}

enum Fn : uint8_t {
  kTrim, kCasefold, kLower, kUpper, kStripAccents, kAlnum, kLetters, kDigits, kNospace, kEmail,
  kSoundex, kMetaphone, kNysiis, kPrefix, kTokenSorted, kYear, kChain, kNumber, kHtml, kCount
};

// One function on s; `idempotent` says whether f(f(s)) == f(s) is a contract.
std::string Apply(Fn fn, uint8_t param, std::string_view s, bool* idempotent) {
  using namespace reclink;
  std::string out;
  *idempotent = true;
  switch (fn) {
    case kTrim: TrimCollapse(s, &out); break;
    case kCasefold: Casefold(s, &out); break;     // full case folding + NFC: a fixed point
    case kLower: ToLower(s, &out); break;         // simple lower-case mapping
    case kUpper: ToUpper(s, &out); break;
    case kStripAccents: StripAccents(s, &out); break;  // NFKD, marks dropped, NFC
    case kAlnum: out.assign(s); ni::KeepCharClass(ni::CharClass::kAlnum, &out); break;
    case kLetters: out.assign(s); ni::KeepCharClass(ni::CharClass::kLetters, &out); break;
    case kDigits: out.assign(s); ni::KeepCharClass(ni::CharClass::kDigits, &out); break;
    case kNospace: out.assign(s); ni::RemoveSpacesInPlace(&out); break;
    case kEmail: NormalizeEmail(s, &out); break;
    // Codes are not names: coding a code again is no contract.
    case kSoundex: Soundex(s, &out); *idempotent = false; break;
    case kMetaphone: Metaphone(s, &out, param % 8); *idempotent = false; break;
    case kNysiis: Nysiis(s, &out, param % 8); *idempotent = false; break;
    case kPrefix: Prefix(s, param % 16, &out); break;
    case kTokenSorted: TokenSorted(s, &out); break;
    case kYear: Year(s, &out); break;
    case kChain: {
      // A chain of up to four steps picked by param; the chains the docs recommend are fixed
      // points, but e.g. casefold after strip_accents can expose new foldable letters, so only
      // the chain's other contract (trimmed, single spaces, null iff empty) is checked here.
      static const std::vector<std::string> kNames = {"casefold", "lower", "upper", "strip_accents",
                                                      "alnum", "letters", "digits", "nospace", "sort_tokens"};
      std::vector<std::string> names;
      for (unsigned k = 0; k < param % 5u; ++k) names.push_back(kNames[(param / 5u + 3u * k) % kNames.size()]);
      Normalizer chain = *Normalizer::Create(names, NormalizeOptions{});
      const bool ok = chain.Apply(s, &out, nullptr);
      Check(ok == !out.empty());
      Check(out.find("  ") == std::string::npos);
      Check(out.empty() || (out.front() != ' ' && out.back() != ' '));
      *idempotent = false;
      break;
    }
    case kNumber: {
      // A canonical decimal or nothing: -?(0|[1-9]digits)(.digits ending in 1-9)?, never "-0",
      // which strtod reads as a finite number.
      const bool ok = NormalizeNumber(s, &out);
      Check(ok == !out.empty());
      if (ok) {
        size_t i = out[0] == '-' ? 1 : 0;
        Check(i < out.size() && out[i] >= '0' && out[i] <= '9');
        Check(out[i] != '0' || i + 1 == out.size() || out[i + 1] == '.');
        const size_t dot = out.find('.');
        for (size_t k = i; k < out.size(); ++k) Check(k == dot || (out[k] >= '0' && out[k] <= '9'));
        if (dot != std::string::npos) Check(dot + 1 < out.size() && out.back() != '0');
        Check(out != "-0");
        Check(std::isfinite(std::strtod(out.c_str(), nullptr)) || out.size() > 300);
      }
      *idempotent = true;
      break;
    }
    case kHtml:
      // Decoding never grows a reference: "&#x10FFFF;" (10 bytes) becomes 4.
      DecodeHtmlEntities(s, &out);
      Check(out.size() <= s.size());
      *idempotent = false;  // "&amp;lt;" -> "&lt;" -> "<"
      break;
    case kCount: break;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace reclink;
  if (size < 2 || size > 4096) return 0;
  const Fn fn = static_cast<Fn>((data[0] & 31) % kCount);
  const uint8_t param = data[1];
  const std::string_view s(reinterpret_cast<const char*>(data + 2), size - 2);
  bool idempotent = false;
  const std::string out = Apply(fn, param, s, &idempotent);
  if (!ValidUtf8(s)) return 0;  // invalid text: no crash is all that is promised

  Check(ValidUtf8(out));
  if (idempotent) Check(Apply(fn, param, out, &idempotent) == out);

  // The ASCII fast paths against utf8proc's general path, on ASCII input.
  if (IsAscii(s)) {
    switch (fn) {
      case kCasefold: Check(out == Utf8procMap(s, UTF8PROC_CASEFOLD | UTF8PROC_COMPOSE)); break;
      case kLower: Check(out == MapEach(s, utf8proc_tolower)); break;
      case kUpper: Check(out == MapEach(s, utf8proc_toupper)); break;
      case kStripAccents:
        Check(out == Utf8procMap(s, UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_STRIPMARK));
        break;
      default: break;
    }
  }
  switch (fn) {
    case kAlnum: Check(out == KeepByCategory(s, ni::CharClass::kAlnum)); break;
    case kLetters: Check(out == KeepByCategory(s, ni::CharClass::kLetters)); break;
    case kDigits: Check(out == KeepByCategory(s, ni::CharClass::kDigits)); break;
    case kSoundex:
    case kMetaphone:
    case kNysiis: {
      // The phonetic codes read A-Z only; a trailing non-letter code point (U+00B7 MIDDLE DOT)
      // forces the fold-and-strip path and must change nothing.
      const std::string forced = std::string(s) + "\xC2\xB7";
      bool unused;
      Check(Apply(fn, param, forced, &unused) == out);
      break;
    }
    default: break;
  }
  return 0;
}
