// Compare + score throughput: Comparisons::Gamma and PairWeight over a fixed list of real
// candidate pairs of 1M generated customers, with a 6-comparison model (DESIGN budget: >= 5 M
// candidate pairs/s per core), and the cost of each comparison's Level alone.
//
// Rates are per CPU-second of the whole process (MeasureProcessCPUTime), i.e. per core, which
// stays honest on a shared, busy machine; `wall_pairs/s` gives the elapsed-time rate.
#include <benchmark/benchmark.h>
#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "generator/generator.h"
#include "reclink/blocking.h"
#include "reclink/comparison.h"
#include "reclink/model.h"
#include "reclink/reader.h"
#include "reclink/rules.h"
#include "reclink/similarity.h"

namespace reclink {
namespace {

constexpr uint64_t kDefaultCustomers = 1'000'000;

// Customers to generate: RECLINK_BENCH_RECORDS, else 1M.
uint64_t NumCustomers() {
  const char* env = std::getenv("RECLINK_BENCH_RECORDS");
  return env ? std::strtoull(env, nullptr, 10) : kDefaultCustomers;
}
constexpr uint64_t kTargetPairs = 2'000'000;  // size of the fixed candidate-pair list
constexpr size_t kBatch = 4096;               // pairs per task, as the pipeline's sink batches

// The demo rules (datasets/demo/rules.toml) with postcode compared by Levenshtein.
constexpr const char* kRules = R"toml(
link_type = "dedupe"
id = "record_id"
[fields.first]
column = "first_name"
normalize = ["casefold", "strip_accents", "letters"]
[fields.last]
column = "last_name"
normalize = ["casefold", "strip_accents", "letters"]
[fields.dob]
column = "dob"
normalize = ["date"]
date_order = "dmy"
[fields.email]
column = "email"
normalize = ["email"]
[fields.phone]
column = "phone"
normalize = ["phone"]
country_code = "44"
[fields.postcode]
column = "postcode"
normalize = ["upper", "nospace"]
[fields.city]
column = "city"
normalize = ["casefold", "letters"]
[[blocking]]
keys = ["first", "last"]
[[blocking]]
keys = ["dob"]
[[blocking]]
keys = ["email"]
[[blocking]]
keys = ["phone"]
[[blocking]]
keys = ["soundex(last)", "postcode"]
[[blocking]]
keys = ["metaphone(first)", "city"]
[[comparison]]
field = "first"
levels = ["exact", "jaro_winkler >= 0.92", "jaro_winkler >= 0.80"]
tf_adjust = true
[[comparison]]
field = "last"
levels = ["exact", "jaro_winkler >= 0.92", "jaro_winkler >= 0.84"]
tf_adjust = true
[[comparison]]
field = "dob"
levels = ["exact", "damerau_levenshtein <= 1", "levenshtein <= 2"]
[[comparison]]
field = "email"
levels = ["exact", "jaro_winkler >= 0.88"]
[[comparison]]
field = "phone"
levels = ["exact", "damerau_levenshtein <= 1"]
[[comparison]]
field = "postcode"
levels = ["exact", "levenshtein <= 1"]
[model]
threshold = 0.9
[blocking_limits]
max_block_size = 10000
)toml";

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "bench_pipeline: %s\n", what.c_str());
  std::exit(1);
}

// Generated customers, their derived fields, the comparisons and model, and a fixed list of
// candidate pairs: every k-th batch of the blocking stream (single thread, so the list is
// deterministic), keeping each batch's block order and so its locality.
struct Workload {
  RecordTable table;
  Rules rules;
  DerivedFields fields;
  std::unique_ptr<Comparisons> comps;
  std::unique_ptr<TermFrequencies> tf;
  Model model;
  std::vector<CandidatePair> pairs;
  uint64_t all_pairs = 0;  // candidate pairs of the whole table
  // Reference results (one thread, in list order), checked before timing.
  uint64_t edges = 0;
  double weight_sum = 0;
  uint64_t true_edges = 0;  // edges between records of the same entity
};

// m and u by hand: the listed levels agree from strong to weak, then "else".
void FillModel(const Comparisons& comps, Model* model) {
  model->prior = 1e-5;
  for (size_t c = 0; c < comps.size(); ++c) {
    std::vector<LevelParams>& levels = model->comparisons[c].levels;
    const size_t listed = levels.size() - 2;
    double m_left = 1, u_left = 1;
    for (size_t l = 1; l <= listed; ++l) {
      levels[l].m = l == 1 ? 0.80 : m_left * 0.5;
      levels[l].u = 0.002 * static_cast<double>(l * l);
      m_left -= levels[l].m;
      u_left -= levels[l].u;
    }
    levels.back().m = m_left;
    levels.back().u = u_left;
  }
}

