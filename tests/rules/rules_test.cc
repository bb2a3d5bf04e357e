// Tests of the rules-file parser: the full schema, defaults, and one test per error case with
// its message and location.
#include "reclink/rules.h"
#include "reclink/derived_fields.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace reclink {
namespace {

// A small valid file; error tests append or replace lines of it.
const char* const kBase = R"(link_type = "dedupe"
id = "record_id"

[fields.first]
column = "first_name"
normalize = ["casefold", "strip_accents", "alnum"]

[fields.last]
column = "last_name"
normalize = ["casefold"]

[fields.dob]
column = "dob"
normalize = ["date"]

[[blocking]]
keys = ["first", "last"]

[[comparison]]
field = "first"
levels = ["exact", "jaro_winkler >= 0.92"]
)";

// Parsed, then the normalizer names checked by the normalize stage, as reclink loads a rules file
// (LoadRulesString); the parser itself leaves the names to that stage.
Result<Rules> Parse(const std::string& text) {
  Result<Rules> r = ParseRulesString(text, "r.toml");
  if (!r.ok()) return r;
  if (Status st = CheckFieldNormalizers(*r); !st.ok()) return st;
  return r;
}

// The error message of parsing text; fails the test when parsing succeeds.
std::string ErrorOf(const std::string& text) {
  Result<Rules> r = Parse(text);
  EXPECT_FALSE(r.ok()) << text;
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kUsage);
  EXPECT_EQ(ExitCodeFor(r.status()), 2);
  EXPECT_FALSE(r.status().hint().empty()) << r.status().message();
  return r.status().message();
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(RulesTest, FullSchema) {
  const std::string text = R"toml(link_type = "link"
id = "id"
ids = { crm = "Id", shop = "customer_id" }

[fields.first]
columns = { crm = "FirstName", shop = "customer.name.first" }
normalize = ["casefold", "strip_accents", "alnum"]

[fields.phone]
column = "phone"
normalize = ["phone"]
country_code = "1"

[fields.dob]
column = "dob"
normalize = ["date"]
date_order = "mdy"

[fields.name]
column = "full_name"

[[blocking]]
keys = ["first", "dob"]

[[blocking]]
keys = ["soundex(first)", "metaphone(name)", "nysiis(first)", "prefix(name, 3)", "year(dob)", "token_sorted( name )"]

[[comparison]]
field = "first"
name = "first_name_cmp"
levels = ["exact", "levenshtein <= 1", "damerau_levenshtein <= 2", "jaro >= 0.9", "jaro_winkler >= 0.92", "jaccard >= 0.5", "qgram_jaccard >= 0.6"]
tf_adjust = true

[[comparison]]
field = "dob"
levels = ["exact", "date_diff_days <= 30", "numeric_diff <= 2.5"]

[model]
threshold = 0.95
prior = 1e-4
em_max_iterations = 50
em_tolerance = 1e-5
refine_rounds = 2
u_sample_pairs = 1000
training_pairs = 5000
seed = 7

[cluster]
method = "best_link"

[blocking_limits]
max_block_size = 500
)toml";
  Result<Rules> r = Parse(text);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->path, "r.toml");
  EXPECT_EQ(r->link_type, LinkType::kLink);
  EXPECT_EQ(r->id, "id");
  EXPECT_EQ(r->id_line, 2);
  EXPECT_EQ(r->IdFor("crm"), "Id");
  EXPECT_EQ(r->IdFor("shop"), "customer_id");
  EXPECT_EQ(r->IdFor("other"), "id");
  ASSERT_EQ(r->fields.size(), 4u);
  const FieldSpec& first = r->fields[r->FindField("first")];
  EXPECT_EQ(first.line, 5);
  EXPECT_EQ(first.column_line, 6);
  EXPECT_EQ(first.ColumnFor("shop"), "customer.name.first");
  EXPECT_EQ(first.ColumnFor("crm"), "FirstName");
  EXPECT_EQ(first.normalize, (std::vector<std::string>{"casefold", "strip_accents", "alnum"}));
  EXPECT_EQ(r->fields[r->FindField("phone")].phone_country_code, "1");
  EXPECT_EQ(r->fields[r->FindField("dob")].date_order, DateOrder::kMonthFirst);
  EXPECT_EQ(r->fields[r->FindField("name")].date_order, DateOrder::kDayFirst);
  EXPECT_TRUE(r->fields[r->FindField("name")].normalize.empty());

  ASSERT_EQ(r->blocking.size(), 2u);
  EXPECT_EQ(r->blocking[0].text, "first & dob");
  EXPECT_EQ(r->blocking[0].line, 22);
  const auto& keys = r->blocking[1].keys;
  ASSERT_EQ(keys.size(), 6u);
  EXPECT_EQ(keys[0].fn, KeyFunction::kSoundex);
  EXPECT_EQ(keys[0].field, "first");
  EXPECT_EQ(keys[1].fn, KeyFunction::kMetaphone);
  EXPECT_EQ(keys[2].fn, KeyFunction::kNysiis);
  EXPECT_EQ(keys[3].fn, KeyFunction::kPrefix);
  EXPECT_EQ(keys[3].n, 3);
  EXPECT_EQ(keys[3].field, "name");
  EXPECT_EQ(keys[4].fn, KeyFunction::kYear);
  EXPECT_EQ(keys[5].fn, KeyFunction::kTokenSorted);
  EXPECT_EQ(keys[5].field, "name");
  EXPECT_EQ(r->blocking[1].text,
            "soundex(first) & metaphone(name) & nysiis(first) & prefix(name, 3) & year(dob) & "
            "token_sorted( name )");

  ASSERT_EQ(r->comparisons.size(), 2u);
  const ComparisonSpec& c = r->comparisons[0];
  EXPECT_EQ(c.name, "first_name_cmp");
  EXPECT_EQ(c.field, "first");
  EXPECT_TRUE(c.tf_adjust);
  ASSERT_EQ(c.levels.size(), 7u);
  EXPECT_EQ(c.levels[0].predicate, Predicate::kExact);
  EXPECT_EQ(c.levels[1].predicate, Predicate::kLevenshtein);
  EXPECT_EQ(c.levels[1].threshold, 1);
  EXPECT_EQ(c.levels[2].predicate, Predicate::kDamerauLevenshtein);
  EXPECT_EQ(c.levels[3].predicate, Predicate::kJaro);
  EXPECT_EQ(c.levels[4].predicate, Predicate::kJaroWinkler);
  EXPECT_DOUBLE_EQ(c.levels[4].threshold, 0.92);
  EXPECT_EQ(c.levels[4].label, "jaro_winkler >= 0.92");
  EXPECT_EQ(c.levels[5].predicate, Predicate::kJaccard);
  EXPECT_EQ(c.levels[6].predicate, Predicate::kQgramJaccard);
  EXPECT_EQ(r->comparisons[1].name, "dob");
  EXPECT_FALSE(r->comparisons[1].tf_adjust);
  EXPECT_EQ(r->comparisons[1].levels[1].predicate, Predicate::kDateDiffDays);
  EXPECT_EQ(r->comparisons[1].levels[1].threshold, 30);
  EXPECT_EQ(r->comparisons[1].levels[2].predicate, Predicate::kNumericDiff);
  // relative_diff <= R: a share, 0 to 1.
  Result<Rules> rel = Parse(Replace(text, "\"numeric_diff <= 2.5\"", "\"relative_diff <= 0.05\""));
  ASSERT_TRUE(rel.ok()) << rel.status().ToString();
  EXPECT_EQ(rel->comparisons[1].levels[2].predicate, Predicate::kRelativeDiff);
  EXPECT_DOUBLE_EQ(rel->comparisons[1].levels[2].threshold, 0.05);
  EXPECT_FALSE(Parse(Replace(text, "\"numeric_diff <= 2.5\"", "\"relative_diff <= 1.5\"")).ok());
  EXPECT_DOUBLE_EQ(r->comparisons[1].levels[2].threshold, 2.5);

  ASSERT_TRUE(r->model.threshold.has_value());
  EXPECT_DOUBLE_EQ(*r->model.threshold, 0.95);
  ASSERT_TRUE(r->model.prior.has_value());
  EXPECT_DOUBLE_EQ(*r->model.prior, 1e-4);
  EXPECT_EQ(r->model.em_max_iterations, 50);
  EXPECT_EQ(r->model.refine_rounds, 2);
  EXPECT_DOUBLE_EQ(r->model.em_tolerance, 1e-5);
  EXPECT_EQ(r->model.u_sample_pairs, 1000u);
  EXPECT_EQ(r->model.training_pairs, 5000u);
  EXPECT_EQ(r->model.seed, 7u);
  EXPECT_EQ(r->cluster_method, ClusterMethod::kBestLink);
  EXPECT_EQ(r->max_block_size, 500u);
}

