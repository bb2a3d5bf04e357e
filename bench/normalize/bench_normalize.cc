// Normalize + blocking-key hashing on customer-like records (names, emails, dates, postcodes),
// per core; plus each normalizer and phonetic code alone. Budget: >= 2 M records/s per core.
#include <benchmark/benchmark.h>
#include <xxhash.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "reclink/normalize.h"
#include "reclink/phonetic.h"

namespace reclink {
namespace {

struct Record {
  std::string first, last, dob, email, postcode;
};

// Deterministic customer-like records: ~4% accented names, mixed-case e-mails with +tags, dates
// in the four common written forms, postcodes with random spacing.
std::vector<Record> MakeRecords(size_t n) {
  static const char* kFirst[] = {"John", "Mary", "  james", "PATRICIA", "Robert", "Jennifer",
                                 "Michael", "Linda", "William", "Elizabeth", "David", "Barbara",
                                 "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
                                 "Mary-Ann", "O'Neil", "Zoë", "José", "Renée", "Chloé"};
  static const char* kLast[] = {"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia",
                                "Miller", "Davis", "Rodriguez", "Martinez", "Hernandez", "Lopez",
                                "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore",
                                "Jackson", "Martin", "Lee", "O'Brien", "Smith-Jones", "Müller",
                                "MacDonald", "Thompson", "White", "Harris", "Clark", "Lewis"};
  static const char* kDomains[] = {"example.com", "Mail.CO.UK", "gmail.com", "outlook.com"};
  std::mt19937_64 rng(42);
  std::vector<Record> records(n);
  char buf[64];
  for (Record& r : records) {
    // Accented names are about 4% of the draws.
    size_t fi = rng() % 100 < 4 ? 20 + rng() % 4 : rng() % 20;
    size_t li = rng() % 100 < 4 ? 23 : rng() % 30;
    if (li == 23 && rng() % 2) li = 24;
    r.first = kFirst[fi];
    r.last = kLast[li];
    int y = 1940 + static_cast<int>(rng() % 70), m = 1 + static_cast<int>(rng() % 12),
        d = 1 + static_cast<int>(rng() % 28);
    static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    switch (rng() % 4) {
      case 0: std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d); break;
      case 1: std::snprintf(buf, sizeof buf, "%02d/%02d/%04d", d, m, y); break;
      case 2: std::snprintf(buf, sizeof buf, "%04d%02d%02d", y, m, d); break;
      default: std::snprintf(buf, sizeof buf, "%d %s %04d", d, kMonths[m - 1], y); break;
    }
    r.dob = buf;
    r.email = std::string(r.first.substr(0, 1)) + "." + r.last + std::to_string(rng() % 1000) +
              (rng() % 5 == 0 ? "+news" : "") + "@" + kDomains[rng() % 4];
    std::snprintf(buf, sizeof buf, "%c%c%d%s%d%c%c", 'A' + static_cast<int>(rng() % 26),
                  'A' + static_cast<int>(rng() % 26), static_cast<int>(rng() % 20),
                  rng() % 2 ? " " : "", static_cast<int>(rng() % 10),
                  'a' + static_cast<int>(rng() % 26), 'a' + static_cast<int>(rng() % 26));
    r.postcode = buf;
  }
  return records;
}

const std::vector<Record>& Records() {
  static const std::vector<Record> records = MakeRecords(1 << 16);
  return records;
}

Normalizer Make(const std::vector<std::string>& names) {
  Result<Normalizer> n = Normalizer::Create(names, {});
  if (!n.ok()) std::abort();
  return std::move(n).value();
}

// Hash of key parts joined by a unit separator, as blocking does; 0 when a part is null.
uint64_t KeyHash(std::initializer_list<const std::string*> parts, std::string* buf) {
  buf->clear();
  for (const std::string* p : parts) {
    if (p->empty()) return 0;
    buf->append(*p);
    buf->push_back('\x1f');
  }
  return XXH3_64bits(buf->data(), buf->size());
}

// One record through five normalizer chains and three blocking rules:
// (first, last), (dob), (soundex(last), postcode). Returns a checksum of the keys.
struct Pipeline {
  Normalizer name = Make({"casefold", "strip_accents", "alnum"});
  Normalizer date = Make({"date"});
  Normalizer email = Make({"email"});
  Normalizer postcode = Make({"upper", "nospace"});
  std::string first, last, dob, mail, pc, sx, buf;
  NormalizeScratch scratch;  // one per thread, as the column loops hold one per chunk

