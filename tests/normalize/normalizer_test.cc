// Tests of the normalizer chain and each text normalizer (case, accents, character classes).
#include "reclink/normalize.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace reclink {
namespace {

// Runs value through a chain; "<null>" stands for a null result.
std::string Norm(const std::vector<std::string>& names, std::string_view value,
                NormalizeOptions options = {}, NormalizeCounters* counters = nullptr) {
  Result<Normalizer> n = Normalizer::Create(names, options);
  EXPECT_TRUE(n.ok()) << n.status().ToString();
  std::string out = "garbage";
  bool ok = n->Apply(value, &out, counters);
  if (!ok) {
    EXPECT_TRUE(out.empty());
    return "<null>";
  }
  return out;
}

TEST(NormalizerTest, TrimAndCollapseAlways) {
  EXPECT_EQ(Norm({}, "  John \t  Smith \n"), "John Smith");
  EXPECT_EQ(Norm({"trim"}, "a  b"), "a b");
  EXPECT_EQ(Norm({}, "\xC2\xA0Jos\xC3\xA9\xE2\x80\x83Mar\xC3\xAD\xC3\xA1\xE3\x80\x80"),
            "Jos\xC3\xA9 Mar\xC3\xAD\xC3\xA1");  // NBSP, EM SPACE, IDEOGRAPHIC SPACE
  EXPECT_EQ(Norm({}, "   "), "<null>");
  EXPECT_EQ(Norm({}, ""), "<null>");
}

TEST(NormalizerTest, Case) {
  EXPECT_EQ(Norm({"lower"}, "McDONALD"), "mcdonald");
  EXPECT_EQ(Norm({"upper"}, "McDonald"), "MCDONALD");
  EXPECT_EQ(Norm({"casefold"}, "McDonald"), "mcdonald");
  EXPECT_EQ(Norm({"lower"}, "\xC3\x89LODIE"), "\xC3\xA9lodie");   // ÉLODIE
  EXPECT_EQ(Norm({"upper"}, "\xC3\xA9lodie"), "\xC3\x89LODIE");
  EXPECT_EQ(Norm({"casefold"}, "Stra\xC3\x9F" "e"), "strasse");    // Straße
  EXPECT_EQ(Norm({"lower"}, "\xCE\xA3\xCE\x91"), "\xCF\x83\xCE\xB1");  // ΣΑ -> σα
}

// sort_tokens: word order no longer matters; after punctuation is gone, "Smith, John" and
// "John Smith" are one value.
TEST(NormalizerTest, SortTokens) {
  EXPECT_EQ(Norm({"sort_tokens"}, "smith john a"), "a john smith");
  EXPECT_EQ(Norm({"casefold", "alnum", "sort_tokens"}, "Smith, John"),
            Norm({"casefold", "alnum", "sort_tokens"}, "john  SMITH"));
  EXPECT_EQ(Norm({"sort_tokens"}, "  b   a  "), "a b");
  EXPECT_EQ(Norm({"sort_tokens"}, "one"), "one");
  EXPECT_EQ(Norm({"alnum", "sort_tokens"}, "--"), "<null>");
}

TEST(NormalizerTest, StripAccents) {
  EXPECT_EQ(Norm({"strip_accents"}, "Jos\xC3\xA9 \xC3\x91\xC3\xBA\xC3\xB1" "ez"), "Jose Nunez");
  EXPECT_EQ(Norm({"strip_accents"}, "Ren\xC3\xA9" "e M\xC3\xBCller"), "Renee Muller");
  EXPECT_EQ(Norm({"strip_accents"}, "\xEF\xAC\x81" "sh"), "fish");  // ﬁ ligature (NFKD)
  // Already decomposed input: e + U+0301 COMBINING ACUTE.
  EXPECT_EQ(Norm({"strip_accents"}, "Jose\xCC\x81"), "Jose");
  EXPECT_EQ(Norm({"strip_accents"}, "plain ascii"), "plain ascii");
  EXPECT_EQ(Norm({"casefold", "strip_accents", "alnum"}, " Fran\xC3\xA7ois-Xavier O'Brien "),
            "francoisxavier obrien");
}

TEST(NormalizerTest, CharacterClasses) {
  EXPECT_EQ(Norm({"alnum"}, "O'Brien-Smith, Jr. 3rd"), "OBrienSmith Jr 3rd");
  EXPECT_EQ(Norm({"alnum"}, "smith - jones"), "smith jones");
  EXPECT_EQ(Norm({"letters"}, "Flat 3B, 10 Downing St."), "Flat B Downing St");
  EXPECT_EQ(Norm({"digits"}, "Flat 3B, 10 Downing St."), "310");
  EXPECT_EQ(Norm({"nospace"}, "SW1A 2AA"), "SW1A2AA");
  EXPECT_EQ(Norm({"upper", "nospace"}, " sw1a  2aa "), "SW1A2AA");
  // Non-ASCII letters are letters; non-ASCII punctuation is not.
  EXPECT_EQ(Norm({"alnum"}, "Zo\xC3\xAB \xE2\x80\x94 M\xC3\xBCller\xE2\x80\x99s"),
            "Zo\xC3\xAB M\xC3\xBCllers");  // Zoë — Müller’s
  EXPECT_EQ(Norm({"letters"}, "\xE7\x8E\x8B\xE5\xB0\x8F\xE6\x98\x8E 42"),
            "\xE7\x8E\x8B\xE5\xB0\x8F\xE6\x98\x8E");  // 王小明
  EXPECT_EQ(Norm({"alnum"}, "!!!"), "<null>");
  EXPECT_EQ(Norm({"digits"}, "n/a"), "<null>");
}

// Every Unicode decimal digit (category Nd) is its ASCII digit in digits, alnum, phone and date:
// full-width (U+FF10..FF19), Arabic-Indic (U+0660..0669), Extended Arabic-Indic (U+06F0..06F9),
// Devanagari (U+0966..096F), and the mathematical digits (U+1D7CE.., runs not aligned on 0/6).
TEST(NormalizerTest, UnicodeDecimalDigitsBecomeAscii) {
  const std::string fullwidth_020 = "\xEF\xBC\x90\xEF\xBC\x92\xEF\xBC\x90";  // ０２０
  const std::string arabic_1990 = "\xD9\xA1\xD9\xA9\xD9\xA9\xD9\xA0";       // ١٩٩٠
  const std::string persian_12 = "\xDB\xB1\xDB\xB2";                           // ۱۲
  const std::string devanagari_7 = "\xE0\xA5\xAD";                              // ७
  const std::string math_bold_09 = "\xF0\x9D\x9F\x8E\xF0\x9D\x9F\x97";       // 𝟎𝟗
  const std::string math_mono_5 = "\xF0\x9D\x9F\xBB";                          // 𝟻 U+1D7FB
  EXPECT_EQ(Norm({"digits"}, fullwidth_020 + " 7946"), "0207946");
  EXPECT_EQ(Norm({"digits"}, arabic_1990), "1990");
  EXPECT_EQ(Norm({"digits"}, persian_12 + "-" + devanagari_7), "127");
  EXPECT_EQ(Norm({"digits"}, math_bold_09 + math_mono_5), "095");
  EXPECT_EQ(Norm({"alnum"}, "Flat " + persian_12 + "B"), "Flat 12B");
  EXPECT_EQ(Norm({"alnum"}, "\xD8\xB4\xD9\x82\xD8\xA9 " + arabic_1990),
            "\xD8\xB4\xD9\x82\xD8\xA9 1990");  // Arabic letters stay letters
  EXPECT_EQ(Norm({"letters"}, "Flat " + persian_12 + "B"), "Flat B");
  EXPECT_EQ(Norm({"phone"}, "+44 (" + std::string("\xEF\xBC\x90") + ")20 7946 0018"),
            "02079460018");
  EXPECT_EQ(Norm({"phone"}, fullwidth_020 + " \xEF\xBC\x97\xEF\xBC\x99\xEF\xBC\x94\xEF\xBC\x96 0018"),
            "02079460018");
  EXPECT_EQ(Norm({"phone"}, "\xD9\xA0\xD9\xA2\xD9\xA0 7946 0018"), "02079460018");
  EXPECT_EQ(Norm({"date"}, arabic_1990 + "-01-03"), "1990-01-03");
  EXPECT_EQ(Norm({"date"}, "\xEF\xBC\x93/\xEF\xBC\x91/" + arabic_1990), "1990-01-03");
  // Full-width separators and letters are compatibility forms of ASCII ones (NFKC).
  EXPECT_EQ(Norm({"date"}, "\xEF\xBC\x93\xEF\xBC\x8F\xEF\xBC\x91\xEF\xBC\x8F" + arabic_1990),
            "1990-01-03");  // ３／１／١٩٩٠
  EXPECT_EQ(Norm({"date"}, "3 \xEF\xBC\xAA\xEF\xBD\x81\xEF\xBD\x8E 1990"), "1990-01-03");  // Ｊａｎ
  EXPECT_EQ(Norm({"date"}, persian_12 + "/" + persian_12 + "/" + arabic_1990), "1990-12-12");
  // Superscripts and circled numbers are not decimal digits (No, not Nd).
  EXPECT_EQ(Norm({"digits"}, "\xC2\xB2\xE2\x91\xA0"), "<null>");  // ²①
}

TEST(NormalizerTest, InvalidUtf8DoesNotCrash) {
  EXPECT_EQ(Norm({"casefold", "strip_accents"}, "ab\xFF" "C"), "ab\xFF" "c");
  EXPECT_EQ(Norm({"alnum"}, "ab\xFF" "c"), "abc");
  EXPECT_EQ(Norm({"upper"}, "\xC3"), "\xC3");
  // One invalid byte does not stop the valid text around it from being mapped.
  EXPECT_EQ(Norm({"casefold", "strip_accents"}, "JOS\xC3\x89\xFF" "B\xC3\x9C"), "jose\xFF" "bu");
  EXPECT_EQ(Norm({"casefold", "strip_accents", "alnum"}, "Ren\xC3\xA9" "e\xFF"), "renee");
}

// Combining marks of alternating classes (U+0301 above, 230; U+0316 below, 220): utf8proc puts
// marks in canonical order with an insertion sort, quadratic in a run's length, so a 1 MB value
// took about half an hour to casefold. As in the Stream-Safe Text Format (UAX #15, section 13),
// a U+034F COMBINING GRAPHEME JOINER now follows every 30 non-starters.
TEST(NormalizerTest, CombiningMarkFloodIsStreamSafe) {
  const std::string cgj = "\xCD\x8F";
  std::string flood = "a";
  for (int i = 0; i < 20; ++i) flood += "\xCC\x81\xCC\x96";  // 40 marks
  std::string out;
  Casefold(flood, &out);
  // One CGJ, after the first 30 marks (in canonical order, the first U+0301 composed into "á").
  size_t at = out.find(cgj);
  ASSERT_NE(at, std::string::npos);
  EXPECT_EQ(out.find(cgj, at + 1), std::string::npos);
  EXPECT_EQ(out.substr(0, 4), "\xC3\xA1\xCC\x96");      // á, then the U+0316 marks
  EXPECT_EQ(at, 2 + 29 * 2u);                             // á + 29 more marks, 2 bytes each
  std::string again;
  Casefold(out, &again);
  EXPECT_EQ(again, out);
  // Up to 30 marks nothing is added.
  std::string thirty = "a";
  for (int i = 0; i < 15; ++i) thirty += "\xCC\x81\xCC\x96";
  Casefold(thirty, &out);
  EXPECT_EQ(out.find(cgj), std::string::npos);
  // U+0F73 is a starter (class 0) that decomposes to two non-starters: counted as two.
  std::string tibetan = "\xE0\xBD\x80";  // U+0F40
  for (int i = 0; i < 16; ++i) tibetan += "\xE0\xBD\xB3";
  Casefold(tibetan, &out);
  EXPECT_NE(out.find(cgj), std::string::npos);

  // A whole megabyte of alternating marks goes through every path (the ctest timeout would
  // stop the quadratic version).
  std::string big = "a";
  while (big.size() < (1u << 20)) big += "\xCC\x81\xCC\x96";
  Result<Normalizer> n = Normalizer::Create({"casefold", "strip_accents", "alnum"}, {});
  ASSERT_TRUE(n.ok());
  EXPECT_TRUE(n->Apply(big, &out, nullptr));
  EXPECT_EQ(out, "a");
  Casefold(big, &out);
  EXPECT_GT(out.size(), big.size());
  EXPECT_EQ(Norm({"lower"}, big).size(), big.size());
}

// Zero-width characters with no meaning for matching are dropped with the whitespace: U+200B
// ZERO WIDTH SPACE, U+2060 WORD JOINER, U+FEFF ZERO WIDTH NO-BREAK SPACE (a stray byte-order
// mark) and U+00AD SOFT HYPHEN. ZWJ and ZWNJ (U+200D, U+200C) spell Persian and Indic text and
// emoji, and stay.
TEST(NormalizerTest, ZeroWidthCharactersAreDropped) {
  EXPECT_EQ(Norm({}, "\xEF\xBB\xBFSmith\xE2\x80\x8B"), "Smith");
  EXPECT_EQ(Norm({}, "John\xE2\x80\x8B \xE2\x81\xA0Smith"), "John Smith");
  EXPECT_EQ(Norm({"casefold"}, "Hy\xC2\xADphen"), "hyphen");
  EXPECT_EQ(Norm({}, "\xE2\x80\x8B\xEF\xBB\xBF"), "<null>");
  EXPECT_EQ(Norm({}, "\xD9\x85\xDB\x8C\xE2\x80\x8C\xD8\xAE\xD9\x88\xD8\xA7\xD9\x87\xD9\x85"),
            "\xD9\x85\xDB\x8C\xE2\x80\x8C\xD8\xAE\xD9\x88\xD8\xA7\xD9\x87\xD9\x85");  // می‌خواهم
  std::string out;
  TrimCollapse(" a\xE2\x80\x8B\xE2\x80\x8B b ", &out);
  EXPECT_EQ(out, "a b");
}

// TrimCollapse skips the leading run of plain ASCII bytes eight at a time: a space, tab, control
// byte, NBSP or zero-width space at every position of values of every length up to 20 (so at
// every place in and across the eight-byte words) gives what a plain byte-by-byte pass gives.
TEST(NormalizerTest, TrimCollapseSkipsPlainBytesAtEveryPosition) {
  // The reference: ASCII whitespace runs to one ' ' between words, NBSP as a space, ZWSP dropped.
  auto reference = [](std::string_view in) {
    std::vector<std::string> words(1);
    for (size_t i = 0; i < in.size();) {
      const unsigned char c = static_cast<unsigned char>(in[i]);
      if (c == ' ' || (c >= '\t' && c <= '\r')) {
        words.emplace_back();
        ++i;
      } else if (in.substr(i, 2) == "\xC2\xA0") {
        words.emplace_back();
        i += 2;
      } else if (in.substr(i, 3) == "\xE2\x80\x8B") {
        i += 3;
      } else {
        words.back() += in[i++];
      }
    }
    std::string out;
    for (const std::string& w : words) {
      if (w.empty()) continue;
      if (!out.empty()) out += ' ';
      out += w;
    }
    return out;
  };
  const std::string inserts[] = {" ", "\t", "  ", "\n\r", "\x01", "\x7F", "\xC2\xA0", "\xE2\x80\x8B", "\xC3\xA9"};
  std::string out;
  for (size_t len = 0; len <= 20; ++len) {
    std::string base;
    for (size_t i = 0; i < len; ++i) base += static_cast<char>('!' + (i * 7) % 94);  // 0x21-0x7E
    TrimCollapse(base, &out);
    EXPECT_EQ(out, base);
    for (size_t pos = 0; pos <= len; ++pos) {
      for (const std::string& ins : inserts) {
        const std::string in = base.substr(0, pos) + ins + base.substr(pos);
        TrimCollapse(in, &out);
        EXPECT_EQ(out, reference(in)) << "length " << len << ", at " << pos;
        const std::string twice = in + ins + base;
        TrimCollapse(twice, &out);
        EXPECT_EQ(out, reference(twice)) << "length " << len << ", at " << pos << ", twice";
      }
    }
  }
}

TEST(NormalizerTest, UnknownNormalizerIsAnError) {
  Result<Normalizer> n = Normalizer::Create({"lower", "soundex"}, {});
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.status().code(), StatusCode::kUsage);
  EXPECT_NE(n.status().message().find("unknown normalizer 'soundex'"), std::string::npos);
  EXPECT_NE(n.status().message().find("casefold"), std::string::npos);
  EXPECT_TRUE(IsKnownNormalizer("strip_accents"));
  EXPECT_FALSE(IsKnownNormalizer("Lower"));
  EXPECT_EQ(KnownNormalizers().size(), 15u);
}

