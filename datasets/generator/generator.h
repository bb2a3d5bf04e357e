// The synthetic data generator: customer-like records with ground truth (entity_id), written in
// a shuffled order as CSV or JSON Lines. Output is a pure function of the options: the same
// seed and options give byte-identical output whatever the thread count.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "generator/feistel_permutation.h"
#include "reclink/status.h"

namespace reclink::gen {

enum class OutputFormat { kCsv, kJsonl };

// Where names, streets, towns and birth years come from: the shipped word lists (the default;
// its output is pinned by tests and accuracy figures) or the population vocabulary, which
// synthesizes long tails beyond the lists so that distinct values keep growing with the record
// count (see population.h and docs/generator.md).
enum class VocabularyMode { kShipped, kPopulation };

struct GeneratorOptions {
  uint64_t records = 1000;  // records to write, >= 1
  uint64_t seed = 1;
  double noise = 0.3;     // in [0, 1]: scales every corruption rate; 0 = exact duplicates
  double dup_rate = 0.3;  // in [0, 1]: expected share of entities with more than one record
  double moves = 1.0;     // in [0, 1/noise model's rate]: multiplies the chance of a move (BuildRecord)
  OutputFormat format = OutputFormat::kCsv;
  int threads = 0;  // 0: all cores; output does not depend on it
  VocabularyMode vocabulary = VocabularyMode::kShipped;
};

struct GenerationSummary {
  uint64_t records = 0;
  uint64_t entities = 0;
  uint64_t gold_pairs = 0;  // sum over entities of C(size, 2)
  uint64_t entities_with_duplicates = 0;
  uint64_t largest_entity = 0;
  uint64_t households = 0;  // hard negatives, counted per related entity
  uint64_t twins = 0;
  uint64_t juniors = 0;
};

// The CSV header, also the order of the JSON fields.
inline constexpr std::string_view kCsvHeader =
    "record_id,entity_id,first_name,last_name,dob,email,phone,address,city,postcode\n";

class Generator {
 public:
  // Validates the options (usage errors name the option) and lays out families and entities:
  // O(records) time and about 8 bytes per record plus 8 per family of memory.
  static Result<Generator> Create(const GeneratorOptions& options);

  const GeneratorOptions& options() const { return options_; }
  const GenerationSummary& summary() const { return summary_; }

  // Writes the CSV header (CSV only) and every record in output order. `sink` receives
  // consecutive pieces of the output, in order, from one thread at a time; the first error it
  // returns stops the generation and is returned.
  Status Write(const std::function<Status(std::string_view)>& sink) const;
  // Appends output rows [begin, end) to out (no header). Thread-safe.
  void RenderRows(uint64_t begin, uint64_t end, std::string& out) const;
  // Writes "id_l,id_r" and then every pair of records of the same entity once, id_l < id_r,
  // grouped by entity. Exactly summary().gold_pairs rows.
  Status WriteTruthPairs(const std::function<Status(std::string_view)>& sink) const;
  // The summary and options as one JSON object (no trailing newline).
  std::string SummaryJson() const;

 private:
  Generator(const GeneratorOptions& options);
  void RenderRow(uint64_t row, uint64_t slot, uint64_t entity, std::string& out) const;
  // Finds rows holding the same entity as the row before and swaps them with rows elsewhere, so
  // no two neighbouring rows are the same person (whenever some swap allows it).
  void SeparateNeighbours();
  uint64_t IndexOfRow(uint64_t row) const;  // generation index of the record written at row
  uint64_t RowOfIndex(uint64_t index) const;

  GeneratorOptions options_;
  GenerationSummary summary_;
  FeistelPermutation permutation_;  // generation order -> output row
  // Per record in generation order: family << 8 | entity-in-family << 4 | record-in-entity.
  std::vector<uint64_t> slots_;
  std::vector<uint64_t> entity_start_;  // per family: the id of its first entity, minus one
  // The few rows swapped by SeparateNeighbours: (row, index) sorted by row, (index, row) by index.
  std::vector<std::pair<uint64_t, uint64_t>> row_overrides_, index_overrides_;
};

}  // namespace reclink::gen
