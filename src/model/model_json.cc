// model.json: writing, and reading back with a check that it fits the rules' comparisons.
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <iterator>
#include <string_view>
#include <utility>

#include "reclink/json_writer.h"
#include "reclink/model.h"

namespace reclink {

std::string ModelToJson(const Model& model) {
  using Layout = JsonWriter::Layout;
  JsonWriter w;
  w.BeginObject(Layout::kLines);
  w.Member("format", "reclink-model-1");
  w.Member("prior", model.prior);
  w.Member("prior_source", model.prior_source);
  w.Member("base_weight", model.BaseWeight());
  w.Member("em_iterations", model.em_iterations);
  w.Member("em_converged", model.em_converged);
  w.Member("u_sample_pairs", model.u_sample_pairs);
  w.Member("training_sample_fraction", model.training_sample_fraction);
  if (model.threshold.chosen) {
    const ThresholdChoice& t = model.threshold;
    w.Key("threshold");
    w.BeginObject();
    w.Member("probability", t.probability);
    w.Member("weight", t.weight);
    w.Member("expected_precision", t.expected_precision);
    w.Member("expected_recall", t.expected_recall);
    w.Member("expected_f1", t.expected_f1);
    w.Member("expected_matches", t.expected_matches);
    w.Member("source",
             "the match weight that maximizes the F1 the model expects over the candidate pairs "
             "(docs/model.md); used when neither --threshold nor the rules file sets one");
    w.EndObject();
  }
  if (model.calibration.fitted) {  // absent without labels, so those models stay as they were
    const Calibration& cal = model.calibration;
    w.Key("calibration");
    w.BeginObject();
    w.Member("slope", cal.slope);
    w.Member("intercept", cal.intercept);
    // Only when made: models calibrated on a random sample keep their bytes.
    if (cal.intercept_correction != 0) w.Member("intercept_correction", cal.intercept_correction);
    w.Member("pairs", cal.pairs);
    w.Member("matches", cal.matches);
    w.Member("source", cal.source);
    w.Member("probability",
             cal.intercept_correction != 0
                 ? "1 / (1 + 2^-(slope * match_weight + intercept)); the intercept includes intercept_correction, "
                   "which moves the labels' odds of a match to the model's expected odds among the candidate "
                   "pairs (docs/model.md)"
                 : "1 / (1 + 2^-(slope * match_weight + intercept)); the intercept holds only when the labeled "
                   "pairs are a random sample of the candidate pairs (docs/model.md)");
    w.EndObject();
  }
  WritePlaceholdersJson(w, model.placeholders);
  w.Key("warnings");
  w.BeginArray();
  for (const std::string& warning : model.warnings) w.Value(warning);
  w.EndArray();
  w.Key("training");
  w.BeginArray();
  for (const RuleTraining& t : model.training) {
    w.BeginObject();
    w.Member("rule", t.rule);
    w.Member("pairs", t.pairs);
    w.Member("match_share", t.lambda);
    w.Member("em_iterations", t.iterations);
    w.Member("converged", t.converged);
    w.Member("classes", t.related_class ? 3 : 2);
    if (t.related_class) w.Member("related_share", t.related_share);
    w.EndObject();
  }
  w.EndArray();
  w.Key("comparisons");
  w.BeginArray(Layout::kLines);
  for (const ComparisonParams& cp : model.comparisons) {
    w.BeginObject(Layout::kLines);
    w.Member("name", cp.name);
    w.Member("field", cp.field);
    w.Member("tf_adjust", cp.tf_adjust);
    w.Key("trained_by");
    w.BeginArray();
    for (const std::string& rule : cp.trained_by) w.Value(rule);
    w.EndArray();
    w.Key("levels");
    w.BeginArray(Layout::kLines);
    for (size_t l = 0; l < cp.levels.size(); ++l) {
      const LevelParams& lp = cp.levels[l];
      w.BeginObject();
      w.Member("level", l);
      w.Member("label", lp.label);
      w.Member("m", lp.m);
      w.Member("u", lp.u);
      w.Member("weight", l == 0 ? 0.0 : lp.Weight());
      w.Member("m_source", lp.m_source);
      w.Member("u_source", lp.u_source);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.Take() + "\n";
}

namespace {

// 1-based line and column of byte `offset` of `text`.
std::pair<size_t, size_t> LineColumn(std::string_view text, size_t offset) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

// Where the value of key `key` starts inside the object that spans [from, to) of `text` (the
// first such key at any depth; model.json's level objects are flat), or npos. simdjson's DOM
// keeps no offsets, so messages about a value find it again in the text.
size_t FindValue(std::string_view text, size_t from, size_t to, std::string_view key) {
  const std::string quoted = "\"" + std::string(key) + "\"";
  for (size_t at = text.find(quoted, from); at != std::string_view::npos && at < to; at = text.find(quoted, at + 1)) {
    size_t i = at + quoted.size();
    while (i < to && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) ++i;
    if (i >= to || text[i] != ':') continue;  // the text of a string value, not a key
    ++i;
    while (i < to && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) ++i;
    return i;
  }
  return std::string_view::npos;
}

// Byte span of the l-th object in the "levels" array of the c-th comparison: the c-th "levels"
// key, then the l-th '{' at depth one inside its array. Strings are skipped.
std::pair<size_t, size_t> LevelSpan(std::string_view text, size_t c, size_t l) {
  size_t at = 0;
  for (size_t k = 0; k <= c; ++k) {
    at = FindValue(text, at, text.size(), "levels");
    if (at == std::string_view::npos) return {0, text.size()};
  }
  int depth = 0;
  size_t seen = 0, begin = at;
  bool in_string = false;
  for (size_t i = at; i < text.size(); ++i) {
    const char ch = text[i];
    if (in_string) {
      if (ch == '\\') ++i;
      else if (ch == '"') in_string = false;
      continue;
    }
    if (ch == '"') in_string = true;
    else if (ch == '[' || ch == '{') {
      if (++depth == 2 && ch == '{' && seen++ == l) begin = i;
    } else if (ch == ']' || ch == '}') {
      if (--depth == 1 && seen == l + 1 && ch == '}') return {begin, i + 1};
      if (depth == 0) break;
    }
  }
  return {0, text.size()};
}

// A token outside strings that JSON does not allow where a value goes (NaN, Infinity, inf...),
// which a hand edit may leave: its offset, or npos.
size_t FindNonJsonNumber(std::string_view text) {
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (in_string) {
      if (ch == '\\') ++i;
      else if (ch == '"') in_string = false;
      continue;
    }
    if (ch == '"') {
      in_string = true;
    } else if (std::isdigit(static_cast<unsigned char>(ch)) ||
               (ch == '-' && i + 1 < text.size() && std::isdigit(static_cast<unsigned char>(text[i + 1])))) {
      // A number, exponent included (the 'e' of 2.5e-07 is no word).
      while (i + 1 < text.size() && (std::isdigit(static_cast<unsigned char>(text[i + 1])) || text[i + 1] == '.' ||
                                     text[i + 1] == 'e' || text[i + 1] == 'E' || text[i + 1] == '+' || text[i + 1] == '-')) {
        ++i;
      }
    } else if (std::isalpha(static_cast<unsigned char>(ch)) || ((ch == '-' || ch == '+') && i + 1 < text.size() && std::isalpha(static_cast<unsigned char>(text[i + 1])))) {
      size_t j = i + (ch == '-' || ch == '+');
      while (j < text.size() && std::isalpha(static_cast<unsigned char>(text[j]))) ++j;
      const std::string_view word = text.substr(i, j - i);
      if (word != "true" && word != "false" && word != "null") return i;
      i = j - 1;
    }
  }
  return std::string_view::npos;
}

}  // namespace

void WritePlaceholdersJson(JsonWriter& w, const std::vector<DetectedPlaceholder>& placeholders) {
  w.Key("placeholders");
  w.BeginArray();
  for (const DetectedPlaceholder& ph : placeholders) {
    w.BeginObject();
    w.Member("field", ph.field);
    w.Member("value", ph.value);
    w.Member("records", ph.records);
    w.Member("reason", ph.reason);
    w.EndObject();
  }
  w.EndArray();
}

Result<Model> ReadModelJson(const std::string& path, const Rules& rules) {
  std::string text;
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      return Status::Usage(path + ": error: cannot read the model: cannot open the file",
                           "pass a model.json written by `reclink train` or `reclink dedupe`");
    }
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return ParseModelJson(text, path, rules);
}

Result<Model> ParseModelJson(const std::string& text, const std::string& path, const Rules& rules) {
  const std::string hint = "retrain with `reclink train --rules " + rules.path + "`";
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto err = parser.parse(text).get(doc)) {
    const size_t at = FindNonJsonNumber(text);
    if (at != std::string_view::npos) {
      const auto [line, column] = LineColumn(text, at);
      size_t end = at + 1;
      while (end < text.size() && std::isalpha(static_cast<unsigned char>(text[end]))) ++end;
      return Status::Usage(FormatLocation(path, line, column,
                                          "'" + text.substr(at, end - at) +
                                              "' is not a JSON number; m, u and prior must be finite numbers"),
                           hint);
    }
    return Status::Usage(path + ": error: cannot read the model: " + simdjson::error_message(err),
                         "pass a model.json written by `reclink train` or `reclink dedupe`");
  }
  auto bad = [&](const std::string& what) { return Status::Usage(path + ": error: " + what, hint); };
  // An error about a value found again in the text: FILE:LINE:COLUMN when it is found.
  auto bad_at = [&](size_t offset, const std::string& what) {
    if (offset == std::string_view::npos) return bad(what);
    const auto [line, column] = LineColumn(text, offset);
    return Status::Usage(FormatLocation(path, line, column, what), hint);
  };
  Model model;
  double prior;
  if (doc["prior"].get(prior)) return bad_at(FindValue(text, 0, text.size(), "prior"), "missing number 'prior'");
  if (!(prior > 0 && prior < 1)) {
    return bad_at(FindValue(text, 0, text.size(), "prior"), "'prior' is " + JsonNumber(prior) + "; it must be in (0, 1)");
  }
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
      const auto [span_begin, span_end] = LevelSpan(text, c, l);
      for (auto [key, value] : {std::pair{"m", &lp.m}, std::pair{"u", &lp.u}}) {
        const size_t at = FindValue(text, span_begin, span_end, key);
        if (le[key].get(*value)) {
          return bad_at(at, "comparison '" + cp.name + "' level '" + lp.label + "': '" + key +
                                "' is missing or not a number; m and u must be numbers in (0, 1]");
        }
        // Level 0 (null) carries no weight; the writer puts 1 there.
        if (l > 0 && !(*value > 0 && *value <= 1)) {
          return bad_at(at, "comparison '" + cp.name + "' level '" + lp.label + "': " + key + " is " +
                                JsonNumber(*value) + "; m and u must be in (0, 1]");
        }
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
  // The model's own threshold (absent in a model that had no candidate pairs, or hand-written).
  simdjson::dom::object threshold;
  if (!doc["threshold"].get(threshold)) {
    ThresholdChoice& t = model.threshold;
    const size_t at = FindValue(text, 0, text.size(), "threshold");
    if (threshold["probability"].get(t.probability) || threshold["weight"].get(t.weight) ||
        !(t.probability > 0 && t.probability < 1) || !std::isfinite(t.weight)) {
      return bad_at(at, "'threshold' needs a 'probability' in (0, 1) and a finite 'weight'");
    }
    for (auto [key, value] : {std::pair{"expected_precision", &t.expected_precision},
                              std::pair{"expected_recall", &t.expected_recall}, std::pair{"expected_f1", &t.expected_f1},
                              std::pair{"expected_matches", &t.expected_matches}}) {
      if (threshold[key].get(*value) != simdjson::SUCCESS) *value = 0;  // informative only
    }
    t.chosen = true;
  }
  // The calibration fitted on labels (absent in a model trained without them, or older).
  simdjson::dom::object calibration;
  if (!doc["calibration"].get(calibration)) {
    Calibration& cal = model.calibration;
    const size_t at = FindValue(text, 0, text.size(), "calibration");
    if (calibration["slope"].get(cal.slope) || calibration["intercept"].get(cal.intercept) ||
        !(cal.slope > 0 && std::isfinite(cal.slope)) || !std::isfinite(cal.intercept)) {
      return bad_at(at, "'calibration' needs a finite 'slope' > 0 and a finite 'intercept'");
    }
    uint64_t count;
    if (!calibration["pairs"].get(count)) cal.pairs = count;
    if (!calibration["matches"].get(count)) cal.matches = count;
    if (!calibration["source"].get(sv)) cal.source = std::string(sv);
    double correction = 0;
    if (!calibration["intercept_correction"].get(correction) && std::isfinite(correction)) {
      cal.intercept_correction = correction;
    }
    cal.fitted = true;
  }
  // Placeholder values the training run read as null (absent in older models: none).
  simdjson::dom::array placeholders;
  if (!doc["placeholders"].get(placeholders)) {
    const size_t at = FindValue(text, 0, text.size(), "placeholders");
    for (simdjson::dom::element e : placeholders) {
      DetectedPlaceholder ph;
      std::string_view field, value;
      if (e["field"].get(field) || e["value"].get(value)) {
        return bad_at(at, "each entry of 'placeholders' needs a string 'field' and a string 'value'");
      }
      ph.field = std::string(field);
      ph.value = std::string(value);
      if (std::none_of(rules.fields.begin(), rules.fields.end(), [&](const FieldSpec& f) { return f.name == ph.field; })) {
        return bad_at(at, "'placeholders' names field '" + ph.field + "', which the rules file " + rules.path +
                              " does not define");
      }
      uint64_t records = 0;
      if (!e["records"].get(records)) ph.records = records;
      if (!e["reason"].get(sv)) ph.reason = std::string(sv);
      model.placeholders.push_back(std::move(ph));
    }
  }
  return model;
}

}  // namespace reclink
