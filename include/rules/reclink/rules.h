// Rules: the parsed, validated form of a rules file (TOML; reference in docs/rules.md).
// ParseRules* validate everything that can be checked without data; ValidateRulesColumns checks
// the column names against an input's header before any record is processed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "reclink/reader.h"
#include "reclink/rule_vocabulary.h"
#include "reclink/status.h"

namespace reclink {

// Limits checked by the parser, each with a located error (ranges documented in docs/rules.md).
// kMaxComparisons and kMaxLevels of reclink/comparison.h (which sizes per-pair arrays) are
// defined from kRulesMaxComparisons and kRulesMaxLevels.
inline constexpr size_t kRulesMaxComparisons = 16;         // [[comparison]] tables
inline constexpr size_t kRulesMaxLevels = 15;              // listed levels per comparison
inline constexpr size_t kRulesMaxFields = 256;             // [fields.NAME] tables
inline constexpr size_t kRulesMaxNormalizers = 32;         // per field
inline constexpr size_t kRulesMaxBlockingRules = 64;       // [[blocking]] tables
inline constexpr size_t kRulesMaxKeysPerRule = 16;         // keys per blocking rule
inline constexpr size_t kRulesMaxNameLength = 64;          // field and comparison names
inline constexpr size_t kRulesMaxColumnLength = 1024;      // column names, JSON paths, ids
inline constexpr size_t kRulesMaxNullValues = 1000;        // entries of a null_values list
inline constexpr int kRulesMaxPrefixLength = 1000;         // n of prefix(FIELD, n)
inline constexpr int kRulesMaxEditDistance = 255;          // k of levenshtein / damerau <= k
inline constexpr double kRulesMaxNumericDiff = 1e15;       // d of numeric_diff <= d
inline constexpr int kRulesMaxDateDiffDays = 3'660'000;    // d of date_diff_days <= d
inline constexpr int kRulesMaxEmIterations = 100'000;      // em_max_iterations
inline constexpr int kRulesMaxRefineRounds = 10;           // refine_rounds
inline constexpr uint64_t kRulesMaxUSamplePairs = 1'000'000'000;  // u_sample_pairs
inline constexpr uint64_t kRulesMinTrainingPairs = 1'000;          // training_pairs
inline constexpr uint64_t kRulesMaxTrainingPairs = 1'000'000'000;  // training_pairs
inline constexpr uint64_t kRulesMaxBlockSize = uint64_t{1} << 32;  // max_block_size
inline constexpr size_t kRulesMaxFileBytes = size_t{1} << 20;     // the rules file itself

enum class LinkType { kDedupe, kLink, kLinkAndDedupe };

// A derived field: a column (or dotted JSON path) plus a chain of normalizers.
struct FieldSpec {
  std::string name;                            // the [fields.NAME] key
  std::string column;                          // default column name (empty if only per-source)
  std::map<std::string, std::string> columns;  // per source name, overrides `column`
  std::vector<std::string> normalize;          // normalizer names, in order (normalize checks them)
  struct Position {
    int line = 1;
    int column = 1;
  };
  std::vector<Position> normalize_at;          // per name: where it stands in the rules file
  std::string where;                           // "[fields.NAME]" (or its source's table), for messages
  std::string phone_country_code = "44";       // `country_code`: for the phone normalizer
  DateOrder date_order = DateOrder::kDayFirst;  // `date_order` = "dmy" | "mdy"
  // Placeholder values read as null (e.g. "noemail@noemail.com", "00000000000"): the field's own
  // `null_values`, else the top-level default list. Compared after the field's normalizers (each
  // entry is normalized the same way), so case or spacing variants of an entry match too.
  std::vector<std::string> null_values;
  int line = 0;                                // line of [fields.NAME] in the rules file
  int column_line = 0;                         // line of its `column` / `columns` key
  // Per source name, from [sources.NAME] and [sources.NAME.fields.FIELD]: the date order and
  // phone country code of the field's values in that source (overriding date_order and
  // phone_country_code), and placeholders read as null there besides null_values.
  std::map<std::string, DateOrder> date_orders;
  std::map<std::string, std::string> country_codes;
  std::map<std::string, std::vector<std::string>> source_null_values;

