// Whitespace, case, accent and character-class normalizers. ASCII text is handled byte by byte;
// utf8proc is called only when a byte >= 0x80 is present.
#include "normalize/text_normalizers.h"

#include <utf8proc.h>

#include <cstdlib>
#include <cstring>

#include "reclink/normalize.h"

namespace reclink {
namespace normalize_internal {
namespace {

// Length of the Unicode space separator (Zs) starting at p, or 0. Byte patterns, no decoding:
// U+00A0, U+1680, U+2000-U+200A, U+202F, U+205F, U+3000.
size_t UnicodeSpaceLength(const unsigned char* p, size_t n) {
  if (n >= 2 && p[0] == 0xC2 && p[1] == 0xA0) return 2;
  if (n < 3) return 0;
  if (p[0] == 0xE1 && p[1] == 0x9A && p[2] == 0x80) return 3;
  if (p[0] == 0xE2 && p[1] == 0x80 && (p[2] <= 0x8A || p[2] == 0xAF)) return 3;
  if (p[0] == 0xE2 && p[1] == 0x81 && p[2] == 0x9F) return 3;
  if (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80) return 3;
  return 0;
}

bool KeepCategory(CharClass cls, utf8proc_category_t cat) {
  switch (cat) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
      return cls != CharClass::kDigits;
    case UTF8PROC_CATEGORY_ND:
      return cls != CharClass::kLetters;
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
      return cls == CharClass::kAlnum;
    default:
      return false;
  }
}

bool KeepAscii(CharClass cls, unsigned char c) {
  bool letter = (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
  bool digit = c >= '0' && c <= '9';
  switch (cls) {
    case CharClass::kAlnum: return letter || digit || c == ' ';
    case CharClass::kLetters: return letter || c == ' ';
    case CharClass::kDigits: return digit;
  }
  return false;
}

// Length of a zero-width character dropped with the whitespace (no space left in its place), or
// 0: U+00AD SOFT HYPHEN, U+200B ZERO WIDTH SPACE, U+2060 WORD JOINER, U+FEFF ZERO WIDTH NO-BREAK
// SPACE (a stray byte-order mark). They are invisible and make equal names differ. ZWNJ and ZWJ
// (U+200C, U+200D) are kept: Persian, Indic scripts and emoji spell with them.
size_t ZeroWidthLength(const unsigned char* p, size_t n) {
  if (n >= 2 && p[0] == 0xC2 && p[1] == 0xAD) return 2;
  if (n < 3) return 0;
  if (p[0] == 0xE2 && p[1] == 0x80 && p[2] == 0x8B) return 3;
  if (p[0] == 0xE2 && p[1] == 0x81 && p[2] == 0xA0) return 3;
  if (p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) return 3;
  return 0;
}

// Stream-Safe Text Format (UAX #15, section 13): utf8proc puts combining marks in canonical order
// with an insertion sort, quadratic in the length of a run of non-starters (40 000 alternating
// marks took 10 s to casefold; 1 MB, half an hour). Like the stream-safe format, a U+034F
// COMBINING GRAPHEME JOINER (a starter: marks are not reordered across it) is put after every
// kMaxNonStarters non-starters, counted in each code point's compatibility decomposition.
// Returns false, writing nothing, when in needs no joiner (the common case).
constexpr int kMaxNonStarters = 30;

bool StreamSafe(std::string_view in, std::string* out) {
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(in.data());
  const auto n = static_cast<utf8proc_ssize_t>(in.size());
  int run = 0;          // non-starters since the last starter
  bool changed = false;
  utf8proc_ssize_t copied = 0;
  for (utf8proc_ssize_t i = 0; i < n;) {
    if (p[i] < 0x80) {
      run = 0;
      ++i;
      continue;
    }
    utf8proc_int32_t cp;
    utf8proc_ssize_t len = utf8proc_iterate(p + i, n - i, &cp);
    if (len <= 0) {
      run = 0;
      ++i;
      continue;
    }
    const utf8proc_property_t* prop = utf8proc_get_property(cp);
    int leading = 0, trailing = 0;
    bool all_non_starters = false;
    if (prop->combining_class != 0 || prop->decomp_seqindex != UINT16_MAX) {
      utf8proc_int32_t dec[32];
      utf8proc_ssize_t m = utf8proc_decompose_char(
          cp, dec, 32, static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT), nullptr);
      if (m < 0 || m > 32) m = 0;  // no decomposition is longer than 18
      while (leading < m && utf8proc_get_property(dec[leading])->combining_class != 0) ++leading;
      all_non_starters = leading == m && m > 0;
      while (trailing < m && utf8proc_get_property(dec[m - 1 - trailing])->combining_class != 0) {
        ++trailing;
      }
    }
    if (leading > 0 && run + leading > kMaxNonStarters) {
      out->append(in.data() + copied, static_cast<size_t>(i - copied));
      out->append("\xCD\x8F");  // U+034F
      copied = i;
      changed = true;
      run = 0;
    }
    run = all_non_starters ? run + leading : trailing;
    i += len;
  }
  if (changed) out->append(in.data() + copied, static_cast<size_t>(n - copied));
  return changed;
}

// Appends utf8proc_map(in, options) to *out; false when utf8proc rejects the text.
bool AppendUtf8procMap(std::string_view in, int options, std::string* out) {
  utf8proc_uint8_t* mapped = nullptr;
  utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(in.data()),
                                    static_cast<utf8proc_ssize_t>(in.size()), &mapped,
                                    static_cast<utf8proc_option_t>(options));
  if (n < 0) return false;
  out->append(reinterpret_cast<const char*>(mapped), static_cast<size_t>(n));
  std::free(mapped);
  return true;
}

// utf8proc_map with options over in. utf8proc rejects a whole string for one invalid byte, so
// invalid text is mapped run by run: valid runs are mapped, invalid bytes are kept as they are.
void Utf8procMap(std::string_view in, int options, std::string* out) {
  out->clear();
  // Local, not scratch: StreamSafe writes it only for text with more than 30 combining marks in
  // a row, so it stays empty (no allocation) in practice, and utf8proc_map allocates anyway.
  std::string safe;
  if (StreamSafe(in, &safe)) in = safe;
  if (AppendUtf8procMap(in, options, out)) return;
  out->clear();
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(in.data());
  const auto n = static_cast<utf8proc_ssize_t>(in.size());
  utf8proc_ssize_t run = 0, i = 0;
  while (i < n) {
    utf8proc_int32_t cp;
    utf8proc_ssize_t len = utf8proc_iterate(p + i, n - i, &cp);
    if (len > 0) {
      i += len;
      continue;
    }
    if (i > run) AppendUtf8procMap(in.substr(run, i - run), options, out);
    out->push_back(in[i]);
    run = ++i;
  }
  if (n > run) AppendUtf8procMap(in.substr(run), options, out);
}

// Maps every code point with f (utf8proc_tolower / utf8proc_toupper); invalid bytes are kept.
template <typename F>
void MapCodePoints(std::string_view in, F f, std::string* out) {
  out->clear();
  out->reserve(in.size() + 8);
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(in.data());
  utf8proc_ssize_t n = static_cast<utf8proc_ssize_t>(in.size());
  utf8proc_ssize_t i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c < 0x80) {
      out->push_back(static_cast<char>(f(c)));
      ++i;
      continue;
    }
    utf8proc_int32_t cp;
    utf8proc_ssize_t len = utf8proc_iterate(p + i, n - i, &cp);
    if (len <= 0) {
      out->push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    utf8proc_uint8_t buf[4];
    utf8proc_ssize_t w = utf8proc_encode_char(f(cp), buf);
    out->append(reinterpret_cast<const char*>(buf), static_cast<size_t>(w));
    i += len;
  }
}

}  // namespace

