// Counter-based random numbers for the generator: every record and family draws from its own
// stream, seeded by (seed, stream, index), so output does not depend on thread count or order.
#pragma once

#include <cstdint>

#include "reclink/hash.h"

namespace reclink::gen {

// The SplitMix64 output function (Steele, Lea, Flood, "Fast splittable pseudorandom number
// generators", OOPSLA 2014): one step of the sequence, then reclink::Mix64 (its finalizer).
inline uint64_t Mix64(uint64_t x) { return reclink::Mix64(x + 0x9E3779B97F4A7C15ull); }

// Named streams keep unrelated draws independent for the same index.
enum class Stream : uint64_t {
  kFamilyShape = 1,
  kPerson = 2,
  kRecord = 3,
  kPermutation = 4,
  kSourceRecord = 5,  // multi-source link mode: a person's record in one source
  kSourceMembership = 6,
  kPopulation = 7,  // population vocabulary: a family's names, address and birth year
};

inline uint64_t StreamSeed(uint64_t seed, Stream stream, uint64_t index) {
  return Mix64(Mix64(seed ^ (static_cast<uint64_t>(stream) << 56)) + index);
}

// SplitMix64 sequence. Not for cryptography; fast and good enough for synthetic data.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}

  uint64_t Next() {
    state_ += 0x9E3779B97F4A7C15ull;
    return reclink::Mix64(state_);
  }
  // Uniform in [0, n) for n >= 1, by Lemire's multiply-shift ("Fast random integer generation in
  // an interval", 2019) without the rejection step: bias below 2^-32 for the small n used here.
  uint32_t Below(uint32_t n) {
    return static_cast<uint32_t>(((Next() >> 32) * static_cast<uint64_t>(n)) >> 32);
  }
  // Uniform in [lo, hi].
  int Between(int lo, int hi) {
    return lo + static_cast<int>(Below(static_cast<uint32_t>(hi - lo + 1)));
  }
  // Uniform in [0, 1).
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  // True with probability p (p <= 0: never; p >= 1: always).
  bool Chance(double p) { return Uniform() < p; }

 private:
  uint64_t state_;
};

}  // namespace reclink::gen
