// String-similarity kernels: Levenshtein, OSA (Damerau), Jaro, Jaro-Winkler, token and q-gram
// Jaccard, with per-record precomputation (PreparedString) and batched one-against-many SIMD
// versions chosen at run time (Highway). Conventions and algorithms: docs/kernels.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace reclink {

// Conventions shared by every function below.
//
// * Strings are UTF-8 and every length, distance and q-gram counts Unicode code points. Input is
//   expected to be valid UTF-8; each byte that does not start a valid, shortest-form sequence is
//   counted as one code point of its own (distinct from every valid code point and from every
//   other invalid byte value), so every function is total and deterministic on arbitrary bytes.
// * Both strings empty: distance 0, every similarity 1.0. One empty: distance = length of the
//   other, Jaro / Jaro-Winkler / Jaccard 0.0.
// * Distances take a cutoff k and return the exact distance when it is <= k, else k + 1.
// * Levenshtein, OSA, Jaro and Jaro-Winkler (every form below: pairwise, prepared, batch) see only
//   the first kMaxCompareCodePoints code points of each string: the result is that of the two
//   prefixes. This bounds one comparison's work (the kernels are O(m n / 64)) whatever the input,
//   so a hostile file of megabyte values cannot stall a run. Jaccard sees the whole strings.
// * All functions are pure and keep no state between calls. The pairwise forms without a
//   PreparedString side, and Jaccard, work in a KernelScratch: the caller's (one per thread,
//   reused, so that after warm-up no call allocates), or, in the forms without one, a scratch of
//   their own made for the call (fine for single pairs and tests, not for loops over pairs).
//   The forms with a PreparedString side and the batches need no scratch and do not allocate;
//   they may be called from many threads on one PreparedString.

// The cap on the code points the edit-distance and Jaro kernels compare (docs/kernels.md says
// why 256).
inline constexpr size_t kMaxCompareCodePoints = 256;

// The first kMaxCompareCodePoints code points of s (the whole of s when shorter): the part the
// edit-distance and Jaro kernels compare. O(1) for strings of at most that many bytes, else
// O(kMaxCompareCodePoints). A view into s.
std::string_view ComparedPrefix(std::string_view s);

// Whether s has more than kMaxCompareCodePoints code points, so that the edit-distance and Jaro
// kernels compare only a prefix of it.
inline bool ExceedsCompareCap(std::string_view s) {
  return s.size() > kMaxCompareCodePoints && ComparedPrefix(s).size() < s.size();
}

// Working memory of the pairwise kernels and of Jaccard (zeroed mask tables, pattern masks,
// gram and token sets): owned by the caller and passed to each call, one per thread or task; a
// KernelScratch is not thread-safe, but any number of them may be used concurrently. Creating one
// allocates nothing; its buffers (about 6 KiB, plus what the longest Jaccard inputs need) are
// allocated on first use and kept for the next calls. Its contents between calls carry no
// meaning: results never depend on which scratch, or which earlier calls, a call gets.
class KernelScratch {
 public:
  KernelScratch();
  ~KernelScratch();
  KernelScratch(KernelScratch&&) noexcept;
  KernelScratch& operator=(KernelScratch&&) noexcept;

  // The buffers, allocated on first use (internal to the kernels: compare/kernel_scratch.h).
  struct Buffers;
  Buffers& buffers() {
    if (!buffers_) Allocate();
    return *buffers_;
  }

 private:
  void Allocate();
  std::unique_ptr<Buffers> buffers_;
};

// Levenshtein distance (insert, delete, substitute; unit costs). Myers 1999 / Hyyro 2003
// bit-parallel, O(ceil(m/64) * n); returns k + 1 if the distance exceeds k.
uint32_t LevenshteinDistance(std::string_view a, std::string_view b, uint32_t k);

// Optimal string alignment distance (restricted Damerau-Levenshtein: adjacent transpositions,
// no substring edited twice). Hyyro 2003 bit-parallel; returns k + 1 if it exceeds k.
uint32_t OsaDistance(std::string_view a, std::string_view b, uint32_t k);

// OsaDistance(a, b, 1) by direct tests instead of bit vectors: 0, 1 or 2 (more than one edit).
// After the common prefix, the rest must be one substitution, one adjacent transposition or one
// insertion or deletion (the first mismatch is where it can be made; Wagner-Fischer's one-edit
// check). O(n), no scratch. Only for strings of ASCII bytes (a byte is then a code point) of at
// most kMaxCompareCodePoints: returns -1 when either string is not such, and the caller uses
// OsaDistance.
int OsaWithinOne(std::string_view a, std::string_view b);

// Jaro similarity in [0, 1]: matching window floor(max(|a|,|b|) / 2) - 1 (at least 0), m matched
// code points, t = floor(half the matched code points that are out of order) (Winkler's
// strcmp95), sim = (m/|a| + m/|b| + (m - t)/m) / 3, 0 when m == 0. Symmetric.
double JaroSimilarity(std::string_view a, std::string_view b);

// Jaro-Winkler (Winkler 1990): when jaro > 0.7 (Winkler's boost threshold),
// jaro + l * 0.1 * (1 - jaro) with l the common prefix length in code points, at most 4;
// otherwise jaro.
double JaroWinklerSimilarity(std::string_view a, std::string_view b);

