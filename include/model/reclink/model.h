// The Fellegi-Sunter model: per comparison and level m = P(level | match) and u = P(level |
// non-match), a prior P(match) for two random records, and how each figure was estimated.
// u comes from uniformly random record pairs; m and the prior from EM over gamma-pattern counts
// of candidate pairs, per blocking rule, leaving out comparisons whose field the rule blocks on.
#pragma once

#include <cmath>
#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "reclink/blocking.h"
#include "reclink/comparison.h"
#include "reclink/hash.h"
#include "reclink/rules.h"
#include "reclink/status.h"

namespace reclink {

class TermFrequencies;
class Collective;
class Scorer;

// The smallest m or u a trained model holds (ReadModelJson accepts any value in (0, 1]).
// Estimates below it (an exact level on values that never agree, say) are raised to it, so every
// level's weight log2(m / u) is finite, at most about 40 bits either way. It is also the floor
// of an estimated prior. See docs/rules.md, "Degenerate data".
inline constexpr double kMinProbability = 1e-12;

struct LevelParams {
  std::string label;
  double m = 1;
  double u = 1;
  std::string m_source;  // how m was estimated
  std::string u_source;  // how u was estimated
  double Weight() const;  // log2(m / u); 0 for the null level
};

struct ComparisonParams {
  std::string name;
  std::string field;
  bool tf_adjust = false;
  std::vector<LevelParams> levels;  // index = level (0 null, ..., last else)
  std::vector<std::string> trained_by;  // blocking rules whose pairs estimated m
};

// What EM found on one blocking rule's pairs.
struct RuleTraining {
  std::string rule;
  uint64_t pairs = 0;     // pairs the rule covers
  double lambda = 0;      // estimated share of matches among them
  int iterations = 0;     // 0: not trained (no pairs, or every comparison blocked)
  bool converged = false;
  bool related_class = false;  // the three-class fit (RunEmWithRelated) stood
  double related_share = 0;    // its share of related non-matches among the rule's pairs
};

// The link threshold a trained model chooses for itself (used when neither the command line nor
// the rules file sets one): the match weight that maximizes the F1 the model itself expects over
// the candidate pairs, where each pair's chance of being a match is its posterior under the EM of
// the blocking rule that produced it (with u estimated within that rule's blocks, so that a
// household's shared address counts for what it is there), and the pairs are ranked by the
// final model's weight. See docs/model.md.
struct ThresholdChoice {
  bool chosen = false;            // false: no candidate pairs to choose from (or an older model)
  double weight = 0;              // link at match weight >= weight
  double probability = 0;         // the same, as a match probability (Model::Probability)
  double expected_precision = 0;  // the model's own expectation, over candidate pairs
  double expected_recall = 0;     // of the matches among candidate pairs
  double expected_f1 = 0;
  double expected_matches = 0;    // among candidate pairs
};

// What a run links at when nothing else is said: probability 0.9 (match weight 3.17).
inline constexpr double kFallbackThreshold = 0.9;

// The uncalibrated match probability of match weight w: the Fellegi-Sunter posterior
// 1 / (1 + 2^-w). Outputs go through Model::Probability (or Scorer's), which applies the
// calibration when the model has one.
inline double ProbabilityFromWeight(double w) { return 1.0 / (1.0 + std::exp2(-w)); }
// A monotone map from match weight to match probability fitted on labeled pairs (Platt scaling,
// in bits): log2 odds = slope * weight + intercept, slope > 0. Not fitted, it is the identity
// (ProbabilityFromWeight), and both conversions give the same doubles as before calibration
// existed. The intercept is right only when the labeled pairs are a random sample of the
// candidate pairs; the slope also when matches and non-matches were sampled at different rates
// (case-control sampling). See docs/model.md, "Calibrated probabilities".
struct Calibration {
  bool fitted = false;
  double slope = 1;      // > 0 when fitted
  double intercept = 0;  // in bits
  uint64_t pairs = 0;    // labeled pairs it was fitted on
  uint64_t matches = 0;  // of which matches
  // Bits added to the fitted intercept for labels that are not a random sample of the candidate
  // pairs (King and Zeng's prior correction to the model's expected share of matches; 0: none).
  // intercept includes it.
  double intercept_correction = 0;
  std::string source;    // in words, e.g. "labels: 2000 pairs (140 matches), Platt scaling"

