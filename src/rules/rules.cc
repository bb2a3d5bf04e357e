// Rules-file parser: TOML (toml++) into the validated Rules struct. Every check that needs no
// data happens here, so a bad rules file fails before any input is read.
#include "reclink/rules.h"

#include <toml++/toml.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <initializer_list>
#include <set>
#include <sstream>
#include <string_view>

#include "reclink/similarity.h"
#include "rules/rules_syntax.h"
#include "rules/rules_text.h"

namespace reclink {
namespace {

constexpr const char* kDocHint = "see docs/rules.md for every key and its allowed values";

std::string Join(const std::vector<std::string_view>& items, std::string_view sep = ", ") {
  std::string out;
  for (std::string_view s : items) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

std::string TypeName(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a floating-point number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
  }
}

// How a value is shown in "found ..." parts of messages.
std::string Shown(const toml::node& n) {
  std::ostringstream os;
  if (const auto* s = n.as_string()) return "\"" + Excerpt(s->get()) + "\"";
  if (n.is_table()) return "a table";
  if (n.is_array()) return "an array";
  n.visit([&](const auto& v) { os << v; });
  return os.str();
}

std::string Suggest(std::string_view found, const std::vector<std::string_view>& allowed) {
  const std::string best = ClosestName(found, allowed);
  return best.empty() ? std::string() : "did you mean '" + best + "'? ";
}

}  // namespace

std::string ClosestName(std::string_view given, std::span<const std::string_view> names) {
  std::string_view best;
  uint32_t best_distance = 3;  // suggest only close names: at most two edits
  for (std::string_view name : names) {
    const uint32_t d = LevenshteinDistance(given, name, best_distance);
    if (d < best_distance) {
      best_distance = d;
      best = name;
    }
  }
  return std::string(best);
}

namespace {

class RulesParser {
 public:
  explicit RulesParser(std::string name) : name_(std::move(name)) { rules_.path = name_; }

  Result<Rules> Parse(const toml::table& root);

 private:
  Status Error(const toml::source_region& at, const std::string& what,
               std::string hint = kDocHint) const {
    // Every error from text is located; a node toml++ made without a position (none is known)
    // would point at the start of the file rather than drop the location.
    const auto line = at.begin.line > 0 ? at.begin.line : 1;
    const auto column = at.begin.line > 0 && at.begin.column > 0 ? at.begin.column : 1;
    return Status::Usage(FormatLocation(name_, line, column, what), std::move(hint));
  }
  Status Error(const toml::node& at, const std::string& what, std::string hint = kDocHint) const {
    return Error(at.source(), what, std::move(hint));
  }

  // Rejects any key of t outside allowed. `where` names the table in messages.
  Status CheckKeys(const toml::table& t, const std::vector<std::string_view>& allowed,
                   const std::string& where) const;
  // The string at t[key], or nullptr when absent; error when present but not a string.
  Status GetString(const toml::table& t, std::string_view key, const std::string& where,
                   const toml::node** node, std::string* out) const;
  // A table of source name -> non-empty string (ids, columns).
  Status GetStringMap(const toml::node& n, const std::string& key_where,
                      std::map<std::string, std::string>* out) const;
  Status GetNumber(const toml::table& t, std::string_view key, const std::string& where,
                   const std::string& expected, double lo, bool lo_open, double hi, bool hi_open,
                   double* out) const;
  Status GetInteger(const toml::table& t, std::string_view key, const std::string& where,
                    int64_t lo, int64_t hi, int64_t* out) const;
  // An array of tables ([[name]]); absent -> empty.
  Status GetTableArray(const toml::table& root, std::string_view key,
                       std::vector<const toml::table*>* out) const;
  // Error at n when s is longer than max bytes; `what` names the key.
  Status CheckLength(const toml::node& n, const std::string& what, const std::string& s,
                     size_t max) const;

  Status ParseTopLevel(const toml::table& root);
  // `country_code` and `date_order` of table t (left alone when absent).
  Status ParseCountryCode(const toml::table& t, const std::string& where, std::string* out) const;
  Status ParseDateOrder(const toml::table& t, const std::string& where, DateOrder* out, bool* given) const;
  Status ParseSources(const toml::table& root);
  Status ParseSource(const std::string& name, const toml::node& n);
  Status ParseNullValues(const toml::node& n, const std::string& what, std::vector<std::string>* out) const;
  Status ParseFields(const toml::table& root);
  Status ParseField(const std::string& name, const toml::node& n);
  Status ParseBlocking(const toml::table& root);
  Status ParseComparisons(const toml::table& root);
  Status ParseModel(const toml::table& root);
  Status ParseCluster(const toml::table& root);
  Status ParseBlockingLimits(const toml::table& root);
  Status ParseSurvivorship(const toml::table& root);
  // The field names defined so far, for "expected one of" lists.
  std::string FieldList() const;

  std::string name_;
  Rules rules_;
  std::vector<std::string> default_null_values_;  // top-level null_values, copied into each field
};

// A table's entries in the order of the file (toml++ keeps keys sorted): [fields] and [sources]
// keep the user's order in messages and outputs.
std::vector<std::pair<std::string, const toml::node*>> InFileOrder(const toml::table& t) {
  std::vector<std::pair<std::string, const toml::node*>> out;
  for (auto&& [k, v] : t) out.emplace_back(std::string(k.str()), &v);
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    const toml::source_position pa = a.second->source().begin, pb = b.second->source().begin;
    return pa.line != pb.line ? pa.line < pb.line : pa.column < pb.column;
  });
  return out;
}

Status RulesParser::CheckKeys(const toml::table& t, const std::vector<std::string_view>& allowed,
                              const std::string& where) const {
  for (auto&& [k, v] : t) {
    std::string_view key = k.str();
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    return Error(k.source(),
                 "unknown key '" + Excerpt(key) + "' in " + where + "; expected one of: " +
                     Join(allowed),
                 Suggest(key, allowed) + kDocHint);
  }
  return Status::Ok();
}

Status RulesParser::GetString(const toml::table& t, std::string_view key, const std::string& where,
                              const toml::node** node, std::string* out) const {
  *node = t.get(key);
  if (*node == nullptr) return Status::Ok();
  const auto* s = (*node)->as_string();
  if (s == nullptr) {
    return Error(**node, "key '" + std::string(key) + "' in " + where +
                             ": expected a string, found " + TypeName(**node));
  }
  *out = s->get();
  return Status::Ok();
}

Status RulesParser::GetStringMap(const toml::node& n, const std::string& key_where,
                                 std::map<std::string, std::string>* out) const {
  const auto* t = n.as_table();
  if (t == nullptr) {
    return Error(n, key_where + ": expected a table of source = \"COLUMN\", e.g. "
                                "{ crm = \"Id\", shop = \"customer_id\" }, found " +
                        TypeName(n));
  }
  if (t->empty()) {
    return Error(n, key_where + ": expected at least one source = \"COLUMN\" entry, found an "
                                "empty table");
  }
  for (auto&& [k, v] : *t) {
    const auto* s = v.as_string();
    if (s == nullptr || s->get().empty()) {
      return Error(v, key_where + ": source '" + Excerpt(k.str()) +
                          "': expected a non-empty column name, found " +
                          (s == nullptr ? TypeName(v) : std::string("an empty string")));
    }
    RECLINK_RETURN_IF_ERROR(CheckLength(v, key_where + ": source '" + Excerpt(k.str()) + "'",
                                        s->get(), kRulesMaxColumnLength));
    (*out)[std::string(k.str())] = s->get();
  }
  return Status::Ok();
}

Status RulesParser::CheckLength(const toml::node& n, const std::string& what,
                                const std::string& s, size_t max) const {
  if (s.size() <= max) return Status::Ok();
  return Error(n, what + ": expected at most " + std::to_string(max) + " bytes, found " +
                      std::to_string(s.size()));
}

