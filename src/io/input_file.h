// Loading an input file into memory, decompressing gzip (zlib) or zstd streams on the way.
#pragma once

#include <string>

#include "reclink/status.h"

namespace reclink::io {

// Reads path into *out. Compression is detected from the magic bytes (gzip 1f 8b, zstd
// 28 b5 2f fd), not the extension, and decompressed in a stream (concatenated members allowed).
// IoError when the file is missing or unreadable, or the compressed data is corrupt or truncated.
Status LoadInputFile(const std::string& path, std::string* out);

}  // namespace reclink::io
