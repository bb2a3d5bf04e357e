// Comparisons: map a candidate pair to one level (gamma) per [[comparison]] of the rules. Level 0
// is the null level (either value null), levels 1..L are the listed levels in order, L+1 is
// "else". Per-record work (value hashes, parsed numbers and dates) is done once in Build.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>
#include <string>
#include <vector>

#include "reclink/blocking.h"
#include "reclink/record_table.h"
#include "reclink/rules.h"
#include "reclink/similarity.h"
#include "reclink/status.h"

namespace reclink {

// The rules parser's limits (rules.h), so a rules file past them is refused before any data is read.
constexpr int kMaxComparisons = static_cast<int>(kRulesMaxComparisons);
constexpr int kMaxLevels = static_cast<int>(kRulesMaxLevels);  // listed levels per comparison (plus null and else)

// Working memory of Comparisons' level functions: the pairwise kernels' scratch and the buffers
// of the one-against-many batches. Owned by the caller and passed to each call, one per thread or
// task (a ComparisonScratch is not thread-safe; any number may be used concurrently); reusing one
// keeps scoring free of allocations after warm-up. Creating one allocates nothing. Its contents
// between calls carry no meaning: results never depend on which scratch a call gets.
class ComparisonScratch {
 public:
  ComparisonScratch() = default;
  // For the similarity functions called directly alongside the levels.
  KernelScratch& kernels() { return kernels_; }

 private:
  friend class Comparisons;
  KernelScratch kernels_;
  // LevelsOneToMany: the partners' values sent to the batch kernels, their index in the batch,
  // and the batch results.
  std::vector<std::string_view> values_;
  std::vector<uint32_t> which_;
  std::vector<double> jaro_, jw_;
  std::vector<uint32_t> lev_, osa_;
  std::vector<uint8_t> levels_;  // GammaOneToMany: one comparison's levels
};

namespace comparison_internal {

// Whether the n bytes at a and b are equal. Inline, with overlapping word loads that stay inside
// both ranges: values are short, and this runs for every pair whose hashes agree, where a call
// to memcmp costs more than the comparison.
inline bool EqualBytes(const char* a, const char* b, size_t n) {
  if (n >= 8) {
    uint64_t x, y;
    for (size_t i = 0; i + 8 < n; i += 8) {
      std::memcpy(&x, a + i, 8);
      std::memcpy(&y, b + i, 8);
      if (x != y) return false;
    }
    std::memcpy(&x, a + n - 8, 8);
    std::memcpy(&y, b + n - 8, 8);
    return x == y;
  }
  if (n >= 4) {
    uint32_t x0, y0, x1, y1;
    std::memcpy(&x0, a, 4);
    std::memcpy(&y0, b, 4);
    std::memcpy(&x1, a + n - 4, 4);
    std::memcpy(&y1, b + n - 4, 4);
    return x0 == y0 && x1 == y1;
  }
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

}  // namespace comparison_internal

class Comparisons {
 public:
  Comparisons();
  ~Comparisons();
  Comparisons(Comparisons&&) noexcept;
  Comparisons& operator=(Comparisons&&) noexcept;

  // Prepares every comparison over the derived fields. Errors (kUsage) for too many comparisons
  // or levels. The fields this object reads (FieldsRead) must outlive it, unchanged; the others
  // may be released (Column::ReleaseValues) once Build returns, and a field no comparison
  // names may be released before (at least one field must keep its rows: they are num_rows()).
  static Result<Comparisons> Build(const Rules& rules, const DerivedFields& fields);