Status RulesParser::GetNumber(const toml::table& t, std::string_view key, const std::string& where,
                              const std::string& expected, double lo, bool lo_open, double hi,
                              bool hi_open, double* out) const {
  const toml::node* n = t.get(key);
  if (n == nullptr) return Status::Ok();
  std::string what = "key '" + std::string(key) + "' in " + where + ": expected " + expected;
  if (!n->is_number()) return Error(*n, what + ", found " + TypeName(*n));
  double v = n->value<double>().value_or(0);
  bool below = lo_open ? !(v > lo) : !(v >= lo);
  bool above = hi_open ? !(v < hi) : !(v <= hi);
  if (below || above) return Error(*n, what + ", found " + Shown(*n));
  *out = v;
  return Status::Ok();
}

Status RulesParser::GetInteger(const toml::table& t, std::string_view key,
                               const std::string& where, int64_t lo, int64_t hi,
                               int64_t* out) const {
  const toml::node* n = t.get(key);
  if (n == nullptr) return Status::Ok();
  std::string what = "key '" + std::string(key) + "' in " + where + ": expected an integer " +
                     (hi == INT64_MAX ? ">= " + std::to_string(lo)
                                      : "from " + std::to_string(lo) + " to " +
                                            std::to_string(hi));
  const auto* i = n->as_integer();
  if (i == nullptr) return Error(*n, what + ", found " + TypeName(*n));
  if (i->get() < lo || i->get() > hi) return Error(*n, what + ", found " + Shown(*n));
  *out = i->get();
  return Status::Ok();
}

Status RulesParser::GetTableArray(const toml::table& root, std::string_view key,
                                  std::vector<const toml::table*>* out) const {
  const toml::node* n = root.get(key);
  if (n == nullptr) return Status::Ok();
  const auto* arr = n->as_array();
  if (arr == nullptr) {
    return Error(*n, "key '" + std::string(key) + "': expected an array of tables ([[" +
                         std::string(key) + "]] sections), found " + TypeName(*n));
  }
  for (const toml::node& el : *arr) {
    const auto* t = el.as_table();
    if (t == nullptr) {
      return Error(el, "key '" + std::string(key) + "': expected an array of tables ([[" +
                           std::string(key) + "]] sections), found an element that is " +
                           TypeName(el));
    }
    out->push_back(t);
  }
  return Status::Ok();
}

std::string RulesParser::FieldList() const {
  // At most 20 names, so a message stays short even with the largest allowed [fields].
  constexpr size_t kShown = 20;
  std::vector<std::string_view> names;
  for (size_t i = 0; i < rules_.fields.size() && i < kShown; ++i) {
    names.push_back(rules_.fields[i].name);
  }
  if (names.empty()) return "(no [fields] defined)";
  std::string list = Join(names);
  if (rules_.fields.size() > kShown) {
    list += ", ... (" + std::to_string(rules_.fields.size()) + " fields)";
  }
  return list;
}

Status RulesParser::ParseTopLevel(const toml::table& root) {
  RECLINK_RETURN_IF_ERROR(CheckKeys(root,
                                    {"link_type", "id", "ids", "null_values", "fields", "blocking",
                                     "comparison", "model", "cluster", "blocking_limits", "survivorship", "sources"},
                                    "the top level"));
  if (const toml::node* nv = root.get("null_values")) {
    RECLINK_RETURN_IF_ERROR(ParseNullValues(*nv, "key 'null_values'", &default_null_values_));
  }
  const toml::node* n = nullptr;
  std::string link_type = "dedupe";
  RECLINK_RETURN_IF_ERROR(GetString(root, "link_type", "the top level", &n, &link_type));
  if (link_type == "dedupe") {
    rules_.link_type = LinkType::kDedupe;
  } else if (link_type == "link") {
    rules_.link_type = LinkType::kLink;
  } else if (link_type == "link_and_dedupe") {
    rules_.link_type = LinkType::kLinkAndDedupe;
  } else {
    return Error(*n,
                 "key 'link_type': expected \"dedupe\", \"link\" or \"link_and_dedupe\", found \"" +
                     Excerpt(link_type) + "\"",
                 Suggest(link_type, {"dedupe", "link", "link_and_dedupe"}) + kDocHint);
  }

  const toml::node* id_node = nullptr;
  RECLINK_RETURN_IF_ERROR(GetString(root, "id", "the top level", &id_node, &rules_.id));
  if (id_node != nullptr) {
    rules_.id_line = static_cast<int>(id_node->source().begin.line);
    if (rules_.id.empty()) {
      return Error(*id_node, "key 'id': expected the name of the column holding record ids, "
                             "found an empty string");
    }
    RECLINK_RETURN_IF_ERROR(CheckLength(*id_node, "key 'id'", rules_.id, kRulesMaxColumnLength));
  }
  if (const toml::node* ids = root.get("ids")) {
    if (rules_.link_type == LinkType::kDedupe) {
      return Error(*ids,
                   "key 'ids' (per-source id columns) needs link_type = \"link\" or "
                   "\"link_and_dedupe\", found link_type = \"dedupe\"",
                   "in dedupe mode name one id column with id = \"COLUMN\"");
    }
    RECLINK_RETURN_IF_ERROR(GetStringMap(*ids, "key 'ids'", &rules_.ids));
    if (rules_.id_line == 0) rules_.id_line = static_cast<int>(ids->source().begin.line);
  }
  return Status::Ok();
}

Status RulesParser::ParseNullValues(const toml::node& n, const std::string& what,
                                    std::vector<std::string>* out) const {
  const auto* arr = n.as_array();
  if (arr == nullptr) {
    return Error(n, what + ": expected an array of placeholder values read as null, e.g. "
                           "[\"noemail@noemail.com\", \"unknown\"], found " + TypeName(n));
  }
  if (arr->size() > kRulesMaxNullValues) {
    return Error(n, what + ": expected at most " + std::to_string(kRulesMaxNullValues) +
                        " values, found " + std::to_string(arr->size()));
  }
  out->clear();
  for (const toml::node& el : *arr) {
    const auto* s = el.as_string();
    if (s == nullptr) return Error(el, what + ": expected strings, found " + TypeName(el));
    RECLINK_RETURN_IF_ERROR(CheckLength(el, what, s->get(), kRulesMaxColumnLength));
    out->push_back(s->get());
  }
  return Status::Ok();
}

Status RulesParser::ParseCountryCode(const toml::table& t, const std::string& where, std::string* out) const {
  const toml::node* cc = t.get("country_code");
  if (cc == nullptr) return Status::Ok();
  std::string code;
  if (const auto* i = cc->as_integer()) {
    code = std::to_string(i->get());
  } else if (const auto* s = cc->as_string()) {
    code = s->get();
  } else {
    return Error(*cc, "key 'country_code' in " + where +
                          ": expected a calling code such as \"44\", found " + TypeName(*cc));
  }
  bool ok = !code.empty() && code.size() <= 3 && code[0] != '0' &&
            std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!ok) {
    return Error(*cc,
                 "key 'country_code' in " + where +
                     ": expected a country calling code of 1 to 3 digits without '+' or '00', "
                     "found " + Shown(*cc),
                 "for example country_code = \"44\" (UK) or \"1\" (North America)");
  }
  *out = code;
  return Status::Ok();
}

Status RulesParser::ParseDateOrder(const toml::table& t, const std::string& where, DateOrder* out,
                                   bool* given) const {
  const toml::node* order = nullptr;
  std::string order_text;
  RECLINK_RETURN_IF_ERROR(GetString(t, "date_order", where, &order, &order_text));
  if (order == nullptr) return Status::Ok();
  if (order_text == "dmy") {
    *out = DateOrder::kDayFirst;
  } else if (order_text == "mdy") {
    *out = DateOrder::kMonthFirst;
  } else {
    return Error(*order, "key 'date_order' in " + where +
                             ": expected \"dmy\" (03/01/1990 is 3 January) or \"mdy\" "
                             "(March 1), found \"" + Excerpt(order_text) + "\"",
                 Suggest(order_text, {"dmy", "mdy"}) + kDocHint);
  }
  *given = true;
  return Status::Ok();
}

