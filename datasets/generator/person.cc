// Families, people and clean rendering. Frequencies are rough British shapes: Zipf-like names
// (the commonest surname is about 2% of people), London and large cities over-represented.
#include "generator/person.h"

#include <algorithm>

#include "generator/population.h"

namespace reclink::gen {
namespace {

// Family structure rates: fixed, not scaled by --noise (they are people, not errors).
constexpr double kHouseholdRate = 0.07;        // family has another adult or child at the address
constexpr double kSecondHouseholdRate = 0.35;  // ... and a third member
constexpr double kTwinRate = 0.012;
constexpr double kJuniorRate = 0.012;
constexpr double kListSurnameShare = 0.8;  // the rest are compound surnames (the long tail)
constexpr int kMinYear = 1935;
constexpr int kMaxYear = 2006;

constexpr std::string_view kUnitLetters = "ABDEFGHJLNPQRSTUWXYZ";

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

Date DrawDate(Rng& rng, int min_year, int max_year) {
  Date d;
  d.year = rng.Between(min_year, max_year);
  d.month = rng.Between(1, 12);
  d.day = rng.Between(1, DaysInMonth(d.year, d.month));
  return d;
}

void DrawDigits(Rng& rng, char* out, int n) {
  for (int i = 0; i < n; ++i) out[i] = static_cast<char>('0' + rng.Below(10));
}

Email DrawEmail(Rng& rng) {
  Email e;
  e.pattern = static_cast<uint8_t>(rng.Below(kEmailPatterns));
  e.domain = Vocabulary::Get().SampleDomain(rng);
  e.number = rng.Chance(0.5) ? 0 : static_cast<uint16_t>(rng.Between(1, 999));
  return e;
}

uint16_t DifferentFirst(bool male, uint16_t other, Rng& rng) {
  const Vocabulary& v = Vocabulary::Get();
  for (int tries = 0; tries < 16; ++tries) {
    uint16_t f = v.SampleFirst(male, rng);
    if (f != other) return f;
  }
  return static_cast<uint16_t>((other + 1) % (male ? MaleNames().size() : FemaleNames().size()));
}

// Appends lower-case ASCII letters and digits of a UTF-8 name; Latin-1 letters are folded.
void AppendFolded(std::string_view s, FieldBuffer& out) {
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c >= 'A' && c <= 'Z')
        out.Append(static_cast<char>(c - 'A' + 'a'));
      else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
        out.Append(static_cast<char>(c));
      continue;
    }
    if (i + 1 >= s.size()) break;
    unsigned char d = static_cast<unsigned char>(s[++i]);
    if (c == 0xC3) {
      unsigned low = d & 0x1F;  // upper (0x80..0x9F) and lower (0xA0..0xBF) share the low bits
      char base = low <= 5                 ? 'a'
                  : low == 7               ? 'c'
                  : low <= 11              ? 'e'
                  : low <= 15              ? 'i'
                  : low == 17              ? 'n'
                  : low <= 22              ? 'o'
                  : low >= 25 && low <= 28 ? 'u'
                                           : 'y';
      out.Append(base);
    } else if (c == 0xC5 && (d == 0x9A || d == 0x9B)) {
      out.Append('s');
    } else if (c == 0xC5 && (d == 0x81 || d == 0x82)) {
      out.Append('l');
    }
  }
}

}  // namespace

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeap(year) ? 29 : kDays[month - 1];
}

