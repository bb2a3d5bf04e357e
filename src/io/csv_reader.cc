// Parallel RFC 4180 CSV reader. A record ends at a newline outside quotes; with RFC 4180 quoting a
// newline is outside quotes exactly when an even number of quote characters precede it, so pass 1
// counts quotes (and newlines, for line numbers) per chunk in parallel and a prefix sum gives the
// quote state at every chunk start. Pass 2 parses, in parallel, the records whose first byte lies
// in each chunk, keeping only each column's byte count, the record count and the rejects;
// prefix sums over the chunks then size every column exactly. Pass 3 parses each chunk again,
// writing each value (and each record's line) straight to its final place: the same table for
// any chunking, and no intermediate copy or per-value references (parsing twice costs less than
// the fresh memory they would take).
// The bit-parallel fast path of passes 2 and 3 is compiled per Highway target (HWY_AVX2 and the
// baseline) and chosen once per read by HWY_DYNAMIC_DISPATCH.
// (The speculative variant of this scheme is Ge et al., "Speculative Distributed CSV Data Parsing
// for Big Data Analytics", SIGMOD 2019; counting quotes first makes it exact.)
// A bad record (bad quoting, wrong field count) ends at its first line break, so that a stray
// quote costs one line; that can flip the quote parity of what follows, so after pass 2 the chunk
// starts are checked in file order and re-parsed where they do not match (see ParseCsv).
#include "io/csv_reader.h"

#include <tbb/blocked_range.h>
#include "reclink/parallel.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <unordered_set>

#include <sys/mman.h>
#include <unistd.h>


#include "compare/simd_targets.h"
#include "io/csv_scan.h"
#include "io/read_share.h"
#include "reclink/text_encoding.h"

// The fast path is compiled by Highway for HWY_AVX2 and for the baseline (static) target only:
// the other x86 targets would add nothing to the baseline kernels, and elsewhere the baseline is
// the one path.
#ifndef HWY_DISABLED_TARGETS
#define HWY_DISABLED_TARGETS                                                                  \
  (HWY_SSSE3 | HWY_SSE4 | HWY_AVX3 | HWY_AVX3_DL | HWY_NEON | HWY_SVE | HWY_SVE2 | HWY_SVE_256 | \
   HWY_SVE2_128 | HWY_PPC8 | HWY_RVV | HWY_WASM | HWY_WASM_EMU256)
#endif
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "io/csv_reader.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include "io/csv_scan-inl.h"

// Everything but the fast path's per-target entry points is compiled once (foreach_target
// includes this file once per target).
#ifndef RECLINK_IO_CSV_READER_CC_SHARED_
#define RECLINK_IO_CSV_READER_CC_SHARED_

namespace reclink::io {
namespace {

using csv_scan::kOnes;
using csv_scan::Load64;
using csv_scan::ZeroBytes;

// Index of the first (lowest-address) flagged byte of a non-zero ZeroBytes mask.
inline size_t FirstFlagged(uint64_t mask) {
  if constexpr (std::endian::native == std::endian::little) {
    return static_cast<size_t>(std::countr_zero(mask)) >> 3;
  } else {
    return static_cast<size_t>(std::countl_zero(mask)) >> 3;
  }
}

std::string ByteName(unsigned char c) {
  if (c >= 0x20 && c < 0x7F) return std::string("'") + static_cast<char>(c) + "'";
  static const char* kHex = "0123456789abcdef";
  return std::string("byte 0x") + kHex[c >> 4] + kHex[c & 15];
}

const char* const kBadRecordHint =
    "use --on-bad-record skip or --on-bad-record quarantine to set such records aside";
const char* const kUtf8Hint =
    "if the file is Latin-1 encoded use --encoding latin-1; otherwise use --on-bad-record "
    "skip or --on-bad-record quarantine to set such records aside";
const char* const kQuoteHint =
    "a quote inside a value must be doubled and the whole field quoted (12\" pipe -> \"12\"\" "
    "pipe\"); fix the line, or use --on-bad-record skip or --on-bad-record quarantine to set "
    "such records aside (reading resumes at the next line)";

// Which hint a bad record's error carries.
enum class BadKind { kOther, kUtf8, kQuote };

// One parsed field. An unescaped value points into the input; an escaped one (with doubled
// quotes) lives in the parser's scratch buffer at value_offset.
struct Field {
  const char* raw;  // first byte of the field in the input, for error locations
  const char* value;
  size_t value_offset;
  uint32_t size;
  bool escaped;
};

// Splits one record into fields. Not thread-safe; one per task.
class RecordParser {
 public:
  enum class Outcome { kRecord, kBlank, kBad };

  // names: the header's column names, used to name the field at fault in messages; nullptr
  // while the header itself is parsed.
  RecordParser(const char* end, char delimiter, bool trim, const std::vector<std::string>* names)
      : end_(end), delimiter_(delimiter), delimiter_bytes_(kOnes * static_cast<uint8_t>(delimiter)),
        trim_(trim), names_(names) {}

  // Parses the record starting at p. kRecord/kBlank: *next is the next record's start and
  // newlines() the newlines consumed. kBad: *error_at and *reason describe the first problem.
  Outcome Parse(const char* p, const char** next, const char** error_at, std::string* reason) {
    fields_.clear();
    scratch_.clear();
    newlines_ = 0;
    if (*p == '\n') {
      *next = p + 1;
      newlines_ = 1;
      return Outcome::kBlank;
    }
    if (*p == '\r' && (p + 1 == end_ || p[1] == '\n')) {
      *next = p + 1 == end_ ? end_ : p + 2;
      newlines_ = p + 1 == end_ ? 0 : 1;
      return Outcome::kBlank;
    }
    for (;;) {
      const char* raw = p;
      if (trim_) {
        while (p < end_ && *p == ' ') ++p;
      }
      if (p < end_ && *p == '"') {
        const char* open = p;
        const char* q = p + 1;
        const char* segment = q;
        bool escaped = false;
        size_t offset = scratch_.size();
        const char* close;
        for (;;) {
          close = static_cast<const char*>(std::memchr(q, '"', static_cast<size_t>(end_ - q)));
          if (close == nullptr) {
            *error_at = open;
            scanned_to_ = end_;
            *reason = "unterminated quoted field" + FieldLabel(fields_.size()) +
                      " (the quote opened here is never closed)";
            return Outcome::kBad;
          }
          if (close + 1 < end_ && close[1] == '"') {  // "" stands for one quote
            escaped = true;
            scratch_.append(segment, close + 1);
            q = close + 2;
            segment = q;
            continue;
          }
          break;
        }
        newlines_ += static_cast<uint64_t>(std::count(open + 1, close, '\n'));
        Field f{raw, open + 1, offset, 0, escaped};
        if (escaped) {
          scratch_.append(segment, close);
          f.size = static_cast<uint32_t>(scratch_.size() - offset);
        } else {
          f.size = static_cast<uint32_t>(close - (open + 1));
        }
        fields_.push_back(f);
        p = close + 1;
        if (trim_) {
          while (p < end_ && *p == ' ') ++p;
        }
        if (p == end_) {
          *next = end_;
          return Outcome::kRecord;
        }
        if (*p == delimiter_) {
          ++p;
          continue;
        }
        if (*p == '\n') {
          *next = p + 1;
          ++newlines_;
          return Outcome::kRecord;
        }
        if (*p == '\r' && (p + 1 == end_ || p[1] == '\n')) {
          *next = p + 1 == end_ ? end_ : p + 2;
          newlines_ += p + 1 == end_ ? 0 : 1;
          return Outcome::kRecord;
        }
        *error_at = p;
        scanned_to_ = p;
        *reason = "unexpected " + ByteName(static_cast<unsigned char>(*p)) + " after " +
                  (names_ == nullptr ? std::string("a closing quote")
                                     : "the closing quote of field" + FieldLabel(fields_.size() - 1)) +
                  " (expected a delimiter or the end of the line)";
        return Outcome::kBad;
      }
      const char* start = p;
      const char* stop = FindSpecial(p);
      if (stop < end_ && *stop == '"') {
        *error_at = stop;
        scanned_to_ = stop;
        *reason = (names_ == nullptr ? std::string("quote inside an unquoted field")
                                     : "quote inside unquoted field" + FieldLabel(fields_.size())) +
                  " (quote the whole field and double the quote)";
        return Outcome::kBad;
      }
      const char* value_end = stop;
      if ((stop == end_ || *stop == '\n') && value_end > start && value_end[-1] == '\r') {
        --value_end;
      }
      if (trim_) {
        while (value_end > start && value_end[-1] == ' ') --value_end;
      }
      fields_.push_back(Field{raw, start, 0, static_cast<uint32_t>(value_end - start), false});
      if (stop == end_) {
        *next = end_;
        return Outcome::kRecord;
      }
      if (*stop == '\n') {
        *next = stop + 1;
        ++newlines_;
        return Outcome::kRecord;
      }
      p = stop + 1;  // a delimiter
    }
  }