Status RulesParser::ParseField(const std::string& name, const toml::node& n) {
  const std::string where = "[fields." + Excerpt(name) + "]";
  const auto* t = n.as_table();
  if (t == nullptr) {
    return Error(n, "field '" + Excerpt(name) + "': expected a table " + where +
                        " with column and normalize keys, found " + TypeName(n));
  }
  if (!IsFieldName(name)) {
    return Error(n, "field name '" + Excerpt(name) + "': expected letters, digits and '_' only",
                 "field names appear in blocking keys such as soundex(" + Excerpt(name) + ")");
  }
  if (name.size() > kRulesMaxNameLength) {
    return Error(n, "field name '" + Excerpt(name) + "': expected at most " +
                        std::to_string(kRulesMaxNameLength) + " characters, found " +
                        std::to_string(name.size()),
                 "field names appear in blocking keys and messages; use a short name");
  }
  RECLINK_RETURN_IF_ERROR(
      CheckKeys(*t, {"column", "columns", "normalize", "country_code", "date_order", "null_values"}, where));
  FieldSpec f;
  f.name = name;
  f.null_values = default_null_values_;
  if (const toml::node* nv = t->get("null_values")) {
    RECLINK_RETURN_IF_ERROR(ParseNullValues(*nv, "key 'null_values' in " + where, &f.null_values));
  }
  f.line = static_cast<int>(n.source().begin.line);
  const toml::node* col = nullptr;
  RECLINK_RETURN_IF_ERROR(GetString(*t, "column", where, &col, &f.column));
  if (col != nullptr) {
    f.column_line = static_cast<int>(col->source().begin.line);
    if (f.column.empty()) {
      return Error(*col, "key 'column' in " + where +
                             ": expected a column name (JSON: a dotted path), found an empty "
                             "string");
    }
    RECLINK_RETURN_IF_ERROR(
        CheckLength(*col, "key 'column' in " + where, f.column, kRulesMaxColumnLength));
  }
  if (const toml::node* cols = t->get("columns")) {
    RECLINK_RETURN_IF_ERROR(GetStringMap(*cols, "key 'columns' in " + where, &f.columns));
    if (f.column_line == 0) f.column_line = static_cast<int>(cols->source().begin.line);
  }
  if (f.column.empty() && f.columns.empty()) {
    return Error(n, "field '" + name + "' has no column: expected column = \"NAME\" or "
                                       "columns = { SOURCE = \"NAME\" } in " + where);
  }
  if (const toml::node* norm = t->get("normalize")) {
    const auto* arr = norm->as_array();
    if (arr == nullptr) {
      return Error(*norm, "key 'normalize' in " + where +
                              ": expected an array of normalizer names, e.g. [\"casefold\", "
                              "\"strip_accents\"], found " + TypeName(*norm));
    }
    if (arr->size() > kRulesMaxNormalizers) {
      return Error(*norm, "key 'normalize' in " + where + ": expected at most " +
                              std::to_string(kRulesMaxNormalizers) + " normalizers, found " +
                              std::to_string(arr->size()),
                   "each normalizer runs once per value; a chain needs only a few");
    }
    // The names are the normalize stage's to check (CheckFieldNormalizers), at these positions.
    for (const toml::node& el : *arr) {
      const auto* s = el.as_string();
      if (s == nullptr) {
        return Error(el, "key 'normalize' in " + where +
                             ": expected normalizer names (strings), found " + TypeName(el));
      }
      f.normalize.push_back(s->get());
      f.normalize_at.push_back({static_cast<int>(el.source().begin.line > 0 ? el.source().begin.line : 1),
                                static_cast<int>(el.source().begin.line > 0 && el.source().begin.column > 0
                                                     ? el.source().begin.column : 1)});
    }
  }
  RECLINK_RETURN_IF_ERROR(ParseCountryCode(*t, where, &f.phone_country_code));
  bool given = false;
  RECLINK_RETURN_IF_ERROR(ParseDateOrder(*t, where, &f.date_order, &given));
  f.where = where;
  rules_.fields.push_back(std::move(f));
  return Status::Ok();
}

Status RulesParser::ParseFields(const toml::table& root) {
  const toml::node* n = root.get("fields");
  if (n == nullptr) {
    return Error(toml::source_region{{1, 1}, {1, 1}, {}},
                 "no [fields.NAME] section: expected at least one derived field, e.g. "
                 "[fields.first] with column = \"first_name\"");
  }
  const auto* t = n->as_table();
  if (t == nullptr) {
    return Error(*n, "key 'fields': expected [fields.NAME] tables, found " + TypeName(*n));
  }
  const std::vector<std::pair<std::string, const toml::node*>> in_file_order = InFileOrder(*t);
  for (size_t i = 0; i < in_file_order.size(); ++i) {
    const auto& [name, node] = in_file_order[i];
    if (i == kRulesMaxFields) {
      return Error(*node, "[fields." + Excerpt(name) + "]: expected at most " +
                              std::to_string(kRulesMaxFields) + " fields, found " +
                              std::to_string(in_file_order.size()));
    }
    RECLINK_RETURN_IF_ERROR(ParseField(name, *node));
  }
  if (rules_.fields.empty()) {
    return Error(*n, "[fields] is empty: expected at least one [fields.NAME] table");
  }
  return Status::Ok();
}

Status RulesParser::ParseSources(const toml::table& root) {
  const toml::node* n = root.get("sources");
  if (n == nullptr) return Status::Ok();
  const auto* t = n->as_table();
  if (t == nullptr) {
    return Error(*n, "key 'sources': expected [sources.NAME] tables, found " + TypeName(*n));
  }
  const std::vector<std::pair<std::string, const toml::node*>> in_file_order = InFileOrder(*t);
  for (const auto& [name, node] : in_file_order) RECLINK_RETURN_IF_ERROR(ParseSource(name, *node));
  return Status::Ok();
}

