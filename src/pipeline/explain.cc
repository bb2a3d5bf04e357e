// A pair's waterfall of weights, computed by the same Scorer that scores every pair.
#include "reclink/explain.h"

#include "reclink/placeholders.h"

namespace reclink {

Result<PairExplanation> ExplainPair(const Rules& rules, const LoadedInput& input, const Model& model,
                                    const std::string& id1, const std::string& id2) {
  const int64_t a = FindRecord(input, id1), b = FindRecord(input, id2);
  if (a < 0 || b < 0) {
    return Status::Usage("error: --pair: record id '" + (a < 0 ? id1 : id2) + "' is not in the inputs",
                         "use SOURCE:ID to pick a source in link mode");
  }
  std::vector<DetectedPlaceholder> placeholders;  // as the runs with this model read them
  Result<DerivedFields> fields = DeriveFieldsForRun(rules, input.table, &model, &placeholders);
  if (!fields.ok()) return fields.status();
  Result<Comparisons> comps = Comparisons::Build(rules, *fields);
  if (!comps.ok()) return comps.status();
  const TermFrequencies tf = TermFrequencies::Build(*comps);
  const Scorer scorer(model, *comps, tf);
  const RowId ra = static_cast<RowId>(a), rb = static_cast<RowId>(b);
  const RecordTable& table = input.table;
  auto id = [&](RowId r) { return input.DisplayId(r); };
  auto raw = [&](size_t c, RowId r, bool* null) -> std::string {
    const FieldSpec& f = rules.fields[comps->field_index(c)];
    const int col = table.FindColumn(f.ColumnFor(table.source_names()[table.source(r)]));
    *null = col < 0 || table.column(col).IsNull(r);
    return *null ? std::string() : std::string(table.column(col).Get(r));
  };
  uint8_t gamma[kMaxComparisons];
  comps->Gamma(ra, rb, gamma);
  PairExplanation e;
  e.id_l = id(ra);
  e.id_r = id(rb);
  e.prior = model.prior;
  e.base_weight = scorer.base();
  double running = e.base_weight;
  for (size_t c = 0; c < comps->size(); ++c) {
    ComparisonExplanation x;
    x.name = comps->spec(c).name;
    bool raw_null = false;
    x.raw_l = raw(c, ra, &raw_null);
    x.raw_r = raw(c, rb, &raw_null);
    x.null_l = comps->IsNull(c, ra);
    x.null_r = comps->IsNull(c, rb);
    x.value_l = x.null_l ? std::string() : std::string(comps->Value(c, ra));
    x.value_r = x.null_r ? std::string() : std::string(comps->Value(c, rb));
    x.level = gamma[c];
    const LevelParams& lp = model.comparisons[c].levels[gamma[c]];
    x.label = lp.label;
    x.m = lp.m;
    x.u = lp.u;
    const Scorer::LevelTerms terms = scorer.Terms(c, gamma[c], ra, rb);
    x.u_used = terms.u;
    x.tf_adjusted = terms.tf_adjusted;
    x.weight = terms.weight;
    running += x.weight;
    x.running_weight = running;
    e.comparisons.push_back(std::move(x));
  }
  e.match_weight = running;
  e.match_probability = scorer.Probability(running);
  return e;
}

}  // namespace reclink
