// libFuzzer target for the rules-file parser: arbitrary bytes are parsed as a rules file through
// ParseRulesString. Never a crash or a hang; an error is a kUsage status whose message starts
// with "NAME:LINE:COLUMN: error: "; a parsed Rules satisfies the invariants the later stages
// rely on (names resolve, numbers in their documented ranges, counts within the limits).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>

#include "reclink/derived_fields.h"
#include "reclink/rules.h"

namespace {

constexpr const char* kName = "fuzz.toml";

void Check(bool ok, const char* what, const std::string& detail = {}) {
  if (ok) return;
  std::fprintf(stderr, "rules_fuzz: invariant failed: %s\n%s\n", what, detail.c_str());
  std::abort();
}

// "fuzz.toml:LINE:COLUMN: error: " with LINE and COLUMN positive decimal numbers.
bool HasLocation(const std::string& message) {
  const std::string prefix = std::string(kName) + ":";
  if (message.rfind(prefix, 0) != 0) return false;
  size_t i = prefix.size();
  for (int part = 0; part < 2; ++part) {
    size_t start = i;
    while (i < message.size() && message[i] >= '0' && message[i] <= '9') ++i;
    if (i == start || message[start] == '0' || i >= message.size() || message[i] != ':') {
      return false;
    }
    ++i;
  }
  return message.compare(i, 8, " error: ") == 0 && message.size() > i + 8;
}

void CheckRules(const reclink::Rules& r) {
  using namespace reclink;
  Check(!r.id.empty() || !r.ids.empty(), "an id column");
  Check(!r.fields.empty(), "at least one field");
  std::set<std::string> field_names;
  for (const FieldSpec& f : r.fields) {
    Check(!f.name.empty() && f.name.size() <= kRulesMaxNameLength, "field name length", f.name);
    Check(field_names.insert(f.name).second, "field names unique", f.name);
    Check(!f.column.empty() || !f.columns.empty(), "a field has a column", f.name);
    Check(f.line > 0, "field line", f.name);
  }
  Check(!r.blocking.empty() && r.blocking.size() <= kRulesMaxBlockingRules, "blocking count");
  for (const BlockingRule& b : r.blocking) {
    Check(!b.keys.empty() && b.keys.size() <= kRulesMaxKeysPerRule, "blocking key count", b.text);
    for (const BlockingKey& k : b.keys) {
      Check(r.FindField(k.field) >= 0, "blocking key names a field", k.text);
      Check(k.fn != KeyFunction::kPrefix || (k.n >= 1 && k.n <= kRulesMaxPrefixLength),
            "prefix length", k.text);
    }
  }
  Check(!r.comparisons.empty() && r.comparisons.size() <= kRulesMaxComparisons, "comparison count");
  std::set<std::string> comparison_names;
  for (const ComparisonSpec& c : r.comparisons) {
    Check(r.FindField(c.field) >= 0, "comparison names a field", c.field);
    Check(comparison_names.insert(c.name).second, "comparison names unique", c.name);
    Check(!c.levels.empty() && c.levels.size() <= kRulesMaxLevels, "level count", c.name);
    for (const LevelSpec& l : c.levels) {
      const double t = l.threshold;
      Check(std::isfinite(t) && t >= 0, "level threshold finite, non-negative", l.label);
      switch (l.predicate) {
        case Predicate::kExact:
          break;
        case Predicate::kLevenshtein:
        case Predicate::kDamerauLevenshtein:
          Check(t == std::floor(t) && t <= kRulesMaxEditDistance, "edit distance k", l.label);
          break;
        case Predicate::kJaro:
        case Predicate::kJaroWinkler:
        case Predicate::kJaccard:
        case Predicate::kQgramJaccard:
          Check(t <= 1, "similarity t", l.label);
          break;
        case Predicate::kNumericDiff:
          Check(t <= kRulesMaxNumericDiff, "numeric_diff d", l.label);
          break;
        case Predicate::kRelativeDiff:
          Check(t <= 1, "relative_diff r", l.label);
          break;
        case Predicate::kDateDiffDays:
          Check(t == std::floor(t) && t <= kRulesMaxDateDiffDays, "date_diff_days d", l.label);
          break;
        case Predicate::kSwapped:
          Check(r.FindField(l.other) >= 0 && l.other != c.field, "swapped names another field", l.label);
          break;
      }
    }
  }
  const ModelSpec& m = r.model;
  Check(!m.threshold || (*m.threshold > 0 && *m.threshold < 1), "threshold absent or in (0, 1)");
  Check(!m.prior || (*m.prior > 0 && *m.prior < 1), "prior in (0, 1)");
  Check(m.em_max_iterations >= 1 && m.em_max_iterations <= kRulesMaxEmIterations,
        "em_max_iterations");
  Check(std::isfinite(m.em_tolerance) && m.em_tolerance > 0 && m.em_tolerance < 1, "em_tolerance");
  Check(m.u_sample_pairs >= 1 && m.u_sample_pairs <= kRulesMaxUSamplePairs, "u_sample_pairs");
  Check(r.max_block_size >= 2 && r.max_block_size <= kRulesMaxBlockSize, "max_block_size");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;  // longer inputs add nothing but time
  const std::string text(reinterpret_cast<const char*>(data), size);
  reclink::Result<reclink::Rules> r = reclink::ParseRulesString(text, kName);
  if (r.ok()) {
    CheckRules(*r);
    // What loading adds (LoadRulesString): the normalize stage's check of the normalizer names.
    r = [&]() -> reclink::Result<reclink::Rules> {
      reclink::Status st = reclink::CheckFieldNormalizers(*r);
      if (!st.ok()) return st;
      return std::move(r);
    }();
  }
  if (!r.ok()) {
    Check(r.status().code() == reclink::StatusCode::kUsage, "an error is kUsage",
          r.status().ToString());
    Check(HasLocation(r.status().message()), "an error carries FILE:LINE:COLUMN",
          r.status().ToString());
    Check(r.status().message().size() < 4096, "an error message is short",
          r.status().message().substr(0, 200));
  }
  return 0;
}