Status RulesParser::ParseSource(const std::string& name, const toml::node& n) {
  const std::string where = "[sources." + Excerpt(name) + "]";
  const auto* t = n.as_table();
  if (t == nullptr) {
    return Error(n, "source '" + Excerpt(name) + "': expected a table " + where +
                        " of read options (format, delimiter, encoding, date_order, ...), found " + TypeName(n));
  }
  if (name.empty() || name.find_first_of("/=:") != std::string::npos || name.size() > kRulesMaxNameLength) {
    return Error(n, "source name '" + Excerpt(name) + "': expected 1 to " + std::to_string(kRulesMaxNameLength) +
                        " characters without '/', '=' or ':'",
                 "a source is named after its input file's stem, or NAME=PATH on the command line");
  }
  RECLINK_RETURN_IF_ERROR(CheckKeys(*t,
                                    {"path", "format", "delimiter", "quote", "encoding", "trim_spaces", "header", "columns",
                                     "id", "date_order", "country_code", "null_values", "fields"},
                                    where));
  SourceSpec spec;
  spec.name = name;
  spec.line = static_cast<int>(n.source().begin.line);
  const toml::node* v = nullptr;
  RECLINK_RETURN_IF_ERROR(GetString(*t, "path", where, &v, &spec.path));
  if (v != nullptr) {
    if (spec.path.empty()) return Error(*v, "key 'path' in " + where + ": expected a file path, found an empty string");
    RECLINK_RETURN_IF_ERROR(CheckLength(*v, "key 'path' in " + where, spec.path, kRulesMaxColumnLength));
  }
  std::string text;
  RECLINK_RETURN_IF_ERROR(GetString(*t, "format", where, &v, &text));
  if (v != nullptr) {
    if (text == "csv") {
      spec.format = InputFormat::kCsv;
    } else if (text == "tsv") {
      spec.format = InputFormat::kCsv;
      spec.delimiter = '\t';
    } else if (text == "jsonl" || text == "ndjson") {
      spec.format = InputFormat::kJsonl;
    } else if (text == "json") {
      spec.format = InputFormat::kJson;
    } else {
      return Error(*v, "key 'format' in " + where + ": expected \"csv\", \"tsv\", \"jsonl\" or \"json\", found \"" +
                           Excerpt(text) + "\"",
                   Suggest(text, {"csv", "tsv", "jsonl", "json"}) + kDocHint);
    }
  }
  text.clear();
  RECLINK_RETURN_IF_ERROR(GetString(*t, "delimiter", where, &v, &text));
  if (v != nullptr) {
    if (text == "tab" || text == "\t") {
      spec.delimiter = '\t';
    } else if (text.size() == 1 && text.find_first_of(",;|") == 0) {
      spec.delimiter = text[0];
    } else {
      return Error(*v, "key 'delimiter' in " + where + ": expected one of \",\" \";\" \"|\" \"tab\", found \"" +
                           Excerpt(text) + "\"");
    }
    if (spec.format && *spec.format != InputFormat::kCsv) {
      return Error(*v, "key 'delimiter' in " + where + ": a delimiter needs format = \"csv\" (or no format), found format = \"" +
                           std::string(*spec.format == InputFormat::kJson ? "json" : "jsonl") + "\"");
    }
  }
  text.clear();
  RECLINK_RETURN_IF_ERROR(GetString(*t, "quote", where, &v, &text));
  if (v != nullptr) {
    const bool punct = text.size() == 1 && text[0] > ' ' && text[0] < 0x7F && !std::isalnum(static_cast<unsigned char>(text[0]));
    if (!text.empty() && !punct) {
      return Error(*v, "key 'quote' in " + where + ": expected one ASCII punctuation character such as \"'\", or \"\" "
                           "for none, found \"" + Excerpt(text) + "\"");
    }
    spec.quote = text.empty() ? '\0' : text[0];
    if (spec.format && *spec.format != InputFormat::kCsv) {
      return Error(*v, "key 'quote' in " + where + ": a quote character is for CSV files");
    }
    if (spec.delimiter && *spec.delimiter == *spec.quote) {
      return Error(*v, "key 'quote' in " + where + ": the quote character must differ from the delimiter");
    }
  }
  text.clear();
  RECLINK_RETURN_IF_ERROR(GetString(*t, "encoding", where, &v, &text));
  if (v != nullptr) {
    if (text == "utf-8" || text == "utf8") {
      spec.encoding = Encoding::kUtf8;
    } else if (text == "latin-1" || text == "latin1" || text == "iso-8859-1") {
      spec.encoding = Encoding::kLatin1;
    } else {
      return Error(*v, "key 'encoding' in " + where + ": expected \"utf-8\" or \"latin-1\", found \"" +
                           Excerpt(text) + "\"",
                   Suggest(text, {"utf-8", "latin-1"}) + kDocHint);
    }
  }
  if (const toml::node* trim = t->get("trim_spaces")) {
    const auto* b = trim->as_boolean();
    if (b == nullptr) {
      return Error(*trim, "key 'trim_spaces' in " + where + ": expected true or false, found " + TypeName(*trim));
    }
    spec.trim_spaces = b->get();
  }
  if (const toml::node* h = t->get("header")) {
    const auto* b = h->as_boolean();
    if (b == nullptr) {
      return Error(*h, "key 'header' in " + where + ": expected true or false (false: the file has no header row), found " +
                           TypeName(*h));
    }
    spec.header = b->get();
    if (!spec.header && spec.format && *spec.format != InputFormat::kCsv) {
      return Error(*h, "key 'header' in " + where + ": header = false is for CSV files; JSON records name their fields");
    }
  }
  if (const toml::node* c = t->get("columns")) {
    const auto* arr = c->as_array();
    if (spec.header) {
      return Error(*c, "key 'columns' in " + where + ": column names are for a file without a header row; add "
                           "header = false (a header row names the columns itself)");
    }
    if (arr == nullptr || arr->empty()) {
      return Error(*c, "key 'columns' in " + where + ": expected a non-empty array of column names, found " +
                           (arr == nullptr ? TypeName(*c) : std::string("an empty array")));
    }
    std::set<std::string> seen;
    for (const toml::node& el : *arr) {
      const auto* name = el.as_string();
      if (name == nullptr || name->get().empty()) {
        return Error(el, "key 'columns' in " + where + ": expected non-empty column names, found " +
                             (name == nullptr ? TypeName(el) : std::string("an empty string")));
      }
      RECLINK_RETURN_IF_ERROR(CheckLength(el, "key 'columns' in " + where, name->get(), kRulesMaxColumnLength));
      if (!seen.insert(name->get()).second) {
        return Error(el, "key 'columns' in " + where + ": column '" + Excerpt(name->get()) + "' is named twice");
      }
      spec.columns.push_back(name->get());
    }
    if (spec.columns.size() > kRulesMaxFields * 4) {
      return Error(*c, "key 'columns' in " + where + ": expected at most " + std::to_string(kRulesMaxFields * 4) +
                           " names, found " + std::to_string(spec.columns.size()));
    }
  }
  std::string id;
  RECLINK_RETURN_IF_ERROR(GetString(*t, "id", where, &v, &id));
  if (v != nullptr) {
    if (id.empty()) return Error(*v, "key 'id' in " + where + ": expected the source's id column, found an empty string");
    RECLINK_RETURN_IF_ERROR(CheckLength(*v, "key 'id' in " + where, id, kRulesMaxColumnLength));
    if (rules_.ids.count(name) != 0 && rules_.ids[name] != id) {
      return Error(*v, "key 'id' in " + where + ": the top-level ids already gives source '" + Excerpt(name) +
                           "' the id column '" + Excerpt(rules_.ids[name]) + "'",
                   "keep one of the two");
    }
    rules_.ids[name] = id;
    if (rules_.id_line == 0) rules_.id_line = static_cast<int>(v->source().begin.line);
  }
  // The source's defaults for every field, then each [sources.NAME.fields.FIELD]'s own.
  DateOrder order = DateOrder::kDayFirst;
  bool order_given = false;
  RECLINK_RETURN_IF_ERROR(ParseDateOrder(*t, where, &order, &order_given));
  std::string code;
  RECLINK_RETURN_IF_ERROR(ParseCountryCode(*t, where, &code));
  std::vector<std::string> nulls;
  if (const toml::node* nv = t->get("null_values")) {
    RECLINK_RETURN_IF_ERROR(ParseNullValues(*nv, "key 'null_values' in " + where, &nulls));
  }
  for (FieldSpec& f : rules_.fields) {
    if (order_given) f.date_orders[name] = order;
    if (!code.empty()) f.country_codes[name] = code;
    if (!nulls.empty()) f.source_null_values[name] = nulls;
  }
  if (const toml::node* fields = t->get("fields")) {
    const auto* ft = fields->as_table();
    if (ft == nullptr) {
      return Error(*fields, "key 'fields' in " + where + ": expected [sources." + Excerpt(name) +
                                ".fields.FIELD] tables, found " + TypeName(*fields));
    }
    for (auto&& [k, fv] : *ft) {
      const std::string field(k.str());
      const std::string fwhere = "[sources." + Excerpt(name) + ".fields." + Excerpt(field) + "]";
      const int index = rules_.FindField(field);
      if (index < 0) {
        std::vector<std::string_view> names;
        for (const FieldSpec& f : rules_.fields) names.push_back(f.name);
        return Error(fv, fwhere + ": no field '" + Excerpt(field) + "' in [fields]; expected one of: " + FieldList(),
                     Suggest(field, names) + kDocHint);
      }
      FieldSpec& f = rules_.fields[static_cast<size_t>(index)];
      const auto* fvt = fv.as_table();
      if (fvt == nullptr) {
        return Error(fv, fwhere + ": expected a table of column, date_order, country_code, null_values, found " +
                             TypeName(fv));
      }
      RECLINK_RETURN_IF_ERROR(CheckKeys(*fvt, {"column", "date_order", "country_code", "null_values"}, fwhere));
      std::string column;
      RECLINK_RETURN_IF_ERROR(GetString(*fvt, "column", fwhere, &v, &column));
      if (v != nullptr) {
        if (column.empty()) return Error(*v, "key 'column' in " + fwhere + ": expected a column name, found an empty string");
        RECLINK_RETURN_IF_ERROR(CheckLength(*v, "key 'column' in " + fwhere, column, kRulesMaxColumnLength));
        auto it = f.columns.find(name);
        if (it != f.columns.end() && it->second != column) {
          return Error(*v, "key 'column' in " + fwhere + ": [fields." + f.name + "] columns already reads '" +
                               Excerpt(it->second) + "' for source '" + Excerpt(name) + "'",
                       "keep one of the two");
        }
        f.columns[name] = column;
      }
      DateOrder field_order = DateOrder::kDayFirst;
      bool field_order_given = false;
      RECLINK_RETURN_IF_ERROR(ParseDateOrder(*fvt, fwhere, &field_order, &field_order_given));
      if (field_order_given) f.date_orders[name] = field_order;
      std::string field_code;
      RECLINK_RETURN_IF_ERROR(ParseCountryCode(*fvt, fwhere, &field_code));
      if (!field_code.empty()) f.country_codes[name] = field_code;
      if (const toml::node* nv = fvt->get("null_values")) {
        std::vector<std::string> more;
        RECLINK_RETURN_IF_ERROR(ParseNullValues(*nv, "key 'null_values' in " + fwhere, &more));
        std::vector<std::string>& all = f.source_null_values[name];
        all.insert(all.end(), more.begin(), more.end());
      }
    }
  }
  rules_.sources.push_back(std::move(spec));
  return Status::Ok();
}

