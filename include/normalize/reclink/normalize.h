// Normalizers: per-record cleaning of field values (case, accents, character classes, email,
// phone, date) applied once per record before blocking and comparison. Reference: docs/rules.md.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "reclink/normalize_scratch.h"
#include "reclink/record_table.h"
#include "reclink/rule_vocabulary.h"
#include "reclink/status.h"

namespace reclink {

// Options of the normalizers that need them. Defaults: UK phone numbers, day-first dates.
struct NormalizeOptions {
  std::string phone_country_code = "44";        // digits only, without "+" or "00"
  DateOrder date_order = DateOrder::kDayFirst;  // for ambiguous NN/NN/YYYY dates
};

// True for a normalizer name a rules file may use ("casefold", "strip_accents", "date", ...).
bool IsKnownNormalizer(std::string_view name);
// Every known normalizer name, in documentation order.
std::vector<std::string_view> KnownNormalizers();

// Counts of values that a normalizer could not interpret; reported in the run summary. Safe to
// bump from many threads.
struct NormalizeCounters {
  std::atomic<uint64_t> unparseable_dates{0};  // `date` got a value it could not parse -> null
  std::atomic<uint64_t> unparseable_numbers{0};  // `number` got a value it could not parse -> null
  std::atomic<uint64_t> null_values{0};        // results that were null (input null or empty)
};

// A validated chain of normalizers. Every chain starts and ends with trimming and collapsing
// whitespace runs (ASCII whitespace and, in non-ASCII text, Unicode Zs) into one space.
// Immutable after Create; Apply may be called concurrently from many threads.
class Normalizer {
 public:
  Normalizer() = default;

  // Builds a chain from normalizer names, applied in order. Error (kUsage) on an unknown name
  // or an invalid option (a phone country code that is not 1-3 digits).
  static Result<Normalizer> Create(const std::vector<std::string>& names,
                                   const NormalizeOptions& options);

  // Normalizes value into *out (cleared first; its capacity is reused). Returns false when the
  // result is null: empty after normalizing, or an unparseable date (which also increments
  // counters->unparseable_dates). counters may be null. Pure ASCII input never calls utf8proc.
  // Steps that cannot work in place use `scratch` (one per thread; see NormalizeScratch).
  bool Apply(std::string_view value, std::string* out, NormalizeCounters* counters,
             NormalizeScratch& scratch) const;
  // The same with a scratch of its own per call (allocates for long values): for single values.
  bool Apply(std::string_view value, std::string* out, NormalizeCounters* counters) const;

  size_t size() const { return steps_.size(); }

 private:
  enum class Step : uint8_t {
    kCasefold, kLower, kUpper, kStripAccents, kAlnum, kLetters, kDigits, kNospace,
    kEmail, kPhone, kDate, kTrim, kNumber, kHtml, kSortTokens,
  };
  std::vector<Step> steps_;
  NormalizeOptions options_;
};

// Normalizes every row of `in` into a new column named `name`; null rows stay null. Runs in
// parallel with oneTBB over fixed-size row chunks, so the result does not depend on the thread
// count. counters may be null.
Column NormalizeColumn(const Column& in, const Normalizer& n, const std::string& name,
                       NormalizeCounters* counters);

// ---- Single normalizers, exposed for reuse (comparison of dates, tests). Each reads `in` and
// writes *out (cleared first); `in` and *out must not overlap. Those that need working room
// besides *out also come with a NormalizeScratch& parameter (the form for loops over values);
// the forms without one make their own per call. ----

// Whitespace trimmed at both ends; inner runs of whitespace become one ASCII space.
void TrimCollapse(std::string_view in, std::string* out);
// Unicode full case folding (ASCII: lower-case). "Straße" -> "strasse".
void Casefold(std::string_view in, std::string* out);
// Simple lower / upper case mapping per code point.
void ToLower(std::string_view in, std::string* out);
void ToUpper(std::string_view in, std::string* out);
// Compatibility decomposition (NFKD), combining marks removed, the rest recomposed:
// "José Ñúñez" -> "Jose Nunez", "ﬁ" -> "fi".
void StripAccents(std::string_view in, std::string* out);
// Email: lower-cased, whitespace removed, "+tag" dropped from the local part:
// " John.Smith+news@Example.COM " -> "john.smith@example.com".
void NormalizeEmail(std::string_view in, std::string* out);
void NormalizeEmail(std::string_view in, std::string* out, NormalizeScratch& scratch);
// Phone: digits only, extension dropped, international prefixes for country_code turned into
// the national form; other countries keep "00" + digits. With country_code "44":
// "+44 (0)20 7946 0018", "0044 20 7946 0018", "020 7946 0018" -> "02079460018". Decimal digits
// of any script and full-width forms read as ASCII. The result is a fixed point (normalizing it
// again gives it back) and has at most the input's digit count, plus 2 for a "+" that became
// "00".
void NormalizePhone(std::string_view in, std::string_view country_code, std::string* out);
void NormalizePhone(std::string_view in, std::string_view country_code, std::string* out,
                    NormalizeScratch& scratch);
// Date to YYYY-MM-DD from YYYY-MM-DD (also "/" or "." separated, optional trailing time),
// YYYYMMDD, DD/MM/YYYY or MM/DD/YYYY (by order; "-" and "." separators too), "D Mon YYYY"
// ("3 Jan 1990", "03 January 1990", "3-Jan-1990") and "Mon D, YYYY". Year 1000-2999; the date
// must exist in the proleptic Gregorian calendar (std::chrono::year_month_day::ok(), so
// 2001-02-30 and 1900-02-29 do not). Decimal digits of any script and full-width forms read as
// ASCII. Returns false (and leaves *out empty) when the value is not such a date. The result, if
// any, is a fixed point: normalizing it again gives it back.
bool NormalizeDate(std::string_view in, DateOrder order, std::string* out);
bool NormalizeDate(std::string_view in, DateOrder order, std::string* out, NormalizeScratch& scratch);
// An amount as people write it to a canonical decimal: currency symbols ($ € £ ¥ ₹ ₩ ₽ ₺) and a
// three-letter code at either end are dropped, spaces, apostrophes and underscores between
// digits are thousands separators, "(12.50)" is negative. The decimal separator: with both '.'
// and ',' the last one; '.' alone once is decimal; ',' alone once is decimal unless exactly three
// digits follow ("1,234" is 1234, "12,5" is 12.5); either several times, thousands. Output: sign,
// integer part without leading zeros, '.', fraction without trailing zeros ("$1,234.50" ->
// "1234.5", "€0,00" -> "0"). Returns false (and leaves *out empty) for anything else: letters
// other than a currency code, a second sign, misplaced separators. The result is a fixed point.
bool NormalizeNumber(std::string_view in, std::string* out);
// HTML character references decoded once, as a browser shows them: &#NNN; and &#xHH; (any code
// point but NUL, other C0 controls than tab/LF/CR, surrogates and past U+10FFFF) and about sixty
// named ones common in exported data (&amp; &lt; &gt; &quot; &apos; &nbsp; &eacute; &euro;
// &ndash; &rsquo; ...). Anything else, including an unknown name, is left as written; "&amp;lt;"
// becomes "&lt;" (once).
void DecodeHtmlEntities(std::string_view in, std::string* out);

// Days since 1970-01-01 of an ISO date "YYYY-MM-DD" (exactly ten characters, as `date` writes
// it), through std::chrono::sys_days: the project's one day arithmetic (date_diff_days). False
// when iso is not in that form or names no calendar day (2001-02-30).
bool IsoDateDays(std::string_view iso, int64_t* days);

}  // namespace reclink
