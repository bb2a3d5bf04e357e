// One-against-many Levenshtein (Myers 1999 / Hyyro 2003) and Jaro / Jaro-Winkler kernels: one
// candidate per SIMD lane, the query's pattern masks shared by all lanes. Compiled once per
// instruction set by Highway (foreach_target) and chosen at run time with HWY_DYNAMIC_DISPATCH.
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

// SSSE3 and AVX3_DL add little over SSE4 / AVX3 here and cost compile time.
#ifndef HWY_DISABLED_TARGETS
#define HWY_DISABLED_TARGETS (HWY_SSSE3 | HWY_AVX3_DL)
#endif

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "compare/batch_kernels.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/aligned_allocator.h>
#include <hwy/highway.h>

#include "compare/batch_query.h"
#include "reclink/similarity.h"

HWY_BEFORE_NAMESPACE();
namespace reclink {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

int64_t CompiledTarget() { return HWY_TARGET; }

// Candidates of one lane group, transposed: buf[j * lanes + i] is byte j of candidate i, or
// kPad past its end (kPad is not ASCII, so it never matches a query code point).
template <typename T>
struct LaneGroup {
  static constexpr T kPad = 255;
  size_t lanes = 0;   // vector lanes
  size_t used = 0;    // lanes holding a candidate
  size_t steps = 0;   // longest candidate
  hwy::AlignedFreeUniquePtr<T[]> buf, lens;

  explicit LaneGroup(size_t n)
      : lanes(n),
        buf(hwy::AllocateAligned<T>(kBatchMaxCandidateBytes * n)),
        lens(hwy::AllocateAligned<T>(n)) {}

  void Fill(const uint32_t* idx, size_t count, const std::string_view* cands) {
    used = count;
    steps = 0;
    for (size_t i = 0; i < count; ++i) steps = std::max(steps, cands[idx[i]].size());
    std::fill(buf.get(), buf.get() + steps * lanes, kPad);
    for (size_t i = 0; i < lanes; ++i) {
      if (i >= count) {
        lens[i] = 0;
        continue;
      }
      const std::string_view s = cands[idx[i]];
      lens[i] = static_cast<T>(s.size());
      for (size_t j = 0; j < s.size(); ++j) buf[j * lanes + i] = static_cast<uint8_t>(s[j]);
    }
  }
};

// Query masks of the code points in c: by comparing with each query byte (16-bit lanes, short
// queries) or by a gather from a table (32/64-bit lanes).
template <class D>
class QueryMasks {
  using T = hn::TFromD<D>;

 public:
  QueryMasks(D d, const BatchQuery& q) : q_(q) {
    (void)d;
    if constexpr (sizeof(T) >= 4) {
      table_ = hwy::AllocateAligned<T>(256);
      for (size_t c = 0; c < 256; ++c) table_[c] = c < 128 ? static_cast<T>(q.ascii_pm[c]) : 0;
    }
  }
  HWY_INLINE hn::Vec<D> Get(D d, hn::Vec<D> c) const {
    if constexpr (sizeof(T) >= 4) {
      const hn::RebindToSigned<D> di;
      return hn::GatherIndex(d, table_.get(), hn::BitCast(di, c));
    } else {
      auto pm = hn::Zero(d);
      for (size_t p = 0; p < q_.len; ++p) {
        const auto eq = hn::Eq(c, hn::Set(d, static_cast<T>(q_.bytes[p])));
        pm = hn::Or(pm, hn::IfThenElseZero(eq, hn::Set(d, static_cast<T>(T{1} << p))));
      }
      return pm;
    }
  }

