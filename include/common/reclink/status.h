// Status and Result<T>: how errors travel across module boundaries. No exceptions cross the
// public API; the library never prints and never exits (the CLI owns stderr and exit codes).
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace reclink {

// Kinds of failure; each maps to one process exit code (see ExitCodeFor).
enum class StatusCode {
  kOk = 0,
  kInternal,      // a bug or an unexpected system failure (exit 1)
  kUsage,         // bad command line or rules file (exit 2)
  kInvalidInput,  // bad input data: a bad record, missing id column, empty input (exit 3)
  kIoError,       // an input file could not be opened or read (exit 3)
  kOutputError,   // an output could not be created or written: --out, --model-out (exit 4)
};

// An error message in the user-facing form "FILE:LINE:COLUMN: error: WHAT" (the location part
// is optional) plus an optional hint naming the option or rule to change.
class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Error(StatusCode code, std::string message, std::string hint = {}) {
    Status s;
    s.code_ = code;
    s.message_ = std::move(message);
    s.hint_ = std::move(hint);
    return s;
  }
  static Status Internal(std::string m, std::string h = {}) {
    return Error(StatusCode::kInternal, std::move(m), std::move(h));
  }
  static Status Usage(std::string m, std::string h = {}) {
    return Error(StatusCode::kUsage, std::move(m), std::move(h));
  }
  static Status InvalidInput(std::string m, std::string h = {}) {
    return Error(StatusCode::kInvalidInput, std::move(m), std::move(h));
  }
  static Status IoError(std::string m, std::string h = {}) {
    return Error(StatusCode::kIoError, std::move(m), std::move(h));
  }
  static Status OutputError(std::string m, std::string h = {}) {
    return Error(StatusCode::kOutputError, std::move(m), std::move(h));
  }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  // The full message, e.g. "a.csv:3:7: error: unterminated quoted field".
  const std::string& message() const { return message_; }
  // Advice for the user, e.g. "use --on-bad-record skip to skip such records"; may be empty.
  const std::string& hint() const { return hint_; }
  // message, then "\nhint: ..." when there is a hint.
  std::string ToString() const {
    if (ok()) return "ok";
    return hint_.empty() ? message_ : message_ + "\nhint: " + hint_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string hint_;
};

// Process exit code for a status: 0 ok, 1 internal, 2 usage/rules, 3 input data, 4 output.
inline int ExitCodeFor(const Status& s) {
  switch (s.code()) {
    case StatusCode::kOk: return 0;
    case StatusCode::kInternal: return 1;
    case StatusCode::kUsage: return 2;
    case StatusCode::kInvalidInput: return 3;
    case StatusCode::kIoError: return 3;
    case StatusCode::kOutputError: return 4;
  }
  return 1;
}

// A value or an error status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) { assert(!status_.ok()); }  // NOLINT

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { assert(ok()); return *value_; }
  const T& value() const& { assert(ok()); return *value_; }
  T&& value() && { assert(ok()); return std::move(*value_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::optional<T> value_;
  Status status_;
};

// Formats "FILE:LINE:COLUMN: error: WHAT" (LINE/COLUMN omitted when 0).
std::string FormatLocation(const std::string& file, unsigned long long line,
                           unsigned long long column, const std::string& what);

}  // namespace reclink

#define RECLINK_RETURN_IF_ERROR(expr)        \
  do {                                       \
    ::reclink::Status _st = (expr);          \
    if (!_st.ok()) return _st;               \
  } while (0)
