// Tests of what reaches the rules parser before the schema: paths that are not readable files,
// bytes that are not UTF-8 text, empty files, very long strings and deep nesting. Every error is
// kUsage (exit code 2) and says what is wrong with the file rather than "missing key 'id'".
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "reclink/rules.h"

namespace reclink {
namespace {

const char* const kBase = R"(id = "record_id"

[fields.first]
column = "first_name"

[[blocking]]
keys = ["first"]

[[comparison]]
field = "first"
levels = ["exact"]
)";

Result<Rules> Parse(const std::string& text) { return ParseRulesString(text, "r.toml"); }

std::string ErrorOf(const Result<Rules>& r) {
  EXPECT_FALSE(r.ok());
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kUsage);
  EXPECT_EQ(ExitCodeFor(r.status()), 2);
  EXPECT_FALSE(r.status().hint().empty()) << r.status().message();
  return r.status().message();
}

std::string ErrorOf(const std::string& text) { return ErrorOf(Parse(text)); }

class RulesFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("rules_input_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::permissions(dir_ / "secret.toml", std::filesystem::perms::owner_all, ec);
    std::filesystem::remove_all(dir_, ec);
  }
  std::string Write(const std::string& name, const std::string& bytes) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  std::filesystem::path dir_;
};

TEST_F(RulesFileTest, Directory) {
  const std::string path = dir_.string();
  EXPECT_EQ(ErrorOf(ParseRulesFile(path)),
            path + ": error: cannot read the rules file: it is a directory");
}

TEST_F(RulesFileTest, MissingFile) {
  const std::string path = (dir_ / "nope.toml").string();
  EXPECT_EQ(ErrorOf(ParseRulesFile(path)),
            path + ": error: cannot open the rules file: No such file or directory");
  EXPECT_EQ(ErrorOf(ParseRulesFile("")),
            ": error: cannot open the rules file: No such file or directory");
}

TEST_F(RulesFileTest, UnreadableFile) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads any file";
  const std::string path = Write("secret.toml", kBase);
  std::filesystem::permissions(path, std::filesystem::perms::none);
  EXPECT_EQ(ErrorOf(ParseRulesFile(path)),
            path + ": error: cannot open the rules file: Permission denied");
}

TEST_F(RulesFileTest, NotAFileNorAPipe) {
  // A character device would be read for ever (/dev/zero) or block (a terminal).
  EXPECT_EQ(ErrorOf(ParseRulesFile("/dev/zero")),
            "/dev/zero: error: cannot read the rules file: it is not a regular file or a pipe");
}

TEST_F(RulesFileTest, TooLarge) {
  const std::string path = Write("big.toml", std::string(kRulesMaxFileBytes + 1, '#'));
  EXPECT_EQ(ErrorOf(ParseRulesFile(path)),
            path +
                ": error: the rules file is larger than 1048576 bytes; a rules file is a few "
                "kilobytes of TOML");
}

TEST_F(RulesFileTest, ValidFileParses) {
  Result<Rules> r = ParseRulesFile(Write("ok.toml", kBase));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->path, (dir_ / "ok.toml").string());
}

TEST_F(RulesFileTest, BinaryFile) {
  const std::string path = Write("x.toml", std::string("id = \"a\"\n\x7f"
                                                       "ELF\x02\x01\x01\0\0",
                                                       18));
  EXPECT_EQ(ErrorOf(ParseRulesFile(path)),
            path + ":2:8: error: the rules file is not text: a NUL byte at line 2, column 8");
}

TEST(RulesInputTest, NotUtf8) {
  // Latin-1 "é" (0xE9) in a string.
  EXPECT_EQ(ErrorOf(std::string("id = \"record_id\"\n# caf\xE9\n") + kBase),
            "r.toml:2:6: error: the rules file is not UTF-8 text: byte 0xE9 at line 2, column 6 "
            "does not start a valid UTF-8 sequence");
  EXPECT_EQ(ErrorOf(std::string("\xFF\xFE") + kBase),
            "r.toml:1:1: error: the rules file is not UTF-8 text: byte 0xFF at line 1, column 1 "
            "does not start a valid UTF-8 sequence");
  // A UTF-8 byte-order mark is allowed.
  EXPECT_TRUE(Parse(std::string("\xEF\xBB\xBF") + kBase).ok());
}