Vocabulary::Vocabulary()
    : female_names_(FemaleNames()),
      male_names_(MaleNames()),
      female_sampler_(AliasSampler::Zipf(static_cast<uint32_t>(FemaleNames().size()), 1.0, 6)),
      male_sampler_(AliasSampler::Zipf(static_cast<uint32_t>(MaleNames().size()), 1.0, 6)),
      surname_sampler_(AliasSampler::Zipf(static_cast<uint32_t>(Surnames().size()), 1.0, 10)),
      stem_sampler_(AliasSampler::Zipf(static_cast<uint32_t>(SurnameStems().size()), 0.7, 2)),
      ending_sampler_(AliasSampler::Zipf(static_cast<uint32_t>(SurnameEndings().size()), 0.7, 2)),
      street_sampler_(AliasSampler::Zipf(static_cast<uint32_t>(StreetNames().size()), 0.8, 2)),
      street_type_sampler_(AliasSampler::Zipf(static_cast<uint32_t>(StreetTypes().size()), 1.0, 1)),
      town_sampler_(AliasSampler::Zipf(static_cast<uint32_t>(Towns().size()), 0.9, 2)),
      domain_sampler_(AliasSampler::Zipf(static_cast<uint32_t>(EmailDomains().size()), 1.1, 0.5)) {
  for (std::string_view s : Surnames()) surname_variants_.push_back(SurnameVariants(s));
}

const Vocabulary& Vocabulary::Get() {
  static const Vocabulary kVocabulary;
  return kVocabulary;
}

uint32_t Vocabulary::SampleSurname(Rng& rng) const {
  const uint32_t listed = static_cast<uint32_t>(Surnames().size());
  if (rng.Chance(kListSurnameShare)) return surname_sampler_.Sample(rng);
  return listed + stem_sampler_.Sample(rng) * static_cast<uint32_t>(SurnameEndings().size()) +
         ending_sampler_.Sample(rng);
}

void Vocabulary::Surname(uint32_t id, FieldBuffer& out) const {
  const uint32_t listed = static_cast<uint32_t>(Surnames().size());
  if (id < listed) {
    out.Append(Surnames()[id]);
    return;
  }
  if (id >= kSynthSurnameBase) {
    RenderSynthSurname(id, out);
    return;
  }
  const uint32_t endings = static_cast<uint32_t>(SurnameEndings().size());
  out.Append(SurnameStems()[(id - listed) / endings]);
  out.Append(SurnameEndings()[(id - listed) % endings]);
}

double Vocabulary::SurnameProbability(uint32_t i) const {
  return kListSurnameShare * surname_sampler_.Probability(i);
}

FamilyShape DrawFamilyShape(uint64_t seed, uint64_t family, double dup_rate) {
  Rng rng(StreamSeed(seed, Stream::kFamilyShape, family));
  FamilyShape shape;
  shape.relation[0] = Relation::kSelf;
  double u = rng.Uniform();
  if (u < kHouseholdRate) {
    shape.relation[shape.count++] = Relation::kHousehold;
    if (rng.Chance(kSecondHouseholdRate)) shape.relation[shape.count++] = Relation::kHousehold;
  } else if (u < kHouseholdRate + kTwinRate) {
    shape.relation[shape.count++] = Relation::kTwin;
  } else if (u < kHouseholdRate + kTwinRate + kJuniorRate) {
    shape.relation[shape.count++] = Relation::kJunior;
  }
  for (int j = 0; j < shape.count; ++j) {
    int size = 1;
    if (rng.Chance(dup_rate)) {
      size = 2;
      while (size < kMaxEntityRecords && rng.Chance(0.4)) ++size;
    }
    shape.size[j] = static_cast<uint8_t>(size);
  }
  return shape;
}

Address DrawAddress(Rng& rng) {
  const Vocabulary& v = Vocabulary::Get();
  Address a;
  a.number = static_cast<uint16_t>(1 + rng.Below(rng.Chance(0.7) ? 60 : 300));
  a.flat = rng.Chance(0.1) ? static_cast<uint8_t>(rng.Between(1, 30)) : 0;
  a.street = v.SampleStreet(rng);
  a.street_type = v.SampleStreetType(rng);
  a.town = v.SampleTown(rng);
  a.district =
      static_cast<uint8_t>(rng.Between(1, Towns()[a.town].postcode_area.size() == 1 ? 40 : 28));
  a.sector = static_cast<uint8_t>(rng.Below(10));
  a.unit[0] = kUnitLetters[rng.Below(static_cast<uint32_t>(kUnitLetters.size()))];
  a.unit[1] = kUnitLetters[rng.Below(static_cast<uint32_t>(kUnitLetters.size()))];
  return a;
}

