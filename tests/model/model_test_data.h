// Small training runs for the model tests: rows of (name, city, age, dob) values, blocked on
// city, compared on name (exact, jaro_winkler >= 0.9, levenshtein <= 2), age (numeric_diff <= 1,
// <= 5) and dob (exact, date_diff_days <= 30), trained as the pipeline does (EstimateU, pattern
// counts of every candidate pair, EstimateMAndPrior).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "reclink/comparison.h"
#include "reclink/model.h"

namespace reclink::testing {

struct Row {
  std::optional<std::string> name, city, age, dob;  // nullopt: null
};

struct Trained {
  Rules rules;
  std::unique_ptr<DerivedFields> fields;  // behind a pointer: comps points into it
  std::unique_ptr<RecordTable> table;
  std::optional<Comparisons> comps;
  Model model;
  Status status;  // of EstimateMAndPrior
};

inline LevelSpec MakeLevel(Predicate p, double threshold, const std::string& label) {
  LevelSpec l;
  l.predicate = p;
  l.threshold = threshold;
  l.label = label;
  return l;
}

inline Rules MakeRules() {
  Rules rules;
  rules.path = "rules.toml";
  for (const char* name : {"name", "city", "age", "dob"}) {
    FieldSpec spec;
    spec.name = spec.column = name;
    rules.fields.push_back(spec);
  }
  BlockingRule rule;
  BlockingKey key;
  key.field = key.text = "city";
  rule.keys = {key};
  rule.text = "city";
  rules.blocking = {rule};
  ComparisonSpec name, age, dob;
  name.name = name.field = "name";
  name.levels = {MakeLevel(Predicate::kExact, 0, "exact"), MakeLevel(Predicate::kJaroWinkler, 0.9, "jaro_winkler >= 0.9"),
                 MakeLevel(Predicate::kLevenshtein, 2, "levenshtein <= 2")};
  age.name = age.field = "age";
  age.levels = {MakeLevel(Predicate::kNumericDiff, 1, "numeric_diff <= 1"), MakeLevel(Predicate::kNumericDiff, 5, "numeric_diff <= 5")};
  dob.name = dob.field = "dob";
  dob.levels = {MakeLevel(Predicate::kExact, 0, "exact"), MakeLevel(Predicate::kDateDiffDays, 30, "date_diff_days <= 30")};
  rules.comparisons = {name, age, dob};
  rules.model.u_sample_pairs = 20000;
  return rules;
}

inline Trained Train(const std::vector<Row>& rows) {
  Trained t;
  t.rules = MakeRules();
  t.fields = std::make_unique<DerivedFields>();
  t.table = std::make_unique<RecordTable>();
  for (const char* name : {"name", "city", "age", "dob"}) t.fields->fields.emplace_back(name);
  for (const Row& row : rows) {
    const std::optional<std::string>* values[] = {&row.name, &row.city, &row.age, &row.dob};
    for (int f = 0; f < 4; ++f) {
      if (*values[f]) t.fields->fields[f].Append(**values[f]);
      else t.fields->fields[f].AppendNull();
    }
  }
  const SourceId source = t.table->AddSource("x");
  t.table->AppendSourceRows(source, rows.size());
  Result<Comparisons> built = Comparisons::Build(t.rules, *t.fields);
  if (!built.ok()) {
    t.status = built.status();
    return t;
  }
  t.comps.emplace(std::move(built.value()));
  const Comparisons& comps = *t.comps;
  t.model = ModelSkeleton(t.rules, comps);
  EstimateU(t.rules, comps, *t.fields, *t.table, t.rules.model.u_sample_pairs, t.rules.model.seed, &t.model);
  TrainingCounts counts;
  counts.covered.resize(1);
  counts.first.resize(1);
  counts.first_tf.resize(1);  // the model's own threshold too (no TF delta: none of these comparisons has TF)
  const RowId n = static_cast<RowId>(rows.size());
  counts.total_pairs = uint64_t{n} * (n - (n > 0)) / 2;
  std::vector<uint8_t> gamma(comps.size());
  for (RowId a = 0; a < n; ++a) {
    for (RowId b = a + 1; b < n; ++b) {
      if (!rows[a].city || !rows[b].city || *rows[a].city != *rows[b].city) continue;
      comps.Gamma(a, b, gamma.data());
      const uint64_t id = comps.PatternId(gamma.data());
      ++counts.covered[0][id];
      ++counts.first[0][id];
      ++counts.first_tf[0][{id, 0}];
    }
  }
  t.status = EstimateMAndPrior(t.rules, comps, counts, &t.model);
  return t;
}

}  // namespace reclink::testing
