// libFuzzer property target for the `date` normalizer. Input: byte 0 bit 0 = date order (day or
// month first); the rest = the value, arbitrary bytes. Properties: no crash or sanitizer report;
// the result is null or YYYY-MM-DD naming a day std::chrono accepts, year 1000-2999; normalizing
// the result again (in either order) gives it back; through a Normalizer chain the result is the
// same and only a non-empty value that fails counts as unparseable. Differential: a value that is
// exactly DDDD-DD-DD (ASCII digits) normalizes to itself iff a tiny chrono reference says ok.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "reclink/normalize.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int Number(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

// The reference: DDDD-DD-DD, a day of the proleptic Gregorian calendar, year 1000-2999.
// Returns -1 when s is not of the shape, else whether it is a valid date.
int ReferenceIso(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return -1;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!IsDigit(s[i])) return -1;
  }
  const int y = Number(s.substr(0, 4)), m = Number(s.substr(5, 2)), d = Number(s.substr(8, 2));
  const std::chrono::year_month_day ymd{std::chrono::year{y},
                                        std::chrono::month{static_cast<unsigned>(m)},
                                        std::chrono::day{static_cast<unsigned>(d)}};
  return ymd.ok() && y >= 1000 && y <= 2999 ? 1 : 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace reclink;
  if (size < 1 || size > 4096) return 0;
  const DateOrder order = (data[0] & 1) ? DateOrder::kMonthFirst : DateOrder::kDayFirst;
  const std::string_view value(reinterpret_cast<const char*>(data + 1), size - 1);

  std::string out = "garbage", again;
  const bool ok = NormalizeDate(value, order, &out);
  Check(ok == !out.empty());
  if (ok) {
    Check(ReferenceIso(out) == 1);
    int64_t days = 0;
    Check(IsoDateDays(out, &days));
    Check(NormalizeDate(out, DateOrder::kDayFirst, &again) && again == out);
    Check(NormalizeDate(out, DateOrder::kMonthFirst, &again) && again == out);
  }
  const int reference = ReferenceIso(value);
  if (reference >= 0) {
    Check(ok == (reference == 1));
    if (ok) Check(out == value);
  }

  // The chain trims and collapses Unicode spaces first, so it may read more than the bare
  // function; whatever it returns obeys the same contract, and counts are consistent.
  static const Normalizer chain = *Normalizer::Create({"date"}, NormalizeOptions{});
  static const Normalizer chain_mdy = [] {
    NormalizeOptions o;
    o.date_order = DateOrder::kMonthFirst;
    return *Normalizer::Create({"date"}, o);
  }();
  NormalizeCounters counters;
  std::string applied;
  const bool applied_ok =
      (order == DateOrder::kDayFirst ? chain : chain_mdy).Apply(value, &applied, &counters);
  Check(applied_ok == !applied.empty());
  if (applied_ok) {
    Check(ReferenceIso(applied) == 1);
    Check(counters.unparseable_dates.load() == 0 && counters.null_values.load() == 0);
  } else {
    Check(counters.null_values.load() == 1);
    Check(counters.unparseable_dates.load() <= 1);
  }
  if (ok) Check(applied_ok && applied == out);
  return 0;
}