Address DrawPopulationAddress(Rng& rng) {
  Address a = DrawAddress(rng);
  a.street_synth = SamplePopulationStreet(rng);
  a.town_synth = SamplePopulationTown(rng);
  return a;
}

Phone DrawMobile(Rng& rng) {
  Phone p;
  p.kind = PhoneKind::kMobile;
  static constexpr char kSecond[] = {'4', '5', '7', '8', '9'};
  p.digits[0] = '7';
  p.digits[1] = kSecond[rng.Below(5)];
  DrawDigits(rng, p.digits + 2, 8);
  return p;
}

Phone DrawLandline(const Address& address, Rng& rng) {
  Phone p;
  if (address.town_synth == 0 && Towns()[address.town].london) {
    p.kind = PhoneKind::kLondon;
    static constexpr char kThird[] = {'3', '7', '8'};
    p.digits[0] = '2';
    p.digits[1] = '0';
    p.digits[2] = kThird[rng.Below(3)];
    DrawDigits(rng, p.digits + 3, 7);
  } else {
    p.kind = PhoneKind::kRegional;
    unsigned area = address.town_synth != 0  // one dialling code per town
                        ? SynthDiallingCode(address.town_synth)
                        : 100 + (address.town * 37u + 11u) % 900u;
    p.digits[0] = '1';
    p.digits[1] = static_cast<char>('0' + area / 100);
    p.digits[2] = static_cast<char>('0' + area / 10 % 10);
    p.digits[3] = static_cast<char>('0' + area % 10);
    p.digits[4] = static_cast<char>('2' + rng.Below(8));
    DrawDigits(rng, p.digits + 5, 5);
  }
  return p;
}

