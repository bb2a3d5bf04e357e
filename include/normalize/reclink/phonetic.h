// Phonetic codes and the other blocking-key functions (prefix, year, token_sorted), computed
// once per record from an already normalized value. Reference: docs/rules.md.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "reclink/normalize_scratch.h"
#include "reclink/rule_vocabulary.h"

namespace reclink {

// Each function writes its code into *out (cleared first). An empty result means null (the
// value has no letters, or is not a date for Year). Letters are ASCII A-Z after folding: a
// non-ASCII input is first case-folded and stripped of accents ("Müller" is coded as MULLER);
// other characters (digits, spaces, punctuation, non-Latin letters) are ignored.
// The functions that need working room besides *out take a NormalizeScratch (one per thread; the
// form for loops over records); their forms without one make their own per call.

// American Soundex as used by the US National Archives (Knuth, TAOCP vol. 3, 6.4): the first
// letter, then three digits; H and W do not separate equal codes, vowels do. "Robert" -> R163.
void Soundex(std::string_view s, std::string* out);
void Soundex(std::string_view s, std::string* out, NormalizeScratch& scratch);

// Metaphone (L. Philips, "Hanging on the Metaphone", Computer Language 7(12), 1990). The code
// is upper case; "0" stands for "th". max_length 0 keeps the whole code (Philips' original);
// Apache Commons Codec truncates to 4.
void Metaphone(std::string_view s, std::string* out, size_t max_length = 0);
void Metaphone(std::string_view s, std::string* out, size_t max_length, NormalizeScratch& scratch);

// NYSIIS (R. L. Taft, "Name Search Techniques", New York State Identification and Intelligence
// System, 1970). max_length 6 is Taft's original truncation; 0 keeps the whole key.
void Nysiis(std::string_view s, std::string* out, size_t max_length = 6);
void Nysiis(std::string_view s, std::string* out, size_t max_length, NormalizeScratch& scratch);

// The whitespace-separated tokens sorted bytewise and joined by one space:
// "smith  john a" -> "a john smith".
void TokenSorted(std::string_view s, std::string* out);
void TokenSorted(std::string_view s, std::string* out, NormalizeScratch& scratch);

// The first n code points (whole UTF-8 sequences) of s.
void Prefix(std::string_view s, size_t n, std::string* out);

// The year of a date: the first four characters when s starts with four digits (a value
// normalized with `date` is YYYY-MM-DD); otherwise empty (null).
void Year(std::string_view s, std::string* out);

// Computes one blocking-key part: fn applied to value (n is the prefix length for kPrefix;
// kField copies value). Returns false when the result is null (empty).
bool ApplyKeyFunction(KeyFunction fn, int n, std::string_view value, std::string* out,
                      NormalizeScratch& scratch);
bool ApplyKeyFunction(KeyFunction fn, int n, std::string_view value, std::string* out);

}  // namespace reclink
