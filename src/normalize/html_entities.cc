// The `html` normalizer: HTML character references decoded, once, as a browser would show them
// ("Caf&eacute; &amp; Bar" -> "Café & Bar", "&#8364;5" -> "€5").
#include <algorithm>
#include <array>
#include <string>

#include "reclink/normalize.h"

namespace reclink {
namespace {

struct Named {
  std::string_view name;
  char32_t code;
};

// The references seen in exported product and customer data; anything else is left as written.
// Sorted by name for the binary search.
constexpr std::array<Named, 62> kNamed = {{
    {"AElig", 0xC6},  {"Aacute", 0xC1}, {"Agrave", 0xC0}, {"Auml", 0xC4},   {"Ccedil", 0xC7}, {"Eacute", 0xC9},
    {"Egrave", 0xC8}, {"Iacute", 0xCD}, {"Ntilde", 0xD1}, {"Oacute", 0xD3}, {"Oslash", 0xD8}, {"Ouml", 0xD6},
    {"Uacute", 0xDA}, {"Uuml", 0xDC},   {"aacute", 0xE1}, {"acirc", 0xE2},  {"aelig", 0xE6},  {"agrave", 0xE0},
    {"amp", '&'},     {"apos", '\''},   {"aring", 0xE5},  {"atilde", 0xE3}, {"auml", 0xE4},   {"ccedil", 0xE7},
    {"copy", 0xA9},   {"deg", 0xB0},    {"eacute", 0xE9}, {"ecirc", 0xEA},  {"egrave", 0xE8}, {"euml", 0xEB},
    {"euro", 0x20AC}, {"gt", '>'},      {"hellip", 0x2026}, {"iacute", 0xED}, {"icirc", 0xEE}, {"igrave", 0xEC},
    {"iuml", 0xEF},   {"laquo", 0xAB},  {"ldquo", 0x201C}, {"lsquo", 0x2018}, {"lt", '<'},     {"mdash", 0x2014},
    {"nbsp", 0xA0},   {"ndash", 0x2013}, {"ntilde", 0xF1}, {"oacute", 0xF3}, {"ocirc", 0xF4},  {"ograve", 0xF2},
    {"oslash", 0xF8}, {"ouml", 0xF6},   {"pound", 0xA3},  {"quot", '"'},    {"raquo", 0xBB},  {"rdquo", 0x201D},
    {"reg", 0xAE},    {"rsquo", 0x2019}, {"szlig", 0xDF}, {"trade", 0x2122}, {"uacute", 0xFA}, {"ucirc", 0xFB},
    {"ugrave", 0xF9}, {"uuml", 0xFC},
}};

void AppendUtf8(char32_t c, std::string* out) {
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (c >> 18)));
    out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

// The code point of the reference body (between '&' and ';'), or 0 when it is none.
char32_t Decode(std::string_view body) {
  if (body.size() >= 2 && body[0] == '#') {
    const bool hex = body[1] == 'x' || body[1] == 'X';
    std::string_view digits = body.substr(hex ? 2 : 1);
    if (digits.empty() || digits.size() > 7) return 0;
    char32_t v = 0;
    for (char c : digits) {
      int d;
      if (c >= '0' && c <= '9') d = c - '0';
      else if (hex && c >= 'a' && c <= 'f') d = c - 'a' + 10;
      else if (hex && c >= 'A' && c <= 'F') d = c - 'A' + 10;
      else return 0;
      v = v * (hex ? 16 : 10) + static_cast<char32_t>(d);
    }
    // No NUL, no other C0 control but tab/LF/CR, no surrogate, nothing past Unicode.
    if ((v < 0x20 && v != '\t' && v != '\n' && v != '\r') || (v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF) return 0;
    return v;
  }
  const auto it = std::lower_bound(kNamed.begin(), kNamed.end(), body,
                                   [](const Named& n, std::string_view b) { return n.name < b; });
  return it != kNamed.end() && it->name == body ? it->code : 0;
}

}  // namespace

void DecodeHtmlEntities(std::string_view in, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '&') {
      const size_t semi = in.find(';', i + 1);
      if (semi != std::string_view::npos && semi - i - 1 <= 10) {
        if (const char32_t c = Decode(in.substr(i + 1, semi - i - 1)); c != 0) {
          AppendUtf8(c, out);
          i = semi;
          continue;
        }
      }
    }
    out->push_back(in[i]);
  }
}

}  // namespace reclink