TEST(RulesTest, Defaults) {
  Result<Rules> r = Parse(Replace(kBase, "link_type = \"dedupe\"\n", ""));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->link_type, LinkType::kDedupe);
  EXPECT_FALSE(r->model.threshold.has_value());  // the trained model chooses
  EXPECT_FALSE(r->model.prior.has_value());
  EXPECT_EQ(r->model.em_max_iterations, 200);
  EXPECT_EQ(r->model.refine_rounds, 0);  // no refit on the run's own clusters
  EXPECT_DOUBLE_EQ(r->model.em_tolerance, 1e-4);
  EXPECT_EQ(r->model.u_sample_pairs, 2'000'000u);
  EXPECT_EQ(r->model.training_pairs, 2'000'000u);
  EXPECT_EQ(r->model.seed, 42u);
  EXPECT_EQ(r->cluster_method, ClusterMethod::kConnectedComponents);
  EXPECT_EQ(r->max_block_size, 10000u);
  EXPECT_EQ(r->comparisons[0].name, "first");
  EXPECT_EQ(r->fields[0].phone_country_code, "44");
}

// null_values: a top-level default list that every field gets, which a field's own list
// replaces (an empty list turns it off for that field); errors are located.
TEST(RulesTest, NullValuesDefaultAndPerField) {
  const std::string text = "null_values = [\"unknown\", \"N/A\"]\n" +
                           Replace(Replace(kBase, "normalize = [\"casefold\"]\n",
                                           "normalize = [\"casefold\"]\nnull_values = [\"noname\"]\n"),
                                   "normalize = [\"date\"]\n", "normalize = [\"date\"]\nnull_values = []\n");
  Result<Rules> r = Parse(text);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->fields[0].null_values, (std::vector<std::string>{"unknown", "N/A"}));
  EXPECT_EQ(r->fields[1].null_values, (std::vector<std::string>{"noname"}));
  EXPECT_TRUE(r->fields[2].null_values.empty());
  Result<Rules> none = Parse(kBase);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->fields[0].null_values.empty());

  EXPECT_EQ(ErrorOf("null_values = \"unknown\"\n" + std::string(kBase)),
            "r.toml:1:15: error: key 'null_values': expected an array of placeholder values read as "
            "null, e.g. [\"noemail@noemail.com\", \"unknown\"], found a string");
  EXPECT_EQ(ErrorOf(Replace(kBase, "normalize = [\"casefold\"]\n", "normalize = [\"casefold\"]\nnull_values = [0]\n")),
            "r.toml:11:16: error: key 'null_values' in [fields.last]: expected strings, found an integer");
}

