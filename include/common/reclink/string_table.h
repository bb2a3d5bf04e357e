// Read-only tables that a run state can view in place: a table of strings (StringTable) and a table
// of 32-bit numbers (U32Table). Each either owns a list of its entries or views arrays in bytes
// that something else holds (a mapped state file), found through their offsets; the views stay
// valid while the holder (`backing`) lives. Reading a state then costs no copy of its tables:
// a million record keys viewed are no 16 MB of fresh string_views (docs/identities.md, "The
// state read without a parse").
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <memory>
#include <string_view>
#include <vector>

namespace reclink {

static_assert(std::endian::native == std::endian::little,
              "the state's tables are little-endian and viewed in place");

// Strings by index: views of a list, or of a blob through an array of end offsets (4 or 8 bytes
// each, little-endian: entry i is blob[end[i - 1], end[i]), end[-1] = 0).
class StringTable {
 public:
  class Iterator {
   public:
    using iterator_category = std::random_access_iterator_tag;
    using value_type = std::string_view;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = std::string_view;

    Iterator() = default;
    Iterator(const StringTable* t, size_t i) : t_(t), i_(static_cast<difference_type>(i)) {}
    std::string_view operator*() const { return (*t_)[static_cast<size_t>(i_)]; }
    std::string_view operator[](difference_type k) const { return (*t_)[static_cast<size_t>(i_ + k)]; }
    Iterator& operator++() { return ++i_, *this; }
    Iterator operator++(int) { Iterator o = *this; ++i_; return o; }
    Iterator& operator--() { return --i_, *this; }
    Iterator operator--(int) { Iterator o = *this; --i_; return o; }
    Iterator& operator+=(difference_type k) { return i_ += k, *this; }
    Iterator& operator-=(difference_type k) { return i_ -= k, *this; }
    friend Iterator operator+(Iterator it, difference_type k) { return it += k; }
    friend Iterator operator+(difference_type k, Iterator it) { return it += k; }
    friend Iterator operator-(Iterator it, difference_type k) { return it -= k; }
    friend difference_type operator-(const Iterator& a, const Iterator& b) { return a.i_ - b.i_; }
    friend bool operator==(const Iterator& a, const Iterator& b) { return a.i_ == b.i_; }
    friend auto operator<=>(const Iterator& a, const Iterator& b) { return a.i_ <=> b.i_; }

   private:
    const StringTable* t_ = nullptr;
    difference_type i_ = 0;
  };

  StringTable() = default;
  // The entries are views; what they view must outlive every copy of the table.
  StringTable(std::vector<std::string_view> views)  // NOLINT: a list is a table
      : list_(std::make_shared<const std::vector<std::string_view>>(std::move(views))),
        n_(list_->size()) {}
  // n entries of blob through ends (end_width 4 or 8 bytes each); unchecked: the caller has
  // checked that the ends ascend and stay within the blob.
  static StringTable OfEnds(const char* blob, const char* ends, int end_width, size_t n) {
    StringTable t;
    t.blob_ = blob;
    t.ends_ = ends;
    t.wide_ = end_width == 8;
    t.n_ = n;
    return t;
  }

  size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  std::string_view operator[](size_t i) const {
    if (list_) return (*list_)[i];
    const uint64_t begin = i == 0 ? 0 : End(i - 1);
    return {blob_ + begin, static_cast<size_t>(End(i) - begin)};
  }
  std::string_view front() const { return (*this)[0]; }
  std::string_view back() const { return (*this)[n_ - 1]; }
  Iterator begin() const { return {this, 0}; }
  Iterator end() const { return {this, n_}; }
  // Where entry i's view or end offset lies, for a prefetch ahead of a random read.
  const void* slot(size_t i) const {
    if (list_) return list_->data() + i;
    return ends_ + (wide_ ? 8 : 4) * i;
  }
  // Whether the entries are viewed through offsets (not a list).
  bool viewed() const { return !list_ && n_ > 0; }

  friend bool operator==(const StringTable& a, const StringTable& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (a[i] != b[i]) return false;
    return true;
  }

 private:
  uint64_t End(size_t i) const {
    if (wide_) {
      uint64_t v;
      std::memcpy(&v, ends_ + 8 * i, 8);
      return v;
    }
    uint32_t v;
    std::memcpy(&v, ends_ + 4 * i, 4);
    return v;
  }

  std::shared_ptr<const std::vector<std::string_view>> list_;
  const char* blob_ = nullptr;
  const char* ends_ = nullptr;
  bool wide_ = false;
  size_t n_ = 0;
};

// 32-bit numbers by index: an owned list, or little-endian numbers viewed in place.
class U32Table {
 public:
  U32Table() = default;
  U32Table(std::vector<uint32_t> values)  // NOLINT: a list is a table
      : list_(std::make_shared<const std::vector<uint32_t>>(std::move(values))),
        data_(reinterpret_cast<const char*>(list_->data())),
        n_(list_->size()) {}
  // n numbers at bytes (any alignment), which must outlive every copy of the table.
  static U32Table View(const char* bytes, size_t n) {
    U32Table t;
    t.data_ = bytes;
    t.n_ = n;
    return t;
  }

  size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  uint32_t operator[](size_t i) const {
    uint32_t v;
    std::memcpy(&v, data_ + 4 * i, 4);
    return v;
  }
  class Iterator {
   public:
    using iterator_category = std::random_access_iterator_tag;
    using value_type = uint32_t;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = uint32_t;

    Iterator() = default;
    Iterator(const U32Table* t, size_t i) : t_(t), i_(static_cast<difference_type>(i)) {}
    uint32_t operator*() const { return (*t_)[static_cast<size_t>(i_)]; }
    Iterator& operator++() { return ++i_, *this; }
    Iterator operator++(int) { Iterator o = *this; ++i_; return o; }
    Iterator& operator+=(difference_type k) { return i_ += k, *this; }
    friend Iterator operator+(Iterator it, difference_type k) { return it += k; }
    friend difference_type operator-(const Iterator& a, const Iterator& b) { return a.i_ - b.i_; }
    friend bool operator==(const Iterator& a, const Iterator& b) { return a.i_ == b.i_; }

   private:
    const U32Table* t_ = nullptr;
    difference_type i_ = 0;
  };
  Iterator begin() const { return {this, 0}; }
  Iterator end() const { return {this, n_}; }
  // The numbers' bytes (4 a number, little-endian), for writing them out whole.
  std::string_view bytes() const { return {data_, 4 * n_}; }

  friend bool operator==(const U32Table& a, const U32Table& b) {
    return a.n_ == b.n_ && (a.n_ == 0 || std::memcmp(a.data_, b.data_, 4 * a.n_) == 0);
  }

 private:
  std::shared_ptr<const std::vector<uint32_t>> list_;
  const char* data_ = nullptr;
  size_t n_ = 0;
};

}  // namespace reclink
