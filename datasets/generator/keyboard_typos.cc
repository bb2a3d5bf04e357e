// Keyboard typos. Positions are drawn among ASCII letters and digits only, so accented letters
// stay valid UTF-8.
#include "generator/keyboard_typos.h"

#include <string_view>

namespace reclink::gen {
namespace {

constexpr std::string_view kLetterNeighbours[26] = {
    "qwsz",   "vghn",  "xdfv", "serfcx", "wrds", "drtgvc", "ftyhbv", "gyujnb", "uokj",
    "huikmn", "jiolm", "kop",  "njk",    "bhjm", "iplk",   "ol",     "wa",     "etfd",
    "awedxz", "rygf",  "yijh", "cfgb",   "qesa", "zsdc",   "tuhg",   "asx",
};
constexpr std::string_view kDigitNeighbours[10] = {
    "9p", "2q", "13w", "24e", "35r", "46t", "57y", "68u", "79i", "80o",
};

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// A random position i with IsAsciiAlnum(value[i]) (and value[i+1] too when pair is set), or -1.
int PickPosition(const FieldBuffer& value, Rng& rng, bool pair) {
  const size_t limit = pair ? value.size() - (value.empty() ? 0 : 1) : value.size();
  if (limit == 0) return -1;
  for (int tries = 0; tries < 6; ++tries) {
    size_t i = rng.Below(static_cast<uint32_t>(limit));
    if (IsAsciiAlnum(value[i]) &&
        (!pair || (IsAsciiAlnum(value[i + 1]) && value[i] != value[i + 1])))
      return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

char AdjacentKey(char c, Rng& rng) {
  if (c >= 'a' && c <= 'z') {
    std::string_view n = kLetterNeighbours[c - 'a'];
    return n[rng.Below(static_cast<uint32_t>(n.size()))];
  }
  if (c >= 'A' && c <= 'Z') {
    std::string_view n = kLetterNeighbours[c - 'A'];
    char lower = n[rng.Below(static_cast<uint32_t>(n.size()))];
    return lower >= 'a' && lower <= 'z' ? static_cast<char>(lower - 'a' + 'A') : lower;
  }
  if (c >= '0' && c <= '9') {
    std::string_view n = kDigitNeighbours[c - '0'];
    char k = n[rng.Below(static_cast<uint32_t>(n.size()))];
    return k >= '0' && k <= '9' ? k : static_cast<char>('0' + (c - '0' + 1) % 10);  // stay a digit
  }
  return c;
}

bool ApplyTypo(TypoKind kind, FieldBuffer& value, Rng& rng) {
  switch (kind) {
    case TypoKind::kSubstitute: {
      int i = PickPosition(value, rng, false);
      if (i < 0) return false;
      char c = AdjacentKey(value[i], rng);
      if (c == value[i]) return false;
      value[i] = c;
      return true;
    }
    case TypoKind::kTranspose: {
      int i = PickPosition(value, rng, true);
      if (i < 0) return false;
      char c = value[i];
      value[i] = value[i + 1];
      value[i + 1] = c;
      return true;
    }
    case TypoKind::kDelete: {
      if (value.size() < 2) return false;
      int i = PickPosition(value, rng, false);
      if (i < 0) return false;
      value.Erase(static_cast<size_t>(i));
      return true;
    }
    case TypoKind::kInsert: {
      int i = PickPosition(value, rng, false);
      if (i < 0) return false;
      // A doubled key or a neighbour struck with it.
      char c = rng.Chance(0.4) ? value[i] : AdjacentKey(value[i], rng);
      value.Insert(static_cast<size_t>(i) + rng.Below(2), c);
      return true;
    }
  }
  return false;
}

bool ApplyRandomTypo(FieldBuffer& value, Rng& rng) {
  uint32_t r = rng.Below(10);
  TypoKind kind = r < 4   ? TypoKind::kSubstitute
                  : r < 6 ? TypoKind::kTranspose
                  : r < 8 ? TypoKind::kDelete
                          : TypoKind::kInsert;
  return ApplyTypo(kind, value, rng);
}

}  // namespace reclink::gen
