// JsonWriter's layout and values, and the measurement behind writing strings and doubles through
// Writer::RawValue: RapidJSON's own Double and String would change reclink's output bytes.
#include "reclink/json_writer.h"

#include <gtest/gtest.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <bit>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace reclink {
namespace {

using Layout = JsonWriter::Layout;

// What RapidJSON's plain Writer writes for one double or string.
std::string RapidDouble(double x) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.Double(x);
  return std::string(buf.GetString(), buf.GetSize());
}
std::string RapidString(std::string_view s) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  return std::string(buf.GetString(), buf.GetSize());
}

// The reference for JsonQuote, written out byte by byte.
std::string NaiveQuote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"')
      out += "\\\"";
    else if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else if (c == '\t')
      out += "\\t";
    else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::vector<double> SpecialDoubles() {
  return {0.0,
          -0.0,
          1.0,
          -1.0,
          0.5,
          0.1,
          0.2,
          0.3,
          1.0 / 3,
          2.0 / 3,
          1e-7,
          1e-6,
          1e-5,
          1e21,
          1e22,
          1e23,
          123456789012345678.0,
          5e-324,
          std::numeric_limits<double>::min(),
          std::numeric_limits<double>::max(),
          std::numeric_limits<double>::lowest(),
          std::numeric_limits<double>::epsilon(),
          9007199254740993.0,
          0.0003932723398450124,
          -11.311616175603652,
          12.443291269080134,
          1769.1356207927881,
          2000000.0};
}

// Random doubles: every bit pattern (all exponents), uniform [0, 1) (probabilities, shares) and
// uniform weights in [-40, 40] (log2 likelihood ratios).
std::vector<double> RandomDoubles(size_t n) {
  std::mt19937_64 rng(20261203);
  std::uniform_real_distribution<double> unit(0.0, 1.0), weight(-40.0, 40.0);
  std::vector<double> v;
  v.reserve(n);
  while (v.size() < n) {
    double bits = std::bit_cast<double>(rng());
    while (!std::isfinite(bits)) bits = std::bit_cast<double>(rng());
    v.push_back(bits);
    v.push_back(unit(rng));
    v.push_back(weight(rng));
  }
  return v;
}

TEST(JsonNumber, IsShortestRoundTrip) {
  std::vector<double> v = SpecialDoubles();
  const std::vector<double> r = RandomDoubles(300000);
  v.insert(v.end(), r.begin(), r.end());
  for (double x : v) {
    const std::string s = JsonNumber(x);
    ASSERT_EQ(std::strtod(s.c_str(), nullptr), x) << s;
  }
  EXPECT_EQ(JsonNumber(std::nan("")), "null");
  EXPECT_EQ(JsonNumber(HUGE_VAL), "null");
  EXPECT_EQ(JsonNumber(-HUGE_VAL), "null");
}

// The measurement (printed): how often RapidJSON's Writer::Double would change reclink's bytes.
// It differs on every integer-valued double ("1.0"), on exponents ("1e-7", "1e30" against
// "1e-07", "1e+30"), and where 17 digits are needed it often picks another 17-digit string that
// also reads back (Grisu2 does not pick the closest), now and then a longer one; it is never
// shorter. Hence JsonWriter writes JsonNumber's text through RawValue.
TEST(JsonNumber, RapidJsonDoubleWouldChangeOutput) {
  EXPECT_EQ(JsonNumber(1.0), "1");
  EXPECT_EQ(RapidDouble(1.0), "1.0");
  EXPECT_EQ(JsonNumber(1e-7), "1e-07");
  EXPECT_EQ(RapidDouble(1e-7), "1e-7");
  EXPECT_EQ(JsonNumber(1e30), "1e+30");
  EXPECT_EQ(RapidDouble(1e30), "1e30");
  const std::vector<double> v = RandomDoubles(300000);
  size_t differ[3] = {0, 0, 0}, longer[3] = {0, 0, 0}, total[3] = {0, 0, 0};
  for (size_t i = 0; i < v.size(); ++i) {
    const size_t kind = i % 3;  // bit pattern, unit, weight (see RandomDoubles)
    const std::string ours = JsonNumber(v[i]), theirs = RapidDouble(v[i]);
    ++total[kind];
    differ[kind] += ours != theirs;
    longer[kind] += theirs.size() > ours.size();
    if (kind != 0) {
      ASSERT_GE(theirs.size(), ours.size()) << ours << " " << theirs;  // to_chars is shortest
    }
  }
  for (size_t kind = 0; kind < 3; ++kind) {
    std::printf("RapidJSON Double != JsonNumber (%s): %zu of %zu, %zu of them longer\n",
                kind == 0   ? "random bit patterns"
                : kind == 1 ? "uniform [0, 1)"
                            : "uniform [-40, 40]",
                differ[kind], total[kind], longer[kind]);
    EXPECT_GT(differ[kind], total[kind] / 10);
  }
}

