// Similarity kernel benchmarks: single pairs and one-against-many batches on names (3-12
// characters) and e-mail addresses (13-32), in pairs/s, with the active SIMD target in the context.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "reclink/similarity.h"

namespace reclink {
namespace {

constexpr size_t kStrings = 4096;
constexpr size_t kBlock = 1024;  // candidates per one-against-many call
constexpr uint32_t kNoCutoff = 0xFFFFFFFEu;

// kAccented: names in which some syllables carry non-ASCII letters (the decoded code-point path).
enum StringClass { kNames = 0, kEmails = 1, kAccented = 2 };

// Seeded synthetic strings; one in three is a light edit of another so that similar pairs occur.
std::vector<std::string> MakeStrings(StringClass cls) {
  std::mt19937_64 rng(42 + static_cast<int>(cls));
  static const char* kAsciiSyllables[] = {"an", "na", "jo", "el", "ma", "ri", "son", "sch", "li",
                                          "er", "ke", "th", "ya", "ou", "st", "ie", "mc", "dr"};
  static const char* kAccentedSyllables[] = {"an", "n\xC3\xA4", "jo", "\xC3\xA9l", "ma", "ri",
                                             "s\xC3\xB6n", "sch", "li", "er", "k\xC3\xA9",
                                             "th", "ya", "\xC3\xB8u", "st", "i\xC3\xA8",
                                             "mc", "dr"};
  const char* const* kSyllables = cls == kAccented ? kAccentedSyllables : kAsciiSyllables;
  static const char* kDomains[] = {"@gmail.com", "@yahoo.fr", "@web.de", "@corp.io", "@mail.org"};
  std::vector<std::string> out;
  while (out.size() < kStrings) {
    std::string s;
    if (!out.empty() && rng() % 3 == 0) {
      s = out[rng() % out.size()];
      const size_t pos = rng() % s.size();
      if (static_cast<unsigned char>(s[pos]) < 0x80) s[pos] = static_cast<char>('a' + rng() % 26);
    } else if (cls != kEmails) {
      const size_t len = 3 + rng() % 10;
      while (s.size() < len) s += kSyllables[rng() % 18];
      if (cls == kNames) s.resize(len);  // accented: whole syllables, never a cut character
    } else {
      const char* domain = kDomains[rng() % 5];
      const size_t len = 13 + rng() % 20;
      const size_t local = len - std::char_traits<char>::length(domain);
      while (s.size() < local) s += kSyllables[rng() % 18];
      s.resize(local);
      if (local > 4) s[local / 2] = '.';
      s += domain;
    }
    out.push_back(s);
  }
  return out;
}

const std::vector<std::string>& Strings(StringClass cls) {
  static const std::vector<std::string> names = MakeStrings(kNames);
  static const std::vector<std::string> emails = MakeStrings(kEmails);
  static const std::vector<std::string> accented = MakeStrings(kAccented);
  return cls == kNames ? names : cls == kEmails ? emails : accented;
}

std::vector<std::string_view> Views(StringClass cls) {
  const auto& s = Strings(cls);
  return std::vector<std::string_view>(s.begin(), s.end());
}

void SetLabel(benchmark::State& state, StringClass cls) {
  static const char* kLabels[] = {"names", "emails", "accented"};
  state.SetLabel(std::string(kLabels[cls]) + " " + ActiveSimdTarget());
}

void BM_JaroWinklerPair(benchmark::State& state) {
  const auto cls = static_cast<StringClass>(state.range(0));
  const auto v = Views(cls);
  size_t i = 0, pairs = 0;
  for (auto _ : state) {
    for (size_t r = 0; r < 256; ++r, i = i + 2 < kStrings ? i + 1 : 0) {
      benchmark::DoNotOptimize(JaroWinklerSimilarity(v[i], v[i + 1]));
    }
    pairs += 256;
  }
  state.counters["pairs/s"] = benchmark::Counter(static_cast<double>(pairs),
                                                 benchmark::Counter::kIsRate);
  SetLabel(state, cls);
}

template <bool kOsa>
void BM_EditPair(benchmark::State& state) {
  const auto cls = static_cast<StringClass>(state.range(0));
  const uint32_t k = state.range(1) < 0 ? kNoCutoff : static_cast<uint32_t>(state.range(1));
  const auto v = Views(cls);
  size_t i = 0, pairs = 0;
  for (auto _ : state) {
    for (size_t r = 0; r < 256; ++r, i = i + 2 < kStrings ? i + 1 : 0) {
      benchmark::DoNotOptimize(kOsa ? OsaDistance(v[i], v[i + 1], k)
                                    : LevenshteinDistance(v[i], v[i + 1], k));
    }
    pairs += 256;
  }
  state.counters["pairs/s"] = benchmark::Counter(static_cast<double>(pairs),
                                                 benchmark::Counter::kIsRate);
  SetLabel(state, cls);
}

// One query (prepared inside the timed loop, as a block comparison would) against kBlock
// candidates.
void BM_JaroWinklerBatch(benchmark::State& state) {
  const auto cls = static_cast<StringClass>(state.range(0));
  const auto v = Views(cls);
  std::vector<double> out(kBlock), check(kBlock);
  {
    const PreparedString q(v[0]);
    JaroWinklerBatch(q, std::span(v).subspan(1, kBlock), out.data());
    for (size_t c = 0; c < kBlock; ++c) {
      if (out[c] != JaroWinklerSimilarity(v[0], v[1 + c])) {
        state.SkipWithError("batch result differs from the pairwise kernel");
        return;
      }
    }
  }
  size_t q = 0, pairs = 0;
  for (auto _ : state) {
    const PreparedString query(v[q]);
    JaroWinklerBatch(query, std::span(v).subspan((q * 7) % (kStrings - kBlock), kBlock),
                     out.data());
    benchmark::DoNotOptimize(out.data());
    q = (q + 1) % kStrings;
    pairs += kBlock;
  }
  state.counters["pairs/s"] = benchmark::Counter(static_cast<double>(pairs),
                                                 benchmark::Counter::kIsRate);
  SetLabel(state, cls);
}

// Levenshtein (BM_LevenshteinBatch) or OSA (BM_OsaBatch) batch; the result is checked against
// the pairwise kernel before timing.
template <bool kOsa>
void BM_EditBatch(benchmark::State& state) {
  const auto cls = static_cast<StringClass>(state.range(0));
  const uint32_t k = state.range(1) < 0 ? kNoCutoff : static_cast<uint32_t>(state.range(1));
  const auto v = Views(cls);
  const auto batch = kOsa ? OsaBatch : LevenshteinBatch;
  std::vector<uint32_t> out(kBlock);
  {
    const PreparedString q(v[0]);
    batch(q, std::span(v).subspan(1, kBlock), k, out.data());
    for (size_t c = 0; c < kBlock; ++c) {
      const uint32_t want =
          kOsa ? OsaDistance(v[0], v[1 + c], k) : LevenshteinDistance(v[0], v[1 + c], k);
      if (out[c] != want) {
        state.SkipWithError("batch result differs from the pairwise kernel");
        return;
      }
    }
  }
  size_t q = 0, pairs = 0;
  for (auto _ : state) {
    const PreparedString query(v[q]);
    batch(query, std::span(v).subspan((q * 7) % (kStrings - kBlock), kBlock), k, out.data());
    benchmark::DoNotOptimize(out.data());
    q = (q + 1) % kStrings;
    pairs += kBlock;
  }
  state.counters["pairs/s"] = benchmark::Counter(static_cast<double>(pairs),
                                                 benchmark::Counter::kIsRate);
  SetLabel(state, cls);
}

// The prepared pairwise path (what a caller without batching gets per pair).
void BM_JaroWinklerPreparedPair(benchmark::State& state) {
  const auto cls = static_cast<StringClass>(state.range(0));
  const auto v = Views(cls);
  size_t q = 0, pairs = 0;
  for (auto _ : state) {
    const PreparedString query(v[q]);
    const size_t base = q % (kStrings - 256);
    for (size_t c = 0; c < 256; ++c) {
      benchmark::DoNotOptimize(JaroWinklerSimilarity(query, v[base + c]));
    }
    q = (q + 1) % kStrings;
    pairs += 256;
  }
  state.counters["pairs/s"] = benchmark::Counter(static_cast<double>(pairs),
                                                 benchmark::Counter::kIsRate);
  SetLabel(state, cls);
}

void BM_QgramJaccardPair(benchmark::State& state) {
  const auto cls = static_cast<StringClass>(state.range(0));
  const auto v = Views(cls);
  size_t i = 0, pairs = 0;
  for (auto _ : state) {
    for (size_t r = 0; r < 64; ++r, i = i + 2 < kStrings ? i + 1 : 0) {
      benchmark::DoNotOptimize(QgramJaccard(v[i], v[i + 1], 2));
    }
    pairs += 64;
  }
  state.counters["pairs/s"] = benchmark::Counter(static_cast<double>(pairs),
                                                 benchmark::Counter::kIsRate);
  SetLabel(state, cls);
}

BENCHMARK(BM_JaroWinklerPair)->Arg(kNames)->Arg(kEmails)->Arg(kAccented);
BENCHMARK(BM_JaroWinklerPreparedPair)->Arg(kNames)->Arg(kEmails);
BENCHMARK(BM_JaroWinklerBatch)->Arg(kNames)->Arg(kEmails);
BENCHMARK(BM_EditPair<false>)->Name("BM_LevenshteinPair")->Args({kNames, -1})->Args({kEmails, -1})
    ->Args({kAccented, -1})
    ->Args({kNames, 2});
BENCHMARK(BM_EditPair<true>)->Name("BM_OsaPair")->Args({kNames, -1})->Args({kEmails, -1});
BENCHMARK(BM_EditBatch<false>)->Name("BM_LevenshteinBatch")->Args({kNames, -1})
    ->Args({kEmails, -1})->Args({kNames, 2})->Args({kEmails, 2});
BENCHMARK(BM_EditBatch<true>)->Name("BM_OsaBatch")->Args({kNames, -1})->Args({kEmails, -1})
    ->Args({kNames, 2})->Args({kEmails, 2});
BENCHMARK(BM_QgramJaccardPair)->Arg(kNames)->Arg(kEmails);

}  // namespace
}  // namespace reclink

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  std::printf("reclink similarity kernels, active SIMD target: %s\n", reclink::ActiveSimdTarget());
  benchmark::AddCustomContext("simd_target", reclink::ActiveSimdTarget());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
