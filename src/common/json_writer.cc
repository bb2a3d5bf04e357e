// JsonWriter on RapidJSON's Writer, with reclink's layout and its own strings and numbers.
//
// RapidJSON's Writer keeps the nesting, places the commas and colons, checks the call sequence
// (RAPIDJSON_ASSERT) and writes integers, booleans and null. Two things are reclink's own, written
// through Writer::RawValue, because RapidJSON's text differs from what reclink has always written
// and golden outputs compare bytes (json_writer_test.cc measures both):
//  - doubles: Writer::Double (Grisu2) writes 1.0 for 1, 1e-7 for 1e-07 and 1e30 for 1e+30, and
//    on some values a longer digit string than the shortest; std::to_chars is shortest always.
//  - strings: Writer::String writes \b and \f, and \u001F with uppercase hex; reclink writes
//    \u0008, \u000c and \u001f (blocking keys joined by \x1f show up in inspect output).
// The layout (", " and ": " separators, containers inline or one member per line) is a small
// subclass in the manner of RapidJSON's own PrettyWriter, whose single format per document cannot
// mix inline objects into an indented one as model.json does.
#include "reclink/json_writer.h"

#include <rapidjson/writer.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <vector>

namespace reclink {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void AppendQuoted(std::string_view s, std::string* out) {
  out->reserve(out->size() + s.size() + 2);
  out->push_back('"');
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      default:
        if (c < 0x20) {
          const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
          out->append(esc, sizeof esc);
        } else {
          out->push_back(ch);
        }
    }
  }
  out->push_back('"');
}

// Writes x into buf (at least 32 bytes) as JsonNumber does; returns the length.
size_t FormatNumber(double x, char* buf, size_t size) {
  if (!std::isfinite(x)) {
    std::memcpy(buf, "null", 4);
    return 4;
  }
  return static_cast<size_t>(std::to_chars(buf, buf + size, x).ptr - buf);
}

// A RapidJSON output stream appending to a std::string.
struct StringOut {
  using Ch = char;
  std::string text;
  void Put(char c) { text.push_back(c); }
  void Flush() {}
};

using Base = rapidjson::Writer<StringOut>;

// Writer with reclink's layout: Prefix is RapidJSON's, plus the separators' spaces and, in a
// container laid out in lines, a newline and indentation before each member. Writer's Prefix is
// not virtual, so (like PrettyWriter) every writing call is redefined to call this one.
class LayoutWriter : public Base {
 public:
  explicit LayoutWriter(StringOut& out) : Base(out) {}

  void Begin(bool object, bool lines) {
    LayoutPrefix(object ? rapidjson::kObjectType : rapidjson::kArrayType);
    new (level_stack_.template Push<Level>()) Level(!object);
    lines_.push_back(lines);
    os_->Put(object ? '{' : '[');
  }
  void End(bool object) {
    RAPIDJSON_ASSERT(level_stack_.GetSize() >= sizeof(Level));
    const Level* level = level_stack_.template Top<Level>();
    RAPIDJSON_ASSERT(level->inArray != object);
    RAPIDJSON_ASSERT(object ? level->valueCount % 2 == 0 : true);  // no key without its value
    if (lines_.back() && level->valueCount > 0) NewLine(lines_.size() - 1);
    lines_.pop_back();
    level_stack_.template Pop<Level>(1);
    os_->Put(object ? '}' : ']');
  }
  void Null() {
    LayoutPrefix(rapidjson::kNullType);
    WriteNull();
  }
  void Bool(bool b) {
    LayoutPrefix(b ? rapidjson::kTrueType : rapidjson::kFalseType);
    WriteBool(b);
  }
  void Int64(int64_t v) {
    LayoutPrefix(rapidjson::kNumberType);
    WriteInt64(v);
  }
  void Uint64(uint64_t v) {
    LayoutPrefix(rapidjson::kNumberType);
    WriteUint64(v);
  }
  void Raw(std::string_view json, rapidjson::Type type) {
    LayoutPrefix(type);
    os_->text.append(json);
  }
  void Reset(StringOut& out) {
    Base::Reset(out);
    lines_.clear();
  }

 private:
  void NewLine(size_t depth) {
    os_->Put('\n');
    os_->text.append(2 * depth, ' ');
  }

  void LayoutPrefix(rapidjson::Type type) {
    (void)type;
    if (level_stack_.GetSize() == 0) {
      RAPIDJSON_ASSERT(!hasRoot_);  // one value per document
      hasRoot_ = true;
      return;
    }
    Level* level = level_stack_.template Top<Level>();
    const bool member = level->inArray || level->valueCount % 2 == 0;  // an element or a key
    if (member) {
      RAPIDJSON_ASSERT(level->inArray || type == rapidjson::kStringType);  // a key is a string
      if (level->valueCount > 0) os_->Put(',');
      if (lines_.back()) {
        NewLine(lines_.size());
      } else if (level->valueCount > 0) {
        os_->Put(' ');
      }
    } else {
      os_->Put(':');
      os_->Put(' ');
    }
    ++level->valueCount;
  }

  std::vector<bool> lines_;  // per open container: laid out one member per line
};

}  // namespace

std::string JsonQuote(std::string_view s) {
  std::string out;
  AppendQuoted(s, &out);
  return out;
}

std::string JsonNumber(double x) {
  char buf[64];
  return std::string(buf, FormatNumber(x, buf, sizeof buf));
}

class JsonWriter::Impl {
 public:
  StringOut out;
  LayoutWriter writer{out};
  std::string scratch;  // a quoted string before it is written
};

JsonWriter::JsonWriter() : impl_(std::make_unique<Impl>()) {}
JsonWriter::~JsonWriter() = default;

void JsonWriter::BeginObject(Layout layout) { impl_->writer.Begin(true, layout == Layout::kLines); }
void JsonWriter::EndObject() { impl_->writer.End(true); }
void JsonWriter::BeginArray(Layout layout) { impl_->writer.Begin(false, layout == Layout::kLines); }
void JsonWriter::EndArray() { impl_->writer.End(false); }

void JsonWriter::Key(std::string_view name) { Value(name); }

void JsonWriter::Value(std::string_view s) {
  impl_->scratch.clear();
  AppendQuoted(s, &impl_->scratch);
  impl_->writer.Raw(impl_->scratch, rapidjson::kStringType);
}

void JsonWriter::Value(double x) {
  char buf[64];
  const size_t n = FormatNumber(x, buf, sizeof buf);
  impl_->writer.Raw(std::string_view(buf, n), std::isfinite(x) ? rapidjson::kNumberType : rapidjson::kNullType);
}

void JsonWriter::Value(bool b) { impl_->writer.Bool(b); }
void JsonWriter::Int(int64_t v) { impl_->writer.Int64(v); }
void JsonWriter::Uint(uint64_t v) { impl_->writer.Uint64(v); }
void JsonWriter::Null() { impl_->writer.Null(); }

void JsonWriter::Raw(std::string_view json) {
  const char c = json.empty() ? '\0' : json.front();
  const rapidjson::Type type = c == '{'   ? rapidjson::kObjectType
                               : c == '[' ? rapidjson::kArrayType
                               : c == '"' ? rapidjson::kStringType
                                          : rapidjson::kNumberType;
  impl_->writer.Raw(json, type);
}

const std::string& JsonWriter::text() const { return impl_->out.text; }

std::string JsonWriter::Take() {
  std::string text = std::move(impl_->out.text);
  impl_->out.text.clear();
  impl_->writer.Reset(impl_->out);
  return text;
}

}  // namespace reclink
