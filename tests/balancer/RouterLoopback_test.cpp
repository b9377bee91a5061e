// The inference router over real sockets: two or three HTTP servers on 127.0.0.1:0 answer
// /inference like workers (one can be stopped or made to hang), the router reaches them with the
// pooled http::Client. Pins down what a client of the control plane would see.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <future>
#include <mutex>
#include <thread>

#include "balancer/InferenceRouter.h"
#include "balancer/tests/RouterFakes.h"
#include "http/Client.h"
#include "http/Server.h"

namespace npufleet::balancer {
namespace {

namespace asio = boost::asio;

// The unsigned pooled client: loopback workers here do not verify signatures.
class PlainWorkerClient final : public WorkerClient {
 public:
  explicit PlainWorkerClient(asio::any_io_executor ex) : client_(std::move(ex)) {}
  asio::awaitable<http::ClientResult> send(http::ClientRequest r) override {
    co_return co_await client_.send(std::move(r));
  }

 private:
  http::Client client_;
};

struct LoopbackWorker {
  LoopbackWorker(asio::io_context& io, std::string name) : name(std::move(name)) {
    router.add("POST", "/inference", [this, &io](http::Request& req) -> asio::awaitable<http::Response> {
      ++served;
      if (hang.load()) {
        asio::steady_timer t(io, std::chrono::seconds(5));
        co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
      }
      auto body = boost::json::parse(req.body).as_object();
      co_return http::Response::json(200, boost::json::object{{"worker", this->name},
                                                              {"model", body.at("model")}});
    });
    http::ServerOptions o;
    o.listen = "127.0.0.1:0";
    server = std::make_unique<http::Server>(io, router, o, nullptr);
    auto bound = server->start();
    EXPECT_TRUE(bound.ok());
    port = bound->port;
  }
  void stop() {
    if (stopped.exchange(true)) return;
    std::promise<void> done;
    server->shutdown(std::chrono::milliseconds(0), [&] { done.set_value(); });
    done.get_future().wait_for(std::chrono::seconds(5));
  }

  std::string name;
  http::Router router;
  std::unique_ptr<http::Server> server;
  uint16_t port = 0;
  std::atomic<int> served{0};
  std::atomic<bool> hang{false};
  std::atomic<bool> stopped{false};
};

class RouterLoopbackTest : public ::testing::Test {
 protected:
  RouterLoopbackTest()
      : guard(asio::make_work_guard(io)), client(io.get_executor()), stats(SystemClock::instance(), nullptr) {
    for (int i = 0; i < 2; ++i) threads.emplace_back([this] { io.run(); });
  }
  ~RouterLoopbackTest() override {
    for (auto& w : workers) w->stop();
    guard.reset();
    io.stop();
    for (auto& t : threads) t.join();
  }

  LoopbackWorker& addWorker(const std::string& name, int max_concurrent = 4) {
    workers.push_back(std::make_unique<LoopbackWorker>(io, name));
    RoutableNode n;
    n.nodeId = name;
    n.ip = "127.0.0.1";
    n.port = workers.back()->port;
    n.status = NodeHealth::kOnline;
    n.hasRole = true;
    n.models = {"phi"};
    n.maxConcurrent = max_concurrent;
    nodes.push_back(n);
    fleet.set(nodes);
    return *workers.back();
  }

  void makeRouter(LoadBalancingConfig cfg) {
    RouterOptions o;
    o.connectTimeout = std::chrono::milliseconds(500);
    router = std::make_unique<InferenceRouter>(fleet, client, SystemClock::instance(), stats, o, cfg);
  }

  http::Response infer() {
    return asio::co_spawn(io, router->route(R"({"model":"phi","inputs":{}})"), asio::use_future).get();
  }

  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> guard;
  std::vector<std::thread> threads;
  std::vector<std::unique_ptr<LoopbackWorker>> workers;
  std::vector<RoutableNode> nodes;
  balancer::testing::FakeFleet fleet;
  PlainWorkerClient client;
  RoutingStats stats;
  std::unique_ptr<InferenceRouter> router;
};

TEST_F(RouterLoopbackTest, RoundRobinSplitsTenRequestsFiveFiveOverTwoWorkers) {
  auto& a = addWorker("node-a");
  auto& b = addWorker("node-b");
  LoadBalancingConfig cfg;
  cfg.strategy = StrategyKind::kRoundRobin;
  makeRouter(cfg);
  for (int i = 0; i < 10; ++i) {
    auto r = infer();
    ASSERT_EQ(r.status, 200) << r.body;
    auto body = boost::json::parse(r.body);
    EXPECT_EQ(body.at("worker").as_string(), r.headers.get("X-Npufleet-Node"));
  }
  EXPECT_EQ(a.served.load(), 5);
  EXPECT_EQ(b.served.load(), 5);
}

TEST_F(RouterLoopbackTest, AWorkerKilledMidRunCausesNoClientVisibleFailure) {
  auto& a = addWorker("node-a");
  auto& b = addWorker("node-b");
  addWorker("node-c");
  LoadBalancingConfig cfg;
  cfg.strategy = StrategyKind::kRoundRobin;
  makeRouter(cfg);
  for (int i = 0; i < 30; ++i) {
    if (i == 10) b.stop();  // its pooled connections die and its port refuses
    auto r = infer();
    EXPECT_EQ(r.status, 200) << "request " << i << ": " << r.body;
  }
  EXPECT_GT(a.served.load(), 10);
  auto s = router->statsJson();
  int64_t failures = 0;
  for (const auto& n : s.at("nodes").as_array()) failures += n.at("failures").as_int64();
  EXPECT_GE(failures, 1);  // the router saw it and retried
}

TEST_F(RouterLoopbackTest, AHungWorkerIsEjected) {
  addWorker("node-a");
  auto& hung = addWorker("node-b");
  hung.hang = true;
  LoadBalancingConfig cfg;
  cfg.strategy = StrategyKind::kRoundRobin;
  cfg.requestTimeoutMs = 200;
  makeRouter(cfg);
  for (int i = 0; i < 14; ++i) {
    auto r = infer();
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers.get("X-Npufleet-Node"), "node-a");
  }
  EXPECT_TRUE(router->outliers().isEjected("node-b"));
  EXPECT_EQ(hung.served.load(), 5);  // five timeouts, then no more traffic
}

TEST_F(RouterLoopbackTest, AConfigChangeAppliesToTheNextRequest) {
  addWorker("node-a");
  auto& b = addWorker("node-b");
  LoadBalancingConfig cfg;
  cfg.strategy = StrategyKind::kRoundRobin;
  makeRouter(cfg);
  infer();
  cfg.strategy = StrategyKind::kModelAffinity;
  cfg.modelAffinity["phi"] = {"node-b"};
  router->applyConfig(cfg);
  const int before = b.served.load();
  for (int i = 0; i < 4; ++i) EXPECT_EQ(infer().headers.get("X-Npufleet-Node"), "node-b");
  EXPECT_EQ(b.served.load(), before + 4);
}

}  // namespace
}  // namespace npufleet::balancer
