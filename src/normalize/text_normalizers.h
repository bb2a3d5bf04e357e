// Internal in-place helpers of the text normalizers (ASCII fast paths, character-class filters),
// shared by normalizer.cc and the phonetic functions. Not part of the public API.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "reclink/normalize_scratch.h"

namespace reclink::normalize_internal {

// True when any byte is >= 0x80 (the text needs Unicode handling). Eight bytes per step.
inline bool HasNonAscii(std::string_view s) {
  const char* p = s.data();
  size_t n = s.size();
  uint64_t acc = 0;
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    acc |= w;
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    acc |= static_cast<unsigned char>(*p);
    ++p;
    --n;
  }
  return (acc & 0x8080808080808080ull) != 0;
}

inline bool IsAsciiSpace(unsigned char c) {
  return c == ' ' || (c >= '\t' && c <= '\r');
}

// Trims and collapses whitespace runs to one ' ' in place (see TrimCollapse).
void TrimCollapseInPlace(std::string* s);
void AsciiLowerInPlace(std::string* s);
void AsciiUpperInPlace(std::string* s);

enum class CharClass : uint8_t {
  kAlnum,    // letters, marks, digits and spaces
  kLetters,  // letters, marks and spaces
  kDigits,   // decimal digits only
};
// Drops every code point outside cls, in place; kept decimal digits of any script become ASCII
// digits. Invalid UTF-8 bytes are dropped.
void KeepCharClass(CharClass cls, std::string* s);
// Drops every ' ' (the only whitespace left after TrimCollapse).
void RemoveSpacesInPlace(std::string* s);

// The value 0-9 of a Unicode decimal digit (general category Nd: ASCII, full-width, Arabic-Indic,
// Devanagari, ...), or -1 for any other code point.
int DecimalDigitValue(int32_t cp);
// Copies in to *out with every decimal digit (Nd) as its ASCII digit and every full-width form
// U+FF01..U+FF5E as its ASCII character ("＋４４" -> "+44"); everything else, invalid bytes
// included, is copied unchanged. The input of the phone and date parsers for non-ASCII text.
void FoldDigitsAndFullwidth(std::string_view in, std::string* out);

// The `email` normalizer in place (see NormalizeEmail); non-ASCII text is lower-cased in
// scratch.lowered.
void EmailInPlace(std::string* s, NormalizeScratch& scratch);

// The letters of s as upper-case ASCII A-Z, everything else dropped; non-ASCII text is first
// case-folded and stripped of accents ("Müller-Lüdenscheidt" -> "MULLERLUDENSCHEIDT"). The input
// of every phonetic code.
// Non-ASCII text goes through scratch.casefolded and scratch.stripped (out must be neither).
void PhoneticLetters(std::string_view s, std::string* out, NormalizeScratch& scratch);

}  // namespace reclink::normalize_internal
