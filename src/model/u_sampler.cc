// u estimation from uniformly random record pairs, drawn in fixed seeded chunks so the counts do
// not depend on the thread count.
#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>

#include <algorithm>
#include <atomic>
#include <numeric>
#include <optional>
#include <random>
#include <string_view>

#include "model/equal_pairs.h"
#include "model/row_parts.h"
#include "reclink/collective.h"
#include "reclink/hash.h"
#include "reclink/model.h"
#include "reclink/parallel.h"

namespace reclink {

namespace {

using model_detail::EqualPairsCounts;
using model_detail::ValueSource;

// Sums over distinct keys of k(k-1)/2, k the key's count: `by_value` keyed by the hash, and
// `by_value_and_source` keyed by (hash, source).
struct EqualPairs {
  uint64_t by_value = 0;
  uint64_t by_value_and_source = 0;
};

// The arrays of CountEqualPairs, kept from one comparison to the next (EstimateU counts them one
// after another): the next comparison writes into pages already touched instead of faulting
// fresh ones (16-24 bytes a record each time).
struct EqualPairsScratch {
  std::vector<uint64_t> hashes;
  std::vector<ValueSource> parted;
  std::vector<uint64_t> parted_hashes;
};

// EqualPairs of the non-null values of comparison c. The values are first split by the hash's
// top bits into partitions of a few thousand (a counting sort, reading the hashes twice rather
// than holding a copy), then each partition is counted in an absl::flat_hash_map that stays in
// cache (model/equal_pairs.h). Integer sums: the same whatever the threads.
EqualPairs CountEqualPairs(const Comparisons& comps, size_t c, const RecordTable& table,
                           uint64_t values, bool with_sources, EqualPairsScratch& scratch,
                           std::span<const RowId> table_row) {
  // The source of comps' row r.
  auto source = [&](RowId r) { return table.source(table_row.empty() ? r : table_row[r]); };
  int bits = 0;
  while (bits < 16 && (values >> bits) > 2048) ++bits;
  const size_t parts = size_t{1} << bits;
  auto part_of = [&](uint64_t hash) {
    return bits == 0 ? size_t{0} : static_cast<size_t>(hash >> (64 - bits));
  };
  const RowId rows = static_cast<RowId>(table.num_rows());
  // Each value's hash once, on every thread (the two passes below each hashed every value on one
  // thread: train-u 3.09 -> 2.45 s at ten million records, one run each). 8 bytes a record.
  std::vector<uint64_t>& hashes = scratch.hashes;
  hashes.resize(rows);  // every entry is written below
  ParallelFor(RowId{0}, rows,
              [&](RowId r) { hashes[r] = comps.IsNull(c, r) ? 0 : comps.ValueHash(c, r); });
  // With sources, each value's hash and source (16 bytes); without, the hash alone (8): with the
  // hashes by row above, the largest arrays of u estimation. Placed partition by partition on
  // every thread (PlaceRowsByPart; in one pass, on one thread, the placing was about half of each
  // comparison's 20 ms at a million records).
  std::vector<ValueSource>& parted = scratch.parted;
  std::vector<uint64_t>& parted_hashes = scratch.parted_hashes;
  if (with_sources) {  // every entry is written below
    parted.resize(values);
  } else {
    parted_hashes.resize(values);
  }
  auto part_of_row = [&](size_t r) {
    return comps.IsNull(c, static_cast<RowId>(r)) ? parts : part_of(hashes[r]);
  };
  const std::vector<size_t> begin =
      model_detail::PlaceRowsByPart(rows, parts, part_of_row, [&](size_t r, size_t at) {
        if (with_sources) {
          parted[at] = ValueSource{hashes[r], source(static_cast<RowId>(r))};
        } else {
          parted_hashes[at] = hashes[r];
        }
      });
  tbb::enumerable_thread_specific<EqualPairsCounts> tables;
  std::vector<EqualPairs> sums(parts);
  ParallelFor(tbb::blocked_range<size_t>(0, parts, 1), [&](const auto& range) {
    EqualPairsCounts& counts = tables.local();
    for (size_t q = range.begin(); q != range.end(); ++q) {
      const size_t size = begin[q + 1] - begin[q];
      if (with_sources) {
        const ValueSource* part = parted.data() + begin[q];
        sums[q].by_value = model_detail::SumEqualPairs(part, size, false, counts);
        sums[q].by_value_and_source = model_detail::SumEqualPairs(part, size, true, counts);
      } else {
        sums[q].by_value = model_detail::SumEqualPairs(parted_hashes.data() + begin[q], size, counts);
      }
    }
  });
  EqualPairs total;
  for (const EqualPairs& s : sums) {
    total.by_value += s.by_value;
    total.by_value_and_source += s.by_value_and_source;
  }
  return total;
}

}  // namespace

std::vector<uint64_t> RecordSampleKeys(const Rules& rules, const RecordTable& table, uint64_t seed) {
  // FNV-1a over the bytes, then mixed: a hash that is the same on every platform.
  auto hash_bytes = [](std::string_view s) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char ch : s) h = (h ^ ch) * 0x100000001b3ULL;
    return Mix64(h);
  };
  const std::vector<std::string>& names = table.source_names();
  // The source is part of a record's identity in link mode only: a dedupe run treats its inputs
  // as one population, so the same records split into other files sample alike.
  const bool by_source = rules.link_type != LinkType::kDedupe;
  std::vector<int> id_column(names.size(), -1);
  std::vector<uint64_t> source_hash(names.size(), 0);
  for (size_t s = 0; s < names.size(); ++s) {
    id_column[s] = table.FindColumn(rules.IdFor(names[s]));
    if (by_source) source_hash[s] = hash_bytes(names[s]);
  }
  const uint64_t salt = Mix64(seed ^ 0x2545F4914F6CDD1DULL);
  const RowId n = static_cast<RowId>(table.num_rows());
  std::vector<uint64_t> keys(n);
  ParallelFor(RowId{0}, n, [&](RowId r) {
    const SourceId s = table.source(r);
    const int col = id_column[s];
    // Without an id (a table built in a test), the row stands in for it.
    const uint64_t id = col >= 0 && !table.column(col).IsNull(r) ? hash_bytes(table.column(col).Get(r))
                                                                   : Mix64(uint64_t{r} + 0x9E3779B97F4A7C15ULL);
    keys[r] = Mix64(id ^ Mix64(source_hash[s] ^ salt));
  });
  return keys;
}