inline constexpr double kJaroWinklerPrefixScale = 0.1;
inline constexpr uint32_t kJaroWinklerMaxPrefix = 4;
inline constexpr double kJaroWinklerBoostThreshold = 0.7;

// Jaccard |A n B| / |A u B| of the sets of whitespace-separated tokens (ASCII space, \t, \n,
// \v, \f, \r). Both token sets empty: 1.0; one empty: 0.0.
double TokenJaccard(std::string_view a, std::string_view b);

// Jaccard of the sets of code-point q-grams (q >= 1; q < 1 is treated as 1). A non-empty string
// shorter than q has one gram, the whole string. Both empty: 1.0; one empty: 0.0.
double QgramJaccard(std::string_view a, std::string_view b, int q = 2);

// The same functions working in the caller's scratch (see KernelScratch); same results.
uint32_t LevenshteinDistance(std::string_view a, std::string_view b, uint32_t k,
                             KernelScratch& scratch);
uint32_t OsaDistance(std::string_view a, std::string_view b, uint32_t k, KernelScratch& scratch);
double JaroSimilarity(std::string_view a, std::string_view b, KernelScratch& scratch);
double JaroWinklerSimilarity(std::string_view a, std::string_view b, KernelScratch& scratch);
double TokenJaccard(std::string_view a, std::string_view b, KernelScratch& scratch);
double QgramJaccard(std::string_view a, std::string_view b, int q, KernelScratch& scratch);

namespace detail {
// Bit masks of a pattern's positions per code point (Myers/Hyyro "Peq" table), split in 64-bit
// words: bit i of word w of Get(cp) is set iff pattern[64 * w + i] == cp.
class PatternMasks {
 public:
  PatternMasks() = default;
  void Build(std::span<const uint32_t> code_points);
  size_t words() const { return words_; }
  uint64_t Get(size_t word, uint32_t cp) const { return Row(cp)[word]; }
  // The words() masks of cp, contiguous (all zero when the pattern does not hold cp): for code
  // points >= 128 one search serves every word, where Get(word, cp) searches on each call.
  // Valid until the next Build.
  const uint64_t* Row(uint32_t cp) const {
    if (cp < 128) return ascii_.data() + cp * words_;
    return ExtendedRow(cp);
  }
  // The table for ASCII code points: words() words per code point, Row(cp) for cp < 128.
  const uint64_t* ascii_table() const { return ascii_.data(); }

 private:
  const uint64_t* ExtendedRow(uint32_t cp) const;
  size_t words_ = 0;
  std::vector<uint64_t> ascii_;      // 128 * words_
  std::vector<uint32_t> ext_keys_;   // sorted distinct code points >= 128
  std::vector<uint64_t> ext_masks_;  // (ext_keys_.size() + 1) * words_; the last row is all zero
};
}  // namespace detail

// Per-record precomputation for one-against-many comparison: the decoded code points and the
// pattern bit masks of ComparedPrefix(s). Build once per record and reuse for every pair it takes
// part in. Holds a copy of that prefix; about 1 KiB + 1 KiB per extra 64 code points, at most
// 5 KiB. Immutable after construction, so one instance may be shared by many threads.
class PreparedString {
 public:
  explicit PreparedString(std::string_view s);

  std::string_view text() const { return text_; }  // ComparedPrefix of the input
  bool is_ascii() const { return ascii_; }
  size_t length() const { return cps_.size(); }  // in code points, at most kMaxCompareCodePoints
  std::span<const uint32_t> code_points() const { return cps_; }
  const detail::PatternMasks& masks() const { return masks_; }

 private:
  std::string text_;
  std::vector<uint32_t> cps_;
  bool ascii_ = true;
  detail::PatternMasks masks_;
};

// Pairwise versions with the prepared record on one side; same results as the plain versions.
uint32_t LevenshteinDistance(const PreparedString& a, std::string_view b, uint32_t k);
uint32_t OsaDistance(const PreparedString& a, std::string_view b, uint32_t k);
double JaroSimilarity(const PreparedString& a, std::string_view b);
double JaroWinklerSimilarity(const PreparedString& a, std::string_view b);

// One query against many candidates (the shape of a block): out[i] = JaroWinklerSimilarity(query,
// cands[i]) exactly. `out` must hold cands.size() values. ASCII candidates of up to 64 bytes with
// an ASCII query of 1..64 code points run in SIMD lanes (Highway, target chosen at run time);
// others fall back to the pairwise kernel.
void JaroWinklerBatch(const PreparedString& query, std::span<const std::string_view> cands,
                      double* out);
void JaroBatch(const PreparedString& query, std::span<const std::string_view> cands, double* out);
// out[i] = LevenshteinDistance(query, cands[i], k) exactly.
void LevenshteinBatch(const PreparedString& query, std::span<const std::string_view> cands,
                      uint32_t k, uint32_t* out);
// out[i] = OsaDistance(query, cands[i], k) exactly (Hyyro 2003 OSA in the same lanes).
void OsaBatch(const PreparedString& query, std::span<const std::string_view> cands, uint32_t k,
              uint32_t* out);

// Name of the instruction set the batch kernels run on ("AVX3" = AVX-512, "AVX2", "SSE4",
// "EMU128", ...), or "scalar" when the environment variable RECLINK_FORCE_SCALAR is set to a
// non-empty value other than "0" (read once, on first use).
const char* ActiveSimdTarget();

}  // namespace reclink
