// The `date` normalizer: common written date forms to ISO 8601 YYYY-MM-DD, with range checks.
// A value that is not a valid date becomes null; Normalizer counts those.
#include <array>
#include <chrono>
#include <string>

#include "normalize/text_normalizers.h"
#include "reclink/normalize.h"

namespace reclink {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLetter(char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
bool IsSeparator(char c) { return c == ' ' || c == '-' || c == '/' || c == '.' || c == ','; }

struct Token {
  std::string_view text;
  bool number = false;
  char separator_after = 0;  // the first separator character after the token, 0 at the end
};

// Splits s into at most 4 tokens of only digits or only letters ("3rd" is a number: ordinal
// suffixes are dropped). Returns the count, or -1 for a character that fits neither.
int Tokenize(std::string_view s, std::array<Token, 4>* tokens) {
  int count = 0;
  size_t i = 0;
  while (i < s.size()) {
    if (IsSeparator(s[i])) {
      if (count > 0 && (*tokens)[count - 1].separator_after == 0) {
        (*tokens)[count - 1].separator_after = s[i];
      }
      ++i;
      continue;
    }
    if (count == 4) return -1;
    size_t start = i;
    Token& t = (*tokens)[count++];
    t = Token{};
    if (IsDigit(s[i])) {
      while (i < s.size() && IsDigit(s[i])) ++i;
      t.number = true;
      t.text = s.substr(start, i - start);
      if (i + 1 < s.size() && IsLetter(s[i])) {
        std::string_view suffix = s.substr(i, 2);
        char a = static_cast<char>(suffix[0] | 0x20), b = static_cast<char>(suffix[1] | 0x20);
        if ((a == 's' && b == 't') || (a == 'n' && b == 'd') || (a == 'r' && b == 'd') ||
            (a == 't' && b == 'h')) {
          i += 2;
        }
      }
    } else if (IsLetter(s[i])) {
      while (i < s.size() && IsLetter(s[i])) ++i;
      t.text = s.substr(start, i - start);
    } else {
      return -1;
    }
    if (i < s.size() && !IsSeparator(s[i])) return -1;
  }
  return count;
}

// Value of an all-digit token of 1..max_digits digits, or -1.
int NumberValue(const Token& t, size_t min_digits, size_t max_digits) {
  if (!t.number || t.text.size() < min_digits || t.text.size() > max_digits) return -1;
  int v = 0;
  for (char c : t.text) v = v * 10 + (c - '0');
  return v;
}

// 1-12 for an English month name or abbreviation ("jan", "January", "sept"), else -1.
int MonthValue(std::string_view word) {
  static constexpr std::array<std::string_view, 12> kNames = {
      "january", "february", "march",     "april",   "may",      "june",
      "july",    "august",   "september", "october", "november", "december"};
  if (word.size() < 3) return -1;
  std::string lower(word);
  for (char& c : lower) c = static_cast<char>(c | 0x20);
  for (size_t m = 0; m < kNames.size(); ++m) {
    if (lower == kNames[m] || lower == kNames[m].substr(0, 3)) return static_cast<int>(m) + 1;
  }
  if (lower == "sept") return 9;
  return -1;
}

// The one calendar check: a proleptic Gregorian date (std::chrono), in the accepted year range.
bool ValidDate(int y, int m, int d) {
  if (y < 1000 || y > 2999 || m < 1 || d < 1) return false;
  return std::chrono::year_month_day{std::chrono::year{y},
                                     std::chrono::month{static_cast<unsigned>(m)},
                                     std::chrono::day{static_cast<unsigned>(d)}}
      .ok();
}

void WriteDate(int y, int m, int d, std::string* out) {
  out->resize(10);
  char* p = out->data();
  p[0] = static_cast<char>('0' + y / 1000);
  p[1] = static_cast<char>('0' + y / 100 % 10);
  p[2] = static_cast<char>('0' + y / 10 % 10);
  p[3] = static_cast<char>('0' + y % 10);
  p[4] = '-';
  p[5] = static_cast<char>('0' + m / 10);
  p[6] = static_cast<char>('0' + m % 10);
  p[7] = '-';
  p[8] = static_cast<char>('0' + d / 10);
  p[9] = static_cast<char>('0' + d % 10);
}

// Cuts a trailing time of day ("T00:00:00Z", " 12:30") off s; false when a ':' is present but
// not in a time that follows the date after 'T' or a space.
bool StripTime(std::string_view* s) {
  size_t colon = s->find(':');
  if (colon == std::string_view::npos) return true;
  size_t i = colon;
  while (i > 0 && IsDigit((*s)[i - 1])) --i;
  if (i == colon || i == 0) return false;
  char before = (*s)[i - 1];
  if (before != 'T' && before != 't' && before != ' ') return false;
  *s = s->substr(0, i - 1);
  while (!s->empty() && s->back() == ' ') s->remove_suffix(1);
  return true;
}

}  // namespace

bool NormalizeDate(std::string_view in, DateOrder order, std::string* out) {
  NormalizeScratch scratch;
  return NormalizeDate(in, order, out, scratch);
}

bool NormalizeDate(std::string_view in, DateOrder order, std::string* out, NormalizeScratch& scratch) {
  out->clear();
  if (normalize_internal::HasNonAscii(in)) {
    // Digits of other scripts ("١٩٩٠") and full-width forms ("３／１／１９９０", "Ｊａｎ") read
    // as their ASCII forms; anything else non-ASCII then fails to tokenize.
    normalize_internal::FoldDigitsAndFullwidth(in, &scratch.folded);
    in = scratch.folded;
  }
  while (!in.empty() && in.front() == ' ') in.remove_prefix(1);
  while (!in.empty() && in.back() == ' ') in.remove_suffix(1);
  if (!StripTime(&in)) return false;
  std::array<Token, 4> t;
  int count = Tokenize(in, &t);
  int y = -1, m = -1, d = -1;
  if (count == 1) {
    // YYYYMMDD
    if (!t[0].number || t[0].text.size() != 8) return false;
    Token year{t[0].text.substr(0, 4), true, 0};
    Token month{t[0].text.substr(4, 2), true, 0};
    Token day{t[0].text.substr(6, 2), true, 0};
    y = NumberValue(year, 4, 4);
    m = NumberValue(month, 2, 2);
    d = NumberValue(day, 2, 2);
  } else if (count == 3) {
    bool all_numbers = t[0].number && t[1].number && t[2].number;
    if (all_numbers) {
      // Numeric forms use one separator, '-', '/' or '.', between all three parts.
      char sep = t[0].separator_after;
      if (sep != t[1].separator_after || (sep != '-' && sep != '/' && sep != '.')) return false;
      if (t[0].text.size() == 4) {  // YYYY-MM-DD
        y = NumberValue(t[0], 4, 4);
        m = NumberValue(t[1], 1, 2);
        d = NumberValue(t[2], 1, 2);
      } else {  // DD/MM/YYYY or MM/DD/YYYY
        int a = NumberValue(t[0], 1, 2), b = NumberValue(t[1], 1, 2);
        y = NumberValue(t[2], 4, 4);
        if (order == DateOrder::kDayFirst) {
          d = a;
          m = b;
        } else {
          m = a;
          d = b;
        }
      }
    } else if (t[0].number && !t[1].number && t[2].number) {  // 3 Jan 1990
      d = NumberValue(t[0], 1, 2);
      m = MonthValue(t[1].text);
      y = NumberValue(t[2], 4, 4);
    } else if (!t[0].number && t[1].number && t[2].number) {  // Jan 3, 1990
      m = MonthValue(t[0].text);
      d = NumberValue(t[1], 1, 2);
      y = NumberValue(t[2], 4, 4);
    } else {
      return false;
    }
  } else {
    return false;
  }
  if (!ValidDate(y, m, d)) return false;
  WriteDate(y, m, d, out);
  return true;
}

bool IsoDateDays(std::string_view iso, int64_t* days) {
  if (iso.size() != 10 || iso[4] != '-' || iso[7] != '-') return false;
  int v[3] = {0, 0, 0};
  const size_t starts[3] = {0, 5, 8}, lengths[3] = {4, 2, 2};
  for (int k = 0; k < 3; ++k) {
    for (size_t i = starts[k]; i < starts[k] + lengths[k]; ++i) {
      if (!IsDigit(iso[i])) return false;
      v[k] = v[k] * 10 + (iso[i] - '0');
    }
  }
  const std::chrono::year_month_day ymd{std::chrono::year{v[0]},
                                        std::chrono::month{static_cast<unsigned>(v[1])},
                                        std::chrono::day{static_cast<unsigned>(v[2])}};
  if (!ymd.ok()) return false;
  *days = std::chrono::sys_days{ymd}.time_since_epoch().count();
  return true;
}

}  // namespace reclink
