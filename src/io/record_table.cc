// RecordTable column management and concatenation.
#include "reclink/record_table.h"

#include "reclink/parallel.h"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include <sys/mman.h>

namespace reclink {

namespace {

// Whether huge pages still pay in this process: 1 yes, 0 no, -1 not decided by
// RECLINK_HUGE_PAGES (then every advised array's first huge page is timed, see below).
int ForcedHugePages() {
  const char* forced = std::getenv("RECLINK_HUGE_PAGES");
  if (forced == nullptr) return -1;
  return std::strcmp(forced, "0") != 0 ? 1 : 0;
}

std::atomic<bool> huge_pages_pay{true};

}  // namespace

// A fresh huge page costs about its zeroing (0.1 ms), except on a virtual machine whose host has
// taken back the guest's free 2 MiB blocks (free page reporting): then its first touch costs a
// host fault per 4 KiB, about 3 ms, while 4 KiB pages come from smaller free blocks that the host
// never took back. Which blocks the kernel hands out is not known in advance (the most recently
// freed, still backed, come first), so each advised array's first huge page is touched here and
// timed; once one is slow, the rest of that array and every later array keep 4 KiB pages.
void AdviseHugePages(void* p, size_t bytes) {
  static const int forced = ForcedHugePages();
  if (forced == 0 || !huge_pages_pay.load(std::memory_order_relaxed)) return;
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(p) + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(p) + bytes) & ~(kHugePageBytes - 1);
  if (end <= begin) return;
  if (::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE) != 0 || forced == 1) return;
  const auto start = std::chrono::steady_clock::now();
  *reinterpret_cast<volatile char*>(begin) = 0;  // the array's contents are not yet defined
  if (std::chrono::steady_clock::now() - start > std::chrono::microseconds(500)) {
    huge_pages_pay.store(false, std::memory_order_relaxed);
    if (end - begin > kHugePageBytes) {
      ::madvise(reinterpret_cast<void*>(begin + kHugePageBytes), end - begin - kHugePageBytes, MADV_NOHUGEPAGE);
    }
  }
}

Column Column::View(std::string name, size_t rows, const char* offsets, const char* nulls, const char* arena,
                    size_t bytes) {
  Column c(std::move(name));
  c.offsets_.clear();
  c.wide_offsets_.clear();
  c.wide_ = false;
  c.rows_ = rows;
  c.view_offsets_ = offsets;
  c.view_nulls_ = nulls;
  c.view_arena_ = bytes != 0 ? arena : "";
  c.view_bytes_ = bytes;
  return c;
}

void Column::Widen() {
  assert(!view_offsets_ && "a view is read only");
  if (wide_) return;
  wide_offsets_.reserve(std::max(offsets_.capacity(), offsets_.size()));
  wide_offsets_.assign(offsets_.begin(), offsets_.end());
  decltype(offsets_)().swap(offsets_);
  wide_ = true;
}

void Column::SetAlwaysWideForTesting(bool wide) { always_wide_ = wide; }

