// Feistel permutation with cycle-walking. Walking terminates because the network is a bijection
// on the larger domain; the domain is under 4n, so the expected number of steps is under 4.
#include "generator/feistel_permutation.h"

#include "generator/random.h"

namespace reclink::gen {

FeistelPermutation::FeistelPermutation(uint64_t n, uint64_t seed) : n_(n) {
  half_bits_ = 1;
  while (half_bits_ < 32 && (uint64_t{1} << (2 * half_bits_)) < n) ++half_bits_;
  half_mask_ = (uint64_t{1} << half_bits_) - 1;
  for (int r = 0; r < kRounds; ++r) keys_[r] = StreamSeed(seed, Stream::kPermutation, r);
}

uint64_t FeistelPermutation::Round(int round, uint64_t half) const {
  return Mix64(half ^ keys_[round]) & half_mask_;
}

uint64_t FeistelPermutation::Encrypt(uint64_t x) const {
  uint64_t left = x >> half_bits_, right = x & half_mask_;
  for (int r = 0; r < kRounds; ++r) {
    uint64_t next = left ^ Round(r, right);
    left = right;
    right = next;
  }
  return (left << half_bits_) | right;
}

uint64_t FeistelPermutation::Decrypt(uint64_t y) const {
  uint64_t left = y >> half_bits_, right = y & half_mask_;
  for (int r = kRounds - 1; r >= 0; --r) {
    uint64_t prev = right ^ Round(r, left);
    right = left;
    left = prev;
  }
  return (left << half_bits_) | right;
}

uint64_t FeistelPermutation::Forward(uint64_t x) const {
  do x = Encrypt(x);
  while (x >= n_);
  return x;
}

uint64_t FeistelPermutation::Inverse(uint64_t y) const {
  do y = Decrypt(y);
  while (y >= n_);
  return y;
}

}  // namespace reclink::gen
