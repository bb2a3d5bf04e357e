// RecordTable: the columnar in-memory table every stage reads. Per column one contiguous byte
// arena, an offsets array and a null bitmap; rows are dense uint32_t ids; each row knows its
// source (input file) for link mode. See docs/ARCHITECTURE.md for the layout and memory budget.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace reclink {

using RowId = uint32_t;
using SourceId = uint16_t;

// Advises transparent huge pages for the 2 MiB-aligned interior of [p, p + bytes): an array that
// is written once, front to back, would otherwise take a page fault (and, on a virtual machine,
// often an exit to the host) per 4 KiB. Advice only: errors are ignored.
void AdviseHugePages(void* p, size_t bytes);
inline constexpr size_t kHugePageBytes = size_t{2} << 20;
// Arrays at least this large are aligned to kHugePageBytes and advised (UninitializedAllocator).
inline constexpr size_t kHugeArrayBytes = size_t{4} << 20;

// The allocator of the table's large arrays. Leaves the elements added by resize()
// uninitialized (a reader's PrepareFill caller writes them all, and zero-filling tens of
// megabytes first would only cost time); aligns arrays of kHugeArrayBytes or more to 2 MiB and
// advises transparent huge pages for them (AdviseHugePages).
template <class T>
struct UninitializedAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = UninitializedAllocator<U>;
  };
  UninitializedAllocator() = default;
  template <class U>
  UninitializedAllocator(const UninitializedAllocator<U>&) noexcept {}
  T* allocate(size_t n) {
    if (n * sizeof(T) < kHugeArrayBytes) return std::allocator<T>::allocate(n);
    void* p = ::operator new(n * sizeof(T), std::align_val_t{kHugePageBytes});
    AdviseHugePages(p, n * sizeof(T));
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t n) noexcept {
    if (n * sizeof(T) < kHugeArrayBytes) return std::allocator<T>::deallocate(p, n);
    ::operator delete(p, std::align_val_t{kHugePageBytes});
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    if constexpr (sizeof...(Args) == 0) {
      ::new (static_cast<void*>(p)) U;
    } else {
      ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }
  }
};

// One column: values of row r are arena[offsets[r], offsets[r+1]). A null value has an empty
// range and its bit set in nulls. Memory per field: 8 bytes of offset + 1 bit, plus the text.
class Column {
 public:
  Column() : offsets_{0} {}
  explicit Column(std::string name) : name_(std::move(name)), offsets_{0} {}

  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }
  size_t size() const { return offsets_.size() - 1; }

  // Appends a value (copied into the arena) or a null.
  void Append(std::string_view value) {
    arena_.insert(arena_.end(), value.data(), value.data() + value.size());
    offsets_.push_back(arena_.size());
    if ((size() - 1) % 64 == 0) nulls_.push_back(0);
  }
  void AppendNull() {
    offsets_.push_back(arena_.size());
    size_t r = size() - 1;
    if (r % 64 == 0) nulls_.push_back(0);
    nulls_[r / 64] |= uint64_t{1} << (r % 64);
  }
  // Appends all rows of other (same logical column) after this column's rows.
  void AppendColumn(const Column& other);
  // Pads with nulls up to n rows (used when a JSON chunk lacks a column).
  void PadNullsTo(size_t n) {
    while (size() < n) AppendNull();
  }
  // Bulk construction for readers: makes this column hold exactly `rows` rows and `bytes` bytes
  // of text (previous contents are discarded) and returns writable views of the arena, the
  // offsets (rows + 1 entries; offsets[0] is 0) and the null bitmap ((rows + 63) / 64 words, all
  // zero). The caller must then set every offsets[r + 1] (non-decreasing, the last == bytes), the
  // text, and the null bits (null rows have empty ranges) before the column is read. Disjoint
  // parts may be filled from several threads; null-bitmap words shared by two threads need atomic
  // updates (std::atomic_ref).
  struct FillBuffers {
    char* arena;
    uint64_t* offsets;
    uint64_t* nulls;
  };
  FillBuffers PrepareFill(size_t rows, size_t bytes);
  void Reserve(size_t rows, size_t bytes) {
    offsets_.reserve(rows + 1);
    arena_.reserve(bytes);
    nulls_.reserve(rows / 64 + 1);
  }

  // Frees the values (text, offsets and null bitmap), keeping the name: the column then has no
  // rows. For a caller that no longer needs a column's values (e.g. once they are normalized
  // into columns of their own), to give the memory back.
  void ReleaseValues() {
    decltype(arena_)().swap(arena_);
    decltype(offsets_)(1, 0).swap(offsets_);
    std::vector<uint64_t>().swap(nulls_);
  }

  bool IsNull(RowId r) const { return (nulls_[r / 64] >> (r % 64)) & 1; }
  // The value's bytes; valid while the column lives and is not appended to. Empty when null.
  std::string_view Get(RowId r) const {
    return std::string_view(arena_data() + offsets_[r], offsets_[r + 1] - offsets_[r]);
  }
  size_t arena_bytes() const { return arena_.size(); }
  // Start of the arena: value r is arena_data()[offset(r), offset(r + 1)).
  const char* arena_data() const { return arena_.data() != nullptr ? arena_.data() : ""; }
  uint64_t offset(RowId r) const { return offsets_[r]; }
  // Bytes held beyond the text itself (offsets and bitmap).
  size_t overhead_bytes() const {
    return offsets_.capacity() * sizeof(uint64_t) + nulls_.capacity() * sizeof(uint64_t);
  }

 private:
  std::string name_;
  std::vector<char, UninitializedAllocator<char>> arena_;
  std::vector<uint64_t, UninitializedAllocator<uint64_t>> offsets_;
  std::vector<uint64_t> nulls_;
};