namespace {

double ExactShare(const Comparisons& comps, size_t c, const RecordTable& table, bool cross_only,
                  EqualPairsScratch& scratch, std::span<const RowId> table_row = {}) {
  const size_t sources = table.source_names().size();
  std::vector<uint64_t> non_null(sources, 0);
  {
    // Counted per chunk of rows on every thread, then summed: integers, the same in any order.
    constexpr size_t kChunkRows = size_t{1} << 16;
    const size_t rows = table.num_rows(), chunks = (rows + kChunkRows - 1) / kChunkRows;
    std::vector<std::vector<uint64_t>> per_chunk(chunks);
    ParallelFor(size_t{0}, chunks, [&](size_t k) {
      std::vector<uint64_t>& mine = per_chunk[k];
      mine.assign(sources, 0);
      const RowId end = static_cast<RowId>(std::min(rows, (k + 1) * kChunkRows));
      for (RowId r = static_cast<RowId>(k * kChunkRows); r < end; ++r) {
        if (!comps.IsNull(c, r)) ++mine[table.source(table_row.empty() ? r : table_row[r])];
      }
    });
    for (const std::vector<uint64_t>& mine : per_chunk)
      for (size_t s = 0; s < sources; ++s) non_null[s] += mine[s];
  }
  auto pairs_within = [](uint64_t k) { return k * (k - (k > 0)) / 2; };
  // Allowed pairs: all pairs, or (link) those across sources.
  uint64_t all = 0, within = 0;
  for (uint64_t k : non_null) {
    all += k;
    within += pairs_within(k);
  }
  const uint64_t denominator = cross_only ? pairs_within(all) - within : pairs_within(all);
  if (denominator == 0) return -1;
  const EqualPairs equal = CountEqualPairs(comps, c, table, all, cross_only, scratch, table_row);
  const uint64_t agree = cross_only ? equal.by_value - equal.by_value_and_source : equal.by_value;
  return static_cast<double>(agree) / static_cast<double>(denominator);
}

}  // namespace

