// A seeded pseudo-random permutation of [0, n) computed pointwise, in O(1) memory: a balanced
// Feistel network on the smallest even-bit domain >= n, with cycle-walking back into [0, n)
// (Black and Rogaway, "Ciphers with arbitrary finite domains", CT-RSA 2002).
#pragma once

#include <cstdint>

namespace reclink::gen {

class FeistelPermutation {
 public:
  // n >= 1.
  FeistelPermutation(uint64_t n, uint64_t seed);

  // The position of x (< n) after permuting; Inverse(Forward(x)) == x.
  uint64_t Forward(uint64_t x) const;
  uint64_t Inverse(uint64_t y) const;
  uint64_t size() const { return n_; }

 private:
  static constexpr int kRounds = 6;
  uint64_t Round(int round, uint64_t half) const;
  uint64_t Encrypt(uint64_t x) const;
  uint64_t Decrypt(uint64_t y) const;

  uint64_t n_;
  int half_bits_;
  uint64_t half_mask_;
  uint64_t keys_[kRounds];
};

}  // namespace reclink::gen
