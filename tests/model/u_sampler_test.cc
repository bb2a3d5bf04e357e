// The exact first-level u: the share of allowed pairs with equal values, against a naive count
// over every pair, for dedupe (all pairs) and link (pairs across sources only).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "reclink/comparison.h"
#include "reclink/model.h"

namespace reclink {
namespace {

struct Data {
  Rules rules;
  DerivedFields fields;
  RecordTable table;
  std::vector<std::string> values;  // "" is null
};

// rows records over `sources` sources (contiguous, as readers append them); values drawn from
// `distinct` strings with a skew (value 0 is common), a tenth null.
Data Make(size_t rows, size_t sources, size_t distinct, uint32_t seed) {
  Data d;
  FieldSpec spec;
  spec.name = "v";
  d.rules.fields.push_back(spec);
  ComparisonSpec comparison;
  comparison.name = comparison.field = "v";
  LevelSpec exact;
  exact.predicate = Predicate::kExact;
  exact.label = "exact";
  comparison.levels = {exact};
  d.rules.comparisons = {comparison};
  d.fields.fields.emplace_back("v");
  std::mt19937 rng(seed);
  for (size_t s = 0; s < sources; ++s) d.table.AddSource("s" + std::to_string(s));
  for (size_t s = 0; s < sources; ++s) {
    const size_t n = rows / sources + (s < rows % sources ? 1 : 0);
    for (size_t i = 0; i < n; ++i) {
      std::string v;
      if (rng() % 10 != 0) v = "value-" + std::to_string(rng() % 4 == 0 ? 0 : rng() % distinct);
      d.values.push_back(v);
      if (v.empty()) d.fields.fields[0].AppendNull(); else d.fields.fields[0].Append(v);
    }
    d.table.AppendSourceRows(static_cast<SourceId>(s), n);
  }
  return d;
}

double NaiveShare(const Data& d, bool cross_only) {
  uint64_t allowed = 0, equal = 0;
  const size_t n = d.values.size();
  for (size_t a = 0; a < n; ++a) {
    if (d.values[a].empty()) continue;
    for (size_t b = a + 1; b < n; ++b) {
      if (d.values[b].empty()) continue;
      if (cross_only && d.table.source(static_cast<RowId>(a)) == d.table.source(static_cast<RowId>(b))) continue;
      ++allowed;
      equal += d.values[a] == d.values[b];
    }
  }
  return allowed == 0 ? -1 : static_cast<double>(equal) / static_cast<double>(allowed);
}

TEST(ExactAgreementShareTest, EqualsNaiveCountForDedupeAndLink) {
  // Sizes from one partition to several (the count splits values by hash above 2,048).
  for (size_t rows : {size_t{1}, size_t{50}, size_t{3000}, size_t{9000}}) {
    for (size_t sources : {size_t{1}, size_t{3}}) {
      for (size_t distinct : {size_t{3}, size_t{400}, size_t{100000}}) {
        Data d = Make(rows, sources, distinct, static_cast<uint32_t>(rows * 31 + sources * 7 + distinct));
        Result<Comparisons> comps = Comparisons::Build(d.rules, d.fields);
        ASSERT_TRUE(comps.ok()) << comps.status().ToString();
        for (bool cross_only : {false, true}) {
          SCOPED_TRACE("rows " + std::to_string(rows) + " sources " + std::to_string(sources) + " distinct " +
                       std::to_string(distinct) + (cross_only ? " link" : " dedupe"));
          const double want = NaiveShare(d, cross_only);
          const double got = ExactAgreementShare(*comps, 0, d.table, cross_only);
          if (want < 0) {
            EXPECT_EQ(got, -1);
          } else {
            EXPECT_DOUBLE_EQ(got, want);
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace reclink
