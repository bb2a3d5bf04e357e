// The exact first-level u: the share of allowed pairs with equal values, against a naive count
// over every pair, for dedupe (all pairs) and link (pairs across sources only).
#include <gtest/gtest.h>

#include <algorithm>
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

// u is a function of the set of records: the same records in another row order (and split over
// sources otherwise, in dedupe mode) give the same u, bit for bit, from the same sample.
TEST(EstimateUTest, SameRecordsInAnotherRowOrderGiveTheSameU) {
  for (LinkType link_type : {LinkType::kDedupe, LinkType::kLink}) {
    // Above the 20,000-record subset, so the subset's choice counts too.
    const size_t rows = 26000;
    Data d = Make(rows, 2, 3000, 5);
    d.rules.link_type = link_type;
    d.rules.id = "id";
    LevelSpec fuzzy;
    fuzzy.predicate = Predicate::kJaroWinkler;
    fuzzy.threshold = 0.9;
    fuzzy.label = "jaro_winkler >= 0.9";
    d.rules.comparisons[0].levels.push_back(fuzzy);
    Column ids("id");  // AddColumn on a filled table pads the new column with nulls
    for (size_t r = 0; r < rows; ++r) ids.Append("id" + std::to_string(r));
    d.table.mutable_column(d.table.AddColumn("id")) = std::move(ids);
    // The same records reversed: sources in the other order, each source's rows reversed (in
    // link mode a record keeps its source's name).
    Data e;
    e.rules = d.rules;
    e.fields.fields.emplace_back("v");
    e.table.AddSource("s1");
    e.table.AddSource("s0");
    const size_t e_id = e.table.AddColumn("id");
    for (int s = 1; s >= 0; --s) {
      size_t n = 0;
      for (size_t r = rows; r-- > 0;) {
        if (d.table.source(static_cast<RowId>(r)) != static_cast<SourceId>(s)) continue;
        ++n;
        if (d.values[r].empty()) e.fields.fields[0].AppendNull();
        else e.fields.fields[0].Append(d.values[r]);
        e.table.mutable_column(e_id).Append("id" + std::to_string(r));
      }
      e.table.AppendSourceRows(static_cast<SourceId>(1 - s), n);
    }
    Result<Comparisons> cd = Comparisons::Build(d.rules, d.fields);
    Result<Comparisons> ce = Comparisons::Build(e.rules, e.fields);
    ASSERT_TRUE(cd.ok() && ce.ok());
    Model md = ModelSkeleton(d.rules, *cd);
    Model me = ModelSkeleton(e.rules, *ce);
    EstimateU(d.rules, *cd, d.fields, d.table, 300000, 17, &md);
    EstimateU(e.rules, *ce, e.fields, e.table, 300000, 17, &me);
    EXPECT_EQ(md.u_sample_pairs, me.u_sample_pairs);
    ASSERT_EQ(md.comparisons[0].levels.size(), me.comparisons[0].levels.size());
    for (size_t l = 0; l < md.comparisons[0].levels.size(); ++l) {
      EXPECT_EQ(md.comparisons[0].levels[l].u, me.comparisons[0].levels[l].u) << "level " << l;
      EXPECT_EQ(md.comparisons[0].levels[l].u_source, me.comparisons[0].levels[l].u_source) << "level " << l;
    }
    // The keys follow the records: sorted, they are the same.
    std::vector<uint64_t> kd = md.sample_keys, ke = me.sample_keys;
    ASSERT_EQ(kd.size(), rows);
    std::sort(kd.begin(), kd.end());
    std::sort(ke.begin(), ke.end());
    EXPECT_EQ(kd, ke);
    // And another seed samples otherwise.
    Model other = ModelSkeleton(d.rules, *cd);
    EstimateU(d.rules, *cd, d.fields, d.table, 300000, 18, &other);
    EXPECT_NE(other.comparisons[0].levels[2].u, md.comparisons[0].levels[2].u);
  }
}

