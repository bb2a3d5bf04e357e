// NYSIIS, the New York State Identification and Intelligence System phonetic code (R. L. Taft,
// "Name Search Techniques", 1970), following the rule list of the original report.
#include "normalize/text_normalizers.h"
#include "reclink/phonetic.h"

namespace reclink {
namespace {

bool IsVowel(char c) { return c == 'A' || c == 'E' || c == 'I' || c == 'O' || c == 'U'; }

bool StartsWith(const std::string& s, std::string_view p) {
  return s.size() >= p.size() && std::string_view(s).substr(0, p.size()) == p;
}
bool EndsWith(const std::string& s, std::string_view p) {
  return s.size() >= p.size() && std::string_view(s).substr(s.size() - p.size()) == p;
}

}  // namespace

void Nysiis(std::string_view s, std::string* out, size_t max_length) {
  NormalizeScratch scratch;
  Nysiis(s, out, max_length, scratch);
}

void Nysiis(std::string_view s, std::string* out, size_t max_length, NormalizeScratch& scratch) {
  std::string& name = scratch.letters;
  normalize_internal::PhoneticLetters(s, &name, scratch);
  out->clear();
  if (name.empty()) return;

  // 1. Prefixes.
  if (StartsWith(name, "MAC")) {
    name[1] = 'C';
  } else if (StartsWith(name, "KN")) {
    name[0] = 'N';
  } else if (StartsWith(name, "K")) {
    name[0] = 'C';
  } else if (StartsWith(name, "PH") || StartsWith(name, "PF")) {
    name[0] = name[1] = 'F';
  } else if (StartsWith(name, "SCH")) {
    name[1] = name[2] = 'S';
  }
  // 2. Suffixes.
  if (EndsWith(name, "EE") || EndsWith(name, "IE")) {
    name.resize(name.size() - 2);
    name.push_back('Y');
  } else if (EndsWith(name, "DT") || EndsWith(name, "RT") || EndsWith(name, "RD") ||
             EndsWith(name, "NT") || EndsWith(name, "ND")) {
    name.resize(name.size() - 2);
    name.push_back('D');
  }
  // 3. The first letter is kept as it is.
  out->push_back(name[0]);
  // 4. Translate the rest in place, left to right: a translation rewrites the name, so later
  // rules see translated letters as their neighbours.
  const size_t n = name.size();
  for (size_t i = 1; i < n; ++i) {
    char c = name[i];
    char next = i + 1 < n ? name[i + 1] : 0;
    if (c == 'E' && next == 'V') {
      name[i] = 'A';
      name[i + 1] = 'F';
    } else if (IsVowel(c)) {
      name[i] = 'A';
    } else if (c == 'Q') {
      name[i] = 'G';
    } else if (c == 'Z') {
      name[i] = 'S';
    } else if (c == 'M') {
      name[i] = 'N';
    } else if (c == 'K') {
      name[i] = next == 'N' ? 'N' : 'C';
    } else if (c == 'S' && next == 'C' && i + 2 < n && name[i + 2] == 'H') {
      name[i + 1] = name[i + 2] = 'S';
    } else if (c == 'P' && next == 'H') {
      name[i] = name[i + 1] = 'F';
    } else if (c == 'H' && (!IsVowel(name[i - 1]) || !IsVowel(next))) {
      name[i] = name[i - 1];
    } else if (c == 'W' && IsVowel(name[i - 1])) {
      name[i] = name[i - 1];
    }
    // 5. Letters equal to the last letter of the key are not repeated.
    if (name[i] != out->back()) out->push_back(name[i]);
  }
  // 6-8. Endings.
  if (out->size() > 1 && out->back() == 'S') out->pop_back();
  if (out->size() > 2 && EndsWith(*out, "AY")) {
    out->resize(out->size() - 2);
    out->push_back('Y');
  }
  if (out->size() > 1 && out->back() == 'A') out->pop_back();
  if (max_length > 0 && out->size() > max_length) out->resize(max_length);
}

}  // namespace reclink