TEST(NormalizerTest, BadCountryCodeIsAnError) {
  NormalizeOptions o;
  o.phone_country_code = "+44";
  EXPECT_FALSE(Normalizer::Create({"phone"}, o).ok());
  o.phone_country_code = "4444";
  EXPECT_FALSE(Normalizer::Create({"phone"}, o).ok());
  o.phone_country_code = "1";
  EXPECT_TRUE(Normalizer::Create({"phone"}, o).ok());
  // Only checked when the chain uses phone.
  o.phone_country_code = "x";
  EXPECT_TRUE(Normalizer::Create({"lower"}, o).ok());
}

TEST(NormalizerTest, DateChainCountsUnparseable) {
  NormalizeCounters counters;
  EXPECT_EQ(Norm({"date"}, " 03/01/1990 ", {}, &counters), "1990-01-03");
  EXPECT_EQ(Norm({"date"}, "31/02/1990", {}, &counters), "<null>");
  EXPECT_EQ(Norm({"date"}, "unknown", {}, &counters), "<null>");
  EXPECT_EQ(Norm({"date"}, "   ", {}, &counters), "<null>");  // missing, not unparseable
  EXPECT_EQ(counters.unparseable_dates.load(), 2u);
  EXPECT_EQ(counters.null_values.load(), 3u);
  NormalizeOptions mdy;
  mdy.date_order = DateOrder::kMonthFirst;
  EXPECT_EQ(Norm({"date"}, "03/01/1990", mdy), "1990-03-01");
}

