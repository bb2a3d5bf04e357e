// Tests of the columnar RecordTable: appends, nulls, concatenation across sources.
#include "reclink/record_table.h"

#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

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

// Concatenate gives the column AppendColumn builds from the same parts: parts of every size (none,
// one row, not a multiple of 64 rows, so null words are shared between parts), nulls and empty
// values, narrow and wide offsets; the parts are released.
TEST(ColumnTest, ConcatenateEqualsAppendingEveryPart) {
  for (const bool wide : {false, true}) {
    Column::SetAlwaysWideForTesting(wide);
    std::vector<Column> parts;
    Column appended("x");
    for (int part = 0; part < 40; ++part) {
      Column p("x");
      const int rows = part % 7 == 0 ? 0 : part * 13 % 150;
      for (int i = 0; i < rows; ++i) {
        if ((part + i) % 5 == 0) p.AppendNull();
        else if ((part + i) % 11 == 0) p.Append("");
        else p.Append(std::to_string(part) + "/" + std::to_string(i));
      }
      appended.AppendColumn(p);
      parts.push_back(std::move(p));
    }
    tbb::task_arena arena(2);
    Column joined("?");
    arena.execute([&] { joined = Column::Concatenate("x", std::move(parts)); });
    EXPECT_EQ(joined.name(), "x");
    ASSERT_EQ(joined.size(), appended.size());
    EXPECT_EQ(joined.arena_bytes(), appended.arena_bytes());
    for (RowId r = 0; r < appended.size(); ++r) {
      ASSERT_EQ(joined.IsNull(r), appended.IsNull(r)) << r;
      ASSERT_EQ(joined.Get(r), appended.Get(r)) << r;
    }
    for (const Column& p : parts) EXPECT_EQ(p.size(), 0u);
  }
  Column::SetAlwaysWideForTesting(false);
}

// GatherRows gives the column that appending in.Get(rows[i]) (or a null) row by row would: any
// row order, repeated rows, nulls beside empty values, narrow and wide, at 1 and 2 threads.
TEST(ColumnTest, GatherRowsEqualsAppendingEachRow) {
  for (const bool wide : {false, true}) {
    Column::SetAlwaysWideForTesting(wide);
    Column in("x");
    for (int i = 0; i < 200000; ++i) {
      if (i % 7 == 0) in.AppendNull();
      else if (i % 13 == 0) in.Append("");
      else in.Append(std::string(static_cast<size_t>(i % 23), static_cast<char>('a' + i % 26)) + std::to_string(i));
    }
    std::mt19937 rng(5);
    std::vector<uint32_t> rows(150001);
    for (uint32_t& r : rows) r = static_cast<uint32_t>(rng() % in.size());
    for (size_t k = 0; k < 1000; ++k) rows[k] = static_cast<uint32_t>(k);  // a run in order too
    Column appended("x");
    for (uint32_t r : rows) {
      if (in.IsNull(r)) appended.AppendNull();
      else appended.Append(in.Get(r));
    }
    for (const int threads : {1, 2}) {
      tbb::task_arena arena(threads);
      Column gathered("?");
      arena.execute([&] { gathered = Column::GatherRows("y", in, rows); });
      EXPECT_EQ(gathered.name(), "y");
      ASSERT_EQ(gathered.size(), appended.size());
      EXPECT_EQ(gathered.arena_bytes(), appended.arena_bytes());
      for (RowId r = 0; r < appended.size(); ++r) {
        ASSERT_EQ(gathered.IsNull(r), appended.IsNull(r)) << r;
        ASSERT_EQ(gathered.Get(r), appended.Get(r)) << r;
        ASSERT_EQ(gathered.offset(r + 1), appended.offset(r + 1)) << r;
      }
    }
    Column none = Column::GatherRows("z", in, {});
    EXPECT_EQ(none.size(), 0u);
    EXPECT_EQ(none.arena_bytes(), 0u);
  }
  Column::SetAlwaysWideForTesting(false);
}

