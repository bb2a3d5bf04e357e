// libFuzzer property target for the `phone` normalizer. Input: byte 0 = country code (an index
// into a small list, including "1" whose national form has no trunk 0); the rest = the value,
// arbitrary bytes. Properties: no crash or sanitizer report; the result is only ASCII digits (or
// null); normalizing it again gives it back (idempotent); it is never longer than the value's
// decimal digits (any script, counted here with utf8proc), except for the "00" that a "+" of a
// foreign number becomes (documented: "+33 1 ..." -> "0033 1...").
#include <utf8proc.h>

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

size_t DecimalDigits(std::string_view s) {
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(s.data());
  const auto n = static_cast<utf8proc_ssize_t>(s.size());
  size_t count = 0;
  for (utf8proc_ssize_t i = 0; i < n;) {
    utf8proc_int32_t cp;
    utf8proc_ssize_t len = utf8proc_iterate(p + i, n - i, &cp);
    if (len <= 0) {
      ++i;
      continue;
    }
    if (utf8proc_category(cp) == UTF8PROC_CATEGORY_ND) ++count;
    i += len;
  }
  return count;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace reclink;
  if (size < 1 || size > 4096) return 0;
  static constexpr std::string_view kCountryCodes[] = {"44", "1", "49", "353", "7", "33", "86", "998"};
  const std::string_view cc = kCountryCodes[data[0] % std::size(kCountryCodes)];
  const std::string_view value(reinterpret_cast<const char*>(data + 1), size - 1);

  std::string out = "garbage", again;
  NormalizePhone(value, cc, &out);
  for (char c : out) Check(c >= '0' && c <= '9');
  NormalizePhone(out, cc, &again);
  Check(again == out);
  const size_t digits = DecimalDigits(value);
  const bool foreign = out.size() >= 2 && out[0] == '0' && out[1] == '0';
  Check(out.size() <= digits + (foreign ? 2 : 0));

  // Through a chain (trimmed first): the same contract.
  NormalizeOptions options;
  options.phone_country_code = std::string(cc);
  const Normalizer chain = *Normalizer::Create({"phone"}, options);
  std::string applied;
  const bool ok = chain.Apply(value, &applied, nullptr);
  Check(ok == !applied.empty());
  for (char c : applied) Check(c >= '0' && c <= '9');
  Check(chain.Apply(applied, &again, nullptr) == ok && again == applied);
  return 0;
}
