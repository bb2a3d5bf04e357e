// ReadInput: loads (and decompresses) a file, transcodes Latin-1, picks the format and hands the
// bytes to the CSV or JSON parser. Also id-column validation.
#include "reclink/reader.h"

#include <xxhash.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "io/csv_reader.h"
#include "io/input_file.h"
#include "io/json_reader.h"
#include "io/read_share.h"
#include "reclink/text_encoding.h"
#include "reclink/parallel.h"

namespace reclink {

namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The path without a .gz/.zst suffix, lower-cased.
std::string UncompressedName(const std::string& path) {
  std::string p = Lower(path);
  for (const char* ext : {".gz", ".zst"}) {
    if (EndsWith(p, ext)) return p.substr(0, p.size() - std::strlen(ext));
  }
  return p;
}

InputFormat Sniff(std::string_view data) {
  for (char c : data) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (c == '{') return InputFormat::kJsonl;
    if (c == '[') return InputFormat::kJson;
    break;
  }
  return InputFormat::kCsv;
}

}  // namespace

InputFormat FormatFromPath(const std::string& path) {
  std::string p = UncompressedName(path);
  if (EndsWith(p, ".csv") || EndsWith(p, ".tsv") || EndsWith(p, ".txt")) return InputFormat::kCsv;
  if (EndsWith(p, ".jsonl") || EndsWith(p, ".ndjson")) return InputFormat::kJsonl;
  if (EndsWith(p, ".json")) return InputFormat::kJson;
  return InputFormat::kAuto;
}

namespace {

// CSV whose quote character is q instead of '"' (q = 0: no quoting). The parser knows only '"',
// and the CSV grammar depends only on which byte quotes, so the bytes q and '"' are swapped in a
// copy of the input, parsed, and swapped back in every name and value (and rejected record).
// Without quoting, '"' is swapped with a control byte the input does not hold.
Result<RecordTable> ParseCsvWithQuote(std::string_view data, const std::string& path, const std::string& source_name,
                                      char delimiter, const ReadOptions& options, ReadReport* report) {
  char q = options.quote;
  if (q == delimiter || q == '\n' || q == '\r' || static_cast<unsigned char>(q) >= 0x80) {
    return Status::Usage("invalid CSV quote character " + std::string(1, q) + " (it must differ from the delimiter)",
                         "use one ASCII punctuation character, or none");
  }
  if (q == 0) {
    bool present[32] = {};
    for (char c : data) {
      if (static_cast<unsigned char>(c) < 32) present[static_cast<unsigned char>(c)] = true;
    }
    for (unsigned char c = 1; c < 32 && q == 0; ++c) {
      if (!present[c] && c != '\n' && c != '\r' && c != '\t' && c != static_cast<unsigned char>(delimiter)) {
        q = static_cast<char>(c);
      }
    }
    if (q == 0) {
      return Status::InvalidInput(path + ": error: cannot read without quoting: the input holds every control byte",
                                  "read it with quote = '\"'");
    }
  }
  auto swap = [q](std::string& s) {
    for (char& c : s) {
      if (c == q) c = '"';
      else if (c == '"') c = q;
    }
  };
  std::string copy(data);
  swap(copy);
  ReadOptions plain = options;
  plain.quote = '"';
  Result<RecordTable> table = io::ParseCsv(copy, path, source_name, delimiter, plain, report);
  if (!table.ok()) return table;
  std::string value;
  for (size_t i = 0; i < table->num_columns(); ++i) {
    const Column& in = table->column(i);
    std::string name = in.name();
    swap(name);
    Column out(name);
    out.Reserve(in.size(), in.arena_bytes());
    for (RowId r = 0; r < in.size(); ++r) {
      if (in.IsNull(r)) {
        out.AppendNull();
        continue;
      }
      value.assign(in.Get(r));
      swap(value);
      out.Append(value);
    }
    table->mutable_column(i) = std::move(out);
  }
  if (report != nullptr) {
    for (BadRecord& b : report->rejects) swap(b.raw);
  }
  return table;
}

}  // namespace

