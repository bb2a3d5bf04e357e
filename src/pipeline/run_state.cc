// The run state directory: read whole or refused, written through the caller's OutputSet.
#include "reclink/run_state.h"

#include <fcntl.h>
#include <simdjson.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <bit>
#include <charconv>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <tuple>
#include <utility>

#include "reclink/binary_io.h"
#include "reclink/json_writer.h"
#include "reclink/parallel.h"
#include "reclink/radix_sort.h"
#include "reclink/version.h"

namespace reclink {
namespace {

std::string Hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string Checksum(std::string_view bytes) { return Hex64(XXH3_64bits(bytes.data(), bytes.size())); }

// Appends a length-prefixed item, so that no two different rules serialize alike.
void Put(std::string& out, std::string_view s) {
  out += std::to_string(s.size());
  out += ':';
  out += s;
}
void Put(std::string& out, double x) { Put(out, JsonNumber(x)); }

Result<std::string> ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return Status::InvalidInput(path + ": error: cannot read the state file");
  std::string text(static_cast<size_t>(in.tellg()), '\0');
  in.seekg(0);
  if (!in.read(text.data(), static_cast<std::streamsize>(text.size()))) {
    return Status::InvalidInput(path + ": error: cannot read the state file");
  }
  return text;
}

// A state file mapped read-only: reading 100 MB this way costs neither a copy nor zeroing a buffer.
class MappedFile {
 public:
  // populate: map every page now (else the first reader's faults do, or Populate).
  static Result<MappedFile> Open(const std::string& path, bool populate = true) {
    MappedFile m;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::InvalidInput(path + ": error: cannot read the state file: " + std::strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      return Status::InvalidInput(path + ": error: cannot read the state file: not a regular file");
    }
    m.size_ = static_cast<size_t>(st.st_size);
    if (m.size_ > 0) {
      // Populated up front: one call maps every page, where faulting them in one by one costs
      // several times as much on a virtual machine.
      void* p =
          mmap(nullptr, m.size_, PROT_READ, MAP_PRIVATE | (populate ? MAP_POPULATE : 0), fd, 0);
      if (p == MAP_FAILED) {
        const int e = errno;
        ::close(fd);
        return Status::InvalidInput(path + ": error: cannot read the state file: " + std::strerror(e));
      }
      madvise(p, m.size_, MADV_SEQUENTIAL);
      m.data_ = static_cast<const char*>(p);
    }
    ::close(fd);
    return m;
  }
  MappedFile() = default;
  MappedFile(MappedFile&& o) noexcept : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
  MappedFile& operator=(MappedFile&& o) noexcept {
    std::swap(data_, o.data_);
    std::swap(size_, o.size_);
    return *this;
  }
  ~MappedFile() {
    if (data_) munmap(const_cast<char*>(data_), size_);
  }
  std::string_view bytes() const { return {data_ ? data_ : "", size_}; }
  // Maps every page of a file opened without populate, on the calling thread (advice: a kernel
  // without MADV_POPULATE_READ leaves the pages to the first reader's faults).
  void Populate() const {
#if defined(MADV_POPULATE_READ)
    if (data_) (void)madvise(const_cast<char*>(data_), size_, MADV_POPULATE_READ);
#endif
  }

 private:
  const char* data_ = nullptr;
  size_t size_ = 0;
};

const char* kStateHint =
    "the state directory is damaged or incomplete; restore it from a backup, or start over with an empty --state "
    "directory (identity ids then start afresh)";

constexpr char kRecordsMagic[8] = {'R', 'C', 'L', 'K', 'R', 'E', 'C', '\n'};
// Version 4: the skipped blocks' keys are their raw texts (OversizedBlock::key_text), not
// their display keys (parts joined by " | ", ambiguous when a value holds " | ").
constexpr uint32_t kRecordsVersion = 4;

// A skipped block's key as a file before records.bin version 4 (segment version 2) kept it, its
// display key, made the raw text again: " | " back to blocking's part separator (BlockingKeyText).
// Ambiguous only where a value held " | ", which those states could not tell apart either.
std::string RawKeyOfDisplayKey(std::string_view display) {
  std::string out;
  for (size_t i = 0; i < display.size();) {
    if (display.compare(i, 3, " | ") == 0) {
      out += '\x1f';
      i += 3;
    } else {
      out += display[i++];
    }
  }
  return out;
}

}  // namespace

RecordsState RecordsInKeyOrder(const std::vector<uint32_t>& rows_by_key, const Rules& rules, const RecordTable& table,
                               const DerivedFields& fields,
                               const std::vector<std::vector<uint64_t>>& key_hashes, const std::vector<Edge>& edges,
                               const std::vector<TfTable>& tf_tables, double threshold,
                               const std::vector<OversizedBlock>& oversized) {
  RecordsState out;
  for (const OversizedBlock& ob : oversized) {
    out.oversized.push_back({static_cast<uint32_t>(ob.rule), ob.key_text, ob.size, ob.pairs_skipped});
  }
  std::sort(out.oversized.begin(), out.oversized.end());
  out.threshold = threshold;
  out.tf_tables = tf_tables;
  out.key_order = RecordsState::KeyOrder{&fields.fields, &key_hashes, &rows_by_key};
  const size_t n = rows_by_key.size();
  if (rules.link_type != LinkType::kDedupe) {
    std::vector<uint8_t> used(table.source_names().size(), 0);
    for (uint32_t r : rows_by_key) used[table.source(r)] = 1;
    std::vector<uint32_t> index(used.size(), 0);
    for (size_t s = 0; s < used.size(); ++s) {
      if (used[s]) out.source_names.push_back(table.source_names()[s]);
    }
    std::sort(out.source_names.begin(), out.source_names.end());
    out.source_names.erase(std::unique(out.source_names.begin(), out.source_names.end()), out.source_names.end());
    for (size_t s = 0; s < used.size(); ++s) {
      if (!used[s]) continue;
      index[s] = static_cast<uint32_t>(std::lower_bound(out.source_names.begin(), out.source_names.end(),
                                                        table.source_names()[s]) - out.source_names.begin());
    }
    out.source_of.reserve(rows_by_key.size());
    for (uint32_t r : rows_by_key) out.source_of.push_back(index[table.source(r)]);
  }
  std::vector<uint32_t> index_of(n);
  ParallelFor(size_t{0}, n, [&](size_t i) { index_of[rows_by_key[i]] = static_cast<uint32_t>(i); });
  out.edges.resize(edges.size());
  ParallelFor(size_t{0}, edges.size(), [&](size_t i) {
    const Edge& e = edges[i];
    const RowId a = index_of[e.a], b = index_of[e.b];
    out.edges[i] = {std::min(a, b), std::max(a, b), e.weight};
  });
  // By (a, b); a pair is linked once, so the stable sort gives the one order there is.
  RadixSortByKey(&out.edges, [](const Edge& e) { return uint64_t{e.a} << 32 | e.b; });
  return out;
}

std::string StateSegmentName(int n) { return "records." + std::to_string(n) + ".bin"; }

Column GatherRuns(const std::string& name, size_t rows, const std::vector<RecordsMerge::Run>& runs,
                  const Column& before, const Column& night) {
  return GatherRuns(name, rows, runs, std::vector<const Column*>{&before, &night});
}

Column GatherRuns(const std::string& name, size_t rows, const std::vector<RecordsMerge::Run>& runs,
                  const std::vector<const Column*>& sources) {
  uint64_t bytes = 0;
  for (const RecordsMerge::Run& run : runs) {
    const Column& col = *sources[run.from];
    bytes += col.offset(run.first + run.count) - col.offset(run.first);
  }
  Column out(name);
  const Column::FillBuffers fill = out.PrepareFill(rows, bytes);
  uint64_t at = 0;
  size_t i = 0;
  for (const RecordsMerge::Run& run : runs) {
    const Column& col = *sources[run.from];
    const uint64_t from = col.offset(run.first);
    const uint64_t size = col.offset(run.first + run.count) - from;
    if (size != 0) std::memcpy(fill.arena + at, col.arena_data() + from, size);
    for (uint32_t k = 0; k < run.count; ++k, ++i) {
      const uint64_t end = at + (col.offset(run.first + k + 1) - from);
      if (fill.offsets) fill.offsets[i + 1] = static_cast<uint32_t>(end);
      else fill.wide_offsets[i + 1] = end;
      if (col.IsNull(run.first + k)) fill.nulls[i / 64] |= uint64_t{1} << (i % 64);
    }
    at += size;
  }
  return out;
}

const std::vector<Column>& FieldsOf(const RecordsState& records, std::vector<Column>* storage) {
  if (!records.merge && records.field_rows.empty()) return records.fields;
  if (!records.merge) {  // a state read with segments
    storage->resize(records.field_sources.empty() ? 0 : records.field_sources[0].size());
    ParallelFor(size_t{0}, storage->size(), [&](size_t f) {
      Column gathered;
      const Column& col = GatheredField(records, f, &gathered);
      (*storage)[f] = &col == &gathered ? std::move(gathered) : col;
    });
    return *storage;
  }
  const RecordsMerge& m = *records.merge;
  storage->resize(m.field_names.size());
  ParallelFor(size_t{0}, m.field_names.size(), [&](size_t f) {
    Column gathered;
    const Column& before = GatheredField(*m.before, f, &gathered);
    (*storage)[f] = GatherRuns(m.field_names[f], m.rows, m.runs, before, m.night_fields[f]);
  });
  return *storage;
}

