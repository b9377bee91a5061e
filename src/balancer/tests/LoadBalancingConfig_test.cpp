#include "balancer/LoadBalancingConfig.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace npufleet::balancer {
namespace {

namespace bj = boost::json;

std::vector<RoutableNode> fleet() {
  RoutableNode a;
  a.nodeId = "node-a";
  a.hasRole = true;
  RoutableNode b;
  b.nodeId = "node-b";
  b.hasRole = true;
  RoutableNode plain;
  plain.nodeId = "node-plain";
  plain.hasRole = false;
  return {a, b, plain};
}

Result<LoadBalancingConfig> parse(const char* text) {
  return parseLoadBalancingConfig(bj::parse(text));
}

TEST(LoadBalancingConfig, ParsesTheSeedBody) {
  auto c = parse(R"({"strategy":"model-affinity","modelAffinity":{"phi":["node-a","node-b"]}})");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->strategy, StrategyKind::kModelAffinity);
  EXPECT_EQ(c->modelAffinity.at("phi"), (std::vector<std::string>{"node-a", "node-b"}));
  EXPECT_EQ(c->fallback, FallbackKind::kLeastLoaded);
  EXPECT_EQ(c->maxRetries, 2);
  EXPECT_TRUE(validateLoadBalancingConfig(*c, fleet()).ok());
}

TEST(LoadBalancingConfig, UnknownStrategyNamesTheField) {
  auto c = parse(R"({"strategy":"random"})");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().field, "strategy");
  EXPECT_NE(c.error().message.find("random"), std::string::npos);
}

TEST(LoadBalancingConfig, UnknownNodeNamesItsIndex) {
  auto c = parse(R"({"strategy":"model-affinity","modelAffinity":{"phi":["node-a","node-x"]}})");
  ASSERT_TRUE(c.ok());
  auto s = validateLoadBalancingConfig(*c, fleet());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().field, "modelAffinity.phi[1]");
  EXPECT_EQ(s.error().code, ErrorCode::kBadRequest);
}

TEST(LoadBalancingConfig, NodeWithoutTheRoleIsRejected) {
  auto c = parse(R"({"modelAffinity":{"phi":["node-plain"]}})");
  ASSERT_TRUE(c.ok());
  auto s = validateLoadBalancingConfig(*c, fleet());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().field, "modelAffinity.phi[0]");
  EXPECT_NE(s.error().message.find("npu-worker"), std::string::npos);
}

TEST(LoadBalancingConfig, EmptyListIsRejected) {
  auto c = parse(R"({"modelAffinity":{"phi":[]}})");
  ASSERT_TRUE(c.ok());
  auto s = validateLoadBalancingConfig(*c, fleet());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().field, "modelAffinity.phi");
}

TEST(LoadBalancingConfig, ModelAffinityWithoutAnyModelIsRejected) {
  auto c = parse(R"({"strategy":"model-affinity"})");
  ASSERT_TRUE(c.ok());
  auto s = validateLoadBalancingConfig(*c, fleet());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().field, "modelAffinity");
}

TEST(LoadBalancingConfig, TypeAndRangeErrorsNameTheField) {
  EXPECT_EQ(parse(R"({"maxRetries":"two"})").error().field, "maxRetries");
  EXPECT_EQ(parse(R"({"maxRetries":11})").error().field, "maxRetries");
  EXPECT_EQ(parse(R"({"fallback":"random"})").error().field, "fallback");
  EXPECT_EQ(parse(R"({"modelAffinity":{"phi":[1]}})").error().field, "modelAffinity.phi[0]");
  EXPECT_EQ(parse(R"({"modelAffinity":{"phi":"node-a"}})").error().field, "modelAffinity.phi");
  EXPECT_EQ(parse(R"({"ejection":{"consecutiveFailures":0}})").error().field,
            "ejection.consecutiveFailures");
  EXPECT_EQ(parse(R"({"colour":"red"})").error().code, ErrorCode::kBadRequest);
}

TEST(LoadBalancingConfig, LeftOutFieldsKeepTheCurrentValues) {
  LoadBalancingConfig base;
  base.maxRetries = 5;
  base.queueLimit = 7;
  auto c = parseLoadBalancingConfig(bj::parse(R"({"strategy":"round-robin","queueLimit":9})"), base);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->strategy, StrategyKind::kRoundRobin);
  EXPECT_EQ(c->maxRetries, 5);
  EXPECT_EQ(c->queueLimit, 9);
}

TEST(LoadBalancingConfig, JsonRoundTrips) {
  LoadBalancingConfig c;
  c.strategy = StrategyKind::kModelAffinity;
  c.modelAffinity["phi"] = {"node-b"};
  c.fallback = FallbackKind::kNone;
  c.ejection.baseEjection = std::chrono::milliseconds(1234);
  auto back = parseLoadBalancingConfig(toJson(c));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, c);
}

}  // namespace
}  // namespace npufleet::balancer
