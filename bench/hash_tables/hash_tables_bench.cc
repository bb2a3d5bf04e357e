// reclink's hand-rolled hash tables against absl::flat_hash_map/set and std::unordered_map, each
// in its real use (key type, size, access pattern). Every benchmark checks its result against
// a reference before timing. The table of results and the decisions: docs/performance.md,
// "Hash tables".
//
//  - Touched: incremental runs' set of touched blocking-key hashes (pipeline/incremental.cc):
//    insert the delta's key hashes, then look up every saved record's hash (mostly misses).
//    Now absl::flat_hash_set; the hand-rolled set it replaced is kept here.
//  - DenseU32: MakeDense (evaluate/contingency.cc) numbers sparse uint32 cluster labels 0, 1, 2...
//    in order of first appearance; CombineWithSource does the same with 64-bit keys.
//  - DenseString: DenseLabels (evaluate/dense_labels.cc) numbers truth-label strings.
//    Both now absl::flat_hash_map; the hand-rolled DenseIdTable they used is kept here.
//  - ProfileFew: `reclink profile` counting a column of few distinct values in one table
//    (profile/value_counter.h, ValueCounter::Add), keyed by (XXH3 hash, 8-byte order key).
//  - ProfileParted: the partitioned path, each partition of <= 4,096 records counted in place
//    (ValueCounter::CountInPlace).
//  - QgramJaccard: the q-gram set of QgramJaccard (compare/jaccard.cc, PackedJaccard), q = 2 and
//    3, over 10,000 pairs of names, addresses or titles (5-80 bytes, half near-duplicates): the
//    hand-rolled case calls the real QgramJaccard with a reused KernelScratch; the alternatives
//    (absl::flat_hash_map of each gram's sides, cleared per pair; sort + unique of both gram
//    vectors and a merge) pack the grams as jaccard.cc does. Kept: 1.3-1.8x faster than absl.
//  - EqualPairs: ExactAgreementShare's count of equal-value pairs (model/u_sampler.cc), 1 M value
//    hashes of two sources in partitions of 1,024-2,048, each counted by value and by (value,
//    source). "absl, reserved" is the real count (model/equal_pairs.h, SumEqualPairs); the
//    hand-rolled table it replaced is kept here; "absl" is the same map grown without a reserve.
#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <benchmark/benchmark.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "compare/utf8_decode.h"
#include "model/equal_pairs.h"
#include "profile/value_counter.h"
#include "reclink/hash.h"
#include "reclink/similarity.h"

namespace reclink {
namespace {

using profile_detail::ValueCount;
using profile_detail::ValueCounter;

// kAbslReserved: absl with reserve(rows) first, so that it never rehashes (DenseString only).
// kSortUnique: no hash table, sort + unique of each side's grams and a merge (QgramJaccard only).
enum Impl { kHandRolled = 0, kAbsl = 1, kStd = 2, kAbslReserved = 3, kSortUnique = 4 };
const char* ImplName(int i) {
  return i == kHandRolled     ? "hand-rolled"
         : i == kAbsl         ? "absl"
         : i == kStd          ? "std"
         : i == kAbslReserved ? "absl, reserved"
                              : "sort+unique";
}

// A precomputed, already uniform 64-bit hash used as is (the real uses hash with XXH3 first).
struct PrehashedU64 {
  size_t operator()(uint64_t h) const { return static_cast<size_t>(h); }
};

// ---------------------------------------------------------------- incremental: touched key hashes

// The set incremental.cc used before Abseil (open addressing, linear probing, 0 = empty, load
// factor <= 1/2), kept here as the measured alternative.
class LinearProbingSet {
 public:
  explicit LinearProbingSet(size_t expected) {
    size_t cap = 16;
    while (cap < expected * 2) cap <<= 1;
    slots_.assign(cap, 0);
    mask_ = cap - 1;
  }
  void Insert(uint64_t h) {
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      if (slots_[i] == h) return;
      if (slots_[i] == 0) {
        slots_[i] = h;
        return;
      }
    }
  }
  bool Contains(uint64_t h) const {
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      if (slots_[i] == h) return true;
      if (slots_[i] == 0) return false;
    }
  }

 private:
  std::vector<uint64_t> slots_;
  size_t mask_ = 0;
};

constexpr size_t kSavedRecords = 1'000'000;

// A saved state of 1 M records whose key hashes fall in blocks of 1-4 records, and a delta of
// `delta` records: half of them updates or inserts into existing blocks, half new keys.
struct TouchedWorkload {
  std::vector<uint64_t> old_hashes, delta_hashes;
  size_t expected_hits = 0;
};