const Workload& Data() {
  static const std::unique_ptr<Workload> w = [] {
    auto out = std::make_unique<Workload>();
    Result<Rules> rules = ParseRulesString(kRules, "bench_pipeline.toml");
    if (!rules.ok()) Die(rules.status().message());
    out->rules = std::move(rules.value());

    gen::GeneratorOptions options;
    options.records = NumCustomers();
    options.seed = 42;
    Result<gen::Generator> generator = gen::Generator::Create(options);
    if (!generator.ok()) Die("generator: " + generator.status().message());
    std::string csv;
    Status written = generator->Write([&](std::string_view piece) {
      csv.append(piece);
      return Status::Ok();
    });
    if (!written.ok()) Die("generator: " + written.message());
    Result<RecordTable> table = ReadBuffer(csv, "customers.csv", "customers", ReadOptions{}, nullptr);
    if (!table.ok()) Die("read: " + table.status().message());
    out->table = std::move(table.value());
    csv = std::string();

    Result<DerivedFields> fields = DeriveFields(out->rules, out->table);
    if (!fields.ok()) Die("derive: " + fields.status().message());
    out->fields = std::move(fields.value());
    Result<Comparisons> comps = Comparisons::Build(out->rules, out->fields);
    if (!comps.ok()) Die("comparisons: " + comps.status().message());
    out->comps = std::make_unique<Comparisons>(std::move(comps.value()));
    out->tf = std::make_unique<TermFrequencies>(TermFrequencies::Build(*out->comps));
    out->model = ModelSkeleton(out->rules, *out->comps);
    FillModel(*out->comps, &out->model);

    // The pair list: every k-th sink batch of a single-threaded stream.
    BlockingIndex index = BlockingIndex::Build(out->rules, out->fields, out->table);
    tbb::task_arena one(1);
    one.execute([&] {
      uint64_t total = 0;
      index.StreamPairs([&](int, std::span<const CandidatePair> p) { total += p.size(); });
      out->all_pairs = total;
      const uint64_t stride = std::max<uint64_t>(1, total / kTargetPairs);
      uint64_t batch = 0;
      index.StreamPairs([&](int, std::span<const CandidatePair> p) {
        if (batch++ % stride == 0) out->pairs.insert(out->pairs.end(), p.begin(), p.end());
      });
    });

    const int id_col = out->table.FindColumn("entity_id");
    if (id_col < 0) Die("no entity_id column");
    const Column& entity = out->table.column(static_cast<size_t>(id_col));
    const double threshold = std::log2(out->rules.model.threshold.value_or(0.9) / (1 - out->rules.model.threshold.value_or(0.9)));
    uint8_t gamma[kMaxComparisons];
    for (const CandidatePair& p : out->pairs) {
      out->comps->Gamma(p.a, p.b, gamma);
      const double weight = PairWeight(out->model, *out->comps, *out->tf, p.a, p.b, gamma);
      out->weight_sum += weight;
      if (weight >= threshold) {
        ++out->edges;
        out->true_edges += entity.Get(p.a) == entity.Get(p.b);
      }
    }
    std::fprintf(stderr, "bench_pipeline: %zu customers, %llu candidate pairs, %zu in the list, %llu edges (%llu true)\n",
                 out->table.num_rows(), static_cast<unsigned long long>(out->all_pairs), out->pairs.size(),
                 static_cast<unsigned long long>(out->edges), static_cast<unsigned long long>(out->true_edges));
    return out;
  }();
  return *w;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// Gamma + PairWeight + threshold per pair, in batches on `threads` threads: the scoring loop of
// the pipeline without its outputs.
void BM_GammaAndWeight(benchmark::State& state) {
  const Workload& w = Data();
  if (w.pairs.empty() || w.edges == 0 || w.edges == w.pairs.size()) {
    return state.SkipWithError("degenerate workload: no pairs, or all or none above the threshold");
  }
  const double threshold = std::log2(w.rules.model.threshold.value_or(0.9) / (1 - w.rules.model.threshold.value_or(0.9)));
  tbb::task_arena arena(static_cast<int>(state.range(0)));
  auto run = [&](double* weight_sum) {
    tbb::enumerable_thread_specific<std::pair<uint64_t, double>> locals(std::pair<uint64_t, double>{0, 0});
    arena.execute([&] {
      tbb::parallel_for(tbb::blocked_range<size_t>(0, w.pairs.size(), kBatch),
                        [&](const tbb::blocked_range<size_t>& range) {
                          auto& [edges, sum] = locals.local();
                          uint8_t gamma[kMaxComparisons];
                          for (size_t i = range.begin(); i != range.end(); ++i) {
                            const CandidatePair p = w.pairs[i];
                            w.comps->Gamma(p.a, p.b, gamma);
                            const double weight = PairWeight(w.model, *w.comps, *w.tf, p.a, p.b, gamma);
                            edges += weight >= threshold;
                            sum += weight;
                          }
                        });
    });
    uint64_t edges = 0;
    *weight_sum = 0;
    for (const auto& [e, s] : locals) {
      edges += e;
      *weight_sum += s;
    }
    return edges;
  };
  double sum = 0;
  // Check before timing: the same edges as the reference, the same weights up to summation order.
  if (run(&sum) != w.edges || std::abs(sum - w.weight_sum) > 1e-9 * std::abs(w.weight_sum) + 1e-6) {
    return state.SkipWithError("scores differ from the single-threaded reference");
  }
  double wall = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    const uint64_t edges = run(&sum);
    wall += Seconds(start);
    if (edges != w.edges) return state.SkipWithError("edge count differs between iterations");
  }
  const double pairs = static_cast<double>(state.iterations() * w.pairs.size());
  state.counters["pairs/s"] = benchmark::Counter(pairs, benchmark::Counter::kIsRate);
  state.counters["wall_pairs/s"] = pairs / wall;
  state.counters["pairs"] = static_cast<double>(w.pairs.size());
  state.SetLabel("6 comparisons, " + std::to_string(w.table.num_rows()) + " customers");
}