double ExactAgreementShare(const Comparisons& comps, size_t c, const RecordTable& table,
                           bool cross_only) {
  EqualPairsScratch scratch;
  return ExactShare(comps, c, table, cross_only, scratch);
}

std::vector<std::string> DegenerateComparisonWarnings(const Comparisons& comps) {
  // Each comparison's checks on a thread of its own (a pass over every row each), the warnings
  // then listed in the comparisons' order.
  std::vector<std::vector<std::string>> per_comparison(comps.size());
  ParallelFor(tbb::blocked_range<size_t>(0, comps.size(), 1), [&](const tbb::blocked_range<size_t>& range) {
    for (size_t c = range.begin(); c != range.end(); ++c) {
      std::vector<std::string>& warnings = per_comparison[c];
      const ComparisonSpec& spec = comps.spec(c);
      const std::string who = "comparison '" + spec.name + "': field '" + spec.field + "' ";
      uint64_t non_null = 0;
      bool same = true;
      RowId first = 0;
      for (RowId r = 0; r < comps.num_rows(); ++r) {
        if (comps.IsNull(c, r)) continue;
        if (non_null++ == 0) {
          first = r;
        } else if (same && (comps.ValueHash(c, r) != comps.ValueHash(c, first) || comps.Value(c, r) != comps.Value(c, first))) {
          same = false;
        }
      }
      if (non_null < 2) {
        warnings.push_back(who + "has a value in " + std::to_string(non_null) + " of " +
                           std::to_string(comps.num_rows()) +
                           " records: it cannot separate matches (its pairs get the null level)");
      } else if (same) {
        std::string value(comps.Value(c, first).substr(0, 40));
        warnings.push_back(who + "is the same in every record (\"" + value +
                           (comps.Value(c, first).size() > 40 ? "...\"" : "\"") +
                           " in all " + std::to_string(non_null) + " non-null values): it cannot separate matches");
      }
      if (comps.values_over_cap(c) > 0) {
        warnings.push_back(who + "has " + std::to_string(comps.values_over_cap(c)) +
                           " values longer than " + std::to_string(kMaxCompareCodePoints) +
                           " code points; its Levenshtein, Damerau-Levenshtein, Jaro and Jaro-Winkler levels "
                           "compare only their first " + std::to_string(kMaxCompareCodePoints));
      }
      if (comps.unparseable_values(c) > 0) {
        bool date = false;
        for (const LevelSpec& level : spec.levels) date |= level.predicate == Predicate::kDateDiffDays;
        warnings.push_back(who + "has " + std::to_string(comps.unparseable_values(c)) + " non-null values that are not " +
                           (date ? "YYYY-MM-DD dates" : "finite numbers") + "; a pair with one never meets a " +
                           (date ? "date_diff_days" : "numeric_diff") + " level (it falls to a later level or 'else')");
      }
    }
  });
  std::vector<std::string> warnings;
  for (std::vector<std::string>& w : per_comparison)
    for (std::string& one : w) warnings.push_back(std::move(one));
  return warnings;
}