Status RulesParser::ParseBlocking(const toml::table& root) {
  std::vector<const toml::table*> tables;
  RECLINK_RETURN_IF_ERROR(GetTableArray(root, "blocking", &tables));
  if (tables.empty()) {
    return Error(toml::source_region{{1, 1}, {1, 1}, {}},
                 "no [[blocking]] rule: expected at least one, e.g. [[blocking]] with keys = "
                 "[\"last\", \"dob\"]",
                 "blocking rules decide which record pairs are compared; see docs/rules.md");
  }
  if (tables.size() > kRulesMaxBlockingRules) {
    return Error(*tables[kRulesMaxBlockingRules],
                 "[[blocking]] #" + std::to_string(kRulesMaxBlockingRules + 1) +
                     ": expected at most " + std::to_string(kRulesMaxBlockingRules) +
                     " blocking rules, found " + std::to_string(tables.size()),
                 "every rule is a pass over the data; combine rules or drop weak ones");
  }
  for (size_t r = 0; r < tables.size(); ++r) {
    const toml::table& t = *tables[r];
    const std::string where = "[[blocking]] #" + std::to_string(r + 1);
    RECLINK_RETURN_IF_ERROR(CheckKeys(t, {"keys"}, where));
    BlockingRule rule;
    rule.line = static_cast<int>(t.source().begin.line);
    const toml::node* keys = t.get("keys");
    if (keys == nullptr) {
      return Error(t, "missing key 'keys' in " + where +
                          ": expected an array of blocking keys, e.g. keys = [\"soundex(last)\", "
                          "\"dob\"]");
    }
    const auto* arr = keys->as_array();
    if (arr == nullptr || arr->empty()) {
      return Error(*keys, "key 'keys' in " + where +
                              ": expected a non-empty array of blocking keys, found " +
                              (arr == nullptr ? TypeName(*keys) : std::string("an empty array")));
    }
    if (arr->size() > kRulesMaxKeysPerRule) {
      return Error(*keys, "key 'keys' in " + where + ": expected at most " +
                              std::to_string(kRulesMaxKeysPerRule) + " blocking keys, found " +
                              std::to_string(arr->size()),
                   "records agreeing on that many keys are already near-duplicates; a rule "
                   "needs two or three");
    }
    for (const toml::node& el : *arr) {
      const auto* s = el.as_string();
      if (s == nullptr) {
        return Error(el, "key 'keys' in " + where +
                             ": expected blocking keys as strings, found " + TypeName(el));
      }
      BlockingKey key;
      std::string what, hint;
      const std::string shown = "blocking key \"" + Excerpt(s->get()) + "\" in " + where;
      if (!ParseBlockingKey(s->get(), &key, &what, &hint)) return Error(el, shown + ": " + what, hint);
      if (rules_.FindField(key.field) < 0) {
        return Error(el, shown + " names field '" + Excerpt(key.field) +
                             "', which is not defined; expected one of: " + FieldList(),
                     "define it first with [fields." + Excerpt(key.field) +
                         "] and column = \"...\"");
      }
      for (size_t k = 0; k < rule.keys.size(); ++k) {
        const BlockingKey& other = rule.keys[k];
        if (other.fn == key.fn && other.field == key.field && other.n == key.n) {
          return Error(el, shown + ": repeats key #" + std::to_string(k + 1) + " of the same rule",
                       "a key listed twice adds nothing; remove one");
        }
      }
      if (!rule.text.empty()) rule.text += " & ";
      rule.text += key.text;
      rule.keys.push_back(std::move(key));
    }
    // A rule with the same keys as an earlier one (in any order) finds no new pairs.
    auto same_keys = [](const BlockingRule& a, const BlockingRule& b) {
      if (a.keys.size() != b.keys.size()) return false;
      for (const BlockingKey& x : a.keys) {
        bool found = false;
        for (const BlockingKey& y : b.keys) {
          found |= x.fn == y.fn && x.field == y.field && x.n == y.n;
        }
        if (!found) return false;
      }
      return true;
    };
    for (size_t o = 0; o < rules_.blocking.size(); ++o) {
      if (same_keys(rules_.blocking[o], rule)) {
        return Error(t, where + ": the same keys as [[blocking]] #" + std::to_string(o + 1) +
                            " (line " + std::to_string(rules_.blocking[o].line) + "), found \"" +
                            Excerpt(rule.text) + "\"",
                     "a repeated rule finds no new pairs; remove it or change its keys");
      }
    }
    rules_.blocking.push_back(std::move(rule));
  }
  return Status::Ok();
}

Status RulesParser::ParseComparisons(const toml::table& root) {
  std::vector<const toml::table*> tables;
  RECLINK_RETURN_IF_ERROR(GetTableArray(root, "comparison", &tables));
  if (tables.empty()) {
    return Error(toml::source_region{{1, 1}, {1, 1}, {}},
                 "no [[comparison]]: expected at least one, e.g. [[comparison]] with field = "
                 "\"first\" and levels = [\"exact\", \"jaro_winkler >= 0.92\"]");
  }
  if (tables.size() > kRulesMaxComparisons) {
    return Error(*tables[kRulesMaxComparisons],
                 "[[comparison]] #" + std::to_string(kRulesMaxComparisons + 1) +
                     ": expected at most " + std::to_string(kRulesMaxComparisons) +
                     " comparisons, found " + std::to_string(tables.size()),
                 "the model supports " + std::to_string(kRulesMaxComparisons) +
                     " comparisons; drop the weakest or merge fields into one");
  }
  std::set<std::string> names;
  for (size_t c = 0; c < tables.size(); ++c) {
    const toml::table& t = *tables[c];
    const std::string where = "[[comparison]] #" + std::to_string(c + 1);
    RECLINK_RETURN_IF_ERROR(CheckKeys(t, {"field", "name", "levels", "tf_adjust"}, where));
    ComparisonSpec spec;
    spec.line = static_cast<int>(t.source().begin.line);
    const toml::node* field = nullptr;
    RECLINK_RETURN_IF_ERROR(GetString(t, "field", where, &field, &spec.field));
    if (field == nullptr) {
      return Error(t, "missing key 'field' in " + where +
                          ": expected the [fields] name to compare, e.g. field = \"first\"");
    }
    if (rules_.FindField(spec.field) < 0) {
      return Error(*field,
                   "key 'field' in " + where + " names field '" + Excerpt(spec.field) +
                       "', which is not defined; expected one of: " + FieldList(),
                   "define it with [fields." + Excerpt(spec.field) + "] and column = \"...\"");
    }
    const toml::node* name = nullptr;
    RECLINK_RETURN_IF_ERROR(GetString(t, "name", where, &name, &spec.name));
    if (name == nullptr) spec.name = spec.field;
    if (spec.name.empty() || !IsFieldName(spec.name) || spec.name.size() > kRulesMaxNameLength) {
      return Error(name != nullptr ? *name : *field,
                   "key 'name' in " + where + ": expected at most " +
                       std::to_string(kRulesMaxNameLength) +
                       " letters, digits and '_' (it names output columns), found \"" +
                       Excerpt(spec.name) + "\"");
    }
    if (!names.insert(spec.name).second) {
      return Error(name != nullptr ? *name : *field,
                   where + ": a comparison named '" + spec.name + "' already exists",
                   "give one of them another name with name = \"...\"");
    }
    const toml::node* levels = t.get("levels");
    if (levels == nullptr) {
      return Error(t, "missing key 'levels' in " + where +
                          ": expected an array of levels, e.g. levels = [\"exact\", "
                          "\"jaro_winkler >= 0.92\"]");
    }
    const auto* arr = levels->as_array();
    if (arr == nullptr || arr->empty()) {
      return Error(*levels,
                   "key 'levels' in " + where + ": expected a non-empty array of levels, found " +
                       (arr == nullptr ? TypeName(*levels) : std::string("an empty array")));
    }
    if (arr->size() > kRulesMaxLevels) {
      return Error(*levels, "key 'levels' in " + where + ": expected at most " +
                                std::to_string(kRulesMaxLevels) +
                                " levels (the null and else levels are implicit), found " +
                                std::to_string(arr->size()),
                   "merge neighbouring levels; each needs enough pairs to estimate its m and u");
    }
    for (const toml::node& el : *arr) {
      const auto* s = el.as_string();
      if (s == nullptr) {
        return Error(el, "key 'levels' in " + where + ": expected levels as strings, found " +
                             TypeName(el));
      }
      LevelSpec level;
      std::string what, hint;
      if (!ParseLevel(s->get(), &level, &what, &hint)) {
        return Error(el,
                     "key 'levels' in " + where + ": level \"" + Excerpt(s->get()) + "\": " + what,
                     hint);
      }
      if (level.predicate == Predicate::kSwapped) {
        if (rules_.FindField(level.other) < 0) {
          return Error(el,
                       "key 'levels' in " + where + ": level \"" + Excerpt(s->get()) + "\" names field '" +
                           Excerpt(level.other) + "', which is not defined; expected one of: " + FieldList());
        }
        if (level.other == spec.field) {
          return Error(el, "key 'levels' in " + where + ": level \"" + Excerpt(s->get()) +
                               "\" names the comparison's own field; swapped(FIELD) needs another field",
                       "e.g. \"swapped(last)\" in the comparison of first");
        }
      }
      spec.levels.push_back(std::move(level));
    }
    if (const toml::node* tf = t.get("tf_adjust")) {
      const auto* b = tf->as_boolean();
      if (b == nullptr) {
        return Error(*tf, "key 'tf_adjust' in " + where + ": expected true or false, found " +
                              TypeName(*tf));
      }
      spec.tf_adjust = b->get();
      bool has_exact = std::any_of(spec.levels.begin(), spec.levels.end(), [](const LevelSpec& l) {
        return l.predicate == Predicate::kExact;
      });
      if (spec.tf_adjust && !has_exact) {
        return Error(*tf, "key 'tf_adjust' in " + where +
                              ": term-frequency adjustment applies to an \"exact\" level, and "
                              "levels has none",
                     "add \"exact\" as the first level, or remove tf_adjust");
      }
    }
    rules_.comparisons.push_back(std::move(spec));
  }
  return Status::Ok();
}

