// Text encoding helpers for the readers: UTF-8 validation with an ASCII fast path, and Latin-1
// (ISO-8859-1) to UTF-8 transcoding.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace reclink::io {

// True when every byte of [p, p+n) is below 0x80 (SWAR, 8 bytes per step).
bool IsAscii(const char* p, size_t n);

// Offset of the first byte of the first invalid UTF-8 sequence in text (RFC 3629: no overlongs,
// no surrogates, nothing above U+10FFFF), or std::string_view::npos when text is valid.
size_t FindInvalidUtf8(std::string_view text);

// Latin-1 bytes to UTF-8: bytes >= 0x80 become two bytes.
std::string Latin1ToUtf8(std::string_view text);

}  // namespace reclink::io
