// Multi-source link mode: a population of people (with the same families, households, twins and
// juniors as the dedupe mode), each written at most once into each of K sources, as K CSV files
// with the truth in entity_id. The test bed for linking several deduplicated sources (issue 12):
// every true pair crosses sources, and a cluster holds at most one record per source.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "reclink/status.h"

namespace reclink::gen {

struct MultiSourceOptions {
  uint64_t people = 1000;   // people in the population (each in 0..sources of the files)
  uint64_t seed = 1;
  double noise = 0.3;       // in [0, 1], as GeneratorOptions::noise
  double moves = 1.0;       // in [0, 1], as GeneratorOptions::moves
  int sources = 5;          // 2 to 64
  double coverage = 0.8;    // in (0, 1]: chance that a person is in a given source
  bool population_vocabulary = false;  // as GeneratorOptions::vocabulary == kPopulation
  // Columns after record_id and entity_id, from first_name, last_name, dob, email, phone,
  // address, city, postcode (in that order whatever the order given); empty: all of them.
  std::vector<std::string> fields;
};

struct MultiSourceSummary {
  uint64_t people = 0;
  uint64_t records = 0;
  uint64_t gold_pairs = 0;  // true cross-source pairs: sum over people of C(records, 2)
  std::vector<uint64_t> per_source;
};

// Writes DIR/source1.csv ... DIR/sourceK.csv (DIR must exist). Records in each file are in a
// seeded shuffled order with ids 1..n. Deterministic in the options.
Result<MultiSourceSummary> WriteMultiSource(const MultiSourceOptions& options, const std::string& dir);

}  // namespace reclink::gen