namespace {

// The raw tables are written as they are in memory: little-endian.
static_assert(std::endian::native == std::endian::little, "the state's raw tables are little-endian");

// The term-frequency tables (the same in both versions); errors are left in r.
void ParseTfTables(ByteReader& r, std::vector<TfTable>* tables) {
  uint64_t nt = 0;
  if (r.Count(&nt, 1)) tables->resize(nt);
  for (uint64_t t = 0; t < nt && !r.error(); ++t) {
    std::string flag;
    if (!r.Bytes(1, &flag)) break;
    TfTable& table = (*tables)[t];
    table.enabled = flag[0] != 0;
    if (!table.enabled) continue;
    uint64_t k = 0;
    if (!r.U64(&table.rows) || !r.U64(&table.non_null) || !r.Count(&k, 9)) break;
    table.counts.resize(k);
    for (uint64_t i = 0; i < k; ++i) {
      uint64_t count = 0;
      if (!r.U64(&table.counts[i].first) || !r.Varint(&count)) break;
      table.counts[i].second = static_cast<uint32_t>(count);
      if (i > 0 && !(table.counts[i - 1].first < table.counts[i].first)) r.Fail("term-frequency counts are not sorted");
    }
  }
}

// Version 1 of records.bin (varint-prefixed values, no key hashes): still read, never written.
Result<RecordsState> ParseRecordsV1(ByteReader& r, uint64_t rows, size_t n_fields) {
  RecordsState out;
  uint64_t nf = 0;
  if (r.F64(&out.threshold) && r.Varint(&nf) && nf != n_fields) r.Fail("it holds another number of fields");
  for (uint64_t f = 0; f < nf && !r.error(); ++f) {
    std::string field;
    uint64_t n = 0, bytes = 0;
    if (!r.String(&field) || !r.Varint(&n) || !r.Count(&bytes, 1)) break;
    if (n != rows) {
      r.Fail("a field holds another number of records than the identities");
      break;
    }
    Column col(field);
    col.Reserve(n, bytes);
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t len = 0;
      if (!r.Varint(&len)) break;
      if (len == 0) {
        col.AppendNull();
      } else {
        std::string_view value;
        if (!r.View(len - 1, &value)) break;
        col.Append(value);
      }
    }
    out.fields.push_back(std::move(col));
  }
  ParseTfTables(r, &out.tf_tables);
  uint64_t ne = 0;
  if (r.Count(&ne, 10)) out.edges.resize(ne);
  for (uint64_t i = 0; i < ne && !r.error(); ++i) {
    uint64_t a = 0, b = 0;
    if (!r.Varint(&a) || !r.Varint(&b) || !r.F64(&out.edges[i].weight)) break;
    if (!(a < b && b < rows)) r.Fail("a link names a record that does not exist");
    out.edges[i].a = static_cast<RowId>(a);
    out.edges[i].b = static_cast<RowId>(b);
  }
  uint64_t no = 0;
  if (r.Count(&no, 2)) out.oversized.resize(no);
  for (uint64_t i = 0; i < no && !r.error(); ++i) {
    uint64_t rule = 0;
    if (!r.Varint(&rule) || !r.String(&out.oversized[i].key)) break;
    out.oversized[i].rule = static_cast<uint32_t>(rule);
    out.oversized[i].key = RawKeyOfDisplayKey(out.oversized[i].key);
  }
  std::sort(out.oversized.begin(), out.oversized.end());
  return out;
}

// Reads a raw table of n values of T (written as they are in memory).
template <class T>
bool RawTable(ByteReader& r, size_t n, T* out) {
  std::string_view bytes;
  if (n > SIZE_MAX / sizeof(T) || !r.View(n * sizeof(T), &bytes)) return r.Fail("truncated");
  if (n) std::memcpy(out, bytes.data(), bytes.size());
  return true;
}

// Whether a column's n + 1 offsets start at 0, end at text_bytes and never descend, a null row's
// two offsets are equal, and no bit past the last row is set. load(i) reads offset i. Written
// without an early exit, 64 rows (one null word) at a time, so that the compiler vectorizes it
// (a state read checks every field's offsets: millions of rows).
template <class Load>
bool OffsetsConsistent(uint64_t n, uint64_t text_bytes, const Load& load,
                       const uint64_t* null_words) {
  if (load(0) != 0 || load(n) != text_bytes) return false;
  uint64_t bad = 0;
  for (uint64_t base = 0; base < n; base += 64) {
    const uint64_t word = null_words[base / 64];
    const uint64_t end = std::min<uint64_t>(64, n - base);
    for (uint64_t j = 0; j < end; ++j) {
      const uint64_t from = load(base + j), to = load(base + j + 1);
      bad |= static_cast<uint64_t>(from > to) |
             (((word >> j) & 1) & static_cast<uint64_t>(from != to));
    }
  }
  if (n % 64 != 0) bad |= null_words[n / 64] >> (n % 64);
  return bad == 0;
}

// One column of a records file (see EmitRecordsBody): its name, rows (which must be `rows`), text
// bytes, offsets of 4 or 8 bytes, null bitmap and text, checked for consistency. False with r's
// error set when it cannot be read whole.
bool ParseColumn(ByteReader& r, std::string_view body, uint64_t rows, Column* out, bool in_place) {
  std::string field;
  uint64_t n = 0, text_bytes = 0;
  std::string width;
  if (!r.String(&field) || !r.Varint(&n) || !r.Count(&text_bytes, 1) || !r.Bytes(1, &width)) return false;
  if (n != rows) return r.Fail("a field holds another number of records than the identities");
  if (width[0] != 4 && width[0] != 8) return r.Fail("a field's offsets have an unknown width");
  // Bounds first: rows + 1 offsets, the bitmap and the text must fit in what is left.
  const size_t w = static_cast<size_t>(width[0]);
  if (n > body.size() / w) return r.Fail("a table is longer than the file");
  if (in_place && w == 4) {
    // The column reads its tables in the file (Column::View): checked here as the copies are.
    std::string_view offsets, nulls, text;
    if (!r.View((n + 1) * 4, &offsets) || !r.View((n + 63) / 64 * 8, &nulls) || !r.View(text_bytes, &text)) {
      return r.Fail("truncated");
    }
    auto offset = [&](uint64_t i) -> uint64_t {
      uint32_t v;
      std::memcpy(&v, offsets.data() + i * 4, 4);
      return v;
    };
    // The null words in place when aligned (a mapped file's tables are), else a copy.
    std::vector<uint64_t> copied;
    const uint64_t* null_words = reinterpret_cast<const uint64_t*>(nulls.data());
    if (reinterpret_cast<uintptr_t>(nulls.data()) % alignof(uint64_t) != 0) {
      copied.resize((n + 63) / 64);
      if (!copied.empty()) std::memcpy(copied.data(), nulls.data(), copied.size() * 8);
      null_words = copied.data();
    }
    if (!OffsetsConsistent(n, text_bytes, offset, null_words))
      return r.Fail("a field's offsets are inconsistent");
    *out = Column::View(field, n, offsets.data(), nulls.data(), text.data(), text_bytes);
    return true;
  }
  Column col(field);
  const Column::FillBuffers fill = col.PrepareFill(n, text_bytes);
  // The offsets go straight into the column's table when it has the file's width (always, but
  // in tests of wide columns); else through a table of the file's width.
  std::vector<uint32_t> narrow;
  std::vector<uint64_t> wide;
  if (w == 4 && fill.offsets) {
    if (!RawTable(r, n + 1, fill.offsets)) return false;
  } else if (w == 8 && fill.wide_offsets) {
    if (!RawTable(r, n + 1, fill.wide_offsets)) return false;
  } else if (w == 4) {
    narrow.resize(n + 1);
    if (!RawTable(r, n + 1, narrow.data())) return false;
  } else {
    wide.resize(n + 1);
    if (!RawTable(r, n + 1, wide.data())) return false;
  }
  if (!RawTable(r, (n + 63) / 64, fill.nulls) || !RawTable(r, text_bytes, fill.arena)) return false;
  auto consistent = [&](const auto* offsets) {
    return OffsetsConsistent(
        n, text_bytes, [&](uint64_t i) -> uint64_t { return offsets[i]; }, fill.nulls);
  };
  const bool ok = !narrow.empty() ? consistent(narrow.data())
                  : !wide.empty() ? consistent(wide.data())
                  : fill.offsets  ? consistent(fill.offsets)
                                  : consistent(fill.wide_offsets);
  if (!ok) return r.Fail("a field's offsets are inconsistent");
  // Consistent offsets end at text_bytes, so a wide file's fit a narrow column's table.
  for (size_t i = 1; i <= n && !narrow.empty(); ++i) fill.wide_offsets[i] = narrow[i];
  for (size_t i = 1; i <= n && !wide.empty(); ++i) fill.offsets[i] = static_cast<uint32_t>(wide[i]);
  *out = std::move(col);
  return true;
}

}  // namespace

