// ReadInputsShared: which inputs are split and which are dealt whole, the wire form of a table
// share, and the join of the shares into the single process's table.
#include "reclink/shared_read.h"

#include <tbb/blocked_range.h>

#include <cstring>

#include "io/input_file.h"
#include "io/read_share.h"
#include "reclink/parallel.h"

namespace reclink {
namespace {

enum class Mode : uint8_t { kWhole = 0, kSplit = 1 };

// Rank 0's choice for each input, sent to every rank (the ranks must make the same collective
// calls, so they follow one rank's view of the files).
std::vector<Mode> ChooseModes(const std::vector<InputRead>& inputs, Collective& group) {
  WireWriter w;
  if (group.is_root()) {
    for (const InputRead& in : inputs) {
      Mode mode = Mode::kWhole;
      io::InputBytes bytes;
      if (io::IsPlainFile(in.path) && io::LoadInputFile(in.path, &bytes).ok() &&
          io::Splittable(bytes.view(), in.path, in.options)) {
        mode = Mode::kSplit;
      }
      w.Put<uint8_t>(static_cast<uint8_t>(mode));
    }
  }
  const std::vector<std::string> all = group.AllGather(w.Take());
  WireReader in(all[0]);
  std::vector<Mode> modes;
  for (size_t i = 0; i < inputs.size(); ++i) modes.push_back(static_cast<Mode>(in.Get<uint8_t>()));
  return modes;
}

template <typename T>
std::string_view Bytes(const std::vector<T>& v) {
  return {reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T)};
}

// A table of one source, and its report, on the wire: per column its name, text, value ends
// (4 bytes each while the text is under 4 GiB) and null bitmap; then the lines and the rejects.
void PutShare(WireWriter& w, const RecordTable& table, const ReadReport& report) {
  const size_t rows = table.num_rows();
  size_t bytes = 64 + rows * sizeof(uint64_t);
  for (const Column& c : table.columns()) bytes += 64 + c.name().size() + c.arena_bytes() + rows * 8 + rows / 8;
  w.Reserve(bytes);
  w.Put<uint64_t>(rows);
  w.Put<uint64_t>(table.num_columns());
  for (const Column& c : table.columns()) {
    w.PutString(c.name());
    w.PutString(std::string_view(c.arena_data(), c.arena_bytes()));
    const bool narrow = c.arena_bytes() <= Column::kNarrowLimit;
    w.Put<uint8_t>(narrow ? 1 : 0);
    if (narrow) {
      std::vector<uint32_t> ends(rows);
      for (size_t r = 0; r < rows; ++r) ends[r] = static_cast<uint32_t>(c.offset(r + 1));
      w.PutString(Bytes(ends));
    } else {
      std::vector<uint64_t> ends(rows);
      for (size_t r = 0; r < rows; ++r) ends[r] = c.offset(r + 1);
      w.PutString(Bytes(ends));
    }
    std::vector<uint64_t> nulls((rows + 63) / 64, 0);
    for (size_t r = 0; r < rows; ++r) {
      if (c.IsNull(static_cast<RowId>(r))) nulls[r / 64] |= uint64_t{1} << (r % 64);
    }
    w.PutString(Bytes(nulls));
  }
  std::vector<uint64_t> lines(rows);
  for (size_t r = 0; r < rows; ++r) lines[r] = table.line(static_cast<RowId>(r));
  w.PutString(Bytes(lines));
  w.Put<uint64_t>(report.records);
  w.Put<uint64_t>(report.bad);
  w.Put<uint64_t>(report.rejects.size());
  for (const BadRecord& b : report.rejects) {
    w.PutString(b.file);
    w.Put<uint64_t>(b.line);
    w.Put<uint64_t>(b.column);
    w.PutString(b.reason);
    w.PutString(b.raw);
  }
}

// One share as views into the received bytes.
struct ShareView {
  struct ColumnView {
    std::string_view name, text, ends, nulls;
    bool narrow = true;
    uint64_t End(size_t r) const {  // end of row r's value within text
      if (narrow) {
        uint32_t v;
        std::memcpy(&v, ends.data() + r * sizeof v, sizeof v);
        return v;
      }
      uint64_t v;
      std::memcpy(&v, ends.data() + r * sizeof v, sizeof v);
      return v;
    }
    bool IsNull(size_t r) const {
      uint64_t word;
      std::memcpy(&word, nulls.data() + (r / 64) * sizeof word, sizeof word);
      return (word >> (r % 64)) & 1;
    }
  };
  uint64_t rows = 0;
  std::vector<ColumnView> columns;
  std::string_view lines;
  ReadReport report;
};

ShareView GetShare(WireReader& in) {
  ShareView s;
  s.rows = in.Get<uint64_t>();
  const uint64_t num_columns = in.Get<uint64_t>();
  for (uint64_t k = 0; k < num_columns; ++k) {
    ShareView::ColumnView c;
    c.name = in.GetView();
    c.text = in.GetView();
    c.narrow = in.Get<uint8_t>() != 0;
    c.ends = in.GetView();
    c.nulls = in.GetView();
    s.columns.push_back(c);
  }
  s.lines = in.GetView();
  s.report.records = in.Get<uint64_t>();
  s.report.bad = in.Get<uint64_t>();
  const uint64_t rejects = in.Get<uint64_t>();
  for (uint64_t k = 0; k < rejects; ++k) {
    BadRecord b;
    b.file = in.GetString();
    b.line = in.Get<uint64_t>();
    b.column = in.Get<uint64_t>();
    b.reason = in.GetString();
    b.raw = in.GetString();
    s.report.rejects.push_back(std::move(b));
  }
  return s;
}

// The shares appended in order into one table of one source: columns in the order first seen
// (a share without a column gives nulls), as the readers join their chunks.
InputReadResult Join(const std::vector<ShareView>& shares, const std::string& source_name) {
  InputReadResult out;
  RecordTable& table = out.table;
  const SourceId source = table.AddSource(source_name);
  std::vector<std::vector<int>> share_column;  // [share][table column]: the share's column, or -1
  for (const ShareView& s : shares) {
    for (const auto& c : s.columns) table.AddColumn(c.name);
  }
  uint64_t rows = 0;
  std::vector<uint64_t> row_base;
  for (const ShareView& s : shares) {
    std::vector<int> map(table.num_columns(), -1);
    for (size_t k = 0; k < s.columns.size(); ++k) {
      map[static_cast<size_t>(table.FindColumn(s.columns[k].name))] = static_cast<int>(k);
    }
    share_column.push_back(std::move(map));
    row_base.push_back(rows);
    rows += s.rows;
  }
  ParallelFor(tbb::blocked_range<size_t>(0, table.num_columns(), 1), [&](const auto& range) {
    for (size_t c = range.begin(); c != range.end(); ++c) {
      uint64_t bytes = 0;
      for (size_t i = 0; i < shares.size(); ++i) {
        if (share_column[i][c] >= 0) bytes += shares[i].columns[static_cast<size_t>(share_column[i][c])].text.size();
      }
      Column::FillBuffers fill = table.mutable_column(c).PrepareFill(rows, bytes);
      uint64_t pos = 0;
      for (size_t i = 0; i < shares.size(); ++i) {
        const int k = share_column[i][c];
        for (uint64_t r = 0; r < shares[i].rows; ++r) {
          const uint64_t row = row_base[i] + r;
          uint64_t end = pos;
          if (k < 0) {
            fill.nulls[row / 64] |= uint64_t{1} << (row % 64);
          } else {
            const auto& col = shares[i].columns[static_cast<size_t>(k)];
            end = pos + col.End(r);
            if (col.IsNull(r)) fill.nulls[row / 64] |= uint64_t{1} << (row % 64);
          }
          if (fill.offsets != nullptr) {
            fill.offsets[row + 1] = static_cast<uint32_t>(end);
          } else {
            fill.wide_offsets[row + 1] = end;
          }
        }
        if (k >= 0) {
          const std::string_view text = shares[i].columns[static_cast<size_t>(k)].text;
          if (!text.empty()) std::memcpy(fill.arena + pos, text.data(), text.size());
          pos += text.size();
        }
      }
    }
  });
  table.AppendSourceRows(source, rows);
  uint64_t* lines = table.AppendLinesForFill(rows);
  for (size_t i = 0; i < shares.size(); ++i) {
    if (!shares[i].lines.empty()) std::memcpy(lines + row_base[i], shares[i].lines.data(), shares[i].lines.size());
  }
  for (const ShareView& s : shares) {
    out.report.records += s.report.records;
    out.report.bad += s.report.bad;
    out.report.rejects.insert(out.report.rejects.end(), s.report.rejects.begin(), s.report.rejects.end());
  }
  return out;
}

// The same error from every rank's view of a split input's file: the lowest rank's failure to
// load it, or different sizes.
Status AgreeOnFile(const std::string& path, const Status& loaded, uint64_t size, Collective& group) {
  WireWriter w;
  io::PutStatus(w, loaded);
  w.Put<uint64_t>(size);
  const std::vector<std::string> all = group.AllGather(w.Take());
  uint64_t first_size = 0;
  for (size_t r = 0; r < all.size(); ++r) {
    WireReader in(all[r]);
    Status st = io::GetStatus(in);
    if (!st.ok()) return st;
    const uint64_t n = in.Get<uint64_t>();
    if (r == 0) first_size = n;
    if (n != first_size) {
      return Status::InvalidInput(path + ": error: the ranks see different files at this path (" +
                                      std::to_string(first_size) + " bytes on rank 0, " + std::to_string(n) +
                                      " on rank " + std::to_string(r) + ")",
                                  "every rank must read the same input: use a shared file system, or copy the "
                                  "same file to the same path on every node");
    }
  }
  return Status::Ok();
}

}  // namespace

