// The router on a multi-threaded io_context, as in the control plane: admission limits, the
// bounded queue and the no-herd property of least-loaded hold when requests race each other.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio.hpp>
#include <thread>

#include "balancer/InferenceRouter.h"
#include "balancer/tests/RouterFakes.h"

namespace npufleet::balancer {
namespace {

using testing::Behaviour;
using testing::FakeFleet;
using testing::FakeWorkerClient;
using testing::node;

const std::string kBody = R"({"model":"phi","inputs":{}})";

class RouterConcurrencyTest : public ::testing::Test {
 protected:
  RouterConcurrencyTest()
      : guard(boost::asio::make_work_guard(io)), client(io.get_executor()), stats(clock, nullptr) {
    for (int i = 0; i < 4; ++i) threads.emplace_back([this] { io.run(); });
  }
  ~RouterConcurrencyTest() override {
    client.releaseAll();
    guard.reset();
    for (auto& t : threads) t.join();
  }

  // Routes `n` requests; each answer's status is recorded, -1 for an exception.
  void start(int n, const std::string& body = kBody) {
    for (int i = 0; i < n; ++i) {
      boost::asio::co_spawn(io, router->route(body),
                            [this](std::exception_ptr e, http::Response r) {
                              std::lock_guard lock(mu);
                              statuses.push_back(e ? -1 : r.status);
                              if (!e && r.status == 503) {
                                retry_after.emplace_back(r.headers.get("Retry-After"));
                              }
                            });
    }
  }
  // Bodies the workers received, in order.
  std::vector<std::string> bodies() {
    std::vector<std::string> out;
    for (const auto& r : client.requests()) out.push_back(r.body);
    return out;
  }
  // Waits (on real time, bounded) for a condition the io threads will make true.
  template <typename F>
  bool eventually(F f) {
    for (int i = 0; i < 5000; ++i) {
      if (f()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return f();
  }
  size_t done() {
    std::lock_guard lock(mu);
    return statuses.size();
  }

  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard;
  std::vector<std::thread> threads;
  FakeClock clock;
  FakeFleet fleet;
  FakeWorkerClient client;
  RoutingStats stats;
  std::unique_ptr<InferenceRouter> router;
  std::mutex mu;
  std::vector<int> statuses;
  std::vector<std::string> retry_after;
};

TEST_F(RouterConcurrencyTest, LeastLoadedFillsNodesInProportionWithoutAHerd) {
  fleet.set({node("small", {"phi"}, 2), node("big", {"phi"}, 6)});
  router = std::make_unique<InferenceRouter>(fleet, client, clock, stats);
  client.behave("small", Behaviour{200, http::ClientFailure::kNone, true});
  client.behave("big", Behaviour{200, http::ClientFailure::kNone, true});
  start(8);
  ASSERT_TRUE(eventually([&] { return client.totalInFlight() == 8; }));
  // Every request was counted at selection, so 8 racing requests land exactly on the capacity.
  EXPECT_EQ(client.inFlight("small"), 2);
  EXPECT_EQ(client.inFlight("big"), 6);
  client.release("small", 2);
  client.release("big", 6);
  ASSERT_TRUE(eventually([&] { return done() == 8; }));
  EXPECT_EQ(client.maxInFlight("small"), 2);
  EXPECT_EQ(client.maxInFlight("big"), 6);
}

TEST_F(RouterConcurrencyTest, ExcessWaitsInABoundedQueueThenIsRefusedWithRetryAfter) {
  fleet.set({node("a", {"phi"}, 2), node("b", {"phi"}, 2)});
  LoadBalancingConfig cfg;
  cfg.queueLimit = 3;
  cfg.queueTimeoutMs = 60'000;
  router = std::make_unique<InferenceRouter>(fleet, client, clock, stats, RouterOptions{}, cfg);
  client.behave("a", Behaviour{200, http::ClientFailure::kNone, true});
  client.behave("b", Behaviour{200, http::ClientFailure::kNone, true});
  start(9);  // 4 run, 3 wait, 2 refused
  ASSERT_TRUE(eventually([&] { return done() == 2 && router->queued() == 3; }));
  EXPECT_EQ(client.totalInFlight(), 4);
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(statuses, (std::vector<int>{503, 503}));
    EXPECT_EQ(retry_after, (std::vector<std::string>{"60", "60"}));
  }
  // Freeing slots admits the waiters, never more than maxConcurrent at once.
  for (int round = 0; round < 4; ++round) {
    client.release("a", 2);
    client.release("b", 2);
  }
  ASSERT_TRUE(eventually([&] { return done() == 9; }));
  EXPECT_EQ(client.maxInFlight("a"), 2);
  EXPECT_EQ(client.maxInFlight("b"), 2);
  std::lock_guard lock(mu);
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 200), 7);
}

TEST_F(RouterConcurrencyTest, AQueuedRequestGivesUpAtItsDeadline) {
  fleet.set({node("a", {"phi"}, 1)});
  LoadBalancingConfig cfg;
  cfg.queueLimit = 10;
  cfg.queueTimeoutMs = 50;  // the asio timer runs on real time
  router = std::make_unique<InferenceRouter>(fleet, client, clock, stats, RouterOptions{}, cfg);
  client.behave("a", Behaviour{200, http::ClientFailure::kNone, true});
  start(2);
  ASSERT_TRUE(eventually([&] { return done() == 1; }));
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(statuses.at(0), 503);
  }
  EXPECT_EQ(router->queued(), 0u);
  client.release("a", 1);
  ASSERT_TRUE(eventually([&] { return done() == 2; }));
  EXPECT_EQ(client.received("a"), 1);
}

