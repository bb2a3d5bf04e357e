// Column profiling: exact distinct counts and value frequencies with an open-addressing hash table
// (linear probing, XXH3 hashes, rows as keys) per column; columns are profiled in parallel.
#include "reclink/profile.h"
#include "reclink/json_writer.h"

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <functional>
#include <cstdio>
#include <cstring>
#include <memory>

#include <sys/mman.h>

#include "io/text_encoding.h"

namespace reclink {

namespace {

// Code points of UTF-8 text: bytes that are not continuation bytes (10xxxxxx).
inline size_t CodePoints(std::string_view s) {
  size_t continuation = 0;
  for (unsigned char c : s) continuation += (c & 0xC0) == 0x80;
  return s.size() - continuation;
}

// The first 8 bytes, big-endian, zero-padded: a < b as integers implies a < b as byte strings,
// and equal keys need the full comparison.
inline uint64_t OrderKey(std::string_view v) {
  uint64_t key = 0;
  if constexpr (std::endian::native == std::endian::little) {
    if (v.size() >= 8) {
      std::memcpy(&key, v.data(), 8);
      return __builtin_bswap64(key);
    }
  }
  size_t n = std::min<size_t>(8, v.size());
  for (size_t i = 0; i < n; ++i) key |= uint64_t{static_cast<unsigned char>(v[i])} << (56 - 8 * i);
  return key;
}

// A distinct value: its hash, order key, first row and count.
struct ValueCount {
  uint64_t hash;
  uint64_t key;
  RowId row;
  uint32_t count;  // 0: empty slot
};

// Ranks by count descending, then value ascending (bytewise).
struct Before {
  const Column& column;
  bool operator()(const ValueCount& a, const ValueCount& b) const {
    if (a.count != b.count) return a.count > b.count;
    if (a.key != b.key) return a.key < b.key;
    return column.Get(a.row) < column.Get(b.row);
  }
};

// Counts the distinct values of one hash partition of a column: open addressing with linear
// probing, sized up front. Two values are taken as equal when their 64-bit XXH3 hashes and
// 8-byte order keys are equal (see ColumnProfile::distinct).
class ValueCounter {
 public:
  explicit ValueCounter(size_t values) {
    size_t n = 16;
    while (n < 2 * values) n *= 2;
    slots_.assign(n, ValueCount{0, 0, 0, 0});
  }

  void Add(uint64_t hash, uint64_t key, RowId row) {
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      ValueCount& s = slots_[i];
      if (s.count == 0) {
        s = ValueCount{hash, key, row, 1};
        if (++used_ * 2 > slots_.size()) Grow();
        return;
      }
      if (s.hash == hash && s.key == key) {
        ++s.count;
        return;
      }
    }
  }

  size_t distinct() const { return used_; }

  // The top_n values in Before order, selected in one scan with a bounded max-heap whose root is
  // the worst value kept: most slots lose one comparison against the root (usually on count or
  // the order key alone), so a partition of distinct values costs little more than a scan.
  std::vector<ValueCount> Top(size_t top_n, const Column& column) const {
    std::vector<ValueCount> top;
    if (top_n == 0 || used_ == 0) return top;
    top.reserve(top_n);
    const Before before{column};
    for (const ValueCount& s : slots_) {
      if (s.count == 0) continue;
      if (top.size() < top_n) {
        top.push_back(s);
        std::push_heap(top.begin(), top.end(), before);
      } else if (before(s, top.front())) {
        std::pop_heap(top.begin(), top.end(), before);
        top.back() = s;
        std::push_heap(top.begin(), top.end(), before);
      }
    }
    std::sort_heap(top.begin(), top.end(), before);
    return top;
  }

 private:
  void Grow() {
    std::vector<ValueCount> old(slots_.size() * 2, ValueCount{0, 0, 0, 0});
    old.swap(slots_);
    const size_t mask = slots_.size() - 1;
    for (const ValueCount& s : old) {
      if (s.count == 0) continue;
      size_t i = s.hash & mask;
      while (slots_[i].count != 0) i = (i + 1) & mask;
      slots_[i] = s;
    }
  }

