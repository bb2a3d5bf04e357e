// Why a pair scores what it scores: per comparison the raw and normalized values, the level,
// m, the u that was used (the value's term frequency on a TF-adjusted exact level), and the
// running match weight, as a waterfall from the prior's weight to the pair's.
#pragma once

#include <string>
#include <vector>

#include "reclink/model.h"
#include "reclink/pipeline.h"
#include "reclink/rules.h"
#include "reclink/status.h"

namespace reclink {

struct ComparisonExplanation {
  std::string name;
  std::string raw_l, raw_r;      // the input column's values ("" when null or absent)
  bool null_l = false, null_r = false;
  std::string value_l, value_r;  // normalized values
  int level = 0;                 // 0 null, 1..L the rules' levels, L+1 else
  std::string label;
  double m = 0, u = 0;           // the model's m and u of that level
  double u_used = 0;             // u in the weight: u, or the value's term frequency (tf_adjusted)
  bool tf_adjusted = false;
  double weight = 0;             // log2(m / u_used); 0 on the null level
  double running_weight = 0;     // prior's weight plus this and every earlier comparison's
};

struct PairExplanation {
  std::string id_l, id_r;        // SOURCE:ID when the input has several sources
  double prior = 0;
  double base_weight = 0;        // log2 of the prior odds
  std::vector<ComparisonExplanation> comparisons;
  double match_weight = 0;
  double match_probability = 0;
};

// Explains the pair (id1, id2) ("SOURCE:ID" picks a source) under model. Derives the rules'
// fields over every record (term frequencies need them all). Errors: an id not in the inputs
// (kUsage), and those of deriving fields and building comparisons.
Result<PairExplanation> ExplainPair(const Rules& rules, const LoadedInput& input, const Model& model,
                                    const std::string& id1, const std::string& id2);

}  // namespace reclink
