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
#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <benchmark/benchmark.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "profile/value_counter.h"
#include "reclink/hash.h"

namespace reclink {
namespace {

using profile_detail::ValueCount;
using profile_detail::ValueCounter;

// kAbslReserved: absl with reserve(rows) first, so that it never rehashes (DenseString only).
enum Impl { kHandRolled = 0, kAbsl = 1, kStd = 2, kAbslReserved = 3 };
const char* ImplName(int i) {
  return i == kHandRolled ? "hand-rolled"
         : i == kAbsl     ? "absl"
         : i == kStd      ? "std"
                          : "absl, reserved";
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

}  // namespace
}  // namespace reclink

BENCHMARK_MAIN();