// [sources.NAME]: read options per source, and field options per source that override the
// field's own (the source's date_order beats [fields.dob]'s; [sources.S.fields.F] beats both);
// null_values of a source add to the field's list for that source only.
TEST(RulesTest, PerSourceOptions) {
  const std::string text = std::string(kBase) + R"(
[sources.shop]
path = "shop.csv.gz"
format = "tsv"
encoding = "latin-1"
trim_spaces = true
id = "CustNo"
date_order = "mdy"
country_code = "1"
null_values = ["n/a"]
fields.first.column = "Given"
fields.dob = { column = "Birth", date_order = "dmy", null_values = ["01/01/1900"] }

[sources.app]
format = "jsonl"
fields.last.column = "name.family"
)";
  Result<Rules> r = Parse(text);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->sources.size(), 2u);
  const SourceSpec& shop = r->sources[0];
  EXPECT_EQ(shop.name, "shop");
  EXPECT_EQ(shop.path, "shop.csv.gz");
  EXPECT_EQ(shop.format, InputFormat::kCsv);
  EXPECT_EQ(shop.delimiter, '\t');
  EXPECT_EQ(shop.encoding, Encoding::kLatin1);
  EXPECT_EQ(shop.trim_spaces, true);
  EXPECT_EQ(r->IdFor("shop"), "CustNo");
  EXPECT_EQ(r->IdFor("app"), "record_id");
  const FieldSpec& first = r->fields[0];
  const FieldSpec& dob = r->fields[2];
  EXPECT_EQ(first.ColumnFor("shop"), "Given");
  EXPECT_EQ(first.ColumnFor("crm"), "first_name");
  EXPECT_EQ(first.DateOrderFor("shop"), DateOrder::kMonthFirst);  // the source's default
  EXPECT_EQ(dob.DateOrderFor("shop"), DateOrder::kDayFirst);      // the source's field's own
  EXPECT_EQ(dob.DateOrderFor("app"), DateOrder::kDayFirst);
  EXPECT_EQ(first.CountryCodeFor("shop"), "1");
  EXPECT_EQ(first.CountryCodeFor("app"), "44");
  EXPECT_EQ(dob.NullValuesFor("shop"), (std::vector<std::string>{"n/a", "01/01/1900"}));
  EXPECT_TRUE(dob.NullValuesFor("app").empty());
  EXPECT_EQ(r->fields[1].ColumnFor("app"), "name.family");

  ReadOptions base;
  base.delimiter = ';';
  ReadOptions app = r->ReadOptionsFor("app", base);
  EXPECT_EQ(app.format, InputFormat::kJsonl);
  EXPECT_EQ(app.delimiter, ';');  // not set by [sources.app]: the command line's stays
  ReadOptions other = r->ReadOptionsFor("crm", base);
  EXPECT_EQ(other.format, InputFormat::kAuto);
  EXPECT_EQ(r->ReadOptionsFor("shop", base).delimiter, '\t');

  Result<Rules> headerless = Parse(std::string(kBase) + "[sources.old]\nheader = false\ncolumns = [\"record_id\", \"first_name\"]\n");
  ASSERT_TRUE(headerless.ok()) << headerless.status().ToString();
  ReadOptions old = headerless->ReadOptionsFor("old", base);
  EXPECT_FALSE(old.header);
  EXPECT_EQ(old.column_names, (std::vector<std::string>{"record_id", "first_name"}));
  EXPECT_TRUE(headerless->ReadOptionsFor("new", base).header);
  Result<Rules> quoted = Parse(std::string(kBase) + "[sources.a]\nquote = \"'\"\n[sources.b]\nquote = \"\"\n");
  ASSERT_TRUE(quoted.ok()) << quoted.status().ToString();
  EXPECT_EQ(quoted->ReadOptionsFor("a", base).quote, '\'');
  EXPECT_EQ(quoted->ReadOptionsFor("b", base).quote, '\0');
  EXPECT_EQ(quoted->ReadOptionsFor("c", base).quote, '"');

  // A rules file whose only id is a source's is complete.
  Result<Rules> ids_only = Parse(Replace(kBase, "id = \"record_id\"\n", "") + "[sources.crm]\nid = \"Id\"\n");
  ASSERT_TRUE(ids_only.ok()) << ids_only.status().ToString();
  EXPECT_EQ(ids_only->IdFor("crm"), "Id");
}

TEST(RulesErrorTest, PerSourceOptions) {
  const std::string base(kBase);
  EXPECT_EQ(ErrorOf(base + "[sources.shop]\ndelimiter = \"::\"\n"),
            "r.toml:23:13: error: key 'delimiter' in [sources.shop]: expected one of \",\" \";\" \"|\" \"tab\", found \"::\"");
  EXPECT_EQ(ErrorOf(base + "[sources.shop]\nformat = \"jsnl\"\n"),
            "r.toml:23:10: error: key 'format' in [sources.shop]: expected \"csv\", \"tsv\", \"jsonl\" or \"json\", found "
            "\"jsnl\"");
  EXPECT_EQ(ErrorOf(base + "[sources.shop]\ndelimter = \";\"\n"),
            "r.toml:23:1: error: unknown key 'delimter' in [sources.shop]; expected one of: path, format, delimiter, "
            "quote, encoding, trim_spaces, header, columns, id, date_order, country_code, null_values, fields");
  Result<Rules> typo = Parse(base + "[sources.shop]\ndelimter = \";\"\n");
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.status().hint().find("did you mean 'delimiter'?"), std::string::npos) << typo.status().hint();
  EXPECT_EQ(ErrorOf(base + "[sources.shop]\nfields.frist.column = \"Given\"\n"),
            "r.toml:23:8: error: [sources.shop.fields.frist]: no field 'frist' in [fields]; expected one of: first, last, dob");
  EXPECT_EQ(ErrorOf(base + "[sources.shop]\nfields.first.normalize = [\"upper\"]\n"),
            "r.toml:23:14: error: unknown key 'normalize' in [sources.shop.fields.first]; expected one of: column, "
            "date_order, country_code, null_values");
  EXPECT_EQ(ErrorOf(base + "[sources.shop]\ndate_order = \"ymd\"\n"),
            "r.toml:23:14: error: key 'date_order' in [sources.shop]: expected \"dmy\" (03/01/1990 is 3 January) or "
            "\"mdy\" (March 1), found \"ymd\"");
  EXPECT_EQ(ErrorOf(base + "[sources.shop]\nformat = \"json\"\ndelimiter = \";\"\n"),
            "r.toml:24:13: error: key 'delimiter' in [sources.shop]: a delimiter needs format = \"csv\" (or no format), "
            "found format = \"json\"");
  EXPECT_EQ(ErrorOf(base + "[sources.shop]\ntrim_spaces = \"yes\"\n"),
            "r.toml:23:15: error: key 'trim_spaces' in [sources.shop]: expected true or false, found a string");
  EXPECT_EQ(ErrorOf(Replace(base, "column = \"first_name\"", "columns = { shop = \"A\" }\ncolumn = \"first_name\"") +
                    "[sources.shop]\nfields.first.column = \"B\"\n"),
            "r.toml:24:23: error: key 'column' in [sources.shop.fields.first]: [fields.first] columns already reads "
            "'A' for source 'shop'");
  EXPECT_EQ(ErrorOf(base + "[sources.shop]\nquote = \"ab\"\n"),
            "r.toml:23:9: error: key 'quote' in [sources.shop]: expected one ASCII punctuation character such as \"'\", "
            "or \"\" for none, found \"ab\"");
  EXPECT_EQ(ErrorOf(base + "[sources.shop]\ndelimiter = \"|\"\nquote = \"|\"\n"),
            "r.toml:24:9: error: key 'quote' in [sources.shop]: the quote character must differ from the delimiter");
  EXPECT_EQ(ErrorOf(base + "[sources.shop]\ncolumns = [\"a\"]\n"),
            "r.toml:23:11: error: key 'columns' in [sources.shop]: column names are for a file without a header row; "
            "add header = false (a header row names the columns itself)");
  EXPECT_EQ(ErrorOf(base + "[sources.shop]\nheader = false\ncolumns = [\"a\", \"a\"]\n"),
            "r.toml:24:17: error: key 'columns' in [sources.shop]: column 'a' is named twice");
  EXPECT_EQ(ErrorOf(base + "[sources.shop]\nformat = \"jsonl\"\nheader = false\n"),
            "r.toml:24:10: error: key 'header' in [sources.shop]: header = false is for CSV files; JSON records name "
            "their fields");
  EXPECT_EQ(ErrorOf(base + "[sources.\"a/b\"]\nformat = \"csv\"\n"),
            "r.toml:22:1: error: source name 'a/b': expected 1 to 64 characters without '/', '=' or ':'");
}