namespace {

// A run's fields are written in the keys' order in chunks of rows (no two share a word of the
// null bits), gathered a block of chunks (a million rows) at a time.
constexpr size_t kGatherChunk = 64 * 1024;
constexpr size_t kGatherBlockChunks = 16;

// Writes records.bin in pieces, to emit(std::string_view), all but the trailing checksum (the
// caller adds it): big tables go out as they are in memory, without one buffer for the whole
// file.
template <class Emit>
void EmitRecordsBody(const RecordsState& r, const Emit& emit) {
  std::string out;
  auto flush = [&] {
    emit(std::string_view(out));
    out.clear();
  };
  auto raw = [&](const void* data, size_t bytes) {
    flush();
    if (bytes) emit(std::string_view(static_cast<const char*>(data), bytes));
  };
  out.append(kRecordsMagic, sizeof kRecordsMagic);
  PutU32(out, kRecordsVersion);
  PutU32(out, 0);
  PutF64(out, r.threshold);
  std::vector<uint32_t> narrow;
  std::vector<uint64_t> wide, nulls;
  // A piece of text: small ones gathered in out, large ones emitted from where they are.
  auto text = [&](const char* data, size_t bytes) {
    if (bytes >= (1 << 16)) {
      raw(data, bytes);
    } else {
      out.append(data, bytes);
      if (out.size() >= (1 << 20)) flush();
    }
  };
  // Field f of a merge: the bytes column() writes for the gathered column (GatherRuns), copied
  // run by run from the previous state's column and the night's.
  Column gathered;  // a field of a state read with segments, gathered to be written
  auto merged_column = [&](const RecordsMerge& m, size_t f) {
    const Column& before = GatheredField(*m.before, f, &gathered);
    const Column& night = m.night_fields[f];
    uint64_t bytes = 0;
    for (const RecordsMerge::Run& run : m.runs) {
      const Column& col = run.from ? night : before;
      bytes += col.offset(run.first + run.count) - col.offset(run.first);
    }
    PutString(out, m.field_names[f]);
    PutVarint(out, m.rows);
    PutVarint(out, bytes);
    const bool narrow_offsets = bytes <= UINT32_MAX;
    out.push_back(narrow_offsets ? 4 : 8);
    if (narrow_offsets) narrow.resize(m.rows + 1);
    else wide.resize(m.rows + 1);
    nulls.assign((m.rows + 63) / 64, 0);
    uint64_t at = 0;
    size_t i = 0;
    if (narrow_offsets) narrow[0] = 0;
    else wide[0] = 0;
    for (const RecordsMerge::Run& run : m.runs) {
      const Column& col = run.from ? night : before;
      const uint64_t from = col.offset(run.first);
      for (uint32_t k = 0; k < run.count; ++k, ++i) {
        const uint64_t end = at + (col.offset(run.first + k + 1) - from);
        if (narrow_offsets) narrow[i + 1] = static_cast<uint32_t>(end);
        else wide[i + 1] = end;
        if (col.IsNull(run.first + k)) nulls[i / 64] |= uint64_t{1} << (i % 64);
      }
      at += col.offset(run.first + run.count) - from;
    }
    if (narrow_offsets) raw(narrow.data(), narrow.size() * sizeof(uint32_t));
    else raw(wide.data(), wide.size() * sizeof(uint64_t));
    raw(nulls.data(), nulls.size() * sizeof(uint64_t));
    for (const RecordsMerge::Run& run : m.runs) {
      const Column& col = run.from ? night : before;
      const uint64_t from = col.offset(run.first);
      text(col.arena_data() + from, col.offset(run.first + run.count) - from);
    }
    flush();
  };
  auto column = [&](const Column& col) {
    PutString(out, col.name());
    const size_t rows = col.size(), bytes = col.arena_bytes();
    PutVarint(out, rows);
    PutVarint(out, bytes);
    if (bytes <= UINT32_MAX) {
      out.push_back(4);
      narrow.resize(rows + 1);
      for (size_t i = 0; i <= rows; ++i) narrow[i] = static_cast<uint32_t>(col.offset(i));
      raw(narrow.data(), narrow.size() * sizeof(uint32_t));
    } else {
      out.push_back(8);
      wide.resize(rows + 1);
      for (size_t i = 0; i <= rows; ++i) wide[i] = col.offset(i);
      raw(wide.data(), wide.size() * sizeof(uint64_t));
    }
    nulls.assign((rows + 63) / 64, 0);
    for (size_t i = 0; i < rows; ++i) {
      if (col.IsNull(static_cast<RowId>(i))) nulls[i / 64] |= uint64_t{1} << (i % 64);
    }
    raw(nulls.data(), nulls.size() * sizeof(uint64_t));
    raw(col.arena_data(), bytes);
  };
  // The key hashes of records read in place are where they were read (key_hash_bytes).
  auto key_hashes = [&] {
    PutVarint(out, r.KeyHashRules());
    for (size_t k = 0; k < r.KeyHashRules(); ++k) {
      const size_t rows = r.key_hashes.empty() ? r.key_hash_bytes[k].size() / sizeof(uint64_t) : r.key_hashes[k].size();
      PutVarint(out, rows);
      raw(r.KeyHashBytes(k), rows * sizeof(uint64_t));
    }
  };
  if (r.merge) {
    const RecordsMerge& m = *r.merge;
    PutVarint(out, m.field_names.size());
    for (size_t f = 0; f < m.field_names.size(); ++f) merged_column(m, f);
    PutVarint(out, m.night_key_hashes.size());
    for (size_t k = 0; k < m.night_key_hashes.size(); ++k) {
      PutVarint(out, m.rows);
      for (const RecordsMerge::Run& run : m.runs) {
        const char* h = run.from ? reinterpret_cast<const char*>(m.night_key_hashes[k].data()) : m.before->KeyHashBytes(k);
        text(h + size_t{run.first} * sizeof(uint64_t), run.count * sizeof(uint64_t));
      }
    }
  } else if (!r.field_rows.empty()) {
    PutVarint(out, r.field_sources[0].size());
    for (size_t f = 0; f < r.field_sources[0].size(); ++f) column(GatheredField(r, f, &gathered));
    key_hashes();
  } else if (r.key_order) {
    // Each field gathered into the keys' order and written a block of rows at a time: the bytes
    // column(Column::GatherRows(...)) would write, without the gathered column (at ten million
    // records a field's text and offsets, hundreds of MB) or any whole-table buffer in memory.
    const RecordsState::KeyOrder& ko = *r.key_order;
    const std::vector<uint32_t>& rows = *ko.rows;
    const size_t n = rows.size(), chunks = (n + kGatherChunk - 1) / kGatherChunk;
    std::vector<uint64_t> byte_base(chunks + 1);
    std::string block_text;
    PutVarint(out, ko.fields->size());
    for (const Column& in : *ko.fields) {
      // Each chunk's bytes (of 64K rows, so no two chunks share a word of the null bits), summed.
      byte_base[0] = 0;
      ParallelFor(size_t{0}, chunks, [&](size_t c) {
        uint64_t bytes = 0;
        for (size_t i = c * kGatherChunk, end = std::min(n, i + kGatherChunk); i < end; ++i) {
          bytes += in.Get(rows[i]).size();
        }
        byte_base[c + 1] = bytes;
      });
      for (size_t c = 0; c < chunks; ++c) byte_base[c + 1] += byte_base[c];
      const uint64_t bytes = byte_base[chunks];
      PutString(out, in.name());
      PutVarint(out, n);
      PutVarint(out, bytes);
      const bool narrow_offsets = bytes <= UINT32_MAX;
      out.push_back(narrow_offsets ? 4 : 8);
      // The offsets (the first, 0, then each row's end), a block of chunks at a time.
      if (narrow_offsets) PutU32(out, 0);
      else PutU64(out, 0);
      for (size_t first = 0; first < chunks; first += kGatherBlockChunks) {
        const size_t last = std::min(chunks, first + kGatherBlockChunks);
        const size_t begin = first * kGatherChunk, end = std::min(n, last * kGatherChunk);
        if (narrow_offsets) narrow.resize(end - begin);
        else wide.resize(end - begin);
        ParallelFor(first, last, [&](size_t c) {
          uint64_t at = byte_base[c];
          for (size_t i = c * kGatherChunk, stop = std::min(n, i + kGatherChunk); i < stop; ++i) {
            at += in.Get(rows[i]).size();
            if (narrow_offsets) narrow[i - begin] = static_cast<uint32_t>(at);
            else wide[i - begin] = at;
          }
        });
        if (narrow_offsets) raw(narrow.data(), narrow.size() * sizeof(uint32_t));
        else raw(wide.data(), wide.size() * sizeof(uint64_t));
      }
      nulls.assign((n + 63) / 64, 0);
      ParallelFor(size_t{0}, chunks, [&](size_t c) {
        for (size_t i = c * kGatherChunk, end = std::min(n, i + kGatherChunk); i < end; ++i) {
          if (in.IsNull(rows[i])) nulls[i / 64] |= uint64_t{1} << (i % 64);
        }
      });
      raw(nulls.data(), nulls.size() * sizeof(uint64_t));
      // The text, a block of chunks at a time, gathered in parallel into one buffer.
      for (size_t first = 0; first < chunks; first += kGatherBlockChunks) {
        const size_t last = std::min(chunks, first + kGatherBlockChunks);
        block_text.resize(byte_base[last] - byte_base[first]);
        ParallelFor(first, last, [&](size_t c) {
          char* to = block_text.data() + (byte_base[c] - byte_base[first]);
          for (size_t i = c * kGatherChunk, end = std::min(n, i + kGatherChunk); i < end; ++i) {
            const std::string_view v = in.Get(rows[i]);
            if (!v.empty()) std::memcpy(to, v.data(), v.size());
            to += v.size();
          }
        });
        raw(block_text.data(), block_text.size());
      }
    }
    std::string().swap(block_text);
    PutVarint(out, ko.key_hashes->size());
    for (const std::vector<uint64_t>& in : *ko.key_hashes) {
      PutVarint(out, n);
      for (size_t first = 0; first < chunks; first += kGatherBlockChunks) {
        const size_t last = std::min(chunks, first + kGatherBlockChunks);
        const size_t begin = first * kGatherChunk, end = std::min(n, last * kGatherChunk);
        wide.resize(end - begin);
        ParallelFor(first, last, [&](size_t c) {
          for (size_t i = c * kGatherChunk, stop = std::min(n, i + kGatherChunk); i < stop; ++i) {
            wide[i - begin] = in[rows[i]];
          }
        });
        raw(wide.data(), wide.size() * sizeof(uint64_t));
      }
    }
  } else {
    PutVarint(out, r.fields.size());
    for (const Column& col : r.fields) column(col);
    key_hashes();
  }
  PutVarint(out, r.source_names.size());
  for (const std::string& name : r.source_names) PutString(out, name);
  if (!r.source_names.empty()) raw(r.source_of.data(), r.source_of.size() * sizeof(uint32_t));
  PutVarint(out, r.tf_tables.size());
  for (const TfTable& t : r.tf_tables) {
    out.push_back(t.enabled ? 1 : 0);
    if (!t.enabled) continue;
    PutU64(out, t.rows);
    PutU64(out, t.non_null);
    PutVarint(out, t.counts.size());
    for (const auto& [hash, count] : t.counts) {
      PutU64(out, hash);
      PutVarint(out, count);
      if (out.size() >= (1 << 20)) flush();
    }
  }
  PutVarint(out, r.edges.size());
  for (const Edge& e : r.edges) {
    PutU32(out, e.a);
    PutU32(out, e.b);
    PutF64(out, e.weight);
    if (out.size() >= (1 << 20)) flush();
  }
  PutVarint(out, r.oversized.size());
  for (const SavedOversized& o : r.oversized) {
    PutVarint(out, o.rule);
    PutString(out, o.key);
    PutVarint(out, o.size);
    PutVarint(out, o.pairs);
  }
  // Version 3: the survivorship values (a 0 when the rules have no [survivorship]).
  out.push_back(r.survivor ? 1 : 0);
  if (r.survivor) {
    const SurvivorValues& sv = *r.survivor;
    PutString(out, sv.spec);
    PutVarint(out, sv.source_names.size());
    for (const std::string& name : sv.source_names) PutString(out, name);
    PutVarint(out, sv.source_of.size());
    raw(sv.source_of.data(), sv.source_of.size() * sizeof(uint32_t));
    PutVarint(out, sv.raw.size());
    for (const Column& col : sv.raw) column(col);
    column(sv.timestamps);
  }
  flush();
}

// A state file written straight from its body's pieces (emit_body hands them to its argument in
// order), never held whole: the body, then the XXH3 of the body as its trailer. The file's size and
// the checksum of all its bytes (what the manifest lists) go to *bytes and *checksum.
Status WriteStreamedFile(OutputSet& set, const std::string& name,
                         const std::function<void(const std::function<void(std::string_view)>&)>& emit_body,
                         uint64_t* bytes, std::string* checksum) {
  Result<FileWriter> w = set.Open(name);
  if (!w.ok()) return w.status();
  XXH3_state_t* body = XXH3_createState();
  XXH3_state_t* file = XXH3_createState();
  XXH3_64bits_reset(body);
  XXH3_64bits_reset(file);
  uint64_t size = 0;
  emit_body([&](std::string_view piece) {
    XXH3_64bits_update(body, piece.data(), piece.size());
    XXH3_64bits_update(file, piece.data(), piece.size());
    w->Write(piece);
    size += piece.size();
  });
  std::string trailer;
  PutU64(trailer, XXH3_64bits_digest(body));
  XXH3_64bits_update(file, trailer.data(), trailer.size());
  w->Write(trailer);
  *bytes = size + trailer.size();
  *checksum = Hex64(XXH3_64bits_digest(file));
  XXH3_freeState(body);
  XXH3_freeState(file);
  return w->Finish(true);
}

// identities.bin (SerializeIdentityState's bytes) and records.bin, streamed.
Status WriteIdentitiesFile(OutputSet& set, const IdentityState& identities, uint64_t* bytes, std::string* checksum) {
  return WriteStreamedFile(
      set, "identities.bin",
      [&](const std::function<void(std::string_view)>& piece) { EmitIdentityStateBody(identities, piece); }, bytes,
      checksum);
}

Status WriteRecordsFile(OutputSet& set, const RecordsState& r, uint64_t* bytes, std::string* checksum) {
  return WriteStreamedFile(
      set, "records.bin", [&](const std::function<void(std::string_view)>& piece) { EmitRecordsBody(r, piece); },
      bytes, checksum);
}

}  // namespace