// A column past 4 GiB of text switches to 8-byte offsets (Widen); whether narrow, wide from the
// start, or widened half-way, and whatever the mix of AppendColumn parts, it holds the same rows.
TEST(ColumnTest, WideAndNarrowOffsetsHoldTheSameRows) {
  auto value = [](int i) { return i % 7 == 0 ? std::string() : "value-" + std::to_string(i * 37); };
  auto fill = [&](Column& c, int from, int to) {
    for (int i = from; i < to; ++i) {
      if (i % 5 == 0) c.AppendNull(); else c.Append(value(i));
    }
  };
  auto expect_rows = [&](const Column& c, int rows, const char* what) {
    ASSERT_EQ(c.size(), static_cast<size_t>(rows)) << what;
    for (int i = 0; i < rows; ++i) {
      const RowId r = static_cast<RowId>(i);
      ASSERT_EQ(c.IsNull(r), i % 5 == 0) << what << " row " << i;
      ASSERT_EQ(c.Get(r), i % 5 == 0 ? "" : value(i)) << what << " row " << i;
    }
  };
  Column narrow("x");
  fill(narrow, 0, 300);
  EXPECT_FALSE(narrow.wide());
  expect_rows(narrow, 300, "narrow");

  Column widened("x");
  fill(widened, 0, 130);
  widened.Widen();
  EXPECT_TRUE(widened.wide());
  fill(widened, 130, 300);
  expect_rows(widened, 300, "widened half-way");
  EXPECT_GT(widened.overhead_bytes(), narrow.overhead_bytes());  // 8 bytes an offset, not 4

  // Parts of either width joined into columns of either width.
  for (bool wide_first : {false, true}) {
    for (bool wide_second : {false, true}) {
      Column first("x"), second("x");
      if (wide_first) first.Widen();
      if (wide_second) second.Widen();
      fill(first, 0, 100);
      Column part("x");
      fill(part, 100, 300);
      if (wide_second) part.Widen();
      second.AppendColumn(part);
      first.AppendColumn(second);  // second holds rows 100..299
      EXPECT_EQ(first.wide(), wide_first);
      expect_rows(first, 300, wide_first ? "wide join" : "narrow join");
    }
  }

  // Bulk filling, narrow and (forced) wide.
  for (bool wide : {false, true}) {
    Column::SetAlwaysWideForTesting(wide);
    Column c("x");
    std::string text;
    std::vector<uint64_t> ends;
    for (int i = 0; i < 200; ++i) {
      if (i % 5 != 0) text += value(i);
      ends.push_back(text.size());
    }
    Column::FillBuffers f = c.PrepareFill(200, text.size());
    Column::SetAlwaysWideForTesting(false);
    ASSERT_EQ(f.offsets == nullptr, wide);
    ASSERT_EQ(f.wide_offsets == nullptr, !wide);
    std::copy(text.begin(), text.end(), f.arena);
    for (int i = 0; i < 200; ++i) {
      if (wide) f.wide_offsets[i + 1] = ends[static_cast<size_t>(i)];
      else f.offsets[i + 1] = static_cast<uint32_t>(ends[static_cast<size_t>(i)]);
      if (i % 5 == 0) f.nulls[i / 64] |= uint64_t{1} << (i % 64);
    }
    EXPECT_EQ(c.wide(), wide);
    expect_rows(c, 200, wide ? "filled wide" : "filled narrow");
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

// The first table appended to an empty one is taken over: the same arrays, no copy of the text.
TEST(RecordTableTest, AppendIntoEmptyTableTakesTheColumnsOver) {
  RecordTable first;
  first.AddSource("crm");
  const size_t id = first.AddColumn("id");
  const size_t name = first.AddColumn("name");
  first.AppendSourceRows(0, 3);
  for (int i = 0; i < 3; ++i) {
    first.mutable_column(id).Append(std::to_string(i + 1));
    if (i == 1) first.mutable_column(name).AppendNull(); else first.mutable_column(name).Append("n" + std::to_string(i));
    first.AppendLine(static_cast<uint64_t>(i + 2));
  }
  const char* text = first.column(name).arena_data();

  RecordTable all;
  all.Append(std::move(first));
  ASSERT_EQ(all.num_rows(), 3u);
  ASSERT_EQ(all.num_columns(), 2u);
  EXPECT_EQ(all.column(all.FindColumn("name")).arena_data(), text);
  EXPECT_EQ(all.source_names(), std::vector<std::string>{"crm"});
  EXPECT_EQ(all.column(all.FindColumn("name")).Get(0), "n0");
  EXPECT_TRUE(all.column(all.FindColumn("name")).IsNull(1));
  EXPECT_EQ(all.column(all.FindColumn("id")).Get(2), "3");
  EXPECT_EQ(all.line(2), 4u);

  // A second table is appended as before.
  RecordTable second;
  second.AddSource("shop");
  const size_t email = second.AddColumn("email");
  second.AppendSourceRows(0, 1);
  second.mutable_column(email).Append("x@y.z");
  second.AppendLine(2);
  all.Append(std::move(second));
  ASSERT_EQ(all.num_rows(), 4u);
  EXPECT_EQ(all.source(3), 1);
  EXPECT_TRUE(all.column(all.FindColumn("name")).IsNull(3));
  EXPECT_TRUE(all.column(all.FindColumn("email")).IsNull(0));
  EXPECT_EQ(all.column(all.FindColumn("email")).Get(3), "x@y.z");
}

// A view's tables belong to someone else: appended into an empty table it is copied, and the
// table keeps its values when those tables go away.
TEST(RecordTableTest, AppendIntoEmptyTableCopiesAView) {
  RecordTable viewed;
  viewed.AddSource("state");
  const size_t col = viewed.AddColumn("name");
  viewed.AppendSourceRows(0, 2);
  viewed.AppendLine(2);
  viewed.AppendLine(3);
  std::vector<uint32_t> offsets = {0, 3, 3};
  std::vector<uint64_t> nulls = {2};  // row 1 null
  std::string text = "ann";
  viewed.mutable_column(col) = Column::View("name", 2, reinterpret_cast<const char*>(offsets.data()),
                                            reinterpret_cast<const char*>(nulls.data()), text.data(), text.size());
  RecordTable all;
  all.Append(std::move(viewed));
  text = "xxx";
  nulls[0] = 0;
  const Column& c = all.column(all.FindColumn("name"));
  EXPECT_FALSE(c.is_view());
  EXPECT_EQ(c.Get(0), "ann");
  EXPECT_TRUE(c.IsNull(1));
}

// Prefetch hints read the offsets of narrow, wide and view columns without changing a value.
TEST(ColumnTest, PrefetchHintsLeaveValuesAlone) {
  for (bool wide : {false, true}) {
    Column c("v");
    for (int i = 0; i < 50; ++i) {
      if (i % 4 == 0) c.AppendNull(); else c.Append("value " + std::to_string(i));
    }
    if (wide) c.Widen();
    for (RowId r = 0; r < 50; ++r) {
      c.PrefetchOffsets(r);
      c.PrefetchValue(r);
      EXPECT_EQ(c.IsNull(r), r % 4 == 0);
      if (r % 4 != 0) EXPECT_EQ(c.Get(r), "value " + std::to_string(r));
    }
  }
  std::vector<uint32_t> offsets = {0, 3, 3, 5};
  std::vector<uint64_t> nulls = {2};
  const std::string text = "annbo";
  const Column view = Column::View("v", 3, reinterpret_cast<const char*>(offsets.data()),
                                   reinterpret_cast<const char*>(nulls.data()), text.data(), text.size());
  for (RowId r = 0; r < 3; ++r) {
    view.PrefetchOffsets(r);
    view.PrefetchValue(r);
  }
  EXPECT_EQ(view.Get(0), "ann");
  EXPECT_TRUE(view.IsNull(1));
  EXPECT_EQ(view.Get(2), "bo");
}

}  // namespace
}  // namespace reclink

