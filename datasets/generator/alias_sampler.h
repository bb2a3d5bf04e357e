// Sampling from a fixed discrete distribution in O(1) per draw (Walker's alias method).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "generator/random.h"

namespace reclink::gen {

// Vose's construction of Walker's alias table (M. D. Vose, "A linear algorithm for generating
// random numbers with a given distribution", IEEE TSE 1991): O(n) build, O(1) sample.
class AliasSampler {
 public:
  AliasSampler() = default;
  // weights: non-negative, at least one positive.
  explicit AliasSampler(std::span<const double> weights);
  // Weights 1 / (rank + offset)^exponent for ranks 1..n: a Zipf-Mandelbrot law.
  static AliasSampler Zipf(uint32_t n, double exponent, double offset);

  uint32_t Sample(Rng& rng) const {
    uint64_t r = rng.Next();
    uint32_t column = static_cast<uint32_t>(((r >> 32) * size()) >> 32);
    return static_cast<uint32_t>(r & 0xFFFFFFFFu) < threshold_[column] ? column : alias_[column];
  }
  uint32_t size() const { return static_cast<uint32_t>(threshold_.size()); }
  // Probability of outcome i (for tests and summaries).
  double Probability(uint32_t i) const { return probability_[i]; }

 private:
  std::vector<uint32_t> threshold_;  // keep the column when the low 32 bits are below this
  std::vector<uint32_t> alias_;
  std::vector<double> probability_;
};

}  // namespace reclink::gen