const TouchedWorkload& Touched(size_t delta) {
  static std::unordered_map<size_t, TouchedWorkload> cache;
  auto [it, fresh] = cache.try_emplace(delta);
  if (!fresh) return it->second;
  TouchedWorkload& w = it->second;
  std::mt19937_64 rng(42 + delta);
  while (w.old_hashes.size() < kSavedRecords) {
    uint64_t h = rng();
    while (h == 0) h = rng();  // nonzero, as XXH3 key hashes (0 marks "no key")
    for (size_t k = 1 + rng() % 4; k > 0 && w.old_hashes.size() < kSavedRecords; --k)
      w.old_hashes.push_back(h);
  }
  std::shuffle(w.old_hashes.begin(), w.old_hashes.end(), rng);
  for (size_t d = 0; d < delta; ++d) {
    uint64_t fresh_hash = rng();
    while (fresh_hash == 0) fresh_hash = rng();
    w.delta_hashes.push_back(d % 2 == 0 ? w.old_hashes[rng() % kSavedRecords] : fresh_hash);
  }
  std::vector<uint64_t> sorted = w.delta_hashes;
  std::sort(sorted.begin(), sorted.end());
  for (uint64_t h : w.old_hashes)
    w.expected_hits += std::binary_search(sorted.begin(), sorted.end(), h);
  return w;
}

template <class Set, class Insert, class Contains>
size_t TouchedHits(const TouchedWorkload& w, Set set, Insert insert, Contains contains) {
  for (uint64_t h : w.delta_hashes) insert(set, h);
  size_t hits = 0;
  for (uint64_t h : w.old_hashes) hits += contains(set, h);
  return hits;
}

size_t RunTouched(int impl, const TouchedWorkload& w) {
  const size_t n = w.delta_hashes.size();
  switch (impl) {
    case kHandRolled:
      return TouchedHits(
          w, LinearProbingSet(n), [](auto& s, uint64_t h) { s.Insert(h); },
          [](const auto& s, uint64_t h) { return s.Contains(h); });
    case kAbsl: {
      absl::flat_hash_set<uint64_t> s;
      s.reserve(n);
      return TouchedHits(
          w, std::move(s), [](auto& s, uint64_t h) { s.insert(h); },
          [](const auto& s, uint64_t h) { return s.contains(h); });
    }
    default: {
      std::unordered_set<uint64_t, PrehashedU64> s;
      s.reserve(n);
      return TouchedHits(
          w, std::move(s), [](auto& s, uint64_t h) { s.insert(h); },
          [](const auto& s, uint64_t h) { return s.count(h) != 0; });
    }
  }
}

void BM_Touched(benchmark::State& state) {
  const int impl = static_cast<int>(state.range(0));
  const TouchedWorkload& w = Touched(static_cast<size_t>(state.range(1)));
  if (RunTouched(impl, w) != w.expected_hits)
    return state.SkipWithError("wrong number of touched records");
  for (auto _ : state) benchmark::DoNotOptimize(RunTouched(impl, w));
  state.SetLabel(ImplName(impl));
  state.SetItemsProcessed(state.iterations() * (w.old_hashes.size() + w.delta_hashes.size()));
}
BENCHMARK(BM_Touched)
    ->ArgsProduct({{kHandRolled, kAbsl, kStd}, {10'000, 100'000}})
    ->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------- evaluate: dense numbering

// The table evaluate used before Abseil (numbers distinct keys 0, 1, 2... in order of first
// appearance; open addressing, linear probing at load factor <= 1/2, doubling when full; the
// caller keeps the keys), kept here as the measured alternative.
class DenseIdTable {
 public:
  explicit DenseIdTable(size_t expected_keys = 16) {
    size_t capacity = 16;
    while (capacity < 2 * expected_keys) capacity *= 2;
    Reset(capacity);
  }

  // The id of the key with this hash for which same_key(id) is true, or a new id (== size()
  // before the call) when there is none. same_key compares the caller's key with the key that
  // was first given that id.
  template <class SameKey>
  uint32_t FindOrInsert(uint64_t hash, SameKey&& same_key) {
    size_t slot = hash & mask_;
    while (ids_[slot] != kEmpty) {
      if (hashes_[slot] == hash && same_key(ids_[slot])) return ids_[slot];
      slot = (slot + 1) & mask_;
    }
    uint32_t id = size_++;
    hashes_[slot] = hash;
    ids_[slot] = id;
    if (2 * size_ > ids_.size()) Grow();
    return id;
  }

  uint32_t size() const { return size_; }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;

  void Reset(size_t capacity) {
    hashes_.assign(capacity, 0);
    ids_.assign(capacity, kEmpty);
    mask_ = capacity - 1;
  }

  void Grow() {
    std::vector<uint64_t> old_hashes = std::move(hashes_);
    std::vector<uint32_t> old_ids = std::move(ids_);
    Reset(old_ids.size() * 2);
    for (size_t i = 0; i < old_ids.size(); ++i) {
      if (old_ids[i] == kEmpty) continue;
      size_t slot = old_hashes[i] & mask_;
      while (ids_[slot] != kEmpty) slot = (slot + 1) & mask_;
      hashes_[slot] = old_hashes[i];
      ids_[slot] = old_ids[i];
    }
  }

  std::vector<uint64_t> hashes_;
  std::vector<uint32_t> ids_;
  size_t mask_ = 0;
  uint32_t size_ = 0;
};

constexpr size_t kLabelRows = 1'000'000;

// 1 M rows in clusters of 1-4 rows (about 400,000 labels), each cluster's label a sparse uint32
// (the smallest row of a cluster after a shuffle, times a spread), rows in random order.
const std::vector<uint32_t>& SparseLabels() {
  static const std::vector<uint32_t> labels = [] {
    std::mt19937_64 rng(7);
    std::vector<uint32_t> v;
    while (v.size() < kLabelRows) {
      const uint32_t label = static_cast<uint32_t>(rng());
      for (size_t k = 1 + rng() % 4; k > 0 && v.size() < kLabelRows; --k) v.push_back(label);
    }
    std::shuffle(v.begin(), v.end(), rng);
    return v;
  }();
  return labels;
}

