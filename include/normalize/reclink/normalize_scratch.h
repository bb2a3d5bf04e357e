// NormalizeScratch: the working buffers of the normalizers and key functions that cannot work in
// place, owned by the caller (one per thread or task) instead of hidden per-thread state.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace reclink {

// Buffers passed to Normalizer::Apply, ApplyKeyFunction and the single normalizers that need
// room besides their output. Not thread-safe; any number may be used concurrently. Reusing one
// across values keeps column normalization and key building free of allocations after warm-up;
// creating one allocates nothing. The contents between calls carry no meaning: results never
// depend on which scratch, or which earlier calls, a call gets. A function taking a scratch
// never reads its input from it, so none of these buffers may be passed as an input or output.
struct NormalizeScratch {
  std::string step;     // Normalizer::Apply: the result of a step that cannot work in place
  std::string folded;   // phone, date: non-ASCII digits and full-width forms folded to ASCII
  std::string lowered;  // email: a non-ASCII value lower-cased
  std::string letters;  // soundex, metaphone, nysiis: the value's letters (PhoneticLetters)
  std::string casefolded, stripped;      // PhoneticLetters of non-ASCII text: the two steps
  std::vector<std::string_view> tokens;  // sort_tokens, token_sorted
};

}  // namespace reclink
