// reclink profile | blocks: look at inputs and blocking rules without scoring anything.
#include <tbb/global_control.h>

#include <cstdio>
#include <sstream>

#include "commands.h"
#include "reclink/block_growth.h"
#include "reclink/json_writer.h"
#include "reclink/placeholders.h"
#include "reclink/profile.h"
#include "reclink/progress.h"
#include "reclink/run_summary.h"

namespace reclink::cli {

int RunProfile(const CommonOptions& o) {
  tbb::global_control control(tbb::global_control::max_allowed_parallelism, ThreadCount(o));
  Result<ReadOptions> ro = MakeReadOptions(o);
  if (!ro.ok()) return Fail(ro.status());
  Result<std::vector<InputSpec>> inputs = ParseInputs(o);
  if (!inputs.ok()) return Fail(inputs.status());
  std::string out;
  std::vector<std::string> documents;
  for (const InputSpec& in : *inputs) {
    ReadReport report;
    Result<RecordTable> table = ReadInput(in.path, in.name, *ro, &report);
    if (!table.ok()) return Fail(table.status());
    std::vector<ColumnProfile> profiles = ProfileTable(*table);
    if (o.json) {
      documents.push_back(ProfileToJson(profiles, in.path));
    } else {
      out += in.path + ": " + std::to_string(report.records) + " records";
      if (report.bad) out += ", " + std::to_string(report.bad) + " bad records rejected";
      out += "\n" + ProfileToText(profiles);
    }
  }
  // JSON: one document; with several inputs, {"inputs": [one object per input]}.
  if (o.json && documents.size() == 1) out = documents[0];
  if (o.json && documents.size() > 1) {
    out = "{\"inputs\": [";
    for (size_t i = 0; i < documents.size(); ++i) out += (i ? ",\n" : "\n") + documents[i];
    out += "\n]}\n";
  }
  std::fputs(out.c_str(), stdout);
  return 0;
}

int RunBlocks(const CommonOptions& o) {
  tbb::global_control control(tbb::global_control::max_allowed_parallelism, ThreadCount(o));
  Result<Rules> rules = LoadRulesFile(o.rules_path);
  if (!rules.ok()) return Fail(rules.status());
  Result<ReadOptions> ro = MakeReadOptions(o);
  if (!ro.ok()) return Fail(ro.status());
  Result<std::vector<InputSpec>> inputs = ParseInputs(o, &*rules);
  if (!inputs.ok()) return Fail(inputs.status());
  Result<LoadedInput> input = LoadInputs(*rules, *inputs, *ro, nullptr);
  if (!input.ok()) return Fail(input.status());
  for (const std::string& w : input->warnings)
    std::fprintf(stderr, "reclink: warning: %s\n", w.c_str());
  // The blocks a training run would see: its placeholder values null.
  std::vector<DetectedPlaceholder> placeholders;
  Result<DerivedFields> fields = DeriveFieldsForRun(*rules, input->table, nullptr, &placeholders);
  if (!fields.ok()) return Fail(fields.status());
  for (const DetectedPlaceholder& ph : placeholders) {
    std::fprintf(stderr, "reclink: %s: '%s' (%s) held by %llu records is read as null\n", ph.field.c_str(),
                 ph.value.c_str(), ph.reason.c_str(), static_cast<unsigned long long>(ph.records));
  }
  BlockingIndex index = BlockingIndex::Build(*rules, *fields, input->table);
  index.StreamPairs([](int, std::span<const CandidatePair>) {});
  uint64_t total = 0;
  for (const RuleStats& s : index.stats()) total += s.pairs;
  const std::vector<BlockGrowth> growth = AnalyzeBlockGrowth(index);
  if (o.json) {
    JsonWriter w;
    w.BeginObject();
    w.Member("records", input->table.num_rows());
    w.Key("rules");
    w.BeginArray();
    for (size_t r = 0; r < index.stats().size(); ++r) {
      const RuleStats& s = index.stats()[r];
      const BlockGrowth& g = growth[r];
      w.BeginObject();
      w.Member("rule", s.text);
      w.Member("records_with_key", s.records_with_key);
      w.Member("blocks", s.blocks);
      w.Member("pairs", s.pairs);
      w.Key("largest");
      w.BeginArray();
      for (const auto& block : s.largest) {
        w.BeginObject();
        w.Member("key", block.key);
        w.Member("size", block.size);
        w.EndObject();
      }
      w.EndArray();
      w.Key("growth");
      w.BeginObject();
      w.Member("block_pairs", g.pairs);
      w.Member("shared_value_pairs", g.shared_pairs);
      w.Member("largest_block", g.largest_block);
      w.Member("projected_pairs_10x", g.projected_pairs);
      w.Member("growth_exponent", g.growth_exponent);
      w.Member("scoring_cpu_seconds", g.scoring_cpu_seconds);
      w.Member("warning", g.warn);
      w.EndObject();
      w.EndObject();
    }
    w.EndArray();
    w.Key("oversized_blocks");
    WriteOversizedBlocksJson(w, index.oversized());
    w.Member("candidate_pairs", total);
    w.EndObject();
    const std::string j = w.Take() + "\n";
    std::fputs(j.c_str(), stdout);
    return 0;
  }
  std::ostringstream s;
  s << "reclink blocks: " << input->table.num_rows() << " records, " << index.stats().size() << " rules\n";
  for (size_t r = 0; r < index.stats().size(); ++r) {
    const RuleStats& st = index.stats()[r];
    s << "\nrule " << r + 1 << ": " << st.text << "\n  records with a key: " << st.records_with_key
      << "\n  blocks (2+ records): " << st.blocks << "\n  new candidate pairs: " << st.pairs;
    const BlockGrowth& g = growth[r];
    char line[256];
    std::snprintf(line, sizeof line,
                  "\n  growth: %.0f%% of its %s block pairs in blocks of more than %d records; at 10x the "
                  "records about %s pairs (exponent %.2f); scoring about %.1f s of CPU%s",
                  g.pairs == 0 ? 0.0 : 100.0 * static_cast<double>(g.shared_pairs) / static_cast<double>(g.pairs),
                  HumanCount(static_cast<double>(g.pairs)).c_str(), static_cast<int>(BlockGrowthOptions{}.shared_block_size),
                  HumanCount(g.projected_pairs).c_str(), g.growth_exponent, g.scoring_cpu_seconds,
                  g.warn ? "  (WARNING: grows far faster than the records)" : "");
    s << line << "\n  largest blocks:\n";
    for (const BlockSummary& b : st.largest) {
      s << "    " << b.size << "  " << b.key;
      // A large block whose key looks like "no value" pairs unrelated records: say so.
      std::string reason;
      for (size_t from = 0; from <= b.key.size() && reason.empty();) {
        size_t to = b.key.find(" | ", from);
        if (to == std::string::npos) to = b.key.size();
        reason = PlaceholderReason(std::string_view(b.key).substr(from, to - from));
        from = to + 3;
      }
      if (!reason.empty() && b.size >= 10) s << "  (looks like a placeholder: " << reason << "; list it in null_values)";
      s << "\n";
    }
  }
  if (!index.oversized().empty()) {
    s << "\nskipped oversized blocks (max_block_size " << rules->max_block_size << "):\n";
    for (const OversizedBlock& ob : index.oversized()) {
      s << "  rule " << ob.rule + 1 << ": key '" << ob.key << "', " << ob.size << " records, " << ob.pairs_skipped
        << " pairs\n    " << OversizedBlockAdvice(ob) << "\n";
    }
  }
  s << "\ntotal candidate pairs: " << total << "\n";
  std::fputs(s.str().c_str(), stdout);
  for (const std::string& w : BlockGrowthWarnings(growth, ThreadCount(o)))
    std::fprintf(stderr, "reclink: warning: %s\n", w.c_str());
  for (const OversizedBlock& ob : index.oversized()) {
    std::fprintf(stderr, "reclink: warning: blocking rule %d skipped a block of %llu records (key '%s'); %s\n", ob.rule + 1,
                 static_cast<unsigned long long>(ob.size), ob.key.c_str(), OversizedBlockAdvice(ob).c_str());
  }
  return 0;
}

}  // namespace reclink::cli