// A slot freed on a node that may no longer take new requests is not handed to a waiter.
TEST_F(RouterConcurrencyTest, AQueuedRequestIsNotHandedADrainedOrEjectedNode) {
  for (const bool drain : {true, false}) {
    SCOPED_TRACE(drain ? "drained" : "ejected");
    fleet.set({node("a", {"phi"}, 1), node("b", {"phi"}, 1)});
    LoadBalancingConfig cfg;
    cfg.queueTimeoutMs = 60'000;
    router = std::make_unique<InferenceRouter>(fleet, client, clock, stats, RouterOptions{}, cfg);
    const int a_before = client.received("a");
    const int b_before = client.received("b");
    const size_t done_before = done();
    client.behave("a", Behaviour{200, http::ClientFailure::kNone, true});
    client.behave("b", Behaviour{200, http::ClientFailure::kNone, true});
    start(3);
    ASSERT_TRUE(eventually([&] { return client.totalInFlight() == 2 && router->queued() == 1; }));
    if (drain) {
      fleet.edit("a", [](RoutableNode& n) { n.draining = true; });
    } else {
      for (int i = 0; i < 5; ++i) router->outliers().recordFailure("a", {"a", "b"});
      ASSERT_TRUE(router->outliers().isEjected("a"));
    }
    client.release("a", 1);
    ASSERT_TRUE(eventually([&] { return done() == done_before + 1; }));
    EXPECT_EQ(router->queued(), 1u);  // a's slot went to nobody
    EXPECT_EQ(client.received("a"), a_before + 1);
    client.release("b", 1);
    ASSERT_TRUE(eventually([&] { return client.received("b") == b_before + 2; }));
    client.release("b", 1);
    ASSERT_TRUE(eventually([&] { return done() == done_before + 3; }));
    EXPECT_EQ(client.received("a"), a_before + 1);
  }
}

// A waiter refused a node that could not take requests gets it once the node can again,
// without a release to trigger it (here a probe readmits the ejected node).
TEST_F(RouterConcurrencyTest, AQueuedRequestTakesANodeThatBecameUsableAgain) {
  fleet.set({node("a", {"phi"}, 1), node("b", {"phi"}, 1)});
  LoadBalancingConfig cfg;
  cfg.queueTimeoutMs = 60'000;
  router = std::make_unique<InferenceRouter>(fleet, client, clock, stats, RouterOptions{}, cfg);
  client.behave("a", Behaviour{200, http::ClientFailure::kNone, true});
  client.behave("b", Behaviour{200, http::ClientFailure::kNone, true});
  start(3);
  ASSERT_TRUE(eventually([&] { return client.totalInFlight() == 2 && router->queued() == 1; }));
  for (int i = 0; i < 5; ++i) router->outliers().recordFailure("a", {"a", "b"});
  client.release("a", 1);
  ASSERT_TRUE(eventually([&] { return done() == 1; }));
  EXPECT_EQ(router->queued(), 1u);
  router->onProbeSuccess("a");
  // Within a recheck interval (250 ms), not at the queue's 60 s deadline.
  ASSERT_TRUE(eventually([&] { return client.received("a") == 2; }));
  client.release("a", 1);
  client.release("b", 1);
  ASSERT_TRUE(eventually([&] { return done() == 3; }));
}