 private:
  const BatchQuery& q_;
  hwy::AlignedFreeUniquePtr<T[]> table_;
};

// Active-lane mask as a vector: all ones where j < lens.
template <class D>
HWY_INLINE hn::Vec<D> Below(D d, size_t j, hn::Vec<D> lens) {
  const hn::RebindToSigned<D> di;
  using TI = hn::TFromD<decltype(di)>;
  const auto lt = hn::Lt(hn::Set(di, static_cast<TI>(j)), hn::BitCast(di, lens));
  return hn::BitCast(d, hn::VecFromMask(di, lt));
}

template <typename T>
void LevenshteinLanes(const BatchQuery& q, const uint32_t* idx, size_t count,
                      const std::string_view* cands, uint32_t k, uint32_t* out) {
  const hn::ScalableTag<T> d;
  const size_t n = hn::Lanes(d);
  LaneGroup<T> group(n);
  QueryMasks<decltype(d)> masks(d, q);
  auto result = hwy::AllocateAligned<T>(n);
  const auto one = hn::Set(d, T{1});
  const int last_shift = static_cast<int>(q.len - 1);
  for (size_t g = 0; g < count; g += n) {
    const size_t used = std::min(n, count - g);
    group.Fill(idx + g, used, cands);
    const auto lens = hn::Load(d, group.lens.get());
    auto vp = hn::Set(d, static_cast<T>(~T{0}));
    auto vn = hn::Zero(d);
    auto score = hn::Set(d, static_cast<T>(q.len));
    for (size_t j = 0; j < group.steps; ++j) {
      const auto c = hn::Load(d, group.buf.get() + j * n);
      const auto x = hn::Or(masks.Get(d, c), vn);
      const auto d0 = hn::Or(hn::Xor(hn::Add(hn::And(x, vp), vp), vp), x);
      auto hp = hn::Or(vn, hn::Not(hn::Or(d0, vp)));
      const auto hn_ = hn::And(vp, d0);
      const auto active = Below(d, j, lens);
      score = hn::Add(score, hn::And(hn::And(hn::ShiftRightSame(hp, last_shift), one), active));
      score = hn::Sub(score, hn::And(hn::And(hn::ShiftRightSame(hn_, last_shift), one), active));
      hp = hn::Or(hn::ShiftLeft<1>(hp), one);
      vn = hn::And(hp, d0);
      vp = hn::Or(hn::ShiftLeft<1>(hn_), hn::Not(hn::Or(hp, d0)));
    }
    hn::Store(score, d, result.get());
    for (size_t i = 0; i < used; ++i) {
      const uint32_t dist = static_cast<uint32_t>(result[i]);
      out[idx[g + i]] = dist > k ? k + 1 : dist;
    }
  }
}

void LevenshteinBatchImpl(const BatchQuery& q, const uint32_t* idx, size_t count,
                          const std::string_view* cands, uint32_t k, uint32_t* out) {
  if (q.len <= 16) return LevenshteinLanes<uint16_t>(q, idx, count, cands, k, out);
  if (q.len <= 32) return LevenshteinLanes<uint32_t>(q, idx, count, cands, k, out);
  return LevenshteinLanes<uint64_t>(q, idx, count, cands, k, out);
}

// Bit-parallel Jaro per lane (see JaroBitParallel64 in bit_parallel.h for the scalar original):
// pass 1 takes, per text position, the lowest unmatched query position inside the window;
// pass 2 pairs matched positions in order to count transpositions.
template <typename T>
void JaroLanes(const BatchQuery& q, const uint32_t* idx, size_t count,
               const std::string_view* cands, JaroLaneCounts* out) {
  const hn::ScalableTag<T> d;
  const size_t n = hn::Lanes(d);
  LaneGroup<T> group(n);
  QueryMasks<decltype(d)> masks(d, q);
  auto window = hwy::AllocateAligned<T>(n);
  auto bound0 = hwy::AllocateAligned<T>(n);
  auto taken = hwy::AllocateAligned<T>(kBatchMaxCandidateBytes * n);
  auto step_pm = hwy::AllocateAligned<T>(kBatchMaxCandidateBytes * n);
  auto matches = hwy::AllocateAligned<T>(n);
  auto mismatched = hwy::AllocateAligned<T>(n);
  auto prefix = hwy::AllocateAligned<T>(n);
  const auto one = hn::Set(d, T{1});
  const auto zero = hn::Zero(d);
  constexpr size_t kBits = sizeof(T) * 8;
  const size_t prefix_steps = std::min<size_t>(q.len, kJaroWinklerMaxPrefix);
  for (size_t g = 0; g < count; g += n) {
    const size_t used = std::min(n, count - g);
    group.Fill(idx + g, used, cands);
    for (size_t i = 0; i < n; ++i) {
      const size_t mx = std::max<size_t>(q.len, group.lens[i]);
      const size_t w = mx / 2 > 0 ? mx / 2 - 1 : 0;
      window[i] = static_cast<T>(w);
      bound0[i] = w + 1 >= kBits ? static_cast<T>(~T{0}) : static_cast<T>((T{1} << (w + 1)) - 1);
    }
    const auto win = hn::Load(d, window.get());
    auto bound = hn::Load(d, bound0.get());
    auto p_flag = zero;
    auto same = hn::Set(d, static_cast<T>(~T{0}));
    auto pre = zero;
    for (size_t j = 0; j < group.steps; ++j) {
      const auto c = hn::Load(d, group.buf.get() + j * n);
      const auto pm = masks.Get(d, c);
      const auto x = hn::AndNot(p_flag, hn::And(pm, bound));
      const auto low = hn::And(x, hn::Sub(zero, x));
      p_flag = hn::Or(p_flag, low);
      hn::Store(low, d, taken.get() + j * n);
      hn::Store(pm, d, step_pm.get() + j * n);
      bound = hn::Or(hn::ShiftLeft<1>(bound), hn::And(Below(d, j, win), one));
      if (j < prefix_steps) {
        same = hn::And(same, hn::VecFromMask(d, hn::Eq(c, hn::Set(d, static_cast<T>(q.bytes[j])))));
        pre = hn::Add(pre, hn::And(same, one));
      }
    }
    auto remaining = p_flag;
    auto mis = zero;
    for (size_t j = 0; j < group.steps; ++j) {
      const auto matched = hn::Ne(hn::Load(d, taken.get() + j * n), zero);
      const auto p_low = hn::And(remaining, hn::Sub(zero, remaining));
      const auto pm = hn::Load(d, step_pm.get() + j * n);
      const auto differ = hn::And(matched, hn::Eq(hn::And(pm, p_low), zero));
      mis = hn::Add(mis, hn::IfThenElseZero(differ, one));
      remaining = hn::IfThenElse(matched, hn::Xor(remaining, p_low), remaining);
    }
    hn::Store(hn::PopulationCount(p_flag), d, matches.get());
    hn::Store(mis, d, mismatched.get());
    hn::Store(pre, d, prefix.get());
    for (size_t i = 0; i < used; ++i) {
      JaroLaneCounts& r = out[g + i];
      r.matches = static_cast<uint32_t>(matches[i]);
      r.transpositions = static_cast<uint32_t>(mismatched[i]) / 2;
      r.prefix = static_cast<uint32_t>(prefix[i]);
      r.length = static_cast<uint32_t>(group.lens[i]);
    }
  }
}

void JaroBatchImpl(const BatchQuery& q, const uint32_t* idx, size_t count,
                   const std::string_view* cands, JaroLaneCounts* out) {
  if (q.len <= 16) return JaroLanes<uint16_t>(q, idx, count, cands, out);
  if (q.len <= 32) return JaroLanes<uint32_t>(q, idx, count, cands, out);
  return JaroLanes<uint64_t>(q, idx, count, cands, out);
}

}  // namespace HWY_NAMESPACE
}  // namespace reclink
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "compare/bit_parallel.h"
#include "compare/simd_targets.h"
#include "compare/utf8_decode.h"
#include "reclink/similarity.h"