  std::vector<ValueCount> slots_;
  size_t used_ = 0;
};

// Profiles one column in three passes: (1) one sequential scan computes lengths, hashes and order
// keys; (2) a counting sort by the hash's top bits splits the values into partitions of a few
// thousand; (3) each partition is counted in a small, cache-resident table (in parallel), and the
// partitions' top values are merged. Partitioned aggregation avoids the cache and TLB misses of
// one large table (cf. Manegold, Boncz, Kersten, "Optimizing Main-Memory Join on Modern
// Hardware", TKDE 2002).
// Per-thread work arrays, reused from column to column: fresh memory is costly (page faults and
// zeroing) and would otherwise dominate.
// An uninitialized work array of anonymous memory, advised to use transparent huge pages: fresh
// memory costs one page fault per 4 KiB page otherwise, which would rival the profiling itself.
// Only grows; contents are not kept when it does.
template <typename T>
class WorkArray {
 public:
  WorkArray() = default;
  WorkArray(const WorkArray&) = delete;
  WorkArray& operator=(const WorkArray&) = delete;
  ~WorkArray() { Release(); }

  T* Get(size_t n) {
    if (n <= capacity_) return data_;
    Release();
    constexpr size_t kHuge = size_t{2} << 20;
    bytes_ = (n * sizeof(T) + kHuge - 1) / kHuge * kHuge;
    void* p = ::mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {  // fall back to the heap
      bytes_ = 0;
      heap_.reset(new T[n]);
      data_ = heap_.get();
    } else {
      ::madvise(p, bytes_, MADV_HUGEPAGE);  // advice only: failure is harmless
      data_ = static_cast<T*>(p);
    }
    capacity_ = n;
    return data_;
  }

 private:
  void Release() {
    if (bytes_ != 0) ::munmap(data_, bytes_);
    heap_.reset();
    data_ = nullptr;
    capacity_ = bytes_ = 0;
  }

