// Progress of the running stage, for a front end that polls it from another thread (a terminal
// line with a count, a rate and the time left). The stages call Begin and Add; Add is one relaxed
// atomic add, so a stage calls it per batch of work, not per item.
#pragma once

#include <cstdio>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

namespace reclink {

class Progress {
 public:
  // A new stage: what it counts (e.g. "pairs"; empty when it counts nothing) and how many it
  // expects (0 when unknown; an upper bound is fine).
  void Begin(std::string_view stage, std::string_view unit = {}, uint64_t total = 0) {
    std::lock_guard<std::mutex> lock(mu_);
    stage_ = stage;
    unit_ = unit;
    total_ = total;
    done_.store(0, std::memory_order_relaxed);
    start_ = std::chrono::steady_clock::now();
  }
  void Add(uint64_t n) { done_.fetch_add(n, std::memory_order_relaxed); }

  struct Snapshot {
    std::string stage;  // empty before the first Begin
    std::string unit;
    uint64_t done = 0;
    uint64_t total = 0;
    double seconds = 0;  // since Begin
  };
  Snapshot Read() const {
    std::lock_guard<std::mutex> lock(mu_);
    Snapshot s{stage_, unit_, done_.load(std::memory_order_relaxed), total_, 0};
    if (!stage_.empty()) s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    return s;
  }

 private:
  mutable std::mutex mu_;
  std::string stage_, unit_;
  std::atomic<uint64_t> done_{0};
  uint64_t total_ = 0;
  std::chrono::steady_clock::time_point start_;
};

// A count as people read it: 1234 -> "1234", 12345 -> "12.3k", 19600000 -> "19.6M",
// 123456789 -> "123M", 1.37e9 -> "1.37G" (progress lines, block-growth warnings).
inline std::string HumanCount(double n) {
  char buf[32];
  if (n < 10'000) {
    std::snprintf(buf, sizeof buf, "%.0f", n);
  } else if (n < 1e6) {
    std::snprintf(buf, sizeof buf, "%.1fk", n / 1e3);
  } else if (n < 1e9) {
    std::snprintf(buf, sizeof buf, n < 1e8 ? "%.1fM" : "%.0fM", n / 1e6);
  } else {
    std::snprintf(buf, sizeof buf, "%.2fG", n / 1e9);
  }
  return buf;
}

}  // namespace reclink
