// Integer mixing for hash tables and seeded sampling: the one mixer every stage uses.
#pragma once

#include <cstdint>

namespace reclink {

// splitmix64's finalizer (Steele, Lea & Flood, "Fast splittable pseudorandom number generators",
// OOPSLA 2014): a cheap full-avalanche bijection on 64-bit integers.
inline uint64_t Mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

}  // namespace reclink
