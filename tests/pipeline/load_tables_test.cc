// LoadTables: tables built in memory are checked and combined as LoadInputs checks files, and give
// the same LoadedInput as the same data read from CSV.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../common/temp_dir.h"
#include "reclink/pipeline.h"

namespace reclink {
namespace {

constexpr const char* kRules = R"(
link_type = "link"
id = "id"
[fields.name]
column = "name"
[[blocking]]
keys = ["name"]
[[comparison]]
field = "name"
levels = ["exact"]
)";

TableInput Frame(const std::string& source, const std::vector<std::vector<std::string>>& rows,
                 const std::vector<std::string>& header = {"id", "name"}) {
  std::vector<Column> cols;
  for (size_t c = 0; c < header.size(); ++c) {
    cols.emplace_back(header[c]);
    for (const auto& row : rows) cols.back().Append(row[c]);
  }
  const std::string path = "<DataFrame " + source + ">";
  Result<RecordTable> t = TableFromColumns(std::move(cols), source, path);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return TableInput{source, path, std::move(t.value()), 0};
}

TEST(LoadTablesTest, GivesTheTableLoadInputsReadsFromFiles) {
  Result<Rules> rules = ParseRulesString(kRules, "rules.toml");
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  testing::TempDir dir;
  testing::WriteFile(dir.path() / "a.csv", "id,name\n1,ann\n2,\n");
  testing::WriteFile(dir.path() / "b.csv", "id,name\n1,ann\n");
  Result<LoadedInput> files = LoadInputs(
      *rules, {{"a", dir.path() / "a.csv"}, {"b", dir.path() / "b.csv"}}, ReadOptions{}, nullptr);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  std::vector<TableInput> frames;
  frames.push_back(Frame("a", {{"1", "ann"}, {"2", ""}}));
  frames.push_back(Frame("b", {{"1", "ann"}}));
  Result<LoadedInput> mem = LoadTables(*rules, std::move(frames));
  ASSERT_TRUE(mem.ok()) << mem.status().ToString();
  ASSERT_EQ(mem->table.num_rows(), files->table.num_rows());
  EXPECT_EQ(mem->id_columns, files->id_columns);
  EXPECT_EQ(mem->table.source_names(), files->table.source_names());
  ASSERT_EQ(mem->sources.size(), 2u);
  EXPECT_EQ(mem->sources[0].records, 2u);
  EXPECT_EQ(mem->sources[1].path, "<DataFrame b>");
  const int name = mem->table.FindColumn("name");
  for (RowId r = 0; r < mem->table.num_rows(); ++r) {
    EXPECT_EQ(mem->Id(r), files->Id(r));
    EXPECT_EQ(mem->table.source(r), files->table.source(r));
    EXPECT_EQ(mem->table.column(name).IsNull(r),
              files->table.column(files->table.FindColumn("name")).IsNull(r));
    EXPECT_EQ(mem->table.column(name).Get(r),
              files->table.column(files->table.FindColumn("name")).Get(r));
  }
}

TEST(LoadTablesTest, ChecksNamesColumnsAndIdsAsForFiles) {
  Result<Rules> rules = ParseRulesString(kRules, "rules.toml");
  ASSERT_TRUE(rules.ok());
  {
    std::vector<TableInput> frames;
    frames.push_back(Frame("a", {{"1", "ann"}}));
    frames.push_back(Frame("a", {{"2", "bob"}}));
    Result<LoadedInput> l = LoadTables(*rules, std::move(frames));
    ASSERT_FALSE(l.ok());
    EXPECT_EQ(l.status().code(), StatusCode::kUsage);
    EXPECT_NE(l.status().message().find("two inputs have the source name 'a'"), std::string::npos);
  }
  {
    std::vector<TableInput> frames;
    frames.push_back(Frame("a", {{"1", "ann"}}, {"id", "first"}));
    Result<LoadedInput> l = LoadTables(*rules, std::move(frames));
    ASSERT_FALSE(l.ok());
    EXPECT_EQ(l.status().code(), StatusCode::kUsage);
    EXPECT_NE(l.status().message().find("'<DataFrame a>'"), std::string::npos)
        << l.status().message();
  }
  {
    std::vector<TableInput> frames;
    frames.push_back(Frame("a", {{"1", "ann"}, {"1", "bob"}}));
    Result<LoadedInput> l = LoadTables(*rules, std::move(frames));
    ASSERT_FALSE(l.ok());
    EXPECT_EQ(l.status().code(), StatusCode::kInvalidInput);
    EXPECT_NE(l.status().message().find("<DataFrame a>:2: error: duplicate id '1'"),
              std::string::npos)
        << l.status().message();
  }
}

}  // namespace
}  // namespace reclink