  size_t size() const { return comps_.size(); }
  // Rows of the table the comparisons were built on.
  size_t num_rows() const { return num_rows_; }
  // Per field of the DerivedFields given to Build: whether this object reads that field's
  // values after Build. A compared field whose long values (over kInlineBytes) are at most half
  // its text has them copied into the comparison's own arena and is not read; one mostly of
  // long values (e-mails) is read in place, as is every field a `swapped` level names. The
  // others' values, all in the slots or that arena, may be released by the caller.
  const std::vector<bool>& FieldsRead() const { return fields_read_; }
  // Levels of comparison c including null (0) and else (num_levels - 1).
  int num_levels(size_t c) const { return static_cast<int>(comps_[c].spec.levels.size()) + 2; }
  // "null", the level's text as written, or "else".
  std::string LevelLabel(size_t c, int level) const;
  const ComparisonSpec& spec(size_t c) const { return comps_[c].spec; }
  // Whether a level of c uses Levenshtein, OSA, Jaro or Jaro-Winkler (and so benefits from a
  // PreparedString of one side).
  bool uses_string_metric(size_t c) const { return comps_[c].string_metric; }
  int field_index(size_t c) const { return comps_[c].field; }
  // Whether LevelsOneToMany of comparison c against `partners` rows is faster with row a's value
  // prepared: a metric of c needs it, and there are enough partners to repay preparing (four),
  // unless c is decided by OsaWithinOne, which needs no preparing and up to
  // kWithinOneMaxPartners partners beats the batch kernel (bench_compare: BM_OsaWithinOnePhones
  // against BM_OsaBatchPhones). A hint: results are the same either way.
  bool WantsPrepared(size_t c, size_t partners) const {
    const Comp& comp = comps_[c];
    return comp.string_metric && partners >= 4 && !(comp.osa_within_one && partners <= kWithinOneMaxPartners);
  }
  // Level of comparison c for rows a and b, working in `scratch`. Thread-safe with one scratch
  // per thread. prepared_a, when given, is row a's value prepared for the similarity kernels
  // (reused across many b). Symmetric: Level(c, a, b) == Level(c, b, a) for every predicate
  // (each metric is symmetric to the bit, and so is every threshold test); training relies on it
  // to compute a pair from either side (CountTrainingPatterns).
  int Level(size_t c, RowId a, RowId b, const PreparedString* prepared_a, ComparisonScratch& scratch) const;
  // The same without a caller's scratch: works in a per-thread scratch this object keeps (a
  // tbb::enumerable_thread_specific, found per call). Thread-safe. Prefer the form above in loops.
  int Level(size_t c, RowId a, RowId b, const PreparedString* prepared_a = nullptr) const;
  // Asks the CPU to start loading row r's slots (a hint; no effect on results).
  void Prefetch(RowId r) const {
    const char* p = reinterpret_cast<const char*>(slots_.data() + static_cast<size_t>(r) * comps_.size());
    __builtin_prefetch(p);
    if (comps_.size() * sizeof(Slot) > 64) __builtin_prefetch(p + 64);
  }
  // Levels of comparison c for row a against each row of bs: out[i]. Same results as Level().
  // When prepared_a is given (row a's value prepared) and a level uses Levenshtein, OSA, Jaro or
  // Jaro-Winkler, that similarity is computed for every partner at once by the one-against-many
  // batch kernels (SIMD lanes) instead of pair by pair. Thread-safe with one scratch per thread.
  void LevelsOneToMany(size_t c, RowId a, std::span<const RowId> bs, const PreparedString* prepared_a,
                       uint8_t* out, ComparisonScratch& scratch) const;
  // Levels of every comparison for row a against each row of bs: out[i * size() + c]. Row a's
  // per-record precomputation is done once for the whole batch.
  void GammaOneToMany(RowId a, std::span<const RowId> bs, uint8_t* out, ComparisonScratch& scratch) const;
  // Levels of every comparison; gamma has size() entries.
  void Gamma(RowId a, RowId b, uint8_t* gamma, ComparisonScratch& scratch) const {
    for (size_t c = 0; c < comps_.size(); ++c) gamma[c] = static_cast<uint8_t>(Level(c, a, b, nullptr, scratch));
  }
  // The three above without a caller's scratch, working in this object's per-thread one (as
  // Level without a scratch). Thread-safe.
  void LevelsOneToMany(size_t c, RowId a, std::span<const RowId> bs, const PreparedString* prepared_a,
                       uint8_t* out) const;
  void GammaOneToMany(RowId a, std::span<const RowId> bs, uint8_t* out) const;
  void Gamma(RowId a, RowId b, uint8_t* gamma) const { Gamma(a, b, gamma, PooledScratch()); }
  // A dense id of a gamma pattern (mixed radix over num_levels), and back.
  uint64_t PatternId(const uint8_t* gamma) const;
  void PatternFromId(uint64_t id, uint8_t* gamma) const;
  // The value of comparison c's field for row r (normalized; empty when null), and its hash.
  // The view stays valid as long as this object and the fields it reads (FieldsRead): short
  // values are held in its slots, long ones in its own arena or the field's.
  std::string_view Value(size_t c, RowId r) const {
    const Slot& s = slot(c, r);
    return std::string_view(Bytes(comps_[c].base, s), s.length);
  }
  bool IsNull(size_t c, RowId r) const { return slot(c, r).null; }
  // Rows a and b hold equal values for comparison c (neither null): the slots, then the bytes of
  // values too long to be held in a slot.
  bool ValuesEqual(size_t c, RowId a, RowId b) const { return SlotsEqual(comps_[c].base, slot(c, a), slot(c, b)); }
  // XXH3 of the value (0 when null). Computed per call for a short value: meant for per-record
  // passes (term frequencies, u sampling), not per pair.
  uint64_t ValueHash(size_t c, RowId r) const;
  // A comparison's field is a key (or part of a key) of blocking rule r.
  bool BlockedBy(size_t c, const BlockingRule& rule) const;

