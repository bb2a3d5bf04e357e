// The small expression languages inside rules-file strings: blocking keys ("soundex(last)",
// "prefix(first, 3)") and comparison levels ("jaro_winkler >= 0.92"). Internal to the rules stage.
#pragma once

#include <string>
#include <string_view>

#include "reclink/rules.h"

namespace reclink {

// Excerpt (how user text appears in messages) is in reclink/rules.h.

// True for a non-empty name of ASCII letters, digits and '_' (a field or comparison name).
bool IsFieldName(std::string_view s);

// Parses a blocking key: FIELD, or FUNCTION(FIELD) for soundex, metaphone, nysiis, year and
// token_sorted, or prefix(FIELD, N) with 1 <= N <= kRulesMaxPrefixLength. Spaces around parts
// are allowed.
// On error returns false and sets *what (what was expected and found) and *hint. The field
// name is not checked against the defined fields here.
bool ParseBlockingKey(std::string_view text, BlockingKey* key, std::string* what,
                      std::string* hint);

// Parses a comparison level: "exact", "levenshtein <= K" and "damerau_levenshtein <= K" (K
// written as digits, at most kRulesMaxEditDistance), "date_diff_days <= K" (digits, at most
// kRulesMaxDateDiffDays), "numeric_diff <= D" (a decimal number from 0 to kRulesMaxNumericDiff),
// or "jaro|jaro_winkler|jaccard|qgram_jaccard >= T" with T a decimal number in [0, 1]. Same
// error contract; the field name is not checked.
bool ParseLevel(std::string_view text, LevelSpec* level, std::string* what, std::string* hint);

}  // namespace reclink
