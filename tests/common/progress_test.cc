// Tests of the live progress meter: a stage's count from several threads, and a new stage
// starting from zero.
#include "reclink/progress.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace reclink {
namespace {

TEST(ProgressTest, CountsFromSeveralThreadsAndRestartsPerStage) {
  Progress p;
  EXPECT_TRUE(p.Read().stage.empty());
  p.Begin("score", "pairs", 4000);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&p] {
      for (int i = 0; i < 1000; ++i) p.Add(1);
    });
  }
  for (std::thread& t : threads) t.join();
  Progress::Snapshot s = p.Read();
  EXPECT_EQ(s.stage, "score");
  EXPECT_EQ(s.unit, "pairs");
  EXPECT_EQ(s.done, 4000u);
  EXPECT_EQ(s.total, 4000u);
  EXPECT_GE(s.seconds, 0.0);
  p.Begin("cluster");
  s = p.Read();
  EXPECT_EQ(s.stage, "cluster");
  EXPECT_EQ(s.done, 0u);
  EXPECT_EQ(s.total, 0u);
  EXPECT_TRUE(s.unit.empty());
}

}  // namespace
}  // namespace reclink
