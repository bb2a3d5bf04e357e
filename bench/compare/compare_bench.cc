// Similarity kernel benchmarks: single pairs and one-against-many batches on names (3-12
// characters), e-mail addresses (13-32) and titles (65-300, ASCII and accented), in pairs/s and
// ns/pair, with the active SIMD target in the context.
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
// kTitles: title-, address- or description-like strings of 65-300 characters (past one 64-bit
// pattern word, some past the 256-code-point cap); kTitlesAccented: the same with accented words.
enum StringClass { kNames = 0, kEmails = 1, kAccented = 2, kTitles = 3, kTitlesAccented = 4 };

size_t CodePoints(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// Titles: words until 65-300 code points, then (half the time) the next string is the previous
// one with 1-4 realistic edits: a typo, a dropped or doubled letter, a dropped word, two words
// swapped. So pair (i, i + 1) is a near-duplicate about half the time, else unrelated.
std::vector<std::string> MakeTitles(bool accented) {
  std::mt19937_64 rng(4242 + accented);
  static const char* kAsciiWords[] = {
      "the",     "of",         "and",      "international", "annual",   "report",
      "on",      "data",       "linkage",  "record",        "street",   "avenue",
      "north",   "company",    "limited",  "services",      "journal",  "proceedings",
      "systems", "for",        "analysis", "national",      "museum",   "history",
      "second",  "edition",    "volume",   "road",          "building", "research",
      "centre",  "university", "press",    "new",           "public",   "health",
      "a",       "study",      "in",       "methods",       "quality",  "survey"};
  // UTF-8 as octal escapes (at most three digits each, so no literal needs splitting).
  static const char* kAccentedWords[] = {"la",
                                         "de",
                                         "r\303\251sum\303\251",
                                         "soci\303\251t\303\251",
                                         "g\303\251n\303\251rale",
                                         "stra\303\237e",
                                         "m\303\274ller",
                                         "K\303\270benhavn",
                                         "\303\251dition",
                                         "revue",
                                         "fran\303\247aise",
                                         "histoire",
                                         "und",
                                         "f\303\274r",
                                         "Z\303\274rich",
                                         "universit\303\251",
                                         "\303\251tudes",
                                         "\303\266ffentliche",
                                         "donn\303\251es",
                                         "analyse",
                                         "qualit\303\251",
                                         "m\303\251thodes",
                                         "centre",
                                         "\345\214\227\344\272\254",
                                         "S\303\243o",
                                         "Paulo",
                                         "avenida",
                                         "r\303\272a",
                                         "n\302\272",
                                         "annuel"};
  const char* const* words = accented ? kAccentedWords : kAsciiWords;
  const size_t word_count = accented ? std::size(kAccentedWords) : std::size(kAsciiWords);
  std::vector<std::string> out;
  while (out.size() < kStrings) {
    std::string s;
    if (!out.empty() && rng() % 2 == 0) {
      s = out.back();
      const int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits; ++e) {
        size_t pos = rng() % s.size();
        while (pos > 0 && (static_cast<unsigned char>(s[pos]) & 0xC0) == 0x80) --pos;
        const bool ascii = static_cast<unsigned char>(s[pos]) < 0x80;
        switch (rng() % 4) {
          case 0:  // typo
            if (ascii) s[pos] = static_cast<char>('a' + rng() % 26);
            break;
          case 1:  // dropped or doubled letter
            if (ascii && rng() % 2) {
              s.erase(pos, 1);
            } else if (ascii) {
              s.insert(pos, 1, s[pos]);
            }
            break;
          case 2: {  // dropped word
            const size_t start = s.rfind(' ', pos);
            const size_t end = s.find(' ', pos + 1);
            if (start != std::string::npos && end != std::string::npos) s.erase(start, end - start);
            break;
          }
          default: {  // two adjacent words swapped
            const size_t a = s.rfind(' ', pos);
            const size_t b = a == std::string::npos ? a : s.find(' ', a + 1);
            const size_t c = b == std::string::npos ? b : s.find(' ', b + 1);
            if (c != std::string::npos) {
              s = s.substr(0, a + 1) + s.substr(b + 1, c - b - 1) + " " +
                  s.substr(a + 1, b - a - 1) + s.substr(c);
            }
            break;
          }
        }
      }
    }
    if (CodePoints(s) < 65) {  // fresh (or an edit that fell below the class's range)
      const size_t len = 65 + rng() % 236;
      s.clear();
      while (CodePoints(s) < len) {
        if (!s.empty()) s += ' ';
        s += words[rng() % word_count];
      }
      if (!accented) s.resize(len);  // accented: whole words, never a cut character
    }
    out.push_back(s);
  }
  return out;
}

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
  static const std::vector<std::string> titles = MakeTitles(false);
  static const std::vector<std::string> titles_accented = MakeTitles(true);
  switch (cls) {
    case kNames:
      return names;
    case kEmails:
      return emails;
    case kAccented:
      return accented;
    case kTitles:
      return titles;
    case kTitlesAccented:
      break;
  }
  return titles_accented;
}

