// PhoneticLetters: reduces a name to the A-Z letters the phonetic codes are defined on.
#include "normalize/text_normalizers.h"
#include "reclink/normalize.h"

namespace reclink::normalize_internal {

void PhoneticLetters(std::string_view s, std::string* out, NormalizeScratch& scratch) {
  out->clear();
  if (HasNonAscii(s)) {
    Casefold(s, &scratch.casefolded);
    StripAccents(scratch.casefolded, &scratch.stripped);
    s = scratch.stripped;
    for (char c : s) {
      if (c >= 'a' && c <= 'z') out->push_back(static_cast<char>(c - 32));
      else if (c >= 'A' && c <= 'Z') out->push_back(c);
    }
    return;
  }
  for (char c : s) {
    if (c >= 'a' && c <= 'z') out->push_back(static_cast<char>(c - 32));
    else if (c >= 'A' && c <= 'Z') out->push_back(c);
  }
}

}  // namespace reclink::normalize_internal
