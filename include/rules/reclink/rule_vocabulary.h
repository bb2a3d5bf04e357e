// Words of the rules file that later stages act on: a field's date order and the blocking-key
// functions. The rules stage parses them into these values; normalize and blocking implement them.
#pragma once

namespace reclink {

// `date_order`: how an ambiguous NN/NN/YYYY date is read.
enum class DateOrder { kDayFirst, kMonthFirst };

// The blocking-key functions a rules file names (kField: the value itself).
enum class KeyFunction { kField, kSoundex, kMetaphone, kNysiis, kPrefix, kYear, kTokenSorted };

}  // namespace reclink
