// Keyboard typos on a field value: adjacent-key substitution, transposition, deletion and
// insertion (the four single-edit errors of Damerau, CACM 1964), on a UK QWERTY layout.
#pragma once

#include "generator/field_buffer.h"
#include "generator/random.h"

namespace reclink::gen {

enum class TypoKind { kSubstitute, kTranspose, kDelete, kInsert };

// Applies one edit of the given kind at a random ASCII letter or digit, keeping the letter case
// and never splitting a multi-byte UTF-8 character. Returns false (value unchanged) when the
// value has no suitable position (e.g. it is empty, or a deletion would empty it).
bool ApplyTypo(TypoKind kind, FieldBuffer& value, Rng& rng);
// One edit of a random kind (substitutions most common).
bool ApplyRandomTypo(FieldBuffer& value, Rng& rng);
// A key next to c on the keyboard (same case), or c itself when c is not a letter or digit.
char AdjacentKey(char c, Rng& rng);

}  // namespace reclink::gen
