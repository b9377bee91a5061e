#include "balancer/ModelAffinityStrategy.h"

#include <gtest/gtest.h>

namespace npufleet::balancer {
namespace {

std::map<std::string, std::vector<std::string>> phiOnAB() { return {{"phi", {"a", "b"}}}; }

TEST(ModelAffinityStrategy, UsesOnlyTheConfiguredNodes) {
  ModelAffinityStrategy s(phiOnAB(), FallbackKind::kLeastLoaded);
  std::vector<CandidateLoad> c{{"a", 0, 0, 4}, {"b", 0, 0, 4}, {"c", 0, 0, 100}};
  for (int i = 0; i < 10; ++i) {
    auto sel = s.select("phi", c);
    ASSERT_TRUE(sel.chosen);
    EXPECT_NE(*sel.chosen, 2u);
    EXPECT_EQ(sel.strategy, "model-affinity");
    ++c[*sel.chosen].inFlight;
    if (c[*sel.chosen].inFlight == 4) c[*sel.chosen].inFlight = 0;
  }
}

TEST(ModelAffinityStrategy, WaitsForABusyMemberRatherThanLeavingTheList) {
  ModelAffinityStrategy s(phiOnAB(), FallbackKind::kLeastLoaded);
  std::vector<CandidateLoad> c{{"a", 4, 0, 4}, {"c", 0, 0, 4}};
  auto sel = s.select("phi", c);
  EXPECT_FALSE(sel.chosen.has_value());
  EXPECT_EQ(sel.eligible, (std::vector<size_t>{0}));
}

TEST(ModelAffinityStrategy, FallsBackWhenNoMemberIsACandidate) {
  ModelAffinityStrategy s(phiOnAB(), FallbackKind::kLeastLoaded);
  std::vector<CandidateLoad> c{{"c", 1, 0, 4}, {"d", 0, 0, 4}};
  auto sel = s.select("phi", c);
  ASSERT_TRUE(sel.chosen);
  EXPECT_EQ(*sel.chosen, 1u);
  EXPECT_EQ(sel.strategy, "model-affinity/least-loaded");
}

TEST(ModelAffinityStrategy, FallbackNoneLeavesNoEligibleNode) {
  ModelAffinityStrategy s(phiOnAB(), FallbackKind::kNone);
  std::vector<CandidateLoad> c{{"c", 0, 0, 4}};
  auto sel = s.select("phi", c);
  EXPECT_FALSE(sel.chosen.has_value());
  EXPECT_TRUE(sel.eligible.empty());
  EXPECT_NE(sel.reason.find("fallback is none"), std::string::npos);
}

TEST(ModelAffinityStrategy, ModelsWithoutAffinityUseTheFallback) {
  ModelAffinityStrategy s(phiOnAB(), FallbackKind::kLeastLoaded);
  std::vector<CandidateLoad> c{{"a", 0, 0, 4}};
  auto sel = s.select("llama", c);
  ASSERT_TRUE(sel.chosen);
  EXPECT_NE(sel.reason.find("no affinity configured"), std::string::npos);
}

}  // namespace
}  // namespace npufleet::balancer