  uint64_t Run(const Record& r, NormalizeCounters* c) {
    name.Apply(r.first, &first, c, scratch);
    name.Apply(r.last, &last, c, scratch);
    date.Apply(r.dob, &dob, c, scratch);
    email.Apply(r.email, &mail, c, scratch);
    postcode.Apply(r.postcode, &pc, c, scratch);
    Soundex(last, &sx, scratch);
    return KeyHash({&first, &last}, &buf) ^ KeyHash({&dob}, &buf) * 31 ^
           KeyHash({&sx, &pc}, &buf) * 17 ^ XXH3_64bits(mail.data(), mail.size());
  }
};

void CheckPipeline() {
  Pipeline p;
  Record r{" Zoë ", "Smith-Jones", "3 Jan 1990", "Z.Smith1+news@Mail.CO.UK", "sw1a 2aa"};
  NormalizeCounters c;
  p.Run(r, &c);
  if (p.first != "zoe" || p.last != "smithjones" || p.dob != "1990-01-03" ||
      p.mail != "z.smith1@mail.co.uk" || p.pc != "SW1A2AA" || p.sx != "S532") {
    std::fprintf(stderr, "normalize pipeline check failed: %s|%s|%s|%s|%s|%s\n", p.first.c_str(),
                 p.last.c_str(), p.dob.c_str(), p.mail.c_str(), p.pc.c_str(), p.sx.c_str());
    std::abort();
  }
}

void BM_NormalizeAndHashRecords(benchmark::State& state) {
  CheckPipeline();
  const auto& records = Records();
  Pipeline p;
  NormalizeCounters c;
  uint64_t sum = 0;
  size_t i = 0;
  for (auto _ : state) {
    sum += p.Run(records[i], &c);
    if (++i == records.size()) i = 0;
  }
  benchmark::DoNotOptimize(sum);
  if (c.unparseable_dates.load() != 0) state.SkipWithError("generated dates must all parse");
  state.SetItemsProcessed(state.iterations());
  state.SetLabel("records (5 fields, 3 keys), single thread");
}
BENCHMARK(BM_NormalizeAndHashRecords);

template <typename F>
void RunField(benchmark::State& state, F field, const std::vector<std::string>& chain) {
  const auto& records = Records();
  Normalizer n = Make(chain);
  std::string out;
  NormalizeScratch scratch;
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const std::string& v = field(records[i]);
    benchmark::DoNotOptimize(n.Apply(v, &out, nullptr, scratch));
    bytes += v.size();
    if (++i == records.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

void BM_NameChain(benchmark::State& s) {
  RunField(s, [](const Record& r) -> const std::string& { return r.last; },
           {"casefold", "strip_accents", "alnum"});
}
void BM_Date(benchmark::State& s) {
  RunField(s, [](const Record& r) -> const std::string& { return r.dob; }, {"date"});
}
void BM_Email(benchmark::State& s) {
  RunField(s, [](const Record& r) -> const std::string& { return r.email; }, {"email"});
}
void BM_Postcode(benchmark::State& s) {
  RunField(s, [](const Record& r) -> const std::string& { return r.postcode; },
           {"upper", "nospace"});
}
BENCHMARK(BM_NameChain);
BENCHMARK(BM_Date);
BENCHMARK(BM_Email);
BENCHMARK(BM_Postcode);

template <void (*Code)(std::string_view, std::string*, NormalizeScratch&)>
void BM_Phonetic(benchmark::State& state) {
  const auto& records = Records();
  std::string out;
  NormalizeScratch scratch;
  size_t i = 0;
  for (auto _ : state) {
    Code(records[i].last, &out, scratch);
    benchmark::DoNotOptimize(out.data());
    if (++i == records.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
void MetaphoneFull(std::string_view s, std::string* out, NormalizeScratch& scratch) {
  Metaphone(s, out, 0, scratch);
}
void NysiisDefault(std::string_view s, std::string* out, NormalizeScratch& scratch) {
  Nysiis(s, out, 6, scratch);
}
BENCHMARK(BM_Phonetic<Soundex>)->Name("BM_Soundex");
BENCHMARK(BM_Phonetic<MetaphoneFull>)->Name("BM_Metaphone");
BENCHMARK(BM_Phonetic<NysiisDefault>)->Name("BM_Nysiis");

// The whole-column path (oneTBB, all cores).
void BM_NormalizeColumn(benchmark::State& state) {
  Column in("last");
  for (const Record& r : Records()) in.Append(r.last);
  Normalizer n = Make({"casefold", "strip_accents", "alnum"});
  for (auto _ : state) {
    Column out = NormalizeColumn(in, n, "last_n", nullptr);
    benchmark::DoNotOptimize(out.arena_bytes());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(in.size()));
}
BENCHMARK(BM_NormalizeColumn)->UseRealTime();

}  // namespace
}  // namespace reclink

BENCHMARK_MAIN();
