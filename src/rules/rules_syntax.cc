// Parsers for blocking-key and comparison-level strings of the rules file.
#include "rules/rules_syntax.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>

namespace reclink {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

struct KeyFunctionName {
  std::string_view name;
  KeyFunction fn;
};
constexpr std::array<KeyFunctionName, 6> kKeyFunctions = {{
    {"soundex", KeyFunction::kSoundex},
    {"metaphone", KeyFunction::kMetaphone},
    {"nysiis", KeyFunction::kNysiis},
    {"prefix", KeyFunction::kPrefix},
    {"year", KeyFunction::kYear},
    {"token_sorted", KeyFunction::kTokenSorted},
}};

struct PredicateName {
  std::string_view name;
  Predicate predicate;
  bool distance;  // "<= k" (true) or ">= t" (false)
  bool integer;   // the bound must be an integer, written as digits
  double max;     // largest bound (the smallest is 0)
  std::string_view max_text;  // max as shown in messages
};
// Edit distances are capped well below the kernels' cutoff limit (2^32 - 2): a larger k matches
// almost any pair. The date cap covers any two YYYY-MM-DD dates (years 0000-9999); the numeric
// cap keeps d where doubles still hold every integer (2^53 is about 9e15).
constexpr std::array<PredicateName, 9> kPredicates = {{
    {"levenshtein", Predicate::kLevenshtein, true, true, kRulesMaxEditDistance, "255"},
    {"damerau_levenshtein", Predicate::kDamerauLevenshtein, true, true, kRulesMaxEditDistance,
     "255"},
    {"jaro", Predicate::kJaro, false, false, 1, "1"},
    {"jaro_winkler", Predicate::kJaroWinkler, false, false, 1, "1"},
    {"jaccard", Predicate::kJaccard, false, false, 1, "1"},
    {"qgram_jaccard", Predicate::kQgramJaccard, false, false, 1, "1"},
    {"numeric_diff", Predicate::kNumericDiff, true, false, kRulesMaxNumericDiff, "1e15"},
    {"relative_diff", Predicate::kRelativeDiff, true, false, 1, "1"},
    {"date_diff_days", Predicate::kDateDiffDays, true, true, kRulesMaxDateDiffDays, "3660000"},
}};
static_assert(kRulesMaxEditDistance == 255 && kRulesMaxNumericDiff == 1e15 &&
                  kRulesMaxDateDiffDays == 3'660'000,
              "update the max_text of kPredicates");

constexpr const char* kKeyForms =
    "FIELD, soundex(FIELD), metaphone(FIELD), nysiis(FIELD), prefix(FIELD, N), year(FIELD) "
    "or token_sorted(FIELD)";

std::string LevelForms() {
  std::string s = "\"exact\"";
  for (const PredicateName& p : kPredicates) {
    s += ", \"";
    s += p.name;
    s += p.distance ? (p.integer ? " <= K\"" : " <= D\"") : " >= T\"";
  }
  return s + ", \"swapped(FIELD)\"";
}

// A finite decimal number (no hex, inf or nan); false when text is anything else.
bool ParseNumber(std::string_view text, double* out) {
  if (text.empty() || text.size() > 40) return false;
  for (char c : text) {
    bool ok = (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+';
    if (!ok) return false;
  }
  std::string s(text);
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(v)) return false;
  *out = v;
  return true;
}

// A non-negative integer written as 1 to 20 ASCII digits, at most max; false otherwise (a sign,
// a point, an exponent, or too large).
bool ParseDigits(std::string_view text, uint64_t max, uint64_t* out) {
  if (text.empty()) return false;
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v > max) return false;
  *out = v;
  return true;
}

}  // namespace

std::string Excerpt(std::string_view s, size_t max_bytes) {
  bool cut = false;
  if (s.size() > max_bytes) {
    size_t n = max_bytes;
    // Back up to the start of a UTF-8 sequence (continuation bytes are 10xxxxxx).
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    s = s.substr(0, n);
    cut = true;
  }
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() + 3);
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7F) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += ch;
    }
  }
  if (cut) out += "...";
  return out;
}

bool IsFieldName(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_';
    if (!ok) return false;
  }
  return true;
}

