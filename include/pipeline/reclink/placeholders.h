// Placeholder values found in the data and read as null (docs/model.md, "Placeholder values").
#pragma once

#include <cstdint>
#include <vector>

#include "reclink/derived_fields.h"
#include "reclink/model.h"
#include "reclink/rules.h"

namespace reclink {

// A value must be held by at least this many records to be read as a placeholder: a real person
// may be born on 1900-01-01 or be called "Na", but three unrelated records rarely share it.
inline constexpr uint64_t kMinPlaceholderRecords = 3;

// The normalized values of every field that PlaceholderReason calls a placeholder and that at
// least kMinPlaceholderRecords records hold, by field (rules order), then value; `records` is
// their count. Deterministic: independent of the thread count.
std::vector<DetectedPlaceholder> DetectPlaceholders(const Rules& rules, const DerivedFields& fields);

// Makes every listed value null in its field; returns, per entry of `placeholders`, the records
// that held it here. Entries naming a field the rules do not define are skipped (counted 0).
std::vector<uint64_t> NullPlaceholders(const Rules& rules, const std::vector<DetectedPlaceholder>& placeholders,
                                       DerivedFields* fields);

// The list a run applies: the model's when it scores with a saved one (so that every run with a
// model reads the same values as null), else the one detected here when [model]
// detect_placeholders is on, else none. Applies it and returns it with this run's counts.
// For fields derived without a plan; a run derives them with one (DeriveFieldsForRun).
std::vector<DetectedPlaceholder> ApplyPlaceholders(const Rules& rules, const Model* saved_model, DerivedFields* fields);

// DeriveFields with ApplyPlaceholders' list read as null as the values are normalized (one pass
// over the values fewer, and the nulled columns not rebuilt): the same fields and, in *applied,
// the same list with the same counts.
Result<DerivedFields> DeriveFieldsForRun(const Rules& rules, const RecordTable& table,
                                         const Model* saved_model,
                                         std::vector<DetectedPlaceholder>* applied);

}  // namespace reclink