TEST(NormalizerTest, ImpossibleDatesAreCountedUnparseable) {
  NormalizeCounters counters;
  EXPECT_EQ(Norm({"date"}, "2001-02-30", {}, &counters), "<null>");
  EXPECT_EQ(Norm({"date"}, "29/02/2001", {}, &counters), "<null>");
  EXPECT_EQ(Norm({"date"}, "Feb 29, 2100", {}, &counters), "<null>");
  EXPECT_EQ(Norm({"date"}, "29/02/2000", {}, &counters), "2000-02-29");
  EXPECT_EQ(counters.unparseable_dates.load(), 3u);
  EXPECT_EQ(counters.null_values.load(), 3u);
}

TEST(NormalizerTest, ApplyReusesOutputBuffer) {
  Result<Normalizer> n = Normalizer::Create({"casefold", "alnum"}, {});
  ASSERT_TRUE(n.ok());
  std::string out;
  ASSERT_TRUE(n->Apply("A Very Long Value To Grow The Buffer", &out, nullptr));
  ASSERT_TRUE(n->Apply("Bo", &out, nullptr));
  EXPECT_EQ(out, "bo");
}

// One NormalizeScratch shared by chains of every step that needs one (phone, date, email,
// sort_tokens, casefold of non-ASCII text), over ASCII and non-ASCII values: the same results as
// Apply with a fresh scratch per call.
TEST(NormalizerTest, ReusedScratchGivesTheSameResults) {
  const std::vector<std::vector<std::string>> chains = {
      {"phone"}, {"date"}, {"email"}, {"sort_tokens"}, {"casefold", "strip_accents", "letters"},
      {"html", "upper", "nospace"}};
  const std::vector<std::string> values = {
      "+44 (0)20 7946 0018", "\xEF\xBC\x8B\xEF\xBC\x94\xEF\xBC\x94 20 7946 0018",
      "3 Jan 1990", "\xD9\xA1\xD9\xA9\xD9\xA9\xD9\xA0-01-03", " John.Smith+news@Example.COM ",
      "J\xC3\x96RG+x@B\xC3\xBC" "cher.de", "smith  john a", "Stra\xC3\x9F" "e &amp; M\xC3\xBCller",
      std::string(200, 'z') + " a", ""};
  NormalizeScratch scratch;
  for (const auto& names : chains) {
    Result<Normalizer> n = Normalizer::Create(names, {});
    ASSERT_TRUE(n.ok());
    for (const std::string& v : values) {
      std::string reused, fresh;
      const bool a = n->Apply(v, &reused, nullptr, scratch);
      const bool b = n->Apply(v, &fresh, nullptr);
      EXPECT_EQ(a, b) << names[0] << ": " << v;
      EXPECT_EQ(reused, fresh) << names[0] << ": " << v;
    }
  }
}