Status RulesParser::ParseModel(const toml::table& root) {
  const toml::node* n = root.get("model");
  if (n == nullptr) return Status::Ok();
  const auto* t = n->as_table();
  if (t == nullptr) return Error(*n, "key 'model': expected a [model] table, found " + TypeName(*n));
  const std::string where = "[model]";
  RECLINK_RETURN_IF_ERROR(CheckKeys(*t,
                                    {"threshold", "prior", "em_max_iterations", "em_tolerance",
                                     "u_sample_pairs", "training_pairs", "seed", "deterministic_rules", "deterministic_recall",
                                     "train_rules", "labels_sample", "detect_placeholders", "refine_rounds"},
                                    where));
  ModelSpec& m = rules_.model;
  // 1 is excluded: its match weight is +infinity, so no pair could ever link.
  if (const toml::node* th = t->get("threshold"); th != nullptr && !(th->is_string() && th->value<std::string>() == "auto")) {
    double threshold = 0;
    RECLINK_RETURN_IF_ERROR(GetNumber(*t, "threshold", where,
                                      "a match probability strictly between 0 and 1, e.g. 0.9, or \"auto\" (the "
                                      "default: the trained model chooses)",
                                      0, true, 1, true, &threshold));
    m.threshold = threshold;
  }
  if (t->get("prior") != nullptr) {
    double prior = 0;
    RECLINK_RETURN_IF_ERROR(GetNumber(*t, "prior", where,
                                      "a probability strictly between 0 and 1, e.g. 1e-4", 0,
                                      true, 1, true, &prior));
    m.prior = prior;
  }
  {
    const toml::node* node = nullptr;
    std::string sample;
    RECLINK_RETURN_IF_ERROR(GetString(*t, "labels_sample", where, &node, &sample));
    if (node != nullptr) {
      if (sample == "auto") m.labels_sample = LabelsSample::kAuto;
      else if (sample == "random") m.labels_sample = LabelsSample::kRandom;
      else if (sample == "selected") m.labels_sample = LabelsSample::kSelected;
      else
        return Error(*node, "key 'labels_sample' in [model]: expected \"auto\" (the default), \"random\" (the "
                                "--labels pairs are a random sample of candidate pairs) or \"selected\" (picked "
                                "otherwise), found \"" + Excerpt(sample) + "\"",
                     Suggest(sample, {"auto", "random", "selected"}) + kDocHint);
    }
  }
  if (const toml::node* tr = t->get("train_rules"); tr != nullptr) {
    const char* expected = "an array naming [[blocking]] rules by number (1 is the first) or by their keys as "
                           "\"first & last\", e.g. train_rules = [1, \"email\"]";
    const auto* arr = tr->as_array();
    if (arr == nullptr || arr->empty()) {
      return Error(*tr, "key 'train_rules' in [model]: expected " + std::string(expected) + ", found " +
                            (arr == nullptr ? TypeName(*tr) : std::string("an empty array")));
    }
    for (const toml::node& el : *arr) {
      size_t index = rules_.blocking.size();
      if (const auto* i = el.as_integer()) {
        if (i->get() >= 1 && static_cast<uint64_t>(i->get()) <= rules_.blocking.size()) index = static_cast<size_t>(i->get() - 1);
        else return Error(el, "key 'train_rules' in [model]: there is no [[blocking]] rule #" + std::to_string(i->get()),
                          "the rules are numbered 1 to " + std::to_string(rules_.blocking.size()) + " in file order");
      } else if (const auto* str = el.as_string()) {
        for (size_t r = 0; r < rules_.blocking.size(); ++r) {
          if (rules_.blocking[r].text == str->get()) index = r;
        }
        if (index == rules_.blocking.size()) {
          std::string texts;
          for (const BlockingRule& b : rules_.blocking) texts += (texts.empty() ? "\"" : ", \"") + b.text + "\"";
          return Error(el, "key 'train_rules' in [model]: no [[blocking]] rule has the keys \"" + Excerpt(str->get()) +
                               "\"; expected one of: " + texts);
        }
      } else {
        return Error(el, "key 'train_rules' in [model]: expected " + std::string(expected) + ", found " + TypeName(el));
      }
      if (std::find(m.train_rules.begin(), m.train_rules.end(), index) != m.train_rules.end()) {
        return Error(el, "key 'train_rules' in [model]: names [[blocking]] rule #" + std::to_string(index + 1) + " twice");
      }
      m.train_rules.push_back(index);
    }
    std::sort(m.train_rules.begin(), m.train_rules.end());
  }
  if (const toml::node* det = t->get("deterministic_rules"); det != nullptr) {
    const char* expected = "an array of rules, each an array of blocking keys, e.g. deterministic_rules = "
                           "[[\"email\"], [\"first\", \"last\", \"dob\"]]";
    const auto* rules = det->as_array();
    if (rules == nullptr || rules->empty()) {
      return Error(*det, "key 'deterministic_rules' in [model]: expected " + std::string(expected) + ", found " +
                             (rules == nullptr ? TypeName(*det) : std::string("an empty array")));
    }
    for (const toml::node& r : *rules) {
      const auto* keys = r.as_array();
      if (keys == nullptr || keys->empty()) {
        return Error(r, "key 'deterministic_rules' in [model]: expected " + std::string(expected) + ", found " +
                            (keys == nullptr ? TypeName(r) : std::string("an empty array")));
      }
      BlockingRule rule;
      rule.line = static_cast<int>(r.source().begin.line);
      for (const toml::node& el : *keys) {
        const auto* s = el.as_string();
        if (s == nullptr) {
          return Error(el, "key 'deterministic_rules' in [model]: expected blocking keys as strings, found " + TypeName(el));
        }
        BlockingKey key;
        std::string what, hint;
        const std::string shown = "deterministic rule key \"" + Excerpt(s->get()) + "\" in [model]";
        if (!ParseBlockingKey(s->get(), &key, &what, &hint)) return Error(el, shown + ": " + what, hint);
        if (rules_.FindField(key.field) < 0) {
          return Error(el, shown + " names field '" + Excerpt(key.field) + "', which is not defined; expected one of: " +
                               FieldList());
        }
        if (!rule.text.empty()) rule.text += " & ";
        rule.text += key.text;
        rule.keys.push_back(std::move(key));
      }
      m.deterministic_rules.push_back(std::move(rule));
    }
  }
  if (t->get("deterministic_recall") != nullptr) {
    if (m.deterministic_rules.empty()) {
      return Error(*t->get("deterministic_recall"), "key 'deterministic_recall' in [model] needs deterministic_rules",
                   "list the rules whose recall this is, e.g. deterministic_rules = [[\"email\"]]");
    }
    RECLINK_RETURN_IF_ERROR(GetNumber(*t, "deterministic_recall", where,
                                      "the share of all true matches the deterministic rules find, in (0, 1], e.g. 0.7",
                                      0, true, 1, false, &m.deterministic_recall));
  }
  if (const toml::node* dp = t->get("detect_placeholders")) {
    const auto* b = dp->as_boolean();
    if (b == nullptr) {
      return Error(*dp, "key 'detect_placeholders' in [model]: expected true (the default: training reads values "
                        "such as 'unknown' or '00000000000' held by several records as null) or false, found " +
                            TypeName(*dp));
    }
    m.detect_placeholders = b->get();
  }
  int64_t v = m.em_max_iterations;
  RECLINK_RETURN_IF_ERROR(
      GetInteger(*t, "em_max_iterations", where, 1, kRulesMaxEmIterations, &v));
  m.em_max_iterations = static_cast<int>(v);
  v = m.refine_rounds;
  RECLINK_RETURN_IF_ERROR(GetInteger(*t, "refine_rounds", where, 0, kRulesMaxRefineRounds, &v));
  m.refine_rounds = static_cast<int>(v);
  RECLINK_RETURN_IF_ERROR(GetNumber(*t, "em_tolerance", where,
                                    "a positive number below 1, e.g. 1e-4", 0, true, 1, true,
                                    &m.em_tolerance));
  v = static_cast<int64_t>(m.u_sample_pairs);
  // Sampling costs time in proportion: 1e9 pairs is minutes, 2^63 would never finish.
  RECLINK_RETURN_IF_ERROR(GetInteger(*t, "u_sample_pairs", where, 1,
                                     static_cast<int64_t>(kRulesMaxUSamplePairs), &v));
  m.u_sample_pairs = static_cast<uint64_t>(v);
  v = static_cast<int64_t>(m.training_pairs);
  RECLINK_RETURN_IF_ERROR(GetInteger(*t, "training_pairs", where, static_cast<int64_t>(kRulesMinTrainingPairs),
                                     static_cast<int64_t>(kRulesMaxTrainingPairs), &v));
  m.training_pairs = static_cast<uint64_t>(v);
  v = static_cast<int64_t>(m.seed);
  RECLINK_RETURN_IF_ERROR(GetInteger(*t, "seed", where, 0, INT64_MAX, &v));
  m.seed = static_cast<uint64_t>(v);
  return Status::Ok();
}

