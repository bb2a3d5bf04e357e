// The run state directory: read whole or refused, written through the caller's OutputSet.
#include "reclink/run_state.h"

#include <simdjson.h>
#include <xxhash.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "reclink/json_writer.h"
#include "reclink/version.h"

namespace reclink {
namespace {

std::string Hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string Checksum(std::string_view bytes) { return Hex64(XXH3_64bits(bytes.data(), bytes.size())); }

// Appends a length-prefixed item, so that no two different rules serialize alike.
void Put(std::string& out, std::string_view s) {
  out += std::to_string(s.size());
  out += ':';
  out += s;
}
void Put(std::string& out, double x) { Put(out, JsonNumber(x)); }

Result<std::string> ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidInput(path + ": error: cannot read the state file");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Status::InvalidInput(path + ": error: cannot read the state file");
  return text;
}

const char* kStateHint =
    "the state directory is damaged or incomplete; restore it from a backup, or start over with an empty --state "
    "directory (identity ids then start afresh)";

}  // namespace

std::string RulesFingerprint(const Rules& rules) {
  std::string s = "reclink-rules-v1";
  Put(s, std::to_string(static_cast<int>(rules.link_type)));
  Put(s, rules.id);
  for (const auto& [source, id] : rules.ids) {
    Put(s, source);
    Put(s, id);
  }
  s += "|fields";
  for (const FieldSpec& f : rules.fields) {
    Put(s, f.name);
    Put(s, f.column);
    for (const auto& [source, column] : f.columns) {
      Put(s, source);
      Put(s, column);
    }
    s += "|n";
    for (const std::string& n : f.normalize) Put(s, n);
    Put(s, f.phone_country_code);
    Put(s, std::to_string(static_cast<int>(f.date_order)));
    s += "|null";
    for (const std::string& v : f.null_values) Put(s, v);
  }
  s += "|blocking";
  for (const BlockingRule& b : rules.blocking) Put(s, b.text);
  s += "|comparisons";
  for (const ComparisonSpec& c : rules.comparisons) {
    Put(s, c.name);
    Put(s, c.field);
    Put(s, std::to_string(c.tf_adjust));
    for (const LevelSpec& l : c.levels) {
      Put(s, std::to_string(static_cast<int>(l.predicate)));
      Put(s, l.threshold);
    }
  }
  return Checksum(s);
}