void TrimCollapseInPlace(std::string* s) {
  auto* p = reinterpret_cast<unsigned char*>(s->data());
  const size_t n = s->size();
  // The bytes before the first space, control byte or non-ASCII byte stay where they are: most
  // values (a name, a date, a phone number) are only such bytes and are left as they came. They
  // are skipped eight at a time: a byte below 0x21 wraps when 0x21 is subtracted from it and a
  // byte from 0x80 has its top bit set, so the word has neither when no top bit is set (and with
  // no wrap there is no borrow between bytes). Then byte by byte up to the first such byte.
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHighs = 0x8080808080808080ull;
  size_t r = 0;
  for (; r + 8 <= n; r += 8) {
    uint64_t x;
    std::memcpy(&x, p + r, 8);
    if (((x - 0x21 * kOnes) | x) & kHighs) break;
  }
  while (r < n && p[r] > 0x20 && p[r] < 0x80) ++r;
  if (r == n) return;
  size_t w = r;
  bool pending_space = false;
  while (r < n) {
    unsigned char c = p[r];
    size_t space_len;
    if (c < 0x80) {
      space_len = IsAsciiSpace(c) ? 1 : 0;
    } else {
      space_len = UnicodeSpaceLength(p + r, n - r);
      const size_t zero_width = space_len == 0 ? ZeroWidthLength(p + r, n - r) : 0;
      if (zero_width > 0) {
        r += zero_width;
        continue;
      }
    }
    if (space_len > 0) {
      pending_space = w > 0;
      r += space_len;
      continue;
    }
    if (pending_space) {
      p[w++] = ' ';
      pending_space = false;
    }
    p[w++] = c;
    ++r;
  }
  s->resize(w);
}

