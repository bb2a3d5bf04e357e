// Normalizer: a validated chain of named normalizers, applied once per record.
#include <array>
#include <utility>

#include "normalize/text_normalizers.h"
#include "reclink/normalize.h"
#include "reclink/phonetic.h"

namespace reclink {
namespace {

namespace ni = normalize_internal;

struct NamedStep {
  std::string_view name;
  int step;  // Normalizer::Step, as int because the enum is private
};

// Documentation order (docs/rules.md). Step values follow Normalizer::Step.
constexpr std::array<NamedStep, 15> kSteps = {{
    {"trim", 11},
    {"html", 13},
    {"casefold", 0},
    {"lower", 1},
    {"upper", 2},
    {"strip_accents", 3},
    {"alnum", 4},
    {"letters", 5},
    {"digits", 6},
    {"nospace", 7},
    {"email", 8},
    {"phone", 9},
    {"date", 10},
    {"number", 12},
    {"sort_tokens", 14},
}};

bool ValidCountryCode(const std::string& cc) {
  if (cc.empty() || cc.size() > 3) return false;
  for (char c : cc) {
    if (c < '0' || c > '9') return false;
  }
  return cc[0] != '0';
}

}  // namespace

bool IsKnownNormalizer(std::string_view name) {
  for (const NamedStep& s : kSteps) {
    if (s.name == name) return true;
  }
  return false;
}

std::vector<std::string_view> KnownNormalizers() {
  std::vector<std::string_view> names;
  for (const NamedStep& s : kSteps) names.push_back(s.name);
  return names;
}

Result<Normalizer> Normalizer::Create(const std::vector<std::string>& names,
                                      const NormalizeOptions& options) {
  Normalizer n;
  n.options_ = options;
  for (const std::string& name : names) {
    bool found = false;
    for (const NamedStep& s : kSteps) {
      if (s.name == name) {
        n.steps_.push_back(static_cast<Step>(s.step));
        found = true;
        break;
      }
    }
    if (!found) {
      std::string known;
      for (const NamedStep& s : kSteps) {
        if (!known.empty()) known += ", ";
        known += s.name;
      }
      return Status::Usage("unknown normalizer '" + name + "'; expected one of: " + known);
    }
    if (n.steps_.back() == Step::kPhone && !ValidCountryCode(options.phone_country_code)) {
      return Status::Usage("invalid phone country code '" + options.phone_country_code +
                           "'; expected 1 to 3 digits without '+' or '00', e.g. \"44\"");
    }
  }
  return n;
}

bool Normalizer::Apply(std::string_view value, std::string* out,
                       NormalizeCounters* counters) const {
  NormalizeScratch scratch;
  return Apply(value, out, counters, scratch);
}

bool Normalizer::Apply(std::string_view value, std::string* out, NormalizeCounters* counters,
                       NormalizeScratch& normalize_scratch) const {
  out->assign(value.data(), value.size());
  ni::TrimCollapseInPlace(out);
  if (out->empty()) {
    if (counters != nullptr) counters->null_values.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  // The result of a step that cannot work in place, swapped into *out.
  std::string& scratch = normalize_scratch.step;
  bool ascii = !ni::HasNonAscii(*out);
  for (Step step : steps_) {
    switch (step) {
      case Step::kTrim:
        break;  // always done
      case Step::kHtml:
        if (out->find('&') != std::string::npos) {
          DecodeHtmlEntities(*out, &scratch);
          out->swap(scratch);
          ascii = !ni::HasNonAscii(*out);
          ni::TrimCollapseInPlace(out);  // &nbsp; and friends may have made new spaces
        }
        break;
      case Step::kCasefold:
      case Step::kLower:
        if (ascii) {
          ni::AsciiLowerInPlace(out);
        } else {
          if (step == Step::kCasefold) {
            Casefold(*out, &scratch);
          } else {
            ToLower(*out, &scratch);
          }
          out->swap(scratch);
        }
        break;
      case Step::kUpper:
        if (ascii) {
          ni::AsciiUpperInPlace(out);
        } else {
          ToUpper(*out, &scratch);
          out->swap(scratch);
        }
        break;
      case Step::kStripAccents:
        if (!ascii) {
          StripAccents(*out, &scratch);
          out->swap(scratch);
          ascii = !ni::HasNonAscii(*out);
        }
        break;
      case Step::kAlnum:
        ni::KeepCharClass(ni::CharClass::kAlnum, out);
        break;
      case Step::kLetters:
        ni::KeepCharClass(ni::CharClass::kLetters, out);
        break;
      case Step::kDigits:
        ni::KeepCharClass(ni::CharClass::kDigits, out);
        ascii = !ni::HasNonAscii(*out);
        break;
      case Step::kNospace:
        ni::RemoveSpacesInPlace(out);
        break;
      case Step::kEmail:
        ni::EmailInPlace(out, normalize_scratch);
        break;
      case Step::kPhone:
        NormalizePhone(*out, options_.phone_country_code, &scratch, normalize_scratch);
        out->swap(scratch);
        ascii = true;
        break;
      case Step::kSortTokens:
        // Word order dropped: "Smith John" and "John Smith", or titles with reordered words,
        // become the same value; any string level then compares them as token-sort similarity.
        TokenSorted(*out, &scratch, normalize_scratch);
        out->swap(scratch);
        break;
      case Step::kDate:
      case Step::kNumber: {
        // A parse: a value it cannot read becomes null and is counted.
        const bool parsed = step == Step::kDate ? NormalizeDate(*out, options_.date_order, &scratch, normalize_scratch)
                                                : NormalizeNumber(*out, &scratch);
        if (!parsed) {
          if (counters != nullptr) {
            (step == Step::kDate ? counters->unparseable_dates : counters->unparseable_numbers)
                .fetch_add(1, std::memory_order_relaxed);
            counters->null_values.fetch_add(1, std::memory_order_relaxed);
          }
          out->clear();
          return false;
        }
        out->swap(scratch);
        ascii = true;
        break;
      }
    }
    if (out->empty()) break;
  }
  // Filters may leave double or edge spaces ("smith - jones" -> "smith  jones").
  ni::TrimCollapseInPlace(out);
  if (out->empty()) {
    if (counters != nullptr) counters->null_values.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  return true;
}

}  // namespace reclink