std::vector<uint32_t> DenseU32(int impl, const std::vector<uint32_t>& labels) {
  std::vector<uint32_t> out(labels.size());
  if (impl == kHandRolled) {
    DenseIdTable table;
    std::vector<uint32_t> first_key;
    for (size_t r = 0; r < labels.size(); ++r) {
      const uint32_t key = labels[r];
      const uint32_t id =
          table.FindOrInsert(Mix64(key), [&](uint32_t i) { return first_key[i] == key; });
      if (id == first_key.size()) first_key.push_back(key);
      out[r] = id;
    }
  } else if (impl == kAbsl) {
    absl::flat_hash_map<uint32_t, uint32_t> ids;
    for (size_t r = 0; r < labels.size(); ++r) {
      out[r] = ids.try_emplace(labels[r], static_cast<uint32_t>(ids.size())).first->second;
    }
  } else {
    std::unordered_map<uint32_t, uint32_t> ids;
    for (size_t r = 0; r < labels.size(); ++r) {
      out[r] = ids.try_emplace(labels[r], static_cast<uint32_t>(ids.size())).first->second;
    }
  }
  return out;
}

// First-appearance numbering by sorting: the reference.
std::vector<uint32_t> DenseReference(const std::vector<uint32_t>& labels) {
  std::vector<std::pair<uint32_t, uint32_t>> by_label;  // (label, first row)
  for (size_t r = 0; r < labels.size(); ++r)
    by_label.emplace_back(labels[r], static_cast<uint32_t>(r));
  std::sort(by_label.begin(), by_label.end());
  std::vector<std::pair<uint32_t, uint32_t>> firsts;  // (first row, label)
  for (size_t i = 0; i < by_label.size(); ++i) {
    if (i == 0 || by_label[i].first != by_label[i - 1].first)
      firsts.emplace_back(by_label[i].second, by_label[i].first);
  }
  std::sort(firsts.begin(), firsts.end());
  std::vector<std::pair<uint32_t, uint32_t>> id_of;  // (label, id)
  for (size_t i = 0; i < firsts.size(); ++i)
    id_of.emplace_back(firsts[i].second, static_cast<uint32_t>(i));
  std::sort(id_of.begin(), id_of.end());
  std::vector<uint32_t> out(labels.size());
  for (size_t r = 0; r < labels.size(); ++r) {
    out[r] = std::lower_bound(id_of.begin(), id_of.end(), std::make_pair(labels[r], uint32_t{0}))
                 ->second;
  }
  return out;
}

void BM_DenseU32(benchmark::State& state) {
  const int impl = static_cast<int>(state.range(0));
  const std::vector<uint32_t>& labels = SparseLabels();
  static const std::vector<uint32_t> expected = DenseReference(labels);
  if (DenseU32(impl, labels) != expected)
    return state.SkipWithError("numbering differs from the reference");
  for (auto _ : state) benchmark::DoNotOptimize(DenseU32(impl, labels));
  state.SetLabel(ImplName(impl));
  state.SetItemsProcessed(state.iterations() * labels.size());
}
BENCHMARK(BM_DenseU32)->DenseRange(kHandRolled, kStd)->Unit(benchmark::kMillisecond);

// Truth labels as text ("E" and 7 digits), same cluster structure as SparseLabels.
const std::vector<std::string>& StringLabels() {
  static const std::vector<std::string> labels = [] {
    std::vector<std::string> v;
    v.reserve(kLabelRows);
    char buf[16];
    for (uint32_t label : SparseLabels()) {
      std::snprintf(buf, sizeof buf, "E%07u", label % 10'000'000);
      v.emplace_back(buf);
    }
    return v;
  }();
  return labels;
}

std::vector<uint32_t> DenseString(int impl, const std::vector<std::string>& values) {
  std::vector<uint32_t> out(values.size());
  if (impl == kHandRolled) {
    DenseIdTable table;
    std::vector<uint32_t> first_row;
    std::hash<std::string_view> hasher;
    for (size_t r = 0; r < values.size(); ++r) {
      const std::string_view value = values[r];
      const uint32_t id = table.FindOrInsert(
          Mix64(hasher(value)), [&](uint32_t i) { return values[first_row[i]] == value; });
      if (id == first_row.size()) first_row.push_back(static_cast<uint32_t>(r));
      out[r] = id;
    }
  } else if (impl == kAbsl || impl == kAbslReserved) {
    absl::flat_hash_map<std::string_view, uint32_t> ids;
    if (impl == kAbslReserved) ids.reserve(values.size());
    for (size_t r = 0; r < values.size(); ++r) {
      out[r] = ids.try_emplace(values[r], static_cast<uint32_t>(ids.size())).first->second;
    }
  } else {
    std::unordered_map<std::string_view, uint32_t> ids;
    for (size_t r = 0; r < values.size(); ++r) {
      out[r] = ids.try_emplace(values[r], static_cast<uint32_t>(ids.size())).first->second;
    }
  }
  return out;
}

