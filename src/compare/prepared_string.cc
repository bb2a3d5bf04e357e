// PreparedString: a record's decoded code points and pattern bit masks, built once and reused for
// every pair the record takes part in.
#include <algorithm>

#include "compare/utf8_decode.h"
#include "reclink/similarity.h"

namespace reclink {
namespace detail {

void PatternMasks::Build(std::span<const uint32_t> code_points) {
  const size_t m = code_points.size();
  words_ = std::max<size_t>(1, (m + 63) / 64);
  ascii_.assign(128 * words_, 0);
  ext_keys_.clear();
  ext_masks_.clear();
  for (uint32_t cp : code_points) {
    if (cp >= 128) ext_keys_.push_back(cp);
  }
  std::sort(ext_keys_.begin(), ext_keys_.end());
  ext_keys_.erase(std::unique(ext_keys_.begin(), ext_keys_.end()), ext_keys_.end());
  ext_masks_.assign((ext_keys_.size() + 1) * words_, 0);  // + the zero row of absent code points
  for (size_t i = 0; i < m; ++i) {
    const uint32_t cp = code_points[i];
    const uint64_t bit = uint64_t{1} << (i % 64);
    if (cp < 128) {
      ascii_[cp * words_ + i / 64] |= bit;
    } else {
      const size_t slot = static_cast<size_t>(
          std::lower_bound(ext_keys_.begin(), ext_keys_.end(), cp) - ext_keys_.begin());
      ext_masks_[slot * words_ + i / 64] |= bit;
    }
  }
}

const uint64_t* PatternMasks::ExtendedRow(uint32_t cp) const {
  auto it = std::lower_bound(ext_keys_.begin(), ext_keys_.end(), cp);
  const size_t slot = it == ext_keys_.end() || *it != cp
                          ? ext_keys_.size()  // the zero row
                          : static_cast<size_t>(it - ext_keys_.begin());
  return ext_masks_.data() + slot * words_;
}

}  // namespace detail

PreparedString::PreparedString(std::string_view s) : text_(ComparedPrefix(s)) {
  ascii_ = compare_internal::IsAscii(text_);
  if (ascii_) {
    cps_.assign(text_.begin(), text_.end());
  } else {
    compare_internal::AppendCodePoints(text_, &cps_);
  }
  masks_.Build(cps_);
}

}  // namespace reclink