  const std::vector<Field>& fields() const { return fields_; }
  std::string_view Value(const Field& f) const {
    return f.escaped ? std::string_view(scratch_.data() + f.value_offset, f.size)
                     : std::string_view(f.value, f.size);
  }
  uint64_t newlines() const { return newlines_; }
  // After kBad: how far the parse read (the end of the input for an unterminated quote).
  const char* scanned_to() const { return scanned_to_; }

  // " 'name'" for field k (0-based) of a record: its header column name, or its position when
  // the record has more fields than the header; empty while parsing the header.
  std::string FieldLabel(size_t k) const {
    std::string label;
    if (names_ == nullptr) return label;
    if (k < names_->size()) {
      label.append(" '").append((*names_)[k]).append("'");
    } else {
      label.append(" ").append(std::to_string(k + 1)).append(" (the header has ");
      label.append(std::to_string(names_->size())).append(")");
    }
    return label;
  }

 private:
  // First delimiter, newline or quote at or after p, or end_. SWAR: 8 bytes per step.
  const char* FindSpecial(const char* p) const {
    constexpr uint64_t kNewline = kOnes * '\n';
    constexpr uint64_t kQuote = kOnes * '"';
    while (p + 8 <= end_) {
      uint64_t v = Load64(p);
      uint64_t m = ZeroBytes(v ^ delimiter_bytes_) | ZeroBytes(v ^ kNewline) | ZeroBytes(v ^ kQuote);
      if (m != 0) return p + FirstFlagged(m);
      p += 8;
    }
    while (p < end_ && *p != delimiter_ && *p != '\n' && *p != '"') ++p;
    return p;
  }

  const char* end_;
  char delimiter_;
  uint64_t delimiter_bytes_;
  bool trim_;
  const std::vector<std::string>* names_;
  std::vector<Field> fields_;
  std::string scratch_;
  uint64_t newlines_ = 0;
  const char* scanned_to_ = nullptr;
};

// The quote in [line, line_end) that leaves the line inside quotes (the last opening quote by
// parity), and the 0-based index of its field; nullptr when the line ends outside quotes.
const char* OpenQuoteAtLineEnd(const char* line, const char* line_end, char delimiter, size_t* field) {
  bool in_quotes = false;
  const char* open = nullptr;
  size_t k = 0, open_field = 0;
  for (const char* p = line; p < line_end; ++p) {
    if (*p == '"') {
      in_quotes = !in_quotes;
      if (in_quotes) {
        open = p;
        open_field = k;
      }
    } else if (*p == delimiter && !in_quotes) {
      ++k;
    }
  }
  *field = open_field;
  return in_quotes ? open : nullptr;
}

// End of a record's content: before its "\n" or "\r\n" terminator.
const char* ContentEnd(const char* rec, const char* next) {
  const char* e = next;
  if (e > rec && e[-1] == '\n') --e;
  if (e > rec && e[-1] == '\r') --e;
  return e;
}

struct Location {
  uint64_t line;
  uint64_t column;
};

// Physical line and 1-based byte column of `at` within the record starting at rec on rec_line.
Location Locate(const char* rec, uint64_t rec_line, const char* at) {
  Location loc{rec_line, 0};
  const char* line_start = rec;
  for (const char* p = rec; p < at; ++p) {
    if (*p == '\n') {
      ++loc.line;
      line_start = p + 1;
    }
  }
  loc.column = static_cast<uint64_t>(at - line_start) + 1;
  return loc;
}

// The fast path is the bit-parallel structural scan of Langdale and Lemire, "Parsing Gigabytes
// of JSON per Second" (VLDB Journal 2019), applied to CSV as in simdcsv: io/csv_scan.h.
// Chunks are at most this large (more chunks give the same table): bounds one task's work.
constexpr size_t kMaxChunkBytes = size_t{4} << 20;
// A record with a line break inside quotes that is longer than this (from its start to the
// 64-byte block holding the line break) is handed to the reference parser: see FastRun.
constexpr ptrdiff_t kFastQuotedSpan = 4096;

// Pass 2's result for one chunk.
struct ChunkResult {
  std::vector<uint64_t> bytes;  // [column] text bytes of the chunk's records
  uint64_t rows = 0;            // records (pass 3 writes their lines)
  std::vector<BadRecord> rejects;
  const char* first_record = nullptr;  // the first record starting in the chunk; nullptr: none
  uint64_t first_line = 0;
  bool utf8_rejected = false;  // a record was rejected for invalid UTF-8 (pass 3 checks again)
  // Records with all their fields (the header's count) that the fast path handed to the reference
  // parser because of their quotes or UTF-8, in order: pass 3 does the same without checking.
  std::vector<const char*> slow_records;
  Status error;
  bool failed = false;
  bool stopped = false;  // stopped early by a failure in an earlier chunk (fail policy)
  // Where the record after the chunk's last one starts (at or after the chunk's end) and its
  // line: the next chunk's first record when this chunk started at a true record start.
  const char* next_record = nullptr;
  uint64_t next_line = 0;
};

// Where pass 3 writes one column's values of one chunk.
struct ColumnCursor {
  char* arena;
  uint32_t* offsets;       // the column's offsets while it is narrow, else null
  uint64_t* wide_offsets;  // the column's offsets when it is wide, else null
  uint64_t* nulls;
  uint64_t pos;        // next byte of the arena
  uint64_t part_end;   // end of this chunk's part of the arena
  uint64_t null_word;  // null bits of the current 64-row word, not yet stored
};

Status BadRecordStatus(const std::string& file, Location loc, const std::string& reason,
                       BadKind kind, const std::string& delimiter_hint) {
  const char* hint = kind == BadKind::kUtf8 ? kUtf8Hint : kind == BadKind::kQuote ? kQuoteHint : kBadRecordHint;
  return Status::InvalidInput(FormatLocation(file, loc.line, loc.column, reason),
                              delimiter_hint.empty() ? hint : delimiter_hint);
}

// The two parsing passes: pass 2 counts (bytes per column, records, rejects), pass 3 writes.
enum class Pass { kCount, kWrite };

template <Pass kPass>
class ChunkParser;

// One Highway target's fast path: ChunkParser::FastRun compiled for the target, and its kernels.
struct CsvFastPath {
  void (*run_count)(ChunkParser<Pass::kCount>& parser, const char* r, const char* ce, uint64_t line);
  void (*run_write)(ChunkParser<Pass::kWrite>& parser, const char* r, const char* ce, uint64_t line);
  csv_internal::CsvScanKernels kernels;
  bool needs_popcnt;  // the target's code may use POPCNT, which Highway does not check for
};

// What every chunk's parser shares.
struct CsvContext {
  const std::string& file;
  const char* region;  // first byte after the header
  const char* end;
  char delimiter;
  size_t num_columns;
  size_t chunk_bytes;
  size_t num_chunks;
  const uint32_t* non_ascii_before;  // per chunk index: chunks before it holding bytes >= 0x80
  bool fail_fast;
  bool fast_path;  // the bit-parallel scanner (no trimming, little-endian)
  CsvFastPath path;  // the fast path's target, chosen once per read
  std::atomic<size_t>* first_failed;
  uint64_t* lines = nullptr;  // pass 3: the table's line of each row
  // The hint for a field-count error when the header has one column and another delimiter
  // appears in it (the delimiter is likely wrong); empty otherwise.
  std::string delimiter_hint;
};

// Parses the records starting in one chunk: kCount fills a ChunkResult; kWrite (given the
// chunk's ChunkResult from kCount) writes the values through one ColumnCursor per column, its
// first row being `first_row`. The fast path handles records that are plainly valid; anything
// else (a stray or doubled quote, a ragged row, non-ASCII bytes that fail validation, a blank
// line at the end) is re-parsed by RecordParser, the reference, which also produces every error
// message. Both find the same record ends: newlines after an even number of quotes. Both passes
// run the same code on the same bytes, so they see the same records.
template <Pass kPass>
class ChunkParser {
 public:
  ChunkParser(const CsvContext& ctx, RecordParser& parser, ChunkResult& out, size_t chunk,
              ColumnCursor* cursors = nullptr, uint64_t first_row = 0)
      : ctx_(ctx), parser_(parser), out_(out), chunk_(chunk), cursors_(cursors), first_row_(first_row),
        row_(first_row),
        check_utf8_(kPass == Pass::kCount || out.utf8_rejected) {
    if constexpr (kPass == Pass::kWrite) {
      for (size_t c = 0; c < ctx.num_columns; ++c) narrow_ = narrow_ && cursors[c].offsets != nullptr;
    }
  }

