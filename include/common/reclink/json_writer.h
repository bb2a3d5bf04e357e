// Writing JSON text: JsonWriter (objects, arrays and values in reclink's layout, on RapidJSON's
// writer), plus string quoting and round-trippable numbers for text that is not a JSON document.
#pragma once

#include <concepts>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace reclink {

// s as a JSON string literal, quotes included. '"', '\\', '\n', '\r' and '\t' get their short
// escapes, every other byte below 0x20 becomes \u00xx (lowercase hex); other bytes, UTF-8 or not,
// are copied as they are.
std::string JsonQuote(std::string_view s);
// x as JSON: the shortest text that reads back to the same double (std::to_chars: "1", "0.5",
// "1e-07", "1.5e+300"); non-finite values become null.
std::string JsonNumber(double x);

// Builds one JSON document in reclink's layout. A container is written either inline,
// `{"a": 1, "b": [2, 3]}`, or one member per line, indented two spaces per level:
//
//   {
//     "a": 1,
//     "b": [2, 3]
//   }
//
// An empty container is `{}` or `[]` either way. Strings and numbers are written exactly as
// JsonQuote and JsonNumber write them, so a document does not depend on how it was built.
// Calls must form one well-formed value (a key before each member value, containers closed in
// order): a programmer error otherwise, checked by assertions in debug builds. Not thread-safe.
class JsonWriter {
 public:
  enum class Layout { kInline, kLines };

  JsonWriter();
  ~JsonWriter();
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  void BeginObject(Layout layout = Layout::kInline);
  void EndObject();
  void BeginArray(Layout layout = Layout::kInline);
  void EndArray();
  // The next member's name (inside an object only).
  void Key(std::string_view name);

  void Value(std::string_view s);
  void Value(const char* s) { Value(std::string_view(s)); }
  void Value(const std::string& s) { Value(std::string_view(s)); }
  void Value(double x);
  void Value(bool b);
  template <std::integral T>
    requires(!std::same_as<T, bool>)
  void Value(T v) {
    if constexpr (std::is_signed_v<T>) {
      Int(static_cast<int64_t>(v));
    } else {
      Uint(static_cast<uint64_t>(v));
    }
  }
  void Null();
  // A complete JSON value written elsewhere (for example by another JsonWriter), copied as is.
  void Raw(std::string_view json);

  // Key(name) then Value(v).
  template <class T>
  void Member(std::string_view name, const T& v) {
    Key(name);
    Value(v);
  }

  // The text written so far; a complete document once the outermost container is closed.
  const std::string& text() const;
  // Moves the text out and leaves the writer empty, ready for a new document.
  std::string Take();

 private:
  void Int(int64_t v);
  void Uint(uint64_t v);

  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace reclink