namespace reclink {
namespace {

std::shared_ptr<SpillArea> TestSpillArea() {
  Result<std::shared_ptr<SpillArea>> area = SpillArea::Open(std::filesystem::temp_directory_path().string());
  EXPECT_TRUE(area.ok()) << area.status().ToString();
  return area.ok() ? *area : nullptr;
}

// A spilled column is a view of its region with every value and null; evicted, it reads the
// same from the file; owned again, it is a column of its own that can grow.
TEST(ColumnTest, SpillToEvictAndOwnKeepEveryValue) {
  std::shared_ptr<SpillArea> area = TestSpillArea();
  ASSERT_NE(area, nullptr);
  for (int rows : {0, 1, 63, 64, 65, 5000}) {
    Column reference("name"), c("name");
    for (int i = 0; i < rows; ++i) {
      for (Column* x : {&reference, &c}) {
        if (i % 7 == 3) x->AppendNull(); else x->Append(std::string(static_cast<size_t>(i % 13), 'a' + i % 26));
      }
    }
    ASSERT_TRUE(c.SpillTo(*area).ok());
    EXPECT_TRUE(c.is_view());
    EXPECT_EQ(c.name(), "name");
    auto expect_same = [&](const Column& x) {
      ASSERT_EQ(x.size(), reference.size());
      for (RowId r = 0; r < reference.size(); ++r) {
        ASSERT_EQ(x.IsNull(r), reference.IsNull(r)) << "row " << r;
        ASSERT_EQ(x.Get(r), reference.Get(r)) << "row " << r;
      }
    };
    expect_same(c);
    area->Evict();
    expect_same(c);
    c.Own();
    EXPECT_FALSE(c.is_view());
    expect_same(c);
    c.Append("more");
    reference.Append("more");
    expect_same(c);
  }
  EXPECT_GT(area->bytes(), 0u);
}

// A SpillableArray reads and writes the same elements in memory and in its region, after the
// region's pages are dropped, and after a move; an empty one stays empty.
TEST(SpillableArrayTest, SpillToKeepsEveryElement) {
  std::shared_ptr<SpillArea> area = TestSpillArea();
  ASSERT_NE(area, nullptr);
  SpillableArray<uint32_t> empty;
  ASSERT_TRUE(empty.SpillTo(*area).ok());
  EXPECT_TRUE(empty.empty());
  EXPECT_FALSE(empty.spilled());
  SpillableArray<uint32_t> a;
  a.assign(100000, 7);
  for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<uint32_t>(i * 2654435761u);
  a = std::vector<uint32_t>(a.begin(), a.end());  // built by a move from a vector, as Build does
  EXPECT_FALSE(a.spilled());
  ASSERT_TRUE(a.SpillTo(*area).ok());
  EXPECT_TRUE(a.spilled());
  ASSERT_EQ(a.size(), 100000u);
  auto expect_all = [](const SpillableArray<uint32_t>& x) {
    for (size_t i = 0; i < x.size(); ++i) ASSERT_EQ(x[i], static_cast<uint32_t>(i * 2654435761u)) << i;
  };
  expect_all(a);
  area->Evict();
  expect_all(a);
  a[5] = 1;  // writable in the region, and kept across an eviction
  area->Evict();
  EXPECT_EQ(a[5], 1u);
  a[5] = static_cast<uint32_t>(5 * 2654435761u);
  SpillableArray<uint32_t> moved(std::move(a));
  EXPECT_TRUE(moved.spilled());
  expect_all(moved);
  EXPECT_EQ(std::accumulate(moved.begin(), moved.end(), uint64_t{0}),
            std::accumulate(moved.data(), moved.data() + moved.size(), uint64_t{0}));
}

// A spilled table moved into an empty one keeps its views (the area lives with the table); a
// second table appended makes the columns their own again, with every value.
TEST(RecordTableTest, AppendOfSpilledTablesKeepsEveryValue) {
  std::shared_ptr<SpillArea> area = TestSpillArea();
  ASSERT_NE(area, nullptr);
  RecordTable first;
  first.AddSource("crm");
  const size_t id = first.AddColumn("id");
  first.AppendSourceRows(0, 100);
  for (int i = 0; i < 100; ++i) {
    first.mutable_column(id).Append("c" + std::to_string(i));
    first.AppendLine(static_cast<uint64_t>(i + 2));
  }
  ASSERT_TRUE(first.SpillColumns(area).ok());
  area.reset();  // the table keeps it alive
  RecordTable all;
  all.Append(std::move(first));
  EXPECT_TRUE(all.spilled());
  EXPECT_TRUE(all.column(0).is_view());
  EXPECT_EQ(all.column(0).Get(99), "c99");
  RecordTable second;
  second.AddSource("shop");
  const size_t email = second.AddColumn("email");
  second.AppendSourceRows(0, 1);
  second.mutable_column(email).Append("x@y.z");
  second.AppendLine(2);
  all.Append(std::move(second));
  ASSERT_EQ(all.num_rows(), 101u);
  EXPECT_FALSE(all.column(0).is_view());
  EXPECT_EQ(all.column(0).Get(0), "c0");
  EXPECT_EQ(all.column(0).Get(99), "c99");
  EXPECT_TRUE(all.column(0).IsNull(100));
  EXPECT_TRUE(all.column(1).IsNull(99));
  EXPECT_EQ(all.column(1).Get(100), "x@y.z");
  ASSERT_TRUE(all.SpillColumns(all.spill_area()).ok());
  EXPECT_TRUE(all.column(0).is_view());
  EXPECT_EQ(all.column(0).Get(42), "c42");
  EXPECT_TRUE(all.column(0).IsNull(100));
}

}  // namespace
}  // namespace reclink