void BM_DenseString(benchmark::State& state) {
  const int impl = static_cast<int>(state.range(0));
  const std::vector<std::string>& values = StringLabels();
  static const std::vector<uint32_t> expected = [&] {
    std::vector<uint32_t> numeric;  // "E%07u" is one-to-one on label % 10^7
    for (const std::string& s : values)
      numeric.push_back(static_cast<uint32_t>(std::stoul(s.substr(1))));
    return DenseReference(numeric);
  }();
  if (DenseString(impl, values) != expected)
    return state.SkipWithError("numbering differs from the reference");
  for (auto _ : state) benchmark::DoNotOptimize(DenseString(impl, values));
  state.SetLabel(ImplName(impl));
  state.SetItemsProcessed(state.iterations() * values.size());
}
BENCHMARK(BM_DenseString)->DenseRange(kHandRolled, kAbslReserved)->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------- profile: value counts

// (XXH3 hash, order key) of a value: profile's identity of a distinct value.
struct ValueKey {
  uint64_t hash, key;
  bool operator==(const ValueKey&) const = default;
};
struct ValueKeyHash {
  size_t operator()(const ValueKey& k) const { return static_cast<size_t>(k.hash); }
};

ValueCount MakeRecord(std::string_view v, RowId row) {
  uint64_t key = 0;
  for (size_t i = 0; i < v.size() && i < 8; ++i)
    key |= uint64_t{static_cast<unsigned char>(v[i])} << (56 - 8 * i);
  return ValueCount{XXH3_64bits(v.data(), v.size()), key, row, 0};
}

// 1 M records of a column with `distinct` values, Zipf-like (surnames, cities), in record order.
std::vector<ValueCount> ColumnRecords(size_t distinct, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<ValueCount> recs;
  recs.reserve(kLabelRows);
  for (RowId r = 0; r < kLabelRows; ++r) {
    const double u = std::uniform_real_distribution<double>(0, 1)(rng);
    const size_t rank = static_cast<size_t>(std::pow(static_cast<double>(distinct), u)) - 1;
    recs.push_back(MakeRecord("value-" + std::to_string(rank), r));
  }
  return recs;
}

size_t DistinctReference(const std::vector<ValueCount>& recs) {
  std::vector<std::pair<uint64_t, uint64_t>> keys;
  for (const ValueCount& v : recs) keys.emplace_back(v.hash, v.key);
  std::sort(keys.begin(), keys.end());
  return static_cast<size_t>(std::unique(keys.begin(), keys.end()) - keys.begin());
}

// Counts every record (ValueCounter::Add, or a library map from the value's key to its index in
// a dense array of distinct values); returns the number of distinct values.
size_t CountFew(int impl, const std::vector<ValueCount>& recs, ValueCounter& counter) {
  if (impl == kHandRolled) {
    counter.Reset(1024);
    for (const ValueCount& v : recs) counter.Add(v.hash, v.key, v.row);
    return counter.distinct();
  }
  std::vector<ValueCount> values;
  auto count = [&](auto& index) {
    index.reserve(1024);
    for (const ValueCount& v : recs) {
      auto [it, inserted] =
          index.try_emplace(ValueKey{v.hash, v.key}, static_cast<uint32_t>(values.size()));
      if (inserted) values.push_back(ValueCount{v.hash, v.key, v.row, 0});
      ++values[it->second].count;
    }
    return values.size();
  };
  if (impl == kAbsl) {
    absl::flat_hash_map<ValueKey, uint32_t, ValueKeyHash> index;
    return count(index);
  }
  std::unordered_map<ValueKey, uint32_t, ValueKeyHash> index;
  return count(index);
}

