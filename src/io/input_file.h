// Loading an input file into memory: plain files are mapped read-only; gzip (zlib) and zstd
// streams are decompressed in a stream into memory.
#pragma once

#include <string>
#include <string_view>

#include "reclink/status.h"

namespace reclink::io {

// The bytes of one input: a read-only mapping of a plain file, or an owned buffer (decompressed
// data, or a pipe's contents). Movable, not copyable; view() is valid while the object lives.
class InputBytes {
 public:
  InputBytes() = default;
  InputBytes(const InputBytes&) = delete;
  InputBytes& operator=(const InputBytes&) = delete;
  InputBytes(InputBytes&& other) noexcept { *this = std::move(other); }
  InputBytes& operator=(InputBytes&& other) noexcept;
  ~InputBytes() { Unmap(); }

  // True for a plain file mapped in place (not decompressed, not read from a pipe).
  bool mapped() const { return map_ != nullptr; }
  std::string_view view() const {
    return map_ != nullptr ? std::string_view(map_, map_size_) : std::string_view(owned_);
  }
  // Replaces the contents with an owned buffer.
  void Own(std::string bytes) {
    Unmap();
    owned_ = std::move(bytes);
  }
  // Takes ownership of a read-only mapping of `size` bytes.
  void AdoptMapping(const char* map, size_t size) {
    Unmap();
    map_ = map;
    map_size_ = size;
  }

 private:
  void Unmap();

  std::string owned_;
  const char* map_ = nullptr;
  size_t map_size_ = 0;
};

// Loads path ("-": the standard input). Compression is detected from the magic bytes (gzip 1f 8b, zstd 28 b5 2f fd), not
// the extension; concatenated gzip members and zstd frames are read as one stream. A plain
// regular file is mapped, not copied (it must not be truncated while it is read).
// IoError when the file is missing or unreadable, or the compressed data is corrupt or truncated.
Status LoadInputFile(const std::string& path, InputBytes* out);

// True when LoadInputFile would map path in place: a non-empty regular file that does not start
// with a gzip or zstd magic number. False on any error (LoadInputFile then reports it).
bool IsPlainFile(const std::string& path);

}  // namespace reclink::io
