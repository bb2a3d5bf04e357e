// Comparison levels: one similarity computation per pair serves every threshold level of a
// comparison; exact levels compare precomputed hashes, then the bytes.
#include "reclink/parallel.h"
#include <tbb/cache_aligned_allocator.h>
#include <tbb/enumerable_thread_specific.h>
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cstdlib>
#include <cmath>
#include <charconv>
#include <cstring>
#include <limits>
#include <optional>
#include <vector>

#include "reclink/comparison.h"
#include "reclink/normalize.h"
#include "reclink/similarity.h"

namespace reclink {

struct Comparisons::ScratchPool {
  // One key per instance: local() is a pthread_getspecific, cheap enough per pair.
  tbb::enumerable_thread_specific<ComparisonScratch, tbb::cache_aligned_allocator<ComparisonScratch>,
                                  tbb::ets_key_per_instance>
      scratch;
};

Comparisons::Comparisons() : pool_(std::make_unique<ScratchPool>()) {}
Comparisons::~Comparisons() = default;
Comparisons::Comparisons(Comparisons&&) noexcept = default;
Comparisons& Comparisons::operator=(Comparisons&&) noexcept = default;

ComparisonScratch& Comparisons::PooledScratch() const { return pool_->scratch.local(); }

Result<Comparisons> Comparisons::Build(const Rules& rules, const DerivedFields& fields, int slot_bytes,
                                       std::shared_ptr<SpillArea> spill, std::span<const RowId> slot_of) {
  assert(slot_bytes == 0 || slot_bytes == 8 || slot_bytes == 12 || slot_bytes == 16);
  if (slot_bytes == 0) {
    if (const char* env = std::getenv("RECLINK_SLOT_BYTES")) {
      const std::string_view e(env);
      if (e == "8" || e == "12" || e == "16") slot_bytes = std::atoi(env);
    }
  }
  if (rules.comparisons.size() > kMaxComparisons) {
    return Status::Usage(rules.path + ": error: " + std::to_string(rules.comparisons.size()) +
                         " comparisons; at most " + std::to_string(kMaxComparisons) + " are supported");
  }
  Comparisons out;
  out.fields_ = &fields;
  // Fields no comparison reads may have been released (no rows): the table's rows are the others'.
  for (const Column& col : fields.fields) out.num_rows_ = std::max(out.num_rows_, col.size());
  for (const ComparisonSpec& spec : rules.comparisons) {
    if (spec.levels.size() > kMaxLevels) {
      return Status::Usage(FormatLocation(rules.path, spec.line, 0,
                                          "comparison '" + spec.name + "' has " +
                                              std::to_string(spec.levels.size()) + " levels; at most " +
                                              std::to_string(kMaxLevels) + " are supported"));
    }
    Comp comp;
    comp.spec = spec;
    comp.field = rules.FindField(spec.field);
    if (comp.field < 0) {
      return Status::Usage(FormatLocation(rules.path, spec.line, 0, "comparison names unknown field '" + spec.field + "'"));
    }
    bool numeric = false, date = false;
    for (const LevelSpec& level : spec.levels) {
      if (level.predicate == Predicate::kLevenshtein)
        comp.max_lev = std::max(comp.max_lev, static_cast<uint32_t>(level.threshold));
      if (level.predicate == Predicate::kDamerauLevenshtein)
        comp.max_osa = std::max(comp.max_osa, static_cast<uint32_t>(level.threshold));
      numeric |= level.predicate == Predicate::kNumericDiff || level.predicate == Predicate::kRelativeDiff;
      comp.uses_lev |= level.predicate == Predicate::kLevenshtein;
      comp.uses_osa |= level.predicate == Predicate::kDamerauLevenshtein;
      comp.batch_only &= level.predicate == Predicate::kExact || level.predicate == Predicate::kLevenshtein ||
                         level.predicate == Predicate::kDamerauLevenshtein || level.predicate == Predicate::kJaro ||
                         level.predicate == Predicate::kJaroWinkler;
      comp.uses_jaro |= level.predicate == Predicate::kJaro;
      comp.uses_jw |= level.predicate == Predicate::kJaroWinkler;
      comp.string_metric |= level.predicate == Predicate::kLevenshtein ||
                            level.predicate == Predicate::kDamerauLevenshtein ||
                            level.predicate == Predicate::kJaro || level.predicate == Predicate::kJaroWinkler;
      date |= level.predicate == Predicate::kDateDiffDays;
      const int other = level.predicate == Predicate::kSwapped ? rules.FindField(level.other) : -1;
      if (level.predicate == Predicate::kSwapped && other < 0) {
        return Status::Usage(FormatLocation(rules.path, spec.line, 0,
                                            "level '" + level.label + "' names unknown field '" + level.other + "'"));
      }
      comp.other_field.push_back(other);
    }
    const Column& col = fields.fields[comp.field];
    if (col.arena_bytes() >= (uint64_t{1} << 32)) {
      return Status::Usage(FormatLocation(rules.path, spec.line, 0,
                                          "field '" + spec.field + "' holds 4 GiB of text or more; comparisons support less"));
    }
    comp.osa_within_one = comp.batch_only && comp.uses_osa && !comp.uses_lev && !comp.uses_jaro && !comp.uses_jw &&
                          comp.max_osa <= 1;
    comp.base = col.arena_data();
    if (numeric || date) comp.numbers.assign(col.size(), std::numeric_limits<double>::quiet_NaN());
    out.comps_.push_back(std::move(comp));
  }
  const size_t nc = out.comps_.size();
  const size_t n = out.num_rows();
  assert(slot_of.empty() || slot_of.size() == n);
  // A level that reads a second field (swapped) reads it by the object's row.
  if (!slot_of.empty() && !out.CanGather()) return Status::Internal("comparisons reading a second field built renamed");
  // Slot widths. A first pass over the values' lengths: per comparison and width, the bytes of
  // the values too long for its slot, and the longest value.
  constexpr int kWidths[] = {8, 12, 16};
  std::vector<std::array<std::atomic<uint64_t>, 3>> over_width(nc);
  std::vector<std::atomic<uint64_t>> longest(nc);
  ParallelFor(tbb::blocked_range<size_t>(0, n, 1 << 15), [&](const tbb::blocked_range<size_t>& range) {
    for (size_t c = 0; c < nc; ++c) {
      const Column& col = fields.fields[out.comps_[c].field];
      uint64_t over[3] = {}, max_len = 0;
      for (size_t r = range.begin(); r != range.end(); ++r) {
        const uint64_t len = col.offset(r + 1) - col.offset(r);  // 0 for a null
        max_len = std::max(max_len, len);
        for (int k = 0; k < 3; ++k) over[k] += len > static_cast<uint64_t>(kWidths[k] - 1) ? len : 0;
      }
      for (int k = 0; k < 3; ++k) {
        if (over[k]) over_width[c][k].fetch_add(over[k], std::memory_order_relaxed);
      }
      uint64_t seen = longest[c].load(std::memory_order_relaxed);
      while (max_len > seen && !longest[c].compare_exchange_weak(seen, max_len, std::memory_order_relaxed)) {
      }
    }
  });
  // Per comparison the width whose slots, plus the long values' bytes, take least memory: the
  // long values copied (when at most half the field's text, as below) or the field kept, its
  // text and 4-byte offsets. The narrowest on a tie. Eight bytes hold a long value's length in
  // two, so a field with a value of 64 KiB or more takes 12.
  size_t row_bytes = 0;
  for (size_t c = 0; c < nc; ++c) {
    Comp& comp = out.comps_[c];
    const uint64_t arena = fields.fields[comp.field].arena_bytes();
    const bool fits8 = longest[c].load() < (uint64_t{1} << 16);
    int width = 0;
    uint64_t best = 0;
    for (int k = 0; k < 3; ++k) {
      const int w = kWidths[k];
      if (w == 8 && !fits8) continue;
      if (slot_bytes != 0) {
        if (w < slot_bytes) continue;
        width = w;
        break;
      }
      const uint64_t long_bytes = over_width[c][k].load();
      const uint64_t cost = n * w + (long_bytes * 2 > arena ? arena + 4 * n : long_bytes);
      if (width == 0 || cost < best) {
        width = w;
        best = cost;
      }
    }
    comp.width = width;
    comp.slot_at = static_cast<uint32_t>(row_bytes);
    row_bytes += static_cast<size_t>(width);
  }
  out.row_bytes_ = row_bytes;
  // Row-major slots, filled in parallel over rows.
  if (spill != nullptr && n * row_bytes > 0) {
    Result<char*> region = spill->Allocate(n * row_bytes);
    if (!region.ok()) return region.status();
    out.slot_data_ = *region;
    out.spill_ = std::move(spill);
  } else {
    out.slots_.resize(n * row_bytes);  // uninitialized: every slot is written below
    out.slot_data_ = out.slots_.data();
  }
  std::vector<std::atomic<uint64_t>> over_cap(nc), unparseable(nc), long_bytes(nc);
  ParallelFor(tbb::blocked_range<size_t>(0, n, 1 << 14), [&](const tbb::blocked_range<size_t>& range) {
    for (size_t c = 0; c < nc; ++c) {
      Comp& comp = out.comps_[c];
      const Column& col = fields.fields[comp.field];
      const int w = comp.width;
      bool date = false;
      for (const LevelSpec& level : comp.spec.levels) date |= level.predicate == Predicate::kDateDiffDays;
      uint64_t long_values = 0, bad_numbers = 0, long_sum = 0;
      for (size_t r = range.begin(); r != range.end(); ++r) {
        // Field rows in order (read in order), each written to its row of the object.
        const RowId row = static_cast<RowId>(r);
        const size_t i = slot_of.empty() ? r : slot_of[r];
        char* slot = out.slot_data_ + i * row_bytes + comp.slot_at;
        std::memset(slot, 0, static_cast<size_t>(w));
        if (col.IsNull(row)) {
          slot[w - 1] = static_cast<char>(kNullTag);
          continue;
        }
        const std::string_view v = col.Get(row);
        if (v.size() <= static_cast<size_t>(w - 1)) {
          if (!v.empty()) std::memcpy(slot, v.data(), v.size());
          slot[w - 1] = static_cast<char>(v.size());
        } else {
          const uint64_t hash = XXH3_64bits(v.data(), v.size());
          const uint32_t offset = static_cast<uint32_t>(col.offset(row));
          std::memcpy(slot, &offset, 4);
          if (w == 8) {
            const uint16_t length = static_cast<uint16_t>(v.size());
            std::memcpy(slot + 4, &length, 2);
            slot[6] = static_cast<char>(hash >> 56);
          } else {
            const uint32_t length = static_cast<uint32_t>(v.size());
            std::memcpy(slot + 4, &length, 4);
            std::memcpy(slot + 8, &hash, static_cast<size_t>(w - 9));  // little-endian: the low bytes
          }
          slot[w - 1] = static_cast<char>(kLongTag);
          long_sum += v.size();
        }
        if (comp.string_metric && ExceedsCompareCap(v)) ++long_values;
        if (comp.numbers.empty()) continue;
        if (date) {
          int64_t days;
          if (IsoDateDays(v, &days)) comp.numbers[i] = static_cast<double>(days);
        } else {
          double x;
          auto res = std::from_chars(v.data(), v.data() + v.size(), x);
          // "nan", "inf" and out-of-range numbers are not numbers to compare: |x - y| would be
          // NaN or infinite, and a difference can only be measured between finite values.
          if (res.ec == std::errc() && res.ptr == v.data() + v.size() && std::isfinite(x)) comp.numbers[i] = x;
        }
        bad_numbers += std::isnan(comp.numbers[i]);
      }
      if (long_values) over_cap[c].fetch_add(long_values, std::memory_order_relaxed);
      if (bad_numbers) unparseable[c].fetch_add(bad_numbers, std::memory_order_relaxed);
      if (long_sum) long_bytes[c].fetch_add(long_sum, std::memory_order_relaxed);
    }
  });
  for (size_t c = 0; c < nc; ++c) {
    out.comps_[c].values_over_cap = over_cap[c].load();
    out.comps_[c].unparseable = unparseable[c].load();
  }
  // A field whose long values are at most half its text (names, dates, phones, postcodes: most
  // values are in the slots) has them copied into the comparison's own arena, so that the
  // caller can release the field's text (about 14 bytes a value with its offset); one mostly of
  // long values (e-mails) is read in place, as a copy would only add to the peak. The copy runs
  // once over the rows in order, so the offsets, like the values, do not depend on the threads.
  std::vector<size_t> copied;
  for (size_t c = 0; c < nc; ++c) {
    Comp& comp = out.comps_[c];
    const Column& col = fields.fields[comp.field];
    comp.reads_field = long_bytes[c].load() * 2 > col.arena_bytes();
    if (comp.reads_field) continue;
    comp.long_text.resize(long_bytes[c].load());
    copied.push_back(c);
  }
  if (!copied.empty()) {
    // In chunks of rows on every thread: each chunk's long bytes are summed, then copied at the
    // chunk's offset, which is where one pass in row order puts them. (In one pass, on one
    // thread, this was a tail of about 10 ms at a million records, more when the rows are renamed
    // and the field's values are read out of order.)
    constexpr size_t kChunk = size_t{1} << 15;
    const size_t chunks = (n + kChunk - 1) / kChunk;
    std::vector<uint32_t> at(chunks * copied.size() + copied.size(), 0);  // [chunk][copied]
    auto long_in = [&](size_t k, size_t c, auto&& each) {
      const Comp& comp = out.comps_[c];
      for (size_t r = k * kChunk, end = std::min(n, (k + 1) * kChunk); r < end; ++r) {
        char* s = out.slot_data_ + r * row_bytes + comp.slot_at;
        if (Tag(s, comp.width) == kLongTag) each(s, Length(s, comp.width));
      }
    };
    ParallelFor(size_t{0}, chunks, [&](size_t k) {
      for (size_t i = 0; i < copied.size(); ++i) {
        uint32_t bytes = 0;
        long_in(k, copied[i], [&](char*, uint32_t length) { bytes += length; });
        at[(k + 1) * copied.size() + i] = bytes;
      }
    });
    for (size_t k = 0; k < chunks; ++k)
      for (size_t i = 0; i < copied.size(); ++i)
        at[(k + 1) * copied.size() + i] += at[k * copied.size() + i];
    ParallelFor(size_t{0}, chunks, [&](size_t k) {
      for (size_t i = 0; i < copied.size(); ++i) {
        Comp& comp = out.comps_[copied[i]];
        uint32_t next = at[k * copied.size() + i];
        long_in(k, copied[i], [&](char* s, uint32_t length) {
          std::memcpy(comp.long_text.data() + next, comp.base + Load32(s), length);
          std::memcpy(s, &next, 4);
          next += length;
        });
      }
    });
  }
  for (size_t c : copied) out.comps_[c].base = out.comps_[c].long_text.data();
  out.fields_read_.assign(fields.fields.size(), false);
  for (const Comp& comp : out.comps_) {
    if (comp.reads_field) out.fields_read_[comp.field] = true;
    for (int other : comp.other_field) {
      if (other >= 0) out.fields_read_[other] = true;
    }
  }
  return out;
}

Comparisons::Comp Comparisons::CopyWithoutRows(const Comp& c) {
  Comp d;
  d.spec = c.spec;
  d.field = c.field;
  d.base = c.base;
  d.width = c.width;
  d.slot_at = c.slot_at;
  d.reads_field = c.reads_field;
  d.max_lev = c.max_lev;
  d.max_osa = c.max_osa;
  d.string_metric = c.string_metric;
  d.uses_lev = c.uses_lev;
  d.uses_osa = c.uses_osa;
  d.uses_jaro = c.uses_jaro;
  d.uses_jw = c.uses_jw;
  d.batch_only = c.batch_only;
  d.osa_within_one = c.osa_within_one;
  d.values_over_cap = c.values_over_cap;
  d.unparseable = c.unparseable;
  d.other_field = c.other_field;
  return d;
}

bool Comparisons::CanGather() const {
  for (const Comp& comp : comps_) {
    for (int other : comp.other_field) {
      if (other >= 0) return false;
    }
  }
  return true;
}

void Comparisons::ReleaseRows() {
  assert(spill_ == nullptr);
  decltype(slots_)().swap(slots_);
  slot_data_ = nullptr;
  for (Comp& comp : comps_) std::vector<double>().swap(comp.numbers);
}

size_t Comparisons::GatheredRowBytes() const {
  size_t bytes = row_bytes_;
  for (const Comp& comp : comps_) {
    if (!comp.numbers.empty()) bytes += sizeof(double);
    if (comp.reads_field && num_rows_ > 0) bytes += fields_->fields[comp.field].arena_bytes() / num_rows_ + 1;
  }
  return bytes;
}

Comparisons Comparisons::Gather(std::span<const RowId> rows, std::span<const uint32_t> by_row) const {
  assert(CanGather() && by_row.size() <= rows.size());
  const size_t n = rows.size();
  const size_t m = by_row.size();  // the rows gathered (a local id not in by_row is in no pair)
  const size_t rb = row_bytes_;
  Comparisons out;
  out.fields_ = fields_;
  out.num_rows_ = n;
  out.fields_read_ = fields_read_;
  out.row_bytes_ = rb;
  out.capped_ = capped_;
  out.slots_.resize(n * rb);
  out.slot_data_ = out.slots_.data();
  ParallelFor(size_t{0}, m, [&](size_t k) {
    const uint32_t i = by_row[k];
    std::memcpy(out.slot_data_ + i * rb, slot_data_ + static_cast<size_t>(rows[i]) * rb, rb);
  });
  // Chunks of the rows in row order, for the long values' copy: each chunk's bytes are summed,
  // then copied at the chunk's offset, so the arena's layout does not depend on the threads.
  constexpr size_t kChunk = 1 << 14;
  const size_t chunks = (m + kChunk - 1) / kChunk;
  std::vector<uint64_t> chunk_at(chunks + 1, 0);
  for (const Comp& comp : comps_) {
    Comp local = CopyWithoutRows(comp);
    if (!comp.numbers.empty()) {
      local.numbers.resize(n);
      ParallelFor(size_t{0}, m, [&](size_t k) {
        const uint32_t i = by_row[k];
        local.numbers[i] = comp.numbers[rows[i]];
      });
    }
    if (comp.reads_field) {
      // The values held in the field (its file pages under a memory limit) are copied.
      const int w = comp.width;
      auto long_length = [&](uint32_t i) -> uint32_t {
        const char* s = out.slot_data_ + static_cast<size_t>(i) * rb + comp.slot_at;
        return Tag(s, w) == kLongTag ? Length(s, w) : 0;
      };
      ParallelFor(size_t{0}, chunks, [&](size_t ch) {
        uint64_t bytes = 0;
        for (size_t k = ch * kChunk; k < std::min(m, (ch + 1) * kChunk); ++k) bytes += long_length(by_row[k]);
        chunk_at[ch + 1] = bytes;
      });
      for (size_t ch = 0; ch < chunks; ++ch) chunk_at[ch + 1] += chunk_at[ch];
      local.long_text.resize(chunk_at[chunks]);
      local.reads_field = false;
      ParallelFor(size_t{0}, chunks, [&](size_t ch) {
        uint32_t at = static_cast<uint32_t>(chunk_at[ch]);
        for (size_t k = ch * kChunk; k < std::min(m, (ch + 1) * kChunk); ++k) {
          const uint32_t i = by_row[k];
          char* s = out.slot_data_ + static_cast<size_t>(i) * rb + comp.slot_at;
          if (Tag(s, w) != kLongTag) continue;
          const uint32_t length = Length(s, w);
          std::memcpy(local.long_text.data() + at, comp.base + Load32(s), length);
          std::memcpy(s, &at, 4);
          at += length;
        }
      });
      local.base = local.long_text.data();
    }
    out.comps_.push_back(std::move(local));
  }
  return out;
}

std::string Comparisons::LevelLabel(size_t c, int level) const {
  if (level == 0) return "null";
  const auto& levels = comps_[c].spec.levels;
  if (level <= static_cast<int>(levels.size())) return levels[level - 1].label;
  return "else";
}

uint64_t Comparisons::ValueHash(size_t c, RowId r) const {
  const Comp& comp = comps_[c];
  const char* s = slot(comp, r);
  if (IsNullSlot(s, comp.width)) return 0;
  const std::string_view v = ValueOf(comp, s);
  return XXH3_64bits(v.data(), v.size());
}

int Comparisons::Level(size_t c, RowId a, RowId b, const PreparedString* pa, ComparisonScratch& scratch) const {
  const Comp& comp = comps_[c];
  const char* sa = slot(comp, a);
  const char* sb = slot(comp, b);
  if (IsNullSlot(sa, comp.width) || IsNullSlot(sb, comp.width)) return 0;
  return LevelOfValues(comp, a, b, sa, sb, pa, Precomputed{}, &scratch.kernels_);
}

int Comparisons::Level(size_t c, RowId a, RowId b, const PreparedString* pa) const {
  const Comp& comp = comps_[c];
  const char* sa = slot(comp, a);
  const char* sb = slot(comp, b);
  if (IsNullSlot(sa, comp.width) || IsNullSlot(sb, comp.width)) return 0;
  return LevelOfValues(comp, a, b, sa, sb, pa, Precomputed{}, nullptr);
}

int Comparisons::LevelOfValues(const Comp& comp, RowId a, RowId b, const char* sa, const char* sb,
                               const PreparedString* pa, Precomputed pre, KernelScratch* kernels) const {
  const std::string_view va = ValueOf(comp, sa), vb = ValueOf(comp, sb);
  // Each metric is computed at most once per pair, on first use by a level.
  const bool equal = SlotsEqual(comp, sa, sb);
  double jaro = pre.jaro, jw = pre.jw, jac = -1, qjac = -1;
  int64_t lev = pre.lev, osa = pre.osa;
  // The first of the capped metrics computed here counts the pair once (batch results, passed
  // in `pre`, were counted by LevelsOneToMany).
  bool counted = pre.jaro >= 0 || pre.jw >= 0 || pre.lev >= 0 || pre.osa >= 0;
  auto count_capped = [&] {
    if (counted || equal) return;
    counted = true;
    CountIfCapped(va, vb);
  };
  auto scratch = [&]() -> KernelScratch& { return kernels ? *kernels : PooledScratch().kernels_; };
  const auto& levels = comp.spec.levels;
  for (size_t i = 0; i < levels.size(); ++i) {
    const LevelSpec& level = levels[i];
    bool hit = false;
    switch (level.predicate) {
      case Predicate::kExact:
        hit = equal;
        break;
      case Predicate::kLevenshtein:
        if (lev < 0) count_capped();
        if (lev < 0) lev = equal ? 0 : pa ? LevenshteinDistance(*pa, vb, comp.max_lev) : LevenshteinDistance(va, vb, comp.max_lev, scratch());
        hit = lev <= static_cast<int64_t>(level.threshold);
        break;
      case Predicate::kDamerauLevenshtein:
        if (osa < 0) count_capped();
        if (osa < 0 && comp.max_osa <= 1) osa = equal ? 0 : OsaWithinOne(va, vb);  // -1: not decided
        if (osa < 0) osa = equal ? 0 : pa ? OsaDistance(*pa, vb, comp.max_osa) : OsaDistance(va, vb, comp.max_osa, scratch());
        hit = osa <= static_cast<int64_t>(level.threshold);
        break;
      case Predicate::kJaro:
        if (jaro < 0) count_capped();
        if (jaro < 0) jaro = equal ? 1.0 : pa ? JaroSimilarity(*pa, vb) : JaroSimilarity(va, vb, scratch());
        hit = jaro >= level.threshold;
        break;
      case Predicate::kJaroWinkler:
        if (jw < 0) count_capped();
        if (jw < 0) jw = equal ? 1.0 : pa ? JaroWinklerSimilarity(*pa, vb) : JaroWinklerSimilarity(va, vb, scratch());
        hit = jw >= level.threshold;
        break;
      case Predicate::kJaccard:
        if (jac < 0) jac = equal ? 1.0 : TokenJaccard(va, vb, scratch());
        hit = jac >= level.threshold;
        break;
      case Predicate::kQgramJaccard:
        if (qjac < 0) qjac = equal ? 1.0 : QgramJaccard(va, vb, 2, scratch());
        hit = qjac >= level.threshold;
        break;
      case Predicate::kNumericDiff:
      case Predicate::kDateDiffDays: {
        const double x = comp.numbers[a], y = comp.numbers[b];
        hit = !std::isnan(x) && !std::isnan(y) && std::fabs(x - y) <= level.threshold;
        break;
      }
      case Predicate::kSwapped: {
        // The two fields crossed over: a's value is b's OTHER and b's is a's OTHER. Never on
        // equal values, so that equal values' level depends on a's value alone (LevelsOneToMany
        // gives every equal partner the first one's level).
        const Column& other = fields_->fields[comp.other_field[i]];
        hit = !equal && !other.IsNull(a) && !other.IsNull(b) && other.Get(b) == va && other.Get(a) == vb;
        break;
      }
      case Predicate::kRelativeDiff: {
        // A share of the larger magnitude: 49.00 and 49.50 differ by about 1%, 1 and 2 by 50%.
        const double x = comp.numbers[a], y = comp.numbers[b];
        hit = !std::isnan(x) && !std::isnan(y) && std::fabs(x - y) <= level.threshold * std::max(std::fabs(x), std::fabs(y));
        break;
      }
    }
    if (hit) return static_cast<int>(i) + 1;
  }
  return static_cast<int>(levels.size()) + 1;
}

void Comparisons::LevelsOneToMany(size_t c, RowId a, std::span<const RowId> bs, const PreparedString* pa,
                                  uint8_t* out) const {
  LevelsOneToMany(c, a, bs, pa, out, PooledScratch());
}

void Comparisons::LevelsOneToMany(size_t c, RowId a, std::span<const RowId> bs, const PreparedString* pa,
                                  uint8_t* out, ComparisonScratch& scratch) const {
  const Comp& comp = comps_[c];
  const char* sa = slot(comp, a);
  if (IsNullSlot(sa, comp.width)) {
    std::fill(out, out + bs.size(), uint8_t{0});
    return;
  }
  if (comp.osa_within_one && (pa == nullptr || bs.size() <= kWithinOneMaxPartners)) {
    // Every level is exact or damerau_levenshtein <= 0 or 1 (a phone number, a postcode):
    // OsaWithinOne decides each partner from the bytes at hand, and short values' bytes are in
    // the slot already loaded.
    const std::string_view va = ValueOf(comp, sa);
    const auto& levels = comp.spec.levels;
    int equal_level = -1;
    for (size_t i = 0; i < bs.size(); ++i) {
      const char* sb = slot(comp, bs[i]);
      if (IsNullSlot(sb, comp.width)) {
        out[i] = 0;
      } else if (SlotsEqual(comp, sa, sb)) {
        if (equal_level < 0) equal_level = LevelOfValues(comp, a, bs[i], sa, sb, pa, Precomputed{}, &scratch.kernels_);
        out[i] = static_cast<uint8_t>(equal_level);
      } else if (const int d = OsaWithinOne(va, ValueOf(comp, sb)); d < 0) {
        out[i] = static_cast<uint8_t>(Level(c, a, bs[i], pa, scratch));  // not ASCII, or past the cap
      } else {
        // Values within the cap: nothing to count in capped_comparisons().
        uint8_t level = static_cast<uint8_t>(levels.size() + 1);
        for (size_t l = 0; l < levels.size(); ++l) {
          if (levels[l].predicate == Predicate::kDamerauLevenshtein && d <= static_cast<int>(levels[l].threshold)) {
            level = static_cast<uint8_t>(l + 1);
            break;
          }
        }
        out[i] = level;
      }
    }
    return;
  }
  if (pa == nullptr || !(comp.uses_lev || comp.uses_osa || comp.uses_jaro || comp.uses_jw)) {
    for (size_t i = 0; i < bs.size(); ++i) out[i] = static_cast<uint8_t>(Level(c, a, bs[i], pa, scratch));
    return;
  }
  // Partners whose value is neither null nor equal to a's go to the batch kernels; the others
  // never need a similarity.
  std::vector<std::string_view>& values = scratch.values_;
  std::vector<uint32_t>& which = scratch.which_;
  std::vector<double>& jaro = scratch.jaro_;
  std::vector<double>& jw = scratch.jw_;
  std::vector<uint32_t>& lev = scratch.lev_;
  std::vector<uint32_t>& osa = scratch.osa_;
  values.clear();
  which.clear();
  const std::string_view va = ValueOf(comp, sa);
  // A partner equal to a gets the level of the first equal partner: every level's outcome on
  // equal values (similarity 1, distance 0, the same parsed number) depends on a's value alone.
  int equal_level = -1;
  // Partners whose similarity is computed on a capped value (capped_comparisons()).
  const bool a_over_cap = ExceedsCompareCap(va);
  uint64_t capped = 0;
  for (size_t i = 0; i < bs.size(); ++i) {
    const char* sb = slot(comp, bs[i]);
    if (IsNullSlot(sb, comp.width)) {
      out[i] = 0;
      continue;
    }
    if (SlotsEqual(comp, sa, sb)) {
      if (equal_level < 0) equal_level = LevelOfValues(comp, a, bs[i], sa, sb, pa, Precomputed{}, &scratch.kernels_);
      out[i] = static_cast<uint8_t>(equal_level);
      continue;
    }
    const std::string_view vb = ValueOf(comp, sb);
    values.push_back(vb);
    which.push_back(static_cast<uint32_t>(i));
    capped += a_over_cap || (vb.size() > kMaxCompareCodePoints && ExceedsCompareCap(vb));
  }
  if (capped) capped_->fetch_add(capped, std::memory_order_relaxed);
  const size_t n = values.size();
  if (comp.uses_jaro) {
    jaro.resize(n);
    JaroBatch(*pa, values, jaro.data());
  }
  if (comp.uses_jw) {
    jw.resize(n);
    JaroWinklerBatch(*pa, values, jw.data());
  }
  if (comp.uses_lev) {
    lev.resize(n);
    LevenshteinBatch(*pa, values, comp.max_lev, lev.data());
  }
  if (comp.uses_osa) {
    osa.resize(n);
    OsaBatch(*pa, values, comp.max_osa, osa.data());
  }
  if (comp.batch_only) {
    // Every level is exact (false here: the values differ) or a metric computed above: the
    // cascade is threshold tests on the batch results.
    const auto& levels = comp.spec.levels;
    const uint8_t else_level = static_cast<uint8_t>(levels.size() + 1);
    for (size_t k = 0; k < n; ++k) {
      uint8_t level = else_level;
      for (size_t l = 0; l < levels.size(); ++l) {
        const LevelSpec& spec = levels[l];
        bool hit = false;
        switch (spec.predicate) {
          case Predicate::kLevenshtein: hit = int64_t{lev[k]} <= static_cast<int64_t>(spec.threshold); break;
          case Predicate::kDamerauLevenshtein: hit = int64_t{osa[k]} <= static_cast<int64_t>(spec.threshold); break;
          case Predicate::kJaro: hit = jaro[k] >= spec.threshold; break;
          case Predicate::kJaroWinkler: hit = jw[k] >= spec.threshold; break;
          default: break;  // kExact: the values differ
        }
        if (hit) {
          level = static_cast<uint8_t>(l + 1);
          break;
        }
      }
      out[which[k]] = level;
    }
    return;
  }
  for (size_t k = 0; k < n; ++k) {
    const size_t i = which[k];
    Precomputed pre;
    if (comp.uses_jaro) pre.jaro = jaro[k];
    if (comp.uses_jw) pre.jw = jw[k];
    if (comp.uses_lev) pre.lev = lev[k];
    if (comp.uses_osa) pre.osa = osa[k];
    out[i] = static_cast<uint8_t>(LevelOfValues(comp, a, bs[i], sa, slot(comp, bs[i]), pa, pre, &scratch.kernels_));
  }
}

void Comparisons::GammaOneToMany(RowId a, std::span<const RowId> bs, uint8_t* out) const {
  GammaOneToMany(a, bs, out, PooledScratch());
}

void Comparisons::GammaOneToMany(RowId a, std::span<const RowId> bs, uint8_t* out,
                                 ComparisonScratch& scratch, uint16_t known_equal) const {
  const size_t nc = comps_.size();
  for (RowId b : bs) Prefetch(b);  // partners are scattered rows; start every load up front
  std::vector<uint8_t>& levels = scratch.levels_;
  levels.resize(bs.size());
  for (size_t c = 0; c < nc; ++c) {
    if ((known_equal >> c) & 1) {
      for (size_t i = 0; i < bs.size(); ++i) out[i * nc + c] = 1;
      continue;
    }
    // Preparing costs about as much as a few comparisons; only worth it for several partners.
    std::optional<PreparedString> prepared;
    if (WantsPrepared(c, bs.size()) && !IsNull(c, a)) prepared.emplace(Value(c, a));
    LevelsOneToMany(c, a, bs, prepared ? &*prepared : nullptr, levels.data(), scratch);
    for (size_t i = 0; i < bs.size(); ++i) out[i * nc + c] = levels[i];
  }
}

uint64_t Comparisons::PatternId(const uint8_t* gamma) const {
  uint64_t id = 0;
  for (size_t c = comps_.size(); c-- > 0;) id = id * static_cast<uint64_t>(num_levels(c)) + gamma[c];
  return id;
}

void Comparisons::PatternFromId(uint64_t id, uint8_t* gamma) const {
  for (size_t c = 0; c < comps_.size(); ++c) {
    const uint64_t k = static_cast<uint64_t>(num_levels(c));
    gamma[c] = static_cast<uint8_t>(id % k);
    id /= k;
  }
}

bool Comparisons::BlockedBy(size_t c, const BlockingRule& rule) const {
  for (const BlockingKey& key : rule.keys) {
    if (key.field == comps_[c].spec.field) return true;
  }
  return false;
}

uint16_t KnownEqualComparisons(const Rules& rules, size_t rule, const Comparisons& comps,
                               const std::vector<bool>& separator_in_field) {
  if (rule >= rules.blocking.size()) return 0;
  const BlockingRule& br = rules.blocking[rule];
  uint16_t mask = 0;
  for (size_t c = 0; c < comps.size() && c < 16; ++c) {
    const auto& levels = comps.spec(c).levels;
    if (levels.empty() || levels[0].predicate != Predicate::kExact) continue;
    const int field = comps.field_index(c);
    if (br.keys.size() > 1 &&
        (field < 0 || static_cast<size_t>(field) >= separator_in_field.size() ||
         separator_in_field[static_cast<size_t>(field)])) {
      continue;
    }
    for (const BlockingKey& k : br.keys) {
      if (k.fn == KeyFunction::kField && rules.FindField(k.field) == field)
        mask |= static_cast<uint16_t>(1u << c);
    }
  }
  return mask;
}

}  // namespace reclink