// RunLinkage releases the fields the comparisons do not read (Comparisons::FieldsRead) before
// u estimation: a field of short values with a few long ones has them copied out of it, a field
// mostly of long values is read in place, a field no comparison names is not read. Levels,
// values and u are then those of the fields kept whole.
TEST(EstimateUTest, ReleasedFieldsGiveTheSameLevelsAndU) {
  const size_t rows = 24000;  // above the 20,000-record subset
  Data d = Make(rows, 1, 3000, 11);
  d.rules.id = "id";
  LevelSpec fuzzy;
  fuzzy.predicate = Predicate::kJaroWinkler;
  fuzzy.threshold = 0.9;
  fuzzy.label = "jaro_winkler >= 0.9";
  d.rules.comparisons[0].levels.push_back(fuzzy);
  // "v": short values and every seventh one long; "long": every value long; "unused": named by
  // no comparison.
  for (const char* name : {"long", "unused"}) {
    FieldSpec spec;
    spec.name = name;
    d.rules.fields.push_back(spec);
  }
  ComparisonSpec on_long = d.rules.comparisons[0];
  on_long.name = on_long.field = "long";
  d.rules.comparisons.push_back(on_long);
  Column v("v"), long_values("long"), unused("unused"), ids("id");
  for (size_t r = 0; r < rows; ++r) {
    std::string value = d.values[r];
    if (!value.empty() && r % 7 == 0) value += "-and-a-long-tail-" + std::to_string(r % 50);
    if (value.empty()) v.AppendNull(); else v.Append(value);
    if (value.empty()) long_values.AppendNull(); else long_values.Append("someone." + value + "@example.org");
    unused.Append("u" + std::to_string(r));
    ids.Append("id" + std::to_string(r));
  }
  d.fields.fields.clear();
  d.fields.fields.push_back(std::move(v));
  d.fields.fields.push_back(std::move(long_values));
  d.fields.fields.push_back(std::move(unused));
  d.table.mutable_column(d.table.AddColumn("id")) = std::move(ids);

  DerivedFields whole = d.fields;
  Result<Comparisons> kept = Comparisons::Build(d.rules, whole);
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  DerivedFields released = d.fields;
  released.fields[2].ReleaseValues();  // named by no comparison: before Build, as RunLinkage does
  Result<Comparisons> built = Comparisons::Build(d.rules, released);
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  EXPECT_EQ(built->num_rows(), rows);
  EXPECT_EQ(built->FieldsRead(), (std::vector<bool>{false, true, false}));
  for (size_t f = 0; f < released.fields.size(); ++f) {
    if (!built->FieldsRead()[f]) released.fields[f].ReleaseValues();
  }
  for (size_t c = 0; c < 2; ++c) {
    for (RowId a = 0; a < 700; ++a) {
      ASSERT_EQ(built->IsNull(c, a), kept->IsNull(c, a));
      ASSERT_EQ(built->Value(c, a), kept->Value(c, a)) << "comparison " << c << " row " << a;
      ASSERT_EQ(built->ValueHash(c, a), kept->ValueHash(c, a));
      for (RowId b = a + 1; b < 700; b += 3) {
        ASSERT_EQ(built->Level(c, a, b), kept->Level(c, a, b)) << "comparison " << c << " rows " << a << ", " << b;
        ASSERT_EQ(built->ValuesEqual(c, a, b), kept->ValuesEqual(c, a, b));
      }
    }
  }
  Model mk = ModelSkeleton(d.rules, *kept);
  Model mr = ModelSkeleton(d.rules, *built);
  EstimateU(d.rules, *kept, whole, d.table, 300000, 17, &mk);
  EstimateU(d.rules, *built, released, d.table, 300000, 17, &mr);
  EXPECT_EQ(mk.u_sample_pairs, mr.u_sample_pairs);
  for (size_t c = 0; c < 2; ++c) {
    ASSERT_EQ(mk.comparisons[c].levels.size(), mr.comparisons[c].levels.size());
    for (size_t l = 0; l < mk.comparisons[c].levels.size(); ++l) {
      EXPECT_EQ(mk.comparisons[c].levels[l].u, mr.comparisons[c].levels[l].u) << "comparison " << c << " level " << l;
    }
  }
}