  // Stores the pending null bits (kWrite); the row count reached.
  uint64_t Finish() {
    if constexpr (kPass == Pass::kWrite) {
      if (row_ % 64 != 0) FlushNulls(row_ - 1);
    }
    return row_;
  }

  void Run(const char* r, const char* ce, uint64_t line) {
    if (ctx_.fast_path) {
      if (check_utf8_ && ctx_.non_ascii_before[chunk_ + 1] != ctx_.non_ascii_before[chunk_] && r < ce) {
        // One validation of the chunk's whole records instead of one per non-ASCII record: a
        // record boundary is an ASCII newline, so the records inside a valid prefix are valid.
        const void* last = ::memrchr(r, '\n', static_cast<size_t>(ce - r));
        if (last != nullptr) {
          const char* stop = static_cast<const char*>(last);
          size_t bad = FindInvalidUtf8(std::string_view(r, static_cast<size_t>(stop - r)));
          utf8_valid_until_ = bad == std::string_view::npos ? stop : r + bad;
        }
      }
      if constexpr (kPass == Pass::kCount) {
        ctx_.path.run_count(*this, r, ce, line);
      } else {
        ctx_.path.run_write(*this, r, ce, line);
      }
      return;
    }
    while (!AtChunkEnd(r, ce, line)) {
      if (!SlowRecord(r, line)) return;
    }
  }

 private:
  using FieldSpan = std::pair<const char*, const char*>;  // [first byte, end) of a raw field

  // True when the chunk's parse ends before rec: rec is at or after the chunk's end (then, in the
  // count pass, rec and its line are where the next chunk's first record must start), or a
  // failure in an earlier chunk stopped it (count pass).
  bool AtChunkEnd(const char* rec, const char* ce, uint64_t line) {
    if constexpr (kPass == Pass::kCount) {
      if (rec >= ce) {  // (ce <= ctx_.end)
        out_.next_record = rec;
        out_.next_line = line;
        return true;
      }
      if (Stopped()) {
        out_.stopped = true;
        return true;
      }
      return false;
    } else {
      return rec >= ce;
    }
  }

  bool Stopped() const {
    return kPass == Pass::kCount && ctx_.fail_fast &&
           chunk_ > ctx_.first_failed->load(std::memory_order_relaxed);
  }

  bool RecordNeedsUtf8Check(const char* r, const char* next) const {
    size_t ci = static_cast<size_t>(r - ctx_.region) / ctx_.chunk_bytes;
    size_t cj = std::min(ctx_.num_chunks - 1,
                         static_cast<size_t>(std::max(next - 1, r) - ctx_.region) / ctx_.chunk_bytes);
    return ctx_.non_ascii_before[cj + 1] != ctx_.non_ascii_before[ci];
  }

  // One value of column c of the current record.
  void Emit(size_t c, const char* value, size_t size) {
    if constexpr (kPass == Pass::kCount) {
      out_.bytes[c] += size;
    } else {
      ColumnCursor& col = cursors_[c];
      if (size == 0) {
        col.null_word |= uint64_t{1} << (row_ % 64);
      } else {  // (an all-null column's arena is null: no memcpy to it)
        std::memcpy(col.arena + col.pos, value, size);
      }
      col.pos += size;
      if (col.offsets != nullptr) {
        col.offsets[row_ + 1] = static_cast<uint32_t>(col.pos);
      } else {
        col.wide_offsets[row_ + 1] = col.pos;
      }
    }
  }

  // Values up to this long are copied as one fixed-size block.
  static constexpr ptrdiff_t kCopyBytes = 32;

  // Emit for every field of a fast-path record (kWrite) whose values can each be read
  // kCopyBytes bytes from their start. A value of up to kCopyBytes bytes is copied as one block
  // of kCopyBytes, a few bytes too many: the column's next value overwrites them, and they never
  // pass this chunk's part of the arena (the next chunk's part is another thread's). One pass of
  // straight-line code per value: the null bit is set without a branch, and everything is read
  // before the arena is written (a char store may alias anything, so the compiler would reload).
  template <bool kWide>
  void EmitPadded(const FieldSpan* fields, size_t num_fields) {
    const uint64_t row = row_;
    ColumnCursor* const cursors = cursors_;
    for (size_t c = 0; c < num_fields; ++c) {
      auto [s, e] = fields[c];
      if (s < e && *s == '"') {
        ++s;
        --e;
      }
      const uint64_t size = static_cast<uint64_t>(e - s);
      ColumnCursor& col = cursors[c];
      const uint64_t pos = col.pos;
      char* const dst = col.arena + pos;
      const bool block = size <= kCopyBytes && pos + kCopyBytes <= col.part_end;
      col.null_word |= static_cast<uint64_t>(size == 0) << (row % 64);
      col.pos = pos + size;
      if constexpr (kWide) {
        col.wide_offsets[row + 1] = pos + size;
      } else {
        col.offsets[row + 1] = static_cast<uint32_t>(pos + size);
      }
      if (block) [[likely]] {
        std::memcpy(dst, s, kCopyBytes);
      } else if (size != 0) {  // (an all-null column's arena is null: no memcpy to it)
        std::memcpy(dst, s, size);
      }
    }
  }

  void EndRecord(uint64_t line) {
    if constexpr (kPass == Pass::kCount) {
      ++out_.rows;
    } else {
      ctx_.lines[row_] = line;
      ++row_;
      if (row_ % 64 == 0) {
        if (row_ - 64 >= first_row_) {
          StoreNulls(row_ - 1);
        } else {
          FlushNulls(row_ - 1);
        }
      }
    }
  }

  // Stores the null bits of the word ending at last_row, a word all of whose rows are this
  // chunk's: a plain store, and no branch on whether any is set (often unpredictable).
  void StoreNulls(uint64_t last_row) {
    for (size_t c = 0; c < ctx_.num_columns; ++c) {
      ColumnCursor& col = cursors_[c];
      col.nulls[last_row / 64] = col.null_word;
      col.null_word = 0;
    }
  }

  // Null-bitmap words at a chunk's ends are shared with the neighbouring chunks: atomic OR.
  void FlushNulls(uint64_t last_row) {
    for (size_t c = 0; c < ctx_.num_columns; ++c) {
      ColumnCursor& col = cursors_[c];
      if (col.null_word != 0) {
        std::atomic_ref<uint64_t>(col.nulls[last_row / 64]).fetch_or(col.null_word, std::memory_order_relaxed);
        col.null_word = 0;
      }
    }
  }

