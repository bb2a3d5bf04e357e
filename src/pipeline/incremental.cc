// RunIncremental: the state's records plus this run's, blocked together; only pairs that involve
// this run's records are scored (see reclink/incremental.h).
#include "reclink/incremental.h"

#include <tbb/enumerable_thread_specific.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <tuple>

#include "reclink/parallel.h"

namespace reclink {
namespace {

constexpr uint32_t kRemoved = ~uint32_t{0};

bool EdgeLess(const Edge& x, const Edge& y) { return std::tie(x.a, x.b) < std::tie(y.a, y.b); }

}  // namespace

Result<IncrementalResult> RunIncremental(const Rules& rules, const RunState& state, const LoadedInput& delta,
                                         const std::vector<std::string>& deletions, double threshold) {
  IncrementalResult out;
  const RecordsState& saved = state.records;
  const std::vector<std::string>& old_keys = state.identities.keys;
  out.counts.records_before = old_keys.size();
  auto find_old = [&](const std::string& key) -> int64_t {
    auto it = std::lower_bound(old_keys.begin(), old_keys.end(), key);
    return it != old_keys.end() && *it == key ? it - old_keys.begin() : -1;
  };

  // Which of the state's records stay: not deleted, not replaced by this run's.
  std::vector<bool> removed(old_keys.size(), false);
  for (const std::string& key : deletions) {
    const int64_t i = find_old(key);
    if (i < 0 || removed[i]) {
      ++out.counts.unknown_deletions;
      continue;
    }
    removed[i] = true;
    ++out.counts.deleted;
  }
  const std::vector<std::string> delta_keys = RecordKeys(delta, rules);
  {
    std::vector<std::string_view> sorted(delta_keys.begin(), delta_keys.end());
    std::sort(sorted.begin(), sorted.end());
    for (size_t i = 1; i < sorted.size(); ++i) {
      if (sorted[i] == sorted[i - 1]) {
        return Status::InvalidInput("error: record id '" + std::string(sorted[i]) + "' appears twice in this run's inputs",
                                    "an incremental run takes each new or changed record once");
      }
    }
  }
  for (const std::string& key : delta_keys) {
    const int64_t i = find_old(key);
    if (i < 0) {
      ++out.counts.inserted;
    } else {
      if (!removed[i]) ++out.counts.updated;
      else ++out.counts.inserted;  // deleted and given again: a new record
      removed[i] = true;
    }
  }

  // The combined records: the state's kept ones (key order), then this run's.
  Result<DerivedFields> delta_fields = DeriveFields(rules, delta.table);
  if (!delta_fields.ok()) return delta_fields.status();
  std::vector<uint32_t> row_of_old(old_keys.size(), kRemoved);
  uint32_t rows = 0;
  for (size_t i = 0; i < old_keys.size(); ++i) {
    if (removed[i]) continue;
    row_of_old[i] = rows++;
    out.keys.push_back(old_keys[i]);
  }
  const RowId first_new = rows;
  out.keys.insert(out.keys.end(), delta_keys.begin(), delta_keys.end());
  const size_t n = out.keys.size();
  out.fields.unparseable_dates = delta_fields->unparseable_dates;
  out.fields.unparseable_numbers = delta_fields->unparseable_numbers;
  out.fields.unparseable = delta_fields->unparseable;
  out.fields.placeholder_nulls = delta_fields->placeholder_nulls;
  for (size_t f = 0; f < rules.fields.size(); ++f) {
    const Column& old_col = saved.fields[f];
    const Column& new_col = delta_fields->fields[f];
    Column col(rules.fields[f].name);
    col.Reserve(n, old_col.arena_bytes() + new_col.arena_bytes());
    for (size_t i = 0; i < old_keys.size(); ++i) {
      if (removed[i]) continue;
      if (old_col.IsNull(static_cast<RowId>(i))) col.AppendNull();
      else col.Append(old_col.Get(static_cast<RowId>(i)));
    }
    col.AppendColumn(new_col);
    out.fields.fields.push_back(std::move(col));
  }

  // Block everything; score what involves this run's records (or everything, when a block that
  // was skipped as oversized is not any more: its pairs were never scored).
  RecordTable table;
  table.AppendSourceRows(table.AddSource("records"), n);
  BlockingIndex index = BlockingIndex::Build(rules, out.fields, table);
  std::vector<std::pair<uint32_t, std::string>> oversized_now;
  for (const OversizedBlock& ob : index.oversized()) oversized_now.emplace_back(ob.rule, ob.key);
  std::sort(oversized_now.begin(), oversized_now.end());
  for (const auto& block : saved.oversized) {
    if (!std::binary_search(oversized_now.begin(), oversized_now.end(), block)) out.counts.full_rescore = true;
  }
  Result<Comparisons> built = Comparisons::Build(rules, out.fields);
  if (!built.ok()) return built.status();
  const Comparisons& comps = *built;
  const TermFrequencies tf = TermFrequencies::FromTables(comps, saved.tf_tables);
  const Scorer scorer(state.model, comps, tf);
  tbb::enumerable_thread_specific<std::vector<Edge>> found;
  std::atomic<uint64_t> scored{0};
  const bool all = out.counts.full_rescore;
  const double weight_threshold = std::log2(threshold / (1 - threshold));  // as the full run computes it
  index.StreamPairs([&](int, std::span<const CandidatePair> pairs) {
    std::vector<Edge>& local = found.local();
    uint8_t gamma[kMaxComparisons];
    uint64_t here = 0;
    for (const CandidatePair& p : pairs) {
      if (!all && p.a < first_new && p.b < first_new) continue;
      ++here;
      comps.Gamma(p.a, p.b, gamma);
      const double w = scorer.Weight(p.a, p.b, gamma);
      if (w >= weight_threshold) local.push_back({std::min(p.a, p.b), std::max(p.a, p.b), w});
    }
    scored.fetch_add(here, std::memory_order_relaxed);
  });
  out.counts.pairs_scored = scored.load();

  // The links: those found now, and the state's links between kept records that are still
  // candidates (unless everything was rescored).
  std::vector<Edge> edges;
  for (const std::vector<Edge>& local : found) edges.insert(edges.end(), local.begin(), local.end());
  if (!all) {
    for (const Edge& e : saved.edges) {
      const uint32_t a = row_of_old[e.a], b = row_of_old[e.b];
      if (a == kRemoved || b == kRemoved) continue;
      bool covered = false;
      for (size_t r = 0; r < index.num_rules() && !covered; ++r) covered = index.RuleCovers(r, a, b);
      if (covered) {
        edges.push_back({a, b, e.weight});
        ++out.counts.links_kept;
      } else {
        ++out.counts.links_dropped;
      }
    }
  }
  ParallelSort(edges.begin(), edges.end(), EdgeLess);

  RunResult& run = out.run;
  run.model = state.model;
  run.threshold = threshold;
  run.rules = index.stats();
  run.oversized = index.oversized();
  run.candidate_pairs = 0;
  for (const RuleStats& rs : run.rules) run.candidate_pairs += rs.pairs;
  run.unparseable_dates = delta_fields->unparseable_dates;
  run.unparseable_numbers = delta_fields->unparseable_numbers;
  run.unparseable = delta_fields->unparseable;
  for (size_t f = 0; f < rules.fields.size(); ++f) {
    if (delta_fields->placeholder_nulls[f] != 0) {
      run.placeholder_nulls.emplace_back(rules.fields[f].name, delta_fields->placeholder_nulls[f]);
    }
  }
  run.tf_tables = tf.tables();
  run.edges = std::move(edges);
  run.labels = ConnectedComponents(n, run.edges);
  for (uint32_t label : run.labels) run.clusters = std::max<uint64_t>(run.clusters, label + 1);
  return out;
}

}  // namespace reclink
