// Column profiling: exact distinct counts and value frequencies with an open-addressing hash table
// (linear probing, XXH3 hashes, rows as keys) per column; columns are profiled in parallel.
#include "reclink/profile.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <xxhash.h>

#include <algorithm>
#include <functional>
#include <cstdio>
#include <cstring>

#include "io/text_encoding.h"

namespace reclink {

namespace {

// Code points of UTF-8 text: bytes that are not continuation bytes (10xxxxxx).
inline size_t CodePoints(std::string_view s) {
  size_t continuation = 0;
  for (unsigned char c : s) continuation += (c & 0xC0) == 0x80;
  return s.size() - continuation;
}

// a == b for the short values that dominate profiles, without a library call: fixed-size
// (possibly overlapping) loads cover lengths up to 16.
inline bool SameBytes(std::string_view a, std::string_view b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  if (n > 16) return std::memcmp(a.data(), b.data(), n) == 0;
  if (n >= 8) {
    uint64_t a0, a1, b0, b1;
    std::memcpy(&a0, a.data(), 8);
    std::memcpy(&b0, b.data(), 8);
    std::memcpy(&a1, a.data() + n - 8, 8);
    std::memcpy(&b1, b.data() + n - 8, 8);
    return a0 == b0 && a1 == b1;
  }
  if (n >= 4) {
    uint32_t a0, a1, b0, b1;
    std::memcpy(&a0, a.data(), 4);
    std::memcpy(&b0, b.data(), 4);
    std::memcpy(&a1, a.data() + n - 4, 4);
    std::memcpy(&b1, b.data() + n - 4, 4);
    return a0 == b0 && a1 == b1;
  }
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

// Counts of distinct values of one column; keys are row ids whose value represents the entry.
class ValueCounter {
 public:
  explicit ValueCounter(const Column& column) : column_(column) { Resize(1024); }

  // Counts value (the value of row); h is its XXH3 hash.
  void Add(RowId row, std::string_view value, uint64_t h) {
    size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.count == 0) {
        s = Slot{h, OrderKey(value), row, 1};
        if (++used_ * 2 > slots_.size()) Resize(slots_.size() * 2);
        return;
      }
      if (s.hash == h && SameBytes(column_.Get(s.row), value)) {
        ++s.count;
        return;
      }
    }
  }

  // Grows the table at once for about `values` distinct values (avoids repeated rehashing when
  // nearly every value is distinct).
  void ExpectDistinct(size_t values) {
    size_t n = slots_.size();
    while (n < 2 * values) n *= 2;
    if (n > slots_.size()) Resize(n);
  }

  // Hints the cache to load the slot where a value hashing to h is looked up first.
  void Prefetch(uint64_t h) const { __builtin_prefetch(&slots_[h & (slots_.size() - 1)]); }

  size_t distinct() const { return used_; }

  // The top_n entries by count descending, value ascending. Only entries whose count reaches the
  // top_n-th largest count are ranked, and values are compared by their 8-byte order keys first,
  // so the text of few entries is read.
  std::vector<std::pair<std::string, uint64_t>> Top(size_t top_n) const {
    std::vector<std::pair<std::string, uint64_t>> top;
    if (top_n == 0 || used_ == 0) return top;
    std::vector<uint32_t> counts;
    counts.reserve(used_);
    for (const Slot& s : slots_) {
      if (s.count != 0) counts.push_back(s.count);
    }
    size_t k = std::min(top_n, counts.size());
    std::nth_element(counts.begin(), counts.begin() + static_cast<std::ptrdiff_t>(k - 1), counts.end(),
                     std::greater<>());
    const uint32_t threshold = counts[k - 1];
    std::vector<const Slot*> entries;
    for (const Slot& s : slots_) {
      if (s.count >= threshold) entries.push_back(&s);
    }
    auto before = [&](const Slot* a, const Slot* b) {
      if (a->count != b->count) return a->count > b->count;
      if (a->key != b->key) return a->key < b->key;
      return column_.Get(a->row) < column_.Get(b->row);
    };
    std::partial_sort(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(k),
                      entries.end(), before);
    for (size_t i = 0; i < k; ++i) top.emplace_back(std::string(column_.Get(entries[i]->row)), entries[i]->count);
    return top;
  }