Column Column::Concatenate(std::string name, std::vector<Column>&& parts,
                           const std::vector<std::vector<uint32_t>>* drop) {
  auto dropped = [&](size_t k) -> std::span<const uint32_t> {
    if (drop == nullptr || k >= drop->size()) return {};
    return (*drop)[k];
  };
  std::vector<uint64_t> row_base(parts.size() + 1, 0), byte_base(parts.size() + 1, 0);
  for (size_t k = 0; k < parts.size(); ++k) {
    uint64_t left_out = 0;
    for (const uint32_t r : dropped(k)) left_out += parts[k].offset(r + 1) - parts[k].offset(r);
    row_base[k + 1] = row_base[k] + parts[k].size();
    byte_base[k + 1] = byte_base[k] + parts[k].arena_bytes() - left_out;
  }
  Column out(std::move(name));
  const FillBuffers fill = out.PrepareFill(row_base.back(), byte_base.back());
  ParallelFor(size_t{0}, parts.size(), [&](size_t k) {
    Column& part = parts[k];
    const size_t rows = part.size();
    const std::span<const uint32_t> gone = dropped(k);
    // The text: the runs between the dropped values.
    uint64_t from = 0, to = byte_base[k];
    for (const uint32_t r : gone) {
      const uint64_t start = part.offset(r);
      if (start > from) std::memcpy(fill.arena + to, part.arena_data() + from, start - from);
      to += start - from;
      from = part.offset(r + 1);
    }
    if (part.arena_bytes() > from)
      std::memcpy(fill.arena + to, part.arena_data() + from, part.arena_bytes() - from);
    // The offsets, less the dropped text before each row.
    const uint64_t base = byte_base[k];
    auto ends = [&](size_t begin, size_t end, uint64_t shift) {
      if (fill.wide_offsets) {
        for (size_t r = begin; r < end; ++r)
          fill.wide_offsets[row_base[k] + r + 1] = base + part.offset(r + 1) - shift;
      } else {
        for (size_t r = begin; r < end; ++r) {
          fill.offsets[row_base[k] + r + 1] =
              static_cast<uint32_t>(base + part.offset(r + 1) - shift);
        }
      }
    };
    uint64_t shift = 0;
    size_t next = 0;
    for (const uint32_t r : gone) {
      ends(next, r, shift);
      shift += part.offset(r + 1) - part.offset(r);
      ends(r, r + 1, shift);
      next = r + 1;
    }
    ends(next, rows, shift);
    // Null bits: a part that does not start at a multiple of 64 rows shares a word with the one
    // before it, so the bits are set atomically.
    auto set_null = [&](size_t r) {
      const uint64_t t = row_base[k] + r;
      std::atomic_ref<uint64_t>(fill.nulls[t / 64]).fetch_or(uint64_t{1} << (t % 64), std::memory_order_relaxed);
    };
    for (size_t r = 0; r < rows; ++r) {
      if (part.IsNull(static_cast<RowId>(r))) set_null(r);
    }
    for (const uint32_t r : gone) set_null(r);
    part.ReleaseValues();
  });
  return out;
}

Column Column::GatherRows(std::string name, const Column& in, std::span<const uint32_t> rows) {
  // Chunks of a multiple of 64 rows, so that no two chunks share a word of the null bits.
  constexpr size_t kChunk = 64 * 1024;
  const size_t n = rows.size(), chunks = (n + kChunk - 1) / kChunk;
  std::vector<uint64_t> byte_base(chunks + 1, 0);
  ParallelFor(size_t{0}, chunks, [&](size_t c) {
    uint64_t bytes = 0;
    for (size_t i = c * kChunk, end = std::min(n, i + kChunk); i < end; ++i) bytes += in.Get(rows[i]).size();
    byte_base[c + 1] = bytes;
  });
  for (size_t c = 0; c < chunks; ++c) byte_base[c + 1] += byte_base[c];
  Column out(std::move(name));
  const FillBuffers fill = out.PrepareFill(n, byte_base.back());
  ParallelFor(size_t{0}, chunks, [&](size_t c) {
    uint64_t at = byte_base[c];
    for (size_t i = c * kChunk, end = std::min(n, i + kChunk); i < end; ++i) {
      const RowId r = rows[i];
      if (in.IsNull(r)) {
        fill.nulls[i / 64] |= uint64_t{1} << (i % 64);
      } else {
        const std::string_view v = in.Get(r);
        if (!v.empty()) std::memcpy(fill.arena + at, v.data(), v.size());
        at += v.size();
      }
      if (fill.wide_offsets) fill.wide_offsets[i + 1] = at;
      else fill.offsets[i + 1] = static_cast<uint32_t>(at);
    }
  });
  return out;
}

