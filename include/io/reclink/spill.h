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
#include <cstring>
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
  // Tells the kernel that every region present is read at random from now on (MADV_RANDOM): a
  // page read back from the file brings no read-ahead with it. For the stages that read the
  // columns by pair (training, scoring); the stages before read them in row order.
  void AdviseRandomAccess() const;

  const std::string& dir() const { return dir_; }
  size_t bytes() const;

  // The memory limit the area serves (--memory-limit; 0 when not set): what the stages that
  // work in partitions size them by.
  uint64_t memory_limit() const { return memory_limit_; }
  void set_memory_limit(uint64_t bytes) { memory_limit_ = bytes; }

 private:
  explicit SpillArea(std::string dir) : dir_(std::move(dir)) {}
  struct Region {
    char* data;
    size_t bytes;
  };
  std::string dir_;
  uint64_t memory_limit_ = 0;
  mutable std::mutex mu_;
  std::vector<Region> regions_;
};

// An array of trivially copyable T in memory (a std::vector) that can move, whole, to a region
// of a SpillArea (SpillTo): its elements are then read and written through the region, as file
// pages. Element access is through one pointer either way, so a hot loop pays nothing for the
// choice. The growing operations are for building it in memory, before any SpillTo.
template <class T>
class SpillableArray {
 public:
  SpillableArray() = default;
  SpillableArray(SpillableArray&& o) noexcept : vec_(std::move(o.vec_)), data_(o.data_), size_(o.size_) {
    o.data_ = nullptr;
    o.size_ = 0;
  }
  SpillableArray& operator=(SpillableArray&& o) noexcept {
    vec_ = std::move(o.vec_);
    data_ = o.data_;
    size_ = o.size_;
    o.data_ = nullptr;
    o.size_ = 0;
    return *this;
  }
  SpillableArray(const SpillableArray&) = delete;
  SpillableArray& operator=(const SpillableArray&) = delete;
  SpillableArray& operator=(std::vector<T>&& v) {
    vec_ = std::move(v);
    Sync();
    return *this;
  }

  void assign(size_t n, const T& value) {
    vec_.assign(n, value);
    Sync();
  }
  void resize(size_t n) {
    vec_.resize(n);
    Sync();
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T* data() { return data_; }
  const T* data() const { return data_; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  bool spilled() const { return size_ != 0 && vec_.empty(); }

  // Moves the elements to a region of `area` (kOutput error when it cannot be reserved) and frees
  // the memory; the area must outlive this array. Nothing happens to an empty array.
  Status SpillTo(SpillArea& area) {
    if (size_ == 0 || vec_.empty()) return {};
    Result<char*> region = area.Allocate(size_ * sizeof(T));
    if (!region.ok()) return region.status();
    std::memcpy(*region, vec_.data(), size_ * sizeof(T));
    std::vector<T>().swap(vec_);
    data_ = reinterpret_cast<T*>(*region);
    return {};
  }

 private:
  void Sync() {
    data_ = vec_.data();
    size_ = vec_.size();
  }
  std::vector<T> vec_;
  T* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace reclink
