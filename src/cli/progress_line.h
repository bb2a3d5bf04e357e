// What `--progress` shows on stderr: one line per finished stage, and on a terminal a line for
// the running stage rewritten twice a second (its time so far, and for the stages that stream
// candidate pairs the pairs done of the total, the rate and the time left). A log (stderr not a
// terminal) gets only the finished stages' lines.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "reclink/pipeline.h"
#include "reclink/progress.h"

namespace reclink::cli {

class ProgressLine {
 public:
  // live: rewrite a line for the running stage (stderr is a terminal).
  ProgressLine(const Progress* progress, bool live);
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  // Replaces the running stage's line with the finished stage's.
  void Finished(const StageTiming& t);

 private:
  void Loop();
  void ClearLocked();

  const Progress* progress_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  bool shown_ = false;  // a live line is on the terminal
  std::thread thread_;
};

// The live line's text for a snapshot, e.g. "score  4.2 s  8.1M of 19.6M pairs (41%), 1.9M
// pairs/s, about 6 s left".
std::string ProgressText(const Progress::Snapshot& s);

}  // namespace reclink::cli