std::vector<InputReadResult> ReadInputsShared(const std::vector<InputRead>& inputs, Collective& group) {
  std::vector<InputReadResult> results(inputs.size());
  if (group.size() == 1) {
    for (size_t i = 0; i < inputs.size(); ++i) {
      Result<RecordTable> t = ReadInput(inputs[i].path, inputs[i].source_name, inputs[i].options, &results[i].report);
      if (t.ok()) {
        results[i].table = std::move(t.value());
      } else {
        results[i].status = t.status();
        results[i].report = ReadReport{};
      }
    }
    return results;
  }
  const std::vector<Mode> modes = ChooseModes(inputs, group);
  // Whole inputs, dealt round-robin (the standard input to rank 0); then the split ones, each
  // parsed collectively. Every rank's part goes into one payload, input by input.
  std::vector<int> owner(inputs.size(), -1);
  int dealt = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (modes[i] != Mode::kWhole) continue;
    owner[i] = inputs[i].path == "-" ? 0 : dealt++ % group.size();
  }
  WireWriter w;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const InputRead& in = inputs[i];
    ReadReport report;
    if (modes[i] == Mode::kWhole) {
      if (owner[i] != group.rank()) continue;
      Result<RecordTable> t = ReadInput(in.path, in.source_name, in.options, &report);
      io::PutStatus(w, t.ok() ? Status::Ok() : t.status());
      if (t.ok()) PutShare(w, *t, report);
      continue;
    }
    io::InputBytes bytes;
    const Status loaded = io::LoadInputFile(in.path, &bytes);
    Status agreed = AgreeOnFile(in.path, loaded, loaded.ok() ? bytes.view().size() : 0, group);
    if (agreed.ok()) {
      Result<RecordTable> t = io::ParseShare(bytes.view(), in.path, in.source_name, in.options, &report, group);
      if (t.ok()) {
        PutShare(w, *t, report);
      } else {
        agreed = t.status();  // every rank's
      }
    }
    results[i].status = agreed;
  }
  const std::string mine = w.Take();
  std::vector<uint64_t> sizes;
  const std::string all = group.AllGatherConcat(mine, &sizes);
  std::vector<WireReader> readers;
  size_t at = 0;
  for (uint64_t n : sizes) {
    readers.emplace_back(std::string_view(all).substr(at, n));
    at += n;
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::vector<ShareView> shares;
    if (modes[i] == Mode::kWhole) {
      WireReader& in = readers[static_cast<size_t>(owner[i])];
      results[i].status = io::GetStatus(in);
      if (!results[i].status.ok()) continue;
      shares.push_back(GetShare(in));
    } else {
      if (!results[i].status.ok()) continue;  // the same error on every rank: nothing was sent
      for (WireReader& in : readers) shares.push_back(GetShare(in));
    }
    InputReadResult joined = Join(shares, inputs[i].source_name);
    results[i].table = std::move(joined.table);
    results[i].report = std::move(joined.report);
  }
  return results;
}

}  // namespace reclink
