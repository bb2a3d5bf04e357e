// Golden records: one row per identity with a value per field chosen by the rules file's
// [survivorship] rules (identities.csv / identities.jsonl), and the member records with their
// identity, best link and normalized fields (members.csv, --with-fields).
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "reclink/file_writer.h"
#include "reclink/pipeline.h"
#include "reclink/rules.h"
#include "reclink/string_table.h"

namespace reclink {

struct GoldenRecords {
  std::vector<std::string> fields;           // the rules' field names, in rules order
  std::vector<uint64_t> records;             // per cluster: members
  std::vector<std::string> sources;          // per cluster: its members' sources, sorted, ';'-joined
  std::vector<std::vector<std::string>> values;  // [cluster][field]; empty: every member null
  std::vector<std::vector<bool>> has_value;      // [cluster][field]
};

// The input columns golden records read (raw values and timestamps): the caller must not
// release them before CollectSurvivorValues (or BuildGoldenRecords). Missing columns are left out
// (a missing field column fails earlier, in DeriveFields; a missing timestamp column makes
// most_recent fall back).
std::set<int> GoldenRecordColumns(const Rules& rules, const RecordTable& table);

// What golden records read besides the normalized fields, per record: its source's name, the raw
// value of each field (values = "raw") and its source's timestamp. A run state keeps them, so that
// an incremental night writes the golden records a full run would (docs/identities.md).
struct SurvivorValues {
  std::string spec;                       // SurvivorValuesSpec of the rules they were read for
  std::vector<std::string> source_names;  // sorted, unique
  std::vector<uint32_t> source_of;        // per record: an index into source_names
  std::vector<Column> raw;                // per rules field with values = "raw"; empty with "normalized"
  Column timestamps;                      // per record: its source's timestamp column (null: none)
  size_t size() const { return source_of.size(); }
};

// What the values of SurvivorValues depend on beyond the rules' fingerprint (which has the fields'
// columns): raw or normalized values and the timestamp columns. Empty without [survivorship].
std::string SurvivorValuesSpec(const Rules& rules);

// The survivorship values of input's rows `rows`, in that order (nullptr: every row in input order).
// `fields` are the run's derived fields of input's rows (DerivedFields::fields, by input row): a
// raw value whose field the rules read as null (a placeholder, one of its null_values, a date or
// number that does not parse) is null here too, so that it never survives.
SurvivorValues CollectSurvivorValues(const Rules& rules, const LoadedInput& input, const std::vector<Column>& fields,
                                     const std::vector<uint32_t>* rows);

// Builds the golden records of the records of `values`: keys[r] is record r's key, labels[r] its
// cluster (of `clusters`), fields the normalized fields (read when values = "normalized"). Every
// choice is independent of the records' order and of the split of the inputs into files.
GoldenRecords BuildGoldenRecords(const Rules& rules, const SurvivorValues& values,
                                 const std::vector<Column>* fields, const StringTable& keys,
                                 const std::vector<uint32_t>& labels, uint64_t clusters);
// The golden records of a full run. Needs result.fields when the values are "normalized".
GoldenRecords BuildGoldenRecords(const Rules& rules, const LoadedInput& input, const RunResult& result);

// identities.csv: identity_id,records,sources,FIELD... (one row per cluster, by identity id).
void WriteIdentitiesCsv(const GoldenRecords& golden, const std::vector<std::string>& cluster_ids, FileWriter& out);
// identities.jsonl: one object per identity, fields nested under "fields" (null when none).
void WriteIdentitiesJsonl(const GoldenRecords& golden, const std::vector<std::string>& cluster_ids, FileWriter& out);

// members.csv: [source,]record_id,identity_id,best_link_probability,FIELD... in input order: each
// record's identity, the probability of its strongest link (empty when it has none) and its
// normalized fields. Needs result.fields.
void WriteMembersCsv(const LoadedInput& input, const Rules& rules, const RunResult& result,
                     const std::vector<std::string>& cluster_ids, bool with_source, FileWriter& out);

// members.csv of rows 0..n-1 in that order, each introduced by lead(buf, row) (its [source,]record_id
// cells): edges give the strongest links (their probability under model), labels the clusters,
// fields the normalized values.
void WriteMembersRows(const Rules& rules, const Model& model, size_t n, const std::function<void(std::string&, uint32_t)>& lead,
                      bool with_source, const std::vector<Edge>& edges, const std::vector<uint32_t>& labels,
                      const std::vector<Column>& fields, const std::vector<std::string>& cluster_ids, FileWriter& out);

}  // namespace reclink