void Column::AppendColumn(const Column& other) {
  const size_t base_rows = size();
  assert(!view_offsets_ && "a view is read only");
  const uint64_t base_bytes = arena_.size();
  arena_.insert(arena_.end(), other.arena_data(), other.arena_data() + other.arena_bytes());
  if (!wide_ && arena_.size() > kNarrowLimit) Widen();
  const size_t needed = size() + other.size() + 1;
  if (wide_) {
    if (wide_offsets_.capacity() < needed) wide_offsets_.reserve(std::max(needed, 2 * wide_offsets_.capacity()));
    for (size_t r = 0; r < other.size(); ++r) wide_offsets_.push_back(base_bytes + other.offset(r + 1));
  } else {  // every sum fits: the arena holds at most kNarrowLimit bytes
    if (offsets_.capacity() < needed) offsets_.reserve(std::max(needed, 2 * offsets_.capacity()));
    for (size_t r = 0; r < other.size(); ++r) {
      offsets_.push_back(static_cast<uint32_t>(base_bytes + other.offset(r + 1)));
    }
  }
  rows_ += other.size();
  nulls_.resize((size() + 63) / 64, 0);
  for (size_t r = 0; r < other.size(); ++r) {
    if (other.IsNull(static_cast<RowId>(r))) {
      size_t t = base_rows + r;
      nulls_[t / 64] |= uint64_t{1} << (t % 64);
    }
  }
}

Column::FillBuffers Column::PrepareFill(size_t rows, size_t bytes) {
  Unview();
  arena_.clear();
  arena_.resize(bytes);  // uninitialized: see UninitializedAllocator
  offsets_.clear();
  wide_offsets_.clear();
  wide_ = always_wide_ || bytes > kNarrowLimit;
  rows_ = rows;
  nulls_.assign((rows + 63) / 64, 0);
  if (wide_) {
    decltype(offsets_)().swap(offsets_);
    wide_offsets_.resize(rows + 1);
    wide_offsets_[0] = 0;
    return FillBuffers{arena_.data(), nullptr, wide_offsets_.data(), nulls_.data()};
  }
  decltype(wide_offsets_)().swap(wide_offsets_);
  offsets_.resize(rows + 1);
  offsets_[0] = 0;
  return FillBuffers{arena_.data(), offsets_.data(), nullptr, nulls_.data()};
}

int RecordTable::FindColumn(std::string_view name) const {
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i].name() == name) return static_cast<int>(i);
  }
  return -1;
}

size_t RecordTable::AddColumn(std::string_view name) {
  int found = FindColumn(name);
  if (found >= 0) return static_cast<size_t>(found);
  columns_.emplace_back(std::string(name));
  columns_.back().PadNullsTo(num_rows());
  return columns_.size() - 1;
}

void RecordTable::Append(RecordTable&& other) {
  // The first input is most often the only one: taking its arrays over saves copying every
  // column (the whole text) into fresh memory, and faulting that memory in, at read time.
  const bool empty = columns_.empty() && source_names_.empty() && sources_.empty() && lines_.empty();
  // (A table's views of its own spill areas move with it; other views, a run state's, are copied.)
  if (empty && (other.spilled() ||
                std::none_of(other.columns_.begin(), other.columns_.end(), [](const Column& c) { return c.is_view(); }))) {
    std::vector<std::string_view> names;
    for (const Column& c : other.columns_) names.push_back(c.name());
    std::sort(names.begin(), names.end());
    if (std::adjacent_find(names.begin(), names.end()) == names.end()) {  // unique names, as AddColumn keeps them
      *this = std::move(other);
      for (Column& c : columns_) c.PadNullsTo(num_rows());
      return;
    }
  }
  for (const Column& c : other.columns_) {
    size_t i = AddColumn(c.name());  // padded with nulls to `before` rows
    columns_[i].Own();  // a spilled first input's column grows in memory (LoadInputs spills it again)
    columns_[i].AppendColumn(c);
  }
  for (Column& c : columns_) c.Own();  // padded below
  SourceId base = static_cast<SourceId>(source_names_.size());
  for (auto& n : other.source_names_) source_names_.push_back(std::move(n));
  for (SourceId s : other.sources_) sources_.push_back(static_cast<SourceId>(base + s));
  lines_.insert(lines_.end(), other.lines_.begin(), other.lines_.end());
  for (Column& c : columns_) c.PadNullsTo(num_rows());
}