// records.bin, version 2: the header, then per field its name, rows, text bytes, the offsets
// (rows + 1 of them, 4 bytes each when the text fits, else 8), the null bitmap and the text, as
// raw tables (read back with one copy each, no parsing per value); per blocking rule each
// record's key hash; the term-frequency counts; the links as (a, b, weight) entries; the
// skipped blocks; an XXH3-64 checksum of all that precedes it.
std::string SerializeRecordsState(const RecordsState& r) {
  std::string out;
  EmitRecordsBody(r, [&](std::string_view piece) { out.append(piece); });
  PutU64(out, XXH3_64bits(out.data(), out.size()));
  return out;
}

namespace {

constexpr char kSegmentMagic[8] = {'R', 'C', 'L', 'K', 'S', 'E', 'G', '\n'};
// Version 2: the skipped blocks' keys are raw texts, as in records.bin version 4.
constexpr uint32_t kSegmentVersion = 2;
constexpr uint32_t kNoRow = ~uint32_t{0};

// Per row before a segment: its row after it (the runs from 0 renumber them), or kNoRow.
std::vector<uint32_t> RowsAfter(const std::vector<RecordsMerge::Run>& runs, uint64_t rows_before) {
  std::vector<uint32_t> after(rows_before, kNoRow);
  uint32_t at = 0;
  for (const RecordsMerge::Run& run : runs) {
    if (run.from == 0) {
      for (uint32_t k = 0; k < run.count; ++k) after[run.first + k] = at + k;
    }
    at += run.count;
  }
  return after;
}

// The links before a segment with both rows kept, renumbered: still sorted, as renumbering keeps
// the order of the kept rows.
std::vector<Edge> RenumberedEdges(const std::vector<Edge>& edges, const std::vector<uint32_t>& after) {
  std::vector<Edge> out;
  out.reserve(edges.size());
  for (const Edge& e : edges) {
    const uint32_t a = after[e.a], b = after[e.b];
    if (a != kNoRow && b != kNoRow) out.push_back({a, b, e.weight});
  }
  return out;
}

bool SameWeight(double x, double y) { return std::memcmp(&x, &y, sizeof x) == 0; }

}  // namespace

// A segment: the header, rows before and after, the runs, the links' changes, the skipped blocks,
// then the night's records as a records.bin of their own (fields and key hashes of the night's
// rows, the threshold, nothing else), then an XXH3-64 checksum of all that precedes it.
std::string SerializeRecordsSegment(const RecordsState& next) {
  const RecordsMerge& m = *next.merge;
  RecordsState night;
  night.threshold = next.threshold;
  night.fields = m.night_fields;
  night.key_hashes = m.night_key_hashes;
  std::string out(kSegmentMagic, sizeof kSegmentMagic);
  PutU32(out, kSegmentVersion);
  PutU32(out, 0);
  PutVarint(out, m.rows_before);
  PutVarint(out, m.rows);
  PutVarint(out, m.runs.size());
  for (const RecordsMerge::Run& run : m.runs) {
    out.push_back(static_cast<char>(run.from));
    PutVarint(out, run.first);
    PutVarint(out, run.count);
  }
  // The links as changes: the previous links with both rows kept, renumbered (still sorted, as
  // RenumberedEdges says) as the merge reaches them rather than copied into a table of their own
  // first, against the next ones (sorted).
  const std::vector<uint32_t> after = RowsAfter(m.runs, m.rows_before);
  const std::vector<Edge>& before = m.before->edges;
  size_t i = 0, j = 0;
  Edge kept{};
  bool has_kept = false;
  auto advance_kept = [&] {
    has_kept = false;
    while (i < before.size()) {
      const Edge& e = before[i++];
      const uint32_t a = after[e.a], b = after[e.b];
      if (a != kNoRow && b != kNoRow) {
        kept = {a, b, e.weight};
        has_kept = true;
        return;
      }
    }
  };
  advance_kept();
  std::vector<std::pair<uint32_t, uint32_t>> dropped;
  std::vector<Edge> added;
  const std::vector<Edge>& now = next.edges;
  while (has_kept || j < now.size()) {
    const bool take_kept = j == now.size() || (has_kept && std::tie(kept.a, kept.b) <= std::tie(now[j].a, now[j].b));
    const bool take_now = !has_kept || (j < now.size() && std::tie(now[j].a, now[j].b) <= std::tie(kept.a, kept.b));
    if (take_kept && take_now && SameWeight(kept.weight, now[j].weight)) {
      advance_kept();
      ++j;
      continue;
    }
    if (take_kept) {
      dropped.emplace_back(kept.a, kept.b);
      advance_kept();
    }
    if (take_now) added.push_back(now[j++]);
  }
  PutVarint(out, dropped.size());
  for (const auto& [a, b] : dropped) {
    PutU32(out, a);
    PutU32(out, b);
  }
  PutVarint(out, added.size());
  for (const Edge& e : added) {
    PutU32(out, e.a);
    PutU32(out, e.b);
    PutF64(out, e.weight);
  }
  PutVarint(out, next.oversized.size());
  for (const SavedOversized& o : next.oversized) {
    PutVarint(out, o.rule);
    PutString(out, o.key);
    PutVarint(out, o.size);
    PutVarint(out, o.pairs);
  }
  const std::string body = SerializeRecordsState(night);
  PutVarint(out, body.size());
  out += body;
  PutU64(out, XXH3_64bits(out.data(), out.size()));
  return out;
}