  // The probability of a pair of match weight w.
  double Probability(double w) const {
    return fitted ? ProbabilityFromWeight(slope * w + intercept) : ProbabilityFromWeight(w);
  }
  // The match weight whose probability is p, in (0, 1): the inverse of Probability, so that a
  // threshold in probability is a cut on raw weights (Probability is increasing).
  double WeightForProbability(double p) const {
    const double log_odds = std::log2(p / (1 - p));
    return fitted ? (log_odds - intercept) / slope : log_odds;
  }
};

// A value of a field that stands for "no value" (a word for none, one digit repeated, a
// placeholder date or e-mail: PlaceholderReason) and that several records hold. A trained model
// keeps the list its training run found, so that every later run with it (--model, a run state,
// an incremental night) reads the same values as null. docs/model.md, "Placeholder values".
struct DetectedPlaceholder {
  std::string field;   // [fields] name
  std::string value;   // the normalized value
  uint64_t records = 0;  // records holding it in the run that found it
  std::string reason;  // PlaceholderReason's words
};

struct Model {
  double prior = 1e-4;
  std::string prior_source;
  std::vector<ComparisonParams> comparisons;
  int em_iterations = 0;   // the most iterations any rule's EM needed
  bool em_converged = true;
  uint64_t u_sample_pairs = 0;
  double training_sample_fraction = 1.0;  // share of candidate pairs EM saw
  std::vector<std::string> warnings;  // degenerate cases, in words
  std::vector<RuleTraining> training;  // per blocking rule (empty for a loaded model)
  ThresholdChoice threshold;           // the model's own threshold (see ThresholdChoice)
  Calibration calibration;             // fitted on labels by FitCalibration; else the identity
  std::vector<DetectedPlaceholder> placeholders;  // read as null in every run with this model
  // Training only, never saved: each row's RecordSampleKeys, set by EstimateU for
  // CountTrainingPatterns' sample of candidate pairs and cleared by EstimateMAndPrior.
  std::vector<uint64_t> sample_keys;

