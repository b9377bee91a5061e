#include "worker/EngineBusyMeter.h"

#include <gtest/gtest.h>

namespace npufleet::worker {
namespace {
using namespace std::chrono_literals;

TEST(EngineBusyMeter, BusyShareOfWallTimeAcrossSlots) {
  FakeClock clock;
  EngineBusyMeter meter(clock, 2, 100ms);
  auto t = meter.begin();
  clock.advance(500ms);
  meter.end(t);
  clock.advance(500ms);
  EXPECT_DOUBLE_EQ(meter.samplePercent(), 25.0);  // 0.5 s busy of 2 slots x 1 s
}

TEST(EngineBusyMeter, RunsInProgressCountUpToTheSample) {
  FakeClock clock;
  EngineBusyMeter meter(clock, 1, 100ms);
  clock.advance(1s);
  EXPECT_DOUBLE_EQ(meter.samplePercent(), 0.0);
  meter.begin();
  clock.advance(1s);
  EXPECT_DOUBLE_EQ(meter.samplePercent(), 100.0);
  clock.advance(1s);
  EXPECT_DOUBLE_EQ(meter.samplePercent(), 100.0);  // still running, not double counted
}

TEST(EngineBusyMeter, FrequentSamplesReturnThePreviousFigure) {
  FakeClock clock;
  EngineBusyMeter meter(clock, 1, 1000ms);
  auto t = meter.begin();
  clock.advance(1s);
  meter.end(t);
  EXPECT_DOUBLE_EQ(meter.samplePercent(), 100.0);
  clock.advance(10ms);
  EXPECT_DOUBLE_EQ(meter.samplePercent(), 100.0);
}

}  // namespace
}  // namespace npufleet::worker
