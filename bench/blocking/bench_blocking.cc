// Blocking benchmarks: BlockingIndex::Build (records/s) and StreamPairs to a no-op consumer
// (candidate pairs/s; issue 3's target is >= 100 M pairs/s per core), on 1M generated customers
// with three rules and on a skewed table whose one block of 20,000 records must be tiled.
//
// Rates are per CPU-second of the whole process (MeasureProcessCPUTime), i.e. per core, which
// stays honest on a shared, busy machine; `wall_*` counters give the elapsed-time rate.
#include <benchmark/benchmark.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/task_arena.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "generator/generator.h"
#include "reclink/blocking.h"
#include "reclink/reader.h"
#include "reclink/record_table.h"
#include "reclink/rules.h"

namespace reclink {
namespace {

constexpr uint64_t kDefaultCustomers = 1'000'000;

// Customers to generate: RECLINK_BENCH_RECORDS, else 1M.
uint64_t NumCustomers() {
  const char* env = std::getenv("RECLINK_BENCH_RECORDS");
  return env ? std::strtoull(env, nullptr, 10) : kDefaultCustomers;
}
constexpr uint64_t kSkewRows = 1'000'000;
constexpr uint64_t kBigBlock = 20'000;  // rows of the one huge block in the skewed table

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "bench_blocking: %s\n", what.c_str());
  std::exit(1);
}

FieldSpec Field(std::string name, std::string column, std::vector<std::string> normalize) {
  FieldSpec f;
  f.name = std::move(name);
  f.column = std::move(column);
  f.normalize = std::move(normalize);
  return f;
}

BlockingKey Key(KeyFunction fn, std::string field, std::string text) {
  BlockingKey k;
  k.fn = fn;
  k.field = std::move(field);
  k.text = std::move(text);
  return k;
}

BlockingRule Rule(std::vector<BlockingKey> keys) {
  BlockingRule r;
  for (const BlockingKey& k : keys) r.text += (r.text.empty() ? "" : " & ") + k.text;
  r.keys = std::move(keys);
  return r;
}

// A table, the rules over it and its derived fields: everything BlockingIndex::Build takes.
struct Workload {
  RecordTable table;
  Rules rules;
  DerivedFields fields;
  uint64_t expected_pairs = 0;  // 0: not known in closed form; checked across runs instead
};

// Customers (default 1M) from reclink-gen's generator (seed 42, default noise), normalized as in
// datasets/demo/rules.toml, blocked on first & last, dob, soundex(last) & postcode.
const Workload& Customers() {
  static const std::unique_ptr<Workload> w = [] {
    auto out = std::make_unique<Workload>();
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

    Rules& rules = out->rules;
    rules.id = "record_id";
    rules.max_block_size = 10'000;
    rules.fields.push_back(Field("first", "first_name", {"casefold", "strip_accents", "letters"}));
    rules.fields.push_back(Field("last", "last_name", {"casefold", "strip_accents", "letters"}));
    rules.fields.push_back(Field("dob", "dob", {"date"}));
    rules.fields.push_back(Field("postcode", "postcode", {"upper", "nospace"}));
    rules.blocking.push_back(Rule({Key(KeyFunction::kField, "first", "first"),
                                   Key(KeyFunction::kField, "last", "last")}));
    rules.blocking.push_back(Rule({Key(KeyFunction::kField, "dob", "dob")}));
    rules.blocking.push_back(Rule({Key(KeyFunction::kSoundex, "last", "soundex(last)"),
                                   Key(KeyFunction::kField, "postcode", "postcode")}));
    Result<DerivedFields> fields = DeriveFields(rules, out->table);
    if (!fields.ok()) Die("derive: " + fields.status().message());
    out->fields = std::move(fields.value());
    return out;
  }();
  return *w;
}

uint64_t Choose2(uint64_t n) { return n * (n - (n > 0)) / 2; }

