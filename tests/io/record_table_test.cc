// Tests of the columnar RecordTable: appends, nulls, concatenation across sources.
#include "reclink/record_table.h"

#include <gtest/gtest.h>

namespace reclink {
namespace {

TEST(ColumnTest, AppendsValuesAndNulls) {
  Column c("name");
  for (int i = 0; i < 130; ++i) {
    if (i % 3 == 0) c.AppendNull(); else c.Append("v" + std::to_string(i));
  }
  ASSERT_EQ(c.size(), 130u);
  EXPECT_TRUE(c.IsNull(0));
  EXPECT_FALSE(c.IsNull(1));
  EXPECT_EQ(c.Get(1), "v1");
  EXPECT_TRUE(c.IsNull(129));
  EXPECT_EQ(c.Get(128), "v128");
  EXPECT_EQ(c.Get(129), "");
}

TEST(ColumnTest, ReleaseValuesKeepsTheNameAndFreesTheRows) {
  Column c("name");
  for (int i = 0; i < 100; ++i) c.Append("value " + std::to_string(i));
  c.ReleaseValues();
  EXPECT_EQ(c.name(), "name");
  EXPECT_EQ(c.size(), 0u);
  EXPECT_EQ(c.arena_bytes(), 0u);
  c.Append("again");  // still a usable, empty column
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c.Get(0), "again");
}

// Joining many parts (as normalization and multi-input loading do) keeps every value and null.
TEST(ColumnTest, AppendColumnJoinsManyParts) {
  Column joined("x");
  size_t expected_rows = 0;
  for (int part = 0; part < 50; ++part) {
    Column p("x");
    for (int i = 0; i <= part; ++i) {
      if ((part + i) % 4 == 0) p.AppendNull(); else p.Append(std::to_string(part) + ":" + std::to_string(i));
    }
    joined.AppendColumn(p);
    expected_rows += static_cast<size_t>(part) + 1;
  }
  ASSERT_EQ(joined.size(), expected_rows);
  RowId r = 0;
  for (int part = 0; part < 50; ++part) {
    for (int i = 0; i <= part; ++i, ++r) {
      if ((part + i) % 4 == 0) {
        EXPECT_TRUE(joined.IsNull(r));
      } else {
        EXPECT_EQ(joined.Get(r), std::to_string(part) + ":" + std::to_string(i));
      }
    }
  }
}

TEST(RecordTableTest, AppendMatchesColumnsByNameAndPadsNulls) {
  RecordTable a;
  a.AddSource("crm");
  size_t ia = a.AddColumn("id");
  size_t na = a.AddColumn("name");
  a.AppendSourceRows(0, 2);
  a.mutable_column(ia).Append("1");
  a.mutable_column(ia).Append("2");
  a.mutable_column(na).Append("ann");
  a.mutable_column(na).AppendNull();
  a.AppendLine(2);
  a.AppendLine(3);

  RecordTable b;
  b.AddSource("shop");
  size_t ib = b.AddColumn("id");
  size_t eb = b.AddColumn("email");
  b.AppendSourceRows(0, 1);
  b.mutable_column(ib).Append("9");
  b.mutable_column(eb).Append("x@y.z");
  b.AppendLine(2);

  a.Append(std::move(b));
  ASSERT_EQ(a.num_rows(), 3u);
  ASSERT_EQ(a.num_columns(), 3u);
  EXPECT_EQ(a.source(2), 1);
  EXPECT_EQ(a.source_names()[1], "shop");
  EXPECT_EQ(a.column(a.FindColumn("id")).Get(2), "9");
  EXPECT_TRUE(a.column(a.FindColumn("name")).IsNull(2));
  const Column& email = a.column(a.FindColumn("email"));
  EXPECT_TRUE(email.IsNull(0));
  EXPECT_TRUE(email.IsNull(1));
  EXPECT_EQ(email.Get(2), "x@y.z");
}

}  // namespace
}  // namespace reclink
