#include "npu/UtilizationHistory.h"

#include <gtest/gtest.h>

#include <map>

namespace npufleet::npu {
namespace {

using namespace std::chrono_literals;

// In-memory HistoryRepository: what was appended, pruned, and can be reloaded.
class MemoryHistory : public HistoryRepository {
 public:
  Status append(HistoryResolution r, const std::vector<HistorySample>& s) override {
    auto& v = data[r];
    v.insert(v.end(), s.begin(), s.end());
    return okStatus();
  }
  Result<std::vector<HistorySample>> loadSince(HistoryResolution r, fleet::TimePoint since) override {
    std::vector<HistorySample> out;
    for (auto& s : data[r]) {
      if (s.t >= since) out.push_back(s);
    }
    return out;
  }
  Status pruneBefore(HistoryResolution r, fleet::TimePoint before) override {
    auto& v = data[r];
    std::erase_if(v, [&](const HistorySample& s) { return s.t < before; });
    return okStatus();
  }
  std::map<HistoryResolution, std::vector<HistorySample>> data;
};

HistorySample sample(const Clock& c, double util, double q = 0) {
  return {"node-1", c.now(), util, q, 1, 10};
}

TEST(UtilizationHistory, HourWindowKeepsEverySample) {
  FakeClock clock;
  UtilizationHistory h(clock, nullptr);
  for (int i = 0; i < 30; ++i) {
    h.record(sample(clock, i));
    clock.advance(2s);
  }
  auto points = h.query("node-1", HistoryWindow::kHour);
  ASSERT_EQ(points.size(), 30u);
  EXPECT_DOUBLE_EQ(points[7].utilization, 7);
}

TEST(UtilizationHistory, RawSamplesOlderThanAnHourAreDropped) {
  FakeClock clock;
  UtilizationHistory h(clock, nullptr);
  h.record(sample(clock, 99));
  clock.advance(61min);
  h.record(sample(clock, 1));
  auto points = h.query("node-1", HistoryWindow::kHour);
  ASSERT_EQ(points.size(), 1u);
  EXPECT_DOUBLE_EQ(points[0].utilization, 1);
}

TEST(UtilizationHistory, DayWindowAveragesEachMinute) {
  FakeClock clock;  // starts on a minute boundary
  UtilizationHistory h(clock, nullptr);
  // Minute 0: 10, 20, 30 -> 20. Minute 1: 50 -> 50.
  h.record(sample(clock, 10, 1));
  clock.advance(20s);
  h.record(sample(clock, 20, 2));
  clock.advance(20s);
  h.record(sample(clock, 30, 3));
  clock.advance(30s);
  h.record(sample(clock, 50, 5));
  auto points = h.query("node-1", HistoryWindow::kDay);
  ASSERT_EQ(points.size(), 2u);
  EXPECT_DOUBLE_EQ(points[0].utilization, 20);
  EXPECT_DOUBLE_EQ(points[0].queue_depth, 2);
  EXPECT_DOUBLE_EQ(points[1].utilization, 50);  // the minute in progress
}

TEST(UtilizationHistory, WeekWindowKeepsMinutesForSevenDaysAsTenMinuteBuckets) {
  FakeClock clock;
  UtilizationHistory h(clock, nullptr);
  // One sample a minute for 8 days.
  for (int i = 0; i < 8 * 24 * 60; ++i) {
    h.record(sample(clock, i % 10 == 0 ? 100 : 0));
    clock.advance(60s);
  }
  auto week = h.query("node-1", HistoryWindow::kWeek);
  // 7 days of 10-minute buckets (+1 for the partial bucket at either edge).
  EXPECT_GE(week.size(), 7u * 24 * 6);
  EXPECT_LE(week.size(), 7u * 24 * 6 + 2);
  for (size_t i = 1; i + 1 < week.size(); ++i) EXPECT_DOUBLE_EQ(week[i].utilization, 10);
  EXPECT_GE(week.front().t, clock.now() - 7 * 24h - 10min);
  auto day = h.query("node-1", HistoryWindow::kDay);
  EXPECT_GE(day.size(), 24u * 60);
  EXPECT_LE(day.size(), 24u * 60 + 1);
}

TEST(UtilizationHistory, RawSamplesBoundedPerNode) {
  FakeClock clock;
  UtilizationHistory h(clock, nullptr, HistoryLimits{3600s, 7 * 24h, 100});
  for (int i = 0; i < 500; ++i) {
    h.record(sample(clock, 1));
    clock.advance(100ms);
  }
  EXPECT_EQ(h.query("node-1", HistoryWindow::kHour).size(), 100u);
}

TEST(UtilizationHistory, FlushPersistsAndRestoreBringsHistoryBack) {
  FakeClock clock;
  MemoryHistory repo;
  {
    UtilizationHistory h(clock, &repo);
    for (int i = 0; i < 90; ++i) {
      h.record(sample(clock, 40));
      clock.advance(2s);
    }
    ASSERT_TRUE(h.flush().ok());
  }
  EXPECT_EQ(repo.data[HistoryResolution::kRaw].size(), 90u);
  EXPECT_EQ(repo.data[HistoryResolution::kMinute].size(), 3u);  // minutes 0, 1, 2 closed by flush
  UtilizationHistory restarted(clock, &repo);
  ASSERT_TRUE(restarted.restore().ok());
  EXPECT_EQ(restarted.query("node-1", HistoryWindow::kHour).size(), 90u);
  auto day = restarted.query("node-1", HistoryWindow::kDay);
  ASSERT_EQ(day.size(), 3u);
  EXPECT_DOUBLE_EQ(day[0].utilization, 40);
}

TEST(UtilizationHistory, FlushPrunesExpiredRows) {
  FakeClock clock;
  MemoryHistory repo;
  UtilizationHistory h(clock, &repo);
  h.record(sample(clock, 1));
  ASSERT_TRUE(h.flush().ok());
  clock.advance(2h);
  h.record(sample(clock, 2));
  ASSERT_TRUE(h.flush().ok());
  ASSERT_EQ(repo.data[HistoryResolution::kRaw].size(), 1u);
  EXPECT_DOUBLE_EQ(repo.data[HistoryResolution::kRaw][0].utilization, 2);
  EXPECT_EQ(repo.data[HistoryResolution::kMinute].size(), 1u);  // minutes live 7 days
}

TEST(UtilizationHistory, WindowNamesParse) {
  EXPECT_EQ(parseHistoryWindow("1h"), HistoryWindow::kHour);
  EXPECT_EQ(parseHistoryWindow("24h"), HistoryWindow::kDay);
  EXPECT_EQ(parseHistoryWindow("7d"), HistoryWindow::kWeek);
  EXPECT_EQ(parseHistoryWindow("2h"), std::nullopt);
}

}  // namespace
}  // namespace npufleet::npu