std::vector<std::string_view> Views(StringClass cls) {
  const auto& s = Strings(cls);
  return std::vector<std::string_view>(s.begin(), s.end());
}

// Labels the run and sets its rates: pairs/s, and ns/pair (the inverse, the figure the docs quote).
void Finish(benchmark::State& state, StringClass cls, size_t pairs) {
  static const char* kLabels[] = {"names", "emails", "accented", "titles", "titles-accented"};
  state.SetLabel(std::string(kLabels[cls]) + " " + ActiveSimdTarget());
  const double p = static_cast<double>(pairs);
  state.counters["pairs/s"] = benchmark::Counter(p, benchmark::Counter::kIsRate);
  state.counters["ns/pair"] =
      benchmark::Counter(p * 1e-9, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_JaroWinklerPair(benchmark::State& state) {
  const auto cls = static_cast<StringClass>(state.range(0));
  const auto v = Views(cls);
  size_t i = 0, pairs = 0;
  KernelScratch scratch;  // one per thread, as a scoring loop holds it
  for (auto _ : state) {
    for (size_t r = 0; r < 256; ++r, i = i + 2 < kStrings ? i + 1 : 0) {
      benchmark::DoNotOptimize(JaroWinklerSimilarity(v[i], v[i + 1], scratch));
    }
    pairs += 256;
  }
  Finish(state, cls, pairs);
}

template <bool kOsa>
void BM_EditPair(benchmark::State& state) {
  const auto cls = static_cast<StringClass>(state.range(0));
  const uint32_t k = state.range(1) < 0 ? kNoCutoff : static_cast<uint32_t>(state.range(1));
  const auto v = Views(cls);
  size_t i = 0, pairs = 0;
  KernelScratch scratch;
  for (auto _ : state) {
    for (size_t r = 0; r < 256; ++r, i = i + 2 < kStrings ? i + 1 : 0) {
      benchmark::DoNotOptimize(kOsa ? OsaDistance(v[i], v[i + 1], k, scratch)
                                    : LevenshteinDistance(v[i], v[i + 1], k, scratch));
    }
    pairs += 256;
  }
  Finish(state, cls, pairs);
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
  Finish(state, cls, pairs);
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
  Finish(state, cls, pairs);
}

// Phone numbers (11 digits) against 8, 32 or 1024 candidates with cutoff 1, the demo rules' phone
// and postcode comparison: each candidate is the previous number with one edit (a substitution,
// a transposition, an inserted or deleted digit) or another number. OSA batch with the query
// prepared (BM_OsaBatchPhones) or OsaWithinOne per candidate (BM_OsaWithinOnePhones, what
// Comparisons uses for a comparison of exact and damerau_levenshtein <= 1 levels); both checked
// against the pairwise kernel before timing.
std::vector<std::string> MakePhones() {
  std::mt19937_64 rng(16);
  std::vector<std::string> out;
  std::string prev = "07971489549";
  for (size_t i = 0; i < kStrings; ++i) {
    std::string v = prev;
    switch (rng() % 5) {
      case 0: v[rng() % v.size()] = static_cast<char>('0' + rng() % 10); break;
      case 1: { const size_t p = rng() % (v.size() - 1); std::swap(v[p], v[p + 1]); break; }
      case 2: v.insert(rng() % v.size(), 1, static_cast<char>('0' + rng() % 10)); break;
      case 3: if (v.size() > 9) v.erase(rng() % v.size(), 1); break;
      default:
        v = "07";
        for (int d = 0; d < 9; ++d) v += static_cast<char>('0' + rng() % 10);
    }
    out.push_back(v);
    prev = v;
  }
  return out;
}

template <bool kWithinOne>
void BM_OsaPhones(benchmark::State& state) {
  static const std::vector<std::string> phones = MakePhones();
  const std::vector<std::string_view> v(phones.begin(), phones.end());
  const size_t n = static_cast<size_t>(state.range(0));  // candidates per query
  std::vector<uint32_t> out(n);
  auto block = [&](size_t q, size_t first) {
    if constexpr (kWithinOne) {
      for (size_t c = 0; c < n; ++c) out[c] = static_cast<uint32_t>(OsaWithinOne(v[q], v[first + c]));
    } else {
      const PreparedString query(v[q]);
      OsaBatch(query, std::span(v).subspan(first, n), 1, out.data());
    }
  };
  block(0, 1);
  for (size_t c = 0; c < n; ++c) {
    if (out[c] != OsaDistance(v[0], v[1 + c], 1)) {
      state.SkipWithError("result differs from the pairwise kernel");
      return;
    }
  }
  size_t q = 0, pairs = 0;
  for (auto _ : state) {
    block(q, (q * 7) % (kStrings - n));
    benchmark::DoNotOptimize(out.data());
    q = (q + 1) % kStrings;
    pairs += n;
  }
  state.SetLabel(std::string("phones ") + ActiveSimdTarget());
  const double p = static_cast<double>(pairs);
  state.counters["pairs/s"] = benchmark::Counter(p, benchmark::Counter::kIsRate);
  state.counters["ns/pair"] = benchmark::Counter(p * 1e-9, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// The prepared pairwise path (what a caller without batching gets per pair): Jaro-Winkler
// (BM_JaroWinklerPreparedPair) or Levenshtein without cutoff (BM_LevenshteinPreparedPair).
template <bool kLevenshtein>
void BM_PreparedPair(benchmark::State& state) {
  const auto cls = static_cast<StringClass>(state.range(0));
  const auto v = Views(cls);
  size_t q = 0, pairs = 0;
  for (auto _ : state) {
    const PreparedString query(v[q]);
    const size_t base = q % (kStrings - 256);
    for (size_t c = 0; c < 256; ++c) {
      if constexpr (kLevenshtein) {
        benchmark::DoNotOptimize(LevenshteinDistance(query, v[base + c], kNoCutoff));
      } else {
        benchmark::DoNotOptimize(JaroWinklerSimilarity(query, v[base + c]));
      }
    }
    q = (q + 1) % kStrings;
    pairs += 256;
  }
  Finish(state, cls, pairs);
}

void BM_QgramJaccardPair(benchmark::State& state) {
  const auto cls = static_cast<StringClass>(state.range(0));
  const auto v = Views(cls);
  size_t i = 0, pairs = 0;
  KernelScratch scratch;
  for (auto _ : state) {
    for (size_t r = 0; r < 64; ++r, i = i + 2 < kStrings ? i + 1 : 0) {
      benchmark::DoNotOptimize(QgramJaccard(v[i], v[i + 1], 2, scratch));
    }
    pairs += 64;
  }
  Finish(state, cls, pairs);
}

// Titles (65-300 characters) run Jaro-Winkler and Levenshtein (no cutoff, the full computation,
// and k = 2) on the same pairs: `--benchmark_filter=titles` is not a filter on labels, so
// select them with `--benchmark_filter='/[34]'`.
BENCHMARK(BM_JaroWinklerPair)
    ->Arg(kNames)
    ->Arg(kEmails)
    ->Arg(kAccented)
    ->Arg(kTitles)
    ->Arg(kTitlesAccented);
BENCHMARK(BM_PreparedPair<false>)
    ->Name("BM_JaroWinklerPreparedPair")
    ->Arg(kNames)
    ->Arg(kEmails)
    ->Arg(kTitles)
    ->Arg(kTitlesAccented);
BENCHMARK(BM_PreparedPair<true>)
    ->Name("BM_LevenshteinPreparedPair")
    ->Arg(kNames)
    ->Arg(kEmails)
    ->Arg(kTitles)
    ->Arg(kTitlesAccented);
BENCHMARK(BM_JaroWinklerBatch)->Arg(kNames)->Arg(kEmails)->Arg(kTitles)->Arg(kTitlesAccented);
BENCHMARK(BM_EditPair<false>)
    ->Name("BM_LevenshteinPair")
    ->Args({kNames, -1})
    ->Args({kEmails, -1})
    ->Args({kAccented, -1})
    ->Args({kNames, 2})
    ->Args({kTitles, -1})
    ->Args({kTitlesAccented, -1})
    ->Args({kTitles, 2});
BENCHMARK(BM_EditPair<true>)->Name("BM_OsaPair")->Args({kNames, -1})->Args({kEmails, -1});
BENCHMARK(BM_EditBatch<false>)
    ->Name("BM_LevenshteinBatch")
    ->Args({kNames, -1})
    ->Args({kEmails, -1})
    ->Args({kNames, 2})
    ->Args({kEmails, 2})
    ->Args({kTitles, -1})
    ->Args({kTitlesAccented, -1})
    ->Args({kTitles, 2});
BENCHMARK(BM_EditBatch<true>)->Name("BM_OsaBatch")->Args({kNames, -1})->Args({kEmails, -1})
    ->Args({kNames, 2})->Args({kEmails, 2});
BENCHMARK(BM_OsaPhones<false>)->Name("BM_OsaBatchPhones")->Arg(8)->Arg(32)->Arg(1024);
BENCHMARK(BM_OsaPhones<true>)->Name("BM_OsaWithinOnePhones")->Arg(8)->Arg(32)->Arg(1024);
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