  // The reference path for the record at r: emits it, skips it (blank), or rejects it. Advances
  // r and line past it. Returns false when the chunk must stop (fail policy).
  bool SlowRecord(const char*& r, uint64_t& line) {
    const char* next = nullptr;
    const char* error_at = nullptr;
    std::string reason;
    auto outcome = parser_.Parse(r, &next, &error_at, &reason);
    if (outcome == RecordParser::Outcome::kBlank) {
      line += parser_.newlines();
      r = next;
      return true;
    }
    BadKind kind = BadKind::kOther;
    // How far the parse read before the record proved invalid (structural errors only).
    const char* reach = nullptr;
    if (outcome == RecordParser::Outcome::kRecord) {
      const auto& fields = parser_.fields();
      if (fields.size() != ctx_.num_columns) {
        outcome = RecordParser::Outcome::kBad;
        reach = ContentEnd(r, next);
        error_at = fields.size() > ctx_.num_columns ? fields[ctx_.num_columns].raw : ContentEnd(r, next);
        reason = "expected " + std::to_string(ctx_.num_columns) + " fields (as in the header), found " +
                 std::to_string(fields.size());
        if (fields.size() > ctx_.num_columns) {
          reason += " (" + std::to_string(fields.size() - ctx_.num_columns) + " extra after" +
                    parser_.FieldLabel(ctx_.num_columns - 1) + ")";
        } else if (fields.size() + 1 == ctx_.num_columns) {
          reason += " (missing" + parser_.FieldLabel(fields.size()) + ")";
        } else {
          reason += " (missing" + parser_.FieldLabel(fields.size()) + " and the " +
                    std::to_string(ctx_.num_columns - fields.size() - 1) + " after it)";
        }
      } else if (RecordNeedsUtf8Check(r, next)) {
        size_t bad = FindInvalidUtf8(std::string_view(r, static_cast<size_t>(next - r)));
        if (bad != std::string_view::npos) {
          outcome = RecordParser::Outcome::kBad;
          error_at = r + bad;
          size_t k = 0;  // the field holding the bad byte: the last one starting at or before it
          while (k + 1 < fields.size() && fields[k + 1].raw <= error_at) ++k;
          reason = "invalid UTF-8 (" + ByteName(static_cast<unsigned char>(r[bad])) + ") in field" +
                   parser_.FieldLabel(k);
          kind = BadKind::kUtf8;
        }
      }
      if (outcome == RecordParser::Outcome::kRecord) {
        for (size_t c = 0; c < ctx_.num_columns; ++c) {
          const Field& f = fields[c];
          Emit(c, f.escaped ? parser_.Value(f).data() : f.value, f.size);
        }
        EndRecord(line);
        line += parser_.newlines();
        r = next;
        return true;
      }
    } else {
      reach = parser_.scanned_to();
      kind = BadKind::kQuote;
    }
    if (reach != nullptr) {
      // A record that is badly quoted or has the wrong field count ends at its first line break,
      // and reading resumes on the next line: a stray quote must not take the rest of the input
      // with it (by parity, the next quote would close it, maybe thousands of lines later). A
      // quoted field that runs past the line break before the record fails is named, at its
      // quote, with the number of lines it ran over. (A well-formed record with invalid UTF-8
      // keeps its extent.)
      const void* nl = std::memchr(r, '\n', static_cast<size_t>(ctx_.end - r));
      const char* line_end = nl == nullptr ? ctx_.end : static_cast<const char*>(nl);
      if (reach > line_end) {
        size_t field = 0;
        const char* open = OpenQuoteAtLineEnd(r, line_end, ctx_.delimiter, &field);
        if (open != nullptr) {
          const bool to_the_end = reach == ctx_.end;
          // (An unterminated quote on the last line reaches past its final line break only.)
          const char* stop = std::max(line_end, to_the_end ? ContentEnd(r, ctx_.end) : reach);
          const uint64_t over = static_cast<uint64_t>(std::count(line_end, stop, '\n'));
          const std::string lines = std::to_string(over) + (over == 1 ? " line" : " lines");
          if (over == 0) {
            // Nothing swallowed: the parser's own reason and location stand.
          } else if (to_the_end && outcome == RecordParser::Outcome::kBad && kind == BadKind::kQuote &&
              reason.rfind("unterminated", 0) == 0) {
            reason = "unterminated quoted field" + parser_.FieldLabel(field) +
                     " (the quote opened here is never closed: it would swallow the " + lines +
                     " after this one, to the end of the input)";
          } else {
            Location inner = Locate(r, line, error_at);
            reason = "quoted field" + parser_.FieldLabel(field) + " opened here runs over the next " + lines +
                     " and the record cannot be valid there (line " + std::to_string(inner.line) +
                     " column " + std::to_string(inner.column) + ": " + reason + ")";
          }
          if (over != 0) {
            error_at = open;
            kind = BadKind::kQuote;
          }
        }
      }
      next = line_end == ctx_.end ? ctx_.end : line_end + 1;
    }
    if constexpr (kPass == Pass::kWrite) {  // reported by the count pass
      line += static_cast<uint64_t>(std::count(r, next, '\n'));
      r = next;
      return true;
    }
    out_.utf8_rejected = out_.utf8_rejected || kind == BadKind::kUtf8;
    Location loc = Locate(r, line, error_at);
    if (ctx_.fail_fast) {
      out_.failed = true;
      out_.error = BadRecordStatus(ctx_.file, loc, reason, kind, ctx_.delimiter_hint);
      size_t prev = ctx_.first_failed->load();
      while (chunk_ < prev && !ctx_.first_failed->compare_exchange_weak(prev, chunk_)) {
      }
      return false;
    }
    out_.rejects.push_back(
        BadRecord{ctx_.file, loc.line, loc.column, reason, std::string(r, ContentEnd(r, next))});
    line += static_cast<uint64_t>(std::count(r, next, '\n'));
    r = next;
    return true;
  }

  enum class FastOutcome { kRecord, kBlank, kAnomaly };

  // kCount: remembers that the fast path sent the record at rec to the reference parser.
  FastOutcome Anomaly(const char* rec) {
    if constexpr (kPass == Pass::kCount) out_.slow_records.push_back(rec);
    return FastOutcome::kAnomaly;
  }

  // Checks and emits the record [rec, content_end) whose num_fields fields are the first entries
  // of fields_ and which holds `quotes` quote characters.
  // non_ascii: the record holds a byte >= 0x80 (then it is UTF-8 validated).
  FastOutcome FastRecord(const char* rec, const char* content_end, uint64_t quotes, bool non_ascii,
                         uint64_t line, size_t num_fields) {
    FieldSpan* const fields = fields_.data();
    FieldSpan& last = fields[num_fields - 1];
    if (last.second > last.first && last.second[-1] == '\r') --last.second;
    if (num_fields == 1 && last.first == last.second) return FastOutcome::kBlank;
    if (num_fields != ctx_.num_columns) return FastOutcome::kAnomaly;
    if constexpr (kPass == Pass::kWrite) {
      // The count pass checked this record: only the records it sent to the reference parser
      // are anomalies.
      if (next_slow_ < out_.slow_records.size() && out_.slow_records[next_slow_] == rec) {
        ++next_slow_;
        return FastOutcome::kAnomaly;
      }
      if (ctx_.end - content_end >= kCopyBytes) {
        // Every value of the record can be read kCopyBytes bytes from its start.
        if (narrow_) {
          EmitPadded<false>(fields, num_fields);
        } else {
          EmitPadded<true>(fields, num_fields);
        }
      } else {
        for (size_t c = 0; c < num_fields; ++c) {
          auto [s, e] = fields[c];
          if (s < e && *s == '"') {
            ++s;
            --e;
          }
          Emit(c, s, static_cast<size_t>(e - s));
        }
      }
    } else {
      uint64_t* const bytes = out_.bytes.data();
      if (non_ascii && check_utf8_ && content_end > utf8_valid_until_ &&
          FindInvalidUtf8(std::string_view(rec, static_cast<size_t>(content_end - rec))) !=
              std::string_view::npos) {
        return Anomaly(rec);
      }
      if (quotes == 0) {
        // No quoted field (most records): each field's bytes are its value, nothing to check.
        for (size_t c = 0; c < num_fields; ++c) {
          bytes[c] += static_cast<uint64_t>(fields[c].second - fields[c].first);
        }
      } else {
        // One loop checks the quotes and counts the bytes; an anomaly takes the counts back.
        uint64_t quoted = 0;
        size_t c = 0;
        bool ok = true;
        for (; c < num_fields; ++c) {
          auto [s, e] = fields[c];
          uint64_t size = static_cast<uint64_t>(e - s);
          if (s < e && *s == '"') {
            if (size < 2 || e[-1] != '"') {
              ok = false;
              break;
            }
            ++quoted;
            size -= 2;
          }
          bytes[c] += size;
        }
        // Only the outer quotes of quoted fields: no stray quote, no doubled ("") quote.
        if (!ok || quotes != 2 * quoted) {
          for (size_t k = 0; k < c; ++k) {
            auto [s, e] = fields[k];
            bytes[k] -= static_cast<uint64_t>(e - s) - (s < e && *s == '"' ? 2 : 0);
          }
          return Anomaly(rec);
        }
      }
    }
    EndRecord(line);
    return FastOutcome::kRecord;
  }

