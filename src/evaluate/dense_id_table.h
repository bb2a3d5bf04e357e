// DenseIdTable: an open-addressing hash table that numbers distinct keys 0, 1, 2, ... in order of
// first appearance. The caller owns the keys; the table keeps only each slot's hash and id.
#pragma once

#include <cstdint>
#include <vector>

#include "reclink/hash.h"

namespace reclink::evaluate_detail {


// Linear probing at load factor <= 1/2, doubling when full. Not thread-safe.
class DenseIdTable {
 public:
  explicit DenseIdTable(size_t expected_keys = 16) {
    size_t capacity = 16;
    while (capacity < 2 * expected_keys) capacity *= 2;
    Reset(capacity);
  }

  // The id of the key with this hash for which same_key(id) is true, or a new id (== size()
  // before the call) when there is none. same_key compares the caller's key with the key that
  // was first given that id.
  template <class SameKey>
  uint32_t FindOrInsert(uint64_t hash, SameKey&& same_key) {
    size_t slot = hash & mask_;
    while (ids_[slot] != kEmpty) {
      if (hashes_[slot] == hash && same_key(ids_[slot])) return ids_[slot];
      slot = (slot + 1) & mask_;
    }
    uint32_t id = size_++;
    hashes_[slot] = hash;
    ids_[slot] = id;
    if (2 * size_ > ids_.size()) Grow();
    return id;
  }

  uint32_t size() const { return size_; }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;

  void Reset(size_t capacity) {
    hashes_.assign(capacity, 0);
    ids_.assign(capacity, kEmpty);
    mask_ = capacity - 1;
  }

  void Grow() {
    std::vector<uint64_t> old_hashes = std::move(hashes_);
    std::vector<uint32_t> old_ids = std::move(ids_);
    Reset(old_ids.size() * 2);
    for (size_t i = 0; i < old_ids.size(); ++i) {
      if (old_ids[i] == kEmpty) continue;
      size_t slot = old_hashes[i] & mask_;
      while (ids_[slot] != kEmpty) slot = (slot + 1) & mask_;
      hashes_[slot] = old_hashes[i];
      ids_[slot] = old_ids[i];
    }
  }

  std::vector<uint64_t> hashes_;
  std::vector<uint32_t> ids_;
  size_t mask_ = 0;
  uint32_t size_ = 0;
};

}  // namespace reclink::evaluate_detail
