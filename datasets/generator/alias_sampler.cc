// Walker/Vose alias tables.
#include "generator/alias_sampler.h"

#include <cassert>
#include <cmath>

namespace reclink::gen {

AliasSampler::AliasSampler(std::span<const double> weights) {
  const size_t n = weights.size();
  assert(n > 0);
  double total = 0;
  for (double w : weights) total += w;
  assert(total > 0);
  probability_.resize(n);
  std::vector<double> scaled(n);
  std::vector<uint32_t> small, large;
  for (size_t i = 0; i < n; ++i) {
    probability_[i] = weights[i] / total;
    scaled[i] = probability_[i] * static_cast<double>(n);
    (scaled[i] < 1.0 ? small : large).push_back(static_cast<uint32_t>(i));
  }
  threshold_.assign(n, 0xFFFFFFFFu);
  alias_.resize(n);
  for (size_t i = 0; i < n; ++i) alias_[i] = static_cast<uint32_t>(i);
  while (!small.empty() && !large.empty()) {
    uint32_t s = small.back();
    small.pop_back();
    uint32_t l = large.back();
    threshold_[s] = static_cast<uint32_t>(
        std::ldexp(scaled[s], 32) >= 4294967295.0 ? 4294967295.0 : std::ldexp(scaled[s], 32));
    alias_[s] = l;
    scaled[l] -= 1.0 - scaled[s];
    if (scaled[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  // Leftovers are 1 up to rounding: they keep their own column always (threshold max).
}

AliasSampler AliasSampler::Zipf(uint32_t n, double exponent, double offset) {
  std::vector<double> w(n);
  for (uint32_t i = 0; i < n; ++i) w[i] = 1.0 / std::pow(i + 1 + offset, exponent);
  return AliasSampler(w);
}

}  // namespace reclink::gen