  // Room for one more field in fields_ (which only grows), as a raw buffer of `capacity`.
  [[gnu::noinline]] FieldSpan* GrowFields(size_t* capacity) {
    fields_.resize(std::max<size_t>(2 * fields_.size(), 16));
    *capacity = fields_.size();
    return fields_.data();
  }

 public:
  // The fast path on the chunk's records from r, with the scanning kernels K of one Highway
  // target: always inlined into that target's entry functions (FastRunCount, FastRunWrite), which
  // are compiled for the target. Only they (and what the compiler inlines into them, such as K's
  // functions) get the target's instructions; the functions they call out of line (RecordParser,
  // FastRecord when not inlined, ...) stay baseline code.
  template <class K>
  [[gnu::always_inline]] void FastRun(const char* r, const char* ce, uint64_t line) {
    const char* const end = ctx_.end;
    const char* block = r;
    const char* rec = r;
    const char* field = r;
    uint64_t carry = 0;  // all ones when the previous block ended inside quotes
    // Quote and newline counts from `block`'s origin (the last restart) to the block and to rec.
    uint64_t quotes_before_block = 0, newlines_before_block = 0;
    uint64_t quotes_before_rec = 0, newlines_before_rec = 0;
    // Where rec starts in the current block (0 when in an earlier block), and whether the record's
    // bytes in earlier blocks include one >= 0x80.
    int rec_bit = 0;
    bool rec_high = false;
    // fields_ as a raw buffer: the current record's fields are fields[0..num_fields).
    size_t fields_capacity = fields_.size();
    FieldSpan* fields = fields_.data();
    size_t num_fields = 0;
    char tail[64];
    for (;;) {
      if (block >= end) {
        // The last record, without a final newline.
        if (rec < end) {
          if (num_fields == fields_capacity) fields = GrowFields(&fields_capacity);
          fields[num_fields++] = FieldSpan(field, end);
          FastOutcome outcome = carry != 0 ? FastOutcome::kAnomaly
                                           : FastRecord(rec, end, quotes_before_block - quotes_before_rec,
                                                        rec_high, line, num_fields);
          if (outcome == FastOutcome::kAnomaly) {
            const char* r2 = rec;
            if (!SlowRecord(r2, line)) return;
            if (r2 < end) {  // a bad record ending at its first line break: restart there
              block = rec = field = r2;
              carry = quotes_before_block = newlines_before_block = 0;
              quotes_before_rec = newlines_before_rec = 0;
              rec_bit = 0;
              rec_high = false;
              num_fields = 0;
              if (AtChunkEnd(rec, ce, line)) return;
              continue;
            }
          }
        }
        AtChunkEnd(end, ce, line);
        return;
      }
      const char* src = block;
      if (end - block < 64) {
        std::memset(tail, 0, sizeof(tail));
        std::memcpy(tail, block, static_cast<size_t>(end - block));
        src = tail;
      }
      const BlockMasks m = K::ScanBlock(src, ctx_.delimiter);
      const uint64_t inside = K::PrefixXor(m.quote) ^ carry;
      carry = static_cast<uint64_t>(static_cast<int64_t>(inside) >> 63);
      uint64_t structural = (m.delimiter | m.newline) & ~inside;
      // A line break inside quotes: a multi-line value, or a stray quote's doing, after which
      // every line break is "inside" until the next stray quote or the end of the input. Once
      // the record is kFastQuotedSpan long, it goes to the reference parser, which decides where
      // the next record starts (after a bad record: on the next line), so a stray quote costs at
      // most that much scanning; shorter multi-line records stay on the fast path (either way
      // gives the same result).
      uint64_t quoted_newlines = m.newline & inside;
      if (quoted_newlines != 0) [[unlikely]] {
        if (block - rec < kFastQuotedSpan) {
          quoted_newlines = 0;
        } else {
          structural &= (uint64_t{1} << std::countr_zero(quoted_newlines)) - 1;
        }
      }
      bool restarted = false;
      while (structural != 0) {
        const int k = std::countr_zero(structural);
        structural &= structural - 1;
        const char* pos = block + k;
        if (num_fields == fields_capacity) [[unlikely]] fields = GrowFields(&fields_capacity);
        fields[num_fields++] = FieldSpan(field, pos);
        field = pos + 1;
        if (((m.newline >> k) & 1) == 0) continue;
        const uint64_t below = k == 0 ? 0 : ~uint64_t{0} >> (64 - k);
        const uint64_t quotes_at = quotes_before_block + K::PopCount(m.quote & below);
        const uint64_t newlines_at = newlines_before_block + K::PopCount(m.newline & below);
        const char* next = pos + 1;
        const uint64_t from_rec = rec_bit == 0 ? ~uint64_t{0} : ~(~uint64_t{0} >> (64 - rec_bit));
        const bool non_ascii = rec_high || (m.high & below & from_rec) != 0;
        FastOutcome outcome =
            FastRecord(rec, pos, quotes_at - quotes_before_rec, non_ascii, line, num_fields);
        if (outcome == FastOutcome::kAnomaly) {
          const char* r2 = rec;
          if (!SlowRecord(r2, line)) return;
          if (r2 != next) {  // a bad record ending at its first line break: restart there
            block = rec = field = r2;
            carry = quotes_before_block = newlines_before_block = 0;
            quotes_before_rec = newlines_before_rec = 0;
            rec_bit = 0;
            rec_high = false;
            num_fields = 0;
            restarted = true;
            if (AtChunkEnd(rec, ce, line)) return;
            break;
          }
        } else {
          line += newlines_at - newlines_before_rec + 1;
        }
        quotes_before_rec = quotes_at;
        newlines_before_rec = newlines_at + 1;
        rec = field = next;
        rec_bit = k + 1;  // 64 when the next record starts in the next block: see below
        rec_high = false;
        num_fields = 0;
        if (AtChunkEnd(rec, ce, line)) return;
      }
      if (restarted) continue;
      if (quoted_newlines != 0) [[unlikely]] {
        // Every record before the quoted line break is done: rec holds it.
        const char* r2 = rec;
        if (!SlowRecord(r2, line)) return;
        block = rec = field = r2;
        carry = quotes_before_block = newlines_before_block = 0;
        quotes_before_rec = newlines_before_rec = 0;
        rec_bit = 0;
        rec_high = false;
        num_fields = 0;
        if (AtChunkEnd(rec, ce, line)) return;
        continue;
      }
      quotes_before_block += K::PopCount(m.quote);
      newlines_before_block += K::PopCount(m.newline);
      if (rec_bit < 64) {
        const uint64_t from_rec = rec_bit == 0 ? ~uint64_t{0} : ~(~uint64_t{0} >> (64 - rec_bit));
        rec_high = rec_high || (m.high & from_rec) != 0;
      }
      rec_bit = 0;
      block += 64;
    }
  }

 private:
  const CsvContext& ctx_;
  RecordParser& parser_;
  ChunkResult& out_;
  size_t chunk_;
  ColumnCursor* cursors_;  // kWrite: one per column
  uint64_t first_row_;     // kWrite: the chunk's first row
  uint64_t row_;           // kWrite: the current record's row
  bool check_utf8_;        // validate non-ASCII records in the fast path
  bool narrow_ = true;     // kWrite: every column has 4-byte offsets
  const char* utf8_valid_until_ = nullptr;  // records ending here or before are valid UTF-8
  size_t next_slow_ = 0;                     // kWrite: next entry of out_.slow_records
  std::vector<FieldSpan> fields_;  // grown by GrowFields, never shrunk
};

}  // namespace
}  // namespace reclink::io

#endif  // RECLINK_IO_CSV_READER_CC_SHARED_

