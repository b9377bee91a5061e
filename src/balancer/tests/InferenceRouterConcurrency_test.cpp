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
    guard.reset();
    for (auto& t : threads) t.join();
  }

  void start(int n) {
    for (int i = 0; i < n; ++i) {
      boost::asio::co_spawn(io, router->route(kBody), [this](std::exception_ptr, http::Response r) {
        std::lock_guard lock(mu);
        statuses.push_back(r.status);
        if (r.status == 503) retry_after.emplace_back(r.headers.get("Retry-After"));
      });
    }
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