Person DrawPerson(uint64_t seed, uint64_t family, int j, const FamilyShape& shape,
                  bool population) {
  const Vocabulary& v = Vocabulary::Get();
  const uint64_t base_seed = StreamSeed(seed, Stream::kPerson, family);
  bool has_junior = false, has_household = false;
  for (int i = 1; i < shape.count; ++i) {
    has_junior |= shape.relation[i] == Relation::kJunior;
    has_household |= shape.relation[i] == Relation::kHousehold;
  }

  Rng rng(base_seed);
  Person base;
  base.male = rng.Chance(0.5);
  base.first = v.SampleFirst(base.male, rng);
  base.last = v.SampleSurname(rng);
  base.dob = DrawDate(rng, kMinYear, has_junior ? kMaxYear - 35 : kMaxYear);
  base.address = DrawAddress(rng);
  base.phone =
      has_household || rng.Chance(0.35) ? DrawLandline(base.address, rng) : DrawMobile(rng);
  base.email = DrawEmail(rng);
  base.senior = has_junior && rng.Chance(0.15);
  if (population) {
    // Its own stream, so the shipped-vocabulary draws above stay as they are.
    Rng pop(StreamSeed(seed, Stream::kPopulation, family));
    base.population = true;
    base.first_synth = SamplePopulationFirst(base.male, pop);
    if (uint32_t last = SamplePopulationSurname(pop); last != 0) base.last = last;
    base.dob.year = SamplePopulationBirthYear(
        pop, has_junior ? kPopulationMaxYear - 35 : kPopulationMaxYear);
    base.dob.day = std::min(base.dob.day, DaysInMonth(base.dob.year, base.dob.month));
    base.address.street_synth = SamplePopulationStreet(pop);
    base.address.town_synth = SamplePopulationTown(pop);
    if (base.phone.kind != PhoneKind::kMobile) base.phone = DrawLandline(base.address, pop);
  }
  if (j == 0) return base;

  Rng own(Mix64(base_seed + static_cast<uint64_t>(j)));
  Person p = base;
  p.senior = false;
  p.email = DrawEmail(own);
  switch (shape.relation[j]) {
    case Relation::kSelf:
      break;
    case Relation::kHousehold:
      p.male = own.Chance(0.5);
      p.first = DifferentFirst(p.male, p.male == base.male ? base.first : UINT16_MAX, own);
      if (own.Chance(0.6)) {  // partner
        p.dob = DrawDate(own, base.dob.year - 6, base.dob.year + 6);
      } else {  // grown-up child or parent
        int shift = own.Between(20, 40);
        p.dob = base.dob.year + shift <= kMaxYear
                    ? DrawDate(own, base.dob.year + shift, base.dob.year + shift)
                    : DrawDate(own, base.dob.year - shift, base.dob.year - shift);
      }
      if (p.dob.year == base.dob.year && p.dob.month == base.dob.month) p.dob.year += 1;
      break;
    case Relation::kTwin:
      p.male = own.Chance(0.5);
      p.first = DifferentFirst(p.male, p.male == base.male ? base.first : UINT16_MAX, own);
      p.phone = DrawMobile(own);
      break;
    case Relation::kJunior:  // keeps the parent's given name, synthesized or not
      // Born 25-35 years later, on an unrelated day (a shared birthday would be rare).
      p.dob = DrawDate(own, base.dob.year + 25, base.dob.year + 35);
      p.junior = own.Chance(0.6);
      if (own.Chance(0.5)) p.phone = DrawMobile(own);
      break;
  }
  if (population && shape.relation[j] != Relation::kJunior) {
    // Household members and twins get their own given name (DifferentFirst above keeps the
    // listed one different; a synthesized one is drawn from the member's own stream).
    Rng pop(Mix64(StreamSeed(seed, Stream::kPopulation, family) + static_cast<uint64_t>(j)));
    p.first_synth = SamplePopulationFirst(p.male, pop);
    // A partner of a young adult, or a parent of an old one, may fall outside the customers'
    // years: reflect the year back inside them.
    if (p.dob.year > kPopulationMaxYear) p.dob.year = 2 * kPopulationMaxYear - p.dob.year;
    if (p.dob.year < kPopulationMinYear) p.dob.year = 2 * kPopulationMinYear - p.dob.year;
    p.dob.day = std::min(p.dob.day, DaysInMonth(p.dob.year, p.dob.month));
  }
  return p;
}

void RenderAddressLine(const Address& a, bool abbreviate_type, bool with_flat, FieldBuffer& out) {
  if (with_flat && a.flat != 0) {
    out.Append("Flat ");
    out.AppendNumber(a.flat);
    out.Append(", ");
  }
  out.AppendNumber(a.number);
  out.Append(' ');
  if (a.street_synth != 0)
    RenderSynthStreet(a.street_synth, out);
  else
    out.Append(StreetNames()[a.street]);
  out.Append(' ');
  const StreetType& t = StreetTypes()[a.street_type];
  out.Append(abbreviate_type ? t.abbreviation : t.full);
}

void RenderPostcode(const Address& a, bool with_space, FieldBuffer& out) {
  if (a.town_synth != 0)
    RenderSynthPostcodeArea(a.town_synth, out);
  else
    out.Append(Towns()[a.town].postcode_area);
  out.AppendNumber(a.district);
  if (with_space) out.Append(' ');
  out.AppendNumber(a.sector);
  out.Append(a.unit[0]);
  out.Append(a.unit[1]);
}

void RenderTown(const Address& a, FieldBuffer& out) {
  if (a.town_synth != 0)
    RenderSynthTown(a.town_synth, out);
  else
    out.Append(Towns()[a.town].name);
}

