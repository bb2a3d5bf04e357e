// Comparisons: map a candidate pair to one level (gamma) per [[comparison]] of the rules. Level 0
// is the null level (either value null), levels 1..L are the listed levels in order, L+1 is
// "else". Per-record work (value hashes, parsed numbers and dates) is done once in Build.
#pragma once

#include <atomic>
#include <bit>
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
  //
  // slot_bytes chooses every comparison's slot width (8, 12 or 16; see slot_bytes()); 0, the
  // default, lets Build choose per comparison, unless the environment variable
  // RECLINK_SLOT_BYTES is 8, 12 or 16 (for tests and A/B runs: results are the same at every
  // width). A width of 8 is not used for a field with a value of 65,536 bytes or more.
  //
  // With spill (a run under --memory-limit that spills, docs/performance.md "Memory limit"), the
  // slots are written to a region of that area instead of memory: file pages the kernel may take
  // back, dropped between stages. The object keeps the area alive.
  //
  // slot_of, when not empty, renames the rows (a permutation: field row r is the object's row
  // slot_of[r]), so that the comparisons are built renamed (the locality order of a run with a
  // saved model) rather than built and then gathered, which holds both copies at once. The
  // fields are still read in row order. Every level is the same as with the field rows themselves.
  static Result<Comparisons> Build(const Rules& rules, const DerivedFields& fields, int slot_bytes = 0,
                                   std::shared_ptr<SpillArea> spill = nullptr, std::span<const RowId> slot_of = {});

  // The comparisons of rows[0], rows[1], ... as rows 0, 1, ... of a new object, for a partition
  // of the pairs (BlockingIndex::StreamPairsPartitioned, docs/performance.md "Scoring in
  // partitions"): their slots, the long values this object reads in a field (copied, so no pair
  // reads the field's file pages) and their parsed numbers. by_row lists the indices of rows to
  // copy, in ascending order of row (the order of the copy's reads): all of them, or those some
  // pair names (the others' slots are left unset). Every level is the same as this
  // object's for the rows the local ones stand for. The result reads this object's own
  // long-value arenas and adds to its capped_comparisons(), so it must not outlive it. Only when
  // CanGather() (a `swapped` level reads its other field by row).
  Comparisons Gather(std::span<const RowId> rows, std::span<const uint32_t> by_row) const;
  bool CanGather() const;
  // About what Gather's result holds per row: the slots, the parsed numbers and the long values
  // it copies (on average).
  size_t GatheredRowBytes() const;
  // Frees the slots and parsed numbers of every row, keeping the long values' arenas and the
  // counts: what a Gather of every row (which reads those arenas) needs of this object once it
  // has been made. No level can be computed on this object afterwards. Not after a spill.
  void ReleaseRows();

  size_t size() const { return comps_.size(); }
  // Rows of the table the comparisons were built on.
  size_t num_rows() const { return num_rows_; }
  // Per field of the DerivedFields given to Build: whether this object reads that field's
  // values after Build. A compared field whose long values (too long for its slot) are at most half
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
  // Bytes of comparison c's slot in each row: 8, 12 or 16, chosen in Build as the width that
  // makes the slots plus the long values' bytes (copied, or the field kept) smallest.
  int slot_bytes(size_t c) const { return comps_[c].width; }
  // Bytes of all the comparisons' slots of one row (the sum of slot_bytes).
  size_t row_bytes() const { return row_bytes_; }
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
    const char* p = slot_data_ + static_cast<size_t>(r) * row_bytes_;
    __builtin_prefetch(p);
    // The row's last byte: a row need not start on a cache line, so it may span two.
    if (row_bytes_ > 1) __builtin_prefetch(p + row_bytes_ - 1);
  }
  // Levels of comparison c for row a against each row of bs: out[i]. Same results as Level().
  // When prepared_a is given (row a's value prepared) and a level uses Levenshtein, OSA, Jaro or
  // Jaro-Winkler, that similarity is computed for every partner at once by the one-against-many
  // batch kernels (SIMD lanes) instead of pair by pair. Thread-safe with one scratch per thread.
  void LevelsOneToMany(size_t c, RowId a, std::span<const RowId> bs, const PreparedString* prepared_a,
                       uint8_t* out, ComparisonScratch& scratch) const;
  // Levels of every comparison for row a against each row of bs: out[i * size() + c]. Row a's
  // per-record precomputation is done once for the whole batch.
  // known_equal: bit c set when every partner's value of c is known to equal row a's and c's first
  // level is exact (KnownEqualComparisons): level 1 without reading the values.
  void GammaOneToMany(RowId a, std::span<const RowId> bs, uint8_t* out, ComparisonScratch& scratch,
                      uint16_t known_equal = 0) const;
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
    const Comp& comp = comps_[c];
    return ValueOf(comp, slot(comp, r));
  }
  bool IsNull(size_t c, RowId r) const {
    const Comp& comp = comps_[c];
    return IsNullSlot(slot(comp, r), comp.width);
  }
  // Rows a and b hold equal values for comparison c (neither null): the slots, then the bytes of
  // values too long to be held in a slot.
  bool ValuesEqual(size_t c, RowId a, RowId b) const {
    const Comp& comp = comps_[c];
    return SlotsEqual(comp, slot(comp, a), slot(comp, b));
  }
  // XXH3 of the value (0 when null). Computed per call: meant for per-record passes (term
  // frequencies, u sampling), not per pair.
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
  // What one comparison needs of one row: a slot of W = 8, 12 or 16 bytes (the comparison's
  // width). Slots are stored row-major (a row's slots for every comparison are adjacent, at
  // Comp::slot_at in the row), so scoring a pair touches one or two cache lines per row instead
  // of a null bitmap, two offsets and a hash per comparison. The last byte is a tag:
  //   short value (at most W - 1 bytes; a postcode, most names, at W = 12 a date or a phone
  //     number): bytes 0 to W - 2 hold it, zero-padded, and the tag is its length (the
  //     short-string layout of Umbra, Neumann and Freitag 2020): equality is then a compare of
  //     one or two words, and the kernels read the bytes from the cache line already loaded;
  //   long value: bytes 0-3 its offset into the comparison's base, then its length (2 bytes at
  //     W = 8, else 4), then bits of its XXH3 in the bytes before the tag (8, 24 or 56 bits),
  //     and the tag kLongTag;
  //   null: zero bytes and the tag kNullTag.
  // Two slots whose bytes 4 to W - 1 differ hold different values; a long value's bytes are
  // read only when its length and hash bits equal another's. The width is chosen per
  // comparison in Build (slot_bytes()): 16 bytes per comparison and row made the slots the run's
  // largest array (96 MB at a million rows and six comparisons).
  static_assert(std::endian::native == std::endian::little, "SlotsEqual reads bytes 4-7 as a word's high half");
  static constexpr uint8_t kLongTag = 0x40;
  static constexpr uint8_t kNullTag = 0x80;
  static constexpr size_t kWithinOneMaxPartners = 32;  // see WantsPrepared
  static uint8_t Tag(const char* s, int width) { return static_cast<uint8_t>(s[width - 1]); }
  static bool IsNullSlot(const char* s, int width) { return Tag(s, width) == kNullTag; }
  static bool IsInline(const char* s, int width) { return Tag(s, width) < kLongTag; }
  static uint32_t Load32(const char* p) {
    uint32_t x;
    std::memcpy(&x, p, 4);
    return x;
  }
  static uint32_t Length(const char* s, int width) {
    const uint8_t tag = Tag(s, width);
    if (tag < kLongTag) return tag;
    if (width == 8) {
      uint16_t n;
      std::memcpy(&n, s + 4, 2);
      return n;
    }
    return Load32(s + 4);
  }
  // The value's bytes: in the slot (short) or in the comparison's base (long).
  static const char* Bytes(const char* base, const char* s, int width) {
    return IsInline(s, width) ? s : base + Load32(s);
  }
  struct Comp;
  static std::string_view ValueOf(const Comp& comp, const char* s) {
    return std::string_view(Bytes(comp.base, s, comp.width), Length(s, comp.width));
  }
  // Equal values in two non-null slots: bytes 4 to W - 1 (length or short bytes, hash bits,
  // tag), then for short values bytes 0-3 and for long ones the bytes in the base.
  static bool SlotsEqual(const Comp& comp, const char* sa, const char* sb) {
    uint64_t a0, b0, a1 = 0, b1 = 0;
    std::memcpy(&a0, sa, 8);
    std::memcpy(&b0, sb, 8);
    if (comp.width == 12) {
      uint32_t x, y;
      std::memcpy(&x, sa + 8, 4);
      std::memcpy(&y, sb + 8, 4);
      a1 = x;
      b1 = y;
    } else if (comp.width == 16) {
      std::memcpy(&a1, sa + 8, 8);
      std::memcpy(&b1, sb + 8, 8);
    }
    const uint64_t d0 = a0 ^ b0;
    if ((d0 >> 32) | (a1 ^ b1)) return false;  // little-endian: d0's high half is bytes 4-7
    if (d0 == 0) return true;  // the same short value, or the same long value's offset
    if (IsInline(sa, comp.width)) return false;
    return comparison_internal::EqualBytes(comp.base + Load32(sa), comp.base + Load32(sb), Length(sa, comp.width));
  }
  const char* slot(const Comp& comp, RowId r) const {
    return slot_data_ + static_cast<size_t>(r) * row_bytes_ + comp.slot_at;
  }

  // Similarities of one pair computed before the level cascade (by a batch kernel); negative
  // when not computed, in which case the cascade computes them on first use.
  struct Precomputed {
    double jaro = -1, jw = -1;
    int64_t lev = -1, osa = -1;
  };
  // The level of a pair of non-null values (the cascade behind Level). Pairwise similarities
  // work in *kernels, or in PooledScratch()'s when kernels is null (taken only when needed).
  int LevelOfValues(const Comp& comp, RowId a, RowId b, const char* sa, const char* sb,
                    const PreparedString* pa, Precomputed pre, KernelScratch* kernels) const;
  // This thread's scratch of the forms without a caller's scratch.
  ComparisonScratch& PooledScratch() const;

  // Every member of Comp but its arrays over rows (long_text, numbers); Gather fills those.
  // A member added to Comp is added here too.
  static Comp CopyWithoutRows(const Comp& c);
  struct Comp {
    ComparisonSpec spec;
    int field = 0;
    const char* base = nullptr;    // the long values' bytes: long_text, or the field's arena
    int width = 16;                // slot bytes: 8, 12 or 16
    uint32_t slot_at = 0;          // the slot's offset in a row
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
  size_t row_bytes_ = 0;  // row_bytes()
  // num_rows() * row_bytes(), row-major. Read at random by every pair (tens of megabytes at a million
  // rows): the table's allocator gives it transparent huge pages, so a partner row's slots cost
  // no TLB miss and filling it no fault per 4 KiB (and Build writes every slot, so resize need
  // not zero them first).
  std::vector<char, UninitializedAllocator<char>> slots_;
  // The slots: slots_.data(), or a region of spill_ (Build's spill).
  char* slot_data_ = nullptr;
  std::shared_ptr<SpillArea> spill_;
  // capped_comparisons(); behind a pointer so that Comparisons stays movable, shared with the
  // objects Gather makes.
  std::shared_ptr<std::atomic<uint64_t>> capped_ = std::make_shared<std::atomic<uint64_t>>(0);
  // The per-thread scratches of the forms without a caller's scratch (comparison.cc).
  struct ScratchPool;
  std::unique_ptr<ScratchPool> pool_;
};

// The comparisons (bit c) whose values every pair of blocking rule `rule` shares by construction:
// those with an exact first level on a field the rule keys on as it is (no phonetic code or
// prefix), so both values are non-null and equal. A key is its parts joined by a separator byte,
// so a part equal in two keys is an equal value only when no value of the field holds that byte:
// `separator_in_field` (FieldsHoldingKeySeparator) leaves such a field out of a rule of several
// parts. (Keys are equal by two hashes, 96 bits, as blocking takes them.)
uint16_t KnownEqualComparisons(const Rules& rules, size_t rule, const Comparisons& comps,
                               const std::vector<bool>& separator_in_field);

}  // namespace reclink