Result<RecordsSegment> ParseRecordsSegment(std::string_view bytes, size_t n_fields, size_t n_rules,
                                           const std::string& name, std::shared_ptr<const void> backing,
                                           TrailerCheck trailer) {
  auto corrupt = [&](const std::string& why) {
    return Status::InvalidInput(name + ": error: the state's segment cannot be read: " + why, kStateHint);
  };
  if (bytes.size() < sizeof kSegmentMagic + 8 + 8 || std::memcmp(bytes.data(), kSegmentMagic, sizeof kSegmentMagic) != 0) {
    return corrupt("it is not a reclink segment file");
  }
  const std::string_view body = bytes.substr(0, bytes.size() - 8);
  ByteReader tail(bytes.substr(bytes.size() - 8));
  uint64_t checksum = 0;
  (void)tail.U64(&checksum);
  if (trailer == TrailerCheck::kVerify && checksum != XXH3_64bits(body.data(), body.size())) {
    return corrupt("its checksum does not match its contents");
  }
  ByteReader r(body.substr(sizeof kSegmentMagic));
  uint32_t version = 0, reserved = 0;
  (void)r.U32(&version);
  (void)r.U32(&reserved);
  if (version < 1 || version > kSegmentVersion) return corrupt("it has format version " + std::to_string(version));
  RecordsSegment out;
  uint64_t nruns = 0;
  if (r.Varint(&out.rows_before) && r.Varint(&out.rows) && (out.rows_before >= kNoRow || out.rows >= kNoRow)) {
    r.Fail("it holds too many records");
  }
  if (!r.error() && r.Count(&nruns, 3)) out.runs.resize(nruns);
  // The runs of the rows before are in increasing order (the kept rows keep their order), the
  // night's in any (its records' order is the input's); no row is in two runs; they cover `rows`.
  uint64_t total = 0, end_before = 0, end_night = 0;
  for (uint64_t k = 0; k < nruns && !r.error(); ++k) {
    std::string from;
    uint64_t first = 0, count = 0;
    if (!r.Bytes(1, &from) || !r.Varint(&first) || !r.Varint(&count)) break;
    if ((from[0] != 0 && from[0] != 1) || count == 0 || first >= kNoRow || count >= kNoRow) {
      r.Fail("a run of rows is malformed");
      break;
    }
    if (from[0] == 0 && first < end_before) {
      r.Fail("runs of rows overlap");
      break;
    }
    if (from[0] == 0) end_before = first + count;
    else end_night = std::max(end_night, first + count);
    total += count;
    out.runs[k] = {static_cast<uint8_t>(from[0]), static_cast<uint32_t>(first), static_cast<uint32_t>(count)};
  }
  if (!r.error() && (total != out.rows || end_before > out.rows_before)) r.Fail("its runs do not cover its rows");
  if (!r.error()) {
    std::vector<uint8_t> used(end_night, 0);
    for (const RecordsMerge::Run& run : out.runs) {
      if (run.from == 0) continue;
      for (uint32_t k = 0; k < run.count && !r.error(); ++k) {
        if (used[run.first + k]++) r.Fail("runs of rows overlap");
      }
    }
  }
  uint64_t n = 0;
  if (r.Count(&n, 8)) out.edges_dropped.resize(n);
  for (uint64_t k = 0; k < n && !r.error(); ++k) {
    auto& [a, b] = out.edges_dropped[k];
    if (!r.U32(&a) || !r.U32(&b)) break;
    if (!(a < b && b < out.rows) || (k > 0 && !(out.edges_dropped[k - 1] < out.edges_dropped[k]))) {
      r.Fail("a dropped link is malformed");
    }
  }
  if (r.Count(&n, 16)) out.edges_added.resize(n);
  for (uint64_t k = 0; k < n && !r.error(); ++k) {
    Edge& e = out.edges_added[k];
    if (!r.U32(&e.a) || !r.U32(&e.b) || !r.F64(&e.weight)) break;
    if (!(e.a < e.b && e.b < out.rows) ||
        (k > 0 && !(std::tie(out.edges_added[k - 1].a, out.edges_added[k - 1].b) < std::tie(e.a, e.b)))) {
      r.Fail("an added link is malformed");
    }
  }
  if (r.Count(&n, 4)) out.oversized.resize(n);
  for (uint64_t k = 0; k < n && !r.error(); ++k) {
    uint64_t rule = 0;
    SavedOversized& o = out.oversized[k];
    if (!r.Varint(&rule) || !r.String(&o.key) || !r.Varint(&o.size) || !r.Varint(&o.pairs)) break;
    if (rule >= n_rules) r.Fail("a skipped block names a blocking rule that does not exist");
    o.rule = static_cast<uint32_t>(rule);
    if (version < 2) o.key = RawKeyOfDisplayKey(o.key);
  }
  if (version < 2) std::sort(out.oversized.begin(), out.oversized.end());
  uint64_t inner = 0;
  std::string_view night;
  if (r.Varint(&inner) && r.View(inner, &night) && !r.at_end()) r.Fail("bytes follow the night's records");
  if (r.error()) return corrupt(r.error());
  Result<RecordsState> records =
      ParseRecordsState(night, end_night, n_fields, n_rules, name, std::move(backing));
  if (!records.ok()) return records.status();
  if (records->format_version != (version < 2 ? 3 : kRecordsVersion) || records->survivor ||
      !records->source_names.empty()) {
    return corrupt("the night's records are of another kind");
  }
  out.night = std::move(records.value());
  return out;
}

Result<RecordsState> ApplySegments(RecordsState base, uint64_t base_rows, std::vector<RecordsSegment> segments,
                                   const std::vector<std::string>& names,
                                   const std::vector<std::string_view>& base_hash_bytes) {
  if (segments.empty()) return base;
  // The rows as runs of the sources: 0 the base, s the night of segment s - 1.
  std::vector<RecordsMerge::Run> runs;
  if (base_rows > 0) runs.push_back({0, 0, static_cast<uint32_t>(base_rows)});
  uint64_t rows = base_rows;
  std::vector<Edge> edges = std::move(base.edges);
  for (size_t s = 0; s < segments.size(); ++s) {
    const RecordsSegment& sg = segments[s];
    auto corrupt = [&](const std::string& why) {
      return Status::InvalidInput(names[s] + ": error: the state's segment cannot be read: " + why, kStateHint);
    };
    if (sg.rows_before != rows) return corrupt("it does not continue the records before it");
    if (s + 1 > 254) return corrupt("too many segments");
    std::vector<uint64_t> starts(runs.size() + 1, 0);
    for (size_t k = 0; k < runs.size(); ++k) starts[k + 1] = starts[k] + runs[k].count;
    std::vector<RecordsMerge::Run> next;
    auto push = [&](uint8_t from, uint32_t first, uint32_t count) {
      if (!next.empty() && next.back().from == from && next.back().first + next.back().count == first) {
        next.back().count += count;
      } else {
        next.push_back({from, first, count});
      }
    };
    for (const RecordsMerge::Run& run : sg.runs) {
      if (run.from == 1) {
        push(static_cast<uint8_t>(s + 1), run.first, run.count);
        continue;
      }
      uint64_t at = run.first;
      const uint64_t end = at + run.count;
      size_t k = std::upper_bound(starts.begin(), starts.end(), at) - starts.begin() - 1;
      while (at < end) {
        const uint64_t offset = at - starts[k];
        const uint64_t take = std::min<uint64_t>(end - at, runs[k].count - offset);
        push(runs[k].from, static_cast<uint32_t>(runs[k].first + offset), static_cast<uint32_t>(take));
        at += take;
        ++k;
      }
    }
    runs = std::move(next);
    // The links: the kept ones renumbered, less the dropped, plus the added.
    const std::vector<Edge> kept = RenumberedEdges(edges, RowsAfter(sg.runs, sg.rows_before));
    edges.clear();
    edges.reserve(kept.size() + sg.edges_added.size());
    size_t d = 0, a = 0;
    for (const Edge& e : kept) {
      if (d < sg.edges_dropped.size() && sg.edges_dropped[d] == std::make_pair(e.a, e.b)) {
        ++d;
        continue;
      }
      while (a < sg.edges_added.size() && std::tie(sg.edges_added[a].a, sg.edges_added[a].b) < std::tie(e.a, e.b)) {
        edges.push_back(sg.edges_added[a++]);
      }
      if (a < sg.edges_added.size() && sg.edges_added[a].a == e.a && sg.edges_added[a].b == e.b) {
        return corrupt("it adds a link that is there");
      }
      edges.push_back(e);
    }
    while (a < sg.edges_added.size()) edges.push_back(sg.edges_added[a++]);
    if (d != sg.edges_dropped.size()) return corrupt("it drops a link that is not there");
    rows = sg.rows;
  }
  RecordsState out;
  out.format_version = base.format_version;
  out.threshold = segments.back().night.threshold;
  const bool hashes_as_bytes = base.key_hashes.empty() && !base_hash_bytes.empty();
  const size_t n_rules = hashes_as_bytes ? base_hash_bytes.size() : base.key_hashes.size();
  out.key_hashes.resize(n_rules);
  // The fields stay where they are: each row names its source and its row there.
  out.field_rows.resize(rows);
  ParallelFor(size_t{0}, n_rules + 1, [&](size_t t) {
    if (t == n_rules) {
      size_t i = 0;
      for (const RecordsMerge::Run& run : runs) {
        for (uint32_t k = 0; k < run.count; ++k) out.field_rows[i++] = {run.from, run.first + k};
      }
      return;
    }
    const size_t k = t;
    std::vector<uint64_t>& h = out.key_hashes[k];
    h.resize(rows);
    uint64_t at = 0;
    for (const RecordsMerge::Run& run : runs) {
      const char* from =
          run.from ? reinterpret_cast<const char*>(segments[run.from - 1].night.key_hashes[k].data())
          : hashes_as_bytes ? base_hash_bytes[k].data()
                            : reinterpret_cast<const char*>(base.key_hashes[k].data());
      std::memcpy(h.data() + at, from + size_t{run.first} * sizeof(uint64_t), run.count * sizeof(uint64_t));
      at += run.count;
    }
  });
  out.tf_tables = std::move(base.tf_tables);
  out.edges = std::move(edges);
  out.oversized = std::move(segments.back().oversized);
  auto backings = std::make_shared<std::vector<std::shared_ptr<const void>>>();
  backings->push_back(std::move(base.backing));
  out.field_sources.push_back(std::move(base.fields));
  for (RecordsSegment& sg : segments) {
    backings->push_back(std::move(sg.night.backing));
    out.field_sources.push_back(std::move(sg.night.fields));
  }
  out.backing = std::move(backings);
  out.field_runs = std::move(runs);
  return out;
}