void BM_ProfileFew(benchmark::State& state) {
  const int impl = static_cast<int>(state.range(0));
  const size_t distinct = static_cast<size_t>(state.range(1));
  static std::unordered_map<size_t, std::pair<std::vector<ValueCount>, size_t>> cache;
  auto [it, fresh] = cache.try_emplace(distinct);
  if (fresh) {
    it->second.first = ColumnRecords(distinct, distinct);
    it->second.second = DistinctReference(it->second.first);
  }
  const auto& [recs, expected] = it->second;
  ValueCounter counter;
  if (CountFew(impl, recs, counter) != expected)
    return state.SkipWithError("distinct count differs");
  for (auto _ : state) benchmark::DoNotOptimize(CountFew(impl, recs, counter));
  state.SetLabel(ImplName(impl));
  state.SetItemsProcessed(state.iterations() * recs.size());
}
BENCHMARK(BM_ProfileFew)
    ->ArgsProduct({{kHandRolled, kAbsl, kStd}, {100, 2'000}})
    ->Unit(benchmark::kMillisecond);

// The partitioned path: a column of mostly distinct values (ids, e-mails), its records grouped
// by the hash's top bits into partitions of about 4,096, each counted separately.
constexpr size_t kPartitionValues = 4096;

struct Parted {
  std::vector<ValueCount> recs;
  std::vector<size_t> begin;  // partition p is [begin[p], begin[p + 1])
  size_t expected = 0;
};

const Parted& PartedRecords() {
  static const Parted parted = [] {
    Parted p;
    p.recs = ColumnRecords(2'000'000, 99);  // about 800,000 distinct of 1 M
    p.expected = DistinctReference(p.recs);
    int bits = 0;
    while ((p.recs.size() >> bits) > kPartitionValues) ++bits;
    std::stable_sort(p.recs.begin(), p.recs.end(), [&](const ValueCount& a, const ValueCount& b) {
      return a.hash >> (64 - bits) < b.hash >> (64 - bits);
    });
    p.begin.push_back(0);
    for (size_t i = 1; i < p.recs.size(); ++i) {
      if (p.recs[i].hash >> (64 - bits) != p.recs[i - 1].hash >> (64 - bits)) p.begin.push_back(i);
    }
    p.begin.push_back(p.recs.size());
    return p;
  }();
  return parted;
}

size_t CountParted(int impl, std::vector<ValueCount>& recs, const std::vector<size_t>& begin,
                   ValueCounter& counter) {
  for (ValueCount& v : recs) v.count = 0;
  size_t distinct = 0;
  absl::flat_hash_map<ValueKey, uint32_t, ValueKeyHash> absl_index;
  std::unordered_map<ValueKey, uint32_t, ValueKeyHash> std_index;
  for (size_t p = 0; p + 1 < begin.size(); ++p) {
    ValueCount* part = recs.data() + begin[p];
    const size_t n = begin[p + 1] - begin[p];
    if (impl == kHandRolled) {
      distinct += counter.CountInPlace(part, n);
      continue;
    }
    // The first record of each value gets the count, as CountInPlace does.
    auto count = [&](auto& index) {
      index.clear();
      index.reserve(n);
      for (size_t k = 0; k < n; ++k) {
        auto [it, inserted] =
            index.try_emplace(ValueKey{part[k].hash, part[k].key}, static_cast<uint32_t>(k));
        ++part[it->second].count;
      }
      return index.size();
    };
    distinct += impl == kAbsl ? count(absl_index) : count(std_index);
  }
  return distinct;
}

void BM_ProfileParted(benchmark::State& state) {
  const int impl = static_cast<int>(state.range(0));
  const Parted& parted = PartedRecords();
  std::vector<ValueCount> recs = parted.recs;
  ValueCounter counter;
  if (CountParted(impl, recs, parted.begin, counter) != parted.expected) {
    return state.SkipWithError("distinct count differs");
  }
  for (auto _ : state) benchmark::DoNotOptimize(CountParted(impl, recs, parted.begin, counter));
  state.SetLabel(ImplName(impl));
  state.SetItemsProcessed(state.iterations() * recs.size());
}
BENCHMARK(BM_ProfileParted)->DenseRange(kHandRolled, kStd)->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------- compare: q-gram Jaccard

// Pairs of field values as compared in the score stage: half near-duplicates (1-3 character
// edits of the same value, so up to 3 bytes outside the ranges below), half unrelated values
// of the same field; about 1 in 8 values has a non-ASCII word. kind 0: names (5-25 bytes),
// 1: addresses (20-50), 2: titles (30-80).
const char* const kFirst[] = {"john",     "mary",    "james",   "patricia", "robert",
                              "jennifer", "michael", "linda",   "william",  "elizabeth",
                              "david",    "barbara", "richard", "susan",    "joseph",
                              "jessica",  "thomas",  "sarah",   "charles",  "karen"};
const char* const kLast[] = {"smith",     "johnson", "williams", "brown",     "jones",
                             "garcia",    "miller",  "davis",    "rodriguez", "martinez",
                             "hernandez", "lopez",   "gonzalez", "wilson",    "anderson",
                             "thomas",    "taylor",  "moore",    "jackson",   "martin"};
const char* const kStreet[] = {"oak",  "maple", "main", "park",   "cedar", "elm",  "washington",
                               "lake", "hill",  "pine", "church", "high",  "mill", "station"};
const char* const kStreetType[] = {"street", "avenue", "road", "lane", "drive", "court", "way"};
const char* const kCity[] = {"springfield", "riverside",  "fairview", "franklin",
                             "greenville",  "bristol",    "clinton",  "salem",
                             "madison",     "georgetown", "arlington"};
const char* const kWord[] = {
    "analysis", "of",       "the",   "record", "linkage",    "probabilistic",
    "model",    "for",      "large", "scale",  "data",       "matching",
    "a",        "study",    "on",    "entity", "resolution", "with",
    "blocking", "methods",  "in",    "health", "census",     "evaluation",
    "approach", "efficient"};
const char* const kAccented[] = {"josé",  "müller", "zoë",    "françoise", "straße", "łódź",
                                 "søren", "garcía", "jürgen", "zürich",    "şahin"};

template <size_t N>
std::string Pick(const char* const (&words)[N], std::mt19937_64& rng) {
  return words[rng() % N];
}

std::string FieldValue(int kind, std::mt19937_64& rng) {
  const bool accented = rng() % 8 == 0;
  std::string v;
  auto word = [&](std::string w) {
    if (!v.empty()) v += ' ';
    v += w;
  };
  if (kind == 0) {
    word(accented ? Pick(kAccented, rng) : Pick(kFirst, rng));
    if (rng() % 3 == 0) word(Pick(kFirst, rng).substr(0, 1));
    word(Pick(kLast, rng));
  } else if (kind == 1) {
    word(std::to_string(1 + rng() % 999));
    word(accented ? Pick(kAccented, rng) : Pick(kStreet, rng));
    word(Pick(kStreetType, rng) + ",");
    word(Pick(kCity, rng));
    if (rng() % 2 == 0) word(std::to_string(10000 + rng() % 90000));
  } else {
    const size_t words = 4 + rng() % 8;
    for (size_t w = 0; w < words; ++w)
      word(w == 1 && accented ? Pick(kAccented, rng) : Pick(kWord, rng));
  }
  return v;
}

// 1-3 byte edits (substitute, delete, insert, transpose) on ASCII bytes, so that the value stays
// valid UTF-8.
std::string Edit(std::string v, std::mt19937_64& rng) {
  for (size_t e = 1 + rng() % 3; e > 0 && v.size() > 2; --e) {
    const size_t i = rng() % (v.size() - 1);
    if (static_cast<unsigned char>(v[i]) >= 0x80 || static_cast<unsigned char>(v[i + 1]) >= 0x80)
      continue;
    switch (rng() % 4) {
      case 0:
        v[i] = static_cast<char>('a' + rng() % 26);
        break;
      case 1:
        v.erase(i, 1);
        break;
      case 2:
        v.insert(i, 1, static_cast<char>('a' + rng() % 26));
        break;
      default:
        std::swap(v[i], v[i + 1]);
    }
  }
  return v;
}

constexpr size_t kQgramPairs = 10'000;

const std::vector<std::pair<std::string, std::string>>& QgramPairs(int kind) {
  static std::vector<std::pair<std::string, std::string>> cache[3];
  auto& pairs = cache[kind];
  if (!pairs.empty()) return pairs;
  const size_t min_len[] = {5, 20, 30}, max_len[] = {25, 50, 80};
  std::mt19937_64 rng(1000 + kind);
  auto value = [&] {
    for (;;) {
      std::string v = FieldValue(kind, rng);
      if (v.size() >= min_len[kind] && v.size() <= max_len[kind]) return v;
    }
  };
  while (pairs.size() < kQgramPairs) {
    std::string a = value();
    std::string b = pairs.size() % 2 == 0 ? Edit(a, rng) : value();
    pairs.emplace_back(std::move(a), std::move(b));
  }
  return pairs;
}

// Reference: the sets of grams as code-point sequences (std::set), no packing, no hashing.
double QgramReference(std::string_view a, std::string_view b, size_t q) {
  auto grams = [q](std::string_view s) {
    std::vector<uint32_t> cps;
    compare_internal::AppendCodePoints(s, &cps);
    std::set<std::vector<uint32_t>> set;
    if (!cps.empty() && cps.size() < q) set.insert(cps);
    for (size_t i = 0; i + q <= cps.size(); ++i) set.emplace(cps.begin() + i, cps.begin() + i + q);
    return set;
  };
  const auto ga = grams(a), gb = grams(b);
  if (ga.empty() && gb.empty()) return 1.0;
  if (ga.empty() || gb.empty()) return 0.0;
  size_t common = 0;
  for (const auto& g : ga) common += gb.count(g);
  return static_cast<double>(common) / static_cast<double>(ga.size() + gb.size() - common);
}

// The alternatives get the grams exactly as jaccard.cc makes them (code points, packed in a
// uint64 with the short-string tag), so that only the set differs.
void AppendPackedGrams(std::string_view s, size_t q, std::vector<uint32_t>& cps,
                       std::vector<uint64_t>& grams) {
  cps.clear();
  if (compare_internal::IsAscii(s)) {
    cps.assign(s.begin(), s.end());
  } else {
    compare_internal::AppendCodePoints(s, &cps);
  }
  const size_t n = cps.size();
  if (n == 0) return;
  if (n < q) {
    uint64_t key = 0;
    for (size_t i = 0; i < n; ++i) key = key << 21 | cps[i];
    grams.push_back(key | uint64_t{1} << 63 | uint64_t{n} << 60);
    return;
  }
  for (size_t i = 0; i + q <= n; ++i) {
    uint64_t key = 0;
    for (size_t j = 0; j < q; ++j) key = key << 21 | cps[i + j];
    grams.push_back(key);
  }
}

// The alternatives' scratch, reused across pairs as KernelScratch is.
struct QgramScratch {
  std::vector<uint32_t> cps;
  std::vector<uint64_t> grams, grams_b;
  absl::flat_hash_map<uint64_t, uint8_t> sides;  // cleared for each pair
};

// The same algorithm as jaccard.cc's PackedJaccard, with absl's map in place of its table.
double AbslQgramJaccard(std::string_view a, std::string_view b, size_t q, QgramScratch& s) {
  s.grams.clear();
  AppendPackedGrams(a, q, s.cps, s.grams);
  const size_t from_a = s.grams.size();
  AppendPackedGrams(b, q, s.cps, s.grams);
  if (s.grams.empty()) return 1.0;
  if (from_a == 0 || from_a == s.grams.size()) return 0.0;
  s.sides.clear();
  size_t count_a = 0, count_b = 0, common = 0;
  for (size_t g = 0; g < s.grams.size(); ++g) {
    const uint8_t side = g < from_a ? 1 : 2;
    uint8_t& sides = s.sides.try_emplace(s.grams[g], uint8_t{0}).first->second;
    if (sides & side) continue;
    sides |= side;
    if (side == 1) {
      ++count_a;
    } else {
      ++count_b;
      common += (sides & 1) != 0;
    }
  }
  return static_cast<double>(common) / static_cast<double>(count_a + count_b - common);
}

double SortedQgramJaccard(std::string_view a, std::string_view b, size_t q, QgramScratch& s) {
  s.grams.clear();
  s.grams_b.clear();
  AppendPackedGrams(a, q, s.cps, s.grams);
  AppendPackedGrams(b, q, s.cps, s.grams_b);
  std::vector<uint64_t>& ga = s.grams;
  std::vector<uint64_t>& gb = s.grams_b;
  if (ga.empty() && gb.empty()) return 1.0;
  if (ga.empty() || gb.empty()) return 0.0;
  std::sort(ga.begin(), ga.end());
  ga.erase(std::unique(ga.begin(), ga.end()), ga.end());
  std::sort(gb.begin(), gb.end());
  gb.erase(std::unique(gb.begin(), gb.end()), gb.end());
  size_t i = 0, j = 0, common = 0;
  while (i < ga.size() && j < gb.size()) {
    if (ga[i] < gb[j]) {
      ++i;
    } else if (gb[j] < ga[i]) {
      ++j;
    } else {
      ++common, ++i, ++j;
    }
  }
  return static_cast<double>(common) / static_cast<double>(ga.size() + gb.size() - common);
}

// Every pair's similarity into `out`; the hand-rolled case calls the real QgramJaccard.
void QgramAll(int impl, const std::vector<std::pair<std::string, std::string>>& pairs, int q,
              KernelScratch& kernel, QgramScratch& scratch, std::vector<double>& out) {
  out.resize(pairs.size());
  for (size_t p = 0; p < pairs.size(); ++p) {
    const std::string_view a = pairs[p].first, b = pairs[p].second;
    out[p] = impl == kHandRolled ? QgramJaccard(a, b, q, kernel)
             : impl == kAbsl     ? AbslQgramJaccard(a, b, static_cast<size_t>(q), scratch)
                                 : SortedQgramJaccard(a, b, static_cast<size_t>(q), scratch);
  }
}

void BM_QgramJaccard(benchmark::State& state) {
  const int impl = static_cast<int>(state.range(0));
  const int q = static_cast<int>(state.range(1));
  const int kind = static_cast<int>(state.range(2));
  const auto& pairs = QgramPairs(kind);
  std::vector<double> expected;
  for (const auto& [a, b] : pairs) expected.push_back(QgramReference(a, b, static_cast<size_t>(q)));
  KernelScratch kernel;
  QgramScratch scratch;
  std::vector<double> out;
  QgramAll(impl, pairs, q, kernel, scratch, out);
  if (out != expected) return state.SkipWithError("similarities differ from the reference");
  for (auto _ : state) {
    QgramAll(impl, pairs, q, kernel, scratch, out);
    benchmark::DoNotOptimize(out.data());
  }
  const char* kinds[] = {"names", "addresses", "titles"};
  state.SetLabel(std::string(ImplName(impl)) + ", " + kinds[kind]);
  state.SetItemsProcessed(state.iterations() * pairs.size());
}
BENCHMARK(BM_QgramJaccard)
    ->ArgsProduct({{kHandRolled, kAbsl, kSortUnique}, {2, 3}, {0, 1, 2}})
    ->Unit(benchmark::kMicrosecond);

// ---------------------------------------------------------------- model: equal-value pairs

using model_detail::EqualPairsCounts;
using model_detail::ValueSource;

// ExactAgreementShare's count (u_sampler.cc, CountEqualPairs) for a link of two sources: 1 M
// value hashes, Zipf-like over `distinct` values, split by the hash's top bits into partitions
// of 1,024-2,048 values on average as there, each counted twice (by value; by value and source).
struct EqualPairsWorkload {
  std::vector<ValueSource> values;
  std::vector<size_t> begin;               // partition p is [begin[p], begin[p + 1])
  std::pair<uint64_t, uint64_t> expected;  // (by value, by value and source)
};

const EqualPairsWorkload& EqualPairsData(size_t distinct) {
  static std::unordered_map<size_t, EqualPairsWorkload> cache;
  auto [it, fresh] = cache.try_emplace(distinct);
  EqualPairsWorkload& w = it->second;
  if (!fresh) return w;
  std::mt19937_64 rng(distinct);
  for (size_t r = 0; r < kLabelRows; ++r) {
    const double u = std::uniform_real_distribution<double>(0, 1)(rng);
    const size_t rank = static_cast<size_t>(std::pow(static_cast<double>(distinct), u)) - 1;
    const std::string v = "value-" + std::to_string(rank);
    w.values.push_back(
        ValueSource{XXH3_64bits(v.data(), v.size()), static_cast<SourceId>(rng() % 2)});
  }
  int bits = 0;
  while (bits < 16 && (w.values.size() >> bits) > 2048) ++bits;
  auto part_of = [&](uint64_t h) { return bits == 0 ? uint64_t{0} : h >> (64 - bits); };
  std::stable_sort(w.values.begin(), w.values.end(),
                   [&](const ValueSource& a, const ValueSource& b) {
                     return part_of(a.hash) < part_of(b.hash);
                   });
  w.begin.push_back(0);
  for (size_t i = 1; i < w.values.size(); ++i) {
    if (part_of(w.values[i].hash) != part_of(w.values[i - 1].hash)) w.begin.push_back(i);
  }
  w.begin.push_back(w.values.size());
  // Reference: sort, then k(k-1)/2 over the runs.
  auto pairs_of_runs = [](std::vector<std::pair<uint64_t, SourceId>> keys) {
    std::sort(keys.begin(), keys.end());
    uint64_t sum = 0;
    for (size_t i = 0, j; i < keys.size(); i = j) {
      for (j = i; j < keys.size() && keys[j] == keys[i]; ++j) {
      }
      sum += uint64_t{j - i} * (j - i - 1) / 2;
    }
    return sum;
  };
  std::vector<std::pair<uint64_t, SourceId>> by_value, by_source;
  for (const ValueSource& v : w.values) {
    by_value.emplace_back(v.hash, 0);
    by_source.emplace_back(v.hash, v.source);
  }
  w.expected = {pairs_of_runs(by_value), pairs_of_runs(by_source)};
  return w;
}

// The table u_sampler.cc used before Abseil (open addressing, linear probing on 16-byte slots
// of (hash, count, source), 2 x the partition's values slots, assigned for each count), kept
// here as the measured alternative.
struct EqualPairsSlot {
  uint64_t hash;
  uint32_t count;  // 0: empty
  SourceId source;
};

uint64_t HandRolledEqualPairs(const ValueSource* values, size_t size, bool by_source,
                              std::vector<EqualPairsSlot>& slot_table) {
  size_t slots = 16;
  while (slots < 2 * size) slots *= 2;
  const size_t mask = slots - 1;
  slot_table.assign(slots, EqualPairsSlot{0, 0, 0});
  for (size_t k = 0; k < size; ++k) {
    const ValueSource& v = values[k];
    const SourceId source = by_source ? v.source : 0;
    size_t i = (v.hash ^ (uint64_t{source} * 0x9E3779B97F4A7C15ULL)) & mask;
    while (slot_table[i].count != 0 &&
           (slot_table[i].hash != v.hash || slot_table[i].source != source)) {
      i = (i + 1) & mask;
    }
    slot_table[i].hash = v.hash;
    slot_table[i].source = source;
    ++slot_table[i].count;
  }
  uint64_t sum = 0;
  for (const EqualPairsSlot& slot : slot_table)
    sum += uint64_t{slot.count} * (slot.count - (slot.count > 0)) / 2;
  return sum;
}

// absl without the reserve: the map grows as the partition's keys arrive.
uint64_t AbslGrownEqualPairs(const ValueSource* values, size_t size, bool by_source,
                             EqualPairsCounts& counts) {
  counts.clear();
  for (size_t k = 0; k < size; ++k) {
    ++counts[model_detail::ValueSourceKey{values[k].hash,
                                          by_source ? values[k].source : SourceId{0}}];
  }
  uint64_t sum = 0;
  for (const auto& [key, count] : counts) sum += uint64_t{count} * (count - 1) / 2;
  return sum;
}

// kAbslReserved is the real count (model_detail::SumEqualPairs).
std::pair<uint64_t, uint64_t> CountEqualPairs(int impl, const EqualPairsWorkload& w,
                                              std::vector<EqualPairsSlot>& slots,
                                              EqualPairsCounts& counts) {
  std::pair<uint64_t, uint64_t> sums{0, 0};
  for (size_t p = 0; p + 1 < w.begin.size(); ++p) {
    const ValueSource* part = w.values.data() + w.begin[p];
    const size_t n = w.begin[p + 1] - w.begin[p];
    for (bool by_source : {false, true}) {
      const uint64_t sum = impl == kHandRolled ? HandRolledEqualPairs(part, n, by_source, slots)
                           : impl == kAbsl
                               ? AbslGrownEqualPairs(part, n, by_source, counts)
                               : model_detail::SumEqualPairs(part, n, by_source, counts);
      (by_source ? sums.second : sums.first) += sum;
    }
  }
  return sums;
}

void BM_EqualPairs(benchmark::State& state) {
  const int impl = static_cast<int>(state.range(0));
  const EqualPairsWorkload& w = EqualPairsData(static_cast<size_t>(state.range(1)));
  std::vector<EqualPairsSlot> slots;
  EqualPairsCounts counts;
  if (CountEqualPairs(impl, w, slots, counts) != w.expected)
    return state.SkipWithError("equal-pair sums differ from the reference");
  for (auto _ : state) benchmark::DoNotOptimize(CountEqualPairs(impl, w, slots, counts));
  state.SetLabel(ImplName(impl));
  state.SetItemsProcessed(state.iterations() * w.values.size() * 2);
}
BENCHMARK(BM_EqualPairs)
    ->ArgsProduct({{kHandRolled, kAbsl, kAbslReserved}, {100, 50'000, 2'000'000}})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace reclink

BENCHMARK_MAIN();
