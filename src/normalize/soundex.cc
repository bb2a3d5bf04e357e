// American Soundex (R. C. Russell and M. K. Odell, US patents 1261167 (1918) and 1435663
// (1922); the variant of the US National Archives, described in Knuth, TAOCP vol. 3, 6.4).
#include "normalize/text_normalizers.h"
#include "reclink/phonetic.h"

namespace reclink {
namespace {

// Digit of each letter A-Z; '0' for vowels and Y (they separate equal codes), '-' for H and W
// (they do not).
constexpr char kCodes[27] = "0123012-02245501262301-202";

}  // namespace

void Soundex(std::string_view s, std::string* out) {
  NormalizeScratch scratch;
  Soundex(s, out, scratch);
}

void Soundex(std::string_view s, std::string* out, NormalizeScratch& scratch) {
  std::string& letters = scratch.letters;
  normalize_internal::PhoneticLetters(s, &letters, scratch);
  out->clear();
  if (letters.empty()) return;
  out->push_back(letters[0]);
  char last = kCodes[letters[0] - 'A'];
  for (size_t i = 1; i < letters.size() && out->size() < 4; ++i) {
    char code = kCodes[letters[i] - 'A'];
    if (code == '-') continue;  // H, W: the previous code stays current
    if (code != '0' && code != last) out->push_back(code);
    last = code;
  }
  out->append(4 - out->size(), '0');
}

}  // namespace reclink
