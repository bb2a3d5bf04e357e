// A record table from columns built in memory (the Python module's data frames), checked and
// shaped like a reader's table.
#include <set>

#include "reclink/reader.h"

namespace reclink {

namespace {

// The column with every empty non-null value made null, as the readers store an empty field.
Column EmptyAsNull(Column c) {
  bool any = false;
  for (RowId r = 0; r < c.size() && !any; ++r) any = !c.IsNull(r) && c.Get(r).empty();
  if (!any) return c;
  Column out(c.name());
  out.Reserve(c.size(), c.arena_bytes());
  for (RowId r = 0; r < c.size(); ++r) {
    if (c.IsNull(r) || c.Get(r).empty()) {
      out.AppendNull();
    } else {
      out.Append(c.Get(r));
    }
  }
  return out;
}

}  // namespace

Result<RecordTable> TableFromColumns(std::vector<Column> columns, const std::string& source_name,
                                     const std::string& name, bool allow_empty) {
  if (columns.empty()) return Status::InvalidInput(name + ": error: the input has no columns");
  const size_t rows = columns[0].size();
  std::set<std::string> names;
  for (const Column& c : columns) {
    if (c.name().empty()) return Status::InvalidInput(name + ": error: a column has no name");
    if (!names.insert(c.name()).second) {
      return Status::InvalidInput(name + ": error: two columns are named '" + c.name() + "'",
                                  "rename one of them");
    }
    if (c.size() != rows) {
      return Status::InvalidInput(
          name + ": error: column '" + c.name() + "' has " + std::to_string(c.size()) +
          " rows, expected " + std::to_string(rows) + " like column '" + columns[0].name() + "'");
    }
  }
  if (rows == 0 && !allow_empty) return Status::InvalidInput(name + ": error: the input has no records");
  RecordTable table;
  for (Column& c : columns) {  // added while the table has no rows: nothing to pad
    const size_t i = table.AddColumn(c.name());
    table.mutable_column(i) = EmptyAsNull(std::move(c));
  }
  table.AppendSourceRows(table.AddSource(source_name), rows);
  uint64_t* lines = table.AppendLinesForFill(rows);
  for (size_t r = 0; r < rows; ++r) lines[r] = r + 1;
  return table;
}

}  // namespace reclink