  double BaseWeight() const;  // log2(prior / (1 - prior))
  // Every conversion between a match weight and a probability (thresholds, pairs.csv, explain,
  // members.csv, summaries, the report) goes through these two: see Calibration.
  double Probability(double weight) const { return calibration.Probability(weight); }
  double WeightForProbability(double p) const { return calibration.WeightForProbability(p); }
};

// Gamma-pattern counts: pattern id (Comparisons::PatternId) -> number of pairs.
using PatternCounts = std::unordered_map<uint64_t, uint64_t>;

// What training needs from one pass over the candidate pairs.
// A gamma pattern with the term-frequency part of a pair's weight: sum over its TF-adjusted exact
// levels of log2(model u / the u the pair's values get), in 1/kTfDeltaSteps of a bit. Pairs with
// the same pattern and delta have the same match weight under any m and prior.
inline constexpr double kTfDeltaSteps = 16;
struct PatternTf {
  uint64_t pattern = 0;
  int32_t tf_delta = 0;
  bool operator==(const PatternTf&) const = default;
  auto operator<=>(const PatternTf&) const = default;
};
struct PatternTfHash {
  size_t operator()(const PatternTf& p) const {
    return static_cast<size_t>(Mix64(p.pattern ^ Mix64(static_cast<uint32_t>(p.tf_delta))));
  }
};
using PatternTfCounts = std::unordered_map<PatternTf, uint64_t, PatternTfHash>;

struct TrainingCounts {
  std::vector<PatternCounts> covered;  // per rule: every pair the rule produces (overlaps kept)
  std::vector<PatternCounts> first;    // per rule: pairs whose first producing rule it is
  std::vector<PatternTfCounts> first_tf;  // per rule: the same pairs by pattern and TF delta (may be empty)
  uint64_t total_pairs = 0;            // pairs that the link type allows among all records
  double sample_fraction = 1.0;        // share of candidate pairs counted (a seeded hash sample)
  // The prior from [model] deterministic_rules, when the caller counted their pairs
  // (EstimateMAndPrior uses it unless [model] prior is set), and how it was found, in words.
  std::optional<double> deterministic_prior;
  std::string deterministic_prior_source;
};

class JsonWriter;
class Progress;

// Levels of every pair into gammas (comps.size() per pair). Pairs come block by block with runs
// of the same first row; each run is compared one-against-many so that row's preparation is
// shared. partners and scratch: the caller's, reused from call to call.
void GammaRuns(const Comparisons& comps, std::span<const CandidatePair> pairs,
               std::vector<uint8_t>* gammas, std::vector<RowId>* partners,
               ComparisonScratch& scratch, uint16_t known_equal = 0);

// What EM needs from the candidate pairs: gamma-pattern counts per rule, for the pairs each rule
// produces first and for every pair it covers. Beyond [model] training_pairs candidates a seeded hash sample of
// records is counted (a pair is in it when either record is), and only the sampled records'
// pairs are streamed (StreamPairsOfRows), so index.stats() is left as it was; the sample does not
// depend on the thread count. Pairs first produced by a rule are also counted by pattern and TF
// delta (PatternTf), for the model's own threshold; u_only (the model with u estimated, m still 1)
// gives the delta. progress, when set, counts the pairs streamed. partition_rows > 0 streams the
// pairs a partition at a time with its rows gathered first (ScoreOptions::partition_rows; the
// counts are the same).
TrainingCounts CountTrainingPatterns(const Rules& rules, const Comparisons& comps,
                                     const BlockingIndex& index, uint64_t total_pairs,
                                     const Model& u_only, const TermFrequencies& tf,
                                     Progress* progress, uint64_t partition_rows = 0,
                                     const std::vector<uint16_t>& known_equal = {});

// The prior from [model] deterministic_rules into counts->deterministic_prior (and its source in
// words): the pairs those rules produce (each once, within the blocking cap, across sources only
// in link mode) over deterministic_recall, over counts->total_pairs.
void DeterministicPrior(const Rules& rules, const DerivedFields& fields, const RecordTable& table,
                        TrainingCounts* counts);

// A pair of records a user has marked as a match or not (reclink dedupe/link/train --labels).
struct LabeledPair {
  RowId a = 0;
  RowId b = 0;
  bool match = false;
};

// A seeded 64-bit key per row that depends on the record, not on its row: a hash of its id (the
// rules' id column for its source) and, outside dedupe mode, its source's name. Training samples
// records and pairs in the order of these keys, so that the same records in another row order,
// or split across other files, train the same model.
std::vector<uint64_t> RecordSampleKeys(const Rules& rules, const RecordTable& table, uint64_t seed);

// Estimates u per comparison level from `samples` uniformly random allowed pairs (seeded;
// deterministic whatever the thread count), drawn within a uniform subset of at most 20,000
// records so the values stay in cache. An exact first level's u is computed exactly from value
// counts over all records. Levels never seen get u = half a sampled pair (0.5 / pairs sampled
// with both values non-null) and say so. Adds DegenerateComparisonWarnings to model->warnings.
// Split across processes (`group` of more than one rank, docs/distributed.md), every rank draws
// the same pairs but compares only its share of them (chunk, or in the every-pair case row a,
// modulo the ranks), and the level counts are summed over the ranks: every rank gets the u a
// single process gets. A collective call: every rank of the group makes it. `fields` are those
// comps was built on; the ones not in comps.FieldsRead() may have been released (no rows).
// comps' rows may be in another order than the table's (the pairs' locality order): then
// `rows.row[t]` is table row t's row in comps and `rows.table_row[i]` the table row of comps' row
// i; empty, they are the table's. The u found is the same either way; model->sample_keys are by
// table row.
struct ComparisonRows {
  std::span<const RowId> row;
  std::span<const RowId> table_row;
};
void EstimateU(const Rules& rules, const Comparisons& comps, const DerivedFields& fields,
               const RecordTable& table, uint64_t samples, uint64_t seed, Model* model,
               Collective* group = nullptr, ComparisonRows rows = {});

// Warnings, in words, for comparisons that cannot work as written on this data: a field with a
// value in fewer than two records or the same value in every record (it cannot separate
// matches), values past the string-metric cap (kMaxCompareCodePoints), values that do not parse
// for a numeric_diff or date_diff_days level.
std::vector<std::string> DegenerateComparisonWarnings(const Comparisons& comps);

// The share of allowed pairs (all pairs, or with cross_only those across sources) with both
// values of comparison c non-null whose values are equal, from value counts over every record;
// -1 when no allowed pair has both values non-null. Hash equality stands for value equality: a
// 64-bit collision would shift the share negligibly. EstimateU's exact first-level u; exposed for
// tests.
double ExactAgreementShare(const Comparisons& comps, size_t c, const RecordTable& table, bool cross_only);

// Runs EM and fills m, the prior (unless rules.model.prior is set) and the model's own
// threshold (model->threshold, when counts.first_tf is filled). u must already be set.
// Error (kInvalidInput) when there are no candidate pairs to train on. labels_source names the
// labels in m_source and trained_by (ApplyLabeledM); empty: the user's labels.
Status EstimateMAndPrior(const Rules& rules, const Comparisons& comps, const TrainingCounts& counts,
                         Model* model, const std::vector<LabeledPair>* labels = nullptr,
                         std::string_view labels_source = {});

// EM over pattern counts: estimates lambda (share of matches) and m for the comparisons with
// active[c]; u stays fixed unless estimate_u, when it starts from the given u and is re-estimated
// as the non-matches' level distribution among these pairs. patterns: (gamma per comparison, count). Exposed for tests.
struct EmResult {
  double lambda = 0;
  std::vector<std::vector<double>> m;     // [c][level]
  std::vector<std::vector<double>> u;     // [c][level]: the given u, or re-estimated
  std::vector<double> expected_matches;  // [c]: sum of match posteriors over pairs with c non-null
  int iterations = 0;
  bool converged = false;
};
EmResult RunEm(const std::vector<std::pair<std::vector<uint8_t>, uint64_t>>& patterns,
               const std::vector<bool>& active, const std::vector<std::vector<double>>& u,
               const std::vector<std::vector<double>>& m_init, double lambda_init, int max_iterations,
               double tolerance, bool estimate_u = false);

// EM with three classes over one blocking rule's pairs: matches (m, share lambda), related
// non-matches (h, share eta: a household, a family, people behind one placeholder address, who
// agree on some fields far more often than random people do) and unrelated non-matches (u fixed
// at its random-pair estimate, the rest). With the related class, a pair that shares an address
// but nothing personal is explained as related rather than forcing m of the personal fields'
// "else" level up; with u fixed, the unrelated class is identified by the random pairs and no
// longer takes the blame for what households do. h starts at the rule's own level shares (what
// its pairs look like overall). The result's u holds h; expected_matches as in RunEm.
struct Em3Result {
  double lambda = 0;  // matches
  double eta = 0;     // related non-matches
  std::vector<std::vector<double>> m, h;  // [c][level]
  std::vector<double> expected_matches;
  int iterations = 0;
  bool converged = false;
  // P(match | gamma) under this fit, over the active comparisons.
  double Posterior(const std::vector<bool>& active, const std::vector<std::vector<double>>& u,
                   const uint8_t* gamma) const;
};
Em3Result RunEmWithRelated(const std::vector<std::pair<std::vector<uint8_t>, uint64_t>>& patterns,
                           const std::vector<bool>& active, const std::vector<std::vector<double>>& u,
                           const std::vector<std::vector<double>>& m_init, double lambda_init,
                           int max_iterations, double tolerance);

// The fewest labeled matches with both values non-null for labels to replace EM's m of a
// comparison: with fewer, one odd pair would move a level's weight by bits.
inline constexpr uint64_t kMinLabeledMatches = 10;

// Supervision: m of each comparison with at least kMinLabeledMatches labeled matches (both
// values non-null) becomes their level shares, each level given half a pair more (the Jeffreys
// prior, so a level no labeled match shows keeps a finite weight). EstimateMAndPrior calls it
// after EM and before the weights are made monotone, the prior estimated and the threshold
// chosen, so those follow the labeled m. Labeled non-matches are not used for u (random pairs
// estimate it without bias) nor for the threshold: a labeled sample is rarely distributed like
// the candidate pairs (measured on the demo: the F1-best cut over 300 labeled pairs linked at
// p = 0.015, pairwise F1 0.869 against 0.975 at the model's own). Returns how many comparisons
// took their m from the labels. source, when not empty, says where the matching pairs came from
// (e.g. a refit on the run's own clusters) in m_source and trained_by instead of "labels".
size_t ApplyLabeledM(const Comparisons& comps, const std::vector<LabeledPair>& labels, Model* model,
                     std::string_view source = {});

// Makes each comparison's weights non-increasing from its first listed level to "else": where a
// later (looser) level has a higher m/u than an earlier one, the adjacent levels are pooled (pool
// adjacent violators) to the ratio sum(m)/sum(u) over the pooled levels, by setting each pooled
// level's m to its u times that ratio, which keeps m's total. This is the maximum-likelihood m
// under the constraint that a looser level is never stronger evidence than a stricter one.
// EstimateMAndPrior applies it after EM; the m_source of a pooled level says so.
void MakeWeightsMonotone(Model* model);

// Platt scaling's maximum-likelihood fit of P(match) = 1 / (1 + 2^-(slope * w + intercept)) to
// weights w labeled is_match (the same length), with Platt's smoothed targets: matches count as
// (k + 1) / (k + 2), non-matches as 1 / (n - k + 2), for k matches among n, so the fit is finite
// even when the labels separate perfectly. Newton's method with a line search (Lin, Lin and Weng
// 2007). Slope 0, intercept 0 when either class is empty. Exposed for tests.
struct PlattFit {
  double slope = 0;
  double intercept = 0;
  bool converged = false;
};
PlattFit PlattScaling(const std::vector<double>& w, const std::vector<bool>& is_match);

// The fewest labeled matches, and the fewest labeled non-matches, for FitCalibration to fit:
// with fewer, two parameters would follow a handful of pairs.
inline constexpr uint64_t kMinCalibrationPairsPerClass = 10;

// Platt scaling (Platt 1999; PlattScaling) of the labeled pairs' match weights under scorer. Fills model->calibration and maps the
// model's own threshold's probability through it (its weight, the cut, does not move). Leaves
// the model uncalibrated and says why in model->warnings when there are fewer than
// kMinCalibrationPairsPerClass labeled matches or non-matches, or when the fitted slope is not
// positive (the labels rank pairs against the weights). scorer must be built on *model without
// a calibration. expected_match_share, when in (0, 1): the share of matches the model expects
// among the candidate pairs, q. The fitted intercept holds the labels' odds of a match, right
// for a random sample of candidate pairs only; when the labels' odds of a match (share s) are
// more than half a bit from q's and s is off from q by more than sampling noise (3 standard
// errors), they are not such a sample (picked by hand, or as many matches as non-matches), and with sample kAuto (or
// always, with kSelected) the intercept is corrected by log2(q / (1 - q)) - log2(s / (1 - s))
// bits (King and Zeng 2001's prior correction; the slope is right either way), said in
// model->warnings and in the calibration's source. kRandom never corrects, and warns instead.
// O(labels * comparisons) for the weights, O(labels) per Newton step.
void FitCalibration(const Scorer& scorer, const Comparisons& comps, const std::vector<LabeledPair>& labels,
                    Model* model, double expected_match_share = -1,
                    LabelsSample sample = LabelsSample::kAuto);

// Raises every m and u of a listed or else level below kMinProbability (or NaN) to it and lowers
// any above 1 to 1, saying so in its source, so that every weight is finite. EstimateMAndPrior
// ends with it.
void ClampProbabilities(Model* model);

// A skeleton model (labels, names, tf flags) shaped like the rules' comparisons.
Model ModelSkeleton(const Rules& rules, const Comparisons& comps);

// model.json's text (written through an OutputSet or WriteFileAtomically by the caller) and its
// reader, which checks that the model's comparisons and levels fit the rules (kUsage).
std::string ModelToJson(const Model& model);
// The `placeholders` array of model.json and summary.json: field, value, records, reason each.
void WritePlaceholdersJson(JsonWriter& w, const std::vector<DetectedPlaceholder>& placeholders);
Result<Model> ReadModelJson(const std::string& path, const Rules& rules);
// Same, from model.json's text; name stands for the file in messages.
Result<Model> ParseModelJson(const std::string& text, const std::string& name, const Rules& rules);

// The value counts behind one comparison's term frequencies, kept so that later runs can score
// with the frequencies of the data a model was trained on (the run state does).
struct TfTable {
  bool enabled = false;   // the comparison has tf_adjust
  uint64_t rows = 0;      // records counted (the u floor is one of them)
  uint64_t non_null = 0;  // of which non-null
  std::vector<std::pair<uint64_t, uint32_t>> counts;  // (Comparisons::ValueHash, records), sorted by hash
};

// Term frequencies for comparisons with tf_adjust: the share of records holding each value.
class TermFrequencies {
 public:
  // From the comparisons' own records.
  static TermFrequencies Build(const Comparisons& comps);
  // From tables counted on other data (Tables() of an earlier Build): a value the table lacks
  // has frequency 0 (so the u floor of one record of table.rows applies).
  // A table of at most map_entries values is read through a hash map of it, in parallel (names,
  // towns: it stays in cache); a larger one is walked with the rows sorted by value hash. Either
  // way gives the same frequencies.
  static constexpr size_t kTfMapEntries = size_t{1} << 20;
  static TermFrequencies FromTables(const Comparisons& comps, const std::vector<TfTable>& tables,
                                    size_t map_entries = kTfMapEntries);
  // The frequencies of rows[0], rows[1], ... as rows 0, 1, ... (a partition's gathered rows,
  // BlockingIndex::StreamPairsPartitioned), with the floor of the whole table: counted_rows() is
  // this object's, or table_rows when that is 0. by_row: the indices of rows to copy, in
  // ascending order of row (Comparisons::Gather). Without tables().
  TermFrequencies Gather(std::span<const RowId> rows, std::span<const uint32_t> by_row, uint64_t table_rows) const;
  // Frequency of row r's value for comparison c (0 when c has no TF or r is null).
  double Frequency(size_t c, RowId r) const {
    return ranks_[c].empty() ? 0.0 : static_cast<double>(frequencies_[c][ranks_[c][r]]);
  }
  // Comparison c's distinct frequencies, ascending, the first 0 (c enabled), and row r's place
  // among them: of two rows, the higher rank has the larger frequency.
  const std::vector<float>& Frequencies(size_t c) const { return frequencies_[c]; }
  uint32_t Rank(size_t c, RowId r) const { return ranks_[c][r]; }
  bool enabled(size_t c) const { return !ranks_[c].empty(); }
  // The records the frequencies were counted over (the floor of a frequency is one of them);
  // 0: the comparisons' own records.
  uint64_t counted_rows() const { return counted_rows_; }
  const std::vector<TfTable>& tables() const { return tables_; }