 private:
  struct Slot {
    uint64_t hash;
    uint64_t key;  // OrderKey of the value
    RowId row;
    uint32_t count;  // 0: empty slot
  };

  // The first 8 bytes, big-endian, zero-padded: a < b as integers implies a < b as byte strings,
  // and equal keys need the full comparison.
  static uint64_t OrderKey(std::string_view v) {
    uint64_t key = 0;
    size_t n = std::min<size_t>(8, v.size());
    for (size_t i = 0; i < n; ++i) key |= uint64_t{static_cast<unsigned char>(v[i])} << (56 - 8 * i);
    return key;
  }

  void Resize(size_t n) {
    std::vector<Slot> old(n, Slot{0, 0, 0, 0});
    old.swap(slots_);
    size_t mask = n - 1;
    for (const Slot& s : old) {
      if (s.count == 0) continue;
      size_t i = s.hash & mask;
      while (slots_[i].count != 0) i = (i + 1) & mask;
      slots_[i] = s;
    }
  }

  const Column& column_;
  std::vector<Slot> slots_;
  size_t used_ = 0;
};

ColumnProfile ProfileColumn(const Column& column, size_t top_n) {
  ColumnProfile p;
  p.name = column.name();
  p.rows = column.size();
  ValueCounter counter(column);
  uint64_t total_len = 0;
  size_t min_len = SIZE_MAX, max_len = 0;
  // Rows go in batches: hash all, prefetch their slots, then insert, so that the cache misses of
  // a large table overlap instead of stalling one by one.
  constexpr size_t kBatch = 16;
  constexpr RowId kSample = 4096;
  RowId rows[kBatch];
  uint64_t hashes[kBatch];
  const RowId n = static_cast<RowId>(p.rows);
  for (RowId start = 0; start < n;) {
    size_t k = 0;
    for (; k < kBatch && start < n; ++start) {
      if (column.IsNull(start)) {
        ++p.nulls;
        continue;
      }
      std::string_view v = column.Get(start);
      rows[k] = start;
      hashes[k] = XXH3_64bits(v.data(), v.size());
      counter.Prefetch(hashes[k]);
      ++k;
    }
    // After a sample, a column of mostly distinct values gets its final table size at once.
    if (start >= kSample && start - k < kSample && counter.distinct() * 2 > kSample) {
      counter.ExpectDistinct(static_cast<size_t>(static_cast<double>(counter.distinct()) / kSample * n));
    }
    for (size_t j = 0; j < k; ++j) {
      std::string_view v = column.Get(rows[j]);
      size_t len = CodePoints(v);
      total_len += len;
      min_len = std::min(min_len, len);
      max_len = std::max(max_len, len);
      counter.Add(rows[j], v, hashes[j]);
    }
  }
  uint64_t values = p.rows - p.nulls;
  if (values > 0) {
    p.min_len = min_len;
    p.max_len = max_len;
    p.mean_len = static_cast<double>(total_len) / static_cast<double>(values);
  }
  p.distinct = counter.distinct();
  p.top = counter.Top(top_n);
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

void JsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          *out += buf;
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

}  // namespace

std::vector<ColumnProfile> ProfileTable(const RecordTable& table, size_t top_n) {
  std::vector<ColumnProfile> profiles(table.num_columns());
  tbb::parallel_for(tbb::blocked_range<size_t>(0, table.num_columns(), 1), [&](const auto& r) {
    for (size_t c = r.begin(); c != r.end(); ++c) profiles[c] = ProfileColumn(table.column(c), top_n);
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
