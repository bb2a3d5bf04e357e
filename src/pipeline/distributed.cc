// The exchanges of a run split across processes: training counts summed on every rank, scoring
// results gathered on rank 0 (distributed.h).
#include "reclink/distributed.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

namespace reclink {
namespace {

template <typename Map>
void PutCounts(WireWriter& w, const Map& m) {
  w.Put<uint64_t>(m.size());
  for (const auto& [key, n] : m) {
    w.Put(key);
    w.Put<uint64_t>(n);
  }
}

void PutPair(WireWriter& w, const ScoredPair& p) {
  w.Put(p.a);
  w.Put(p.b);
  w.Put(p.weight);
  w.PutString(std::string_view(reinterpret_cast<const char*>(p.gamma.data()), p.gamma.size()));
  w.Put<uint64_t>(p.weights.size());
  for (double x : p.weights) w.Put(x);
}
ScoredPair GetPair(WireReader& in) {
  ScoredPair p;
  p.a = in.Get<RowId>();
  p.b = in.Get<RowId>();
  p.weight = in.Get<double>();
  const std::string gamma = in.GetString();
  p.gamma.assign(gamma.begin(), gamma.end());
  p.weights.resize(in.Get<uint64_t>());
  for (double& x : p.weights) x = in.Get<double>();
  return p;
}
void PutPairs(WireWriter& w, const std::vector<ScoredPair>& pairs) {
  w.Put<uint64_t>(pairs.size());
  for (const ScoredPair& p : pairs) PutPair(w, p);
}
void GetPairs(WireReader& in, std::vector<ScoredPair>* out) {
  const uint64_t n = in.Get<uint64_t>();
  for (uint64_t i = 0; i < n; ++i) out->push_back(GetPair(in));
}
void PutCountsVector(WireWriter& w, const std::vector<uint64_t>& v) {
  w.Put<uint64_t>(v.size());
  for (uint64_t x : v) w.Put(x);
}
// Adds the encoded vector into *sum (sized on first use).
void AddCountsVector(WireReader& in, std::vector<uint64_t>* sum) {
  const uint64_t n = in.Get<uint64_t>();
  if (n == 0) return;
  if (sum->empty()) sum->assign(n, 0);
  for (uint64_t i = 0; i < n; ++i) (*sum)[i] += in.Get<uint64_t>();
}

// The orders ScoreCandidates keeps its lists in (score.cc); a test checks the merge against one
// process's pass, so a change there that is not made here fails it.
bool HigherWeight(const ScoredPair& x, const ScoredPair& y) {
  return x.weight != y.weight ? x.weight > y.weight : std::tie(x.a, x.b) < std::tie(y.a, y.b);
}
bool LowerWeight(const ScoredPair& x, const ScoredPair& y) {
  return x.weight != y.weight ? x.weight < y.weight : std::tie(x.a, x.b) < std::tie(y.a, y.b);
}
template <typename Less>
void KeepFirst(std::vector<ScoredPair>* v, size_t k, Less less) {
  std::sort(v->begin(), v->end(), less);
  if (v->size() > k) v->resize(k);
}

}  // namespace

std::string EncodeTrainingCounts(const TrainingCounts& counts) {
  WireWriter w;
  w.Put<uint64_t>(counts.covered.size());
  for (size_t r = 0; r < counts.covered.size(); ++r) {
    PutCounts(w, counts.covered[r]);
    PutCounts(w, counts.first[r]);
    PutCounts(w, r < counts.first_tf.size() ? counts.first_tf[r] : PatternTfCounts{});
  }
  return w.Take();
}

void MergeTrainingCounts(std::span<const std::string> shares, TrainingCounts* counts) {
  // Summed in ordered maps, then inserted in key order: the merged tables do not depend on the
  // number of shares or on which share saw a pattern first.
  std::vector<std::map<uint64_t, uint64_t>> covered, first;
  std::vector<std::map<PatternTf, uint64_t>> first_tf;
  for (const std::string& share : shares) {
    WireReader in(share);
    const uint64_t nr = in.Get<uint64_t>();
    covered.resize(nr);
    first.resize(nr);
    first_tf.resize(nr);
    for (uint64_t r = 0; r < nr; ++r) {
      for (auto* m : {&covered[r], &first[r]}) {
        const uint64_t n = in.Get<uint64_t>();
        for (uint64_t i = 0; i < n; ++i) {
          const uint64_t id = in.Get<uint64_t>();
          (*m)[id] += in.Get<uint64_t>();
        }
      }
      const uint64_t n = in.Get<uint64_t>();
      for (uint64_t i = 0; i < n; ++i) {
        const PatternTf key = in.Get<PatternTf>();
        first_tf[r][key] += in.Get<uint64_t>();
      }
    }
  }
  const size_t nr = covered.size();
  counts->covered.assign(nr, {});
  counts->first.assign(nr, {});
  counts->first_tf.assign(nr, {});
  for (size_t r = 0; r < nr; ++r) {
    counts->covered[r].insert(covered[r].begin(), covered[r].end());
    counts->first[r].insert(first[r].begin(), first[r].end());
    counts->first_tf[r].insert(first_tf[r].begin(), first_tf[r].end());
  }
}

void ReduceTrainingCounts(Collective& group, TrainingCounts* counts) {
  if (group.size() == 1) return;
  const std::vector<std::string> shares = group.AllGather(EncodeTrainingCounts(*counts));
  MergeTrainingCounts(shares, counts);
}

std::string EncodeScored(const ScoredCandidates& s) {
  WireWriter w;
  w.Put<uint64_t>(s.candidate_pairs);
  w.Put<uint64_t>(s.edges.size());
  for (const Edge& e : s.edges) w.Put(e);
  PutPairs(w, s.pairs);
  w.Put<uint64_t>(s.truth.true_candidates);
  PutCountsVector(w, s.truth.rule_true_covered);
  PutPairs(w, s.truth.false_links);
  PutPairs(w, s.truth.missed_links);
  PutCountsVector(w, s.histogram.pairs);
  PutCountsVector(w, s.histogram.matches);
  PutPairs(w, s.borderline);
  return w.Take();
}

ScoredCandidates MergeScored(std::span<const std::string> shares, const ScoreOptions& options, const Model& model,
                             size_t num_rules) {
  ScoredCandidates out;
  out.truth.rule_true_covered.assign(num_rules, 0);
  for (const std::string& share : shares) {
    WireReader in(share);
    out.candidate_pairs += in.Get<uint64_t>();
    const uint64_t ne = in.Get<uint64_t>();
    for (uint64_t i = 0; i < ne; ++i) out.edges.push_back(in.Get<Edge>());
    GetPairs(in, &out.pairs);
    out.truth.true_candidates += in.Get<uint64_t>();
    AddCountsVector(in, &out.truth.rule_true_covered);
    GetPairs(in, &out.truth.false_links);
    GetPairs(in, &out.truth.missed_links);
    AddCountsVector(in, &out.histogram.pairs);
    AddCountsVector(in, &out.histogram.matches);
    GetPairs(in, &out.borderline);
  }
  const double threshold = options.threshold;
  const double weight_threshold = model.WeightForProbability(threshold);
  auto closer = [weight_threshold](const ScoredPair& x, const ScoredPair& y) {
    const double dx = std::abs(x.weight - weight_threshold), dy = std::abs(y.weight - weight_threshold);
    return dx != dy ? dx < dy : std::tie(x.a, x.b) < std::tie(y.a, y.b);
  };
  KeepFirst(&out.borderline, options.borderline_pairs, closer);
  KeepFirst(&out.truth.false_links, options.worst_errors, HigherWeight);
  KeepFirst(&out.truth.missed_links, options.worst_errors, LowerWeight);
  auto by_rows = [](const auto& x, const auto& y) { return std::tie(x.a, x.b) < std::tie(y.a, y.b); };
  std::sort(out.edges.begin(), out.edges.end(), by_rows);
  std::sort(out.pairs.begin(), out.pairs.end(), by_rows);
  return out;
}

void GatherScored(Collective& group, const ScoreOptions& options, const Model& model, size_t num_rules,
                  ScoredCandidates* scored) {
  if (group.size() == 1) return;
  const std::vector<std::string> shares = group.Gather(EncodeScored(*scored));
  *scored = group.is_root() ? MergeScored(shares, options, model, num_rules) : ScoredCandidates{};
}

}  // namespace reclink