// The fast path's entry functions for the target being compiled.
HWY_BEFORE_NAMESPACE();
namespace reclink::io {
namespace HWY_NAMESPACE {

void FastRunCount(ChunkParser<Pass::kCount>& parser, const char* r, const char* ce, uint64_t line) {
  parser.FastRun<CsvKernels>(r, ce, line);
}

void FastRunWrite(ChunkParser<Pass::kWrite>& parser, const char* r, const char* ce, uint64_t line) {
  parser.FastRun<CsvKernels>(r, ce, line);
}

CsvFastPath TargetFastPath() {
  return CsvFastPath{&FastRunCount,
                     &FastRunWrite,
                     {CsvKernels::kBaseline ? kCsvBaselineName : hwy::TargetName(HWY_TARGET),
                      &CsvKernels::ScanBlock, &CsvKernels::CountBytes,
                      &CsvKernels::PrefixXor, &CsvKernels::PopCount},
                     CsvKernels::kNeedsPopcnt};
}

}  // namespace HWY_NAMESPACE
}  // namespace reclink::io
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace reclink::io {

HWY_EXPORT(TargetFastPath);

namespace {

// POPCNT, which the HWY_AVX2 code may use (Highway's "sse4.2" lets the compiler emit it) but
// Highway does not check for (every CPU with AVX2 has it).
bool HasPopcnt() {
#if HWY_ARCH_X86 && (defined(__GNUC__) || defined(__clang__))
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("popcnt") != 0;
  }();
  return has;
#else
  return true;
#endif
}

// The fast path of Highway's current target choice, or the baseline when the scalar paths are
// forced or the chosen target needs an instruction the CPU lacks.
CsvFastPath ChooseFastPath() {
  if (!compare_internal::ScalarForced()) {
    CsvFastPath path = HWY_DYNAMIC_DISPATCH(TargetFastPath)();
    if (!path.needs_popcnt || HasPopcnt()) return path;
  }
  return HWY_STATIC_DISPATCH(TargetFastPath)();
}

}  // namespace

namespace csv_internal {

std::vector<int64_t> CsvTargets() {
  std::vector<int64_t> out;
  for (int64_t target : hwy::SupportedAndGeneratedTargets()) {
    // (Every target but the baseline may use POPCNT.)
    if (target == HWY_STATIC_TARGET || HasPopcnt()) out.push_back(target);
  }
  return out;
}

CsvScanKernels ActiveCsvKernels() { return ChooseFastPath().kernels; }

}  // namespace csv_internal