TEST(JsonQuote, EveryByteAsReference) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  EXPECT_EQ(JsonQuote(all), NaiveQuote(all));
  EXPECT_EQ(JsonQuote(""), "\"\"");
  EXPECT_EQ(JsonQuote(std::string_view("a\0b", 3)), "\"a\\u0000b\"");
  EXPECT_EQ(JsonQuote("k\x1f"
                      "v"),
            "\"k\\u001fv\"");
  EXPECT_EQ(JsonQuote("caf\xc3\xa9 \"q\" \\"), "\"caf\xc3\xa9 \\\"q\\\" \\\\\"");
}

// RapidJSON's Writer::String agrees except on \b, \f and uppercase hex: the bytes 0x08, 0x0b,
// 0x0c, 0x0e, 0x0f and 0x1a-0x1f.
TEST(JsonQuote, RapidJsonStringDiffersOnlyOnSomeControlBytes) {
  std::vector<int> differ;
  for (int c = 0; c < 256; ++c) {
    const std::string s(1, static_cast<char>(c));
    if (JsonQuote(s) != RapidString(s)) differ.push_back(c);
  }
  EXPECT_EQ(differ,
            (std::vector<int>{0x08, 0x0b, 0x0c, 0x0e, 0x0f, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f}));
}

TEST(JsonWriter, InlineObject) {
  JsonWriter w;
  w.BeginObject();
  w.Member("s", "x\ny");
  w.Member("d", 0.5);
  w.Member("i", -3);
  w.Member("u", uint64_t{18446744073709551615u});
  w.Member("u32", uint32_t{7});
  w.Member("b", true);
  w.Member("f", false);
  w.Key("n");
  w.Null();
  w.Member("nan", std::nan(""));
  w.Key("a");
  w.BeginArray();
  w.Value(1);
  w.Value(std::string("two"));
  w.BeginObject();
  w.EndObject();
  w.BeginArray();
  w.EndArray();
  w.EndArray();
  w.EndObject();
  EXPECT_EQ(w.text(),
            "{\"s\": \"x\\ny\", \"d\": 0.5, \"i\": -3, \"u\": 18446744073709551615, \"u32\": 7, "
            "\"b\": true, "
            "\"f\": false, \"n\": null, \"nan\": null, \"a\": [1, \"two\", {}, []]}");
}

// The shape of model.json: lines inside lines, inline containers inside lines, empty lines
// containers.
TEST(JsonWriter, LinesLayout) {
  JsonWriter w;
  w.BeginObject(Layout::kLines);
  w.Member("format", "m");
  w.Key("warnings");
  w.BeginArray();
  w.EndArray();
  w.Key("empty");
  w.BeginArray(Layout::kLines);
  w.EndArray();
  w.Key("comparisons");
  w.BeginArray(Layout::kLines);
  for (int c = 0; c < 2; ++c) {
    w.BeginObject(Layout::kLines);
    w.Member("name", c);
    w.Key("levels");
    w.BeginArray(Layout::kLines);
    w.BeginObject();
    w.Member("level", 0);
    w.Member("m", 1.0);
    w.EndObject();
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  EXPECT_EQ(w.text(),
            "{\n"
            "  \"format\": \"m\",\n"
            "  \"warnings\": [],\n"
            "  \"empty\": [],\n"
            "  \"comparisons\": [\n"
            "    {\n"
            "      \"name\": 0,\n"
            "      \"levels\": [\n"
            "        {\"level\": 0, \"m\": 1}\n"
            "      ]\n"
            "    },\n"
            "    {\n"
            "      \"name\": 1,\n"
            "      \"levels\": [\n"
            "        {\"level\": 0, \"m\": 1}\n"
            "      ]\n"
            "    }\n"
            "  ]\n"
            "}");
}

TEST(JsonWriter, RawAndTake) {
  JsonWriter inner;
  inner.BeginObject();
  inner.Member("k", 1);
  inner.EndObject();
  const std::string raw = inner.Take();
  EXPECT_EQ(inner.text(), "");
  JsonWriter w;
  w.BeginArray();
  w.Raw(raw);
  w.Raw("2");
  w.EndArray();
  EXPECT_EQ(w.Take(), "[{\"k\": 1}, 2]");
  w.BeginObject();
  w.Key("again");
  w.Value(std::string_view("x"));
  w.EndObject();
  EXPECT_EQ(w.text(), "{\"again\": \"x\"}");
}

TEST(JsonWriter, NumbersAsJsonNumber) {
  for (double x : SpecialDoubles()) {
    JsonWriter w;
    w.Value(x);
    EXPECT_EQ(w.text(), JsonNumber(x));
  }
}

}  // namespace
}  // namespace reclink
