// The generator's model of people: families of related entities (the person, household members,
// a twin, a same-named child), each person's true attributes, and their clean rendering.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "generator/alias_sampler.h"
#include "generator/field_buffer.h"
#include "generator/random.h"
#include "generator/words.h"

namespace reclink::gen {

// How an entity of a family relates to the family's first entity. All but kSelf are hard
// negatives: different people who share a surname, an address and often a phone or a birthday.
enum class Relation : uint8_t {
  kSelf,       // the family's first person
  kHousehold,  // same last name, address and phone; different first name and dob
  kTwin,       // same last name, dob and address; different first name
  kJunior,     // same first and last name and address; dob 25-35 years later; "Jr"
};

inline constexpr int kMaxFamilyEntities = 4;
inline constexpr int kMaxEntityRecords = 8;

// The entities of one family and how many records each gets (before truncation to --records).
struct FamilyShape {
  uint8_t count = 1;
  Relation relation[kMaxFamilyEntities] = {};
  uint8_t size[kMaxFamilyEntities] = {};
};

// Deterministic in (seed, family, dup_rate): the share of entities with more than one record is
// dup_rate in expectation; duplicated entities have 2..kMaxEntityRecords records.
FamilyShape DrawFamilyShape(uint64_t seed, uint64_t family, double dup_rate);

struct Date {
  int year = 1970;
  int month = 1;
  int day = 1;
};
int DaysInMonth(int year, int month);

struct Address {
  uint16_t number = 1;
  uint8_t flat = 0;  // 0: none; else "Flat N, " precedes the number
  uint16_t street = 0;
  uint8_t street_type = 0;
  uint16_t town = 0;
  uint8_t district = 1;
  uint8_t sector = 0;
  char unit[2] = {'A', 'A'};
  // Population vocabulary (see population.h): 0, or a synthesized street / town id used instead
  // of `street` / `town` (the town's postcode area and dialling code are synthesized too).
  uint32_t street_synth = 0;
  uint32_t town_synth = 0;
};

enum class PhoneKind : uint8_t { kLondon, kRegional, kMobile };
struct Phone {
  PhoneKind kind = PhoneKind::kMobile;
  // The national significant number's digits after the leading 0: "20" + 8 digits (London),
  // "1" + 3-digit area + 6 digits (regional) or "7" + 9 digits (mobile); always 10 digits.
  char digits[10] = {};
};

struct Email {
  uint8_t pattern = 0;  // how the local part is built from the names
  uint8_t domain = 0;
  uint16_t number = 0;  // digits some patterns append
};

struct Person {
  bool male = false;
  uint16_t first = 0;  // index into MaleNames() or FemaleNames()
  uint32_t last = 0;   // surname id, see Vocabulary::Surname
  Date dob;
  Address address;
  Phone phone;
  Email email;
  bool junior = false;  // last name shown with " Jr"
  bool senior = false;  // last name shown with " Sr"
  uint32_t first_synth = 0;  // population vocabulary: 0, or a synthesized given name's id
  bool population = false;   // drawn with the population vocabulary (moves stay in it)
};

// The word lists with their samplers, built once; immutable and thread-safe afterwards.
class Vocabulary {
 public:
  static const Vocabulary& Get();

  const GivenName& First(bool male, uint16_t i) const {
    return male ? male_names_[i] : female_names_[i];
  }
  uint16_t SampleFirst(bool male, Rng& rng) const {
    return static_cast<uint16_t>((male ? male_sampler_ : female_sampler_).Sample(rng));
  }
  // Surname ids below Surnames().size() index the list; the others are stem x ending compounds.
  uint32_t SampleSurname(Rng& rng) const;
  void Surname(uint32_t id, FieldBuffer& out) const;
  // '|'-separated other spellings of surname id, or empty.
  std::string_view SurnameVariantsOf(uint32_t id) const {
    return id < surname_variants_.size() ? surname_variants_[id] : std::string_view();
  }
  uint16_t SampleStreet(Rng& rng) const {
    return static_cast<uint16_t>(street_sampler_.Sample(rng));
  }
  uint8_t SampleStreetType(Rng& rng) const {
    return static_cast<uint8_t>(street_type_sampler_.Sample(rng));
  }
  uint16_t SampleTown(Rng& rng) const { return static_cast<uint16_t>(town_sampler_.Sample(rng)); }
  uint8_t SampleDomain(Rng& rng) const { return static_cast<uint8_t>(domain_sampler_.Sample(rng)); }
  // Probability that a random person has the list surname of rank i (for tests).
  double SurnameProbability(uint32_t i) const;

 private:
  Vocabulary();
  std::span<const GivenName> female_names_, male_names_;
  AliasSampler female_sampler_, male_sampler_, surname_sampler_, stem_sampler_, ending_sampler_;
  AliasSampler street_sampler_, street_type_sampler_, town_sampler_, domain_sampler_;
  std::vector<std::string_view> surname_variants_;
};

// The true attributes of entity j of a family (shape from DrawFamilyShape with the same seed).
// With `population`, names, streets, towns and the birth year come from the population
// vocabulary (population.h), drawn from their own stream: without it, the output is unchanged.
Person DrawPerson(uint64_t seed, uint64_t family, int j, const FamilyShape& shape,
                  bool population = false);

// New attributes drawn from rng, for records of a person who moved or changed numbers.
Address DrawAddress(Rng& rng);
// DrawAddress, then a synthesized street and town in place of the listed ones, as often as the
// population vocabulary says.
Address DrawPopulationAddress(Rng& rng);
Phone DrawMobile(Rng& rng);
Phone DrawLandline(const Address& address, Rng& rng);

// Clean renderings of the attributes.
void RenderAddressLine(const Address& a, bool abbreviate_type, bool with_flat, FieldBuffer& out);
void RenderPostcode(const Address& a, bool with_space, FieldBuffer& out);
void RenderTown(const Address& a, FieldBuffer& out);

enum class DobFormat : uint8_t {
  kIso,
  kDayMonthYear,
  kCompact
};  // 1987-03-14, 14/03/1987, 19870314
void RenderDob(const Date& d, DobFormat format, FieldBuffer& out);

enum class PhoneFormat : uint8_t {
  kNational,              // 020 7946 0123
  kNationalCompact,       // 02079460123
  kNationalDashes,        // 020-7946-0123
  kInternational,         // +44 20 7946 0123
  kInternationalCompact,  // +442079460123
  kZeroZero,              // 0044 20 7946 0123
  kInternationalZero,     // +44 (0)20 7946 0123
  kParenthesized,         // (020) 7946 0123
};
inline constexpr int kPhoneFormats = 8;
void RenderPhone(const Phone& p, PhoneFormat format, FieldBuffer& out);

// Lower-case ASCII e-mail address for a person; first/last are the clean names (UTF-8 letters
// outside ASCII are folded to their base letter, others dropped).
void RenderEmail(const Email& e, std::string_view first, std::string_view last, int birth_year,
                 FieldBuffer& out);
inline constexpr int kEmailPatterns = 10;

}  // namespace reclink::gen