void RenderDob(const Date& d, DobFormat format, FieldBuffer& out) {
  switch (format) {
    case DobFormat::kIso:
      out.AppendNumber(d.year, 4);
      out.Append('-');
      out.AppendNumber(d.month, 2);
      out.Append('-');
      out.AppendNumber(d.day, 2);
      break;
    case DobFormat::kDayMonthYear:
      out.AppendNumber(d.day, 2);
      out.Append('/');
      out.AppendNumber(d.month, 2);
      out.Append('/');
      out.AppendNumber(d.year, 4);
      break;
    case DobFormat::kCompact:
      out.AppendNumber(d.year, 4);
      out.AppendNumber(d.month, 2);
      out.AppendNumber(d.day, 2);
      break;
  }
}

void RenderPhone(const Phone& p, PhoneFormat format, FieldBuffer& out) {
  // Split of the 10 national digits into (area, first group, second group).
  const std::string_view digits(p.digits, 10);
  const size_t area_len = p.kind == PhoneKind::kLondon ? 2 : 4;
  const size_t group_len = p.kind == PhoneKind::kLondon ? 4 : 6;
  const std::string_view area = digits.substr(0, area_len);
  const std::string_view g1 = digits.substr(area_len, group_len);
  const std::string_view g2 = digits.substr(area_len + group_len);
  auto groups = [&](char sep) {
    out.Append(g1);
    if (!g2.empty()) {
      if (sep) out.Append(sep);
      out.Append(g2);
    }
  };
  switch (format) {
    case PhoneFormat::kNational:
      out.Append('0');
      out.Append(area);
      out.Append(' ');
      groups(' ');
      break;
    case PhoneFormat::kNationalCompact:
      out.Append('0');
      out.Append(digits);
      break;
    case PhoneFormat::kNationalDashes:
      out.Append('0');
      out.Append(area);
      out.Append('-');
      groups('-');
      break;
    case PhoneFormat::kInternational:
      out.Append("+44 ");
      out.Append(area);
      out.Append(' ');
      groups(' ');
      break;
    case PhoneFormat::kInternationalCompact:
      out.Append("+44");
      out.Append(digits);
      break;
    case PhoneFormat::kZeroZero:
      out.Append("0044 ");
      out.Append(area);
      out.Append(' ');
      groups(' ');
      break;
    case PhoneFormat::kInternationalZero:
      out.Append("+44 (0)");
      out.Append(area);
      out.Append(' ');
      groups(' ');
      break;
    case PhoneFormat::kParenthesized:
      out.Append("(0");
      out.Append(area);
      out.Append(") ");
      groups(' ');
      break;
  }
}

void RenderEmail(const Email& e, std::string_view first, std::string_view last, int birth_year,
                 FieldBuffer& out) {
  FieldBuffer f, l;
  AppendFolded(first, f);
  AppendFolded(last, l);
  if (f.empty()) f.Append('x');
  if (l.empty()) l.Append('x');
  const uint64_t number = e.number != 0 ? e.number : static_cast<uint64_t>(birth_year % 100);
  const int width = e.number != 0 ? 0 : 2;
  switch (e.pattern) {
    case 0:
      out.Append(f.view());
      out.Append('.');
      out.Append(l.view());
      break;
    case 1:
      out.Append(f.view());
      out.Append(l.view());
      break;
    case 2:
      out.Append(f[0]);
      out.Append('.');
      out.Append(l.view());
      break;
    case 3:
      out.Append(f[0]);
      out.Append(l.view());
      break;
    case 4:
      out.Append(f.view());
      out.Append('_');
      out.Append(l.view());
      break;
    case 5:
      out.Append(f.view());
      out.Append('.');
      out.Append(l.view());
      out.AppendNumber(number, width);
      break;
    case 6:
      out.Append(l.view());
      out.Append('.');
      out.Append(f.view());
      break;
    case 7:
      out.Append(f.view());
      out.AppendNumber(number, width);
      break;
    case 8:
      out.Append(f.view());
      out.Append('.');
      out.Append(l[0]);
      break;
    default:
      out.Append(l.view());
      out.Append(f[0]);
      out.AppendNumber(number, width);
      break;
  }
  out.Append('@');
  out.Append(EmailDomains()[e.domain]);
}

}  // namespace reclink::gen