  // Records whose value of comparison c's field is longer than kMaxCompareCodePoints code points
  // (0 unless a level of c uses Levenshtein, OSA, Jaro or Jaro-Winkler): those levels see only
  // the value's first kMaxCompareCodePoints code points. Counted in Build.
  uint64_t values_over_cap(size_t c) const { return comps_[c].values_over_cap; }
  // Records whose value of comparison c's field is not null but does not parse as the number
  // (numeric_diff) or YYYY-MM-DD date (date_diff_days) its levels need (0 for other comparisons).
  uint64_t unparseable_values(size_t c) const { return comps_[c].unparseable; }
  // Pair comparisons so far (any comparison, any thread, since Build) whose Levenshtein, OSA,
  // Jaro or Jaro-Winkler was computed on a value longer than kMaxCompareCodePoints code points,
  // so on its prefix. Counted once per pair and comparison where the metric is computed (not for
  // equal values, which need none). Training and scoring both add to it: read it before and after
  // a stage for that stage's count. Thread-safe.
  uint64_t capped_comparisons() const { return capped_->load(std::memory_order_relaxed); }

 private:
  // What one comparison needs of one row, 16 bytes. Slots are stored row-major (a row's slots
  // for every comparison are adjacent), so scoring a pair touches one or two cache lines per
  // row instead of a null bitmap, two offsets and a hash per comparison. A value of at most
  // kInlineBytes bytes (a phone number, a postcode, a date, most names) is held in the slot
  // itself, zero-padded, in place of its hash and offset (the short-string layout of Umbra,
  // Neumann and Freitag 2020): equality is then a compare of two words, and the kernels read
  // the bytes from the cache line already loaded, not from the field's arena.
  static constexpr uint32_t kInlineBytes = 12;
  static constexpr size_t kWithinOneMaxPartners = 32;  // see WantsPrepared
  struct Slot {
    uint64_t word0;         // long value: XXH3 of it; short: its bytes 0-7 (0 when null)
    uint32_t word1;         // long value: offset into the comparison's base; short: bytes 8-11
    uint32_t length : 31;   // bytes
    uint32_t null : 1;
  };
  static_assert(sizeof(Slot) == 16);
  static bool IsInline(const Slot& s) { return s.length <= kInlineBytes; }
  // The value's bytes: in the slot (short) or in the field's arena (long).
  static const char* Bytes(const char* base, const Slot& s) {
    return IsInline(s) ? reinterpret_cast<const char*>(&s) : base + s.word1;
  }
  // Equal values in two non-null slots: for short values the padded bytes, for long ones the
  // hash and then the bytes.
  static bool SlotsEqual(const char* base, const Slot& sa, const Slot& sb) {
    if (sa.word0 != sb.word0 || sa.length != sb.length) return false;
    if (IsInline(sa)) return sa.word1 == sb.word1;
    return comparison_internal::EqualBytes(base + sa.word1, base + sb.word1, sa.length);
  }
  const Slot& slot(size_t c, RowId r) const { return slots_[static_cast<size_t>(r) * comps_.size() + c]; }

