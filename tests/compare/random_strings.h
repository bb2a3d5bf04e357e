// Random test strings for the similarity tests: awkward lengths (0, 1, 7-9, 15-17, 31-33, 63-65,
// 100+, 255-257 around the comparison cap), small and large alphabets, ASCII and non-ASCII, and occasional invalid UTF-8 bytes.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace reclink::testing {

enum class Alphabet { kTinyAscii, kAscii, kNonAscii, kBytes };

inline const std::vector<size_t>& AwkwardLengths() {
  // 255-257 and 400 straddle and pass the kernels' 256-code-point cap (kMaxCompareCodePoints).
  static const std::vector<size_t> lengths = {0,  1,  2,   7,   8,   9,   15,  16,  17,  31,  32,  33,
                                              63, 64, 65, 100, 127, 128, 129, 150, 255, 256, 257, 400};
  return lengths;
}

// A string of `length` code points (kBytes: bytes) over `alphabet`.
inline std::string RandomString(std::mt19937_64& rng, size_t length, Alphabet alphabet) {
  static const std::vector<std::string> kNonAscii = {"a", "b", "c", "\xC3\xA9", "\xC3\x9F", "e",
                                                     "\xE4\xB8\xAD", "\xF0\x9F\x98\x80", "o"};
  std::string s;
  for (size_t i = 0; i < length; ++i) {
    switch (alphabet) {
      case Alphabet::kTinyAscii:
        s += static_cast<char>('a' + rng() % 3);
        break;
      case Alphabet::kAscii:
        s += static_cast<char>(rng() % 4 == 0 ? ' ' + rng() % 95 : 'a' + rng() % 8);
        break;
      case Alphabet::kNonAscii:
        s += kNonAscii[rng() % kNonAscii.size()];
        break;
      case Alphabet::kBytes: {
        static const unsigned char kBytes[] = {'a', 'b', 0xC3, 0xA9, 0xE4, 0xB8, 0xAD, 0xF0,
                                               0x9F, 0x98, 0x80, 0xFF, 0xED, 0xA0, 0x00, ' '};
        s += static_cast<char>(kBytes[rng() % sizeof(kBytes)]);
        break;
      }
    }
  }
  return s;
}

// A random edit of s (substitutions, insertions, deletions, swaps) so pairs are often similar.
inline std::string Mutate(std::mt19937_64& rng, std::string s, Alphabet alphabet) {
  const int edits = static_cast<int>(rng() % 4);
  for (int e = 0; e < edits && !s.empty(); ++e) {
    const size_t pos = rng() % s.size();
    switch (rng() % 4) {
      case 0:
        s[pos] = RandomString(rng, 1, Alphabet::kTinyAscii)[0];
        break;
      case 1:
        s.insert(pos, RandomString(rng, 1, alphabet));
        break;
      case 2:
        s.erase(pos, 1);
        break;
      default:
        if (pos + 1 < s.size()) std::swap(s[pos], s[pos + 1]);
        break;
    }
  }
  return s;
}

}  // namespace reclink::testing