  // The column to read for a source: columns[source] if present, else column.
  const std::string& ColumnFor(const std::string& source) const {
    auto it = columns.find(source);
    return it != columns.end() ? it->second : column;
  }
  DateOrder DateOrderFor(const std::string& source) const {
    auto it = date_orders.find(source);
    return it != date_orders.end() ? it->second : date_order;
  }
  const std::string& CountryCodeFor(const std::string& source) const {
    auto it = country_codes.find(source);
    return it != country_codes.end() ? it->second : phone_country_code;
  }
  // null_values, plus the source's own placeholders for this field.
  std::vector<std::string> NullValuesFor(const std::string& source) const {
    std::vector<std::string> all = null_values;
    auto it = source_null_values.find(source);
    if (it != source_null_values.end()) all.insert(all.end(), it->second.begin(), it->second.end());
    return all;
  }
};

// How one source's file is read ([sources.NAME]); an option left out falls back to the command
// line's (--format, --delimiter, --encoding, --trim-spaces). The source's field options
// (id, date_order, country_code, null_values, per-field columns) are folded into Rules::ids
// and the FieldSpecs when the rules are parsed.
struct SourceSpec {
  std::string name;
  std::string path;  // `path`: the file to read when no input is given (relative to the rules file)
  std::optional<InputFormat> format;
  std::optional<char> delimiter;
  std::optional<char> quote;  // `quote`: the CSV quote character; 0 for none
  std::optional<Encoding> encoding;
  std::optional<bool> trim_spaces;
  bool header = true;                 // `header = false`: the CSV file has no header row
  std::vector<std::string> columns;   // `columns`: its column names, in file order (header = false)
  int line = 0;
};

// One part of a blocking key: fn(field) or fn(field, n).
struct BlockingKey {
  KeyFunction fn = KeyFunction::kField;
  std::string field;  // a [fields] name
  int n = 0;          // prefix length for kPrefix
  std::string text;   // as written, e.g. "soundex(last)"
};

struct BlockingRule {
  std::vector<BlockingKey> keys;
  std::string text;  // e.g. "first & last": keys' texts joined by " & "
  int line = 0;
};

enum class Predicate {
  kExact,
  kLevenshtein,          // distance <= threshold (integer)
  kDamerauLevenshtein,   // OSA distance <= threshold (integer)
  kJaro,                 // similarity >= threshold
  kJaroWinkler,          // similarity >= threshold
  kJaccard,              // token-set Jaccard >= threshold
  kQgramJaccard,         // character 2-gram Jaccard >= threshold
  kNumericDiff,          // |a - b| <= threshold, values parsed as numbers
  kRelativeDiff,         // |a - b| <= threshold * max(|a|, |b|), values parsed as numbers
  kDateDiffDays,         // |days(a) - days(b)| <= threshold, values YYYY-MM-DD
  kSwapped,              // swapped(OTHER): a's value equals b's OTHER field and b's equals a's OTHER
};

struct LevelSpec {
  Predicate predicate = Predicate::kExact;
  double threshold = 0;  // k, t or d; unused for exact
  std::string label;     // as written, e.g. "jaro_winkler >= 0.92"
  std::string other;     // swapped(OTHER): the [fields] name of OTHER
};

struct ComparisonSpec {
  std::string name;               // `name` key, default: the field name
  std::string field;              // a [fields] name
  std::vector<LevelSpec> levels;  // tried in order; null level and "else" are implicit
  bool tf_adjust = false;
  int line = 0;
};

// How the pairs given to --labels were drawn (docs/model.md, "Calibrated probabilities"): the
// calibration's intercept holds the labels' odds of a match, right only for a random sample of
// candidate pairs. kAuto corrects it to the model's expected share of matches when the labels'
// share is implausible for a random sample; kRandom never does; kSelected always does.
enum class LabelsSample { kAuto, kRandom, kSelected };

struct ModelSpec {
  // Match probability at or above which a pair links; absent (or "auto"): the trained model
  // chooses one (ThresholdChoice in model.h).
  std::optional<double> threshold;
  std::optional<double> prior;          // P(match) for a random pair; estimated when absent
  // Rules that only true matches satisfy (e.g. the same e-mail), and the share of all matches
  // they find: the prior is then the pairs they produce / deterministic_recall / all pairs
  // (docs/model.md). Ignored when prior is set.
  std::vector<BlockingRule> deterministic_rules;
  // The blocking rules whose pairs EM trains on (indices into Rules::blocking, ascending); empty:
  // all of them. The others still make candidate pairs and are scored.
  std::vector<size_t> train_rules;
  double deterministic_recall = 1.0;
  int em_max_iterations = 200;  // per-rule EM also re-estimates u, which converges slower
  double em_tolerance = 1e-4;
  uint64_t u_sample_pairs = 2'000'000;  // fuzzy levels; exact levels' u is computed exactly
  // Candidate pairs beyond which EM's pattern counts are taken on a seeded sample of about this
  // many (docs/model.md, section 2).
  uint64_t training_pairs = 2'000'000;
  uint64_t seed = 42;
  LabelsSample labels_sample = LabelsSample::kAuto;
  // Training finds placeholder values (PlaceholderReason, held by 3 or more records) in every
  // field and reads them as null; the model keeps the list (Model::placeholders).
  bool detect_placeholders = true;
  // Refits of m on the run's own clusters after training (docs/model.md, "Refit on the run's
  // own clusters"): each round scores and clusters the candidate pairs with the model so far and
  // takes m from the pairs inside its clusters. 0 (the default): none.
  int refine_rounds = 0;
};

enum class ClusterMethod { kConnectedComponents, kBestLink, kOnePerSource, kMajorityLink };

// How a golden record (identities.csv) picks one value per field from an identity's members.
// Null values never survive; every tie is broken without regard to row order (docs/identities.md).
enum class SurvivorRule {
  kMostFrequent,    // the value most members hold
  kMostRecent,      // the value of the member with the latest timestamp
  kLongest,         // the longest value (in code points)
  kSourcePriority,  // a value from the first source in source_priority that has one
  kFirstNonNull,    // the value of the member with the smallest record key
};

struct SurvivorshipSpec {
  bool normalized = false;  // values = "normalized" (the fields' values) or "raw" (the input's)
  SurvivorRule default_rule = SurvivorRule::kMostFrequent;
  std::map<std::string, SurvivorRule> fields;  // per [fields] name, overrides default_rule
  std::string timestamp;                          // column read by most_recent
  std::map<std::string, std::string> timestamps;  // per source name, overrides timestamp
  std::vector<std::string> source_priority;       // source names, highest priority first
  int line = 0;

