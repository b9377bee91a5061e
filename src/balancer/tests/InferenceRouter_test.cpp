#include "balancer/InferenceRouter.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/json.hpp>

#include "balancer/tests/RouterFakes.h"

namespace npufleet::balancer {
namespace {

using testing::Behaviour;
using testing::FakeFleet;
using testing::FakeWorkerClient;
using testing::node;

const std::string kBody = R"({"model":"phi","inputs":{}})";

class InferenceRouterTest : public ::testing::Test {
 protected:
  InferenceRouterTest() : client(io.get_executor()), stats(clock, nullptr) {}

  InferenceRouter& router(LoadBalancingConfig cfg = {}) {
    router_ = std::make_unique<InferenceRouter>(fleet, client, clock, stats, RouterOptions{}, cfg);
    return *router_;
  }

  http::Response send(const std::string& body = kBody) {
    http::Response out;
    boost::asio::co_spawn(io, router_->route(body), [&](std::exception_ptr e, http::Response r) {
      if (e) std::rethrow_exception(e);
      out = std::move(r);
    });
    io.restart();
    io.run();
    return out;
  }

  // Nodes a and b, round-robin; a answers 500 until it is ejected (5 failures in a row, its
  // requests retried on b). True when a is ejected.
  bool ejectOneOfTwo() {
    fleet.set({node("a", {"phi"}), node("b", {"phi"})});
    router(strategy(StrategyKind::kRoundRobin));
    client.behave("a", Behaviour{500});
    for (int i = 0; i < 10; ++i) send();
    return router_->outliers().isEjected("a");
  }

  static LoadBalancingConfig strategy(StrategyKind k) {
    LoadBalancingConfig c;
    c.strategy = k;
    return c;
  }

  boost::asio::io_context io;
  FakeClock clock;
  FakeFleet fleet;
  FakeWorkerClient client;
  RoutingStats stats;
  std::unique_ptr<InferenceRouter> router_;
};

TEST_F(InferenceRouterTest, RoundRobinSplitsTenRequestsFiveFive) {
  fleet.set({node("a", {"phi"}), node("b", {"phi"})});
  router(strategy(StrategyKind::kRoundRobin));
  for (int i = 0; i < 10; ++i) EXPECT_EQ(send().status, 200);
  EXPECT_EQ(client.received("a"), 5);
  EXPECT_EQ(client.received("b"), 5);
}

TEST_F(InferenceRouterTest, AnswersCarryTheNodeAndTheStrategy) {
  fleet.set({node("a", {"phi"})});
  router(strategy(StrategyKind::kRoundRobin));
  auto r = send();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.get("X-Npufleet-Node"), "a");
  EXPECT_EQ(r.headers.get("X-Npufleet-Strategy"), "round-robin");
  EXPECT_EQ(r.body, R"({"worker":"a"})");
  auto reqs = client.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].target, "/inference");
  EXPECT_EQ(reqs[0].body, kBody);
}

TEST_F(InferenceRouterTest, OnlyRoleHoldingOnlineUndrainedNodesWithTheModelAreCandidates) {
  auto no_role = node("norole", {"phi"});
  no_role.hasRole = false;
  auto drained = node("drained", {"phi"});
  drained.draining = true;
  fleet.set({no_role, drained, node("off", {"phi"}, 4, NodeHealth::kOffline),
             node("other", {"llama"}), node("deg", {"phi"}, 4, NodeHealth::kDegraded),
             node("good", {"phi"})});
  router(strategy(StrategyKind::kRoundRobin));
  for (int i = 0; i < 4; ++i) EXPECT_EQ(send().headers.get("X-Npufleet-Node"), "good");
}

TEST_F(InferenceRouterTest, DegradedNodesServeOnlyWhenNothingElseCan) {
  fleet.set({node("deg", {"phi"}, 4, NodeHealth::kDegraded),
             node("off", {"phi"}, 4, NodeHealth::kOffline)});
  router();
  EXPECT_EQ(send().headers.get("X-Npufleet-Node"), "deg");
}

TEST_F(InferenceRouterTest, UnknownModelIs404SayingWhereModelsAre) {
  fleet.set({node("a", {"phi"}), node("b", {"llama", "phi"})});
  router();
  auto r = send(R"({"model":"gpt","inputs":{}})");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("gpt"), std::string::npos);
  EXPECT_NE(r.body.find("phi on a, b"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("llama on b"), std::string::npos);
}

TEST_F(InferenceRouterTest, NoCandidateIs503SayingWhy) {
  fleet.set({node("a", {"phi"}, 4, NodeHealth::kOffline), node("b", {"phi"}, 4, NodeHealth::kOffline)});
  router();
  auto r = send();
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("all 2 nodes serving 'phi' are offline"), std::string::npos) << r.body;

  fleet.set({node("a", {"phi"}), node("b", {"phi"})});
  fleet.edit("a", [](RoutableNode& n) { n.draining = true; });
  fleet.edit("b", [](RoutableNode& n) { n.draining = true; });
  r = send();
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("draining"), std::string::npos) << r.body;
}

