#include "balancer/RoutingStats.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace npufleet::balancer {
namespace {

TEST(RoutingStats, CountsPerNode) {
  FakeClock clock;
  RoutingStats s(clock, nullptr);
  s.onRouted("a", false);
  s.onRouted("a", true);
  EXPECT_EQ(s.nodes().at(0).inFlight, 2);
  s.onFinished("a", true, std::chrono::milliseconds(10));
  s.onFinished("a", false, std::chrono::milliseconds(10));
  s.onEjected("a", "5 consecutive failures");
  auto n = s.nodes().at(0);
  EXPECT_EQ(n.routed, 2);
  EXPECT_EQ(n.retries, 1);
  EXPECT_EQ(n.failures, 1);
  EXPECT_EQ(n.inFlight, 0);
  EXPECT_EQ(n.ejections, 1);
}

TEST(RoutingStats, LatencyPercentilesComeFromSuccessfulAnswers) {
  FakeClock clock;
  RoutingStats s(clock, nullptr);
  for (int ms = 1; ms <= 100; ++ms) {
    s.onRouted("a", false);
    s.onFinished("a", true, std::chrono::milliseconds(ms));
  }
  auto n = s.nodes().at(0);
  EXPECT_NEAR(n.p50Ms, 50.5, 1.0);
  EXPECT_NEAR(n.p95Ms, 95, 1.0);
}

TEST(RoutingStats, AnIntervalHandsOverWhatFinishedInItAndStartsTheNext) {
  FakeClock clock;
  RoutingStats s(clock, nullptr);
  s.takeInterval();
  for (int i = 0; i < 4; ++i) {
    s.onRouted("a", false);
    s.onFinished("a", i != 3, std::chrono::milliseconds(10 * (i + 1)));
  }
  s.onRouted("a", false);  // still in flight
  s.onRefused("no_candidate");
  clock.advance(std::chrono::seconds(2));
  auto first = s.takeInterval();
  EXPECT_EQ(first.length, std::chrono::seconds(2));
  EXPECT_EQ(first.refused, 1);
  ASSERT_EQ(first.nodes.size(), 1u);
  EXPECT_EQ(first.nodes[0].succeeded, 3);
  EXPECT_EQ(first.nodes[0].failed, 1);
  EXPECT_EQ(first.nodes[0].inFlight, 1);
  EXPECT_EQ(first.nodes[0].latency_ms, (std::vector<double>{10, 20, 30}));
  EXPECT_DOUBLE_EQ(s.nodes().at(0).requestsPerSec, 2.0);

  clock.advance(std::chrono::seconds(1));
  auto second = s.takeInterval();
  EXPECT_EQ(second.refused, 0);
  EXPECT_EQ(second.nodes[0].succeeded + second.nodes[0].failed, 0);
  EXPECT_TRUE(second.nodes[0].latency_ms.empty());
  EXPECT_DOUBLE_EQ(s.nodes().at(0).requestsPerSec, 0.0);
}

TEST(RoutingStats, KeepsTheLastHundredFailuresAndTellsTheEjectionListener) {
  FakeClock clock;
  RoutingStats s(clock, nullptr);
  std::vector<std::string> ejected;
  s.setEjectionListener([&](const std::string& node, const std::string& why) {
    ejected.push_back(node + ": " + why);
  });
  s.onEjected("b", "3 timeouts");
  EXPECT_EQ(ejected, (std::vector<std::string>{"b: 3 timeouts"}));
  for (int i = 0; i < 105; ++i) {
    s.recordFailures({{{}, "m", "a", 500, "failure " + std::to_string(i), true, std::nullopt}});
  }
  auto f = s.failures();
  ASSERT_EQ(f.size(), RoutingStats::kFailureLimit);
  EXPECT_EQ(f.front().reason, "failure 5");
  EXPECT_EQ(f.back().reason, "failure 104");
  EXPECT_EQ(f.back().at, clock.now());
}

TEST(RoutingStats, KeepsTheLastHundredDecisions) {
  FakeClock clock;
  RoutingStats s(clock, nullptr);
  for (int i = 0; i < 150; ++i) s.recordDecision({{}, "m", "a", "rr", std::to_string(i)}, true);
  auto d = s.decisions();
  ASSERT_EQ(d.size(), 100u);
  EXPECT_EQ(d.front().reason, "50");
  EXPECT_EQ(d.back().reason, "149");
}

TEST(RoutingStats, SamplesOrdinaryDecisionsButKeepsNotableOnes) {
  FakeClock clock;
  RoutingStats s(clock, nullptr);
  for (int i = 0; i < 5; ++i) s.recordDecision({{}, "m", "a", "rr", "ordinary"}, false);
  s.recordDecision({{}, "m", "b", "rr", "retry"}, true);
  EXPECT_EQ(s.decisions().size(), 2u);  // one ordinary in the same 10 ms, and the retry
  clock.advance(std::chrono::milliseconds(10));
  s.recordDecision({{}, "m", "a", "rr", "ordinary"}, false);
  EXPECT_EQ(s.decisions().size(), 3u);
}

TEST(RoutingStats, ExportsPrometheusSeries) {
  FakeClock clock;
  auto registry = std::make_shared<prometheus::Registry>();
  RoutingStats s(clock, registry);
  s.onRouted("node-a", false);
  s.onFinished("node-a", true, std::chrono::milliseconds(3));
  std::string text = prometheus::TextSerializer().Serialize(registry->Collect());
  EXPECT_NE(text.find("npufleet_router_routed_total{node=\"node-a\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("npufleet_router_upstream_latency_seconds_count{node=\"node-a\"} 1"),
            std::string::npos);
}

TEST(RoutingStats, AForgottenNodeLeavesTheFiguresAndTheSeries) {
  FakeClock clock;
  auto registry = std::make_shared<prometheus::Registry>();
  RoutingStats s(clock, registry);
  s.onRouted("node-a", false);
  s.onRouted("node-b", false);
  s.forget("node-a");
  s.onFinished("node-a", true, std::chrono::milliseconds(3));  // was in flight: not counted
  ASSERT_EQ(s.nodes().size(), 1u);
  EXPECT_EQ(s.nodes()[0].nodeId, "node-b");
  std::string text = prometheus::TextSerializer().Serialize(registry->Collect());
  EXPECT_EQ(text.find("node-a"), std::string::npos) << text;
  EXPECT_NE(text.find("npufleet_router_routed_total{node=\"node-b\"} 1"), std::string::npos);
}

}  // namespace
}  // namespace npufleet::balancer