TEST(RulesInputTest, EmptyFile) {
  const std::string what =
      "r.toml:1:1: error: the rules file is empty: expected at least id = \"COLUMN\", a "
      "[fields.NAME] table, a [[blocking]] rule and a [[comparison]]";
  EXPECT_EQ(ErrorOf(""), what);
  EXPECT_EQ(ErrorOf("\n\n  # only a comment\n"), what);
}

TEST(RulesInputTest, LongStringsAreShortenedInMessages) {
  const std::string name(100000, 'x');
  std::string text = kBase;
  text.replace(text.find("[\"exact\"]"), 9, "[\"" + name + "\"]");
  const std::string message = ErrorOf(text);
  EXPECT_LT(message.size(), 1000u) << message.substr(0, 300);
  EXPECT_NE(message.find("\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...\""),
            std::string::npos)
      << message;
  // A long field name: rejected for its length.
  text = kBase;
  text.replace(text.find("[fields.first]"), 14, "[fields." + std::string(65, 'f') + "]");
  EXPECT_EQ(ErrorOf(text).substr(0, 60),
            "r.toml:3:1: error: field name 'fffffffffffffffffffffffffffff");
  EXPECT_NE(ErrorOf(text).find("expected at most 64 characters, found 65"), std::string::npos);
}

TEST(RulesInputTest, ControlCharactersAreEscapedInMessages) {
  std::string text = kBase;
  text.replace(text.find("[\"exact\"]"), 9, "[\"ex\\nact\\u0000\"]");
  EXPECT_EQ(ErrorOf(text).substr(0, 60),
            "r.toml:11:11: error: key 'levels' in [[comparison]] #1: leve");
  EXPECT_NE(ErrorOf(text).find("level \"ex\\nact\\x00\""), std::string::npos) << ErrorOf(text);
}

TEST(RulesInputTest, DeepNesting) {
  // Deeply nested arrays, inline tables and dotted names stop at 32 levels, never overflowing
  // the stack.
  const std::string arrays = "x = " + std::string(100000, '[') + std::string(100000, ']') + "\n";
  EXPECT_EQ(ErrorOf(arrays + kBase),
            "r.toml:1:37: error: arrays and inline tables nested more than 32 levels deep");
  std::string tables = "x = ";
  for (int i = 0; i < 10000; ++i) tables += "{a=";
  tables += "1" + std::string(10000, '}') + "\n";
  EXPECT_EQ(ErrorOf(tables + kBase),
            "r.toml:1:101: error: arrays and inline tables nested more than 32 levels deep");
  std::string headers = "[a";
  for (int i = 0; i < 10000; ++i) headers += ".a";
  EXPECT_EQ(ErrorOf(kBase + headers + "]\n"),
            "r.toml:12:67: error: a dotted key or table name nested more than 32 levels deep");
}

TEST(RulesInputTest, DeepTablesAtTheSizeLimit) {
  // Dotted keys nest tables without toml++'s array/inline-table limit; a file of the largest
  // allowed size makes about half a million levels, which must not exhaust the stack.
  for (const char* form : {"[a", "a"}) {
    std::string deep = form;
    while (deep.size() + 8 < kRulesMaxFileBytes) deep += ".a";
    deep += form[0] == '[' ? "]\n" : " = 1\n";
    const std::string message = ErrorOf(kBase + deep);
    EXPECT_EQ(message, "r.toml:12:" + std::to_string(form[0] == '[' ? 67 : 66) +
                           ": error: a dotted key or table name nested more than 32 levels deep")
        << message.substr(0, 200);
  }
  // 32 levels are allowed (toml++ then reports the unknown key); dots inside strings, comments
  // and numbers do not count, and neither do a header's brackets.
  std::string ok = "a";
  for (int i = 0; i < 31; ++i) ok += ".a";
  EXPECT_EQ(ErrorOf(kBase + ok + " = 1\n").substr(0, 56),
            "r.toml:12:1: error: unknown key 'a' in [[comparison]] #1");
  std::string text = kBase;
  text += "# " + std::string(100, '.') + "\n[model] # [[[[\n";
  text += "threshold = 0.5 # ......................................\n";
  EXPECT_TRUE(Parse(text).ok()) << Parse(text).status().ToString();
  text = kBase;
  text.replace(text.find("column = \"first_name\""), 21,
               "column = \"" + std::string(100, '.') + "\"\ncolumns = { a = '" +
                   std::string(100, '.') + "', b = \"\"\"x.\\\".[{" + std::string(100, '.') +
                   "\"\"\" }");
  EXPECT_TRUE(Parse(text).ok()) << Parse(text).status().ToString();
  // Arrays and inline tables: the bound is ours (toml++ would stop at 256).
  EXPECT_EQ(ErrorOf("x = " + std::string(33, '[') + std::string(33, ']') + "\n" + kBase),
            "r.toml:1:37: error: arrays and inline tables nested more than 32 levels deep");
}

