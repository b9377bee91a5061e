// One HealthMonitor sweep over 1,000 worker endpoints spread over 127.1.x.y loopback addresses,
// 10% of them hung (accept, never answer), with the default [npu] settings (concurrency 64,
// probe timeout 1.5 s, slot released after 1 s). Reports the sweep time (every healthy worker
// answered, every hung one given up its slot) and the time until every probe had an outcome.
// The DESIGN.md target: a full sweep within one 2 s interval.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <map>
#include <thread>

#include "auth/ServiceHttpClient.h"
#include "http/Server.h"
#include "npu/HealthMonitor.h"

namespace {

namespace asio = boost::asio;
using namespace npufleet;
using namespace std::chrono_literals;

constexpr int kWorkers = 1000;
constexpr int kHungEvery = 10;

class MemoryNodes final : public fleet::NodeRepository {
 public:
  std::map<std::string, fleet::Node> nodes;
  std::mutex mu;
  Result<fleet::NodePage> list(const fleet::NodeFilter&) override { return fleet::NodePage{}; }
  Result<std::vector<fleet::Node>> listWithRole(const std::string&) override {
    std::vector<fleet::Node> out;
    for (auto& [id, n] : nodes) out.push_back(n);
    return out;
  }
  Result<fleet::Node> get(const std::string& id) override {
    std::lock_guard lock(mu);
    auto it = nodes.find(id);
    if (it == nodes.end()) return Error::notFound(id);
    return it->second;
  }
  Result<fleet::Node> insert(const fleet::Node& n) override { return n; }
  Result<fleet::Node> update(const fleet::Node& n) override { return n; }
  Status remove(const std::string&) override { return okStatus(); }
  Status updateHealth(const std::string& id, fleet::NodeStatus s,
                      std::optional<fleet::TimePoint>) override {
    std::lock_guard lock(mu);
    nodes[id].status = s;
    return okStatus();
  }
};

class NoStore final : public npu::NpuRepository {
 public:
  Status save(const npu::NodeNpuState&) override { return okStatus(); }
  Result<std::vector<npu::NodeNpuState>> loadAll() override { return std::vector<npu::NodeNpuState>{}; }
  Status remove(const std::string&) override { return okStatus(); }
  Status recordTransition(const npu::StatusTransition&) override { return okStatus(); }
  Result<std::vector<npu::StatusTransition>> transitions(const std::string&, int) override {
    return std::vector<npu::StatusTransition>{};
  }
};

class Signed final : public npu::WorkerClient {
 public:
  explicit Signed(auth::ServiceHttpClient& c) : c_(c) {}
  asio::awaitable<http::ClientResult> send(http::ClientRequest r) override { co_return co_await c_.send(std::move(r)); }
  auth::ServiceHttpClient& c_;
};

void BM_MonitorSweep1000With10PercentHung(benchmark::State& state) {
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);