Status RulesParser::ParseCluster(const toml::table& root) {
  const toml::node* n = root.get("cluster");
  if (n == nullptr) return Status::Ok();
  const auto* t = n->as_table();
  if (t == nullptr) {
    return Error(*n, "key 'cluster': expected a [cluster] table, found " + TypeName(*n));
  }
  RECLINK_RETURN_IF_ERROR(CheckKeys(*t, {"method"}, "[cluster]"));
  const toml::node* method = nullptr;
  std::string text;
  RECLINK_RETURN_IF_ERROR(GetString(*t, "method", "[cluster]", &method, &text));
  if (method == nullptr) return Status::Ok();
  if (text == "connected_components") {
    rules_.cluster_method = ClusterMethod::kConnectedComponents;
  } else if (text == "majority_link") {
    rules_.cluster_method = ClusterMethod::kMajorityLink;
  } else if (text == "best_link" || text == "one_per_source") {
    if (rules_.link_type == LinkType::kDedupe) {
      return Error(*method,
                   "key 'method' in [cluster]: \"" + text + "\" " +
                       (text == "best_link" ? "keeps one partner per record in the other source"
                                            : "keeps at most one record per source in a cluster") +
                       " and needs link_type = \"link\" or \"link_and_dedupe\", found link_type = \"dedupe\"",
                   "use method = \"connected_components\" for dedupe");
    }
    rules_.cluster_method = text == "best_link" ? ClusterMethod::kBestLink : ClusterMethod::kOnePerSource;
  } else {
    return Error(*method,
                 "key 'method' in [cluster]: expected \"connected_components\", \"majority_link\", \"best_link\" or "
                 "\"one_per_source\", found \"" + Excerpt(text) + "\"",
                 Suggest(text, {"connected_components", "majority_link", "best_link", "one_per_source"}) + kDocHint);
  }
  return Status::Ok();
}

Status RulesParser::ParseBlockingLimits(const toml::table& root) {
  const toml::node* n = root.get("blocking_limits");
  if (n == nullptr) return Status::Ok();
  const auto* t = n->as_table();
  if (t == nullptr) {
    return Error(*n, "key 'blocking_limits': expected a [blocking_limits] table, found " +
                         TypeName(*n));
  }
  RECLINK_RETURN_IF_ERROR(CheckKeys(*t, {"max_block_size"}, "[blocking_limits]"));
  int64_t v = static_cast<int64_t>(rules_.max_block_size);
  RECLINK_RETURN_IF_ERROR(GetInteger(*t, "max_block_size", "[blocking_limits]", 2,
                                     static_cast<int64_t>(kRulesMaxBlockSize), &v));
  rules_.max_block_size = static_cast<uint64_t>(v);
  return Status::Ok();
}

