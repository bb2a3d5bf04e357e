// Parsers for blocking-key and comparison-level strings of the rules file.
#include "rules/rules_syntax.h"

#include <array>
#include <cmath>
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
  bool integer;   // the bound must be an integer
};
constexpr std::array<PredicateName, 8> kPredicates = {{
    {"levenshtein", Predicate::kLevenshtein, true, true},
    {"damerau_levenshtein", Predicate::kDamerauLevenshtein, true, true},
    {"jaro", Predicate::kJaro, false, false},
    {"jaro_winkler", Predicate::kJaroWinkler, false, false},
    {"jaccard", Predicate::kJaccard, false, false},
    {"qgram_jaccard", Predicate::kQgramJaccard, false, false},
    {"numeric_diff", Predicate::kNumericDiff, true, false},
    {"date_diff_days", Predicate::kDateDiffDays, true, true},
}};

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
  return s;
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

}  // namespace

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
      *what = "expected " + std::string(kKeyForms) + ", found \"" + std::string(s) + "\"";
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
    *what = "unknown key function '" + std::string(fn) +
            "'; expected soundex, metaphone, nysiis, prefix, year or token_sorted";
    if (fn == "lower" || fn == "casefold" || fn == "strip_accents") {
      *hint = "normalizers go in the field's normalize list, e.g. normalize = [\"" +
              std::string(fn) + "\"]";
    }
    return false;
  }
  if (s.back() != ')') {
    *what = "expected a closing ')' at the end, found \"" + std::string(s) + "\"";
    return false;
  }
  std::string_view args = s.substr(open + 1, s.size() - open - 2);
  size_t comma = args.find(',');
  std::string_view field = Trim(args.substr(0, comma));
  if (!IsFieldName(field)) {
    *what = "expected a field name inside " + std::string(fn) + "(...), found \"" +
            std::string(field) + "\"";
    return false;
  }
  key->fn = found->fn;
  key->field = std::string(field);
  if (found->fn == KeyFunction::kPrefix) {
    if (comma == std::string_view::npos) {
      *what = "expected prefix(FIELD, N) with a length N, e.g. prefix(" + std::string(field) +
              ", 3), found no length";
      return false;
    }
    std::string_view n_text = Trim(args.substr(comma + 1));
    int n = 0;
    bool digits = !n_text.empty() && n_text.size() <= 4;
    for (char c : n_text) {
      if (c < '0' || c > '9') digits = false;
    }
    if (digits) n = std::atoi(std::string(n_text).c_str());
    if (!digits || n < 1 || n > 1000) {
      *what = "expected a prefix length N from 1 to 1000 in prefix(FIELD, N), found \"" +
              std::string(n_text) + "\"";
      return false;
    }
    key->n = n;
  } else if (comma != std::string_view::npos) {
    *what = "expected one argument, " + std::string(fn) + "(FIELD), found \"" +
            std::string(args) + "\"";
    return false;
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
  const PredicateName* found = nullptr;
  for (const PredicateName& p : kPredicates) {
    if (p.name == name) found = &p;
  }
  if (found == nullptr) {
    *what = "unknown predicate '" + std::string(name) + "'; expected one of " + LevelForms();
    return false;
  }
  std::string_view rest = Trim(s.substr(name_end));
  const std::string_view op = found->distance ? "<=" : ">=";
  const std::string form =
      std::string(found->name) + (found->distance ? (found->integer ? " <= K" : " <= D")
                                                  : " >= T");
  if (rest.substr(0, 2) != op) {
    *what = "expected \"" + form + "\", found \"" + std::string(s) + "\"";
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
            std::string(number) + "\"";
    return false;
  }
  if (found->distance) {
    if (v < 0 || (found->integer && v != std::floor(v))) {
      *what = std::string("expected ") +
              (found->integer ? "a non-negative integer" : "a non-negative number") + " in \"" +
              form + "\", found " + std::string(number);
      return false;
    }
  } else if (v < 0 || v > 1) {
    *what = "expected a similarity T from 0 to 1 in \"" + form + "\", found " +
            std::string(number);
    return false;
  }
  level->predicate = found->predicate;
  level->threshold = v;
  return true;
}

}  // namespace reclink