  // Similarities of one pair computed before the level cascade (by a batch kernel); negative
  // when not computed, in which case the cascade computes them on first use.
  struct Precomputed {
    double jaro = -1, jw = -1;
    int64_t lev = -1, osa = -1;
  };
  struct Comp;
  // The level of a pair of non-null values (the cascade behind Level). Pairwise similarities
  // work in *kernels, or in PooledScratch()'s when kernels is null (taken only when needed).
  int LevelOfValues(const Comp& comp, RowId a, RowId b, const Slot& sa, const Slot& sb,
                    const PreparedString* pa, Precomputed pre, KernelScratch* kernels) const;
  // This thread's scratch of the forms without a caller's scratch.
  ComparisonScratch& PooledScratch() const;

  struct Comp {
    ComparisonSpec spec;
    int field = 0;
    const char* base = nullptr;    // the long values' bytes: long_text, or the field's arena
    std::vector<char> long_text;   // the long values, when copied out of the field (FieldsRead)
    bool reads_field = true;       // base is the field's arena
    std::vector<double> numbers;   // numeric_diff / date_diff_days: parsed value, NaN if none
    uint32_t max_lev = 0, max_osa = 0;  // largest k of the distance levels (cutoffs)
    bool string_metric = false;         // a level uses Levenshtein, OSA, Jaro or Jaro-Winkler
    bool uses_lev = false, uses_osa = false, uses_jaro = false, uses_jw = false;  // batch kernels
    bool batch_only = true;  // every level is exact or one of those metrics
    bool osa_within_one = false;  // every level is exact or damerau_levenshtein <= 0 or 1
    uint64_t values_over_cap = 0;  // see values_over_cap()
    uint64_t unparseable = 0;      // see unparseable_values()
    std::vector<int> other_field;  // per level: swapped(OTHER)'s field index, -1 for other levels
  };
  // Adds one to capped_comparisons() when either value is past the comparison cap.
  void CountIfCapped(std::string_view va, std::string_view vb) const {
    if ((va.size() > kMaxCompareCodePoints || vb.size() > kMaxCompareCodePoints) &&
        (ExceedsCompareCap(va) || ExceedsCompareCap(vb))) {
      capped_->fetch_add(1, std::memory_order_relaxed);
    }
  }

  const DerivedFields* fields_ = nullptr;
  size_t num_rows_ = 0;
  std::vector<bool> fields_read_;  // FieldsRead()
  std::vector<Comp> comps_;
  // num_rows() * size(), row-major. Read at random by every pair (tens of megabytes at a million
  // rows): the table's allocator gives it transparent huge pages, so a partner row's slots cost
  // no TLB miss and filling it no fault per 4 KiB (and Build writes every slot, so resize need
  // not zero them first).
  std::vector<Slot, UninitializedAllocator<Slot>> slots_;
  // capped_comparisons(); behind a pointer so that Comparisons stays movable.
  std::unique_ptr<std::atomic<uint64_t>> capped_ = std::make_unique<std::atomic<uint64_t>>(0);
  // The per-thread scratches of the forms without a caller's scratch (comparison.cc).
  struct ScratchPool;
  std::unique_ptr<ScratchPool> pool_;
};

}  // namespace reclink