TEST(RulesInputTest, HugeIntegersAndSpecialFloats) {
  EXPECT_NE(
      ErrorOf(std::string(kBase) + "[model]\nseed = 18446744073709551616\n").find("invalid TOML"),
      std::string::npos);
  EXPECT_EQ(ErrorOf(std::string(kBase) + "[model]\nseed = 1.5\n"),
            "r.toml:13:8: error: key 'seed' in [model]: expected an integer >= 0, found a "
            "floating-point number");
}

TEST(RulesInputTest, DuplicateKeys) {
  EXPECT_NE(ErrorOf(std::string(kBase) + "[fields.first]\ncolumn = \"x\"\n").find("r.toml:12:"),
            std::string::npos);
  std::string text = kBase;
  text.replace(text.find("keys = [\"first\"]"), 16, "keys = [\"first\", \"first\"]");
  EXPECT_EQ(ErrorOf(text),
            "r.toml:7:18: error: blocking key \"first\" in [[blocking]] #1: repeats key #1 of "
            "the same rule");
  EXPECT_EQ(ErrorOf(std::string(kBase) + "[[blocking]]\nkeys = [\"first\"]\n"),
            "r.toml:12:1: error: [[blocking]] #2: the same keys as [[blocking]] #1 (line 6), "
            "found \"first\"");
}

TEST(RulesInputTest, UnicodeAndOddNames) {
  std::string text = kBase;
  text.replace(text.find("[fields.first]"), 14, "[fields.\"prénom\"]");
  EXPECT_EQ(ErrorOf(text),
            "r.toml:3:1: error: field name 'prénom': expected letters, digits and '_' only");
  // A field named like a key function is still a field; keys parse unambiguously.
  text = kBase;
  text.replace(text.find("[fields.first]"), 14, "[fields.soundex]");
  text.replace(text.find("keys = [\"first\"]"), 16, "keys = [\"soundex\", \"soundex(soundex)\"]");
  text.replace(text.find("field = \"first\""), 15, "field = \"soundex\"");
  Result<Rules> r = Parse(text);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->blocking[0].keys[0].fn, KeyFunction::kField);
  EXPECT_EQ(r->blocking[0].keys[1].fn, KeyFunction::kSoundex);
  // Dotted keys and sub-tables of a field.
  text = kBase;
  text.replace(text.find("[fields.first]\ncolumn = \"first_name\""), 36,
               "fields.first.column = \"first_name\"");
  EXPECT_TRUE(Parse(text).ok()) << Parse(text).status().ToString();
  EXPECT_EQ(ErrorOf(std::string(kBase) + "[fields.first.sub]\nx = 1\n"),
            "r.toml:12:15: error: unknown key 'sub' in [fields.first]; expected one of: column, "
            "columns, normalize, country_code, date_order, null_values");
}

TEST(RulesInputTest, KeyFunctionArity) {
  auto with_key = [](const std::string& key) {
    std::string text = kBase;
    text.replace(text.find("keys = [\"first\"]"), 16, "keys = [\"" + key + "\"]");
    return ErrorOf(text);
  };
  EXPECT_EQ(with_key("prefix(first, 3, 4)"),
            "r.toml:7:9: error: blocking key \"prefix(first, 3, 4)\" in [[blocking]] #1: expected "
            "two arguments, prefix(FIELD, N), found 3");
  EXPECT_EQ(with_key("year(first, 2, 3)"),
            "r.toml:7:9: error: blocking key \"year(first, 2, 3)\" in [[blocking]] #1: expected "
            "one argument, year(FIELD), found 3");
  EXPECT_EQ(with_key("soundex()"),
            "r.toml:7:9: error: blocking key \"soundex()\" in [[blocking]] #1: expected one "
            "argument, soundex(FIELD), found none");
  EXPECT_EQ(with_key("soundex(first))"),
            "r.toml:7:9: error: blocking key \"soundex(first))\" in [[blocking]] #1: expected a "
            "field name inside soundex(...), found \"first)\"");
}

}  // namespace
}  // namespace reclink