// A table of records from one or more sources. Columns are unique by name. Not thread-safe for
// writing; concurrent reads are safe.
class RecordTable {
 public:
  size_t num_rows() const { return sources_.size(); }
  size_t num_columns() const { return columns_.size(); }
  const Column& column(size_t i) const { return columns_[i]; }
  Column& mutable_column(size_t i) { return columns_[i]; }
  const std::vector<Column>& columns() const { return columns_; }

  // Index of the column named name, or -1.
  int FindColumn(std::string_view name) const;
  // Index of the column named name, adding it (padded with nulls to num_rows()) when absent.
  size_t AddColumn(std::string_view name);

  // Source of each row, and the names of sources (index = SourceId).
  SourceId source(RowId r) const { return sources_[r]; }
  const std::vector<std::string>& source_names() const { return source_names_; }
  SourceId AddSource(std::string name) {
    source_names_.push_back(std::move(name));
    return static_cast<SourceId>(source_names_.size() - 1);
  }
  // Appends `rows` rows of source s; every column must then be extended to num_rows(), and
  // their lines appended (room for them is reserved here: growing a vector of a million lines by
  // doubling would copy it and fault in fresh pages several times).
  void AppendSourceRows(SourceId s, size_t rows) {
    sources_.insert(sources_.end(), rows, s);
    if (lines_.capacity() < sources_.size()) {  // geometric: callers may add a few rows at a time
      lines_.reserve(std::max(sources_.size(), 2 * lines_.capacity()));
    }
  }
  // Physical line of each row's record start in its file (1-based), for error messages.
  uint64_t line(RowId r) const { return lines_[r]; }
  void AppendLine(uint64_t line) { lines_.push_back(line); }

  // Appends every row of other (its single source becomes a source of this table), matching
  // columns by name; columns missing on one side are filled with nulls.
  void Append(RecordTable&& other);

  size_t text_bytes() const;
  size_t overhead_bytes() const;

 private:
  std::vector<Column> columns_;
  std::vector<SourceId, UninitializedAllocator<SourceId>> sources_;
  std::vector<uint64_t, UninitializedAllocator<uint64_t>> lines_;
  std::vector<std::string> source_names_;
};

}  // namespace reclink