bool ParseBlockingKey(std::string_view text, BlockingKey* key, std::string* what,
                      std::string* hint) {
  std::string_view s = Trim(text);
  *key = BlockingKey{};
  key->text = std::string(s);
  *hint = std::string("a blocking key is ") + kKeyForms;
  size_t open = s.find('(');
  if (open == std::string_view::npos) {
    if (!IsFieldName(s)) {
      *what = "expected " + std::string(kKeyForms) + ", found \"" + Excerpt(s) + "\"";
      return false;
    }
    key->fn = KeyFunction::kField;
    key->field = std::string(s);
    return true;
  }
  std::string_view fn = Trim(s.substr(0, open));
  const KeyFunctionName* found = nullptr;
  for (const KeyFunctionName& k : kKeyFunctions) {
    if (k.name == fn) found = &k;
  }
  if (found == nullptr) {
    *what = "unknown key function '" + Excerpt(fn) +
            "'; expected soundex, metaphone, nysiis, prefix, year or token_sorted";
    if (fn == "lower" || fn == "casefold" || fn == "strip_accents") {
      *hint = "normalizers go in the field's normalize list, e.g. normalize = [\"" +
              std::string(fn) + "\"]";
    }
    return false;
  }
  if (s.back() != ')') {
    *what = "expected a closing ')' at the end, found \"" + Excerpt(s) + "\"";
    return false;
  }
  const bool prefix = found->fn == KeyFunction::kPrefix;
  const std::string form =
      std::string(found->name) + (prefix ? "(FIELD, N)" : "(FIELD)");
  std::string_view args = s.substr(open + 1, s.size() - open - 2);
  const size_t arg_count =
      Trim(args).empty() ? 0 : 1 + static_cast<size_t>(std::count(args.begin(), args.end(), ','));
  if (arg_count == 0) {
    *what = std::string("expected ") + (prefix ? "two arguments, " : "one argument, ") + form +
            ", found none";
    return false;
  }
  size_t comma = args.find(',');
  std::string_view field = Trim(args.substr(0, comma));
  if (!IsFieldName(field)) {
    *what = "expected a field name inside " + std::string(fn) + "(...), found \"" +
            Excerpt(field) + "\"";
    return false;
  }
  key->fn = found->fn;
  key->field = std::string(field);
  if (prefix && arg_count == 1) {
    *what = "expected prefix(FIELD, N) with a length N, e.g. prefix(" + std::string(field) +
            ", 3), found no length";
    return false;
  }
  if (arg_count != (prefix ? 2u : 1u)) {
    *what = std::string("expected ") + (prefix ? "two arguments, " : "one argument, ") + form +
            ", found " + std::to_string(arg_count);
    return false;
  }
  if (prefix) {
    std::string_view n_text = Trim(args.substr(comma + 1));
    uint64_t n = 0;
    if (!ParseDigits(n_text, kRulesMaxPrefixLength, &n) || n < 1) {
      *what = "expected a prefix length N from 1 to " + std::to_string(kRulesMaxPrefixLength) +
              " in prefix(FIELD, N), found \"" + Excerpt(n_text) + "\"";
      return false;
    }
    key->n = static_cast<int>(n);
  }
  return true;
}

bool ParseLevel(std::string_view text, LevelSpec* level, std::string* what, std::string* hint) {
  std::string_view s = Trim(text);
  *level = LevelSpec{};
  level->label = std::string(s);
  *hint = "a level is one of " + LevelForms();
  if (s == "exact") {
    level->predicate = Predicate::kExact;
    return true;
  }
  size_t name_end = 0;
  while (name_end < s.size() && (IsFieldName(s.substr(name_end, 1)))) ++name_end;
  std::string_view name = s.substr(0, name_end);
  if (name == "swapped") {
    // swapped(FIELD): the two fields' values crossed over (first and last name written the
    // other way round). The field is checked against [fields] by the caller.
    std::string_view rest = Trim(s.substr(name_end));
    if (rest.size() < 2 || rest.front() != '(' || rest.back() != ')' ||
        !IsFieldName(Trim(rest.substr(1, rest.size() - 2)))) {
      *what = "expected \"swapped(FIELD)\" with FIELD a [fields] name, found \"" + Excerpt(s) + "\"";
      *hint = "e.g. \"swapped(last)\" in the comparison of first: the pair's first and last names crossed over";
      return false;
    }
    level->predicate = Predicate::kSwapped;
    level->other = std::string(Trim(rest.substr(1, rest.size() - 2)));
    return true;
  }
  const PredicateName* found = nullptr;
  for (const PredicateName& p : kPredicates) {
    if (p.name == name) found = &p;
  }
  if (found == nullptr) {
    *what = "unknown predicate '" + Excerpt(name) + "'; expected one of " + LevelForms();
    return false;
  }
  std::string_view rest = Trim(s.substr(name_end));
  const std::string_view op = found->distance ? "<=" : ">=";
  const std::string form =
      std::string(found->name) + (found->distance ? (found->integer ? " <= K" : " <= D")
                                                  : " >= T");
  if (rest.substr(0, 2) != op) {
    *what = "expected \"" + form + "\", found \"" + Excerpt(s) + "\"";
    if (rest.substr(0, 2) == (found->distance ? ">=" : "<=")) {
      *hint = found->distance ? std::string(found->name) + " is a distance: use <= K"
                              : std::string(found->name) + " is a similarity: use >= T";
    }
    return false;
  }
  std::string_view number = Trim(rest.substr(2));
  double v = 0;
  if (!ParseNumber(number, &v)) {
    *what = "expected a number after " + std::string(op) + " in \"" + form + "\", found \"" +
            Excerpt(number) + "\"";
    return false;
  }
  // v is finite here. Integers must be written as digits: "1.0" or "1e0" for an edit count is
  // more likely a mix-up with a similarity than meant, and 1e20 must not reach a conversion to
  // an integer type (undefined behaviour, in practice a bound that never or always holds).
  const std::string range = std::string(found->max_text);
  if (found->integer) {
    uint64_t k = 0;
    if (!ParseDigits(number, static_cast<uint64_t>(found->max), &k)) {
      *what = "expected an integer K from 0 to " + range + " in \"" + form + "\", found " +
              Excerpt(number);
      if (found->predicate != Predicate::kDateDiffDays) {
        *hint = "K counts edits (insertions, deletions, substitutions" +
                std::string(found->predicate == Predicate::kDamerauLevenshtein
                                ? ", adjacent transpositions"
                                : "") +
                "); a few edits already match very different strings";
      } else {
        *hint = "K counts days between two YYYY-MM-DD dates (the field needs the date "
                "normalizer)";
      }
      return false;
    }
    v = static_cast<double>(k);
  } else if (!(v >= 0 && v <= found->max)) {
    *what = std::string("expected ") +
            (found->distance ? "a number D from 0 to " : "a similarity T from 0 to ") + range +
            " in \"" + form + "\", found " + Excerpt(number);
    return false;
  }
  level->predicate = found->predicate;
  level->threshold = v;
  return true;
}

}  // namespace reclink
