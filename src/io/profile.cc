// Column profiling: exact distinct counts and value frequencies with an open-addressing hash table
// (linear probing, XXH3 hashes, rows as keys) per column; columns are profiled in parallel.
#include "reclink/profile.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <xxhash.h>

#include <algorithm>
#include <cstdio>

#include "io/text_encoding.h"

namespace reclink {

namespace {

size_t CodePoints(std::string_view s) {
  if (io::IsAscii(s.data(), s.size())) return s.size();
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Counts of distinct values of one column; keys are row ids whose value represents the entry.
class ValueCounter {
 public:
  explicit ValueCounter(const Column& column) : column_(column) { Resize(1024); }

  void Add(RowId row, std::string_view value) {
    uint64_t h = XXH3_64bits(value.data(), value.size());
    size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.count == 0) {
        s = Slot{h, row, 1};
        if (++used_ * 2 > slots_.size()) Resize(slots_.size() * 2);
        return;
      }
      if (s.hash == h && column_.Get(s.row) == value) {
        ++s.count;
        return;
      }
    }
  }

  size_t distinct() const { return used_; }

  // The top_n entries by count descending, value ascending.
  std::vector<std::pair<std::string, uint64_t>> Top(size_t top_n) const {
    std::vector<const Slot*> entries;
    entries.reserve(used_);
    for (const Slot& s : slots_) {
      if (s.count != 0) entries.push_back(&s);
    }
    auto before = [&](const Slot* a, const Slot* b) {
      if (a->count != b->count) return a->count > b->count;
      return column_.Get(a->row) < column_.Get(b->row);
    };
    size_t k = std::min(top_n, entries.size());
    std::partial_sort(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(k),
                      entries.end(), before);
    std::vector<std::pair<std::string, uint64_t>> top;
    for (size_t i = 0; i < k; ++i) top.emplace_back(std::string(column_.Get(entries[i]->row)), entries[i]->count);
    return top;
  }

 private:
  struct Slot {
    uint64_t hash;
    RowId row;
    uint32_t count;  // 0: empty slot
  };

  void Resize(size_t n) {
    std::vector<Slot> old(n, Slot{0, 0, 0});
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
  for (RowId r = 0; r < p.rows; ++r) {
    if (column.IsNull(r)) {
      ++p.nulls;
      continue;
    }
    std::string_view v = column.Get(r);
    size_t len = CodePoints(v);
    total_len += len;
    min_len = std::min(min_len, len);
    max_len = std::max(max_len, len);
    counter.Add(r, v);
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