Status RulesParser::ParseSurvivorship(const toml::table& root) {
  const toml::node* n = root.get("survivorship");
  if (n == nullptr) return Status::Ok();
  const auto* t = n->as_table();
  if (t == nullptr) {
    return Error(*n, "key 'survivorship': expected a [survivorship] table, found " + TypeName(*n));
  }
  const std::string where = "[survivorship]";
  RECLINK_RETURN_IF_ERROR(
      CheckKeys(*t, {"values", "default", "fields", "timestamp", "timestamps", "source_priority"}, where));
  SurvivorshipSpec spec;
  spec.line = static_cast<int>(n->source().begin.line);
  const toml::node* v = nullptr;
  std::string text = "raw";
  RECLINK_RETURN_IF_ERROR(GetString(*t, "values", where, &v, &text));
  if (text != "raw" && text != "normalized") {
    return Error(*v, "key 'values' in [survivorship]: expected \"raw\" (the input's values) or \"normalized\" "
                     "(the fields' values after their normalizers), found \"" + Excerpt(text) + "\"",
                 Suggest(text, {"raw", "normalized"}) + kDocHint);
  }
  spec.normalized = text == "normalized";
  const std::vector<std::string_view> rule_names = {"most_frequent", "most_recent", "longest", "source_priority",
                                                    "first_non_null"};
  auto rule = [&](const toml::node& at, const std::string& what, const std::string& name, SurvivorRule* out) {
    for (size_t i = 0; i < rule_names.size(); ++i) {
      if (name == rule_names[i]) {
        *out = static_cast<SurvivorRule>(i);
        return Status::Ok();
      }
    }
    return Error(at, what + ": expected one of " + Join(rule_names) + ", found \"" + Excerpt(name) + "\"",
                 Suggest(name, rule_names) + kDocHint);
  };
  text = "most_frequent";
  RECLINK_RETURN_IF_ERROR(GetString(*t, "default", where, &v, &text));
  if (v != nullptr) RECLINK_RETURN_IF_ERROR(rule(*v, "key 'default' in [survivorship]", text, &spec.default_rule));
  bool wants_timestamp = spec.default_rule == SurvivorRule::kMostRecent;
  bool wants_priority = spec.default_rule == SurvivorRule::kSourcePriority;
  if (const toml::node* f = t->get("fields")) {
    const auto* ft = f->as_table();
    if (ft == nullptr) {
      return Error(*f, "key 'fields' in [survivorship]: expected a table of FIELD = \"RULE\", e.g. "
                       "{ email = \"most_recent\" }, found " + TypeName(*f));
    }
    std::vector<std::string_view> field_names;
    for (const FieldSpec& fs : rules_.fields) field_names.push_back(fs.name);
    for (auto&& [k, node] : *ft) {
      const std::string name(k.str());
      if (rules_.FindField(name) < 0) {
        return Error(node, "[survivorship] fields: '" + Excerpt(name) + "' is not a field; expected one of " +
                               FieldList(),
                     Suggest(name, field_names) + kDocHint);
      }
      const auto* s = node.as_string();
      if (s == nullptr) {
        return Error(node, "[survivorship] fields: '" + Excerpt(name) + "': expected a rule name, found " +
                               TypeName(node));
      }
      SurvivorRule r;
      RECLINK_RETURN_IF_ERROR(rule(node, "[survivorship] fields: '" + Excerpt(name) + "'", s->get(), &r));
      wants_timestamp |= r == SurvivorRule::kMostRecent;
      wants_priority |= r == SurvivorRule::kSourcePriority;
      spec.fields[name] = r;
    }
  }
  RECLINK_RETURN_IF_ERROR(GetString(*t, "timestamp", where, &v, &spec.timestamp));
  if (v != nullptr) {
    if (spec.timestamp.empty()) return Error(*v, "key 'timestamp' in [survivorship]: expected a column name, found \"\"");
    RECLINK_RETURN_IF_ERROR(CheckLength(*v, "key 'timestamp' in [survivorship]", spec.timestamp, kRulesMaxColumnLength));
  }
  if (const toml::node* ts = t->get("timestamps")) {
    RECLINK_RETURN_IF_ERROR(GetStringMap(*ts, "key 'timestamps' in [survivorship]", &spec.timestamps));
  }
  if (wants_timestamp && spec.timestamp.empty() && spec.timestamps.empty()) {
    return Error(*n, "[survivorship]: the rule \"most_recent\" needs timestamp = \"COLUMN\" (or timestamps = "
                     "{ SOURCE = \"COLUMN\" }), the column whose latest value wins");
  }
  if (const toml::node* sp = t->get("source_priority")) {
    const auto* arr = sp->as_array();
    if (arr == nullptr || arr->empty()) {
      return Error(*sp, "key 'source_priority' in [survivorship]: expected a non-empty array of source names, "
                        "highest priority first, found " + (arr == nullptr ? TypeName(*sp) : std::string("[]")));
    }
    for (const toml::node& el : *arr) {
      const auto* s = el.as_string();
      if (s == nullptr || s->get().empty()) {
        return Error(el, "key 'source_priority' in [survivorship]: expected source names, found " +
                             (s == nullptr ? TypeName(el) : std::string("an empty string")));
      }
      if (std::find(spec.source_priority.begin(), spec.source_priority.end(), s->get()) != spec.source_priority.end()) {
        return Error(el, "key 'source_priority' in [survivorship]: source '" + Excerpt(s->get()) + "' is listed twice");
      }
      spec.source_priority.push_back(s->get());
    }
  }
  if (wants_priority && spec.source_priority.empty()) {
    return Error(*n, "[survivorship]: the rule \"source_priority\" needs source_priority = [\"SOURCE\", ...], "
                     "the sources in order of trust");
  }
  rules_.survivorship = std::move(spec);
  return Status::Ok();
}

Result<Rules> RulesParser::Parse(const toml::table& root) {
  if (root.empty()) {
    return Error(toml::source_region{{1, 1}, {1, 1}, {}},
                 "the rules file is empty: expected at least id = \"COLUMN\", a [fields.NAME] "
                 "table, a [[blocking]] rule and a [[comparison]]",
                 "docs/rules.md starts with a complete example to copy");
  }
  RECLINK_RETURN_IF_ERROR(ParseTopLevel(root));
  RECLINK_RETURN_IF_ERROR(ParseFields(root));
  RECLINK_RETURN_IF_ERROR(ParseSources(root));
  if (rules_.id.empty() && rules_.ids.empty()) {
    return Error(toml::source_region{{1, 1}, {1, 1}, {}},
                 std::string("missing key 'id': expected the column holding each record's id, "
                             "e.g. id = \"record_id\"") +
                     (rules_.link_type == LinkType::kDedupe ? ""
                                                            : " (or ids = { SOURCE = \"COLUMN\" })"),
                 "every input record needs an id; add id = \"COLUMN\" at the top of the file");
  }
  RECLINK_RETURN_IF_ERROR(ParseBlocking(root));
  RECLINK_RETURN_IF_ERROR(ParseComparisons(root));
  RECLINK_RETURN_IF_ERROR(ParseModel(root));
  RECLINK_RETURN_IF_ERROR(ParseCluster(root));
  RECLINK_RETURN_IF_ERROR(ParseBlockingLimits(root));
  RECLINK_RETURN_IF_ERROR(ParseSurvivorship(root));
  return std::move(rules_);
}

Status TomlError(const std::string& name, const toml::source_region& at,
                 std::string_view description) {
  return Status::Usage(FormatLocation(name, std::max<uint64_t>(at.begin.line, 1),
                                      std::max<uint64_t>(at.begin.column, 1),
                                      "invalid TOML: " + Excerpt(description, 200)),
                       "the rules file must be valid TOML (https://toml.io); see docs/rules.md");
}

}  // namespace

Result<Rules> ParseRulesString(const std::string& text, const std::string& name) {
  RECLINK_RETURN_IF_ERROR(CheckRulesText(text, name));
#if TOML_EXCEPTIONS
  toml::table root;
  try {
    root = toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    return TomlError(name, e.source(), e.description());
  } catch (const std::exception& e) {
    return Status::Usage(FormatLocation(name, 1, 1, std::string("invalid TOML: ") + e.what()),
                         "the rules file must be valid TOML (https://toml.io)");
  }
#else
  toml::parse_result parsed = toml::parse(text, name);
  if (!parsed) return TomlError(name, parsed.error().source(), parsed.error().description());
  toml::table root = std::move(parsed).table();
#endif
  RulesParser parser(name);
  return parser.Parse(root);
}

Result<Rules> ParseRulesFile(const std::string& path) {
  // open + fstat rather than a stream: a directory opens as a stream and reads as empty (which
  // used to end in "missing key 'id'"), a stream loses errno, and /dev/zero never ends.
  const char* hint = "check the path given to --rules: it names the TOML rules file";
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status::Usage(
        FormatLocation(path, 0, 0, std::string("cannot open the rules file: ") +
                                       std::strerror(errno)),
        hint);
  }
  struct stat st {};
  std::string problem;
  if (::fstat(fd, &st) != 0) {
    problem = std::string("cannot read the rules file: ") + std::strerror(errno);
  } else if (S_ISDIR(st.st_mode)) {
    problem = "cannot read the rules file: it is a directory";
  } else if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) {
    problem = "cannot read the rules file: it is not a regular file or a pipe";
  }
  std::string text;
  if (problem.empty()) {
    char buffer[65536];
    for (;;) {
      const ssize_t got = ::read(fd, buffer, sizeof buffer);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) {
        problem = std::string("cannot read the rules file: ") + std::strerror(errno);
        break;
      }
      if (got == 0) break;
      text.append(buffer, static_cast<size_t>(got));
      if (text.size() > kRulesMaxFileBytes) {
        problem = "the rules file is larger than " + std::to_string(kRulesMaxFileBytes) +
                  " bytes; a rules file is a few kilobytes of TOML";
        break;
      }
    }
  }
  ::close(fd);
  if (!problem.empty()) return Status::Usage(FormatLocation(path, 0, 0, problem), hint);
  return ParseRulesString(text, path);
}

}  // namespace reclink
