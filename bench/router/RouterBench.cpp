// Processes for bench/run.sh (`make bench`), measured with wrk:
//   router_bench upstream --listen HOST:PORT [--max-concurrent N --service-ms MS] [--threads T]
//                         [--trusted-keys DIR [--replay-capacity N]]
//     an upstream answering POST /inference. Without --service-ms it answers at once (what the
//     proxy comparison needs: the proxy's own cost). With it, it behaves like a device with N
//     execution slots taking MS per request, later requests queueing, to compare strategies on
//     a heterogeneous fleet. It answers /health, /models and /stats as an npufleet worker does,
//     so a real `npufleet server` detects and routes to it, and with --trusted-keys it verifies
//     every signature as a worker does. A load generator's stand-in for a worker, never part of
//     the product.
//   router_bench router --listen HOST:PORT --strategy S --upstream ID=HOST:PORT:MAXCONC ...
//                       [--unsigned] [--key-file FILE]
//     the npufleet InferenceRouter (strategies, admission, failover, stats) on the npufleet HTTP
//     server and pooled client, with a fixed fleet, serving POST /inference. As in the control
//     plane, every upstream call is signed (auth::ServiceHttpClient, v1 + v2 headers) and the
//     server and routing stats record their Prometheus series. With --unsigned the upstream
//     calls go out unsigned through the same pooled client: not a product mode (the control
//     plane always signs), it shows how much of the router's cost is the signature.
// Both take --log-level (default info, the product's default, which writes one access-log line
// per request); bench/run.sh passes warn, the counterpart of nginx's `access_log off`.
#include <boost/asio.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <deque>
#include <fstream>
#include <boost/json.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include "auth/ServiceAuthConfig.h"
#include "auth/ServiceHttpClient.h"
#include "balancer/InferenceRouter.h"
#include "common/Log.h"
#include "http/AccessLog.h"
#include "http/Client.h"
#include "http/EventLoops.h"
#include "http/Server.h"

namespace asio = boost::asio;
using namespace npufleet;

namespace {

std::string arg(int argc, char** argv, const std::string& name, const std::string& fallback = "") {
  for (int i = 2; i + 1 < argc; ++i) {
    if (argv[i] == name) return argv[i + 1];
  }
  return fallback;
}

bool flag(int argc, char** argv, const std::string& name) {
  for (int i = 2; i < argc; ++i) {
    if (argv[i] == name) return true;
  }
  return false;
}

std::vector<std::string> args(int argc, char** argv, const std::string& name) {
  std::vector<std::string> out;
  for (int i = 2; i + 1 < argc; ++i) {
    if (argv[i] == name) out.emplace_back(argv[i + 1]);
  }
  return out;
}

class StaticFleet final : public balancer::CandidateSource {
 public:
  explicit StaticFleet(std::vector<balancer::RoutableNode> nodes)
      : snap_(std::make_shared<const std::vector<balancer::RoutableNode>>(std::move(nodes))) {}
  balancer::NodeSnapshot snapshot() const override { return snap_; }

 private:
  balancer::NodeSnapshot snap_;
};

// The control plane's SignedWorkerClient without TLS: every request signed, then pooled.
class SigningWorkerClient final : public balancer::WorkerClient {
 public:
  SigningWorkerClient(asio::any_io_executor ex, auth::ServiceSigner signer)
      : client_(std::move(ex), std::move(signer), http::Client::Options{1024, std::chrono::seconds(30)}) {}
  asio::awaitable<http::ClientResult> send(http::ClientRequest r) override {
    return client_.send(std::move(r));  // as the control plane's SignedWorkerClient
  }

 private:
  auth::ServiceHttpClient client_;
};

// --unsigned: the same pooled client with no signature (a measurement, not a product mode).
class UnsignedWorkerClient final : public balancer::WorkerClient {
 public:
  explicit UnsignedWorkerClient(asio::any_io_executor ex)
      : client_(std::move(ex), http::Client::Options{1024, std::chrono::seconds(30)}) {}
  asio::awaitable<http::ClientResult> send(http::ClientRequest r) override {
    return client_.send(std::move(r));
  }

 private:
  http::Client client_;
};

// Device stand-in: `slots` concurrent executions of `service` each; the rest wait in FIFO. A
// freed slot is handed over through a buffered channel, so a hand-over that comes before the
// waiter starts waiting is not lost.
using Gate = asio::experimental::concurrent_channel<void(boost::system::error_code)>;

struct SimulatedDevice {
  SimulatedDevice(asio::io_context& io, int slots, std::chrono::milliseconds service)
      : io(io), slots(slots), service(service) {}
  asio::io_context& io;
  int slots;
  std::chrono::milliseconds service;
  std::mutex mu;
  int busy = 0;
  std::deque<std::shared_ptr<Gate>> waiting;