  T* data_ = nullptr;
  size_t capacity_ = 0;
  size_t bytes_ = 0;  // of the mapping; 0 when on the heap or empty
  std::unique_ptr<T[]> heap_;
};

// Values are kept as ValueCount records (count unused) so that the partitioning pass writes one
// stream per partition, not three.
struct ProfileScratch {
  WorkArray<ValueCount> values, parted;
};

// Profiles a column of few distinct values: one sequential pass into one small table.
ColumnProfile ProfileFewValues(const Column& column, size_t top_n) {
  ColumnProfile p;
  p.name = column.name();
  p.rows = column.size();
  const RowId n = static_cast<RowId>(p.rows);
  ValueCounter counter(1024);
  uint64_t total_len = 0;
  size_t min_len = SIZE_MAX, max_len = 0;
  for (RowId r = 0; r < n; ++r) {
    if (column.IsNull(r)) {
      ++p.nulls;
      continue;
    }
    std::string_view v = column.Get(r);
    size_t len = CodePoints(v);
    total_len += len;
    min_len = std::min(min_len, len);
    max_len = std::max(max_len, len);
    counter.Add(XXH3_64bits(v.data(), v.size()), OrderKey(v), r);
  }
  const uint64_t values = p.rows - p.nulls;
  if (values > 0) {
    p.min_len = min_len;
    p.max_len = max_len;
    p.mean_len = static_cast<double>(total_len) / static_cast<double>(values);
  }
  p.distinct = counter.distinct();
  for (const ValueCount& v : counter.Top(top_n, column)) p.top.emplace_back(std::string(column.Get(v.row)), v.count);
  return p;
}

// True when a sample of the column's first values shows few distinct values (a table of them
// stays in cache, so partitioning would only add work).
bool HasFewValues(const Column& column) {
  constexpr size_t kSample = 16384;
  ValueCounter sample(kSample / 8);
  size_t seen = 0;
  for (RowId r = 0; r < column.size() && seen < kSample; ++r) {
    if (column.IsNull(r)) continue;
    std::string_view v = column.Get(r);
    sample.Add(XXH3_64bits(v.data(), v.size()), OrderKey(v), r);
    ++seen;
  }
  return sample.distinct() * 8 <= seen;
}

ColumnProfile ProfileColumn(const Column& column, size_t top_n, ProfileScratch& scratch) {
  if (HasFewValues(column)) return ProfileFewValues(column, top_n);
  ColumnProfile p;
  p.name = column.name();
  p.rows = column.size();
  const RowId n = static_cast<RowId>(p.rows);
  ValueCount* values = scratch.values.Get(n);
  // Histogram of the hashes' top kMaxBits bits, taken during the scan; coarser partitions sum
  // runs of its buckets.
  constexpr int kMaxBits = 12;
  std::vector<size_t> fine(size_t{1} << kMaxBits, 0);
  size_t m = 0;
  uint64_t total_len = 0;
  size_t min_len = SIZE_MAX, max_len = 0;
  for (RowId r = 0; r < n; ++r) {
    if (column.IsNull(r)) {
      ++p.nulls;
      continue;
    }
    std::string_view v = column.Get(r);
    size_t len = CodePoints(v);
    total_len += len;
    min_len = std::min(min_len, len);
    max_len = std::max(max_len, len);
    const uint64_t hash = XXH3_64bits(v.data(), v.size());
    values[m] = ValueCount{hash, OrderKey(v), r, 0};
    ++fine[hash >> (64 - kMaxBits)];
    ++m;
  }
  if (m > 0) {
    p.min_len = min_len;
    p.max_len = max_len;
    p.mean_len = static_cast<double>(total_len) / static_cast<double>(m);
  }

  int bits = 0;
  while (bits < kMaxBits && (m >> bits) > 4096) ++bits;
  const size_t parts = size_t{1} << bits;
  auto part_of = [bits](uint64_t h) { return bits == 0 ? size_t{0} : static_cast<size_t>(h >> (64 - bits)); };
  std::vector<size_t> begin(parts + 1, 0);
  const size_t group = fine.size() / parts;
  for (size_t f = 0; f < fine.size(); ++f) begin[f / group + 1] += fine[f];
  for (size_t b = 0; b < parts; ++b) begin[b + 1] += begin[b];
  ValueCount* parted = scratch.parted.Get(m);
  {
    std::vector<size_t> next(begin.begin(), begin.end() - 1);
    for (size_t i = 0; i < m; ++i) parted[next[part_of(values[i].hash)]++] = values[i];
  }
  std::vector<size_t> distinct(parts, 0);
  std::vector<std::vector<ValueCount>> tops(parts);
  // Isolated: while waiting, this thread must not start another column, which would reuse its
  // scratch arrays.
  tbb::this_task_arena::isolate([&] {
    tbb::parallel_for(tbb::blocked_range<size_t>(0, parts, 1), [&](const auto& range) {
      for (size_t b = range.begin(); b != range.end(); ++b) {
        ValueCounter counter(begin[b + 1] - begin[b]);
        for (size_t k = begin[b]; k < begin[b + 1]; ++k) counter.Add(parted[k].hash, parted[k].key, parted[k].row);
        distinct[b] = counter.distinct();
        tops[b] = counter.Top(top_n, column);
      }
    });
  });
  std::vector<ValueCount> candidates;
  for (size_t b = 0; b < parts; ++b) {
    p.distinct += distinct[b];
    candidates.insert(candidates.end(), tops[b].begin(), tops[b].end());
  }
  const size_t k = std::min(top_n, candidates.size());
  std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(k),
                    candidates.end(), Before{column});
  for (size_t i = 0; i < k; ++i) p.top.emplace_back(std::string(column.Get(candidates[i].row)), candidates[i].count);
  return p;
}

// Display form of a value: control characters escaped, cut after 40 code points.
std::string Shown(std::string_view v) {
  std::string out;
  size_t points = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(v[i]);
    if ((c & 0xC0) != 0x80 && ++points > 40) {
      out += "...";
      break;
    }
    if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20) out += "?";
    else out.push_back(static_cast<char>(c));
  }
  return out;
}

size_t DisplayWidth(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string Pad(std::string s, size_t width, bool right) {
  size_t w = DisplayWidth(s);
  if (w >= width) return s;
  std::string fill(width - w, ' ');
  return right ? fill + s : s + fill;
}

std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

void JsonString(std::string_view s, std::string* out) { *out += JsonQuote(s); }

}  // namespace

