// Naive reference implementations of every similarity metric, straight from the textbook
// definitions (full dynamic-programming tables, flag arrays, std::set). Tests and fuzzing only.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace reclink::reference {

// UTF-8 decoding with the library's documented convention: an invalid byte b is code point
// 0x110000 + b.
std::vector<uint32_t> Decode(std::string_view s);

// The edit distances and Jaro metrics compare the first 256 code points of each string
// (kMaxCompareCodePoints), as the library does.
uint32_t Levenshtein(std::string_view a, std::string_view b, uint32_t k);
uint32_t Osa(std::string_view a, std::string_view b, uint32_t k);
double Jaro(std::string_view a, std::string_view b);
double JaroWinkler(std::string_view a, std::string_view b);
double TokenJaccard(std::string_view a, std::string_view b);
double QgramJaccard(std::string_view a, std::string_view b, int q);

}  // namespace reclink::reference
