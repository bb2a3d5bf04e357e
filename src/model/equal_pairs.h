// The per-partition count of ExactAgreementShare (u_sampler.cc, CountEqualPairs): a cache-sized
// partition's values counted by key in an absl::flat_hash_map, then k(k-1)/2 summed over the
// keys. In a header of its own so that bench/hash_tables measures the real count against the
// hand-rolled table it replaced (docs/performance.md, "Hash tables").
#pragma once

#include <absl/container/flat_hash_map.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "reclink/record_table.h"

namespace reclink::model_detail {

// A non-null value's hash and its row's source.
struct ValueSource {
  uint64_t hash;
  SourceId source;
};

// The key counted: the value's hash and, when counting by source, its source (else 0).
struct ValueSourceKey {
  uint64_t hash;
  SourceId source;
  bool operator==(const ValueSourceKey&) const = default;
};

// The value hash is XXH3 already: used as is, the source mixed in.
struct ValueSourceKeyHash {
  size_t operator()(const ValueSourceKey& k) const {
    return static_cast<size_t>(k.hash ^ (uint64_t{k.source} * 0x9E3779B97F4A7C15ULL));
  }
};

using EqualPairsCounts = absl::flat_hash_map<ValueSourceKey, uint32_t, ValueSourceKeyHash>;

// Sum over the distinct keys of values[0, size) of k(k-1)/2, k the key's count; the key is the
// hash, or (hash, source) when by_source. `counts` is the caller's, reused between partitions
// (cleared, then reserved for the partition's values so that it never rehashes).
inline uint64_t SumEqualPairs(const ValueSource* values, size_t size, bool by_source,
                              EqualPairsCounts& counts) {
  counts.clear();
  counts.reserve(size);
  for (size_t k = 0; k < size; ++k) {
    ++counts[ValueSourceKey{values[k].hash, by_source ? values[k].source : SourceId{0}}];
  }
  uint64_t sum = 0;
  for (const auto& [key, count] : counts) sum += uint64_t{count} * (count - 1) / 2;
  return sum;
}

// The same over bare hashes, the key being the hash alone (no source to count by): 8 bytes a
// value where ValueSource takes 16.
inline uint64_t SumEqualPairs(const uint64_t* hashes, size_t size, EqualPairsCounts& counts) {
  counts.clear();
  counts.reserve(size);
  for (size_t k = 0; k < size; ++k) ++counts[ValueSourceKey{hashes[k], SourceId{0}}];
  uint64_t sum = 0;
  for (const auto& [key, count] : counts) sum += uint64_t{count} * (count - 1) / 2;
  return sum;
}

}  // namespace reclink::model_detail