  SurvivorRule RuleFor(const std::string& field) const {
    auto it = fields.find(field);
    return it != fields.end() ? it->second : default_rule;
  }
  const std::string& TimestampFor(const std::string& source) const {
    auto it = timestamps.find(source);
    return it != timestamps.end() ? it->second : timestamp;
  }
};

struct Rules {
  std::string path;  // the rules file, for messages
  LinkType link_type = LinkType::kDedupe;
  std::string id;                          // id column (default for every source)
  std::map<std::string, std::string> ids;  // per source name, overrides `id`
  int id_line = 0;                         // line of the `id` (else `ids`) key, for messages
  std::vector<FieldSpec> fields;
  std::vector<BlockingRule> blocking;
  std::vector<ComparisonSpec> comparisons;
  ModelSpec model;
  ClusterMethod cluster_method = ClusterMethod::kConnectedComponents;
  uint64_t max_block_size = 10000;
  std::optional<SurvivorshipSpec> survivorship;  // [survivorship]: golden records wanted
  std::vector<SourceSpec> sources;               // [sources.NAME], in file order

  // The read options of source `source`: base with the source's own [sources.NAME] options.
  ReadOptions ReadOptionsFor(const std::string& source, ReadOptions base) const {
    for (const SourceSpec& s : sources) {
      if (s.name != source) continue;
      if (s.format) base.format = *s.format;
      if (s.delimiter) base.delimiter = *s.delimiter;
      if (s.quote) base.quote = *s.quote;
      if (s.encoding) base.encoding = *s.encoding;
      if (s.trim_spaces) base.trim_spaces = *s.trim_spaces;
      if (!s.header) {
        base.header = false;
        base.column_names = s.columns;
      }
    }
    return base;
  }
  const std::string& IdFor(const std::string& source) const {
    auto it = ids.find(source);
    return it != ids.end() ? it->second : id;
  }
  // Index into fields of the field named name, or -1.
  int FindField(const std::string& name) const {
    for (size_t i = 0; i < fields.size(); ++i)
      if (fields[i].name == name) return static_cast<int>(i);
    return -1;
  }
  // Per field: whether a comparison reads it (its field, or a swapped level's other field).
  std::vector<bool> FieldsCompared() const {
    std::vector<bool> named(fields.size(), false);
    for (const ComparisonSpec& spec : comparisons) {
      if (const int f = FindField(spec.field); f >= 0) named[f] = true;
      for (const LevelSpec& level : spec.levels) {
        if (const int f = level.predicate == Predicate::kSwapped ? FindField(level.other) : -1; f >= 0) named[f] = true;
      }
    }
    return named;
  }
  // Whether a level reads a second field (swapped): such comparisons cannot be gathered or
  // built renamed (Comparisons::CanGather).
  bool ReadsSecondField() const {
    for (const ComparisonSpec& spec : comparisons) {
      for (const LevelSpec& level : spec.levels) {
        if (level.predicate == Predicate::kSwapped) return true;
      }
    }
    return false;
  }
};

// Parses and validates a rules file. Errors (kUsage, exit code 2) read
// "RULES:LINE:COLUMN: error: WHAT" naming the key, what was expected and what was found. A path
// that cannot be read (missing, a directory, no permission, larger than kRulesMaxFileBytes) is
// a kUsage error "RULES: error: ..." with the OS reason and no line.
Result<Rules> ParseRulesFile(const std::string& path);
// Same, from text (any bytes: text that is not UTF-8 is an error); `name` stands for the file in
// messages. Every error from text carries a line and column (1-based).
Result<Rules> ParseRulesString(const std::string& text, const std::string& name);

// How user text appears in messages: control characters escaped (\n, \t, \xHH) and anything
// beyond max_bytes cut at a UTF-8 boundary and marked "...", so a message stays one short line.
std::string Excerpt(std::string_view s, size_t max_bytes = 64);

// The name among `names` closest to `given` by Levenshtein distance (the kernels'), if it is at
// most two edits away; empty when none is. For "did you mean" suggestions.
std::string ClosestName(std::string_view given, std::span<const std::string_view> names);

// Checks that the id column and every field's column for this source exist among
// column_names (the header of input file `input_path`). Error (exit code 2) names the rules
// file, line and key, the missing column and the input, and lists the available columns.
Status ValidateRulesColumns(const Rules& rules, const std::string& source,
                            const std::string& input_path,
                            const std::vector<std::string>& column_names);

}  // namespace reclink
