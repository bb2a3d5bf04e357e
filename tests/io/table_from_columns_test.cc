// Tests of TableFromColumns: a table built from in-memory columns reads like a reader's table.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "reclink/reader.h"

namespace reclink {
namespace {

Column MakeColumn(const std::string& name, const std::vector<const char*>& values) {
  Column c(name);
  for (const char* v : values) {
    if (v == nullptr)
      c.AppendNull();
    else
      c.Append(v);
  }
  return c;
}

TEST(TableFromColumnsTest, BuildsOneSourceWithRowLinesAndEmptyAsNull) {
  std::vector<Column> cols;
  cols.push_back(MakeColumn("id", {"a", "b", "c"}));
  cols.push_back(MakeColumn("name", {"Ann", "", nullptr}));
  Result<RecordTable> t = TableFromColumns(std::move(cols), "people", "<frame people>");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->num_rows(), 3u);
  ASSERT_EQ(t->num_columns(), 2u);
  EXPECT_EQ(t->source_names(), std::vector<std::string>{"people"});
  EXPECT_EQ(t->source(2), 0);
  EXPECT_EQ(t->line(0), 1u);
  EXPECT_EQ(t->line(2), 3u);
  const Column& name = t->column(t->FindColumn("name"));
  EXPECT_EQ(name.Get(0), "Ann");
  EXPECT_TRUE(name.IsNull(1));  // "" is null, as an empty CSV field is
  EXPECT_TRUE(name.IsNull(2));
  EXPECT_FALSE(t->column(0).IsNull(1));
  // It validates and appends like a table a reader made.
  EXPECT_TRUE(ValidateIdColumn(*t, "id", "<frame people>").ok());
  RecordTable all;
  all.Append(std::move(t.value()));
  EXPECT_EQ(all.num_rows(), 3u);
}

TEST(TableFromColumnsTest, DuplicateIdNamesTheRows) {
  std::vector<Column> cols;
  cols.push_back(MakeColumn("id", {"a", "b", "a"}));
  Result<RecordTable> t = TableFromColumns(std::move(cols), "s", "<frame s>");
  ASSERT_TRUE(t.ok());
  Status st = ValidateIdColumn(*t, "id", "<frame s>");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("<frame s>:3"), std::string::npos) << st.message();
}

TEST(TableFromColumnsTest, RefusesMalformedColumns) {
  {
    std::vector<Column> cols;
    EXPECT_EQ(TableFromColumns(std::move(cols), "s", "f").status().code(),
              StatusCode::kInvalidInput);
  }
  {
    std::vector<Column> cols;
    cols.push_back(MakeColumn("id", {"a", "b"}));
    cols.push_back(MakeColumn("x", {"a"}));
    Result<RecordTable> t = TableFromColumns(std::move(cols), "s", "f");
    ASSERT_FALSE(t.ok());
    EXPECT_NE(t.status().message().find("column 'x' has 1 rows, expected 2"), std::string::npos)
        << t.status().message();
  }
  {
    std::vector<Column> cols;
    cols.push_back(MakeColumn("id", {"a"}));
    cols.push_back(MakeColumn("id", {"b"}));
    EXPECT_FALSE(TableFromColumns(std::move(cols), "s", "f").ok());
  }
  {
    std::vector<Column> cols;
    cols.push_back(MakeColumn("id", {}));
    Result<RecordTable> t = TableFromColumns(std::move(cols), "s", "f");
    ASSERT_FALSE(t.ok());
    EXPECT_NE(t.status().message().find("no records"), std::string::npos);
  }
}

}  // namespace
}  // namespace reclink
