// File loading: mmap for plain files; streaming gzip (zlib inflate) and zstd
// (ZSTD_decompressStream) decompression into a growing buffer.
#include "io/input_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <memory>

namespace reclink::io {

namespace {

constexpr size_t kBlock = 1 << 20;

Status ReadError(const std::string& path, int err) {
  return Status::IoError(path + ": error: cannot read file: " + std::strerror(err));
}

Status Corrupt(const std::string& path, const std::string& what) {
  return Status::IoError(path + ": error: corrupt compressed input: " + what,
                         "check the file is complete, or decompress it by hand");
}

// Grows out so that at least `want` bytes are free after `used`; returns the free space.
size_t Room(std::string* out, size_t used, size_t want) {
  if (out->size() - used < want) out->resize(std::max(out->size() * 2, used + want));
  return out->size() - used;
}

Status InflateGzip(std::string_view in, const std::string& path, std::string* out) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return Status::Internal("inflateInit2 failed");
  size_t consumed = 0, used = 0;
  bool member_done = false;  // the last inflate call ended a gzip member
  out->clear();
  for (;;) {
    if (zs.avail_in == 0 && consumed < in.size()) {
      size_t n = std::min<size_t>(in.size() - consumed, std::numeric_limits<uInt>::max());
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + consumed));
      zs.avail_in = static_cast<uInt>(n);
      consumed += n;
    }
    const bool input_left = zs.avail_in > 0 || consumed < in.size();
    size_t room = std::min<size_t>(Room(out, used, kBlock), std::numeric_limits<uInt>::max());
    zs.next_out = reinterpret_cast<Bytef*>(out->data() + used);
    zs.avail_out = static_cast<uInt>(room);
    int rc = inflate(&zs, Z_NO_FLUSH);
    used += room - zs.avail_out;
    if (rc == Z_STREAM_END) {
      member_done = true;
      if (zs.avail_in == 0 && consumed == in.size()) break;
      inflateReset(&zs);  // a concatenated member follows
      continue;
    }
    member_done = false;
    if (rc == Z_BUF_ERROR && !input_left) break;  // truncated: no input left, member unfinished
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      std::string msg = zs.msg ? zs.msg : "inflate error " + std::to_string(rc);
      inflateEnd(&zs);
      return Corrupt(path, msg);
    }
  }
  inflateEnd(&zs);
  if (!member_done) {
    return Corrupt(path, "unexpected end of gzip stream (truncated: the file ends after " +
                             std::to_string(in.size()) + " bytes, " + std::to_string(used) +
                             " bytes decompressed)");
  }
  out->resize(used);
  return Status::Ok();
}

Status DecompressZstd(std::string_view in, const std::string& path, std::string* out) {
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> dctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  size_t used = 0;
  size_t last_rc = 0;
  out->clear();
  ZSTD_inBuffer ib{in.data(), in.size(), 0};
  // Loop until all input is consumed and the decoder has flushed everything it holds.
  for (;;) {
    size_t room = Room(out, used, kBlock);
    ZSTD_outBuffer ob{out->data() + used, room, 0};
    last_rc = ZSTD_decompressStream(dctx.get(), &ob, &ib);
    used += ob.pos;
    if (ZSTD_isError(last_rc)) return Corrupt(path, ZSTD_getErrorName(last_rc));
    if (ib.pos == ib.size && ob.pos < room) break;
  }
  if (last_rc != 0) {
    return Corrupt(path, "unexpected end of zstd stream (truncated: the file ends after " +
                             std::to_string(in.size()) + " bytes, " + std::to_string(used) +
                             " bytes decompressed)");
  }
  out->resize(used);
  return Status::Ok();
}

// Decompresses bytes when they start with a gzip or zstd magic number; else keeps them.
Status Decode(const std::string& path, InputBytes* bytes) {
  std::string_view v = bytes->view();
  const auto* h = reinterpret_cast<const unsigned char*>(v.data());
  std::string out;
  if (v.size() >= 2 && h[0] == 0x1f && h[1] == 0x8b) {
    RECLINK_RETURN_IF_ERROR(InflateGzip(v, path, &out));
  } else if (v.size() >= 4 && h[0] == 0x28 && h[1] == 0xb5 && h[2] == 0x2f && h[3] == 0xfd) {
    RECLINK_RETURN_IF_ERROR(DecompressZstd(v, path, &out));
  } else {
    return Status::Ok();
  }
  bytes->Own(std::move(out));
  return Status::Ok();
}

}  // namespace

InputBytes& InputBytes::operator=(InputBytes&& other) noexcept {
  if (this != &other) {
    Unmap();
    owned_ = std::move(other.owned_);
    map_ = other.map_;
    map_size_ = other.map_size_;
    other.map_ = nullptr;
    other.map_size_ = 0;
  }
  return *this;
}

void InputBytes::Unmap() {
  if (map_ != nullptr) munmap(const_cast<char*>(map_), map_size_);
  map_ = nullptr;
  map_size_ = 0;
}

Status LoadInputFile(const std::string& path, InputBytes* out) {
  // "-" is the standard input (read to its end, like a pipe; a file redirected there is mapped).
  int fd = path == "-" ? ::dup(STDIN_FILENO) : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status::IoError(path + ": error: cannot open file: " + std::strerror(errno),
                           "check the path and its permissions");
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return ReadError(path, err);
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return ReadError(path, EISDIR);
  }
  if (S_ISREG(st.st_mode) && st.st_size > 0) {
    // No MAP_POPULATE: it maps every page in the calling thread before parsing starts (tens of
    // milliseconds for 100 MB); mapped lazily, the pages fault in (16 at a time, by the kernel's
    // fault-around) on the threads that parse them. MADV_SEQUENTIAL asks for read-ahead when the
    // file is not cached.
    void* map = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    if (map != MAP_FAILED) {
      ::madvise(map, static_cast<size_t>(st.st_size), MADV_SEQUENTIAL);  // advice only
      ::close(fd);
      out->AdoptMapping(static_cast<const char*>(map), static_cast<size_t>(st.st_size));
      return Decode(path, out);
    }
  }
  // Pipes, empty files, and files that cannot be mapped: read to the end.
  std::string bytes;
  for (;;) {
    size_t used = bytes.size();
    bytes.resize(used + kBlock);
    ssize_t n = ::read(fd, bytes.data() + used, kBlock);
    if (n < 0) {
      if (errno == EINTR) {
        bytes.resize(used);
        continue;
      }
      int err = errno;
      ::close(fd);
      return ReadError(path, err);
    }
    bytes.resize(used + static_cast<size_t>(n));
    if (n == 0) break;
  }
  ::close(fd);
  out->Own(std::move(bytes));
  return Decode(path, out);
}

bool IsPlainFile(const std::string& path) {
  if (path == "-") return false;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  unsigned char h[4] = {};
  const bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
  const ssize_t n = regular ? ::pread(fd, h, sizeof h, 0) : -1;
  ::close(fd);
  if (n <= 0) return false;
  const bool gzip = n >= 2 && h[0] == 0x1f && h[1] == 0x8b;
  const bool zstd = n >= 4 && h[0] == 0x28 && h[1] == 0xb5 && h[2] == 0x2f && h[3] == 0xfd;
  return !gzip && !zstd;
}

}  // namespace reclink::io