Result<RunState> ReadRunState(const std::string& dir, const Rules& rules, bool other_rules_ok) {
  namespace fs = std::filesystem;
  RunState state;
  const std::string fingerprint = RulesFingerprint(rules);
  auto path = [&](const std::string& name) { return (fs::path(dir) / name).string(); };
  std::error_code ec;
  bool any = false;
  for (const std::string& name : kRunStateFiles) any |= fs::exists(path(name), ec);
  if (!any) {
    state.identities = NewIdentityState(XXH3_64bits(fingerprint.data(), fingerprint.size()));
    state.rules_fingerprint = fingerprint;
    return state;
  }
  const std::string manifest_path = path("state.json");
  if (!fs::exists(manifest_path, ec)) {
    return Status::InvalidInput(manifest_path + ": error: the state has no manifest (state.json)", kStateHint);
  }
  Result<std::string> manifest = ReadWhole(manifest_path);
  if (!manifest.ok()) return manifest.status();
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  auto bad = [&](const std::string& what) {
    return Status::InvalidInput(manifest_path + ": error: " + what, kStateHint);
  };
  if (parser.parse(*manifest).get(doc)) return bad("the manifest is not valid JSON");
  std::string_view format, fp, by;
  int64_t version = 0;
  if (doc["format"].get(format) || format != "reclink-state") return bad("not a reclink state manifest");
  if (doc["version"].get(version)) return bad("missing 'version'");
  if (version != kRunStateVersion) {
    return bad("the state has format version " + std::to_string(version) + "; this reclink (" + kReclinkVersion +
               ") reads version " + std::to_string(kRunStateVersion));
  }
  if (doc["rules_fingerprint"].get(fp)) return bad("missing 'rules_fingerprint'");
  if (!doc["written_by"].get(by)) state.written_by = std::string(by);
  state.found = true;
  state.rules_fingerprint = std::string(fp);
  if (state.rules_fingerprint != fingerprint && !other_rules_ok) {
    return Status::Usage(
        dir + ": error: the state was written with other rules (fingerprint " + state.rules_fingerprint + ") than " +
            rules.path + " (fingerprint " + fingerprint + "): its model and blocking do not fit these rules",
        "rerun with --retrain to train a model on these rules and carry the identities over, or use another "
        "--state directory");
  }
  // Every listed file must be there with the size and checksum the manifest gives.
  std::string identities_bytes;
  for (const char* name : {"identities.bin", "model.json"}) {
    simdjson::dom::element entry;
    if (doc["files"][name].get(entry)) return bad(std::string("the manifest does not list ") + name);
    std::string_view sum;
    uint64_t size = 0;
    if (entry["xxh3"].get(sum) || entry["bytes"].get(size)) return bad(std::string("bad entry for ") + name);
    Result<std::string> bytes = ReadWhole(path(name));
    if (!bytes.ok()) return Status::InvalidInput(bytes.status().message(), kStateHint);
    if (bytes->size() != size || Checksum(*bytes) != sum) {
      return Status::InvalidInput(path(name) + ": error: the file does not match the state's manifest (size or "
                                  "checksum differs)", kStateHint);
    }
    if (std::string_view(name) == "identities.bin") identities_bytes = std::move(bytes.value());
  }
  Result<IdentityState> ids = ParseIdentityState(identities_bytes, path("identities.bin"));
  if (!ids.ok()) return ids.status();
  state.identities = std::move(ids.value());
  if (state.rules_fingerprint == fingerprint) {
    Result<Model> model = ReadModelJson(path("model.json"), rules);
    if (!model.ok()) return Status::InvalidInput(model.status().message(), kStateHint);
    state.model = std::move(model.value());
    state.model_loaded = true;
  }
  return state;
}

Status WriteRunState(OutputSet& set, const Rules& rules, const Model& model, const IdentityState& identities) {
  const std::string ids = SerializeIdentityState(identities);
  const std::string model_json = ModelToJson(model);
  std::string manifest = "{\n  \"format\": \"reclink-state\",\n  \"version\": " + std::to_string(kRunStateVersion) +
                         ",\n  \"written_by\": " + JsonQuote(kReclinkVersion) +
                         ",\n  \"rules_fingerprint\": " + JsonQuote(RulesFingerprint(rules)) +
                         ",\n  \"runs\": " + std::to_string(identities.runs) +
                         ",\n  \"records\": " + std::to_string(identities.records()) +
                         ",\n  \"identities\": " + std::to_string(identities.ids.size()) +
                         ",\n  \"files\": {\n    \"identities.bin\": {\"bytes\": " + std::to_string(ids.size()) +
                         ", \"xxh3\": " + JsonQuote(Checksum(ids)) + "},\n    \"model.json\": {\"bytes\": " +
                         std::to_string(model_json.size()) + ", \"xxh3\": " + JsonQuote(Checksum(model_json)) +
                         "}\n  }\n}\n";
  RECLINK_RETURN_IF_ERROR(set.WriteFile("identities.bin", ids));
  RECLINK_RETURN_IF_ERROR(set.WriteFile("model.json", model_json));
  return set.WriteFile("state.json", manifest);
}

std::vector<std::string> RecordKeys(const LoadedInput& input, const Rules& rules) {
  const RecordTable& table = input.table;
  std::vector<std::string> keys(table.num_rows());
  const bool with_source = rules.link_type != LinkType::kDedupe;
  for (RowId r = 0; r < table.num_rows(); ++r) {
    keys[r] = with_source ? table.source_names()[table.source(r)] + ":" + std::string(input.Id(r))
                          : std::string(input.Id(r));
  }
  return keys;
}

}  // namespace reclink
