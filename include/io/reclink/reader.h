// Input readers: CSV (RFC 4180), JSON Lines and JSON arrays, optionally .gz/.zst compressed, parsed
// in parallel into a RecordTable. Bad records fail the read, or are skipped/quarantined and counted.
// Format details and limits: docs/input-formats.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "reclink/record_table.h"
#include "reclink/status.h"

namespace reclink {

enum class InputFormat { kAuto, kCsv, kJsonl, kJson };
enum class BadRecordPolicy { kFail, kSkip, kQuarantine };
enum class Encoding { kUtf8, kLatin1 };

struct ReadOptions {
  // kAuto: from the extension (.csv .tsv .jsonl .ndjson .json, each optionally + .gz/.zst);
  // an unknown extension is sniffed from the first non-space byte ('{' JSONL, '[' JSON, else CSV).
  InputFormat format = InputFormat::kAuto;
  // CSV field delimiter; 0 means ',' (tab for .tsv). Must not be '"', '\r' or '\n'.
  char delimiter = 0;
  // CSV: trim spaces (' ') around unquoted fields and around quoted ones (FEBRL uses ", ").
  bool trim_spaces = false;
  // CSV quote character: '"' (RFC 4180), another ASCII punctuation byte such as '\'', or 0 for
  // none (quotes are ordinary characters). Doubled inside a quoted field, it stands for itself.
  char quote = '"';
  // CSV: false when the file has no header row; its columns are then named column_names (which
  // must be unique), or column_1..column_N after the first record's field count.
  bool header = true;
  std::vector<std::string> column_names;
  // kUtf8: invalid UTF-8 is a bad record. kLatin1: every byte is transcoded to UTF-8 first.
  Encoding encoding = Encoding::kUtf8;
  // Default kFail: the first bad record in file order fails the read.
  BadRecordPolicy on_bad_record = BadRecordPolicy::kFail;
  // Parallel parse granularity in bytes (>= 1). The result never depends on it.
  size_t chunk_bytes = 4 << 20;
  // An input with no records (0 bytes, blank lines, a CSV header alone, no JSON records) reads
  // as a table of no rows (the header's columns, if any) instead of failing: an incremental
  // night's extract of what changed may be empty.
  bool allow_empty = false;
  // Where the table's columns go: nullptr, memory; else regions of this spill area (narrow
  // columns; the table keeps the area alive), and the input's parsed pages are dropped as the
  // parse goes (--memory-limit).
  std::shared_ptr<SpillArea> spill;
  // Set by ReadInput when the bytes are a read-only file mapping, whose pages can be dropped
  // and read in again (with spill only).
  bool input_is_file_mapping = false;
};

// One rejected record. line/column are 1-based (column in bytes within the physical line; 0 when
// unknown). raw is the record's bytes as they appear in the (decompressed, transcoded) input.
struct BadRecord {
  std::string file;
  uint64_t line = 0;
  uint64_t column = 0;
  std::string reason;
  std::string raw;
};

struct ReadReport {
  uint64_t records = 0;  // records read into the table
  uint64_t bad = 0;      // records rejected (skip or quarantine)
  std::vector<BadRecord> rejects;  // filled for skip and quarantine, in file order
};

// Reads one input into a RecordTable with one source named source_name. Each row's line() is the
// physical line where its record starts. Runs in parallel on the current TBB arena; the result is
// identical for any thread count and chunk size.
// Errors: IoError when the file is missing, unreadable or corrupt compressed data; InvalidInput
// for empty input, a CSV with only a header, a bad header, and (kFail) the FIRST bad record in
// file order with message "FILE:LINE:COLUMN: error: WHAT" (JSON adds " (byte offset N)", N 0-based
// in the decompressed input) and a hint naming --on-bad-record (or --encoding latin-1 for invalid
// UTF-8, or --delimiter when a one-column CSV header holds another delimiter). A bad CSV record
// (bad quoting, wrong field count) is its first line only: reading resumes on the next line.
// report may be null.
Result<RecordTable> ReadInput(const std::string& path, const std::string& source_name,
                              const ReadOptions& options, ReadReport* report);

// Same as ReadInput on bytes already in memory (decompressed); path only names the input in
// messages and selects the format when options.format is kAuto.
Result<RecordTable> ReadBuffer(std::string_view data, const std::string& path,
                               const std::string& source_name, const ReadOptions& options,
                               ReadReport* report);

// Builds a table of one source named source_name from columns filled in memory (a data frame's,
// say), as a reader would have read them: an empty value becomes null (as an empty CSV field
// does), and row r's line() is r + 1 (its 1-based position), so messages about a row read
// "NAME:ROW: error: ...". Values must be UTF-8 (the caller checks; readers do for files). name
// stands for the input in messages. Errors (InvalidInput, "NAME: error: ..."): no columns, no
// rows, a column without a name, two columns of one name, columns of different lengths. With
// allow_empty (an incremental night's data, ReadOptions::allow_empty), no rows is a table of none.
Result<RecordTable> TableFromColumns(std::vector<Column> columns, const std::string& source_name,
                                     const std::string& name, bool allow_empty = false);

// The format ReadInput will use for path (never kAuto unless sniffing is needed: then kAuto).
InputFormat FormatFromPath(const std::string& path);

// Checks the id column of a table read from path: present (else InvalidInput listing available
// columns), no null/empty id ("FILE:LINE: error: ..."), no duplicate id (the message names both
// lines).
Status ValidateIdColumn(const RecordTable& table, const std::string& id_column,
                        const std::string& path);

}  // namespace reclink