Result<RecordTable> ParseCsv(std::string_view data, const std::string& file,
                             const std::string& source_name, char delimiter,
                             const ReadOptions& options, ReadReport* report, Collective* group) {
  if (delimiter == '"' || delimiter == '\n' || delimiter == '\r') {
    return Status::Usage("invalid CSV delimiter " + ByteName(static_cast<unsigned char>(delimiter)),
                         "use --delimiter with one of , ; | or tab");
  }
  const char* begin = data.data();
  const char* end = begin + data.size();
  auto no_records = [&]() {
    RecordTable table;
    table.AddSource(source_name);
    return table;
  };
  if (data.empty()) {
    if (options.allow_empty) return no_records();
    return Status::InvalidInput(file + ": error: empty input (0 bytes)",
                                "check that the right file was given");
  }

  if (data.size() >= 2 && ((data[0] == '\xFF' && data[1] == '\xFE') || (data[0] == '\xFE' && data[1] == '\xFF'))) {
    return Status::InvalidInput(
        FormatLocation(file, 1, 1, "the input starts with a UTF-16 byte order mark: UTF-16 is not supported"),
        "convert the file to UTF-8 first, e.g. iconv -f UTF-16 -t UTF-8 IN > OUT");
  }

  // Header: the first non-blank record, parsed serially.
  RecordParser header_parser(end, delimiter, options.trim_spaces, nullptr);
  const char* rec = begin;
  uint64_t line = 1;
  std::vector<std::string> names;
  std::string delimiter_hint;
  for (;;) {
    if (rec >= end) {
      if (options.allow_empty) return no_records();
      return Status::InvalidInput(file + ": error: empty input (no header row, only blank lines)",
                                  "check that the right file was given");
    }
    const char* next = nullptr;
    const char* error_at = nullptr;
    std::string reason;
    auto outcome = header_parser.Parse(rec, &next, &error_at, &reason);
    if (outcome == RecordParser::Outcome::kBlank) {
      line += header_parser.newlines();
      rec = next;
      continue;
    }
    if (!options.header) {
      // No header row: the columns are named by the caller, or column_1..column_N after the
      // first record's field count; that record is data, parsed again with the others.
      if (!options.column_names.empty()) {
        names = options.column_names;
      } else if (outcome == RecordParser::Outcome::kBad) {
        return Status::InvalidInput(
            FormatLocation(file, Locate(rec, line, error_at).line, Locate(rec, line, error_at).column,
                           "bad first record (without a header row it sets the number of columns): " + reason),
            "fix the record, or name the columns in the rules' [sources.NAME] columns");
      } else {
        for (size_t k = 0; k < header_parser.fields().size(); ++k) names.push_back("column_" + std::to_string(k + 1));
      }
      break;
    }
    if (outcome == RecordParser::Outcome::kBad) {
      return Status::InvalidInput(
          FormatLocation(file, Locate(rec, line, error_at).line, Locate(rec, line, error_at).column,
                         "bad header row: " + reason),
          "the header row cannot be skipped; fix it in the file");
    }
    size_t bad_utf8 = FindInvalidUtf8(std::string_view(rec, static_cast<size_t>(next - rec)));
    if (bad_utf8 != std::string_view::npos) {
      Location loc = Locate(rec, line, rec + bad_utf8);
      return Status::InvalidInput(
          FormatLocation(file, loc.line, loc.column,
                         "invalid UTF-8 (" + ByteName(static_cast<unsigned char>(rec[bad_utf8])) +
                             ") in the header row"),
          "if the file is Latin-1 encoded use --encoding latin-1");
    }
    const char* content_end = ContentEnd(rec, next);
    const char* cr = rec;
    while (cr < content_end && !(*cr == '\r' && cr + 1 < content_end && cr[1] != '\n')) ++cr;
    if (cr < content_end) {
      // A carriage return not before a line feed inside the header row: almost always a file
      // with CR-only line ends, read as a single line.
      Location loc = Locate(rec, line, cr);
      return Status::InvalidInput(
          FormatLocation(file, loc.line, loc.column,
                         "carriage return (CR) inside the header row: the file seems to use CR-only "
                         "line ends (classic Mac OS), so it reads as one line"),
          "convert the line ends to LF or CRLF first, e.g. tr '\\r' '\\n' < IN > OUT");
    }
    if (const void* nul = std::memchr(rec, '\0', static_cast<size_t>(next - rec))) {
      Location loc = Locate(rec, line, static_cast<const char*>(nul));
      return Status::InvalidInput(
          FormatLocation(file, loc.line, loc.column,
                         "NUL byte (0x00) in the header row: the file looks like UTF-16 or binary, not CSV"),
          "if the file is UTF-16 convert it to UTF-8 first, e.g. iconv -f UTF-16 -t UTF-8 IN > OUT");
    }
    if (header_parser.fields().size() == 1) {
      // One column: if another common delimiter appears in the header, it is likely the right one.
      std::string_view header(rec, static_cast<size_t>(next - rec));
      size_t best = 0;
      char likely = 0;
      for (char c : {',', ';', '\t', '|'}) {
        size_t n = c == delimiter ? 0 : static_cast<size_t>(std::count(header.begin(), header.end(), c));
        if (n > best) {
          best = n;
          likely = c;
        }
      }
      if (likely != 0) {
        const std::string name = likely == '\t' ? "tab" : std::string(1, likely);
        delimiter_hint = "the header row has one column but " + std::to_string(best) + " '" +
                         (likely == '\t' ? std::string("\\t") : name) +
                         "' characters: the delimiter is likely wrong; use --delimiter " +
                         (likely == ';' || likely == '|' ? "'" + name + "'" : name);
      }
    }
    std::unordered_set<std::string> seen;
    for (size_t k = 0; k < header_parser.fields().size(); ++k) {
      const Field& f = header_parser.fields()[k];
      std::string name(header_parser.Value(f));
      if (name.empty()) name = "column_" + std::to_string(k + 1);
      if (!seen.insert(name).second) {
        Location loc = Locate(rec, line, f.raw);
        return Status::InvalidInput(
            FormatLocation(file, loc.line, loc.column, "duplicate column name '" + name + "' in the header row"),
            "column names must be unique; rename one of them");
      }
      names.push_back(std::move(name));
    }
    line += header_parser.newlines();
    rec = next;
    break;
  }
  const size_t num_columns = names.size();

  // Split across the ranks of a group: each rank takes a contiguous run of the chunks and parses
  // the records whose first byte lies in them. The chunks' counts are exchanged (pass 1), so
  // every rank knows the quote parity and line number at each chunk start; after pass 2 the
  // ranks' starts and ends are checked in file order as the chunks' are (see below).
  const int ranks = group != nullptr ? group->size() : 1;
  const int me = group != nullptr ? group->rank() : 0;

  // Pass 1: per chunk, quote and newline counts; prefix sums give each chunk's quote parity and
  // first line number.
  const char* region = rec;
  const size_t region_size = static_cast<size_t>(end - region);
  size_t chunk_bytes = std::clamp<size_t>(options.chunk_bytes, 1, kMaxChunkBytes);
  if (ranks > 1) chunk_bytes = ShareChunkBytes(chunk_bytes, region_size, ranks);
  const size_t num_chunks = std::max<size_t>(1, (region_size + chunk_bytes - 1) / chunk_bytes);
  auto chunk_begin = [&](size_t i) { return region + std::min(region_size, i * chunk_bytes); };
  const auto [c0, c1] = RankChunks(num_chunks, me, ranks);  // this rank's chunks
  std::vector<ByteCounts> counts(num_chunks);
  const CsvFastPath path = ChooseFastPath();
  // Under a memory limit (options.spill), a mapped input's pages are dropped once a pass has
  // read them: the next pass reads them in again from the page cache, so at most the chunks in
  // flight are resident rather than the whole file.
  const bool drop_pages = options.spill != nullptr && options.input_is_file_mapping;
  auto drop_chunk = [&](size_t i) {
    if (!drop_pages) return;
    const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
    const uintptr_t from = (reinterpret_cast<uintptr_t>(chunk_begin(i)) + page - 1) & ~(page - 1);
    const uintptr_t to = reinterpret_cast<uintptr_t>(chunk_begin(i + 1)) & ~(page - 1);
    if (to > from) ::madvise(reinterpret_cast<void*>(from), to - from, MADV_DONTNEED);
  };
  ParallelFor(tbb::blocked_range<size_t>(c0, c1, 1), [&](const auto& r) {
    for (size_t i = r.begin(); i != r.end(); ++i) {
      counts[i] = path.kernels.count_bytes(chunk_begin(i), chunk_begin(i + 1));
      drop_chunk(i);
    }
  });
  if (ranks > 1) {
    WireWriter w;
    for (size_t i = c0; i < c1; ++i) {
      w.Put<uint64_t>(counts[i].quotes);
      w.Put<uint64_t>(counts[i].newlines);
      w.Put<uint8_t>(counts[i].non_ascii ? 1 : 0);
    }
    const std::vector<std::string> all = group->AllGather(w.Take());
    for (int r = 0; r < ranks; ++r) {
      WireReader in(all[static_cast<size_t>(r)]);
      const auto [b, e] = RankChunks(num_chunks, r, ranks);
      for (size_t i = b; i < e; ++i) {
        counts[i].quotes = in.Get<uint64_t>();
        counts[i].newlines = in.Get<uint64_t>();
        counts[i].non_ascii = in.Get<uint8_t>() != 0;
      }
    }
  }
  std::vector<uint8_t> odd_quotes(num_chunks);
  std::vector<uint64_t> first_line(num_chunks);
  std::vector<uint32_t> non_ascii_before(num_chunks + 1, 0);
  {
    uint64_t q = 0, l = line;
    for (size_t i = 0; i < num_chunks; ++i) {
      odd_quotes[i] = q & 1;
      first_line[i] = l;
      non_ascii_before[i + 1] = non_ascii_before[i] + (counts[i].non_ascii ? 1 : 0);
      q += counts[i].quotes;
      l += counts[i].newlines;
    }
  }

  // Pass 2: each chunk parses the records that start inside it, its first record found by quote
  // parity. That is exact while every record is well quoted; a bad record ends at its first line
  // break instead (a stray quote must not swallow the rest of the input), which changes the
  // parity of what follows when its first line holds an odd number of quotes. So the chunks are
  // then checked in file order: each must start where the previous one's last record ended. When
  // one does not, the remaining chunks are parsed again, in parallel, with the other parity (one
  // stray quote flips it for the rest of the input), and a chunk matching neither (a bad record's
  // line break past a chunk boundary) is parsed again on its own from the right start. The
  // result is the serial parse's, for any chunking; valid input costs only the check.
  const bool fail_fast = options.on_bad_record == BadRecordPolicy::kFail;
  std::atomic<size_t> first_failed{std::numeric_limits<size_t>::max()};
  std::vector<ChunkResult> results(num_chunks);
  CsvContext context{file,       region,     end,        delimiter,
                     num_columns, chunk_bytes, num_chunks, non_ascii_before.data(),
                     fail_fast,  !options.trim_spaces && std::endian::native == std::endian::little,
                     path,       &first_failed, nullptr, delimiter_hint};
  // Parses chunk i's records from r (on line cur_line) into a fresh result.
  auto parse_chunk = [&](const CsvContext& ctx, RecordParser& parser, size_t i, const char* r,
                         uint64_t cur_line, ChunkResult& out) {
    out = ChunkResult{};
    out.first_record = r;
    out.first_line = cur_line;
    out.bytes.assign(num_columns, 0);
    ChunkParser<Pass::kCount> chunk_parser(ctx, parser, out, i);
    chunk_parser.Run(r, chunk_begin(i + 1), cur_line);
  };
  // Parses chunk i from its first record by parity: the parity at its start, XOR flip.
  auto parse_by_parity = [&](const CsvContext& ctx, RecordParser& parser, size_t i, bool flip,
                             ChunkResult& out) {
    const char* cb = chunk_begin(i);
    const char* ce = chunk_begin(i + 1);
    const bool odd = (odd_quotes[i] != 0) != flip;
    const char* r = cb;
    if (i > 0 && !(!odd && cb[-1] == '\n')) {
      // The first record start inside the chunk: just after a newline outside quotes.
      bool in_quotes = odd;
      r = nullptr;
      for (const char* p = cb; p < ce; ++p) {
        if (*p == '"') {
          in_quotes = !in_quotes;
        } else if (*p == '\n' && !in_quotes) {
          r = p + 1;
          break;
        }
      }
      if (r == nullptr || r >= ce) {
        out = ChunkResult{};
        return;
      }
    }
    parse_chunk(ctx, parser, i, r, first_line[i] + static_cast<uint64_t>(std::count(cb, r, '\n')), out);
  };
  ParallelFor(tbb::blocked_range<size_t>(c0, c1, 1), [&](const auto& range) {
    RecordParser parser(end, delimiter, options.trim_spaces, &names);
    for (size_t i = range.begin(); i != range.end(); ++i) {
      parse_by_parity(context, parser, i, false, results[i]);
      drop_chunk(i);
    }
  });
  // The check in file order over this rank's chunks, from a record start: where its records
  // start, end (the next record's start) or fail.
  struct Settled {
    const char* start = nullptr;  // nullptr: no record starts in this rank's chunks (by parity)
    uint64_t start_line = 0;
    const char* next = nullptr;
    uint64_t next_line = 0;
    Status error;  // the first bad record (fail policy)
  };
  auto settle = [&](const char* expected, uint64_t expected_line) {
    Settled s;
    s.start = expected;
    s.start_line = expected_line;
    std::atomic<size_t> no_failure{std::numeric_limits<size_t>::max()};
    CsvContext again = context;
    again.first_failed = &no_failure;
    std::vector<ChunkResult> flipped;  // the other parity's results, made at the first mismatch
    RecordParser parser(end, delimiter, options.trim_spaces, &names);
    for (size_t i = c0; i < c1; ++i) {
      ChunkResult& res = results[i];
      const char* ce = chunk_begin(i + 1);
      if (expected >= ce) {  // a record from an earlier chunk covers this one
        if (res.first_record != nullptr) res = ChunkResult{};
        continue;
      }
      if (res.first_record != expected || res.stopped) {
        if (flipped.empty()) {
          flipped.resize(num_chunks);
          std::atomic<size_t> flipped_failed{std::numeric_limits<size_t>::max()};
          CsvContext flipped_context = context;
          flipped_context.first_failed = &flipped_failed;
          ParallelFor(tbb::blocked_range<size_t>(i, c1, 1), [&](const auto& range) {
            RecordParser p(end, delimiter, options.trim_spaces, &names);
            for (size_t k = range.begin(); k != range.end(); ++k) parse_by_parity(flipped_context, p, k, true, flipped[k]);
          });
        }
        if (flipped[i].first_record == expected && !flipped[i].stopped) {
          std::swap(res, flipped[i]);
        } else {
          parse_chunk(again, parser, i, expected, expected_line, res);
        }
      }
      if (res.failed) {
        s.error = res.error;
        return s;
      }
      expected = res.next_record;
      expected_line = res.next_line;
    }
    s.next = expected;
    s.next_line = expected_line;
    return s;
  };
  if (ranks == 1) {
    const Settled s = settle(region, line);
    if (!s.error.ok()) return s.error;
  } else {
    // A rank's first record is found by parity, like a chunk's, and checked the same way: in
    // rank order, each rank must start where the previous one's records ended. The first rank
    // that does not parses its chunks again from there (at most once per rank, and only after a
    // bad record changed the parity), and the ranks check again. Every rank walks the same
    // summaries, so all find the same first bad record, or the same totals.
    Settled mine;
    for (size_t i = c0; i < c1; ++i) {
      if (results[i].first_record != nullptr) {
        mine = settle(results[i].first_record, results[i].first_line);
        break;
      }
    }
    for (;;) {
      uint64_t rows = 0, bad = 0;
      for (size_t i = c0; i < c1; ++i) {
        rows += results[i].rows;
        bad += results[i].rejects.size();
      }
      WireWriter w;
      w.Put<uint8_t>(mine.start != nullptr ? 1 : 0);
      w.Put<uint64_t>(mine.start != nullptr ? static_cast<uint64_t>(mine.start - begin) : 0);
      w.Put<uint64_t>(mine.start_line);
      w.Put<uint64_t>(mine.next != nullptr ? static_cast<uint64_t>(mine.next - begin) : 0);
      w.Put<uint64_t>(mine.next_line);
      w.Put<uint64_t>(rows);
      w.Put<uint64_t>(bad);
      PutStatus(w, mine.error);
      const std::vector<std::string> all = group->AllGather(w.Take());
      uint64_t expected = static_cast<uint64_t>(region - begin), expected_line = line;
      uint64_t total_rows = 0, total_bad = 0;
      int mismatch = -1;
      bool covered = false;  // this rank's chunks hold no record start (a record covers them)
      for (int r = 0; r < ranks; ++r) {
        WireReader in(all[static_cast<size_t>(r)]);
        const bool has_start = in.Get<uint8_t>() != 0;
        const uint64_t start = in.Get<uint64_t>(), start_line = in.Get<uint64_t>();
        const uint64_t next = in.Get<uint64_t>(), next_line = in.Get<uint64_t>();
        const uint64_t r_rows = in.Get<uint64_t>(), r_bad = in.Get<uint64_t>();
        Status error = GetStatus(in);
        const uint64_t r_end = static_cast<uint64_t>(chunk_begin(RankChunks(num_chunks, r, ranks).second) - begin);
        if (expected >= r_end) {
          covered = covered || r == me;
          continue;
        }
        if (!has_start || start != expected || start_line != expected_line) {
          mismatch = r;
          break;
        }
        if (!error.ok()) return error;
        total_rows += r_rows;
        total_bad += r_bad;
        expected = next;
        expected_line = next_line;
      }
      if (mismatch >= 0) {
        if (mismatch == me) mine = settle(begin + expected, expected_line);
        continue;
      }
      if (covered) {
        for (size_t i = c0; i < c1; ++i) results[i] = ChunkResult{};
      }
      if (total_rows == 0 && total_bad == 0 && !options.allow_empty) {
        return Status::InvalidInput(file + ": error: no records after the header row",
                                    "check that the right file was given");
      }
      if (total_rows > std::numeric_limits<RowId>::max()) {
        return Status::InvalidInput(file + ": error: more than 2^32-1 records in one input",
                                    "split the input into several files");
      }
      break;
    }
  }

  size_t total_rows = 0;  // this rank's (every record, in a single process)
  size_t total_bad = 0;
  for (size_t i = c0; i < c1; ++i) {
    const ChunkResult& c = results[i];
    if (c.failed) return c.error;
    total_rows += c.rows;
    total_bad += c.rejects.size();
  }
  if (ranks == 1 && total_rows == 0 && total_bad == 0 && !options.allow_empty) {
    return Status::InvalidInput(file + ": error: no records after the header row",
                                "check that the right file was given");
  }
  if (total_rows > std::numeric_limits<RowId>::max()) {
    return Status::InvalidInput(file + ": error: more than 2^32-1 records in one input",
                                "split the input into several files");
  }

  RecordTable table;
  SourceId source = table.AddSource(source_name);
  for (const std::string& name : names) table.AddColumn(name);
  // Every column sized exactly: its part for this rank's k-th chunk starts at byte_base[c][k],
  // row row_base[k].
  const size_t my_chunks = c1 - c0;
  std::vector<Column::FillBuffers> fill(num_columns);
  std::vector<uint64_t> row_base(my_chunks + 1, 0);
  std::vector<std::vector<uint64_t>> byte_base(num_columns, std::vector<uint64_t>(my_chunks + 1, 0));
  for (size_t k = 0; k < my_chunks; ++k) row_base[k + 1] = row_base[k] + results[c0 + k].rows;
  for (size_t c = 0; c < num_columns; ++c) {
    for (size_t k = 0; k < my_chunks; ++k) {
      const ChunkResult& res = results[c0 + k];
      byte_base[c][k + 1] = byte_base[c][k] + (res.bytes.empty() ? 0 : res.bytes[c]);
    }
  }
  // Under a memory limit each narrow column is written straight into a spill region.
  std::vector<char*> spill_region(num_columns, nullptr);
  if (options.spill != nullptr) {
    for (size_t c = 0; c < num_columns; ++c) {
      const size_t bytes = byte_base[c][my_chunks];
      if (!Column::Spillable(bytes)) continue;
      Result<char*> region = options.spill->Allocate(Column::SpilledRegionBytes(total_rows, bytes));
      if (!region.ok()) return region.status();
      spill_region[c] = *region;
    }
    table.KeepAlive(options.spill);
  }
  ParallelFor(tbb::blocked_range<size_t>(0, num_columns, 1), [&](const auto& range) {
    for (size_t c = range.begin(); c != range.end(); ++c) {
      Column& column = table.mutable_column(c);
      fill[c] = spill_region[c] != nullptr
                    ? column.PrepareSpilledFill(spill_region[c], total_rows, byte_base[c][my_chunks])
                    : column.PrepareFill(total_rows, byte_base[c][my_chunks]);
    }
  });

  // Pass 3: each chunk parses its records again, writing the values straight into the columns.
  CsvContext write_context = context;
  write_context.fail_fast = false;
  table.AppendSourceRows(source, total_rows);
  write_context.lines = table.AppendLinesForFill(total_rows);
  std::atomic<bool> mismatch{false};
  ParallelFor(tbb::blocked_range<size_t>(c0, c1, 1), [&](const auto& range) {
    RecordParser parser(end, delimiter, options.trim_spaces, &names);
    std::vector<ColumnCursor> cursors(num_columns);
    for (size_t i = range.begin(); i != range.end(); ++i) {
      const size_t k = i - c0;
      ChunkResult& out = results[i];
      if (out.first_record == nullptr || out.rows == 0) continue;
      for (size_t c = 0; c < num_columns; ++c) {
        cursors[c] = ColumnCursor{fill[c].arena, fill[c].offsets, fill[c].wide_offsets, fill[c].nulls,
                                  byte_base[c][k], byte_base[c][k + 1], 0};
      }
      ChunkParser<Pass::kWrite> chunk_parser(write_context, parser, out, i, cursors.data(), row_base[k]);
      chunk_parser.Run(out.first_record, chunk_begin(i + 1), out.first_line);
      drop_chunk(i);
      bool same = chunk_parser.Finish() == row_base[k + 1];
      for (size_t c = 0; c < num_columns; ++c) same = same && cursors[c].pos == byte_base[c][k + 1];
      if (!same) mismatch.store(true, std::memory_order_relaxed);
    }
  });
  if (mismatch.load()) {
    return Status::Internal(file + ": error: the CSV reader's two parsing passes disagree");
  }
  if (report != nullptr) {
    report->records += total_rows;
    report->bad += total_bad;
    for (size_t i = c0; i < c1; ++i) {
      for (BadRecord& b : results[i].rejects) report->rejects.push_back(std::move(b));
    }
  }
  return table;
}

}  // namespace reclink::io
#endif  // HWY_ONCE