namespace {

// ReadBuffer, split across group when it is given (a plain CSV or JSON Lines input: see
// ParseShare).
Result<RecordTable> ParseBytes(std::string_view data, const std::string& path, const std::string& source_name,
                               const ReadOptions& options, ReadReport* report, Collective* group) {
  std::string transcoded;
  if (options.encoding == Encoding::kLatin1) {
    transcoded = io::Latin1ToUtf8(data);
    data = transcoded;
  }
  InputFormat format = options.format;
  if (format == InputFormat::kAuto) format = FormatFromPath(path);
  if (format == InputFormat::kAuto) format = Sniff(data);
  switch (format) {
    case InputFormat::kJsonl:
      return io::ParseJsonLines(data, path, source_name, options, report, group);
    case InputFormat::kJson:
      return io::ParseJsonArray(data, path, source_name, options, report);
    default: {
      char delimiter = options.delimiter;
      if (delimiter == 0) delimiter = EndsWith(UncompressedName(path), ".tsv") ? '\t' : ',';
      if (data.size() >= 3 && data.substr(0, 3) == "\xEF\xBB\xBF") data.remove_prefix(3);
      else if (data.empty() && !options.allow_empty) {
        return Status::InvalidInput(path + ": error: empty input (0 bytes)",
                                    "check that the right file was given");
      }
      if (options.quote == '"') return io::ParseCsv(data, path, source_name, delimiter, options, report, group);
      return ParseCsvWithQuote(data, path, source_name, delimiter, options, report);
    }
  }
}

}  // namespace

Result<RecordTable> ReadBuffer(std::string_view data, const std::string& path,
                               const std::string& source_name, const ReadOptions& options,
                               ReadReport* report) {
  return ParseBytes(data, path, source_name, options, report, nullptr);
}

namespace io {

bool Splittable(std::string_view data, const std::string& path, const ReadOptions& options) {
  if (options.encoding != Encoding::kUtf8) return false;
  InputFormat format = options.format;
  if (format == InputFormat::kAuto) format = FormatFromPath(path);
  if (format == InputFormat::kAuto) format = Sniff(data);
  return format == InputFormat::kJsonl || (format == InputFormat::kCsv && options.quote == '"');
}

Result<RecordTable> ParseShare(std::string_view data, const std::string& path, const std::string& source_name,
                               const ReadOptions& options, ReadReport* report, Collective& group) {
  return ParseBytes(data, path, source_name, options, report, &group);
}

}  // namespace io

Result<RecordTable> ReadInput(const std::string& path, const std::string& source_name,
                              const ReadOptions& options, ReadReport* report) {
  io::InputBytes bytes;
  RECLINK_RETURN_IF_ERROR(io::LoadInputFile(path, &bytes));
  if (options.spill != nullptr && bytes.mapped()) {
    ReadOptions mapped = options;
    mapped.input_is_file_mapping = true;
    return ReadBuffer(bytes.view(), path, source_name, mapped, report);
  }
  return ReadBuffer(bytes.view(), path, source_name, options, report);
}

