// Tests of the decimal-digit values and the digit / full-width folding, against utf8proc's own
// category table rather than a list copied from the Unicode data.
#include <gtest/gtest.h>
#include <utf8proc.h>

#include <cstdlib>
#include <string>

#include "normalize/text_normalizers.h"

namespace reclink::normalize_internal {
namespace {

constexpr int32_t kMaxCodePoint = 0x10FFFF;

bool IsNd(int32_t cp) { return utf8proc_category(cp) == UTF8PROC_CATEGORY_ND; }

// The assumption DecimalDigitValue rests on: every maximal run of Nd code points is a whole
// number of 0..9 runs. Fails if a utf8proc update breaks it.
TEST(UnicodeDigitsTest, EveryNdRunIsWholeDecades) {
  int runs = 0;
  for (int32_t cp = 0; cp <= kMaxCodePoint; ++cp) {
    if (!IsNd(cp) || IsNd(cp - 1)) continue;
    int32_t end = cp;
    while (IsNd(end)) ++end;
    EXPECT_EQ((end - cp) % 10, 0) << std::hex << "run at U+" << cp;
    ++runs;
  }
  EXPECT_GE(runs, 60);  // Unicode 15: 64 maximal runs
}

TEST(UnicodeDigitsTest, ValuesOfKnownDigits) {
  EXPECT_EQ(DecimalDigitValue('0'), 0);
  EXPECT_EQ(DecimalDigitValue('9'), 9);
  EXPECT_EQ(DecimalDigitValue('a'), -1);
  EXPECT_EQ(DecimalDigitValue(0xFF10), 0);   // FULLWIDTH DIGIT ZERO
  EXPECT_EQ(DecimalDigitValue(0xFF19), 9);
  EXPECT_EQ(DecimalDigitValue(0x0660), 0);   // ARABIC-INDIC DIGIT ZERO
  EXPECT_EQ(DecimalDigitValue(0x0669), 9);
  EXPECT_EQ(DecimalDigitValue(0x06F4), 4);   // EXTENDED ARABIC-INDIC DIGIT FOUR
  EXPECT_EQ(DecimalDigitValue(0x0966), 0);   // DEVANAGARI DIGIT ZERO (run starts at ...6)
  EXPECT_EQ(DecimalDigitValue(0x096F), 9);
  EXPECT_EQ(DecimalDigitValue(0x1D7CE), 0);  // MATHEMATICAL BOLD DIGIT ZERO
  EXPECT_EQ(DecimalDigitValue(0x1D7D7), 9);
  EXPECT_EQ(DecimalDigitValue(0x1D7D8), 0);  // MATHEMATICAL DOUBLE-STRUCK DIGIT ZERO
  EXPECT_EQ(DecimalDigitValue(0x1D7FF), 9);  // MATHEMATICAL MONOSPACE DIGIT NINE
  EXPECT_EQ(DecimalDigitValue(0x00B2), -1);  // SUPERSCRIPT TWO is No, not Nd
  EXPECT_EQ(DecimalDigitValue(0x2460), -1);  // CIRCLED DIGIT ONE
  EXPECT_EQ(DecimalDigitValue(0x4E00), -1);  // CJK "one" is a letter
  EXPECT_EQ(DecimalDigitValue(-1), -1);
  EXPECT_EQ(DecimalDigitValue(kMaxCodePoint + 1), -1);
}

// Every Nd code point has a value 0-9; consecutive digits of one run count up by one; a
// non-digit has none. Also: where utf8proc's NFKC maps a digit to ASCII, it agrees.
TEST(UnicodeDigitsTest, EveryDigitAgreesWithItsRun) {
  for (int32_t cp = 0x80; cp <= kMaxCodePoint; ++cp) {
    const int v = DecimalDigitValue(cp);
    if (!IsNd(cp)) {
      ASSERT_EQ(v, -1) << std::hex << cp;
      continue;
    }
    ASSERT_GE(v, 0) << std::hex << cp;
    ASSERT_LE(v, 9) << std::hex << cp;
    if (v > 0) {
      ASSERT_EQ(DecimalDigitValue(cp - 1), v - 1) << std::hex << cp;
    }
    utf8proc_uint8_t buf[4];
    const utf8proc_ssize_t len = utf8proc_encode_char(cp, buf);
    utf8proc_uint8_t* nfkc = utf8proc_NFKC(reinterpret_cast<const utf8proc_uint8_t*>(
        std::string(reinterpret_cast<const char*>(buf), static_cast<size_t>(len)).c_str()));
    ASSERT_NE(nfkc, nullptr);
    if (nfkc[0] >= '0' && nfkc[0] <= '9' && nfkc[1] == 0) {
      ASSERT_EQ(nfkc[0] - '0', v);
    }
    std::free(nfkc);
  }
}

TEST(UnicodeDigitsTest, FoldDigitsAndFullwidth) {
  std::string out;
  FoldDigitsAndFullwidth("\xEF\xBC\x8B\xEF\xBC\x94\xD9\xA4 (\xDB\xB0)", &out);  // ＋４٤ (۰)
  EXPECT_EQ(out, "+44 (0)");
  FoldDigitsAndFullwidth("\xEF\xBC\xAA\xEF\xBD\x81\xEF\xBD\x8E\xEF\xBD\x9E", &out);  // Ｊａｎ～
  EXPECT_EQ(out, "Jan~");
  // Other non-ASCII text and invalid bytes are copied; "²" is not a digit.
  FoldDigitsAndFullwidth("\xC2\xB2\xC3\xA9\xFF\xE2\x80", &out);
  EXPECT_EQ(out, "\xC2\xB2\xC3\xA9\xFF\xE2\x80");
  FoldDigitsAndFullwidth("", &out);
  EXPECT_EQ(out, "");
}

}  // namespace
}  // namespace reclink::normalize_internal