  asio::io_context io;
  auto work = asio::make_work_guard(io);
  http::Router router;
  router.add("GET", "/health", [](http::Request&) -> asio::awaitable<http::Response> {
    co_return http::Response::json(200, boost::json::object{{"status", "healthy"}, {"utilization", 20},
                                                            {"queue_depth", 1}, {"loaded_models", {"m"}}});
  });
  router.add("GET", "/models", [](http::Request&) -> asio::awaitable<http::Response> {
    co_return http::Response::json(200, boost::json::object{{"available", {"m"}}, {"loaded", {"m"}}});
  });
  router.add("GET", "/stats", [](http::Request&) -> asio::awaitable<http::Response> {
    co_return http::Response::json(200, boost::json::object{{"running", 0}});
  });
  std::vector<std::unique_ptr<http::Server>> servers;
  std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> hung;
  std::vector<std::shared_ptr<asio::ip::tcp::socket>> held;
  std::mutex held_mu;
  MemoryNodes nodes;
  for (int i = 0; i < kWorkers; ++i) {
    std::string ip = "127.1." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
    uint16_t port = 0;
    if (i % kHungEvery == 0) {
      auto acc = std::make_unique<asio::ip::tcp::acceptor>(
          io, asio::ip::tcp::endpoint(asio::ip::make_address(ip), 0));
      port = acc->local_endpoint().port();
      auto* a = acc.get();
      std::function<void()> accept;
      auto accept_ptr = std::make_shared<std::function<void()>>();
      *accept_ptr = [a, &held, &held_mu, accept_ptr]() {
        auto s = std::make_shared<asio::ip::tcp::socket>(a->get_executor());
        a->async_accept(*s, [s, &held, &held_mu, accept_ptr](boost::system::error_code ec) {
          if (ec) return;
          std::lock_guard lock(held_mu);
          held.push_back(s);
          (*accept_ptr)();
        });
      };
      (*accept_ptr)();
      hung.push_back(std::move(acc));
    } else {
      http::ServerOptions o;
      o.listen = ip + ":0";
      auto s = std::make_unique<http::Server>(io, router, o, nullptr);
      auto b = s->start();
      if (!b) {
        state.SkipWithError(("cannot listen: " + b.error().message).c_str());
        return;
      }
      port = b->port;
      servers.push_back(std::move(s));
    }
    fleet::Node n;
    n.id = "node-" + std::to_string(i);
    n.name = n.id;
    n.ip = ip;
    n.npu_port = port;
    n.roles = {fleet::kNpuWorkerRole};
    nodes.nodes[n.id] = n;
  }
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < std::max(2u, std::thread::hardware_concurrency()); ++t) {
    threads.emplace_back([&] { io.run(); });
  }

  auto signer = auth::ServiceSigner::create("main-backend", std::string(64, 'k'), SystemClock::instance());
  auth::ServiceHttpClient service(io.get_executor(), *signer);
  Signed client(service);
  npu::NpuSettings settings;  // defaults
  settings.detect = {1000ms, 1000ms};  // setup only: detection of the hung ones
  npu::CapabilityDetector detector(client, settings.detect);
  npu::EventBus events(SystemClock::instance());
  NoStore store;
  npu::NpuRegistry registry(io.get_executor(), nodes, store, detector, events, SystemClock::instance(), settings);
  if (!registry.start().ok()) {
    state.SkipWithError("registry start failed");
    return;
  }
  npu::UtilizationHistory history(SystemClock::instance(), nullptr);
  npu::HealthMonitor monitor(io.get_executor(), registry, history, SystemClock::instance());
  // Let detection finish (hung ones fail after 1 s).
  for (int i = 0; i < 300; ++i) {
    size_t detecting = 0;
    for (auto& s : registry.activeStates()) detecting += s.detection_status == npu::DetectionStatus::kDetecting;
    if (detecting == 0) break;
    std::this_thread::sleep_for(20ms);
  }

  double all_outcomes_ms = 0;
  for (auto _ : state) {
    while (monitor.inFlight() > 0) std::this_thread::sleep_for(10ms);
    auto t0 = std::chrono::steady_clock::now();
    auto result = asio::co_spawn(io, monitor.sweep(), asio::use_future).get();
    while (monitor.inFlight() > 0) std::this_thread::sleep_for(1ms);
    all_outcomes_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    state.SetIterationTime(static_cast<double>(result.elapsed.count()) / 1000.0);
    state.counters["probed"] = static_cast<double>(result.probed);
  }
  size_t online = 0, not_online = 0;
  for (auto& s : registry.activeStates()) {
    (s.status == fleet::NodeStatus::kOnline ? online : not_online)++;
  }
  state.counters["all_outcomes_ms"] = all_outcomes_ms;
  state.counters["online"] = static_cast<double>(online);
  state.counters["not_online"] = static_cast<double>(not_online);

  work.reset();
  io.stop();
  for (auto& t : threads) t.join();
}

BENCHMARK(BM_MonitorSweep1000With10PercentHung)->Iterations(3)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
