#include "worker/WorkerStats.h"

#include <gtest/gtest.h>

namespace npufleet::worker {
namespace {
using namespace std::chrono_literals;

TEST(Percentile, NearestRank) {
  std::vector<double> v;
  for (int i = 1; i <= 100; ++i) v.push_back(i);
  EXPECT_EQ(percentile(v, 0.50), 50);
  EXPECT_EQ(percentile(v, 0.95), 95);
  EXPECT_EQ(percentile(v, 0.99), 99);
  EXPECT_EQ(percentile({}, 0.5), 0);
  EXPECT_EQ(percentile({7}, 0.99), 7);
}

TEST(WorkerStats, CountsPerModelAndTotal) {
  FakeClock clock;
  WorkerStats stats(clock);
  stats.recordSuccess("a", 10, 1);
  stats.recordSuccess("a", 20, 2);
  stats.recordError("a");
  stats.recordSuccess("b", 30, 3);
  auto a = stats.summary("a");
  EXPECT_EQ(a.requests, 3u);
  EXPECT_EQ(a.errors, 1u);
  EXPECT_EQ(a.p50_ms, 10);
  EXPECT_EQ(a.p99_ms, 20);
  EXPECT_EQ(stats.total().requests, 4u);
  EXPECT_EQ(stats.total().p99_ms, 30);
}

TEST(WorkerStats, ThroughputCoversOnlyTheLastMinute) {
  FakeClock clock;
  WorkerStats stats(clock);
  for (int i = 0; i < 60; ++i) stats.recordSuccess("a", 1, 0);
  EXPECT_DOUBLE_EQ(stats.summary("a").throughput_per_s, 1.0);
  clock.advance(30s);
  for (int i = 0; i < 30; ++i) stats.recordSuccess("a", 1, 0);
  clock.advance(31s);
  EXPECT_DOUBLE_EQ(stats.summary("a").throughput_per_s, 0.5);
}

TEST(WorkerStats, KeepsABoundedSampleWindow) {
  FakeClock clock;
  WorkerStats stats(clock, 10);
  for (int i = 0; i < 100; ++i) stats.recordSuccess("a", i, 0);
  auto s = stats.summary("a");
  EXPECT_EQ(s.samples, 10u);
  EXPECT_EQ(s.p50_ms, 94);  // only the last ten samples (90..99) remain
}

}  // namespace
}  // namespace npufleet::worker
