// Tests of UTF-8 validation: every class of invalid sequence is found at its first byte, both in
// short texts (byte-by-byte search) and inside long ones (simdjson's validator first), and valid
// text of every sequence length passes.
#include "reclink/text_encoding.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace reclink::io {
namespace {

struct Invalid {
  const char* what;
  std::string bytes;  // the offending sequence; the error is at its first byte
};

const std::vector<Invalid>& InvalidSequences() {
  static const std::vector<Invalid> cases = {
      {"lone continuation byte", "\x80"},
      {"C0 overlong lead", "\xC0\xAF"},
      {"C1 overlong lead", "\xC1\xBF"},
      {"two-byte lead without continuation", "\xC3" "a"},
      {"three-byte overlong", "\xE0\x80\xAF"},
      {"surrogate", "\xED\xA0\x80"},
      {"three-byte truncated", "\xE2\x82" "a"},
      {"four-byte overlong", "\xF0\x80\x80\xAF"},
      {"above U+10FFFF", "\xF4\x90\x80\x80"},
      {"F5 lead", "\xF5\x80\x80\x80"},
      {"FF byte", "\xFF"},
      {"Latin-1 e-acute", "\xE9t\xE9"},
  };
  return cases;
}

TEST(Utf8Test, ValidTextOfEveryLengthPasses) {
  const std::string mixed = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z";  // 1-, 2-, 3- and 4-byte characters
  EXPECT_EQ(FindInvalidUtf8(""), std::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8(mixed), std::string_view::npos);
  std::string long_text;
  while (long_text.size() < 5000) long_text += mixed + "plain ascii, ";
  EXPECT_EQ(FindInvalidUtf8(long_text), std::string_view::npos);
}

TEST(Utf8Test, InvalidSequencesAreFoundAtTheirFirstByte) {
  for (const Invalid& c : InvalidSequences()) {
    SCOPED_TRACE(c.what);
    EXPECT_EQ(FindInvalidUtf8(c.bytes), 0u);
    const std::string short_text = "ok \xC3\xA9 " + c.bytes + " tail";
    EXPECT_EQ(FindInvalidUtf8(short_text), 6u);
    // Long enough for the vectorized check, with the error early, in the middle and at the end.
    const std::string filler(300, 'x');
    for (size_t at : {size_t{0}, size_t{1}, size_t{150}, size_t{300}}) {
      const std::string text = filler.substr(0, at) + c.bytes + filler.substr(at);
      EXPECT_EQ(FindInvalidUtf8(text), at) << "at " << at;
    }
    // A sequence cut by the end of the text.
    const std::string cut = filler + c.bytes.substr(0, 1);
    if (static_cast<unsigned char>(c.bytes[0]) >= 0x80) {
      EXPECT_EQ(FindInvalidUtf8(cut), filler.size());
    }
  }
}

}  // namespace
}  // namespace reclink::io