// The failure that ejects a node is counted before its slot is freed, so the slot does not go
// to a waiter on the node just ejected.
TEST_F(RouterConcurrencyTest, TheFailureThatEjectsANodeDoesNotHandItsSlotToAWaiter) {
  fleet.set({node("a", {"phi"}, 1), node("b", {"phi"}, 1)});
  LoadBalancingConfig cfg;
  cfg.queueTimeoutMs = 60'000;
  cfg.maxRetries = 0;
  cfg.ejection.consecutiveFailures = 1;
  router = std::make_unique<InferenceRouter>(fleet, client, clock, stats, RouterOptions{}, cfg);
  client.behave("a", Behaviour{500, http::ClientFailure::kNone, true});
  client.behave("b", Behaviour{200, http::ClientFailure::kNone, true});
  start(3);
  ASSERT_TRUE(eventually([&] { return client.totalInFlight() == 2 && router->queued() == 1; }));
  client.release("a", 1);
  ASSERT_TRUE(eventually([&] { return done() == 1; }));
  EXPECT_TRUE(router->outliers().isEjected("a"));
  EXPECT_EQ(router->queued(), 1u);
  EXPECT_EQ(client.received("a"), 1);
  client.release("b", 2);
  ASSERT_TRUE(eventually([&] { return done() == 3; }));
  EXPECT_EQ(client.received("a"), 1);
  EXPECT_EQ(client.received("b"), 2);
}

TEST_F(RouterConcurrencyTest, AnExceptionBetweenAdmissionAndAnswerFreesTheSlot) {
  fleet.set({node("a", {"phi"}, 1)});
  LoadBalancingConfig cfg;
  cfg.queueTimeoutMs = 10'000;
  router = std::make_unique<InferenceRouter>(fleet, client, clock, stats, RouterOptions{}, cfg);
  client.behave("a", Behaviour{200, http::ClientFailure::kNone, false, true});
  start(1);
  ASSERT_TRUE(eventually([&] { return done() == 1; }));
  client.behave("a", Behaviour{});
  start(1);  // would wait 10 s for a slot that was never freed, then be refused
  ASSERT_TRUE(eventually([&] { return done() == 2; }));
  std::lock_guard lock(mu);
  EXPECT_EQ(statuses, (std::vector<int>{-1, 200}));
  EXPECT_EQ(router->queued(), 0u);
}

// Capacity that appears without a release (here a raised maxConcurrent) goes to the request
// that has waited longest, not to the one that arrives.
TEST_F(RouterConcurrencyTest, CapacityThatAppearsGoesToTheOldestWaiterFirst) {
  fleet.set({node("a", {"phi"}, 1)});
  LoadBalancingConfig cfg;
  cfg.queueTimeoutMs = 60'000;
  router = std::make_unique<InferenceRouter>(fleet, client, clock, stats, RouterOptions{}, cfg);
  client.behave("a", Behaviour{200, http::ClientFailure::kNone, true});
  const std::string first = R"({"model":"phi","n":1})";
  const std::string second = R"({"model":"phi","n":2})";
  const std::string third = R"({"model":"phi","n":3})";
  start(1, first);
  ASSERT_TRUE(eventually([&] { return client.inFlight("a") == 1; }));
  start(1, second);
  ASSERT_TRUE(eventually([&] { return router->queued() == 1; }));
  fleet.edit("a", [](RoutableNode& n) { n.maxConcurrent = 2; });
  start(1, third);
  ASSERT_TRUE(eventually([&] { return client.inFlight("a") == 2; }));
  EXPECT_EQ(bodies(), (std::vector<std::string>{first, second}));
  EXPECT_EQ(router->queued(), 1u);
  client.release("a", 3);
  ASSERT_TRUE(eventually([&] { return done() == 3; }));
  EXPECT_EQ(bodies(), (std::vector<std::string>{first, second, third}));
}

TEST_F(RouterConcurrencyTest, ManyRacingRequestsNeverExceedAnyNodesLimit) {
  fleet.set({node("a", {"phi"}, 3), node("b", {"phi"}, 1), node("c", {"phi"}, 5)});
  LoadBalancingConfig cfg;
  cfg.queueLimit = 1000;
  router = std::make_unique<InferenceRouter>(fleet, client, clock, stats, RouterOptions{}, cfg);
  start(400);  // answered at once: slots turn over while others are still selecting
  ASSERT_TRUE(eventually([&] { return done() == 400; }));
  EXPECT_LE(client.maxInFlight("a"), 3);
  EXPECT_LE(client.maxInFlight("b"), 1);
  EXPECT_LE(client.maxInFlight("c"), 5);
  std::lock_guard lock(mu);
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 200), 400);
}

}  // namespace
}  // namespace npufleet::balancer
