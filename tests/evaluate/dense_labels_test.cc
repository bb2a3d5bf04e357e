// Tests for DenseLabels: first-appearance numbering, nulls and empties as fresh singletons.
#include <gtest/gtest.h>

#include <string>

#include "reclink/evaluate.h"

namespace reclink {
namespace {

TEST(DenseLabels, NumbersByFirstAppearanceWithSingletonNulls) {
  // a -> 0, b -> 1, "" -> 2 (fresh), a -> 0, null "x" -> 3 (fresh), b -> 1, c -> 4, null -> 5,
  // x -> 6 (the null "x" before does not count as a value).
  std::vector<std::string_view> values = {"a", "b", "", "a", "x", "b", "c", "", "x"};
  std::vector<bool> is_null = {false, false, false, false, true, false, false, true, false};
  EXPECT_EQ(DenseLabels(values, is_null), (std::vector<uint32_t>{0, 1, 2, 0, 3, 1, 4, 5, 6}));
}

TEST(DenseLabels, EmptyNullMaskMeansNoNulls) {
  std::vector<std::string_view> values = {"q", "", "q", ""};
  EXPECT_EQ(DenseLabels(values, {}), (std::vector<uint32_t>{0, 1, 0, 2}));
  EXPECT_TRUE(DenseLabels({}, {}).empty());
}

TEST(DenseLabels, ManyDistinctValuesSurviveTableGrowth) {
  std::vector<std::string> storage;
  for (int i = 0; i < 5000; ++i) storage.push_back("entity-" + std::to_string(i % 1700));
  std::vector<std::string_view> values(storage.begin(), storage.end());
  std::vector<uint32_t> labels = DenseLabels(values, {});
  for (int i = 0; i < 5000; ++i) ASSERT_EQ(labels[i], static_cast<uint32_t>(i % 1700)) << i;
}

}  // namespace
}  // namespace reclink