  asio::awaitable<void> run() {
    std::shared_ptr<Gate> gate;
    {
      std::lock_guard lock(mu);
      if (busy < slots) {
        ++busy;
      } else {
        gate = std::make_shared<Gate>(io, 1);
        waiting.push_back(gate);
      }
    }
    if (gate) co_await gate->async_receive(asio::as_tuple(asio::use_awaitable));
    asio::steady_timer t(co_await asio::this_coro::executor, service);
    co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
    std::shared_ptr<Gate> next;
    {
      std::lock_guard lock(mu);
      if (waiting.empty()) {
        --busy;
      } else {
        next = waiting.front();  // the slot passes on
        waiting.pop_front();
      }
    }
    if (next) next->try_send(boost::system::error_code{});
  }
};

// Serves `router` on the event loops, as `npufleet server` does, until SIGINT or SIGTERM.
int runServer(http::EventLoops& loops, http::Router& router, const std::string& listen,
              std::shared_ptr<prometheus::Registry> metrics,
              std::vector<http::Middleware> middleware = {}) {
  http::ServerOptions o;
  o.listen = listen;
  const auto level = spdlog::level::to_string_view(spdlog::get_level());
  o.access_log = http::AccessLog::forLogLevel(std::string_view(level.data(), level.size()));
  http::Server server(loops, router, o, std::move(metrics));
  for (auto& m : middleware) server.use(std::move(m));
  auto bound = server.start();
  if (!bound) {
    std::cerr << bound.error().message << "\n";
    return 1;
  }
  std::cout << "listening on " << bound->str() << std::endl;
  asio::signal_set signals(loops.main(), SIGINT, SIGTERM);
  signals.async_wait([&](auto, int) { loops.stop(); });
  loops.run();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: router_bench upstream|router --listen HOST:PORT ...\n";
    return 2;
  }
  const std::string mode = argv[1];
  const int threads = std::atoi(arg(argc, argv, "--threads", "2").c_str());
  if (auto st = configureLogging(arg(argc, argv, "--log-level", "info")); !st) {
    std::cerr << st.error().message << "\n";
    return 2;
  }
  http::EventLoops loops(threads + 1);  // as npufleet server: a main loop, `threads` serving
  asio::io_context& io = loops.main();
  http::Router router;

  if (mode == "upstream") {
    const int service_ms = std::atoi(arg(argc, argv, "--service-ms", "0").c_str());
    const int max_concurrent = std::atoi(arg(argc, argv, "--max-concurrent", "4").c_str());
    auto device = std::make_shared<SimulatedDevice>(io, max_concurrent,
                                                    std::chrono::milliseconds(service_ms));
    router.add("POST", "/inference", [device, service_ms](http::Request&) -> asio::awaitable<http::Response> {
      if (service_ms > 0) co_await device->run();
      co_return http::Response::text(200, R"({"outputs":{"y":{"shape":[1],"data":[2.0]}}})",
                                     "application/json");
    }, {.body_limit = 1 << 20});
    // What the control plane's detection and monitor read from an npufleet worker, so that a
    // real `npufleet server` can route to this upstream.
    const boost::json::object health{{"status", "healthy"},
                                     {"service", "npufleet-worker"},
                                     {"device_type", "cpu"},
                                     {"max_concurrent", max_concurrent},
                                     {"memory_gb", 8},
                                     {"utilization", 0},
                                     {"queue_depth", 0},
                                     {"running", 0},
                                     {"loaded_models", boost::json::array{"bench"}}};
    router.add("GET", "/health", [health](http::Request&) -> asio::awaitable<http::Response> {
      co_return http::Response::json(200, health);
    });
    router.add("GET", "/models", [](http::Request&) -> asio::awaitable<http::Response> {
      co_return http::Response::json(
          200, boost::json::object{{"available", boost::json::array{"bench"}},
                                   {"loaded", boost::json::array{"bench"}}});
    });
    router.add("GET", "/stats", [](http::Request&) -> asio::awaitable<http::Response> {
      co_return http::Response::json(200, boost::json::object{{"models", boost::json::object{}}});
    });
    // --trusted-keys DIR: verify every request's signature as a real worker does (the same
    // auth.* configuration and middleware), so that every signing proxy in front pays for a
    // signature the worker accepts, and a wrong one shows as non-2xx answers.
    std::vector<http::Middleware> middleware;
    if (const auto keys = arg(argc, argv, "--trusted-keys"); !keys.empty()) {
      ConfigSchema schema;
      auth::addServiceAuthConfigKeys(schema);
      Config config(schema);
      // A bench run signs a few million requests within the replay window, more than a worker's
      // default replay cache holds (auth.replay_capacity, 500,000): past it, nonces are refused.
      for (auto st : {config.set("auth.trusted_keys_dir", keys, "--trusted-keys"),
                      config.set("auth.replay_capacity",
                                 arg(argc, argv, "--replay-capacity", "8000000"),
                                 "--replay-capacity")}) {
        if (!st) {
          std::cerr << st.error().message << "\n";
          return 2;
        }
      }
      auto setup = auth::makeServiceAuthFromConfig(config, SystemClock::instance());
      if (!setup) {
        std::cerr << setup.error().message << "\n";
        return 2;
      }
      middleware.push_back(setup->middleware());
    }
    return runServer(loops, router, arg(argc, argv, "--listen", "127.0.0.1:18081"), nullptr,
                     std::move(middleware));
  }