TEST(NormalizeColumnTest, ParallelResultMatchesSerialApply) {
  Column in("name");
  std::vector<std::string> values;
  for (int i = 0; i < 50000; ++i) {
    if (i % 7 == 0) {
      in.AppendNull();
      values.push_back("<null>");
      continue;
    }
    std::string v = (i % 3 == 0 ? "  M\xC3\xBCller " : " Smith-") + std::to_string(i);
    if (i % 11 == 0) v = "---";
    in.Append(v);
    values.push_back(v);
  }
  Result<Normalizer> n = Normalizer::Create({"casefold", "strip_accents", "alnum"}, {});
  ASSERT_TRUE(n.ok());
  NormalizeCounters counters;
  Column out = NormalizeColumn(in, *n, "name_n", &counters);
  EXPECT_EQ(out.name(), "name_n");
  ASSERT_EQ(out.size(), in.size());
  uint64_t nulls = 0;
  std::string expected;
  for (RowId r = 0; r < in.size(); ++r) {
    bool ok = !in.IsNull(r) && n->Apply(in.Get(r), &expected, nullptr);
    ASSERT_EQ(out.IsNull(r), !ok) << r;
    if (ok) {
      ASSERT_EQ(out.Get(r), expected) << r;
    } else {
      ++nulls;
    }
  }
  EXPECT_EQ(counters.null_values.load(), nulls);
  EXPECT_EQ(out.Get(1), "smith1");
  EXPECT_EQ(out.Get(3), "muller 3");
}

}  // namespace
}  // namespace reclink
