// Derived fields: each rules field normalized once per record into a column of its own (the
// normalize stage's output, read by blocking and comparison), and the rules' normalizer names
// checked before any data is read.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "reclink/record_table.h"
#include "reclink/rules.h"
#include "reclink/status.h"

namespace reclink {

// Values of one field from one source that its `date` or `number` normalizer could not read.
struct UnparseableValues {
  std::string field;
  std::string source;
  std::string kind;      // "date" or "number"
  uint64_t count = 0;
  std::string sample;    // the first such value in row order, as read (at most 60 bytes)
};

// The normalized value of every rules field for every row: fields[i] belongs to rules.fields[i].
// A null value (missing, empty after normalizing, unparseable date) is a null in the column.
struct DerivedFields {
  std::vector<Column> fields;
  uint64_t unparseable_dates = 0;    // values the `date` normalizer could not read (now null)
  uint64_t unparseable_numbers = 0;  // values the `number` normalizer could not read (now null)
  std::vector<UnparseableValues> unparseable;  // per field and source with any, in that order
  std::vector<uint64_t> placeholder_nulls;  // per field: values made null by its null_values
  // With a PlaceholderPlan (below), per rules field: the plan's values read as null here and the
  // records that held each. A known list's values in its order (0 records included; a value
  // listed twice counts at its first entry); found values in byte order.
  std::vector<std::vector<std::pair<std::string, uint64_t>>> placeholders_read;
};

// Placeholder values (docs/model.md, "Placeholder values") read as null while the fields are
// normalized, so that no pass over the values is needed after: either a known list (a saved
// model's), or the values found here.
struct PlaceholderPlan {
  // Per rules field (missing entries: none), normalized values to read as null.
  std::vector<std::vector<std::string>> known;
  // When set and `known` is empty: the non-null normalized values it accepts that at least
  // `min_records` records hold in a field are read as null in that field.
  bool (*looks_like)(std::string_view) = nullptr;
  uint64_t min_records = 1;
};

// Normalizes each rules field from its source column (per-source column names honoured), once
// per record, in parallel. Error (kUsage) when a field's column is missing in a source. With a
// plan, its placeholder values are null too (DerivedFields::placeholders_read says which).
// Deterministic: independent of the thread count.
Result<DerivedFields> DeriveFields(const Rules& rules, const RecordTable& table,
                                   const PlaceholderPlan* plan = nullptr);

// Checks every field's normalizer chain of the rules (the names, then that each chain builds
// with the field's options in every source): kUsage "RULES:LINE:COLUMN: error: unknown
// normalizer ..." at the name, with a suggestion. The rules stage leaves these to this stage.
Status CheckFieldNormalizers(const Rules& rules);

}  // namespace reclink
