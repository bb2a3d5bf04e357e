// Tests of the email, phone and date normalizers.
#include <gtest/gtest.h>

#include <string>

#include "reclink/normalize.h"

namespace reclink {
namespace {

std::string Email(std::string_view in) {
  std::string out;
  NormalizeEmail(in, &out);
  return out;
}

std::string Phone(std::string_view in, std::string_view cc = "44") {
  std::string out;
  NormalizePhone(in, cc, &out);
  return out;
}

std::string Date(std::string_view in, DateOrder order = DateOrder::kDayFirst) {
  std::string out = "garbage";
  bool ok = NormalizeDate(in, order, &out);
  EXPECT_EQ(ok, !out.empty()) << in;
  return ok ? out : "<null>";
}

TEST(EmailTest, LowerTrimAndTag) {
  EXPECT_EQ(Email(" John.Smith+news@Example.COM "), "john.smith@example.com");
  EXPECT_EQ(Email("john.smith@example.com"), "john.smith@example.com");
  EXPECT_EQ(Email("a+b+c@x.org"), "a@x.org");
  EXPECT_EQ(Email("john @ example.com"), "john@example.com");
  EXPECT_EQ(Email("+tag@x.org"), "+tag@x.org");  // nothing would be left of the local part
  EXPECT_EQ(Email("not-an-email+x"), "not-an-email+x");
  EXPECT_EQ(Email("J\xC3\x96RG@EXAMPLE.DE"), "j\xC3\xB6rg@example.de");
}

TEST(PhoneTest, UkFormsAgree) {
  EXPECT_EQ(Phone("+44 (0)20 7946 0018"), "02079460018");
  EXPECT_EQ(Phone("0044 20 7946 0018"), "02079460018");
  EXPECT_EQ(Phone("020 7946 0018"), "02079460018");
  EXPECT_EQ(Phone("+44 20 7946 0018"), "02079460018");
  EXPECT_EQ(Phone("+44(0)2079460018"), "02079460018");
  EXPECT_EQ(Phone("(020) 7946-0018"), "02079460018");
  EXPECT_EQ(Phone("020.7946.0018"), "02079460018");
  EXPECT_EQ(Phone("+44 ( 0 ) 20 7946 0018"), "02079460018");
}

TEST(PhoneTest, ExtensionsAndLabelsAndForeignNumbers) {
  EXPECT_EQ(Phone("tel: 020 7946 0018 ext. 123"), "02079460018");
  EXPECT_EQ(Phone("020 7946 0018 x12"), "02079460018");
  EXPECT_EQ(Phone("+33 1 23 45 67 89"), "0033123456789");
  EXPECT_EQ(Phone("0033 1 23 45 67 89"), "0033123456789");
  EXPECT_EQ(Phone("n/a"), "");
  EXPECT_EQ(Phone("+"), "");
  EXPECT_EQ(Phone("+44"), "");
}

TEST(PhoneTest, OtherCountryCodes) {
  EXPECT_EQ(Phone("+49 (0)30 1234567", "49"), "0301234567");
  EXPECT_EQ(Phone("030 1234567", "49"), "0301234567");
  // North America has no trunk 0: the national form is the 10-digit number.
  EXPECT_EQ(Phone("+1 (212) 555-0100", "1"), "2125550100");
  EXPECT_EQ(Phone("1-212-555-0100", "1"), "2125550100");
  EXPECT_EQ(Phone("212.555.0100", "1"), "2125550100");
  EXPECT_EQ(Phone("+44 20 7946 0018", "1"), "00442079460018");
}

// A national result never starts with the international "00" and a second pass changes nothing
// ("+44 0044 20" gave "004420", which normalizes again to "020").
TEST(PhoneTest, NationalFormIsAFixedPoint) {
  EXPECT_EQ(Phone("+44 0044 20"), "04420");
  EXPECT_EQ(Phone("+44 00 20 7946 0018"), "02079460018");
  EXPECT_EQ(Phone("+44 020 7946 0018"), "02079460018");  // trunk 0 written without brackets
  EXPECT_EQ(Phone("+0044 20 7946 0018"), "02079460018");  // both international prefixes
  EXPECT_EQ(Phone("+44 000"), "");                       // nothing but zeros after the code
  EXPECT_EQ(Phone("+1 00 212 555 0100", "1"), "2125550100");
  EXPECT_EQ(Phone("+1 1 212 555 0100", "1"), "2125550100");
  // No North American area code starts with 0 or 1, so "1" + "00..." is not a national 1.
  EXPECT_EQ(Phone("1-002-555-0100", "1"), "10025550100");
  for (const char* in : {"+44 0044 20", "+44 00 20 7946 0018", "+1 1 00 212", "+1 00 1 212 555 0100",
                         "1-002-555-0100", "+0", "+44 0", "+1 0", "00", "000", "+441 212 555 0100"}) {
    for (const char* cc : {"44", "1", "49", "353"}) {
      std::string once = Phone(in, cc);
      EXPECT_EQ(Phone(once, cc), once) << in << " cc " << cc;
    }
  }
}

TEST(PhoneTest, UnicodeDigits) {
  EXPECT_EQ(Phone("\xEF\xBC\x8B\xEF\xBC\x94\xEF\xBC\x94 20 7946 0018"), "02079460018");  // ＋４４
  EXPECT_EQ(Phone("\xDB\xB0\xDB\xB2\xDB\xB0 \xDB\xB7\xDB\xB9\xDB\xB4\xDB\xB6 0018"),
            "02079460018");  // ۰۲۰ ۷۹۴۶ (Extended Arabic-Indic)
  EXPECT_EQ(Phone("\xEF\xBC\x90\xEF\xBC\x92\xEF\xBC\x90 7946 0018 \xEF\xBD\x98 12"),
            "02079460018");  // full-width x starts an extension
}

TEST(DateTest, IsoAndCompact) {
  EXPECT_EQ(Date("1990-01-03"), "1990-01-03");
  EXPECT_EQ(Date("1990-1-3"), "1990-01-03");
  EXPECT_EQ(Date("1990/01/03"), "1990-01-03");
  EXPECT_EQ(Date("19900103"), "1990-01-03");
  EXPECT_EQ(Date("1990-01-03T00:00:00Z"), "1990-01-03");
  EXPECT_EQ(Date("1990-01-03 12:30"), "1990-01-03");
  EXPECT_EQ(Date("2000-02-29"), "2000-02-29");
}

TEST(DateTest, SlashedFollowOrder) {
  EXPECT_EQ(Date("03/01/1990"), "1990-01-03");
  EXPECT_EQ(Date("3/1/1990"), "1990-01-03");
  EXPECT_EQ(Date("03-01-1990"), "1990-01-03");
  EXPECT_EQ(Date("03.01.1990"), "1990-01-03");
  EXPECT_EQ(Date("03/01/1990", DateOrder::kMonthFirst), "1990-03-01");
  EXPECT_EQ(Date("12/25/1990", DateOrder::kMonthFirst), "1990-12-25");
  // The configured order is not second-guessed: day 25 is not a month.
  EXPECT_EQ(Date("12/25/1990", DateOrder::kDayFirst), "<null>");
  EXPECT_EQ(Date("03/01/1990 00:00:00"), "1990-01-03");
}

TEST(DateTest, MonthNames) {
  EXPECT_EQ(Date("3 Jan 1990"), "1990-01-03");
  EXPECT_EQ(Date("03 January 1990"), "1990-01-03");
  EXPECT_EQ(Date("3-JAN-1990"), "1990-01-03");
  EXPECT_EQ(Date("3rd Sept 1990"), "1990-09-03");
  EXPECT_EQ(Date("Jan 3, 1990"), "1990-01-03");
  EXPECT_EQ(Date("December 31 1999"), "1999-12-31");
  EXPECT_EQ(Date("3 Janx 1990"), "<null>");
  EXPECT_EQ(Date("3 Ja 1990"), "<null>");
}

TEST(DateTest, RangesAndGarbage) {
  EXPECT_EQ(Date("1990-02-29"), "<null>");  // not a leap year
  EXPECT_EQ(Date("1900-02-29"), "<null>");  // century rule
  EXPECT_EQ(Date("1990-13-01"), "<null>");
  EXPECT_EQ(Date("1990-04-31"), "<null>");
  EXPECT_EQ(Date("1990-00-10"), "<null>");
  EXPECT_EQ(Date("1990-01-00"), "<null>");
  EXPECT_EQ(Date("32/01/1990"), "<null>");
  EXPECT_EQ(Date("0990-01-01"), "<null>");
  EXPECT_EQ(Date("03/01/90"), "<null>");  // two-digit years are ambiguous
  EXPECT_EQ(Date("1990-01/03"), "<null>");  // mixed separators
  EXPECT_EQ(Date("199001"), "<null>");
  EXPECT_EQ(Date("unknown"), "<null>");
  EXPECT_EQ(Date(""), "<null>");
  EXPECT_EQ(Date("1990-01-03x"), "<null>");
  EXPECT_EQ(Date("12:00"), "<null>");
  EXPECT_EQ(Date("1 2 3 4 5"), "<null>");
}

// Every form docs/rules.md lists, with the example it gives, in both orders where it matters.
TEST(DateTest, DocumentedFormsTable) {
  struct Case {
    const char* in;
    DateOrder order;
    const char* want;
  };
  const DateOrder dmy = DateOrder::kDayFirst, mdy = DateOrder::kMonthFirst;
  const Case cases[] = {
      {"1990-01-03", dmy, "1990-01-03"},      {"1990/01/03", dmy, "1990-01-03"},
      {"1990.01.03", dmy, "1990-01-03"},      {"1990-1-3", dmy, "1990-01-03"},
      {"1990-01-03T00:00:00Z", dmy, "1990-01-03"}, {"1990-01-03 12:30", dmy, "1990-01-03"},
      {"1990-01-03", mdy, "1990-01-03"},      {"19900103", dmy, "1990-01-03"},
      {"19900103", mdy, "1990-01-03"},        {"03/01/1990", dmy, "1990-01-03"},
      {"03/01/1990", mdy, "1990-03-01"},      {"03-01-1990", dmy, "1990-01-03"},
      {"03.01.1990", mdy, "1990-03-01"},      {"3/1/1990", dmy, "1990-01-03"},
      {"12/25/1990", mdy, "1990-12-25"},      {"12/25/1990", dmy, nullptr},
      {"3 Jan 1990", dmy, "1990-01-03"},      {"3 Jan 1990", mdy, "1990-01-03"},
      {"03 January 1990", dmy, "1990-01-03"}, {"3-JAN-1990", dmy, "1990-01-03"},
      {"3rd Sept 1990", dmy, "1990-09-03"},   {"Jan 3, 1990", dmy, "1990-01-03"},
      {"Jan 3, 1990", mdy, "1990-01-03"},     {"1000-01-01", dmy, "1000-01-01"},
      {"2999-12-31", dmy, "2999-12-31"},      {"0999-12-31", dmy, nullptr},
      {"3000-01-01", dmy, nullptr},           {"03/01/90", dmy, nullptr},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Date(c.in, c.order), c.want != nullptr ? c.want : "<null>")
        << c.in << (c.order == dmy ? " dmy" : " mdy");
  }
}

// Dates that name no day of the calendar, in every accepted form, are null.
TEST(DateTest, ImpossibleDatesAreNull) {
  for (const char* in :
       {"2001-02-30", "2001-02-29", "1900-02-29", "2100-02-29", "2001-04-31", "2001-06-31",
        "2001-09-31", "2001-11-31", "2001-02-31", "20010230", "20010229", "30/02/2001",
        "31/04/2001", "30 Feb 2001", "29 Feb 2001", "Feb 30, 2001", "Feb 29, 1900",
        "2001-02-30T00:00:00Z", "2001-00-01", "2001-01-00", "2001-13-01", "2001-01-32"}) {
    EXPECT_EQ(Date(in), "<null>") << in;
  }
  EXPECT_EQ(Date("02/30/2001", DateOrder::kMonthFirst), "<null>");
  for (const char* in : {"2000-02-29", "2004-02-29", "2400-02-29", "29 Feb 2000", "20000229"}) {
    EXPECT_NE(Date(in), "<null>") << in;
  }
}

TEST(DateTest, IsoDateDaysIsCalendarArithmetic) {
  int64_t days = -1;
  ASSERT_TRUE(IsoDateDays("1970-01-01", &days));
  EXPECT_EQ(days, 0);
  ASSERT_TRUE(IsoDateDays("2000-03-01", &days));
  int64_t feb28 = 0;
  ASSERT_TRUE(IsoDateDays("2000-02-28", &feb28));
  EXPECT_EQ(days - feb28, 2);  // 2000 is a leap year
  ASSERT_TRUE(IsoDateDays("1000-01-01", &days));
  EXPECT_EQ(days, -354285);
  EXPECT_FALSE(IsoDateDays("2001-02-30", &days));
  EXPECT_FALSE(IsoDateDays("2001-2-3", &days));
  EXPECT_FALSE(IsoDateDays("2001-02-03x", &days));
  EXPECT_FALSE(IsoDateDays("2001/02/03", &days));
  EXPECT_FALSE(IsoDateDays("+001-02-03", &days));
}

std::string Number(std::string_view in) {
  std::string out = "garbage";
  const bool ok = NormalizeNumber(in, &out);
  EXPECT_EQ(ok, !out.empty()) << in;
  return out;
}

TEST(NumberNormalizerTest, AmountsAsPeopleWriteThem) {
  EXPECT_EQ(Number("49"), "49");
  EXPECT_EQ(Number("$49.00"), "49");
  EXPECT_EQ(Number("49.90 USD"), "49.9");
  EXPECT_EQ(Number("EUR 1.234,50"), "1234.5");
  EXPECT_EQ(Number("1.234,50 \xE2\x82\xAC"), "1234.5");  // 1.234,50 €
  EXPECT_EQ(Number("\xC2\xA3" "1,200"), "1200");            // £1,200
  EXPECT_EQ(Number("1,234,567.8"), "1234567.8");
  EXPECT_EQ(Number("1.234.567"), "1234567");
  EXPECT_EQ(Number("1'234.5"), "1234.5");
  EXPECT_EQ(Number("1 234,5"), "1234.5");
  EXPECT_EQ(Number("12,5"), "12.5");      // one comma, not three digits after: decimal
  EXPECT_EQ(Number("1,234"), "1234");     // one comma, three digits after: thousands
  EXPECT_EQ(Number("1.234"), "1.234");    // one dot: decimal
  EXPECT_EQ(Number("-$5"), "-5");
  EXPECT_EQ(Number("$-5"), "-5");
  EXPECT_EQ(Number("(12.50)"), "-12.5");  // accounting
  EXPECT_EQ(Number("+007"), "7");
  EXPECT_EQ(Number(".5"), "0.5");
  EXPECT_EQ(Number("-0.00"), "0");
  EXPECT_EQ(Number("0"), "0");
}

TEST(NumberNormalizerTest, AnythingElseIsNotANumber) {
  for (std::string_view bad : {"", "free", "n/a", "12 apples", "1.2.3,4", "1,2,3.4.5", "--5", "(-5)", "5-",
                               "1,,000", ",5,", "$", "USD", "12e3", "0x1F", "1/2", "ABCD 5"}) {
    EXPECT_EQ(Number(bad), "") << bad;
  }
}

TEST(NumberNormalizerTest, TheResultIsAFixedPoint) {
  for (std::string_view in : {"$1,234.50", "(0.10)", "1.000.000", "7", "-3,25 EUR"}) {
    const std::string once = Number(in);
    ASSERT_FALSE(once.empty()) << in;
    EXPECT_EQ(Number(once), once) << in;
  }
}

std::string Html(std::string_view in) {
  std::string out;
  DecodeHtmlEntities(in, &out);
  return out;
}

TEST(HtmlEntitiesTest, NamedAndNumericReferencesDecodeOnce) {
  EXPECT_EQ(Html("Caf&eacute; &amp; Bar"), "Caf\xC3\xA9 & Bar");
  EXPECT_EQ(Html("&#8364;5 &#x20AC;5 &#X20ac;5"), "\xE2\x82\xAC" "5 \xE2\x82\xAC" "5 \xE2\x82\xAC" "5");
  EXPECT_EQ(Html("&lt;b&gt; &quot;x&quot; &apos;y&apos;"), "<b> \"x\" 'y'");
  EXPECT_EQ(Html("O&rsquo;Brien &ndash; Ltd"), "O\xE2\x80\x99" "Brien \xE2\x80\x93 Ltd");
  EXPECT_EQ(Html("&amp;lt;"), "&lt;");  // once, as a browser shows it
  EXPECT_EQ(Html("AT&T; &unknown; & &; &#; &#xZZ; &#0; &#xD800; &#x110000; a&b"),
            "AT&T; &unknown; & &; &#; &#xZZ; &#0; &#xD800; &#x110000; a&b");
  EXPECT_EQ(Html("no references"), "no references");
}

TEST(HtmlEntitiesTest, InTheNormalizerChainSpacesAreCollapsedAfterwards) {
  Result<Normalizer> n = Normalizer::Create({"html", "casefold"}, NormalizeOptions{});
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  std::string out;
  ASSERT_TRUE(n->Apply("Tom&nbsp;&amp;&nbsp;Jerry&#39;s", &out, nullptr));
  EXPECT_EQ(out, "tom & jerry's");
  EXPECT_FALSE(n->Apply("&nbsp;", &out, nullptr));  // only a space: null
}

}  // namespace
}  // namespace reclink
