// ValueCounter: the hash table that counts a column's distinct values for `reclink profile`
// (profile.cc), in a header of its own so that bench/hash_tables measures it against library
// tables.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "reclink/record_table.h"

namespace reclink::profile_detail {

// A distinct value (or, before counting, one occurrence): its hash, order key, first row and
// count.
struct ValueCount {
  uint64_t hash;
  uint64_t key;
  RowId row;
  uint32_t count;
};

// Ranks by count descending, then value ascending (bytewise).
struct Before {
  const Column& column;
  bool operator()(const ValueCount& a, const ValueCount& b) const {
    if (a.count != b.count) return a.count > b.count;
    if (a.key != b.key) return a.key < b.key;
    return column.Get(a.row) < column.Get(b.row);
  }
};

// Counts distinct values. Two values are taken as equal when their 64-bit XXH3 hashes and 8-byte
// order keys are equal (see ColumnProfile::distinct). The distinct values live in a dense array;
// the hash table (open addressing, linear probing) holds only a hash tag and the value's index,
// and Top scans only the distinct values. Reset reuses the memory: a fresh table per column or
// partition would cost a page fault and a clear per 4 KiB. CountInPlace counts a partition's
// records where they lie.
class ValueCounter {
 public:
  // Most records a CountInPlace call takes (its 4-byte slots hold a 16-bit index).
  static constexpr size_t kNarrowValues = 16384;

  // Prepares for about `expected` distinct values (the table grows when they are more).
  void Reset(size_t expected) {
    size_t n = 16;
    while (n < 2 * expected) n *= 2;
    slots_.assign(n, 0);
    mask_ = n - 1;
    distinct_ = 0;
  }

  void Add(uint64_t hash, uint64_t key, RowId row) {
    const uint64_t tag = (hash >> 16) << 32;  // bits independent of the slot and partition bits
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const uint64_t s = slots_[i];
      if (s == 0) {
        if (distinct_ == values_.size()) values_.resize(2 * distinct_ + 16);
        values_[distinct_++] = ValueCount{hash, key, row, 1};
        slots_[i] = tag | distinct_;  // index + 1: 0 marks an empty slot
        if (distinct_ * 2 > slots_.size()) Grow();
        return;
      }
      if ((s & ~uint64_t{0xFFFFFFFF}) == tag) {
        ValueCount& v = values_[(s & 0xFFFFFFFF) - 1];
        if (v.hash == hash && v.key == key) {
          ++v.count;
          return;
        }
      }
    }
  }

  size_t distinct() const { return distinct_; }

  // Appends the top_n values in Before order to out (see TopOf).
  void Top(size_t top_n, const Column& column, std::vector<ValueCount>* out) const {
    TopOf(values_.data(), values_.data() + distinct_, top_n, column, out);
  }

  // Appends the top_n of the values in [begin, end) with a nonzero count, in Before order, to
  // out: selected in one scan with a bounded max-heap whose root is the worst value kept, so most
  // values lose one comparison against the root (usually on count or the order key alone).
  static void TopOf(const ValueCount* begin, const ValueCount* end, size_t top_n, const Column& column,
                    std::vector<ValueCount>* out) {
    if (top_n == 0) return;
    std::vector<ValueCount> top;
    top.reserve(top_n);
    const Before before{column};
    const ValueCount* s = begin;
    for (; s != end && top.size() < top_n; ++s) {
      if (s->count == 0) continue;
      top.push_back(*s);
      std::push_heap(top.begin(), top.end(), before);
    }
    if (!top.empty()) {
      // Most values lose on count alone, or on the order key at the root's count; a zero count
      // (not a first occurrence) always loses.
      uint32_t root_count = top.front().count;
      uint64_t root_key = top.front().key;
      for (; s != end; ++s) {
        if (s->count < root_count || (s->count == root_count && s->key > root_key)) continue;
        if (!before(*s, top.front())) continue;
        std::pop_heap(top.begin(), top.end(), before);
        top.back() = *s;
        std::push_heap(top.begin(), top.end(), before);
        root_count = top.front().count;
        root_key = top.front().key;
      }
    }
    std::sort_heap(top.begin(), top.end(), before);
    out->insert(out->end(), top.begin(), top.end());
  }

  // Counts a partition's records (their counts 0, at most kNarrowValues of them) in place: the
  // first record of each distinct value gets the value's count, the others keep 0. Returns the
  // number of distinct values. Nothing is copied: the table's 4-byte slots hold a hash tag and
  // the first record's index.
  size_t CountInPlace(ValueCount* recs, size_t n) {
    size_t slots = 16;
    while (slots < 2 * n) slots *= 2;
    narrow_slots_.assign(slots, 0);
    uint32_t* table = narrow_slots_.data();
    const size_t mask = slots - 1;
    size_t distinct = 0;
    for (size_t k = 0; k < n; ++k) {
      ValueCount& v = recs[k];
      const uint32_t tag = static_cast<uint32_t>(v.hash) & 0xFFFF0000u;
      const uint32_t own = tag | static_cast<uint32_t>(k + 1);  // index + 1: 0 is empty
      size_t i = v.hash & mask;
      for (;;) {
        // Empty slot and match are resolved alike, without a branch between them: an empty slot
        // points the update at the record itself (count 0 -> 1), a match at the first record.
        const uint32_t s = table[i];
        const uint32_t found = s == 0 ? own : s;
        if ((found & 0xFFFF0000u) == tag) {
          ValueCount& first = recs[(found & 0xFFFF) - 1];
          if (first.hash == v.hash && first.key == v.key) {
            ++first.count;
            table[i] = found;
            distinct += s == 0;
            break;
          }
        }
        i = (i + 1) & mask;
      }
    }
    return distinct;
  }

 private:
  void Grow() {
    slots_.assign(slots_.size() * 2, 0);
    mask_ = slots_.size() - 1;
    for (size_t k = 0; k < distinct_; ++k) {
      size_t i = values_[k].hash & mask_;
      while (slots_[i] != 0) i = (i + 1) & mask_;
      slots_[i] = ((values_[k].hash >> 16) << 32) | (k + 1);
    }
  }

  size_t mask_ = 0;
  size_t distinct_ = 0;
  std::vector<uint32_t> narrow_slots_;  // CountInPlace's table
  std::vector<uint64_t> slots_;
  std::vector<ValueCount> values_;  // the distinct values first (distinct_ of them), then room
};

}  // namespace reclink::profile_detail