// Gamma alone (no weights), single thread: compare cost without scoring.
void BM_Gamma(benchmark::State& state) {
  const Workload& w = Data();
  const size_t nc = w.comps->size();
  auto run = [&] {
    uint64_t checksum = 0;
    uint8_t gamma[kMaxComparisons];
    for (const CandidatePair& p : w.pairs) {
      w.comps->Gamma(p.a, p.b, gamma);
      for (size_t c = 0; c < nc; ++c) checksum = checksum * 31 + gamma[c];
    }
    return checksum;
  };
  const uint64_t reference = run();
  for (auto _ : state) {
    if (run() != reference) return state.SkipWithError("gammas differ between iterations");
  }
  state.counters["pairs/s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * w.pairs.size()), benchmark::Counter::kIsRate);
}

// PairWeight alone over precomputed gammas, single thread: the scoring half of the loop.
void BM_PairWeight(benchmark::State& state) {
  const Workload& w = Data();
  const size_t nc = w.comps->size();
  std::vector<uint8_t> gammas(w.pairs.size() * nc);
  for (size_t i = 0; i < w.pairs.size(); ++i) w.comps->Gamma(w.pairs[i].a, w.pairs[i].b, &gammas[i * nc]);
  auto run = [&] {
    double sum = 0;
    for (size_t i = 0; i < w.pairs.size(); ++i) {
      sum += PairWeight(w.model, *w.comps, *w.tf, w.pairs[i].a, w.pairs[i].b, &gammas[i * nc]);
    }
    return sum;
  };
  if (run() != w.weight_sum) return state.SkipWithError("weights differ from the reference");
  for (auto _ : state) benchmark::DoNotOptimize(run());
  state.counters["pairs/s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * w.pairs.size()), benchmark::Counter::kIsRate);
}

// One comparison's Level alone, single thread: where the time of Gamma goes.
void BM_Level(benchmark::State& state) {
  const Workload& w = Data();
  const size_t c = static_cast<size_t>(state.range(0));
  std::vector<uint64_t> reference(static_cast<size_t>(w.comps->num_levels(c)), 0);
  for (const CandidatePair& p : w.pairs) ++reference[static_cast<size_t>(w.comps->Level(c, p.a, p.b))];
  for (auto _ : state) {
    std::vector<uint64_t> histogram(reference.size(), 0);
    for (const CandidatePair& p : w.pairs) ++histogram[static_cast<size_t>(w.comps->Level(c, p.a, p.b))];
    if (histogram != reference) return state.SkipWithError("levels differ between iterations");
  }
  state.counters["pairs/s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * w.pairs.size()), benchmark::Counter::kIsRate);
  std::string label = w.comps->spec(c).field + ":";
  for (uint64_t n : reference) {
    char share[16];
    std::snprintf(share, sizeof share, " %.1f%%", 100.0 * static_cast<double>(n) / static_cast<double>(w.pairs.size()));
    label += share;
  }
  state.SetLabel(label);  // share of pairs per level: null, listed levels, else
}

BENCHMARK(BM_GammaAndWeight)->ArgName("threads")->Arg(1)->Arg(2)->MeasureProcessCPUTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Gamma)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PairWeight)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Level)->ArgName("comparison")->DenseRange(0, 5)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace reclink

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  std::printf("reclink compare + score, active SIMD target: %s\n", reclink::ActiveSimdTarget());
  benchmark::AddCustomContext("simd_target", reclink::ActiveSimdTarget());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