// The example of DESIGN.md and every example of docs/rules.md must parse.
std::vector<std::string> TomlBlocks(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> blocks;
  std::string line, block;
  bool inside = false;
  while (std::getline(in, line)) {
    if (!inside && line.rfind("```toml", 0) == 0) {
      inside = true;
      block.clear();
    } else if (inside && line.rfind("```", 0) == 0) {
      inside = false;
      blocks.push_back(block);
    } else if (inside) {
      block += line + "\n";
    }
  }
  return blocks;
}

TEST(RulesTest, DocumentedExamplesParse) {
  for (const std::string& path : {std::string(RECLINK_SOURCE_DIR) + "/docs/rules.md",
                                  std::string(RECLINK_SHARED_DIR) + "/DESIGN.md"}) {
    std::vector<std::string> blocks = TomlBlocks(path);
    if (path.find("rules.md") != std::string::npos) {
      EXPECT_GE(blocks.size(), 1u) << path;
    }
    for (const std::string& b : blocks) {
      // Fragments (a single section) are shown in the docs too; only whole files must parse.
      if (b.find("[[blocking]]") == std::string::npos || b.find("id = ") == std::string::npos) {
        continue;
      }
      Result<Rules> r = ParseRulesString(b, path);
      EXPECT_TRUE(r.ok()) << r.status().ToString() << "\n" << b;
      if (r.ok()) {
        EXPECT_TRUE(CheckFieldNormalizers(*r).ok()) << CheckFieldNormalizers(*r).ToString() << "\n" << b;
      }
    }
  }
}

// docs/rules.md quotes the error of its worked example with one level misspelt; keep it true.
TEST(RulesTest, DocumentedErrorIsTrue) {
  const std::string path = std::string(RECLINK_SOURCE_DIR) + "/docs/rules.md";
  std::vector<std::string> blocks = TomlBlocks(path);
  ASSERT_FALSE(blocks.empty());
  Result<Rules> r = ParseRulesString(
      Replace(blocks[0], "\"qgram_jaccard >= 0.5\"", "\"prefix_match\""), "rules.toml");
  ASSERT_FALSE(r.ok());
  std::ifstream in(path);
  std::stringstream doc;
  doc << in.rdbuf();
  EXPECT_NE(doc.str().find(r.status().message() + "\n"), std::string::npos)
      << r.status().message();
}

TEST(RulesErrorTest, InvalidToml) {
  EXPECT_EQ(ErrorOf("id = \"x\"\nfoo = \n").rfind("r.toml:2:", 0), 0u);
  EXPECT_NE(ErrorOf("id = \"x\"\nfoo = \n").find("invalid TOML"), std::string::npos);
  EXPECT_NE(ErrorOf("id = \"a\"\nid = \"b\"\n").find("r.toml:2:"), std::string::npos);
}

TEST(RulesErrorTest, FileNotFound) {
  Result<Rules> r = ParseRulesFile("/nonexistent/rules.toml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUsage);
  EXPECT_EQ(r.status().message(),
            "/nonexistent/rules.toml: error: cannot open the rules file: No such file or "
            "directory");
}

TEST(RulesErrorTest, UnknownKeys) {
  EXPECT_EQ(ErrorOf(std::string("lnk_type = \"link\"\n") + kBase),
            "r.toml:1:1: error: unknown key 'lnk_type' in the top level; expected one of: "
            "link_type, id, ids, null_values, fields, blocking, comparison, model, cluster, blocking_limits, survivorship, sources");
  Result<Rules> r = Parse(std::string("lnk_type = \"link\"\n") + kBase);
  EXPECT_NE(r.status().hint().find("did you mean 'link_type'?"), std::string::npos);

  EXPECT_EQ(ErrorOf(Replace(kBase, "column = \"dob\"", "colum = \"dob\"")),
            "r.toml:13:1: error: unknown key 'colum' in [fields.dob]; expected one of: column, "
            "columns, normalize, country_code, date_order, null_values");
  EXPECT_EQ(ErrorOf(Replace(kBase, "keys = [\"first\", \"last\"]",
                            "keys = [\"first\"]\nmax_size = 3")),
            "r.toml:18:1: error: unknown key 'max_size' in [[blocking]] #1; expected one of: keys");
  EXPECT_EQ(ErrorOf(std::string(kBase) + "tf = true\n"),
            "r.toml:22:1: error: unknown key 'tf' in [[comparison]] #1; expected one of: field, "
            "name, levels, tf_adjust");
  EXPECT_EQ(ErrorOf(std::string(kBase) + "[model]\nthreshhold = 0.5\n"),
            "r.toml:23:1: error: unknown key 'threshhold' in [model]; expected one of: threshold, "
            "prior, em_max_iterations, em_tolerance, u_sample_pairs, training_pairs, seed, deterministic_rules, deterministic_recall, "
            "train_rules, labels_sample, detect_placeholders, refine_rounds");
  EXPECT_EQ(ErrorOf(std::string(kBase) + "[model]\nlabels_sample = \"randm\"\n"),
            "r.toml:23:17: error: key 'labels_sample' in [model]: expected \"auto\" (the default), \"random\" "
            "(the --labels pairs are a random sample of candidate pairs) or \"selected\" (picked otherwise), "
            "found \"randm\"");
  EXPECT_EQ(ErrorOf(std::string(kBase) + "[model]\nlabels_sample = 1\n"),
            "r.toml:23:17: error: key 'labels_sample' in [model]: expected a string, found an integer");
  {
    Result<Rules> r = ParseRulesString(std::string(kBase) + "[model]\nlabels_sample = \"selected\"\n", "r.toml");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->model.labels_sample, LabelsSample::kSelected);
    r = ParseRulesString(kBase, "r.toml");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->model.labels_sample, LabelsSample::kAuto);
  }
  EXPECT_EQ(ErrorOf(std::string(kBase) + "[cluster]\nmethods = \"best_link\"\n"),
            "r.toml:23:1: error: unknown key 'methods' in [cluster]; expected one of: method");
  EXPECT_EQ(ErrorOf(std::string(kBase) + "[blocking_limits]\nmax_block = 5\n"),
            "r.toml:23:1: error: unknown key 'max_block' in [blocking_limits]; expected one of: "
            "max_block_size");
}