TEST_F(InferenceRouterTest, MissingModelIs400NamingTheField) {
  fleet.set({node("a", {"phi"})});
  router();
  auto r = send(R"({"inputs":{}})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("model"), std::string::npos);
  EXPECT_EQ(send("not json").status, 400);
}

TEST_F(InferenceRouterTest, FailsOverOnConnectErrorResetTimeoutAnd5xx) {
  for (auto failing : {Behaviour{200, http::ClientFailure::kConnectRefused},
                       Behaviour{200, http::ClientFailure::kReset},
                       Behaviour{200, http::ClientFailure::kTimeout}, Behaviour{503}}) {
    FakeWorkerClient fresh(io.get_executor());
    fleet.set({node("a", {"phi"}), node("b", {"phi"})});
    InferenceRouter r(fleet, fresh, clock, stats, {}, strategy(StrategyKind::kRoundRobin));
    fresh.behave("a", failing);
    router_.reset();
    for (int i = 0; i < 4; ++i) {
      http::Response out;
      boost::asio::co_spawn(io, r.route(kBody), [&](std::exception_ptr, http::Response x) { out = x; });
      io.restart();
      io.run();
      EXPECT_EQ(out.status, 200);
      EXPECT_EQ(out.headers.get("X-Npufleet-Node"), "b");
    }
    EXPECT_EQ(fresh.received("a"), 2);  // every other request started on a, then moved to b
  }
}

TEST_F(InferenceRouterTest, ClientErrorsAreNotRetried) {
  fleet.set({node("a", {"phi"}), node("b", {"phi"})});
  router(strategy(StrategyKind::kRoundRobin));
  client.behave("a", Behaviour{422});
  auto r = send();
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(client.received("b"), 0);
}

NodeRoutingStats figuresOf(const RoutingStats& stats, const std::string& id) {
  for (const auto& n : stats.nodes()) {
    if (n.nodeId == id) return n;
  }
  return {};
}

// A node whose worker lists its loaded models, with `loaded` among them.
RoutableNode withLoaded(RoutableNode n, std::vector<std::string> loaded) {
  n.loadedKnown = true;
  n.loadedModels = std::move(loaded);
  return n;
}

// Issue 21: a worker restarted without preloading answered 409 "not loaded" and the client got
// it while another node had the model loaded; the node's figures said 0 failures, 0 retries.
TEST_F(InferenceRouterTest, AWorkersNotLoadedAnswerIsRetriedOnAnotherNodeAndCounted) {
  fleet.set({node("a", {"phi"}), node("b", {"phi"})});
  router(strategy(StrategyKind::kRoundRobin));
  client.behave("a", Behaviour{409});
  for (int i = 0; i < 10; ++i) {
    auto r = send();
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers.get("X-Npufleet-Node"), "b");
  }
  EXPECT_EQ(client.received("a"), 5);
  EXPECT_EQ(figuresOf(stats, "a").failures, 5);
  EXPECT_EQ(figuresOf(stats, "b").retries, 5);
  // "Not loaded" is about one model, not the node's health: no ejection.
  EXPECT_FALSE(router_->outliers().isEjected("a"));
}

TEST_F(InferenceRouterTest, EveryWorkerAnsweringNotLoadedPassesTheLastOneOn) {
  fleet.set({node("a", {"phi"}), node("b", {"phi"})});
  router(strategy(StrategyKind::kRoundRobin));
  client.behave("a", Behaviour{409});
  client.behave("b", Behaviour{409});
  auto r = send();
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(client.received("a") + client.received("b"), 2);
}

TEST_F(InferenceRouterTest, ANodeWithoutTheModelLoadedIsNotChosen) {
  fleet.set({withLoaded(node("a", {"phi"}), {}), withLoaded(node("b", {"phi"}), {"phi"})});
  router(strategy(StrategyKind::kRoundRobin));
  for (int i = 0; i < 4; ++i) EXPECT_EQ(send().headers.get("X-Npufleet-Node"), "b");
  EXPECT_EQ(client.received("a"), 0);
}

TEST_F(InferenceRouterTest, ANodeThatLoadsOnDemandOrDoesNotListLoadedModelsIsChosen) {
  RoutableNode on_demand = withLoaded(node("a", {"phi"}), {});
  on_demand.loadsOnDemand = true;
  fleet.set({on_demand, node("b", {"phi"})});  // b's dialect names no loaded models
  router(strategy(StrategyKind::kRoundRobin));
  for (int i = 0; i < 4; ++i) EXPECT_EQ(send().status, 200);
  EXPECT_EQ(client.received("a"), 2);
  EXPECT_EQ(client.received("b"), 2);
}