namespace reclink {

HWY_EXPORT(CompiledTarget);
HWY_EXPORT(LevenshteinBatchImpl);
HWY_EXPORT(JaroBatchImpl);

namespace {

std::atomic<int> force_scalar_mode{-1};

bool ForceScalar() {
  static const bool from_env = [] {
    const char* v = std::getenv("RECLINK_FORCE_SCALAR");
    return v != nullptr && v[0] != '\0' && std::strcmp(v, "0") != 0;
  }();
  const int mode = force_scalar_mode.load(std::memory_order_relaxed);
  return mode < 0 ? from_env : mode == 1;
}

// Splits candidates into those the lane kernels take (ASCII, short) and the rest.
bool QueryFitsLanes(const PreparedString& query) {
  return query.is_ascii() && query.length() >= 1 && query.length() <= 64;
}

void LaneCandidates(std::span<const std::string_view> cands, std::vector<uint32_t>* lane,
                    std::vector<uint32_t>* other) {
  lane->clear();
  other->clear();
  for (size_t i = 0; i < cands.size(); ++i) {
    const std::string_view s = cands[i];
    if (s.size() <= kBatchMaxCandidateBytes && compare_internal::IsAscii(s)) {
      lane->push_back(static_cast<uint32_t>(i));
    } else {
      other->push_back(static_cast<uint32_t>(i));
    }
  }
}

BatchQuery MakeQuery(const PreparedString& query) {
  BatchQuery q;
  q.bytes = reinterpret_cast<const uint8_t*>(query.text().data());
  q.len = query.length();
  q.ascii_pm = query.masks().ascii_table();
  return q;
}

void JaroBatchAny(const PreparedString& query, std::span<const std::string_view> cands,
                  double* out, bool winkler) {
  if (ForceScalar() || !QueryFitsLanes(query)) {
    for (size_t i = 0; i < cands.size(); ++i) {
      out[i] = winkler ? JaroWinklerSimilarity(query, cands[i]) : JaroSimilarity(query, cands[i]);
    }
    return;
  }
  thread_local std::vector<uint32_t> lane, other;
  thread_local std::vector<JaroLaneCounts> counts;
  LaneCandidates(cands, &lane, &other);
  for (uint32_t i : other) {
    out[i] = winkler ? JaroWinklerSimilarity(query, cands[i]) : JaroSimilarity(query, cands[i]);
  }
  counts.resize(lane.size());
  const BatchQuery q = MakeQuery(query);
  HWY_DYNAMIC_DISPATCH(JaroBatchImpl)(q, lane.data(), lane.size(), cands.data(), counts.data());
  const size_t m = query.length();
  for (size_t i = 0; i < lane.size(); ++i) {
    const JaroLaneCounts& c = counts[i];
    double sim;
    if (c.length == 0) {
      sim = 0.0;
    } else {
      sim = compare_internal::JaroFromCounts({c.matches, c.transpositions}, m, c.length);
      if (winkler) sim = compare_internal::WinklerBoost(sim, c.prefix);
    }
    out[lane[i]] = sim;
  }
}

}  // namespace

void JaroWinklerBatch(const PreparedString& query, std::span<const std::string_view> cands,
                      double* out) {
  JaroBatchAny(query, cands, out, true);
}

void JaroBatch(const PreparedString& query, std::span<const std::string_view> cands, double* out) {
  JaroBatchAny(query, cands, out, false);
}

void LevenshteinBatch(const PreparedString& query, std::span<const std::string_view> cands,
                      uint32_t k, uint32_t* out) {
  if (ForceScalar() || !QueryFitsLanes(query)) {
    for (size_t i = 0; i < cands.size(); ++i) out[i] = LevenshteinDistance(query, cands[i], k);
    return;
  }
  k = std::min(k, 0xFFFFFFFEu);
  thread_local std::vector<uint32_t> lane, other;
  LaneCandidates(cands, &lane, &other);
  for (uint32_t i : other) out[i] = LevenshteinDistance(query, cands[i], k);
  const BatchQuery q = MakeQuery(query);
  HWY_DYNAMIC_DISPATCH(LevenshteinBatchImpl)(q, lane.data(), lane.size(), cands.data(), k, out);
}

const char* ActiveSimdTarget() {
  if (ForceScalar()) return "scalar";
  return hwy::TargetName(HWY_DYNAMIC_DISPATCH(CompiledTarget)());
}

namespace compare_internal {

std::vector<int64_t> AvailableSimdTargets() {
  std::vector<int64_t> out;
  for (int64_t t : hwy::SupportedAndGeneratedTargets()) out.push_back(t);
  return out;
}

std::string SimdTargetName(int64_t target) { return hwy::TargetName(target); }

void UseSimdTargetForTest(int64_t target) {
  hwy::SetSupportedTargetsForTest(target);
  hwy::GetChosenTarget().Update(hwy::SupportedTargets());
}

void SetForceScalarForTest(int mode) { force_scalar_mode.store(mode, std::memory_order_relaxed); }

}  // namespace compare_internal
}  // namespace reclink
#endif  // HWY_ONCE