void AsciiLowerInPlace(std::string* s) {
  for (char& c : *s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
}

void AsciiUpperInPlace(std::string* s) {
  for (char& c : *s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
  }
}

void KeepCharClass(CharClass cls, std::string* s) {
  auto* p = reinterpret_cast<unsigned char*>(s->data());
  const auto n = static_cast<utf8proc_ssize_t>(s->size());
  utf8proc_ssize_t w = 0;
  for (utf8proc_ssize_t r = 0; r < n;) {
    unsigned char c = p[r];
    if (c < 0x80) {
      if (KeepAscii(cls, c)) p[w++] = c;
      ++r;
      continue;
    }
    utf8proc_int32_t cp;
    utf8proc_ssize_t len = utf8proc_iterate(p + r, n - r, &cp);
    if (len <= 0) {
      ++r;
      continue;
    }
    const utf8proc_category_t cat = utf8proc_category(cp);
    if (KeepCategory(cls, cat)) {
      if (cat == UTF8PROC_CATEGORY_ND) {
        // "٣" and "３" are the digit 3; the ASCII digit is shorter, so writing stays behind r.
        p[w++] = static_cast<unsigned char>('0' + DecimalDigitValue(cp));
      } else {
        for (utf8proc_ssize_t k = 0; k < len; ++k) p[w++] = p[r + k];
      }
    }
    r += len;
  }
  s->resize(static_cast<size_t>(w));
}

void RemoveSpacesInPlace(std::string* s) {
  size_t w = 0;
  for (char c : *s) {
    if (c != ' ') (*s)[w++] = c;
  }
  s->resize(w);
}

}  // namespace normalize_internal

using normalize_internal::HasNonAscii;

void TrimCollapse(std::string_view in, std::string* out) {
  out->assign(in.data(), in.size());
  normalize_internal::TrimCollapseInPlace(out);
}

void Casefold(std::string_view in, std::string* out) {
  if (HasNonAscii(in)) {
    normalize_internal::Utf8procMap(in, UTF8PROC_CASEFOLD | UTF8PROC_COMPOSE, out);
    return;
  }
  out->assign(in.data(), in.size());
  normalize_internal::AsciiLowerInPlace(out);
}

void ToLower(std::string_view in, std::string* out) {
  if (!HasNonAscii(in)) {
    out->assign(in.data(), in.size());
    normalize_internal::AsciiLowerInPlace(out);
    return;
  }
  normalize_internal::MapCodePoints(in, [](utf8proc_int32_t c) { return utf8proc_tolower(c); },
                                    out);
}

void ToUpper(std::string_view in, std::string* out) {
  if (!HasNonAscii(in)) {
    out->assign(in.data(), in.size());
    normalize_internal::AsciiUpperInPlace(out);
    return;
  }
  normalize_internal::MapCodePoints(in, [](utf8proc_int32_t c) { return utf8proc_toupper(c); },
                                    out);
}

void StripAccents(std::string_view in, std::string* out) {
  // COMPAT + STRIPMARK decomposes (NFKD) and drops marks; COMPOSE then recomposes what is left
  // (Hangul syllables, for instance) so the result stays in a compact form.
  if (HasNonAscii(in)) {
    normalize_internal::Utf8procMap(in, UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_STRIPMARK,
                                    out);
    return;
  }
  out->assign(in.data(), in.size());
}

}  // namespace reclink