TEST(RulesErrorTest, LinkTypeAndId) {
  EXPECT_EQ(ErrorOf(Replace(kBase, "\"dedupe\"", "\"dedup\"")),
            "r.toml:1:13: error: key 'link_type': expected \"dedupe\", \"link\" or "
            "\"link_and_dedupe\", found \"dedup\"");
  EXPECT_EQ(ErrorOf(Replace(kBase, "\"dedupe\"", "1")),
            "r.toml:1:13: error: key 'link_type' in the top level: expected a string, found an "
            "integer");
  EXPECT_EQ(ErrorOf(Replace(kBase, "id = \"record_id\"\n", "")),
            "r.toml:1:1: error: missing key 'id': expected the column holding each record's id, "
            "e.g. id = \"record_id\"");
  EXPECT_EQ(ErrorOf(Replace(kBase, "id = \"record_id\"", "id = \"\"")),
            "r.toml:2:6: error: key 'id': expected the name of the column holding record ids, "
            "found an empty string");
  EXPECT_EQ(ErrorOf(Replace(kBase, "id = \"record_id\"", "ids = { a = \"x\" }")),
            "r.toml:2:7: error: key 'ids' (per-source id columns) needs link_type = \"link\" or "
            "\"link_and_dedupe\", found link_type = \"dedupe\"");
  // In link mode, ids alone is enough; a bad entry is reported.
  std::string link = Replace(kBase, "\"dedupe\"", "\"link\"");
  EXPECT_TRUE(Parse(Replace(link, "id = \"record_id\"", "ids = { a = \"x\", b = \"y\" }")).ok());
  EXPECT_EQ(ErrorOf(Replace(link, "id = \"record_id\"", "ids = { a = 3 }")),
            "r.toml:2:13: error: key 'ids': source 'a': expected a non-empty column name, found "
            "an integer");
  EXPECT_EQ(ErrorOf(Replace(link, "id = \"record_id\"", "ids = \"x\"")),
            "r.toml:2:7: error: key 'ids': expected a table of source = \"COLUMN\", e.g. { crm = "
            "\"Id\", shop = \"customer_id\" }, found a string");
}

TEST(RulesErrorTest, Fields) {
  EXPECT_EQ(ErrorOf(Replace(kBase, "column = \"dob\"\n", "")),
            "r.toml:12:1: error: field 'dob' has no column: expected column = \"NAME\" or "
            "columns = { SOURCE = \"NAME\" } in [fields.dob]");
  EXPECT_EQ(ErrorOf(Replace(kBase, "column = \"dob\"", "column = 5")),
            "r.toml:13:10: error: key 'column' in [fields.dob]: expected a string, found an "
            "integer");
  EXPECT_EQ(ErrorOf(Replace(kBase, "normalize = [\"date\"]", "normalize = [\"dates\"]")),
            "r.toml:14:14: error: unknown normalizer \"dates\" in [fields.dob]; expected one of: "
            "trim, html, casefold, lower, upper, strip_accents, alnum, letters, digits, nospace, email, "
            "phone, date, number, sort_tokens");
  Result<Rules> r = Parse(Replace(kBase, "normalize = [\"date\"]", "normalize = [\"dates\"]"));
  EXPECT_NE(r.status().hint().find("did you mean 'date'?"), std::string::npos);
  EXPECT_EQ(ErrorOf(Replace(kBase, "normalize = [\"date\"]", "normalize = \"date\"")),
            "r.toml:14:13: error: key 'normalize' in [fields.dob]: expected an array of "
            "normalizer names, e.g. [\"casefold\", \"strip_accents\"], found a string");
  EXPECT_EQ(ErrorOf(Replace(kBase, "normalize = [\"date\"]", "normalize = [\"soundex\"]")),
            "r.toml:14:14: error: unknown normalizer \"soundex\" in [fields.dob]; expected one "
            "of: trim, html, casefold, lower, upper, strip_accents, alnum, letters, digits, nospace, "
            "email, phone, date, number, sort_tokens");
  EXPECT_EQ(ErrorOf(Replace(kBase, "normalize = [\"date\"]", "date_order = \"ymd\"")),
            "r.toml:14:14: error: key 'date_order' in [fields.dob]: expected \"dmy\" (03/01/1990 "
            "is 3 January) or \"mdy\" (March 1), found \"ymd\"");
  EXPECT_EQ(ErrorOf(Replace(kBase, "normalize = [\"date\"]", "country_code = \"+44\"")),
            "r.toml:14:16: error: key 'country_code' in [fields.dob]: expected a country calling "
            "code of 1 to 3 digits without '+' or '00', found \"+44\"");
  EXPECT_TRUE(Parse(Replace(kBase, "normalize = [\"date\"]", "country_code = 33")).ok());
  EXPECT_EQ(ErrorOf(Replace(kBase, "[fields.dob]", "[fields.\"date of birth\"]")),
            "r.toml:12:1: error: field name 'date of birth': expected letters, digits and '_' "
            "only");
  EXPECT_EQ(ErrorOf("id = \"x\"\n[[blocking]]\nkeys = [\"a\"]\n"),
            "r.toml:1:1: error: no [fields.NAME] section: expected at least one derived field, "
            "e.g. [fields.first] with column = \"first_name\"");
  EXPECT_EQ(ErrorOf(Replace(kBase, "[fields.first]", "[fields.first]\ncolumns = {}")),
            "r.toml:5:11: error: key 'columns' in [fields.first]: expected at least one source = "
            "\"COLUMN\" entry, found an empty table");
}