TEST_F(InferenceRouterTest, AModelLoadedNowhereIs409SayingHowToLoadIt) {
  fleet.set({withLoaded(node("a", {"phi"}), {"other"}), withLoaded(node("b", {"phi"}), {})});
  router(strategy(StrategyKind::kRoundRobin));
  auto r = send();
  EXPECT_EQ(r.status, 409);
  EXPECT_NE(r.body.find("not loaded on any node"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("/npu/models/phi/load"), std::string::npos) << r.body;
  EXPECT_EQ(client.received("a") + client.received("b"), 0);
}

TEST_F(InferenceRouterTest, GivesUpAfterMaxRetriesWithTheLastFailure) {
  fleet.set({node("a", {"phi"}), node("b", {"phi"}), node("c", {"phi"}), node("d", {"phi"})});
  auto cfg = strategy(StrategyKind::kRoundRobin);
  cfg.maxRetries = 2;
  router(cfg);
  for (auto id : {"a", "b", "c", "d"}) client.behave(id, Behaviour{200, http::ClientFailure::kConnectRefused});
  auto r = send();
  EXPECT_EQ(r.status, 502);
  EXPECT_NE(r.body.find("3 node(s) tried"), std::string::npos) << r.body;
  EXPECT_EQ(client.received("d"), 0);
}

TEST_F(InferenceRouterTest, FailuresAreLoggedWithWhatTheClientSaw) {
  fleet.set({node("a", {"phi"}), node("b", {"phi"})});
  router(strategy(StrategyKind::kRoundRobin));
  client.behave("a", Behaviour{409});
  ASSERT_EQ(send().status, 200);  // a: 409, retried on b
  auto log = stats.failures();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].nodeId, "a");
  EXPECT_EQ(log[0].status, 409);
  EXPECT_TRUE(log[0].retried);
  EXPECT_FALSE(log[0].clientStatus);

  client.behave("b", Behaviour{200, http::ClientFailure::kConnectRefused});
  auto failed = send();
  ASSERT_NE(failed.status, 200);  // a's 409 or a gateway error, by which node came last
  log = stats.failures();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_TRUE(log[1].retried);
  EXPECT_FALSE(log[2].retried);
  EXPECT_EQ(log[2].clientStatus, failed.status);

  auto refused = send(R"({"model":"nope","inputs":{}})");
  ASSERT_EQ(refused.status, 404);
  log = stats.failures();
  ASSERT_EQ(log.size(), 4u);
  EXPECT_EQ(log[3].nodeId, "");
  EXPECT_EQ(log[3].status, 404);
  EXPECT_EQ(log[3].clientStatus, 404);
  auto json = router_->statsJson();
  EXPECT_EQ(json.at("failures").as_array().size(), 4u);
  EXPECT_TRUE(json.at("failures").as_array()[3].at("nodeId").is_null());
}

TEST_F(InferenceRouterTest, AHungWorkerIsEjectedAfterFiveTimeouts) {
  fleet.set({node("a", {"phi"}), node("b", {"phi"})});
  router(strategy(StrategyKind::kRoundRobin));
  client.behave("a", Behaviour{200, http::ClientFailure::kTimeout});
  for (int i = 0; i < 10; ++i) EXPECT_EQ(send().status, 200);
  EXPECT_EQ(client.received("a"), 5);
  EXPECT_TRUE(router_->outliers().isEjected("a"));
  for (int i = 0; i < 4; ++i) send();
  EXPECT_EQ(client.received("a"), 5);  // no traffic while ejected
  auto stats_json = router_->statsJson().as_object();
  bool seen = false;
  for (const auto& n : stats_json.at("nodes").as_array()) {
    if (n.at("nodeId") == "a") {
      seen = true;
      EXPECT_EQ(n.at("ejections").as_int64(), 1);
      EXPECT_EQ(n.at("failures").as_int64(), 5);
      EXPECT_TRUE(n.at("ejected").as_bool());
    }
  }
  EXPECT_TRUE(seen);
  clock.advance(std::chrono::seconds(30));
  client.behave("a", Behaviour{});
  send();
  send();
  EXPECT_EQ(client.received("a"), 6);  // back after its 30 s
}

TEST_F(InferenceRouterTest, ProbeSuccessReadmitsAnEjectedNode) {
  ASSERT_TRUE(ejectOneOfTwo());
  client.behave("a", Behaviour{});
  router_->onProbeSuccess("a");
  send();
  send();
  EXPECT_EQ(client.received("a"), 6);
}

