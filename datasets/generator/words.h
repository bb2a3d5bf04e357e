// Word lists for the synthetic generator, written for this project: given names with sexes,
// surnames, nicknames and spelling variants, streets, towns with postcode areas, e-mail domains.
// Lists are ordered from most to least common; samplers weight them by rank (Zipf-like).
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace reclink::gen {

// A given name with its alternative forms. `nicknames` and `variants` are '|'-separated lists
// (empty when none): nicknames are informal forms (Robert -> Bob|Rob|Bobby), variants are other
// spellings of the same name (Catherine -> Katherine|Kathryn).
struct GivenName {
  std::string_view name;
  std::string_view nicknames;
  std::string_view variants;
};

struct Town {
  std::string_view name;
  std::string_view postcode_area;  // one or two letters, e.g. "CB"
  bool london;                     // phone numbers use 020
};

std::span<const GivenName> FemaleNames();
std::span<const GivenName> MaleNames();
std::span<const std::string_view> Surnames();
// Other spellings of a surname ('|'-separated), or empty.
std::string_view SurnameVariants(std::string_view surname);
// Parts that combine into rarer English-looking surnames (Ash + ford -> Ashford): the long tail.
std::span<const std::string_view> SurnameStems();
std::span<const std::string_view> SurnameEndings();
std::span<const std::string_view> StreetNames();
// Street types with their usual abbreviation, e.g. {"Road", "Rd"}.
struct StreetType {
  std::string_view full;
  std::string_view abbreviation;
};
std::span<const StreetType> StreetTypes();
std::span<const Town> Towns();
std::span<const std::string_view> EmailDomains();
// Words used as e-mail +tags ("shop" in jo.smith+shop@...).
std::span<const std::string_view> EmailTags();

}  // namespace reclink::gen