Status RecordTable::SpillColumns(const std::shared_ptr<SpillArea>& area) {
  for (Column& c : columns_) RECLINK_RETURN_IF_ERROR(c.SpillTo(*area));
  KeepAlive(area);
  return Status::Ok();
}

size_t Column::SpilledRegionBytes(size_t rows, size_t bytes) {
  const size_t offsets = ((rows + 1) * sizeof(uint32_t) + 7) / 8 * 8;
  const size_t nulls = (rows + 63) / 64 * sizeof(uint64_t);
  return offsets + nulls + bytes;
}

Column::FillBuffers Column::PrepareSpilledFill(char* region, size_t rows, size_t bytes) {
  assert(Spillable(bytes));
  ReleaseValues();
  const size_t offsets = ((rows + 1) * sizeof(uint32_t) + 7) / 8 * 8;
  const size_t nulls = (rows + 63) / 64 * sizeof(uint64_t);
  rows_ = rows;
  view_offsets_ = region;
  view_nulls_ = region + offsets;
  view_arena_ = region + offsets + nulls;
  view_bytes_ = bytes;
  // The region is zero-filled: offsets[0] and every null bit are 0 already.
  return FillBuffers{region + offsets + nulls, reinterpret_cast<uint32_t*>(region), nullptr,
                     reinterpret_cast<uint64_t*>(region + offsets)};
}

Status Column::SpillTo(SpillArea& area) {
  if (is_view() || wide_ || !Spillable(arena_.size())) return Status::Ok();
  const size_t rows = rows_, bytes = arena_.size();
  Result<char*> region = area.Allocate(SpilledRegionBytes(rows, bytes));
  if (!region.ok()) return region.status();
  char* p = *region;
  const size_t offsets = ((rows + 1) * sizeof(uint32_t) + 7) / 8 * 8;
  const size_t nulls = (rows + 63) / 64 * sizeof(uint64_t);
  std::memcpy(p, offsets_.data(), (rows + 1) * sizeof(uint32_t));
  if (!nulls_.empty()) std::memcpy(p + offsets, nulls_.data(), std::min(nulls, nulls_.size() * sizeof(uint64_t)));
  if (bytes != 0) std::memcpy(p + offsets + nulls, arena_.data(), bytes);
  ReleaseValues();  // (keeps the name)
  rows_ = rows;
  view_offsets_ = p;
  view_nulls_ = p + offsets;
  view_arena_ = bytes != 0 ? p + offsets + nulls : "";
  view_bytes_ = bytes;
  return Status::Ok();
}

void Column::Own() {
  if (!is_view()) return;
  const size_t rows = rows_;
  const size_t bytes = view_bytes_;
  const char* offsets = view_offsets_;
  const char* nulls = view_nulls_;
  const char* arena = view_arena_;
  Unview();
  wide_ = always_wide_;
  const FillBuffers fill = PrepareFill(rows, bytes);
  if (bytes != 0) std::memcpy(fill.arena, arena, bytes);
  for (size_t r = 0; r <= rows; ++r) {
    uint32_t v;
    std::memcpy(&v, offsets + r * sizeof(uint32_t), sizeof v);
    if (fill.wide_offsets) {
      fill.wide_offsets[r] = v;
    } else {
      fill.offsets[r] = v;
    }
  }
  if (rows != 0) std::memcpy(fill.nulls, nulls, (rows + 63) / 64 * sizeof(uint64_t));
}

size_t RecordTable::text_bytes() const {
  size_t n = 0;
  for (const Column& c : columns_) n += c.arena_bytes();
  return n;
}

size_t RecordTable::overhead_bytes() const {
  size_t n = sources_.capacity() * sizeof(SourceId) + lines_.capacity() * sizeof(uint64_t);
  for (const Column& c : columns_) n += c.overhead_bytes();
  return n;
}

}  // namespace reclink
