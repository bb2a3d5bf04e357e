// Synthesized vocabularies for the population mode. The shares and laws below were chosen so that
// the heads stay British-like (the shipped lists keep Smith near 0.8% and the commonest given
// names near 2-3% of people) while the tails never run out: a synthesized name's text is a hash
// of its rank spelled with syllables, so there is no list to exhaust at 10M or 100M records.
#include "generator/population.h"

#include <cmath>
#include <span>
#include <string_view>

#include "generator/alias_sampler.h"
#include "generator/words.h"

namespace reclink::gen {
namespace {

// Share of draws that use the shipped list; the rest are synthesized.
constexpr double kListFirstShare = 0.70;
constexpr double kListSurnameShare = 0.35;
constexpr double kListStreetShare = 0.35;
constexpr double kListTownShare = 0.50;
// Laws of the synthesized tails: exponent s (Heaps' exponent 1/s) and offset (flattens the head).
constexpr double kFirstS = 1.7, kFirstOffset = 300;
constexpr double kSurnameS = 1.6, kSurnameOffset = 1500;
constexpr double kStreetS = 1.5, kStreetOffset = 400;
constexpr double kTownS = 1.4, kTownOffset = 60;
constexpr uint32_t kMaxRank = 1u << 30;

constexpr std::string_view kOnsets[] = {"B",  "Br", "C",  "Ch", "D",  "Dr", "F",  "G",
                                        "Gr", "H",  "J",  "K",  "L",  "M",  "N",  "P",
                                        "R",  "S",  "Sh", "St", "T",  "Th", "Tr", "V", "W"};
constexpr std::string_view kVowels[] = {"a", "e", "i", "o", "u", "ai", "ea", "ou", "y", "ie"};
constexpr std::string_view kMiddles[] = {"b", "d", "l", "ll", "m", "n", "nd", "r", "rr",
                                         "s", "t", "v", "w", "z", "ch", "th"};
constexpr std::string_view kCodas[] = {"", "n", "r", "l", "s", "m", "nd", "rd", "ck", "th", "x", "t"};
constexpr std::string_view kFemaleEndings[] = {"a", "ia", "ie", "elle", "ine", "ette", "ara", "ey"};
constexpr std::string_view kMaleEndings[] = {"o", "an", "on", "el", "us", "er", "ric", "ard"};
constexpr std::string_view kStreetEndings[] = {"wood", "field", "combe", "hurst", "dale",
                                               "more", "wick",  "bury",  "gate",  "side"};
constexpr std::string_view kTownEndings[] = {"ton", "bury", "ham",  "ley",    "field", "by",
                                             "wick", "stow", "ford", "mouth", "caster", "minster"};

template <size_t N>
std::string_view Pick(const std::string_view (&list)[N], uint64_t& bits) {
  std::string_view s = list[bits % N];
  bits /= N;
  return s;
}

// One or more syllables: an onset and a vowel, then middle-consonant + vowel pairs; the first
// letter is the onset's capital.
void Syllables(uint64_t bits, int count, FieldBuffer& out) {
  out.Append(Pick(kOnsets, bits));
  out.Append(Pick(kVowels, bits));
  for (int i = 1; i < count; ++i) {
    out.Append(Pick(kMiddles, bits));
    out.Append(Pick(kVowels, bits));
  }
}

// Independent bits per (kind, id): ids are ranks, so neighbouring ranks must not look alike.
uint64_t Bits(uint64_t kind, uint32_t id) { return Mix64(Mix64(kind * 0x51ED27u) ^ id); }

uint32_t MaybeSynth(Rng& rng, double list_share, double s, double offset) {
  if (rng.Chance(list_share)) return 0;
  return SampleUnboundedZipf(rng, s, offset) + 1;
}

}  // namespace

uint32_t SampleUnboundedZipf(Rng& rng, double s, double offset) {
  const double u = 1.0 - rng.Uniform();  // (0, 1]
  const double x = offset * (std::pow(u, -1.0 / (s - 1.0)) - 1.0);
  return x >= kMaxRank ? kMaxRank : static_cast<uint32_t>(x);
}

uint32_t SamplePopulationFirst(bool /*male*/, Rng& rng) {
  return MaybeSynth(rng, kListFirstShare, kFirstS, kFirstOffset);
}

uint32_t SamplePopulationSurname(Rng& rng) {
  if (rng.Chance(kListSurnameShare)) return 0;
  return kSynthSurnameBase + SampleUnboundedZipf(rng, kSurnameS, kSurnameOffset);
}

uint32_t SamplePopulationStreet(Rng& rng) {
  return MaybeSynth(rng, kListStreetShare, kStreetS, kStreetOffset);
}

uint32_t SamplePopulationTown(Rng& rng) {
  return MaybeSynth(rng, kListTownShare, kTownS, kTownOffset);
}

int SamplePopulationBirthYear(Rng& rng, int max_year) {
  // Weight by age in 2026: 1 from 18 to 60, then 0.92 per year (few customers are over 90).
  static const AliasSampler kAges = [] {
    std::vector<double> w;
    for (int year = kPopulationMaxYear; year >= kPopulationMinYear; --year) {
      const int age = 2026 - year;
      w.push_back(age <= 60 ? 1.0 : std::pow(0.92, age - 60));
    }
    return AliasSampler(w);
  }();
  for (int tries = 0; tries < 64; ++tries) {
    const int year = kPopulationMaxYear - static_cast<int>(kAges.Sample(rng));
    if (year <= max_year) return year;
  }
  return max_year;
}

void RenderSynthFirst(bool male, uint32_t id, FieldBuffer& out) {
  uint64_t bits = Bits(male ? 1 : 2, id);
  const int count = 1 + static_cast<int>(bits & 1);
  bits >>= 1;
  Syllables(bits, count, out);
  bits = Bits(male ? 3 : 4, id);
  out.Append(Pick(kCodas, bits));
  out.Append(male ? Pick(kMaleEndings, bits) : Pick(kFemaleEndings, bits));
}

void RenderSynthSurname(uint32_t id, FieldBuffer& out) {
  uint64_t bits = Bits(5, id - kSynthSurnameBase);
  const int count = 1 + static_cast<int>(bits % 3 == 0);
  bits /= 3;
  Syllables(bits, count, out);
  bits = Bits(6, id - kSynthSurnameBase);
  out.Append(Pick(kCodas, bits));
  const auto endings = SurnameEndings();
  out.Append(endings[bits % endings.size()]);
}

void RenderSynthStreet(uint32_t id, FieldBuffer& out) {
  uint64_t bits = Bits(7, id);
  const int count = 1 + static_cast<int>(bits & 1);
  bits >>= 1;
  Syllables(bits, count, out);
  bits = Bits(8, id);
  out.Append(Pick(kCodas, bits));
  out.Append(Pick(kStreetEndings, bits));
}

void RenderSynthTown(uint32_t id, FieldBuffer& out) {
  uint64_t bits = Bits(9, id);
  Syllables(bits, 1 + static_cast<int>(bits % 5 == 0), out);
  bits = Bits(10, id);
  out.Append(Pick(kCodas, bits));
  out.Append(Pick(kTownEndings, bits));
}

void RenderSynthPostcodeArea(uint32_t id, FieldBuffer& out) {
  const uint64_t bits = Bits(11, id);
  out.Append(static_cast<char>('A' + bits % 26));
  out.Append(static_cast<char>('A' + (bits >> 8) % 26));
}

unsigned SynthDiallingCode(uint32_t id) { return 100 + static_cast<unsigned>(Bits(12, id) % 900); }

}  // namespace reclink::gen