void EstimateU(const Rules& rules, const Comparisons& full, const DerivedFields& fields,
               const RecordTable& table, uint64_t samples, uint64_t seed, Model* model,
               Collective* group, ComparisonRows comps_rows) {
  const size_t nc = full.size();
  // This rank's share of the draws: chunk (or row a) modulo the ranks.
  const uint64_t ranks = group ? static_cast<uint64_t>(group->size()) : 1;
  const uint64_t rank = group ? static_cast<uint64_t>(group->rank()) : 0;
  for (std::string& w : DegenerateComparisonWarnings(full)) model->warnings.push_back(std::move(w));
  const uint64_t n = table.num_rows();
  // The exact first levels' shares (value counts over every record) do not depend on the random
  // pairs: they are counted beside them, one comparison at a time, each on every thread. Their
  // passes synchronize often and the subset's selection below runs on one thread, so each fills
  // the other's idle core (at a million records train-u 0.31 -> 0.28 s). Integer counts: the
  // same shares whatever runs beside them.
  std::vector<double> exact_share(nc, -1.0);
  Beside exact_shares([&] {
    EqualPairsScratch scratch;
    for (size_t c = 0; c < nc; ++c) {
      if (!full.spec(c).levels.empty() && full.spec(c).levels[0].predicate == Predicate::kExact) {
        exact_share[c] = ExactShare(full, c, table, rules.link_type == LinkType::kLink, scratch,
                                    comps_rows.table_row);
      }
    }
  });
  model->u_sample_pairs = 0;
  const bool cross_only = rules.link_type == LinkType::kLink;

  // Pairs are drawn among a seeded uniform subset of at most kSubsetRows records: pairs of a
  // uniform subset are uniform pairs, and the subset's values stay in cache, where rows drawn
  // from millions would each cost a memory miss per field. The subset and the order in which its
  // records are drawn come from the records' sample keys (their ids, not their rows), so that the
  // same records in another row order or split across other files give the same sample.
  constexpr uint64_t kSubsetRows = 20000;
  std::vector<uint64_t> keys = RecordSampleKeys(rules, table, seed);
  std::vector<RowId> rows(n);
  for (RowId r = 0; r < n; ++r) rows[r] = r;
  const std::vector<std::string>& names = table.source_names();
  auto before = [&](RowId a, RowId b) {
    if (keys[a] != keys[b]) return keys[a] < keys[b];
    // Only an id repeated across sources (dedupe mode) ties: the source names decide.
    const std::string& sa = names[table.source(a)];
    const std::string& sb = names[table.source(b)];
    return sa != sb ? sa < sb : a < b;
  };
  if (n > kSubsetRows) {
    std::nth_element(rows.begin(), rows.begin() + kSubsetRows, rows.end(), before);
    rows.resize(kSubsetRows);
    rows.shrink_to_fit();  // 4 bytes a record, held through the peak of u estimation otherwise
  }
  std::sort(rows.begin(), rows.end(), before);
  model->sample_keys = std::move(keys);
  DerivedFields subset_fields;
  std::optional<Comparisons> subset;
  const Comparisons* comps_ptr = &full;
  std::vector<SourceId> sources;
  // The subset's values are read in ascending row order, then appended in sample order. Under a
  // memory limit the columns and slots are file pages, and a page read for one value brings its
  // neighbours (the kernel's read-around): in row order those serve the next values, where in
  // sample order each value cost a read of its own (train-u inside a 1 GiB container at ten
  // million records: docs/performance.md, "Scoring in partitions").
  std::vector<uint32_t> by_row(rows.size());
  std::iota(by_row.begin(), by_row.end(), 0u);
  std::sort(by_row.begin(), by_row.end(), [&](uint32_t x, uint32_t y) { return rows[x] < rows[y]; });
  std::vector<std::string> values(rows.size());
  std::vector<uint8_t> nulls(rows.size());
  for (size_t f = 0; f < fields.fields.size(); ++f) {
    const Column& col = fields.fields[f];
    Column sub(col.name());
    if (col.size() == n) {
      for (uint32_t i : by_row) {
        nulls[i] = col.IsNull(rows[i]);
        if (!nulls[i]) values[i].assign(col.Get(rows[i]));
      }
    } else {
      // Released by the caller (not in Comparisons::FieldsRead): the values are the
      // comparisons' own; a field no comparison reads stays null, as the subset never reads it.
      int from = -1;
      for (size_t c = 0; c < nc && from < 0; ++c) {
        if (full.field_index(c) == static_cast<int>(f)) from = static_cast<int>(c);
      }
      for (uint32_t i : by_row) {
        const RowId r = comps_rows.row.empty() ? rows[i] : comps_rows.row[rows[i]];
        nulls[i] = from < 0 || full.IsNull(from, r);
        if (!nulls[i]) values[i].assign(full.Value(from, r));
      }
    }
    for (size_t i = 0; i < rows.size(); ++i) {
      if (nulls[i]) sub.AppendNull();
      else sub.Append(values[i]);
    }
    subset_fields.fields.push_back(std::move(sub));
  }
  // row_of[i]: the row, in the comparisons used, of the i-th record in sample order.
  std::vector<RowId> row_of(rows.size());
  Result<Comparisons> built = Comparisons::Build(rules, subset_fields);
  if (built.ok()) {
    subset.emplace(std::move(built.value()));
    comps_ptr = &*subset;
    for (size_t i = 0; i < rows.size(); ++i) row_of[i] = static_cast<RowId>(i);
  } else {
    for (size_t i = 0; i < rows.size(); ++i)
      row_of[i] = comps_rows.row.empty() ? rows[i] : comps_rows.row[rows[i]];
  }
  for (RowId r : rows) sources.push_back(table.source(r));
  const Comparisons& comps = *comps_ptr;
  const uint64_t m = sources.size();
  bool two_sources = false;
  for (uint64_t r = 1; r < m && !two_sources; ++r) two_sources = sources[r] != sources[0];
  if (m < 2 || (cross_only && !two_sources)) samples = 0;
  // When the records have no more pairs than the sample would draw, every allowed pair is
  // counted once instead: exact shares, and no pair compared thousands of times over (20
  // records have 190 pairs, and 2 M draws of them cost seconds when the values are long).
  const bool every_pair = samples > 0 && m * (m - 1) / 2 <= samples;
  constexpr uint64_t kChunk = 1 << 16;
  const uint64_t chunks = every_pair ? 0 : (samples + kChunk - 1) / kChunk;
  using Counts = std::vector<std::vector<uint64_t>>;
  auto make = [&] {
    Counts c(nc);
    for (size_t i = 0; i < nc; ++i) c[i].assign(comps.num_levels(i), 0);
    return c;
  };
  tbb::enumerable_thread_specific<Counts> locals(make);
  ParallelFor(uint64_t{0}, chunks, [&](uint64_t chunk) {
    if (chunk % ranks != rank) return;  // another rank's share; its seeded draws are its own
    std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ULL + chunk);
    Counts& counts = locals.local();
    const uint64_t count = std::min(kChunk, samples - chunk * kChunk);
    std::uniform_int_distribution<uint64_t> any(0, m - 1);
    // Anchors with kPartners random partners each: every pair is still uniformly random, and
    // the anchor's per-record preparation is shared by its partners.
    constexpr uint64_t kPartners = 32;
    std::vector<RowId> partners;
    std::vector<uint8_t> gammas;
    ComparisonScratch scratch;  // per chunk: a chunk is 65536 pairs, the scratch's warm-up is not
    for (uint64_t done = 0; done < count;) {
      const uint64_t a = any(rng);
      const uint64_t want = std::min(kPartners, count - done);
      partners.clear();
      while (partners.size() < want) {
        const uint64_t b = any(rng);
        if (b == a) continue;
        if (cross_only && sources[a] == sources[b]) continue;
        partners.push_back(row_of[b]);
      }
      gammas.resize(partners.size() * nc);
      comps.GammaOneToMany(row_of[a], partners, gammas.data(), scratch);
      for (size_t i = 0; i < partners.size(); ++i)
        for (size_t c = 0; c < nc; ++c) ++counts[c][gammas[i * nc + c]];
      done += want;
    }
  });
  std::atomic<uint64_t> enumerated{0};
  if (every_pair) {
    // One task per row a, too small to warm a scratch of its own: one per thread instead.
    struct RowScratch {
      std::vector<RowId> partners;
      std::vector<uint8_t> gammas;
      ComparisonScratch comparisons;
    };
    tbb::enumerable_thread_specific<RowScratch> row_scratch;
    ParallelFor(uint64_t{0}, m, [&](uint64_t a) {
      if (a % ranks != rank) return;
      Counts& counts = locals.local();
      RowScratch& rs = row_scratch.local();
      std::vector<RowId>& partners = rs.partners;
      std::vector<uint8_t>& gammas = rs.gammas;
      partners.clear();
      for (uint64_t b = a + 1; b < m; ++b) {
        if (!cross_only || sources[a] != sources[b]) partners.push_back(row_of[b]);
      }
      gammas.resize(partners.size() * nc);
      comps.GammaOneToMany(row_of[a], partners, gammas.data(), rs.comparisons);
      for (size_t i = 0; i < partners.size(); ++i)
        for (size_t c = 0; c < nc; ++c) ++counts[c][gammas[i * nc + c]];
      enumerated.fetch_add(partners.size(), std::memory_order_relaxed);
    });
  }
  Counts total = make();
  for (const Counts& l : locals)
    for (size_t c = 0; c < nc; ++c)
      for (size_t k = 0; k < l[c].size(); ++k) total[c][k] += l[c][k];
  if (ranks > 1) {
    // Integer sums over the ranks: the same counts, in any order, as one process's.
    std::vector<uint64_t> flat{enumerated.load()};
    for (const std::vector<uint64_t>& levels : total) flat.insert(flat.end(), levels.begin(), levels.end());
    group->AllReduceSum(flat);
    enumerated.store(flat[0]);
    size_t at = 1;
    for (std::vector<uint64_t>& levels : total)
      for (uint64_t& count : levels) count = flat[at++];
  }
  if (every_pair) samples = enumerated.load();
  model->u_sample_pairs = samples;
  exact_shares.Wait();
  const std::string pairs_word = every_pair ? "pairs (every allowed pair)" : "random pairs";
  for (size_t c = 0; c < nc; ++c) {
    // An exact first level gets its u computed exactly from value counts instead: the share of
    // allowed pairs of non-null values that agree. The sampled levels below it are rescaled.
    const double exact_u = exact_share[c];
    if (exact_u >= 0) {
      uint64_t rest = 0, sampled = 0;
      for (size_t k = 2; k < total[c].size(); ++k) rest += total[c][k];
      for (size_t k = 1; k < total[c].size(); ++k) sampled += total[c][k];
      LevelParams& first = model->comparisons[c].levels[1];
      first.u = std::max(exact_u, kMinProbability);
      first.u_source = "exact: share of all allowed pairs with both values non-null that agree";
      // Half a pair of the sample, as for a level never seen below: with every value equal
      // (exact share 1) the rescaled share would be 0 and the level's weight infinite.
      const double never_seen = 0.5 / static_cast<double>(std::max<uint64_t>(sampled, 1));
      for (size_t k = 2; k < total[c].size(); ++k) {
        LevelParams& lp = model->comparisons[c].levels[k];
        if (total[c][k] == 0) {
          lp.u = std::max(0.5 / static_cast<double>(std::max<uint64_t>(rest, 1)) * (1 - exact_u), never_seen);
          lp.u_source = "not seen in " + std::to_string(rest) + " " + pairs_word + " not agreeing (" +
                        std::to_string(sampled) + " with both values non-null); floored at half a pair";
        } else {
          lp.u = (1 - exact_u) * static_cast<double>(total[c][k]) / static_cast<double>(rest);
          lp.u_source = std::to_string(total[c][k]) + " of " + std::to_string(rest) +
                        " " + pairs_word + " with both values non-null and not equal, times the exact share of unequal pairs";
        }
      }
      continue;
    }
    ComparisonParams& cp = model->comparisons[c];
    uint64_t non_null = 0;
    for (size_t k = 1; k < total[c].size(); ++k) non_null += total[c][k];
    for (size_t k = 1; k < total[c].size(); ++k) {
      LevelParams& lp = cp.levels[k];
      if (non_null == 0) {
        lp.u = 0.5;
        lp.u_source = "no random pair had both values non-null; u set to 0.5";
        continue;
      }
      if (total[c][k] == 0) {
        // Never seen: assume half a pair, which keeps the weight finite and conservative.
        lp.u = 0.5 / static_cast<double>(non_null);
        lp.u_source = "not seen in " + std::to_string(non_null) + " " + pairs_word +
                      " with both values non-null; floored at 0.5/" + std::to_string(non_null);
      } else {
        lp.u = static_cast<double>(total[c][k]) / static_cast<double>(non_null);
        lp.u_source = std::to_string(total[c][k]) + " of " + std::to_string(non_null) + " " + pairs_word +
                      " with both values non-null";
      }
    }
  }
}

}  // namespace reclink