const Column& GatheredField(const RecordsState& records, size_t f, Column* storage) {
  if (records.field_rows.empty()) return records.fields[f];
  std::vector<const Column*> sources;
  for (const std::vector<Column>& cols : records.field_sources) sources.push_back(&cols[f]);
  *storage = GatherRuns(sources[0]->name(), records.field_rows.size(), records.field_runs, sources);
  return *storage;
}

Result<RecordsState> ParseRecordsState(std::string_view bytes, uint64_t rows, size_t n_fields, size_t n_rules,
                                       const std::string& name, std::shared_ptr<const void> backing,
                                       std::vector<std::string_view>* key_hash_bytes, TrailerCheck trailer) {
  const bool in_place = backing != nullptr;
  auto corrupt = [&](const std::string& why) {
    return Status::InvalidInput(name + ": error: the state's records cannot be read: " + why, kStateHint);
  };
  if (bytes.size() < sizeof kRecordsMagic + 8 + 8 || std::memcmp(bytes.data(), kRecordsMagic, sizeof kRecordsMagic) != 0) {
    return corrupt("it is not a reclink records file");
  }
  const std::string_view body = bytes.substr(0, bytes.size() - 8);
  ByteReader tail(bytes.substr(bytes.size() - 8));
  uint64_t checksum = 0;
  (void)tail.U64(&checksum);
  if (trailer == TrailerCheck::kVerify && checksum != XXH3_64bits(body.data(), body.size())) {
    return corrupt("its checksum does not match its contents");
  }
  ByteReader r(body.substr(sizeof kRecordsMagic));
  uint32_t version = 0, reserved = 0;
  (void)r.U32(&version);
  (void)r.U32(&reserved);
  if (version == 1) {
    Result<RecordsState> v1 = ParseRecordsV1(r, rows, n_fields);
    if (v1.ok()) v1->format_version = 1;
    if (!r.error() && !r.at_end()) r.Fail("bytes follow the last table");
    if (r.error()) return corrupt(r.error());
    return v1;
  }
  if (version < 2 || version > kRecordsVersion) return corrupt("it has format version " + std::to_string(version));
  RecordsState out;
  out.format_version = version;
  out.backing = std::move(backing);
  uint64_t nf = 0;
  if (r.F64(&out.threshold) && r.Varint(&nf) && nf != n_fields) r.Fail("it holds another number of fields");
  for (uint64_t f = 0; f < nf && !r.error(); ++f) {
    Column col;
    if (!ParseColumn(r, body, rows, &col, in_place)) break;
    out.fields.push_back(std::move(col));
  }
  uint64_t nr = 0;
  if (r.Varint(&nr) && nr != n_rules) r.Fail("it holds key hashes for another number of blocking rules");
  for (uint64_t k = 0; k < nr && !r.error(); ++k) {
    uint64_t n = 0;
    if (!r.Count(&n, 8)) break;
    if (n != rows) {
      r.Fail("a rule's key hashes are for another number of records");
      break;
    }
    if (key_hash_bytes && in_place) {
      std::string_view table;
      if (n > SIZE_MAX / 8 || !r.View(n * 8, &table)) {
        r.Fail("truncated");
        break;
      }
      key_hash_bytes->push_back(table);
      continue;
    }
    std::vector<uint64_t> h(n);
    if (!RawTable(r, n, h.data())) break;
    out.key_hashes.push_back(std::move(h));
  }
  uint64_t ns = 0;
  if (r.Count(&ns, 1)) out.source_names.resize(ns);
  for (uint64_t i = 0; i < ns && !r.error(); ++i) {
    if (r.String(&out.source_names[i]) && i > 0 && !(out.source_names[i - 1] < out.source_names[i])) {
      r.Fail("source names are not sorted");
    }
  }
  if (ns > 0 && !r.error()) {
    if (rows > body.size() / 4) {
      r.Fail("a table is longer than the file");
    } else {
      out.source_of.resize(rows);
      if (RawTable(r, rows, out.source_of.data())) {
        for (uint32_t s : out.source_of) {
          if (s >= ns) {
            r.Fail("a record names a source that does not exist");
            break;
          }
        }
      }
    }
  }
  ParseTfTables(r, &out.tf_tables);
  // The links: 16 bytes each (u32 a, u32 b, f64 weight), the layout of Edge, so copied whole
  // and then checked in one pass without an exit, rather than read number by number.
  static_assert(sizeof(Edge) == 16 && offsetof(Edge, b) == 4 && offsetof(Edge, weight) == 8);
  uint64_t ne = 0;
  std::string_view links;
  if (r.Count(&ne, 16) && r.View(ne * 16, &links)) {
    out.edges.resize(ne);
    if (ne > 0) std::memcpy(out.edges.data(), links.data(), links.size());
    uint64_t bad = 0;
    for (const Edge& e : out.edges)
      bad |= static_cast<uint64_t>(!(e.a < e.b)) | static_cast<uint64_t>(e.b >= rows);
    if (bad) r.Fail("a link names a record that does not exist");
  }
  uint64_t no = 0;
  if (r.Count(&no, 4)) out.oversized.resize(no);
  for (uint64_t i = 0; i < no && !r.error(); ++i) {
    uint64_t rule = 0;
    SavedOversized& o = out.oversized[i];
    if (!r.Varint(&rule) || !r.String(&o.key) || !r.Varint(&o.size) || !r.Varint(&o.pairs)) break;
    if (rule >= n_rules) r.Fail("a skipped block names a blocking rule that does not exist");
    o.rule = static_cast<uint32_t>(rule);
    if (version < 4) o.key = RawKeyOfDisplayKey(o.key);
  }
  if (version < 4) std::sort(out.oversized.begin(), out.oversized.end());
  // Version 3: the survivorship values, after a byte saying whether there are any.
  std::string present;
  if (version >= 3 && !r.error() && r.Bytes(1, &present) && present[0] == 1) {
    SurvivorValues sv;
    uint64_t names = 0, n = 0, ncol = 0;
    if (r.String(&sv.spec) && r.Count(&names, 1)) {
      sv.source_names.resize(names);
      for (uint64_t i = 0; i < names && !r.error(); ++i) {
        if (r.String(&sv.source_names[i]) && i > 0 && !(sv.source_names[i - 1] < sv.source_names[i])) {
          r.Fail("source names are not sorted");
        }
      }
    }
    if (!r.error() && r.Count(&n, 4)) {
      if (n != rows) {
        r.Fail("the golden records' values are for another number of records");
      } else {
        sv.source_of.resize(n);
        if (RawTable(r, n, sv.source_of.data())) {
          for (uint32_t s : sv.source_of) {
            if (s >= names) {
              r.Fail("a record names a source that does not exist");
              break;
            }
          }
        }
      }
    }
    if (!r.error() && r.Varint(&ncol) && ncol != 0 && ncol != n_fields) {
      r.Fail("it holds raw values for another number of fields");
    }
    for (uint64_t f = 0; f < ncol && !r.error(); ++f) {
      Column col;
      if (ParseColumn(r, body, rows, &col, in_place)) sv.raw.push_back(std::move(col));
    }
    if (!r.error()) (void)ParseColumn(r, body, rows, &sv.timestamps, in_place);
    out.survivor = std::move(sv);
  } else if (!present.empty() && present[0] != 0) {
    r.Fail("it has an unknown section");
  }
  if (!r.error() && !r.at_end()) r.Fail("bytes follow the last table");

  if (r.error()) return corrupt(r.error());
  return out;
}

