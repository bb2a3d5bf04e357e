// Little-endian binary encoding for reclink's own files (the run state): fixed-width integers
// and doubles, LEB128 varints, length-prefixed strings, and a bounds-checked reader that keeps
// the first thing that went wrong instead of reading past the end.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace reclink {

// Whether a parser checks a file's own checksum trailer. kTrusted is for a caller that has just
// checked the whole file against a checksum kept elsewhere (a state's manifest), which covers the
// trailer and everything before it: hashing the body a second time would add nothing.
enum class TrailerCheck { kVerify, kTrusted };

inline void PutU32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}
inline void PutU64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}
inline void PutF64(std::string& out, double x) {
  uint64_t v;
  std::memcpy(&v, &x, sizeof v);
  PutU64(out, v);
}
inline void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
inline void PutString(std::string& out, std::string_view s) {
  PutVarint(out, s.size());
  out.append(s);
}

// Reads what the Put functions wrote. Every read returns false once anything failed; error()
// then says what (the first failure).
class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}

  bool U32(uint32_t* v) {
    uint64_t x = 0;
    if (!Fixed(4, &x)) return false;
    *v = static_cast<uint32_t>(x);
    return true;
  }
  bool U64(uint64_t* v) { return Fixed(8, v); }
  bool F64(double* x) {
    uint64_t v = 0;
    if (!Fixed(8, &v)) return false;
    std::memcpy(x, &v, sizeof v);
    return true;
  }
  bool Varint(uint64_t* v) {
    if (error_) return false;
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= bytes_.size()) return Fail("truncated");
      const unsigned char b = static_cast<unsigned char>(bytes_[pos_++]);
      *v |= uint64_t{b & 0x7fu} << shift;
      if (!(b & 0x80)) return true;
    }
    return Fail("a number is malformed");
  }
  bool String(std::string* s) {
    uint64_t len = 0;
    if (!Varint(&len)) return false;
    return Bytes(len, s);
  }
  // The next n bytes.
  bool Bytes(uint64_t n, std::string* s) {
    std::string_view v;
    if (!View(n, &v)) return false;
    s->assign(v);
    return true;
  }
  // The next n bytes, in place (valid as long as the reader's bytes).
  bool View(uint64_t n, std::string_view* v) {
    if (error_) return false;
    if (n > bytes_.size() - pos_) return Fail("truncated");
    *v = bytes_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  // A count of items that each take at least min_bytes: refuses counts the remaining bytes
  // cannot hold, so a corrupt count cannot make the caller reserve gigabytes.
  bool Count(uint64_t* n, size_t min_bytes) {
    if (!Varint(n)) return false;
    if (*n > (bytes_.size() - pos_) / min_bytes) return Fail("a table is longer than the file");
    return true;
  }
  bool Fail(const char* why) {
    if (!error_) error_ = why;
    return false;
  }
  size_t pos() const { return pos_; }
  bool at_end() const { return pos_ == bytes_.size(); }
  const char* error() const { return error_; }

 private:
  bool Fixed(int width, uint64_t* v) {
    if (error_) return false;
    if (bytes_.size() - pos_ < static_cast<size_t>(width)) return Fail("truncated");
    *v = 0;
    for (int i = 0; i < width; ++i) *v |= uint64_t{static_cast<unsigned char>(bytes_[pos_ + i])} << (8 * i);
    pos_ += width;
    return true;
  }

  std::string_view bytes_;
  size_t pos_ = 0;
  const char* error_ = nullptr;
};

}  // namespace reclink
