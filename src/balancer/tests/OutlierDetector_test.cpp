#include "balancer/OutlierDetector.h"

#include <gtest/gtest.h>

namespace npufleet::balancer {
namespace {

using std::chrono::seconds;

const std::vector<std::string_view> kPool{"a", "b", "c", "d"};

void fail(OutlierDetector& d, const std::string& id, int n,
          const std::vector<std::string_view>& pool = kPool) {
  for (int i = 0; i < n; ++i) d.recordFailure(id, pool);
}

TEST(OutlierDetector, FiveConsecutiveFailuresEjectForThirtySeconds) {
  FakeClock clock;
  OutlierDetector d(clock);
  fail(d, "a", 4);
  EXPECT_FALSE(d.isEjected("a"));
  EXPECT_TRUE(d.recordFailure("a", kPool));
  EXPECT_TRUE(d.isEjected("a"));
  clock.advance(seconds(29));
  EXPECT_TRUE(d.isEjected("a"));
  clock.advance(seconds(1));
  EXPECT_FALSE(d.isEjected("a"));
  EXPECT_EQ(d.ejectionCount("a"), 1);
}

TEST(OutlierDetector, ASuccessResetsTheRun) {
  FakeClock clock;
  OutlierDetector d(clock);
  fail(d, "a", 4);
  d.recordSuccess("a");
  fail(d, "a", 4);
  EXPECT_FALSE(d.isEjected("a"));
}

TEST(OutlierDetector, EjectionTimeDoublesUpToTheMaximum) {
  FakeClock clock;
  OutlierDetector d(clock);
  std::vector<int64_t> durations;
  for (int i = 0; i < 6; ++i) {
    fail(d, "a", 5);
    auto until = d.ejectedUntil("a");
    ASSERT_TRUE(until);
    durations.push_back(std::chrono::duration_cast<seconds>(*until - clock.steadyNow()).count());
    clock.advance(*until - clock.steadyNow());
  }
  EXPECT_EQ(durations, (std::vector<int64_t>{30, 60, 120, 240, 300, 300}));
}

TEST(OutlierDetector, ANodeHealthyForTheMaximumStartsOverAtTheBase) {
  FakeClock clock;
  OutlierDetector d(clock);
  fail(d, "a", 5);
  clock.advance(seconds(30));
  fail(d, "a", 5);  // 60 s
  clock.advance(seconds(60 + 300));
  fail(d, "a", 5);
  EXPECT_EQ(std::chrono::duration_cast<seconds>(*d.ejectedUntil("a") - clock.steadyNow()).count(), 30);
}

TEST(OutlierDetector, NeverEjectsMoreThanHalfThePool) {
  FakeClock clock;
  OutlierDetector d(clock);
  fail(d, "a", 5);
  fail(d, "b", 5);
  fail(d, "c", 5);
  EXPECT_TRUE(d.isEjected("a"));
  EXPECT_TRUE(d.isEjected("b"));
  EXPECT_FALSE(d.isEjected("c"));
  EXPECT_EQ(d.ejectedCount(), 2u);
}

TEST(OutlierDetector, ASinglePoolMemberIsNeverEjected) {
  FakeClock clock;
  OutlierDetector d(clock);
  fail(d, "a", 20, {"a"});
  EXPECT_FALSE(d.isEjected("a"));
}

TEST(OutlierDetector, ASuccessfulProbeEndsTheEjection) {
  FakeClock clock;
  OutlierDetector d(clock);
  fail(d, "a", 5);
  ASSERT_TRUE(d.isEjected("a"));
  d.onProbeSuccess("a");
  EXPECT_FALSE(d.isEjected("a"));
}

TEST(OutlierDetector, TheCapCountsTheEjectedNodesOfThisPoolOnly) {
  FakeClock clock;
  OutlierDetector d(clock);
  fail(d, "a", 5);
  fail(d, "b", 5);  // half of {a, b, c, d}
  ASSERT_EQ(d.ejectedCount(), 2u);
  // Another model's pool: none of it is ejected, so one of two may go.
  fail(d, "x", 5, {"x", "y"});
  EXPECT_TRUE(d.isEjected("x"));
  // A pool shared with an ejected node: that node already fills its half.
  fail(d, "e", 5, {"a", "e"});
  EXPECT_FALSE(d.isEjected("e"));
}

TEST(OutlierDetector, ANodeTheCapKeptIsEjectedOnceTheCapAllows) {
  FakeClock clock;
  OutlierDetector d(clock);
  fail(d, "a", 5, {"a", "b"});
  fail(d, "b", 50, {"a", "b"});
  EXPECT_FALSE(d.isEjected("b"));
  clock.advance(seconds(30));  // a's ejection is over
  EXPECT_TRUE(d.recordFailure("b", {"a", "b"}));
}

TEST(OutlierDetector, AProbeDoesNotResetTheRunOfANodeThatIsNotEjected) {
  FakeClock clock;
  OutlierDetector d(clock);
  // Answers its health checks, fails inference: still ejected after five failures in a row.
  fail(d, "a", 4);
  d.onProbeSuccess("a");
  EXPECT_TRUE(d.recordFailure("a", kPool));
}

TEST(OutlierDetector, AForgottenNodeStartsAfresh) {
  FakeClock clock;
  OutlierDetector d(clock);
  fail(d, "a", 5);
  ASSERT_EQ(d.ejectionCount("a"), 1);
  d.forget("a");
  EXPECT_FALSE(d.isEjected("a"));
  EXPECT_EQ(d.ejectionCount("a"), 0);
  EXPECT_EQ(d.ejectedCount(), 0u);
}

TEST(OutlierDetector, DisabledNeverEjects) {
  FakeClock clock;
  EjectionSettings s;
  s.enabled = false;
  OutlierDetector d(clock, s);
  fail(d, "a", 50);
  EXPECT_FALSE(d.isEjected("a"));
}

}  // namespace
}  // namespace npufleet::balancer