TEST(RulesErrorTest, BlockingKeys) {
  auto with_key = [](const std::string& key) {
    return ErrorOf(Replace(kBase, "keys = [\"first\", \"last\"]", "keys = [\"first\", " + key + "]"));
  };
  EXPECT_EQ(with_key("\"middle\""),
            "r.toml:17:18: error: blocking key \"middle\" in [[blocking]] #1 names field "
            "'middle', which is not defined; expected one of: first, last, dob");
  EXPECT_EQ(with_key("\"soundex(middle)\""),
            "r.toml:17:18: error: blocking key \"soundex(middle)\" in [[blocking]] #1 names field "
            "'middle', which is not defined; expected one of: first, last, dob");
  EXPECT_EQ(with_key("\"sondex(last)\""),
            "r.toml:17:18: error: blocking key \"sondex(last)\" in [[blocking]] #1: unknown key "
            "function 'sondex'; expected soundex, metaphone, nysiis, prefix, year or "
            "token_sorted");
  EXPECT_EQ(with_key("\"prefix(last)\""),
            "r.toml:17:18: error: blocking key \"prefix(last)\" in [[blocking]] #1: expected "
            "prefix(FIELD, N) with a length N, e.g. prefix(last, 3), found no length");
  EXPECT_EQ(with_key("\"prefix(last, 0)\""),
            "r.toml:17:18: error: blocking key \"prefix(last, 0)\" in [[blocking]] #1: expected "
            "a prefix length N from 1 to 1000 in prefix(FIELD, N), found \"0\"");
  EXPECT_EQ(with_key("\"prefix(last, x)\""),
            "r.toml:17:18: error: blocking key \"prefix(last, x)\" in [[blocking]] #1: expected "
            "a prefix length N from 1 to 1000 in prefix(FIELD, N), found \"x\"");
  EXPECT_EQ(with_key("\"soundex(last, 2)\""),
            "r.toml:17:18: error: blocking key \"soundex(last, 2)\" in [[blocking]] #1: expected "
            "one argument, soundex(FIELD), found 2");
  EXPECT_EQ(with_key("\"soundex(last\""),
            "r.toml:17:18: error: blocking key \"soundex(last\" in [[blocking]] #1: expected a "
            "closing ')' at the end, found \"soundex(last\"");
  EXPECT_EQ(with_key("\"first last\""),
            "r.toml:17:18: error: blocking key \"first last\" in [[blocking]] #1: expected FIELD, "
            "soundex(FIELD), metaphone(FIELD), nysiis(FIELD), prefix(FIELD, N), year(FIELD) or "
            "token_sorted(FIELD), found \"first last\"");
  EXPECT_EQ(with_key("3"),
            "r.toml:17:18: error: key 'keys' in [[blocking]] #1: expected blocking keys as "
            "strings, found an integer");
  EXPECT_EQ(ErrorOf(Replace(kBase, "keys = [\"first\", \"last\"]", "keys = []")),
            "r.toml:17:8: error: key 'keys' in [[blocking]] #1: expected a non-empty array of "
            "blocking keys, found an empty array");
  EXPECT_EQ(ErrorOf(Replace(kBase, "keys = [\"first\", \"last\"]", "")),
            "r.toml:16:1: error: missing key 'keys' in [[blocking]] #1: expected an array of "
            "blocking keys, e.g. keys = [\"soundex(last)\", \"dob\"]");
  EXPECT_EQ(ErrorOf(Replace(kBase, "[[blocking]]\nkeys = [\"first\", \"last\"]\n", "")),
            "r.toml:1:1: error: no [[blocking]] rule: expected at least one, e.g. [[blocking]] "
            "with keys = [\"last\", \"dob\"]");
  EXPECT_EQ(ErrorOf("blocking = 3\n" + Replace(kBase, "[[blocking]]\nkeys = [\"first\", "
                                                     "\"last\"]\n", "")),
            "r.toml:1:12: error: key 'blocking': expected an array of tables ([[blocking]] "
            "sections), found an integer");
}

