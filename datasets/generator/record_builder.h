// One observed record of a person: the clean attributes put through the noise model (nicknames,
// spelling variants, typos, swaps, slips, format variants, moves, placeholders, missing values).
#pragma once

#include "generator/field_buffer.h"
#include "generator/person.h"
#include "generator/random.h"

namespace reclink::gen {

// The record's field values; an empty buffer is a missing value.
struct RecordFields {
  FieldBuffer first, last, dob, email, phone, address, city, postcode;
};

// Renders one record of person p. noise in [0, 1] scales every corruption and format-variant
// rate linearly; at 0 every record of a person is the same clean rendering. Draws only from rng.
// moves multiplies the chance that the record has moved (a new address, town and postcode, and
// often a new landline): 1 is the noise model as documented, 0 keeps every record at its
// person's address. It changes no other draw, so the rest of the record is the same either way.
void BuildRecord(const Person& p, double noise, Rng& rng, RecordFields& out, double moves = 1.0);

// The placeholder values some systems store instead of leaving a field empty.
inline constexpr std::string_view kPlaceholderEmail = "noemail@noemail.com";
inline constexpr std::string_view kPlaceholderPhone = "00000 000000";
inline constexpr std::string_view kPlaceholderName = "Unknown";
inline constexpr Date kPlaceholderDob = {1900, 1, 1};

}  // namespace reclink::gen
