// Golden records: one row per identity with a value per field chosen by the rules file's
// [survivorship] rules (identities.csv / identities.jsonl), and the member records with their
// identity, best link and normalized fields (members.csv, --with-fields).
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "reclink/file_writer.h"
#include "reclink/pipeline.h"
#include "reclink/rules.h"

namespace reclink {

struct GoldenRecords {
  std::vector<std::string> fields;           // the rules' field names, in rules order
  std::vector<uint64_t> records;             // per cluster: members
  std::vector<std::string> sources;          // per cluster: its members' sources, sorted, ';'-joined
  std::vector<std::vector<std::string>> values;  // [cluster][field]; empty: every member null
  std::vector<std::vector<bool>> has_value;      // [cluster][field]
};

// The input columns golden records read (raw values and timestamps): the caller must not
// release them before BuildGoldenRecords. Missing columns are left out (a missing field column
// fails earlier, in DeriveFields; a missing timestamp column makes most_recent fall back).
std::set<int> GoldenRecordColumns(const Rules& rules, const RecordTable& table);

// Builds the golden records of a run. Needs rules.survivorship, and result.fields when its values
// are "normalized". Every choice is independent of row order and of the split into files.
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

}  // namespace reclink
