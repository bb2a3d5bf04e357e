// Record columns kept on disk for runs whose tables would pass the memory limit (--memory-limit,
// --temp-dir; docs/performance.md "Memory limit").
//
// A SpillArea hands out zero-filled regions, each a shared mapping of its own unlinked file in
// the temp directory: the kernel writes their pages back to the file and reads them in again as
// they are touched, so a column in a region costs resident memory only while a stage reads it.
// Evict() drops the resident pages between stages (the data stay in the files). Nothing is left
// on disk by any exit, a crash included: the files have no name, and go when the mappings do.
// Every region's blocks are reserved when it is allocated, so a full disk is a clear error then,
// never a SIGBUS while a column is written.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "reclink/status.h"

namespace reclink {

class SpillArea {
 public:
  // A spill area in `dir` (which must exist and be writable); kOutput error (exit 4) otherwise.
  static Result<std::shared_ptr<SpillArea>> Open(const std::string& dir);
  ~SpillArea();
  SpillArea(const SpillArea&) = delete;
  SpillArea& operator=(const SpillArea&) = delete;

  // A zero-filled, page-aligned region of `bytes` (> 0). kOutput error (naming the directory)
  // when the file cannot be made or its blocks reserved (a full disk). Thread-safe.
  Result<char*> Allocate(size_t bytes);

  // Drops every region's resident pages; their contents stay (written back, read in on the
  // next touch). Not while a region is being written by another thread's stage: call it
  // between stages.
  void Evict() const;

  const std::string& dir() const { return dir_; }
  size_t bytes() const;

 private:
  explicit SpillArea(std::string dir) : dir_(std::move(dir)) {}
  struct Region {
    char* data;
    size_t bytes;
  };
  std::string dir_;
  mutable std::mutex mu_;
  std::vector<Region> regions_;
};

}  // namespace reclink
