// RecordTable: the columnar in-memory table every stage reads. Per column one contiguous byte
// arena, an offsets array and a null bitmap; rows are dense uint32_t ids; each row knows its
// source (input file) for link mode. See docs/ARCHITECTURE.md for the layout and memory budget.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "reclink/spill.h"
#include "reclink/status.h"

namespace reclink {

using RowId = uint32_t;
using SourceId = uint16_t;

// Advises transparent huge pages for the 2 MiB-aligned interior of [p, p + bytes), freshly
// allocated: an array that is written once, front to back, would otherwise take a page fault per
// 4 KiB. The first huge page is touched and timed: when it was slow (on a virtual machine whose
// host took back the free 2 MiB blocks, 30 times its zeroing), this array's rest and every later
// array keep 4 KiB pages. RECLINK_HUGE_PAGES=0 or 1 decides instead. Advice only: errors are
// ignored.
void AdviseHugePages(void* p, size_t bytes);
inline constexpr size_t kHugePageBytes = size_t{2} << 20;
// Arrays at least this large are aligned to kHugePageBytes and advised (UninitializedAllocator):
// every array that can hold a whole huge page. Only the allocation's aligned interior is advised,
// and the allocation exceeds the array only by HugeArrayAllocation's rounding. A column of a
// million rows has 4 MB of offsets, just under 4 MiB: with a 4 MiB threshold all of them took
// 4 KiB faults.
inline constexpr size_t kHugeArrayBytes = kHugePageBytes;

// Bytes to allocate for an array of `bytes` (>= kHugeArrayBytes): rounded up to whole huge pages
// when that adds at most an eighth, so that the array's tail is one huge page too instead of up to
// 511 pages of 4 KiB, each a fault (about 10 ms over the ten columns of a million-row CSV); the
// rounding then costs at most 12.5% of the array's memory.
inline size_t HugeArrayAllocation(size_t bytes) {
  const size_t rounded = (bytes + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
  return (rounded - bytes) * 8 <= bytes ? rounded : bytes;
}

// The allocator of the table's large arrays. Leaves the elements added by resize()
// uninitialized (a reader's PrepareFill caller writes them all, and zero-filling tens of
// megabytes first would only cost time); aligns arrays of kHugeArrayBytes or more to 2 MiB,
// sizes them by HugeArrayAllocation and advises transparent huge pages for them
// (AdviseHugePages).
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
    const size_t bytes = HugeArrayAllocation(n * sizeof(T));
    void* p = ::operator new(bytes, std::align_val_t{kHugePageBytes});
    AdviseHugePages(p, bytes);
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

// One column: values of row r are arena[offset(r), offset(r + 1)). A null value has an empty
// range and its bit set in nulls. Offsets take 4 bytes a row while the arena holds less than
// 4 GiB and 8 bytes beyond (the column is then "wide"): memory per field is 4 bytes of offset +
// 1 bit, plus the text.
class Column {
 public:
  // Arenas up to this many bytes keep 4-byte offsets.
  static constexpr uint64_t kNarrowLimit = UINT32_MAX;

  Column() : offsets_{0} {
    if (always_wide_) Widen();
  }
  explicit Column(std::string name) : name_(std::move(name)), offsets_{0} {
    if (always_wide_) Widen();
  }

  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }
  size_t size() const { return rows_; }
  bool wide() const { return wide_; }

  // Appends a value (copied into the arena) or a null.
  void Append(std::string_view value) {
    arena_.insert(arena_.end(), value.data(), value.data() + value.size());
    PushRow();
  }
  void AppendNull() {
    const size_t r = rows_;
    PushRow();
    nulls_[r / 64] |= uint64_t{1} << (r % 64);
  }
  // Appends all rows of other (same logical column) after this column's rows.
  void AppendColumn(const Column& other);
  // The parts' rows one after another, as a column named `name`: the same column as appending
  // each part in order (AppendColumn), built in parallel on the current TBB arena (the text, the
  // offsets and the null bits of each part copied by a task of its own into tables sized once).
  // The parts are released as they are copied. With `drop`, the rows (*drop)[k] of part k
  // (ascending) are null in the result, their text left out.
  static Column Concatenate(std::string name, std::vector<Column>&& parts,
                            const std::vector<std::vector<uint32_t>>* drop = nullptr);
  // The values of `in` at rows[0], rows[1], ... (nulls stay null), as a column named `name`: the
  // same column as appending each in turn, built in parallel on the current TBB arena (the text
  // sizes counted per chunk of rows, then the text, offsets and null bits of each chunk copied
  // by a task of its own into tables sized once).
  static Column GatherRows(std::string name, const Column& in, std::span<const uint32_t> rows);
  // Pads with nulls up to n rows (used when a JSON chunk lacks a column).
  void PadNullsTo(size_t n) {
    while (size() < n) AppendNull();
  }
  // Bulk construction for readers: makes this column hold exactly `rows` rows and `bytes` bytes
  // of text (previous contents are discarded) and returns writable views of the arena, the
  // offsets (rows + 1 entries; entry 0 is 0) and the null bitmap ((rows + 63) / 64 words, all
  // zero). The offsets are `offsets` (4 bytes) when bytes <= kNarrowLimit, else `wide_offsets`;
  // the other is null. The caller must then set every offset r + 1 (non-decreasing, the last ==
  // bytes), the text, and the null bits (null rows have empty ranges) before the column is read.
  // Disjoint parts may be filled from several threads; null-bitmap words shared by two threads
  // need atomic updates (std::atomic_ref).
  struct FillBuffers {
    char* arena;
    uint32_t* offsets;
    uint64_t* wide_offsets;
    uint64_t* nulls;
  };
  FillBuffers PrepareFill(size_t rows, size_t bytes);
  void Reserve(size_t rows, size_t bytes) {
    if (wide_) {
      wide_offsets_.reserve(rows + 1);
    } else {
      offsets_.reserve(rows + 1);
    }
    arena_.reserve(bytes);
    nulls_.reserve(rows / 64 + 1);
  }

  // Frees the values (text, offsets and null bitmap), keeping the name: the column then has no
  // rows. For a caller that no longer needs a column's values (e.g. once they are normalized
  // into columns of their own), to give the memory back.
  void ReleaseValues() {
    Unview();
    decltype(arena_)().swap(arena_);
    decltype(offsets_)(1, 0).swap(offsets_);
    decltype(wide_offsets_)().swap(wide_offsets_);
    std::vector<uint64_t>().swap(nulls_);
    rows_ = 0;
    wide_ = false;
    if (always_wide_) Widen();
  }

  // A column that reads its tables where they are (e.g. in a mapped file) instead of holding
  // them: rows values, offsets = rows + 1 little-endian 4-byte offsets (non-decreasing, the first
  // 0, the last `bytes`), nulls = (rows + 63) / 64 little-endian 8-byte words of null bits (a null
  // row has an empty range), arena = the text; none needs any alignment. The tables must outlive
  // the column and every copy of it, unchanged; they are not checked here. A view is read only:
  // PrepareFill and ReleaseValues make it a column of its own again; nothing may be appended.
  static Column View(std::string name, size_t rows, const char* offsets, const char* nulls, const char* arena,
                     size_t bytes);
  // Columns kept in a SpillArea's region (a view onto it, laid out as offsets, null bits, text):
  // the region's size for `rows` values of `bytes` text bytes, and whether such a column can be
  // narrow (text under 4 GiB); a wide one stays in memory.
  static size_t SpilledRegionBytes(size_t rows, size_t bytes);
  static bool Spillable(size_t bytes) { return bytes <= kNarrowLimit && !always_wide_; }
  // As PrepareFill, writing into `region` (SpilledRegionBytes, zero-filled); the column becomes
  // a view of it. Spillable(bytes) must hold.
  FillBuffers PrepareSpilledFill(char* region, size_t rows, size_t bytes);
  // Moves the column's values into a region of `area` (a no-op for a view or a wide column).
  Status SpillTo(SpillArea& area);
  // A view becomes a column of its own again (its values copied); others are left alone.
  void Own();
  bool is_view() const { return view_offsets_ != nullptr; }

  // Switches to 8-byte offsets now (the column does so by itself when its arena passes
  // kNarrowLimit). For tests of wide columns, which would otherwise need 4 GiB of text.
  void Widen();
  // Makes every column created from now on (and every PrepareFill) wide from the start; for
  // tests of the wide paths of readers. Not thread-safe; tests set it and reset it.
  static void SetAlwaysWideForTesting(bool wide);

  bool IsNull(RowId r) const {
    if (view_offsets_) [[unlikely]] {
      uint64_t word;
      std::memcpy(&word, view_nulls_ + (r / 64) * sizeof(uint64_t), sizeof word);
      return (word >> (r % 64)) & 1;
    }
    return (nulls_[r / 64] >> (r % 64)) & 1;
  }
  // The value's bytes; valid while the column lives and is not appended to. Empty when null.
  std::string_view Get(RowId r) const {
    const uint64_t from = offset(r);
    return std::string_view(arena_data() + from, offset(r + 1) - from);
  }
  size_t arena_bytes() const { return view_offsets_ ? view_bytes_ : arena_.size(); }
  // Start of the arena: value r is arena_data()[offset(r), offset(r + 1)).
  const char* arena_data() const {
    if (view_offsets_) [[unlikely]] return view_arena_;
    return arena_.data() != nullptr ? arena_.data() : "";
  }
  uint64_t offset(size_t r) const {
    if (view_offsets_) [[unlikely]] {
      uint32_t v;
      std::memcpy(&v, view_offsets_ + r * sizeof(uint32_t), sizeof v);
      return v;
    }
    return wide_ ? wide_offsets_[r] : offsets_[r];
  }
  // Hints, with no effect on results, that row r's value will be read soon: PrefetchOffsets
  // starts loading where its value lies, and PrefetchValue (best issued once those are loaded)
  // its first bytes. For passes that read rows in a scattered order known ahead.
  void PrefetchOffsets(RowId r) const {
    if (view_offsets_) [[unlikely]] {
      __builtin_prefetch(view_offsets_ + static_cast<size_t>(r) * sizeof(uint32_t));
    } else if (wide_) {
      __builtin_prefetch(wide_offsets_.data() + r);
    } else {
      __builtin_prefetch(offsets_.data() + r);
    }
  }
  void PrefetchValue(RowId r) const { __builtin_prefetch(arena_data() + offset(r)); }
  // Bytes held beyond the text itself (offsets and bitmap).
  size_t overhead_bytes() const {
    return offsets_.capacity() * sizeof(uint32_t) + wide_offsets_.capacity() * sizeof(uint64_t) +
           nulls_.capacity() * sizeof(uint64_t);
  }

 private:
  // Forgets a view's tables (the column is then empty and holds its own).
  void Unview() {
    if (!view_offsets_) return;
    view_offsets_ = view_nulls_ = view_arena_ = nullptr;
    view_bytes_ = 0;
    rows_ = 0;
  }
  // Records the end of a new last row at the arena's end (its null bit clear).
  void PushRow() {
    assert(!view_offsets_ && "a view is read only");
    if (rows_ % 64 == 0) nulls_.push_back(0);
    ++rows_;
    const uint64_t end = arena_.size();
    if (!wide_ && end > kNarrowLimit) Widen();
    if (wide_) {
      wide_offsets_.push_back(end);
    } else {
      offsets_.push_back(static_cast<uint32_t>(end));
    }
  }

  std::string name_;
  std::vector<char, UninitializedAllocator<char>> arena_;
  std::vector<uint32_t, UninitializedAllocator<uint32_t>> offsets_;  // while narrow
  std::vector<uint64_t, UninitializedAllocator<uint64_t>> wide_offsets_;  // once wide
  std::vector<uint64_t> nulls_;
  size_t rows_ = 0;
  bool wide_ = false;
  // A view's tables (View); null when the column holds its own.
  const char* view_offsets_ = nullptr;
  const char* view_nulls_ = nullptr;
  const char* view_arena_ = nullptr;
  size_t view_bytes_ = 0;
  static inline bool always_wide_ = false;
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
  // Appends n lines for the caller to set (uninitialized, like Column::PrepareFill's buffers;
  // disjoint parts may be set from several threads) and returns the first: for readers that
  // find the lines while filling the columns.
  uint64_t* AppendLinesForFill(size_t n) {
    const size_t first = lines_.size();
    lines_.resize(first + n);
    return lines_.data() + first;
  }

  // Appends every row of other (its single source becomes a source of this table), matching
  // columns by name; columns missing on one side are filled with nulls. Into an empty table
  // (the first input), other's columns are taken over without a copy unless one is a view
  // (Column::View), which is copied so that the table owns its text.
  void Append(RecordTable&& other);

  // Spill areas whose regions this table's columns view: kept alive with the table.
  void KeepAlive(std::shared_ptr<SpillArea> area) {
    if (area) spill_areas_.push_back(std::move(area));
  }
  bool spilled() const { return !spill_areas_.empty(); }
  // The area the table's columns were spilled to last (nullptr: none): later stages keep
  // their own large columns there too.
  const std::shared_ptr<SpillArea>& spill_area() const {
    static const std::shared_ptr<SpillArea> none;
    return spill_areas_.empty() ? none : spill_areas_.back();
  }
  // Drops the spilled columns' resident pages (between stages; see SpillArea::Evict).
  void EvictSpilled() const {
    for (const auto& a : spill_areas_) a->Evict();
  }
  // Every column not yet in a region (and narrow) moved into one of `area`'s.
  Status SpillColumns(const std::shared_ptr<SpillArea>& area);

  size_t text_bytes() const;
  size_t overhead_bytes() const;

 private:
  std::vector<Column> columns_;
  std::vector<SourceId, UninitializedAllocator<SourceId>> sources_;
  std::vector<uint64_t, UninitializedAllocator<uint64_t>> lines_;
  std::vector<std::string> source_names_;
  std::vector<std::shared_ptr<SpillArea>> spill_areas_;
};

}  // namespace reclink