std::string RulesFingerprint(const Rules& rules) {
  std::string s = "reclink-rules-v1";
  Put(s, std::to_string(static_cast<int>(rules.link_type)));
  Put(s, rules.id);
  for (const auto& [source, id] : rules.ids) {
    Put(s, source);
    Put(s, id);
  }
  s += "|fields";
  for (const FieldSpec& f : rules.fields) {
    Put(s, f.name);
    Put(s, f.column);
    for (const auto& [source, column] : f.columns) {
      Put(s, source);
      Put(s, column);
    }
    s += "|n";
    for (const std::string& n : f.normalize) Put(s, n);
    Put(s, f.phone_country_code);
    Put(s, std::to_string(static_cast<int>(f.date_order)));
    s += "|null";
    for (const std::string& v : f.null_values) Put(s, v);
    // Per-source options ([sources.NAME]); nothing is added without them, so states written
    // before they existed keep their fingerprint.
    for (const auto& [source, order] : f.date_orders) {
      Put(s, "|order:" + source);
      Put(s, std::to_string(static_cast<int>(order)));
    }
    for (const auto& [source, code] : f.country_codes) {
      Put(s, "|cc:" + source);
      Put(s, code);
    }
    for (const auto& [source, values] : f.source_null_values) {
      Put(s, "|null:" + source);
      for (const std::string& v : values) Put(s, v);
    }
  }
  s += "|blocking";
  for (const BlockingRule& b : rules.blocking) Put(s, b.text);
  s += "|comparisons";
  for (const ComparisonSpec& c : rules.comparisons) {
    Put(s, c.name);
    Put(s, c.field);
    Put(s, std::to_string(c.tf_adjust));
    for (const LevelSpec& l : c.levels) {
      Put(s, std::to_string(static_cast<int>(l.predicate)));
      Put(s, l.threshold);
    }
  }
  return Checksum(s);
}

Result<RunState> ReadRunState(const std::string& dir, const Rules& rules, bool other_rules_ok) {
  namespace fs = std::filesystem;
  RunState state;
  const std::string fingerprint = RulesFingerprint(rules);
  auto path = [&](const std::string& name) { return (fs::path(dir) / name).string(); };
  std::error_code ec;
  bool any = false;
  for (const std::string& name : kRunStateFiles) any |= fs::exists(path(name), ec);
  if (!any) {
    state.identities = NewIdentityState(XXH3_64bits(fingerprint.data(), fingerprint.size()));
    state.rules_fingerprint = fingerprint;
    return state;
  }
  const std::string manifest_path = path("state.json");
  if (!fs::exists(manifest_path, ec)) {
    return Status::InvalidInput(manifest_path + ": error: the state has no manifest (state.json)", kStateHint);
  }
  Result<std::string> manifest = ReadWhole(manifest_path);
  if (!manifest.ok()) return manifest.status();
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  auto bad = [&](const std::string& what) {
    return Status::InvalidInput(manifest_path + ": error: " + what, kStateHint);
  };
  auto mismatch = [&](const std::string& name) {
    return Status::InvalidInput(path(name) + ": error: the file does not match the state's manifest (size or "
                                "checksum differs)", kStateHint);
  };
  if (parser.parse(*manifest).get(doc)) return bad("the manifest is not valid JSON");
  std::string_view format, fp, by;
  int64_t version = 0;
  if (doc["format"].get(format) || format != "reclink-state") return bad("not a reclink state manifest");
  if (doc["version"].get(version)) return bad("missing 'version'");
  if (version != kRunStateVersion && version != kSegmentedStateVersion) {
    return bad("the state has format version " + std::to_string(version) + "; this reclink (" + kReclinkVersion +
               ") reads versions " + std::to_string(kRunStateVersion) + " and " +
               std::to_string(kSegmentedStateVersion));
  }
  // Version 3: the records are records.bin (of base_records records) and the segments, in order.
  std::vector<std::string> segment_names;
  uint64_t base_rows = 0;
  if (version == kSegmentedStateVersion) {
    simdjson::dom::array list;
    if (doc["segments"].get(list)) return bad("missing 'segments'");
    if (doc["base_records"].get(base_rows)) return bad("missing 'base_records'");
    for (simdjson::dom::element e : list) {
      std::string_view name;
      if (e.get(name) || name != StateSegmentName(static_cast<int>(segment_names.size()) + 1) ||
          static_cast<int>(segment_names.size()) >= kMaxStateSegments) {
        return bad("the manifest's segments are not records.1.bin, records.2.bin, ...");
      }
      segment_names.emplace_back(name);
    }
  }
  if (doc["rules_fingerprint"].get(fp)) return bad("missing 'rules_fingerprint'");
  if (!doc["written_by"].get(by)) state.written_by = std::string(by);
  state.found = true;
  state.rules_fingerprint = std::string(fp);
  if (state.rules_fingerprint != fingerprint && !other_rules_ok) {
    return Status::Usage(
        dir + ": error: the state was written with other rules (fingerprint " + state.rules_fingerprint + ") than " +
            rules.path + " (fingerprint " + fingerprint + "): its model and blocking do not fit these rules",
        "rerun with --retrain to train a model on these rules and carry the identities over, or use another "
        "--state directory");
  }
  // Every listed file must be there with the size and checksum the manifest gives. The records'
  // files (most of the state's bytes) are mapped (their pages populated) and checked on a thread
  // of their own while identities.bin is checked and parsed here, and then records.bin is parsed
  // here too; nothing parsed is used before that thread has found the files whole. Each file's
  // own trailer is then not hashed again (TrailerCheck::kTrusted): the manifest's checksum
  // covers it.
  std::shared_ptr<MappedFile> identities_file, records_file;  // both always listed (names)
  std::vector<std::shared_ptr<MappedFile>> segment_files;
  auto origin = std::make_shared<RecordsState::Origin>();
  origin->dir = dir;
  std::vector<std::string> names = {"identities.bin", "records.bin", "model.json"};
  names.insert(names.end(), segment_names.begin(), segment_names.end());
  struct Listed {
    std::string name;
    uint64_t size = 0;
    std::string sum;
    std::shared_ptr<MappedFile> file;
  };
  std::vector<Listed> listed;
  for (const std::string& name : names) {
    simdjson::dom::element entry;
    if (doc["files"][name].get(entry)) return bad(std::string("the manifest does not list ") + name);
    std::string_view sum;
    uint64_t size = 0;
    if (entry["xxh3"].get(sum) || entry["bytes"].get(size)) return bad(std::string("bad entry for ") + name);
    // The records' files are populated by the thread that checks them (below), not here.
    Result<MappedFile> file =
        MappedFile::Open(path(name), /*populate=*/!name.starts_with("records."));
    if (!file.ok()) return Status::InvalidInput(file.status().message(), kStateHint);
    if (file->bytes().size() != size) return mismatch(name);
    listed.push_back({name, size, std::string(sum), std::make_shared<MappedFile>(std::move(file.value()))});
    const RecordsState::Origin::File entry_of{name, size, std::string(sum), 0};
    if (name == "identities.bin") identities_file = listed.back().file;
    if (name == "records.bin") {
      records_file = listed.back().file;
      origin->base = entry_of;
    }
    if (name.starts_with("records.") && name != "records.bin") {
      segment_files.push_back(listed.back().file);
      origin->segments.push_back(entry_of);
    }
  }
  // The first records' file whose checksum differs, or none. Declared after the files it reads,
  // so an early return waits for it before they are unmapped.
  std::future<std::string> records_checked = std::async(std::launch::async, [&listed] {
    for (const Listed& l : listed) {
      if (!l.name.starts_with("records.")) continue;
      l.file->Populate();
      if (Checksum(l.file->bytes()) != l.sum) return l.name;
    }
    return std::string();
  });
  for (const Listed& l : listed) {
    if (!l.name.starts_with("records.") && Checksum(l.file->bytes()) != l.sum) return mismatch(l.name);
  }
  // The keys are views of the mapping, which the state keeps.
  Result<IdentityState> ids = ParseIdentityState(identities_file->bytes(), path("identities.bin"), identities_file,
                                                 TrailerCheck::kTrusted);
  if (!ids.ok()) return ids.status();
  state.identities = std::move(ids.value());
  Result<Model> model = state.rules_fingerprint == fingerprint ? ReadModelJson(path("model.json"), rules)
                                                               : Result<Model>(Model());
  // records.bin is parsed while its checksum is still being computed: the parse is bounds-checked
  // throughout (a damaged file gives an error, or values that are never used), and the checksum's
  // verdict is given first. The key hashes are not copied: without segments they are read in
  // place (key_hash_bytes), with segments gathered from the mapping (ApplySegments).
  std::vector<std::string_view> base_hashes;
  Result<RecordsState> records = Status::Internal("records.bin was not parsed");
  if (state.rules_fingerprint == fingerprint) {
    if (segment_names.empty()) base_rows = state.identities.records();
    records = ParseRecordsState(records_file->bytes(), base_rows, rules.fields.size(),
                                rules.blocking.size(), path("records.bin"), records_file,
                                &base_hashes, TrailerCheck::kTrusted);
  }
  if (const std::string differs = records_checked.get(); !differs.empty()) return mismatch(differs);
  if (state.rules_fingerprint == fingerprint) {
    if (!model.ok()) return Status::InvalidInput(model.status().message(), kStateHint);
    state.model = std::move(model.value());
    state.model_loaded = true;
    if (!records.ok()) return records.status();
    if (segment_names.empty()) records->key_hash_bytes = std::move(base_hashes);
    origin->base_rows = base_rows;
    origin->base_version = records->format_version;
    if (!segment_names.empty()) {
      if (records->format_version < 2 || records->survivor || !records->source_names.empty()) {
        return Status::InvalidInput(path("records.bin") + ": error: the state's records cannot be read: it has "
                                    "segments, which follow only a version 2 or 3 file in dedupe mode without "
                                    "survivorship values", kStateHint);
      }
      std::vector<RecordsSegment> segments;
      std::vector<std::string> paths;
      for (size_t i = 0; i < segment_names.size(); ++i) {
        paths.push_back(path(segment_names[i]));
        Result<RecordsSegment> sg = ParseRecordsSegment(segment_files[i]->bytes(), rules.fields.size(),
                                                        rules.blocking.size(), paths.back(), segment_files[i],
                                                        TrailerCheck::kTrusted);
        if (!sg.ok()) return sg.status();
        const uint64_t night_rows = sg->night.fields.empty() ? 0 : sg->night.fields[0].size();
        origin->segments[i].weight = night_rows + (sg->rows_before + night_rows - sg->rows);
        segments.push_back(std::move(sg.value()));
      }
      if (records->format_version >= 2 && base_hashes.size() != rules.blocking.size()) {
        return Status::Internal("records.bin's key hashes were not read");
      }
      records = ApplySegments(std::move(records.value()), base_rows, std::move(segments), paths, base_hashes);
      if (!records.ok()) return records.status();
      // The base's key hashes are gathered now: their pages of the mapping (which the fields keep
      // mapped) are let go, as nothing reads them again.
      const long page = sysconf(_SC_PAGESIZE);
      for (std::string_view table : base_hashes) {
        const uintptr_t from = (reinterpret_cast<uintptr_t>(table.data()) + page - 1) / page * page;
        const uintptr_t to = (reinterpret_cast<uintptr_t>(table.data()) + table.size()) / page * page;
        if (to > from) madvise(reinterpret_cast<void*>(from), to - from, MADV_DONTNEED);
      }
      const uint64_t rows = records->field_rows.size();
      if (rows != state.identities.records()) {
        return Status::InvalidInput(path(segment_names.back()) + ": error: the state's segments hold " +
                                    std::to_string(rows) + " records and identities.bin " +
                                    std::to_string(state.identities.records()), kStateHint);
      }
    }
    state.records = std::move(records.value());
    state.records.origin = std::move(origin);
    simdjson::dom::array collisions;
    if (!doc["key_collisions"].get(collisions)) {
      if (collisions.size() != rules.blocking.size()) return bad("'key_collisions' does not list every blocking rule");
      for (simdjson::dom::element rule : collisions) {
        simdjson::dom::array list;
        if (rule.get(list)) return bad("'key_collisions' is not a list of lists");
        std::vector<uint64_t>& hashes = state.records.key_collisions.emplace_back();
        for (simdjson::dom::element e : list) {
          std::string_view hex;
          uint64_t h = 0;
          if (e.get(hex) || hex.size() != 16 ||
              std::from_chars(hex.data(), hex.data() + hex.size(), h, 16).ec != std::errc() ||
              (!hashes.empty() && h <= hashes.back())) {
            return bad("'key_collisions' holds something other than sorted 16-digit hashes");
          }
          hashes.push_back(h);
        }
      }
      state.records.key_collisions_known = true;
    }
    if (state.records.KeyHashRules() == 0 && !rules.blocking.empty()) {
      // A version 1 file: the key hashes are computed once here and written with the next state.
      for (size_t r = 0; r < rules.blocking.size(); ++r) {
        state.records.key_hashes.push_back(BlockingKeyHashes(rules, r, state.records.fields));
      }
    }
  }
  return state;
}

