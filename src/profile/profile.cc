// Column profiling: exact distinct counts and value frequencies with an open-addressing hash table
// (linear probing, XXH3 hashes, rows as keys) per column; columns are profiled in parallel.
#include "reclink/profile.h"
#include "reclink/json_writer.h"

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include "reclink/parallel.h"
#include <tbb/task_arena.h>
// XXH3 inlined: most values are a few bytes, where a library call costs as much as the hash.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <functional>
#include <cstdio>
#include <cstring>
#include <memory>

#include <sys/mman.h>

#include "profile/value_counter.h"
#include "reclink/text_encoding.h"

namespace reclink {

using profile_detail::Before;
using profile_detail::ValueCount;
using profile_detail::ValueCounter;

namespace {

// Continuation bytes (10xxxxxx) among the 8 bytes of w.
inline size_t ContinuationBytes(uint64_t w) {
  const uint64_t marks = (w & ~(w << 1) & 0x8080808080808080ull) >> 7;  // 1 in each such byte
  return static_cast<size_t>((marks * 0x0101010101010101ull) >> 56);
}

// Code points of UTF-8 text, counted 8 bytes a step: the bytes that are not continuation bytes.
// readable: bytes readable from v.data() (>= v.size()), so that a tail can be read as one word.
inline size_t CodePoints(std::string_view v, size_t readable) {
  const char* p = v.data();
  const size_t n = v.size();
  size_t continuation = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    continuation += ContinuationBytes(w);
  }
  if (i < n) {
    uint64_t w = 0;
    if (readable - i >= 8) {
      std::memcpy(&w, p + i, 8);
      if constexpr (std::endian::native == std::endian::little) {
        w &= (uint64_t{1} << (8 * (n - i))) - 1;  // the value's bytes are the low ones
      } else {
        w &= ~(~uint64_t{0} >> (8 * (n - i)));
      }
    } else {
      std::memcpy(&w, p + i, n - i);  // the rest stays zero: no continuation bytes
    }
    continuation += ContinuationBytes(w);
  }
  return n - continuation;
}

// The first 8 bytes, big-endian, zero-padded: a < b as integers implies a < b as byte strings,
// and equal keys need the full comparison. readable: bytes readable from v.data() (>= v.size()),
// so that a short value can be loaded as one word and masked.
inline uint64_t OrderKey(std::string_view v, size_t readable) {
  uint64_t key = 0;
  if (readable >= 8) {
    std::memcpy(&key, v.data(), 8);
    if constexpr (std::endian::native == std::endian::little) key = __builtin_bswap64(key);
    if (v.size() >= 8) return key;
    return v.empty() ? 0 : key & (~uint64_t{0} << (64 - 8 * v.size()));
  }
  for (size_t i = 0; i < v.size(); ++i) key |= uint64_t{static_cast<unsigned char>(v[i])} << (56 - 8 * i);
  return key;
}

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
      AdviseHugePages(p, bytes_);  // advice only
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

// Values per partition at most (when all are distinct): the partition's table stays in L1/L2.
constexpr size_t kPartitionValues = 4096;

// Per-thread memory reused from column to column: the hashes of the first scan, the
// partitioned value records, and the table of the single-table path.
struct ProfileScratch {
  WorkArray<uint64_t> hashes;
  WorkArray<ValueCount> parted;
  ValueCounter counter;
};

// Lengths of the non-null values, in code points.
struct LengthStats {
  uint64_t total = 0;
  size_t min = SIZE_MAX;
  size_t max = 0;
  void Add(size_t len) {
    total += len;
    min = std::min(min, len);
    max = std::max(max, len);
  }
};

// Calls visit(row, value, readable_bytes, code_points) for every non-null row in order and
// returns the null count. Null words of the bitmap are tested 64 rows at a time; an ASCII
// column's lengths are byte lengths.
template <typename Visit>
uint64_t ForEachValue(const Column& column, RowId begin, RowId end, Visit&& visit) {
  const char* arena = column.arena_data();
  const uint64_t arena_bytes = column.arena_bytes();
  const bool ascii = io::IsAscii(arena, arena_bytes);  // then lengths are byte lengths
  uint64_t nulls = 0;
  for (RowId r = begin; r < end; ++r) {
    if (column.IsNull(r)) {
      ++nulls;
      continue;
    }
    const uint64_t from = column.offset(r);
    const std::string_view v(arena + from, column.offset(r + 1) - from);
    const size_t readable = static_cast<size_t>(arena_bytes - from);
    visit(r, v, readable, ascii ? v.size() : CodePoints(v, readable));
  }
  return nulls;
}

void SetLengths(const LengthStats& lengths, uint64_t values, ColumnProfile* p) {
  if (values == 0) return;
  p->min_len = lengths.min;
  p->max_len = lengths.max;
  p->mean_len = static_cast<double>(lengths.total) / static_cast<double>(values);
}

// Profiles a column of few distinct values: one sequential pass into one small table.
ColumnProfile ProfileFewValues(const Column& column, size_t top_n, ValueCounter& counter) {
  ColumnProfile p;
  p.name = column.name();
  p.rows = column.size();
  counter.Reset(1024);
  LengthStats lengths;
  p.nulls = ForEachValue(column, 0, static_cast<RowId>(p.rows),
                         [&](RowId r, std::string_view v, size_t readable, size_t len) {
                           lengths.Add(len);
                           counter.Add(XXH3_64bits(v.data(), v.size()), OrderKey(v, readable), r);
                         });
  SetLengths(lengths, p.rows - p.nulls, &p);
  p.distinct = counter.distinct();
  std::vector<ValueCount> top;
  counter.Top(top_n, column, &top);
  for (const ValueCount& v : top) p.top.emplace_back(std::string(column.Get(v.row)), v.count);
  return p;
}

// True when a sample of the column's first values shows few distinct values (a table of them
// stays in cache, so partitioning would only add work).
bool HasFewValues(const Column& column, ValueCounter& sample) {
  constexpr size_t kSample = 16384;
  sample.Reset(kSample / 8);
  size_t seen = 0;
  const char* arena = column.arena_data();
  for (RowId r = 0; r < column.size() && seen < kSample; ++r) {
    if (column.IsNull(r)) continue;
    std::string_view v = column.Get(r);
    sample.Add(XXH3_64bits(v.data(), v.size()), OrderKey(v, column.arena_bytes() - (v.data() - arena)), r);
    ++seen;
  }
  return sample.distinct() * 8 <= seen;
}

// Profiles one column in three passes: (1) one sequential scan computes lengths and hashes;
// (2) a second scan adds the order keys and, by counting sort on the hash's top bits, splits the
// values into partitions of a few thousand; (3) each partition is counted in a small,
// cache-resident table (in parallel), and the partitions' top values are merged. Partitioned aggregation avoids the cache and TLB misses of
// one large table (cf. Manegold, Boncz, Kersten, "Optimizing Main-Memory Join on Modern
// Hardware", TKDE 2002).
ColumnProfile ProfileColumn(const Column& column, size_t top_n, ProfileScratch& scratch,
                            tbb::enumerable_thread_specific<ValueCounter>& counters) {
  if (HasFewValues(column, scratch.counter)) return ProfileFewValues(column, top_n, scratch.counter);
  ColumnProfile p;
  p.name = column.name();
  p.rows = column.size();
  uint64_t* hashes = scratch.hashes.Get(p.rows);
  // Histogram of the hashes' top kMaxBits bits, taken during the scan; coarser partitions sum
  // runs of its buckets.
  constexpr int kMaxBits = 12;
  std::vector<size_t> fine(size_t{1} << kMaxBits, 0);
  size_t m = 0;
  LengthStats lengths;
  p.nulls = ForEachValue(column, 0, static_cast<RowId>(p.rows),
                         [&](RowId, std::string_view v, size_t, size_t len) {
                           lengths.Add(len);
                           const uint64_t hash = XXH3_64bits(v.data(), v.size());
                           hashes[m++] = hash;
                           ++fine[hash >> (64 - kMaxBits)];
                         });
  SetLengths(lengths, m, &p);

  int bits = 0;
  while (bits < kMaxBits && (m >> bits) > kPartitionValues) ++bits;
  const size_t parts = size_t{1} << bits;
  const int shift = bits == 0 ? 0 : 64 - bits;
  std::vector<size_t> begin(parts + 1, 0);
  const size_t group = fine.size() / parts;
  for (size_t f = 0; f < fine.size(); ++f) begin[f / group + 1] += fine[f];
  for (size_t b = 0; b < parts; ++b) begin[b + 1] += begin[b];
  // Second scan: each value's record goes to its partition. The order key is taken here, from
  // text that is read in order again, so the first scan's output is 8 bytes a value, not 24.
  ValueCount* parted = scratch.parted.Get(m);
  {
    std::vector<size_t> next(begin.begin(), begin.end() - 1);
    const char* arena = column.arena_data();
    const uint64_t arena_bytes = column.arena_bytes();
    size_t i = 0;
    for (RowId r = 0; r < static_cast<RowId>(p.rows); ++r) {
      if (column.IsNull(r)) continue;
      const uint64_t from = column.offset(r);
      const std::string_view v(arena + from, column.offset(r + 1) - from);
      const uint64_t hash = hashes[i++];
      parted[next[bits == 0 ? 0 : hash >> shift]++] =
          ValueCount{hash, OrderKey(v, static_cast<size_t>(arena_bytes - from)), r, 0};
    }
  }
  std::vector<size_t> distinct(parts, 0);
  std::vector<std::vector<ValueCount>> tops(parts);
  // Isolated: while waiting, this thread must not start another column, which would reuse its
  // scratch arrays.
  tbb::this_task_arena::isolate([&] {
    ParallelFor(tbb::blocked_range<size_t>(0, parts, 1), [&](const auto& range) {
      ValueCounter& counter = counters.local();
      for (size_t b = range.begin(); b != range.end(); ++b) {
        const size_t size = begin[b + 1] - begin[b];
        if (size <= ValueCounter::kNarrowValues) {
          distinct[b] = counter.CountInPlace(parted + begin[b], size);
          ValueCounter::TopOf(parted + begin[b], parted + begin[b + 1], top_n, column, &tops[b]);
          continue;
        }
        counter.Reset(size);  // a heavy partition (skewed values)
        for (size_t k = begin[b]; k < begin[b + 1]; ++k) counter.Add(parted[k].hash, parted[k].key, parted[k].row);
        distinct[b] = counter.distinct();
        counter.Top(top_n, column, &tops[b]);
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

namespace {

// Words that stand for no value, lower case.
constexpr std::string_view kNoValueWords[] = {
    "unknown", "unk", "n/a", "na", "n.a.", "none", "null", "nil", "nan", "-", "--", "---", ".", "?", "??", "xx",
    "xxx", "xxxx", "tbc", "tba", "tbd", "not known", "not provided", "not available", "notprovided", "missing",
    "empty", "blank", "test", "dummy", "default", "noname", "no name", "nobody", "anonymous", "anon",
    "unspecified", "undefined"};
// Dates that stand for none, as their digits.
constexpr std::string_view kPlaceholderDates[] = {"19000101", "01011900", "18000101", "01011800", "99991231",
                                                  "31129999", "12319999", "00010101", "01010001"};
// E-mail local parts and domains that stand for none.
constexpr std::string_view kPlaceholderLocals[] = {
    "noemail", "no-email", "no_email", "no.email", "nomail", "no-mail", "none", "noreply", "no-reply",
    "donotreply", "do-not-reply", "test", "testing", "dummy", "fake", "na", "n/a", "unknown", "null", "email",
    "noone", "no-one", "nobody", "abc", "asdf", "xxx", "x", "a"};
constexpr std::string_view kPlaceholderDomains[] = {"example.com", "example.org", "example.net", "test.com",
                                                    "noemail.com", "nomail.com", "none.com", "invalid",
                                                    "fake.com", "email.invalid"};

constexpr char Lower(char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); }

// s equals `lower` (lower case) when s is lowered (ASCII).
bool EqualsLower(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (Lower(s[i]) != lower[i]) return false;
  }
  return true;
}

std::string_view TrimSpaces(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

// PlaceholderReason's test without an allocation: the reason, or null. `v` is trimmed.
// kNoValueWords by length, with the bytes that start them: most values (names, streets) are
// longer than every word, or start with another byte, or meet only the few words of their length.
struct NoValueWordIndex {
  static constexpr size_t kLongest = 13;  // "not available"
  bool first[256] = {};
  std::string_view by_length[kLongest + 1][12] = {};
  size_t count[kLongest + 1] = {};
  constexpr NoValueWordIndex() {
    for (std::string_view w : kNoValueWords) {
      first[static_cast<unsigned char>(w[0])] = true;
      by_length[w.size()][count[w.size()]++] = w;
    }
  }
};
constexpr NoValueWordIndex kNoValueWordIndex;

bool IsNoValueWord(std::string_view v) {
  if (v.size() > NoValueWordIndex::kLongest || !kNoValueWordIndex.first[static_cast<unsigned char>(Lower(v[0]))]) {
    return false;
  }
  for (size_t i = 0; i < kNoValueWordIndex.count[v.size()]; ++i) {
    if (EqualsLower(v, kNoValueWordIndex.by_length[v.size()][i])) return true;
  }
  return false;
}

const char* PlaceholderKind(std::string_view v) {
  if (v.empty()) return nullptr;
  if (IsNoValueWord(v)) return "a word for no value";
  // The digits (the first 21 kept: a run or a date is shorter), and whether any letter.
  char digits[21];
  size_t n_digits = 0;
  bool letters = false, same = true;
  for (char c : v) {
    if (c >= '0' && c <= '9') {
      if (n_digits < sizeof digits) digits[n_digits] = c;
      same = same && (n_digits == 0 || c == digits[0]);
      ++n_digits;
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || static_cast<unsigned char>(c) >= 0x80) {
      letters = true;
      break;  // the digits only matter for a value without letters
    }
  }
  if (!letters && n_digits >= 5) {
    if (same) return "one digit repeated";
    if (n_digits <= 20) {
      // A run: a piece of 01234567890123456789 or of 98765432109876543210.
      bool up = true, down = true;
      for (size_t i = 1; i < n_digits; ++i) {
        up = up && digits[i] == (digits[i - 1] == '9' ? '0' : digits[i - 1] + 1);
        down = down && digits[i] == (digits[i - 1] == '0' ? '9' : digits[i - 1] - 1);
      }
      if ((up && static_cast<size_t>(digits[0] - '0') + n_digits <= 20) ||
          (down && static_cast<size_t>('9' - digits[0]) + n_digits <= 20)) {
        return "a run of digits";
      }
      if (n_digits == 8) {
        const std::string_view d(digits, n_digits);
        for (std::string_view date : kPlaceholderDates) {
          if (d[0] == date[0] && d == date) return "a placeholder date";
        }
      }
    }
  }
  const size_t at = v.find('@');
  if (at != std::string_view::npos) {
    const std::string_view local = v.substr(0, at), domain = v.substr(at + 1);
    for (std::string_view l : kPlaceholderLocals) {
      if (EqualsLower(local, l)) return "a placeholder e-mail";
    }
    if ((local.size() >= 7 && EqualsLower(local.substr(0, 7), "noemail")) ||
        (local.size() >= 6 && EqualsLower(local.substr(0, 6), "nomail"))) {
      return "a placeholder e-mail";
    }
    for (std::string_view d : kPlaceholderDomains) {
      if (EqualsLower(domain, d)) return "a placeholder e-mail domain";
    }
  }
  return nullptr;
}

}  // namespace

bool LooksLikePlaceholder(std::string_view value) { return PlaceholderKind(TrimSpaces(value)) != nullptr; }

std::string PlaceholderReason(std::string_view value) {
  const std::string_view v = TrimSpaces(value);
  if (v.empty()) return value.empty() ? std::string() : "only spaces; --trim-spaces reads it as null";
  const char* kind = PlaceholderKind(v);
  return kind != nullptr ? kind : std::string();
}

std::vector<ColumnProfile::Placeholder> LikelyPlaceholders(const ColumnProfile& p) {
  std::vector<ColumnProfile::Placeholder> out;
  const uint64_t non_null = p.rows - p.nulls;
  if (non_null == 0 || p.distinct == 0) return out;
  const double average = static_cast<double>(non_null) / static_cast<double>(p.distinct);
  const bool mostly_distinct = 2 * p.distinct >= non_null;
  // The median count of the top values: a placeholder stands out against them too, where a
  // common surname (Zipf's law) is only somewhat above the next ones.
  std::vector<uint64_t> counts;
  for (const auto& [value, count] : p.top) counts.push_back(count);
  std::sort(counts.begin(), counts.end());
  const uint64_t median = counts.size() >= 5 ? counts[counts.size() / 2] : 0;
  for (const auto& [value, count] : p.top) {
    if (count < 3) continue;
    std::string reason = PlaceholderReason(value);
    if (reason.empty() && mostly_distinct && median > 0 && count >= 10 && count >= 5 * median &&
        static_cast<double>(count) >= 20 * average) {
      reason = "far more frequent than the column's other values";
    }
    if (!reason.empty()) out.push_back({value, count, std::move(reason)});
  }
  return out;
}

std::vector<ColumnProfile> ProfileTable(const RecordTable& table, size_t top_n) {
  std::vector<ColumnProfile> profiles(table.num_columns());
  tbb::enumerable_thread_specific<ProfileScratch> scratch;
  tbb::enumerable_thread_specific<ValueCounter> counters;
  ParallelFor(tbb::blocked_range<size_t>(0, table.num_columns(), 1), [&](const auto& r) {
    for (size_t c = r.begin(); c != r.end(); ++c) {
      profiles[c] = ProfileColumn(table.column(c), top_n, scratch.local(), counters);
      profiles[c].placeholders = LikelyPlaceholders(profiles[c]);
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
  bool any_placeholder = false;
  for (const ColumnProfile& p : profiles) {
    for (const ColumnProfile::Placeholder& ph : p.placeholders) {
      if (!any_placeholder) {
        out += "\nlikely placeholders (training reads those shaped like one, held by 3 or more records, as null by "
               "itself; list the others in the field's null_values, or they make giant blocks of unrelated "
               "records):\n";
        any_placeholder = true;
      }
      out += "  " + Shown(p.name) + ": '" + Shown(ph.value) + "' in " + std::to_string(ph.count) + " rows (" +
             ph.reason + ")\n";
    }
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
    out += "],\"placeholders\":[";
    for (size_t k = 0; k < p.placeholders.size(); ++k) {
      if (k > 0) out += ",";
      out += "{\"value\":";
      JsonString(p.placeholders[k].value, &out);
      out += ",\"count\":" + std::to_string(p.placeholders[k].count) + ",\"reason\":";
      JsonString(p.placeholders[k].reason, &out);
      out += "}";
    }
    out += "]}";
  }
  out += "\n]}\n";
  return out;
}

}  // namespace reclink
