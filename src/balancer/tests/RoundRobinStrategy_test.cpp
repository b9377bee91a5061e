#include "balancer/RoundRobinStrategy.h"

#include <gtest/gtest.h>

namespace npufleet::balancer {
namespace {

std::vector<CandidateLoad> three(int a_in_flight = 0) {
  return {{"a", a_in_flight, 0, 2}, {"b", 0, 0, 2}, {"c", 0, 0, 2}};
}

TEST(RoundRobinStrategy, CyclesOverTheCandidates) {
  RoundRobinStrategy rr;
  std::vector<size_t> picks;
  for (int i = 0; i < 6; ++i) picks.push_back(*rr.select("m", three()).chosen);
  EXPECT_EQ(picks, (std::vector<size_t>{0, 1, 2, 0, 1, 2}));
}

TEST(RoundRobinStrategy, KeepsOneRotationPerModel) {
  RoundRobinStrategy rr;
  EXPECT_EQ(*rr.select("m1", three()).chosen, 0u);
  EXPECT_EQ(*rr.select("m1", three()).chosen, 1u);
  EXPECT_EQ(*rr.select("m2", three()).chosen, 0u);  // m1's traffic did not move m2
  EXPECT_EQ(*rr.select("m1", three()).chosen, 2u);
}

TEST(RoundRobinStrategy, SkipsANodeAtMaxConcurrent) {
  RoundRobinStrategy rr;
  auto s = rr.select("m", three(/*a_in_flight=*/2));
  EXPECT_EQ(*s.chosen, 1u);
  EXPECT_NE(s.reason.find("skipped"), std::string::npos);
}

TEST(RoundRobinStrategy, ChoosesNoneWhenAllAreFullButKeepsThemEligible) {
  RoundRobinStrategy rr;
  std::vector<CandidateLoad> full{{"a", 2, 0, 2}, {"b", 1, 0, 1}};
  auto s = rr.select("m", full);
  EXPECT_FALSE(s.chosen.has_value());
  EXPECT_EQ(s.eligible.size(), 2u);
}

}  // namespace
}  // namespace npufleet::balancer
