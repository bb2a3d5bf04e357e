// A fixed-capacity character buffer for building one field value without heap allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace reclink::gen {

// Appends past the capacity are dropped (values here are far shorter), so it never overflows.
class FieldBuffer {
 public:
  static constexpr size_t kCapacity = 200;

  void Clear() { size_ = 0; }
  void Assign(std::string_view s) {
    size_ = 0;
    Append(s);
  }
  void Append(std::string_view s) {
    size_t n = s.size() < kCapacity - size_ ? s.size() : kCapacity - size_;
    std::memcpy(data_ + size_, s.data(), n);
    size_ += n;
  }
  void Append(char c) {
    if (size_ < kCapacity) data_[size_++] = c;
  }
  // Decimal, left-padded with zeros to at least min_width digits.
  void AppendNumber(uint64_t v, int min_width = 0) {
    char tmp[24];
    int n = 0;
    do {
      tmp[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    while (n < min_width) tmp[n++] = '0';
    while (n > 0) Append(tmp[--n]);
  }
  void Insert(size_t pos, char c) {
    if (size_ >= kCapacity || pos > size_) return;
    std::memmove(data_ + pos + 1, data_ + pos, size_ - pos);
    data_[pos] = c;
    ++size_;
  }
  void Erase(size_t pos) {
    if (pos >= size_) return;
    std::memmove(data_ + pos, data_ + pos + 1, size_ - pos - 1);
    --size_;
  }
  void Truncate(size_t n) {
    if (n < size_) size_ = n;
  }

  char& operator[](size_t i) { return data_[i]; }
  char operator[](size_t i) const { return data_[i]; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::string_view view() const { return {data_, size_}; }

 private:
  char data_[kCapacity];
  size_t size_ = 0;
};

}  // namespace reclink::gen