  if (mode == "router") {
    std::vector<balancer::RoutableNode> nodes;
    for (const auto& spec : args(argc, argv, "--upstream")) {
      // ID=HOST:PORT:MAXCONC
      auto eq = spec.find('=');
      auto c1 = spec.find(':', eq);
      auto c2 = spec.find(':', c1 + 1);
      if (eq == std::string::npos || c1 == std::string::npos || c2 == std::string::npos) {
        std::cerr << "--upstream must be ID=HOST:PORT:MAXCONCURRENT\n";
        return 2;
      }
      balancer::RoutableNode n;
      n.nodeId = spec.substr(0, eq);
      n.ip = spec.substr(eq + 1, c1 - eq - 1);
      n.port = static_cast<uint16_t>(std::atoi(spec.substr(c1 + 1, c2 - c1 - 1).c_str()));
      n.maxConcurrent = std::atoi(spec.substr(c2 + 1).c_str());
      n.status = balancer::NodeHealth::kOnline;
      n.hasRole = true;
      n.models = {"bench"};
      nodes.push_back(n);
    }
    balancer::LoadBalancingConfig cfg;
    auto kind = balancer::parseStrategyName(arg(argc, argv, "--strategy", "least-loaded"));
    if (!kind) {
      std::cerr << "unknown --strategy\n";
      return 2;
    }
    cfg.strategy = *kind;
    if (cfg.strategy == balancer::StrategyKind::kModelAffinity) {
      cfg.modelAffinity["bench"] = {nodes.front().nodeId};
    }
    cfg.queueLimit = 100000;
    StaticFleet fleet(nodes);
    // The key of --key-file (one line), else a fixed one: an upstream without --trusted-keys
    // does not verify, but the router pays for the signature as the control plane does.
    std::string key(32, 'k');
    if (const auto file = arg(argc, argv, "--key-file"); !file.empty()) {
      std::ifstream in(file);
      if (!std::getline(in, key)) {
        std::cerr << "cannot read --key-file " << file << "\n";
        return 2;
      }
    }
    auto signer = auth::ServiceSigner::create("bench-router", std::move(key),
                                              SystemClock::instance());
    if (!signer) {
      std::cerr << signer.error().message << "\n";
      return 2;
    }
    std::unique_ptr<balancer::WorkerClient> client;
    if (flag(argc, argv, "--unsigned")) {
      client = std::make_unique<UnsignedWorkerClient>(io.get_executor());
    } else {
      client = std::make_unique<SigningWorkerClient>(io.get_executor(), std::move(*signer));
    }
    auto metrics = std::make_shared<prometheus::Registry>();
    balancer::RoutingStats stats(SystemClock::instance(), metrics);
    balancer::InferenceRouter inference(fleet, *client, SystemClock::instance(), stats, {}, cfg);
    router.add("POST", "/inference", [&inference](http::Request& req) -> asio::awaitable<http::Response> {
      return inference.route(std::move(req.body));
    }, {.body_limit = 1 << 20});
    router.add("GET", "/stats", [&inference](http::Request&) -> asio::awaitable<http::Response> {
      co_return http::Response::json(200, inference.statsJson());
    });
    return runServer(loops, router, arg(argc, argv, "--listen", "127.0.0.1:18080"), metrics);
  }
  std::cerr << "unknown mode '" << mode << "'\n";
  return 2;
}