// 1M rows; every 50th row is in one block of 20,000 ("BIG"), the others in blocks of two. With
// two rules, a first rule groups rows by r % 100000 (blocks of 10), so the big block's pairs
// are each checked against it and the 90,000 they share are removed. The expected pair count
// is computed from value counts (inclusion-exclusion), independently of the index.
const Workload& Skewed(int rules_count) {
  static std::map<int, std::unique_ptr<Workload>> cache;
  auto& slot = cache[rules_count];
  if (slot) return *slot;
  slot = std::make_unique<Workload>();
  Workload& w = *slot;
  w.table.AddSource("skewed");
  w.table.AppendSourceRows(0, kSkewRows);
  Column small("small"), big("big");
  std::unordered_map<std::string, uint64_t> n_small, n_big, n_both;
  for (uint64_t r = 0; r < kSkewRows; ++r) {
    std::string s = "s", b = "b";
    s.append(std::to_string(r % 100'000));
    if (r % (kSkewRows / kBigBlock) == 0) b = "BIG";
    else b.append(std::to_string(r / 2));
    small.Append(s);
    big.Append(b);
    ++n_small[s];
    ++n_big[b];
    ++n_both[s + '\x1f' + b];
  }
  uint64_t big_pairs = 0, both_pairs = 0, small_pairs = 0;
  for (const auto& [v, n] : n_big) big_pairs += Choose2(n);
  for (const auto& [v, n] : n_both) both_pairs += Choose2(n);
  for (const auto& [v, n] : n_small) small_pairs += Choose2(n);
  w.rules.max_block_size = 1'000'000;
  if (rules_count == 2) {
    w.rules.fields.push_back(Field("small", "small", {}));
    w.fields.fields.push_back(std::move(small));
    w.rules.blocking.push_back(Rule({Key(KeyFunction::kField, "small", "small")}));
    w.expected_pairs = small_pairs + big_pairs - both_pairs;
  } else {
    w.expected_pairs = big_pairs;
  }
  w.rules.fields.push_back(Field("big", "big", {}));
  w.fields.fields.push_back(std::move(big));
  w.rules.blocking.push_back(Rule({Key(KeyFunction::kField, "big", "big")}));
  return w;
}

// Streams every pair to a sink that only counts them in a thread-local counter.
uint64_t CountPairs(BlockingIndex& index) {
  tbb::enumerable_thread_specific<uint64_t> counts(0);
  index.StreamPairs([&](int, std::span<const CandidatePair> pairs) { counts.local() += pairs.size(); });
  uint64_t total = 0;
  for (uint64_t c : counts) total += c;
  return total;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

void BM_Build(benchmark::State& state) {
  const Workload& w = Customers();
  tbb::task_arena arena(static_cast<int>(state.range(0)));
  // Check before timing: the index has blocks and pairs, and every rebuild gives the same bound.
  uint64_t bound = 0;
  arena.execute([&] { bound = BlockingIndex::Build(w.rules, w.fields, w.table).PairsUpperBound(); });
  if (bound == 0) return state.SkipWithError("no candidate pairs");
  double wall = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    uint64_t got = 0;
    arena.execute([&] {
      BlockingIndex index = BlockingIndex::Build(w.rules, w.fields, w.table);
      wall += Seconds(start);
      got = index.PairsUpperBound();
    });
    if (got != bound) return state.SkipWithError("rebuild differs");
  }
  const double records = static_cast<double>(state.iterations() * w.table.num_rows());
  state.counters["records/s"] = benchmark::Counter(records, benchmark::Counter::kIsRate);
  state.counters["wall_records/s"] = records / wall;
  state.SetLabel(std::to_string(w.table.num_rows()) + " customers, 3 rules");
}

// Pair counts seen so far per workload: every thread count must give the same.
std::map<std::string, uint64_t>& SeenCounts() {
  static std::map<std::string, uint64_t> seen;
  return seen;
}

void StreamBenchmark(benchmark::State& state, const Workload& w, const std::string& name) {
  tbb::task_arena arena(static_cast<int>(state.range(0)));
  BlockingIndex index;
  uint64_t expected = 0;
  arena.execute([&] {
    index = BlockingIndex::Build(w.rules, w.fields, w.table);
    expected = CountPairs(index);
  });
  if (expected == 0) return state.SkipWithError("no candidate pairs");
  if (w.expected_pairs != 0 && expected != w.expected_pairs) {
    return state.SkipWithError(("pairs " + std::to_string(expected) + " != expected " +
                                std::to_string(w.expected_pairs)).c_str());
  }
  auto [it, inserted] = SeenCounts().emplace(name, expected);
  if (!inserted && it->second != expected) return state.SkipWithError("pair count depends on threads");
  double wall = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    uint64_t got = 0;
    arena.execute([&] { got = CountPairs(index); });
    wall += Seconds(start);
    if (got != expected) return state.SkipWithError("pair count differs between iterations");
  }
  const double pairs = static_cast<double>(state.iterations() * expected);
  state.counters["pairs/s"] = benchmark::Counter(pairs, benchmark::Counter::kIsRate);
  state.counters["wall_pairs/s"] = pairs / wall;
  state.counters["pairs"] = static_cast<double>(expected);
  state.SetLabel(name);
}

void BM_StreamPairsCustomers(benchmark::State& state) {
  StreamBenchmark(state, Customers(), std::to_string(NumCustomers()) + " customers, 3 rules");
}

void BM_StreamPairsSkewed(benchmark::State& state) {
  const int rules_count = static_cast<int>(state.range(1));
  StreamBenchmark(state, Skewed(rules_count),
                  "one block of 20000, " + std::to_string(rules_count) + (rules_count == 1 ? " rule" : " rules"));
}

BENCHMARK(BM_Build)->ArgName("threads")->Arg(1)->Arg(2)->MeasureProcessCPUTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StreamPairsCustomers)
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->MeasureProcessCPUTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StreamPairsSkewed)
    ->ArgNames({"threads", "rules"})
    ->ArgsProduct({{1, 2}, {1, 2}})
    ->MeasureProcessCPUTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace reclink

BENCHMARK_MAIN();
