// Metaphone (L. Philips, "Hanging on the Metaphone", Computer Language 7(12), 1990): English
// pronunciation rules reduce a name to 16 consonant sounds; "0" stands for "th", "X" for "sh".
#include "normalize/text_normalizers.h"
#include "reclink/phonetic.h"

namespace reclink {
namespace {

bool IsVowel(char c) { return c == 'A' || c == 'E' || c == 'I' || c == 'O' || c == 'U'; }
bool IsFrontVowel(char c) { return c == 'E' || c == 'I' || c == 'Y'; }

}  // namespace

void Metaphone(std::string_view s, std::string* out, size_t max_length) {
  NormalizeScratch scratch;
  Metaphone(s, out, max_length, scratch);
}

void Metaphone(std::string_view s, std::string* out, size_t max_length, NormalizeScratch& scratch) {
  std::string& w = scratch.letters;
  normalize_internal::PhoneticLetters(s, &w, scratch);
  out->clear();
  if (w.empty()) return;
  const size_t n = w.size();
  auto at = [&](size_t i) -> char { return i < n ? w[i] : 0; };

  size_t i = 0;
  size_t vowel_pos = 0;  // a vowel is coded only as the first letter of the code
  // Initial letter exceptions.
  char c0 = w[0], c1 = at(1);
  if ((c0 == 'A' && c1 == 'E') || ((c0 == 'G' || c0 == 'K' || c0 == 'P') && c1 == 'N') ||
      (c0 == 'W' && c1 == 'R')) {
    i = 1;  // AE -> E, GN/KN/PN -> N, WR -> R
    vowel_pos = 1;
  } else if (c0 == 'X') {
    out->push_back('S');
    i = 1;
    vowel_pos = std::string::npos;
  } else if (c0 == 'W' && c1 == 'H') {
    out->push_back('W');
    i = 2;
    vowel_pos = std::string::npos;
  }

  for (; i < n && (max_length == 0 || out->size() < max_length); ++i) {
    const char c = w[i];
    const char prev = i > 0 ? w[i - 1] : 0;
    const char next = at(i + 1);
    const char next2 = at(i + 2);
    if (c == prev && c != 'C') continue;  // doubled letters sound once
    switch (c) {
      case 'A': case 'E': case 'I': case 'O': case 'U':
        if (i == vowel_pos) out->push_back(c);
        break;
      case 'B':
        if (!(prev == 'M' && i + 1 == n)) out->push_back('B');  // silent in final "MB"
        break;
      case 'C':
        if (next == 'I' && next2 == 'A') {
          out->push_back('X');  // "CIA"
        } else if (next == 'H') {
          out->push_back(prev == 'S' ? 'K' : 'X');  // "SCH" is hard
          ++i;
        } else if (IsFrontVowel(next)) {
          if (prev != 'S') out->push_back('S');  // "SCE", "SCI", "SCY": the S already sounds
        } else {
          out->push_back('K');
        }
        break;
      case 'D':
        if (next == 'G' && IsFrontVowel(next2)) {
          out->push_back('J');  // "DGE", "DGI", "DGY"
          ++i;
        } else {
          out->push_back('T');
        }
        break;
      case 'G':
        if (next == 'H' && i + 2 < n && !IsVowel(next2)) break;  // "NIGHT"
        if (next == 'H' && i + 2 == n) break;                    // final "GH": "HUGH"
        if (next == 'N' && (i + 2 == n || (i + 4 == n && next2 == 'E' && at(i + 3) == 'D'))) {
          break;  // "SIGN", "SIGNED"
        }
        if (prev == 'D' && IsFrontVowel(next)) break;  // coded with the D as J
        out->push_back(IsFrontVowel(next) && prev != 'G' ? 'J' : 'K');
        break;
      case 'H':
        // Silent after C, G, P, S, T (digraphs coded there), and when no vowel follows.
        if (prev == 'C' || prev == 'G' || prev == 'P' || prev == 'S' || prev == 'T') break;
        if (IsVowel(next)) out->push_back('H');
        break;
      case 'K':
        if (prev != 'C') out->push_back('K');  // "CK" is one K
        break;
      case 'P':
        out->push_back(next == 'H' ? 'F' : 'P');
        break;
      case 'Q':
        out->push_back('K');
        break;
      case 'S':
        if (next == 'H' || (next == 'I' && (next2 == 'O' || next2 == 'A'))) {
          out->push_back('X');
        } else {
          out->push_back('S');
        }
        break;
      case 'T':
        if (next == 'I' && (next2 == 'O' || next2 == 'A')) {
          out->push_back('X');
        } else if (next == 'H') {
          out->push_back('0');
        } else if (!(next == 'C' && next2 == 'H')) {
          out->push_back('T');  // silent before "CH"
        }
        break;
      case 'V':
        out->push_back('F');
        break;
      case 'W':
      case 'Y':
        if (IsVowel(next)) out->push_back(c);
        break;
      case 'X':
        out->push_back('K');
        out->push_back('S');
        break;
      case 'Z':
        out->push_back('S');
        break;
      default:  // F, J, L, M, N, R
        out->push_back(c);
        break;
    }
  }
  if (max_length > 0 && out->size() > max_length) out->resize(max_length);
}

}  // namespace reclink
