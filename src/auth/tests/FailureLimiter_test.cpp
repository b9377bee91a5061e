#include "auth/FailureLimiter.h"

#include <gtest/gtest.h>

namespace npufleet::auth {
namespace {

TEST(FailureLimiter, BlocksAtTheLimitWithinTheWindow) {
  FakeClock clock;
  FailureLimiter limiter({}, clock);
  for (int i = 0; i < 9; ++i) limiter.recordFailure("10.0.0.1");
  EXPECT_FALSE(limiter.blockedFor("10.0.0.1"));
  limiter.recordFailure("10.0.0.1");
  ASSERT_TRUE(limiter.blockedFor("10.0.0.1"));
  EXPECT_EQ(limiter.blockedFor("10.0.0.1")->count(), 300);
  EXPECT_FALSE(limiter.blockedFor("10.0.0.2"));
}

TEST(FailureLimiter, RetryAfterCountsDownAndTheBlockLiftsWhenFailuresAge) {
  FakeClock clock;
  FailureLimiter limiter({}, clock);
  for (int i = 0; i < 10; ++i) limiter.recordFailure("a");
  clock.advance(std::chrono::seconds(250));
  EXPECT_EQ(limiter.blockedFor("a")->count(), 50);
  clock.advance(std::chrono::seconds(50));
  EXPECT_FALSE(limiter.blockedFor("a"));
}

TEST(FailureLimiter, FailuresSpreadBeyondTheWindowNeverBlock) {
  FakeClock clock;
  FailureLimiter limiter({}, clock);
  for (int i = 0; i < 100; ++i) {
    limiter.recordFailure("a");
    clock.advance(std::chrono::seconds(31));
  }
  EXPECT_FALSE(limiter.blockedFor("a"));
}

TEST(FailureLimiter, TrackedAddressesAreBounded) {
  FakeClock clock;
  FailureLimiter limiter({.limit = 2, .window = std::chrono::seconds(60), .max_tracked = 100},
                         clock);
  for (int i = 0; i < 10'000; ++i) limiter.recordFailure("addr-" + std::to_string(i));
  EXPECT_EQ(limiter.trackedAddresses(), 100u);
  limiter.recordFailure("addr-9999");
  EXPECT_TRUE(limiter.blockedFor("addr-9999"));
}

}  // namespace
}  // namespace npufleet::auth