TEST(RulesErrorTest, ComparisonLevels) {
  auto with_level = [](const std::string& level) {
    return ErrorOf(Replace(kBase, "\"jaro_winkler >= 0.92\"", level));
  };
  EXPECT_EQ(with_level("\"swapped(middle)\""),
            "r.toml:21:20: error: key 'levels' in [[comparison]] #1: level \"swapped(middle)\" names field "
            "'middle', which is not defined; expected one of: first, last, dob");
  EXPECT_EQ(with_level("\"swapped(first)\""),
            "r.toml:21:20: error: key 'levels' in [[comparison]] #1: level \"swapped(first)\" names the "
            "comparison's own field; swapped(FIELD) needs another field");
  EXPECT_EQ(with_level("\"swapped last\""),
            "r.toml:21:20: error: key 'levels' in [[comparison]] #1: level \"swapped last\": expected "
            "\"swapped(FIELD)\" with FIELD a [fields] name, found \"swapped last\"");
  {
    Result<Rules> r = Parse(Replace(kBase, "\"jaro_winkler >= 0.92\"", "\"swapped( last )\""));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->comparisons[0].levels.size(), 2u);
    EXPECT_EQ(r->comparisons[0].levels[1].predicate, Predicate::kSwapped);
    EXPECT_EQ(r->comparisons[0].levels[1].other, "last");
  }
  EXPECT_EQ(with_level("\"jaro_winkler >= abc\""),
            "r.toml:21:20: error: key 'levels' in [[comparison]] #1: level \"jaro_winkler >= abc\": expected a "
            "number after >= in \"jaro_winkler >= T\", found \"abc\"");
  EXPECT_EQ(with_level("\"jaro_winkler >= 1.5\""),
            "r.toml:21:20: error: key 'levels' in [[comparison]] #1: level \"jaro_winkler >= 1.5\": expected a "
            "similarity T from 0 to 1 in \"jaro_winkler >= T\", found 1.5");
  EXPECT_EQ(with_level("\"jaccard >= -0.1\""),
            "r.toml:21:20: error: key 'levels' in [[comparison]] #1: level \"jaccard >= -0.1\": expected a "
            "similarity T from 0 to 1 in \"jaccard >= T\", found -0.1");
  EXPECT_EQ(with_level("\"levenshtein <= 1.5\""),
            "r.toml:21:20: error: key 'levels' in [[comparison]] #1: level \"levenshtein <= 1.5\": expected an "
            "integer K from 0 to 255 in \"levenshtein <= K\", found 1.5");
  EXPECT_EQ(with_level("\"date_diff_days <= -3\""),
            "r.toml:21:20: error: key 'levels' in [[comparison]] #1: level \"date_diff_days <= -3\": expected an "
            "integer K from 0 to 3660000 in \"date_diff_days <= K\", found -3");
  EXPECT_EQ(with_level("\"numeric_diff <= -1\""),
            "r.toml:21:20: error: key 'levels' in [[comparison]] #1: level \"numeric_diff <= -1\": expected a "
            "number D from 0 to 1e15 in \"numeric_diff <= D\", found -1");
  EXPECT_EQ(with_level("\"levenshtein >= 1\""),
            "r.toml:21:20: error: key 'levels' in [[comparison]] #1: level \"levenshtein >= 1\": expected "
            "\"levenshtein <= K\", found \"levenshtein >= 1\"");
  Result<Rules> r = Parse(Replace(kBase, "\"jaro_winkler >= 0.92\"", "\"levenshtein >= 1\""));
  EXPECT_EQ(r.status().hint(), "levenshtein is a distance: use <= K");
  EXPECT_EQ(with_level("\"soundex >= 1\""),
            "r.toml:21:20: error: key 'levels' in [[comparison]] #1: level \"soundex >= 1\": unknown predicate "
            "'soundex'; expected one of \"exact\", \"levenshtein <= K\", \"damerau_levenshtein "
            "<= K\", \"jaro >= T\", \"jaro_winkler >= T\", \"jaccard >= T\", \"qgram_jaccard >= "
            "T\", \"numeric_diff <= D\", \"relative_diff <= D\", \"date_diff_days <= K\", \"swapped(FIELD)\"");
  EXPECT_EQ(with_level("\"exact 1\"").substr(0, 84),
            "r.toml:21:20: error: key 'levels' in [[comparison]] #1: level \"exact 1\": unknown pre");
  EXPECT_EQ(with_level("0.9"),
            "r.toml:21:20: error: key 'levels' in [[comparison]] #1: expected levels as strings, "
            "found a floating-point number");
  // Whitespace is optional around the operator.
  EXPECT_TRUE(Parse(Replace(kBase, "\"jaro_winkler >= 0.92\"", "\"jaro_winkler>=0.92\"")).ok());
}

TEST(RulesErrorTest, Comparisons) {
  EXPECT_EQ(ErrorOf(Replace(kBase, "field = \"first\"", "field = \"frist\"")),
            "r.toml:20:9: error: key 'field' in [[comparison]] #1 names field 'frist', which is "
            "not defined; expected one of: first, last, dob");
  EXPECT_EQ(ErrorOf(Replace(kBase, "field = \"first\"\n", "")),
            "r.toml:19:1: error: missing key 'field' in [[comparison]] #1: expected the [fields] "
            "name to compare, e.g. field = \"first\"");
  EXPECT_EQ(ErrorOf(Replace(kBase, "levels = [\"exact\", \"jaro_winkler >= 0.92\"]",
                            "levels = []")),
            "r.toml:21:10: error: key 'levels' in [[comparison]] #1: expected a non-empty array "
            "of levels, found an empty array");
  EXPECT_EQ(ErrorOf(Replace(kBase, "levels = [\"exact\", \"jaro_winkler >= 0.92\"]", "")),
            "r.toml:19:1: error: missing key 'levels' in [[comparison]] #1: expected an array of "
            "levels, e.g. levels = [\"exact\", \"jaro_winkler >= 0.92\"]");
  EXPECT_EQ(ErrorOf(std::string(kBase) + "tf_adjust = \"yes\"\n"),
            "r.toml:22:13: error: key 'tf_adjust' in [[comparison]] #1: expected true or false, "
            "found a string");
  EXPECT_EQ(ErrorOf(Replace(kBase, "[\"exact\", \"jaro_winkler >= 0.92\"]",
                            "[\"jaro_winkler >= 0.92\"]\ntf_adjust = true")),
            "r.toml:22:13: error: key 'tf_adjust' in [[comparison]] #1: term-frequency "
            "adjustment applies to an \"exact\" level, and levels has none");
  EXPECT_EQ(ErrorOf(std::string(kBase) + "\n[[comparison]]\nfield = \"first\"\nlevels = "
                                         "[\"exact\"]\n"),
            "r.toml:24:9: error: [[comparison]] #2: a comparison named 'first' already exists");
  EXPECT_EQ(ErrorOf(Replace(kBase, "[[comparison]]\nfield = \"first\"\nlevels = [\"exact\", "
                                   "\"jaro_winkler >= 0.92\"]\n",
                            "")),
            "r.toml:1:1: error: no [[comparison]]: expected at least one, e.g. [[comparison]] "
            "with field = \"first\" and levels = [\"exact\", \"jaro_winkler >= 0.92\"]");
}