 private:
  // Comparison c's frequencies from table, with each row's count from count_of (0: none).
  void SetRanks(size_t c, const TfTable& table, const std::function<uint32_t(RowId)>& count_of, size_t rows);

  std::vector<std::vector<uint32_t>> ranks_;     // per comparison: per row, into frequencies_
  std::vector<std::vector<float>> frequencies_;  // per comparison: Frequencies
  std::vector<TfTable> tables_;                  // per comparison
  uint64_t counted_rows_ = 0;
};

// Scores pairs with precomputed level weights. Thread-safe; the model, comparisons and term
// frequencies must outlive it.
class Scorer {
 public:
  Scorer(const Model& model, const Comparisons& comps, const TermFrequencies& tf);
  // The same weights over other comparisons and term frequencies: those of a partition's
  // gathered rows (Comparisons::Gather, TermFrequencies::Gather), which must outlive it.
  Scorer(const Scorer& other, const Comparisons& comps, const TermFrequencies& tf);
  // The match weight of (a, b) with levels gamma; per-comparison contributions into weights
  // when not null.
  double Weight(RowId a, RowId b, const uint8_t* gamma, double* weights = nullptr) const;

  // Comparison c's contribution at `level` for rows a and b (TF-adjusted where it applies).
  double LevelWeight(size_t c, int level, RowId a, RowId b) const;
  // The terms of LevelWeight: the u it used (the model's, or on a TF-adjusted exact level the
  // larger of the two values' frequencies, floored at one record), whether it was TF-adjusted,
  // and the weight (0 on the null level, whose u is reported as the model's).
  struct LevelTerms {
    double u = 0;
    bool tf_adjusted = false;
    double weight = 0;
  };
  LevelTerms Terms(size_t c, int level, RowId a, RowId b) const;
  // The prior's weight, and the largest total the comparisons can still add: MaxRest(c) over
  // comparisons c, c+1, ... (MaxRest(size()) is 0). For deciding a pair before every level is known.
  double base() const { return base_; }
  // The term frequencies this scorer reads.
  const TermFrequencies& term_frequencies() const { return tf_; }
  double MaxRest(size_t c) const { return max_rest_[c]; }
  // The model's conversions (Model::Probability, Model::WeightForProbability), with its calibration.
  double Probability(double weight) const { return calibration_.Probability(weight); }
  double WeightForProbability(double p) const { return calibration_.WeightForProbability(p); }

