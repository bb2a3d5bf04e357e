// RadixSortByKey: a stable sort of a vector by a 64-bit key, for the million-element arrays of
// pairs of row or cluster indexes that comparison sorts spend a tenth of a second on.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

namespace reclink {

// Sorts *values stably by key(value) (a uint64_t): 16 bits a pass from the lowest, skipping the
// passes whose digit is the same in every value (keys made of two indexes below 2^20 take three).
template <class T, class Key>
void RadixSortByKey(std::vector<T>* values, const Key& key) {
  if (values->size() < 2) return;
  std::vector<T> other(values->size());
  std::vector<size_t> start(size_t{1} << 16);
  for (int shift = 0; shift < 64; shift += 16) {
    auto digit = [&](const T& v) { return static_cast<size_t>((key(v) >> shift) & 0xffff); };
    std::fill(start.begin(), start.end(), 0);
    for (const T& v : *values) ++start[digit(v)];
    if (start[digit(values->front())] == values->size()) continue;
    size_t at = 0;
    for (size_t& s : start) at += std::exchange(s, at);
    for (const T& v : *values) other[start[digit(v)]++] = v;
    values->swap(other);
  }
}

}  // namespace reclink
