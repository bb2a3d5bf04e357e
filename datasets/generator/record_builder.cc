// The noise model. Each rate below is the probability at --noise 1; the effective rate is
// rate * noise. They were chosen so that the default noise (0.3) gives a duplicate that differs
// from its original in two or three fields on average, as in typical CRM extracts.
#include "generator/record_builder.h"

#include "generator/keyboard_typos.h"
#include "generator/population.h"

namespace reclink::gen {
namespace {

struct Rates {
  // first name
  double nickname = 0.30, first_variant = 0.20, initial = 0.03, quoted_nickname = 0.02;
  double first_typo = 0.25, first_missing = 0.06, first_unknown = 0.02;
  // last name
  double last_variant = 0.15, last_typo = 0.20, last_missing = 0.04, last_unknown = 0.02;
  double drop_suffix = 0.5, swap_names = 0.05;
  double name_upper = 0.10, name_lower = 0.05;
  // date of birth
  double dob_swap_day_month = 0.08, dob_digit = 0.08, dob_year = 0.06;
  double dob_missing = 0.06, dob_placeholder = 0.03;
  double dob_dmy = 0.40, dob_compact = 0.20;
  // e-mail
  double email_case = 0.20, email_tag = 0.15, email_domain = 0.12, email_new = 0.10;
  double email_typo = 0.10, email_missing = 0.15, email_placeholder = 0.04;
  // phone
  double phone_format = 0.8, phone_typo = 0.08, phone_new = 0.08;
  double phone_missing = 0.15, phone_placeholder = 0.04;
  // address
  double moved = 0.20, street_abbrev = 0.35, street_typo = 0.12, drop_flat = 0.4;
  double number_typo = 0.04, address_upper = 0.08, address_missing = 0.06;
  double city_typo = 0.06, city_missing = 0.10, city_upper = 0.08;
  double postcode_nospace = 0.25, postcode_lower = 0.12, postcode_typo = 0.06;
  double postcode_missing = 0.06;
};
constexpr Rates kRates;

// Picks one of the '|'-separated alternatives, uniformly.
std::string_view PickAlternative(std::string_view list, Rng& rng) {
  int count = 1;
  for (char c : list) count += c == '|';
  int pick = static_cast<int>(rng.Below(static_cast<uint32_t>(count)));
  size_t start = 0;
  for (int i = 0; i < pick; ++i) start = list.find('|', start) + 1;
  size_t end = list.find('|', start);
  return list.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
}

void ToUpper(FieldBuffer& b) {
  for (size_t i = 0; i < b.size(); ++i)
    if (b[i] >= 'a' && b[i] <= 'z') b[i] = static_cast<char>(b[i] - 'a' + 'A');
}
void ToLower(FieldBuffer& b) {
  for (size_t i = 0; i < b.size(); ++i)
    if (b[i] >= 'A' && b[i] <= 'Z') b[i] = static_cast<char>(b[i] - 'A' + 'a');
}

void NameCase(FieldBuffer& b, const Rates& r, double noise, Rng& rng) {
  double u = rng.Uniform();
  if (u < r.name_upper * noise)
    ToUpper(b);
  else if (u < (r.name_upper + r.name_lower) * noise)
    ToLower(b);
}

Date SlipDate(Date d, double noise, Rng& rng) {
  const Rates& r = kRates;
  if (rng.Chance(r.dob_swap_day_month * noise) && d.day <= 12 && d.day != d.month) {
    int day = d.day;
    d.day = d.month;
    d.month = day;
  }
  if (rng.Chance(r.dob_digit * noise)) {
    int delta = rng.Chance(0.5) ? 1 : -1;
    if (rng.Chance(0.7)) {
      int day = d.day + delta;
      if (day >= 1 && day <= DaysInMonth(d.year, d.month)) d.day = day;
    } else {
      int month = d.month + delta;
      if (month >= 1 && month <= 12 && d.day <= DaysInMonth(d.year, month)) d.month = month;
    }
  }
  if (rng.Chance(r.dob_year * noise)) {
    int year = d.year;
    switch (rng.Below(3)) {
      case 0:
        year += rng.Chance(0.5) ? 1 : -1;
        break;
      case 1:
        year += rng.Chance(0.5) ? 10 : -10;
        break;
      default:
        year = year / 100 * 100 + (year % 10) * 10 + (year / 10) % 10;
        break;  // 1987->1978
    }
    if (d.day <= DaysInMonth(year, d.month)) d.year = year;
  }
  return d;
}

void BuildNames(const Person& p, double noise, Rng& rng, RecordFields& out) {
  const Rates& r = kRates;
  const Vocabulary& v = Vocabulary::Get();
  // A synthesized given name (population vocabulary) has no nicknames or other spellings.
  static constexpr GivenName kNoAlternatives{};
  const GivenName& given = p.first_synth != 0 ? kNoAlternatives : v.First(p.male, p.first);
  FieldBuffer synth_first;
  if (p.first_synth != 0) RenderSynthFirst(p.male, p.first_synth, synth_first);

  // First name: a nickname or another spelling, maybe shortened to an initial, then typos.
  std::string_view first = p.first_synth != 0 ? synth_first.view() : given.name;
  bool nick = false;
  if (!given.nicknames.empty() && rng.Chance(r.nickname * noise)) {
    first = PickAlternative(given.nicknames, rng);
    nick = true;
  } else if (!given.variants.empty() && rng.Chance(r.first_variant * noise)) {
    first = PickAlternative(given.variants, rng);
  }
  out.first.Clear();
  if (!given.nicknames.empty() && !nick && rng.Chance(r.quoted_nickname * noise)) {
    out.first.Append(first);  // Robert "Bob": exercises quote escaping
    out.first.Append(" \"");
    out.first.Append(PickAlternative(given.nicknames, rng));
    out.first.Append('"');
  } else if (rng.Chance(r.initial * noise)) {
    out.first.Append(first[0]);
    if (rng.Chance(0.5)) out.first.Append('.');
  } else {
    out.first.Append(first);
    if (rng.Chance(r.first_typo * noise)) ApplyRandomTypo(out.first, rng);
  }
  NameCase(out.first, r, noise, rng);

  // Last name: another spelling, typos, the Jr/Sr suffix.
  out.last.Clear();
  std::string_view variants = v.SurnameVariantsOf(p.last);
  if (!variants.empty() && rng.Chance(r.last_variant * noise)) {
    out.last.Append(PickAlternative(variants, rng));
  } else {
    v.Surname(p.last, out.last);
  }
  if (rng.Chance(r.last_typo * noise)) ApplyRandomTypo(out.last, rng);
  if ((p.junior || p.senior) && !rng.Chance(r.drop_suffix * noise)) {
    out.last.Append(p.junior ? " Jr" : " Sr");
  }
  NameCase(out.last, r, noise, rng);

  if (rng.Chance(r.first_unknown * noise))
    out.first.Assign(kPlaceholderName);
  else if (rng.Chance(r.first_missing * noise))
    out.first.Clear();
  if (rng.Chance(r.last_unknown * noise))
    out.last.Assign(kPlaceholderName);
  else if (rng.Chance(r.last_missing * noise))
    out.last.Clear();

  if (rng.Chance(r.swap_names * noise)) {
    FieldBuffer tmp = out.first;
    out.first = out.last;
    out.last = tmp;
  }
}

void BuildDob(const Person& p, double noise, Rng& rng, RecordFields& out) {
  const Rates& r = kRates;
  out.dob.Clear();
  Date d = SlipDate(p.dob, noise, rng);
  if (rng.Chance(r.dob_placeholder * noise)) d = kPlaceholderDob;
  double u = rng.Uniform();
  DobFormat format = u < r.dob_dmy * noise                     ? DobFormat::kDayMonthYear
                     : u < (r.dob_dmy + r.dob_compact) * noise ? DobFormat::kCompact
                                                               : DobFormat::kIso;
  RenderDob(d, format, out.dob);
  if (rng.Chance(r.dob_missing * noise)) out.dob.Clear();
}

void BuildEmail(const Person& p, double noise, Rng& rng, RecordFields& out) {
  const Rates& r = kRates;
  const Vocabulary& v = Vocabulary::Get();
  out.email.Clear();
  if (rng.Chance(r.email_placeholder * noise)) {
    out.email.Assign(kPlaceholderEmail);
    return;
  }
  if (rng.Chance(r.email_missing * noise)) return;
  Email e = p.email;
  if (rng.Chance(r.email_new * noise)) {  // a second address: another pattern and provider
    e.pattern =
        static_cast<uint8_t>((e.pattern + 1 + rng.Below(kEmailPatterns - 1)) % kEmailPatterns);
    e.domain = v.SampleDomain(rng);
  } else if (rng.Chance(r.email_domain * noise)) {
    uint8_t d = v.SampleDomain(rng);
    e.domain = d != e.domain ? d : static_cast<uint8_t>((d + 1) % EmailDomains().size());
  }
  FieldBuffer last;
  v.Surname(p.last, last);
  FieldBuffer first;
  if (p.first_synth != 0)
    RenderSynthFirst(p.male, p.first_synth, first);
  else
    first.Append(v.First(p.male, p.first).name);
  RenderEmail(e, first.view(), last.view(), p.dob.year, out.email);
  const size_t at = out.email.view().find('@');
  if (rng.Chance(r.email_typo * noise)) {
    FieldBuffer local;
    local.Append(out.email.view().substr(0, at));
    if (ApplyRandomTypo(local, rng)) {
      FieldBuffer rebuilt = local;
      rebuilt.Append(out.email.view().substr(at));
      out.email = rebuilt;
    }
  }
  if (rng.Chance(r.email_tag * noise)) {
    FieldBuffer tagged;
    const size_t at_now = out.email.view().find('@');
    tagged.Append(out.email.view().substr(0, at_now));
    tagged.Append('+');
    tagged.Append(EmailTags()[rng.Below(static_cast<uint32_t>(EmailTags().size()))]);
    tagged.Append(out.email.view().substr(at_now));
    out.email = tagged;
  }
  if (rng.Chance(r.email_case * noise)) {
    if (rng.Chance(0.3)) {
      ToUpper(out.email);
    } else {  // capitalise each part: John.Smith@Gmail.com
      bool start = true;
      for (size_t i = 0; i < out.email.size(); ++i) {
        char c = out.email[i];
        if (start && c >= 'a' && c <= 'z') out.email[i] = static_cast<char>(c - 'a' + 'A');
        start = c == '.' || c == '@' || c == '_';
      }
    }
  }
}

void BuildAddressAndPhone(const Person& p, double noise, double moves, Rng& rng, RecordFields& out) {
  const Rates& r = kRates;
  Address a = p.address;
  Phone phone = p.phone;
  if (rng.Chance(r.moved * noise * moves)) {
    a = p.population ? DrawPopulationAddress(rng) : DrawAddress(rng);
    if (phone.kind != PhoneKind::kMobile && rng.Chance(0.7)) phone = DrawLandline(a, rng);
  }
  if (rng.Chance(r.phone_new * noise)) phone = DrawMobile(rng);
  if (rng.Chance(r.phone_typo * noise)) {
    int i = 1 + static_cast<int>(rng.Below(9));  // never the leading digit (it fixes the layout)
    if (rng.Chance(0.5) && i < 9) {
      char c = phone.digits[i];
      phone.digits[i] = phone.digits[i + 1];
      phone.digits[i + 1] = c;
    } else {
      phone.digits[i] = static_cast<char>('0' + (phone.digits[i] - '0' + 1 + rng.Below(9)) % 10);
    }
  }

  // Address line.
  out.address.Clear();
  RenderAddressLine(a, rng.Chance(r.street_abbrev * noise), !rng.Chance(r.drop_flat * noise),
                    out.address);
  if (rng.Chance(r.number_typo * noise) && out.address.size() > 0) {
    // Re-render with a neighbouring house number (12 -> 13, 21).
    Address b = a;
    b.number = static_cast<uint16_t>(
        rng.Chance(0.5) ? a.number + 1 : (a.number % 10) * 10 + a.number / 10 % 10 + 1);
    out.address.Clear();
    RenderAddressLine(b, false, true, out.address);
  }
  if (rng.Chance(r.street_typo * noise)) ApplyRandomTypo(out.address, rng);
  if (rng.Chance(r.address_upper * noise)) ToUpper(out.address);
  if (rng.Chance(r.address_missing * noise)) out.address.Clear();

  out.city.Clear();
  RenderTown(a, out.city);
  if (rng.Chance(r.city_typo * noise)) ApplyRandomTypo(out.city, rng);
  if (rng.Chance(r.city_upper * noise)) ToUpper(out.city);
  if (rng.Chance(r.city_missing * noise)) out.city.Clear();

  out.postcode.Clear();
  RenderPostcode(a, !rng.Chance(r.postcode_nospace * noise), out.postcode);
  if (rng.Chance(r.postcode_typo * noise)) ApplyTypo(TypoKind::kSubstitute, out.postcode, rng);
  if (rng.Chance(r.postcode_lower * noise)) ToLower(out.postcode);
  if (rng.Chance(r.postcode_missing * noise)) out.postcode.Clear();

  out.phone.Clear();
  if (rng.Chance(r.phone_placeholder * noise)) {
    out.phone.Assign(kPlaceholderPhone);
  } else if (!rng.Chance(r.phone_missing * noise)) {
    PhoneFormat format = PhoneFormat::kNational;
    if (rng.Chance(r.phone_format * noise))
      format = static_cast<PhoneFormat>(1 + rng.Below(kPhoneFormats - 1));
    RenderPhone(phone, format, out.phone);
  }
}

}  // namespace

void BuildRecord(const Person& p, double noise, Rng& rng, RecordFields& out, double moves) {
  BuildNames(p, noise, rng, out);
  BuildDob(p, noise, rng, out);
  BuildEmail(p, noise, rng, out);
  BuildAddressAndPhone(p, noise, moves, rng, out);
}

}  // namespace reclink::gen
