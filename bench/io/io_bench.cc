// Reader and profile benchmarks on generated customer-like records (fixed seed; quoted fields
// with commas, doubled quotes and some embedded newlines). Reports bytes/s of input parsed into
// the RecordTable, on one thread (the per-core figure) and on every thread.
//
// Cold and warm memory. Each iteration frees the table and builds a new one. BM_ReadCsv and
// BM_ReadJsonLines run with glibc's default malloc settings: on one thread the table comes from
// the main arena, whose top glibc gives back to the kernel on free, so every iteration page-faults
// its whole table again, as a one-shot CLI run does ("cold"). The *Warm variants, registered last
// so that they run after every cold case, first make glibc keep freed memory (mallopt
// M_TRIM_THRESHOLD and M_MMAP_THRESHOLD, process-wide and never undone), so they measure the
// parser without first-touch page faults ("warm"). With several threads the tables mostly come
// from TBB workers' per-thread arenas, which keep their memory anyway: cold and warm differ little
// there. Filtering must not reorder: do not use --benchmark_enable_random_interleaving.
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <tbb/info.h>
#include <tbb/task_arena.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "io/csv_scan.h"
#include "reclink/profile.h"
#include "reclink/reader.h"

namespace reclink {
namespace {

constexpr int kRows = 300000;

struct Customer {
  std::string id, first, last, email, phone, dob, street, city, postcode, note;
};

Customer MakeCustomer(std::mt19937_64& rng, int i) {
  static const char* kFirst[] = {"James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael",
                                 "Linda", "José", "Zoë", "Wei", "Fatima", "Olga", "Liam", "Noah", "Emma"};
  static const char* kLast[] = {"Smith", "Johnson", "Williams", "Brown", "Jones", "García", "Miller",
                                "Davis", "O'Brien", "Müller", "Nguyen", "Kowalski", "Rossi", "Silva"};
  static const char* kCity[] = {"London", "Paris", "New York", "São Paulo", "Berlin", "Madrid",
                                "Springfield", "Oxford", "Leeds", "Lyon"};
  static const char* kStreet[] = {"High Street", "Main St", "Church Road", "Station Rd", "Park Lane",
                                  "Rue de la Paix", "Oak Avenue"};
  Customer c;
  c.id = "C" + std::to_string(1000000 + i);
  c.first = kFirst[rng() % 16];
  c.last = kLast[rng() % 14];
  c.email = rng() % 20 == 0 ? "noemail@noemail.com"
                            : c.first.substr(0, 1) + "." + c.last + std::to_string(rng() % 1000) + "@example.com";
  c.phone = "+44 7" + std::to_string(100000000 + rng() % 899999999);
  c.dob = rng() % 30 == 0 ? "1900-01-01"
                          : std::to_string(1940 + rng() % 65) + "-" + std::to_string(10 + rng() % 3) + "-" +
                                std::to_string(10 + rng() % 18);
  c.street = std::to_string(1 + rng() % 300) + ", " + kStreet[rng() % 7];  // has a comma: quoted
  c.city = kCity[rng() % 10];
  c.postcode = rng() % 10 == 0 ? "" : "SW" + std::to_string(1 + rng() % 20) + " " + std::to_string(rng() % 10) + "AB";
  int n = static_cast<int>(rng() % 50);
  c.note = n == 0 ? "said \"call back\"" : n == 1 ? "line one\nline two" : n < 25 ? "" : "vip";
  return c;
}

std::string Quote(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    if (ch == '\n') {
      out += "\\n";
      continue;
    }
    out += ch;
  }
  return out + "\"";
}

const std::string& CsvData() {
  static const std::string data = [] {
    std::mt19937_64 rng(42);
    std::string out = "id,first_name,last_name,email,phone,dob,street,city,postcode,note\n";
    for (int i = 0; i < kRows; ++i) {
      Customer c = MakeCustomer(rng, i);
      for (const std::string* f : {&c.id, &c.first, &c.last, &c.email, &c.phone, &c.dob, &c.street,
                                   &c.city, &c.postcode}) {
        out += Quote(*f);
        out += ',';
      }
      out += Quote(c.note);
      out += '\n';
    }
    return out;
  }();
  return data;
}

const std::string& JsonlData() {
  static const std::string data = [] {
    std::mt19937_64 rng(42);
    std::string out;
    for (int i = 0; i < kRows; ++i) {
      Customer c = MakeCustomer(rng, i);
      out += "{\"id\":" + JsonString(c.id) + ",\"name\":{\"first\":" + JsonString(c.first) +
             ",\"last\":" + JsonString(c.last) + "},\"email\":" + JsonString(c.email) +
             ",\"phone\":" + JsonString(c.phone) + ",\"dob\":" + JsonString(c.dob) +
             ",\"address\":{\"street\":" + JsonString(c.street) + ",\"city\":" + JsonString(c.city) +
             ",\"postcode\":" + (c.postcode.empty() ? "null" : JsonString(c.postcode)) +
             "},\"score\":" + std::to_string(rng() % 1000) + ".5,\"note\":" + JsonString(c.note) + "}\n";
    }
    return out;
  }();
  return data;
}

int Threads(const benchmark::State& state) {
  return state.range(0) == 0 ? tbb::info::default_concurrency() : static_cast<int>(state.range(0));
}

void ParseBench(benchmark::State& state, const std::string& data, const char* name) {
  tbb::task_arena arena(Threads(state));
  ReadOptions options;
  // Check the result before timing anything.
  bool checked = false;
  arena.execute([&] {
    auto t = ReadBuffer(data, name, "bench", options, nullptr);
    checked = t.ok() && t->num_rows() == static_cast<size_t>(kRows);
  });
  if (!checked) {
    state.SkipWithError("reader returned a wrong table");
    return;
  }
  for (auto _ : state) {
    arena.execute([&] {
      auto t = ReadBuffer(data, name, "bench", options, nullptr);
      benchmark::DoNotOptimize(t.ok());
    });
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(data.size()));
  state.counters["threads"] = Threads(state);
  state.counters["MB"] = static_cast<double>(data.size()) / 1e6;
}

// Makes glibc keep freed memory from now on (see the top of the file). Idempotent.
void KeepFreedMemory() {
  static const bool done = [] {
    // 32 MiB: glibc's largest mmap threshold on 64-bit; larger blocks are still mmapped.
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    return true;
  }();
  (void)done;
}

void BM_ReadCsv(benchmark::State& state) { ParseBench(state, CsvData(), "bench.csv"); }
void BM_ReadJsonLines(benchmark::State& state) { ParseBench(state, JsonlData(), "bench.jsonl"); }
void BM_ReadCsvWarm(benchmark::State& state) {
  KeepFreedMemory();
  ParseBench(state, CsvData(), "bench.csv");
}
void BM_ReadJsonLinesWarm(benchmark::State& state) {
  KeepFreedMemory();
  ParseBench(state, JsonlData(), "bench.jsonl");
}

void BM_ProfileTable(benchmark::State& state) {
  tbb::task_arena arena(Threads(state));
  RecordTable table;
  arena.execute([&] { table = std::move(ReadBuffer(CsvData(), "bench.csv", "bench", ReadOptions{}, nullptr)).value(); });
  auto check = ProfileTable(table);
  if (check.size() != 10 || check[3].top.empty() || check[3].top[0].first != "noemail@noemail.com") {
    state.SkipWithError("profile returned a wrong result");
    return;
  }
  for (auto _ : state) {
    arena.execute([&] { benchmark::DoNotOptimize(ProfileTable(table)); });
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kRows);
  state.counters["threads"] = Threads(state);
}

// Arg: threads (0 = all). Registration order is run order: the warm cases must come last.
BENCHMARK(BM_ReadCsv)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ReadJsonLines)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ProfileTable)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ReadCsvWarm)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ReadJsonLinesWarm)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace reclink

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  const char* isa = reclink::io::csv_internal::ActiveCsvKernels().name;
  std::printf("reclink readers, CSV fast path: %s (RECLINK_FORCE_SCALAR=1 forces the baseline)\n", isa);
  benchmark::AddCustomContext("csv_isa", isa);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
