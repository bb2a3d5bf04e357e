// File loading with streaming gzip (zlib inflate) and zstd (ZSTD_decompressStream) decompression.
#include "io/input_file.h"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

namespace reclink::io {

namespace {

constexpr size_t kReadBlock = 1 << 20;

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<FILE, FileCloser>;

Status ReadError(const std::string& path) {
  return Status::IoError(path + ": error: cannot read file: " + std::strerror(errno));
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

Status InflateGzip(FILE* f, const std::string& path, std::vector<char> in, std::string* out) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return Status::Internal("inflateInit2 failed");
  zs.next_in = reinterpret_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  size_t used = 0;
  bool member_done = false;  // the last byte consumed ended a gzip member
  out->clear();
  for (;;) {
    if (zs.avail_in == 0) {
      in.resize(kReadBlock);
      size_t got = std::fread(in.data(), 1, in.size(), f);
      if (std::ferror(f)) {
        inflateEnd(&zs);
        return ReadError(path);
      }
      if (got == 0) break;
      zs.next_in = reinterpret_cast<Bytef*>(in.data());
      zs.avail_in = static_cast<uInt>(got);
    }
    size_t room = Room(out, used, kReadBlock);
    zs.next_out = reinterpret_cast<Bytef*>(out->data() + used);
    zs.avail_out = static_cast<uInt>(room);
    int rc = inflate(&zs, Z_NO_FLUSH);
    used += room - zs.avail_out;
    if (rc == Z_STREAM_END) {
      member_done = true;
      inflateReset(&zs);  // a concatenated member may follow
      continue;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      std::string msg = zs.msg ? zs.msg : "inflate error " + std::to_string(rc);
      inflateEnd(&zs);
      return Corrupt(path, msg);
    }
    member_done = false;
  }
  inflateEnd(&zs);
  if (!member_done) return Corrupt(path, "unexpected end of gzip stream");
  out->resize(used);
  return Status::Ok();
}

Status DecompressZstd(FILE* f, const std::string& path, std::vector<char> first,
                      std::string* out) {
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> dctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  std::vector<char> in = std::move(first);
  size_t used = 0;
  size_t last_rc = 0;
  out->clear();
  for (bool first_block = true;; first_block = false) {
    if (!first_block) {
      in.resize(kReadBlock);
      size_t got = std::fread(in.data(), 1, in.size(), f);
      if (std::ferror(f)) return ReadError(path);
      in.resize(got);
      if (got == 0) break;
    }
    ZSTD_inBuffer ib{in.data(), in.size(), 0};
    while (ib.pos < ib.size) {
      size_t room = Room(out, used, kReadBlock);
      ZSTD_outBuffer ob{out->data() + used, room, 0};
      last_rc = ZSTD_decompressStream(dctx.get(), &ob, &ib);
      used += ob.pos;
      if (ZSTD_isError(last_rc)) return Corrupt(path, ZSTD_getErrorName(last_rc));
    }
    // Flush any output still buffered inside the decoder.
    while (last_rc != 0) {
      size_t room = Room(out, used, kReadBlock);
      ZSTD_outBuffer ob{out->data() + used, room, 0};
      ZSTD_inBuffer empty{nullptr, 0, 0};
      last_rc = ZSTD_decompressStream(dctx.get(), &ob, &empty);
      used += ob.pos;
      if (ZSTD_isError(last_rc)) return Corrupt(path, ZSTD_getErrorName(last_rc));
      if (ob.pos == 0) break;
    }
  }
  if (last_rc != 0) return Corrupt(path, "unexpected end of zstd stream");
  out->resize(used);
  return Status::Ok();
}

}  // namespace

Status LoadInputFile(const std::string& path, std::string* out) {
  errno = 0;
  FilePtr f(std::fopen(path.c_str(), "rb"));
  if (!f) {
    return Status::IoError(path + ": error: cannot open file: " + std::strerror(errno),
                           "check the path and its permissions");
  }
  std::vector<char> head(4);
  size_t got = std::fread(head.data(), 1, head.size(), f.get());
  if (std::ferror(f.get())) return ReadError(path);
  head.resize(got);
  const auto* h = reinterpret_cast<const unsigned char*>(head.data());
  if (got >= 2 && h[0] == 0x1f && h[1] == 0x8b) return InflateGzip(f.get(), path, head, out);
  if (got >= 4 && h[0] == 0x28 && h[1] == 0xb5 && h[2] == 0x2f && h[3] == 0xfd) {
    return DecompressZstd(f.get(), path, head, out);
  }
  // Plain file: size it, then read the rest in one call.
  out->assign(head.begin(), head.end());
  if (std::fseek(f.get(), 0, SEEK_END) == 0) {
    long size = std::ftell(f.get());
    if (size > static_cast<long>(got) && std::fseek(f.get(), static_cast<long>(got), SEEK_SET) == 0) {
      out->resize(static_cast<size_t>(size));
      size_t n = std::fread(out->data() + got, 1, static_cast<size_t>(size) - got, f.get());
      if (std::ferror(f.get())) return ReadError(path);
      out->resize(got + n);
    }
  }
  // Pipes and files that grew: read whatever remains.
  char buf[1 << 16];
  for (;;) {
    size_t n = std::fread(buf, 1, sizeof(buf), f.get());
    if (n == 0) break;
    out->append(buf, n);
  }
  if (std::ferror(f.get())) return ReadError(path);
  return Status::Ok();
}

}  // namespace reclink::io