TEST(RulesErrorTest, ModelClusterLimits) {
  auto with = [](const std::string& extra) { return ErrorOf(std::string(kBase) + extra); };
  EXPECT_EQ(with("[model]\nthreshold = 0\n"),
            "r.toml:23:13: error: key 'threshold' in [model]: expected a match probability "
            "strictly between 0 and 1, e.g. 0.9, or \"auto\" (the default: the trained model chooses), found 0");
  EXPECT_EQ(with("[model]\nthreshold = 1.2\n"),
            "r.toml:23:13: error: key 'threshold' in [model]: expected a match probability "
            "strictly between 0 and 1, e.g. 0.9, or \"auto\" (the default: the trained model chooses), found 1.2");
  EXPECT_EQ(with("[model]\nthreshold = \"high\"\n"),
            "r.toml:23:13: error: key 'threshold' in [model]: expected a match probability "
            "strictly between 0 and 1, e.g. 0.9, or \"auto\" (the default: the trained model chooses), found a string");
  // "auto" says the default out loud: the trained model chooses.
  Result<Rules> automatic = Parse(std::string(kBase) + "[model]\nthreshold = \"auto\"\n");
  ASSERT_TRUE(automatic.ok()) << automatic.status().ToString();
  EXPECT_FALSE(automatic->model.threshold.has_value());
  EXPECT_EQ(with("[model]\nprior = 1\n"),
            "r.toml:23:9: error: key 'prior' in [model]: expected a probability strictly between "
            "0 and 1, e.g. 1e-4, found 1");
  EXPECT_EQ(with("[model]\nem_max_iterations = 0\n"),
            "r.toml:23:21: error: key 'em_max_iterations' in [model]: expected an integer from 1 "
            "to 100000, found 0");
  EXPECT_EQ(with("[model]\nem_max_iterations = 2.5\n"),
            "r.toml:23:21: error: key 'em_max_iterations' in [model]: expected an integer from 1 "
            "to 100000, found a floating-point number");
  EXPECT_EQ(with("[model]\nem_tolerance = 0\n"),
            "r.toml:23:16: error: key 'em_tolerance' in [model]: expected a positive number "
            "below 1, e.g. 1e-4, found 0");
  EXPECT_EQ(with("[model]\nu_sample_pairs = -5\n"),
            "r.toml:23:18: error: key 'u_sample_pairs' in [model]: expected an integer from 1 to "
            "1000000000, "
            "found -5");
  EXPECT_EQ(with("[model]\nseed = -1\n"),
            "r.toml:23:8: error: key 'seed' in [model]: expected an integer >= 0, found -1");
  EXPECT_EQ(ErrorOf("model = 3\n" + std::string(kBase)),
            "r.toml:1:9: error: key 'model': expected a [model] table, found an integer");
  EXPECT_EQ(with("[cluster]\nmethod = \"components\"\n"),
            "r.toml:23:10: error: key 'method' in [cluster]: expected \"connected_components\", "
            "\"majority_link\", \"best_link\" or \"one_per_source\", found \"components\"");
  // majority_link works in every link type.
  Result<Rules> majority = Parse(std::string(kBase) + "[cluster]\nmethod = \"majority_link\"\n");
  ASSERT_TRUE(majority.ok()) << majority.status().ToString();
  EXPECT_EQ(majority->cluster_method, ClusterMethod::kMajorityLink);
  EXPECT_EQ(with("[cluster]\nmethod = \"best_link\"\n"),
            "r.toml:23:10: error: key 'method' in [cluster]: \"best_link\" keeps one partner per "
            "record in the other source and needs link_type = \"link\" or \"link_and_dedupe\", "
            "found link_type = \"dedupe\"");
  EXPECT_EQ(with("[cluster]\nmethod = \"one_per_source\"\n"),
            "r.toml:23:10: error: key 'method' in [cluster]: \"one_per_source\" keeps at most one "
            "record per source in a cluster and needs link_type = \"link\" or \"link_and_dedupe\", "
            "found link_type = \"dedupe\"");
  EXPECT_EQ(with("[blocking_limits]\nmax_block_size = 1\n"),
            "r.toml:23:18: error: key 'max_block_size' in [blocking_limits]: expected an integer "
            "from 2 to 4294967296, found 1");
  EXPECT_EQ(with("[blocking_limits]\nmax_block_size = \"big\"\n"),
            "r.toml:23:18: error: key 'max_block_size' in [blocking_limits]: expected an integer "
            "from 2 to 4294967296, found a string");
}

TEST(RulesColumnsTest, AllPresent) {
  Result<Rules> r = Parse(kBase);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(ValidateRulesColumns(*r, "people", "people.csv",
                                   {"record_id", "first_name", "last_name", "dob", "extra"})
                  .ok());
}

TEST(RulesColumnsTest, MissingColumns) {
  Result<Rules> r = Parse(kBase);
  ASSERT_TRUE(r.ok());
  Status s = ValidateRulesColumns(*r, "people", "people.csv", {"record_id", "first_name", "dob"});
  EXPECT_EQ(s.code(), StatusCode::kUsage);
  EXPECT_EQ(s.message(),
            "r.toml:9: error: key 'column' in [fields.last] names column 'last_name', which input "
            "'people.csv' (source 'people') does not have");
  EXPECT_EQ(s.hint(), "available columns: record_id, first_name, dob");
  s = ValidateRulesColumns(*r, "people", "people.csv", {"id", "first_name", "last_name", "dob"});
  EXPECT_EQ(s.message(),
            "r.toml:2: error: key 'id' names id column 'record_id', which input 'people.csv' "
            "(source 'people') does not have");
}

TEST(RulesColumnsTest, PerSourceColumnsAndIds) {
  const std::string text = R"(link_type = "link"
ids = { crm = "Id", shop = "customer_id" }
[fields.first]
columns = { crm = "FirstName", shop = "customer.name.first" }
[[blocking]]
keys = ["first"]
[[comparison]]
field = "first"
levels = ["exact"]
)";
  Result<Rules> r = Parse(text);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(ValidateRulesColumns(*r, "crm", "crm.csv", {"Id", "FirstName"}).ok());
  EXPECT_TRUE(
      ValidateRulesColumns(*r, "shop", "shop.jsonl", {"customer_id", "customer.name.first"}).ok());
  Status s = ValidateRulesColumns(*r, "shop", "shop.jsonl", {"customer_id", "first"});
  EXPECT_EQ(s.message(),
            "r.toml:4: error: key 'columns.shop' in [fields.first] names column "
            "'customer.name.first', which input 'shop.jsonl' (source 'shop') does not have");
  s = ValidateRulesColumns(*r, "erp", "erp.csv", {"Id", "FirstName"});
  EXPECT_EQ(s.message(),
            "r.toml:2: error: key 'ids' has no id column for source 'erp' (input 'erp.csv'); "
            "expected an entry erp = \"COLUMN\"");
  s = ValidateRulesColumns(*r, "crm", "crm.csv", {"ID", "FirstName"});
  EXPECT_EQ(s.message(),
            "r.toml:2: error: key 'ids.crm' names id column 'Id', which input 'crm.csv' (source "
            "'crm') does not have");
}

}  // namespace
}  // namespace reclink
