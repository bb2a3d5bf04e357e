// The --progress line: finished stages, and on a terminal the running one.
#include "progress_line.h"

#include <cmath>
#include <cstdio>
#include <string>

namespace reclink::cli {

std::string ProgressText(const Progress::Snapshot& s) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%-16s %8.1f s", s.stage.c_str(), s.seconds);
  std::string text = std::string("reclink: ") + buf;
  if (s.unit.empty() || (s.done == 0 && s.total == 0)) return text + "   running";
  text += "   " + HumanCount(static_cast<double>(s.done));
  if (s.total > 0) {
    const double share = std::min(1.0, static_cast<double>(s.done) / static_cast<double>(s.total));
    std::snprintf(buf, sizeof buf, " (%.0f%%)", 100.0 * share);
    text += " of " + HumanCount(static_cast<double>(s.total)) + " " + s.unit + buf;
  } else {
    text += " " + s.unit;
  }
  if (s.seconds >= 0.5 && s.done > 0) {
    const double rate = static_cast<double>(s.done) / s.seconds;
    text += ", " + HumanCount(rate) + " " + s.unit + "/s";
    if (s.total > s.done) {
      const double left = static_cast<double>(s.total - s.done) / rate;
      std::snprintf(buf, sizeof buf, ", about %.0f s left", std::ceil(left));
      text += buf;
    }
  }
  return text;
}

ProgressLine::ProgressLine(const Progress* progress, bool live) : progress_(progress) {
  if (live && progress_ != nullptr) thread_ = std::thread([this] { Loop(); });
}

ProgressLine::~ProgressLine() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    ClearLocked();
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ProgressLine::ClearLocked() {
  if (!shown_) return;
  std::fputs("\r\033[K", stderr);
  shown_ = false;
}

void ProgressLine::Finished(const StageTiming& t) {
  std::lock_guard<std::mutex> lock(mu_);
  ClearLocked();
  std::fprintf(stderr, "reclink: %-16s %8.3f s   peak %6.0f MiB\n", t.stage.c_str(), t.seconds,
               static_cast<double>(t.peak_rss_bytes) / (1024.0 * 1024.0));
  std::fflush(stderr);
}

void ProgressLine::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    wake_.wait_for(lock, std::chrono::milliseconds(500));
    if (stop_) break;
    const Progress::Snapshot s = progress_->Read();
    if (s.stage.empty() || s.seconds < 1.0) continue;  // short stages only get their finished line
    std::fputs(("\r\033[K" + ProgressText(s)).c_str(), stderr);
    std::fflush(stderr);
    shown_ = true;
  }
}

}  // namespace reclink::cli