namespace {

// Whether an incremental night's records go to the state as one more segment (WriteRunState).
bool WritesSegment(const Rules& rules, const RecordsState& records) {
  if (!records.merge || !records.merge->before || !records.merge->before->origin) return false;
  if (rules.link_type != LinkType::kDedupe || rules.survivorship || records.survivor) return false;
  const RecordsState::Origin& o = *records.merge->before->origin;
  if (o.base_version < 2 || static_cast<int>(o.segments.size()) >= kMaxStateSegments) return false;
  const RecordsMerge& m = *records.merge;
  uint64_t night = 0;
  for (const RecordsMerge::Run& run : m.runs) night += run.from ? run.count : 0;
  uint64_t weight = night + (m.rows_before + night - m.rows);
  for (const RecordsState::Origin::File& f : o.segments) weight += f.weight;
  return static_cast<double>(weight) <= kSegmentShareLimit * static_cast<double>(o.base_rows);
}

}  // namespace

Status WriteRunState(OutputSet& set, const Rules& rules, const Model& model, const IdentityState& identities,
                     const RecordsState& records) {
  uint64_t ids_bytes = 0;
  std::string ids_xxh3;
  RECLINK_RETURN_IF_ERROR(WriteIdentitiesFile(set, identities, &ids_bytes, &ids_xxh3));
  const std::string model_json = ModelToJson(model);
  // The records: records.bin whole, or the previous state's records.bin and segments kept (hard
  // links: they never change once written) and this night's segment after them.
  std::vector<RecordsState::Origin::File> record_files;
  const RecordsState::Origin* origin = nullptr;
  if (WritesSegment(rules, records)) {
    origin = records.merge->before->origin.get();
    namespace fs = std::filesystem;
    for (const RecordsState::Origin::File* f = &origin->base; f; ) {
      RECLINK_RETURN_IF_ERROR(set.Link(f->name, (fs::path(origin->dir) / f->name).string()));
      record_files.push_back(*f);
      const size_t next = record_files.size() - 1;
      f = next < origin->segments.size() ? &origin->segments[next] : nullptr;
    }
    const std::string segment = SerializeRecordsSegment(records);
    const std::string name = StateSegmentName(static_cast<int>(origin->segments.size()) + 1);
    RECLINK_RETURN_IF_ERROR(set.WriteFile(name, segment));
    record_files.push_back({name, segment.size(), Checksum(segment), 0});
  } else {
    RecordsState::Origin::File f{"records.bin", 0, "", 0};
    RECLINK_RETURN_IF_ERROR(WriteRecordsFile(set, records, &f.bytes, &f.xxh3));
    record_files.push_back(f);
  }
  JsonWriter w;
  w.BeginObject(JsonWriter::Layout::kLines);
  w.Member("format", "reclink-state");
  w.Member("version", origin ? kSegmentedStateVersion : kRunStateVersion);
  w.Member("written_by", kReclinkVersion);
  w.Member("rules_fingerprint", RulesFingerprint(rules));
  w.Member("runs", identities.runs);
  w.Member("records", identities.records());
  w.Member("identities", identities.ids.size());
  w.Member("links", records.edges.size());
  if (records.key_collisions_known) {
    // Per blocking rule, the key hashes (16 hex digits) that records of different keys share.
    w.Key("key_collisions");
    w.BeginArray();
    for (const std::vector<uint64_t>& rule : records.key_collisions) {
      w.BeginArray();
      for (uint64_t h : rule) w.Value(Hex64(h));
      w.EndArray();
    }
    w.EndArray();
  }
  if (origin) {
    w.Member("base_records", origin->base_rows);
    w.Key("segments");
    w.BeginArray();
    for (size_t i = 1; i < record_files.size(); ++i) w.Value(record_files[i].name);
    w.EndArray();
  }
  w.Key("files");
  w.BeginObject(JsonWriter::Layout::kLines);
  auto entry = [&](const char* name, uint64_t bytes, const std::string& checksum) {
    w.Key(name);
    w.BeginObject();
    w.Member("bytes", bytes);
    w.Member("xxh3", checksum);
    w.EndObject();
  };
  entry("identities.bin", ids_bytes, ids_xxh3);
  for (const RecordsState::Origin::File& f : record_files) entry(f.name.c_str(), f.bytes, f.xxh3);
  entry("model.json", model_json.size(), Checksum(model_json));
  w.EndObject();
  w.EndObject();
  const std::string manifest = w.Take() + "\n";
  RECLINK_RETURN_IF_ERROR(set.WriteFile("model.json", model_json));
  return set.WriteFile("state.json", manifest);
}

std::vector<std::string> RecordKeys(const LoadedInput& input, const Rules& rules) {
  const RecordTable& table = input.table;
  std::vector<std::string> keys(table.num_rows());
  const bool with_source = rules.link_type != LinkType::kDedupe;
  for (RowId r = 0; r < table.num_rows(); ++r) {
    keys[r] = with_source ? table.source_names()[table.source(r)] + ":" + std::string(input.Id(r))
                          : std::string(input.Id(r));
  }
  return keys;
}

Status WriteStateOfRun(OutputSet& set, const Rules& rules, const LoadedInput& input, const RunResult& result,
                       const IdentityAssignment& identities) {
  if (!result.fields) return Status::Internal("the run kept no fields for the run state (RunOptions::keep_fields)");
  // Every link at or above the threshold, before the cluster method kept some: an incremental
  // run applies the method again to all of them.
  const std::vector<Edge>& links =
      rules.cluster_method == ClusterMethod::kConnectedComponents ? result.edges : result.links;
  RecordsState records = RecordsInKeyOrder(identities.rows_by_key, rules, input.table, *result.fields,
                                            result.key_hashes, links, result.tf_tables, result.threshold,
                                            result.oversized);
  if (result.key_collisions.size() == rules.blocking.size()) {
    records.key_collisions_known = true;
    records.key_collisions = result.key_collisions;
  }
  // Golden records' values, so that incremental nights can write them too.
  if (rules.survivorship) {
    records.survivor = CollectSurvivorValues(rules, input, result.fields->fields, &identities.rows_by_key);
  }
  return WriteRunState(set, rules, result.model, identities.next, records);
}

}  // namespace reclink
