// model.json: writing, and reading back with a check that it fits the rules' comparisons.
#include <simdjson.h>

#include <fstream>

#include "reclink/json_writer.h"
#include "reclink/model.h"

namespace reclink {

std::string ModelToJson(const Model& model) {
  std::string j = "{\n";
  j += "  \"format\": \"reclink-model-1\",\n";
  j += "  \"prior\": " + JsonNumber(model.prior) + ",\n";
  j += "  \"prior_source\": " + JsonQuote(model.prior_source) + ",\n";
  j += "  \"base_weight\": " + JsonNumber(model.BaseWeight()) + ",\n";
  j += "  \"em_iterations\": " + std::to_string(model.em_iterations) + ",\n";
  j += std::string("  \"em_converged\": ") + (model.em_converged ? "true" : "false") + ",\n";
  j += "  \"u_sample_pairs\": " + std::to_string(model.u_sample_pairs) + ",\n";
  j += "  \"training_sample_fraction\": " + JsonNumber(model.training_sample_fraction) + ",\n";
  j += "  \"warnings\": [";
  for (size_t i = 0; i < model.warnings.size(); ++i) j += (i ? ", " : "") + JsonQuote(model.warnings[i]);
  j += "],\n  \"training\": [";
  for (size_t i = 0; i < model.training.size(); ++i) {
    const RuleTraining& t = model.training[i];
    j += std::string(i ? ", " : "") + "{\"rule\": " + JsonQuote(t.rule) + ", \"pairs\": " + std::to_string(t.pairs) +
         ", \"match_share\": " + JsonNumber(t.lambda) + ", \"em_iterations\": " + std::to_string(t.iterations) +
         ", \"converged\": " + (t.converged ? "true" : "false") + "}";
  }
  j += "],\n  \"comparisons\": [\n";
  for (size_t c = 0; c < model.comparisons.size(); ++c) {
    const ComparisonParams& cp = model.comparisons[c];
    j += "    {\n      \"name\": " + JsonQuote(cp.name) + ",\n      \"field\": " + JsonQuote(cp.field) +
         ",\n      \"tf_adjust\": " + (cp.tf_adjust ? "true" : "false") + ",\n      \"trained_by\": [";
    for (size_t i = 0; i < cp.trained_by.size(); ++i) j += (i ? ", " : "") + JsonQuote(cp.trained_by[i]);
    j += "],\n      \"levels\": [\n";
    for (size_t l = 0; l < cp.levels.size(); ++l) {
      const LevelParams& lp = cp.levels[l];
      j += "        {\"level\": " + std::to_string(l) + ", \"label\": " + JsonQuote(lp.label) +
           ", \"m\": " + JsonNumber(lp.m) + ", \"u\": " + JsonNumber(lp.u) +
           ", \"weight\": " + JsonNumber(l == 0 ? 0.0 : lp.Weight()) +
           ", \"m_source\": " + JsonQuote(lp.m_source) + ", \"u_source\": " + JsonQuote(lp.u_source) + "}";
      j += l + 1 < cp.levels.size() ? ",\n" : "\n";
    }
    j += "      ]\n    }";
    j += c + 1 < model.comparisons.size() ? ",\n" : "\n";
  }
  j += "  ]\n}\n";
  return j;
}

Status WriteModelJson(const Model& model, const std::string& path) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary);
    out << ModelToJson(model);
    if (!out) return Status::IoError(path + ": error: cannot write the model");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return Status::IoError(path + ": error: cannot rename " + tmp);
  return Status::Ok();
}

Result<Model> ReadModelJson(const std::string& path, const Rules& rules) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto err = parser.load(path).get(doc)) {
    return Status::Usage(path + ": error: cannot read the model: " + simdjson::error_message(err),
                         "pass a model.json written by `reclink train` or `reclink dedupe`");
  }
  auto bad = [&](const std::string& what) {
    return Status::Usage(path + ": error: " + what,
                         "retrain with `reclink train --rules " + rules.path + "`");
  };
  Model model;
  double prior;
  if (doc["prior"].get(prior)) return bad("missing number 'prior'");
  if (!(prior > 0 && prior < 1)) return bad("'prior' must be in (0, 1)");
  model.prior = prior;
  std::string_view sv;
  if (!doc["prior_source"].get(sv)) model.prior_source = std::string(sv);
  simdjson::dom::array comps;
  if (doc["comparisons"].get(comps)) return bad("missing array 'comparisons'");
  if (comps.size() != rules.comparisons.size()) {
    return bad("the model has " + std::to_string(comps.size()) + " comparisons but the rules file " +
               rules.path + " has " + std::to_string(rules.comparisons.size()));
  }
  size_t c = 0;
  for (simdjson::dom::element ce : comps) {
    const ComparisonSpec& spec = rules.comparisons[c];
    ComparisonParams cp;
    if (ce["name"].get(sv)) return bad("comparison " + std::to_string(c + 1) + " has no name");
    cp.name = std::string(sv);
    if (cp.name != spec.name) {
      return bad("comparison " + std::to_string(c + 1) + " is '" + cp.name + "' in the model but '" +
                 spec.name + "' in the rules file");
    }
    if (!ce["field"].get(sv)) cp.field = std::string(sv);
    bool tf = false;
    if (!ce["tf_adjust"].get(tf)) cp.tf_adjust = tf;
    cp.tf_adjust = spec.tf_adjust;  // the rules decide whether TF applies when scoring
    simdjson::dom::array levels;
    if (ce["levels"].get(levels)) return bad("comparison '" + cp.name + "' has no levels");
    if (levels.size() != spec.levels.size() + 2) {
      return bad("comparison '" + cp.name + "' has " + std::to_string(levels.size()) +
                 " levels in the model (null and else included) but " +
                 std::to_string(spec.levels.size() + 2) + " in the rules file");
    }
    size_t l = 0;
    for (simdjson::dom::element le : levels) {
      LevelParams lp;
      if (le["label"].get(sv)) return bad("comparison '" + cp.name + "' level " + std::to_string(l) + " has no label");
      lp.label = std::string(sv);
      const std::string expected = l == 0 ? "null" : l <= spec.levels.size() ? spec.levels[l - 1].label : "else";
      if (lp.label != expected) {
        return bad("comparison '" + cp.name + "' level " + std::to_string(l) + " is '" + lp.label +
                   "' in the model but '" + expected + "' in the rules file");
      }
      if (le["m"].get(lp.m) || le["u"].get(lp.u)) return bad("comparison '" + cp.name + "' level '" + lp.label + "' lacks m or u");
      if (l > 0 && !(lp.m > 0 && lp.m <= 1 && lp.u > 0 && lp.u <= 1)) {
        return bad("comparison '" + cp.name + "' level '" + lp.label + "': m and u must be in (0, 1]");
      }
      if (!le["m_source"].get(sv)) lp.m_source = std::string(sv);
      if (!le["u_source"].get(sv)) lp.u_source = std::string(sv);
      cp.levels.push_back(lp);
      ++l;
    }
    simdjson::dom::array trained;
    if (!ce["trained_by"].get(trained)) {
      for (simdjson::dom::element t : trained)
        if (!t.get(sv)) cp.trained_by.emplace_back(sv);
    }
    model.comparisons.push_back(std::move(cp));
    ++c;
  }
  int64_t it;
  if (!doc["em_iterations"].get(it)) model.em_iterations = static_cast<int>(it);
  return model;
}

}  // namespace reclink