Status ValidateIdColumn(const RecordTable& table, const std::string& id_column,
                        const std::string& path) {
  int index = table.FindColumn(id_column);
  if (index < 0) {
    std::string available;
    for (const Column& c : table.columns()) {
      if (!available.empty()) available += ", ";
      available += c.name();
    }
    std::string hint = "set `id` (or `ids`) in the rules file to one of the available columns";
    if (table.num_columns() == 1) {
      // One column whose name holds another delimiter: the CSV delimiter is likely wrong.
      const std::string& name = table.column(0).name();
      for (char c : {';', '\t', '|', ','}) {
        if (name.find(c) != std::string::npos) {
          hint = std::string("the file was read as one column named '") + name +
                 "': its delimiter is likely " + (c == '\t' ? "tab" : std::string("'") + c + "'") +
                 "; use --delimiter " + (c == '\t' ? "tab" : c == ',' ? "," : std::string("'") + c + "'");
          break;
        }
      }
    }
    return Status::InvalidInput(
        path + ": error: id column '" + id_column + "' not found; available columns: " + available, hint);
  }
  const Column& ids = table.column(static_cast<size_t>(index));
  const size_t n = table.num_rows();
  // Duplicates by hash: each row's (source, id) hashed, the rows bucketed by their hash's top
  // bits (a counting sort per chunk of rows, stable, so rows stay ascending within a bucket),
  // each bucket sorted by hash and only rows of one hash compared. The reported duplicate is the
  // earliest row repeating an earlier id, named with that id's first row: deterministic. Every
  // pass runs on every thread (a serial radix sort of every row's hash was most of the read
  // stage's last 25 ms at a million records; before it, a comparison sort of every id was most
  // of the stage's CPU: 0.34 -> 0.14 s).
  struct Entry {
    uint64_t hash;
    RowId row;
  };
  constexpr RowId kNone = static_cast<RowId>(-1);
  constexpr size_t kChunk = size_t{1} << 16;
  const size_t chunks = (n + kChunk - 1) / kChunk;
  constexpr int kBucketBits = 12;
  constexpr size_t kBuckets = size_t{1} << kBucketBits;
  auto bucket = [](uint64_t h) { return static_cast<size_t>(h >> (64 - kBucketBits)); };
  std::vector<Entry> entries(n);
  std::vector<RowId> empty_in(chunks, kNone);  // per chunk, its first row without an id
  std::vector<uint32_t> count(chunks * kBuckets, 0);
  ParallelFor(size_t{0}, chunks, [&](size_t c) {
    uint32_t* counts = &count[c * kBuckets];
    for (size_t r = c * kChunk, end = std::min(n, r + kChunk); r < end; ++r) {
      const RowId row = static_cast<RowId>(r);
      if (ids.IsNull(row) || ids.Get(row).empty()) {
        if (empty_in[c] == kNone) empty_in[c] = row;
        continue;
      }
      const std::string_view id = ids.Get(row);
      entries[r] = {XXH3_64bits_withSeed(id.data(), id.size(), table.source(row)), row};
      ++counts[bucket(entries[r].hash)];
    }
  });
  for (const RowId row : empty_in) {
    if (row == kNone) continue;
    return Status::InvalidInput(
        FormatLocation(path, table.line(row), 0, "empty id in column '" + id_column + "'"),
        "every record needs a non-empty id (--on-bad-record does not apply to ids): fill in the "
        "id on that line, remove the record, or set `id` in the rules file to a column with a "
        "value on every line (if there is none, add a column numbering the records)");
  }
  // Where each chunk's rows of each bucket go: buckets in order, chunks in order within one.
  std::vector<size_t> bucket_start(kBuckets + 1, 0);
  {
    size_t at = 0;
    for (size_t b = 0; b < kBuckets; ++b) {
      bucket_start[b] = at;
      for (size_t c = 0; c < chunks; ++c) {
        const uint32_t k = count[c * kBuckets + b];
        count[c * kBuckets + b] = static_cast<uint32_t>(at);  // chunk c's next place in bucket b
        at += k;
      }
    }
    bucket_start[kBuckets] = at;
  }
  std::vector<Entry> bucketed(n);
  ParallelFor(size_t{0}, chunks, [&](size_t c) {
    uint32_t* next = &count[c * kBuckets];
    for (size_t r = c * kChunk, end = std::min(n, r + kChunk); r < end; ++r) {
      bucketed[next[bucket(entries[r].hash)]++] = entries[r];
    }
  });
  std::vector<Entry>().swap(entries);
  // Per bucket, its earliest repeat (second) and the first row of that id.
  std::vector<std::pair<RowId, RowId>> found(kBuckets, {kNone, 0});
  ParallelFor(size_t{0}, kBuckets, [&](size_t b) {
    Entry* first = bucketed.data() + bucket_start[b];
    Entry* last = bucketed.data() + bucket_start[b + 1];
    // Stable by hash: rows stay ascending within a hash.
    std::stable_sort(first, last, [](const Entry& x, const Entry& y) { return x.hash < y.hash; });
    RowId best_second = kNone, best_first = 0;
    const size_t m = static_cast<size_t>(last - first);
    for (size_t k = 0; k < m;) {
      size_t end = k + 1;
      while (end < m && first[end].hash == first[k].hash) ++end;
      for (size_t i = k + 1; i < end; ++i) {
        const RowId b2 = first[i].row;
        if (b2 >= best_second) break;  // rows ascend within a hash
        for (size_t j = k; j < i; ++j) {
          const RowId a = first[j].row;
          if (table.source(a) == table.source(b2) && ids.Get(a) == ids.Get(b2)) {
            best_second = b2;
            best_first = a;  // the first of the hash's rows with this id: the id's first row
            break;
          }
        }
      }
      k = end;
    }
    found[b] = {best_second, best_first};
  });
  RowId best_second = kNone, best_first = 0;
  for (const auto& [second, first] : found) {
    if (second < best_second) {
      best_second = second;
      best_first = first;
    }
  }
  if (best_second != kNone) {
    RowId first = best_first;  // the group's first row: best_second is its earliest repeat
    return Status::InvalidInput(
        FormatLocation(path, table.line(best_second), 0,
                       "duplicate id '" + std::string(ids.Get(best_second)) + "' in column '" +
                           id_column + "' (first seen on line " + std::to_string(table.line(first)) +
                           ")"),
        "ids must be unique within a source; fix the data or choose another id column");
  }
  return Status::Ok();
}

}  // namespace reclink