 private:
  const Comparisons& comps_;
  const TermFrequencies& tf_;
  double base_ = 0;
  Calibration calibration_;
  double tf_floor_ = 0;
  std::vector<std::vector<double>> weight_;  // [c][level]; 0 for null
  std::vector<std::vector<double>> tf_m_;    // [c][level]: m when the level is a TF-adjusted exact level, else 0
  std::vector<std::vector<std::vector<double>>> tf_weight_;  // [c][level][rank]: such a level's weight
  std::vector<std::vector<double>> u_;       // [c][level]: the model's u
  std::vector<double> max_rest_;             // [c]: sum over c' >= c of the largest weight of c'
};

// What a pass over one partition's pairs scores them with (BlockingIndex::StreamPairsPartitioned):
// the table's comparisons, term frequencies and scorer, gathered for the partition's rows. Take
// replaces the last partition's copies, which are given back first.
struct GatheredScorer {
  Comparisons comps;
  TermFrequencies tf;
  std::optional<Scorer> scorer;
  uint64_t partition = 0;  // 1, 2, ... for each partition taken; 0 before the first

  void Take(const Comparisons& table, const Scorer& table_scorer, const GatheredRows& g) {
    scorer.reset();
    comps = Comparisons();
    tf = TermFrequencies();
    comps = table.Gather(g.rows, g.by_row);
    tf = table_scorer.term_frequencies().Gather(g.rows, g.by_row, table.num_rows());
    scorer.emplace(table_scorer, comps, tf);
    ++partition;
  }
};

// Scores a pair: the match weight and the per-comparison contributions (weights may be null).
// The exact level of a TF comparison uses u = max(frequency of the value, u floor).
double PairWeight(const Model& model, const Comparisons& comps, const TermFrequencies& tf,
                  RowId a, RowId b, const uint8_t* gamma, double* weights = nullptr);

}  // namespace reclink
