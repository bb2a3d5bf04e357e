// Benchmarks for clustering (edges/s: connected components sequential, parallel, concurrent
// union-find, best_link) and evaluation (records/s). Each checks its result before timing.
#include <benchmark/benchmark.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <vector>

#include "reclink/cluster.h"
#include "reclink/evaluate.h"

namespace reclink {
namespace {

constexpr size_t kRows = 1'000'000;
constexpr size_t kEdges = 5'000'000;

// Uniformly random edges: one giant component (the budget's workload).
const std::vector<Edge>& RandomEdges() {
  static const std::vector<Edge> edges = [] {
    std::mt19937_64 rng(42);
    std::vector<Edge> e(kEdges);
    for (Edge& x : e)
      x = {static_cast<RowId>(rng() % kRows), static_cast<RowId>(rng() % kRows), 1.0};
    return e;
  }();
  return edges;
}

// Match-like edges: rows fall into small true groups (1-8 rows, ids scattered over the table)
// and edges join rows of the same group, as thresholded record pairs do.
const std::vector<Edge>& GroupEdges() {
  static const std::vector<Edge> edges = [] {
    std::mt19937_64 rng(43);
    std::vector<RowId> perm(kRows);
    std::iota(perm.begin(), perm.end(), RowId{0});
    std::shuffle(perm.begin(), perm.end(), rng);
    std::vector<Edge> e;
    e.reserve(kEdges);
    size_t start = 0;
    while (e.size() < kEdges) {
      size_t size = 1 + rng() % 8;
      if (start + size > kRows) start = 0;
      for (size_t k = 0; k < size * (size - 1) / 2 + 1 && size > 1; ++k) {
        e.push_back({perm[start + rng() % size], perm[start + rng() % size], 1.0});
      }
      start += size;
    }
    e.resize(kEdges);
    return e;
  }();
  return edges;
}

const std::vector<Edge>& Workload(int which) { return which == 0 ? RandomEdges() : GroupEdges(); }

const std::vector<uint32_t>& ExpectedLabels(int which) {
  static std::vector<uint32_t> labels[2];
  if (labels[which].empty()) labels[which] = ConnectedComponentsSequential(kRows, Workload(which));
  return labels[which];
}

std::vector<uint32_t> ConcurrentLabels(const std::vector<Edge>& edges) {
  ConcurrentUnionFind uf(kRows);
  tbb::parallel_for(tbb::blocked_range<size_t>(0, edges.size(), 1 << 14),
                    [&](const tbb::blocked_range<size_t>& r) {
                      for (size_t i = r.begin(); i != r.end(); ++i)
                        uf.Union(edges[i].a, edges[i].b);
                    });
  return uf.Labels();
}

void BM_ConnectedComponentsSequential(benchmark::State& state) {
  const auto& edges = Workload(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(ConnectedComponentsSequential(kRows, edges));
  state.SetItemsProcessed(state.iterations() * edges.size());
  state.SetLabel(state.range(0) == 0 ? "random" : "groups");
}

void BM_ConnectedComponents(benchmark::State& state) {
  const auto& edges = Workload(state.range(0));
  tbb::task_arena arena(static_cast<int>(state.range(1)));
  std::vector<uint32_t> labels;
  arena.execute([&] { labels = ConnectedComponents(kRows, edges); });
  if (labels != ExpectedLabels(state.range(0))) state.SkipWithError("labels differ");
  for (auto _ : state) {
    arena.execute([&] { labels = ConnectedComponents(kRows, edges); });
    benchmark::DoNotOptimize(labels.data());
  }
  state.SetItemsProcessed(state.iterations() * edges.size());
  state.SetLabel(state.range(0) == 0 ? "random" : "groups");
}

void BM_ConcurrentUnionFind(benchmark::State& state) {
  const auto& edges = Workload(state.range(0));
  tbb::task_arena arena(static_cast<int>(state.range(1)));
  std::vector<uint32_t> labels;
  arena.execute([&] { labels = ConcurrentLabels(edges); });
  if (labels != ExpectedLabels(state.range(0))) state.SkipWithError("labels differ");
  for (auto _ : state) {
    arena.execute([&] { labels = ConcurrentLabels(edges); });
    benchmark::DoNotOptimize(labels.data());
  }
  state.SetItemsProcessed(state.iterations() * edges.size());
  state.SetLabel(state.range(0) == 0 ? "random" : "groups");
}

void BM_BestLinks(benchmark::State& state) {
  const auto& edges = GroupEdges();
  std::vector<uint16_t> sources(kRows);
  for (size_t r = 0; r < kRows; ++r) sources[r] = r & 1;
  std::vector<Edge> weighted(edges);
  std::mt19937_64 rng(5);
  for (Edge& e : weighted) e.weight = static_cast<double>(rng() % 1000);
  if (BestLinks(weighted, sources).empty()) state.SkipWithError("no links kept");
  for (auto _ : state) benchmark::DoNotOptimize(BestLinks(weighted, sources));
  state.SetItemsProcessed(state.iterations() * weighted.size());
}

void BM_EvaluateClusters(benchmark::State& state) {
  // Truth: the group workload's components; predicted: the same with 5% of rows moved.
  const auto& truth = ExpectedLabels(1);
  std::vector<uint32_t> predicted(truth);
  std::mt19937_64 rng(9);
  for (auto& p : predicted) {
    if (rng() % 20 == 0) p = rng() % kRows;
  }
  tbb::task_arena arena(static_cast<int>(state.range(0)));
  ClusterEvaluation e;
  arena.execute([&] { e = EvaluateClusters(predicted, truth); });
  if (!(e.pairwise.f1 > 0.5 && e.pairwise.f1 < 1.0)) state.SkipWithError("unexpected F1");
  for (auto _ : state) {
    arena.execute([&] { e = EvaluateClusters(predicted, truth); });
    benchmark::DoNotOptimize(e);
  }
  state.SetItemsProcessed(state.iterations() * kRows);
}

BENCHMARK(BM_ConnectedComponentsSequential)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ConnectedComponents)
    ->ArgsProduct({{0, 1}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_ConcurrentUnionFind)
    ->ArgsProduct({{0, 1}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_BestLinks)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EvaluateClusters)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace reclink

BENCHMARK_MAIN();
