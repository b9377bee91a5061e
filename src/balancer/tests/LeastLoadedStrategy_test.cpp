#include "balancer/LeastLoadedStrategy.h"

#include <gtest/gtest.h>

namespace npufleet::balancer {
namespace {

TEST(LeastLoadedStrategy, NormalisesByMaxConcurrent) {
  LeastLoadedStrategy ll;
  // a: 2/4 = 0.5, b: 3/8 = 0.375 -> b although it has more in flight.
  std::vector<CandidateLoad> c{{"a", 2, 0, 4}, {"b", 3, 0, 8}};
  EXPECT_EQ(*ll.select("m", c).chosen, 1u);
}

TEST(LeastLoadedStrategy, CountsTheReportedQueue) {
  LeastLoadedStrategy ll;
  std::vector<CandidateLoad> c{{"a", 0, 3, 4}, {"b", 1, 0, 4}};
  auto s = ll.select("m", c);
  EXPECT_EQ(*s.chosen, 1u);
  EXPECT_EQ(s.reason, "lowest load 0.25 = (1 in flight + 0 queued) / 4");
}

TEST(LeastLoadedStrategy, TheReasonRoundsTheLoadToTwoDecimals) {
  LeastLoadedStrategy ll;
  std::vector<CandidateLoad> c{{"a", 2, 0, 3}};
  EXPECT_EQ(ll.select("m", c).reason, "lowest load 0.67 = (2 in flight + 0 queued) / 3");
}

TEST(LeastLoadedStrategy, BreaksTiesRoundRobin) {
  LeastLoadedStrategy ll;
  std::vector<CandidateLoad> idle{{"a", 0, 0, 4}, {"b", 0, 0, 4}, {"c", 0, 0, 4}};
  std::vector<size_t> picks;
  for (int i = 0; i < 6; ++i) picks.push_back(*ll.select("m", idle).chosen);
  EXPECT_EQ(picks, (std::vector<size_t>{0, 1, 2, 0, 1, 2}));
}

TEST(LeastLoadedStrategy, NeverPicksANodeWithoutCapacity) {
  LeastLoadedStrategy ll;
  // a scores lower (1.0 against 2.5) but has no free slot.
  std::vector<CandidateLoad> c{{"a", 1, 0, 1}, {"b", 5, 10, 6}};
  EXPECT_EQ(*ll.select("m", c).chosen, 1u);
  std::vector<CandidateLoad> full{{"a", 1, 0, 1}, {"b", 6, 0, 6}};
  EXPECT_FALSE(ll.select("m", full).chosen.has_value());
}

TEST(LeastLoadedStrategy, SpreadsInProportionToConcurrencyWhenLoadIsCountedAtSelection) {
  // What the router does: each pick is counted before the next one.
  LeastLoadedStrategy ll;
  std::vector<CandidateLoad> c{{"small", 0, 0, 2}, {"big", 0, 0, 6}};
  for (int i = 0; i < 8; ++i) ++c[*ll.select("m", c).chosen].inFlight;
  EXPECT_EQ(c[0].inFlight, 2);
  EXPECT_EQ(c[1].inFlight, 6);
}

}  // namespace
}  // namespace npufleet::balancer