TEST_F(InferenceRouterTest, ANodeRemovedFromTheFleetLeavesNoFiguresBehind) {
  ASSERT_TRUE(ejectOneOfTwo());
  fleet.set({node("b", {"phi"})});
  router_->forgetNode("a");
  EXPECT_FALSE(router_->outliers().isEjected("a"));
  for (const auto& n : router_->stats().nodes()) EXPECT_NE(n.nodeId, "a");
  EXPECT_EQ(send().status, 200);
}

TEST_F(InferenceRouterTest, ADeletedNodeGetsNothingFromASnapshotTakenBefore) {
  fleet.set({node("a", {"phi"}), node("b", {"phi"})});  // still lists a: the view lags
  router(strategy(StrategyKind::kRoundRobin));
  router_->forgetNode("a");
  for (int i = 0; i < 4; ++i) EXPECT_EQ(send().status, 200);
  EXPECT_EQ(client.received("a"), 0);
  EXPECT_EQ(client.received("b"), 4);
  for (const auto& n : router_->stats().nodes()) EXPECT_NE(n.nodeId, "a");
}

TEST_F(InferenceRouterTest, AllCandidatesEjectedIs503) {
  ASSERT_TRUE(ejectOneOfTwo());
  fleet.edit("b", [](RoutableNode& n) { n.status = NodeHealth::kOffline; });
  auto r = send();
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("1 offline"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("1 ejected"), std::string::npos) << r.body;
}

TEST_F(InferenceRouterTest, ModelAffinityStaysOnItsListThenFallsBack) {
  fleet.set({node("a", {"phi"}), node("b", {"phi"}), node("c", {"phi"})});
  auto cfg = strategy(StrategyKind::kModelAffinity);
  cfg.modelAffinity["phi"] = {"a", "b"};
  router(cfg);
  for (int i = 0; i < 6; ++i) EXPECT_NE(send().headers.get("X-Npufleet-Node"), "c");
  fleet.edit("a", [](RoutableNode& n) { n.status = NodeHealth::kOffline; });
  for (int i = 0; i < 3; ++i) EXPECT_EQ(send().headers.get("X-Npufleet-Node"), "b");
  fleet.edit("b", [](RoutableNode& n) { n.draining = true; });
  auto r = send();
  EXPECT_EQ(r.headers.get("X-Npufleet-Node"), "c");
  EXPECT_EQ(r.headers.get("X-Npufleet-Strategy"), "model-affinity/least-loaded");
}

TEST_F(InferenceRouterTest, AffinityWithFallbackNoneIs503WhenTheListIsDown) {
  fleet.set({node("a", {"phi"}, 4, NodeHealth::kOffline), node("c", {"phi"})});
  auto cfg = strategy(StrategyKind::kModelAffinity);
  cfg.modelAffinity["phi"] = {"a"};
  cfg.fallback = FallbackKind::kNone;
  router(cfg);
  auto r = send();
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("fallback is none"), std::string::npos) << r.body;
  EXPECT_EQ(client.received("c"), 0);
}

TEST_F(InferenceRouterTest, LeastLoadedPrefersTheShorterReportedQueue) {
  fleet.set({node("a", {"phi"}), node("b", {"phi"})});
  fleet.edit("a", [](RoutableNode& n) { n.queueDepth = 3; });
  router(strategy(StrategyKind::kLeastLoaded));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(send().headers.get("X-Npufleet-Node"), "b");
}

TEST_F(InferenceRouterTest, AConfigChangeAppliesToTheNextRequest) {
  fleet.set({node("a", {"phi"}), node("b", {"phi"})});
  router(strategy(StrategyKind::kRoundRobin));
  EXPECT_EQ(send().headers.get("X-Npufleet-Strategy"), "round-robin");
  auto cfg = strategy(StrategyKind::kModelAffinity);
  cfg.modelAffinity["phi"] = {"b"};
  router_->applyConfig(cfg);
  for (int i = 0; i < 3; ++i) {
    auto r = send();
    EXPECT_EQ(r.headers.get("X-Npufleet-Strategy"), "model-affinity");
    EXPECT_EQ(r.headers.get("X-Npufleet-Node"), "b");
  }
}

TEST_F(InferenceRouterTest, DecisionsCarryReasons) {
  fleet.set({node("a", {"phi"}), node("b", {"phi"})});
  router(strategy(StrategyKind::kRoundRobin));
  client.behave("a", Behaviour{500});
  send();
  auto d = stats.decisions();
  ASSERT_GE(d.size(), 2u);
  EXPECT_EQ(d.back().nodeId, "b");
  EXPECT_NE(d.back().reason.find("retry 1 after a answered HTTP 500"), std::string::npos)
      << d.back().reason;
  auto j = router_->statsJson();
  EXPECT_TRUE(j.at("decisions").as_array().back().at("at").is_string());
}

}  // namespace
}  // namespace npufleet::balancer