// RunLinkage builds the comparisons in the pairs' locality order and tells EstimateU the rows'
// names (ComparisonRows): u, its sources and the sample keys are those of the table's order, in
// dedupe and in link mode (where the exact shares count by source), with the fields the
// comparisons hold released (the subset's values then come from the comparisons).
TEST(EstimateUTest, ComparisonsInAnotherRowOrderGiveTheSameU) {
  for (const bool link : {false, true}) {
    const size_t rows = 23000;  // above the 20,000-record subset
    Data d = Make(rows, 2, 2500, 5);
    d.rules.link_type = link ? LinkType::kLink : LinkType::kDedupe;
    d.rules.id = "id";
    LevelSpec fuzzy;
    fuzzy.predicate = Predicate::kJaroWinkler;
    fuzzy.threshold = 0.9;
    fuzzy.label = "jaro_winkler >= 0.9";
    d.rules.comparisons[0].levels.push_back(fuzzy);
    Column ids("id");
    for (size_t r = 0; r < rows; ++r) ids.Append("id" + std::to_string(r));
    d.table.mutable_column(d.table.AddColumn("id")) = std::move(ids);
    // And a field of long values only (e-mails), which the comparisons read in place.
    FieldSpec long_spec;
    long_spec.name = "long";
    d.rules.fields.push_back(long_spec);
    ComparisonSpec on_long = d.rules.comparisons[0];
    on_long.name = on_long.field = "long";
    d.rules.comparisons.push_back(on_long);
    Column long_values("long");
    for (size_t r = 0; r < rows; ++r) {
      if (d.values[r].empty()) {
        long_values.AppendNull();
      } else {
        long_values.Append("someone." + d.values[r] + "@example.org");
      }
    }
    d.fields.fields.push_back(std::move(long_values));
    // A permutation of the rows: row[t] is table row t's row in the renamed comparisons.
    std::vector<RowId> table_row(rows), row(rows);
    for (size_t i = 0; i < rows; ++i) table_row[i] = static_cast<RowId>(i);
    std::shuffle(table_row.begin(), table_row.end(), std::mt19937(9));
    for (size_t i = 0; i < rows; ++i) row[table_row[i]] = static_cast<RowId>(i);

    Result<Comparisons> plain = Comparisons::Build(d.rules, d.fields);
    DerivedFields released = d.fields;
    Result<Comparisons> renamed = Comparisons::Build(d.rules, released, 0, nullptr, row);
    ASSERT_TRUE(plain.ok() && renamed.ok());
    for (size_t f = 0; f < released.fields.size(); ++f) {
      if (!renamed->FieldsRead()[f]) released.fields[f].ReleaseValues();
    }
    ASSERT_EQ(released.fields[0].size(), 0u)
        << "the field should be released: its values are in the slots";
    ASSERT_EQ(released.fields[1].size(), rows) << "the e-mails should be read in place";
    Model mp = ModelSkeleton(d.rules, *plain);
    Model mr = ModelSkeleton(d.rules, *renamed);
    EstimateU(d.rules, *plain, d.fields, d.table, 300000, 17, &mp);
    EstimateU(d.rules, *renamed, released, d.table, 300000, 17, &mr, nullptr,
              ComparisonRows{row, table_row});
    EXPECT_EQ(mp.u_sample_pairs, mr.u_sample_pairs);
    for (size_t c = 0; c < 2; ++c) {
      for (size_t l = 0; l < mp.comparisons[c].levels.size(); ++l) {
        EXPECT_EQ(mp.comparisons[c].levels[l].u, mr.comparisons[c].levels[l].u)
            << "link " << link << " comparison " << c << " level " << l;
        EXPECT_EQ(mp.comparisons[c].levels[l].u_source, mr.comparisons[c].levels[l].u_source);
      }
    }
    EXPECT_EQ(mp.sample_keys, mr.sample_keys);  // by table row either way
    EXPECT_EQ(mp.warnings, mr.warnings);
  }
}

}  // namespace
}  // namespace reclink
