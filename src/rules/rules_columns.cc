// ValidateRulesColumns: the rules file's columns checked against one input's header, before any
// record is processed.
#include <algorithm>

#include "reclink/rules.h"

namespace reclink {
namespace {

std::string Available(const std::vector<std::string>& column_names) {
  std::string out;
  for (const std::string& c : column_names) {
    if (!out.empty()) out += ", ";
    out += c;
  }
  if (column_names.size() == 1) {
    // One column whose name holds another common delimiter: the CSV delimiter is likely wrong.
    for (char d : {';', '\t', '|', ','}) {
      if (column_names[0].find(d) == std::string::npos) continue;
      const std::string name = d == '\t' ? "tab" : d == ',' ? "," : std::string("'") + d + "'";
      return out + " (the input was read as one column: its delimiter is likely " + name +
             "; use --delimiter " + name + ")";
    }
  }
  return out.empty() ? "(none)" : out;
}

bool Has(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

Status ValidateRulesColumns(const Rules& rules, const std::string& source,
                            const std::string& input_path,
                            const std::vector<std::string>& column_names) {
  const std::string& id = rules.IdFor(source);
  if (id.empty()) {
    return Status::Usage(
        FormatLocation(rules.path, rules.id_line, 0,
                       "key 'ids' has no id column for source '" + source + "' (input '" +
                           input_path + "'); expected an entry " + source + " = \"COLUMN\""),
        "add " + source + " = \"COLUMN\" to ids, or a default id = \"COLUMN\"; available "
        "columns: " + Available(column_names));
  }
  if (!Has(column_names, id)) {
    std::string key = rules.ids.count(source) != 0 ? "ids." + source : "id";
    return Status::Usage(
        FormatLocation(rules.path, rules.id_line, 0,
                       "key '" + key + "' names id column '" + id + "', which input '" +
                           input_path + "' (source '" + source + "') does not have"),
        "available columns: " + Available(column_names));
  }
  for (const FieldSpec& f : rules.fields) {
    const std::string& column = f.ColumnFor(source);
    const int line = f.column_line > 0 ? f.column_line : f.line;
    if (column.empty()) {
      return Status::Usage(
          FormatLocation(rules.path, line, 0,
                         "[fields." + f.name + "] has no column for source '" + source +
                             "' (input '" + input_path + "'); expected column = \"NAME\" or "
                             "an entry " + source + " = \"NAME\" in columns"),
          "available columns: " + Available(column_names));
    }
    if (!Has(column_names, column)) {
      std::string key = f.columns.count(source) != 0 ? "columns." + source : "column";
      return Status::Usage(
          FormatLocation(rules.path, line, 0,
                         "key '" + key + "' in [fields." + f.name + "] names column '" + column +
                             "', which input '" + input_path + "' (source '" + source +
                             "') does not have"),
          "available columns: " + Available(column_names));
    }
  }
  return Status::Ok();
}

}  // namespace reclink
