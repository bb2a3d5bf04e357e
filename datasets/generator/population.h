// The population vocabulary (reclink-gen --vocabulary population): names, streets and towns
// synthesized from syllables beyond the shipped word lists, drawn with unbounded Zipf-like laws
// so that the number of distinct values keeps growing with the record count (Heaps' law), and
// dates of birth from an adult age pyramid. Pure functions of their arguments; thread-safe.
#pragma once

#include <cstdint>

#include "generator/field_buffer.h"
#include "generator/random.h"

namespace reclink::gen {

// Surname ids at or above this value are synthesized surnames of rank id - kSynthSurnameBase
// (below it they index the shipped list or its stem x ending compounds; see Vocabulary).
inline constexpr uint32_t kSynthSurnameBase = 1u << 31;

// A rank from the unbounded Zipf-Mandelbrot-like law P(rank >= k) = (1 + k / offset)^-(s - 1),
// s > 1 (a discretized Pareto law): the frequency of rank k falls as (offset + k)^-s, and n draws
// hold about n^(1/s) distinct ranks once n is large (Heaps' law with exponent 1/s). O(1).
uint32_t SampleUnboundedZipf(Rng& rng, double s, double offset);

// Population-mode draws. Each returns 0 when the shipped list should be used instead (the list
// keeps the familiar head: Smith, Jones, Mary...), else a synthesized id + 1.
uint32_t SamplePopulationFirst(bool male, Rng& rng);  // 0 or rank + 1
uint32_t SamplePopulationSurname(Rng& rng);           // 0 or kSynthSurnameBase + rank
uint32_t SamplePopulationStreet(Rng& rng);            // 0 or rank + 1
uint32_t SamplePopulationTown(Rng& rng);              // 0 or rank + 1
// A birth year for an adult customer in 2026 (ages 18 to 100), from a rough age pyramid:
// flat to 60, then falling by about 8% a year. At most max_year (>= 1926).
int SamplePopulationBirthYear(Rng& rng, int max_year);
inline constexpr int kPopulationMinYear = 1926;
inline constexpr int kPopulationMaxYear = 2008;

// Renderings of synthesized ids (as returned above, id >= 1 / >= kSynthSurnameBase). Names are
// capitalized ASCII built from syllables, e.g. "Torvanley", "Mirelda", "Brenwick".
void RenderSynthFirst(bool male, uint32_t id, FieldBuffer& out);
void RenderSynthSurname(uint32_t id, FieldBuffer& out);
void RenderSynthStreet(uint32_t id, FieldBuffer& out);
void RenderSynthTown(uint32_t id, FieldBuffer& out);
// Two capital letters for a synthesized town's postcode area, and its 3-digit dialling code.
void RenderSynthPostcodeArea(uint32_t id, FieldBuffer& out);
unsigned SynthDiallingCode(uint32_t id);

}  // namespace reclink::gen