std::vector<ColumnProfile> ProfileTable(const RecordTable& table, size_t top_n) {
  std::vector<ColumnProfile> profiles(table.num_columns());
  tbb::enumerable_thread_specific<ProfileScratch> scratch;
  tbb::parallel_for(tbb::blocked_range<size_t>(0, table.num_columns(), 1), [&](const auto& r) {
    for (size_t c = r.begin(); c != r.end(); ++c) {
      profiles[c] = ProfileColumn(table.column(c), top_n, scratch.local());
    }
  });
  return profiles;
}

std::string ProfileToText(const std::vector<ColumnProfile>& profiles, const std::string& input_name) {
  std::string out;
  uint64_t rows = profiles.empty() ? 0 : profiles[0].rows;
  if (!input_name.empty()) out += input_name + ": ";
  out += std::to_string(rows) + " rows, " + std::to_string(profiles.size()) + " columns\n\n";
  std::vector<std::vector<std::string>> cells;
  cells.push_back({"column", "nulls", "null%", "distinct", "min len", "mean len", "max len"});
  for (const ColumnProfile& p : profiles) {
    double null_pct = p.rows ? 100.0 * static_cast<double>(p.nulls) / static_cast<double>(p.rows) : 0;
    cells.push_back({Shown(p.name), std::to_string(p.nulls), Fixed(null_pct, 1),
                     std::to_string(p.distinct), std::to_string(p.min_len), Fixed(p.mean_len, 1),
                     std::to_string(p.max_len)});
  }
  std::vector<size_t> width(cells[0].size(), 0);
  for (const auto& row : cells) {
    for (size_t k = 0; k < row.size(); ++k) width[k] = std::max(width[k], DisplayWidth(row[k]));
  }
  for (const auto& row : cells) {
    std::string line;
    for (size_t k = 0; k < row.size(); ++k) {
      if (k > 0) line += "  ";
      line += Pad(row[k], width[k], k > 0);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  for (const ColumnProfile& p : profiles) {
    out += "\n";
    out += Shown(p.name);
    out += ": top values\n";
    if (p.top.empty()) {
      out += "  (all null)\n";
      continue;
    }
    if (p.distinct == p.rows - p.nulls) {
      out += "  (every value is distinct)\n";
      continue;
    }
    size_t count_width = std::to_string(p.top[0].second).size();
    for (const auto& [value, count] : p.top) {
      double pct = p.rows ? 100.0 * static_cast<double>(count) / static_cast<double>(p.rows) : 0;
      out += "  " + Pad(std::to_string(count), count_width, true) + "  " +
             Pad(Fixed(pct, 1) + "%", 6, true) + "  " + Shown(value) + "\n";
    }
  }
  return out;
}

std::string ProfileToJson(const std::vector<ColumnProfile>& profiles, const std::string& input_name) {
  std::string out = "{\"input\":";
  JsonString(input_name, &out);
  out += ",\"rows\":" + std::to_string(profiles.empty() ? 0 : profiles[0].rows);
  out += ",\"columns\":[";
  for (size_t i = 0; i < profiles.size(); ++i) {
    const ColumnProfile& p = profiles[i];
    if (i > 0) out += ",";
    out += "\n  {\"name\":";
    JsonString(p.name, &out);
    out += ",\"rows\":" + std::to_string(p.rows) + ",\"nulls\":" + std::to_string(p.nulls) +
           ",\"distinct\":" + std::to_string(p.distinct) + ",\"min_len\":" + std::to_string(p.min_len) +
           ",\"mean_len\":" + Fixed(p.mean_len, 3) + ",\"max_len\":" + std::to_string(p.max_len) +
           ",\"top\":[";
    for (size_t k = 0; k < p.top.size(); ++k) {
      if (k > 0) out += ",";
      out += "{\"value\":";
      JsonString(p.top[k].first, &out);
      out += ",\"count\":" + std::to_string(p.top[k].second) + "}";
    }
    out += "]}";
  }
  out += "\n]}\n";
  return out;
}

}  // namespace reclink
